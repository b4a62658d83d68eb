"""Lion (``keras.optimizers.Lion``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


class Lion(Optimizer):
    """Lion: ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``, then
    ``m = beta_2 * m + (1 - beta_2) * g``; ``beta_1`` must be in (0, 1].

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Lion
        >>> w = kfront.Variable(np.zeros(2, "float32"))
        >>> _ = Lion(learning_rate=0.1).apply_gradients([(np.array([3.0, -0.5], "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist()
        [-0.1, 0.1]
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 beta_1: float = 0.9, beta_2: float = 0.99, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        if isinstance(beta_1, bool) or not isinstance(beta_1, (int, float)) or not (
                0 < beta_1 <= 1):
            raise ValueError(f"Lion: argument `beta_1` must be in the (0, 1] range. Otherwise, "
                             f"the optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        check_range(self, beta_2=beta_2)
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, var_list: Sequence) -> None:
        """Create the ``momentum`` slots."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate) -> None:
        m = self._momentums[self._get_variable_index(variable)]
        _, xp = self._scalars(variable.dtype)
        lr = xp.cast(learning_rate, variable.dtype)
        # (1 - beta) in float32, as Keras (its betas are cast to the variable's dtype first)
        beta_1, beta_2 = np.float32(self.beta_1), np.float32(self.beta_2)
        direction = ops.sign(ops.add(ops.multiply(m.value, float(beta_1)),
                                     ops.multiply(gradient, float(np.float32(1) - beta_1))))
        variable.assign_sub(ops.multiply(direction, lr))
        m.assign(ops.add(ops.multiply(m.value, float(beta_2)),
                         ops.multiply(gradient, float(np.float32(1) - beta_2))))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
