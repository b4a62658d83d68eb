"""Variables, conversion and dtypes on the native engine."""
from __future__ import annotations

import contextlib

import numpy

from kfront.backends.common.device_scope import missing as missing_device
from kfront.backends.common.dtypes import foreign_framework, foreign_to_numpy, standardize_dtype
from kfront.backends.common.variables import KVariable
from kfront.backends.numpy import engine
from kfront.backends.numpy.engine import Tensor, get_xp, primitive

NAME = "numpy"


class Variable(KVariable):
    """A kfront Variable holding an ``xp`` array (numpy, or cupy) that it alone owns.

    ``assign`` stores a private copy and ``numpy()`` returns one, so nothing outside can
    alias the buffer; the fused optimizer kernels rely on that to update slots in place.
    """

    def _convert(self, value, dtype):
        return _to_array(value, dtype, f"Variable {self.name!r}").copy()

    def _adopt(self, value, dtype):
        return _to_array(value, dtype, f"Variable {self.name!r}")  # no one else holds it

    def _assign(self, value):
        value = _to_array(engine.raw(value), self._value.dtype, f"Variable {self.name!r}")
        if value.shape != self._value.shape:
            raise ValueError(f"Cannot assign a value of shape {value.shape} to Variable "
                             f"{self.path!r} of shape {self._value.shape}")
        self._value = value.copy()

    def _host_buffer(self):
        v = self._value
        return v if isinstance(v, numpy.ndarray) and v.flags.c_contiguous and \
            v.flags.writeable else None

    def numpy(self) -> numpy.ndarray:
        return convert_to_numpy(self._value).copy()


def _to_array(x, dtype, what="convert_to_tensor"):
    if isinstance(x, KVariable):
        x = x._value
    elif type(x) is Tensor:
        x = x.data
    fw = foreign_framework(x)
    if fw is not None and fw != "cupy":
        x, fw = foreign_to_numpy(x, "numpy", what), None
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if fw == "cupy":
        return x if dtype is None else x.astype(dtype, copy=False)
    if dtype is None and not hasattr(x, "dtype"):
        a = numpy.asarray(x)
        if a.dtype == numpy.float64:
            from kfront import config
            return a.astype(config.floatx())
        if a.dtype == numpy.int64:
            return a.astype("int32")
        return a
    return numpy.asarray(x, dtype=dtype)


def convert_to_tensor(x, dtype=None, sparse=None):
    """``x`` as an ``xp`` array (a tracked Tensor stays tracked when dtype allows)."""
    if type(x) is Tensor or isinstance(x, KVariable):
        if dtype is None or standardize_dtype(dtype) == standardize_dtype(engine.raw(x).dtype):
            d, t = engine._lift(x, engine.recording())
            return d if t is None else t
        return cast(x, dtype)
    return _to_array(x, dtype)


def convert_to_numpy(x) -> numpy.ndarray:
    """``x`` as a numpy array (copied from the GPU for cupy data)."""
    x = engine.raw(x)
    if get_xp(x) is not numpy:
        return x.get()
    if foreign_framework(x) is not None:
        return foreign_to_numpy(x, "numpy", "convert_to_numpy")
    return numpy.asarray(x)


def is_tensor(x) -> bool:
    return type(x) is Tensor or isinstance(x, numpy.ndarray) or foreign_framework(x) == "cupy"


@primitive
def cast(x, dtype):
    dtype = standardize_dtype(dtype)
    x = get_xp(x).asarray(x)
    src = x.dtype
    out = x.astype(dtype, copy=False)
    floats = out.dtype.kind == "f" == src.kind
    return out, lambda g, needs: (g.astype(src, copy=False) if floats else None,)


def shape(x) -> tuple:
    return tuple(numpy.shape(engine.raw(x)))  # numpy.shape: Python scalars and lists too, as Keras


def dtype(x) -> str:
    if isinstance(x, KVariable):
        return x.dtype  # an AutocastScope's dtype inside one
    return standardize_dtype(engine.raw(x).dtype)


def device_module(x):
    """The array module of ``x`` (``numpy`` or ``cupy``)."""
    return get_xp(engine.raw(x))


def device_scope(kind: str, index: int | None, name: str):
    """The native engine's device scope (``kfront.device``): the CPU is a no-op, a GPU is
    CuPy's CUDA device ``index``."""
    if kind == "cpu":
        return contextlib.nullcontext()
    if kind != "gpu":
        raise missing_device(name, "the native engine runs on the CPU with NumPy or on a CUDA "
                                   "GPU with CuPy")
    try:
        import cupy  # noqa: PLC0415  (GPU path only)
    except ImportError:
        raise RuntimeError(f"device({name!r}): the native engine runs on a GPU through CuPy, "
                           f"which is not installed: pip install 'kfront[cupy]'") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        count = 0
    if (index or 0) >= count:
        raise missing_device(name, f"CuPy sees {count} CUDA device(s)")
    return cupy.cuda.Device(index or 0)


def remat(f):
    """``f`` itself: the native engine keeps the intermediates for the backward instead of
    recomputing them, which gives the same results and gradients as a rematerialized call."""
    return f
