"""``RandomGaussianBlur`` and ``RandomErasing`` (Keras's draws and fills; training only)."""
from __future__ import annotations

import numpy as np

from kfront import ops, random
from kfront.layers.preprocessing.image_preprocessing import spatial_axes
from kfront.layers.preprocessing.random_image import (BaseRandomImageLayer, factor_range,
                                                      value_range_pair)

__all__ = ["RandomGaussianBlur", "RandomErasing"]


class _ApplyProbabilityLayer(BaseRandomImageLayer):
    """Shared: an apply probability drawn per image from ``factor`` (in [0, 1]) and
    ``value_range``."""

    def __init__(self, factor, value_range, seed, data_format, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))
        self.value_range = value_range_pair(self.who, value_range)

    def should_apply(self, images):
        batch = ops.shape(images)[0]
        probability = random.uniform((batch,), self.factor[0], self.factor[1],
                                     seed=self.generator)
        threshold = random.uniform((batch,), 0.0, 1.0, seed=self.generator)
        return ops.reshape(ops.less(threshold, probability), (-1, 1, 1, 1))

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomGaussianBlur(_ApplyProbabilityLayer):
    """Blurs each image with probability drawn from ``factor`` by a Gaussian kernel of
    ``kernel_size`` (odd) and a pair of standard deviations drawn from ``sigma`` (shared by
    the batch, as Keras), clipped to ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.zeros((1, 5, 5, 1), "float32"); x[0, 2, 2] = 100
        >>> y = layers.RandomGaussianBlur(factor=(1, 1), sigma=(1, 1))(x)
        >>> bool(y[0, 2, 2, 0] < 100 and y[0, 1, 2, 0] > 0)
        True
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)
        sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 2
        if len(sizes) != 2 or any(not isinstance(k, int) or k % 2 == 0 or k < 1 for k in sizes):
            raise ValueError(f"{self.who}: kernel_size must be an odd int or a pair of odd "
                             f"ints, got {kernel_size!r}")
        self.kernel_size = tuple(sizes)
        self.sigma = factor_range(self.who, sigma, (0, 1))

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        apply = self.should_apply(images)
        sigma = ops.add(random.uniform((2,), self.sigma[0], self.sigma[1], dtype=self.dtype,
                                       seed=self.generator), 1e-6)
        blurred = self._blur(images, sigma)
        images = ops.where(apply, blurred, images)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def _blur(self, images, sigma):
        """Keras's ``gaussian_blur`` with a drawn (tensor) ``sigma``, so that it also runs
        in compiled steps: the kernel is built with ops and applied depthwise, "same"."""
        def kernel_1d(size: int, s):
            x = ops.convert_to_tensor(np.arange(size, dtype=self.dtype) - (size - 1) / 2)
            k = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(x, s))))
            return ops.divide(k, ops.sum(k))
        kh, kw = self.kernel_size
        kernel = ops.multiply(ops.expand_dims(kernel_1d(kw, sigma[1]), 1),
                              ops.expand_dims(kernel_1d(kh, sigma[0]), 0))
        x = images if self.data_format == "channels_last" else ops.transpose(images,
                                                                             (0, 2, 3, 1))
        kernel = ops.tile(ops.reshape(kernel, (kh, kw, 1, 1)), (1, 1, ops.shape(x)[-1], 1))
        out = ops.depthwise_conv(x, kernel, strides=1, padding="same",
                                 data_format="channels_last")
        return out if self.data_format == "channels_last" else ops.transpose(out, (0, 3, 1, 2))

    def get_config(self) -> dict:
        return {**super().get_config(), "kernel_size": self.kernel_size, "sigma": self.sigma}


class RandomErasing(_ApplyProbabilityLayer):
    """With probability drawn from ``factor``, replaces a random box of each image (sides
    ``sqrt(s)`` of the image's, ``s`` drawn from ``scale``) by ``fill_value`` (a number, an
    RGB triple, or, when ``None``, Gaussian noise times ``value_range[1]``), clipped to
    ``value_range``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> y = layers.RandomErasing(factor=(1, 1), fill_value=0, seed=0)(
        ...     np.full((2, 8, 8, 3), 9.0, "float32"))
        >>> bool((y == 0).any() and (y == 9).any())
        True
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)
        self.scale = factor_range(self.who, scale, (0, 1))
        if not (fill_value is None or isinstance(fill_value, (int, float)) or (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise ValueError(f"{self.who}: fill_value must be None, a number or a list of 3 "
                             f"numbers, got {fill_value!r}")
        self.fill_value = fill_value

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        shape = ops.shape(images)
        batch = shape[0]
        h_axis, w_axis = spatial_axes(4, self.data_format)
        height, width = shape[h_axis], shape[w_axis]
        sides = ops.sqrt(random.uniform((batch, 2), self.scale[0], self.scale[1],
                                        dtype=self.dtype, seed=self.generator))
        bounds = []
        for i, length in ((0, width), (1, height)):
            crop = ops.multiply(sides[:, i], float(length))
            start = ops.multiply(random.uniform((batch,), 0.0, 1.0, dtype=self.dtype,
                                                seed=self.generator),
                                 ops.subtract(float(length), crop))
            bounds.append((ops.reshape(start, (-1, 1, 1, 1)),
                           ops.reshape(ops.add(start, crop), (-1, 1, 1, 1))))
        (x0, x1), (y0, y1) = bounds
        grid = [1, 1, 1, 1]
        grid[h_axis] = height
        ys = ops.reshape(ops.arange(height, dtype=self.dtype), grid)
        grid = [1, 1, 1, 1]
        grid[w_axis] = width
        xs = ops.reshape(ops.arange(width, dtype=self.dtype), grid)
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(xs, x0), ops.less(xs, x1)),
            ops.logical_and(ops.greater_equal(ys, y0), ops.less(ys, y1)))
        apply = self.should_apply(images)
        if self.fill_value is None:
            fill = ops.multiply(random.normal(shape, dtype=self.dtype, seed=self.generator),
                                float(self.value_range[1]))
        else:
            fill = ops.multiply(ops.ones(shape, dtype=self.dtype),
                                ops.cast(ops.convert_to_tensor(self.fill_value), self.dtype))
        fill = ops.clip(fill, self.value_range[0], self.value_range[1])
        return ops.where(ops.logical_and(apply, inside), fill, images)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "fill_value": self.fill_value}
