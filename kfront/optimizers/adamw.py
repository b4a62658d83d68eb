"""AdamW (``keras.optimizers.AdamW``)."""
from __future__ import annotations

from typing import Callable

from kfront.optimizers import schedules
from kfront.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay (``w -= w * weight_decay * lr`` before each update);
    ``weight_decay`` defaults to 0.004 and must be a float.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import AdamW
        >>> w = kfront.Variable(np.ones(2, "float32"))
        >>> _ = AdamW(learning_rate=0.1, weight_decay=0.5).apply_gradients(
        ...     [(np.zeros(2, "float32"), w)])
        >>> w.numpy().astype(float).round(4).tolist()   # 1 - 1 * 0.5 * 0.1, then a zero Adam step
        [0.95, 0.95]
    """

    def __init__(self, learning_rate: float | schedules.LearningRateSchedule | Callable = 0.001,
                 weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
