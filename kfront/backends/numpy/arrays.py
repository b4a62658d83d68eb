"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the native engine, each with its
gradient rule next to its forward. Arguments arrive checked, of Keras's dtypes, and with einsum
subscripts made explicit (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import numpy

from kfront.backends.numpy import blas
from kfront.backends.numpy.engine import get_xp, primitive, raw

__all__ = ["argsort", "einsum", "searchsorted", "sort", "view"]


# ---------------------------------------------------------------------------------- einsum
def _pair(xp, sa, a, sb, b, so):
    """``einsum(sa,sb->so)`` of two operands as ONE (batched) GEMM: batch indices first (kept
    as separate axes, so that transposed views need no copy), free indices of ``a`` as rows,
    of ``b`` as columns, shared indices contracted; a batched product is written straight into
    the output's layout where that is a view of it."""
    only_a = [i for i, c in enumerate(sa) if c not in sb and c not in so]
    only_b = [i for i, c in enumerate(sb) if c not in sa and c not in so]
    if only_a:
        a, sa = a.sum(axis=tuple(only_a)), "".join(c for c in sa if c in sb or c in so)
    if only_b:
        b, sb = b.sum(axis=tuple(only_b)), "".join(c for c in sb if c in sa or c in so)
    batch = [c for c in so if c in sa and c in sb]
    con = [c for c in sa if c in sb and c not in so]
    fa = [c for c in sa if c not in sb]
    fb = [c for c in sb if c not in sa]
    size = {**dict(zip(sb, b.shape)), **dict(zip(sa, a.shape))}

    def n(cs):
        return int(numpy.prod([size[c] for c in cs], dtype="int64"))
    lead = [size[c] for c in batch]
    a2 = a.transpose([sa.index(c) for c in batch + fa + con]).reshape(lead + [n(fa), n(con)])
    b2 = b.transpose([sb.index(c) for c in batch + con + fb]).reshape(lead + [n(con), n(fb)])
    got = batch + fa + fb
    if batch and xp is numpy:
        out = numpy.empty([size[c] for c in so], numpy.result_type(a, b))
        target = out.transpose([so.index(c) for c in got]).reshape(lead + [n(fa), n(fb)])
        if numpy.may_share_memory(target, out):
            blas.gemm(a2, b2, out=target)
            return out
    r = blas.gemm(a2, b2).reshape([size[c] for c in got])
    return r.transpose([got.index(c) for c in so])


def _contract(xp, terms, arrays, out):
    """``einsum`` of explicit ``terms -> out`` on raw arrays (each index of one size in all):
    pairs without repeated indices by ``_pair``, the rest by ``numpy.einsum`` (optimized
    paths)."""
    if len(arrays) == 2 and all(len(set(t)) == len(t) for t in terms):
        return _pair(xp, terms[0], arrays[0], terms[1], arrays[1], out)
    spec = ",".join(terms) + "->" + out
    return xp.einsum(spec, *arrays, optimize=len(arrays) > 2)


def _operand_grad(xp, g, out, terms, arrays, i):
    """The gradient of operand ``i``: the output gradient contracted with the other operands,
    spread over indices only it had (summed in the
    forward), and written on the diagonal of repeated indices."""
    term, shape = terms[i], arrays[i].shape
    others = [t for k, t in enumerate(terms) if k != i]
    seen = set(out).union(*others)
    unique = "".join(dict.fromkeys(c for c in term if c in seen))
    gi = _contract(xp, [out] + others, [g] + [a for k, a in enumerate(arrays) if k != i], unique)
    size = dict(zip(term, shape))
    full = "".join(dict.fromkeys(term))
    if full != unique:  # indices summed in the forward: the gradient is the same along them
        gi = gi.reshape([size[c] if c in unique else 1 for c in full])
        gi = xp.ascontiguousarray(xp.broadcast_to(gi, [size[c] for c in full]))
    if full == term:
        return gi
    gx = xp.zeros(shape, g.dtype)
    xp.einsum(f"{term}->{full}", gx)[...] = gi  # the diagonal of the repeated indices
    return gx


@primitive
def _einsum(*arrays, terms, out):
    xp = get_xp(arrays[0])
    y = _contract(xp, terms, arrays, out)

    def vjp(g, needs):
        return tuple(_operand_grad(xp, g, out, terms, arrays, i) if need else None
                     for i, need in enumerate(needs))
    return y, vjp


def einsum(subscripts, *operands):
    """``numpy.einsum`` with explicit subscripts (``"ij,jk->ik"``); its gradient contracts the
    output gradient with the other operands."""
    lhs, out = subscripts.split("->")
    return _einsum(*operands, terms=lhs.split(","), out=out)


# ------------------------------------------------------------------------ sorting, bits
@primitive
def sort(x, axis=-1):
    """Sorted along ``axis``; the gradient goes back to where each value came from."""
    xp = get_xp(x)
    y = xp.sort(x, axis=axis)

    def vjp(g, needs):
        gx = xp.zeros(x.shape, g.dtype)
        xp.put_along_axis(gx, xp.argsort(x, axis=axis, kind="stable"), g, axis=axis)
        return (gx,)
    return y, vjp


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable: ties keep their order). No gradient."""
    x = raw(x)
    return get_xp(x).argsort(x, axis=axis, kind="stable")


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion points of ``values`` (any shape) in the 1-D ``sorted_sequence``. No gradient."""
    sorted_sequence, values = raw(sorted_sequence), raw(values)
    return get_xp(values).searchsorted(sorted_sequence, values, side=side)


def view(x, dtype):
    """The bits of ``x`` read as ``dtype`` (the last axis rescaled by the item sizes)."""
    return raw(x).view(dtype)
