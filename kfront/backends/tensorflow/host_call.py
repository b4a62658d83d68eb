"""Host-side kfront code called inside a TensorFlow graph (a ``tf.data`` ``map`` function):
``tf.py_function`` runs it on the graph tensors' eager values, on any active kfront backend,
as Keras runs its preprocessing in ``tf.data`` pipelines."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import tensorflow as tf

from kfront.backends.common import tree
from kfront.ops import convert_to_numpy


def is_graph_tensor(x: Any) -> bool:
    """Is ``x`` a symbolic ``tf.Tensor`` (or ``tf.IndexedSlices``) of a graph being traced (it
    has no value)?"""
    if isinstance(x, tf.IndexedSlices):
        x = x.values
    return isinstance(x, tf.Tensor) and not tf.executing_eagerly() and \
        not hasattr(x, "numpy")


def host_call(fn: Callable[[dict], Any], inputs: dict, outputs: Any) -> Any:
    """``fn(inputs)`` run eagerly on the values of the graph tensors ``inputs`` (a dict).

    ``outputs`` gives the result's structure: objects with ``shape`` and ``dtype`` (e.g.
    KerasTensors; a ``None`` shape is unknown, dtype ``"string"`` is text); the graph tensors
    returned carry those shapes and dtypes.

    Example:
        >>> import tensorflow as tf
        >>> from types import SimpleNamespace as Spec
        >>> from kfront.backends.tensorflow.host_call import host_call
        >>> f = tf.function(lambda x: host_call(lambda d: d["a"] * 2, {"a": x},
        ...                                     Spec(shape=(None,), dtype="int32")))
        >>> f(tf.constant([1, 2])).numpy().tolist()
        [2, 4]
    """
    names = list(inputs)
    specs, structure = tree.flatten(outputs)

    def run(*values):
        result = fn({name: value.numpy() for name, value in zip(names, values)})
        return [np.asarray(convert_to_numpy(r), dtype=None if s.dtype == "string" else s.dtype)
                for r, s in zip(tree.flatten(result)[0], specs)]

    results = tf.py_function(run, [inputs[name] for name in names],
                             Tout=[tf.as_dtype(s.dtype) for s in specs])
    for result, spec in zip(results, specs):
        result.set_shape(spec.shape)
    return tree.unflatten(structure, results)
