"""Adagrad (``keras.optimizers.Adagrad``)."""
from __future__ import annotations

from typing import Callable, Sequence

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


class Adagrad(Optimizer):
    """Adagrad: ``acc += g**2; w -= lr * g / sqrt(acc + epsilon)`` with ``acc`` starting at
    ``initial_accumulator_value``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Adagrad
        >>> w = kfront.Variable(np.zeros(1, "float32"))
        >>> opt = Adagrad(learning_rate=0.1, initial_accumulator_value=0.0)
        >>> _ = opt.apply_gradients([(np.full(1, 2.0, "float32"), w)])
        >>> round(float(w.numpy()[0]), 4)   # -0.1 * 2 / sqrt(4)
        -0.1
    """

    _kernel_name = "adagrad"

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list: Sequence) -> None:
        """Create one ``accumulator`` slot per variable, filled with
        ``initial_accumulator_value``."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))
        self._slots = [(a,) for a in self._accumulators]

    def _step_hyper(self, learning_rate: float, iteration: int) -> dict:
        return {"learning_rate": learning_rate, "epsilon": self.epsilon}

    def _update_step(self, gradient, variable, slots, hyper) -> None:
        accumulator = slots[0]
        accumulator.assign_add(ops.square(gradient))
        variable.assign_sub(ops.divide(ops.multiply(gradient, hyper["learning_rate"]),
                                       ops.sqrt(ops.add(accumulator.value, hyper["epsilon"]))))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
