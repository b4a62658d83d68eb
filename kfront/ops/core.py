"""Conversion, dtypes and gradients of the kfront ops interface."""
from __future__ import annotations

from kfront.backends import B
from kfront.backends.common.dtypes import standardize_dtype  # noqa: F401  (re-exported)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (array, list, scalar, Variable) as the active backend's tensor.

    Python floats become floatx, Python ints int32; arrays keep their dtype unless ``dtype``.
    kfront tensors are dense: ``ragged=True`` raises ``ValueError``."""
    if ragged:
        raise ValueError("convert_to_tensor: ragged=True is not supported, kfront tensors are "
                         "dense (expected ragged=None or False)")
    return B.convert_to_tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """Any backend tensor or Variable as a numpy array."""
    return B.convert_to_numpy(x)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (differentiable between float dtypes)."""
    return B.cast(x, dtype)


def shape(x) -> tuple:
    """The shape as a tuple of ints."""
    return B.shape(x)


def dtype(x) -> str:
    """The dtype name, e.g. ``"float32"``."""
    return B.dtype(x)


def is_tensor(x) -> bool:
    """True for the active backend's tensors."""
    return B.is_tensor(x)


def stop_gradient(variable):
    """``variable`` (a tensor or Variable) with no gradient flowing back through it."""
    return B.stop_gradient(variable)


def value_and_grad(fn, argnums=0, has_aux=False):
    """``g(*args) -> (value, grads)``: ``fn``'s value and gradient w.r.t. ``args[argnums]``.

    The gradient API shared by every backend (JAX's spelling). Differentiated arguments may be
    arrays, Variables or nested lists/tuples/dicts of them; grads mirror their structure. With
    ``has_aux=True``, ``fn`` returns ``(value, aux)`` and ``g`` returns ``((value, aux), grads)``.

    Example (the seed lecture's linear regression, fitted by gradient descent):
        >>> import numpy as np
        >>> from kfront import ops
        >>> X = np.arange(20.0, dtype="float32"); Y = 2 * X + 1
        >>> cost = lambda W, b: ops.mean(ops.square(X * W + b - Y))
        >>> step = ops.value_and_grad(cost, argnums=(0, 1))
        >>> W, b = 0.0, 0.0
        >>> for _ in range(2000):
        ...     c, (dW, db) = step(W, b)
        ...     W, b = W - 0.005 * dW, b - 0.005 * db
        >>> round(float(W), 1)
        2.0
    """
    return B.value_and_grad(fn, argnums=argnums, has_aux=has_aux)
