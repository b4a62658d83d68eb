"""``Masking``: mark timesteps whose features all equal ``mask_value`` as padding."""
from __future__ import annotations

from kfront import ops
from kfront.layers.layer import Layer


class Masking(Layer):
    """Zeroes timesteps whose features all equal ``mask_value`` and masks them for the layers
    after it (RNNs skip masked steps). Input (batch, timesteps, features).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.array([[[1.0], [0.0], [2.0]]], "float32")
        >>> layers.Masking().compute_mask(x).tolist()
        [[True, False, True]]
    """

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(keep, ops.dtype(inputs)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
