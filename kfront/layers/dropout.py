"""``Dropout``: randomly zero inputs while training."""
from __future__ import annotations

from kfront import ops
from kfront.backends.common.random import SeedGenerator
from kfront.layers.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` in training, scaling the rest by
    ``1 / (1 - rate)``; identity in inference.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> float(layers.Dropout(0.5)(np.ones((2, 4), "float32"), training=False).sum())
        8.0
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f'Dropout "{self.name}": rate must be in [0, 1], got {rate}')
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if training and self.rate > 0:
            return ops.dropout(inputs, self.rate, noise_shape=self.noise_shape,
                               seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
