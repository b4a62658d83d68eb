"""Numerical helpers matching ``keras.utils.to_categorical`` and ``keras.utils.normalize``.

Pure NumPy: both take array-likes (lists, NumPy arrays, CPU tensors of any backend
that ``numpy.asarray`` understands) and return NumPy arrays.

Differences from Keras 3 (deliberate; the values are otherwise identical):

* ``to_categorical`` always returns float32. Keras 3 returns float64 for lists and
  for NumPy arrays under the TensorFlow, PyTorch and JAX backends (it builds the
  result with ``np.zeros``), but float32 under its NumPy backend (where a NumPy array
  counts as a tensor and goes through ``one_hot``). Keras 2 also returned float32.
* ``to_categorical`` raises ``ValueError`` for negative labels and for labels
  ``>= num_classes``; Keras silently wraps negative labels around (``-1`` becomes the
  last class) and fails with an ``IndexError`` on too-large ones.
* ``normalize`` keeps the input's shape and honours ``axis=0``. Keras's NumPy path
  turns a 1-D input into shape ``(1, n)``, and with ``axis=0`` divides along the last
  axis instead (``axis = axis or -1``), which gives wrong values or a broadcast error.
"""

from __future__ import annotations

import numpy as np

__all__ = ["to_categorical", "normalize"]

_ONE_HOT_DTYPE = "float32"


def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a binary class matrix.

    E.g. for use with ``categorical_crossentropy``. Same contract as
    ``keras.utils.to_categorical``: values are cast to int64 (floats truncate), a
    trailing dimension of size 1 is dropped when the input has at least two
    dimensions (``(n, 1)`` gives ``(n, num_classes)``, ``(1,)`` stays ``(1, num_classes)``),
    and the class axis is appended last.

    Args:
        x: Array-like with class values to be converted into a matrix
            (integers from 0 to ``num_classes - 1``).
        num_classes: Total number of classes. If ``None`` (or 0, as in Keras), it is
            inferred as ``max(x) + 1``.

    Returns:
        A float32 NumPy array of shape ``x.shape + (num_classes,)`` (after the
        trailing-1 squeeze) holding ones at the class positions and zeros elsewhere.

    Raises:
        ValueError: a label is negative or ``>= num_classes``, ``num_classes`` is
            negative, or ``x`` is empty and ``num_classes`` is not given.

    Example:
        >>> from kfront.utils import to_categorical
        >>> to_categorical([0, 1, 2, 3], num_classes=4)
        array([[1., 0., 0., 0.],
               [0., 1., 0., 0.],
               [0., 0., 1., 0.],
               [0., 0., 0., 1.]], dtype=float32)
        >>> to_categorical([[1], [0]]).shape
        (2, 2)
    """
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    # Shrink the last dimension if the shape is (..., 1), as Keras does.
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)

    if x.size and x.min() < 0:
        bad = np.unique(x[x < 0])[:10].tolist()
        raise ValueError(f"to_categorical: class labels must be >= 0, got negative label(s) {bad}")
    if not num_classes:
        if num_classes is not None and num_classes < 0:
            raise ValueError(f"to_categorical: num_classes must be positive, got {num_classes}")
        if not x.size:
            raise ValueError("to_categorical: cannot infer num_classes from an empty input; pass num_classes")
        num_classes = int(x.max()) + 1
    else:
        if int(num_classes) != num_classes or num_classes < 0:
            raise ValueError(f"to_categorical: num_classes must be a positive integer, got {num_classes!r}")
        num_classes = int(num_classes)
        if x.size and x.max() >= num_classes:
            bad = np.unique(x[x >= num_classes])[:10].tolist()
            raise ValueError(
                f"to_categorical: class labels must be < num_classes={num_classes}, got label(s) {bad}"
            )

    categorical = np.zeros((x.shape[0], num_classes), dtype=_ONE_HOT_DTYPE)
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array along one axis, like ``keras.utils.normalize``.

    Each slice along ``axis`` is divided by its ``order``-norm
    (``numpy.linalg.norm(x, order, axis)``); slices whose norm is 0 are left unchanged.

    Args:
        x: Array to normalize. NumPy arrays keep their float dtype (integer arrays give
            float64, as ``x / norm`` does in NumPy); lists and integer tensors become
            float32, as in the backend-tensor path of Keras; float tensors keep their dtype.
        axis: Axis along which to normalize.
        order: Normalization order (e.g. ``order=2`` for L2 norm, ``1`` for L1,
            ``numpy.inf`` for max-abs).

    Returns:
        A normalized copy of the array, with the shape of ``x``.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import normalize
        >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
        [[0.6, 0.8], [0.0, 0.0]]
        >>> normalize(np.array([[1.0, 3.0], [1.0, 1.0]]), axis=0, order=1).tolist()
        [[0.5, 0.75], [0.5, 0.25]]
    """
    if not isinstance(x, np.ndarray):
        is_tensor = hasattr(x, "dtype")  # a backend tensor keeps its float dtype
        x = np.asarray(x)
        if not is_tensor or not np.issubdtype(x.dtype, np.floating):
            x = x.astype("float32")
    norm = np.linalg.norm(x, order, axis, keepdims=True)
    norm = np.where(norm == 0, np.ones_like(norm), norm)
    return x / norm
