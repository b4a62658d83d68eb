"""Variables, conversion, dtypes and traced state of the JAX backend.

A kfront Variable holds an immutable jax array in ``_value``; ``assign`` replaces it. Inside a
JAX transformation (``jax.jit``, ``jax.vjp``) the values a function reads must be the traced
ones: ``state_scope`` binds Variables to traced values for the duration of a call and records
which Variables were assigned, so that their new values can be passed out of the
transformation and written back afterwards (Keras's ``StatelessScope`` idea). No tracer is ever
left in a Variable: the scope restores the concrete values on exit.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.common.device_scope import missing as missing_device
from kfront.backends.common.dtypes import foreign_framework, foreign_to_numpy, standardize_dtype
from kfront.backends.common.variables import AUTOCAST, KVariable, autocast_dtype

NAME = "jax"

# ``scopes``: open StateScopes (innermost last). ``recording``/``paused``: nesting depth of
# gradient computations and of ``no_grad`` (softmax/sigmoid outputs are tagged with their logits
# only while recording, as on the native engine's tapes). ``logits``: id(probabilities) ->
# (probabilities, logits, axis) for tagged outputs, cleared when the outermost recording ends.
_state: dict = {"scopes": [], "recording": 0, "paused": 0, "logits": {}}


class Variable(KVariable):
    """A kfront Variable holding a jax array (``assign`` replaces it; ``numpy()`` copies)."""

    def _convert(self, value, dtype):
        return _to_array(value, dtype, f"Variable {self.name!r}")

    def _assign(self, value):
        source = value
        value = _to_array(value, self._value.dtype, f"Variable {self.path!r}")
        if value.shape != self._value.shape:
            raise ValueError(f"Cannot assign a value of shape {tuple(value.shape)} to Variable "
                             f"{self.path!r} of shape {tuple(self._value.shape)}")
        if isinstance(source, KVariable) and value is source._value:
            # two Variables must not share a buffer: updates donate their Variables' buffers
            value = jnp.copy(value)
        set_value(self, value)

    def numpy(self) -> numpy.ndarray:
        return numpy.array(self._value)


class StateScope:
    """Variables bound to (traced) values, and the Variables assigned while the scope is open."""

    def __init__(self, variables: Sequence[KVariable], values: Sequence):
        self.originals = {v: v._value for v in variables}
        self.assigned: dict = {}
        for v, x in zip(variables, values):
            v._value = x

    def record(self, variable: KVariable) -> None:
        self.originals.setdefault(variable, variable._value)
        self.assigned[variable] = None

    def updates(self) -> dict:
        """Variable -> current value, for every Variable assigned in this scope."""
        return {v: v._value for v in self.assigned}

    def restore(self) -> None:
        for v, x in self.originals.items():
            v._value = x


@contextlib.contextmanager
def state_scope(variables: Sequence[KVariable] = (), values: Sequence = ()) -> Iterator[StateScope]:
    """Bind ``variables`` to ``values`` inside the block; restore every touched Variable after."""
    scope = StateScope(variables, values)
    _state["scopes"].append(scope)
    try:
        yield scope
    finally:
        _state["scopes"].pop()
        scope.restore()


def set_value(variable: KVariable, value) -> None:
    """Store ``value`` in ``variable``, recorded by the innermost open StateScope."""
    if _state["scopes"]:
        _state["scopes"][-1].record(variable)
    variable._value = value


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Mark a gradient computation (enables the softmax/sigmoid logits shortcut)."""
    _state["recording"] += 1
    try:
        yield
    finally:
        _state["recording"] -= 1
        if not _state["recording"]:
            _state["logits"].clear()


def is_recording() -> bool:
    return _state["recording"] > 0 and not _state["paused"]


# ----------------------------------------------------------------------------- conversion
def _to_array(x, dtype=None, what: str = "convert_to_tensor") -> jax.Array:
    """convert_to_tensor's rules: Python float -> floatx, Python int -> int32, arrays keep
    their dtype, a Variable gives its value."""
    if isinstance(x, KVariable):
        x = _read(x)
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, jax.Array):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if foreign_framework(x) is not None:
        x = foreign_to_numpy(x, "jax", what)
    if dtype is None and not hasattr(x, "dtype"):
        a = numpy.asarray(x)
        if a.dtype == numpy.float64:
            from kfront import config
            a = a.astype(config.floatx())
        elif a.dtype == numpy.int64:
            a = a.astype("int32")
        return jnp.asarray(a)
    return jnp.asarray(numpy.asarray(x, dtype=dtype))


def array(x, what: str) -> jax.Array:
    """An op argument as a jax array with NumPy's dtype rules (as the native engine, whose ops
    get raw arguments: Python floats are float64 there, lists become NumPy arrays)."""
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, KVariable):
        return _read(x)
    if foreign_framework(x) is not None:
        x = foreign_to_numpy(x, "jax", what)
    return jnp.asarray(numpy.asarray(x))


def _read(variable: KVariable) -> jax.Array:
    """A Variable's value as ops read it (cast inside a mixed-precision layer's AutocastScope)."""
    if AUTOCAST[0] is not None:
        dtype = autocast_dtype(variable)
        if dtype is not None:
            return variable._value.astype(dtype)
    return variable._value


_SCALARS = (bool, int, float, complex)


def promote(what: str, *xs) -> list:
    """The arguments of an n-ary op as jax arrays of NumPy's result dtype (Python scalars are
    weak, as in NumPy 2), so that dtype promotion is the native engine's, not JAX's."""
    vals = []
    for x in xs:
        if isinstance(x, KVariable):
            x = _read(x)
        elif not isinstance(x, (jax.Array, *_SCALARS)):
            x = (foreign_to_numpy(x, "jax", what) if foreign_framework(x) is not None
                 else numpy.asarray(x))
        vals.append(x)
    keys = [x if isinstance(x, _SCALARS) else x.dtype for x in vals]
    try:
        dt = numpy.result_type(*keys)
    except TypeError:  # dtypes NumPy cannot promote (bfloat16): JAX's rules
        dt = jnp.result_type(*keys)
    return [x if getattr(x, "dtype", None) == dt and isinstance(x, jax.Array)
            else jnp.asarray(x, dtype=dt) for x in vals]


def convert_to_tensor(x, dtype=None, sparse=None) -> jax.Array:
    """``x`` as a jax array (Python float -> floatx, int -> int32; a Variable gives its value)."""
    return _to_array(x, dtype)


def convert_to_numpy(x) -> numpy.ndarray:
    """``x`` as a (writable) numpy array."""
    if isinstance(x, KVariable):
        x = x._value
    if foreign_framework(x) not in (None, "jax"):
        return foreign_to_numpy(x, "jax", "convert_to_numpy")
    return numpy.array(x)


def is_tensor(x) -> bool:
    """True for jax arrays (tracers included)."""
    return isinstance(x, jax.Array)


def cast(x, dtype) -> jax.Array:
    """``x`` as ``dtype`` (differentiable between float dtypes)."""
    return array(x, "cast").astype(standardize_dtype(dtype))


def _raw(x):
    if isinstance(x, KVariable):
        return x._value
    return x if hasattr(x, "shape") else numpy.asarray(x)


def shape(x) -> tuple:
    return tuple(_raw(x).shape)


def dtype(x) -> str:
    if isinstance(x, KVariable):
        return x.dtype  # an AutocastScope's dtype inside one
    return standardize_dtype(_raw(x).dtype)


def device_module(x):
    """The array module of ``x``: ``jax.numpy``."""
    return jnp


def device_scope(kind: str, index: int | None, name: str):
    """JAX's device scope (``kfront.device``): ``jax.default_device`` of the ``index``-th
    device of that kind."""
    try:
        devices = jax.devices(kind)
    except RuntimeError as e:
        raise missing_device(name, f"JAX: {e}") from None
    if (index or 0) >= len(devices):
        raise missing_device(name, f"JAX sees {len(devices)} {kind} device(s)")
    return jax.default_device(devices[index or 0])


def remat(f):
    """``f`` recomputed in the backward: ``jax.checkpoint``."""
    return jax.checkpoint(f)
