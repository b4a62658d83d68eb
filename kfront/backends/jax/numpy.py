"""Array ops of the JAX backend: ``jax.numpy`` with the native engine's dtype rules and gradient
conventions (JAX's autodiff does the rest).

Where JAX's derivative convention differs from the native engine's it is fixed here:
``maximum``/``minimum`` send the gradient to the first argument on ties (JAX splits it), ``clip``
passes it inside the closed interval, ``power``'s exponent gradient is 0 where the base is <= 0,
and ops without a gradient on the native engine (``sign``, ``floor``...) stop it.
"""
from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.common import padding
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.common.variables import KVariable
from kfront.backends.jax.core import array, promote

try:  # True outside any trace (jit, grad, vmap, eval_shape); JAX has no public equivalent
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # a JAX without it: always the path that is safe under a trace
    def _trace_state_clean() -> bool:
        return False


def unary(name: str, f, differentiable: bool = True):
    """The op ``name``: ``f`` on its argument as a jax array (elementwise ops, activations)."""
    def op(x):
        out = f(array(x, name))
        return out if differentiable else jax.lax.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} (see ``kfront.ops.{name}``)."
    return op


def _binary(name: str, f, differentiable: bool = True):
    def op(x1, x2):
        out = f(*promote(name, x1, x2))
        return out if differentiable else jax.lax.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Broadcasting {name} with NumPy's dtype promotion (see ``kfront.ops.{name}``)."
    return op


# ---------------------------------------------------------------------------- elementwise
negative = unary("negative", jnp.negative)
abs = unary("abs", jnp.abs)
exp = unary("exp", jnp.exp)
expm1 = unary("expm1", jnp.expm1)
log = unary("log", jnp.log)
log1p = unary("log1p", jnp.log1p)
sqrt = unary("sqrt", jnp.sqrt)
square = unary("square", jnp.square)
sin = unary("sin", jnp.sin)
cos = unary("cos", jnp.cos)
tanh = unary("tanh", jnp.tanh)
reciprocal = unary("reciprocal", lambda x: 1 / x)
sign = unary("sign", jnp.sign, differentiable=False)
floor = unary("floor", jnp.floor, differentiable=False)
ceil = unary("ceil", jnp.ceil, differentiable=False)
round = unary("round", jnp.round, differentiable=False)
logical_not = unary("logical_not", jnp.logical_not)
isnan = unary("isnan", jnp.isnan)
isfinite = unary("isfinite", jnp.isfinite)


# ------------------------------------------------------------------------------- binary
@jax.custom_jvp
def _float_power(a, b):
    return jnp.power(a, b)


@_float_power.defjvp
def _float_power_jvp(primals, tangents):
    (a, b), (ta, tb) = primals, tangents
    out = jnp.power(a, b)
    return out, ta * (b * jnp.power(a, b - 1)) + tb * (out * jnp.log(jnp.where(a > 0, a, 1)))


def _power(a, b):
    return _float_power(a, b) if jnp.issubdtype(a.dtype, jnp.inexact) else jnp.power(a, b)


add = _binary("add", jnp.add)
subtract = _binary("subtract", jnp.subtract)
multiply = _binary("multiply", jnp.multiply)
divide = _binary("divide", jnp.true_divide)
power = _binary("power", _power)
# jnp.where sends the whole gradient to the chosen side (the first one on ties); NaNs propagate
maximum = _binary("maximum", lambda a, b: jnp.where(jnp.isnan(a) | (a >= b), a, b))
minimum = _binary("minimum", lambda a, b: jnp.where(jnp.isnan(a) | (a <= b), a, b))
mod = _binary("mod", jnp.mod)
floor_divide = _binary("floor_divide", jnp.floor_divide, differentiable=False)
equal = _binary("equal", jnp.equal)
not_equal = _binary("not_equal", jnp.not_equal)
greater = _binary("greater", jnp.greater)
greater_equal = _binary("greater_equal", jnp.greater_equal)
less = _binary("less", jnp.less)
less_equal = _binary("less_equal", jnp.less_equal)
logical_and = _binary("logical_and", jnp.logical_and)
logical_or = _binary("logical_or", jnp.logical_or)
logical_xor = _binary("logical_xor", jnp.logical_xor)


def clip(x, x_min, x_max):
    """``x`` limited to [x_min, x_max]; gradient 1 inside (bounds included), 0 outside."""
    x, lo, hi = promote("clip", x, x_min, x_max)
    clipped = jax.lax.stop_gradient(jnp.clip(x, lo, hi))
    return jnp.where((x >= lo) & (x <= hi), x, clipped)


def where(condition, x1, x2):
    """``x1`` where ``condition`` else ``x2``."""
    x1, x2 = promote("where", x1, x2)
    return jnp.where(array(condition, "where"), x1, x2)


# ----------------------------------------------------------------------- linear algebra
matmul = _binary("matmul", jnp.matmul)


def _norm_tensordot_axes(axes, na, nb):
    if isinstance(axes, int):
        return list(range(na - axes, na)), list(range(axes))
    ax_a, ax_b = axes
    ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    return [i % na for i in ax_a], [i % nb for i in ax_b]


def tensordot(a, b, axes=2):
    """Sum over ``axes`` (see ``kfront.ops.tensordot``)."""
    a, b = promote("tensordot", a, b)
    return jnp.tensordot(a, b, axes=_norm_tensordot_axes(axes, a.ndim, b.ndim))


def dot(a, b):
    """numpy.dot semantics."""
    a, b = promote("dot", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim <= 2 and b.ndim <= 2:
        return jnp.matmul(a, b)
    return jnp.tensordot(a, b, axes=([a.ndim - 1], [builtins.max(b.ndim - 2, 0)]))


# --------------------------------------------------------------------------- reductions
def _reduction(name: str, f, differentiable: bool = True):
    def op(x, axis=None, keepdims=False):
        x = array(x, name)
        out = f(x, axis=_axis(axis), keepdims=keepdims)
        return out if differentiable else jax.lax.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{name} over ``axis`` (see ``kfront.ops.{name}``)."
    return op


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


sum = _reduction("sum", jnp.sum)
mean = _reduction("mean", jnp.mean)
max = _reduction("max", jnp.max)
min = _reduction("min", jnp.min)
var = _reduction("var", jnp.var)
logsumexp = _reduction("logsumexp", lambda x, axis, keepdims: jax.nn.logsumexp(
    x, axis=axis, keepdims=keepdims))
argmax = _reduction("argmax", jnp.argmax)
argmin = _reduction("argmin", jnp.argmin)
any = _reduction("any", jnp.any)
all = _reduction("all", jnp.all)


def std(x, axis=None, keepdims=False):
    """Population standard deviation (sqrt of ``var``, as the native engine)."""
    return jnp.sqrt(var(x, axis=axis, keepdims=keepdims))


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (flattened if None); NumPy's result dtype."""
    x = array(x, "cumsum")
    return jnp.cumsum(x, axis=axis, dtype=numpy.cumsum(numpy.zeros(1, x.dtype)).dtype)


# ------------------------------------------------------------------------------- shapes
def reshape(x, newshape):
    return jnp.reshape(array(x, "reshape"), newshape)


def transpose(x, axes=None):
    return jnp.transpose(array(x, "transpose"), axes)


def moveaxis(x, source, destination):
    return jnp.moveaxis(array(x, "moveaxis"), source, destination)


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(array(x, "swapaxes"), axis1, axis2)


def expand_dims(x, axis):
    return jnp.expand_dims(array(x, "expand_dims"), axis)


def squeeze(x, axis=None):
    """Remove size-1 axes (``axis`` must name size-1 axes)."""
    x = array(x, "squeeze")
    if axis is not None:
        for a in (axis,) if isinstance(axis, int) else axis:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a % x.ndim} of shape {tuple(x.shape)} has "
                                 f"size {x.shape[a]}, not 1")
    return jnp.squeeze(x, axis)


def broadcast_to(x, shape):
    return jnp.broadcast_to(array(x, "broadcast_to"), shape)


def concatenate(xs, axis=0):
    return jnp.concatenate(promote("concatenate", *xs), axis=axis)


def stack(xs, axis=0):
    return jnp.stack(promote("stack", *xs), axis=axis)


def split(x, indices_or_sections, axis=0):
    return list(jnp.split(array(x, "split"), indices_or_sections, axis=axis))


def unstack(x, num=None, axis=0):
    x = array(x, "unstack")
    return [jnp.squeeze(p, axis) for p in jnp.split(x, x.shape[axis], axis=axis)]


def tile(x, repeats):
    return jnp.tile(array(x, "tile"), repeats)


def repeat(x, repeats, axis=None):
    """numpy.repeat; ``repeats`` an int or one count per element along ``axis``."""
    x = array(x, "repeat")
    if numpy.ndim(repeats) == 0:
        return jnp.repeat(x, int(repeats), axis=axis)
    if axis is None:
        x, axis = x.reshape(-1), 0
    idx = numpy.repeat(numpy.arange(x.shape[axis]), numpy.asarray(repeats))
    return jnp.take(x, idx, axis=axis)


def flip(x, axis=None):
    return jnp.flip(array(x, "flip"), axis)


def pad(x, pad_width, mode="constant", constant_values=0):
    """numpy.pad in the native engine's modes: ``jnp.pad`` for "constant", a ``jnp.take`` per
    padded axis for the index modes (the source positions of ``common.padding``)."""
    x = array(x, "pad")
    widths = padding.pad_widths(pad_width, x.ndim)
    if mode == "constant":
        return jnp.pad(x, widths, constant_values=constant_values)
    return padding.gather_pad(x, x.shape, widths, mode,
                              lambda t, index, axis: jnp.take(t, index, axis=axis))


def _index(i):
    if isinstance(i, (list, numpy.ndarray, KVariable)):
        return array(i, "getitem")
    return i


def getitem(x, idx):
    """``x[idx]`` (basic and advanced indexing)."""
    idx = tuple(_index(i) for i in idx) if isinstance(idx, tuple) else _index(idx)
    return array(x, "getitem")[idx]


def _check_int(indices, name):
    if not jnp.issubdtype(indices.dtype, jnp.integer):
        raise TypeError(f"{name}: indices must be integers, got dtype {indices.dtype}")
    return indices


def take(x, indices, axis=None):
    """Gather integer ``indices`` along ``axis`` (negative indices count from the end)."""
    x, indices = array(x, "take"), _check_int(array(indices, "take"), "take")
    n = x.size if axis is None else x.shape[axis]
    return jnp.take(x, jnp.where(indices < 0, indices + n, indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    """numpy.take_along_axis."""
    x, indices = array(x, "take_along_axis"), array(indices, "take_along_axis")
    return jnp.take_along_axis(x, indices, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encode integer ``x`` (out-of-range values give all zeros)."""
    x = array(x, "one_hot")
    out = (jnp.expand_dims(x, -1) == jnp.arange(num_classes)).astype(standardize_dtype(dtype))
    return out if axis == -1 else jnp.moveaxis(out, -1, axis)


# --------------------------------------------------------------------------- creation
def _filled(shape, fill_value, dtype):
    """A new array of ``fill_value``. Outside any JAX trace it is made by NumPy and put on the
    device (~1 ms) instead of ``jnp.full``, which compiles one XLA program per new shape
    (~0.1 s each: an optimizer's first step builds a zero slot per variable shape). Inside a
    trace it stays ``jnp.full``, so a large array never becomes a constant of the program."""
    if _trace_state_clean():
        return jax.device_put(numpy.full(shape, fill_value, dtype))
    return jnp.full(shape, fill_value, dtype)


def zeros(shape, dtype=None):
    return _filled(shape, 0, standardize_dtype(dtype))


def ones(shape, dtype=None):
    return _filled(shape, 1, standardize_dtype(dtype))


def full(shape, fill_value, dtype=None):
    if not isinstance(fill_value, (int, float, bool, numpy.generic)):  # a tensor: jnp broadcasts
        return jnp.full(shape, fill_value, standardize_dtype(dtype))
    return _filled(shape, fill_value, standardize_dtype(dtype))


def zeros_like(x, dtype=None):
    x = array(x, "zeros_like")
    return jnp.zeros(x.shape, dtype or x.dtype)


def ones_like(x, dtype=None):
    x = array(x, "ones_like")
    return jnp.ones(x.shape, dtype or x.dtype)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "float32" if float in [type(v) for v in (start, stop, step)] else "int32"
    return jnp.asarray(numpy.arange(start, stop, step, dtype=standardize_dtype(dtype)))


def eye(n, m=None, dtype=None):
    return jnp.eye(n, m, dtype=standardize_dtype(dtype))


def size(x) -> int:
    return int(math.prod(numpy.shape(x) if not hasattr(x, "shape") else x.shape))
