"""RMSprop (``keras.optimizers.RMSprop``)."""
from __future__ import annotations

from typing import Callable, Sequence

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


class RMSprop(Optimizer):
    """RMSprop, Keras's formulas (epsilon inside the square root).

    ``velocity = rho * velocity + (1 - rho) * g**2``; with ``centered``
    ``avg = rho * avg + (1 - rho) * g`` and ``denominator = velocity - avg**2 + epsilon``, else
    ``velocity + epsilon``; ``increment = lr * g / sqrt(denominator)``; with ``momentum > 0``
    ``mom = momentum * mom + increment; w -= mom``, else ``w -= increment``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import RMSprop
        >>> w = kfront.Variable(np.zeros(1, "float32"))
        >>> opt = RMSprop(learning_rate=0.01)
        >>> _ = opt.apply_gradients([(np.ones(1, "float32"), w)])
        >>> round(float(w.numpy()[0]), 4)   # -0.01 / sqrt(0.1)
        -0.0316
    """

    _kernel_name = "rmsprop"

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list: Sequence) -> None:
        """Create all ``velocity`` slots, then ``momentum`` (if momentum > 0), then
        ``average_gradient`` (if centered) slots."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")
        lists = [self._velocities] + [s for s in (self._momentums, self._average_gradients) if s]
        self._slots = list(zip(*lists))

    def _step_hyper(self, learning_rate: float, iteration: int) -> dict:
        return {"learning_rate": learning_rate, "rho": self.rho, "one_minus_rho": 1 - self.rho,
                "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": bool(self.centered)}

    def _update_step(self, gradient, variable, slots, hyper) -> None:
        rho, eps = hyper["rho"], hyper["epsilon"]
        velocity = slots[0]
        velocity.assign(ops.add(ops.multiply(velocity.value, rho),
                                ops.multiply(ops.square(gradient), hyper["one_minus_rho"])))
        if hyper["centered"]:
            average_grad = slots[-1]
            average_grad.assign(ops.add(ops.multiply(average_grad.value, rho),
                                        ops.multiply(gradient, hyper["one_minus_rho"])))
            denominator = ops.add(ops.subtract(velocity.value, ops.square(average_grad.value)),
                                  eps)
        else:
            denominator = ops.add(velocity.value, eps)
        increment = ops.divide(ops.multiply(gradient, hyper["learning_rate"]),
                               ops.sqrt(denominator))
        if hyper["momentum"] > 0:
            momentum = slots[1]
            momentum.assign(ops.add(ops.multiply(momentum.value, hyper["momentum"]), increment))
            variable.assign_sub(momentum.value)
        else:
            variable.assign_sub(increment)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
