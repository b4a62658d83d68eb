"""Nadam (``keras.optimizers.Nadam``)."""
from __future__ import annotations

from typing import Callable, Sequence


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

    def _schedule(self, t, xp, dtype):
        """The momentum schedule ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` for step ``t``."""
        return xp.multiply(xp.cast(self.beta_1, dtype), xp.subtract(
            1.0, xp.multiply(0.5, xp.power(xp.cast(0.96, dtype), t))))

    def _backend_update_step(self, grads: list, trainable_variables: list,
                             learning_rate) -> None:
        u_product = self._u_product
        t, xp = self._scalars(u_product.dtype)
        u_product.assign(xp.multiply(xp.multiply(u_product.value, self.beta_1), xp.subtract(
            1.0, xp.multiply(0.5, xp.power(0.96, t)))))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        lr = xp.cast(learning_rate, dtype)
        u_t, u_t_1 = self._schedule(t, xp, dtype), self._schedule(xp.add(t, 1.0), xp, dtype)
        u_product_t = xp.cast(self._u_product.value, dtype)
        u_product_t_1 = xp.multiply(u_product_t, u_t_1)
        beta_1, beta_2 = xp.cast(self.beta_1, dtype), xp.cast(self.beta_2, dtype)
        beta_2_power = xp.power(beta_2, t)
        # (1 - beta) in the variable's dtype, as Keras (its betas are cast first)
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), xp.subtract(1.0, beta_1)))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                  xp.subtract(1.0, beta_2)))
        m_hat = ops.add(ops.divide(ops.multiply(m.value, u_t_1), xp.subtract(1.0, u_product_t_1)),
                        ops.divide(ops.multiply(gradient, xp.subtract(1.0, u_t)),
                                   xp.subtract(1.0, u_product_t)))
        v_hat = ops.divide(v.value, xp.subtract(1.0, beta_2_power))
        variable.assign_sub(ops.divide(ops.multiply(m_hat, lr),
                                       ops.add(ops.sqrt(v_hat), self.epsilon)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
