"""Random image augmentation layers that need no resampling: ``RandomFlip``, ``RandomCrop``,
``RandomContrast``, ``RandomBrightness``, ``RandomGrayscale``, ``RandomInvert``.

As in Keras, they transform in training (``training=True`` is the default when calling the
layer, as in ``fit``) and pass images through at inference (``predict``,
``training=False``). Draws come from the layer's ``SeedGenerator``, so a seed repeats a run,
on every backend; each image of a batch gets its own draw.
"""
from __future__ import annotations

from kfront import ops, random
from kfront.backends.common.random import SeedGenerator
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import Layer
from kfront.layers.preprocessing.image_preprocessing import (check_image_rank, crop,
                                                             spatial_axes)

__all__ = ["RandomFlip", "RandomCrop", "RandomContrast", "RandomBrightness",
           "RandomGrayscale", "RandomInvert"]


def factor_range(who: str, factor, bounds: tuple) -> tuple:
    """Keras's ``_set_factor``: a number ``f`` -> ``(max(-|f|, low), |f|)``, a pair -> sorted;
    outside ``bounds`` is a ValueError naming ``who``."""
    msg = (f"{who}: factor must be a number or a pair of numbers in [{bounds[0]}, "
           f"{bounds[1]}], got {factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if not bounds[0] <= factor <= bounds[1]:
            raise ValueError(msg)
        return (max(-abs(factor), bounds[0]), abs(factor))
    raise ValueError(msg)


def value_range_pair(who: str, value_range) -> tuple:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{who}: value_range must be a pair (low, high), got {value_range!r}")
    return value_range


class BaseRandomImageLayer(Layer):
    """Shared by the random image layers: ``seed``, ``data_format``, the training switch and
    unbatched (rank-3) images. Subclasses define ``augment(images)`` on a rank-4 batch."""

    def __init__(self, seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.data_format = normalize_data_format(data_format, f'{type(self).__name__} '
                                                 f'"{self.name}"')
        self.built = True

    @property
    def who(self) -> str:
        return f'{type(self).__name__} "{self.name}"'

    def call(self, inputs, training=True):
        if training is False:
            return inputs
        shape = ops.shape(inputs)
        check_image_rank(self.who, shape)
        if len(shape) == 3:
            return ops.squeeze(self.augment(ops.expand_dims(inputs, 0)), 0)
        return self.augment(inputs)

    def augment(self, images):
        raise NotImplementedError

    def per_image(self, images, minval=0.0, maxval=1.0):
        """One uniform draw per image, shaped (batch, 1, 1, 1)."""
        return random.uniform((ops.shape(images)[0], 1, 1, 1), minval=minval, maxval=maxval,
                              seed=self.generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "seed": self.seed}


class RandomFlip(BaseRandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 (``mode``:
    ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
        >>> bool((layers.RandomFlip(seed=1)(x, training=False) == x).all())
        True
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f'{self.who}: mode must be "horizontal", "vertical" or '
                             f'"horizontal_and_vertical", got {mode!r}')
        self.mode = mode

    def augment(self, images):
        h_axis, w_axis = spatial_axes(4, self.data_format)
        for name, axis in (("horizontal", w_axis), ("vertical", h_axis)):
            if name in self.mode:
                flip = ops.less_equal(self.per_image(images), 0.5)
                images = ops.where(flip, ops.flip(images, axis=axis), images)
        return images

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


class RandomCrop(BaseRandomImageLayer):
    """In training, a random ``height`` x ``width`` window (one offset per batch, as Keras);
    from an input not larger than the target, Keras's near-centred window resized. At
    inference the input passes unchanged (Keras 3's behaviour).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RandomCrop(2, 3, seed=0)(np.zeros((4, 5, 6, 1), "float32")).shape
        (4, 2, 3, 1)
    """

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, name: str | None = None, **kwargs):
        super().__init__(seed, data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        h_axis, w_axis = spatial_axes(4, self.data_format)
        shape = ops.shape(images)
        in_h, in_w = shape[h_axis], shape[w_axis]
        known = isinstance(in_h, int) and isinstance(in_w, int)
        # sizes known only at run time (a traced TF graph) are taken to be large enough
        if not known or (in_h > self.height and in_w > self.width):
            for axis, size, total in ((h_axis, self.height, in_h), (w_axis, self.width, in_w)):
                stop = float(total - size + 1) if known else ops.cast(total - size + 1,
                                                                      "float32")
                start = ops.cast(random.uniform((), 0.0, stop, seed=self.generator), "int32")
                images = ops.take(images, ops.add(ops.arange(size, dtype="int32"), start),
                                  axis=axis)
            return images
        # Keras: the offsets of a centred crop of the target's aspect ratio, then a window of
        # the target's size from there (cut by the image's edge), resized to the target
        crop_h = max(min(in_h, int(in_w * self.height / self.width)), 1)
        crop_w = max(min(in_w, int(in_h * self.width / self.height)), 1)
        images = crop(images, int((in_h - crop_h) / 2), int((in_w - crop_w) / 2), self.height,
                      self.width, self.data_format)
        return ops.image.resize(images, (self.height, self.width), data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = spatial_axes(len(shape), self.data_format)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomContrast(BaseRandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a factor drawn from
    ``[1 - lower, 1 + upper]`` (Keras's ``factor`` -> ``(lower, upper)``, bounds [0, 1]),
    then clips to ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomContrast(0.5, seed=0)(np.full((2, 3, 3, 1), 7.0, "float32"))
        >>> float(y.min()), float(y.max())
        (7.0, 7.0)
    """

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))
        self.value_range = value_range_pair(self.who, value_range)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        h_axis, w_axis = spatial_axes(4, self.data_format)
        scale = ops.cast(self.per_image(images, 1.0 - self.factor[0], 1.0 + self.factor[1]),
                         self.dtype)
        mean = ops.mean(images, axis=(h_axis, w_axis), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), scale), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomBrightness(BaseRandomImageLayer):
    """Adds to each image a delta drawn from ``factor`` (bounds [-1, 1]) times the width of
    ``value_range``, then clips to ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomBrightness(0.2, seed=0)(np.full((2, 3, 3, 1), 100.0, "float32"))
        >>> bool(((y >= 49) & (y <= 151)).all())
        True
    """

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.factor = factor_range(self.who, factor, (-1, 1))
        self.value_range = sorted(value_range_pair(self.who, value_range))

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        delta = self.per_image(images, *self.factor)
        delta = ops.cast(ops.multiply(delta, float(self.value_range[1] - self.value_range[0])),
                         self.dtype)
        return ops.clip(ops.add(images, delta), self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomGrayscale(BaseRandomImageLayer):
    """Turns each RGB image grey (ITU-R 601 luma, 3 channels kept) with probability
    ``factor``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomGrayscale(1.0)(np.random.rand(2, 4, 4, 3).astype("float32"))
        >>> bool(np.allclose(y[..., 0], y[..., 2]))
        True
    """

    def __init__(self, factor: float = 0.5, data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(f"{self.who}: factor must be in [0, 1], got {factor}")
        self.factor = factor

    def augment(self, images):
        channel_axis = -1 if self.data_format == "channels_last" else 1
        if ops.shape(images)[channel_axis] not in (1, 3):
            raise ValueError(f"{self.who}: expected 1 or 3 channels, got images of shape "
                             f"{tuple(ops.shape(images))}")
        if ops.shape(images)[channel_axis] == 1:
            return images
        weights = ops.convert_to_tensor([0.2989, 0.5870, 0.1140])
        images_f = ops.cast(images, self.dtype)
        gray = ops.expand_dims(ops.tensordot(images_f, ops.cast(weights, self.dtype),
                                             axes=([channel_axis % 4], [0])), channel_axis)
        apply = ops.less(self.per_image(images), self.factor)
        return ops.where(apply, ops.cast(gray, ops.dtype(images)), images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(BaseRandomImageLayer):
    """Replaces an image by ``value_range[1] - image`` with a probability drawn per image from
    ``factor`` (bounds [0, 1]; as in Keras a number ``f`` means ``(0, f)``, so ``(1, 1)``
    inverts every image).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> black = np.zeros((1, 1, 1, 1), "float32")
        >>> layers.RandomInvert((1, 1), value_range=(0, 1))(black).item()
        1.0
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))
        self.value_range = value_range_pair(self.who, value_range)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        probability = self.per_image(images, *self.factor)
        apply = ops.less(self.per_image(images), probability)
        return ops.where(apply, ops.subtract(float(self.value_range[1]), images), images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
