"""The background read-ahead of tf.data batches keeps order, errors and stops."""
from __future__ import annotations

import threading
import time

import pytest

from kfront.models.data_adapters.data_adapter import prefetched


def test_prefetched_keeps_order_and_ends():
    assert list(prefetched(lambda: iter(range(10)), size=2)) == list(range(10))


def test_prefetched_raises_the_pipeline_error_at_its_place():
    def source():
        yield 1
        yield 2
        raise RuntimeError("pipeline broke at batch 2")
    it = prefetched(source)
    assert [next(it), next(it)] == [1, 2]
    with pytest.raises(RuntimeError, match="pipeline broke at batch 2"):
        next(it)


def test_prefetched_thread_stops_when_closed_early():
    def forever():
        i = 0
        while True:
            yield i
            i += 1
    it = prefetched(forever, size=2)
    assert next(it) == 0
    it.close()
    deadline = time.time() + 3
    while (any(t.name == "kfront-prefetch" for t in threading.enumerate())
           and time.time() < deadline):
        time.sleep(0.02)
    assert not any(t.name == "kfront-prefetch" for t in threading.enumerate())
