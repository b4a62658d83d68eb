"""Random ops (``keras.random``): seeds are ints (same values every call), a SeedGenerator
(advancing), or None (the global generator, see ``kfront.utils.set_random_seed``). The same seed
gives the same values on every backend.

Example:
    >>> import kfront
    >>> x = kfront.random.normal((2, 3), seed=1)
"""
from __future__ import annotations

from kfront.backends import B
from kfront.backends.common.random import SeedGenerator  # noqa: F401  (re-exported)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev**2). -> shape."""
    return B.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval). -> shape."""
    return B.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within 2 stddev of the mean. -> shape."""
    return B.random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval). -> shape."""
    return B.random.randint(shape, minval, maxval, dtype=dtype, seed=seed)


def shuffle(x, axis=0, seed=None):
    """``x`` permuted along ``axis``."""
    return B.random.shuffle(x, axis=axis, seed=seed)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """See ``kfront.ops.dropout``."""
    return B.dropout(inputs, rate, noise_shape=noise_shape, seed=seed)
