"""Random ops on TensorFlow.

Eagerly, samples are drawn on the host from ``kfront.backends.common.random``, so a seed gives
the same numbers as on every other backend. While a ``tf.function`` is traced they cannot be:
the samples would be baked into the graph as constants, the same at every call. There, random
ops use TensorFlow's stateless ops instead, keyed by the seed tensor that ``compile_stateful``
passes into the compiled function at each call (``graph_seed``), folded with a counter that
numbers the random ops of the trace. An int ``seed`` keeps its meaning (the same values at
every call), derived from the int alone.
"""
from __future__ import annotations

import contextlib

import numpy as np
import tensorflow as tf

from kfront.backends.common import random as _common
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.tensorflow.core import convert_to_tensor

_trace = {"seed": None, "count": 0}


@contextlib.contextmanager
def graph_seed(seed: tf.Tensor):
    """Key the random ops traced inside the block by ``seed`` (an int64 tensor of shape (2,))."""
    saved = dict(_trace)
    _trace.update(seed=seed, count=0)
    try:
        yield
    finally:
        _trace.update(saved)


def _stateless_seed(seed) -> tf.Tensor:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return tf.constant([int(seed), 0], tf.int64)
    if seed is not None and not isinstance(seed, _common.SeedGenerator):
        raise TypeError(f"seed must be an int, a kfront.random.SeedGenerator or None, got "
                        f"{type(seed).__name__}")
    base = _trace["seed"]
    if base is None:  # a tf.function that compile_stateful did not make: fresh at each call
        base = tf.random.uniform([2], maxval=2 ** 31 - 1, dtype=tf.int64)
    _trace["count"] += 1
    return tf.random.experimental.stateless_fold_in(base, _trace["count"])


def _sample(host, stateless, shape, dtype, seed):
    """``host()`` samples eagerly; ``stateless(shape, seed_tensor, dtype)`` while tracing."""
    dtype = standardize_dtype(dtype)
    if tf.inside_function():
        return stateless(shape, _stateless_seed(seed), dtype)
    return convert_to_tensor(host(), dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _sample(lambda: _common.normal(shape, mean, stddev, seed),
                   lambda s, k, d: tf.random.stateless_normal(s, k, mean, stddev, d),
                   shape, dtype, seed)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _sample(lambda: _common.uniform(shape, minval, maxval, seed),
                   lambda s, k, d: tf.random.stateless_uniform(s, k, minval, maxval, d),
                   shape, dtype, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _sample(lambda: _common.truncated_normal(shape, mean, stddev, seed),
                   lambda s, k, d: tf.random.stateless_truncated_normal(s, k, mean, stddev, d),
                   shape, dtype, seed)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    def stateless(s, k, d):
        wide = "int64" if d in ("int64", "uint32", "uint64") else "int32"
        return tf.cast(tf.random.stateless_uniform(s, k, minval, maxval, wide), d)
    return _sample(lambda: _common.randint(shape, minval, maxval, seed), stateless,
                   shape, dtype, seed)


def shuffle(x, axis=0, seed=None):
    from kfront.backends.tensorflow.numpy import _tensor, take
    x = _tensor(x, "shuffle")
    if tf.inside_function():
        keys = tf.random.stateless_uniform(tf.shape(x)[axis][None], _stateless_seed(seed))
        return tf.gather(x, tf.argsort(keys), axis=axis)
    return take(x, _common.shuffle_indices(x.shape[axis], seed), axis=axis)
