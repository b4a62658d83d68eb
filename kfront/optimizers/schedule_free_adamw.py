"""Schedule-free AdamW (``keras.optimizers.ScheduleFreeAdamW``)."""
from __future__ import annotations

from typing import Callable, Sequence


from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al. 2024), Keras's formulation: the ``momentum`` slot
    holds the base iterate ``z`` (initialised to the variable), the variable holds the
    interpolation ``y``; per step ``t`` (lr scaled by ``min(t / warmup_steps, 1)`` with a
    warmup): ``v`` as Adam's, ``z -= lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)``,
    ``x = lerp((y - (1 - beta_1) z) / beta_1, z, 1 / t)`` (with the updated ``z``, as
    Keras 3.15 computes it on TensorFlow), ``y = (1 - beta_1) z +
    beta_1 x``. Weight decay is the base class's decoupled decay.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import ScheduleFreeAdamW
        >>> w = kfront.Variable(np.zeros(2, "float32"), name="w")
        >>> opt = ScheduleFreeAdamW(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([1.0, -1.0], "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist(), [v.name for v in opt.variables][2:]
        ([-0.1, 0.1], ['w_momentum', 'w_velocity'])
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.0025,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 warmup_steps: int = 0, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        check_range(self, beta_2=beta_2)
        if isinstance(beta_1, bool) or not isinstance(beta_1, (int, float)) or not (
                0 < beta_1 <= 1):
            raise ValueError(f"ScheduleFreeAdamW: argument `beta_1` must be in (0, 1] (it "
                             f"divides). Received: beta_1={beta_1!r}")
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or \
                warmup_steps < 0:
            raise ValueError(f"ScheduleFreeAdamW: argument `warmup_steps` must be an integer "
                             f">= 0. Received: warmup_steps={warmup_steps!r}")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list: Sequence) -> None:
        """Create ``momentum`` (a copy of each variable) and ``velocity`` slots."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        for momentum, var in zip(self._momentums, var_list):
            if momentum is not None:
                momentum.assign(var.value)

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        z, v = self._momentums[i], self._velocities[i]
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        lr = xp.cast(learning_rate, dtype)
        if self.warmup_steps > 0:
            lr = xp.multiply(lr, xp.minimum(xp.divide(t, float(self.warmup_steps)), 1.0))
        beta_1, beta_2 = xp.cast(self.beta_1, dtype), xp.cast(self.beta_2, dtype)
        one_minus_beta_1 = xp.subtract(1.0, beta_1)
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                  xp.subtract(1.0, beta_2)))
        denom = ops.add(ops.sqrt(ops.divide(v.value, xp.subtract(1.0, xp.power(beta_2, t)))),
                        self.epsilon)
        z.assign_sub(ops.divide(ops.multiply(gradient, lr), denom))
        # Keras 3.15 on TensorFlow reads z here after its update (its `momentum.value` is the
        # variable, not a snapshot): kfront follows that oracle on every backend
        x_old = ops.divide(ops.subtract(variable.value, ops.multiply(z.value, one_minus_beta_1)),
                           beta_1)
        weight = xp.divide(1.0, t)
        x_new = ops.add(ops.multiply(x_old, xp.subtract(1.0, weight)),
                        ops.multiply(z.value, weight))
        variable.assign(ops.add(ops.multiply(z.value, one_minus_beta_1),
                                ops.multiply(x_new, beta_1)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
