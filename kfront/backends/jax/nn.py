"""Activations, crossentropies and dropout of the JAX backend.

Crossentropy on probabilities straight from ``softmax``/``sigmoid``: the native engine carries
the logits on its tracked Tensor so that the loss uses the stable logits form (exact for logits
of magnitude 1e4, where the clipped-probability form saturates at -log(epsilon) and its gradient
vanishes). JAX arrays and tracers take no attributes, so while a gradient is being computed
(``value_and_grad``/``variables_value_and_grad``, outside ``no_grad``) ``softmax``/``sigmoid``
record ``id(output) -> (output, logits, axis)`` in a side table that holds the output alive
(so ids are not reused) and is cleared when the outermost gradient computation ends. The
crossentropies look their ``output`` up there; everywhere else they use Keras's clipped formula,
as the native engine does outside a tape.
"""
from __future__ import annotations


import jax
import jax.numpy as jnp

from kfront.backends.common.nn import MASKED_LOGIT
from kfront.backends.jax import numpy as knp
from kfront.backends.jax.core import _state, array, is_recording, promote


def _silu(x):
    return x * jax.nn.sigmoid(x)


relu = knp.unary("relu", jax.nn.relu)
relu6 = knp.unary("relu6", jax.nn.relu6)
tanh = knp.tanh
softplus = knp.unary("softplus", lambda x: jnp.logaddexp(0, x))
softsign = knp.unary("softsign", lambda x: x / (1 + jnp.abs(x)))
silu = knp.unary("silu", _silu)
swish = silu
log_sigmoid = knp.unary("log_sigmoid", lambda x: -jnp.logaddexp(0, -x))
hard_sigmoid = knp.unary("hard_sigmoid", lambda x: jax.nn.relu6(x + 3) / 6)
exponential = knp.exp


def leaky_relu(x, negative_slope=0.2):
    x = array(x, "leaky_relu")
    return jnp.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    x = array(x, "elu")
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0)))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    return knp.multiply(elu(x, alpha=SELU_ALPHA), SELU_SCALE)


def gelu(x, approximate=True):
    return jax.nn.gelu(array(x, "gelu"), approximate=bool(approximate))


def _tag(out, logits, axis):
    if is_recording():
        _state["logits"][id(out)] = (out, logits, axis)
    return out


def _logits_of(output, axis):
    """The logits ``output`` was computed from by softmax (``axis``) or sigmoid (None), if any."""
    entry = _state["logits"].get(id(output))
    if entry is not None and entry[0] is output and entry[2] == axis:
        return entry[1]
    return None


def sigmoid(x):
    x = array(x, "sigmoid")
    return _tag(jax.nn.sigmoid(x), x, None)


def softmax(x, axis=-1):
    x = array(x, "softmax")
    return _tag(jax.nn.softmax(x, axis=axis), x, axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(array(x, "log_softmax"), axis=axis)


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over ``axis``, computed stably."""
    labels, logits = promote("softmax_cross_entropy", labels, logits)
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log_softmax(logits)[label] along ``axis`` for integer ``labels``, computed stably.

    Labels outside [0, k) raise ValueError when they are concrete (not inside ``jax.jit``)."""
    logits = array(logits, "sparse_softmax_cross_entropy")
    labels = array(labels, "sparse_softmax_cross_entropy")
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        labels = labels.astype("int64")
    if logits.ndim and labels.size and not isinstance(labels, jax.core.Tracer):
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= logits.shape[axis]:
            raise ValueError(f"sparse_softmax_cross_entropy: labels must lie in [0, "
                             f"{logits.shape[axis]}), got values in [{lo}, {hi}]")
    logp = jax.nn.log_softmax(logits, axis=axis)
    idx = jnp.expand_dims(labels, axis)
    return -jnp.squeeze(jnp.take_along_axis(logp, idx, axis=axis), axis=axis)


@jax.custom_jvp
def _sigmoid_cross_entropy(labels, logits):
    return jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))


@_sigmoid_cross_entropy.defjvp
def _sigmoid_cross_entropy_jvp(primals, tangents):
    # the native engine's derivatives, also at logits == 0 (where the formula has kinks)
    (labels, logits), (t_labels, t_logits) = primals, tangents
    out = _sigmoid_cross_entropy(labels, logits)
    return out, t_logits * (jax.nn.sigmoid(logits) - labels) - t_labels * logits


def sigmoid_cross_entropy(labels, logits):
    """Elementwise binary crossentropy from logits, computed stably."""
    return _sigmoid_cross_entropy(*promote("sigmoid_cross_entropy", labels, logits))


def _epsilon():
    from kfront import config
    return config.epsilon()


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot/probability ``target`` and ``output`` along ``axis``."""
    if not from_logits:
        logits = _logits_of(output, axis)
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
    target = array(target, "sparse_categorical_crossentropy")
    if target.ndim == jnp.ndim(array(output, "sparse_categorical_crossentropy")) and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    target = target.astype("int64")
    if not from_logits:
        logits = _logits_of(output, axis)
        if logits is not None:
            output, from_logits = logits, True
    if from_logits:
        return sparse_softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    logp = knp.log(knp.clip(output, eps, 1.0 - eps))
    idx = jnp.expand_dims(target, axis)
    return knp.negative(knp.squeeze(knp.take_along_axis(logp, idx, axis=axis), axis))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (from probabilities, clipped as Keras does, or logits)."""
    if not from_logits:
        logits = _logits_of(output, None)
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

    Eagerly the mask is the native engine's (host samples, same seed -> same mask); inside
    ``compile_stateful(jit=True)`` it is drawn with ``jax.random`` from the call's key."""
    from kfront.backends.jax import random as krandom
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    x = array(x, "dropout")
    keep = 1.0 - rate
    shape = noise_shape if noise_shape is not None else x.shape
    shape = tuple(s if s is not None else d for s, d in zip(shape, x.shape))
    mask = krandom.uniform(shape, dtype=x.dtype, seed=seed) < keep
    return knp.multiply(x, mask.astype(x.dtype) / keep)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=1.0):
    """Attention of (B, T, N, H) queries over (B, S, N, H) keys and values of one float dtype;
    ``mask``: boolean, True = attend. ``jax.nn.dot_product_attention`` for half precision (it
    takes the softmax in float32); in float32 and float64 the same computation with the scale
    applied to the queries (a quarter of the logits' size in the transformer benchmark, whose
    step XLA ran a few percent faster on a CPU than with jax.nn's)."""
    query, key, value = (array(a, "dot_product_attention") for a in (query, key, value))
    if query.dtype not in (jnp.float32, jnp.float64):
        b, t, n, _ = query.shape
        full = (b, n, t, key.shape[1])
        return jax.nn.dot_product_attention(
            query, key, value, scale=scale,
            bias=None if bias is None else jnp.broadcast_to(array(bias, "bias"), full),
            mask=None if mask is None else jnp.broadcast_to(array(mask, "mask"), full))
    logits = jnp.einsum("BTNH,BSNH->BNTS", query * jnp.asarray(scale, query.dtype), key)
    if bias is not None:
        logits = logits + array(bias, "dot_product_attention")
    if mask is not None:
        logits = jnp.where(array(mask, "dot_product_attention"), logits, MASKED_LOGIT)
    return jnp.einsum("BNTS,BSNH->BTNH", jax.nn.softmax(logits, axis=-1), value)


def layer_normalization(x, gamma=None, beta=None, axes=(-1,), epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the statistics over ``axes``
    (non-negative, sorted); ``gamma`` / ``beta`` (or None) broadcast against ``x``. Keras's
    operation order (``x * inv + (beta - mean * inv)``), which XLA fuses."""
    x = array(x, "layer_normalization")
    axes = tuple(axes)
    mean = jnp.mean(x, axes, keepdims=True)
    inv = jax.lax.rsqrt(jnp.var(x, axes, keepdims=True) + jnp.asarray(epsilon, x.dtype))
    if gamma is not None:
        inv = inv * array(gamma, "layer_normalization")
    shift = -mean * inv
    if beta is not None:
        shift = shift + array(beta, "layer_normalization")
    return x * inv + shift
