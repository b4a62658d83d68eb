"""LAMB (``keras.optimizers.Lamb``)."""
from __future__ import annotations

from typing import Callable, Sequence


from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class Lamb(Optimizer):
    """LAMB: the bias-corrected Adam direction ``r = m_hat / (sqrt(v_hat) + epsilon)`` scaled
    per variable by the trust ratio ``||w|| / ||r||`` (1 where either norm is 0):
    ``w -= ratio * lr * r``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Lamb
        >>> w = kfront.Variable(np.array([3.0, 4.0], "float32"))
        >>> _ = Lamb(learning_rate=0.1).apply_gradients([(np.ones(2, "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist()   # moves 0.1 * ratio, ratio 5 / sqrt(2)
        [2.6464, 3.6464]
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        check_range(self, beta_1=beta_1, beta_2=beta_2)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: Sequence) -> None:
        """Create ``momentum`` and ``velocity`` slots (interleaved per variable)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        lr = xp.cast(learning_rate, dtype)
        beta_1_power = xp.power(xp.cast(self.beta_1, dtype), t)
        beta_2_power = xp.power(xp.cast(self.beta_2, dtype), t)
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), 1 - self.beta_1))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value), 1 - self.beta_2))
        m_hat = ops.divide(m.value, xp.subtract(1.0, beta_1_power))
        v_sqrt = ops.add(ops.sqrt(ops.divide(v.value, xp.subtract(1.0, beta_2_power))),
                         self.epsilon)
        update = ops.divide(m_hat, v_sqrt)
        w_norm = ops.sqrt(ops.sum(ops.square(variable.value)))
        g_norm = ops.sqrt(ops.sum(ops.square(update)))
        one = ops.ones((), dtype=variable.dtype)
        safe_g_norm = ops.where(ops.greater(g_norm, 0), g_norm, one)
        ratio = ops.where(ops.greater(w_norm, 0),
                          ops.where(ops.greater(g_norm, 0), ops.divide(w_norm, safe_g_norm),
                                    one), one)
        variable.assign_sub(ops.multiply(ops.multiply(ratio, lr), update))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
