"""The backend-independent part of ``kfront.Variable``.

Each backend subclasses ``KVariable`` and stores its own kind of array in ``_value``
(numpy/cupy array, torch Parameter, tf.Variable, jax array); ``_assign`` and ``_convert``
are the only backend hooks.
"""
from __future__ import annotations

import contextlib
import itertools

import numpy as np

from kfront import backends as _backends
from kfront.backends.common.name_scope import scoped

_uid = itertools.count()
_deferred: list = []  # the open deferred_initialization() scopes' pending lists, innermost last
#: the open AutocastScope (``[None]``: none); backends read it wherever they read a Variable
AUTOCAST: list = [None]
_FLOATS = ("float16", "bfloat16", "float32", "float64")


class AutocastScope:
    """Within this scope float Variables (with ``autocast=True``) read as ``dtype``, as
    Keras's ``AutocastScope``: a layer with a mixed policy such as ``"mixed_float16"`` opens one
    around its ``call``, so its float32 weights enter its ops as float16 (the cast is
    differentiable: gradients reach the float32 variables in float32). ``dtype=None`` turns
    autocasting off inside the scope.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.backends.common.variables import AutocastScope
        >>> v = kfront.Variable(np.ones(2, "float32"))
        >>> with AutocastScope("float16"):
        ...     kfront.ops.dtype(kfront.ops.add(v, 1.0)), v.dtype
        ('float16', 'float16')
        >>> v.dtype
        'float32'
    """

    def __init__(self, dtype: str | None):
        if dtype is not None:
            from kfront.backends.common.dtypes import standardize_dtype
            dtype = standardize_dtype(dtype)
            if dtype not in _FLOATS:
                raise ValueError(f"AutocastScope: `dtype` must be a float dtype, got {dtype!r}")
        self.dtype = dtype
        self._outer = None

    def maybe_cast(self, value):
        """``value`` cast to the scope's dtype when it is a float tensor."""
        from kfront import ops
        if self.dtype is not None and ops.dtype(value) in _FLOATS:
            return ops.cast(value, self.dtype)
        return value

    def __enter__(self):
        self._outer = AUTOCAST[0]
        AUTOCAST[0] = self
        return self

    def __exit__(self, *exc):
        AUTOCAST[0] = self._outer


def get_autocast_scope() -> AutocastScope | None:
    """The open ``AutocastScope``, or ``None``."""
    return AUTOCAST[0]


def autocast_dtype(variable) -> str | None:
    """The dtype ``variable`` reads as in the open AutocastScope, or ``None`` when it reads as
    itself (no scope, ``autocast=False``, not a float, or already of that dtype)."""
    scope = AUTOCAST[0]
    if scope is None or scope.dtype is None or not getattr(variable, "autocast", True):
        return None
    from kfront.backends.common.dtypes import standardize_dtype
    own = standardize_dtype(variable._value.dtype)
    return scope.dtype if own in _FLOATS and own != scope.dtype else None


@contextlib.contextmanager
def deferred_initialization():
    """Within this scope, variables made from an initializer skip its draw and start as
    uninitialized memory; the scope yields ``finish(done)``, which runs the initializers of
    the variables not in ``done`` (a collection of variables given their values meanwhile).
    Loading a model uses it: the file overwrites almost every variable, so drawing them first
    is wasted time.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.backends.common.variables import deferred_initialization
        >>> with deferred_initialization() as finish:
        ...     a = kfront.Variable(kfront.initializers.Ones(), shape=(2,))
        ...     b = kfront.Variable(kfront.initializers.Ones(), shape=(2,))
        >>> a.assign(np.zeros(2))
        >>> finish([a])
        >>> a.numpy().tolist(), b.numpy().tolist()
        ([0.0, 0.0], [1.0, 1.0])
    """
    pending: list = []
    _deferred.append(pending)

    def finish(done) -> None:
        done = {id(v) for v in done}
        for variable, initializer, shape, dtype in pending:
            if id(variable) not in done:
                variable.assign(initializer(shape, dtype=dtype))
        pending.clear()
    try:
        yield finish
    finally:
        _deferred.remove(pending)


def _uninitialized(shape: tuple, dtype: str):
    """Uninitialized host memory of ``shape``/``dtype``, or None where numpy lacks the dtype."""
    try:
        return np.empty(shape, np.dtype(dtype))
    except TypeError:
        return None


class KVariable:
    """A mutable, named tensor: a layer weight or an optimizer slot.

    Example:
        >>> import numpy as np, kfront
        >>> v = kfront.Variable(np.ones((2, 3)), name="w")
        >>> v.assign_sub(np.ones((2, 3)))
        >>> float(np.asarray(v).sum())
        0.0
    """

    def __array_ufunc__(self, ufunc, method, *args, **kw):
        """``array * var`` and ``array += var`` run kfront's op (tracked under a tape)."""
        return operator_ufunc(_ops(), ufunc, method, args, kw)

    def __init__(self, initializer=None, shape=None, dtype=None, trainable: bool = True,
                 name: str | None = None, constraint=None, aggregation="none",
                 synchronization="auto", autocast: bool = True):
        from kfront import config
        if callable(initializer) and not hasattr(initializer, "shape"):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs a shape")
            dtype = dtype or config.floatx()
            value = _uninitialized(tuple(shape), dtype) if _deferred else None
            owned = value is not None
            if owned:
                _deferred[-1].append((self, initializer, tuple(shape), dtype))
            else:
                value = initializer(tuple(shape), dtype=dtype)
        else:
            owned = False
            if initializer is None:
                raise ValueError(f"Variable {name!r}: give an initial value or an initializer")
            value = initializer
            dtype = dtype or _default_dtype(value, config.floatx())
        self.name = name or f"variable_{next(_uid)}"
        self.path = scoped(self.name)  # under the open kfront.name_scope, as Keras
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.autocast = bool(autocast)
        self._generation = _backends.generation()
        self._value = self._adopt(value, dtype) if owned else self._convert(value, dtype)
        if shape is not None and tuple(self.shape) != tuple(shape):
            raise ValueError(f"Variable {self.name!r}: initial value has shape "
                             f"{tuple(self.shape)}, expected {tuple(shape)}")

    # --- backend hooks -------------------------------------------------------------------
    def _convert(self, value, dtype):
        raise NotImplementedError

    def _assign(self, value):
        raise NotImplementedError

    def _adopt(self, value: np.ndarray, dtype):
        """``_convert`` for a numpy array no one else holds (a backend may keep it uncopied)."""
        return self._convert(value, dtype)

    def _host_buffer(self) -> np.ndarray | None:
        """A writable, C-contiguous numpy array sharing this variable's storage, or ``None``
        where the storage is not host memory numpy can address (loading then assigns)."""
        return None

    # --- public API ----------------------------------------------------------------------
    def _check_backend(self):
        if self._generation != _backends.generation():
            raise RuntimeError(f"Variable {self.name!r} was created on another backend before "
                               f"kfront.config.set_backend(); rebuild the model after switching")

    @property
    def value(self):
        """The current value, as the backend's tensor (in an AutocastScope's dtype inside
        one, as Keras's autocasting variables)."""
        self._check_backend()
        if AUTOCAST[0] is not None:
            dtype = autocast_dtype(self)
            if dtype is not None:
                from kfront.backends import B
                return B.cast(self._value, dtype)
        return self._value

    @property
    def shape(self) -> tuple:
        return tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= int(s)
        return n

    @property
    def dtype(self) -> str:
        """The dtype (an open AutocastScope's dtype inside one, for float variables)."""
        from kfront import ops
        if AUTOCAST[0] is not None:
            dtype = autocast_dtype(self)
            if dtype is not None:
                return dtype
        return ops.standardize_dtype(self._value.dtype)

    def assign(self, value) -> None:
        """Replace the value (same shape)."""
        self._check_backend()
        self._assign(value)
        self._version = getattr(self, "_version", 0) + 1

    def assign_add(self, value) -> None:
        from kfront import ops
        self.assign(ops.add(self._value, value))

    def assign_sub(self, value) -> None:
        from kfront import ops
        self.assign(ops.subtract(self._value, value))

    def numpy(self) -> np.ndarray:
        from kfront import ops
        return ops.convert_to_numpy(self._value)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())

    def __bool__(self) -> bool:
        return bool(self.numpy())

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        try:  # as Keras: the value where there is one (not while initialization is deferred)
            value = f", value={self.numpy()}"
        except Exception:
            value = ""
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}{value}>"

    def __getitem__(self, idx):
        from kfront import ops
        return ops.getitem(self, idx)

    # arithmetic goes through kfront.ops so that it is tracked by gradient tapes
    def __add__(self, o): return _ops().add(self, o)
    def __radd__(self, o): return _ops().add(o, self)
    def __sub__(self, o): return _ops().subtract(self, o)
    def __rsub__(self, o): return _ops().subtract(o, self)
    def __mul__(self, o): return _ops().multiply(self, o)
    def __rmul__(self, o): return _ops().multiply(o, self)
    def __truediv__(self, o): return _ops().divide(self, o)
    def __rtruediv__(self, o): return _ops().divide(o, self)
    def __matmul__(self, o): return _ops().matmul(self, o)
    def __rmatmul__(self, o): return _ops().matmul(o, self)
    def __pow__(self, o): return _ops().power(self, o)
    def __rpow__(self, o): return _ops().power(o, self)
    def __neg__(self): return _ops().negative(self)
    def __abs__(self): return _ops().abs(self)
    def __lt__(self, o): return _ops().less(self, o)
    def __gt__(self, o): return _ops().greater(self, o)
    def __le__(self, o): return _ops().less_equal(self, o)
    def __ge__(self, o): return _ops().greater_equal(self, o)

    __hash__ = object.__hash__


# the ufuncs behind Python's binary operators, by the name of the same op in kfront.ops
_OPERATOR_UFUNCS = {getattr(np, n): n for n in (
    "add", "subtract", "multiply", "divide", "matmul", "power", "mod", "floor_divide", "less",
    "greater", "less_equal", "greater_equal")}
_INPLACE_MATMUL_AXES = [(-2, -1)] * 3
# ``array == var`` stays Python's identity fallback (``array in [var]`` is False, not an error)
_IDENTITY_UFUNCS = {np.equal: True, np.not_equal: False}


def operator_ufunc(ops, ufunc, method: str, args: tuple, kw: dict):
    """``__array_ufunc__`` of kfront's tensors and variables: an operator with a numpy array
    on the left (``arr * t``, ``arr += t``) returns ``ops``'s new value, so gradients flow
    through ``t``. ``out`` may only be the left operand, as in augmented assignment, which
    rebinds the name to that new value (the array itself is left as it was); any other ufunc
    call returns NotImplemented, so numpy raises its TypeError."""
    if ufunc in _IDENTITY_UFUNCS and method == "__call__" and not kw:
        return (args[0] is args[1]) is _IDENTITY_UFUNCS[ufunc]
    name = _OPERATOR_UFUNCS.get(ufunc) if method == "__call__" else None
    out = kw.pop("out", (args[0],))
    if kw.get("axes") == _INPLACE_MATMUL_AXES:  # what ``arr @= t`` passes
        del kw["axes"]
    if name is None or kw or len(out) != 1 or out[0] is not args[0]:
        return NotImplemented
    return getattr(ops, name)(*args)


def _ops():
    from kfront import ops
    return ops


def _default_dtype(value, floatx: str) -> str:
    """As Keras: an array keeps its dtype; Python floats get floatx, Python ints int32."""
    dt = getattr(value, "dtype", None)
    if dt is not None:
        from kfront import ops
        return ops.standardize_dtype(dt)
    kind = np.asarray(value).dtype.kind
    return {"f": floatx, "b": "bool"}.get(kind, "int32")
