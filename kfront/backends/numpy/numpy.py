"""Array ops of the native engine, each with its gradient rule next to its forward.

Every kernel takes its array module from the data (``xp = get_xp(x)``), so the same code runs on
numpy and on cupy.
"""
from __future__ import annotations

import builtins
import functools
import math

import numpy

from kfront.backends.common import padding
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.numpy import blas, rows
from kfront.backends.numpy.engine import elementwise, get_xp, primitive, raw
from kfront.backends.numpy.scatter import add_rows as _add_rows


def _axis_arg(axis):
    """``axis`` as NumPy's reductions take it: a list (Keras accepts one) as a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    for a in axis:  # (this module's any / max are ops)
        if not -ndim <= a < (ndim or 1):
            raise ValueError(f"axis {axis} is out of range for a tensor of rank {ndim}")
    return tuple(a % ndim for a in axis) if ndim else ()


def _expand_reduced(g, shape, axis, keepdims):
    """Give a reduced gradient back its reduced axes (as size 1)."""
    if keepdims:
        return g
    return g.reshape([1 if i in _axes(axis, len(shape)) else s for i, s in enumerate(shape)])


def _reduce_to(xp, g, shape):
    """``g`` summed down to the ``shape`` of a broadcast operand: by ``rows.sum_rows`` when that
    shape is a trailing part of ``g``'s (a bias), else left to the engine's ``sum_to``."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    tail = shape[next((i for i, s in enumerate(shape) if s != 1), len(shape)):]
    if (tail and g.shape[g.ndim - len(tail):] == tail and g.flags.c_contiguous
            and xp is numpy):
        return rows.sum_rows(xp, g, math.prod(tail)).reshape(shape)
    return g


def _ufunc(name: str):
    """The forward of a binary op by the ufunc ``name``: same-dtype float arrays into a new
    array by ``rows.by_rows``, anything else (scalars, mixed dtypes) as the plain ufunc."""
    def forward(xp, a, b):
        f = getattr(xp, name)
        if (type(a) is not type(b) or not hasattr(a, "dtype") or a.dtype != b.dtype
                or a.dtype.kind != "f" or builtins.max(a.size, b.size) < rows.THREADED):
            return f(a, b)
        return rows.by_rows(xp, lambda o, x, y: f(x, y, out=o),
                            numpy.broadcast_shapes(a.shape, b.shape), a.dtype, a, b)
    return forward


# ---------------------------------------------------------------------------- elementwise
def _sign(xp, x):
    return xp.sign(x)


negative = elementwise("negative", lambda xp, x: -x, lambda xp, x, g: -g, "x")
abs = elementwise("abs", lambda xp, x: xp.abs(x), lambda xp, x, g: g * xp.sign(x), "x")
exp = elementwise("exp", lambda xp, x: xp.exp(x), lambda xp, y, g: g * y, "y")
expm1 = elementwise("expm1", lambda xp, x: xp.expm1(x), lambda xp, y, g: g * (y + 1), "y")
log = elementwise("log", lambda xp, x: xp.log(x), lambda xp, x, g: g / x, "x")
log1p = elementwise("log1p", lambda xp, x: xp.log1p(x), lambda xp, x, g: g / (1 + x), "x")
sqrt = elementwise("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, y, g: g * 0.5 / y, "y")
square = elementwise("square", lambda xp, x: xp.square(x), lambda xp, x, g: g * 2 * x, "x")
sin = elementwise("sin", lambda xp, x: xp.sin(x), lambda xp, x, g: g * xp.cos(x), "x")
cos = elementwise("cos", lambda xp, x: xp.cos(x), lambda xp, x, g: -g * xp.sin(x), "x")
tanh = elementwise("tanh", lambda xp, x: xp.tanh(x), lambda xp, y, g: g * (1 - y * y), "y")
reciprocal = elementwise("reciprocal", lambda xp, x: 1 / x, lambda xp, y, g: -g * y * y, "y")


def _constant(op):
    """``op`` without a gradient: its inputs are taken as constants, so it is never recorded and
    returns plain arrays even under a tape."""
    @functools.wraps(op)
    def call(*args, **params):
        return op(*[raw(a) for a in args], **params)
    return call


def _no_grad_unary(name, f):
    return _constant(elementwise(name, f, None, "x"))


sign = _no_grad_unary("sign", _sign)
floor = _no_grad_unary("floor", lambda xp, x: xp.floor(x))
ceil = _no_grad_unary("ceil", lambda xp, x: xp.ceil(x))
round = _no_grad_unary("round", lambda xp, x: xp.round(x))
logical_not = _no_grad_unary("logical_not", lambda xp, x: xp.logical_not(x))
isnan = _no_grad_unary("isnan", lambda xp, x: xp.isnan(x))
isfinite = _no_grad_unary("isfinite", lambda xp, x: xp.isfinite(x))


# ------------------------------------------------------------------------------- binary
def _binary(name, forward, grads=None):
    """A broadcasting binary op; ``grads(g, a, b, out) -> (ga, gb)`` (engine sums to shape)."""
    def fn(a, b):
        xp = get_xp(a if hasattr(a, "shape") else b)
        out = forward(xp, a, b)
        return out, lambda g, needs: grads(xp, g, a, b, out, needs)
    fn.__name__ = fn.__qualname__ = name
    return primitive(fn) if grads is not None else _constant(primitive(fn))


add = _binary("add", _ufunc("add"), lambda xp, g, a, b, o, n: (
    _reduce_to(xp, g, a.shape) if n[0] else None, _reduce_to(xp, g, b.shape) if n[1] else None))
subtract = _binary("subtract", _ufunc("subtract"), lambda xp, g, a, b, o, n: (
    _reduce_to(xp, g, a.shape) if n[0] else None, -_reduce_to(xp, g, b.shape) if n[1] else None))
multiply = _binary("multiply", _ufunc("multiply"),
                   lambda xp, g, a, b, o, n: (g * b if n[0] else None, g * a if n[1] else None))
divide = _binary("divide", lambda xp, a, b: xp.true_divide(a, b),
                 lambda xp, g, a, b, o, n: (g / b if n[0] else None,
                                            -g * o / b if n[1] else None))


def _power_grads(xp, g, a, b, o, n):
    ga = g * b * xp.power(a, b - 1) if n[0] else None
    gb = g * o * xp.log(xp.where(a > 0, a, 1)) if n[1] else None
    return ga, gb


power = _binary("power", lambda xp, a, b: xp.power(a, b), _power_grads)
maximum = _binary("maximum", lambda xp, a, b: xp.maximum(a, b),
                  lambda xp, g, a, b, o, n: (g * (a >= b) if n[0] else None,
                                             g * (a < b) if n[1] else None))
minimum = _binary("minimum", lambda xp, a, b: xp.minimum(a, b),
                  lambda xp, g, a, b, o, n: (g * (a <= b) if n[0] else None,
                                             g * (a > b) if n[1] else None))
mod = _binary("mod", lambda xp, a, b: xp.mod(a, b),
              lambda xp, g, a, b, o, n: (g, -g * xp.floor_divide(a, b) if n[1] else None))
floor_divide = _binary("floor_divide", lambda xp, a, b: xp.floor_divide(a, b))
equal = _binary("equal", lambda xp, a, b: xp.equal(a, b))
not_equal = _binary("not_equal", lambda xp, a, b: xp.not_equal(a, b))
greater = _binary("greater", lambda xp, a, b: xp.greater(a, b))
greater_equal = _binary("greater_equal", lambda xp, a, b: xp.greater_equal(a, b))
less = _binary("less", lambda xp, a, b: xp.less(a, b))
less_equal = _binary("less_equal", lambda xp, a, b: xp.less_equal(a, b))
logical_and = _binary("logical_and", lambda xp, a, b: xp.logical_and(a, b))
logical_or = _binary("logical_or", lambda xp, a, b: xp.logical_or(a, b))
logical_xor = _binary("logical_xor", lambda xp, a, b: xp.logical_xor(a, b))


@primitive
def clip(x, x_min, x_max):
    xp = get_xp(x)
    out = xp.clip(x, x_min, x_max)
    return out, lambda g, needs: (g * ((x >= x_min) & (x <= x_max)), None, None)


@primitive
def where(condition, x1, x2):
    xp = get_xp(condition)
    out = xp.where(condition, x1, x2)
    return out, lambda g, needs: (None, xp.where(condition, g, 0) if needs[1] else None,
                                  xp.where(condition, 0, g) if needs[2] else None)


# ----------------------------------------------------------------------- linear algebra
@primitive
def matmul(a, b):
    xp = get_xp(a)
    out = blas.gemm(a, b)

    def vjp(g, needs):
        # promote 1-D operands to matrices as matmul does (b first: g may be 0-d)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = xp.expand_dims(g, -1) if b.ndim == 1 else g
        g2 = xp.expand_dims(g2, -2) if a.ndim == 1 else g2
        ga = gb = None
        if needs[0]:
            ga = blas.gemm(g2, xp.swapaxes(b2, -1, -2))
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if needs[1]:
            if b2.ndim == 2 and a2.ndim > 2:  # one GEMM over all rows, not a sum of products
                gb = blas.gemm(a2.reshape(-1, a2.shape[-1]).T, g2.reshape(-1, g2.shape[-1]))
            else:
                gb = blas.gemm(xp.swapaxes(a2, -1, -2), g2)
            gb = gb[..., :, 0] if b.ndim == 1 else gb
        return ga, gb
    return out, vjp


def _norm_tensordot_axes(axes, na, nb):
    if isinstance(axes, int):
        return list(range(na - axes, na)), list(range(axes))
    ax_a, ax_b = axes
    ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    return [i % na for i in ax_a], [i % nb for i in ax_b]


@primitive
def tensordot(a, b, axes=2):
    xp = get_xp(a)
    ax_a, ax_b = _norm_tensordot_axes(axes, a.ndim, b.ndim)
    out = xp.tensordot(a, b, axes=(ax_a, ax_b))

    def vjp(g, needs):
        free_a = [i for i in range(a.ndim) if i not in ax_a]
        free_b = [i for i in range(b.ndim) if i not in ax_b]
        ga = gb = None
        if needs[0]:
            t = xp.tensordot(g, b, axes=(list(range(len(free_a), g.ndim)), free_b))
            order = free_a + [ax_a[ax_b.index(k)] for k in sorted(ax_b)]
            ga = xp.transpose(t, numpy.argsort(order))
        if needs[1]:
            t = xp.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
            order = [ax_b[ax_a.index(k)] for k in sorted(ax_a)] + free_b
            gb = xp.transpose(t, numpy.argsort(order))
        return ga, gb
    return out, vjp


def dot(a, b):
    """numpy.dot semantics."""
    na, nb = len(_shape_of(a)), len(_shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [builtins.max(nb - 2, 0)]))


def _shape_of(x):
    return raw(x).shape if hasattr(raw(x), "shape") else ()


# --------------------------------------------------------------------------- reductions
@primitive
def sum(x, axis=None, keepdims=False):
    xp, axis = get_xp(x), _axis_arg(axis)
    shp = x.shape
    out = xp.sum(x, axis=axis, keepdims=keepdims)
    return out, lambda g, needs: (xp.broadcast_to(_expand_reduced(g, shp, axis, keepdims), shp),)


@primitive
def mean(x, axis=None, keepdims=False):
    xp, axis = get_xp(x), _axis_arg(axis)
    shp = x.shape
    out = xp.mean(x, axis=axis, keepdims=keepdims)
    n = builtins.max(1, x.size // builtins.max(1, out.size))
    return out, lambda g, needs: (xp.broadcast_to(_expand_reduced(g / n, shp, axis, keepdims), shp),)


def _extreme(name, f):
    def fn(x, axis=None, keepdims=False):
        xp, axis = get_xp(x), _axis_arg(axis)
        out = f(xp, x, axis=axis, keepdims=keepdims)

        def vjp(g, needs):
            o = _expand_reduced(out, x.shape, axis, keepdims)
            mask = x == o
            count = mask.sum(axis=_axes(axis, x.ndim), keepdims=True)
            return (mask * (_expand_reduced(g, x.shape, axis, keepdims) / count),)
        return out, vjp
    fn.__name__ = fn.__qualname__ = name
    return primitive(fn)


max = _extreme("max", lambda xp, x, **k: xp.max(x, **k))
min = _extreme("min", lambda xp, x, **k: xp.min(x, **k))


@primitive
def var(x, axis=None, keepdims=False):
    xp, axis = get_xp(x), _axis_arg(axis)
    mu = xp.mean(x, axis=axis, keepdims=True)
    d = x - mu
    out = xp.mean(d * d, axis=axis, keepdims=keepdims)
    n = builtins.max(1, x.size // builtins.max(1, out.size))
    return out, lambda g, needs: (_expand_reduced(g, x.shape, axis, keepdims) * (2 / n) * d,)


def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@primitive
def logsumexp(x, axis=None, keepdims=False):
    xp, axis = get_xp(x), _axis_arg(axis)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    s = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    out = s if keepdims else xp.squeeze(s, axis=_axes(axis, x.ndim))
    return out, lambda g, needs: (_expand_reduced(g, x.shape, axis, keepdims) * xp.exp(x - s),)


def _no_grad_reduction(name, f):
    def fn(x, axis=None, keepdims=False):
        return f(get_xp(x), x, axis=_axis_arg(axis), keepdims=keepdims), None
    fn.__name__ = fn.__qualname__ = name
    return _constant(primitive(fn))


argmax = _no_grad_reduction("argmax", lambda xp, x, **kw: xp.argmax(x, **kw))
argmin = _no_grad_reduction("argmin", lambda xp, x, **kw: xp.argmin(x, **kw))
any = _no_grad_reduction("any", lambda xp, x, **kw: xp.any(x, **kw))
all = _no_grad_reduction("all", lambda xp, x, **kw: xp.all(x, **kw))


@primitive
def cumsum(x, axis=None):
    xp = get_xp(x)
    out = xp.cumsum(x, axis=axis)

    def vjp(g, needs):
        if axis is None:
            return (xp.flip(xp.cumsum(xp.flip(g))).reshape(x.shape),)
        return (xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis),)
    return out, vjp


# ------------------------------------------------------------------------------- shapes
@primitive
def reshape(x, newshape):
    xp = get_xp(x)
    return xp.reshape(x, newshape), lambda g, needs: (g.reshape(x.shape),)


@primitive
def transpose(x, axes=None):
    xp = get_xp(x)
    out = xp.transpose(x, axes)
    inv = None if axes is None else numpy.argsort([a % x.ndim for a in axes])
    return out, lambda g, needs: (xp.transpose(g, inv),)


@primitive
def moveaxis(x, source, destination):
    xp = get_xp(x)
    return (xp.moveaxis(x, source, destination),
            lambda g, needs: (xp.moveaxis(g, destination, source),))


def swapaxes(x, axis1, axis2):
    nd = len(_shape_of(x))
    perm = list(range(nd))
    perm[axis1 % nd], perm[axis2 % nd] = perm[axis2 % nd], perm[axis1 % nd]
    return transpose(x, perm)


def expand_dims(x, axis):
    shp = list(_shape_of(x))
    axes = [axis] if isinstance(axis, int) else list(axis)
    nd = len(shp) + len(axes)
    for a in sorted(a % nd for a in axes):
        shp.insert(a, 1)
    return reshape(x, tuple(shp))


def squeeze(x, axis=None):
    shp = _shape_of(x)
    axes = _axes(axis, len(shp)) if axis is not None else tuple(i for i, s in enumerate(shp) if s == 1)
    for a in axes:
        if shp[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {tuple(shp)} has size {shp[a]}, not 1")
    return reshape(x, tuple(s for i, s in enumerate(shp) if i not in axes))


@primitive
def broadcast_to(x, shape):
    xp = get_xp(x)
    return xp.broadcast_to(x, shape), lambda g, needs: (g,)


@primitive
def _concatenate(*xs, axis=0):
    xp = get_xp(xs[0])
    out = xp.concatenate(xs, axis=axis)
    bounds = numpy.cumsum([x.shape[axis] for x in xs])[:-1]
    return out, lambda g, needs: tuple(xp.split(g, bounds, axis=axis))


def concatenate(xs, axis=0):
    return _concatenate(*xs, axis=axis)


def stack(xs, axis=0):
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


@primitive
def _split(x, indices_or_sections, axis):
    xp = get_xp(x)
    parts = tuple(xp.split(x, indices_or_sections, axis=axis))
    return parts, lambda gs, needs: (xp.concatenate(gs, axis=axis),)


def split(x, indices_or_sections, axis=0):
    return list(_split(x, indices_or_sections, axis=axis))


def unstack(x, num=None, axis=0):
    n = _shape_of(x)[axis]
    return [squeeze(p, axis) for p in split(x, n, axis=axis)]


@primitive
def tile(x, repeats):
    xp = get_xp(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    out = xp.tile(x, reps)

    def vjp(g, needs):
        nd = out.ndim
        xs = (1,) * (nd - x.ndim) + x.shape
        rs = (1,) * (nd - len(reps)) + reps
        g = g.reshape([v for r, s in zip(rs, xs) for v in (r, s)])
        return (g.sum(axis=tuple(range(0, 2 * nd, 2))).reshape(x.shape),)
    return out, vjp


def repeat(x, repeats, axis=None):
    """numpy.repeat; ``repeats`` an int or one count per element along ``axis``."""
    if numpy.ndim(repeats) == 0:
        return _repeat(x, int(repeats), axis=axis)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    n = _shape_of(x)[axis]
    return take(x, numpy.repeat(numpy.arange(n), numpy.asarray(repeats)), axis=axis)


@primitive
def _repeat(x, repeats, axis=None):
    xp = get_xp(x)
    out = xp.repeat(x, repeats, axis=axis)

    def vjp(g, needs):
        if axis is None:
            return (g.reshape(-1, repeats).sum(1).reshape(x.shape),)
        ax = axis % x.ndim
        g = g.reshape(x.shape[:ax] + (x.shape[ax], repeats) + x.shape[ax + 1:])
        return (g.sum(axis=ax + 1),)
    return out, vjp


@primitive
def flip(x, axis=None):
    xp = get_xp(x)
    return xp.flip(x, axis), lambda g, needs: (xp.flip(g, axis),)


def pad(x, pad_width, mode="constant", constant_values=0):
    """numpy.pad in mode "constant" (``constant_values``), "reflect", "symmetric", "edge" or
    "wrap"; ``pad_width`` as numpy's (see ``kfront.backends.common.padding``)."""
    return _pad(x, pad_width=pad_width, mode=mode, constant_values=constant_values)


@primitive
def _pad(x, pad_width, mode, constant_values):
    """The gradient keeps the interior of ``g`` and, in an index mode, adds each border
    position's gradient onto the source position it read (axis by axis: the padding is a
    product of per-axis maps)."""
    xp = get_xp(x)
    widths = padding.pad_widths(pad_width, x.ndim)
    padding.check(x.shape, widths, mode)
    if mode == "constant":
        out = xp.pad(x, widths, constant_values=constant_values)
    else:
        out = xp.pad(x, widths, mode=mode)

    def vjp(g, needs):
        for axis, ((before, after), size) in enumerate(zip(widths, x.shape)):
            if not (before or after):
                continue
            moved = xp.moveaxis(g, axis, 0)
            gx = moved[before:before + size].copy()
            if mode != "constant":
                border = numpy.r_[0:before, before + size:before + size + after]
                source = padding.source_indices(size, before, after, mode)[border]
                xp.add.at(gx, xp.asarray(source), moved[xp.asarray(border)])
            g = xp.moveaxis(gx, 0, axis)
        return (g,)
    return out, vjp


def _index_raw(idx):
    if isinstance(idx, tuple):
        return tuple(raw(i) for i in idx)
    return raw(idx)


@primitive
def _getitem(x, idx):
    xp = get_xp(x)
    out = x[idx]

    def vjp(g, needs):
        gx = xp.zeros(x.shape, g.dtype)
        if _is_basic(idx):
            gx[idx] = g
        else:
            xp.add.at(gx, idx, g)
        return (gx,)
    return out, vjp


def getitem(x, idx):
    """``x[idx]`` (basic and advanced indexing)."""
    return _getitem(x, idx=_index_raw(idx))


def _is_basic(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return builtins.all(isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


@primitive
def take(x, indices, axis=None):
    xp = get_xp(x)
    indices = xp.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers, got dtype {indices.dtype}")
    out = xp.take(x, indices, axis=axis)

    def vjp(g, needs):
        if axis is None:
            gx = xp.zeros(x.size, g.dtype)
            xp.add.at(gx, indices.reshape(-1), g.reshape(-1))
            return (gx.reshape(x.shape), None)
        ax = axis % x.ndim
        gm = xp.moveaxis(g.reshape(x.shape[:ax] + (indices.size,) + x.shape[ax + 1:]), ax, 0)
        gx = _add_rows(xp, x.shape[ax], indices.reshape(-1), gm)
        return (xp.moveaxis(gx, 0, ax), None)
    return out, vjp


@primitive
def take_along_axis(x, indices, axis=None):
    xp = get_xp(x)
    indices = xp.asarray(indices)
    out = xp.take_along_axis(x, indices, axis=axis)

    def vjp(g, needs):
        gx = xp.zeros(x.size if axis is None else x.shape, g.dtype)
        xp.add.at(gx, indices if axis is None else _along_index(xp, x.shape, indices, axis), g)
        return (gx.reshape(x.shape), None)
    return out, vjp


def _along_index(xp, shape, indices, axis):
    """The advanced index into an array of ``shape`` that take_along_axis uses (broadcasting)."""
    nd = len(shape)
    idx = [xp.arange(s).reshape([-1 if j == i else 1 for j in range(nd)])
           for i, s in enumerate(shape)]
    idx[axis % nd] = indices
    return tuple(idx)


@_constant
@primitive
def one_hot(x, num_classes, axis=-1, dtype=None):
    xp = get_xp(x)
    x = xp.asarray(x)
    out = (xp.expand_dims(x, -1) == xp.arange(num_classes)).astype(standardize_dtype(dtype))
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return out, None


# --------------------------------------------------------------------------- creation
def zeros(shape, dtype=None):
    return numpy.zeros(shape, standardize_dtype(dtype))


def ones(shape, dtype=None):
    return numpy.ones(shape, standardize_dtype(dtype))


def full(shape, fill_value, dtype=None):
    return numpy.full(shape, fill_value, standardize_dtype(dtype))


def zeros_like(x, dtype=None):
    x = raw(x)
    return get_xp(x).zeros(x.shape, dtype or x.dtype)


def ones_like(x, dtype=None):
    x = raw(x)
    return get_xp(x).ones(x.shape, dtype or x.dtype)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        kinds = [type(v) for v in (start, stop, step)]
        dtype = "float32" if float in kinds else "int32"
    return numpy.arange(start, stop, step, dtype=standardize_dtype(dtype))


def eye(n, m=None, dtype=None):
    return numpy.eye(n, m, dtype=standardize_dtype(dtype))


def size(x) -> int:
    return int(math.prod(_shape_of(x)))
