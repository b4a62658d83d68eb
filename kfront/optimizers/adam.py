"""Adam (``keras.optimizers.Adam``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kfront import config as _config
from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


class Adam(Optimizer):
    """Adam, Keras's formulation (epsilon added to ``sqrt(v)``, bias correction folded into
    the step size).

    Per step ``t`` (from 1): ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``,
    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``, with ``amsgrad``
    ``v_hat = max(v_hat, v)`` replaces ``v``, then ``w -= alpha * m / (sqrt(v) + epsilon)``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Adam
        >>> w = kfront.Variable(np.zeros(2, "float32"), name="w")
        >>> opt = Adam(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([1.0, -1.0], "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist()
        [-0.1, 0.1]
        >>> [v.name for v in opt.variables]
        ['iteration', 'learning_rate', 'w_momentum', 'w_velocity']
    """

    _kernel_name = "adam"
    _per_step_hyper = ("learning_rate", "alpha")

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list: Sequence) -> None:
        """Create ``momentum`` and ``velocity`` slots (interleaved per variable), then
        ``velocity_hat`` slots with ``amsgrad``."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")
            self._slots = list(zip(self._momentums, self._velocities, self._velocity_hats))
        else:
            self._slots = list(zip(self._momentums, self._velocities))

    def _step_hyper(self, learning_rate: float, iteration: int) -> dict:
        # host-side scalars computed as Keras does: in the variables' dtype, from betas that
        # TensorFlow first converts to float32 (ops.cast of a Python float)
        f = np.dtype(_config.floatx()).type
        t = f(iteration + 1)
        beta_1_power = f(np.float32(self.beta_1)) ** t
        beta_2_power = f(np.float32(self.beta_2)) ** t
        alpha = f(learning_rate) * np.sqrt(f(1) - beta_2_power) / (f(1) - beta_1_power)
        return {"learning_rate": learning_rate, "alpha": float(alpha),
                "one_minus_beta_1": 1 - self.beta_1, "one_minus_beta_2": 1 - self.beta_2,
                "epsilon": self.epsilon, "amsgrad": bool(self.amsgrad)}

    def _update_step(self, gradient, variable, slots, hyper) -> None:
        m, v = slots[0], slots[1]
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), hyper["one_minus_beta_1"]))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                  hyper["one_minus_beta_2"]))
        if hyper["amsgrad"]:
            v_hat = slots[2]
            v_hat.assign(ops.maximum(v_hat.value, v.value))
            v = v_hat
        variable.assign_sub(ops.divide(ops.multiply(m.value, hyper["alpha"]),
                                       ops.add(ops.sqrt(v.value), hyper["epsilon"])))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
