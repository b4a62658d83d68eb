"""``Dense``: ``activation(inputs @ kernel + bias)``."""
from __future__ import annotations

from kfront import activations, constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.lora import LoraMixin, lora_weight
from kfront.layers.quantized import QuantizedLayerMixin


class Dense(LoraMixin, QuantizedLayerMixin, Layer):
    """Densely connected layer; kernel shape ``(input_dim, units)``, applied on the last axis.
    ``lora_rank`` / ``enable_lora`` adapt the kernel with LoRA (``kfront/layers/lora.py``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Dense(3, activation="relu")(np.ones((2, 5), "float32")).shape
        (2, 3)
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(quantization_config=quantization_config, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f'Dense "{self.name}": units must be a positive int, got {units!r}')
        self._init_lora(lora_rank, lora_alpha)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.supports_masking = True
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    kernel = lora_weight("kernel")

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'Dense "{self.name}": the last axis of the input must be known, '
                             f"got input shape {tuple(input_shape)}")
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint, name="bias")
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True
        self._build_lora()

    def call(self, inputs, training=None):
        if not self.quantization_mode:  # one op, which a backend may fuse (torch: addmm, relu_)
            fused = "relu" if self.activation is activations.relu else None
            x = ops.nn.matmul_bias_activation(inputs, self.kernel, self.bias, fused)
            return x if fused or self.activation is activations.linear else self.activation(x)
        x = self._lora_output(inputs, self.quantized_call(inputs, training=training))
        if self.bias is not None:
            x = ops.add(x, self._bias_for_call())
        return self.activation(x) if self.activation is not activations.linear else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                **self._lora_config()}
