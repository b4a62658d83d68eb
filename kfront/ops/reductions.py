"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile,
average, cumulative products, correlation) and window functions. Re-exported by ``kfront.ops``
and ``kfront.ops.numpy``.

Each op checks its arguments and applies Keras's dtype rules here. ``prod`` and ``cumprod`` are
backend ops; the others are composed of backend ops (sorting is ``top_k`` over the reduced
axes), so they differentiate on every backend through the ops they are made of.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> ops.convert_to_numpy(ops.median(np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 0.0]]), axis=1))
    array([2., 3.])
"""
from __future__ import annotations

import math

import numpy

from kfront import config
from kfront.backends import B
from kfront.backends.common.dtypes import result_type
from kfront.backends.common.linalg import norm_axes

__all__ = ["average", "bartlett", "blackman", "corrcoef", "correlate", "count_nonzero",
           "cumprod", "hamming", "hanning", "kaiser", "median", "nanargmax", "nanargmin",
           "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin",
           "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
           "percentile", "prod", "ptp", "quantile", "trapezoid"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


# ------------------------------------------------------------------------------ helpers
def _tensor(op: str, x, arg: str = "x"):
    x = B.convert_to_tensor(x)
    dtype = B.dtype(x)
    if dtype.startswith("complex") or dtype == "string":
        raise TypeError(f"{op}: `{arg}` must be a real float, integer or bool tensor; got dtype "
                        f"{dtype}")
    return x


def _is_float(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat"))


def _floating(op: str, x, arg: str = "x"):
    """``x`` as a float tensor (integers and bools become floatx)."""
    x = _tensor(op, x, arg)
    return x if _is_float(B.dtype(x)) else B.cast(x, config.floatx())


def _as(x, dtype: str):
    return x if B.dtype(x) == dtype else B.cast(x, dtype)


def _accumulator(dtype: str) -> str:
    """Keras's dtype of a sum or product of ``dtype`` values: small integers widen to 32 bits."""
    if dtype in ("bool", "int8", "int16"):
        return "int32"
    return "uint32" if dtype in ("uint8", "uint16") else dtype


def _const(value, like):
    return B.convert_to_tensor(value, dtype=B.dtype(like))


def _axes(op: str, x, axis) -> tuple:
    return norm_axes(op, axis, len(B.shape(x)))


def _kept_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape) if keepdims or i not in axes)


def _to_last(x, axes: tuple):
    """``x`` with the ``axes`` moved to the end and merged: (kept..., n)."""
    shape = B.shape(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    x = B.transpose(x, kept + list(axes))
    return B.reshape(x, tuple(shape[i] for i in kept) + (math.prod(shape[i] for i in axes),))


def _nan_mask(x):
    return B.isnan(x) if _is_float(B.dtype(x)) else None


def _fill_nan(x, value):
    mask = _nan_mask(x)
    return x if mask is None else B.where(mask, _const(value, x), x)


# -------------------------------------------------------------------------- products
def prod(x, axis=None, keepdims: bool = False, dtype=None):
    """Product over ``axis`` (None: all; int or tuple); bools and small integers multiply in
    32 bits, or in ``dtype`` when given. The gradient is exact with zeros. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0))
        array([3., 8.])
    """
    x = _tensor("prod", x)
    axes = _axes("prod", x, axis)
    x = _as(x, _accumulator(B.dtype(x)) if dtype is None else B.standardize_dtype(dtype))
    return B.prod(x, axis=axes, keepdims=keepdims)


def _cumulative(op: str, x, axis, dtype):
    x = _tensor(op, x)
    if axis is not None:
        _axes(op, x, axis)
    if dtype is not None:
        return _as(x, B.standardize_dtype(dtype))
    return _as(x, "int32") if B.dtype(x) == "bool" else x


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (None: of the flattened x), in ``dtype`` when given
    (bools: int32). (...) -> (...) or (size,).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.cumprod(np.array([1.0, 2.0, 3.0])))
        array([1., 2., 6.])
    """
    x = _cumulative("cumprod", x, axis, dtype)
    return B.cumprod(x, axis=axis)


def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with NaN taken as 1. (...) -> (...) or (size,).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.nancumprod(np.array([2.0, np.nan, 3.0])))
        array([2., 2., 6.])
    """
    x = _cumulative("nancumprod", x, axis, dtype)
    return B.composite(_nancumulative, x, axis=axis, product=True)


def _nancumulative(x, axis, product):
    if product:
        return B.cumprod(_fill_nan(x, 1.0), axis=axis)
    return _as(B.cumsum(_fill_nan(x, 0.0), axis=axis), B.dtype(x))


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (None: flattened) with NaN taken as 0, in ``dtype`` when
    given (bools: int32). (...) -> (...) or (size,).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.nancumsum(np.array([2.0, np.nan, 3.0])))
        array([2., 2., 5.])
    """
    x = _cumulative("nancumsum", x, axis, dtype)
    return B.composite(_nancumulative, x, axis=axis, product=False)


def nansum(x, axis=None, keepdims: bool = False):
    """Sum over ``axis`` with NaN taken as 0 (all-NaN: 0); small integers sum in 32 bits.
    (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nansum(np.array([1.0, np.nan, 2.0])))
        3.0
    """
    x = _tensor("nansum", x)
    axes = _axes("nansum", x, axis)
    x = _as(x, _accumulator(B.dtype(x)))
    return B.composite(_nanreduce, x, axes=axes, keepdims=keepdims, product=False)


def _nanreduce(x, axes, keepdims, product):
    if product:
        return B.prod(_fill_nan(x, 1.0), axis=axes, keepdims=keepdims)
    return _as(B.sum(_fill_nan(x, 0.0), axis=axes, keepdims=keepdims), B.dtype(x))


def nanprod(x, axis=None, keepdims: bool = False):
    """Product over ``axis`` with NaN taken as 1 (all-NaN: 1); small integers multiply in 32
    bits. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanprod(np.array([2.0, np.nan, 3.0])))
        6.0
    """
    x = _tensor("nanprod", x)
    axes = _axes("nanprod", x, axis)
    x = _as(x, _accumulator(B.dtype(x)))
    return B.composite(_nanreduce, x, axes=axes, keepdims=keepdims, product=True)


# ------------------------------------------------------------------- nan-ignoring statistics
def _valid_count(x, axes, keepdims):
    """(count of non-NaN entries over ``axes`` as x's dtype, x with NaN as 0)."""
    mask = B.isnan(x)
    count = B.sum(B.cast(B.logical_not(mask), B.dtype(x)), axis=axes, keepdims=keepdims)
    return count, B.where(mask, B.zeros_like(x), x)


def _nan_where_empty(count, value):
    """``value`` / NaN where ``count`` is 0."""
    return B.where(B.equal(count, 0), _const(math.nan, value), value)


def nanmean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis`` of the non-NaN entries (all-NaN: NaN); integers give floatx.
    (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanmean(np.array([1.0, np.nan, 2.0])))
        1.5
    """
    x = _floating("nanmean", x)
    return B.composite(_nanmean, x, axes=_axes("nanmean", x, axis), keepdims=keepdims)


def _nanmean(x, axes, keepdims):
    count, zeroed = _valid_count(x, axes, keepdims)
    total = B.sum(zeroed, axis=axes, keepdims=keepdims)
    return _nan_where_empty(count, B.divide(total, B.maximum(count, _const(1, count))))


def nanvar(x, axis=None, keepdims: bool = False):
    """Population variance over ``axis`` of the non-NaN entries (all-NaN: NaN); integers give
    floatx. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanvar(np.array([1.0, np.nan, 3.0])))
        1.0
    """
    x = _floating("nanvar", x)
    return B.composite(_nanvar, x, axes=_axes("nanvar", x, axis), keepdims=keepdims, root=False)


def _nanvar(x, axes, keepdims, root):
    count, zeroed = _valid_count(x, axes, True)
    safe = B.maximum(count, _const(1, count))
    mean = B.divide(B.sum(zeroed, axis=axes, keepdims=True), safe)
    dev = B.where(B.isnan(x), B.zeros_like(x), B.subtract(x, mean))
    out = _nan_where_empty(count, B.divide(B.sum(B.square(dev), axis=axes, keepdims=True), safe))
    out = B.sqrt(out) if root else out
    return out if keepdims else B.squeeze(out, axis=axes)


def nanstd(x, axis=None, keepdims: bool = False):
    """Population standard deviation over ``axis`` of the non-NaN entries (all-NaN: NaN).
    (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanstd(np.array([1.0, np.nan, 3.0])))
        1.0
    """
    x = _floating("nanstd", x)
    return B.composite(_nanvar, x, axes=_axes("nanstd", x, axis), keepdims=keepdims, root=True)


def _nan_extreme(op: str, x, axis, keepdims, fill):
    x = _tensor(op, x)
    return B.composite(_nan_extreme_body, x, axes=_axes(op, x, axis), keepdims=keepdims,
                       fill=fill)


def _nan_extreme_body(x, axes, keepdims, fill):
    reduce = B.max if fill < 0 else B.min
    if not _is_float(B.dtype(x)):
        return reduce(x, axis=axes, keepdims=keepdims)
    mask = B.isnan(x)
    out = reduce(B.where(mask, _const(fill, x), x), axis=axes, keepdims=keepdims)
    return B.where(B.all(mask, axis=axes, keepdims=keepdims), _const(math.nan, x), out)


def nanmax(x, axis=None, keepdims: bool = False):
    """Maximum over ``axis`` ignoring NaN (all-NaN: NaN); ties share the gradient.
    (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanmax(np.array([1.0, np.nan, 2.0])))
        2.0
    """
    return _nan_extreme("nanmax", x, axis, keepdims, -math.inf)


def nanmin(x, axis=None, keepdims: bool = False):
    """Minimum over ``axis`` ignoring NaN (all-NaN: NaN); ties share the gradient.
    (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanmin(np.array([1.0, np.nan, 2.0])))
        1.0
    """
    return _nan_extreme("nanmin", x, axis, keepdims, math.inf)


def _nan_arg(op: str, x, axis, keepdims, fill):
    x = _tensor(op, x)
    if axis is not None and not isinstance(axis, int):
        raise ValueError(f"{op}: `axis` must be an int or None; got {axis!r}")
    if axis is not None:
        _axes(op, x, axis)
    return B.composite(_nan_arg_body, x, axis=axis, keepdims=keepdims, fill=fill)


def _nan_arg_body(x, axis, keepdims, fill):
    reduce = B.argmax if fill < 0 else B.argmin
    if not _is_float(B.dtype(x)):
        return _as(reduce(x, axis=axis, keepdims=keepdims), "int32")
    mask = B.isnan(x)
    out = _as(reduce(B.where(mask, _const(fill, x), x), axis=axis, keepdims=keepdims), "int32")
    empty = B.all(mask, axis=axis, keepdims=keepdims)
    return B.where(empty, B.convert_to_tensor(-1, dtype="int32"), out)


def nanargmax(x, axis=None, keepdims: bool = False):
    """Index of the maximum along ``axis`` (None: of the flattened x) ignoring NaN; -1 where
    all are NaN, as Keras. int32; no gradient. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> int(ops.nanargmax(np.array([1.0, np.nan, 2.0])))
        2
    """
    return _nan_arg("nanargmax", x, axis, keepdims, -math.inf)


def nanargmin(x, axis=None, keepdims: bool = False):
    """Index of the minimum along ``axis`` (None: of the flattened x) ignoring NaN; -1 where
    all are NaN, as Keras. int32; no gradient. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> int(ops.nanargmin(np.array([1.0, np.nan, 0.5])))
        2
    """
    return _nan_arg("nanargmin", x, axis, keepdims, math.inf)


# --------------------------------------------------------------------------- quantiles
def _quantile(op: str, x, q, axis, method: str, keepdims: bool, ignore_nan: bool, scale=1.0):
    """Quantiles ``q`` (scalar or 1-D, in [0, 1] after ``scale``) of ``x`` over ``axis``:
    the reduced axes merged and sorted (``top_k``), entries picked by ``method`` between the
    neighbouring order statistics. With ``ignore_nan`` NaN entries are left out (all-NaN: NaN);
    otherwise a NaN in a slice makes its quantiles NaN. q.shape + reduced shape."""
    if method not in _METHODS:
        raise ValueError(f"{op}: `method` must be one of {', '.join(_METHODS)}; got {method!r}")
    q_host = numpy.asarray(B.convert_to_numpy(q) if B.is_tensor(q) else q, "float64") * scale
    if q_host.ndim > 1:
        raise ValueError(f"{op}: `q` must be a scalar or 1-D; got shape {q_host.shape}")
    if not numpy.all((q_host >= 0) & (q_host <= 1)):
        bound = "[0, 100]" if scale != 1.0 else "[0, 1]"
        raise ValueError(f"{op}: `q` must lie in {bound}; got {q_host / scale}")
    x = _floating(op, x)
    shape = B.shape(x)
    axes = _axes(op, x, axis)
    if math.prod(shape[a] for a in axes) == 0:
        raise ValueError(f"{op}: cannot take quantiles over an empty axis; `x` has shape "
                         f"{shape} and axis={axis}")
    out = B.composite(_quantile_body, x, q=tuple(q_host.reshape(-1).tolist()), axes=axes,
                      method=method, keepdims=keepdims, ignore_nan=ignore_nan)
    return B.reshape(out, B.shape(out)[1:]) if q_host.ndim == 0 else out


def _quantile_body(x, q, axes, method, keepdims, ignore_nan):
    shape = B.shape(x)
    flat = _to_last(x, axes)
    n = B.shape(flat)[-1]
    nan = B.isnan(flat)
    sorted_ = B.negative(B.top_k(B.negative(B.where(nan, _const(math.inf, flat), flat)), n)[0])
    qs = _const(numpy.asarray(q), flat)
    if ignore_nan:  # positions among the valid entries of each slice
        count = B.sum(B.cast(B.logical_not(nan), B.dtype(flat)), axis=-1, keepdims=True)
        pos = B.multiply(qs, B.maximum(B.subtract(count, _const(1, flat)), _const(0, flat)))
    else:
        pos = B.multiply(qs, _const(n - 1, flat))
        pos = B.broadcast_to(pos, B.shape(flat)[:-1] + (len(q),))
    lo, hi = B.floor(pos), B.ceil(pos)

    def pick(p):
        return B.take_along_axis(sorted_, B.cast(p, "int32"), axis=-1)
    if method == "lower":
        out = pick(lo)
    elif method == "higher":
        out = pick(hi)
    elif method == "nearest":
        out = pick(B.round(pos))
    else:
        low, high = pick(lo), pick(hi)
        frac = _const(0.5, flat) if method == "midpoint" else B.subtract(pos, lo)
        same = B.equal(low, high)  # (no inf - inf where both are the same infinity)
        zero = B.zeros_like(low)
        diff = B.subtract(B.where(same, zero, high), B.where(same, zero, low))
        out = B.add(low, B.multiply(diff, frac))
    empty = B.equal(count, 0) if ignore_nan else B.any(nan, axis=-1, keepdims=True)
    out = B.where(empty, _const(math.nan, out), out)
    return B.reshape(B.moveaxis(out, -1, 0), (len(q),) + _kept_shape(shape, axes, keepdims))


def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th quantiles (scalar or 1-D q in [0, 1]) of ``x`` over ``axis`` (None: all;
    int or tuple). ``method``: "linear" (interpolate), "lower", "higher", "midpoint" or
    "nearest" (round half to even), as NumPy; NaN in a slice gives NaN. Integers give floatx;
    the gradient flows to the chosen entries (none to ``q``). q.shape + reduced shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.quantile(np.array([1.0, 2.0, 3.0, 4.0]), [0.25, 0.5]))
        array([1.75, 2.5 ])
    """
    return _quantile("quantile", x, q, axis, method, keepdims, ignore_nan=False)


def percentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th percentiles (q in [0, 100]) of ``x`` over ``axis``; see ``quantile``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50))
        2.5
    """
    return _quantile("percentile", x, q, axis, method, keepdims, ignore_nan=False, scale=0.01)


def median(x, axis=None, keepdims: bool = False):
    """The median of ``x`` over ``axis`` (mean of the middle two for even counts); integers
    give floatx. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.median(np.array([3.0, 1.0, 2.0, 10.0])))
        2.5
    """
    return _quantile("median", x, 0.5, axis, "linear", keepdims, ignore_nan=False)


def nanquantile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """``quantile`` of the non-NaN entries (all-NaN slices: NaN).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5))
        2.0
    """
    return _quantile("nanquantile", x, q, axis, method, keepdims, ignore_nan=True)


def nanpercentile(x, q, axis=None, method: str = "linear", keepdims: bool = False):
    """``percentile`` of the non-NaN entries (all-NaN slices: NaN).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanpercentile(np.array([1.0, np.nan, 3.0]), 50))
        2.0
    """
    return _quantile("nanpercentile", x, q, axis, method, keepdims, ignore_nan=True,
                     scale=0.01)


def nanmedian(x, axis=None, keepdims: bool = False):
    """``median`` of the non-NaN entries (all-NaN slices: NaN).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.nanmedian(np.array([1.0, np.nan, 3.0, 10.0])))
        3.0
    """
    return _quantile("nanmedian", x, 0.5, axis, "linear", keepdims, ignore_nan=True)


# ----------------------------------------------------------------------- other statistics
def ptp(x, axis=None, keepdims: bool = False):
    """Peak to peak, max - min over ``axis``, in x's dtype. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.ptp(np.array([[1, 5], [4, 2]], "int32"), axis=1))
        array([4, 2], dtype=int32)
    """
    x = _tensor("ptp", x)
    if B.dtype(x) == "bool":
        raise TypeError("ptp: `x` must be a float or integer tensor; got dtype bool")
    return B.composite(_ptp, x, axes=_axes("ptp", x, axis), keepdims=keepdims)


def _ptp(x, axes, keepdims):
    return B.subtract(B.max(x, axis=axes, keepdims=keepdims),
                      B.min(x, axis=axes, keepdims=keepdims))


def count_nonzero(x, axis=None):
    """The number of non-zero entries over ``axis`` (None: all; int or tuple), int32; no
    gradient. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> int(ops.count_nonzero(np.array([0, 3, 0, 1])))
        2
    """
    x = B.convert_to_tensor(x)
    return B.composite(_count_nonzero, x, axes=_axes("count_nonzero", x, axis))


def _count_nonzero(x, axes):
    return _as(B.sum(B.cast(B.not_equal(x, B.zeros_like(x)), "int32"), axis=axes), "int32")


def average(x, axis=None, weights=None):
    """The mean of ``x`` over ``axis`` (None: all) weighted by ``weights`` (x's shape, or 1-D
    along an int ``axis``): sum(x * w) / sum(w). Integers give floatx. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0])))
        2.75
    """
    x = _tensor("average", x)
    axes = _axes("average", x, axis)
    if weights is None:
        return B.mean(_floating("average", x), axis=axes)
    w = _tensor("average", weights, "weights")
    dtype = result_type(B.dtype(x), B.dtype(w), float)
    x, w = _as(x, dtype), _as(w, dtype)
    xs, ws = B.shape(x), B.shape(w)
    if ws != xs:
        if not (isinstance(axis, int) and len(ws) == 1 and ws[0] == xs[axis]):
            raise ValueError(f"average: `weights` must have the shape of `x` {xs}, or be 1-D of "
                             f"length x.shape[axis] with an int `axis`; got shape {ws} with "
                             f"axis={axis!r}")
        w = B.reshape(w, tuple(ws[0] if i == axes[0] else 1 for i in range(len(xs))))
    return B.composite(_weighted_mean, x, w, axes=axes)


def _weighted_mean(x, w, axes):
    total = B.sum(B.broadcast_to(w, B.shape(x)), axis=axes)
    return B.divide(B.sum(B.multiply(x, w), axis=axes), total)


def _slice(ndim: int, axis: int, s: slice) -> tuple:
    return tuple(s if i == axis else slice(None) for i in range(ndim))


def trapezoid(y, x=None, dx: float = 1.0, axis: int = -1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x``
    (same shape as y, or 1-D along the axis) or spaced ``dx`` apart. (...) -> reduced.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.trapezoid(np.array([1.0, 2.0, 3.0])))
        4.0
    """
    y = _floating("trapezoid", y, "y")
    shape = B.shape(y)
    (ax,) = norm_axes("trapezoid", axis, len(shape))
    if x is None:
        return B.composite(_trapezoid, y, None, ax=ax, dx=float(dx))
    x = _as(_tensor("trapezoid", x, "x"), B.dtype(y))
    xs = B.shape(x)
    if xs == (shape[ax],) and len(shape) > 1:
        x = B.reshape(x, tuple(xs[0] if i == ax else 1 for i in range(len(shape))))
    elif xs != shape:
        raise ValueError(f"trapezoid: `x` must have the shape of `y` {shape} or be 1-D of "
                         f"length y.shape[axis] = {shape[ax]}; got shape {xs}")
    return B.composite(_trapezoid, y, x, ax=ax, dx=1.0)


def _diff(t, ax):
    n = len(B.shape(t))
    return (B.getitem(t, _slice(n, ax, slice(1, None))),
            B.getitem(t, _slice(n, ax, slice(None, -1))))


def _trapezoid(y, x, ax, dx):
    upper, lower = _diff(y, ax)
    mean = B.multiply(B.add(upper, lower), _const(0.5, y))
    if x is None:
        return B.multiply(B.sum(mean, axis=ax), _const(dx, y))
    return B.sum(B.multiply(mean, B.subtract(*_diff(x, ax))), axis=ax)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x`` (variables, observations along
    the columns): (N, M) -> (N, N), clipped to [-1, 1]; 1-D x -> 1.0. Integers give floatx.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.corrcoef(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])))
        array([[ 1., -1.],
               [-1.,  1.]])
    """
    x = _floating("corrcoef", x)
    rank = len(B.shape(x))
    if rank not in (1, 2):
        raise ValueError(f"corrcoef: `x` must be 1-D or 2-D (variables, observations); got "
                         f"shape {B.shape(x)}")
    return B.composite(_corrcoef, x)


def _corrcoef(x):
    rank = len(B.shape(x))
    rows = B.reshape(x, (1, -1)) if rank == 1 else x
    centred = B.subtract(rows, B.mean(rows, axis=1, keepdims=True))
    cov = B.matmul(centred, B.transpose(centred))
    scale = B.sqrt(B.sum(B.square(centred), axis=1, keepdims=True))
    corr = B.clip(B.divide(B.divide(cov, scale), B.transpose(scale)), -1.0, 1.0)
    return B.reshape(corr, ()) if rank == 1 else corr


def correlate(x1, x2, mode: str = "valid"):
    """Cross-correlation of two 1-D tensors, c[k] = sum_n x1[n + k] * x2[n], as
    ``numpy.correlate``: ``mode`` "valid" (full overlap), "same" (length max(M, N)) or
    "full". Float result. (M,), (N,) -> (K,).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0])))
        array([2., 3.])
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f'correlate: `mode` must be "valid", "same" or "full"; got {mode!r}')
    x1, x2 = _tensor("correlate", x1, "x1"), _tensor("correlate", x2, "x2")
    s1, s2 = B.shape(x1), B.shape(x2)
    if len(s1) != 1 or len(s2) != 1 or 0 in (s1[0], s2[0]):
        raise ValueError(f"correlate: `x1` and `x2` must be non-empty 1-D tensors; got shapes "
                         f"{s1} and {s2}")
    dtype = result_type(B.dtype(x1), B.dtype(x2), float)
    x1, x2 = _as(x1, dtype), _as(x2, dtype)
    return B.composite(_correlate, x1, x2, mode=mode)


def _correlate(x1, x2, mode):
    m, n = B.shape(x1)[0], B.shape(x2)[0]
    padded = B.pad(x1, [(n - 1, n - 1)])
    full = B.matmul(B.extract_sequences(padded, n, 1), x2)  # (m + n - 1,)
    if mode == "full":
        return full
    lo, hi = min(m, n), max(m, n)
    start, length = ((lo - 1, hi - lo + 1) if mode == "valid" else ((lo - 1) // 2, hi))
    return B.getitem(full, slice(start, start + length))


# ------------------------------------------------------------------------- window functions
def _window(op: str, x, values):
    if isinstance(x, bool) or not isinstance(x, (int, numpy.integer)):
        raise TypeError(f"{op}: `x` (the window length) must be an int; got {x!r}")
    return B.convert_to_tensor(numpy.asarray(values(int(x))), dtype=config.floatx())


def bartlett(x: int):
    """The Bartlett (triangular) window of ``x`` points, floatx; no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bartlett(5))
        array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    return _window("bartlett", x, numpy.bartlett)


def blackman(x: int):
    """The Blackman window of ``x`` points, floatx; no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.blackman(3)).round(4)
        array([-0.,  1., -0.], dtype=float32)
    """
    return _window("blackman", x, numpy.blackman)


def hamming(x: int):
    """The Hamming window of ``x`` points, floatx; no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hamming(3))
        array([0.08, 1.  , 0.08], dtype=float32)
    """
    return _window("hamming", x, numpy.hamming)


def hanning(x: int):
    """The Hann window of ``x`` points, floatx; no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hanning(3))
        array([0., 1., 0.], dtype=float32)
    """
    return _window("hanning", x, numpy.hanning)


def kaiser(x: int, beta: float):
    """The Kaiser window of ``x`` points with shape parameter ``beta``, floatx; no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.kaiser(3, 0.0))
        array([1., 1., 1.], dtype=float32)
    """
    return _window("kaiser", x, lambda m: numpy.kaiser(m, float(beta)))
