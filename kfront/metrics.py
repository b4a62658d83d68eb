"""Metrics with the ``keras.metrics`` API, accumulated on the host.

Design: a metric's state lives on the host as numpy float64 numbers. ``update_state``
converts ``y_true``/``y_pred``/``sample_weight`` with ``kfront.ops.convert_to_numpy`` and does
its bookkeeping in numpy, so a metric gives the same value on every backend, builds no graph
and is never differentiated. ``result()`` returns a Python float (a numpy array where Keras
gives one value per threshold or class: ``Recall(thresholds=[...])``, ``F1Score()``...).

Metric functions (``accuracy``, ``categorical_accuracy``...) take tensors and return the
per-sample values as a backend tensor of floatx, like Keras's.

Example:
    >>> import numpy as np
    >>> from kfront import metrics
    >>> m = metrics.SparseCategoricalAccuracy()
    >>> m.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]])
    >>> m.result()
    0.5
    >>> m.update_state([0], [[0.7, 0.3]], sample_weight=[2.0])
    >>> m.result()
    0.75
"""
from __future__ import annotations

import collections
import functools
import inspect
import math
import types
import warnings
from typing import Any, Callable

import numpy as np

from kfront import config, losses, metrics_stateless, ops
from kfront.backends import tf_graph
from kfront.backends.common import keras_mask
from kfront.metrics_stateless import _MIRROR
from kfront.utils.registry import Registry
from kfront.losses import (binary_crossentropy, binary_focal_crossentropy,  # noqa: F401
                           categorical_crossentropy, categorical_focal_crossentropy,
                           categorical_hinge, hinge, huber, kl_divergence,
                           log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                           mean_squared_error, mean_squared_logarithmic_error, poisson,
                           sparse_categorical_crossentropy, squared_hinge)

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError",
    "CosineSimilarity", "LogCoshError", "Hinge", "SquaredHinge", "CategoricalHinge",
    "KLDivergence", "Poisson", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "AUC", "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "get", "serialize", "deserialize", "resolve",
    "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
    "Recall", "SensitivityAtSpecificity", "SpecificityAtSensitivity", "PrecisionAtRecall",
    "RecallAtPrecision", "F1Score", "FBetaScore", "R2Score", "IoU", "BinaryIoU", "MeanIoU",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "ConcordanceCorrelation",
    "pearson_correlation", "concordance_correlation",
]

_uids: collections.Counter = collections.Counter()


def _auto_name(cls_name: str) -> str:
    prefix = losses._snake_case(cls_name)
    n = _uids[prefix]
    _uids[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def _host(x):
    """``x`` (any backend tensor, Variable, array-like) as a numpy array on the host."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return x
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except TypeError:  # a tensor of another framework than the active backend
        return np.asarray(x)


_DONE = types.SimpleNamespace(shape=(), dtype="bool")  # the host update's (unused) output


def _graph_safe(update_state: Callable) -> Callable:
    """``update_state`` that, given graph tensors in a user's ``tf.function`` (keras-io's
    TensorFlow training-loop guide), runs on their values through ``tf.py_function``: a
    host-state metric cannot read a graph tensor, and a Keras metric updates in the graph."""
    @functools.wraps(update_state)
    def wrapped(self, *args, **kwargs):
        if config.backend() == "tensorflow" and not self.__dict__.get("_metric_variables") \
                and tf_graph.has_graph_tensors((args, kwargs)):
            def run(*args, **kwargs) -> bool:
                update_state(self, *args, **kwargs)
                return True
            tf_graph.call_on_values(run, args, kwargs, _DONE)  # a stateful op: runs in the graph
            return None
        return update_state(self, *args, **kwargs)
    return wrapped


def _in_own_dtype(result: Callable) -> Callable:
    """``result`` with host values in the metric's dtype, as a Keras metric's result tensor
    holds them (float32 by default): a float rounded to it (0.78 -> 0.7799999713897705, the
    number Keras's logs show), a float array cast; tensors and dicts of them as they are."""
    @functools.wraps(result)
    def wrapped(self):
        return _to_dtype(result(self), self.dtype)
    return wrapped


def _to_dtype(value, dtype: str):
    if isinstance(value, dict):
        return {k: _to_dtype(v, dtype) for k, v in value.items()}
    is_float = isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "f")
    if not is_float or not dtype.startswith("float"):
        return value
    try:
        value = np.asarray(value, dtype)
    except TypeError:  # a dtype numpy lacks (bfloat16): the host value as it is
        return value
    return float(value) if value.ndim == 0 else value


def _floatx_out(values: np.ndarray):
    return ops.convert_to_tensor(np.asarray(values, dtype=config.floatx()))


def _squeeze_or_expand(x1, x2, expand_rank_1: bool = True):
    return losses.squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1, _K=losses._host)


# ------------------------------------------------------------------- host metric functions
def _np_accuracy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    return np.equal(y_true, y_pred).astype("float64")


def _np_binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if isinstance(threshold, (int, float)):
        threshold = np.float32(threshold)  # Keras converts it to a floatx tensor
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    y_pred = np.greater(y_pred, threshold).astype(y_true.dtype)
    return np.equal(y_true, y_pred).astype("float64")


def _np_categorical_accuracy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_true = np.argmax(np.asarray(y_true), axis=-1)
    org_shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim:
        y_true = np.squeeze(y_true, -1)
        reshape = True
    matches = np.equal(y_true, np.argmax(y_pred, axis=-1)).astype("float64")
    return matches.reshape(org_shape) if reshape else matches


def _np_sparse_categorical_accuracy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype)
    org_shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = np.squeeze(y_true, -1)
        reshape = True
    matches = np.equal(y_true, np.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype("float64")
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = np.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """TensorFlow's ``in_top_k``: ties at the k-th value count as in; non-finite predictions
    and out-of-range targets count as out."""
    n = predictions.shape[-1]
    targets = np.asarray(targets).astype("int64")
    valid = (targets >= 0) & (targets < n)
    vals = np.take_along_axis(predictions, np.where(valid, targets, 0)[:, None], axis=-1)[:, 0]
    kth = np.sort(predictions, axis=-1)[:, n - min(k, n)] if n else np.zeros(len(targets))
    return valid & np.isfinite(vals) & (vals >= kth)


def _np_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = np.asarray(y_pred)
    y_true = np.argmax(np.asarray(y_true), axis=-1)
    org_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _in_top_k(y_true.reshape(-1), y_pred, k).astype("float64")
    return matches.reshape(org_shape) if len(org_shape) > 1 else matches


def _np_sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype if from_sorted_ids else "int32")
    org_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    flat = y_true.reshape(-1) if y_true.ndim > 1 else y_true
    if from_sorted_ids:
        matches = np.any(np.equal(flat[:, None], y_pred[:, :k]), axis=1)
    else:
        matches = _in_top_k(flat, y_pred, k)
    matches = matches.astype("float64")
    return matches.reshape(org_shape) if y_true.ndim > 1 else matches


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` (after casting ``y_true`` to ``y_pred``'s dtype), else 0.

    Example:
        >>> from kfront import metrics
        >>> metrics.accuracy([1, 2, 3], [1.0, 2.0, 0.0]).tolist()
        [1.0, 1.0, 0.0]
    """
    return _floatx_out(_np_accuracy(_host(y_true), _host(y_pred)))


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label ``y_true``.

    Example:
        >>> from kfront import metrics
        >>> metrics.binary_accuracy([1.0, 0.0], [0.7, 0.6]).tolist()
        [1.0, 0.0]
    """
    return _floatx_out(_np_binary_accuracy(_host(y_true), _host(y_pred), threshold))


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot labels).

    Example:
        >>> from kfront import metrics
        >>> metrics.categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    return _floatx_out(_np_categorical_accuracy(_host(y_true), _host(y_pred)))


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_pred)`` equals the integer label.

    Example:
        >>> from kfront import metrics
        >>> metrics.sparse_categorical_accuracy([1, 1], [[0.2, 0.8], [0.3, 0.2]]).tolist()
        [1.0, 0.0]
    """
    return _floatx_out(_np_sparse_categorical_accuracy(_host(y_true), _host(y_pred)))


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the one-hot label's class is among the ``k`` highest predictions.

    Example:
        >>> from kfront import metrics
        >>> metrics.top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2).tolist()
        [0.0]
    """
    return _floatx_out(_np_top_k_categorical_accuracy(_host(y_true), _host(y_pred), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5,
                                      from_sorted_ids: bool = False):
    """1.0 where the integer label is among the ``k`` highest predictions (or, with
    ``from_sorted_ids``, among the first ``k`` ids of ``y_pred``).

    Example:
        >>> from kfront import metrics
        >>> metrics.sparse_top_k_categorical_accuracy([1], [[0.5, 0.3, 0.2]], k=2).tolist()
        [1.0]
    """
    return _floatx_out(_np_sparse_top_k_categorical_accuracy(_host(y_true), _host(y_pred), k,
                                                             from_sorted_ids))


_HOST_METRIC_FNS = {
    accuracy: _np_accuracy,
    binary_accuracy: _np_binary_accuracy,
    categorical_accuracy: _np_categorical_accuracy,
    sparse_categorical_accuracy: _np_sparse_categorical_accuracy,
    top_k_categorical_accuracy: _np_top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy: _np_sparse_top_k_categorical_accuracy,
}


def _host_evaluator(fn: Callable) -> Callable:
    """``fn`` evaluated on host numpy arrays, returning a numpy array."""
    if fn in _HOST_METRIC_FNS:
        return _HOST_METRIC_FNS[fn]
    loss_fn = fn.fn if isinstance(fn, losses.LossFunctionWrapper) else fn
    host_loss = losses.host_function(loss_fn)
    if host_loss is not None:
        def run(y_true, y_pred, **kw):
            if y_pred.dtype.kind == "f":
                y_pred = y_pred.astype("float64")
            if isinstance(fn, losses.LossFunctionWrapper):
                y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
                kw = {**fn._fn_kwargs, **kw}
            return host_loss(y_true, y_pred, **kw)
        return run

    def generic(y_true, y_pred, **kw):
        return _host(fn(y_true, y_pred, **kw))
    return generic


def _reduce_to_samplewise_values(values, sample_weight, reduce_fn):
    """Keras's rule: weights are matched to ``values`` (trailing size-1 axis), ``values`` are
    reduced to the weights' rank, weighted, then reduced to one value per sample."""
    values = np.asarray(values, dtype="float64")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype="float64")
        values, sample_weight = _squeeze_or_expand(values, sample_weight)
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        try:
            sample_weight = np.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {sample_weight.shape} does not broadcast "
                             f"to the metric values of shape {values.shape}") from None
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


# ------------------------------------------------------------------------------ base classes
class Metric:
    """Base class of metrics: ``update_state(...)`` accumulates, ``result()`` reads (a Python
    float), ``reset_state()`` clears. State is kept on the host in numpy float64.

    Subclasses keep their state in attributes initialised by ``reset_state`` (which the base
    ``__init__`` does not call).

    Example:
        >>> from kfront import metrics
        >>> class Count(metrics.Metric):
        ...     def __init__(self, name="count", dtype=None):
        ...         super().__init__(name=name, dtype=dtype)
        ...         self.reset_state()
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.n += len(y_true)
        ...     def result(self):
        ...         return float(self.n)
        ...     def reset_state(self):
        ...         self.n = 0
        >>> c = Count(); c.update_state([1, 2], [1, 2]); c.result()
        2.0
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _graph_safe(cls.__dict__["update_state"])
        if "result" in cls.__dict__:
            cls.result = _in_own_dtype(cls.__dict__["result"])

    def __init__(self, dtype=None, name: str | None = None):
        self.name = name or _auto_name(type(self).__name__)
        self._dtype = ops.standardize_dtype(dtype) if dtype is not None else config.floatx()

    @property
    def dtype(self) -> str:
        """The nominal dtype (``floatx``); host state is float64 whatever it says."""
        return self._dtype

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self) -> None:
        """Set the variables made by ``add_variable`` back to their initial values (a metric
        keeping other state must override it)."""
        made = self.__dict__.get("_metric_variables")
        if not made:
            raise NotImplementedError(f"{type(self).__name__} must implement reset_state()")
        for variable, initializer in made:
            variable.assign(initializer(variable.shape, dtype=variable.dtype))

    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum",
                     name: str | None = None):
        """A non-trainable ``kfront.Variable`` holding metric state (Keras 3's signature),
        reset to ``initializer``'s value by the default ``reset_state``.

        Example:
            >>> import numpy as np
            >>> from kfront import metrics, ops
            >>> class Total(metrics.Metric):
            ...     def __init__(self, name="total", **kwargs):
            ...         super().__init__(name=name, **kwargs)
            ...         self.total = self.add_variable(shape=(), initializer="zeros")
            ...     def update_state(self, values, sample_weight=None):
            ...         self.total.assign_add(ops.sum(values))
            ...     def result(self):
            ...         return self.total.value
            >>> t = Total(); t.update_state(np.array([1.0, 2.0])); float(t.result())
            3.0
            >>> t.reset_state(); float(t.result())
            0.0
        """
        from kfront import initializers
        from kfront.backend_objects import Variable
        init = initializers.get(initializer)
        variable = Variable(init, shape=tuple(shape), dtype=dtype or self.dtype,
                            trainable=False, name=name, aggregation=aggregation)
        self.__dict__.setdefault("_metric_variables", []).append((variable, init))
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None):
        """``add_variable`` under its other Keras 3 name (the researchers' guide's ``F1Score``
        makes its counts with it); ``initializer`` defaults to zeros here."""
        return self.add_variable(shape, "zeros" if initializer is None else initializer,
                                 dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        """The state Variables: those made by ``add_variable``; for ``Sum``, ``Mean`` and
        ``MeanMetricWrapper`` metrics, Variables mirroring the host state (``total``,
        ``count``), whose assigned values the next ``update_state`` / ``result`` takes back
        (see ``kfront.metrics_stateless``)."""
        made = self.__dict__.get("_metric_variables")
        if made:
            return [v for v, _ in made]
        if metrics_stateless._kind(self) is not None:
            return metrics_stateless.mirror_variables(self)
        return []

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """The values of ``variables`` after ``update_state(*args, **kwargs)`` starting from
        ``metric_variables``, leaving the metric unchanged (traceable by ``jax.jit``).

        Example:
            >>> from kfront import metrics, ops
            >>> m = metrics.Mean()
            >>> state = m.stateless_update_state(m.variables, [1.0, 3.0])
            >>> float(ops.convert_to_numpy(m.stateless_result(state))), m.result()
            (2.0, 0.0)
        """
        return metrics_stateless.stateless_update_state(self, metric_variables, *args, **kwargs)

    def stateless_result(self, metric_variables):
        """``result()`` computed from ``metric_variables`` (values of ``variables``).

        Example:
            >>> from kfront import metrics, ops
            >>> m = metrics.Sum()
            >>> float(ops.convert_to_numpy(m.stateless_result([5.0])))
            5.0
        """
        return metrics_stateless.stateless_result(self, metric_variables)

    def stateless_reset_state(self) -> list:
        """The values of ``variables`` after ``reset_state()``, leaving the metric unchanged.

        Example:
            >>> from kfront import metrics, ops
            >>> [float(ops.convert_to_numpy(v)) for v in metrics.Mean().stateless_reset_state()]
            [0.0, 0.0]
        """
        return metrics_stateless.stateless_reset_state(self)

    def __call__(self, *args, **kwargs) -> float:
        """``update_state(*args, **kwargs)`` then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


class Sum(Metric):
    """The (weighted) sum of the values seen.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Sum(); m.update_state([1, 3, 5, 7]); m.result()
        16.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None) -> None:
        if _MIRROR in self.__dict__:
            metrics_stateless.pull(self)
        values, _ = _reduce_to_samplewise_values(_host(values), _host(sample_weight), np.sum)
        self.total += float(np.sum(values))

    def reset_state(self) -> None:
        self.total = 0.0

    def result(self) -> float:
        if _MIRROR in self.__dict__:
            metrics_stateless.pull(self)
        return float(self.total)


class Mean(Metric):
    """The (weighted) mean of the values seen: ``sum(values * w) / sum(w)``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        2.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None) -> None:
        if _MIRROR in self.__dict__:
            metrics_stateless.pull(self)
        values, sample_weight = _reduce_to_samplewise_values(_host(values), _host(sample_weight),
                                                             np.mean)
        self.total += float(np.sum(values))
        if sample_weight is not None:
            self.count += float(np.sum(sample_weight))
        elif values.ndim >= 1:
            self.count += float(values.shape[0])
        else:
            self.count += 1.0

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def result(self) -> float:
        if _MIRROR in self.__dict__:
            metrics_stateless.pull(self)
        return float(self.total / self.count) if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    ``fn`` may be a kfront loss or metric function (evaluated in numpy on the host) or any
    function of tensors (called with numpy arrays; its result is converted to numpy).

    Example:
        >>> from kfront import metrics, losses
        >>> m = metrics.MeanMetricWrapper(losses.mean_absolute_error, name="l1")
        >>> m.update_state([[0.0], [0.0]], [[1.0], [3.0]]); m.result()
        2.0
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._evaluate = _host_evaluator(fn)
        if _is_loss(fn):
            self._direction = "down"

    def __getstate__(self) -> dict:
        """Pickle without the host evaluator (a closure, rebuilt from ``fn`` on unpickling)."""
        return {k: v for k, v in self.__dict__.items() if k != "_evaluate"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._evaluate = _host_evaluator(self._fn)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        mask = keras_mask.get_keras_mask(y_pred)  # a masked output weighs the values (Keras)
        values = self._evaluate(_host(y_true), _host(y_pred), **self._fn_kwargs)
        if mask is not None:  # (Keras's apply_mask with reduction "sum")
            sample_weight = losses._apply_mask(sample_weight, mask, self.dtype or
                                               config.floatx(), "sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": _serialize_fn(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> "MeanMetricWrapper":
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_fn(config["fn"])
        return cls(**config)


def _is_loss(fn) -> bool:
    return isinstance(fn, losses.Loss) or fn in losses._IMPLS


def _wrapper_class(cls_name: str, fn: Callable, default_name: str, direction: str | None,
                   doc: str, extra: tuple = ()):
    """A MeanMetricWrapper subclass with Keras's ``(name, dtype, *extra)`` signature whose
    get_config is ``{"name", "dtype", *extra}``."""
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
              inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                default=default_name),
              inspect.Parameter("dtype", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)]
    params += [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
               for k, v in extra]

    def __init__(self, *args, **kwargs):
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        values.pop("self")
        name, dtype = values.pop("name"), values.pop("dtype")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
        for k, v in values.items():
            setattr(self, k, v)
        if direction is not None:
            self._direction = direction

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype,
                **{k: getattr(self, k) for k, _ in extra}}

    sig = inspect.Signature(params)
    __init__.__signature__ = sig
    return type(cls_name, (MeanMetricWrapper,), {
        "__init__": __init__, "get_config": get_config, "__doc__": doc,
        "__module__": __name__, "__qualname__": cls_name})


# ------------------------------------------------------------------------- accuracy metrics
Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy", "up", """
    How often predictions equal labels exactly.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Accuracy(); m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        >>> m.result()
        0.75
    """)
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", "up", """
    How often ``y_pred > threshold`` matches the binary label.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        >>> m.result()
        0.75
    """, extra=(("threshold", 0.5),))
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy", "up", """
    How often ``argmax(y_pred)`` matches the one-hot label.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """)
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy",
                                           sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy", "up", """
    How often ``argmax(y_pred)`` matches the integer label.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the top ``k`` predictions.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` predictions.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids: bool = False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


# ----------------------------------------------------------------------- regression metrics
MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                  "down", """
    Mean of squared errors.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.MeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.25
    """)
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", "down", """
    Mean of absolute errors.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.MeanAbsoluteError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.25
    """)
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down", """
    Mean absolute percentage error.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.MeanAbsolutePercentageError(); m.update_state([[2.0]], [[1.0]])
        >>> round(m.result(), 6)
        50.0
    """)
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down", """
    Mean squared logarithmic error.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.MeanSquaredLogarithmicError(); m.update_state([[1.0]], [[1.0]])
        >>> m.result()
        0.0
    """)
LogCoshError = _wrapper_class("LogCoshError", log_cosh, "logcosh", "down", """
    Mean of ``log(cosh(y_pred - y_true))``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.LogCoshError(); m.update_state([[1.0]], [[1.0]]); m.result()
        0.0
    """)


def _np_cosine_similarity(y_true, y_pred, axis=-1):
    return -losses._cosine_similarity(losses._host, y_true, y_pred, axis=axis)


def _metric_cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity (positive) along ``axis``: the metric's function."""
    return _floatx_out(_np_cosine_similarity(_host(y_true).astype("float64"),
                                             _host(y_pred).astype("float64"), axis))


_HOST_METRIC_FNS[_metric_cosine_similarity] = _np_cosine_similarity


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (1 for parallel vectors).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.CosineSimilarity(); m.update_state([[0.0, 1.0]], [[0.0, 3.0]])
        >>> round(m.result(), 6)
        1.0
    """

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        super().__init__(_metric_cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of squared errors.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _host(y_true).astype("float64")
        y_pred = _host(y_pred).astype("float64")
        y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> float:
        return math.sqrt(super().result())


# ---------------------------------------------------------------- hinge / probabilistic
Hinge = _wrapper_class("Hinge", hinge, "hinge", "down", """
    Mean hinge loss.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Hinge(); m.update_state([[1.0, 0.0]], [[0.5, -2.0]]); m.result()
        0.25
    """)
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge", "down", """
    Mean squared hinge loss.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.SquaredHinge(); m.update_state([[1.0, 0.0]], [[0.5, -2.0]]); m.result()
        0.125
    """)
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "down", """
    Mean categorical hinge loss.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.CategoricalHinge(); m.update_state([[0.0, 1.0]], [[0.25, 0.75]])
        >>> m.result()
        0.5
    """)
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence", None, """
    Mean Kullback-Leibler divergence.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.KLDivergence(); m.update_state([[0.5, 0.5]], [[0.5, 0.5]]); m.result()
        0.0
    """)
Poisson = _wrapper_class("Poisson", poisson, "poisson", None, """
    Mean Poisson loss.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Poisson(); m.update_state([[0.0]], [[2.0]]); m.result()
        2.0
    """)
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", binary_crossentropy,
                                    "binary_crossentropy", "down", """
    Mean binary crossentropy.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.BinaryCrossentropy(from_logits=True); m.update_state([[1.0]], [[0.0]])
        >>> round(m.result(), 5)
        0.69315
    """, extra=(("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy", categorical_crossentropy,
                                         "categorical_crossentropy", "down", """
    Mean categorical crossentropy.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.CategoricalCrossentropy(); m.update_state([[0, 1]], [[0.5, 0.5]])
        >>> round(m.result(), 5)
        0.69315
    """, extra=(("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "down", """
    Mean sparse categorical crossentropy (entries labelled ``ignore_class`` count as 0).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.SparseCategoricalCrossentropy(); m.update_state([1], [[0.5, 0.5]])
        >>> round(m.result(), 5)
        0.69315
    """, extra=(("from_logits", False), ("ignore_class", None), ("axis", -1)))


# ------------------------------------------------------------------------------------- AUC
class AUC(Metric):
    """Approximate area under the ROC or PR curve, from confusion counts at
    ``num_thresholds`` thresholds (Keras's algorithm, including its threshold bucketing).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()
        0.75
    """

    _CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
    _SUMMATIONS = ("interpolation", "minoring", "majoring")

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype=None,
                 thresholds=None, multi_label: bool = False, num_labels: int | None = None,
                 label_weights=None, from_logits: bool = False):
        self._direction = "up"
        curve_key = str(getattr(curve, "value", curve))
        if curve_key not in ("pr", "PR", "roc", "ROC", "prgain", "PRGAIN"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC", "PRGAIN"]')
        summation = str(getattr(summation_method, "value", summation_method))
        if summation not in ("interpolation", "Interpolation", "minoring", "Minoring",
                             "majoring", "Majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = _evenly_distributed(
                np.array([0.0] + list(thresholds) + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + list(thresholds) + [1.0 + eps])
        self.curve = self._CURVES[curve_key.lower()]
        self.summation_method = summation.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype="float64"))
        self._from_logits = from_logits
        self._num_labels = num_labels
        self.reset_state()

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def reset_state(self) -> None:
        shape = (self.num_thresholds,) if not self.multi_label else \
            ((self.num_thresholds, self._num_labels) if self._num_labels else None)
        self.true_positives = self.false_positives = None
        self.true_negatives = self.false_negatives = None
        if shape is not None:
            self._zero(shape)

    def _zero(self, shape) -> None:
        self.true_positives = np.zeros(shape)
        self.false_positives = np.zeros(shape)
        self.true_negatives = np.zeros(shape)
        self.false_negatives = np.zeros(shape)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _host(y_true)
        y_pred = _host(y_pred).astype("float32")
        sample_weight = _host(sample_weight)
        if self.true_positives is None:  # multi_label, first batch
            if y_pred.ndim != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{y_pred.ndim}. Full shape received for `y_pred`: "
                                 f"{y_pred.shape}")
            self._num_labels = y_pred.shape[1]
            self._zero((self.num_thresholds, self._num_labels))
        if self._from_logits:
            y_pred = losses._host.sigmoid(y_pred).astype("float32")
        y_true = y_true.astype("float32")
        y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        if sample_weight is not None:
            sample_weight = np.expand_dims(np.asarray(sample_weight, "float32"), -1)
            _, sample_weight = _squeeze_or_expand(y_true, sample_weight, expand_rank_1=False)
            sample_weight = np.broadcast_to(sample_weight, y_pred.shape)
        weights = np.ones(y_pred.shape) if sample_weight is None else \
            sample_weight.astype("float64")
        if self.label_weights is not None and not self.multi_label:
            weights = weights * np.broadcast_to(self.label_weights[None], y_pred.shape)
        if self.multi_label:
            preds, labels, w = y_pred, y_true, weights  # (N, L)
        else:
            preds, labels, w = y_pred.reshape(-1, 1), y_true.reshape(-1, 1), weights.reshape(-1, 1)
        n = self.num_thresholds
        is_pos = labels.astype(bool)
        tp, fp, fn, tn = (np.zeros((n, preds.shape[1])) for _ in range(4))
        for j in range(preds.shape[1]):
            tp[:, j], fp[:, j], tn[:, j], fn[:, j] = _weighted_counts(
                preds[:, j], is_pos[:, j], w[:, j], self._thresholds,
                self._thresholds_distributed_evenly)
        if not self.multi_label:
            tp, fp, fn, tn = tp[:, 0], fp[:, 0], fn[:, 0], tn[:, 0]
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.false_negatives = self.false_negatives + fn
        self.true_negatives = self.true_negatives + tn

    def _average(self, per_label) -> float:
        if self.multi_label:
            by_label = np.sum(per_label, axis=0)
            if self.label_weights is None:
                return float(np.mean(by_label))
            total = np.sum(self.label_weights)
            return float(np.sum(by_label * self.label_weights) / total) if total else 0.0
        return float(np.sum(per_label))

    def _interpolate_pr_auc(self) -> float:
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = _div_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = np.where((p[: n - 1] > 0) & (p[1:] > 0),
                                _div_no_nan(p[: n - 1], np.maximum(p[1:], 0)),
                                np.ones_like(p[1:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(safe_p_ratio)
        increment = _div_no_nan(prec_slope * (dtp + intercept * log_ratio),
                                np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increment)

    def result(self) -> float:
        if self.true_positives is None:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = _div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _div_no_nan(tp, tp + fp)
        else:
            scaling = _div_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling * _div_no_nan(fn, tp)
            precision_gain = 1.0 - scaling * _div_no_nan(fp, tp)
            recall_gain = np.maximum(np.where(tp == 0, 0.0, recall_gain), 0.0)
            precision_gain = np.where(tp == 0, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return self._average((x[: n - 1] - x[1:]) * heights)

    def get_config(self) -> dict:
        label_weights = None if self.label_weights is None else self.label_weights.tolist()
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": label_weights,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}


def _weighted_counts(preds, is_pos, w, thresholds, evenly: bool) -> tuple:
    """Weighted (tp, fp, tn, fn) per threshold of 1-D ``preds``; a prediction is positive
    when strictly above the threshold (Keras's bucketing when thresholds are even)."""
    thresholds = np.asarray(thresholds, dtype="float64")
    n = len(thresholds)
    pos_w, neg_w = np.where(is_pos, w, 0.0), np.where(is_pos, 0.0, w)
    if evenly:  # p is above threshold i iff ceil(p * (n - 1)) - 1 >= i
        bucket = np.ceil(np.clip(preds, 0.0, 1.0) * np.float32(n - 1)) - 1
        if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
            bucket = np.maximum(bucket, 0)
        bucket = bucket.astype("int64")
        tp, fp = _count_above(bucket, pos_w, n), _count_above(bucket, neg_w, n)
    else:
        above = preds[None, :] > thresholds.astype("float32")[:, None]
        tp, fp = above @ pos_w, above @ neg_w
    return tp, fp, neg_w.sum() - fp, pos_w.sum() - tp


def _count_above(bucket, weights, n):
    """``out[i]`` = total weight of the entries whose bucket is >= i (buckets in [-1, n))."""
    hist = np.bincount(bucket + 1, weights=weights, minlength=n + 1)
    return np.cumsum(hist[::-1])[::-1][1:]


def _div_no_nan(a, b):
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    safe = np.where(b == 0, 1.0, b)
    return np.where(b == 0, 0.0, a / safe)


def _evenly_distributed(thresholds: np.ndarray) -> bool:
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


# ---------------------------------------------------------------------- confusion metrics
_NEG_INF = -1e10


def _parse_thresholds(owner: str, thresholds, default: float) -> list:
    """Keras's ``parse_init_thresholds``: a float or a list of floats in [0, 1]."""
    if thresholds is None:
        return [default]
    listed = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) \
        else [thresholds]
    bad = [t for t in listed if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"{owner}: threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in listed]


def _filter_top_k(x: np.ndarray, k: int) -> np.ndarray:
    """Keep the ``k`` largest values of the last axis, the others become ``-1e10``."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros_like(x)
    np.put_along_axis(mask, idx, 1.0, axis=-1)
    return x * mask + _NEG_INF * (1 - mask)


def _confusion_counts(owner: str, y_true, y_pred, thresholds: list, evenly: bool,
                      sample_weight=None, top_k: int | None = None,
                      class_id: int | None = None) -> tuple:
    """Keras's ``update_confusion_matrix_variables``: weighted (tp, fp, tn, fn) per threshold,
    a prediction counting as positive when it is strictly above the threshold."""
    y_true = _host(y_true).astype("float32")
    y_pred = _host(y_pred).astype("float32")
    y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"{owner}: y_true and y_pred must have the same shape. Received: "
                         f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}")
    if sample_weight is not None:
        sample_weight = np.expand_dims(_host(sample_weight).astype("float32"), -1)
        _, sample_weight = _squeeze_or_expand(y_true, sample_weight, expand_rank_1=False)
        try:
            sample_weight = np.broadcast_to(sample_weight, y_pred.shape)
        except ValueError:
            raise ValueError(f"{owner}: sample_weight of shape {sample_weight.shape} does not "
                             f"broadcast to y_pred's shape {y_pred.shape}") from None
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"{owner}: when class_id is provided, y_pred must be a 2D array "
                             f"with shape (num_samples, num_classes), found shape: "
                             f"{y_pred.shape}")
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        if sample_weight is not None:
            sample_weight = sample_weight[..., class_id]
    w = np.ones(y_pred.size) if sample_weight is None else \
        sample_weight.reshape(-1).astype("float64")
    return _weighted_counts(y_pred.reshape(-1), y_true.reshape(-1).astype(bool), w,
                            thresholds, evenly)


def _one_or_all(values: np.ndarray):
    """A float for one threshold, else the array (Keras's ``result[0] if ... else result``)."""
    return float(values[0]) if len(values) == 1 else np.asarray(values, dtype="float64")


class _ConfusionMatrixConditionCount(Metric):
    _KEY = "tp"

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._evenly = _evenly_distributed(np.array(self.thresholds))
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        counts = dict(zip(("tp", "fp", "tn", "fn"), _confusion_counts(
            type(self).__name__, y_true, y_pred, self.thresholds, self._evenly,
            sample_weight)))
        self.accumulator = self.accumulator + counts[self._KEY]

    def reset_state(self) -> None:
        self.accumulator = np.zeros(len(self.thresholds))

    def result(self):
        return _one_or_all(self.accumulator)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _count_class(cls_name: str, key: str, what: str):
    doc = f"""The weighted number of {what} (a prediction is positive when it is above the
    threshold; one count per threshold).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.{cls_name}()
        >>> m.update_state([0, 1, 1, 0], [0.2, 0.8, 0.3, 0.9])
        >>> m.result()
        1.0
    """
    return type(cls_name, (_ConfusionMatrixConditionCount,), {
        "_KEY": key, "__doc__": doc, "__module__": __name__, "__qualname__": cls_name})


TruePositives = _count_class("TruePositives", "tp", "true positives")
FalsePositives = _count_class("FalsePositives", "fp", "false positives")
TrueNegatives = _count_class("TrueNegatives", "tn", "true negatives")
FalseNegatives = _count_class("FalseNegatives", "fn", "false negatives")


class Precision(Metric):
    """``tp / (tp + fp)`` at each threshold (optionally among the ``top_k`` predictions, or
    for one ``class_id``).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(m.result(), 6)
        0.666667
    """

    _RATIO = "fp"

    def __init__(self, thresholds=None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(type(self).__name__, thresholds,
                                            0.5 if top_k is None else _NEG_INF)
        self._evenly = _evenly_distributed(np.array(self.thresholds))
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, _, fn = _confusion_counts(type(self).__name__, y_true, y_pred, self.thresholds,
                                          self._evenly, sample_weight, self.top_k,
                                          self.class_id)
        self.true_positives = self.true_positives + tp
        self.other = self.other + (fp if self._RATIO == "fp" else fn)

    def reset_state(self) -> None:
        self.true_positives = np.zeros(len(self.thresholds))
        self.other = np.zeros(len(self.thresholds))

    def result(self):
        return _one_or_all(_div_no_nan(self.true_positives, self.true_positives + self.other))

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """``tp / (tp + fn)`` at each threshold (optionally among the ``top_k`` predictions, or
    for one ``class_id``).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(m.result(), 6)
        0.666667
    """

    _RATIO = "fn"


class _SensitivitySpecificityBase(Metric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; ``result``
    is the best ``dependent`` rate among thresholds whose ``constrained`` rate is >= value."""

    _VALUE = ""

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype=None):
        owner = type(self).__name__
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{owner}: argument `{self._VALUE}` must be in the range [0, 1]. "
                             f"Received: {self._VALUE}={value!r}")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{owner}: argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds!r}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        setattr(self, self._VALUE, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            self.thresholds = [0.0] + [(i + 1) * 1.0 / (num_thresholds - 1)
                                       for i in range(num_thresholds - 2)] + [1.0]
            self._evenly = True
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, tn, fn = _confusion_counts(type(self).__name__, y_true, y_pred, self.thresholds,
                                           self._evenly, sample_weight, class_id=self.class_id)
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.true_negatives = self.true_negatives + tn
        self.false_negatives = self.false_negatives + fn

    def reset_state(self) -> None:
        n = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(n), np.zeros(n)
        self.true_negatives, self.false_negatives = np.zeros(n), np.zeros(n)

    def _rates(self) -> dict:
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        return {"sensitivity": _div_no_nan(tp, tp + fn), "recall": _div_no_nan(tp, tp + fn),
                "specificity": _div_no_nan(tn, tn + fp), "precision": _div_no_nan(tp, tp + fp)}

    def result(self) -> float:
        rates = self._rates()
        feasible = rates[self._VALUE] >= np.float32(self.value)
        return float(np.max(np.where(feasible, rates[self._DEPENDENT], 0.0), initial=0.0))

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._VALUE: self.value}


def _at_class(cls_name: str, value: str, dependent: str, example: str):
    """A ``_SensitivitySpecificityBase`` subclass with Keras's signature
    ``(<value>, num_thresholds=200, class_id=None, name=None, dtype=None)``."""
    signature = inspect.Signature([
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(value, inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d)
          for k, d in (("num_thresholds", 200), ("class_id", None), ("name", None),
                       ("dtype", None)))])

    def init(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        a = dict(bound.arguments)
        a.pop("self")
        _SensitivitySpecificityBase.__init__(self, a.pop(value), **a)

    init.__signature__ = signature
    doc = f"""The best {dependent} among the thresholds where {value} is >= ``{value}``
    (0 when no threshold reaches it).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.{cls_name}(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> round(m.result(), 6)
        {example}
    """
    return type(cls_name, (_SensitivitySpecificityBase,), {
        "__init__": init, "_VALUE": value, "_DEPENDENT": dependent, "__doc__": doc,
        "__module__": __name__, "__qualname__": cls_name})


SensitivityAtSpecificity = _at_class("SensitivityAtSpecificity", "specificity", "sensitivity",
                                     "0.5")
SpecificityAtSensitivity = _at_class("SpecificityAtSensitivity", "sensitivity", "specificity",
                                     "0.666667")
PrecisionAtRecall = _at_class("PrecisionAtRecall", "recall", "precision", "0.5")
RecallAtPrecision = _at_class("RecallAtPrecision", "precision", "recall", "1.0")


# --------------------------------------------------------------------------- F-scores, R2
class FBetaScore(Metric):
    """The F-beta score per class (``average=None``) or averaged (``"micro"``, ``"macro"``,
    ``"weighted"``); ``threshold=None`` counts each row's maximum as its prediction.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.FBetaScore(average="macro", beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.6, 0.7], [0.3, 0.8]])
        >>> round(m.result(), 4)
        0.75
    """

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score", dtype=None):
        owner = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{owner}: invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: "
                             f"average={average!r}")
        if not isinstance(beta, float):
            raise ValueError(f"{owner}: invalid `beta` argument value. It should be a Python "
                             f"float. Received: beta={beta!r} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"{owner}: invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{owner}: invalid `threshold` argument value. It should be a "
                                 f"Python float. Received: threshold={threshold!r} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"{owner}: invalid `threshold` argument value. It should "
                                 f"verify 0 < threshold <= 1. Received: threshold={threshold}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self.reset_state()

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = None
        self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        owner = type(self).__name__
        y_true = _host(y_true).astype("float64")
        y_pred = _host(y_pred).astype("float32")
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError(f"{owner} expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred.shape} and "
                             f"y_true.shape={y_true.shape}.")
        if self.threshold is None:
            pred = (y_pred >= y_pred.max(-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > np.float32(self.threshold)
        pred = pred.astype("float64")
        w = None if sample_weight is None else _host(sample_weight).astype("float64")

        def weighted_sum(val):
            if w is not None:
                val = val * np.expand_dims(w, 1)
            return np.sum(val, axis=self.axis)

        if self.true_positives is None:
            shape = () if self.average == "micro" else (y_pred.shape[-1],)
            self.true_positives, self.false_positives = np.zeros(shape), np.zeros(shape)
            self.false_negatives, self.intermediate_weights = np.zeros(shape), np.zeros(shape)
        self.true_positives = self.true_positives + weighted_sum(pred * y_true)
        self.false_positives = self.false_positives + weighted_sum(pred * (1 - y_true))
        self.false_negatives = self.false_negatives + weighted_sum((1 - pred) * y_true)
        self.intermediate_weights = self.intermediate_weights + weighted_sum(y_true)

    def result(self):
        if self.true_positives is None:
            return 0.0
        eps = config.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        score = precision * recall / (self.beta ** 2 * precision + recall + eps)
        score = score * (1 + self.beta ** 2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + eps)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return np.asarray(score, dtype="float64")

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score (``FBetaScore`` with ``beta=1``).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.F1Score(average="micro", threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.6, 0.7], [0.3, 0.8]])
        >>> round(m.result(), 4)
        0.75
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination per output column, aggregated by
    ``class_aggregation`` and adjusted for ``num_regressors``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.R2Score()
        >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
        >>> round(m.result(), 6)
        0.5
    """

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype=None):
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"R2Score: invalid value for argument `class_aggregation`. "
                             f"Expected one of {valid}. Received: "
                             f"class_aggregation={class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError("R2Score: invalid value for argument `num_regressors`. Expected "
                             f"a value >= 0. Received: num_regressors={num_regressors}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.reset_state()

    def reset_state(self) -> None:
        self.num_samples = 0.0
        self.sum = self.squared_sum = self.total_mse = self.count = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _host(y_true).astype("float64")
        y_pred = _host(y_pred).astype("float64")
        y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred.shape} and "
                             f"y_true.shape={y_true.shape}.")
        w = np.asarray(1.0 if sample_weight is None else _host(sample_weight), "float64")
        if w.ndim == 1:
            w = w[:, None]
        w = np.broadcast_to(w, y_true.shape)
        if self.sum is None:
            zeros = np.zeros(y_pred.shape[-1])
            self.sum = self.squared_sum = self.total_mse = self.count = zeros
        self.sum = self.sum + np.sum(y_true * w, axis=0)
        self.squared_sum = self.squared_sum + np.sum(y_true * y_true * w, axis=0)
        self.total_mse = self.total_mse + np.sum((y_true - y_pred) ** 2 * w, axis=0)
        self.count = self.count + np.sum(w, axis=0)
        self.num_samples += y_true.size

    def result(self):
        if self.sum is None:
            return float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p != 0:
            if p >= n - 1:
                warnings.warn("R2Score: more independent predictors than datapoints (or as "
                              "many as datapoints - 1) in the adjusted R2 score. Falling back "
                              "to the standard R2 score.", stacklevel=2)
            else:
                score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        return float(score) if np.ndim(score) == 0 else np.asarray(score)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# ------------------------------------------------------------------------------------ IoU
class _IoUBase(Metric):
    """A ``(num_classes, num_classes)`` confusion matrix accumulated in ``dtype`` (``int``
    by default, so float sample weights are truncated as in Keras)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: `num_classes` must be a positive "
                             f"integer. Received: num_classes={num_classes!r}")
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.reset_state()

    def reset_state(self) -> None:
        self.total_cm = np.zeros((self.num_classes, self.num_classes), dtype=self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _host(y_true), _host(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        y_true = np.asarray(y_true).astype(self.dtype).reshape(-1)
        y_pred = np.asarray(y_pred).astype(self.dtype).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true and y_pred must have the same "
                             f"number of entries. Received: {y_true.size} and {y_pred.size}")
        w = np.asarray(1 if sample_weight is None else _host(sample_weight))
        if w.dtype.kind == "f" and "int" in self.dtype:
            warnings.warn(f"{type(self).__name__}: float sample weights are cast to the metric's "
                          f"dtype {self.dtype} (truncated, as in Keras); consider integer "
                          "weights or dtype='float32'.", stacklevel=2)
        w = w.astype(self.dtype)
        w = np.broadcast_to(w.reshape(-1) if w.ndim > 1 else w, y_true.shape)
        n = self.num_classes
        keep = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        y_true, y_pred = np.where(keep, y_true, 0), np.where(keep, y_pred, 0)
        w = np.where(keep, w, 0)
        cm = np.zeros((n, n), dtype="float64")
        np.add.at(cm, (y_true.astype("int64"), y_pred.astype("int64")), w)
        self.total_cm = self.total_cm + cm.astype(self.dtype)

    def _ious(self, target_class_ids) -> float:
        cm = self.total_cm
        tp = np.diag(cm).astype("float64")
        denominator = (cm.sum(0) + cm.sum(1)).astype("float64") - tp
        ids = np.asarray(target_class_ids, dtype="int64")
        tp, denominator = tp[ids], denominator[ids]
        valid = denominator > 1e-9
        eps = config.epsilon()
        iou = np.where(valid, tp / (denominator + eps), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + eps))


class IoU(_IoUBase):
    """Intersection over union averaged over ``target_class_ids`` (labels and predictions
    are class ids, or one-hot/scores when ``sparse_y_true``/``sparse_y_pred`` are False).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(m.result(), 6)
        0.333333
    """

    def __init__(self, num_classes: int, target_class_ids, name: str | None = None,
                 dtype=None, ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes \
                or min(target_class_ids) < 0:
            raise ValueError(f"{type(self).__name__}: target class ids {target_class_ids} "
                             f"must be non-empty and in the range [0, {num_classes}).")
        self.target_class_ids = target_class_ids

    def result(self) -> float:
        return self._ious(self.target_class_ids)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels with predictions ``>= threshold``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(m.result(), 6)
        0.333333
    """

    def __init__(self, target_class_ids=(0, 1), threshold: float = 0.5,
                 name: str | None = None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = (_host(y_pred).astype("float32") >= np.float32(self.threshold))
        super().update_state(y_true, y_pred.astype(self.dtype), sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(m.result(), 6)
        0.333333
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels (and scores, unless ``sparse_y_pred``).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.OneHotIoU(num_classes=2, target_class_ids=[1])
        >>> m.update_state([[1, 0], [0, 1], [0, 1]], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
        >>> round(m.result(), 6)
        0.5
    """

    def __init__(self, num_classes: int, target_class_ids, name: str | None = None,
                 dtype=None, ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids,
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels (and scores, unless ``sparse_y_pred``).

    Example:
        >>> from kfront import metrics
        >>> m = metrics.OneHotMeanIoU(num_classes=2)
        >>> m.update_state([[1, 0], [0, 1], [0, 1]], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
        >>> round(m.result(), 6)
        0.5
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


# --------------------------------------------------------------------------- correlations
def _np_pearson_correlation(y_true, y_pred, axis=-1):
    y_pred = np.asarray(y_pred, dtype="float64")
    y_true = np.asarray(y_true, dtype="float64")
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = t / t.std(axis=axis, keepdims=True)
        p = p / p.std(axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def _np_concordance_correlation(y_true, y_pred, axis=-1):
    y_pred = np.asarray(y_pred, dtype="float64")
    y_true = np.asarray(y_true, dtype="float64")
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    t_mean = y_true.mean(axis=axis, keepdims=True)
    p_mean = y_pred.mean(axis=axis, keepdims=True)
    t_var = np.var(y_true - t_mean, axis=axis, keepdims=True)
    p_var = np.var(y_pred - p_mean, axis=axis, keepdims=True)
    # Keras 3.15 centres y_true on y_pred's mean here; kept for equal values
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + np.square(t_mean - p_mean)
    return np.mean(2 * covar / (norm + config.epsilon()), axis=axis)


def pearson_correlation(y_true, y_pred, axis: int = -1):
    """Pearson correlation between ``y_true`` and ``y_pred`` along ``axis``.

    Example:
        >>> from kfront import metrics
        >>> round(float(metrics.pearson_correlation([1.0, 2.0, 3.0], [2.0, 4.0, 7.0])), 4)
        0.9934
    """
    return _floatx_out(_np_pearson_correlation(_host(y_true), _host(y_pred), axis))


def concordance_correlation(y_true, y_pred, axis: int = -1):
    """Concordance correlation between ``y_true`` and ``y_pred`` along ``axis`` (Keras's
    formula).

    Example:
        >>> from kfront import metrics
        >>> round(float(metrics.concordance_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])), 4)
        1.0
    """
    return _floatx_out(_np_concordance_correlation(_host(y_true), _host(y_pred), axis))


_HOST_METRIC_FNS[pearson_correlation] = _np_pearson_correlation
_HOST_METRIC_FNS[concordance_correlation] = _np_concordance_correlation


class PearsonCorrelation(MeanMetricWrapper):
    """Mean Pearson correlation along ``axis``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.PearsonCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
        >>> round(m.result(), 4)
        0.9934
    """

    _FN = staticmethod(pearson_correlation)

    def __init__(self, name: str = "pearson_correlation", dtype=None, axis: int = -1):
        super().__init__(self._FN, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(PearsonCorrelation):
    """Mean concordance correlation along ``axis``.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.ConcordanceCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
        >>> round(m.result(), 4)
        1.0
    """

    _FN = staticmethod(concordance_correlation)

    def __init__(self, name: str = "concordance_correlation", dtype=None, axis: int = -1):
        super().__init__(name=name, dtype=dtype, axis=axis)


# --------------------------------------------------------------- get / serialize / resolve
_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, LogCoshError, AUC, Hinge, SquaredHinge, CategoricalHinge,
            KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall,
            SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall,
            RecallAtPrecision, F1Score, FBetaScore, R2Score, IoU, BinaryIoU, MeanIoU, OneHotIoU,
            OneHotMeanIoU, PearsonCorrelation, ConcordanceCorrelation]
ALL_OBJECTS_DICT: dict[str, Any] = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS_DICT.update({losses._snake_case(c.__name__): c for c in _CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

_FUNCTIONS = {f.__name__: f for f in _HOST_METRIC_FNS if not f.__name__.startswith("_")}
_FUNCTIONS.update({f.__name__: f for f in losses._IMPLS})


def _serialize_fn(fn) -> Any:
    if isinstance(fn, losses.Loss):
        return losses.serialize(fn)
    if isinstance(fn, Metric):
        return serialize(fn)
    return {"module": "builtins", "class_name": "function", "config": fn.__name__,
            "registered_name": "function"}


def _deserialize_fn(config) -> Callable:
    if callable(config):
        return config
    if isinstance(config, dict) and config.get("class_name") != "function":
        module = config.get("module")
        if module == "keras.losses" or (module != "keras.metrics"
                                        and config["class_name"] not in ALL_OBJECTS_DICT):
            return losses.deserialize(config)
        return deserialize(config)
    name = config["config"] if isinstance(config, dict) else config
    if name not in _FUNCTIONS:
        raise ValueError(f"Could not interpret metric function: {name!r}. Known functions: "
                         f"{', '.join(sorted(_FUNCTIONS))}")
    return _FUNCTIONS[name]

_REGISTRY = Registry("metric", ALL_OBJECTS_DICT, Metric, terse=True)


def serialize(metric) -> dict:
    """The Keras-format config of a ``Metric``.

    Example:
        >>> from kfront import metrics
        >>> metrics.serialize(metrics.BinaryAccuracy())["config"]
        {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}
    """
    if isinstance(metric, Metric):
        name = type(metric).__name__
        return {"module": "keras.metrics", "class_name": name, "config": metric.get_config(),
                "registered_name": None if name in ALL_OBJECTS_DICT else name}
    if callable(metric):
        return _serialize_fn(metric)
    raise ValueError(f"Cannot serialize {metric!r}: expected a kfront Metric or a function")


def deserialize(config, custom_objects: dict | None = None):
    """A ``Metric`` (or metric function) from ``serialize``'s output.

    Example:
        >>> from kfront import metrics
        >>> metrics.deserialize({"class_name": "AUC", "config": {"curve": "PR"}}).curve
        'PR'
    """
    from kfront.saving.object_registration import visible_objects
    objects = dict(ALL_OBJECTS_DICT, **visible_objects(custom_objects))
    if isinstance(config, str):
        if config in objects:
            return objects[config]
        return _deserialize_fn(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized metric: {config!r}")
    if config["class_name"] == "function":
        return _deserialize_fn(config)
    cls = objects.get(config["class_name"]) or objects.get(config.get("registered_name"))
    if cls is None:
        raise _REGISTRY.unknown(config["class_name"], objects)
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A metric from a name, a config dict, a ``Metric`` class/instance or a function.

    Strings name ``Metric`` classes in CamelCase or snake_case (``"mse"``, ``"auc"``,
    ``"categorical_accuracy"``), instantiated with defaults, as ``keras.metrics.get``; note
    ``"accuracy"`` gives ``Accuracy`` (exact equality) here, whereas ``compile`` resolves it
    from the shapes (see ``resolve``).

    Example:
        >>> from kfront import metrics
        >>> type(metrics.get("mse")).__name__
        'MeanSquaredError'
    """
    return _REGISTRY.get(identifier, deserialize)


def resolve(identifier, y_true_shape: tuple, y_pred_shape: tuple, loss=None) -> Metric:
    """The ``Metric`` ``compile(metrics=[identifier])`` builds (Keras 3's ``get_metric``).

    ``"accuracy"``/``"acc"`` (any case) become ``BinaryAccuracy`` when ``y_pred``'s last axis
    is 1, else ``SparseCategoricalAccuracy`` when ``y_true`` has lower rank than ``y_pred`` or a
    last axis of 1, else ``CategoricalAccuracy``. ``"crossentropy"``/``"ce"`` pick the matching
    crossentropy metric the same way (a kfront extension: Keras 3 rejects them as metrics).
    A string keeps its spelling as the metric's name (``"acc"`` stays ``"acc"``); functions are
    wrapped in ``MeanMetricWrapper``. ``loss`` is accepted for the trainer's convenience but,
    as in Keras 3, does not influence the choice.

    Example:
        >>> from kfront import metrics
        >>> m = metrics.resolve("acc", (32,), (32, 10), "sparse_categorical_crossentropy")
        >>> type(m).__name__, m.name
        ('SparseCategoricalAccuracy', 'acc')
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    key = str(identifier).lower()
    if key in ("accuracy", "acc", "crossentropy", "ce") and isinstance(identifier, str):
        is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        if key in ("accuracy", "acc"):
            cls = (BinaryAccuracy if is_binary else
                   SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy)
        else:
            cls = (BinaryCrossentropy if is_binary else
                   SparseCategoricalCrossentropy if is_sparse else CategoricalCrossentropy)
        obj = cls(name=identifier)
    else:
        obj = get(identifier)
    name = identifier if isinstance(identifier, str) else losses._object_name(obj)
    if not isinstance(obj, Metric):
        obj = MeanMetricWrapper(obj)
    obj.name = name
    return obj
