"""Adamax (``keras.optimizers.Adamax``)."""
from __future__ import annotations

from typing import Callable, Sequence


from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm): ``m += (g - m) * (1 - beta_1)``,
    ``u = max(beta_2 * u, |g|)``, ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Adamax
        >>> w = kfront.Variable(np.zeros(2, "float32"), name="w")
        >>> opt = Adamax(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([2.0, -1.0], "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist(), [v.name for v in opt.variables][2:]
        ([-0.1, 0.1], ['w_momentum', 'w_norm'])
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
        """Create ``momentum`` and ``norm`` slots (interleaved per variable)."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        m, u = self._m[i], self._u[i]
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        lr = xp.cast(learning_rate, dtype)
        beta_1_power = xp.power(xp.cast(self.beta_1, dtype), t)
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), 1 - self.beta_1))
        u.assign(ops.maximum(ops.multiply(u.value, self.beta_2), ops.abs(gradient)))
        variable.assign_sub(ops.divide(ops.multiply(m.value, lr), ops.multiply(
            ops.add(u.value, self.epsilon), xp.subtract(1.0, beta_1_power))))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
