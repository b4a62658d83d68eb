"""Regularization layers: spatial dropout, Gaussian noise and dropout, alpha dropout,
``ActivityRegularization``."""
from __future__ import annotations

from kfront import ops, random, regularizers
from kfront.backends.common.random import SeedGenerator
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.dropout import Dropout
from kfront.layers.layer import InputSpec, Layer

__all__ = ["ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
           "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class BaseSpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per (sample, channel), shared over the
    ``rank`` spatial axes; identity in inference."""

    def __init__(self, rank: int, rate: float, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.rank = rank
        self.data_format = normalize_data_format(data_format, f'{type(self).__name__} '
                                                 f'"{self.name}"')
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = ops.shape(inputs)
        ones = (1,) * self.rank
        noise_shape = ((shape[0], shape[1], *ones) if self.data_format == "channels_first"
                       else (shape[0], *ones, shape[-1]))
        return ops.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator)

    def get_config(self) -> dict:
        config = {**super().get_config(), "data_format": self.data_format}
        config.pop("noise_shape")
        config.pop("trainable")  # Keras's SpatialDropout takes no `trainable` argument
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs in training.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.SpatialDropout1D(0.5, seed=1)(np.ones((2, 4, 3), "float32"), training=True)
        >>> bool((y.min(axis=1) == y.max(axis=1)).all())
        True
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(1, rate, "channels_last", seed, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(BaseSpatialDropout):
    """Drops whole channels of (batch, height, width, channels) inputs in training.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.SpatialDropout2D(0.5)(np.ones((2, 4, 4, 3), "float32")).shape
        (2, 4, 4, 3)
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(2, rate, data_format, seed, name=name, dtype=dtype)


class SpatialDropout3D(BaseSpatialDropout):
    """Drops whole channels of (batch, dim1, dim2, dim3, channels) inputs in training.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.SpatialDropout3D(0.5)(np.ones((2, 3, 3, 3, 2), "float32")).shape
        (2, 3, 3, 3, 2)
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(3, rate, data_format, seed, name=name, dtype=dtype)


class GaussianNoise(Layer):
    """Adds N(0, stddev**2) noise in training; identity in inference.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> float(layers.GaussianNoise(0.1)(np.ones((2, 3), "float32")).sum())
        6.0
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev:
            raise ValueError(f'GaussianNoise "{self.name}": stddev must be >= 0, got {stddev}')
        self.stddev, self.seed = float(stddev), seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(ops.shape(inputs), stddev=self.stddev, dtype=ops.dtype(inputs),
                              seed=self.seed_generator)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds ``(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size`` of its output to the
    losses (Keras 3 divides activity penalties by the batch size).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> reg = layers.ActivityRegularization(l2=0.5)
        >>> _ = reg(np.ones((2, 2), "float32"))
        >>> [float(loss) for loss in reg.losses]
        [1.0]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = {k: v for k, v in super().get_config().items() if k != "activity_regularizer"}
        return {**config, "l1": self.l1, "l2": self.l2}


class _RateNoise(Layer):
    """Shared: a ``rate`` in [0, 1], a seed, masks pass, identity in inference."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f'{type(self).__name__} "{self.name}": rate must be in [0, 1], '
                             f"got {rate}")
        self.rate, self.seed = float(rate), seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class GaussianDropout(_RateNoise):
    """Multiplies inputs by N(1, rate / (1 - rate)) noise in training; identity in inference.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.GaussianDropout(0.5, seed=1)(np.ones((1000,), "float32"), training=True)
        >>> bool(abs(y.mean() - 1) < 0.1), bool(abs(y.std() - 1) < 0.1)
        (True, True)
    """

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise = random.normal(ops.shape(inputs), mean=1.0,
                              stddev=(self.rate / (1.0 - self.rate)) ** 0.5,
                              dtype=ops.dtype(inputs), seed=self.seed_generator)
        return ops.multiply(inputs, noise)


class AlphaDropout(_RateNoise):
    """Dropout that keeps SELU's self-normalizing mean and variance: dropped inputs are set to
    SELU's negative saturation, then an affine map restores the statistics (training only).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.AlphaDropout(0.2, seed=1)(np.random.default_rng(0).normal(size=4000),
        ...                                      training=True)
        >>> bool(abs(y.mean()) < 0.1), bool(abs(y.std() - 1) < 0.1)
        (True, True)
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = ops.shape(inputs)
        noise_shape = (shape if self.noise_shape is None else
                       tuple(s if n is None else n for s, n in zip(shape, self.noise_shape)))
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        kept = ops.cast(ops.greater_equal(random.uniform(noise_shape, seed=self.seed_generator),
                                          self.rate), ops.dtype(inputs))
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(alpha_p, ops.subtract(1.0, kept)))
        return ops.add(ops.multiply(x, a), b)

    def get_config(self) -> dict:
        return {**super().get_config(), "noise_shape": self.noise_shape}
