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
  the order the step made them;
- ``metric.result()`` and ``get_metrics_result()`` give placeholders, replaced in the returned
  logs by the results after those updates.

The first call runs eagerly (it builds the optimizers' slots and resolves the compiled
metrics); the compiled function is traced on the second. A step that cannot be traced this way
(a host read of a tensor, an optimizer with clipping or EMA, an optimizer applied twice, a
metric outside ``model.metrics``...) warns once and runs eagerly, as it did before. Only the
JAX and TensorFlow backends compile (torch's ``torch.compile`` and the native engine run the
step eagerly).
"""
from __future__ import annotations

import contextlib
import inspect
import warnings

import numpy as np

from kfront import config, ops
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
        params = [p for p in inspect.signature(step).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) == 2:
            raise NotImplementedError(
                f'Model "{model.name}": {step.__name__}({params[0].name}, {params[1].name}) '
                "looks like Keras's JAX-only stateless step (state, data); kfront takes "
                f"{step.__name__}(self, data) on every backend, updating the variables, "
                "optimizer and metrics in place (it is compiled with jax.jit on JAX all the "
                "same): see Keras's TensorFlow or PyTorch \"customizing fit\" guide")
        self.model, self.step = model, step
        self.calls = 0
        self.eager = config.backend() not in ("jax", "tensorflow")
        self.compiled: dict = {}
        self.trace: dict = {}  # what the latest trace left on the host (see _traced)

    def __call__(self, data):
        if self.eager or not self.model._use_jit() or not distribution_lib.reduces_in_step():
            return self._eager(data)  # JAX across processes: its all-reduce is not traceable
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
        return self._host_part(*outputs)

    def _give_up(self, reason: str, data):
        warnings.warn(f'Model "{self.model.name}": {self.step.__name__} runs eagerly: it '
                      f"cannot be compiled ({reason}). Pass run_eagerly=True to compile() to "
                      "silence this warning.", RuntimeWarning, stacklevel=4)
        self.eager = True
        return self._eager(data)

    def _eager(self, data):
        """The step run eagerly; across processes (a multi-process ``DataParallel``) its
        ``optimizer.apply`` averages the gradients first."""
        with distribution_lib.averaging_apply(self.model):
            return self.step(data)

    def _optimizers(self) -> list:
        """The model's optimizer and every built Optimizer among its attributes."""
        from kfront.optimizers.base_optimizer import Optimizer
        out = []
        for value in [getattr(self.model, "optimizer", None), *vars(self.model).values()]:
            if isinstance(value, Optimizer) and value.built and value not in out:
                out.append(value)
        return out

    def _traced_fn(self, optimizers, fixed):
        """The function compiled: the step with the host parts intercepted; returns the
        step's tensor logs and the tensors the host updates need."""
        def traced(data, per_step):
            recorder = _Recorder()
            hypers = {id(opt): {**f, **p} for opt, f, p in zip(optimizers, fixed, per_step)}
            with recorder.intercept(self.model, optimizers, hypers):
                logs = self.step(data)
            leaves, spec = tree.flatten(logs)
            is_tensor = [ops.is_tensor(x) for x in leaves]
            self.trace = {"spec": spec, "is_tensor": is_tensor, "applied": recorder.applied,
                          "static": [None if t else x for x, t in zip(leaves, is_tensor)],
                          "calls": recorder.calls}
            return [x for x, t in zip(leaves, is_tensor) if t], recorder.tensors
        traced.__name__ = self.step.__name__
        return traced

    def _host_part(self, log_tensors, recorded):
        """Run the recorded host updates with the call's values, then build the logs."""
        for fn, spec, static, positions in self.trace["calls"]:
            leaves = list(static)
            for i, j in positions:
                leaves[i] = recorded[j]
            args, kwargs = tree.unflatten(spec, leaves)
            fn(*args, **kwargs)
        tensors = iter(log_tensors)
        leaves = [next(tensors) if t else s
                  for s, t in zip(self.trace["static"], self.trace["is_tensor"])]
        leaves = [x.value() if isinstance(x, _Result) else x for x in leaves]
        return tree.unflatten(self.trace["spec"], leaves) if self.trace["spec"] is not None \
            else leaves[0]


class _Recorder:
    """Intercepts the host-side calls of a step while it is traced."""

    def __init__(self):
        self.calls: list = []     # (fn, spec, static leaves, [(leaf index, tensor index)])
        self.tensors: list = []   # tensors the recorded calls take
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
        self.calls.append((fn, spec, static, positions))

    @contextlib.contextmanager
    def intercept(self, model, optimizers, hypers):
        patched = []

        def patch(obj, name, fn):
            obj.__dict__[name] = fn
            patched.append((obj, name))

        for metric in model.metrics:
            patch(metric, "update_state",
                  lambda *a, _f=metric.update_state, **k: self.defer(_f, *a, **k))
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
