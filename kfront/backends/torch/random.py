"""Random ops of the torch backend (host samples from kfront.backends.common.random, so a seed
gives the same numbers as on every other backend)."""
from __future__ import annotations

import torch

from kfront.backends.common import random as _common
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.torch.core import convert_to_numpy, convert_to_tensor


def _out(a, dtype) -> torch.Tensor:
    return convert_to_tensor(a, standardize_dtype(dtype))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.normal(shape, mean, stddev, seed), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.uniform(shape, minval, maxval, seed), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.truncated_normal(shape, mean, stddev, seed), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> torch.Tensor:
    return _out(_common.randint(shape, minval, maxval, seed), dtype)


def shuffle(x, axis=0, seed=None) -> torch.Tensor:
    from kfront.backends.torch.numpy import _shape_of, take
    return take(x, _common.shuffle_indices(_shape_of(x)[axis], seed), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.gamma(shape, convert_to_numpy(alpha), seed), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.beta(shape, convert_to_numpy(alpha), convert_to_numpy(beta), seed), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> torch.Tensor:
    return _out(_common.binomial(shape, convert_to_numpy(counts), convert_to_numpy(probabilities),
                                 seed), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None) -> torch.Tensor:
    return _out(_common.categorical(convert_to_numpy(logits), num_samples, seed), dtype)
