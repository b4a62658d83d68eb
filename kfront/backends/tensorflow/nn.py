"""Activations, crossentropies and dropout on TensorFlow (the native engine's ``nn``).

As on the native engine, ``softmax`` / ``sigmoid`` outputs computed while a kfront tape
records carry their logits, so that crossentropy on those probabilities uses the stable
logits form (Keras's TF backend does the same with ``_keras_logits``).
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from kfront.backends.common.nn import MASKED_LOGIT
from kfront.backends.tensorflow import numpy as knp
from kfront.backends.tensorflow import random as krandom
from kfront.backends.tensorflow.core import op_input
from kfront.backends.tensorflow.gradients import recording
from kfront.backends.tensorflow.numpy import _promote, _unary


def _keeps_ints(x):
    return np.maximum(x, 0)  # dtype rule of relu-like activations: ints stay ints


_SQRT_2_PI = math.sqrt(2 / math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _hard_sigmoid(x):
    return tf.clip_by_value(x / 6 + 0.5, 0.0, 1.0)


relu = _unary("relu", tf.nn.relu, _keeps_ints)
relu6 = _unary("relu6", tf.nn.relu6, _keeps_ints)
_sigmoid = _unary("sigmoid", tf.sigmoid, np.exp)
tanh = knp.tanh
softplus = _unary("softplus", tf.math.softplus, np.exp)
softsign = _unary("softsign", tf.nn.softsign, np.exp)
silu = _unary("silu", tf.nn.silu, np.exp)
swish = silu
log_sigmoid = _unary("log_sigmoid", tf.math.log_sigmoid, np.exp)
hard_sigmoid = _unary("hard_sigmoid", _hard_sigmoid, np.exp)
exponential = knp.exp


def _float_input(x, what):
    return _promote(np.exp, (x,), what=what)[0]


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x (gradient 1 at 0, as the native engine)."""
    x = _promote(np.multiply, (x, negative_slope), what="leaky_relu")[0]
    return tf.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    x = _float_input(x, "elu")
    return tf.where(x > 0, x, alpha * tf.math.expm1(tf.minimum(x, 0)))


def selu(x):
    return knp.multiply(elu(x, alpha=SELU_ALPHA), SELU_SCALE)


def gelu(x, approximate=True):
    """x * Phi(x) (tanh approximation if ``approximate``)."""
    x = _float_input(x, "gelu")
    if approximate:
        return 0.5 * x * (1 + tf.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + tf.math.erf(x / math.sqrt(2)))


def sigmoid(x):
    x = _float_input(x, "sigmoid")
    out = _sigmoid(x)
    if recording():
        out._kfront_sigmoid_logits = x  # lets binary crossentropy on these use the logits
    return out


def softmax(x, axis=-1):
    x = _float_input(x, "softmax")
    out = tf.nn.softmax(x, axis=axis)
    if recording():
        out._kfront_logits = (x, axis)  # lets crossentropy on these use the stable form
    return out


def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(_float_input(x, "log_softmax"), axis=axis)


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over ``axis``, computed stably."""
    labels, logits = _promote(np.multiply, (labels, logits), what="softmax_cross_entropy")
    return -tf.reduce_sum(labels * tf.nn.log_softmax(logits, axis=axis), axis=axis)


def _int_labels(labels, what):
    labels = op_input(labels, what)
    labels = tf.convert_to_tensor(labels if not isinstance(labels, (int, float)) else
                                  np.asarray(labels))
    return labels if labels.dtype.is_integer else tf.cast(labels, tf.int64)


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log_softmax(logits)[label] along ``axis`` for integer ``labels``, computed stably."""
    labels = _int_labels(labels, "sparse_softmax_cross_entropy")
    logits = _float_input(logits, "sparse_softmax_cross_entropy")
    k = logits.shape[axis] if logits.shape.rank else None
    if tf.executing_eagerly() and k is not None and tf.size(labels) > 0:
        lo, hi = int(tf.reduce_min(labels)), int(tf.reduce_max(labels))
        if lo < 0 or hi >= k:
            raise ValueError(f"sparse_softmax_cross_entropy: labels must lie in [0, {k}), got "
                             f"values in [{lo}, {hi}]")
    if axis % logits.shape.rank != logits.shape.rank - 1:
        logits = knp.moveaxis(logits, axis, -1)
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def sigmoid_cross_entropy(labels, logits):
    """Elementwise binary crossentropy from logits, computed stably."""
    labels, logits = _promote(np.multiply, (labels, logits), what="sigmoid_cross_entropy")
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def _epsilon():
    from kfront import config
    return config.epsilon()


def _softmax_logits(output, axis):
    logits = getattr(output, "_kfront_logits", None)
    return logits[0] if logits is not None and logits[1] == axis else None


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot/probability ``target`` and ``output`` along ``axis``."""
    logits = None if from_logits else _softmax_logits(output, axis)
    if logits is not None:
        output, from_logits = logits, True
    if from_logits:
        return softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    return knp.negative(knp.sum(knp.multiply(target, knp.log(output)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer ``target`` and ``output`` along ``axis``."""
    target = knp._tensor(target, "sparse_categorical_crossentropy")
    if target.shape.rank == len(knp._shape_of(output)) and target.shape[-1] == 1:
        target = tf.squeeze(target, -1)
    target = tf.cast(target, tf.int64)
    logits = None if from_logits else _softmax_logits(output, axis)
    if logits is not None:
        output, from_logits = logits, True
    if from_logits:
        return sparse_softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    logp = knp.log(knp.clip(output, eps, 1.0 - eps))
    idx = tf.expand_dims(target, axis)
    return knp.negative(knp.squeeze(knp.take_along_axis(logp, idx, axis=axis), axis))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (from probabilities, clipped as Keras does, or logits)."""
    logits = None if from_logits else getattr(output, "_kfront_sigmoid_logits", None)
    if logits is not None:
        output, from_logits = logits, True
    if from_logits:
        return sigmoid_cross_entropy(target, output)
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    bce = knp.add(knp.multiply(target, knp.log(output)),
                  knp.multiply(knp.subtract(1.0, target), knp.log(knp.subtract(1.0, output))))
    return knp.negative(bce)


def dropout(x, rate, noise_shape=None, seed=None):
    """Zero elements with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    Eagerly the mask is the native engine's (same seed, same mask); inside ``compile_stateful``
    it comes from TensorFlow's stateless random ops (see ``random.py``)."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    x = knp._tensor(x, "dropout")
    keep = 1.0 - rate
    shape = noise_shape if noise_shape is not None else tuple(x.shape)
    # sizes unknown while tracing come from the dynamic shape
    shape = tuple(s if s is not None else d if d is not None else tf.shape(x)[i]
                  for i, (s, d) in enumerate(zip(shape, x.shape)))
    mask = krandom.uniform(shape, dtype=x.dtype.name, seed=seed) < keep
    return knp.multiply(x, tf.cast(mask, x.dtype) / keep)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=1.0):
    """Attention of (B, T, N, H) queries over (B, S, N, H) keys and values of one float dtype
    (Keras's TensorFlow computation); ``mask``: boolean, True = attend."""
    query, key, value = (op_input(a, "dot_product_attention") for a in (query, key, value))
    logits = tf.einsum("BTNH,BSNH->BNTS", query, key) * tf.cast(scale, query.dtype)
    if bias is not None:
        logits = logits + op_input(bias, "dot_product_attention")
    if mask is not None:
        logits = tf.where(op_input(mask, "dot_product_attention"), logits,
                          tf.constant(MASKED_LOGIT, logits.dtype))
    return tf.einsum("BNTS,BSNH->BTNH", tf.nn.softmax(logits, axis=-1), value)


def layer_normalization(x, gamma=None, beta=None, axes=(-1,), epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the statistics over ``axes``
    (non-negative, sorted); ``gamma`` / ``beta`` (or None) broadcast against ``x``. Keras's
    operation order (``x * inv + (beta - mean * inv)``)."""
    x = tf.convert_to_tensor(op_input(x, "layer_normalization"))
    axes = list(axes)
    mean = tf.reduce_mean(x, axes, keepdims=True)
    variance = tf.reduce_mean(tf.math.squared_difference(x, mean), axes, keepdims=True)
    inv = tf.math.rsqrt(variance + tf.constant(epsilon, x.dtype))
    if gamma is not None:
        inv = inv * tf.convert_to_tensor(op_input(gamma, "layer_normalization"))
    shift = -mean * inv
    if beta is not None:
        shift = shift + tf.convert_to_tensor(op_input(beta, "layer_normalization"))
    return x * inv + shift
