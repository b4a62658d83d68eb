"""Keras 3 operations that appear as layers in functional configs.

When a Keras 3 functional model propagates a mask (``Embedding(mask_zero=True)``), its config
records the mask as a call of the ``NotEqual`` operation (``module
"keras.src.ops.numpy"``). kfront reads and writes that entry with this layer; it is part of
the allowlist like every built-in layer.

Example:
    >>> import numpy as np
    >>> from kfront.layers.op_layers import NotEqual
    >>> NotEqual()(np.array([[0, 3]]), 0).tolist()
    [[False, True]]
"""
from __future__ import annotations

from kfront import ops
from kfront.layers.layer import Layer


class NotEqual(Layer):
    """``ops.not_equal(x, y)`` as a layer (Keras's ``keras.src.ops.numpy.NotEqual``)."""

    _is_operation = True  # an operation, not listed in ``model.layers``

    def __init__(self, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.built = True

    def _convert_inputs(self, inputs):
        return ops.convert_to_tensor(inputs)  # integer ids keep their dtype

    def call(self, x, y):
        return ops.not_equal(x, y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec_dtype(self, input_dtype: str) -> str:
        return "bool"

    def get_config(self) -> dict:
        return {"name": self.name}
