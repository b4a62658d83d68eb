"""LossScaleOptimizer (``keras.optimizers.LossScaleOptimizer``): dynamic loss scaling."""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from kfront import backends as _backends
from kfront import ops
from kfront.backends import tf_graph
from kfront.optimizers.base_optimizer import Optimizer, _run_if

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with a dynamic loss scale (as Keras 3): ``scale_loss``
    multiplies the loss by ``dynamic_scale``; ``apply`` divides the gradients by it and lets
    the inner optimizer update, unless a gradient is not finite: then the step is skipped and
    the scale halved. After ``dynamic_growth_steps`` finite steps in a row the scale doubles.
    Its variables: ``iteration``, ``learning_rate`` (unused), ``step_counter``,
    ``dynamic_scale``, then the inner optimizer's; ``iterations`` and ``learning_rate`` are the
    inner optimizer's.

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import SGD, LossScaleOptimizer
        >>> w = kfront.Variable(np.ones(2, "float32"))
        >>> opt = LossScaleOptimizer(SGD(learning_rate=0.5), initial_scale=4.0)
        >>> _ = opt.apply_gradients([(np.full(2, 4.0, "float32"), w)])   # the gradient of 4*loss
        >>> w.numpy().tolist(), float(opt.dynamic_scale.numpy())
        ([0.5, 0.5], 4.0)
        >>> _ = opt.apply_gradients([(np.array([np.inf, 1.0], "float32"), w)])  # skipped
        >>> w.numpy().tolist(), float(opt.dynamic_scale.numpy())
        ([0.5, 0.5], 2.0)
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, name: str | None = None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: argument `inner_optimizer` must be a kfront "
                            f"Optimizer. Received: inner_optimizer={inner_optimizer!r}")
        if isinstance(initial_scale, bool) or not isinstance(initial_scale, numbers.Real) or \
                not initial_scale > 0:
            raise ValueError(f"LossScaleOptimizer: argument `initial_scale` must be a number "
                             f"> 0. Received: initial_scale={initial_scale!r}")
        if isinstance(dynamic_growth_steps, bool) or not isinstance(
                dynamic_growth_steps, numbers.Integral) or dynamic_growth_steps < 1:
            raise ValueError(f"LossScaleOptimizer: argument `dynamic_growth_steps` must be an "
                             f"integer >= 1. Received: "
                             f"dynamic_growth_steps={dynamic_growth_steps!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list: Sequence) -> None:
        """Create ``step_counter`` and ``dynamic_scale``, then build the inner optimizer."""
        if self.built:
            return
        int_dtype = "int32" if _backends.active_name() == "jax" else "int64"
        self.step_counter = self.add_variable((), initializer="zeros", dtype=int_dtype,
                                              name="step_counter")
        self.dynamic_scale = self.add_variable((), initializer=float(self.initial_scale),
                                               dtype="float32", name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self) -> list:
        return self._variables + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence | None = None) -> None:
        """One step: unscale and apply finite gradients, or skip and halve the scale (in a
        traced TensorFlow graph, both as ``ops.cond`` branches, as Keras)."""
        grads = list(grads)
        self._build_for(trainable_variables, grads)
        present = [g for g in grads if g is not None]
        traced = tf_graph.has_graph_tensors(present)
        if traced:
            finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in present]))
        else:
            finite = all(bool(np.all(np.isfinite(ops.convert_to_numpy(g)))) for g in present)
        variables = trainable_variables or self.inner_optimizer._trainable_variables
        scale, counter = self.dynamic_scale, self.step_counter

        def apply_finite():
            unscaled = [g if g is None or getattr(v, "overwrite_with_gradient", False)
                        else ops.divide(g, scale.value) for g, v in zip(grads, variables)]
            self.inner_optimizer.apply(unscaled, trainable_variables=trainable_variables)
            last = self.dynamic_growth_steps - 1
            grow = (ops.equal(counter.value, last) if traced
                    else int(ops.convert_to_numpy(counter.value)) == last)
            _run_if(grow, lambda: self._rescale(0, 2.0), lambda: counter.assign_add(1))
        _run_if(finite, apply_finite, lambda: self._rescale(0, 0.5))

    def _rescale(self, counter: int, factor: float) -> None:
        self.step_counter.assign(counter)
        self.dynamic_scale.assign(ops.multiply(self.dynamic_scale.value, factor))

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (``initial_scale`` before the optimizer is built)."""
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return ops.multiply(loss, scale)

    def finalize_variable_values(self, var_list: Sequence) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        from kfront.optimizers import serialize
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None
                    ) -> "LossScaleOptimizer":
        from kfront.optimizers import deserialize
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
