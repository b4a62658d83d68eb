"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile,
average, cumulative products, correlation) of the jax backend, gradients by JAX. Only the
products are backend ops (``kfront/ops/reductions.py`` composes the rest); arguments arrive
checked and of their final dtype, ``axis`` of ``prod`` as a tuple.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from kfront.backends.jax.core import array

__all__ = ["composite", "cumprod", "prod"]


def prod(x, axis, keepdims=False):
    x = array(x, "prod")
    return jnp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def cumprod(x, axis=None):
    x = array(x, "cumprod")
    return jnp.cumprod(x, axis=axis, dtype=x.dtype)


_compiled: dict = {}


def composite(fn, *tensors, **static):
    """``fn(*tensors, **static)``, a composition of backend ops (the quantiles and
    nan-statistics of ``kfront/ops/reductions.py``...), compiled by ``jax.jit`` as one program
    per function, static arguments (hashable) and input shapes: eagerly, JAX would compile each
    of its primitives on its own."""
    jitted = _compiled.get(fn)
    if jitted is None:
        jitted = _compiled[fn] = jax.jit(fn, static_argnames=tuple(sorted(static)))
    return jitted(*tensors, **static)
