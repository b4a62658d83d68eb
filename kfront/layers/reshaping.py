"""Reshaping layers: ``Flatten`` and ``Reshape``."""
from __future__ import annotations

import math

from kfront import ops
from kfront.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(batch, ...) -> (batch, prod(...))``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Flatten()(np.zeros((2, 3, 4), "float32")).shape
        (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes to ``target_shape`` (batch axis excluded; one entry may be -1).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Reshape((3, 4))(np.zeros((2, 12), "float32")).shape
        (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f'Reshape "{self.name}": at most one -1 in target_shape, got '
                             f"{self.target_shape}")
        self.built = True

    def _resolve(self, input_shape):
        n = math.prod(d for d in input_shape[1:]) if None not in input_shape[1:] else None
        known = math.prod(d for d in self.target_shape if d != -1)
        if n is None:
            return tuple(None if d == -1 else d for d in self.target_shape)
        if -1 in self.target_shape:
            if n % known:
                raise ValueError(f'Reshape "{self.name}": cannot reshape input of shape '
                                 f"{tuple(input_shape)} to {self.target_shape}")
            return tuple(n // known if d == -1 else d for d in self.target_shape)
        if n != known:
            raise ValueError(f'Reshape "{self.name}": input of shape {tuple(input_shape)} has '
                             f"{n} values per sample, target_shape {self.target_shape} needs {known}")
        return self.target_shape

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}
