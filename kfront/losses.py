"""Losses with the ``keras.losses`` API: per-sample loss functions and ``Loss`` classes.

Every loss function takes ``(y_true, y_pred)`` and returns one loss per sample (the mean over
the last axis, as Keras). ``Loss`` objects add the reduction to a scalar and ``sample_weight``.
All math goes through ``kfront.ops``, so losses are differentiable on every backend.

``y_true`` is cast to ``y_pred``'s dtype (functions) or both to the loss's dtype (``Loss``
objects), as Keras does. Incompatible shapes raise a ``ValueError`` naming the loss and both
shapes.

Example:
    >>> import numpy as np
    >>> from kfront import losses
    >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
    >>> [float(v) for v in losses.mean_squared_error(y_true, y_pred)]
    [0.5, 0.5]
    >>> float(losses.MeanSquaredError()(y_true, y_pred))
    0.5
    >>> float(losses.get("mse")(y_true, y_pred)[0])
    0.5
"""
from __future__ import annotations

import collections
import inspect
import math
import re
from typing import Any, Callable

import numpy as np

from kfront import config, distribution, ops
from kfront.backends.common import keras_mask
from kfront.utils.registry import Registry

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber",
    "LogCosh", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "Dice", "Tversky",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh", "logcosh",
    "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "dice", "tversky",
    "mse", "mae", "mape", "msle", "kld", "get", "serialize", "deserialize", "resolve",
    "reduce_weighted_values", "squeeze_or_expand_to_same_rank", "CTC", "Circle",
    "CategoricalGeneralizedCrossEntropy", "ctc", "circle",
    "categorical_generalized_cross_entropy",
]

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)

_uids: collections.Counter = collections.Counter()


def _auto_name(cls_name: str) -> str:
    """Keras's naming: ``loss_function_wrapper``, then ``loss_function_wrapper_1``..."""
    prefix = _snake_case(cls_name)
    n = _uids[prefix]
    _uids[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def _snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# ------------------------------------------------------------------------- host namespace
class _HostOps:
    """The subset of ``kfront.ops`` the loss formulas use, on host numpy float64 arrays.

    ``kfront.metrics`` evaluates the same formulas with this namespace, so metric values do
    not depend on the backend and build no graph."""

    @staticmethod
    def convert_to_tensor(x, dtype=None):
        a = np.asarray(x)
        if dtype is not None:
            return a.astype(dtype, copy=False)
        return a.astype("float64") if a.dtype.kind in "iub" else a

    dtype = staticmethod(lambda x: np.asarray(x).dtype.name)
    shape = staticmethod(lambda x: tuple(np.shape(x)))
    cast = staticmethod(lambda x, dtype: np.asarray(x).astype(dtype))
    mean, sum, max = staticmethod(np.mean), staticmethod(np.sum), staticmethod(np.max)
    square, abs, sqrt = staticmethod(np.square), staticmethod(np.abs), staticmethod(np.sqrt)
    log, exp, power = staticmethod(np.log), staticmethod(np.exp), staticmethod(np.power)
    maximum, minimum = staticmethod(np.maximum), staticmethod(np.minimum)
    clip, where = staticmethod(np.clip), staticmethod(np.where)
    equal, not_equal = staticmethod(np.equal), staticmethod(np.not_equal)
    less_equal = staticmethod(np.less_equal)
    logical_or, all = staticmethod(np.logical_or), staticmethod(np.all)
    expand_dims, squeeze = staticmethod(np.expand_dims), staticmethod(np.squeeze)
    reshape, negative = staticmethod(np.reshape), staticmethod(np.negative)
    add, subtract = staticmethod(np.add), staticmethod(np.subtract)
    multiply, divide = staticmethod(np.multiply), staticmethod(np.divide)
    softplus = staticmethod(lambda x: np.logaddexp(0.0, x))

    @staticmethod
    def sigmoid(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def _log_softmax(x, axis):
        z = x - np.max(x, axis=axis, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))

    @staticmethod
    def softmax(x, axis=-1):
        return np.exp(_HostOps._log_softmax(x, axis))

    @staticmethod
    def categorical_crossentropy(target, output, from_logits=False, axis=-1):
        if from_logits:
            logp = _HostOps._log_softmax(output, axis)
        else:
            output = output / np.sum(output, axis=axis, keepdims=True)
            eps = config.epsilon()
            logp = np.log(np.clip(output, eps, 1.0 - eps))
        return -np.sum(target * logp, axis=axis)

    @staticmethod
    def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
        target = np.asarray(target).astype("int64")
        if target.ndim == output.ndim and target.shape[-1] == 1:
            target = np.squeeze(target, -1)
        if from_logits:
            logp = _HostOps._log_softmax(output, axis)
        else:
            output = output / np.sum(output, axis=axis, keepdims=True)
            eps = config.epsilon()
            logp = np.log(np.clip(output, eps, 1.0 - eps))
        idx = np.expand_dims(target, axis)
        return -np.squeeze(np.take_along_axis(logp, idx, axis=axis), axis)

    @staticmethod
    def binary_crossentropy(target, output, from_logits=False):
        if from_logits:
            return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
        eps = config.epsilon()
        output = np.clip(output, eps, 1.0 - eps)
        return -(target * np.log(output) + (1.0 - target) * np.log(1.0 - output))


_host = _HostOps()


# --------------------------------------------------------------------------- shape helpers
def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True, _K=ops):
    """Squeeze or expand the last axis of one input when the ranks differ by exactly 1 and
    that axis has size 1 (Keras's rule). A rank-1 input is expanded rather than the other
    squeezed when ``expand_rank_1``.

    Example:
        >>> import numpy as np
        >>> from kfront.losses import squeeze_or_expand_to_same_rank
        >>> a, b = squeeze_or_expand_to_same_rank(np.zeros((4, 1)), np.zeros(4))
        >>> a.shape, b.shape
        ((4, 1), (4, 1))
    """
    r1, r2 = len(_K.shape(x1)), len(_K.shape(x2))
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and _K.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _K.expand_dims(x2, -1)
        else:
            x1 = _K.squeeze(x1, -1)
    if r2 == r1 + 1 and _K.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _K.expand_dims(x1, -1)
        else:
            x2 = _K.squeeze(x2, -1)
    return x1, x2


class _ShapeError(ValueError):
    """Incompatible ``y_true`` / ``y_pred`` shapes (re-raised by ``Loss`` with its name)."""

    def __init__(self, fn_name: str, true_shape: tuple, pred_shape: tuple, expected: str):
        self.fn_name, self.true_shape, self.pred_shape = fn_name, true_shape, pred_shape
        self.expected = expected
        super().__init__(self.message(fn_name))

    def message(self, loss_name: str) -> str:
        return (f"Loss '{loss_name}': y_true and y_pred have incompatible shapes: "
                f"y_true.shape={self.true_shape}, y_pred.shape={self.pred_shape} "
                f"(expected {self.expected})")


def _check_broadcastable(name, K, y_true, y_pred) -> None:
    st, sp = tuple(K.shape(y_true)), tuple(K.shape(y_pred))
    try:
        np.broadcast_shapes(st, sp)
    except ValueError:
        raise _ShapeError(name, st, sp, "shapes that broadcast together") from None


def _check_same_shape(name, K, y_true, y_pred) -> None:
    st, sp = tuple(K.shape(y_true)), tuple(K.shape(y_pred))
    if st != sp:
        raise _ShapeError(name, st, sp, "equal shapes")


def _prep(K, y_true, y_pred, cast: bool = False):
    """``y_pred`` as a float tensor, ``y_true`` converted to its dtype."""
    y_pred = K.convert_to_tensor(y_pred)
    if K.dtype(y_pred) not in ("float16", "bfloat16", "float32", "float64"):
        y_pred = K.cast(y_pred, config.floatx() if K is ops else "float64")
    if cast:
        y_true = K.cast(K.convert_to_tensor(y_true), K.dtype(y_pred))
    else:
        y_true = K.convert_to_tensor(y_true, dtype=K.dtype(y_pred))
    return y_true, y_pred


# ---------------------------------------------------------------------- formulas (any ops)
def _mean_squared_error(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("mean_squared_error", K, y_true, y_pred)
    return K.mean(K.square(K.subtract(y_true, y_pred)), axis=-1)


def _mean_absolute_error(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("mean_absolute_error", K, y_true, y_pred)
    return K.mean(K.abs(K.subtract(y_true, y_pred)), axis=-1)


def _mean_absolute_percentage_error(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("mean_absolute_percentage_error", K, y_true, y_pred)
    diff = K.abs(K.divide(K.subtract(y_true, y_pred),
                          K.maximum(K.abs(y_true), config.epsilon())))
    return K.multiply(100.0, K.mean(diff, axis=-1))


def _mean_squared_logarithmic_error(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("mean_squared_logarithmic_error", K, y_true, y_pred)
    eps = config.epsilon()
    first = K.log(K.add(K.maximum(y_pred, eps), 1.0))
    second = K.log(K.add(K.maximum(y_true, eps), 1.0))
    return K.mean(K.square(K.subtract(first, second)), axis=-1)


def _l2_normalize(K, x, axis):
    # x / max(||x||, eps), as keras.ops.normalize (whose x * rsqrt form has the same value);
    # the max inside the sqrt keeps the gradient finite at x = 0.
    eps = config.epsilon()
    sq = K.sum(K.square(x), axis=axis, keepdims=True)
    return K.divide(x, K.sqrt(K.maximum(sq, eps * eps)))


def _cosine_similarity(K, y_true, y_pred, axis=-1):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("cosine_similarity", K, y_true, y_pred)
    y_pred = _l2_normalize(K, y_pred, axis)
    y_true = _l2_normalize(K, y_true, axis)
    return K.negative(K.sum(K.multiply(y_true, y_pred), axis=axis))


def _huber(K, y_true, y_pred, delta=1.0):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("huber", K, y_true, y_pred)
    delta = float(delta)
    error = K.subtract(y_pred, y_true)
    abs_error = K.abs(error)
    quadratic = K.multiply(0.5, K.square(error))
    linear = K.subtract(K.multiply(delta, abs_error), 0.5 * delta * delta)
    return K.mean(K.where(K.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def _log_cosh(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, _K=K)
    _check_broadcastable("log_cosh", K, y_true, y_pred)
    x = K.subtract(y_pred, y_true)
    return K.mean(K.subtract(K.add(x, K.softplus(K.multiply(x, -2.0))), math.log(2.0)),
                  axis=-1)


def _to_hinge_labels(K, y_true):
    """{0, 1} labels become {-1, 1}; other labels are left alone (Keras's rule)."""
    is_binary = K.all(K.logical_or(K.equal(y_true, 0), K.equal(y_true, 1)))
    return K.where(is_binary, K.subtract(K.multiply(2.0, y_true), 1.0), y_true)


def _hinge(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_broadcastable("hinge", K, y_true, y_pred)
    y_true = _to_hinge_labels(K, y_true)
    return K.mean(K.maximum(K.subtract(1.0, K.multiply(y_true, y_pred)), 0.0), axis=-1)


def _squared_hinge(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_broadcastable("squared_hinge", K, y_true, y_pred)
    y_true = _to_hinge_labels(K, y_true)
    return K.mean(K.square(K.maximum(K.subtract(1.0, K.multiply(y_true, y_pred)), 0.0)),
                  axis=-1)


def _categorical_hinge(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_broadcastable("categorical_hinge", K, y_true, y_pred)
    pos = K.sum(K.multiply(y_true, y_pred), axis=-1)
    neg = K.max(K.multiply(K.subtract(1.0, y_true), y_pred), axis=-1)
    return K.maximum(K.add(K.subtract(neg, pos), 1.0), 0.0)


def _kl_divergence(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    _check_broadcastable("kl_divergence", K, y_true, y_pred)
    eps = config.epsilon()
    y_true = K.clip(y_true, eps, 1.0)
    y_pred = K.clip(y_pred, eps, 1.0)
    return K.sum(K.multiply(y_true, K.log(K.divide(y_true, y_pred))), axis=-1)


def _poisson(K, y_true, y_pred):
    y_true, y_pred = _prep(K, y_true, y_pred)
    _check_broadcastable("poisson", K, y_true, y_pred)
    return K.mean(K.subtract(y_pred, K.multiply(y_true, K.log(K.add(y_pred, config.epsilon())))),
                  axis=-1)


def _check_axis(axis) -> None:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")


def _categorical_crossentropy(K, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                              axis=-1):
    _check_axis(axis)
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_same_shape("categorical_crossentropy", K, y_true, y_pred)
    if len(K.shape(y_pred)) < 1:
        raise _ShapeError("categorical_crossentropy", (), (), "tensors of rank >= 1")
    if label_smoothing:
        num_classes = K.shape(y_true)[-1]  # Keras uses the last axis whatever ``axis`` is
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing),
                       label_smoothing / num_classes)
    return K.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def _sparse_categorical_crossentropy(K, y_true, y_pred, from_logits=False, ignore_class=None,
                                     axis=-1):
    _check_axis(axis)
    y_pred = K.convert_to_tensor(y_pred)
    if K.dtype(y_pred) not in ("float16", "bfloat16", "float32", "float64"):
        y_pred = K.cast(y_pred, config.floatx() if K is ops else "float64")
    y_true = K.convert_to_tensor(y_true)
    st, sp = tuple(K.shape(y_true)), tuple(K.shape(y_pred))
    if len(sp) < 1:
        raise _ShapeError("sparse_categorical_crossentropy", st, sp, "y_pred of rank >= 1")
    if len(st) == len(sp) and st[axis] == 1:
        y_true = K.squeeze(y_true, axis)
    class_axis = axis % len(sp)
    res_shape = tuple(d for i, d in enumerate(sp) if i != class_axis)
    if tuple(K.shape(y_true)) != res_shape:
        raise _ShapeError("sparse_categorical_crossentropy", st, sp,
                          f"y_true.shape == y_pred.shape without the class axis, {res_shape}")
    valid = None
    if ignore_class is not None:
        valid = K.not_equal(y_true, ignore_class)
        y_true = K.where(valid, y_true, 0)
        y_pred = K.where(K.expand_dims(valid, axis), y_pred, 0.0)
    res = K.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        res = K.where(valid, res, 0.0)
    return res


def _binary_crossentropy(K, y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_same_shape("binary_crossentropy", K, y_true, y_pred)
    if label_smoothing:
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return K.mean(K.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def _binary_focal_crossentropy(K, y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                               gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_same_shape("binary_focal_crossentropy", K, y_true, y_pred)
    if label_smoothing:
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    # from logits, the crossentropy term uses the stable logits form (as Keras's TensorFlow
    # backend, which recovers the logits of a sigmoid output)
    bce = K.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    if from_logits:
        y_pred = K.sigmoid(y_pred)
    p_t = K.add(K.multiply(y_true, y_pred),
                K.multiply(K.subtract(1.0, y_true), K.subtract(1.0, y_pred)))
    focal = K.multiply(K.power(K.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = K.add(K.multiply(y_true, alpha), K.multiply(K.subtract(1.0, y_true), 1 - alpha))
        focal = K.multiply(weight, focal)
    return K.mean(focal, axis=axis)


def _categorical_focal_crossentropy(K, y_true, y_pred, alpha=0.25, gamma=2.0,
                                    from_logits=False, label_smoothing=0.0, axis=-1):
    _check_axis(axis)
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_same_shape("categorical_focal_crossentropy", K, y_true, y_pred)
    if label_smoothing:
        num_classes = K.shape(y_true)[-1]
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing),
                       label_smoothing / num_classes)
    if from_logits:
        y_pred = K.softmax(y_pred, axis=axis)
    output = K.divide(y_pred, K.sum(y_pred, axis=axis, keepdims=True))
    eps = config.epsilon()
    output = K.clip(output, eps, 1.0 - eps)
    cce = K.multiply(K.negative(y_true), K.log(output))
    weighting = K.multiply(K.power(K.subtract(1.0, output), gamma), alpha)
    return K.sum(K.multiply(weighting, cce), axis=axis)


def _dice(K, y_true, y_pred, axis=None):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_broadcastable("dice", K, y_true, y_pred)
    inter = K.sum(K.multiply(y_true, y_pred), axis=axis)
    denom = K.add(K.add(K.sum(y_true, axis=axis), K.sum(y_pred, axis=axis)), config.epsilon())
    return K.subtract(1.0, K.divide(K.multiply(2.0, inter), denom))


def _tversky(K, y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    y_true, y_pred = _prep(K, y_true, y_pred, cast=True)
    _check_broadcastable("tversky", K, y_true, y_pred)
    inter = K.sum(K.multiply(y_true, y_pred), axis=axis)
    fp = K.sum(K.multiply(K.subtract(1.0, y_pred), y_true), axis=axis)
    fn = K.sum(K.multiply(y_pred, K.subtract(1.0, y_true)), axis=axis)
    denom = K.add(K.add(K.add(inter, K.multiply(fp, alpha)), K.multiply(fn, beta)),
                  config.epsilon())
    return K.subtract(1.0, K.divide(inter, denom))


# -------------------------------------------------------------------- public loss functions
def mean_squared_error(y_true, y_pred):
    """Mean of ``square(y_true - y_pred)`` over the last axis. (..., d), (..., d) -> (...).

    Example:
        >>> from kfront import losses
        >>> float(losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])[0])
        0.5
    """
    return _mean_squared_error(ops, y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Mean of ``abs(y_true - y_pred)`` over the last axis.

    Example:
        >>> from kfront import losses
        >>> float(losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]])[0])
        1.5
    """
    return _mean_absolute_error(ops, y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)))`` over the last axis.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]])[0]), 4)
        25.0
    """
    return _mean_absolute_percentage_error(ops, y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of ``square(log(y_pred + 1) - log(y_true + 1))`` (inputs floored at epsilon).

    Example:
        >>> from kfront import losses
        >>> float(losses.mean_squared_logarithmic_error([[0.0]], [[0.0]])[0])
        0.0
    """
    return _mean_squared_logarithmic_error(ops, y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """Negative cosine similarity along ``axis``: -1 for parallel vectors, 0 orthogonal.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.cosine_similarity([[0.0, 2.0]], [[0.0, 3.0]])[0]), 5)
        -1.0
    """
    return _cosine_similarity(ops, y_true, y_pred, axis=axis)


def huber(y_true, y_pred, delta: float = 1.0):
    """Huber loss: quadratic for ``|error| <= delta``, linear beyond; mean over the last axis.

    Example:
        >>> from kfront import losses
        >>> float(losses.huber([[0.0, 0.0]], [[0.5, 3.0]])[0])
        1.3125
    """
    return _huber(ops, y_true, y_pred, delta=delta)


def log_cosh(y_true, y_pred):
    """Mean of ``log(cosh(y_pred - y_true))`` over the last axis, computed stably.

    Example:
        >>> from kfront import losses
        >>> float(losses.log_cosh([[1.0]], [[1.0]])[0])
        0.0
    """
    return _log_cosh(ops, y_true, y_pred)


logcosh = log_cosh


def hinge(y_true, y_pred):
    """Mean of ``max(1 - y_true * y_pred, 0)``; {0, 1} labels are mapped to {-1, 1} first.

    Example:
        >>> from kfront import losses
        >>> float(losses.hinge([[1.0, 0.0]], [[0.5, -2.0]])[0])
        0.25
    """
    return _hinge(ops, y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """Mean of ``square(max(1 - y_true * y_pred, 0))`` ({0, 1} labels mapped to {-1, 1}).

    Example:
        >>> from kfront import losses
        >>> float(losses.squared_hinge([[1.0, 0.0]], [[0.5, -2.0]])[0])
        0.125
    """
    return _squared_hinge(ops, y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` per sample.

    Example:
        >>> from kfront import losses
        >>> float(losses.categorical_hinge([[0.0, 1.0]], [[0.25, 0.75]])[0])
        0.5
    """
    return _categorical_hinge(ops, y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))`` over the last axis
    (both clipped to [epsilon, 1]).

    Example:
        >>> from kfront import losses
        >>> float(losses.kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])[0])
        0.0
    """
    return _kl_divergence(ops, y_true, y_pred)


def poisson(y_true, y_pred):
    """Mean of ``y_pred - y_true * log(y_pred + epsilon)`` over the last axis.

    Example:
        >>> from kfront import losses
        >>> float(losses.poisson([[0.0]], [[2.0]])[0])
        2.0
    """
    return _poisson(ops, y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1):
    """Crossentropy between one-hot (or soft) labels and predicted probabilities or logits.
    (..., k), (..., k) -> (...). ``label_smoothing`` mixes labels with the uniform 1/k.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])[0]), 5)
        0.69315
    """
    return _categorical_crossentropy(ops, y_true, y_pred, from_logits=from_logits,
                                     label_smoothing=label_smoothing, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1):
    """Crossentropy with integer labels: (...) or (..., 1), (..., k) -> (...).

    ``ignore_class``: entries with this label get loss 0 (and ``SparseCategoricalCrossentropy``
    leaves them out of the mean, as Keras).

    Example:
        >>> from kfront import losses
        >>> round(float(losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 5)
        0.69315
    """
    return _sparse_categorical_crossentropy(ops, y_true, y_pred, from_logits=from_logits,
                                            ignore_class=ignore_class, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1):
    """Elementwise binary crossentropy, averaged over ``axis``. ``label_smoothing`` moves
    labels towards 0.5.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.binary_crossentropy([[1.0, 0.0]], [[0.5, 0.5]])[0]), 5)
        0.69315
    """
    return _binary_crossentropy(ops, y_true, y_pred, from_logits=from_logits,
                                label_smoothing=label_smoothing, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1):
    """Binary crossentropy down-weighting easy examples by ``(1 - p_t) ** gamma``.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.binary_focal_crossentropy([[1.0]], [[0.5]])[0]), 5)
        0.17329
    """
    return _binary_focal_crossentropy(ops, y_true, y_pred,
                                      apply_class_balancing=apply_class_balancing, alpha=alpha,
                                      gamma=gamma, from_logits=from_logits,
                                      label_smoothing=label_smoothing, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1):
    """Categorical crossentropy weighted by ``alpha * (1 - p) ** gamma``.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])[0]), 5)
        0.04332
    """
    return _categorical_focal_crossentropy(ops, y_true, y_pred, alpha=alpha, gamma=gamma,
                                           from_logits=from_logits,
                                           label_smoothing=label_smoothing, axis=axis)


def dice(y_true, y_pred, axis=None):
    """Dice loss ``1 - 2 |y_true * y_pred| / (|y_true| + |y_pred|)`` (sums over ``axis``).

    Example:
        >>> from kfront import losses
        >>> round(float(losses.dice([[1.0, 0.0]], [[1.0, 0.0]])), 5)
        0.0
    """
    return _dice(ops, y_true, y_pred, axis=axis)


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """Tversky loss: dice with false positives weighted by ``alpha``, negatives by ``beta``.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.tversky([[1.0, 0.0]], [[1.0, 0.0]])), 5)
        0.0
    """
    return _tversky(ops, y_true, y_pred, alpha=alpha, beta=beta, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy

# public function -> the same formula evaluated on host numpy arrays (used by kfront.metrics)
_IMPLS = {
    mean_squared_error: _mean_squared_error,
    mean_absolute_error: _mean_absolute_error,
    mean_absolute_percentage_error: _mean_absolute_percentage_error,
    mean_squared_logarithmic_error: _mean_squared_logarithmic_error,
    cosine_similarity: _cosine_similarity,
    huber: _huber,
    log_cosh: _log_cosh,
    hinge: _hinge,
    squared_hinge: _squared_hinge,
    categorical_hinge: _categorical_hinge,
    kl_divergence: _kl_divergence,
    poisson: _poisson,
    categorical_crossentropy: _categorical_crossentropy,
    sparse_categorical_crossentropy: _sparse_categorical_crossentropy,
    binary_crossentropy: _binary_crossentropy,
    binary_focal_crossentropy: _binary_focal_crossentropy,
    categorical_focal_crossentropy: _categorical_focal_crossentropy,
    dice: _dice,
    tversky: _tversky,
}


def host_function(fn: Callable) -> Callable | None:
    """The host (numpy float64) evaluation of a kfront loss function, or None for others."""
    impl = _IMPLS.get(fn)
    if impl is None:
        return None
    return lambda y_true, y_pred, **kw: impl(_host, y_true, y_pred, **kw)


# --------------------------------------------------------------------------------- reduction
def _standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{set(REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a boolean ``mask`` of valid entries into ``sample_weight`` (Keras's rule: for
    mean reductions valid entries weigh ``total / valid`` so the mean is over valid ones)."""
    if mask is None:
        return sample_weight
    mask = ops.convert_to_tensor(mask)
    if reduction in ("mean", "sum_over_batch_size"):
        # stays a tensor (no host read-back), so it traces inside compiled steps
        total = float(math.prod(ops.shape(mask)))
        valid = ops.sum(ops.cast(mask, dtype))
        weight = ops.divide(total, ops.maximum(valid, 1.0))  # valid == 0: every entry masked
        float_mask = ops.cast(ops.where(mask, weight, 0.0), dtype)
    else:
        float_mask = ops.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return ops.multiply(sample_weight, float_mask)


def _reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    shape = tuple(ops.shape(values))
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = ops.cast(ops.sum(sample_weight), ops.dtype(loss))
            zero = ops.equal(divisor, 0.0)
            safe = ops.where(zero, 1.0, divisor)
            loss = ops.where(zero, ops.zeros_like(loss), ops.divide(loss, safe))
        else:
            n = math.prod(shape)
            loss = ops.divide(loss, n) if n else ops.multiply(loss, 0.0)
    # on a tf.distribute strategy's replicas, in a user's step: / replicas, as Keras
    return distribution.scale_loss(loss)


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction: str | None = "sum_over_batch_size", dtype=None):
    """Weight per-sample ``values`` by ``sample_weight`` (and a boolean ``mask``) and reduce
    them as Keras's ``Loss`` does.

    ``sample_weight`` is matched to ``values`` by squeezing/expanding a trailing size-1 axis,
    then broadcast. Reductions: ``"sum_over_batch_size"`` / ``"mean"`` (sum / number of
    entries, weights included, so weights do not renormalise), ``"sum"``,
    ``"mean_with_sample_weight"`` (sum / sum of weights), ``None`` / ``"none"`` (no reduction).

    Example:
        >>> import numpy as np
        >>> from kfront.losses import reduce_weighted_values
        >>> float(reduce_weighted_values(np.array([1.0, 3.0]), np.array([1.0, 0.0])))
        0.5
    """
    reduction = _standardize_reduction(reduction)
    dtype = dtype or config.floatx()
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
    sample_weight = _apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        sv, sw = tuple(ops.shape(values)), tuple(ops.shape(sample_weight))
        try:
            np.broadcast_shapes(sv, sw)
        except ValueError:
            raise ValueError(f"sample_weight of shape {sw} does not broadcast to the per-sample "
                             f"losses of shape {sv}") from None
        values = ops.multiply(values, sample_weight)
    return _reduce_values(values, sample_weight, reduction)


# ----------------------------------------------------------------------------- Loss classes
class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred)`` returning
    per-sample losses; calling the object reduces them to a scalar.

    Args:
        name: name of the loss (default: the snake-cased class name).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        dtype: dtype of the computation (default ``kfront.config.floatx()``).

    Example:
        >>> import numpy as np
        >>> from kfront import losses, ops
        >>> class Cube(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.abs(y_true - y_pred) ** 3, axis=-1)
        >>> float(Cube()(np.zeros((2, 1)), np.full((2, 1), 2.0)))
        8.0
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype=None):
        self.name = name or _auto_name(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self._dtype = ops.standardize_dtype(dtype) if dtype is not None else config.floatx()

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (a scalar tensor unless ``reduction`` is ``None``/``"none"``)."""
        in_mask = keras_mask.get_keras_mask(y_pred)  # a masked model output, as Keras reads it
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        try:
            values, mask = self._call_with_mask(y_true, y_pred)
        except _ShapeError as e:
            raise ValueError(e.message(self.name)) from None
        if in_mask is not None:
            mask = in_mask if mask is None else ops.logical_and(mask, in_mask)
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        """Per-sample losses; subclasses implement it with ``kfront.ops``."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a per-sample loss function ``fn(y_true, y_pred, **kwargs)``.

    Example:
        >>> from kfront import losses
        >>> loss = losses.LossFunctionWrapper(losses.mean_absolute_error, name="l1")
        >>> float(loss([[0.0], [0.0]], [[1.0], [3.0]]))
        2.0
    """

    def __init__(self, fn: Callable, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "LossFunctionWrapper":
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _ConfiguredLoss(LossFunctionWrapper):
    """A ``LossFunctionWrapper`` subclass with Keras's explicit signature: its config is
    ``Loss``'s plus the arguments named in ``_config_keys`` (kept as attributes), not ``fn``."""

    _config_keys: tuple = ()

    def __init__(self, fn: Callable, reduction, name, dtype, **kwargs):
        super().__init__(fn, name=name, reduction=reduction, dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


def _simple_loss(cls_name: str, fn: Callable, default_name: str, doc: str):
    """A LossFunctionWrapper subclass with Keras's (reduction, name, dtype) signature."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = default_name, dtype=None):
        _ConfiguredLoss.__init__(self, fn, reduction, name, dtype)

    cls = type(cls_name, (_ConfiguredLoss,), {
        "__init__": __init__, "__doc__": doc, "__module__": __name__, "__qualname__": cls_name})
    return cls


MeanSquaredError = _simple_loss("MeanSquaredError", mean_squared_error, "mean_squared_error", """
    Mean of squares of errors.

    Example:
        >>> from kfront import losses
        >>> float(losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """)
MeanAbsoluteError = _simple_loss("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                                 """
    Mean of absolute errors.

    Example:
        >>> from kfront import losses
        >>> float(losses.MeanAbsoluteError(reduction="sum")([[0.0], [1.0]], [[1.0], [3.0]]))
        3.0
    """)
MeanAbsolutePercentageError = _simple_loss(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", """
    Mean absolute percentage error (0-100 scale).

    Example:
        >>> from kfront import losses
        >>> round(float(losses.MeanAbsolutePercentageError()([[2.0]], [[1.0]])), 3)
        50.0
    """)
MeanSquaredLogarithmicError = _simple_loss(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", """
    Mean squared error of ``log(1 + y)``.

    Example:
        >>> from kfront import losses
        >>> float(losses.MeanSquaredLogarithmicError()([[1.0]], [[1.0]]))
        0.0
    """)
LogCosh = _simple_loss("LogCosh", log_cosh, "log_cosh", """
    Mean of ``log(cosh(error))``.

    Example:
        >>> from kfront import losses
        >>> float(losses.LogCosh()([[1.0]], [[1.0]]))
        0.0
    """)
Hinge = _simple_loss("Hinge", hinge, "hinge", """
    Hinge loss (``{0, 1}`` labels are mapped to ``{-1, 1}``).

    Example:
        >>> from kfront import losses
        >>> float(losses.Hinge()([[1.0, 0.0]], [[0.5, -2.0]]))
        0.25
    """)
SquaredHinge = _simple_loss("SquaredHinge", squared_hinge, "squared_hinge", """
    Squared hinge loss.

    Example:
        >>> from kfront import losses
        >>> float(losses.SquaredHinge()([[1.0, 0.0]], [[0.5, -2.0]]))
        0.125
    """)
CategoricalHinge = _simple_loss("CategoricalHinge", categorical_hinge, "categorical_hinge", """
    Categorical hinge loss.

    Example:
        >>> from kfront import losses
        >>> float(losses.CategoricalHinge()([[0.0, 1.0]], [[0.25, 0.75]]))
        0.5
    """)
KLDivergence = _simple_loss("KLDivergence", kl_divergence, "kl_divergence", """
    Kullback-Leibler divergence.

    Example:
        >>> from kfront import losses
        >>> float(losses.KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]]))
        0.0
    """)
Poisson = _simple_loss("Poisson", poisson, "poisson", """
    Poisson loss ``y_pred - y_true * log(y_pred)``.

    Example:
        >>> from kfront import losses
        >>> float(losses.Poisson()([[0.0]], [[2.0]]))
        2.0
    """)


class CosineSimilarity(_ConfiguredLoss):
    """Negative cosine similarity along ``axis``.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.CosineSimilarity()([[0.0, 1.0]], [[0.0, 5.0]])), 5)
        -1.0
    """

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(_ConfiguredLoss):
    """Huber loss with threshold ``delta``.

    Example:
        >>> from kfront import losses
        >>> float(losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]]))
        1.3125
    """

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str = "huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class BinaryCrossentropy(_ConfiguredLoss):
    """Binary crossentropy for 0/1 labels and probabilities (or logits).

    Example:
        >>> from kfront import losses
        >>> loss = losses.BinaryCrossentropy(from_logits=True)
        >>> round(float(loss([[1.0], [0.0]], [[0.0], [0.0]])), 5)
        0.69315
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_ConfiguredLoss):
    """Binary focal crossentropy.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.BinaryFocalCrossentropy()([[1.0]], [[0.5]])), 5)
        0.17329
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_ConfiguredLoss):
    """Crossentropy for one-hot labels and probabilities (or logits).

    Example:
        >>> from kfront import losses
        >>> loss = losses.CategoricalCrossentropy(from_logits=True)
        >>> round(float(loss([[0.0, 1.0]], [[0.0, 0.0]])), 5)
        0.69315
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_ConfiguredLoss):
    """Categorical focal crossentropy.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.CategoricalFocalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])), 5)
        0.04332
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_ConfiguredLoss):
    """Crossentropy for integer labels and probabilities (or logits).

    With ``ignore_class``, entries with that label are left out of the reduction (the mean
    is over the other entries), as Keras.

    Example:
        >>> from kfront import losses
        >>> loss = losses.SparseCategoricalCrossentropy(from_logits=True)
        >>> round(float(loss([1, 0], [[0.0, 0.0], [0.0, 0.0]])), 5)
        0.69315
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def _call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values = self.fn(y_true, y_pred, **self._fn_kwargs)
        if self.ignore_class is None:
            return values, None
        labels = y_true
        axis = self._fn_kwargs["axis"]
        if len(ops.shape(labels)) == len(ops.shape(y_pred)) and ops.shape(labels)[axis] == 1:
            labels = ops.squeeze(labels, axis)
        return values, ops.not_equal(labels, self.ignore_class)


class Dice(_ConfiguredLoss):
    """Dice loss.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.Dice()([[1.0, 0.0]], [[1.0, 0.0]])), 5)
        0.0
    """

    _config_keys = ("axis",)

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "dice",
                 axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(_ConfiguredLoss):
    """Tversky loss.

    Example:
        >>> from kfront import losses
        >>> round(float(losses.Tversky()([[1.0, 0.0]], [[1.0, 0.0]])), 5)
        0.0
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha: float = 0.5, beta: float = 0.5,
                 reduction: str | None = "sum_over_batch_size", name: str = "tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)


# ------------------------------------------------------ CTC, circle, generalized crossentropy
def ctc(y_true, y_pred):
    """CTC loss per sequence: ``y_true`` int labels (batch, max_length) padded with 0 (the
    blank, ``mask_index=0``), ``y_pred`` logits (batch, time, classes), every frame valid.

    Example:
        >>> import numpy as np
        >>> from kfront import losses
        >>> loss = losses.ctc(np.array([[1]]), np.zeros((1, 2, 2), "float32"))
        >>> round(float(loss[0]), 4)
        0.2877
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(ops.shape(y_true)) != 2:
        raise ValueError("ctc: targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. Received: "
                         f"y_true.shape={tuple(ops.shape(y_true))}")
    if len(ops.shape(y_pred)) != 3:
        raise ValueError("ctc: logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. Received: "
                         f"y_pred.shape={tuple(ops.shape(y_pred))}")
    batch, steps = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
    input_length = ops.multiply(steps, ops.ones((batch,), dtype="int32"))
    label_length = ops.cast(ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1),
                            "int32")
    return ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, input_length,
                        mask_index=0)


def _circle_masks(y_true, ref_labels, remove_diagonal):
    query = ops.reshape(y_true, (-1, 1)) if len(ops.shape(y_true)) == 1 else y_true
    key = ops.reshape(ref_labels, (-1, 1)) if len(ops.shape(ref_labels)) == 1 else ref_labels
    positive = ops.equal(query, ops.transpose(key))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        n, m = math.prod(ops.shape(query)), math.prod(ops.shape(key))
        positive = ops.logical_and(positive, ops.logical_not(ops.eye(n, m, dtype="bool")))
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4):
    """Circle loss per sample: ``y_true`` int labels (batch,), ``y_pred`` L2-normalized
    embeddings (batch, dim), compared with ``ref_embeddings``/``ref_labels`` (default: the
    batch itself) by cosine distance (Keras's formula).

    Example:
        >>> import numpy as np
        >>> from kfront import losses
        >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
        >>> [round(float(v), 4) for v in losses.circle(np.array([0, 0, 1]), emb)]
        [0.0, 0.0, 0.0]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    if len(ops.shape(y_pred)) != 2:
        raise ValueError("circle: `y_pred` must be embeddings of shape (batch_size, dim). "
                         f"Received: y_pred.shape={tuple(ops.shape(y_pred))}")
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    distances = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))),
                            0.0)
    positive, negative = _circle_masks(y_true, ref_labels, remove_diagonal)
    dtype = ops.dtype(distances)
    pos_weights = ops.maximum(ops.multiply(ops.add(margin, distances),
                                           ops.cast(positive, dtype)), 0.0)
    neg_weights = ops.maximum(ops.multiply(ops.subtract(1 + margin, distances),
                                           ops.cast(negative, dtype)), 0.0)
    pos = ops.multiply(-gamma * 1.0, ops.multiply(pos_weights, ops.subtract(margin, distances)))
    neg = ops.multiply(gamma * 1.0, ops.multiply(neg_weights,
                                                 ops.subtract(1 - margin, distances)))
    p_loss = ops.logsumexp(ops.where(positive, pos, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg, float("-inf")), axis=1)
    return ops.softplus(ops.add(p_loss, n_loss))


def categorical_generalized_cross_entropy(y_true, y_pred, q: float):
    """Generalized crossentropy ``(1 - p ** q) / q`` of the probability ``p`` given to the
    integer label (robust to noisy labels; ``q -> 0`` is crossentropy, ``q = 1`` MAE).

    Example:
        >>> from kfront import losses
        >>> float(losses.categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5)[0])
        1.0
    """
    y_pred = ops.convert_to_tensor(y_pred)
    one_hot = ops.cast(ops.one_hot(ops.cast(y_true, "int32"), ops.shape(y_pred)[-1]),
                       ops.dtype(y_pred))
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


class CTC(_ConfiguredLoss):
    """CTC loss (``ctc``) for int labels padded with 0 and (batch, time, classes) logits.

    Example:
        >>> import numpy as np
        >>> from kfront import losses
        >>> round(float(losses.CTC()(np.array([[1]]), np.zeros((1, 2, 2), "float32"))), 4)
        0.2877
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "ctc",
                 dtype=None):
        super().__init__(ctc, reduction, name, dtype)


class Circle(_ConfiguredLoss):
    """Circle loss for metric learning (``circle``); like Keras, the mean is over the
    samples whose loss is positive.

    Example:
        >>> import numpy as np
        >>> from kfront import losses
        >>> emb = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], "float32")
        >>> round(float(losses.Circle()(np.array([0, 0, 1]), emb)), 4)
        19.2
    """

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str | None = "sum_over_batch_size", name: str = "circle",
                 dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def _call_with_mask(self, y_true, y_pred):
        values = self.call(y_true, y_pred)
        return values, ops.greater(values, 0.0)


class CategoricalGeneralizedCrossEntropy(_ConfiguredLoss):
    """Generalized crossentropy (``categorical_generalized_cross_entropy``) with
    ``0 < q < 1``.

    Example:
        >>> from kfront import losses
        >>> float(losses.CategoricalGeneralizedCrossEntropy()([1], [[0.75, 0.25]]))
        1.0
    """

    _config_keys = ("q",)

    def __init__(self, q: float = 0.5, reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_generalized_cross_entropy", dtype=None):
        if not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError("CategoricalGeneralizedCrossEntropy: `q` must be in the interval "
                             f"(0, 1). Received: q={q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)


# ------------------------------------------------------------------- get / (de)serialization
_CLASSES = [Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
            BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh,
            Huber, Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, CTC, Circle,
            CategoricalGeneralizedCrossEntropy]
ALL_OBJECTS_DICT: dict[str, Any] = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS_DICT.update({f.__name__: f for f in _IMPLS})
ALL_OBJECTS_DICT.update({f.__name__: f for f in (ctc, circle,
                                                 categorical_generalized_cross_entropy)})
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    # Keras 2 names still accepted (Keras 3's get() rejects them)
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
})

_REGISTRY = Registry("loss", ALL_OBJECTS_DICT, Loss, terse=True)


def serialize(loss) -> dict | None:
    """The Keras-format config of a ``Loss`` or loss function (``None`` for ``None``).

    Example:
        >>> from kfront import losses
        >>> losses.serialize(losses.MeanSquaredError())["class_name"]
        'MeanSquaredError'
        >>> losses.serialize(losses.mse)["config"]
        'mean_squared_error'
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        name = type(loss).__name__
        return {"module": "keras.losses", "class_name": name, "config": loss.get_config(),
                "registered_name": None if name in ALL_OBJECTS_DICT else name}
    if inspect.isfunction(loss) or inspect.isbuiltin(loss):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize {loss!r}: expected a kfront Loss or a loss function")


def deserialize(name, custom_objects: dict | None = None):
    """A ``Loss`` or loss function from ``serialize``'s output ``name`` (a config or a name).

    Example:
        >>> from kfront import losses
        >>> losses.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()
        {'name': 'huber_loss', 'reduction': 'sum_over_batch_size'}
    """
    from kfront.saving.object_registration import visible_objects
    objects = dict(ALL_OBJECTS_DICT, **visible_objects(custom_objects))
    if isinstance(name, str):
        if name not in objects:
            raise _REGISTRY.unknown(name, objects)
        return objects[name]
    if not isinstance(name, dict) or "class_name" not in name:
        raise ValueError(f"Could not interpret serialized loss: {name!r}")
    config = name  # Keras's parameter name for a config dict too
    class_name, inner = config["class_name"], config.get("config", {})
    if class_name == "function":
        key = inner if isinstance(inner, str) else config.get("registered_name")
        if key not in objects:
            raise _REGISTRY.unknown(key, objects)
        return objects[key]
    cls = objects.get(class_name) or objects.get(config.get("registered_name"))
    if cls is None:
        raise _REGISTRY.unknown(class_name, objects)
    if inspect.isclass(cls):
        return cls.from_config(inner or {})
    return cls


def get(identifier):
    """A loss from a name, a config dict, a ``Loss`` class/instance or a function.

    Strings name a function (``"mse"``, ``"categorical_crossentropy"``) or a class
    (``"CategoricalCrossentropy"``, instantiated with defaults), as ``keras.losses.get``.

    Example:
        >>> from kfront import losses
        >>> losses.get("mse").__name__
        'mean_squared_error'
        >>> type(losses.get("CategoricalCrossentropy")).__name__
        'CategoricalCrossentropy'
        >>> cfg = {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}
        >>> losses.get(cfg).from_logits
        True
    """
    return _REGISTRY.get(identifier, deserialize)


def is_binary_or_sparse_categorical(y_true_shape: tuple, y_pred_shape: tuple) -> tuple:
    """``(is_binary, is_sparse_categorical)`` from the label and prediction shapes, Keras's
    rule: binary when y_pred's last axis is 1; sparse when y_true has lower rank, or a last
    axis of 1 while y_pred's is larger."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    t_last = y_true_shape[-1] if y_true_shape else None
    p_last = y_pred_shape[-1] if y_pred_shape else None
    is_binary = p_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _object_name(obj) -> str:
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return _snake_case(obj.__name__)
    return _snake_case(type(obj).__name__)


def resolve(identifier, y_true_shape: tuple | None = None,
            y_pred_shape: tuple | None = None) -> Loss:
    """The ``Loss`` object ``compile(loss=identifier)`` uses (Keras's ``get_loss``).

    ``"crossentropy"``/``"ce"`` pick binary, sparse or categorical crossentropy from the
    shapes. Functions and names are wrapped in a ``LossFunctionWrapper`` named after the
    identifier (``"mse"`` stays ``"mse"``); ``Loss`` instances are returned as they are.

    Example:
        >>> from kfront import losses
        >>> loss = losses.resolve("ce", (8,), (8, 10))
        >>> loss.name, loss.fn.__name__
        ('ce', 'sparse_categorical_crossentropy')
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(f"loss={identifier!r} needs the shapes of y_true and y_pred to "
                             "choose between binary, sparse and categorical crossentropy")
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        obj = (binary_crossentropy if is_binary else
               sparse_categorical_crossentropy if is_sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else _object_name(obj)
    return LossFunctionWrapper(obj, name=name)
