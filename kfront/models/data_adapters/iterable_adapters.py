"""``tf.data.Dataset`` and ``torch.utils.data.DataLoader``, on any backend. Neither framework is
imported here: the objects are recognised by their classes' modules and read batch by batch
(tf.data through ``kfront/backends/tensorflow/data.py``, which gives ``as_numpy_iterator``'s
elements with less Python per batch: +5-7% samples/s on the seed MLP's tf.data feed on torch,
JAX and TensorFlow; a DataLoader by iteration and ``Tensor.numpy``). tf.data batches
are read ahead by a background thread (``prefetched``) so that the pipeline's work overlaps the
steps (on torch and JAX, whose steps keep both of a 2-core machine's cores busy, nothing else
measured better: a private tf.data pool of 1 thread, intra-op parallelism 1, autotune off, the
user's trailing prefetch dropped, reading in the step's thread, a nice-19 or SCHED_IDLE reader
all ran 0.7-0.8x the arrays in one process; the pipeline's own ~130-190 us of CPU per batch of
100 rows is what remains; on TensorFlow, the seed MLP's tf.data feed ran slower when its own
tensors went to the step without the NumPy round trip, ``iter(dataset)``: fresh processes
under bench, medians of 3, 22.2k samples/s read ahead and 21.9k in the step's thread against
29.0k / 27.3k through NumPy in the same runs; and Keras's way, ``next(iterator)`` inside a
``tf.function`` around the compiled step, ran at 0.65x the arrays in one process, the NumPy
path at 0.80x); a DataLoader is read in the step's thread (its ``num_workers`` are
the user's way to read ahead: an extra thread running its collation beside the torch backend's
step was slower, 31-44k against 46-49k samples/s on the seed MLP). A single-process DataLoader
over a ``TensorDataset`` with the default collation takes each batch's rows in one indexing per
tensor (``TensorRows``) instead of a ``__getitem__`` per sample and a stack: the same arrays,
~34 against ~308 us per batch of 100 MNIST rows."""
from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np

from kfront.models.data_adapters.data_adapter import BatchChecker, DataAdapter, prefetched


def _has_base(x, module_prefix: str, names: tuple) -> bool:
    return any(c.__module__.startswith(module_prefix) and c.__name__ in names
               for c in type(x).__mro__)


def _is_torch_data(obj, name: str) -> bool:
    """Is ``obj`` torch's ``torch.utils.data.<name>`` (a class or function; torch not
    imported here, as nothing outside ``kfront/backends`` imports a framework)?"""
    return (getattr(obj, "__name__", None) == name
            and getattr(obj, "__module__", "").startswith("torch.utils.data"))


def is_tf_dataset(x) -> bool:
    """Is ``x`` a ``tf.data.Dataset`` (TensorFlow not imported)?"""
    return _has_base(x, "tensorflow.", ("DatasetV2", "DatasetV1"))


def is_torch_dataloader(x) -> bool:
    """Is ``x`` a ``torch.utils.data.DataLoader`` (torch not imported)?"""
    return _has_base(x, "torch.utils.data", ("DataLoader",))


class TFDatasetAdapter(DataAdapter):
    """A batched ``tf.data.Dataset``, its elements as ``as_numpy_iterator()`` gives them."""

    def __init__(self, dataset, class_weight: dict | None = None, what: str = "fit"):
        self.dataset = dataset
        n = int(dataset.cardinality())
        self.num_batches = n if n >= 0 else None  # -1: infinite, -2: unknown
        self.infinite = n == -1
        self.check = BatchChecker("tf.data.Dataset", what, class_weight)

    def get_numpy_iterator(self) -> Iterator[tuple]:
        from kfront.backends.tensorflow.data import numpy_batches
        return prefetched(lambda: map(self.check, itertools.count(),
                                      numpy_batches(self.dataset)))


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
        batches = iter(self.loader)
        rows = TensorRows.of(self.loader, batches)
        if rows is not None:
            batches._dataset_fetcher = rows
        for i, batch in enumerate(batches):
            yield self.check(i, batch)


class TensorRows:
    """A DataLoader iterator's fetcher for a ``TensorDataset`` under the default collation:
    a batch of sample indices -> each tensor's rows at once, taken by NumPy from the tensors'
    memory (torch's own indexing would run on its thread pool, beside the backend's), as
    ``default_collate`` gives them: its list of stacked fields, the same values, dtypes and
    shapes. The loader's own iterator still draws the indices (sampler, shuffling and its
    seed, ``drop_last``)."""

    def __init__(self, arrays: list):
        self.arrays = arrays

    @classmethod
    def of(cls, loader, iterator) -> "TensorRows | None":
        """The fetcher for ``iterator``, a single-process iterator of ``loader``, when its
        batches are the default collation of a ``TensorDataset`` of CPU tensors that NumPy
        can view (nothing else runs per sample); else ``None``."""
        collate = loader.collate_fn
        if not (_is_torch_data(type(loader.dataset), "TensorDataset")
                and _is_torch_data(collate, "default_collate")
                and loader.batch_sampler is not None and loader.num_workers == 0
                and not loader.pin_memory
                and type(getattr(iterator, "_dataset_fetcher", None)).__name__
                == "_MapDatasetFetcher"):
            return None
        try:  # a tensor that requires grad, is not on the CPU or has no NumPy dtype: no
            return cls([t.numpy() for t in loader.dataset.tensors])
        except (RuntimeError, TypeError):
            return None

    def fetch(self, index) -> list:
        index = np.asarray(index, dtype=np.int64)
        return [a[index] for a in self.arrays]
