"""Keras 3's stateless metric API: ``Metric.variables``, ``stateless_update_state``,
``stateless_result`` and ``stateless_reset_state`` (``keras/src/metrics/metric.py``).

kfront's built-in metrics keep their state on the host in numpy float64 (see
``kfront.metrics``); the stateless API needs state as tensors that a user's ``jax.jit`` can
trace. Two kinds of metric can run statelessly:

- a metric whose state is made by ``add_variable`` and updated with ``kfront.ops`` (the way
  Keras metrics are written): ``update_state`` / ``result`` run inside a ``StatelessScope``
  holding the given values, as Keras does;
- ``Sum``, ``Mean`` and ``MeanMetricWrapper`` metrics (the accuracy family, the loss-like
  metrics ``MeanSquaredError``...), whose host update has a ``kfront.ops`` twin here. Their
  ``variables`` are Variables mirroring the host state (``total``, and ``count`` for a mean,
  in the metric's dtype, as Keras's): reading ``variables`` writes the host state into them,
  and values assigned to them are taken back by the next ``update_state`` / ``result``.

Any other metric raises NotImplementedError naming it.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from kfront import config, losses, ops

_MIRROR = "_stateless_mirror"


# ----------------------------------------------------------------- ops twins of host functions
def _floatx(x):
    return ops.cast(x, config.floatx())


def _accuracy(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    y_true, y_pred = losses.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _floatx(ops.equal(y_true, y_pred))


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred, y_true = ops.convert_to_tensor(y_pred), ops.convert_to_tensor(y_true)
    y_true, y_pred = losses.squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, ops.cast(threshold, y_pred.dtype)), y_true.dtype)
    return _floatx(ops.equal(y_true, y_pred))


def _match_argmax(y_true, y_pred, squeeze_only_size_1: bool):
    """1.0 where ``argmax(y_pred, -1)`` equals the label ``y_true`` (Keras's reshaping)."""
    org_shape = tuple(ops.shape(y_true))
    reshape = len(org_shape) == len(ops.shape(y_pred)) and (
        not squeeze_only_size_1 or org_shape[-1] == 1)
    if reshape:
        y_true = ops.squeeze(y_true, -1)
    matches = _floatx(ops.equal(y_true, ops.cast(ops.argmax(y_pred, axis=-1), y_true.dtype)))
    if reshape:
        matches = ops.reshape(matches, org_shape)
    return matches


def _categorical_accuracy(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    return _match_argmax(ops.argmax(y_true, axis=-1), y_pred, squeeze_only_size_1=False)


def _sparse_categorical_accuracy(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    matches = _match_argmax(ops.cast(y_true, y_pred.dtype), y_pred, squeeze_only_size_1=True)
    if len(ops.shape(matches)) > 1 and ops.shape(matches)[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _top_k(targets, y_pred, k, org_shape):
    if len(ops.shape(y_pred)) > 2:
        y_pred = ops.reshape(y_pred, (-1, ops.shape(y_pred)[-1]))
    matches = _floatx(ops.in_top_k(ops.reshape(ops.cast(targets, "int32"), (-1,)), y_pred, k))
    return ops.reshape(matches, org_shape) if len(org_shape) > 1 else matches


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    targets = ops.argmax(y_true, axis=-1)
    return _top_k(targets, ops.convert_to_tensor(y_pred), k, tuple(ops.shape(targets)))


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    if from_sorted_ids:
        raise NotImplementedError("SparseTopKCategoricalAccuracy(from_sorted_ids=True) cannot "
                                  "run statelessly in kfront")
    y_true = ops.convert_to_tensor(y_true)
    return _top_k(y_true, ops.convert_to_tensor(y_pred), k, tuple(ops.shape(y_true)))


def _ops_twins() -> dict:
    from kfront import metrics
    return {
        metrics.accuracy: _accuracy,
        metrics.binary_accuracy: _binary_accuracy,
        metrics.categorical_accuracy: _categorical_accuracy,
        metrics.sparse_categorical_accuracy: _sparse_categorical_accuracy,
        metrics.top_k_categorical_accuracy: _top_k_categorical_accuracy,
        metrics.sparse_top_k_categorical_accuracy: _sparse_top_k_categorical_accuracy,
    }


def _values_fn(fn: Callable) -> Callable:
    """``fn`` of a MeanMetricWrapper as a function of tensors."""
    twin = _ops_twins().get(fn)
    if twin is not None:
        return twin
    if isinstance(fn, losses.LossFunctionWrapper):
        def run(y_true, y_pred, **kw):
            y_true, y_pred = losses.squeeze_or_expand_to_same_rank(
                ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred))
            return fn.fn(y_true, y_pred, **{**fn._fn_kwargs, **kw})
        return run
    return fn


# ------------------------------------------------------------------------ host-state metrics
def _kind(metric) -> str | None:
    """``"sum"``, ``"mean"`` or ``"wrapper"`` for a metric whose host update has an ops twin
    (its class keeps the update and result of ``Sum`` / ``Mean`` / ``MeanMetricWrapper``)."""
    from kfront import metrics
    cls = type(metric)
    if cls.update_state is metrics.Sum.update_state and cls.result is metrics.Sum.result:
        return "sum"
    if cls.result is metrics.Mean.result:
        if cls.update_state is metrics.Mean.update_state:
            return "mean"
        if cls.update_state is metrics.MeanMetricWrapper.update_state:
            return "wrapper"
    return None


def _state_names(kind: str) -> tuple:
    return ("total",) if kind == "sum" else ("total", "count")


def mirror_variables(metric) -> list:
    """The Variables of a host-state metric (``total``, ``count``), holding its state now."""
    from kfront.backend_objects import Variable
    kind = _kind(metric)
    names = _state_names(kind)
    mirror = metric.__dict__.get(_MIRROR)
    if mirror is None:
        mirror = [Variable(np.zeros((), metric.dtype), dtype=metric.dtype, trainable=False,
                           name=n, aggregation="sum") for n in names], None
    variables = mirror[0]
    host = [np.asarray(getattr(metric, n), dtype=metric.dtype) for n in names]
    if mirror[1] is not None and all(np.array_equal(a, b) for a, b in zip(host, mirror[1])):
        return list(variables)  # unchanged since written (no read: a trace may hold them)
    written = []
    for v, value in zip(variables, host):
        v.assign(value)
        written.append(np.asarray(v.numpy()))
    metric.__dict__[_MIRROR] = (variables, written)
    return list(variables)


def pull(metric) -> None:
    """Take values assigned to a host-state metric's mirror Variables into its host state."""
    variables, written = metric.__dict__[_MIRROR]
    now = [np.asarray(v.numpy()) for v in variables]
    if any(not np.array_equal(a, b) for a, b in zip(now, written)):
        for v, n, value in zip(variables, _state_names(_kind(metric)), now):
            setattr(metric, n, float(value))
        metric.__dict__[_MIRROR] = (variables, now)


def _host_state_update(metric, kind: str, state: list, args, kwargs) -> list:
    if kind == "wrapper":
        y_true, y_pred, sample_weight = _bind(metric, ("y_true", "y_pred"), args, kwargs)
        values = _values_fn(metric._fn)(y_true, y_pred, **metric._fn_kwargs)
    else:
        values, sample_weight = _bind(metric, ("values",), args, kwargs)
    values = ops.cast(values, metric.dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, metric.dtype)
    values, sample_weight = _samplewise(values, sample_weight,
                                        ops.sum if kind == "sum" else ops.mean)
    total = ops.add(state[0], ops.sum(values))
    if kind == "sum":
        return [total]
    if sample_weight is not None:
        n = ops.sum(sample_weight)
    else:
        n = ops.cast(ops.shape(values)[0] if len(ops.shape(values)) else 1, metric.dtype)
    return [total, ops.add(state[1], n)]


def _bind(metric, names: tuple, args, kwargs) -> tuple:
    """The positional/keyword arguments of ``update_state(*names, sample_weight=None)``."""
    kwargs = dict(kwargs)
    params = list(names) + ["sample_weight"]
    if len(args) > len(params):
        raise TypeError(f"{metric.name}: stateless_update_state takes the arguments of "
                        f"update_state {tuple(params)}; got {len(args)} positional arguments")
    bound = dict(zip(params, args))
    for k in list(kwargs):
        if k not in params or k in bound:
            raise TypeError(f"{metric.name}: stateless_update_state got an unexpected or "
                            f"repeated argument {k!r}; update_state takes {tuple(params)}")
        bound[k] = kwargs.pop(k)
    missing = [p for p in names if p not in bound]
    if missing:
        raise TypeError(f"{metric.name}: stateless_update_state is missing {missing}")
    return tuple(bound.get(p) for p in params)


def _samplewise(values, sample_weight, reduce_fn):
    """``kfront.metrics._reduce_to_samplewise_values`` with ``kfront.ops`` (traceable)."""
    if sample_weight is not None:
        values, sample_weight = losses.squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = len(ops.shape(sample_weight)), len(ops.shape(values))
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if len(ops.shape(values)) > 1:
        values = reduce_fn(values, axis=tuple(range(1, len(ops.shape(values)))))
    return values, sample_weight


# -------------------------------------------------------------------------------- the API
def _unsupported(metric, what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{type(metric).__name__} ({metric.name!r}) cannot run {what}: its state lives on the "
        f"host. Stateless metrics are Sum, Mean, MeanMetricWrapper metrics (the accuracy family, "
        f"MeanSquaredError...) and metrics whose state is made by add_variable")


def _values_of(metric, metric_variables: Sequence, what: str) -> list:
    kind = _kind(metric)
    expected = len(_state_names(kind)) if kind else len(metric.variables)
    if metric_variables is None or len(metric_variables) != expected:
        got = None if metric_variables is None else len(metric_variables)
        raise ValueError(f"{metric.name}: {what} expects {expected} metric variables (as "
                         f"metric.variables); got {got}")
    return [v.value if hasattr(v, "assign") else v for v in metric_variables]


def _in_scope(metric, values: list, body: Callable):
    from kfront.layers.stateless import StatelessScope
    variables = metric.variables
    with StatelessScope(list(zip(variables, values))) as scope:
        out = body()
    return out, [scope.get_current_value(v) for v in variables]


def stateless_update_state(metric, metric_variables: Sequence, *args, **kwargs) -> list:
    """The metric's variables' values after ``update_state(*args, **kwargs)`` from
    ``metric_variables``; the metric itself is unchanged."""
    kind = _kind(metric)
    if kind is None and not metric.__dict__.get("_metric_variables"):
        raise _unsupported(metric, "stateless_update_state")
    values = _values_of(metric, metric_variables, "stateless_update_state")
    if kind is not None:
        state = [ops.cast(v, metric.dtype) for v in values]
        return _host_state_update(metric, kind, state, args, kwargs)
    return _in_scope(metric, values, lambda: metric.update_state(*args, **kwargs))[1]


def stateless_result(metric, metric_variables: Sequence):
    """``result()`` computed from ``metric_variables``; the metric itself is unchanged."""
    kind = _kind(metric)
    if kind is None and not metric.__dict__.get("_metric_variables"):
        raise _unsupported(metric, "stateless_result")
    values = _values_of(metric, metric_variables, "stateless_result")
    if kind == "sum":
        return ops.cast(values[0], metric.dtype)
    if kind is not None:
        total, count = (ops.cast(v, metric.dtype) for v in values)
        return ops.divide_no_nan(total, count)
    return _in_scope(metric, values, metric.result)[0]


def stateless_reset_state(metric) -> list:
    """The values of the metric's variables after ``reset_state()``; the metric itself is
    unchanged."""
    kind = _kind(metric)
    if kind is not None:
        return [ops.zeros((), metric.dtype) for _ in _state_names(kind)]
    made = metric.__dict__.get("_metric_variables")
    if not made:
        raise _unsupported(metric, "stateless_reset_state")
    return [ops.cast(init(v.shape, dtype=v.dtype), v.dtype) for v, init in made]
