"""Row kernels of the native engine: elementwise kernels on pieces of rows, and sums over rows
in fixed blocks, spread over the worker threads (``threads.py``).

An elementwise kernel computes each element as one call would (pieces never share an output
element), and a sum over rows is one partial sum per block of ``row_block`` rows (the blocks
depend on the shape alone) added in block order: both give the same bits on any number of
threads.
"""
from __future__ import annotations

import numpy

from kfront.backends.numpy import threads

_ROW_BLOCK = 1 << 15  # elements in a block of rows whose sum over rows is one partial sum
THREADED = 1 << 17  # output elements from which an elementwise kernel runs by rows


def row_block(width: int) -> int:
    """Rows per block of a sum over the rows of a (rows, ``width``) array."""
    return max(1, _ROW_BLOCK // max(width, 1))


def sum_blocks(xp, term, partial, first: int, per: int) -> None:
    """The sums over rows of ``term`` (whole blocks of ``per`` rows, from block ``first``, the
    last one possibly short), each block's into its row of ``partial``: the whole blocks in one
    sum over the middle axis of a (blocks, ``per``, width) view (each block's rows added in
    order, as a sum over one block's rows: the same bits, one call instead of one a block)."""
    full = len(term) // per
    if full:
        xp.sum(term[:full * per].reshape(full, per, *term.shape[1:]), axis=1,
               out=partial[first:first + full])
    if len(term) > full * per:
        xp.sum(term[full * per:], axis=0, out=partial[first + full])


def sum_rows(xp, a, width: int):
    """``a`` (C-contiguous, viewed as (rows, ``width``)) summed over its rows: one partial sum
    per block of ``row_block`` rows, the blocks on the worker threads, the partials added in
    block order."""
    a = a.reshape(-1, width)
    per = row_block(width)
    blocks = -(-len(a) // per)
    if blocks == 1:
        return a.sum(axis=0)
    partial = xp.empty((blocks, width), a.dtype)
    threads.parallel(lambda lo, hi: sum_blocks(xp, a[lo * per:hi * per], partial, lo, per),
                     blocks, a.size, xp)
    return partial.sum(axis=0)


def by_rows(xp, kernel, shape, dtype, *arrays):
    """A new ``shape`` array of ``dtype`` filled by ``kernel(out, *arrays)``: for large outputs
    on pieces of the first axis (an array that broadcasts along it passed whole) spread over
    the worker threads, each element computed as in one call (the same bits)."""
    out = xp.empty(shape, dtype)
    if out.size < THREADED or out.ndim == 0:
        kernel(out, *arrays)
        return out
    n = shape[0]
    whole = [a.ndim < out.ndim or a.shape[0] != n for a in arrays]

    def piece(lo, hi):
        kernel(out[lo:hi], *(a if w else a[lo:hi] for a, w in zip(arrays, whole)))
    threads.parallel(piece, n, out.size * (1 + len(arrays)), xp)
    return out


def apply(xp, f, *arrays, **params):
    """``f(xp, *arrays, **params)`` for an elementwise ``f`` of same-shape arrays: by rows on
    the worker threads (``by_rows``) when they are large C-contiguous NumPy float arrays of one
    dtype and ``f`` keeps that dtype (tried on their first elements), else one call. An ``f``
    with an ``out`` parameter writes each piece into the result (else a piece is computed,
    then copied: ~30% more time for relu). The result is the one call's, bit for bit and in
    layout."""
    a = arrays[0]
    if (xp is numpy and type(a) is numpy.ndarray and a.size >= THREADED and a.ndim
            and a.dtype.kind == "f"
            and all(type(b) is numpy.ndarray and b.shape == a.shape and b.dtype == a.dtype
                    and b.flags.c_contiguous for b in arrays)):
        first = (slice(0, 1),) * a.ndim
        if f(xp, *(b[first] for b in arrays), **params).dtype == a.dtype:
            code = f.__code__
            if "out" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
                def kernel(o, *p):
                    f(xp, *p, out=o, **params)
            else:
                def kernel(o, *p):
                    o[...] = f(xp, *p, **params)
            return by_rows(xp, kernel, a.shape, a.dtype, *arrays)
    return f(xp, *arrays, **params)
