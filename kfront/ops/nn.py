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

from kfront.backends import B


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
