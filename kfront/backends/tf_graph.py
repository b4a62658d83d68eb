"""Host-side kfront code given TensorFlow graph tensors, from any active backend.

A layer, metric or FeatureSpace called on symbolic ``tf.Tensor``s (a ``tf.data`` ``map``, a
traced step on the TensorFlow backend, a user's ``tf.function``) runs on their values through
``tf.py_function`` (``kfront/backends/tensorflow/host_call.py``), where Keras runs TensorFlow
ops in the graph. TensorFlow is imported only once a leaf already is a TensorFlow tensor."""
from __future__ import annotations

import contextlib
from typing import Any, Callable

from kfront.backends.common import tree


def has_graph_tensors(value: Any) -> bool:
    """Whether a leaf of ``value`` is a symbolic ``tf.Tensor`` (one that has no value)."""
    leaves = tree.flatten(value)[0]
    if not any(type(x).__module__.startswith("tensorflow.") for x in leaves):
        return False
    from kfront.backends.tensorflow import host_call
    return any(host_call.is_graph_tensor(x) for x in leaves)


def call_on_values(fn: Callable, args: tuple, kwargs: dict, outputs: Any) -> Any:
    """``fn(*args, **kwargs)`` run eagerly on the values of the graph tensors among the leaves
    of ``args`` / ``kwargs`` (other leaves are passed as they are); ``outputs`` gives the
    structure, shapes and dtypes of the graph tensors returned (see ``host_call``)."""
    from kfront.backends.tensorflow import host_call
    leaves, spec = tree.flatten((args, kwargs))
    graph = {str(i): x for i, x in enumerate(leaves) if host_call.is_graph_tensor(x)}

    def run(values: dict):
        call_args, call_kwargs = tree.unflatten(
            spec, [values.get(str(i), x) for i, x in enumerate(leaves)])
        return fn(*call_args, **call_kwargs)
    return host_call.host_call(run, graph, outputs)


def lifted() -> contextlib.AbstractContextManager:
    """``tf.init_scope()``: code run inside it (variable creation) runs eagerly, outside the
    graph being traced, as Keras builds an optimizer first used in a user's ``tf.function``."""
    import tensorflow as tf
    return tf.init_scope()
