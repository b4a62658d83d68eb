"""Stochastic gradient descent, with optional (Nesterov) momentum (``keras.optimizers.SGD``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments


class SGD(Optimizer):
    """Gradient descent with momentum, Keras's formulas.

    ``momentum == 0``: ``w -= lr * g``. Otherwise ``m = momentum * m - lr * g`` then
    ``w += m`` or, with ``nesterov=True``, ``w += momentum * m - lr * g``.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import SGD
        >>> w = kfront.Variable(np.array([1.0, 2.0], "float32"))
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     _ = opt.apply_gradients([(np.ones(2, "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist()
        [0.71, 1.71]
    """

    _kernel_name = "sgd"

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.01,
                 momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        super().__init__(**base_arguments(locals()))
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not (
                0 <= momentum <= 1):
            raise ValueError(f"SGD: `momentum` must be a float between [0, 1], "
                             f"got momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables: Sequence) -> None:
        """Create one ``momentum`` slot per variable (only when ``momentum != 0``)."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")
            self._slots = [(m,) for m in self.momentums]

    def _step_hyper(self, learning_rate: float, iteration: int) -> dict:
        # Keras casts momentum with ops.cast, which goes through float32 first
        return {"learning_rate": learning_rate, "momentum": float(np.float32(self.momentum)),
                "nesterov": bool(self.nesterov)}

    def _update_step(self, gradient, variable, slots, hyper) -> None:
        lr = hyper["learning_rate"]
        if not slots:
            variable.assign_sub(ops.multiply(gradient, lr))
            return
        m = slots[0]
        momentum = hyper["momentum"]
        m.assign(ops.subtract(ops.multiply(m.value, momentum), ops.multiply(gradient, lr)))
        if hyper["nesterov"]:
            variable.assign_add(ops.subtract(ops.multiply(m.value, momentum),
                                             ops.multiply(gradient, lr)))
        else:
            variable.assign_add(m.value)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
