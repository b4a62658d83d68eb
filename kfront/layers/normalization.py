"""``BatchNormalization`` and ``LayerNormalization`` (Keras 3 formulas, defaults, weight order)."""
from __future__ import annotations

import warnings

from kfront import config, constraints, initializers, ops, regularizers
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
    variance over every axis but ``axis`` (over the unmasked steps when a mask comes with the
    inputs) normalize the inputs and update the non-trainable ``moving_mean`` /
    ``moving_variance`` as ``moving * momentum + batch * (1 - momentum)``.
    Weights, in order: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.

    ``renorm=True`` is batch renormalization (Ioffe 2017), as Keras: training outputs are
    ``(x_hat * r + d) * gamma + beta`` with ``r = stddev / renorm_stddev`` and
    ``d = (mean - renorm_mean) / renorm_stddev`` (no gradient; clipped by
    ``renorm_clipping={"rmin", "rmax", "dmax"}``); ``renorm_mean`` / ``renorm_stddev`` move
    with ``renorm_momentum``, ``moving_mean`` / ``moving_stddev`` with ``momentum``, and
    ``moving_variance = relu(moving_stddev ** 2 - epsilon)``. Extra non-trainable weights, after
    the four: ``moving_stddev``, ``renorm_mean``, ``renorm_stddev``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers, ops
        >>> bn = layers.BatchNormalization()
        >>> y = bn(np.array([[0.0], [2.0]], "float32"), training=True)
        >>> np.round(ops.convert_to_numpy(y), 2).ravel().tolist()
        [-1.0, 1.0]
        >>> print(bn.moving_mean.numpy())
        [0.01]
        >>> rn = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 3.0})
        >>> _ = rn(np.array([[0.0], [2.0]], "float32"), training=True)
        >>> [w.name for w in rn.non_trainable_weights]
        ['moving_mean', 'moving_variance', 'moving_stddev', 'renorm_mean', 'renorm_stddev']
    """

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm: bool = False, renorm_clipping: dict | None = None,
                 renorm_momentum: float = 0.99, synchronized: bool = False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = self._check_clipping(renorm_clipping or {})
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)

    def _check_clipping(self, clipping) -> dict:
        who = f'BatchNormalization "{self.name}"'
        if not isinstance(clipping, dict) or set(clipping) - {"rmax", "rmin", "dmax"}:
            raise ValueError(f'{who}: renorm_clipping must be a dict with keys among "rmax", '
                             f'"rmin", "dmax", got {clipping!r}')
        rmax, rmin, dmax = (clipping.get(k) for k in ("rmax", "rmin", "dmax"))
        if rmax is not None and rmin is not None and rmax < rmin:
            raise ValueError(f"{who}: renorm_clipping's rmax must be >= rmin, got "
                             f"rmax={rmax}, rmin={rmin}")
        if dmax is not None and dmax < 0:
            raise ValueError(f"{who}: renorm_clipping's dmax must be >= 0, got dmax={dmax}")
        return dict(clipping)

    def build(self, input_shape):
        shape = self._resolve_axes(input_shape)
        self._add_gamma_beta(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        if self.renorm:
            def stddev_init(shape, dtype=None):
                return ops.sqrt(self.moving_variance_initializer(shape, dtype=dtype))
            for name, init in (("moving_stddev", stddev_init),
                               ("renorm_mean", self.moving_mean_initializer),
                               ("renorm_stddev", stddev_init)):
                setattr(self, name, self.add_weight(shape=shape, initializer=init,
                                                    trainable=False, name=name))
        self.built = True  # a direct build() call too, as Keras

    def _moments(self, inputs, mask):
        """Batch mean and variance (kept dims), over the unmasked entries if ``mask``."""
        reduce = tuple(i for i in range(self._ndim) if i not in self._axes)
        if mask is None:
            mean = ops.mean(inputs, axis=reduce, keepdims=True)
            return mean, ops.mean(ops.square(ops.subtract(inputs, mean)), axis=reduce,
                                  keepdims=True)
        if len(ops.shape(mask)) != self._ndim - 1:
            raise ValueError(f'BatchNormalization "{self.name}": the mask must have one axis '
                             f"less than the inputs, got mask shape {tuple(ops.shape(mask))} "
                             f"for inputs of shape {tuple(ops.shape(inputs))}")
        keep = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), ops.shape(inputs))
        count = ops.add(ops.sum(ops.cast(keep, ops.dtype(inputs)), axis=reduce,
                                keepdims=True), config.epsilon())

        def masked_mean(v):
            return ops.divide(ops.sum(ops.where(keep, v, 0.0), axis=reduce, keepdims=True),
                              count)
        mean = masked_mean(inputs)
        return mean, masked_mean(ops.square(ops.subtract(inputs, mean)))

    def _update(self, var, stat, momentum: float, target) -> None:
        """``var = var * momentum + stat * (1 - momentum)`` (``stat`` without gradient)."""
        stat = ops.reshape(ops.stop_gradient(stat), target)
        var.assign(ops.add(ops.multiply(var.value, momentum),
                           ops.multiply(stat, 1.0 - momentum)))

    def _renormalize(self, mean, variance, gamma, beta, shape):
        """Batch renormalization's scale and offset ``(r * gamma, d * gamma + beta)`` for this
        batch; the renorm and moving statistics are updated."""
        eps = self.epsilon
        stddev = ops.sqrt(ops.add(variance, eps))
        renorm_stddev = ops.maximum(self._broadcast(self.renorm_stddev, shape),
                                    ops.sqrt(ops.cast(eps, ops.dtype(stddev))))
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(mean, self._broadcast(self.renorm_mean, shape)),
                       renorm_stddev)
        rmin, rmax, dmax = (self.renorm_clipping.get(k) for k in ("rmin", "rmax", "dmax"))
        if rmin is not None:
            r = ops.maximum(r, rmin)
        if rmax is not None:
            r = ops.minimum(r, rmax)
        if dmax is not None:
            d = ops.clip(d, -dmax, dmax)
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        if gamma is not None:
            r, d = ops.multiply(r, gamma), ops.multiply(d, gamma)
        if beta is not None:
            d = ops.add(d, beta)
        target = tuple(shape[a] for a in self._axes)
        self._update(self.renorm_mean, mean, self.renorm_momentum, target)
        self._update(self.renorm_stddev, stddev, self.renorm_momentum, target)
        self._update(self.moving_mean, mean, self.momentum, target)
        self._update(self.moving_stddev, stddev, self.momentum, target)
        self.moving_variance.assign(ops.relu(ops.subtract(
            ops.square(self.moving_stddev.value), eps)))
        return r, d

    def call(self, inputs, training=None, mask=None):
        shape = ops.shape(inputs)
        gamma, beta = self._broadcast(self.gamma, shape), self._broadcast(self.beta, shape)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                gamma, beta = self._renormalize(mean, variance, gamma, beta, shape)
            else:
                target = tuple(shape[a] for a in self._axes)
                self._update(self.moving_mean, mean, self.momentum, target)
                self._update(self.moving_variance, variance, self.momentum, target)
        else:
            mean = self._broadcast(self.moving_mean, shape)
            variance = self._broadcast(self.moving_variance, shape)
        return _normalize(inputs, mean, variance, gamma, beta, self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer":
                    initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


class LayerNormalization(_Normalization):
    """Normalizes each sample over ``axis`` (default the last): ``(x - mean) / sqrt(var + eps)
    * gamma + beta``. Weights, in order: ``gamma``, ``beta``.

    Keras's deprecated ``rms_scaling=True`` (warns, as Keras) computes
    ``x / sqrt(var + eps) * gamma`` (no centering) and has ``gamma`` only
    (``layers.RMSNormalization`` is the true RMS normalization).

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
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                          "incorrectly scales the input by the variance, not the root mean "
                          "square. To correctly use RMS Normalization, please use "
                          "`keras.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        shape = self._resolve_axes(input_shape)
        # Keras's config reads the axes as a list once built
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        if self.rms_scaling:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma")
            self.beta = None
        else:
            self._add_gamma_beta(shape)
        self.built = True  # a direct build() call too, as Keras

    def get_config(self) -> dict:
        return {**super().get_config(), "rms_scaling": self.rms_scaling}

    def call(self, inputs):
        # one kernel per backend (torch's fused layer_norm), as Keras's layer
        return ops.layer_normalization(inputs, self.gamma, self.beta, axis=list(self._axes),
                                       epsilon=self.epsilon, rms_scaling=self.rms_scaling)
