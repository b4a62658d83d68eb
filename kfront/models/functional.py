"""Functional models: a graph of layer calls from ``Input`` tensors to outputs."""
from __future__ import annotations

import numpy as np

from kfront import ops
from kfront.backends.common import keras_mask, tree
from kfront.layers.input_layer import InputLayer, KerasTensor
from kfront.layers.layer import Layer, static_shape, unique_name
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
        self._all_layers = _keras_layer_order(self._inputs, outputs)
        self._sublayers = [layer for layer in self._all_layers
                           if not isinstance(layer, InputLayer)]
        self.built = True

    @property
    def layers(self) -> list:
        """The layers in Keras's order (by decreasing depth from the outputs, see
        ``_keras_layer_order``); operations recorded as layers (``NotEqual`` of a propagated
        mask) are not listed, as in Keras."""
        return [layer for layer in self._all_layers if not getattr(layer, "_is_operation", False)]

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    @property
    def input(self):
        """The model's inputs, in the structure they were given."""
        return self._inputs_struct

    @property
    def output(self):
        """The model's outputs, in the structure they were given."""
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _flat_inputs(self, inputs) -> list:
        """``inputs`` (or their masks) as a list in the order of ``self.inputs``: a dict is
        matched by key, the model's input names unless its inputs were given as a dict (Keras's
        rule, whatever the dict's order)."""
        if not isinstance(inputs, dict):
            return tree.flatten(inputs)[0]
        if isinstance(self._inputs_struct, dict):  # by key, a dict in it too (as Keras)
            return self._by_keys(self._inputs_struct, inputs)
        return self._by_keys({kt.name: kt for kt in self._inputs}, inputs)

    def _by_keys(self, struct: dict, inputs: dict) -> list:
        """The values of ``inputs`` in the order of ``struct``'s leaves, matched by key."""
        names = list(struct)
        missing = [name for name in names if name not in inputs]
        if missing:
            raise ValueError(f'Model "{self.name}" takes the inputs {names}; the dict given '
                             f"has the keys {list(inputs)}, missing {missing}")
        flat = []
        for name, sub in struct.items():
            if isinstance(sub, dict) and isinstance(inputs[name], dict):
                flat += self._by_keys(sub, inputs[name])
            else:
                flat += [inputs[name]] if isinstance(sub, KerasTensor) \
                    else tree.flatten(inputs[name])[0]
        return flat

    def _check_inputs(self, inputs) -> None:
        flat = self._flat_inputs(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(f'Model "{self.name}" expects {len(self._inputs)} input(s), got '
                             f"{len(flat)}")
        for i, (x, kt) in enumerate(zip(flat, self._inputs)):
            shape = static_shape(x)
            rank_step = len(shape) - len(kt.shape)  # +-1 over a last axis of 1 is adjusted
            if rank_step == 1 and shape[-1] == 1 or rank_step == -1 and kt.shape[-1] == 1:
                shape = shape[:-1] if rank_step == 1 else shape + (1,)
            # the batch size is not checked (Keras's input spec drops it): a model built on
            # Input(batch_size=8) takes other batch sizes
            if len(shape) != len(kt.shape) or any(a is not None and a != b
                                                   for a, b in zip(kt.shape[1:], shape[1:])):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the '
                                 f"layer: expected shape={kt.shape}, found shape={shape}")

    @staticmethod
    def _adjust_rank(x, kt):
        """``x`` with a last axis of 1 added or dropped to match ``kt``'s rank, as Keras."""
        rank_step = len(ops.shape(x)) - len(kt.shape)
        if rank_step == 0:
            return x
        if type(x).__module__.startswith("tensorflow.") and hasattr(x, "numpy") and \
                x.dtype.name == "string":  # eager tf.string text, on any backend: as NumPy
            x = x.numpy()
        text = type(x) is np.ndarray and x.dtype.kind in "USO"  # stays NumPy (host layers)
        if rank_step == 1:
            return np.squeeze(x, axis=-1) if text else ops.squeeze(x, axis=-1)
        return np.expand_dims(x, axis=-1) if text else ops.expand_dims(x, axis=-1)

    def call(self, inputs, training=None, mask=None):
        values = {id(kt): self._adjust_rank(x, kt)
                  for kt, x in zip(self._inputs, self._flat_inputs(inputs))}
        masks = {} if mask is None else {id(kt): m for kt, m in zip(self._inputs,
                                                                     self._flat_inputs(mask))}

        def lookup(table, struct, constant=lambda t: t):
            """``struct`` with its symbolic tensors replaced by their entries in ``table``."""
            leaves, spec = tree.flatten(struct)
            got = [table.get(id(t)) if isinstance(t, KerasTensor) else constant(t) for t in leaves]
            return tree.unflatten(spec, got) if spec is not None else got[0]

        for node in self._nodes:
            arg = lookup(values, node.inputs)
            args, kwargs = lookup(values, (node.args, node.kwargs))
            _attach_masks(lookup(masks, (node.args, node.kwargs), lambda t: None), (args, kwargs))
            prev_mask = lookup(masks, node.inputs, lambda t: None)
            if kwargs.get("mask") is None:  # Keras records mask=None in a node's kwargs
                kwargs.pop("mask", None)
            kwargs = dict(kwargs)
            explicit_mask = kwargs.pop("mask", None)  # a mask the call was given (Keras configs)
            recorded_training = kwargs.pop("training", None)
            out, out_mask = node.layer._call_with_mask(
                arg, prev_mask if explicit_mask is None else explicit_mask, *args,
                training=recorded_training if training is None else training, **kwargs)
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

    def get_config(self) -> dict:
        """Keras 3's functional config: every layer with its ``inbound_nodes`` (calls whose
        tensors are ``__keras_tensor__`` dicts naming ``[layer, node index, tensor index]``),
        then ``input_layers`` and ``output_layers`` in the structure of the inputs/outputs."""
        from kfront.saving.serialization_lib import serialize_keras_object
        nodes_of: dict = {}
        for node in self._nodes:
            nodes_of.setdefault(id(node.layer), []).append(node)

        def tensor_config(t: KerasTensor, io: bool = False) -> list:
            node, index = t._keras_history
            own = nodes_of.get(id(node.layer), [])
            position = own.index(node) if node in own else 0
            # Keras 3 counts a nested functional model's calls from 1 in input_layers and
            # output_layers (its own graph is node 0 there), from 0 in the calls' arguments
            if io and isinstance(node.layer, Functional):
                position += 1
            return [node.layer.name, position, index]

        def io_config(t: KerasTensor) -> list:
            return tensor_config(t, io=True)

        def node_values(struct):
            leaves, spec = tree.flatten(struct)
            out = [{"class_name": "__keras_tensor__",
                    "config": {"shape": list(t.shape), "dtype": t.dtype,
                               "keras_history": tensor_config(t)}}
                   if isinstance(t, KerasTensor) else serialize_keras_object(t) for t in leaves]
            return tree.unflatten(spec, out) if spec is not None else out[0]

        layer_configs = []
        for layer in self._all_layers:
            config = serialize_keras_object(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = [
                {"args": [node_values(node.inputs), *node_values(list(node.args))],
                 "kwargs": node_values(dict(node.kwargs))}
                for node in nodes_of.get(id(layer), [])]
            layer_configs.append(config)
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": tree.unflatten(*_specs(self._inputs_struct, io_config)),
                "output_layers": tree.unflatten(*_specs(self._outputs_struct, io_config))}


def _attach_masks(masks, values) -> None:
    """Attach the propagated masks of a call's other tensor arguments to their values, where
    ``Layer.__call__`` reads them (``<argument>_mask=``, as in Keras 3)."""
    for m, v in zip(tree.flatten(masks)[0], tree.flatten(values)[0]):
        if m is not None and keras_mask.get_keras_mask(v) is None:
            keras_mask.set_keras_mask(v, m)


def _specs(struct, fn):
    """(spec, mapped leaves) of ``struct``, for ``tree.unflatten``; a lone tensor maps to
    ``fn(tensor)`` itself."""
    leaves, spec = tree.flatten(struct)
    return spec, [fn(t) for t in leaves]


def functional_from_config(cls, config: dict, custom_objects: dict | None = None):
    """Rebuild a functional model from ``get_config()`` output (Keras's or kfront's): create
    every layer, then replay the layer calls, each once the tensors it reads exist."""
    from kfront.saving.serialization_lib import deserialize_keras_object
    config = dict(config)
    layers_data = config.pop("layers")
    input_spec, output_spec = config.pop("input_layers"), config.pop("output_layers")
    created: dict = {}
    outputs_of: dict = {}  # layer name -> flat outputs of each of its calls, by node index
    pending: list = []
    for data in layers_data:
        if not isinstance(data, dict) or "name" not in data or "module" not in data:
            raise ValueError(f"Invalid functional config: a layer entry must be a dict with "
                             f"'module', 'class_name', 'config' and 'name', got {data!r:.200}")
        body = {k: v for k, v in data.items() if k not in ("name", "inbound_nodes")}
        layer = deserialize_keras_object(body, custom_objects=custom_objects)
        if not isinstance(layer, Layer):
            raise ValueError(f"Invalid functional config: {data['name']!r} is a "
                             f"{type(layer).__name__}, not a layer")
        created[data["name"]] = layer
        outputs_of[data["name"]] = [[layer.output]] if isinstance(layer, InputLayer) else []
        pending.extend((data["name"], node) for node in data.get("inbound_nodes") or [])

    def tensor(history, io: bool = False):
        name, node_index, tensor_index = history[:3]
        if name not in outputs_of:
            raise ValueError(f"Invalid functional config: a call reads layer {name!r}, which "
                             "the config does not define")
        calls = outputs_of[name]
        if io and isinstance(created[name], Functional):
            node_index -= 1  # see Functional.get_config
        if not 0 <= node_index < len(calls):
            raise IndexError(node_index)  # not made yet
        return calls[node_index][tensor_index]

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return tensor(value["config"]["keras_history"])
        if isinstance(value, (list, tuple)):  # tuples: a config straight from Keras
            return [resolve(v) for v in value]
        if isinstance(value, dict) and not ("class_name" in value and "config" in value):
            return {k: resolve(v) for k, v in value.items()}
        return deserialize_keras_object(value, custom_objects=custom_objects)

    while pending:
        waiting = []
        for name, node in pending:
            if any(n == name for n, _ in waiting):  # a layer's calls replay in order
                waiting.append((name, node))
                continue
            try:
                args, kwargs = resolve(node.get("args", [])), resolve(node.get("kwargs", {}))
            except IndexError:
                waiting.append((name, node))
                continue
            out = created[name](*args, **kwargs)
            outputs_of[name].append(tree.flatten(out)[0])
        if len(waiting) == len(pending):
            raise ValueError("Invalid functional config: these layer calls read tensors that "
                             f"are never made (a loop or a missing layer): "
                             f"{sorted({n for n, _ in waiting})}")
        pending = waiting

    def io_tensors(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            try:
                return tensor(spec, io=True)
            except IndexError:
                raise ValueError(f"Invalid functional config: model input/output {spec} names "
                                 "a call that does not exist") from None
        if isinstance(spec, dict):
            return {k: io_tensors(v) for k, v in spec.items()}
        if isinstance(spec, (list, tuple)):
            return [io_tensors(v) for v in spec]
        raise ValueError(f"Invalid functional config: cannot read inputs/outputs from {spec!r}")

    inputs, outputs = io_tensors(input_spec), io_tensors(output_spec)
    if cls is Model:
        cls = Functional
    return cls(inputs=inputs, outputs=outputs, **config)


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


def _keras_leaves(struct) -> list:
    """The symbolic tensors of ``struct`` in the order Keras's ``tree.flatten`` gives them
    (dict keys sorted)."""
    if isinstance(struct, KerasTensor):
        return [struct]
    if isinstance(struct, dict):
        return [t for key in sorted(struct) for t in _keras_leaves(struct[key])]
    if isinstance(struct, (list, tuple)):
        return [t for item in struct for t in _keras_leaves(item)]
    return []


def _keras_layer_order(inputs: list, outputs) -> list:
    """The graph's layers (InputLayers and operations included) in the order of Keras 3's
    ``map_graph`` (keras/src/ops/function.py): a depth-first walk from the outputs records
    each node after its parents and each layer's first visit; a node's depth is the longest
    path from it to an output (a shared layer takes the largest depth of its nodes); layers
    are sorted by decreasing depth, ties by first visit. Unused InputLayers come last."""
    input_ids = {id(t) for t in inputs}
    first_visit, by_id, post_order, done = {}, {}, [], set()

    def parents(node) -> list:
        return _keras_leaves(((node.inputs, *node.args), node.kwargs))

    def enter(tensor):
        node = tensor._keras_history[0]
        if id(node) in done:
            return None
        if not isinstance(node.layer, InputLayer) and id(tensor) in input_ids:
            done.add(id(node))  # an intermediate tensor given as input: outside the graph
            return None
        first_visit.setdefault(id(node.layer), len(first_visit))
        by_id[id(node.layer)] = node.layer
        return node

    for output in _keras_leaves(outputs):  # iterative, so that deep graphs do not recurse
        node = enter(output)
        frames = [] if node is None else [(node, iter(parents(node)))]
        while frames:
            node, todo = frames[-1]
            for tensor in todo:
                parent = enter(tensor)
                if parent is not None:
                    frames.append((parent, iter(parents(parent))))
                    break
            else:
                frames.pop()
                done.add(id(node))
                post_order.append(node)
    in_graph = {id(node) for node in post_order}
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for tensor in parents(node):
            parent = tensor._keras_history[0]
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:  # inputs no output depends on
        layer = tensor._keras_history[0].layer
        if isinstance(layer, InputLayer) and id(layer) not in layer_depth:
            layer_depth[id(layer)], first_visit[id(layer)], by_id[id(layer)] = 0, -1, layer
    order = sorted(layer_depth, key=lambda key: (-layer_depth[key], first_visit[key]))
    return [by_id[key] for key in order]
