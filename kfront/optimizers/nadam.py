"""Nadam (``keras.optimizers.Nadam``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kfront import config as _config
from kfront import ops
from kfront.backend_objects import Variable
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum), Keras's formulation with the momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` and its running product (an extra optimizer
    variable, last, as in Keras).

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Nadam
        >>> w = kfront.Variable(np.zeros(1, "float32"), name="w")
        >>> opt = Nadam(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.ones(1, "float32"), w)])
        >>> round(float(w.numpy()[0]), 4), [v.name for v in opt.variables][2:]
        (-0.1063, ['w_momentum', 'w_velocity', 'variable'])
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
        """Create ``momentum`` and ``velocity`` slots, then the ``u_product`` scalar."""
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else _config.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        # Keras creates it outside the optimizer's scope: named "variable", path "variable"
        self._u_product = Variable(1.0, dtype=dtype, trainable=False, name="variable")
        self._variables.append(self._u_product)

    def _schedule(self, t: np.float32) -> np.float32:
        return np.float32(self.beta_1) * (np.float32(1) - np.float32(0.5) * (
            np.float32(0.96) ** t))

    def _backend_update_step(self, grads: list, trainable_variables: list,
                             learning_rate: float) -> None:
        t = np.float32(self._step_iteration + 1)
        u_product = np.float32(ops.convert_to_numpy(self._u_product.value))
        self._u_product.assign(u_product * np.float32(self.beta_1) * (
            np.float32(1) - np.float32(0.5) * np.float32(0.96) ** t))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        f = np.float32
        lr = float(ops.convert_to_numpy(learning_rate))
        t = f(self._step_iteration + 1)
        u_t, u_t_1 = self._schedule(t), self._schedule(t + f(1))
        u_product_t = f(ops.convert_to_numpy(self._u_product.value))
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = f(self.beta_2) ** t
        # (1 - beta) in float32, as Keras (its betas are cast to the variable's dtype first)
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), float(f(1) - f(self.beta_1))))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                  float(f(1) - f(self.beta_2))))
        m_hat = ops.add(ops.divide(ops.multiply(m.value, float(u_t_1)),
                                   float(f(1) - u_product_t_1)),
                        ops.divide(ops.multiply(gradient, float(f(1) - u_t)),
                                   float(f(1) - u_product_t)))
        v_hat = ops.divide(v.value, float(f(1) - beta_2_power))
        variable.assign_sub(ops.divide(ops.multiply(m_hat, lr),
                                       ops.add(ops.sqrt(v_hat), self.epsilon)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
