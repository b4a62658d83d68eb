"""Dtype names shared by every backend."""
from __future__ import annotations

FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
ALLOWED = FLOAT_TYPES + ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                         "uint32", "uint64", "complex64", "complex128")
_PY = {float: "float32", bool: "bool"}


_cache: dict = {}


def standardize_dtype(dtype) -> str:
    """Canonical name of ``dtype`` (a string, Python type, numpy/torch/tf/jax dtype); None -> floatx."""
    if dtype is None:
        from kfront import config
        return config.floatx()
    if dtype is int or dtype is complex or (isinstance(dtype, str) and dtype == "int"):
        return _python_number(dtype)
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


def _python_number(dtype) -> str:
    """The name of the Python types ``int`` (and the string "int") and ``complex`` as Keras's
    on the framework: 64-bit on TensorFlow, 32-bit (complex64) on torch and JAX; the native
    engine is compared with Keras on TensorFlow (and these are NumPy's defaults too)."""
    from kfront import config
    wide = config.backend() in ("tensorflow", "numpy")
    if dtype is complex:
        return "complex128" if wide else "complex64"
    return "int64" if wide else "int32"


def is_float(dtype) -> bool:
    return standardize_dtype(dtype) in FLOAT_TYPES


def foreign_framework(x) -> str | None:
    """The framework that made ``x`` when it is a torch/tf/jax/cupy tensor, else None."""
    root = type(x).__module__.split(".")[0]
    return {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax", "jaxlib": "jax",
            "cupy": "cupy"}.get(root)


def foreign_to_numpy(x, backend: str, what: str):
    """An eager tensor of another framework as a numpy array, as Keras 3 reads one on any
    backend (through the array protocol, as data: no gradient flows back to its framework).
    A symbolic one (a JAX tracer, a TF graph tensor) cannot be read and raises a TypeError.

    Example:
    >>> foreign_to_numpy([1.0, 2.0], "numpy", "add").tolist()
    [1.0, 2.0]
    """
    import numpy
    fw = foreign_framework(x)
    try:
        if fw == "torch":
            x = x.detach().cpu()
            return numpy.asarray(x.float() if str(x.dtype) == "torch.bfloat16" else x)
        return numpy.asarray(x)
    except Exception as e:  # tracers, graph tensors, GPU arrays numpy cannot read implicitly
        raise TypeError(f"{what}: got a {fw} tensor ({type(x).__name__}) that the active kfront "
                        f"backend {backend!r} cannot read as data ({type(e).__name__}: {e}); "
                        f"pass a concrete array, or select the {fw} backend with "
                        f"KFRONT_BACKEND={fw}") from e


# Keras 3's type promotion lattice (adapted by Keras from JAX): each dtype -> its next ones up.
# "int"/"float" are the weak types of Python scalars, resolved to floatx's width at the end.
_LATTICE = {"bool": ["int"], "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
            "uint32": ["int64", "uint64"], "uint64": ["float"],
            "int": ["uint8", "int8", "complex64"],
            "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
            "float": ["bfloat16", "float16"], "bfloat16": ["float32"], "float16": ["float32"],
            "float32": ["float64", "complex64"], "float64": ["complex128"],
            "complex64": ["complex128"], "complex128": []}


def _upper_bounds() -> dict:
    bounds = {}
    for node in _LATTICE:
        up, todo = {node}, [node]
        while todo:
            for nxt in _LATTICE[todo.pop()]:
                if nxt not in up:
                    up.add(nxt)
                    todo.append(nxt)
        bounds[node] = up
    return bounds


_UPPER = _upper_bounds()
# as Keras on TensorFlow, whose 64-bit rule kfront follows: int64 and float64 are kept
_NARROW = {"uint64": "uint32", "complex128": "complex64"}


def _least_upper_bound(nodes: set) -> str:
    common = set.intersection(*(_UPPER[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(f"result_type: dtypes {sorted(nodes)} have no implicit promotion; "
                         "cast the inputs explicitly")
    return least.pop()


def result_type(*dtypes) -> str:
    """The dtype Keras 3's promotion rules give ``dtypes`` (dtype names, tensors' dtypes, or the
    Python types ``int``/``float``/``bool``, which are weak; None is floatx); no dtype: floatx."""
    from kfront import config
    if not dtypes:
        return config.floatx()
    pairs = [(standardize_dtype(config.floatx() if d is None else d), d is int or d is float)
             for d in dtypes]
    names = {n for n, _ in pairs}
    if len(pairs) == 1 or (len(names) == 1 and not all(w for _, w in pairs)):
        out, weak = pairs[0][0], len(pairs) == 1 and pairs[0][1]
    elif all(w for _, w in pairs):
        out, weak = _least_upper_bound(names), True
    else:
        out = _least_upper_bound({_weak(n) if w else n for n, w in pairs})
        weak = out in ("int", "float")
    if weak and out != "bool":
        bits = config.floatx()[-2:]
        out = {"b": "bool", "i": f"int{bits}", "u": f"uint{bits}"}.get(
            "f" if out == "bfloat16" else out[0], f"float{bits}")
    return _NARROW.get(out, out)


def _weak(name: str) -> str:
    """The weak type of a Python scalar's dtype (``int`` -> int32 -> "int")."""
    return "float" if "float" in name else "int"
