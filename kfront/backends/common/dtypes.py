"""Dtype names shared by every backend."""
from __future__ import annotations

FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
ALLOWED = FLOAT_TYPES + ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                         "uint32", "uint64", "complex64", "complex128")
_PY = {float: "float32", int: "int32", bool: "bool"}


_cache: dict = {}


def standardize_dtype(dtype) -> str:
    """Canonical name of ``dtype`` (a string, Python type, numpy/torch/tf/jax dtype); None -> floatx."""
    if dtype is None:
        from kfront import config
        return config.floatx()
    try:
        return _cache[dtype]
    except (KeyError, TypeError):  # TypeError: an unhashable dtype-like
        pass
    name = _standardize(dtype)
    try:
        _cache[dtype] = name
    except TypeError:
        pass
    return name


def _standardize(dtype) -> str:
    if dtype in _PY:
        return _PY[dtype]
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        name = str(dtype)
        if isinstance(dtype, type):
            import numpy
            try:
                name = numpy.dtype(dtype).name
            except TypeError:
                pass
    name = name.replace("torch.", "")
    if name == "float":
        name = "float32"
    if name not in ALLOWED:
        raise ValueError(f"Unknown dtype {dtype!r}: expected one of {', '.join(ALLOWED)}")
    return name


def is_float(dtype) -> bool:
    return standardize_dtype(dtype) in FLOAT_TYPES


def foreign_framework(x) -> str | None:
    """The framework that made ``x`` when it is a torch/tf/jax/cupy tensor, else None."""
    root = type(x).__module__.split(".")[0]
    return {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax", "jaxlib": "jax",
            "cupy": "cupy"}.get(root)
