"""Input data for fit/evaluate/predict: checking, splitting and batching arrays."""
from __future__ import annotations

import numpy as np

from kfront.backends.common import random as _random

from kfront import config, ops
from kfront.backends.common import tree
from kfront.backends.common.dtypes import foreign_framework, foreign_to_numpy


def to_arrays(data, what: str):
    """Nested structure of array-likes -> same structure of numpy arrays (None stays None)."""
    if data is None:
        return None
    leaves, spec = tree.flatten(data)
    if spec is not None and all(_is_number(v) for v in leaves):
        return np.asarray(data)  # a plain Python list of numbers is one array
    out = []
    for v in leaves:
        a = _host_array(v)
        if a.ndim == 0:
            raise ValueError(f"{what} must be arrays with a sample axis, got a scalar")
        out.append(a)
    return tree.unflatten(spec, out) if spec is not None else out[0]


def _host_array(v) -> np.ndarray:
    """One array of data as numpy: any framework's tensor is data here, whatever the backend
    (Keras's array adapter takes tf, torch and JAX tensors on every backend), converted by its
    own framework; the active backend's tensors and Variables through ``ops``."""
    if isinstance(v, np.ndarray):
        return v
    framework = foreign_framework(v)
    if framework is not None and framework != config.backend():
        return foreign_to_numpy(v, config.backend(), "data")
    return np.asarray(ops.convert_to_numpy(v))


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.number, bool))


def num_samples(x, y=None, sample_weight=None) -> int:
    """The common number of samples, or a ValueError naming every array's size."""
    sizes = {}
    for name, data in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if data is not None:
            sizes[name] = [len(a) for a in tree.flatten(data)[0]]
    distinct = {n for v in sizes.values() for n in v}
    if len(distinct) > 1:
        detail = " ".join(f"'{k}' sizes: {', '.join(map(str, v))}" for k, v in sizes.items())
        raise ValueError("Data cardinality is ambiguous: x, y and sample_weight must contain "
                         f"the same number of samples. {detail}")
    if not distinct:
        raise ValueError("No data given: pass x (and y) as arrays")
    return distinct.pop()


def take(data, idx):
    """Rows ``idx`` (a slice or an index array) of every array in ``data``."""
    if data is None:
        return None
    leaves, spec = tree.flatten(data)
    rows = [a[idx] for a in leaves]
    return tree.unflatten(spec, rows) if spec is not None else rows[0]


def split_validation(x, y, sample_weight, validation_split: float):
    """Keras's ``validation_split``: the LAST fraction of the samples, before any shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
    n = num_samples(x, y, sample_weight)
    cut = int(n * (1 - validation_split))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves an empty training or "
                         f"validation set for {n} samples")
    train, val = slice(0, cut), slice(cut, n)
    return ((take(x, train), take(y, train), take(sample_weight, train)),
            (take(x, val), take(y, val), take(sample_weight, val)))


def batches(n: int, batch_size: int, shuffle: bool = False, rng=None):
    """Yield index slices/arrays covering ``n`` samples in batches of ``batch_size``."""
    if shuffle:
        perm = (rng or _random.generator(None)).permutation(n)
        for start in range(0, n, batch_size):
            yield perm[start:start + batch_size]
    else:
        for start in range(0, n, batch_size):
            yield slice(start, min(start + batch_size, n))
