"""Adafactor (``keras.optimizers.Adafactor``)."""
from __future__ import annotations

from typing import Callable, Sequence


from kfront import ops
from kfront.backend_objects import Variable
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


def _rms(x):
    return ops.sqrt(ops.mean(ops.square(x)))


class Adafactor(Optimizer):
    """Adafactor: the second moment of a variable of rank >= 2 is factored into row (``r``)
    and column (``c``) statistics over its last two axes; the step size is relative to the
    variable's RMS: ``alpha_t = max(epsilon_2, rms(w)) * min(lr, 1 / sqrt(t))``,
    ``beta_2_t = 1 - t**beta_2_decay``, ``u = g / sqrt(v)`` clipped to RMS ``clip_threshold``,
    ``w -= alpha_t * u``. Optimizer variables per model variable, as in Keras: ``r``, ``c``
    (both named like the variable; int32 scalar placeholders for a variable of rank < 2),
    then ``velocity``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Adafactor
        >>> w = kfront.Variable(np.ones((2, 3), "float32"), name="w")
        >>> opt = Adafactor(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.ones((2, 3), "float32"), w)])
        >>> [(v.name, tuple(v.shape)) for v in opt.variables][2:]
        [('w', (2,)), ('w', (3,)), ('w_velocity', (2, 3))]
        >>> w.numpy().astype(float).round(4).tolist()[0]
        [0.9, 0.9, 0.9]
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 beta_2_decay: float = -0.8, epsilon_1: float = 1e-30, epsilon_2: float = 1e-3,
                 clip_threshold: float = 1.0, relative_step: bool = True,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        if isinstance(clip_threshold, bool) or not isinstance(clip_threshold, (int, float)) \
                or clip_threshold <= 0:
            raise ValueError(f"Adafactor: argument `clip_threshold` must be a number > 0. "
                             f"Received: clip_threshold={clip_threshold!r}")
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list: Sequence) -> None:
        """Create, variable by variable, the factored ``r`` and ``c`` and the ``velocity``."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = tuple(var.shape)
            if getattr(var, "overwrite_with_gradient", False):
                self._r.append(None)
                self._c.append(None)
                self._v.append(None)
                continue
            if len(shape) < 2:
                for slots in (self._r, self._c):
                    # Keras's placeholders: unscoped int32 scalars named like the variable
                    slots.append(Variable(0, dtype="int32", trainable=False, name=var.name))
                    self._variables.append(slots[-1])
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=var.dtype,
                                                 name=var.name))
            self._v.append(self.add_variable_from_reference(var, name="velocity"))

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        r, c, v = self._r[i], self._c[i], self._v[i]
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        rho_t = xp.minimum(xp.cast(learning_rate, dtype), xp.divide(1.0, xp.sqrt(t)))
        beta_2_t = xp.subtract(1.0, xp.power(t, xp.cast(self.beta_2_decay, dtype)))
        one_minus_beta_2_t = xp.subtract(1.0, beta_2_t)
        alpha_t = ops.multiply(ops.maximum(_rms(variable.value), self.epsilon_2), rho_t)
        regulated_grad_square = ops.add(ops.square(gradient), self.epsilon_1)
        if len(variable.shape) >= 2:
            r.assign(ops.add(ops.multiply(r.value, beta_2_t), ops.multiply(
                ops.mean(regulated_grad_square, axis=-1), one_minus_beta_2_t)))
            c.assign(ops.add(ops.multiply(c.value, beta_2_t), ops.multiply(
                ops.mean(regulated_grad_square, axis=-2), one_minus_beta_2_t)))
            v.assign(ops.multiply(
                ops.expand_dims(ops.divide(r.value, ops.mean(r.value, axis=-1, keepdims=True)),
                                axis=-1),
                ops.expand_dims(c.value, -2)))
        else:
            v.assign(ops.add(ops.multiply(v.value, beta_2_t),
                             ops.multiply(regulated_grad_square, one_minus_beta_2_t)))
        u_t = ops.divide(gradient, ops.sqrt(v.value))
        u_t_hat = ops.divide(u_t, ops.maximum(ops.divide(_rms(u_t), self.clip_threshold), 1.0))
        variable.assign_sub(ops.multiply(alpha_t, u_t_hat))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
