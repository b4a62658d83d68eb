"""The layers' fused ops as plain compositions of a backend's own ops.

``conv_bias_activation`` (``activation(conv(inputs, kernel) + bias)``, what ``Conv*D`` layers
compute) and ``matmul_bias_activation`` (``activation(inputs @ kernel + bias)``, ``Dense``) are
part of every backend's op set (``kfront.ops.nn``, not public Keras names). A backend whose
framework has a fused kernel implements them itself (torch: the bias inside the convolution or
``addmm``, the relu in place); the others take these compositions, which compute exactly what
the layers computed op by op before (same results, same gradients).

Example:
    >>> import numpy as np
    >>> from kfront.backends import numpy as native
    >>> from kfront.backends.common.fused import compose_matmul
    >>> matmul_ba = compose_matmul(native.matmul, native.add, native.relu)
    >>> matmul_ba(np.ones((1, 2)), np.ones((2, 3)), np.array([-3.0, 0.0, 1.0]), "relu").tolist()
    [[0.0, 2.0, 3.0]]
"""
from __future__ import annotations

from typing import Callable

from kfront.backends.common.convolution import channels_first

ACTIVATIONS = (None, "relu")  # the activations a fused op takes (others are applied after it)


def check_activation(activation, op: str) -> None:
    """A ValueError naming ``op`` unless ``activation`` is one the fused ops take."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"{op}: activation must be one of {ACTIVATIONS}, got {activation!r}")


def compose_conv(conv: Callable, add: Callable, reshape: Callable, relu: Callable,
                 shape: Callable) -> Callable:
    """``conv_bias_activation`` made of a backend's ``conv``, ``add``, ``reshape``, ``relu``
    and ``shape``."""

    def conv_bias_activation(inputs, kernel, bias=None, activation=None, strides=1,
                             padding="valid", data_format=None, dilation_rate=1):
        """``activation(conv(inputs, kernel, ...) + bias)``, op by op."""
        check_activation(activation, "conv_bias_activation")
        y = conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                 dilation_rate=dilation_rate)
        if bias is not None:
            if channels_first(data_format, "conv_bias_activation"):
                bias = reshape(bias, (-1,) + (1,) * (len(shape(y)) - 2))
            y = add(y, bias)
        return relu(y) if activation == "relu" else y

    return conv_bias_activation


def compose_matmul(matmul: Callable, add: Callable, relu: Callable) -> Callable:
    """``matmul_bias_activation`` made of a backend's ``matmul``, ``add`` and ``relu``."""

    def matmul_bias_activation(inputs, kernel, bias=None, activation=None):
        """``activation(inputs @ kernel + bias)``, op by op."""
        check_activation(activation, "matmul_bias_activation")
        y = matmul(inputs, kernel)
        if bias is not None:
            y = add(y, bias)
        return relu(y) if activation == "relu" else y

    return matmul_bias_activation
