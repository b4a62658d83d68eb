"""``clone_model`` and ``model_from_json`` (``keras.models``)."""
from __future__ import annotations

import json
from typing import Callable

from kfront.backends.common import tree
from kfront.layers.input_layer import Input, InputLayer, KerasTensor
from kfront.layers.layer import Layer
from kfront.models.functional import Functional
from kfront.models.model import Model
from kfront.models.sequential import Sequential


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """A model (with new weights) from ``Model.to_json()`` output, Keras 3's or tf.keras 2's.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
        >>> kfront.models.model_from_json(m.to_json()).count_params()
        15
    """
    from kfront.saving import legacy_config
    from kfront.saving.serialization_lib import deserialize_keras_object
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: not a JSON model config: {e}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("model_from_json: expected a JSON object with 'class_name' and "
                         f"'config', got {str(json_string)[:100]!r}")
    if "module" not in config:  # tf.keras 2 / legacy .h5 form
        return legacy_config.model_from_legacy_config(config, custom_objects=custom_objects)
    return deserialize_keras_object(config, custom_objects=custom_objects)


def _default_clone(layer: Layer) -> Layer:
    return layer.__class__.from_config(layer.get_config())


def clone_model(model: Model, input_tensors=None, clone_function: Callable | None = None,
                call_function: Callable | None = None, recursive: bool = False, **kwargs):
    """A new model of the same architecture with new weights (``keras.models.clone_model``).

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: ``Input`` tensors for the clone (default: new ones of the same shapes).
        clone_function: ``layer -> new layer`` (default: ``from_config(get_config())``).
        call_function: ``(layer, *args, **kwargs) -> outputs``, how each cloned layer is
            called in a functional clone (default: ``layer(*args, **kwargs)``).
        recursive: also clone the layers inside nested Sequential/functional models.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> m = kfront.Sequential([layers.Input((4,)), layers.Dense(3)])
        >>> c = kfront.models.clone_model(m)
        >>> c.output_shape, c.layers[0] is m.layers[0]
        ((None, 3), False)
    """
    if kwargs:
        raise TypeError(f"clone_model: unexpected arguments {sorted(kwargs)}")
    if not isinstance(model, Model):
        raise TypeError(f"clone_model expects a kfront Model, got {type(model).__name__}")
    clone_function = clone_function or _default_clone

    def clone_layer(layer):
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function,
                               call_function=call_function, recursive=True)
        return clone_function(layer)

    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_layer)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_layer, call_function)
    if input_tensors is not None or clone_function is not _default_clone:
        raise ValueError(f'clone_model: model "{model.name}" is subclassed; input_tensors and '
                         "clone_function apply to Sequential and functional models only")
    from kfront.saving.serialization_lib import (deserialize_keras_object,
                                                 serialize_keras_object)
    return deserialize_keras_object(serialize_keras_object(model))


def _clone_sequential(model: Sequential, input_tensors, clone_layer) -> Sequential:
    layers = [clone_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        inputs = tree.flatten(input_tensors)[0]
        if len(inputs) != 1 or not isinstance(inputs[0], KerasTensor):
            raise ValueError(f'clone_model: Sequential "{model.name}" takes one Input tensor')
        layers.insert(0, inputs[0])
    elif model._input_layer is not None:
        layers.insert(0, Input(batch_shape=model._input_layer.batch_shape,
                               dtype=model._input_layer.dtype))
    clone = Sequential(layers, trainable=model.trainable, name=model.name)
    if not clone.built and model.built and model._build_shapes is not None:
        clone.build(model._build_shapes)
    return clone


def _clone_functional(model: Functional, input_tensors, clone_layer, call_function) -> Model:
    if input_tensors is None:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype,
                            name=t._keras_history[0].layer.name) for t in model.inputs]
    else:
        new_inputs = tree.flatten(input_tensors)[0]
        if len(new_inputs) != len(model.inputs):
            raise ValueError(f'clone_model: model "{model.name}" has {len(model.inputs)} '
                             f"input(s), input_tensors gives {len(new_inputs)}")
    values = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    clones: dict = {}

    def swap(struct):
        leaves, spec = tree.flatten(struct)
        new = [values[id(t)] if isinstance(t, KerasTensor) else t for t in leaves]
        return tree.unflatten(spec, new) if spec is not None else new[0]

    for node in model._nodes:
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = (layer if isinstance(layer, InputLayer)
                                 else clone_layer(layer))
        new_layer = clones[id(layer)]
        args, kwargs = swap((list(node.args), dict(node.kwargs)))
        inputs = swap(node.inputs)
        out = (call_function(new_layer, inputs, *args, **kwargs) if call_function
               else new_layer(inputs, *args, **kwargs))
        for old, new in zip(node.flat_outputs, tree.flatten(out)[0]):
            values[id(old)] = new
    inputs = tree.unflatten(tree.flatten(model._inputs_struct)[1], new_inputs) \
        if not isinstance(model._inputs_struct, KerasTensor) else new_inputs[0]
    return Model(inputs=inputs, outputs=swap(model._outputs_struct), name=model.name,
                 trainable=model.trainable)
