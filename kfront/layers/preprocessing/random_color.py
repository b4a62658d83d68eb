"""Colour augmentations: ``Solarization``, ``AutoContrast``, ``RandomPosterization``,
``RandomColorDegeneration``, ``RandomSaturation``, ``RandomHue``, ``RandomSharpness``,
``RandomColorJitter``, ``Equalization`` (Keras's formulas, per-image draws from the layer's
seed; in training only, except ``AutoContrast``, which always applies)."""
from __future__ import annotations

import numpy as np

from kfront import config, ops, random
from kfront.layers.preprocessing.random_image import (BaseRandomImageLayer, RandomBrightness,
                                                      RandomContrast, factor_range,
                                                      value_range_pair)

__all__ = ["Solarization", "AutoContrast", "RandomPosterization", "RandomColorDegeneration",
           "RandomSaturation", "RandomHue", "RandomSharpness", "RandomColorJitter",
           "Equalization"]


def to_range(images, source, target):
    """Map values linearly from the ``source`` range to the ``target`` range."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    images = ops.divide(ops.subtract(images, float(source[0])),
                        float(source[1]) - float(source[0]))
    return ops.add(ops.multiply(images, float(target[1]) - float(target[0])), float(target[0]))


def grayscale(images, data_format: str):
    """ITU-R 601 luma, kept with one channel (``ops.image.rgb_to_grayscale``)."""
    return ops.image.rgb_to_grayscale(images, data_format=data_format)


class _ValueRangeLayer(BaseRandomImageLayer):
    """Shared: a sorted ``value_range`` and a Keras ``factor`` range."""

    def __init__(self, factor, value_range, seed, data_format, bounds=(0, 1), **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, bounds)
        self.value_range = sorted(value_range_pair(self.who, value_range))

    def per_batch_row(self, images, low, high):
        return random.uniform((ops.shape(images)[0],), minval=low, maxval=high,
                              seed=self.generator)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class Solarization(BaseRandomImageLayer):
    """Adds a value drawn from ``addition_factor`` to each image, then inverts
    (``255 - x``) the pixels at or above a threshold drawn from ``threshold_factor``
    (factors in [0, 1]; a number ``f`` means ``[0, f]``; as in Keras a pair ``(a, b)`` draws
    from ``[a, 255 b]``), on values mapped from ``value_range`` to [0, 255].

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.array([[[[10.0], [200.0]]]], "float32")
        >>> layers.Solarization()(x)[0, 0, :, 0].tolist()
        [245.0, 55.0]
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed: int | None = None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.addition_factor = self._range("addition_factor", addition_factor)
        self.threshold_factor = self._range("threshold_factor", threshold_factor)
        self.value_range = sorted(value_range_pair(self.who, value_range))

    def _range(self, name: str, factor) -> tuple:
        values = factor if isinstance(factor, (tuple, list)) else [factor]
        if (isinstance(factor, (tuple, list)) and len(factor) != 2) or not all(
                isinstance(v, (int, float)) and 0 <= v <= 1 for v in values):
            raise ValueError(f"{self.who}: {name} must be a number or a pair of numbers in "
                             f"[0, 1], got {factor!r}")
        return tuple(sorted(factor)) if isinstance(factor, (tuple, list)) else (0, factor)

    def augment(self, images):
        images = to_range(ops.cast(images, self.dtype), self.value_range, (0, 255))
        additions = self.per_image(images, self.addition_factor[0],
                                   self.addition_factor[1] * 255)
        thresholds = self.per_image(images, self.threshold_factor[0],
                                    self.threshold_factor[1] * 255)
        results = ops.clip(ops.add(images, ops.cast(additions, self.dtype)), 0, 255)
        results = ops.where(ops.less(results, ops.cast(thresholds, self.dtype)), results,
                            ops.subtract(255.0, results))
        return to_range(results, (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor}


class AutoContrast(BaseRandomImageLayer):
    """Stretches each image's channels to the full ``value_range`` (min -> low,
    max -> high); a constant channel is left as it is. Deterministic: applies in training
    and inference alike, as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.array([[[[50.0], [100.0]]]], "float32")
        >>> layers.AutoContrast()(x)[0, 0, :, 0].tolist()
        [0.0, 255.0]
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(None, kwargs.pop("data_format", None), **kwargs)
        self.value_range = sorted(value_range_pair(self.who, value_range))

    def call(self, inputs, training=True):
        return super().call(inputs, training=True)

    def augment(self, images):
        original = images = ops.cast(images, self.dtype)
        images = to_range(images, self.value_range, (0, 255))
        low = ops.min(images, axis=(1, 2), keepdims=True)
        high = ops.max(images, axis=(1, 2), keepdims=True)
        scale = ops.divide(255.0, ops.subtract(high, low))
        results = ops.clip(ops.add(ops.multiply(images, scale),
                                   ops.negative(ops.multiply(low, scale))), 0.0, 255.0)
        results = to_range(results, (0, 255), self.value_range)
        return ops.where(ops.isnan(results), original, results)

    def get_config(self) -> dict:
        config = {**super().get_config(), "value_range": self.value_range}
        config.pop("seed")
        return config


class RandomPosterization(_ValueRangeLayer):
    """Keeps the top ``bits`` bits of each 8-bit channel value, ``bits`` drawn per image
    from ``factor`` (in [1, 8]; a number ``f`` means ``[1, f)``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.array([[[[13.0], [255.0]]]], "float32")
        >>> layers.RandomPosterization((2, 2))(x)[0, 0, :, 0].tolist()
        [0.0, 192.0]
    """

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, bounds=(1, 8), **kwargs)

    def augment(self, images):
        batch = ops.shape(images)[0]
        if self.factor[0] != self.factor[1]:
            bits = random.randint((batch,), int(self.factor[0]), int(self.factor[1]),
                                  seed=self.generator)
        else:
            bits = ops.full((batch,), int(self.factor[0]), dtype="int32")
        step = ops.reshape(ops.power(2.0, ops.cast(ops.subtract(8, bits), "float32")),
                           (batch, 1, 1, 1))
        images = to_range(ops.cast(images, self.dtype), self.value_range, (0, 255))
        images = ops.mod(ops.floor(images), 256.0)  # Keras casts to uint8 (wrapping)
        images = ops.multiply(ops.floor(ops.divide(images, ops.cast(step, self.dtype))),
                              ops.cast(step, self.dtype))
        return to_range(images, (0, 255), self.value_range)


class RandomColorDegeneration(_ValueRangeLayer):
    """Blends each image towards its grayscale version by a factor drawn from ``factor``
    (in [-1, 1]; a number ``f`` means ``[-f, f]``), clipped to ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomColorDegeneration((1, 1))(np.random.rand(1, 2, 2, 3) * 255)
        >>> bool(np.allclose(y[..., 0], y[..., 1]))
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, bounds=(-1, 1), **kwargs)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        factor = ops.cast(self.per_image(images, *self.factor), self.dtype)
        gray = grayscale(images, self.data_format)
        images = ops.add(images, ops.multiply(factor, ops.subtract(gray, images)))
        return ops.clip(images, self.value_range[0], self.value_range[1])


class RandomSaturation(_ValueRangeLayer):
    """Scales each image's HSV saturation by ``f / (1 - f)`` with ``f`` drawn from ``factor``
    (in [-1, 1], a number ``f`` meaning ``[-f, f]``; 0.5 keeps it, 0 greys, 1 saturates
    fully), as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomSaturation((0.0, 0.0), value_range=(0, 1))(
        ...     np.random.rand(1, 2, 2, 3).astype("float32"))
        >>> bool(np.allclose(y[..., 0], y[..., 2], atol=1e-6))
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, bounds=(-1, 1), **kwargs)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        factor = self.per_batch_row(images, *self.factor)
        factor = ops.divide(factor, ops.add(ops.subtract(1.0, factor), config.epsilon()))
        factor = ops.reshape(ops.cast(factor, self.dtype), (-1, 1, 1))
        channel_axis = -1 if self.data_format == "channels_last" else 1
        hsv = ops.unstack(ops.image.rgb_to_hsv(images, data_format=self.data_format),
                          axis=channel_axis)
        s = ops.clip(ops.multiply(hsv[1], factor), self.value_range[0], self.value_range[1])
        return ops.image.hsv_to_rgb(ops.stack([hsv[0], s, hsv[2]], axis=channel_axis),
                                    data_format=self.data_format)


class RandomHue(_ValueRangeLayer):
    """Rotates each image's hue by ``±f / 2`` of a turn, ``f`` drawn from ``factor`` (in
    [0, 1]) and a random sign, as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RandomHue(0.2, seed=0)(np.random.rand(2, 3, 3, 3) * 255).shape
        (2, 3, 3, 3)
    """

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def augment(self, images):
        images = to_range(ops.cast(images, self.dtype), self.value_range, (0, 1))
        sign = ops.where(ops.greater(self.per_batch_row(images, 0.0, 1.0), 0.5), -1.0, 1.0)
        shift = ops.multiply(ops.multiply(sign, self.per_batch_row(images, *self.factor)), 0.5)
        shift = ops.reshape(ops.cast(shift, self.dtype), (-1, 1, 1))
        channel_axis = -1 if self.data_format == "channels_last" else 1
        hsv = ops.unstack(ops.image.rgb_to_hsv(images, data_format=self.data_format),
                          axis=channel_axis)
        h = ops.add(hsv[0], shift)
        h = ops.where(ops.greater(h, 1.0), ops.subtract(h, 1.0), h)
        h = ops.where(ops.less(h, 0.0), ops.add(h, 1.0), h)
        images = ops.image.hsv_to_rgb(ops.stack([h, hsv[1], hsv[2]], axis=channel_axis),
                                      data_format=self.data_format)
        return to_range(ops.clip(images, 0, 1), (0, 1), self.value_range)


class RandomSharpness(_ValueRangeLayer):
    """Blends each image with a 3x3 smoothed copy: sharpness ``2f`` with ``f`` drawn from
    ``factor`` (in [0, 1]; 0.5 keeps the image), clipped to ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.random.rand(1, 4, 4, 3).astype("float32") * 255
        >>> bool(np.allclose(layers.RandomSharpness((0.5, 0.5))(x), x, atol=1e-3))
        True
    """

    def __init__(self, factor, value_range=(0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        if self.data_format == "channels_first":
            images = ops.swapaxes(images, -3, -1)
        sharpness = ops.reshape(ops.cast(ops.multiply(
            self.per_batch_row(images, *self.factor), 2.0), self.dtype), (-1, 1, 1, 1))
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = np.tile(np.array([[a, a, a], [a, b, a], [a, a, a]], self.dtype)
                         .reshape(3, 3, 1, 1), (1, 1, ops.shape(images)[-1], 1))
        smoothed = ops.depthwise_conv(images, ops.convert_to_tensor(kernel), strides=1,
                                      padding="same", data_format="channels_last")
        images = ops.add(images, ops.multiply(ops.subtract(1.0, sharpness),
                                              ops.subtract(smoothed, images)))
        images = ops.clip(images, self.value_range[0], self.value_range[1])
        return ops.swapaxes(images, -3, -1) if self.data_format == "channels_first" else images


class RandomColorJitter(BaseRandomImageLayer):
    """Applies, in this order and each only when its factor is given, ``RandomBrightness``,
    ``RandomContrast``, ``RandomSaturation`` and ``RandomHue`` (sharing ``value_range``
    and ``seed``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> jitter = layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=0)
        >>> jitter(np.random.rand(2, 3, 3, 3) * 255).shape
        (2, 3, 3, 3)
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = value_range_pair(self.who, value_range)
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        common = dict(value_range=value_range, seed=seed, data_format=self.data_format)
        self._stages = [cls(factor, **common) for cls, factor in (
            (RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
            (RandomSaturation, saturation_factor), (RandomHue, hue_factor))
            if factor is not None]

    def augment(self, images):
        for stage in self._stages:
            images = stage.augment(images)
        return images

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}


class Equalization(BaseRandomImageLayer):
    """Histogram equalization of each channel over the batch (``bins`` bins on values mapped
    to [0, 255], Keras's lookup table); a channel with one occupied bin is left as it is.
    Applies in training (the default when calling it), as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.array([[[[10.0], [10.0], [20.0], [30.0]]]], "float32")
        >>> layers.Equalization()(x)[0, 0, :, 0].tolist()
        [0.0, 0.0, 128.0, 255.0]
    """

    def __init__(self, value_range=(0, 255), bins: int = 256, data_format: str | None = None,
                 **kwargs):
        super().__init__(None, data_format, **kwargs)
        self.bins = int(bins)
        self.value_range = sorted(value_range_pair(self.who, value_range))

    def _equalize(self, channel):
        channel = to_range(channel, self.value_range, (0, 255))
        bins = self.bins
        scaled = ops.divide(ops.multiply(ops.cast(channel, "float32"), float(bins - 1)), 255.0)
        indices = ops.clip(ops.cast(scaled, "int32"), 0, bins - 1)
        hist = ops.segment_sum(ops.ones((ops.size(indices),), "float32"),
                               ops.reshape(indices, (-1,)), num_segments=bins)
        cdf = ops.cumsum(hist)
        cdf_min = ops.min(ops.where(ops.greater(cdf, 0.0), cdf, float("inf")))
        denominator = ops.subtract(cdf[-1], cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        table = ops.clip(ops.round(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min), 255.0),
                                              denominator)), 0.0, 255.0)
        lookup = ops.clip(ops.multiply(ops.divide(channel, 255.0), float(bins - 1)), 0,
                          bins - 1)
        equalized = ops.cast(ops.take(table, ops.cast(lookup, "int32")), self.dtype)
        occupied = ops.sum(ops.cast(ops.greater(hist, 0.0), "int32"))
        equalized = ops.where(ops.less_equal(occupied, 1), channel, equalized)
        return to_range(equalized, (0, 255), self.value_range)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        axis = -1 if self.data_format == "channels_last" else 1
        return ops.stack([self._equalize(c) for c in ops.unstack(images, axis=axis)],
                         axis=axis)

    def get_config(self) -> dict:
        config = {**super().get_config(), "value_range": self.value_range, "bins": self.bins}
        config.pop("seed")
        return config
