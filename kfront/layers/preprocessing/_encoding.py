"""Shared by the categorical preprocessing layers: Keras's ``encode_categorical_inputs`` and
the checks of ``output_mode`` / ``sparse``."""
from __future__ import annotations

import time

import numpy as np

from kfront import ops


def check_output_mode(who: str, output_mode: str, allowed: tuple) -> str:
    """``output_mode`` if it is one of ``allowed``, else a ValueError naming ``who``."""
    if output_mode not in allowed:
        raise ValueError(f"{who}: output_mode must be one of {allowed}, got {output_mode!r}")
    return output_mode


def check_not_sparse(who: str, sparse: bool) -> None:
    """kfront has no sparse tensors: ``sparse=True`` is a NotImplementedError naming ``who``."""
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True is not supported (kfront has no sparse "
                                  "tensors); use sparse=False")


class NumpyOps:
    """The ``kfront.ops`` that ``encode`` uses, on NumPy arrays: the host layers (lookups,
    hashing) encode their indices on the host and hand the backend one array, instead of a
    few backend ops each (eager dispatches; on JAX, whose steps for these models run
    eagerly, an XLA compile per op and shape)."""
    cast = staticmethod(lambda x, dtype: np.asarray(x).astype(dtype))
    dtype = staticmethod(lambda x: np.asarray(x).dtype.name)
    shape = staticmethod(np.shape)
    expand_dims, reshape = staticmethod(np.expand_dims), staticmethod(np.reshape)
    max, sum, multiply = staticmethod(np.max), staticmethod(np.sum), staticmethod(np.multiply)

    @staticmethod
    def one_hot(x, num_classes: int, dtype: str) -> np.ndarray:
        """As ``ops.one_hot``: ids outside ``[0, num_classes)`` give all-zero rows."""
        return (np.expand_dims(x, -1) == np.arange(num_classes)).astype(dtype)


def encode(inputs, output_mode: str, depth: int, dtype: str, count_weights=None, K=ops):
    """Integer ``inputs`` encoded as Keras does: ``"int"`` casts, ``"one_hot"`` adds an axis
    (replacing a trailing axis of size 1), ``"multi_hot"`` / ``"count"`` reduce the last axis
    of a batch (axis 1) into ``depth`` bins; out-of-range ids give all-zero rows. ``K``: the
    ops (``kfront.ops`` on backend tensors, ``NumpyOps`` on the host)."""
    if output_mode == "int":
        return K.cast(inputs, dtype)
    shape = K.shape(inputs)
    if len(shape) == 0:
        inputs, shape = K.expand_dims(inputs, -1), (1,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            inputs = K.reshape(inputs, shape[:-1])
        return K.one_hot(inputs, depth, dtype=dtype)
    axis = 1 if len(shape) > 1 else 0
    hot = K.one_hot(inputs, depth, dtype=dtype if count_weights is None
                    else K.dtype(count_weights))
    if output_mode == "multi_hot":
        return K.max(hot, axis=-2)
    if count_weights is not None:
        hot = K.multiply(hot, K.expand_dims(count_weights, -1))
    return K.sum(hot, axis=axis)


def encoded_shape(input_shape, output_mode: str, depth: int) -> tuple:
    """The output shape of ``encode`` for ``input_shape``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + input_shape[2:] + (depth,)
    return (depth,)


def host_values(x):
    """An array or tensor of the active backend, or an eager ``tf.Tensor`` on any backend
    (Keras's ``adapt`` takes TensorFlow tensors and ``tf.data`` batches on every backend),
    as a numpy array."""
    if type(x).__module__.startswith("tensorflow.") and hasattr(x, "numpy"):
        return x.numpy()
    return ops.convert_to_numpy(x)


def batches(who: str, data):
    """``data`` for ``adapt``: a list of numpy batches (an array or tensor is one batch; a
    list of arrays, a generator or a dataset yields batches; an ``(x, y)`` batch gives x).
    Empty data is a ValueError naming ``who``."""
    if hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        out = [host_values(data)]
    elif isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise TypeError(f"{who}.adapt: expected an array, a tensor or an iterable of batches, "
                        f"got {type(data).__name__}")
    else:
        out = []
        progress = _SlowProgress(len(data) if hasattr(data, "__len__") else None)
        for batch in data:
            if isinstance(batch, tuple):
                batch = batch[0]
            out.append(host_values(batch) if hasattr(batch, "shape") else batch)
            progress.step(len(out))
    import numpy as np
    if not out or all(np.size(b) == 0 for b in out):
        raise ValueError(f"{who}.adapt: received empty data (no samples); pass a non-empty "
                         "array or iterable of batches")
    return out


PROGRESS_AFTER_S = 3.0


class _SlowProgress:
    """A Keras progress bar that appears only once reading the batches has taken
    ``PROGRESS_AFTER_S`` seconds (fast adapts stay silent, long ones show where they are)."""

    def __init__(self, target: int | None):
        self.target, self.start, self.bar = target, time.perf_counter(), None

    def step(self, done: int) -> None:
        if self.bar is None and time.perf_counter() - self.start >= PROGRESS_AFTER_S:
            from kfront.utils.progbar import Progbar
            self.bar = Progbar(self.target, unit_name="batch")
        if self.bar is not None:
            self.bar.update(done)
