"""Random ops of the JAX backend.

Eagerly they return host samples from ``kfront.backends.common.random`` (the same numbers as
every backend for the same seed). Inside ``compile_stateful(jit=True)`` host samples would be
baked into the compiled graph as constants, so there each op draws with ``jax.random`` from the
PRNG key passed into the compiled function fresh every call, folded with an integer drawn at
trace time from the op's seed (a SeedGenerator or the global generator: distinct per op and
reproducible under ``set_global_seed``). An int seed gives a fixed key: the same values every
call, as an int seed does eagerly. The key belongs to the thread tracing the step: a
``tf.data`` pipeline's thread running random preprocessing layers meanwhile samples on the
host.

Under a trace of the user's own (``jax.jit`` / ``jax.grad`` over ``stateless_call``, which
binds the SeedGenerator states among the non-trainable variables to traced values), an op
seeded by a SeedGenerator uses its state ``[seed, n]`` as the key and advances it to
``[seed, n + 1]``, as Keras: the state ``stateless_call`` returns has moved on, so each call
of the jitted function fed its previous state draws anew. An unseeded op (``seed=None``)
traced there raises, as Keras's: its host sample would be compiled in as a constant. So does
an op seeded by a SeedGenerator whose state is not traced (a user's ``jax.jit`` calling a
layer directly): Keras compiles that draw in and leaks a tracer into the state, which breaks
the model's next call; kfront's error names ``stateless_call``.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.common import random as _common
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.jax.core import convert_to_numpy, convert_to_tensor
from kfront.backends.jax.numpy import _trace_state_clean

_state = threading.local()  # .key: the traced PRNG key of this thread's key scope


@contextlib.contextmanager
def key_scope(key) -> Iterator[None]:
    """Random ops inside draw from ``key`` (a traced PRNG key) instead of the host."""
    previous, _state.key = getattr(_state, "key", None), key
    try:
        yield
    finally:
        _state.key = previous


def _in_jax_trace() -> bool:
    """Whether this thread is tracing a JAX function (Keras's ``is_in_jax_tracing_scope``:
    a new array is a tracer), checked only when JAX's trace state is not clean."""
    return not _trace_state_clean() and isinstance(jnp.ones(()), jax.core.Tracer)


def _traced_key(seed, op: str):
    """The jax.random key for ``op``: from the key scope's key inside one; outside, the
    state of a SeedGenerator bound to a traced value (advanced), else None (host sampling).
    An unseeded op traced outside a key scope raises (its sample would be a constant)."""
    key = getattr(_state, "key", None)
    if key is None:
        if isinstance(seed, _common.SeedGenerator):
            if isinstance(seed.state.value, jax.core.Tracer):
                return seed.next_state()
            if _in_jax_trace():
                raise ValueError(
                    f"kfront.random.{op}: a random op seeded by a SeedGenerator is being "
                    "traced by JAX (jax.jit of your own, e.g. over model(x, training=True)) "
                    "while the generator's state is outside the trace: its values would be "
                    "compiled in, the same at every call, and the state could not advance "
                    "(Keras 3 bakes the mask in and leaks a tracer into the state). Call the "
                    "layer/model with stateless_call inside the jitted function, passing in "
                    "and returning its non_trainable_variables (which hold the seed states):\n"
                    "    y, non_trainable = model.stateless_call(trainable, non_trainable, x, "
                    "training=True)")
        if seed is None and _in_jax_trace():
            raise ValueError(
                f"kfront.random.{op}: an unseeded random op (seed=None) is being traced by "
                "JAX (jax.jit, jax.grad, ... of your own); its values would be compiled in "
                "as constants, the same at every call. Pass a kfront.random.SeedGenerator "
                "as `seed`, kept as an attribute of your layer/model so that its state is "
                "among the non-trainable variables stateless_call takes and returns, e.g.\n"
                "    self.seed_generator = kfront.random.SeedGenerator(seed=1337)\n"
                "    out = kfront.random.normal(shape=(1,), seed=self.seed_generator)")
        return None
    if isinstance(seed, (int, numpy.integer)) and not isinstance(seed, bool):
        return jax.random.PRNGKey(int(seed))
    return jax.random.fold_in(key, int(_common.generator(seed).integers(2 ** 31)))


def _out(a, dtype):
    return convert_to_tensor(a, standardize_dtype(dtype))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    key = _traced_key(seed, "normal")
    if key is None:
        return _out(_common.normal(shape, mean, stddev, seed), dtype)
    return jax.random.normal(key, tuple(shape), standardize_dtype(dtype)) * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    key = _traced_key(seed, "uniform")
    if key is None:
        return _out(_common.uniform(shape, minval, maxval, seed), dtype)
    return jax.random.uniform(key, tuple(shape), standardize_dtype(dtype), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    key = _traced_key(seed, "truncated_normal")
    if key is None:
        return _out(_common.truncated_normal(shape, mean, stddev, seed), dtype)
    dtype = standardize_dtype(dtype)
    return jax.random.truncated_normal(key, -2.0, 2.0, tuple(shape), dtype) * stddev + mean


def randint(shape, minval, maxval, dtype="int32", seed=None):
    key = _traced_key(seed, "randint")
    if key is None:
        return _out(_common.randint(shape, minval, maxval, seed), dtype)
    return jax.random.randint(key, tuple(shape), minval, maxval, standardize_dtype(dtype))


def shuffle(x, axis=0, seed=None):
    from kfront.backends.jax.numpy import take
    from kfront.backends.jax.core import array
    x = array(x, "shuffle")
    key = _traced_key(seed, "shuffle")
    n = x.shape[axis]
    idx = _common.shuffle_indices(n, seed) if key is None else jax.random.permutation(key, n)
    return take(x, jnp.asarray(idx), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    key = _traced_key(seed, "gamma")
    if key is None:
        return _out(_common.gamma(shape, convert_to_numpy(alpha), seed), dtype)
    return jax.random.gamma(key, jnp.asarray(alpha), tuple(shape), standardize_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    key = _traced_key(seed, "beta")
    if key is None:
        return _out(_common.beta(shape, convert_to_numpy(alpha), convert_to_numpy(beta), seed),
                    dtype)
    return jax.random.beta(key, jnp.asarray(alpha), jnp.asarray(beta), tuple(shape),
                           standardize_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    key = _traced_key(seed, "binomial")
    if key is None:
        return _out(_common.binomial(shape, convert_to_numpy(counts),
                                     convert_to_numpy(probabilities), seed), dtype)
    dtype = standardize_dtype(dtype)
    return jax.random.binomial(key, jnp.asarray(counts, dtype), jnp.asarray(probabilities, dtype),
                               tuple(shape), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    key = _traced_key(seed, "categorical")
    if key is None:
        return _out(_common.categorical(convert_to_numpy(logits), num_samples, seed), dtype)
    logits = jnp.asarray(logits)
    out = jax.random.categorical(key, logits, axis=-1, shape=(num_samples, logits.shape[0]))
    return out.T.astype(standardize_dtype(dtype))
