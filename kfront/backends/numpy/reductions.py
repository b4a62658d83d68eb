"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile,
average, cumulative products, correlation) of the native engine, each with its gradient rule
next to its forward. Only the products are primitives; ``kfront/ops/reductions.py`` composes
the rest. Arguments arrive checked and of their final dtype, ``axis`` of ``prod`` as a tuple.
"""
from __future__ import annotations

import numpy

from kfront.backends.numpy.engine import get_xp, primitive
from kfront.backends.numpy.numpy import _expand_reduced

__all__ = ["composite", "cumprod", "prod"]


def _exclusive_cumprod(xp, a):
    """Products of the entries before each one along the last axis (1 for the first)."""
    ones = xp.ones(a.shape[:-1] + (1,), a.dtype)
    return xp.cumprod(xp.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)


@primitive
def prod(x, axis, keepdims=False):
    """Product over the ``axis`` tuple; the gradient of an entry is the product of the others
    (prefix times suffix products, exact with zeros)."""
    xp = get_xp(x)
    out = xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)

    def vjp(g, needs):
        kept = [i for i in range(x.ndim) if i not in axis]
        perm = kept + list(axis)
        moved = xp.transpose(x, perm)
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,)) if x.size else moved
        if not x.size:
            return (xp.zeros_like(x),)
        others = _exclusive_cumprod(xp, flat) * xp.flip(
            _exclusive_cumprod(xp, xp.flip(flat, -1)), -1)
        others = xp.transpose(others.reshape(moved.shape), numpy.argsort(perm))
        return (_expand_reduced(g, x.shape, axis, keepdims) * others,)
    return out, vjp


@primitive
def cumprod(x, axis=None):
    """Cumulative product along ``axis`` (None: flattened). Gradient of entry i:
    sum_{j >= i} g_j y_j / x_i without zeros; with zeros prefix_i * S_i, where
    S_i = g_i + x_{i+1} S_{i+1} (a loop along the axis, exact, no division)."""
    xp = get_xp(x)
    flat = x.reshape(-1) if axis is None else x
    ax = 0 if axis is None else axis % max(x.ndim, 1)
    out = xp.cumprod(flat, axis=ax, dtype=x.dtype)

    def vjp(g, needs):
        if xp.all(flat != 0):
            rev = xp.flip(xp.cumsum(xp.flip(g * out, ax), axis=ax), ax)
            return ((rev / flat).reshape(x.shape),)
        a, gl = xp.moveaxis(flat, ax, -1), xp.moveaxis(g, ax, -1)
        s = xp.empty_like(gl)
        acc = xp.zeros(gl.shape[:-1], gl.dtype)
        for i in range(a.shape[-1] - 1, -1, -1):
            acc = gl[..., i] + (a[..., i + 1] * acc if i + 1 < a.shape[-1] else 0)
            s[..., i] = acc
        gx = xp.moveaxis(_exclusive_cumprod(xp, a) * s, -1, ax)
        return (gx.reshape(x.shape),)
    return out, vjp


def composite(fn, *tensors, **static):
    """``fn(*tensors, **static)``, a composition of this backend's ops, run as it is (the jax
    backend compiles it as one program)."""
    return fn(*tensors, **static)
