"""FTRL-proximal (``keras.optimizers.Ftrl``)."""
from __future__ import annotations

from typing import Callable, Sequence

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


class Ftrl(Optimizer):
    """Follow The Regularized Leader, Keras's formulas: per step ``n' = n + g**2``,
    ``z += g + 2 * l2_shrinkage * w - (n'**-p - n**-p) / lr * w`` (``p`` the
    ``learning_rate_power``), ``w = (clip(z, -l1, l1) - z) / (n'**-p / lr + 2 * l2)`` with
    ``l2 = l2_regularization_strength + beta / (2 lr)``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Ftrl
        >>> w = kfront.Variable(np.zeros(2, "float32"), name="w")
        >>> opt = Ftrl(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([1.0, -1.0], "float32"), w)])
        >>> [v.name for v in opt.variables][2:]
        ['w_accumulator', 'w_linear']
        >>> Ftrl(learning_rate_power=0.5)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Ftrl: `learning_rate_power` needs to be negative or zero. Received: ...
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        for key, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: `{key}` needs to be positive or zero. Received: "
                                 f"{key}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(f"Ftrl: `learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list: Sequence) -> None:
        """Create ``accumulator`` (at ``initial_accumulator_value``) and ``linear`` slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        accum, linear = self._accumulators[i], self._linears[i]
        lr = ops.cast(learning_rate, variable.dtype)
        power = -self.learning_rate_power
        l2_reg = ops.add(ops.divide(self.beta, ops.multiply(lr, 2.0)),
                         self.l2_regularization_strength)
        w = variable.value
        grad_to_use = ops.add(gradient, ops.multiply(
            w, 2 * self.l2_shrinkage_regularization_strength))
        new_accum = ops.add(accum.value, ops.square(gradient))
        new_accum_power = ops.power(new_accum, power)
        linear.assign_add(ops.subtract(grad_to_use, ops.multiply(ops.divide(
            ops.subtract(new_accum_power, ops.power(accum.value, power)), lr), w)))
        quadratic = ops.add(ops.divide(new_accum_power, lr), ops.multiply(l2_reg, 2.0))
        l1 = self.l1_regularization_strength
        linear_clipped = ops.clip(linear.value, -l1, l1)
        variable.assign(ops.divide(ops.subtract(linear_clipped, linear.value), quadratic))
        accum.assign(new_accum)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config
