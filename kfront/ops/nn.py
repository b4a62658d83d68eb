"""Neural-network ops of the kfront ops interface: activations, crossentropies, dropout.

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
