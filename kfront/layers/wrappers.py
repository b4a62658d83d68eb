"""Layer wrappers: ``TimeDistributed``, ``Bidirectional`` and the ``Wrapper`` base (Keras 3
semantics)."""
from __future__ import annotations

from kfront import ops
from kfront.layers.layer import Layer


def _check_layer(owner: str, layer, what: str = "layer") -> None:
    if not isinstance(layer, Layer):
        raise ValueError(f"{owner}: `{what}` must be a kfront Layer instance, got {layer!r}")


class TimeDistributed(Layer):
    """Applies ``layer`` to every timestep of inputs (batch, timesteps, ...) with the same
    weights; computed as one call on (batch * timesteps, ...).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.TimeDistributed(layers.Dense(2))(np.ones((4, 5, 3), "float32")).shape
        (4, 5, 2)
    """

    def __init__(self, layer: Layer, **kwargs):
        _check_layer("TimeDistributed", layer)
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape) -> tuple:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f'TimeDistributed "{self.name}": the input must have at least 3 '
                             f"dimensions (batch, timesteps, ...), received: {input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape) -> None:
        self.layer._maybe_build(self._child_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        shape = tuple(ops.shape(inputs))
        self._child_shape(shape)
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        if mask is not None and self.layer._call_has_mask:
            if tuple(ops.shape(mask))[:2] != shape[:2]:
                raise ValueError(f'TimeDistributed "{self.name}": the mask must start with the '
                                 f"input's (batch, timesteps) {shape[:2]}, got mask shape "
                                 f"{tuple(ops.shape(mask))}")
            kwargs["mask"] = ops.reshape(mask, (-1,) + tuple(ops.shape(mask))[2:])
        out = self.layer(ops.reshape(inputs, (-1,) + shape[2:]), **kwargs)
        return ops.reshape(out, shape[:2] + tuple(ops.shape(out))[1:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"])
        return super().from_config(config)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _copy_layer(layer: Layer, name: str, **overrides) -> Layer:
    """A fresh layer with ``layer``'s config (Keras builds Bidirectional's halves this way)."""
    return type(layer).from_config({**layer.get_config(), "name": name, **overrides})


class Bidirectional(Layer):
    """Runs a recurrent ``layer`` forwards and a copy backwards and merges the two outputs
    (``merge_mode`` "concat", "sum", "mul", "ave" or None for the pair). Weights are the forward
    layer's then the backward layer's.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Bidirectional(layers.LSTM(4))(np.ones((2, 5, 3), "float32")).shape
        (2, 8)
    """

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer: Layer | None = None, **kwargs):
        _check_layer("Bidirectional", layer)
        if backward_layer is not None:
            _check_layer("Bidirectional", backward_layer, "backward_layer")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {_MERGE_MODES}, got "
                             f"{merge_mode!r}")
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, "forward_" + layer.name.removeprefix("forward_"))
        self.backward_layer = backward_layer or _copy_layer(
            layer, "backward_" + layer.name.removeprefix("backward_"),
            go_backwards=not layer.go_backwards)
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have different "
                             f"go_backwards, both have {self.forward_layer.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if a != b:
                raise ValueError(f'Bidirectional: the forward and backward layers must have the '
                                 f'same "{attr}", got {a} (forward) and {b} (backward)')
        for half in (self.forward_layer, self.backward_layer):
            half.zero_output_for_mask = half.return_sequences  # as Keras
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights = weights

    def build(self, input_shape) -> None:
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=fwd_state, mask=mask, training=training)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, mask=mask,
                                    training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = ops.divide(ops.add(y, y_rev), 2)
        elif self.merge_mode == "mul":
            output = ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + list(states)
        return output

    def compute_output_shape(self, input_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = [tuple(shape), tuple(shape)] if self.merge_mode is None else [tuple(shape)]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else outputs[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [None] * (2 * self.forward_layer.cell.state_count)
        return outs if self.merge_mode is None else out

    def reset_state(self) -> None:
        if not self.stateful:
            raise AttributeError(f'Bidirectional "{self.name}": the layer is not stateful')
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": _serialize(self.forward_layer),
                "backward_layer": _serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _deserialize(config["backward_layer"])
        return super().from_config(config)


def _serialize(layer: Layer) -> dict:
    from kfront.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def _deserialize(config) -> Layer:
    """The wrapped layer of a wrapper's config: a config dict (allowlist and custom objects
    only), or a layer already made."""
    if isinstance(config, Layer):
        return config
    from kfront.saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config)


class Wrapper(Layer):
    """Base class of layers that wrap another ``layer`` (Keras's ``Wrapper``): builds it, and
    saves it in its config under ``"layer"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> class Doubled(layers.Wrapper):
        ...     def call(self, x):
        ...         return self.layer(x) * 2
        >>> Doubled(layers.Dense(2, kernel_initializer="ones"))(np.ones((1, 3), "float32")).tolist()
        [[6.0, 6.0]]
    """

    def __init__(self, layer: Layer, **kwargs):
        _check_layer(type(self).__name__, layer)
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"])
        return super().from_config(config)
