"""``PyDataset`` (Keras 3's ``keras.utils.PyDataset``, alias ``Sequence``): batches by index,
optionally read ahead by worker threads or processes."""
from __future__ import annotations

import itertools
import warnings


class PyDataset:
    """Base class of a dataset of batches read by index: implement ``__len__`` (or the
    ``num_batches`` property; ``None`` for an infinite dataset) and ``__getitem__(index)``
    returning ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

    ``workers`` > 1 reads batches ahead in that many threads (processes with
    ``use_multiprocessing=True``), keeping up to ``max_queue_size`` batches; batches still
    come in index order, so training gives the same result as with one worker.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import PyDataset
        >>> class Batches(PyDataset):
        ...     def __init__(self, x, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
        >>> ds = Batches(np.zeros((10, 3)), np.zeros((10, 1)), 4)
        >>> ds.num_batches, ds[2][0].shape
        (3, (2, 3))
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _setting(self, name: str, default):
        if not hasattr(self, name):
            warnings.warn(f"{type(self).__name__}: a PyDataset should call "
                          "super().__init__(**kwargs) in its constructor (kwargs may hold "
                          "workers, use_multiprocessing, max_queue_size)", stacklevel=3)
            setattr(self, name, default)
        return getattr(self, name)

    @property
    def workers(self) -> int:
        return self._setting("_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        return self._setting("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        return self._setting("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __iter__(self):
        count = self.num_batches
        for index in (itertools.count() if count is None else range(count)):
            yield self[index]

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or ``None`` for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ or the "
                                  "num_batches property (None for an infinite dataset)")

    def on_epoch_begin(self) -> None:
        """Called at the beginning of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""


#: tf.keras 2's name for ``PyDataset``
Sequence = PyDataset
