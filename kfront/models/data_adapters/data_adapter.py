"""The adapter interface and the batch conventions shared by every adapter."""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator

import numpy as np

from kfront.backends.common import tree


class DataAdapter:
    """Turns one kind of input into batches ``(x, y, sample_weight)`` of NumPy arrays (``y`` and
    ``sample_weight`` may be ``None``). ``num_batches``: batches in one pass, ``None`` when
    unknown (a generator) or infinite (``infinite``: known to never end). ``restarts``: whether
    each ``get_numpy_iterator()`` call starts a new pass (a Python generator cannot)."""

    num_batches: int | None = None
    restarts: bool = True
    infinite: bool = False

    def get_numpy_iterator(self) -> Iterator[tuple]:
        raise NotImplementedError

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""

    def close(self) -> None:
        """Release workers (a PyDataset's pool)."""


def unpack_x_y_sample_weight(data):
    """Keras's convention: a tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (a list is
    taken as a tuple), anything else is ``x`` alone.

    Example:
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if isinstance(data, tuple) and 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    return data, None, None


def class_weight_to_sample_weight(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a ``{class: weight}`` dict (labels or one-hot ``y``)."""
    y = np.asarray(y)
    labels = (np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1
              else y.reshape(len(y), -1)[:, 0])
    table = np.ones(int(max(max(class_weight), labels.max())) + 1, dtype="float32")
    for k, w in class_weight.items():
        table[int(k)] = w
    return table[labels.astype(int)]


def to_numpy(value):
    """A batch's nest with every leaf a NumPy array (framework tensors through ``.numpy()``)."""
    leaves, spec = tree.flatten(value)
    out = []
    for v in leaves:
        if v is not None and not isinstance(v, np.ndarray):
            v = v.numpy() if hasattr(v, "numpy") else np.asarray(v)
        out.append(v)
    return tree.unflatten(spec, out) if spec is not None else out[0]


class BatchChecker:
    """Standardizes the batches of an iterable input (generator, PyDataset, tf.data,
    DataLoader) into ``(x, y, sample_weight)`` NumPy tuples, adds ``class_weight`` and checks
    that every batch has the structure and per-sample shapes of the first one."""

    def __init__(self, source: str, what: str, class_weight: dict | None = None):
        self.source, self.what, self.class_weight = source, what, class_weight
        self._first = None

    def __call__(self, index: int, batch) -> tuple:
        x, y, sw = unpack_x_y_sample_weight(to_numpy(batch))
        if self.class_weight is not None and y is not None:
            if sw is not None:
                raise ValueError(f"{self.what}: class_weight and a sample_weight in the "
                                 f"{self.source}'s batches cannot be used together")
            sw = class_weight_to_sample_weight(tree.flatten(y)[0][0], self.class_weight)
        signature = [(name, tree.flatten(v)[1], [np.shape(a)[1:] for a in tree.flatten(v)[0]])
                     for name, v in (("x", x), ("y", y), ("sample_weight", sw))]
        if self._first is None:
            self._first = signature
        elif signature != self._first:
            for (name, spec0, shapes0), (_, spec, shapes) in zip(self._first, signature):
                if (spec0, shapes0) != (spec, shapes):
                    raise ValueError(
                        f"{self.what}: batch {index} of the {self.source} has {name} of "
                        f"per-sample shape {_describe(spec, shapes)}, but batch 0 had "
                        f"{_describe(spec0, shapes0)}; every batch must have the same structure and shapes "
                        "(the batch size may differ)")
        return x, y, sw


def _describe(spec, shapes) -> str:
    return str(shapes[0]) if spec is None else str(shapes)


_END = object()


def prefetched(make: Callable[[], Iterator], size: int = 4) -> Iterator:
    """The items of ``make()``, read ahead by a background thread (at most ``size`` waiting),
    in order; an error raised by ``make()``'s iterator is raised here at its place. The thread
    stops when this iterator is closed or collected. A framework's pipeline (tf.data,
    DataLoader) then runs while the step computes, instead of between steps."""
    ready: queue.Queue = queue.Queue(size)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in make():
                while not stop.is_set():
                    try:
                        ready.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        pass
                if stop.is_set():
                    return
            ready.put((_END, None))
        except BaseException as e:  # surfaces in the consumer, at this batch's place
            ready.put((_END, e))

    threading.Thread(target=produce, daemon=True, name="kfront-prefetch").start()
    try:
        while True:
            item, error = ready.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while not ready.empty():  # unblock a producer waiting to put
            ready.get_nowait()
