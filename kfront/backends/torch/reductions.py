"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile,
average, cumulative products, correlation) of the torch backend, gradients by autograd. Only
the products are backend ops (``kfront/ops/reductions.py`` composes the rest); arguments arrive
checked and of their final dtype, ``axis`` of ``prod`` as a tuple.
"""
from __future__ import annotations

import math

import torch

from kfront.backends.torch.core import to_tensor

__all__ = ["composite", "cumprod", "prod"]


def prod(x, axis, keepdims=False):
    x = to_tensor(x, "prod")
    shape = tuple(x.shape)
    kept = [i for i in range(x.ndim) if i not in axis]
    flat = x.permute(kept + list(axis)).reshape(
        tuple(shape[i] for i in kept) + (math.prod(shape[i] for i in axis),))
    # torch multiplies no uint32/uint64: in int64, wrapped back (the same bits)
    wide = x.dtype in (torch.uint32, torch.uint64)
    out = torch.prod(flat, -1, dtype=torch.int64 if wide else x.dtype).to(x.dtype)
    if keepdims:
        out = out.reshape(tuple(1 if i in axis else s for i, s in enumerate(shape)))
    return out


def cumprod(x, axis=None):
    x = to_tensor(x, "cumprod")
    return torch.cumprod(x.reshape(-1) if axis is None else x, 0 if axis is None else axis,
                         dtype=x.dtype)


def composite(fn, *tensors, **static):
    """``fn(*tensors, **static)``, a composition of this backend's ops, run as it is (the jax
    backend compiles it as one program)."""
    return fn(*tensors, **static)
