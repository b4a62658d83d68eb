"""Random ops (``keras.random``): seeds are ints (same values every call), a SeedGenerator
(advancing), or None (the global generator, see ``kfront.utils.set_random_seed``). The same seed
gives the same values on every backend; inside a compiled step (``compile_stateful``) each call
draws fresh values, and in a trace of the user's own (``jax.jit`` over ``stateless_call``, a
``tf.function``) a SeedGenerator's state seeds the draw and advances, as Keras's. No random op
has a gradient with respect to its distribution's parameters.

Example:
    >>> import kfront
    >>> x = kfront.random.normal((2, 3), seed=1)
    >>> kfront.ops.shape(x)
    (2, 3)
"""
from __future__ import annotations

from kfront.backends import B
from kfront.backends.common.dtypes import standardize_dtype
from kfront.backends.common.random import SeedGenerator

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev**2) of ``shape`` (``dtype`` default floatx).

    Example:
        >>> import kfront
        >>> kfront.ops.dtype(kfront.random.normal((4,), stddev=2.0, seed=0))
        'float32'
    """
    return B.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval) of ``shape``; ``dtype`` must be a float type.

    Example:
        >>> import kfront
        >>> x = kfront.ops.convert_to_numpy(kfront.random.uniform((100,), 2.0, 3.0, seed=0))
        >>> bool(((x >= 2) & (x < 3)).all())
        True
    """
    if dtype is not None and not standardize_dtype(dtype).startswith(("float", "bfloat")):
        raise ValueError(f"random.uniform requires a floating point `dtype`, got dtype={dtype!r}; "
                         "use random.randint for integers")
    return B.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within 2 stddev of the mean, of ``shape``.

    Example:
        >>> import kfront
        >>> x = kfront.ops.convert_to_numpy(kfront.random.truncated_normal((100,), seed=0))
        >>> bool((abs(x) <= 2).all())
        True
    """
    return B.random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=seed)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval) of ``shape``; ``dtype`` must be an integer type.

    Example:
        >>> import kfront
        >>> x = kfront.ops.convert_to_numpy(kfront.random.randint((50,), 0, 3, seed=0))
        >>> sorted(set(x.tolist()))
        [0, 1, 2]
    """
    if dtype is not None and not standardize_dtype(dtype).startswith(("int", "uint")):
        raise ValueError(f"random.randint requires an integer `dtype`, got dtype={dtype!r}")
    return B.random.randint(shape, minval, maxval, dtype=dtype, seed=seed)


def shuffle(x, axis=0, seed=None):
    """``x`` permuted along ``axis`` (no gradient through the permutation's choice).

    Example:
        >>> import numpy as np, kfront
        >>> x = kfront.random.shuffle(np.arange(4), seed=0)
        >>> sorted(kfront.ops.convert_to_numpy(x).tolist())
        [0, 1, 2, 3]
    """
    return B.random.shuffle(x, axis=axis, seed=seed)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with elements zeroed with probability ``rate`` and the rest scaled by
    ``1 / (1 - rate)``; see ``kfront.ops.dropout``.

    Example:
        >>> import numpy as np, kfront
        >>> y = kfront.ops.convert_to_numpy(kfront.random.dropout(np.ones(8), 0.5, seed=0))
        >>> sorted(set(y.tolist())) in ([0.0, 2.0], [0.0], [2.0])
        True
    """
    return B.dropout(inputs, rate, noise_shape=noise_shape, seed=seed)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(alpha, 1) (mean ``alpha``) of ``shape``; ``alpha`` broadcasts.

    Example:
        >>> import kfront
        >>> kfront.ops.shape(kfront.random.gamma((2, 3), alpha=0.5, seed=0))
        (2, 3)
    """
    return B.random.gamma(shape, alpha, dtype=dtype, seed=seed)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(alpha, beta) (in [0, 1], mean ``alpha / (alpha + beta)``) of ``shape``.

    Example:
        >>> import kfront
        >>> x = kfront.ops.convert_to_numpy(kfront.random.beta((100,), 2.0, 5.0, seed=0))
        >>> bool(((x >= 0) & (x <= 1)).all())
        True
    """
    return B.random.beta(shape, alpha, beta, dtype=dtype, seed=seed)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes out of ``counts`` trials of probability ``probabilities``, of ``shape``
    (``dtype`` default floatx, as Keras).

    Example:
        >>> import kfront
        >>> x = kfront.ops.convert_to_numpy(kfront.random.binomial((100,), 10, 0.5, seed=0))
        >>> bool(((x >= 0) & (x <= 10)).all()), x.dtype.name
        (True, 'float32')
    """
    return B.random.binomial(shape, counts, probabilities, dtype=dtype, seed=seed)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of the 2-D ``logits`` (batch, classes), drawn
    with probabilities ``softmax(logits)``: shape (batch, num_samples). No gradient.

    Example:
        >>> import numpy as np, kfront
        >>> logits = np.log(np.array([[0.0, 1.0], [1.0, 0.0]]) + 1e-30)
        >>> kfront.ops.convert_to_numpy(kfront.random.categorical(logits, 3, seed=0)).tolist()
        [[1, 1, 1], [0, 0, 0]]
    """
    shape = B.shape(logits)
    if len(shape) != 2:
        raise ValueError(f"random.categorical: `logits` must be a 2-D tensor of shape "
                         f"(batch_size, num_classes), got shape {tuple(shape)}")
    if isinstance(num_samples, bool) or int(num_samples) != num_samples or num_samples < 0:
        raise ValueError(f"random.categorical: `num_samples` must be a non-negative int, got "
                         f"{num_samples!r}")
    return B.random.categorical(logits, int(num_samples), dtype=dtype, seed=seed)
