"""``GroupNormalization``, ``UnitNormalization``, ``RMSNormalization`` and
``SpectralNormalization`` (Keras 3's formulas, weights and configs)."""
from __future__ import annotations

from kfront import constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.normalization import _normalize
from kfront.layers.wrappers import Wrapper

__all__ = ["GroupNormalization", "RMSNormalization", "SpectralNormalization",
           "UnitNormalization"]


def _axes_in_range(layer, axis, ndim: int) -> list:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f'{type(layer).__name__} "{layer.name}": axis {axis} is out of '
                             f"range for inputs of rank {ndim}")
    return axes


class GroupNormalization(Layer):
    """Normalizes each sample over groups of ``groups`` channels (channels on ``axis``),
    then scales by ``gamma`` and shifts by ``beta`` (each of shape ``(channels,)``);
    ``groups=-1`` is instance normalization.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.GroupNormalization(groups=2)(np.arange(8.0).reshape(1, 2, 4))
        >>> y.shape, abs(round(float(y[0, :, :2].mean()), 6))
        ((1, 2, 4), 0.0)
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("GroupNormalization: groups must be a positive int (or -1 for "
                             f"instance normalization), got {groups!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        who = f'GroupNormalization "{self.name}"'
        _axes_in_range(self, self.axis, len(input_shape))
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"{who}: axis {self.axis} of the input must be known, got input "
                             f"shape {tuple(input_shape)}")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"{who}: the {dim} channels must split into groups={self.groups} "
                             "equal groups")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = (self.add_weight(shape=(dim,), initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer,
                                      constraint=self.gamma_constraint, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=(dim,), initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer,
                                     constraint=self.beta_constraint, name="beta")
                     if self.center else None)

    def call(self, inputs):
        shape = list(ops.shape(inputs))
        ndim = len(shape)
        axis = self.axis % ndim
        grouped = [-1] + shape[1:]
        grouped[axis] = shape[axis] // self.groups
        grouped.insert(axis, self.groups)
        x = ops.reshape(inputs, grouped)
        reduce = tuple(i for i in range(1, ndim + 1) if i != axis)
        mean = ops.mean(x, axis=reduce, keepdims=True)
        variance = ops.mean(ops.square(ops.subtract(x, mean)), axis=reduce, keepdims=True)
        bshape = [1] * (ndim + 1)
        bshape[axis], bshape[axis + 1] = self.groups, shape[axis] // self.groups
        gamma = None if self.gamma is None else ops.reshape(self.gamma, bshape)
        beta = None if self.beta is None else ops.reshape(self.beta, bshape)
        return ops.reshape(_normalize(x, mean, variance, gamma, beta, self.epsilon),
                           [-1] + shape[1:])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``x * min(1/||x||, 1e12)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.UnitNormalization()(np.array([[3.0, 4.0]], "float32")).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f'UnitNormalization "{self.name}": axis must be an int or a list of '
                            f"ints, got {axis!r}")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        axes = tuple(_axes_in_range(self, self.axis, len(ops.shape(inputs))))
        inv = ops.rsqrt(ops.sum(ops.square(inputs), axis=axes, keepdims=True))
        return ops.multiply(inputs, ops.minimum(inv, 1e12))

    def compute_output_shape(self, input_shape):
        _axes_in_range(self, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Root-mean-square normalization over ``axis`` with a learned ``scale``:
    ``x * rsqrt(mean(x**2) + epsilon) * scale``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RMSNormalization()(np.array([[3.0, 3.0]], "float32")).round(3).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        axes = sorted(a % len(input_shape)
                      for a in _axes_in_range(self, self.axis, len(input_shape)))
        self.axis = axes if isinstance(self.axis, (list, tuple)) else [self.axis]
        self._axes = tuple(axes)
        self.scale = self.add_weight(shape=tuple(input_shape[a] for a in axes),
                                     initializer="ones", name="scale")

    def call(self, inputs):
        shape = ops.shape(inputs)
        rrms = ops.rsqrt(ops.add(ops.mean(ops.square(inputs), axis=self._axes, keepdims=True),
                                 self.epsilon))
        scale = ops.reshape(self.scale, [shape[i] if i in self._axes else 1
                                         for i in range(len(shape))])
        return ops.multiply(ops.multiply(inputs, rrms), scale)

    def compute_output_shape(self, input_shape):
        _axes_in_range(self, self.axis, len(input_shape))
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's ``kernel`` (or ``embeddings``) by its largest singular
    value, estimated by ``power_iterations`` of power iteration per training call (the
    non-trainable ``vector_u`` carries the estimate); inference uses the kernel as it is.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> sn = layers.SpectralNormalization(layers.Dense(2))
        >>> sn(np.ones((1, 3), "float32"), training=True).shape, tuple(sn.vector_u.shape)
        ((1, 2), (1, 2))
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(f'SpectralNormalization "{self.name}": power_iterations must be '
                             f"positive, got {power_iterations}")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        kernel = getattr(self.layer, "embeddings", None) if kernel is None else kernel
        if kernel is None:
            raise ValueError(f'SpectralNormalization "{self.name}": the wrapped '
                             f"{type(self.layer).__name__} has no `kernel` nor `embeddings`")
        self._kernel = kernel  # tracked as this layer's own weight too, as Keras does
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        trainable=False, name="vector_u")

    def normalized_weights(self):
        """(new ``vector_u``, spectrally normalized kernel) from the current weights."""
        w = ops.reshape(self._kernel.value, (-1, self.kernel_shape[-1]))
        u = self.vector_u.value
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w)))
            u = _l2_normalize(ops.matmul(v, w))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))
        return u, ops.reshape(ops.divide(self._kernel.value, sigma), self.kernel_shape)

    def call(self, inputs, training=False):
        if training:  # an all-zero kernel is left as it is (its sigma is 0)
            kernel = self._kernel.value
            zero = ops.all(ops.equal(kernel, 0))
            u, k = self.normalized_weights()
            self.vector_u.assign(ops.where(zero, self.vector_u.value, u))
            self._kernel.assign(ops.where(zero, kernel, k))
        return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(x):
    """``x / ||x||`` over all entries (Keras's ``normalize(x, axis=None)``)."""
    inv = ops.rsqrt(ops.sum(ops.square(x)))
    return ops.multiply(x, ops.minimum(inv, 1.0 / 1e-7))
