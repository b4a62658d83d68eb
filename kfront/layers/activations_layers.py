"""Activation layers: ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU``, ``Softmax`` (Keras 3's
arguments and formulas)."""
from __future__ import annotations

import warnings

from kfront import activations, constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


def masked_softmax(x, mask, axes: tuple):
    """Softmax of ``x`` over ``axes`` where the boolean ``mask`` (broadcastable, or None) is
    True; masked entries get -1e9 (-3e4 in float16, which -1e9 would overflow) before and 0
    after, as Keras's ``Softmax`` layer."""
    if mask is not None:
        x = ops.where(mask, x, -3e4 if ops.standardize_dtype(x.dtype) == "float16" else -1e9)
    if len(axes) == 1:
        out = ops.softmax(x, axis=axes[0])
    else:
        out = ops.exp(ops.subtract(x, ops.logsumexp(x, axis=axes, keepdims=True)))
    return out if mask is None else ops.where(mask, out, 0.0)


class _Elementwise(Layer):
    """A stateless elementwise layer: masks pass, the shape is kept."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape


def _non_negative(layer, name: str, value, allow_none: bool = False) -> None:
    if (value is None and not allow_none) or (value is not None and value < 0):
        raise ValueError(f'{type(layer).__name__} "{layer.name}": {name} must be a '
                         f"non-negative number, got {value!r}")


class ReLU(_Elementwise):
    """``max(x, 0)`` with an optional ``max_value`` cap, a ``negative_slope`` below
    ``threshold``, and the ``threshold`` itself.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ReLU(max_value=1.0)(np.array([-1.0, 0.5, 2.0], "float32")).tolist()
        [0.0, 0.5, 1.0]
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        _non_negative(self, "max_value", max_value, allow_none=True)
        _non_negative(self, "negative_slope", negative_slope)
        _non_negative(self, "threshold", threshold)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (default slope 0.3, Keras's).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.LeakyReLU(0.5)(np.array([-2.0, 3.0], "float32")).tolist()
        [-1.0, 3.0]
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`",
                          stacklevel=2)
        super().__init__(**kwargs)
        _non_negative(self, "negative_slope", negative_slope)
        self.negative_slope = negative_slope

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> round(float(layers.ELU()(np.array([-1.0], "float32"))[0]), 4)
        -0.6321
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned slope ``alpha`` per input element (shape ``input_shape[1:]``,
    size 1 along ``shared_axes``): ``relu(x) - alpha * relu(-x)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> p = layers.PReLU(alpha_initializer="ones", shared_axes=[1])
        >>> p(np.array([[[-2.0, 1.0]]], "float32")).tolist(), tuple(p.alpha.shape)
        ([[[-2.0, 1.0]]], (1, 2))
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.shared_axes = (None if shared_axes is None else
                            list(shared_axes) if isinstance(shared_axes, (list, tuple))
                            else [shared_axes])

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            if not 1 <= i < len(input_shape):
                raise ValueError(f'PReLU "{self.name}": shared axis {i} is out of range for '
                                 f"inputs of shape {tuple(input_shape)}")
            shape[i - 1] = 1
        if any(s is None for s in shape):
            raise ValueError(f'PReLU "{self.name}": the non-batch axes must be known (or '
                             f"shared), got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight(shape=shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={
            i: input_shape[i] for i in range(1, len(input_shape))
            if i not in (self.shared_axes or ())})

    def call(self, inputs):
        return ops.subtract(ops.relu(inputs),
                            ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class Softmax(_Elementwise):
    """Softmax over ``axis`` (an int or a list of axes); with ``mask`` (True = keep,
    broadcastable to the inputs) masked entries get probability 0.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.Softmax()(np.array([[1.0, 1.0, 5.0]], "float32"),
        ...                      mask=np.array([[True, True, False]]))
        >>> y.round(2).tolist()
        [[0.5, 0.5, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            got, want = tuple(ops.shape(mask)), tuple(ops.shape(inputs))
            if len(got) > len(want) or any(m not in (1, i) and None not in (m, i)
                                           for m, i in zip(got[::-1], want[::-1])):
                raise ValueError(f'Softmax "{self.name}": the mask must broadcast to the inputs '
                                 f"(each axis 1 or equal, not more axes): inputs.shape={want}, "
                                 f"mask.shape={got}")
            if ops.dtype(mask) != "bool":
                mask = ops.greater(mask, 0.5)
        return masked_softmax(inputs, mask, tuple(self.axis) if isinstance(
            self.axis, (list, tuple)) else (self.axis,))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
