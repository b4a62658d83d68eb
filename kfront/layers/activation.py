"""``Activation``: apply an activation function."""
from __future__ import annotations

from kfront import activations
from kfront.layers.layer import Layer


class Activation(Layer):
    """Applies ``activation`` (a name or a callable) to its input.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Activation("relu")(np.array([[-1.0, 2.0]], "float32")).tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
