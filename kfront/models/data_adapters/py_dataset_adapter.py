"""``kfront.utils.PyDataset``: batches by index, read ahead by worker threads or processes."""
from __future__ import annotations

import itertools
import multiprocessing
import random
from concurrent import futures
from typing import Iterator

from kfront.models.data_adapters.data_adapter import BatchChecker, DataAdapter


class PyDatasetAdapter(DataAdapter):
    """Batches ``dataset[0], dataset[1], ...`` (in a shuffled order when ``shuffle``), with
    ``dataset.workers`` threads (processes with ``use_multiprocessing``) reading up to
    ``max_queue_size`` batches ahead; they come in order whatever the workers' timing."""

    def __init__(self, dataset, shuffle: bool = False, class_weight: dict | None = None,
                 what: str = "fit"):
        self.dataset, self.shuffle = dataset, shuffle
        self.num_batches = dataset.num_batches
        self.infinite = self.num_batches is None
        self.check = BatchChecker("PyDataset", what, class_weight)
        self._pool = None

    def _indices(self):
        if self.num_batches is None:
            return itertools.count()
        indices = list(range(self.num_batches))
        if self.shuffle:
            random.shuffle(indices)
        return indices

    def get_numpy_iterator(self) -> Iterator[tuple]:
        ds = self.dataset
        workers = ds.workers
        if workers <= 1 and not ds.use_multiprocessing:
            for i, index in enumerate(self._indices()):
                yield self.check(i, ds[index])
            return
        pool = self._get_pool(max(workers, 1), ds.use_multiprocessing)
        pending: list = []
        indices = iter(self._indices())
        read = (_read_in_process if ds.use_multiprocessing else ds.__getitem__)
        for index in itertools.islice(indices, max(ds.max_queue_size, 1)):
            pending.append(pool.submit(read, index))
        i = 0
        while pending:
            batch = pending.pop(0).result()
            for index in itertools.islice(indices, 1):
                pending.append(pool.submit(read, index))
            yield self.check(i, batch)
            i += 1

    def _get_pool(self, workers: int, processes: bool):
        if self._pool is None:
            if processes:
                global _PROCESS_DATASET
                _PROCESS_DATASET = self.dataset  # inherited by the forked workers
                self._pool = futures.ProcessPoolExecutor(
                    workers, mp_context=multiprocessing.get_context("fork"))
            else:
                self._pool = futures.ThreadPoolExecutor(workers)
        return self._pool

    def on_epoch_begin(self) -> None:
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_PROCESS_DATASET = None


def _read_in_process(index: int):
    return _PROCESS_DATASET[index]
