"""Symbolic tensors for the functional API: ``Input``, ``InputLayer`` and ``KerasTensor``."""
from __future__ import annotations

import itertools

from kfront.backends.common import tree
from kfront.layers.layer import Layer
from kfront.ops.symbolic import KerasTensor  # noqa: F401  (defined with the ops it records)

_node_ids = itertools.count()


class Node:
    """One call of a layer on symbolic inputs, recorded for functional models."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.id = next(_node_ids)
        self.layer = layer
        self.inputs = inputs            # the structure passed as first argument
        self.args, self.kwargs = args, kwargs
        self.outputs = outputs          # the structure returned
        self.flat_inputs = tree.flatten(inputs)[0]
        # symbolic tensors this call reads, ``initial_state=`` ones included (graph edges)
        self.dependencies = self.flat_inputs + [t for t in tree.flatten((args, kwargs))[0]
                                                if isinstance(t, KerasTensor)]
        self.flat_outputs = tree.flatten(outputs)[0]
        layer.__dict__.setdefault("_inbound_nodes", []).append(self)


def symbolic_call(layer, inputs, args, kwargs):
    """Call ``layer`` on KerasTensors: build it, infer its output shapes, record a Node."""
    leaves, spec = tree.flatten(inputs)
    shapes = [t.shape for t in leaves]
    shape_struct = tree.unflatten(spec, shapes) if spec is not None else shapes[0]
    if not layer.built:
        layer._maybe_build(shape_struct)
    layer._check_inputs(inputs)
    out_shapes = layer.compute_output_shape(shape_struct)
    dtype = layer.compute_output_spec_dtype(leaves[0].dtype)
    outputs = _keras_tensors(out_shapes, dtype, layer.name)
    node = Node(layer, inputs, args, kwargs, outputs)
    for i, t in enumerate(node.flat_outputs):
        t._keras_history = (node, i)
    return outputs


def _is_single_shape(s) -> bool:
    return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)


def _keras_tensors(shapes, dtype, name):
    if _is_single_shape(shapes):
        return KerasTensor(shapes, dtype, name=name)
    if isinstance(shapes, dict):
        return {k: _keras_tensors(v, dtype, name) for k, v in shapes.items()}
    return [_keras_tensors(s, dtype, name) for s in shapes]


class InputLayer(Layer):
    """The layer behind ``Input``: it holds the input shape and passes data through."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        for flag in ("ragged", "optional"):  # Keras 3 config keys; only False is supported
            if kwargs.pop(flag, False):
                raise ValueError(f"InputLayer: {flag}=True is not supported by kfront")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: give `shape` (without the batch size) or `batch_shape`")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        output = KerasTensor(self.batch_shape, self._dtype, name=self.name)
        output._keras_history = (Node(self, (), (), {}, output), 0)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch dimension) for functional models.

    Example:
        >>> from kfront import layers
        >>> x = layers.Input(shape=(784,))
        >>> x.shape
        (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output
