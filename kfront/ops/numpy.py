"""Array ops of the kfront ops interface (NumPy-like). Each forwards to the active backend.

Shapes use ``...`` for any leading dimensions; "broadcast" means NumPy broadcasting.
Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> ops.convert_to_numpy(ops.matmul(np.ones((2, 3)), np.ones((3, 4)))).shape
    (2, 4)
"""
from __future__ import annotations

from functools import lru_cache as _lru_cache

from kfront import config as _config
from kfront.backends import B
from kfront.backends.common import dtypes as _dtypes
from kfront.backends.common import padding as _padding
from kfront.ops.elementwise import _integer_division

# ------------------------------------------------------------------- Keras's dtype rules, once
# The backends compute in their framework's promotion (NumPy and torch widen int32 + float32 to
# float64); these helpers give the ops Keras 3's result dtypes: JAX-style promotion with Python
# scalars weak, integers and bools into float-valued ops as floatx, small integers summed in 32 bits.

_SCALARS = (bool, int, float)
_promotion = _lru_cache(maxsize=None)(_dtypes.result_type)


def _dtype(x) -> str:
    d = getattr(x, "dtype", None)
    return B.dtype(B.convert_to_tensor(x)) if d is None else _dtypes.standardize_dtype(d)


def _is_inexact(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat", "complex"))


def _as(x, dtype: str):
    return x if _dtype(x) == dtype else B.cast(x, dtype)


def _promote(x1, x2, *extra):
    """``x1, x2`` in Keras's result dtype of both (and of ``extra`` types such as ``float``); a
    Python scalar stays a scalar when the tensor's dtype already holds it (the backends keep it
    weak), two scalars become tensors of their weak result (int32 / floatx)."""
    d1 = getattr(x1, "dtype", None)
    if d1 is not None and not extra and d1 == getattr(x2, "dtype", None):
        return x1, x2
    s1, s2 = type(x1) in _SCALARS, type(x2) in _SCALARS
    if s1 and s2:
        dtype = _promotion(type(x1), type(x2), *extra)
        return B.convert_to_tensor(x1, dtype=dtype), B.convert_to_tensor(x2, dtype=dtype)
    if s1 or s2:
        tensor = x2 if s1 else x1
        d = _dtype(tensor)
        dtype = _promotion(d, type(x1 if s1 else x2), *extra)
        if dtype == d:
            return x1, x2
        return (x1, B.cast(x2, dtype)) if s1 else (B.cast(x1, dtype), x2)
    d1, d2 = _dtype(x1), _dtype(x2)
    if d1 == d2 and not extra:
        return x1, x2
    dtype = _promotion(d1, d2, *extra)
    return (x1 if d1 == dtype else B.cast(x1, dtype)), (x2 if d2 == dtype else B.cast(x2, dtype))


def _floating(x):
    """``x`` itself when float or complex, else (integers, bools) cast to floatx, as Keras's
    float-valued ops do."""
    if type(x) in _SCALARS:
        return B.convert_to_tensor(x, dtype=_config.floatx())
    return x if _is_inexact(_dtype(x)) else B.cast(x, _config.floatx())


def _reducible(x):
    """A reduction's input: a Python scalar as a tensor of its default dtype (int32 / floatx,
    as Keras converts it), anything else as it is."""
    return B.convert_to_tensor(x) if type(x) in _SCALARS else x


def _widened(x):
    """``x`` for a sum: bools and 8/16-bit integers in 32 bits (Keras's accumulator)."""
    x = _reducible(x)
    d = _dtype(x)
    if d in ("bool", "int8", "int16"):
        return B.cast(x, "int32")
    return B.cast(x, "uint32") if d in ("uint8", "uint16") else x


# ---------------------------------------------------------------- elementwise, unary: (...) -> (...)


def negative(x):
    """-x, elementwise. (...) -> (...)."""
    return B.negative(x)


def abs(x):
    """|x|, elementwise. (...) -> (...)."""
    return B.abs(x)


absolute = abs


def exp(x):
    """e**x, elementwise. (...) -> (...)."""
    return B.exp(_floating(x))


def expm1(x):
    """e**x - 1, elementwise (accurate near 0). (...) -> (...)."""
    return B.expm1(_floating(x))


def log(x):
    """Natural log, elementwise (x > 0). (...) -> (...)."""
    return B.log(_floating(x))


def log1p(x):
    """log(1 + x), elementwise (x > -1). (...) -> (...)."""
    return B.log1p(_floating(x))


def sqrt(x):
    """Square root, elementwise (x >= 0). (...) -> (...)."""
    return B.sqrt(_floating(x))


def square(x):
    """x**2, elementwise. (...) -> (...)."""
    return B.square(_as(x, "int32") if _dtype(x) == "bool" else x)


def reciprocal(x):
    """1 / x, elementwise (integers give floatx). (...) -> (...)."""
    return B.reciprocal(_floating(x))


def sin(x):
    """Sine, elementwise. (...) -> (...)."""
    return B.sin(_floating(x))


def cos(x):
    """Cosine, elementwise. (...) -> (...)."""
    return B.cos(_floating(x))


def tanh(x):
    """Hyperbolic tangent, elementwise. (...) -> (...)."""
    return B.tanh(_floating(x))


def sign(x):
    """-1, 0 or 1 by the sign of x (no gradient). (...) -> (...)."""
    return B.sign(x)


def floor(x):
    """Largest integer <= x (no gradient). (...) -> (...)."""
    return B.floor(_floating(x))


def ceil(x):
    """Smallest integer >= x (no gradient). (...) -> (...)."""
    return B.ceil(_floating(x))


def round(x, decimals=0):
    """Round half to even to ``decimals`` places (negative: tens, hundreds...); integers with
    ``decimals >= 0`` are returned as they are. No gradient. (...) -> (...)."""
    if decimals == 0:
        return B.round(x)
    dtype = B.dtype(x)
    if dtype.startswith(("int", "uint")):  # as Keras: round in floatx and cast back
        if decimals > 0:
            return x
        return B.cast(round(B.cast(x, _dtypes.standardize_dtype(None)), decimals), dtype)
    factor = 10.0 ** decimals
    return B.divide(B.round(B.multiply(x, factor)), factor)


def isnan(x):
    """True where x is NaN. (...) -> (...) bool."""
    return B.isnan(x)


def isfinite(x):
    """True where x is finite. (...) -> (...) bool."""
    return B.isfinite(x)


def logical_not(x):
    """Elementwise NOT. (...) -> (...) bool."""
    return B.logical_not(x)


# --------------------------------------------------------- elementwise, binary: broadcast(x1, x2)


def add(x1, x2):
    """x1 + x2. broadcast(x1, x2) -> broadcast shape."""
    return B.add(*_promote(x1, x2))


def subtract(x1, x2):
    """x1 - x2. broadcast(x1, x2) -> broadcast shape."""
    return B.subtract(*_promote(x1, x2))


def multiply(x1, x2):
    """x1 * x2. broadcast(x1, x2) -> broadcast shape."""
    return B.multiply(*_promote(x1, x2))


def divide(x1, x2):
    """x1 / x2 (true division; integers give floatx). broadcast(x1, x2) -> broadcast shape."""
    return B.divide(*_promote(x1, x2, float))


true_divide = divide


def power(x1, x2):
    """x1 ** x2 (two bools give int32, as Keras). broadcast(x1, x2) -> broadcast shape."""
    x1, x2 = _promote(x1, x2)
    return B.power(*((_as(x1, "int32"), _as(x2, "int32")) if _dtype(x1) == "bool" else (x1, x2)))


def maximum(x1, x2):
    """Elementwise max; the gradient goes to x1 on ties. broadcast(x1, x2) -> broadcast shape."""
    return B.maximum(*_promote(x1, x2))


def minimum(x1, x2):
    """Elementwise min; the gradient goes to x1 on ties. broadcast(x1, x2) -> broadcast shape."""
    return B.minimum(*_promote(x1, x2))


def mod(x1, x2):
    """x1 % x2 with the sign of x2; gradients 1 and -floor(x1 / x2). Two bools give int32 and an
    integer divisor 0 gives 0, as numpy on every backend (Keras on TensorFlow and torch raises).
    broadcast(x1, x2) -> broadcast shape."""
    x1, x2 = _promote(*(B.convert_to_tensor(x, dtype=_promotion(type(x))) if type(x) in _SCALARS
                        else x for x in (x1, x2)))  # as Keras's mod: scalars are not weak here
    return _integer_division(B.mod, x1, x2)


def floor_divide(x1, x2):
    """x1 // x2 (no gradient). Two bools give int32 and an integer divisor 0 gives 0, as numpy
    on every backend (Keras on TensorFlow and torch raises, on JAX it gives -1).
    broadcast(x1, x2) -> broadcast shape."""
    return _integer_division(B.floor_divide, *_promote(x1, x2))


def equal(x1, x2):
    """x1 == x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.equal(x1, x2)


def not_equal(x1, x2):
    """x1 != x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.not_equal(x1, x2)


def greater(x1, x2):
    """x1 > x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.greater(x1, x2)


def greater_equal(x1, x2):
    """x1 >= x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.greater_equal(x1, x2)


def less(x1, x2):
    """x1 < x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.less(x1, x2)


def less_equal(x1, x2):
    """x1 <= x2. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.less_equal(x1, x2)


def logical_and(x1, x2):
    """Elementwise AND. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.logical_and(x1, x2)


def logical_or(x1, x2):
    """Elementwise OR. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.logical_or(x1, x2)


def logical_xor(x1, x2):
    """Elementwise XOR. broadcast(x1, x2) -> broadcast shape, bool."""
    return B.logical_xor(x1, x2)


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max] (bools as int32, as Keras); gradient 1 inside (bounds
    included), 0 outside. (...) -> (...)."""
    return B.clip(_as(x, "int32") if _dtype(x) == "bool" else x, x_min, x_max)


def where(condition, x1=None, x2=None):
    """x1 where condition else x2. broadcast(condition, x1, x2) -> broadcast shape. Without
    ``x1`` and ``x2``: ``nonzero(condition)``, the indices of the true entries (eager only)."""
    if (x1 is None) != (x2 is None):
        given = "x1" if x2 is None else "x2"
        raise ValueError(f"where: `x1` and `x2` must both be None (to get the indices of the "
                         f"true entries) or both be given; got only `{given}`")
    if x1 is None:
        return nonzero(condition)  # noqa: F405  (from kfront.ops.arrays, imported below)
    return B.where(condition, *_promote(x1, x2))


# ------------------------------------------------------------------------------ linear algebra


def matmul(x1, x2):
    """Matrix product, batched and broadcast. (..., n, k), (..., k, m) -> (..., n, m); 1-D as NumPy."""
    x1, x2 = _promote(x1, x2)
    if _dtype(x1) == "int8":  # as Keras: int8 products accumulate in int32
        x1, x2 = B.cast(x1, "int32"), B.cast(x2, "int32")
    return B.matmul(x1, x2)


def dot(x1, x2):
    """numpy.dot: matmul for <= 2-D, else contracts x1's last axis with x2's second-to-last."""
    return B.dot(x1, x2)


def tensordot(x1, x2, axes=2):
    """Sum over ``axes`` (int N: last N of x1 with first N of x2; or a pair of axis lists).
    (free1..., contracted...), (contracted..., free2...) -> (free1..., free2...)."""
    return B.tensordot(x1, x2, axes=axes)


# ---------------------------------------------------------------------------------- reductions


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (int, tuple or None for all). (...) -> reduced shape."""
    x = _widened(x)
    return _as(B.sum(x, axis=axis, keepdims=keepdims), _dtype(x))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (integers and bools give floatx). (...) -> reduced shape."""
    return B.mean(_floating(x), axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over ``axis`` (at least ``initial`` when given); the gradient is shared equally
    by ties. (...) -> reduced shape."""
    out = B.max(_reducible(x), axis=axis, keepdims=keepdims)
    return out if initial is None else B.maximum(out, initial)


def amax(x, axis=None, keepdims=False):
    """Maximum over ``axis``, as ``max``. (...) -> reduced shape."""
    return B.max(_reducible(x), axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over ``axis`` (at most ``initial`` when given); the gradient is shared equally
    by ties. (...) -> reduced shape."""
    out = B.min(_reducible(x), axis=axis, keepdims=keepdims)
    return out if initial is None else B.minimum(out, initial)


def amin(x, axis=None, keepdims=False):
    """Minimum over ``axis``, as ``min``. (...) -> reduced shape."""
    return B.min(_reducible(x), axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance over ``axis``. (...) -> reduced shape."""
    return B.var(_floating(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``. (...) -> reduced shape."""
    return B.std(_floating(x), axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably. (...) -> reduced shape."""
    return B.logsumexp(_floating(x), axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (first on ties; no gradient). (...) -> reduced
    shape, int32."""
    return _as(B.argmax(_as(x, "int32") if _dtype(x) == "bool" else x, axis=axis, keepdims=keepdims),
               "int32")


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (first on ties; no gradient). (...) -> reduced
    shape, int32."""
    return _as(B.argmin(_as(x, "int32") if _dtype(x) == "bool" else x, axis=axis, keepdims=keepdims),
               "int32")


def any(x, axis=None, keepdims=False):
    """True if any element along ``axis`` is true. (...) -> reduced shape, bool."""
    return B.any(x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """True if every element along ``axis`` is true. (...) -> reduced shape, bool."""
    return B.all(x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (flattened if None), in ``dtype`` when given (bools:
    int32; other dtypes kept). (...) -> (...) or (size,)."""
    if dtype is None:
        dtype = "int32" if _dtype(x) == "bool" else _dtype(x)
    return _as(B.cumsum(_as(x, B.standardize_dtype(dtype)), axis=axis), B.standardize_dtype(dtype))


# -------------------------------------------------------------------------------------- shapes


def reshape(x, newshape):
    """Same data, new shape (one entry may be -1). (...) -> newshape."""
    return B.reshape(x, newshape)


def transpose(x, axes=None):
    """Permute axes (reverse them if None). (d0, d1, ...) -> (d[axes[0]], d[axes[1]], ...)."""
    return B.transpose(x, axes=axes)


def moveaxis(x, source, destination):
    """Move axis ``source`` to position ``destination``."""
    return B.moveaxis(x, source, destination)


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    return B.swapaxes(x, axis1, axis2)


def expand_dims(x, axis):
    """Insert a size-1 axis at ``axis`` (int or tuple). (...) -> (..., 1, ...)."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    rank = len(B.shape(x)) + len(axes)
    if [a for a in axes if not -rank <= a < rank]:  # (``any`` is this module's op)
        raise ValueError(f"expand_dims: `axis`={axis} is out of range for the result's rank "
                         f"{rank}; expected integers in [{-rank}, {rank})")
    return B.expand_dims(x, axis)


def squeeze(x, axis=None):
    """Remove size-1 axes (``axis`` must name size-1 axes). (..., 1, ...) -> (...)."""
    return B.squeeze(x, axis=axis)


def broadcast_to(x, shape):
    """Broadcast x to ``shape``; the gradient sums back. (...) -> shape."""
    return B.broadcast_to(x, shape)


def concatenate(xs, axis=0):
    """Join a list of arrays along an existing axis. [(..., a_i, ...)] -> (..., sum a_i, ...)."""
    return B.concatenate(xs, axis=axis)


def stack(x, axis=0):
    """Join a list ``x`` of same-shape arrays along a new axis. [(...)] * n -> (..., n, ...)."""
    return B.stack(x, axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into a list: n equal parts, or at the given indices along ``axis``."""
    return B.split(x, indices_or_sections, axis=axis)


def unstack(x, num=None, axis=0):
    """The list of slices along ``axis``, that axis removed. (..., n, ...) -> [(..., ...)] * n."""
    return B.unstack(x, num=num, axis=axis)


def tile(x, repeats):
    """Repeat the whole array ``repeats`` times along each axis."""
    return B.tile(x, repeats)


def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``axis``
    (flattened if None)."""
    return B.repeat(x, repeats, axis=axis)


def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes if None)."""
    return B.flip(x, axis=axis)


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty", "circular")


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    """Pad ``x`` as numpy.pad. ``pad_width``: an int, ``(before, after)``, ``(pad,)`` or one
    such pair per axis. ``mode``: "constant" (``constant_values``, 0 when None; a scalar or
    numpy's sequences: ``(before, after)`` or one such pair per axis, as Keras on numpy and
    JAX, on every backend here), "reflect",
    "symmetric", "edge", "wrap" ("circular", torch's name, is the same), "maximum", "minimum",
    "mean", "median" (of the whole axis, rounded for integers), "linear_ramp" (from the edge
    value to 0) or "empty" (unspecified values: zeros here). Every mode on every backend, pads
    of any width (numpy's rule: Keras on TensorFlow and torch refuses to reflect wider than
    the axis, and on torch pads "symmetric" as "edge"). Differentiable: a border entry's
    gradient goes to the entries it was read or computed from. (..., n, ...) ->
    (..., before + n + after, ...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.pad(np.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect"))
        array([3., 2., 1., 2., 3., 2.])
    """
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: `mode` must be one of {', '.join(map(repr, _PAD_MODES))}, got "
                         f"mode={mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values applies to mode='constant' only, got "
                         f"mode={mode!r} with constant_values={constant_values!r}")
    if not hasattr(x, "shape"):
        x = B.convert_to_tensor(x)
    shape = B.shape(x)
    widths = _padding.pad_widths(pad_width, len(shape))
    mode = {"circular": "wrap", "empty": "constant"}.get(mode, mode)
    _padding.check(shape, widths, mode, _PAD_MODES)
    if mode not in _padding.BACKEND_MODES:
        return B.composite(_pad_computed, x, widths=widths, mode=mode)
    if mode == "constant" and (isinstance(constant_values, (tuple, list))
                               or getattr(constant_values, "ndim", 0) > 0):
        return _pad_constants(x, widths, constant_values)
    return B.pad(x, widths, mode=mode,
                 constant_values=0 if constant_values is None else constant_values)


def _pad_constants(x, widths, values):
    """Constant padding with numpy's sequence forms of ``constant_values``: ``(c,)``,
    ``(before, after)``, ``((before, after),)`` or one pair per axis; axis after axis as
    numpy.pad (the corners take the later axis's value)."""
    import numpy
    try:
        pairs = numpy.broadcast_to(numpy.asarray(values), (len(widths), 2)).tolist()
    except ValueError:
        raise ValueError(f"pad: `constant_values` must be a scalar, (before, after) or one "
                         f"such pair per axis ({len(widths)} axes); got {values!r}") from None
    none = [(0, 0)] * len(widths)
    for axis, ((before, after), (v0, v1)) in enumerate(zip(widths, pairs)):
        for width in ((before, 0), (0, after)) if v0 != v1 else ((before, after),):
            if width != (0, 0):
                x = B.pad(x, none[:axis] + [width] + none[axis + 1:], mode="constant",
                          constant_values=v0 if width[0] else v1)
    return x


def _pad_computed(x, widths, mode: str):
    """The modes whose borders are computed from the axis (a statistic, or a ramp from the
    edge to 0), axis after axis as numpy.pad (an axis's statistic includes the borders of the
    axes before it). Integers: mean and median rounded (half to even), ramps floored."""
    dtype = _dtype(x)
    for axis, (before, after) in enumerate(widths):
        if not (before or after):
            continue
        shape = B.shape(x)
        if mode == "linear_ramp":
            left, right = _pad_ramps(x, axis, before, after, shape[axis], dtype)
        else:
            stat = _pad_statistic(x, axis, mode, dtype)
            left, right = (B.broadcast_to(stat, shape[:axis] + (width,) + shape[axis + 1:])
                           for width in (before, after))
        x = B.concatenate([left, x, right], axis=axis)
    return x


def _pad_statistic(x, axis: int, mode: str, dtype: str):
    if mode in ("maximum", "minimum"):
        return (B.max if mode == "maximum" else B.min)(x, axis=axis, keepdims=True)
    from kfront.ops.reductions import median
    wide = x if _is_inexact(dtype) else B.cast(x, "float64")
    stat = (median if mode == "median" else B.mean)(wide, axis=axis, keepdims=True)
    if _is_inexact(dtype):
        return stat
    return B.cast(stat if dtype == "bool" else B.round(stat), dtype)


def _pad_ramps(x, axis: int, before: int, after: int, size: int, dtype: str):
    """numpy.linspace(0, edge, width, endpoint=False) before the axis and its reverse after,
    computed as numpy does (in float64: ``k * (edge / width)``, or ``k / width * edge`` when
    an edge value is 0)."""
    ndim = len(B.shape(x))
    wide = x if dtype == "float64" else B.cast(x, "float64")
    ramps = []
    for width, edge_at, steps in ((before, 0, range(before)),
                                  (after, size - 1, range(after - 1, -1, -1))):
        edge = B.take(wide, B.convert_to_tensor([edge_at], dtype="int32"), axis=axis)
        k = B.reshape(B.convert_to_tensor(list(steps), dtype="float64"),
                      [width if i == axis else 1 for i in range(ndim)])
        div = float(width or 1)  # (an empty ramp: k is empty)
        ramp = B.where(B.any(B.equal(edge, 0.0)), B.multiply(B.divide(k, div), edge),
                       B.multiply(k, B.divide(edge, div)))
        if not _is_inexact(dtype) and dtype != "bool":
            ramp = B.floor(ramp)
        ramps.append(B.cast(ramp, dtype))
    return ramps


def getitem(x, index):
    """x[index], with NumPy basic and advanced indexing."""
    return B.getitem(x, index)


def take(x, indices, axis=None):
    """Gather ``indices`` (ints) along ``axis``. (a..., n, b...), (i...) -> (a..., i..., b...)."""
    return B.take(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    """Gather with indices broadcast against x along ``axis`` (numpy.take_along_axis; None
    flattens x, indices 1-D). (..., n, ...), (..., i, ...) -> (..., i, ...)."""
    return B.take_along_axis(x, indices, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ``x``. (...) -> (..., num_classes) (at ``axis``); floatx by default.
    kfront tensors are dense: ``sparse=True`` raises ``ValueError``."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported, kfront tensors are dense "
                         "(expected sparse=False)")
    return B.one_hot(x, num_classes, axis=axis, dtype=dtype)


# ------------------------------------------------------------------------------------ creation


def zeros(shape, dtype=None):
    """An array of zeros (floatx by default)."""
    return B.zeros(shape, dtype=dtype)


def ones(shape, dtype=None):
    """An array of ones (floatx by default)."""
    return B.ones(shape, dtype=dtype)


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value``."""
    return B.full(shape, fill_value, dtype=dtype)


def zeros_like(x, dtype=None):
    """Zeros of x's shape (and dtype unless given)."""
    return B.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None):
    """Ones of x's shape (and dtype unless given)."""
    return B.ones_like(x, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop), ``step`` apart (1 when None)."""
    return B.arange(start, stop, 1 if step is None else step, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    """2-D (N, M) array of zeros with ones on diagonal ``k`` (above the main one when > 0)."""
    if k == 0:
        return B.eye(N, M, dtype=dtype)
    rows = B.expand_dims(B.arange(0, N, 1, dtype="int32"), 1)
    cols = B.arange(0, N if M is None else M, 1, dtype="int32")
    return B.cast(B.equal(B.add(rows, k), cols), _dtypes.standardize_dtype(dtype))


def size(x) -> int:
    """Number of elements."""
    return B.size(x)


# the rest of Keras's numpy-style ops live in modules of their own
from kfront.ops.arrays import *  # noqa: E402,F401,F403
from kfront.ops.elementwise import *  # noqa: E402,F401,F403
from kfront.ops.reductions import *  # noqa: E402,F401,F403
