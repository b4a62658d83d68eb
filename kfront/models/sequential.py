"""``Sequential``: a linear stack of layers."""
from __future__ import annotations

import contextlib
import weakref

from kfront.layers.input_layer import InputLayer, KerasTensor, defer_graph, make_deferred_graphs
from kfront.layers.layer import Layer, _wrap_build, unique_name
from kfront.models.model import Model


class Sequential(Model):
    """Layers applied one after the other.

    The input shape comes from an ``Input`` first, ``input_shape=`` on the first layer, or the
    first batch of data.

    Example:
        >>> import kfront
        >>> from kfront import layers
        >>> model = kfront.Sequential()
        >>> model.add(layers.Dense(256, activation="relu", input_shape=(784,)))
        >>> model.add(layers.Dense(10, activation="softmax"))
        >>> model.count_params()
        203530
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._output_shapes: list = []
        self._keras_input = False  # would Keras's layer list start with an InputLayer?
        self._keras_input_name: str | None = None  # the name of the InputLayer Keras makes
        self._graph_input: InputLayer | None = None  # that InputLayer, made with the graph
        self._symbolic_io: tuple | None = None  # (input, output) of the stack's graph
        for layer in layers or []:
            self._add(layer)
        self._keras_rebuilt()

    def _keras_rebuilt(self) -> None:
        """Use up the automatic name of the Functional model Keras builds its stack into
        whenever the stack has an input and a layer (at the end of ``__init__``, after each
        later ``add``/``pop``, at ``build``), so that later models are named as in Keras
        (``functional_1`` after a Sequential made one), and defer the graph Keras makes then
        (each layer called on the stack's symbolic input: ``layer.input`` / ``layer.output``)
        to the next symbolic call or lookup of a graph."""
        self._symbolic_io = None
        if self._keras_input and self._sublayers:
            unique_name("functional")
            refs = tuple(map(weakref.ref, self._sublayers))
            shape = self._known_input_shape() or self._build_shapes
            defer_graph(self, lambda model: model._make_deferred_graph(refs, shape))

    def _make_deferred_graph(self, refs: tuple, shape) -> None:
        """The graph of the stack as it was (``refs``), unless a layer is gone; a stack that
        cannot be traced stays without one, as Keras's ``build`` leaves it (``model.inputs``
        then raises the error)."""
        layers = [ref() for ref in refs]
        if None not in layers:
            with contextlib.suppress(Exception):
                self._symbolic_io = self._graph(layers, shape)

    def add(self, layer) -> None:
        """Append a layer (or an ``Input``)."""
        self._add(layer)
        self._keras_rebuilt()

    def _add(self, layer) -> None:
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history[0].layer, InputLayer):
                raise ValueError("Sequential.add() takes layers, or an Input() as the first item")
            layer = history[0].layer
        if not isinstance(layer, Layer):
            raise TypeError(f'Sequential "{self.name}": add() takes a Layer, got '
                            f"{type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._sublayers or self._input_layer is not None:
                raise ValueError(f'Sequential "{self.name}": an Input must be the first layer')
            self._input_layer = layer
            self._keras_input = True
            self._build_stack(layer.batch_shape)
            return
        if any(existing is layer for existing in self._sublayers):
            raise ValueError(f'Sequential "{self.name}" already contains layer "{layer.name}"')
        if not self._sublayers and not self._keras_input and \
                getattr(layer, "_input_shape_arg", None) is not None:
            self._keras_input_name = unique_name("input_layer")  # Keras's of input_shape=
            self._keras_input = True
        self._sublayers.append(layer)
        shape = self._known_input_shape()
        if shape is not None:
            self._build_stack(shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._sublayers:
            raise IndexError(f'Sequential "{self.name}" has no layers to pop')
        layer = self._sublayers.pop()
        self._output_shapes = self._output_shapes[:len(self._sublayers)]
        self._keras_rebuilt()
        return layer

    def _known_input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        first = self._sublayers[0] if self._sublayers else None
        return getattr(first, "_input_shape_arg", None)

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of ``input_shape`` (else the known input shape),
        inside the model's name scope (weight paths ``"<model>/<layer>/<name>"``)."""
        shape = input_shape or self._known_input_shape()
        if shape is None:
            raise ValueError(f'Sequential "{self.name}": give an input shape to build it')
        if not self._keras_input:
            self._keras_input_name = unique_name("input_layer")  # Keras's InputLayer first
            self._keras_input = True
        self._build_stack(shape)
        self._keras_rebuilt()

    def _build_stack(self, shape) -> None:
        shape = self._build_shapes = tuple(shape)
        self._output_shapes = []
        for layer in self._sublayers:
            if not layer.built:
                layer._maybe_build(shape)
            shape = layer.compute_output_shape(shape)
            self._output_shapes.append(shape)

    _build_stack = _wrap_build(_build_stack)  # in the name scope, then built

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._sublayers:
            x, mask = layer._call_with_mask(x, mask, training=training)
        return x

    def __call__(self, inputs, *args, **kwargs):
        if not self.built and self._sublayers:  # as Keras: for the shape called on
            self.build(tuple(_shape(inputs)))
        return super().__call__(inputs, *args, **kwargs)

    def _check_inputs(self, inputs) -> None:
        pass  # each layer checks its own input

    def compute_output_shape(self, input_shape):
        for layer in self._sublayers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @property
    def layers(self) -> list:
        return list(self._sublayers)

    def _symbolic(self) -> tuple:
        """(input, output) KerasTensors of the stack's graph, made once the input shape is
        known, so that ``Model(seq.input, seq.layers[i].output)`` works as in Keras."""
        make_deferred_graphs()
        if self._symbolic_io is None:
            shape = self._known_input_shape() or self._build_shapes
            if shape is None:
                raise AttributeError(f'Sequential "{self.name}" has no defined input yet: give '
                                     "it an Input or build it")
            self._symbolic_io = self._graph(self._sublayers, shape)
        return self._symbolic_io

    def _graph(self, layers: list, shape) -> tuple:
        """``layers`` called in turn on the stack's input of ``shape``: (input, output)."""
        x = inputs = self._input_for(tuple(shape)).output
        for layer in layers:
            x = layer(x)
        return inputs, x

    def _input_for(self, shape: tuple) -> InputLayer:
        """The stack's InputLayer: the given ``Input``, else the one Keras makes (named, and
        of the first layer's dtype when made by ``build``, as Keras's)."""
        if self._input_layer is not None:
            return self._input_layer
        if self._graph_input is None or tuple(self._graph_input.batch_shape) != shape:
            dtype = (None if self._known_input_shape() is not None or not self._sublayers
                     else self._sublayers[0].compute_dtype)
            self._graph_input = InputLayer(batch_shape=shape, dtype=dtype,
                                           name=self._keras_input_name)
        return self._graph_input

    input = property(lambda self: self._symbolic()[0])
    output = property(lambda self: self._symbolic()[1])
    inputs = property(lambda self: [self._symbolic()[0]])
    outputs = property(lambda self: [self._symbolic()[1]])

    @property
    def input_shape(self):
        shape = self._known_input_shape() or self._build_shapes
        if shape is None:
            raise AttributeError(f'Sequential "{self.name}" has no defined input shape yet')
        return tuple(shape)

    @property
    def output_shape(self):
        if not self._output_shapes:
            raise AttributeError(f'Sequential "{self.name}" is not built yet: no output shape')
        return self._output_shapes[-1]

    def get_config(self) -> dict:
        """Keras 3's Sequential config: ``layers`` (an ``InputLayer`` first when the input
        shape is known) and ``build_input_shape``."""
        from kfront import dtype_policies
        from kfront.saving.serialization_lib import serialize_keras_object
        layers = [serialize_keras_object(layer) for layer in self._sublayers]
        shape = self._known_input_shape()
        if self._input_layer is not None:
            layers.insert(0, serialize_keras_object(self._input_layer))
        elif shape is not None:  # input_shape= on the first layer: Keras 3 adds an InputLayer
            layers.insert(0, {"module": "keras.layers", "class_name": "InputLayer",
                              "config": {"batch_shape": list(shape), "dtype": self._dtype,
                                         "sparse": False, "ragged": False,
                                         "name": self._keras_input_name,
                                         "optional": False},
                              "registered_name": None})
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy), "layers": layers}
        built_shape = shape or self._build_shapes
        if built_shape is not None:
            config["build_input_shape"] = list(built_shape)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """A Sequential from its config (Keras 3's; tf.keras 2 configs go through
        ``kfront.saving.legacy_config``)."""
        from kfront.saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        layer_configs = config.pop("layers", None)
        if not isinstance(layer_configs, list):
            raise ValueError(f"Invalid Sequential config: 'layers' must be a list, got "
                             f"{type(layer_configs).__name__}")
        build_shape = config.pop("build_input_shape", None)
        model = cls(**{k: v for k, v in config.items() if k in ("name", "trainable", "dtype")})
        for layer_config in layer_configs:
            layer = deserialize_keras_object(layer_config, custom_objects=custom_objects)
            if not isinstance(layer, Layer):
                raise ValueError(f"Invalid Sequential config: {layer_config!r:.200} is not a "
                                 "layer")
            model.add(layer)
        if not model.built and build_shape is not None:
            model.build(tuple(build_shape))
        return model

    def build_from_config(self, config: dict) -> None:
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self.build(tuple(shape))


def _shape(x):
    from kfront import ops
    return getattr(x, "shape", None) or ops.shape(x)
