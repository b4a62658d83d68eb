"""``MultiOptimizer`` and ``OptimizerMap`` (``keras.optimizers``): one optimizer per group of
variables."""
from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Callable, Iterator, Sequence

from kfront.optimizers.base_optimizer import Optimizer
from kfront.optimizers.loss_scale_optimizer import LossScaleOptimizer


def _check_inner(optimizer, what: str) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{what} must be a kfront Optimizer instance. Received: {optimizer!r}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"{what} cannot be a LossScaleOptimizer (wrap the MultiOptimizer "
                         f"instead). Received: {optimizer!r}")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{what} cannot be a MultiOptimizer. Received: {optimizer!r}")


class OptimizerMap(MutableMapping):
    """Variable path (an exact key, else a regex that fully matches) -> optimizer, with a
    default; called with a variable it returns that variable's optimizer.

    Example:
        >>> from kfront.optimizers import SGD, Adam, OptimizerMap
        >>> m = OptimizerMap(SGD(), {"dense/.*": Adam()})
        >>> type(m["dense/kernel"]).__name__, type(m["other/bias"]).__name__
        ('Adam', 'SGD')
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict | None = None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"OptimizerMap: `default_optimizer` must be a kfront Optimizer "
                            f"instance. Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"OptimizerMap: `optimizer_map` must be a dictionary. Received: "
                            f"{optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map: dict = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"OptimizerMap: multiple optimizers assigned to variable {key!r} "
                             f"(patterns {matching}).")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: a key must be a string. Received: {key!r}")
        if key in self._optimizer_map:
            raise ValueError(f"OptimizerMap: {key!r} already exists with value "
                             f"{self._optimizer_map[key]!r}; keys must not repeat.")
        _check_inner(optimizer, f"OptimizerMap: the optimizer for {key!r}")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict:
        from kfront.optimizers import serialize
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "OptimizerMap":
        from kfront.optimizers import deserialize
        return cls(deserialize(config["default_optimizer"], custom_objects=custom_objects),
                   {k: deserialize(v, custom_objects=custom_objects)
                    for k, v in (config.get("optimizer_map") or {}).items()})


class MultiOptimizer(Optimizer):
    """Updates each variable with the optimizer ``optimizer_map(variable)`` gives (an
    ``OptimizerMap`` or any callable). Its variables: its own ``iteration`` and
    ``learning_rate`` (unused), then each inner optimizer's, in order of first use;
    ``learning_rate`` is not accessible (it is per inner optimizer).

    Example:
        >>> import numpy as np, kfront
        >>> from kfront.optimizers import SGD, MultiOptimizer, OptimizerMap
        >>> a = kfront.Variable(np.ones(2, "float32"), name="a")
        >>> b = kfront.Variable(np.ones(2, "float32"), name="b")
        >>> opt = MultiOptimizer(OptimizerMap(SGD(0.5), {"a": SGD(0.1)}))
        >>> _ = opt.apply_gradients([(np.ones(2, "float32"), a), (np.ones(2, "float32"), b)])
        >>> a.numpy().astype(float).round(4).tolist(), b.numpy().tolist()
        ([0.9, 0.9], [0.5, 0.5])
    """

    def __init__(self, optimizer_map: OptimizerMap | Callable,
                 loss_scale_factor: float | None = None, name: str | None = None):
        if not callable(optimizer_map):
            raise TypeError(f"MultiOptimizer: `optimizer_map` must be an OptimizerMap or a "
                            f"callable variable -> optimizer. Received: {optimizer_map!r}")
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers: list = []
        inner = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in inner + ([default] if default is not None else []):
            if all(opt is not o for o in self._inner_optimizers):
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value) -> None:
        self._loss_scale_factor = value
        for opt in getattr(self, "_inner_optimizers", ()):
            opt.loss_scale_factor = value

    def _index(self, optimizer) -> int:
        return next(i for i, o in enumerate(self._inner_optimizers) if o is optimizer)

    def build(self, var_list: Sequence) -> None:
        """Assign each variable its optimizer and build each inner optimizer on its own."""
        if self.built:
            return
        var_list = list(var_list)
        self._var_to_optimizer_idx: dict = {}
        groups: dict = {}
        for var in var_list:
            opt = self._optimizer_map(var)
            _check_inner(opt, f"MultiOptimizer: the optimizer for variable {var.path!r}")
            if all(opt is not o for o in self._inner_optimizers):
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
            idx = self._index(opt)
            self._var_to_optimizer_idx[id(var)] = idx
            groups.setdefault(idx, []).append(var)
        for idx, opt in enumerate(self._inner_optimizers):
            if idx in groups:
                opt.build(groups[idx])
        super().build(var_list)

    @property
    def optimizers(self) -> list:
        """The inner optimizers."""
        return self._inner_optimizers

    @property
    def variables(self) -> list:
        out = self._variables[:]
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    @property
    def learning_rate(self):
        raise AttributeError("MultiOptimizer: the learning rate cannot be accessed on a "
                             "MultiOptimizer; use those of its `optimizers`.")

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        raise AttributeError("MultiOptimizer: the learning rate cannot be set on a "
                             "MultiOptimizer; set those of its `optimizers`.")

    def apply(self, grads: Sequence, trainable_variables: Sequence | None = None) -> None:
        """Split ``grads`` by optimizer; each inner optimizer applies its share."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("MultiOptimizer: when passing `grads` without `variables`, "
                                 "the optimizer must already be built on a list of variables. "
                                 "Call `optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self._build_for(trainable_variables, grads)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"MultiOptimizer: gradients must match trainable variables one "
                             f"to one. Received {len(grads)} gradients and "
                             f"{len(trainable_variables)} variables.")
        shares: list = [([], []) for _ in self._inner_optimizers]
        for grad, var in zip(grads, trainable_variables):
            if id(var) not in self._var_to_optimizer_idx:
                raise ValueError(f"MultiOptimizer: unknown variable {var.path!r}: it was not "
                                 f"among the variables the optimizer was built with.")
            g, v = shares[self._var_to_optimizer_idx[id(var)]]
            g.append(grad)
            v.append(var)
        for opt, (g, v) in zip(self._inner_optimizers, shares):
            if g:
                opt.apply(g, v)
        self._iterations.assign_add(1)
        self._iterations_seen = None

    def finalize_variable_values(self, var_list: Sequence) -> None:
        groups: dict = {}
        for var in var_list:
            groups.setdefault(self._var_to_optimizer_idx[id(var)], []).append(var)
        for idx, variables in groups.items():
            self._inner_optimizers[idx].finalize_variable_values(variables)

    def set_weights(self, weights: Sequence) -> None:
        """Set its own variables, then each inner optimizer's, from arrays."""
        if not self.built:
            raise ValueError("MultiOptimizer: set_weights() called before the optimizer is "
                             "built; call optimizer.build(trainable_variables) first.")
        weights = list(weights)
        if len(weights) != len(self.variables):
            raise ValueError(f"MultiOptimizer: expected {len(self.variables)} weights, got "
                             f"{len(weights)}")
        for variable, w in zip(self.variables, weights):
            variable.assign(w)

    def get_config(self) -> dict:
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise NotImplementedError("MultiOptimizer: only a MultiOptimizer built on an "
                                      "OptimizerMap can be serialized (this one has a "
                                      f"{type(self._optimizer_map).__name__}).")
        return {"optimizer_map": {"module": "keras.optimizers", "class_name": "OptimizerMap",
                                  "config": self._optimizer_map.get_config(),
                                  "registered_name": None},
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "MultiOptimizer":
        config = dict(config)
        mapping = config.pop("optimizer_map")
        if isinstance(mapping, dict):
            mapping = OptimizerMap.from_config(mapping.get("config", mapping),
                                               custom_objects=custom_objects)
        return cls(mapping, **config)
