"""``Identity``: returns its inputs unchanged."""
from __future__ import annotations

from kfront.layers.layer import Layer

__all__ = ["Identity"]


class Identity(Layer):
    """Returns its inputs unchanged (any structure); masks pass through.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Identity()(np.array([1.0, 2.0], "float32")).tolist()
        [1.0, 2.0]
    """

    _keeps_input_dtype = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
