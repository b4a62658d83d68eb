"""Neural-network ops of the kfront ops interface: activations, crossentropies, dropout,
convolution and pooling.

All activations are elementwise, (...) -> (...), unless an axis is named.
Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> logits = np.array([[1e4, 0.0, -1e4]])
    >>> float(ops.convert_to_numpy(ops.softmax_cross_entropy(np.array([[0., 1., 0.]]), logits))[0])
    10000.0
"""
from __future__ import annotations

import math

import numpy as np

from kfront.backends import B
from kfront.backends.common.dtypes import result_type


def relu(x):
    """max(x, 0)."""
    return B.relu(x)


def relu6(x):
    """min(max(x, 0), 6)."""
    return B.relu6(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow."""
    return B.sigmoid(x)


def softplus(x):
    """log(1 + exp(x)), computed stably."""
    return B.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return B.softsign(x)


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return B.silu(x)


swish = silu


def log_sigmoid(x):
    """log(sigmoid(x)), computed stably."""
    return B.log_sigmoid(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6, as Keras 3."""
    return B.hard_sigmoid(x)


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    return B.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return B.elu(x, alpha=alpha)


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return B.selu(x)


def exponential(x):
    """exp(x), the Keras ``exponential`` activation. (...) -> (...)."""
    return B.exponential(x)


def gelu(x, approximate=True):
    """Gaussian error linear unit: x * Phi(x) (tanh approximation if ``approximate``)."""
    return B.gelu(x, approximate=approximate)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed stably. (...) -> (...)."""
    return B.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``. (...) -> (...)."""
    return B.log_softmax(x, axis=axis)


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) along ``axis``, stable for any logit magnitude.
    (..., k), (..., k) -> (...). Gradients flow to both labels and logits."""
    return B.softmax_cross_entropy(labels, logits, axis=axis)


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """Sparse form: integer ``labels`` in [0, k). (...), (..., k) -> (...)."""
    return B.sparse_softmax_cross_entropy(labels, logits, axis=axis)


def sigmoid_cross_entropy(labels, logits):
    """Elementwise binary crossentropy from logits, computed stably. (...), (...) -> (...)."""
    return B.sigmoid_cross_entropy(labels, logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras's categorical crossentropy. (..., k), (..., k) -> (...).

    From probabilities it renormalises and clips to [epsilon, 1 - epsilon] as Keras does; when
    ``output`` came straight from ``softmax`` on a gradient tape, the stable logits form is used."""
    return B.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras's sparse categorical crossentropy: integer targets. (...) or (..., 1), (..., k) -> (...).

    From probabilities it renormalises and clips to [epsilon, 1 - epsilon] as Keras does."""
    return B.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    """Keras's elementwise binary crossentropy (probabilities clipped to [eps, 1 - eps], or
    logits). (...), (...) -> (...)."""
    return B.binary_crossentropy(target, output, from_logits=from_logits)


def dropout(x, rate, noise_shape=None, seed=None):
    """Zero each element with probability ``rate`` in [0, 1), scale the kept ones by 1 / (1 - rate).
    (...) -> (...); ``noise_shape`` (None entries take x's size) shares one draw along its 1s."""
    return B.dropout(x, rate, noise_shape=noise_shape, seed=seed)


# ---------------------------------------------------------------- convolution and pooling
# Keras 3's ``keras.ops`` signatures. Inputs are (batch, *spatial, channels) for
# ``data_format="channels_last"`` (the default, ``kfront.config.image_data_format()``) or
# (batch, channels, *spatial) for "channels_first"; 1, 2 or 3 spatial axes. ``padding`` is
# "valid" or "same" (TensorFlow's rule: the smaller half of the padding goes before).

def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation, as Keras). ``kernel``: (*kernel_size,
    in_channels / groups, filters); groups = in_channels / kernel.shape[-2].

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))).shape
        (1, 3, 3, 4)
    """
    return B.conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation_rate)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own ``depth_multiplier``
    filters. ``kernel``: (*kernel_size, in_channels, depth_multiplier); output channel
    ``c * depth_multiplier + m``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.depthwise_conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 3)), padding="same").shape
        (1, 5, 5, 6)
    """
    return B.depthwise_conv(inputs, kernel, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) one; ``pointwise_kernel``:
    (1, ..., 1, in_channels * depth_multiplier, filters).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.separable_conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 1)),
        ...                    np.ones((1, 1, 2, 4))).shape
        (1, 3, 3, 4)
    """
    return B.separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=strides,
                            padding=padding, data_format=data_format, dilation_rate=dilation_rate)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the input gradient of ``conv``). ``kernel``: (*kernel_size,
    filters, in_channels). Output length per axis, with k = (kernel_size - 1) * dilation + 1:
    "valid": (n - 1) * s + k + (output_padding or max(k, s) - k); "same": n * s, or
    (n - 1) * s + k - 2 * (k // 2) + output_padding.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.conv_transpose(np.ones((1, 4, 4, 3)), np.ones((3, 3, 2, 3)), strides=2).shape
        (1, 9, 9, 2)
    """
    return B.conv_transpose(inputs, kernel, strides=strides, padding=padding,
                            output_padding=output_padding, data_format=data_format,
                            dilation_rate=dilation_rate)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over windows of ``pool_size`` (``strides`` defaults to ``pool_size``). The
    gradient goes to one element per window: the first maximal one (row-major) on ties.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.max_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    return B.max_pool(inputs, pool_size, strides=strides, padding=padding,
                      data_format=data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over windows of ``pool_size``; with "same" padding each window averages only its
    valid (non-pad) elements, as Keras/TensorFlow do.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.average_pool(np.arange(3.0).reshape(1, 3, 1), 2, padding="same")[0, :, 0].tolist()
        [0.5, 2.0]
    """
    return B.average_pool(inputs, pool_size, strides=strides, padding=padding,
                          data_format=data_format)


# ---------------------------------------------------------------- attention
def dot_product_attention(query, key, value, bias=None, mask=None, scale: float | None = None,
                          is_causal: bool = False, flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None):
    """Scaled dot-product attention, Keras 3's ``ops.dot_product_attention``:
    ``softmax(scale * Q K^T + bias, masked) V`` with ``query`` (B, T, N, H), ``key`` and
    ``value`` (B, S, K, H) where N is a multiple of K (grouped-query attention) -> (B, T, N, H).

    ``bias`` broadcasts to (B, N, T, S) and is added to the logits; ``mask`` (boolean, True =
    attend) broadcasts to (B, N, T, S); ``is_causal`` also masks keys after each query (the lower
    triangle of (T, S)); masked logits become a large negative, so a fully masked row attends
    uniformly, as Keras. ``scale`` defaults to 1 / sqrt(H). ``flash_attention=True`` and
    ``attn_logits_soft_cap`` (JAX on TPU only in Keras) are refused with a ValueError.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> q = np.ones((2, 4, 8, 16), "float32"); kv = np.ones((2, 6, 8, 16), "float32")
        >>> ops.dot_product_attention(q, kv, kv, is_causal=True).shape
        (2, 4, 8, 16)
    """
    op = "dot_product_attention"
    if attn_logits_soft_cap is not None:
        raise ValueError(f"{op}: `attn_logits_soft_cap` is only supported by Keras on JAX with a "
                         f"TPU; set attn_logits_soft_cap=None (got {attn_logits_soft_cap!r})")
    if flash_attention:
        raise ValueError(f"{op}: flash attention is not supported by kfront's "
                         f"{B.NAME!r} backend; pass flash_attention=None or False")
    query, key, value = (B.convert_to_tensor(a) for a in (query, key, value))
    shapes = {n: tuple(B.shape(a)) for n, a in (("query", query), ("key", key), ("value", value))}
    for name, shp in shapes.items():
        if len(shp) != 4:
            raise ValueError(f"{op}: `{name}` must have rank 4 (batch, length, heads, head_dim); "
                             f"got shape {shp}")
    (b, _, n, h), ks, vs = shapes["query"], shapes["key"], shapes["value"]
    if ks[0] != b or ks[3] != h or vs[:3] != ks[:3] or n % ks[2]:
        raise ValueError(f"{op}: expected `key` of shape (B, S, K, H) and `value` of shape "
                         f"(B, S, K, H_v) with the query's B={b} and H={h}, and K dividing the "
                         f"query's N={n}; got query {shapes['query']}, key {ks}, value {vs}")
    dtype = result_type(B.dtype(query), B.dtype(key), B.dtype(value))
    if not dtype.startswith(("float", "bfloat")):
        raise TypeError(f"{op}: `query`, `key` and `value` must be floating; got dtypes "
                        f"{B.dtype(query)}, {B.dtype(key)}, {B.dtype(value)}")
    query, key, value = (B.cast(a, dtype) for a in (query, key, value))
    if ks[2] != n:  # grouped-query attention: each key/value head serves N // K query heads
        key, value = (B.repeat(a, n // ks[2], axis=2) for a in (key, value))
    if bias is not None:
        bias = B.cast(B.convert_to_tensor(bias), dtype)
    if mask is not None:
        mask = B.cast(B.convert_to_tensor(mask), "bool")
    t, s = shapes["query"][1], ks[1]
    for name, extra in (("bias", bias), ("mask", mask)):
        if extra is not None:
            _check_broadcast(op, name, tuple(B.shape(extra)), (b, n, t, s))
    if is_causal:
        causal = B.convert_to_tensor(np.tril(np.ones((t, s), bool)))
        mask = causal if mask is None else B.logical_and(mask, causal)
    scale = 1.0 / math.sqrt(h) if scale is None else float(scale)
    return B.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale)


def _check_broadcast(op: str, name: str, shape: tuple, target: tuple) -> None:
    """``shape`` must broadcast to ``target``."""
    if len(shape) > len(target) or any(s not in (1, t) for s, t in
                                       zip(shape[::-1], target[::-1])):
        raise ValueError(f"{op}: `{name}` must broadcast to (B, N, T, S) = {target}; got shape "
                         f"{shape}")
