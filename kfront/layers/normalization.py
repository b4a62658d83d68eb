"""``BatchNormalization`` and ``LayerNormalization`` (Keras 3 formulas, defaults, weight order)."""
from __future__ import annotations

from kfront import constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _normalize(x, mean, variance, gamma, beta, epsilon):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` in Keras's operation order."""
    inv = ops.divide(1.0, ops.sqrt(ops.add(variance, epsilon)))
    if gamma is not None:
        inv = ops.multiply(inv, gamma)
    res = ops.negative(ops.multiply(mean, inv))
    if beta is not None:
        res = ops.add(res, beta)
    return ops.add(ops.multiply(x, inv), res)


class _Normalization(Layer):
    """Shared: the normalized ``axis`` (int or list), and the ``gamma``/``beta`` weights."""

    def __init__(self, axis, epsilon: float, center: bool, scale: bool, beta_initializer,
                 gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
                 gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _resolve_axes(self, input_shape) -> tuple:
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f'{type(self).__name__} "{self.name}": axis {self.axis} is out of '
                             f"range for inputs of shape {tuple(input_shape)}")
        axes = tuple(sorted(a % ndim for a in axes))
        if any(input_shape[a] is None for a in axes):
            raise ValueError(f'{type(self).__name__} "{self.name}": the normalized axes '
                             f"{axes} of the input must be known, got input shape "
                             f"{tuple(input_shape)}")
        self._axes, self._ndim = axes, ndim
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})
        return tuple(input_shape[a] for a in axes)

    def _add_gamma_beta(self, shape) -> None:
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer,
                                      constraint=self.gamma_constraint, name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer,
                                     constraint=self.beta_constraint, name="beta")
                     if self.center else None)

    def _broadcast(self, w, input_shape):
        """A weight of the normalized axes' shape, reshaped to broadcast against the input."""
        if w is None or self._axes == tuple(range(self._ndim - len(self._axes), self._ndim)):
            return w
        return ops.reshape(w, [input_shape[i] if i in self._axes else 1
                               for i in range(self._ndim)])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class BatchNormalization(_Normalization):
    """Normalizes with batch statistics in training and moving statistics in inference.

    In a training call (``training=True`` on a trainable layer) the batch mean and (biased)
    variance over every axis but ``axis`` normalize the inputs and update the non-trainable
    ``moving_mean``/``moving_variance`` as ``moving * momentum + batch * (1 - momentum)``.
    Weights, in order: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> bn = layers.BatchNormalization()
        >>> y = bn(np.array([[0.0], [2.0]], "float32"), training=True)
        >>> np.round(ops.convert_to_numpy(y), 2).ravel().tolist()
        [-1.0, 1.0]
        >>> print(bn.moving_mean.numpy())
        [0.01]
    """

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm: bool = False, renorm_clipping=None, renorm_momentum: float = 0.99,
                 synchronized: bool = False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        if renorm:
            raise NotImplementedError(f'BatchNormalization "{self.name}": batch renormalization '
                                      "(renorm=True) is not supported yet")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized

    def build(self, input_shape):
        shape = self._resolve_axes(input_shape)
        self._add_gamma_beta(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")

    def call(self, inputs, training=None, mask=None):
        shape = ops.shape(inputs)
        if training and self.trainable:
            reduce = tuple(i for i in range(self._ndim) if i not in self._axes)
            mean = ops.mean(inputs, axis=reduce, keepdims=True)
            variance = ops.mean(ops.square(ops.subtract(inputs, mean)), axis=reduce,
                                keepdims=True)
            target = tuple(shape[a] for a in self._axes)
            m = self.momentum
            for var, stat in ((self.moving_mean, mean), (self.moving_variance, variance)):
                stat = ops.reshape(ops.stop_gradient(stat), target)
                var.assign(ops.add(ops.multiply(var.value, m), ops.multiply(stat, 1.0 - m)))
        else:
            mean = self._broadcast(self.moving_mean, shape)
            variance = self._broadcast(self.moving_variance, shape)
        return _normalize(inputs, mean, variance, self._broadcast(self.gamma, shape),
                          self._broadcast(self.beta, shape), self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99}


class LayerNormalization(_Normalization):
    """Normalizes each sample over ``axis`` (default the last): ``(x - mean) / sqrt(var + eps)
    * gamma + beta``. Weights, in order: ``gamma``, ``beta``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> y = layers.LayerNormalization()(np.array([[1.0, 3.0]], "float32"))
        >>> np.round(ops.convert_to_numpy(y), 2).tolist()
        [[-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)  # deprecated; a **kwargs key, as Keras
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        if rms_scaling:
            raise NotImplementedError(f'LayerNormalization "{self.name}": rms_scaling=True is '
                                      "not supported yet")

    def build(self, input_shape):
        self._add_gamma_beta(self._resolve_axes(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "rms_scaling": False}

    def call(self, inputs):
        shape = ops.shape(inputs)
        mean = ops.mean(inputs, axis=self._axes, keepdims=True)
        variance = ops.mean(ops.square(ops.subtract(inputs, mean)), axis=self._axes,
                            keepdims=True)
        return _normalize(inputs, mean, variance, self._broadcast(self.gamma, shape),
                          self._broadcast(self.beta, shape), self.epsilon)
