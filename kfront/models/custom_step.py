"""A user's ``train_step(self, data)`` / ``test_step(self, data)`` compiled like the built-in step.

Keras compiles an overridden step (``tf.function`` on TensorFlow, ``jax.jit`` on JAX) unless
``run_eagerly``. A kfront step is written as on TensorFlow and torch: it updates the optimizer,
the metrics and the Variables in place. To compile it, ``CompiledStep`` traces it once through
``B.compile_stateful`` (which passes the Variables in and out on JAX, Keras's stateless
treatment) with the host-side parts moved out of the trace:

- ``optimizer.apply`` (and ``apply_gradients``) runs the optimizer's traceable update
  (``Optimizer._update_in_graph``) with the per-step values (learning rate, Adam's step size)
  passed in as arguments, computed on the host before each call as the built-in step does;
- a metric's ``update_state`` (and the model's ``compute_metrics``) is recorded: its tensor
  arguments become outputs of the compiled call, and the update runs on the host after it, in
  the order the step made them. A ``Sum``, ``Mean`` or ``MeanMetricWrapper`` metric whose
  function has a traceable twin (the accuracy family, kfront's losses) is instead updated in
  the trace: the step computes what the batch adds to its ``total`` and ``count`` (float32
  sums, as Keras's metric variables), and the host adds those numbers, all of a step's in one
  array, instead of converting the batch's targets and outputs and evaluating the metric;
- ``metric.result()`` and ``get_metrics_result()`` give placeholders, replaced in the returned
  logs by the results after those updates.

``fit`` lets the host part of a few steps wait (``flush_every``; the progress bar without
batch logs and no callback reading them): the device then runs ahead of Python, as in the
built-in step, instead of waiting for each step's results.

The first call runs eagerly (it builds the optimizers' slots and resolves the compiled
metrics); the compiled function is traced on the second. A step that cannot be traced this way
(a host read of a tensor, an optimizer with clipping or EMA, an optimizer applied twice, a
metric outside ``model.metrics``...) warns once and runs eagerly, as it did before. Only the
JAX and TensorFlow backends compile (torch's ``torch.compile`` and the native engine run the
step eagerly). A model whose variables a ``tf.distribute`` strategy made runs the step on each
of its replicas, traced in the same ``tf.function`` around ``strategy.run``, as Keras runs it
(``kfront.distribution.replicated_custom_step``): every replica's metric updates run on the
host after the call, the optimizers update the mirrored variables once with the replicas'
summed gradients, and the replicas' logs are merged (``merge_replica_logs``).
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from kfront import config, losses, metrics_stateless, ops
from kfront import distribution as distribution_lib
from kfront.backends import B
from kfront.backends.common import tree


class _CannotCompile(Exception):
    """The step does something that has no compiled form here."""


class _Result:
    """Placeholder for ``metric.result()`` (``key``: an entry of a dict result) in a trace."""

    def __init__(self, metric, key=None):
        self.metric, self.key = metric, key

    def value(self):
        result = self.metric.result()
        return result if self.key is None else result[self.key]


class CompiledStep:
    """``step(data)`` (a model's bound ``train_step``/``test_step``) through the backend's
    compiler, with Keras's ``run_eagerly``/``jit_compile`` semantics (see the module doc)."""

    def __init__(self, model, step):
        self.model, self.step = model, step
        self.calls = 0
        self.eager = config.backend() not in ("jax", "tensorflow")
        self.compiled: dict = {}
        self.trace: dict = {}  # what the latest trace left on the host (see _traced)
        self.pending: list = []  # (trace, outputs) of compiled calls whose host part waits

    def __call__(self, data, flush_every: int = 1):
        """The step's logs on ``data``; with ``flush_every`` > 1 the host part (metric
        updates, logs) waits until that many steps are pending, and then runs for all but
        the newest, whose results the device may still be computing: the logs of the newest
        step processed, ``None`` when none was."""
        if self.eager or not self.model._use_jit() or not distribution_lib.reduces_in_step():
            self.flush()  # JAX across processes: its all-reduce is not traceable
            return self._eager(data)
        self.calls += 1
        if self.calls == 1:
            return self._eager(data)  # builds optimizer slots, resolves compiled metrics
        optimizers = self._optimizers() if self.step.__name__ == "train_step" else []
        if any(not opt._can_update_in_graph(opt._trainable_variables) for opt in optimizers):
            return self._give_up("an optimizer updates outside a compiled step (clipping, "
                                 "EMA, weight decay, loss scaling or gradient accumulation)",
                                 data)
        begun = {id(opt): opt._begin_step() for opt in optimizers}
        per_step, key = [], []
        for opt in optimizers:
            hyper = begun[id(opt)][1]
            dtype = opt._trainable_variables[0].dtype
            per_step.append({k: np.asarray(hyper[k], dtype)
                             for k in opt._per_step_hyper if k in hyper})
            key.append(tuple(sorted((k, v) for k, v in hyper.items()
                                    if k not in opt._per_step_hyper)))
        key = tuple(key)
        if key not in self.compiled:
            fixed = [{k: v for k, v in begun[id(opt)][1].items()
                      if k not in opt._per_step_hyper} for opt in optimizers]
            state = list(self.model.variables)
            for opt in optimizers:
                state.extend(opt.variables)
            distribution_lib.distribute_state(state, optimizers)  # on a device mesh (JAX)
            self.compiled[key] = B.compile_stateful(
                self._traced_fn(optimizers, fixed), state, self.model._use_jit())
            try:  # the first call traces: a step that cannot be traced runs eagerly
                outputs = self.compiled[key](data, per_step)
            except Exception as e:  # noqa: BLE001 (the eager run raises the user's errors)
                return self._give_up(f"{type(e).__name__}: {e}", data)
        else:
            outputs = self.compiled[key](data, per_step)
        for opt in self.trace["applied"]:
            opt._advance(begun[id(opt)][0], assign=False)
        self.pending.append((self.trace, outputs))
        if len(self.pending) < flush_every:
            return None
        return self.flush(keep=1 if flush_every > 1 else 0)

    def flush(self, keep: int = 0) -> dict | None:
        """Run the waiting host parts (oldest first) but the newest ``keep``; the logs of the
        last one run (``None`` when none was)."""
        done = self.pending[:len(self.pending) - keep]
        del self.pending[:len(done)]
        logs = None
        for trace, (log_tensors, recorded) in done:
            logs = self._host_part(trace, log_tensors, recorded)
        return logs

    def _give_up(self, reason: str, data):
        warnings.warn(f'Model "{self.model.name}": {self.step.__name__} runs eagerly: it '
                      f"cannot be compiled ({reason}). Pass run_eagerly=True to compile() to "
                      "silence this warning.", RuntimeWarning, stacklevel=4)
        self.eager = True
        self.flush()
        return self._eager(data)

    def _eager(self, data):
        """The step run eagerly; across processes (a multi-process ``DataParallel``) its
        ``optimizer.apply`` averages the gradients first; on each replica of the
        ``tf.distribute`` strategy that made the model's variables, as Keras runs it there."""
        if distribution_lib.replica_count(self.model):
            return distribution_lib.replicated_custom_step(
                self.step, self.model, self._optimizers(built=False))(data)
        with distribution_lib.averaging_apply(self.model):
            return self.step(data)

    def _optimizers(self, built: bool = True) -> list:
        """The model's optimizer and every Optimizer among its attributes (only the built
        ones with ``built``)."""
        from kfront.optimizers.base_optimizer import Optimizer
        out = []
        for value in [getattr(self.model, "optimizer", None), *vars(self.model).values()]:
            if isinstance(value, Optimizer) and (value.built or not built) and value not in out:
                out.append(value)
        return out

    def _traced_fn(self, optimizers, fixed):
        """The function compiled: the step with the host parts intercepted; returns the
        step's tensor logs and the tensors the host updates need."""
        replicated = bool(distribution_lib.replica_count(self.model))
        step = (distribution_lib.replicated_custom_step(self.step, self.model, optimizers,
                                                        merged=False)
                if replicated else self.step)  # then: each replica's logs

        def traced(data, per_step):
            recorder = _Recorder()
            hypers = {id(opt): {**f, **p} for opt, f, p in zip(optimizers, fixed, per_step)}
            with recorder.intercept(self.model, optimizers, hypers):
                logs = step(data)
            leaves, spec = tree.flatten(logs)
            is_tensor = [ops.is_tensor(x) for x in leaves]
            tensors = list(recorder.tensors)
            if recorder.added:  # every in-trace metric increment of the step in one array
                tensors.append(ops.stack(recorder.added))
            self.trace = {"spec": spec, "is_tensor": is_tensor, "applied": recorder.applied,
                          "static": [None if t else x for x, t in zip(leaves, is_tensor)],
                          "calls": recorder.calls, "added": bool(recorder.added),
                          "replicated": replicated}
            return [x for x, t in zip(leaves, is_tensor) if t], tensors
        traced.__name__ = self.step.__name__
        return traced

    def _host_part(self, trace: dict, log_tensors, recorded):
        """Run a call's recorded host updates with its values, then build its logs (merged
        over a strategy's replicas)."""
        added = np.asarray(recorded[-1]) if trace["added"] else None
        for kind, *call in trace["calls"]:
            if kind == "add":  # a metric updated in the trace: its state + the increments
                metric, start, count = call
                _add_to_state(metric, added[start:start + count])
                continue
            fn, spec, static, positions = call
            leaves = list(static)
            for i, j in positions:
                leaves[i] = recorded[j]
            args, kwargs = tree.unflatten(spec, leaves)
            fn(*args, **kwargs)
        tensors = iter(log_tensors)
        leaves = [next(tensors) if t else s for s, t in zip(trace["static"], trace["is_tensor"])]
        leaves = [x.value() if isinstance(x, _Result) else x for x in leaves]
        logs = tree.unflatten(trace["spec"], leaves) if trace["spec"] is not None \
            else leaves[0]
        return (distribution_lib.merge_replica_logs(self.model, logs) if trace["replicated"]
                else logs)


class _Recorder:
    """Intercepts the host-side calls of a step while it is traced."""

    def __init__(self):
        # ("call", fn, spec, static leaves, [(leaf index, tensor index)]) for a host call,
        # ("add", metric, start, count) for increments at added[start:start + count]
        self.calls: list = []
        self.tensors: list = []   # tensors the recorded calls take
        self.added: list = []     # float32 scalars that in-trace metric updates add
        self.applied: list = []   # optimizers applied in the step

    def defer(self, fn, *args, **kwargs) -> None:
        leaves, spec = tree.flatten((args, kwargs))
        static, positions = [], []
        for i, x in enumerate(leaves):
            if ops.is_tensor(x):
                positions.append((i, len(self.tensors)))
                self.tensors.append(x)
                static.append(None)
            else:
                static.append(x)
        self.calls.append(("call", fn, spec, static, positions))

    def update(self, metric, update_state, *args, **kwargs) -> None:
        """``metric.update_state(*args, **kwargs)`` in a trace: in the trace where the metric
        has a traceable twin (its increments recorded), else on the host after the call."""
        kind = _traced_kind(metric)
        if kind is None:
            return self.defer(update_state, *args, **kwargs)
        zeros = [ops.zeros((), metric.dtype) for _ in metrics_stateless._state_names(kind)]
        try:
            increments = metrics_stateless._host_state_update(metric, kind, zeros, args, kwargs)
        except Exception:  # noqa: BLE001 (the host update raises the user's errors)
            return self.defer(update_state, *args, **kwargs)
        self.calls.append(("add", metric, len(self.added), len(increments)))
        self.added.extend(ops.cast(t, "float32") for t in increments)

    @contextlib.contextmanager
    def intercept(self, model, optimizers, hypers):
        patched = []

        def patch(obj, name, fn):
            obj.__dict__[name] = fn
            patched.append((obj, name))

        from kfront.models.compile_metrics import CompileMetrics
        for metric in model.metrics:
            if isinstance(metric, CompileMetrics):  # its own update calls the patched ones
                patch(metric, "update_state", metric._update)
                for inner in metric.metrics:
                    patch(inner, "update_state", lambda *a, _m=inner, _f=inner.update_state,
                          **k: self.update(_m, _f, *a, **k))
            else:
                patch(metric, "update_state", lambda *a, _m=metric, _f=metric.update_state,
                      **k: self.update(_m, _f, *a, **k))
            patch(metric, "result", lambda _m=metric, _r=metric.result: _placeholders(_m, _r))
        patch(model, "compute_metrics", lambda *a, _f=model.compute_metrics, **k: (
            self.defer(_f, *a, **k), model.get_metrics_result())[1])
        patch(model, "get_metrics_result", lambda: _metric_placeholders(model))
        for opt in optimizers:
            patch(opt, "apply", lambda grads, trainable_variables=None, _o=opt:
                  self._apply(_o, grads, trainable_variables, hypers[id(_o)]))
        try:
            yield
        finally:
            for obj, name in patched:
                del obj.__dict__[name]

    def _apply(self, opt, grads, variables, hyper) -> None:
        variables = opt._trainable_variables if variables is None else list(variables)
        grads = list(grads)
        if opt in self.applied:
            raise _CannotCompile(f"optimizer {opt.name!r} is applied twice in one step")
        if [id(v) for v in variables] != [id(v) for v in opt._trainable_variables] or \
                any(g is None for g in grads):
            raise _CannotCompile(f"optimizer {opt.name!r} updates other variables than those "
                                 "it was built with, or gets None gradients")
        self.applied.append(opt)
        opt._update_in_graph(distribution_lib.average_gradients(grads), variables, hyper)


def _traced_kind(metric) -> str | None:
    """``"sum"``, ``"mean"`` or ``"wrapper"`` for a metric the trace can update (a
    MeanMetricWrapper's function must have a traceable twin: the accuracy family, kfront's
    losses); ``None`` for one updated on the host."""
    kind = metrics_stateless._kind(metric)
    if kind == "wrapper":
        fn = metric._fn
        if not (fn in metrics_stateless._ops_twins() or isinstance(fn, losses.LossFunctionWrapper)
                or losses.host_function(fn) is not None):
            return None
    return kind


def _add_to_state(metric, increments) -> None:
    """Add a step's in-trace increments to a host-state metric's ``total`` (``count``)."""
    if metrics_stateless._MIRROR in metric.__dict__:
        metrics_stateless.pull(metric)
    for name, value in zip(metrics_stateless._state_names(metrics_stateless._kind(metric)),
                           increments):
        setattr(metric, name, getattr(metric, name) + float(value))


def _placeholders(metric, result):
    """``metric.result()`` in a trace: placeholders shaped like the host result now."""
    now = result()
    if isinstance(now, dict):
        return {k: _Result(metric, k) for k in now}
    return _Result(metric)


def _metric_placeholders(model) -> dict:
    logs = {}
    for m in model.metrics:
        r = m.result()  # the patched one: placeholders
        logs.update(r if isinstance(r, dict) else {m.name: r})
    return logs
