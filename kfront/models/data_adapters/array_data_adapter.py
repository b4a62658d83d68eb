"""In-memory arrays (and lists / dicts of them for several inputs or outputs)."""
from __future__ import annotations

import math
from typing import Iterator

from kfront.models import data as data_utils
from kfront.models.data_adapters.data_adapter import DataAdapter, class_weight_to_sample_weight


class ArrayDataAdapter(DataAdapter):
    """Batches of rows of ``x``, ``y``, ``sample_weight`` (NumPy arrays, framework tensors or
    nests of them), shuffled at each pass when ``shuffle``."""

    def __init__(self, x, y=None, sample_weight=None, batch_size: int = 32,
                 shuffle: bool = False, class_weight: dict | None = None, what: str = "fit"):
        x, y = data_utils.to_arrays(x, "x"), data_utils.to_arrays(y, "y")
        sample_weight = data_utils.to_arrays(sample_weight, "sample_weight")
        self.num_samples = data_utils.num_samples(x, y, sample_weight)
        if class_weight is not None:
            if y is None:
                raise ValueError(f"{what}: class_weight needs targets y")
            if isinstance(y, (list, tuple, dict)) and len(y) > 1:
                raise ValueError(f"{what}: class_weight is only supported for a model with a "
                                 f"single output; y has {len(y)} arrays")
            first = y if not isinstance(y, (list, tuple, dict)) else list(
                y.values() if isinstance(y, dict) else y)[0]
            cw = class_weight_to_sample_weight(first, class_weight)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size, self.shuffle = int(batch_size), shuffle
        self.num_batches = math.ceil(self.num_samples / self.batch_size)

    def get_numpy_iterator(self) -> Iterator[tuple]:
        take = data_utils.take
        for idx in data_utils.batches(self.num_samples, self.batch_size, self.shuffle):
            yield take(self.x, idx), take(self.y, idx), take(self.sample_weight, idx)
