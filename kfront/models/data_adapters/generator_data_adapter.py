"""Python generators and iterators (and iterables) of batches."""
from __future__ import annotations

from typing import Iterator

from kfront.models.data_adapters.data_adapter import BatchChecker, DataAdapter


class GeneratorDataAdapter(DataAdapter):
    """Batches as a generator yields them: ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``. A generator (an iterator) is one pass that cannot restart: with
    several epochs it needs ``steps_per_epoch`` (``fit`` says so); a re-iterable object (one
    whose ``__iter__`` returns a fresh iterator) starts over at each epoch."""

    def __init__(self, x, class_weight: dict | None = None, what: str = "fit"):
        self.source = x
        self.restarts = not hasattr(x, "__next__")
        self.check = BatchChecker("generator", what, class_weight)

    def get_numpy_iterator(self) -> Iterator[tuple]:
        for i, batch in enumerate(iter(self.source)):
            yield self.check(i, batch)
