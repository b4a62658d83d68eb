"""Image ops (``keras.ops.image``) of the native engine: the resampling kernel of ``resize``,
with its gradient rule next to its forward (the other image ops run through
``kfront.ops.image``'s backend ops).

Example:
    >>> import numpy as np
    >>> from kfront.backends.numpy.image import resize_images
    >>> x = np.arange(256, dtype="float32").reshape(1, 16, 16, 1)
    >>> resize_images(x, (8, 8), "bilinear", False)[0, :2, :2, 0].tolist()
    [[8.5, 10.5], [40.5, 42.5]]
"""
from __future__ import annotations

import functools

import numpy

from kfront.backends.common.image import taps, weight_matrix
from kfront.backends.numpy import threads
from kfront.backends.numpy.engine import get_xp, primitive, raw

__all__ = ["image_compiled", "resize_images"]


def image_compiled(fn):
    """``fn`` itself: image ops run op by op on this backend (JAX compiles them whole)."""
    return fn


@functools.lru_cache(maxsize=64)
def _plan(n: int, size: int, interpolation: str, antialias: bool):
    """How one axis of ``n`` samples is resampled to ``size``: None when it stays (``n ==
    size``), else ``(matrix, taps, weight)`` with each tap ``(indices, weights)`` and
    ``indices`` a slice when they step evenly (a strided view, no gather), and ``weight`` the
    one weight of every tap where all are equal and step evenly (bilinear halving: 0.5),
    else None; False when the matrix is not sparse enough for taps (``kfront.ops.image`` then
    multiplies by it; the same rule as there, so that both give the same bits)."""
    if n == size:
        return None
    matrix = weight_matrix(n, size, interpolation, antialias)
    indices, weights = taps(matrix)
    if len(indices) * 8 > n:
        return False
    plan = []
    for index, weight in zip(indices, weights):
        index = index.astype("int64")
        step = int(index[1] - index[0]) if size > 1 else 1
        if step > 0 and numpy.array_equal(index, index[0] + step * numpy.arange(size)):
            index = slice(int(index[0]), int(index[-1]) + 1, step)
        plan.append((index, weight))
    weights = numpy.concatenate([weight for _, weight in plan])
    uniform = all(type(index) is slice for index, _ in plan) and bool(
        numpy.all(weights == weights[0]))
    return matrix, tuple(plan), float(weights[0]) if uniform else None


def _column_taps(xp, plan, channels: int, dtype):
    """The taps of a column ``plan`` on rows flattened to (W * C): gathering whole rows at
    once beats a strided view whose innermost run is only C long."""
    out = []
    for index, weight in plan[1]:
        index = numpy.arange(index.start, index.stop, index.step) if type(index) is slice else index
        flat = (index[:, None] * channels + numpy.arange(channels)).ravel()
        out.append((xp.asarray(flat), xp.asarray(numpy.repeat(weight, channels).astype(dtype))))
    return out


def _resample(xp, x, rows, columns):
    """``x`` (b, H, W, C) resampled along H by the ``rows`` plan and then along W by the
    flattened ``columns`` taps, each tap's product rounded before the sum, as the gathered taps
    of ``kfront.ops.image``."""
    if rows is not None:
        total = None
        for index, weight in rows[1]:
            term = x[:, index] * xp.asarray(weight[:, None, None].astype(x.dtype))
            total = term if total is None else xp.add(total, term, out=total)
        x = total
    if columns is None:
        return x
    b, h, _, c = x.shape
    flat = x.reshape(b, h, -1)
    total = None
    for index, weight in columns:
        term = xp.multiply(xp.take(flat, index, axis=2), weight)
        total = term if total is None else xp.add(total, term, out=total)
    return total.reshape(b, h, -1, c)


def _resample_uniform(xp, x, rows, cols):
    """``_resample`` for plans whose taps all weigh the same and step evenly: each axis
    multiplied by that weight once, then its taps' strided views summed in the same order
    (the same products and sums, so the same bits, with one multiplication and no gathers)."""
    for axis, plan in ((1, rows), (2, cols)):
        if plan is None:
            continue
        scaled = xp.multiply(x, x.dtype.type(plan[2]))
        views = [scaled[(slice(None),) * axis + (index,)] for index, _ in plan[1]]
        x = views[0]
        for view in views[1:]:
            x = xp.add(x, view) if x is views[0] else xp.add(x, view, out=x)
    return x


def _transposed(xp, g, axis: int, plan):
    """The gradient of ``_resample`` along ``axis``: ``g`` times the resampling matrix
    transposed (one GEMM per image, which also sums the taps that share a source)."""
    if plan is None:
        return g
    m = xp.asarray(plan[0].T.astype(g.dtype))
    if axis == 2:  # (B, h, W, C): the (W, w) matrix on each (w, C) slice
        return xp.matmul(m, g)
    b, _, w, c = g.shape
    return xp.matmul(m, g.reshape(b, -1, w * c)).reshape(b, -1, w, c)


@primitive
def _resize(x, rows=None, cols=None):
    """Channels-last ``x`` (B, H, W, C) resampled along H by ``rows`` then along W by ``cols``
    (``_plan``s), a few images at a time on the worker threads (the intermediate stays in
    cache)."""
    xp = get_xp(x)
    b, h, w, c = x.shape
    out_h = h if rows is None else rows[0].shape[0]
    out_w = w if cols is None else cols[0].shape[0]
    out = xp.empty((b, out_h, out_w, c), x.dtype)
    uniform = all(plan is None or plan[2] is not None for plan in (rows, cols))
    columns = None if cols is None or uniform else _column_taps(xp, cols, c, x.dtype)

    def piece(lo, hi):
        out[lo:hi] = _resample_uniform(xp, x[lo:hi], rows, cols) if uniform else \
            _resample(xp, x[lo:hi], rows, columns)
    threads.parallel(piece, b, x.size + 2 * out.size, xp)

    def vjp(g, needs):
        gx = xp.empty(x.shape, x.dtype)

        def back(lo, hi):
            gx[lo:hi] = _transposed(xp, _transposed(xp, g[lo:hi], 2, cols), 1, rows)
        threads.parallel(back, b, x.size + 2 * out.size, xp)
        return (gx,)
    return out, vjp


def resize_images(images, size, interpolation, antialias):
    """Channels-last float ``images`` (B, H, W, C) resized to ``size`` by the native tap kernel
    (``_resize``): what ``kfront.ops.image.resize`` computes, bit for bit, in one pass over the
    images; None for nearest-neighbour and for resamplings too dense for taps (those run through
    ``kfront.ops.image``)."""
    shape = raw(images).shape
    if interpolation == "nearest" or len(shape) != 4:
        return None
    rows, cols = (_plan(n, s, interpolation, bool(antialias)) for n, s in zip(shape[1:3], size))
    if rows is False or cols is False:
        return None
    return _resize(images, rows=rows, cols=cols)
