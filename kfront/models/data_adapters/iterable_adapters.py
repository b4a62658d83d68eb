"""``tf.data.Dataset`` and ``torch.utils.data.DataLoader``, on any backend. Neither framework is
imported here: the objects are recognised by their classes' modules and read through their own
methods (``as_numpy_iterator``; iteration and ``Tensor.numpy``), batch by batch. tf.data batches
are read ahead by a background thread (``prefetched``) so that the pipeline's work overlaps the
steps; a DataLoader is read in the step's thread (its ``num_workers`` are the user's way to read
ahead: an extra thread running its collation beside the torch backend's step was slower, 31-44k
against 46-49k samples/s on the seed MLP)."""
from __future__ import annotations

import itertools
from typing import Iterator

from kfront.models.data_adapters.data_adapter import BatchChecker, DataAdapter, prefetched


def _has_base(x, module_prefix: str, names: tuple) -> bool:
    return any(c.__module__.startswith(module_prefix) and c.__name__ in names
               for c in type(x).__mro__)


def is_tf_dataset(x) -> bool:
    """Is ``x`` a ``tf.data.Dataset`` (TensorFlow not imported)?"""
    return _has_base(x, "tensorflow.", ("DatasetV2", "DatasetV1"))


def is_torch_dataloader(x) -> bool:
    """Is ``x`` a ``torch.utils.data.DataLoader`` (torch not imported)?"""
    return _has_base(x, "torch.utils.data", ("DataLoader",))


class TFDatasetAdapter(DataAdapter):
    """A batched ``tf.data.Dataset``, read through ``as_numpy_iterator()``."""

    def __init__(self, dataset, class_weight: dict | None = None, what: str = "fit"):
        self.dataset = dataset
        n = int(dataset.cardinality())
        self.num_batches = n if n >= 0 else None  # -1: infinite, -2: unknown
        self.infinite = n == -1
        self.check = BatchChecker("tf.data.Dataset", what, class_weight)

    def get_numpy_iterator(self) -> Iterator[tuple]:
        return prefetched(lambda: map(self.check, itertools.count(),
                                      self.dataset.as_numpy_iterator()))


class TorchDataLoaderAdapter(DataAdapter):
    """A ``torch.utils.data.DataLoader`` (its own workers, sampler and collation), its tensors
    handed over as NumPy arrays."""

    def __init__(self, loader, class_weight: dict | None = None, what: str = "fit"):
        self.loader = loader
        try:
            self.num_batches = len(loader)
        except TypeError:  # an IterableDataset without __len__
            self.num_batches = None
        self.check = BatchChecker("DataLoader", what, class_weight)

    def get_numpy_iterator(self) -> Iterator[tuple]:
        for i, batch in enumerate(self.loader):
            yield self.check(i, batch)
