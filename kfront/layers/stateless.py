"""Keras 3's stateless API: ``StatelessScope``, ``Layer.stateless_call`` and
``Optimizer.stateless_apply``, on every backend.

Inside a ``StatelessScope`` the Variables of its ``state_mapping`` hold the values given, and
their values at the end of the scope are read with ``get_current_value``; on exit every mapped
Variable gets its old value back. On JAX the Variables are bound to the values themselves
(which may be tracers: this is how ``jax.grad`` / ``jax.jit`` see through ``stateless_call``,
see ``kfront.backends.jax.core.state_scope``), and a Variable assigned inside without being
mapped is restored too. The other backends' Variables own their storage (a ``tf.Variable``, a
torch ``Parameter``, a NumPy buffer): the values are assigned in and the old ones assigned back,
so the results are the stateful ones, but gradients do not flow from the mapped values (use the
framework's tape on the Variables, or ``kfront.ops.value_and_grad``, there).

Random layers (Dropout, noise) keep their ``SeedGenerator`` state among the non-trainable
variables, as Keras. Eager calls draw on the host and leave it; in a ``StatelessScope`` that
holds the state (``stateless_call``, eager or traced by ``jax.jit`` / ``tf.function``) each
draw keys on the state and advances it, as Keras's: the state returned has moved on, a loop fed
its previous state draws anew at every call, and the same state given again draws the same
values.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from kfront import config, ops
from kfront.backends.common import random
from kfront.backends.common.variables import KVariable


class StatelessScope:
    """Run code with Variables set to given values, leaving the Variables unchanged
    (``keras.StatelessScope``).

    Args:
        state_mapping: pairs ``(variable, value)``; each value (a tensor, an array or a
            Variable) is cast to the variable's dtype and must have its shape.
        collect_losses: Keras collects ``add_loss`` losses in the scope; kfront does not
            (``True`` raises NotImplementedError): read ``layer.losses`` inside the scope, or
            use ``layer.stateless_call(..., return_losses=True)``.
        initialize_variables: accepted for Keras compatibility; kfront Variables are
            initialized when they are created, so there is nothing to do.

    Example:
        >>> import numpy as np, kfront
        >>> v = kfront.Variable(np.zeros(2, "float32"))
        >>> with kfront.StatelessScope([(v, np.ones(2, "float32"))]) as scope:
        ...     v.assign_add(np.ones(2, "float32"))
        >>> kfront.ops.convert_to_numpy(scope.get_current_value(v)).tolist(), v.numpy().tolist()
        ([2.0, 2.0], [0.0, 0.0])
    """

    def __init__(self, state_mapping: Iterable | None = None, collect_losses: bool = False,
                 initialize_variables: bool = True):
        if collect_losses:
            raise NotImplementedError(
                "StatelessScope(collect_losses=True) is not supported by kfront: read "
                "layer.losses inside the scope, or call "
                "layer.stateless_call(..., return_losses=True)")
        self.collect_losses = False
        self.initialize_variables = initialize_variables
        self.losses: list = []
        self._mapping: list = []
        for item in state_mapping or ():
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise ValueError("StatelessScope: state_mapping must hold (variable, value) "
                                 f"pairs; got {item!r}")
            variable, value = item
            if not isinstance(variable, KVariable):
                raise ValueError("StatelessScope: every key of state_mapping must be a kfront "
                                 f"Variable; got {type(variable).__name__} {variable!r}")
            value = ops.cast(value.value if isinstance(value, KVariable) else value,
                             variable.dtype)
            if tuple(ops.shape(value)) != tuple(variable.shape):
                raise ValueError(f"StatelessScope: the value for Variable {variable.path!r} "
                                 f"has shape {tuple(ops.shape(value))}; expected the variable's "
                                 f"shape {tuple(variable.shape)}")
            self._mapping.append((variable, value))
        self._current: dict | None = None
        self._bound = None  # JAX: the open state_scope; others: the saved values

    def __enter__(self) -> "StatelessScope":
        variables = [v for v, _ in self._mapping]
        if config.backend() == "jax":
            from kfront.backends.jax import core
            # copies: an update inside may donate a Variable's buffer (fused kernels, compiled
            # steps), and the caller's arrays must survive it (under jax.jit a copy is free)
            self._context = core.state_scope(variables, [ops.copy(x) for _, x in self._mapping])
            self._bound = self._context.__enter__()
        else:
            self._bound = [_snapshot(v) for v in variables]
            for v, x in self._mapping:
                v.assign(x)
        self._holding = random.holding(variables)  # seed states held: draws key on them
        self._holding.__enter__()
        self._current = None
        return self

    def __exit__(self, *exc) -> None:
        self._holding.__exit__(*exc)
        variables = [v for v, _ in self._mapping]
        if config.backend() == "jax":
            current = {v: v._value for v in variables}
            current.update(self._bound.updates())
            self._context.__exit__(*exc)
        else:
            current = {v: _snapshot(v) for v in variables}
            for v, old in zip(variables, self._bound):
                v.assign(old)
        self._current = {id(v): x for v, x in current.items()}
        self._bound = None

    def get_current_value(self, variable: KVariable):
        """The variable's value inside the scope (its final one after the scope ended);
        ``None`` for a Variable the scope does not hold."""
        if self._bound is not None:
            known = {id(v) for v, _ in self._mapping}
            if config.backend() == "jax":
                known |= {id(v) for v in self._bound.assigned}
            return variable.value if id(variable) in known else None
        return (self._current or {}).get(id(variable))


def _snapshot(variable: KVariable):
    """A copy of the variable's value that later assignments do not change."""
    return ops.copy(ops.stop_gradient(variable.value))


def _check_values(owner: str, what: str, values: Sequence, variables: Sequence,
                  reference: str) -> None:
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"{owner}: argument `{what}` must be a list of tensors, one per "
                         f"variable of {reference}; got {type(values).__name__}")
    if len(values) != len(variables):
        raise ValueError(f"{owner}: argument `{what}` must be a list of tensors "
                         f"corresponding 1:1 to {reference}. Received a list of length "
                         f"{len(values)}, but expected {len(variables)} variables.")


def stateless_call(layer, trainable_variables: Sequence, non_trainable_variables: Sequence,
                   *args, return_losses: bool = False, **kwargs):
    """``layer(*args, **kwargs)`` with its variables set to the given values, without
    changing them: ``(outputs, non_trainable_variables)`` (with ``losses`` third when
    ``return_losses``); see ``Layer.stateless_call``."""
    owner = f'{type(layer).__name__} "{layer.name}".stateless_call'
    if not layer.built:
        raise ValueError(f"{owner}: the layer must be built (its variables must exist) before "
                         "stateless_call; build it by calling it on some data")
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    _check_values(owner, "trainable_variables", trainable_variables, trainable,
                  "layer.trainable_variables")
    _check_values(owner, "non_trainable_variables", non_trainable_variables, non_trainable,
                  "layer.non_trainable_variables")
    mapping = (list(zip(trainable, trainable_variables))
               + list(zip(non_trainable, non_trainable_variables)))
    losses = None
    with StatelessScope(mapping) as scope:
        outputs = layer(*args, **kwargs)
        if return_losses:
            losses = layer.losses
    new_non_trainable = [scope.get_current_value(v) for v in non_trainable]
    if return_losses:
        return outputs, new_non_trainable, losses
    return outputs, new_non_trainable


def stateless_apply(optimizer, optimizer_variables: Sequence, grads: Sequence,
                    trainable_variables: Sequence) -> tuple[list, list]:
    """One optimizer step on values: ``(trainable_variables, optimizer_variables)`` updated;
    see ``Optimizer.stateless_apply``."""
    owner = f'{type(optimizer).__name__} "{optimizer.name}".stateless_apply'
    if not optimizer.built:
        raise ValueError(f"{owner}: the optimizer must be built (its variables must exist); "
                         "build it with optimizer.build(trainable_variables)")
    model_variables, own = optimizer._trainable_variables, optimizer.variables
    _check_values(owner, "optimizer_variables", optimizer_variables, own,
                  "optimizer.variables")
    _check_values(owner, "trainable_variables", trainable_variables, model_variables,
                  "the trainable variables the optimizer was built with")
    _check_values(owner, "grads", grads, model_variables,
                  "the trainable variables the optimizer was built with")
    mapping = list(zip(model_variables, trainable_variables)) + list(zip(own,
                                                                        optimizer_variables))
    with StatelessScope(mapping) as scope:
        optimizer._apply_traceable(list(grads))
    return ([scope.get_current_value(v) for v in model_variables],
            [scope.get_current_value(v) for v in own])
