"""A pickle reader that admits only data: arrays, lists, dicts, tuples, strings, numbers.

Dataset files that Keras reads with ``pickle`` (the CIFAR batches, the ragged IMDB and
Reuters arrays inside their ``.npz`` files) are read here with an unpickler whose
``find_class`` allows only what rebuilding a NumPy array needs. A crafted file whose
``__reduce__`` names any other callable (``os.system``, ``builtins.eval``, ...) is refused
with a ``pickle.UnpicklingError`` naming the file, before anything runs.

Example:
    >>> import io, pickle
    >>> import numpy as np
    >>> from kfront.utils.safe_pickle import load_pickle
    >>> data = pickle.dumps({b"data": np.arange(3, dtype="uint8"), b"labels": [1, 2, 3]})
    >>> out = load_pickle(io.BytesIO(data), encoding="bytes")
    >>> out[b"data"].tolist(), out[b"labels"]
    ([0, 1, 2], [1, 2, 3])
    >>> class Evil:
    ...     def __reduce__(self):
    ...         return (print, ("pwned",))
    >>> load_pickle(io.BytesIO(pickle.dumps(Evil())), name="evil.pkl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: evil.pkl: refusing to load `builtins.print` from a pickled data file ...
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import IO, Any

import numpy as np

__all__ = ["SafeUnpickler", "load_pickle", "load_npz"]

_ALLOWED = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),  # how Python 3 pickles a bytes object under protocol < 3
    ("builtins", "bytearray"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("collections", "OrderedDict"),
})


class SafeUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only the data classes listed above.

    Args:
        file: A binary file object to read from.
        name: The file name used in error messages.
        **kwargs: Passed to ``pickle.Unpickler`` (``encoding=``, ...).

    Example:
        >>> import io, pickle
        >>> from kfront.utils.safe_pickle import SafeUnpickler
        >>> SafeUnpickler(io.BytesIO(pickle.dumps([1, "a", (2.5,)]))).load()
        [1, 'a', (2.5,)]
    """

    def __init__(self, file: IO[bytes], name: str = "<pickle>", **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.name = name

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"{self.name}: refusing to load `{module}.{name}` from a pickled data file (only "
            "arrays, lists, dicts, tuples, strings and numbers are admitted); the file is "
            "corrupt or was crafted to run code")


def load_pickle(file: str | os.PathLike | IO[bytes], name: str | None = None,
                **kwargs: Any) -> Any:
    """Reads one pickled object holding only data, refusing anything that could run code.

    Args:
        file: A path or a binary file object.
        name: The name to use in error messages (default: the path).
        **kwargs: Passed to the unpickler (for instance ``encoding="bytes"``).

    Returns:
        The object read.

    Raises:
        pickle.UnpicklingError: the file names a class or function outside the data set
            (the message names the file).
        ValueError: the file is not a readable pickle (the message names the file).

    Example:
        >>> import io, pickle
        >>> from kfront.utils.safe_pickle import load_pickle
        >>> load_pickle(io.BytesIO(pickle.dumps({"a": [1, 2]})))
        {'a': [1, 2]}
    """
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            return load_pickle(f, name=name or os.fspath(file), **kwargs)
    name = name or getattr(file, "name", "<pickle>")
    try:
        return SafeUnpickler(file, name=name, **kwargs).load()
    except pickle.UnpicklingError as e:
        if str(e).startswith(f"{name}:"):
            raise
        raise ValueError(f"{name}: not a readable pickle file: {e}") from e
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        raise ValueError(f"{name}: not a readable pickle file: {type(e).__name__}: {e}") from e


def _read_npy(fp: IO[bytes], name: str) -> np.ndarray:
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    if dtype.hasobject:
        array = load_pickle(fp, name=name, encoding="latin1")
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{name}: expected a pickled array, found {type(array).__name__}")
        return array
    count = int(np.prod(shape)) if shape else 1
    data = np.frombuffer(fp.read(count * dtype.itemsize), dtype=dtype)
    if data.size != count:
        raise ValueError(f"{name}: truncated array ({data.size} of {count} values)")
    return data.reshape(shape, order="F" if fortran else "C").copy()


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Reads every array of an ``.npz`` file; object arrays go through ``SafeUnpickler``.

    Args:
        path: The ``.npz`` file.

    Returns:
        A dict from array name (without ``.npy``) to NumPy array.

    Raises:
        ValueError: the file is not a readable ``.npz`` archive (the message names it).
        pickle.UnpicklingError: an object array names a non-data class (names the file).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from kfront.utils.safe_pickle import load_npz
        >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
        >>> ragged = np.array([[1, 2], [3]], dtype=object)
        >>> np.savez(path, x=ragged, y=np.arange(2))
        >>> out = load_npz(path)
        >>> [list(s) for s in out["x"]], out["y"].tolist()
        ([[1, 2], [3]], [0, 1])
    """
    path = os.fspath(path)
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                key = member[:-4] if member.endswith(".npy") else member
                with archive.open(member) as fp:
                    out[key] = _read_npy(io.BytesIO(fp.read()), f"{path} ({member})")
    except pickle.UnpicklingError:
        raise
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as e:
        if isinstance(e, ValueError) and str(e).startswith(path):
            raise
        raise ValueError(f"{path}: not a readable .npz archive: {type(e).__name__}: {e}") from e
    return out
