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

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
    "dropout", "elu", "exponential", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid",
    "log_softmax", "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr",
    "relu", "relu6", "rms_normalization", "selu", "separable_conv", "sigmoid",
    "sigmoid_cross_entropy", "silu", "soft_shrink", "softmax", "softmax_cross_entropy",
    "softplus", "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus",
    "sparse_sigmoid", "sparse_softmax_cross_entropy", "sparsemax", "squareplus", "swish",
    "tanh_shrink", "threshold", "unfold",
]


def relu(x):
    """max(x, 0)."""
    return B.relu(x)


def relu6(x):
    """min(max(x, 0), 6)."""
    return B.relu6(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow."""
    return B.sigmoid(_float_tensor(x))


def softplus(x):
    """log(1 + exp(x)), computed stably."""
    return B.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return B.softsign(_float_tensor(x))


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


# The layers' fused ops (not Keras names, so not in __all__): what Conv*D and Dense compute,
# one op each so that a backend can fuse it (torch: the bias inside the convolution / addmm,
# the relu in place); the others compose their own ops (kfront/backends/common/fused.py).
def conv_bias_activation(inputs, kernel, bias=None, activation: str | None = None, strides=1,
                         padding="valid", data_format=None, dilation_rate=1):
    """``activation(conv(inputs, kernel, ...) + bias)``; ``bias``: (filters,) or None;
    ``activation``: None or ``"relu"``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> y = ops.nn.conv_bias_activation(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 2)),
        ...                                 np.array([-5.0, 0.0]), "relu")
        >>> ops.convert_to_numpy(y)[0, 0, 0].tolist()
        [0.0, 4.0]
    """
    return B.conv_bias_activation(inputs, kernel, bias, activation, strides=strides,
                                  padding=padding, data_format=data_format,
                                  dilation_rate=dilation_rate)


def matmul_bias_activation(inputs, kernel, bias=None, activation: str | None = None):
    """``activation(inputs @ kernel + bias)``; ``bias``: (units,) or None; ``activation``:
    None or ``"relu"``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> y = ops.nn.matmul_bias_activation(np.ones((1, 2)), np.ones((2, 2)),
        ...                                   np.array([-3.0, 1.0]), "relu")
        >>> ops.convert_to_numpy(y).tolist()
        [[0.0, 3.0]]
    """
    return B.matmul_bias_activation(inputs, kernel, bias, activation)


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
    uniformly, as Keras. ``scale`` defaults to 1 / sqrt(H). ``attn_logits_soft_cap`` (JAX on
    TPU only in Keras) is refused with a ValueError.

    ``flash_attention`` (None, False or True) never changes the values: flash attention is
    exact attention computed in blocks, and every backend already takes its fused kernel where
    it has one (torch's ``scaled_dot_product_attention`` without a mask, which picks its flash
    kernel where the hardware allows; ``jax.nn.dot_product_attention`` below float64, cuDNN's
    on a GPU); TensorFlow and the native engine have no flash kernel and compute the same
    attention directly. Keras 3.15 raises for ``True`` where no flash kernel can run (every
    backend on a CPU); kfront computes the attention instead.

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
    if flash_attention not in (None, True, False):
        raise TypeError(f"{op}: `flash_attention` must be None, True or False; got "
                        f"{flash_attention!r}")
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


# ---------------------------------------------------------------- activations (Keras formulas)
def _float_tensor(x):
    """``x`` as a tensor; integer and boolean inputs become floatx, as Keras's activations."""
    x = B.convert_to_tensor(x)
    return x if B.dtype(x).startswith(("float", "bfloat")) else B.cast(x, _floatx())


def _floatx() -> str:
    from kfront import config
    return config.floatx()


def _const(value, x):
    """``value`` as a tensor of ``x``'s dtype (so float32 inputs stay float32)."""
    return B.convert_to_tensor(value, dtype=B.dtype(x))


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.celu(np.array([0.0, 3.0]))).tolist()
        [0.0, 3.0]
    """
    x = _float_tensor(x)
    zero, a = _const(0.0, x), _const(alpha, x)
    return B.add(B.maximum(x, zero), B.multiply(a, B.expm1(B.divide(B.minimum(x, zero), a))))


def glu(x, axis: int = -1):
    """Gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` of ``x`` along ``axis``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.glu(np.array([[2.0, 0.0]]))).tolist()
        [[1.0]]
    """
    x = _float_tensor(x)
    shape = tuple(B.shape(x))
    if not shape or not -len(shape) <= axis < len(shape) or shape[axis] % 2:
        raise ValueError(f"glu: the size of `x` along `axis` must be divisible by 2; got "
                         f"shape {shape} with axis={axis}")
    a, b = B.split(x, 2, axis=axis)
    return B.multiply(a, B.sigmoid(b))


def hard_silu(x):
    """Hard SiLU / hard swish: ``x * relu6(x + 3) / 6`` (alias ``hard_swish``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hard_silu(np.array([-4.0, 0.0, 4.0]))).tolist()
        [-0.0, 0.0, 4.0]
    """
    x = _float_tensor(x)
    return B.multiply(x, B.hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    """``clip(x, -1, 1)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hard_tanh(np.array([-2.0, 0.5]))).tolist()
        [-1.0, 0.5]
    """
    x = _float_tensor(x)
    return B.clip(x, _const(-1.0, x), _const(1.0, x))


def hard_shrink(x, threshold: float = 0.5):
    """``x`` where ``|x| > threshold``, else 0.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hard_shrink(np.array([-1.0, 0.2, 1.0]))).tolist()
        [-1.0, 0.0, 1.0]
    """
    x = _float_tensor(x)
    return B.where(B.greater(B.abs(x), _const(threshold, x)), x, B.zeros_like(x))


def soft_shrink(x, threshold: float = 0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.soft_shrink(np.array([-1.0, 0.2, 1.0]))).tolist()
        [-0.5, 0.0, 0.5]
    """
    x = _float_tensor(x)
    t = _const(threshold, x)
    return B.where(B.greater(x, t), B.subtract(x, t),
                   B.where(B.less(x, B.negative(t)), B.add(x, t), B.zeros_like(x)))


def tanh_shrink(x):
    """``x - tanh(x)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.tanh_shrink(np.array([0.0]))).tolist()
        [0.0]
    """
    x = _float_tensor(x)
    return B.subtract(x, B.tanh(x))


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.sparse_plus(np.array([-2.0, 0.0, 2.0]))).tolist()
        [0.0, 0.25, 2.0]
    """
    x = _float_tensor(x)
    one = _const(1.0, x)
    quad = B.multiply(_const(0.25, x), B.square(B.add(x, one)))
    return B.where(B.less_equal(x, B.negative(one)), B.zeros_like(x),
                   B.where(B.less(x, one), quad, x))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, else ``(x + 1) / 2``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))).tolist()
        [0.0, 0.5, 1.0]
    """
    x = _float_tensor(x)
    return B.clip(B.multiply(_const(0.5, x), B.add(x, _const(1.0, x))), _const(0.0, x),
                  _const(1.0, x))


def squareplus(x, b: float = 4):
    """``(x + sqrt(x**2 + b)) / 2``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.squareplus(np.array([0.0]))).tolist()
        [1.0]
    """
    x = _float_tensor(x)
    return B.divide(B.add(x, B.sqrt(B.add(B.square(x), _const(b, x)))), _const(2.0, x))


def threshold(x, threshold: float, default_value: float):
    """``x`` where ``x > threshold``, else ``default_value``; keeps ``x``'s dtype.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.threshold(np.array([0.1, 2.0]), 1.0, -1.0)).tolist()
        [-1.0, 2.0]
    """
    x = B.convert_to_tensor(x)
    return B.where(B.greater(x, _const(threshold, x)), x,
                   B.full(tuple(B.shape(x)), default_value, dtype=B.dtype(x)))


def sparsemax(x, axis: int = -1):
    """Sparsemax with Keras 3's formula: ``max(x - tau, 0)`` where, with ``z`` the values of
    ``x`` sorted in descending order along ``axis``, ``c`` their cumulative sums and the
    support ``z_j > (c_j - 1) / j`` of size k, ``tau = (sum of c over the support - 1) / k``.
    (Keras sums the cumulative sums; the textbook threshold is ``(c_k - 1) / k``, so the
    outputs do not always sum to 1. kfront follows Keras.)

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.sparsemax(np.array([1.0, 0.5, -1.0]))).tolist()
        [0.25, 0.0, 0.0]
    """
    x = _float_tensor(x)
    n = B.shape(x)[axis]
    ranks = [1] * len(B.shape(x))
    ranks[axis] = n
    r = B.reshape(B.arange(1, n + 1, dtype=B.dtype(x)), tuple(ranks))
    z = B.flip(B.sort(x, axis=axis), axis=axis)
    c = B.cumsum(z, axis=axis)
    one = _const(1.0, x)
    support = B.greater(B.subtract(z, B.divide(B.subtract(c, one), r)), _const(0.0, x))
    k = B.sum(B.cast(support, B.dtype(x)), axis=axis, keepdims=True)
    tau = B.divide(B.subtract(B.sum(B.where(support, c, B.zeros_like(c)), axis=axis,
                                    keepdims=True), one), k)
    return B.maximum(B.subtract(x, tau), _const(0.0, x))


# ---------------------------------------------------------------- normalization
def _axes(op: str, axis, rank: int) -> list:
    """``axis`` (int or sequence) as a sorted list of non-negative axes of a rank-``rank`` x."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not isinstance(a, int) or not -rank <= a < max(rank, 1):
            raise ValueError(f"{op}: `axis` {a!r} is out of range for an input of rank {rank}")
    return sorted(a % max(rank, 1) for a in axes)


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """Mean and (biased) variance of ``x`` over ``axes`` -> ``(mean, variance)``.
    ``synchronized`` (across devices in Keras's distributed TensorFlow) computes the same
    statistics here, kfront running on one device.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> m, v = ops.moments(np.array([[1.0, 3.0]]), axes=[1])
        >>> ops.convert_to_numpy(m).tolist(), ops.convert_to_numpy(v).tolist()
        ([2.0], [1.0])
    """
    x = _float_tensor(x)
    axes = tuple(_axes("moments", axes, len(B.shape(x))))
    return (B.mean(x, axis=axes, keepdims=keepdims), B.var(x, axis=axes, keepdims=keepdims))


def batch_normalization(x, mean, variance, axis: int, offset=None, scale=None,
                        epsilon: float = 1e-3):
    """``(x - mean) * scale / sqrt(variance + epsilon) + offset`` with the 1-D statistics along
    ``axis`` of ``x`` (TensorFlow's formula, as Keras).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.batch_normalization(
        ...     np.array([[1.0, 2.0]]), np.array([1.0, 0.0]), np.array([1.0, 4.0]), axis=-1,
        ...     epsilon=0.0)).tolist()
        [[0.0, 1.0]]
    """
    x = B.convert_to_tensor(x)
    rank = len(B.shape(x))
    ax = _axes("batch_normalization", axis, rank)[0]
    shape = [1] * rank
    shape[ax] = B.shape(x)[ax]

    def along(v, name):
        if v is None:
            return None
        v = B.convert_to_tensor(v)
        if tuple(B.shape(v)) not in ((shape[ax],), tuple(shape)):
            raise ValueError(f"batch_normalization: `{name}` must have shape ({shape[ax]},), "
                             f"the size of `x` along axis {axis}; got shape {tuple(B.shape(v))}")
        return B.reshape(v, tuple(shape))
    mean, variance = along(mean, "mean"), along(variance, "variance")
    offset, scale = along(offset, "offset"), along(scale, "scale")
    inv = B.rsqrt(B.add(variance, _const(epsilon, variance)))
    if scale is not None:
        inv = B.multiply(inv, scale)
    shift = B.negative(B.multiply(mean, inv))
    if offset is not None:
        shift = B.add(shift, offset)
    return B.add(B.multiply(x, inv), shift)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon: float | None = None,
                        **kwargs):
    """Layer normalization over ``axis`` (int or list): ``(x - mean) / sqrt(var + epsilon) *
    gamma + beta`` (``epsilon`` defaults to ``kfront.config.epsilon()``). Keras's deprecated
    ``rms_scaling=True`` divides by ``sqrt(var + epsilon)`` only, times ``gamma``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.layer_normalization(np.array([[1.0, 3.0]]),
        ...                                              epsilon=0.0)).tolist()
        [[-1.0, 1.0]]
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}")
    eps = _epsilon() if epsilon is None else epsilon
    x = _float_tensor(x)
    dtype = B.dtype(x)
    rank = len(B.shape(x))
    axes = tuple(_axes("layer_normalization", axis, rank))
    shape = [B.shape(x)[a] if a in axes else 1 for a in range(rank)]

    def along(v):
        if v is None:
            return None
        v = B.cast(B.convert_to_tensor(v), dtype)
        return v if axes == (rank - 1,) else B.reshape(v, tuple(shape))
    gamma, beta = along(gamma), along(beta)
    if not rms_scaling:  # one kernel per backend (torch's fused layer_norm, as Keras there)
        return B.layer_normalization(x, gamma, beta, axes, float(eps))
    inv = B.rsqrt(B.add(B.var(x, axis=axes, keepdims=True), _const(eps, x)))
    return B.multiply(B.multiply(x, inv), gamma) if gamma is not None else B.multiply(x, inv)


def rms_normalization(x, scale=None, axis=-1, epsilon: float | None = None):
    """Root-mean-square normalization over ``axis``: ``x / sqrt(mean(x**2) + epsilon) * scale``
    (``epsilon`` defaults to ``kfront.config.epsilon()``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.rms_normalization(np.array([[2.0, -2.0]]),
        ...                                            epsilon=0.0)).tolist()
        [[1.0, -1.0]]
    """
    eps = _epsilon() if epsilon is None else epsilon
    x = _float_tensor(x)
    if not B.shape(x):
        x = B.expand_dims(x, 0)
    axes = tuple(_axes("rms_normalization", axis, len(B.shape(x))))
    out = B.multiply(x, B.rsqrt(B.add(B.mean(B.square(x), axis=axes, keepdims=True),
                                      _const(eps, x))))
    return out if scale is None else B.multiply(out, B.cast(B.convert_to_tensor(scale),
                                                            B.dtype(x)))


def normalize(x, axis: int = -1, order: int = 2, epsilon: float | None = None):
    """``x`` divided by its ``order``-norm along ``axis``, the norm floored at ``epsilon``
    (default ``kfront.config.epsilon()``); for order 2 ``x * min(rsqrt(sum(x**2)), 1/eps)``
    as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> np.round(ops.convert_to_numpy(ops.normalize(np.array([[3.0, 4.0]]))), 6).tolist()
        [[0.6, 0.8]]
    """
    eps = _epsilon() if epsilon is None else epsilon
    x = _float_tensor(x)
    if not B.shape(x):
        x = B.expand_dims(x, 0)
    if order == 2:
        inv = B.rsqrt(B.sum(B.square(x), axis=axis, keepdims=True))
        return B.multiply(x, B.minimum(inv, _const(1.0 / eps, x)))
    from kfront.ops.linalg import norm  # (its argument checks and backend forms)
    return B.divide(x, B.maximum(norm(x, ord=order, axis=axis, keepdims=True), _const(eps, x)))


def _epsilon() -> float:
    from kfront import config
    return config.epsilon()


def psnr(x1, x2, max_val: float):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))`` over
    all elements (a scalar). ``x1`` and ``x2`` must have the same shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.convert_to_numpy(ops.psnr(np.zeros(4), np.full(4, 0.1), 1.0)))
        20.0
    """
    x1, x2 = B.convert_to_tensor(x1), B.convert_to_tensor(x2)
    if tuple(B.shape(x1)) != tuple(B.shape(x2)):
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape; got {B.shape(x1)} and "
                         f"{B.shape(x2)}")
    mse = B.mean(B.square(B.subtract(x1, x2)))
    max_val = B.convert_to_tensor(max_val, dtype=B.dtype(x2))
    return B.subtract(B.multiply(_const(20.0, mse), B.log10(max_val)),
                      B.multiply(_const(10.0, mse), B.log10(mse)))


# ---------------------------------------------------------------- encodings and shapes
from kfront.ops.numpy import one_hot  # noqa: E402  (keras.ops.nn.one_hot is keras.ops.one_hot)


def multi_hot(inputs, num_classes: int | None = None, axis: int = -1, dtype=None,
              sparse: bool = False, **kwargs):
    """Multi-hot encode integer labels: (batch, labels) -> (batch, num_classes) (a 1-D input
    -> (num_classes,)), 1 for each class present; ``num_tokens`` is Keras's old name for
    ``num_classes``. kfront tensors are dense: ``sparse=True`` raises ``ValueError``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.multi_hot(np.array([[0, 2], [1, 1]]), 3)).tolist()
        [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given (got None)")
    inputs = B.convert_to_tensor(inputs)
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return B.max(encoded, axis=1 if len(B.shape(inputs)) > 1 else 0)


def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))`` (complex64 from float32,
    complex128 from float64). No gradient (kfront differentiates real tensors only).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> complex(ops.convert_to_numpy(ops.polar(np.array(2.0), np.array(0.0))))
        (2+0j)
    """
    abs_, angle = _float_tensor(abs_), _float_tensor(angle)
    parts = B.stack([B.multiply(abs_, B.cos(angle)), B.multiply(abs_, B.sin(angle))], axis=-1)
    return B.view_as_complex(parts)


def _image_format(op: str, x, data_format) -> str:
    from kfront import config
    data_format = config.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{op}: `data_format` must be "channels_last" or "channels_first"; got '
                         f"{data_format!r}")
    if len(B.shape(x)) != 4:
        raise ValueError(f"{op}: `x` must have rank 4 (a batch of images); got shape "
                         f"{tuple(B.shape(x))}")
    return data_format


def depth_to_space(x, block_size: int, data_format: str = "channels_last"):
    """Pixel shuffle: (N, H, W, C) -> (N, H*b, W*b, C/b**2) (channels_first: (N, C, H, W) ->
    (N, C/b**2, H*b, W*b)), moving depth blocks into space as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.depth_to_space(np.ones((1, 2, 3, 8)), 2).shape
        (1, 4, 6, 2)
    """
    x = B.convert_to_tensor(x)
    fmt = _image_format("depth_to_space", x, data_format)
    b = int(block_size)
    if fmt == "channels_last":
        n, h, w, c = B.shape(x)
    else:
        n, c, h, w = B.shape(x)
    if b < 1 or c % (b * b):
        raise ValueError(f"depth_to_space: the channels ({c}) must be divisible by "
                         f"block_size**2 with block_size >= 1; got block_size={block_size}")
    if fmt == "channels_last":
        x = B.transpose(B.reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
        return B.reshape(x, (n, h * b, w * b, c // (b * b)))
    x = B.transpose(B.reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return B.reshape(x, (n, c // (b * b), h * b, w * b))


def space_to_depth(x, block_size: int, data_format: str = "channels_last"):
    """The inverse of ``depth_to_space``: (N, H, W, C) -> (N, H/b, W/b, C*b**2)
    (channels_first: (N, C, H, W) -> (N, C*b**2, H/b, W/b)).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.space_to_depth(np.ones((1, 4, 6, 2)), 2).shape
        (1, 2, 3, 8)
    """
    x = B.convert_to_tensor(x)
    fmt = _image_format("space_to_depth", x, data_format)
    b = int(block_size)
    if fmt == "channels_last":
        n, h, w, c = B.shape(x)
    else:
        n, c, h, w = B.shape(x)
    if b < 1 or h % b or w % b:
        raise ValueError(f"space_to_depth: height ({h}) and width ({w}) must be divisible by "
                         f"block_size >= 1; got block_size={block_size}")
    if fmt == "channels_last":
        x = B.transpose(B.reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return B.reshape(x, (n, h // b, w // b, c * b * b))
    x = B.transpose(B.reshape(x, (n, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
    return B.reshape(x, (n, c * b * b, h // b, w // b))


# ---------------------------------------------------------------- adaptive pooling, fold/unfold
def _adaptive_pool(op: str, inputs, output_size, data_format, reduce):
    from kfront import config
    x = B.convert_to_tensor(inputs)
    rank = len(B.shape(x))
    if rank not in (3, 4, 5):
        raise ValueError(f"{op}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes "
                         f"and channels); got shape {tuple(B.shape(x))}")
    data_format = config.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{op}: `data_format` must be "channels_last" or "channels_first"; got '
                         f"{data_format!r}")
    spatial = list(range(1, rank - 1)) if data_format == "channels_last" else list(range(2, rank))
    sizes = (output_size,) * len(spatial) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != len(spatial) or any(not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"{op}: `output_size` must be a positive int or {len(spatial)} of them; "
                         f"got {output_size!r}")
    for axis, out in zip(spatial, sizes):
        n = B.shape(x)[axis]
        pieces = []
        for i in range(out):  # window i: [floor(i n / out), ceil((i + 1) n / out))
            window = [slice(None)] * rank
            window[axis] = slice(i * n // out, -(-(i + 1) * n // out))
            pieces.append(reduce(B.getitem(x, tuple(window)), axis=axis, keepdims=True))
        x = B.concatenate(pieces, axis=axis)
    return x


def adaptive_average_pool(inputs, output_size, data_format: str | None = None):
    """Average pooling to a fixed ``output_size`` (int or one per spatial axis; 1 to 3 spatial
    axes): output i of an axis of length n averages inputs floor(i n / out) to
    ceil((i + 1) n / out) - 1.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.adaptive_average_pool(
        ...     np.arange(5.0).reshape(1, 5, 1), 2))[0, :, 0].tolist()
        [1.0, 3.0]
    """
    return _adaptive_pool("adaptive_average_pool", inputs, output_size, data_format, B.mean)


def adaptive_max_pool(inputs, output_size, data_format: str | None = None):
    """Max pooling to a fixed ``output_size``, with the windows of ``adaptive_average_pool``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.adaptive_max_pool(
        ...     np.arange(5.0).reshape(1, 5, 1), 2))[0, :, 0].tolist()
        [2.0, 4.0]
    """
    return _adaptive_pool("adaptive_max_pool", inputs, output_size, data_format, B.max)


def _pair(op: str, name: str, value, minimum: int) -> tuple:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, int) or v < minimum for v in pair):
        raise ValueError(f"{op}: `{name}` must be an int >= {minimum} or a pair of them; got "
                         f"{value!r}")
    return pair


def _blocks(op, kernel_size, dilation, padding, stride, height, width):
    """(kernel, dilation, padding, stride, output rows, output columns) of a sliding window."""
    k, d = _pair(op, "kernel_size", kernel_size, 1), _pair(op, "dilation", dilation, 1)
    p, s = _pair(op, "padding", padding, 0), _pair(op, "stride", stride, 1)
    out = [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
           for n, kk, dd, pp, ss in zip((height, width), k, d, p, s)]
    if min(out) < 1:
        raise ValueError(f"{op}: the kernel (size {k}, dilation {d}) does not fit the padded "
                         f"input of {height}x{width} (padding {p})")
    return k, d, p, s, out[0], out[1]


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: the sliding blocks of a channels-first batch of images, (N, C, H, W) ->
    (N, C * kh * kw, L), L the number of block positions (row-major), as Keras and
    ``torch.nn.functional.unfold``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.unfold(np.ones((1, 2, 4, 4)), 2).shape
        (1, 8, 9)
    """
    x = B.convert_to_tensor(x)
    if len(B.shape(x)) != 4:
        raise ValueError(f"unfold: `x` must have rank 4 (N, C, H, W); got shape "
                         f"{tuple(B.shape(x))}")
    n, c, h, w = B.shape(x)
    k, d, p, s, oh, ow = _blocks("unfold", kernel_size, dilation, padding, stride, h, w)
    x = B.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = [B.getitem(x, (slice(None), slice(None),
                          slice(i * d[0], i * d[0] + (oh - 1) * s[0] + 1, s[0]),
                          slice(j * d[1], j * d[1] + (ow - 1) * s[1] + 1, s[1])))
            for i in range(k[0]) for j in range(k[1])]
    return B.reshape(B.stack(cols, axis=2), (n, c * k[0] * k[1], oh * ow))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of ``unfold``: (N, C * kh * kw, L) -> (N, C, H, W) for
    ``output_size`` (H, W), summing the overlapping blocks.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.fold(np.ones((1, 4, 4)), (3, 3), 2))[0, 0].tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    x = B.convert_to_tensor(x)
    h, w = _pair("fold", "output_size", output_size, 1)
    k, d, p, s, oh, ow = _blocks("fold", kernel_size, dilation, padding, stride, h, w)
    shape = tuple(B.shape(x))
    if len(shape) != 3 or shape[1] % (k[0] * k[1]) or shape[2] != oh * ow:
        raise ValueError(f"fold: `x` must have shape (N, C * {k[0] * k[1]}, {oh * ow}) for "
                         f"output_size {(h, w)} and these kernel settings; got shape {shape}")
    n, c = shape[0], shape[1] // (k[0] * k[1])
    blocks = B.reshape(x, (n, c, k[0] * k[1], oh, 1, ow, 1))
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    total = None
    for idx in range(k[0] * k[1]):
        i, j = divmod(idx, k[1])
        # block values at rows i*d + r*s and columns j*d + q*s of the padded image: spread by
        # the strides (zeros between), then padded into place
        part = B.pad(B.getitem(blocks, (slice(None), slice(None), idx)),
                     ((0, 0), (0, 0), (0, 0), (0, s[0] - 1), (0, 0), (0, s[1] - 1)))
        part = B.reshape(part, (n, c, oh * s[0], ow * s[1]))
        top, left = i * d[0], j * d[1]
        part = B.getitem(part, (slice(None), slice(None), slice(0, hp - top),
                                slice(0, wp - left)))
        ph, pw = B.shape(part)[2], B.shape(part)[3]
        part = B.pad(part, ((0, 0), (0, 0), (top, hp - top - ph), (left, wp - left - pw)))
        total = part if total is None else B.add(total, part)
    return B.getitem(total, (slice(None), slice(None), slice(p[0], p[0] + h),
                             slice(p[1], p[1] + w)))


# ---------------------------------------------------------------- CTC
_LOG_EPSILON = -1e5  # log-probability of impossible CTC states (Keras on JAX, optax)


def ctc_loss(target, output, target_length, output_length, mask_index: int = 0):
    """Connectionist temporal classification loss per sequence: ``target`` int (B, N) labels,
    ``output`` (B, T, C) logits, ``target_length`` and ``output_length`` (B,) the valid lengths,
    ``mask_index`` the blank class -> (B,) ``-log p(target | output)`` (the forward algorithm
    in log space, as Keras on JAX; differentiable in ``output``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> loss = ops.ctc_loss(np.array([[1]]), np.zeros((1, 2, 2)), np.array([1]),
        ...                     np.array([2]))
        >>> round(float(ops.convert_to_numpy(loss)[0]), 4)   # -log(3/4)
        0.2877
    """
    output = B.convert_to_tensor(output)
    target = B.cast(B.convert_to_tensor(target), "int32")
    target_length = B.cast(B.convert_to_tensor(target_length), "int32")
    output_length = B.cast(B.convert_to_tensor(output_length), "int32")
    if len(B.shape(output)) != 3 or len(B.shape(target)) != 2:
        raise ValueError(f"ctc_loss: expected `target` of shape (batch, labels) and `output` of "
                         f"shape (batch, steps, classes); got {tuple(B.shape(target))} and "
                         f"{tuple(B.shape(output))}")
    (batch, steps, classes), labels = B.shape(output), B.shape(target)[1]
    if B.shape(target)[0] != batch:
        raise ValueError(f"ctc_loss: `target` and `output` must have the same batch size; got "
                         f"{B.shape(target)[0]} and {batch}")
    dtype = result_type(B.dtype(output), "float32")
    logp = B.log_softmax(B.cast(output, dtype), axis=-1)
    eps = _const(_LOG_EPSILON, logp)
    one = _const(1.0, logp)
    # repeat[b, n]: label n equals label n + 1 (the path must pass a blank between them)
    repeat = B.cast(B.equal(B.getitem(target, (slice(None), slice(None, -1))),
                            B.getitem(target, (slice(None), slice(1, None)))), dtype)
    repeat = B.pad(repeat, ((0, 0), (0, 1)))
    emit_all = B.take_along_axis(logp, B.broadcast_to(B.expand_dims(target, 1),
                                                      (batch, steps, labels)), axis=2)
    phi_all = B.getitem(logp, (slice(None), slice(None), slice(mask_index, mask_index + 1)))
    done = B.greater_equal(B.expand_dims(B.arange(steps, dtype="int32"), 0),
                           B.expand_dims(output_length, 1))  # (B, T): step beyond the input

    def add_to_phi(phi, score):  # phi[:, 1:] (+)= score in log space
        return B.concatenate([B.getitem(phi, (slice(None), slice(0, 1))),
                              B.logaddexp(B.getitem(phi, (slice(None), slice(1, None))), score)],
                             axis=1)
    phi = B.concatenate([B.zeros((batch, 1), dtype=dtype),
                         B.full((batch, labels), _LOG_EPSILON, dtype=dtype)], axis=1)
    emit = B.full((batch, labels), _LOG_EPSILON, dtype=dtype)

    def step(carry, x):
        phi, emit = carry
        le, lp, stop = x
        moved = add_to_phi(phi, B.add(emit, B.multiply(eps, repeat)))
        next_emit = B.logaddexp(B.add(B.getitem(moved, (slice(None), slice(None, -1))), le),
                                B.add(emit, le))
        next_phi = add_to_phi(B.add(moved, lp), B.add(B.add(emit, lp), B.multiply(
            eps, B.subtract(one, repeat))))
        return (B.where(stop, phi, next_phi), B.where(stop, emit, next_emit)), None
    time_major = (B.swapaxes(emit_all, 0, 1), B.swapaxes(phi_all, 0, 1),
                  B.expand_dims(B.swapaxes(done, 0, 1), -1))
    (phi, emit), _ = B.scan(step, (phi, emit), xs=time_major)
    last = add_to_phi(phi, emit)
    pick = B.one_hot(target_length, labels + 1, dtype=dtype)
    return B.negative(B.sum(B.multiply(last, pick), axis=1))


def ctc_decode(inputs, sequence_lengths, strategy: str = "greedy", beam_width: int = 100,
               top_paths: int = 1, merge_repeated: bool = True, mask_index: int = 0):
    """Decode CTC outputs ``inputs`` (B, T, C) with valid lengths ``sequence_lengths`` (B,):
    ``strategy="greedy"`` (best class per step, repeats merged if ``merge_repeated``, blanks
    ``mask_index`` dropped; scores (B, 1) minus the sum of the best inputs) or
    ``"beam_search"`` (prefix beam search over log-softmax of ``inputs`` keeping
    ``beam_width`` prefixes; the ``top_paths`` best, scores (B, top_paths) their
    log-probabilities; Keras on JAX's algorithm: with a beam narrower than the candidates,
    TensorFlow's decoder, and so Keras on TensorFlow, may keep other prefixes). Returns
    ``(decoded, scores)``, decoded (top_paths, B, T) int32 padded with -1. Computed on the
    host; no gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.log(np.array([[[.1, .9], [.1, .9], [.9, .1], [.1, .9]]]))
        >>> decoded, scores = ops.ctc_decode(x, np.array([4]))
        >>> ops.convert_to_numpy(decoded).tolist()
        [[[1, 1, -1, -1]]]
    """
    from kfront.backends.common import nn as common
    x = B.convert_to_tensor(inputs)
    if len(B.shape(x)) != 3:
        raise ValueError(f"ctc_decode: `inputs` must have shape (batch, steps, classes); got "
                         f"{tuple(B.shape(x))}")
    dtype = result_type(B.dtype(x), "float32")
    host = B.convert_to_numpy(B.cast(x, dtype))
    lengths = np.asarray(B.convert_to_numpy(B.convert_to_tensor(sequence_lengths))).astype(int)
    if lengths.shape != host.shape[:1]:
        raise ValueError(f"ctc_decode: `sequence_lengths` must have shape ({host.shape[0]},); "
                         f"got {lengths.shape}")
    blank = mask_index % host.shape[2]
    if strategy == "greedy":
        decoded, scores = common.ctc_greedy_decode(host, lengths, merge_repeated, blank)
    elif strategy == "beam_search":
        decoded, scores = common.ctc_beam_search_decode(host, lengths, beam_width, top_paths,
                                                        blank)
    else:
        raise ValueError(f'ctc_decode: `strategy` must be "greedy" or "beam_search"; got '
                         f"{strategy!r}")
    return B.convert_to_tensor(decoded), B.convert_to_tensor(scores.astype(dtype))
