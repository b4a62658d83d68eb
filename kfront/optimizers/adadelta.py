"""Adadelta (``keras.optimizers.Adadelta``)."""
from __future__ import annotations

from typing import Callable, Sequence

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class Adadelta(Optimizer):
    """Adadelta: ``acc_g = rho * acc_g + (1 - rho) * g**2``,
    ``delta = -sqrt(acc_d + eps) * g / sqrt(acc_g + eps)``,
    ``acc_d = rho * acc_d + (1 - rho) * delta**2``, ``w += lr * delta``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Adadelta
        >>> w = kfront.Variable(np.zeros(1, "float32"), name="w")
        >>> opt = Adadelta(learning_rate=1.0, epsilon=1e-6)
        >>> _ = opt.apply_gradients([(np.ones(1, "float32"), w)])
        >>> [v.name for v in opt.variables][2:]
        ['w_accumulated_grad', 'w_accumulated_delta_var']
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 rho: float = 0.95, epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        check_range(self, rho=rho)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list: Sequence) -> None:
        """Create ``accumulated_grad`` and ``accumulated_delta_var`` slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        acc_g, acc_d = self._accumulated_grads[i], self._accumulated_delta_vars[i]
        rho, eps = self.rho, self.epsilon
        _, xp = self._scalars(variable.dtype)
        lr = xp.cast(learning_rate, variable.dtype)
        acc_g.assign(ops.add(ops.multiply(acc_g.value, rho),
                             ops.multiply(ops.square(gradient), 1 - rho)))
        delta = ops.negative(ops.divide(ops.multiply(ops.sqrt(ops.add(acc_d.value, eps)),
                                                     gradient),
                                        ops.sqrt(ops.add(acc_g.value, eps))))
        acc_d.assign(ops.add(ops.multiply(acc_d.value, rho),
                             ops.multiply(ops.square(delta), 1 - rho)))
        variable.assign_add(ops.multiply(delta, lr))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
