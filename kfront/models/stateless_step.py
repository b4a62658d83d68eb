"""A stateless ``train_step(self, state, data)`` / ``test_step(self, state, data)``, as Keras's
JAX trainer runs it (keras-io's "customizing fit with JAX" guide).

The step takes the values of the model's state and returns ``(logs, new_state)``:
``state`` is ``(trainable_variables, non_trainable_variables, optimizer_variables,
metrics_variables)`` for ``train_step`` and ``(trainable_variables, non_trainable_variables,
metrics_variables)`` for ``test_step``, each a list of values in the order of
``model.trainable_variables``, ``model.non_trainable_variables``, ``optimizer.variables`` and
the ``variables`` of ``model.metrics`` (one after the other). ``StatelessStep`` reads those
values, calls the step through ``B.compile_stateful`` (``jax.jit`` on JAX, ``tf.function`` on
TensorFlow, unless ``run_eagerly``) and writes the new state back. On JAX the step uses
``jax.value_and_grad`` as in Keras; on every backend it may use ``kfront.ops.value_and_grad``.
"""
from __future__ import annotations

import inspect

from kfront import metrics_stateless, ops
from kfront.backends import B


def takes_state(step) -> bool:
    """Whether a bound ``train_step``/``test_step`` has the stateless ``(state, data)`` form
    (two required positional parameters; ``(data, extra=None)`` is the usual form)."""
    params = [p for p in inspect.signature(step).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(params) == 2


class StatelessStep:
    """``step(state, data)`` of ``model`` run on the model's Variables (see the module doc)."""

    def __init__(self, model, step):
        self.model, self.step = model, step
        self.train = step.__name__ == "train_step"
        self.compiled = None
        self.groups: list = []

    def _state_groups(self) -> list:
        """The Variables behind each part of ``state`` (metric variables read now, which
        writes a host-state metric's state into its mirror Variables)."""
        model = self.model
        groups = [list(model.trainable_variables), list(model.non_trainable_variables)]
        if self.train:
            optimizer = model.optimizer
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            groups.append(list(optimizer.variables))
        groups.append([v for m in model.metrics for v in m.variables])
        return groups

    def __call__(self, data, flush_every: int = 1):
        """The step's logs on ``data``, after writing its new state to the Variables
        (``flush_every`` is the compiled steps' argument; a stateless step never waits)."""
        groups = self._state_groups()
        if self.compiled is None or [[id(v) for v in g] for g in groups] != self.groups:
            self.groups = [[id(v) for v in g] for g in groups]
            self.compiled = B.compile_stateful(self._stateful(groups),
                                               [v for g in groups for v in g],
                                               self.model._use_jit())
        logs = self.compiled(data)
        from kfront.models.compile_metrics import flat_metrics
        for metric in flat_metrics(self.model.metrics):
            if metrics_stateless._MIRROR in metric.__dict__:
                metrics_stateless.pull(metric)
        return logs

    def flush(self, keep: int = 0) -> None:
        """Nothing waits in a stateless step (``fit`` flushes compiled steps at epoch end)."""
        return None

    def _stateful(self, groups):
        """The step as a function of ``data`` that reads and assigns the Variables."""
        def run(data):
            state = tuple([ops.convert_to_tensor(v) for v in g] for g in groups)
            logs, new_state = self.step(state, data)
            if len(new_state) != len(groups):
                raise ValueError(
                    f'Model "{self.model.name}": {self.step.__name__}(state, data) must return '
                    f"(logs, state) with a state of {len(groups)} lists, as it was given; got "
                    f"{len(new_state)}")
            for group, values in zip(groups, new_state):
                for variable, value in zip(group, values):
                    variable.assign(value)
            return logs
        run.__name__ = self.step.__name__
        return run
