"""Functional models: a graph of layer calls from ``Input`` tensors to outputs."""
from __future__ import annotations

from kfront import ops
from kfront.backends.common import tree
from kfront.layers.input_layer import InputLayer, KerasTensor
from kfront.layers.layer import unique_name
from kfront.models.model import Model


class Functional(Model):
    """``Model(inputs, outputs)``: runs the recorded layer calls in creation order.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> inputs = layers.Input(shape=(784,))
        >>> hidden = layers.Dense(256, activation="relu")(inputs)
        >>> outputs = layers.Dense(10, activation="softmax")(hidden)
        >>> model = kfront.Model(inputs=inputs, outputs=outputs)
        >>> model.output_shape
        (None, 10)
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name or unique_name("functional"), trainable=trainable, **kwargs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs = tree.flatten(inputs)[0]
        self._outputs = tree.flatten(outputs)[0]
        for t in self._inputs + self._outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(f'Model "{self.name}": inputs and outputs must be symbolic tensors '
                                f"from layers.Input and layer calls, got {type(t).__name__}")
        self._nodes = _nodes_between(self._inputs, self._outputs, self.name)
        layers = []
        for node in self._nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        self._all_layers = [t._keras_history[0].layer for t in self._inputs] + layers
        self._sublayers = layers
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._all_layers)

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _check_inputs(self, inputs) -> None:
        flat = tree.flatten(inputs)[0]
        if len(flat) != len(self._inputs):
            raise ValueError(f'Model "{self.name}" expects {len(self._inputs)} input(s), got '
                             f"{len(flat)}")
        for i, (x, kt) in enumerate(zip(flat, self._inputs)):
            shape = tuple(ops.shape(x))
            if len(shape) != len(kt.shape) or any(a is not None and a != b
                                                   for a, b in zip(kt.shape, shape)):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the '
                                 f"layer: expected shape={kt.shape}, found shape={shape}")

    def call(self, inputs, training=None, mask=None):
        values = {id(kt): x for kt, x in zip(self._inputs, tree.flatten(inputs)[0])}
        masks = {} if mask is None else {id(kt): m for kt, m in zip(self._inputs,
                                                                     tree.flatten(mask)[0])}

        def lookup(table, struct, constant=lambda t: t):
            """``struct`` with its symbolic tensors replaced by their entries in ``table``."""
            leaves, spec = tree.flatten(struct)
            got = [table.get(id(t)) if isinstance(t, KerasTensor) else constant(t) for t in leaves]
            return tree.unflatten(spec, got) if spec is not None else got[0]

        for node in self._nodes:
            arg = lookup(values, node.inputs)
            args, kwargs = lookup(values, (node.args, node.kwargs))
            prev_mask = lookup(masks, node.inputs, lambda t: None)
            out, out_mask = node.layer._call_with_mask(arg, prev_mask, *args, training=training,
                                                       **kwargs)
            flat_masks = tree.flatten(out_mask)[0]
            for i, (t, v) in enumerate(zip(node.flat_outputs, tree.flatten(out)[0])):
                values[id(t)] = v
                masks[id(t)] = flat_masks[i] if i < len(flat_masks) else None
        outs = [values[id(t)] for t in self._outputs]
        if isinstance(self._outputs_struct, KerasTensor):
            return outs[0]
        return tree.unflatten(tree.flatten(self._outputs_struct)[1], outs)

    def compute_output_shape(self, input_shape):
        return self.output_shape


def _nodes_between(inputs, outputs, name):
    """The layer-call nodes that lead from ``inputs`` to ``outputs``, in creation order."""
    input_ids = {id(t) for t in inputs}
    nodes, stack, seen = {}, list(outputs), set()
    while stack:
        t = stack.pop()
        if id(t) in seen or id(t) in input_ids:
            continue
        seen.add(id(t))
        node = t._keras_history[0]
        if isinstance(node.layer, InputLayer):
            raise ValueError(f'Model "{name}": output depends on input "{node.layer.name}", '
                             f"which is not among the model's inputs")
        nodes[node.id] = node
        stack.extend(node.dependencies)
    return [nodes[k] for k in sorted(nodes)]
