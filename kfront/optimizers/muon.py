"""Muon (``keras.optimizers.Muon``)."""
from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np

from kfront import ops
from kfront.optimizers import schedules
from kfront.optimizers.base_optimizer import Optimizer, base_arguments, check_range


def _swap_last_axes(x):
    axes = list(range(len(ops.shape(x))))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return ops.transpose(x, axes)


class Muon(Optimizer):
    """Muon (MomentUm Orthogonalized by Newton-Schulz), Keras's formulation: 2-D variables
    (except embeddings with ``exclude_embeddings`` and paths matching a regex of
    ``exclude_layers``) take ``m = momentum * m + g``, the direction ``g + momentum * m``
    (``m`` without ``nesterov``) orthogonalized by ``ns_steps`` quintic Newton-Schulz steps
    (coefficients ``muon_a, muon_b, muon_c``) and scaled by ``sqrt(max(n, m)) * rms_rate``;
    every other variable takes an AdamW step with ``learning_rate * adam_lr_ratio``. Weight
    decay: ``weight_decay`` for the Muon variables, ``adam_weight_decay`` for the others.
    Slots: ``momentum`` for every variable, then ``velocity`` for the AdamW ones (per variable).

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import Muon
        >>> k = kfront.Variable(np.eye(2, dtype="float32"), name="k")
        >>> b = kfront.Variable(np.zeros(2, "float32"), name="b")
        >>> opt = Muon(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.ones((2, 2), "float32"), k),
        ...                          (np.ones(2, "float32"), b)])
        >>> [v.name for v in opt.variables][2:]
        ['k_momentum', 'b_momentum', 'b_velocity']
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 adam_beta_1: float = 0.9, adam_beta_2: float = 0.999,
                 adam_weight_decay: float | None = 0.004, epsilon: float = 1e-7,
                 weight_decay: float | None = 0.004, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 exclude_layers: list[str] | None = None, exclude_embeddings: bool = True,
                 muon_a: float = 3.4445, muon_b: float = -4.7750, muon_c: float = 2.0315,
                 adam_lr_ratio: float = 1, momentum: float = 0.95, ns_steps: int = 5,
                 nesterov: bool = True, rms_rate: float | None = 0.2, **kwargs):
        super().__init__(**base_arguments(locals()))
        check_range(self, adam_beta_1=adam_beta_1, adam_beta_2=adam_beta_2, momentum=momentum)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(f"Muon: argument `ns_steps` must be an integer >= 0. Received: "
                             f"ns_steps={ns_steps!r}")
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable) -> bool:
        path = getattr(variable, "path", None) or variable.name
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, var_list: Sequence) -> None:
        """Create a ``momentum`` slot per variable and a ``velocity`` one for AdamW ones."""
        if self.built:
            return
        super().build(var_list)
        self.momentums: list = [None] * len(var_list)
        self.adam_velocities: list = [None] * len(var_list)
        for i, var in enumerate(var_list):
            if getattr(var, "overwrite_with_gradient", False):
                continue
            self.momentums[i] = self.add_variable_from_reference(var, name="momentum")
            if self._should_use_adamw(var):
                self.adam_velocities[i] = self.add_variable_from_reference(var, name="velocity")

    def update_step(self, gradient, variable, learning_rate) -> None:
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.adam_velocities[i]
        _, xp = self._scalars(variable.dtype)
        lr = xp.cast(learning_rate, variable.dtype)
        if v is not None:
            self._adamw_update_step(gradient, variable, xp.multiply(lr, self.adam_lr_ratio),
                                    m, v)
        else:
            self._muon_update_step(gradient, variable, lr, m)

    def _muon_update_step(self, gradient, variable, lr, m) -> None:
        m.assign_add(ops.add(gradient, ops.multiply(m.value, self.momentum - 1)))
        g = ops.add(gradient, ops.multiply(m.value, self.momentum)) if self.nesterov else \
            m.value
        update = ops.multiply(self.zeropower_via_newtonschulz5(g, self.ns_steps), lr)
        if self.rms_rate is not None:
            rows, cols = ops.shape(update)[:2]
            update = ops.multiply(ops.multiply(update, float(np.sqrt(np.float32(max(rows, cols))))),
                                  self.rms_rate)
        variable.assign_sub(update)

    def _adamw_update_step(self, gradient, variable, lr, m, v) -> None:
        dtype = variable.dtype
        t, xp = self._scalars(dtype)
        beta_1_power = xp.power(xp.cast(self.adam_beta_1, dtype), t)
        beta_2_power = xp.power(xp.cast(self.adam_beta_2, dtype), t)
        alpha = xp.divide(xp.multiply(lr, xp.sqrt(xp.subtract(1.0, beta_2_power))),
                          xp.subtract(1.0, beta_1_power))
        m.assign_add(ops.multiply(ops.subtract(gradient, m.value), 1 - self.adam_beta_1))
        v.assign_add(ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                  1 - self.adam_beta_2))
        variable.assign_sub(ops.divide(ops.multiply(m.value, alpha),
                                       ops.add(ops.sqrt(v.value), self.epsilon)))

    def zeropower_via_newtonschulz5(self, x, steps: int):
        """The quintic Newton-Schulz approximation of the orthogonal factor of ``x`` (its
        last two axes), as Keras."""
        shape = ops.shape(x)
        if len(shape) < 2:
            raise ValueError(f"Muon: expected a gradient or momentum of at least 2 dimensions. "
                             f"Received: shape={shape}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = shape[-2] > shape[-1]
        if tall:
            x = _swap_last_axes(x)
        x = ops.divide(x, ops.add(ops.norm(x, axis=(-2, -1), keepdims=True), 1e-7))
        for _ in range(steps):
            temp_a = ops.matmul(x, _swap_last_axes(x))
            temp_b = ops.add(ops.multiply(temp_a, b), ops.matmul(ops.multiply(temp_a, c), temp_a))
            x = ops.add(ops.multiply(x, a), ops.matmul(temp_b, x))
        return _swap_last_axes(x) if tall else x

    def _apply_weight_decay(self, variables, learning_rate: float | None = None) -> None:
        if learning_rate is None:
            learning_rate = self._current_learning_rate()
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            decay = (self.adam_weight_decay if self._should_use_adamw(variable)
                     else self.weight_decay)
            if decay is None:
                continue
            value = variable.value
            variable.assign(ops.subtract(value, ops.multiply(ops.multiply(value, decay),
                                                             learning_rate)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate})
        return config
