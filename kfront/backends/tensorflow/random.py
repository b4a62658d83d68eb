"""Random ops on TensorFlow.

Eagerly, samples are drawn on the host from ``kfront.backends.common.random``, so a seed gives
the same numbers as on every other backend. While a ``tf.function`` is traced they cannot be:
the samples would be baked into the graph as constants, the same at every call. There, random
ops use TensorFlow's stateless ops instead, keyed by the seed tensor that ``compile_stateful``
passes into the compiled function at each call (``graph_seed``), folded with a counter that
numbers the random ops of the trace. An int ``seed`` keeps its meaning (the same values at
every call), derived from the int alone. In a ``tf.function`` of the user's own, a
SeedGenerator's state ``[seed, n]`` is the op's seed and advances to ``[seed, n + 1]`` (as
Keras: reproducible, and ``stateless_call`` returns the state moved on); unseeded ops draw a
fresh seed at each call.
"""
from __future__ import annotations

import contextlib

import numpy as np
import tensorflow as tf

from kfront.backends.common import random as _common
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.tensorflow.core import convert_to_numpy, convert_to_tensor

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
        if seed is not None:  # from the generator's state, which advances (Keras's way)
            return seed.next_state()
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


def _cast_from(fn, dtype):
    """Run the stateless ``fn(d)`` in a dtype TensorFlow samples (float32 for bfloat16) and cast."""
    return tf.cast(fn("float32" if dtype == "bfloat16" else dtype), dtype)


def _stateless_gamma(shape, key, alpha, dtype):
    return _cast_from(lambda d: tf.random.stateless_gamma(shape, key, alpha=tf.cast(alpha, d),
                                                          dtype=d), dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    return _sample(lambda: _common.gamma(shape, convert_to_numpy(alpha), seed),
                   lambda s, k, d: _stateless_gamma(s, k, alpha, d), shape, dtype, seed)


def beta(shape, alpha, beta, dtype=None, seed=None):
    def stateless(s, k, d):  # X / (X + Y) for X ~ Gamma(alpha), Y ~ Gamma(beta)
        x = _stateless_gamma(s, k, alpha, d)
        y = _stateless_gamma(s, tf.random.experimental.stateless_fold_in(k, 1), beta, d)
        return x / (x + y)
    return _sample(lambda: _common.beta(shape, convert_to_numpy(alpha), convert_to_numpy(beta),
                                        seed), stateless, shape, dtype, seed)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    return _sample(lambda: _common.binomial(shape, convert_to_numpy(counts),
                                            convert_to_numpy(probabilities), seed),
                   lambda s, k, d: _cast_from(lambda w: tf.random.stateless_binomial(
                       s, k, tf.cast(counts, w), tf.cast(probabilities, w), output_dtype=w), d),
                   shape, dtype, seed)


def categorical(logits, num_samples, dtype="int32", seed=None):
    dtype = standardize_dtype(dtype)
    if tf.inside_function():
        out = tf.random.stateless_categorical(tf.cast(logits, "float32"), num_samples,
                                              _stateless_seed(seed), dtype="int64")
        return tf.cast(out, dtype)
    return convert_to_tensor(_common.categorical(convert_to_numpy(logits), num_samples, seed),
                             dtype)
