"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile,
average, cumulative products, correlation) of the tensorflow backend, gradients by
``tf.GradientTape``. Only the products are backend ops (``kfront/ops/reductions.py`` composes
the rest); arguments arrive checked and of their final dtype, ``axis`` of ``prod`` as a tuple.
"""
from __future__ import annotations

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input

__all__ = ["composite", "cumprod", "prod"]


def prod(x, axis, keepdims=False):
    return tf.reduce_prod(op_input(x, "prod"), axis=list(axis), keepdims=keepdims)


def cumprod(x, axis=None):
    x = op_input(x, "cumprod")
    return tf.math.cumprod(tf.reshape(x, [-1]) if axis is None else x,
                           axis=0 if axis is None else axis)


def composite(fn, *tensors, **static):
    """``fn(*tensors, **static)``, a composition of this backend's ops, run as it is (the jax
    backend compiles it as one program)."""
    return fn(*tensors, **static)
