"""Convolution and pooling kernels of the native engine, rank-generic (1D, 2D and 3D alike).

Kernels work channels-last, ``(batch, *spatial, channels)``; channels-first inputs are transposed
on the way in and out. A convolution copies a strided window view of its input into a column
buffer ``(batch, *out, K, C)`` (im2col) and multiplies it by the kernel in ONE GEMM; its input
gradient is a GEMM back to columns and one strided slice-add per kernel position (col2im),
both run a batch piece at a time, so that a piece's columns are added back from cache.
The column buffer is kept from the forward pass for the kernel gradient. Pooling reduces the
same strided slices directly, without a column buffer. Padding follows TensorFlow's rule for
``"same"``: ``max((ceil(n / s) - 1) * s + k - n, 0)`` in total, the smaller half before.

Example:
    >>> import numpy as np
    >>> from kfront.backends.numpy import convolution
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> convolution.max_pool(x, 2)[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
"""
from __future__ import annotations

import itertools
import math
from typing import Callable

from kfront.backends.numpy import numpy as knp
from kfront.backends.common.convolution import (channels_first, geometry, ints, padding_mode,
                                                 spatial_rank, transpose_length)
from kfront.backends.common.fused import check_activation
from kfront.backends.numpy.engine import get_xp, primitive, raw
from kfront.backends.numpy import blas, rows, threads
from kfront.backends.numpy.threads import parallel

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
           "average_pool"]


# ------------------------------------------------------------------------------- geometry
def _windows(k, s, d, out):
    """For each window position (row-major), the slice of the padded input it reads."""
    for pos in itertools.product(*(range(kk) for kk in k)):
        yield (slice(None),) + tuple(slice(p * dd, p * dd + ss * (o - 1) + 1, ss)
                                     for p, dd, ss, o in zip(pos, d, s, out))


def _pad(xp, x, pads, value=0):
    if not any(a or b for a, b in pads):
        return x
    return xp.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value)


def _unpad(x, pads):
    if not any(a or b for a, b in pads):
        return x
    return x[(slice(None),) + tuple(slice(a, x.shape[i + 1] - b) for i, (a, b) in enumerate(pads))]


def _column_views(xp, x, k, s, d, out):
    """A new column buffer ``(N, *out, K, C)`` and the copy to fill it: a strided view
    ``(N, *out, *k, C)`` of ``x`` and the buffer's view of that shape."""
    st = x.strides
    shape = (x.shape[0], *out, *k, x.shape[-1])
    strides = (st[0], *(a * b for a, b in zip(st[1:-1], s)),
               *(a * b for a, b in zip(st[1:-1], d)), st[-1])
    cols = xp.empty((x.shape[0], *out, math.prod(k), x.shape[-1]), x.dtype)
    return cols, xp.lib.stride_tricks.as_strided(x, shape, strides), cols.reshape(shape)


def _im2col(xp, x, k, s, d, out):
    """``(N, *out, K, C)``: column ``j`` holds the inputs under kernel position ``j``, copied
    in one pass from a strided view ``(N, *out, *k, C)`` of ``x``."""
    cols, src, dst = _column_views(xp, x, k, s, d, out)

    def copy(a, b):
        dst[a:b] = src[a:b]
    parallel(copy, x.shape[0], cols.size, xp)
    return cols


def _im2col_gemm(xp, x, k, s, d, out, w, bias, relu: bool):
    """``_im2col`` of ``x`` and its product with ``w`` ``(K * C, O)``, plus ``bias`` and relu,
    by pieces of images: each piece's columns are multiplied while they are in cache, and
    its output biased while it is (one GEMM over all the columns streams them from memory
    again). Pieces come from the shape alone (the same bits on any number of threads).
    Returns the columns (kept for the kernel gradient) and the output ``(N * prod(out), O)``."""
    cols, src, dst = _column_views(xp, x, k, s, d, out)
    per = math.prod(out)
    flat = cols.reshape(-1, w.shape[0])
    y = xp.empty((len(flat), w.shape[1]), xp.result_type(x, w))

    def piece(a, b):
        dst[a:b] = src[a:b]
        ys = y[a * per:b * per]
        xp.matmul(flat[a * per:b * per], w, out=ys)
        _bias_relu_rows(xp, ys, bias, relu)
    parallel(piece, x.shape[0], cols.size + y.size, xp)
    return cols, y


def _col2im(xp, columns, padded_shape, k, s, d, out, dtype):
    """The adjoint of ``_im2col``: add each column back where it was read from. ``columns(a, b)``
    gives the columns of images ``a:b`` kernel position first, ``(K, b - a, *out, C)`` (so that
    each add reads and writes runs of ``out[-1] * C`` elements, not of ``C``); they are made
    and added piece by piece, so that each piece's columns are added back while they are in
    cache."""
    x = xp.zeros(padded_shape, dtype)
    windows = list(_windows(k, s, d, out))

    def add(a, b):
        xs, cs = x[a:b], columns(a, b)
        for j, sl in enumerate(windows):
            xs[sl] += cs[j]
    parallel(add, x.shape[0], x.shape[0] * math.prod(out) * len(windows) * x.shape[-1], xp)
    return x


def _gemm_col2im(xp, gy, w, groups, padded_shape, k, s, d, out):
    """``_col2im`` of the columns ``gy x w^T`` (gy: ``(N * prod(out), O)``), each piece's GEMMs
    (one per kernel position, without groups) run where its columns are added back."""
    per_image = math.prod(out)
    kk = w.shape[0]
    if groups == 1:
        wk = xp.ascontiguousarray(w.transpose(0, 2, 1))  # (K, O, C)

        def columns(a, b):
            return xp.matmul(gy[a * per_image:b * per_image], wk).reshape(kk, b - a, *out, -1)
    else:
        def columns(a, b):
            cols = _gemm_cols(gy[a * per_image:b * per_image], w, groups)
            return xp.moveaxis(cols.reshape(b - a, *out, kk, -1), -2, 0)
    return _col2im(xp, columns, padded_shape, k, s, d, out, xp.result_type(gy, w))


# --------------------------------------------------------------------------- grouped GEMMs
# cols: (M, K, C) columns; w: (K, C // G, O) kernel; gy: (M, O). Group g maps input channels
# [g*C/G, (g+1)*C/G) to output channels [g*O/G, (g+1)*O/G).
def _gemm(cols, w, groups):
    """cols x w -> (M, O)."""
    m, k, c = cols.shape
    o = w.shape[-1]
    if groups == 1:
        return blas.gemm(cols.reshape(m, k * c), w.reshape(k * c, o))
    cg, og = c // groups, o // groups
    a = cols.reshape(m, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, k * cg)
    b = w.reshape(k, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k * cg, og)
    return (a @ b).transpose(1, 0, 2).reshape(m, o)


def _gemm_cols(gy, w, groups):
    """gy x w^T -> columns (M, K, C)."""
    k, cg, o = w.shape
    m = gy.shape[0]
    if groups == 1:
        return blas.gemm(gy, w.reshape(k * cg, o).T).reshape(m, k, cg)
    og = o // groups
    a = gy.reshape(m, groups, og).transpose(1, 0, 2)
    b = w.reshape(k, cg, groups, og).transpose(2, 3, 0, 1).reshape(groups, og, k * cg)
    return (a @ b).reshape(groups, m, k, cg).transpose(1, 2, 0, 3).reshape(m, k, cg * groups)


# A kernel gradient of at most _SMALL_KERNEL elements (a first layer's: 5x5x1x32) is a GEMM
# with a long reduction and an output too small to split, so it would run on one thread: it is
# summed instead over blocks of _REDUCE_ROWS rows (blocks fixed by the shape, on the worker
# threads), the partial products added in block order (the same bits on any number of threads).
_SMALL_KERNEL = 64 * 64
_REDUCE_ROWS = 8192


def _by_blocks(a, o: int) -> bool:
    """Whether the kernel gradient ``a^T x gy`` (``gy``: ``o`` columns) is summed by blocks."""
    return a.shape[1] * o <= _SMALL_KERNEL and len(a) >= 2 * _REDUCE_ROWS


def _blocked_gemm_kernel(a, gy, before=None):
    """``a^T x gy`` as the sum of the products of blocks of ``_REDUCE_ROWS`` rows; ``before(start,
    stop)``, when given, fills those rows of ``gy`` just before their product."""
    xp = get_xp(a)
    m = len(a)
    blocks = -(-m // _REDUCE_ROWS)
    partial = xp.empty((blocks, a.shape[1], gy.shape[1]), xp.result_type(a, gy))

    def product(lo, hi):
        for j in range(lo, hi):
            rows = slice(j * _REDUCE_ROWS, min((j + 1) * _REDUCE_ROWS, m))
            if before is not None:
                before(rows.start, rows.stop)
            xp.matmul(a[rows].T, gy[rows], out=partial[j])
    parallel(product, blocks, a.size + gy.size, xp, pieces=blocks)
    return partial.sum(axis=0)


def _gemm_kernel(cols, gy, groups):
    """cols^T x gy -> kernel gradient (K, C // G, O)."""
    m, k, c = cols.shape
    o = gy.shape[-1]
    if groups == 1:
        a = cols.reshape(m, k * c)
        if _by_blocks(a, o):
            return _blocked_gemm_kernel(a, gy).reshape(k, c, o)
        return blas.gemm(a.T, gy).reshape(k, c, o)
    cg, og = c // groups, o // groups
    a = cols.reshape(m, k, groups, cg).transpose(2, 1, 3, 0).reshape(groups, k * cg, m)
    b = gy.reshape(m, groups, og).transpose(1, 0, 2)
    return (a @ b).reshape(groups, k, cg, og).transpose(1, 2, 0, 3).reshape(k, cg, o)


# A convolution whose kernel has at most _FUSED_KERNEL elements (the seed CNN's 5x5x32x64 has
# 51,200) runs im2col and its GEMM piece by piece (``_im2col_gemm``); a larger kernel, which
# the BLAS would pack again for every piece, runs one GEMM over all the columns.
_FUSED_KERNEL = 1 << 18


# ----------------------------------------------------------------------------- primitives
@primitive
def _conv(x, kernel, bias, strides, padding, dilation_rate, relu=False):
    """``conv(x, kernel)``, plus ``bias`` (None, or one per filter, of the output's dtype) and
    relu when asked, both in place on the GEMM's output (``conv_bias_activation``)."""
    xp = get_xp(x)
    rank = x.ndim - 2
    k, cg, o = kernel.shape[:rank], kernel.shape[-2], kernel.shape[-1]
    c = x.shape[-1]
    if kernel.ndim != rank + 2 or cg > c or c % cg or o % (c // cg):
        raise ValueError(f"conv: kernel of shape {kernel.shape} does not fit inputs of shape "
                         f"{x.shape}: expected (*kernel_size, in_channels / groups, filters) with "
                         f"in_channels ({c}) and filters divisible by groups")
    groups = c // cg
    pads, out = geometry(x.shape[1:-1], k, strides, dilation_rate, padding, "conv", x.shape)
    xpad = _pad(xp, x, pads)
    kk = math.prod(k)
    w = kernel.reshape(kk, cg, o)
    if groups == 1 and kernel.size <= _FUSED_KERNEL:
        cols, y2 = _im2col_gemm(xp, xpad, k, strides, dilation_rate, out,
                                kernel.reshape(kk * c, o), bias, relu)
    else:
        cols = _im2col(xp, xpad, k, strides, dilation_rate, out)
        y2 = _gemm(cols.reshape(-1, kk, c), w, groups)
        if bias is not None or relu:
            _bias_relu(xp, y2, bias, relu)
    m = len(y2)
    cols3 = cols.reshape(m, kk, c)
    y = y2.reshape(x.shape[0], *out, o)

    def vjp(g, needs):
        g2 = g.reshape(m, o)
        gx = gk = gb = None
        if relu or needs[2]:
            g2, gb, gk = _relu_bias_grads(xp, g2, y2 if relu else None, needs[2],
                                          cols.reshape(m, -1) if needs[1] and groups == 1
                                          else None)
        if needs[0]:
            gx = _unpad(_gemm_col2im(xp, g2, w, groups, xpad.shape, k, strides, dilation_rate,
                                     out), pads)
        if needs[1]:
            gk = (_gemm_kernel(cols3, g2, groups) if gk is None else gk).reshape(kernel.shape)
        return gx, gk, gb
    return y, vjp


def _bias_relu(xp, y, bias, relu: bool) -> None:
    """``y`` (m, o) += ``bias``, then relu, in place, by rows on the worker threads: each
    element as ``add`` then ``relu`` compute it (the same bits)."""
    threads.parallel(lambda a, b: _bias_relu_rows(xp, y[a:b], bias, relu), len(y), y.size, xp)


def _bias_relu_rows(xp, ys, bias, relu: bool) -> None:
    """``ys`` += ``bias`` (unless None), then relu if asked, in place."""
    if bias is not None:
        xp.add(ys, bias, out=ys)
    if relu:
        xp.maximum(ys, 0, out=ys)


def _relu_bias_grads(xp, g, y, bias: bool, cols=None):
    """The gradient ``g`` (m, o) through relu (``g * (y > 0)``; ``y`` None: no relu) and, if
    ``bias``, its sum over rows, in one pass over blocks of rows: the bits of relu's gradient and
    of ``add``'s bias gradient (``rows.sum_rows``: the same blocks, partials added in order).
    Given the columns ``cols`` (m, K) of a kernel gradient summed by blocks (``_by_blocks``)
    whose blocks are whole blocks of rows here, that gradient ``cols^T x through`` too, each
    block's product taken while its rows are in cache (else None): (through, bias, kernel)."""
    m, o = g.shape
    per = rows.row_block(o)
    blocks = -(-m // per)
    through = g if y is None else xp.empty_like(g)
    partial = xp.empty((blocks, o), g.dtype) if bias and blocks > 1 else None

    def piece(lo, hi):
        a, b = lo * per, hi * per
        if y is not None:
            xp.multiply(g[a:b], y[a:b] > 0, out=through[a:b])
        if partial is not None:
            rows.sum_blocks(xp, through[a:b], partial, lo, per)
    gk = None
    if cols is not None and _by_blocks(cols, o) and _REDUCE_ROWS % per == 0:
        gk = _blocked_gemm_kernel(cols, through, lambda a, b: piece(a // per, -(-b // per)))
    else:
        threads.parallel(piece, blocks, g.size, xp)
    if not bias:
        return through, None, gk
    return through, (through.sum(axis=0) if partial is None else partial.sum(axis=0)), gk


@primitive
def _conv_transpose(x, kernel, strides, padding, output_padding, dilation_rate):
    xp = get_xp(x)
    rank = x.ndim - 2
    k, co, ci = kernel.shape[:rank], kernel.shape[-2], kernel.shape[-1]
    if kernel.ndim != rank + 2 or ci != x.shape[-1]:
        raise ValueError(f"conv_transpose: kernel of shape {kernel.shape} does not fit inputs of "
                         f"shape {x.shape}: expected (*kernel_size, filters, {x.shape[-1]})")
    size = tuple(transpose_length(n, kk, s, d, padding, op) for n, kk, s, d, op in
                 zip(x.shape[1:-1], k, strides, dilation_rate, output_padding))
    pads, fwd = geometry(size, k, strides, dilation_rate, padding, "conv_transpose", x.shape)
    if fwd != x.shape[1:-1]:
        raise ValueError(f"conv_transpose: output_padding={output_padding} with strides "
                         f"{strides} gives outputs of spatial size {size} that do not map back to "
                         f"inputs of shape {x.shape}; output_padding must be < strides")
    kk = math.prod(k)
    m = x.size // ci
    w = kernel.reshape(kk, co, ci)
    x2 = x.reshape(m, ci)
    padded = (x.shape[0], *(n + a + b for n, (a, b) in zip(size, pads)), co)
    y = _unpad(_gemm_col2im(xp, x2, w, 1, padded, k, strides, dilation_rate, fwd), pads)

    def vjp(g, needs):
        cols = _im2col(xp, _pad(xp, g, pads), k, strides, dilation_rate, fwd).reshape(m, kk, co)
        gx = _gemm(cols, w, 1).reshape(x.shape) if needs[0] else None
        gk = _gemm_kernel(cols, x2, 1).reshape(kernel.shape) if needs[1] else None
        return gx, gk
    return y, vjp


def _lowest(xp, dtype):
    return -xp.inf if xp.dtype(dtype).kind == "f" else xp.iinfo(dtype).min


@primitive
def _max_pool(x, pool_size, strides, padding):
    xp = get_xp(x)
    ones = (1,) * len(pool_size)
    pads, out = geometry(x.shape[1:-1], pool_size, strides, ones, padding, "max_pool", x.shape)
    xpad = _pad(xp, x, pads, _lowest(xp, x.dtype))
    windows = list(_windows(pool_size, strides, ones, out))
    y = xp.empty((x.shape[0], *out, x.shape[-1]), x.dtype)

    def reduce(a, b):
        xs, ys = xpad[a:b], y[a:b]
        ys[...] = xs[windows[0]]
        for sl in windows[1:]:
            xp.maximum(ys, xs[sl], out=ys)
    parallel(reduce, x.shape[0], xpad.size, xp)

    def vjp(g, needs):
        # each window's gradient goes to its FIRST maximal element (row-major), as in Keras's
        # backends; windows that tile the input write every element of gx
        tiled = all(s == k and n == o * k for s, k, n, o in zip(strides, pool_size,
                                                                  xpad.shape[1:-1], out))
        gx = (xp.empty if tiled else xp.zeros)(xpad.shape, g.dtype)
        route = _first_max_route(xp, xpad, y, g, gx, windows,
                                 all(s >= k for s, k in zip(strides, pool_size)))
        parallel(route, x.shape[0], xpad.size, xp)
        return (_unpad(gx, pads),)
    return y, vjp


def _first_max_route(xp, xpad, y, g, gx, windows, disjoint: bool):
    """Max pooling's gradient routing for images ``a:b``, window position by window position:
    ``g`` times the mask of the maxima at that position that no earlier position held
    (``equal`` then ``greater`` on booleans: found and not seen before), written into ``gx``'s
    strided slice where windows do not overlap, else added. Every pass reads or writes arrays
    of the output's shape in the output's order: broadcasting the maxima over
    ``(n, o1, k1, o2, k2, C)`` tile views instead ran numpy's loops on runs of ``C``."""
    def route(a, b):
        xs, ys, gs, gxs = xpad[a:b], y[a:b], g[a:b], gx[a:b]
        seen = xp.empty(ys.shape, bool)
        first = xp.empty(ys.shape, bool) if len(windows) > 1 else None
        for i, sl in enumerate(windows):
            mask = seen if i == 0 else first
            xp.equal(xs[sl], ys, out=mask)
            if i:
                xp.greater(first, seen, out=first)
            if disjoint:
                xp.multiply(gs, mask, out=gxs[sl])
            else:
                gxs[sl] += gs * mask
            if 0 < i < len(windows) - 1:
                xp.logical_or(seen, first, out=seen)
    return route


@primitive
def _average_pool(x, pool_size, strides, padding):
    xp = get_xp(x)
    ones = (1,) * len(pool_size)
    pads, out = geometry(x.shape[1:-1], pool_size, strides, ones, padding, "average_pool",
                          x.shape)
    windows = list(_windows(pool_size, strides, ones, out))

    def window_sum(a):
        total = a[windows[0]].copy()
        for sl in windows[1:]:
            total += a[sl]
        return total
    # "same" padding averages over the valid (non-pad) elements only, as Keras/TensorFlow do
    count = (window_sum(_pad(xp, xp.ones((1, *x.shape[1:-1], 1), x.dtype), pads))
             if any(a or b for a, b in pads) else math.prod(pool_size))
    y = window_sum(_pad(xp, x, pads)) / count

    def vjp(g, needs):
        gx = xp.zeros((x.shape[0], *(n + a + b for n, (a, b) in zip(x.shape[1:-1], pads)),
                       x.shape[-1]), g.dtype)
        share = g / count
        for sl in windows:
            gx[sl] += share
        return (_unpad(gx, pads),)
    return y, vjp


# ----------------------------------------------------------------------------- public ops
def _channels_last_call(fn, x, data_format, op, **params):
    """Run the channels-last kernel ``fn`` on ``x`` laid out as ``data_format``."""
    if not channels_first(data_format, op):
        return fn(x, **params)
    n = len(knp._shape_of(x))
    y = fn(knp.transpose(x, (0, *range(2, n), 1)), **params)
    return knp.transpose(y, (0, n - 1, *range(1, n - 1)))


def _conv_call(inputs, kernel, bias, relu: bool, strides, padding, data_format, dilation_rate,
               op: str):
    rank = spatial_rank(knp._shape_of(inputs), op)
    return _channels_last_call(
        lambda x, **p: _conv(x, kernel, bias, **p), inputs, data_format, op,
        strides=ints(strides, rank, "strides", op), padding=padding_mode(padding, op),
        dilation_rate=ints(dilation_rate, rank, "dilation_rate", op), relu=relu)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return _conv_call(inputs, kernel, None, False, strides, padding, data_format, dilation_rate,
                      "conv")


def fused_conv(composed: Callable) -> Callable:
    """The native ``conv_bias_activation``: one op (the bias and relu applied in place on the
    convolution's GEMM output, their gradients in one pass; the op-by-op bits) for a float
    input, kernel and bias (one per filter) of one dtype, else ``composed``, the op-by-op
    composition (``kfront/backends/common/fused.py``)."""

    def conv_bias_activation(inputs, kernel, bias=None, activation: str | None = None,
                             strides=1, padding="valid", data_format=None, dilation_rate=1):
        """``activation(conv(inputs, kernel, ...) + bias)``."""
        check_activation(activation, "conv_bias_activation")
        dtype = getattr(raw(inputs), "dtype", None)
        fits = (dtype is not None and dtype.kind == "f"
                and getattr(raw(kernel), "dtype", None) == dtype
                and (bias is None or (getattr(raw(bias), "dtype", None) == dtype
                                      and knp._shape_of(bias) == knp._shape_of(kernel)[-1:])))
        if not fits:
            return composed(inputs, kernel, bias, activation, strides, padding, data_format,
                            dilation_rate)
        return _conv_call(inputs, kernel, bias, activation == "relu", strides, padding,
                          data_format, dilation_rate, "conv_bias_activation")
    return conv_bias_activation


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    shape = knp._shape_of(kernel)
    grouped = knp.reshape(kernel, (*shape[:-2], 1, shape[-2] * shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    rank = spatial_rank(knp._shape_of(inputs), "conv_transpose")
    op = "conv_transpose"
    output_padding = ((None,) * rank if output_padding is None
                      else ints(output_padding, rank, "output_padding", op))
    return _channels_last_call(
        lambda x, **p: _conv_transpose(x, kernel, **p), inputs, data_format, op,
        strides=ints(strides, rank, "strides", op), padding=padding_mode(padding, op),
        output_padding=output_padding,
        dilation_rate=ints(dilation_rate, rank, "dilation_rate", op))


def _pool(kernel, op):
    def pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
        rank = spatial_rank(knp._shape_of(inputs), op)
        pool_size = ints(pool_size, rank, "pool_size", op)
        strides = pool_size if strides is None else ints(strides, rank, "strides", op)
        return _channels_last_call(kernel, inputs, data_format, op, pool_size=pool_size,
                                   strides=strides, padding=padding_mode(padding, op))
    pool.__name__ = pool.__qualname__ = op
    return pool


max_pool = _pool(_max_pool, "max_pool")
average_pool = _pool(_average_pool, "average_pool")
