"""``RandomElasticTransform``: Keras's random elastic deformation (training only)."""
from __future__ import annotations

import numpy as np

from kfront import ops, random
from kfront.layers.preprocessing.image_preprocessing import spatial_axes
from kfront.layers.preprocessing.random_image import (BaseRandomImageLayer, factor_range,
                                                      value_range_pair)

__all__ = ["RandomElasticTransform"]

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(BaseRandomImageLayer):
    """Displaces the pixels of each image by a smooth random field, as Keras: with a
    probability drawn per image from ``factor`` (in [0, 1]; a number ``f`` means
    ``[0, f]``), each image is resampled (``interpolation``, ``fill_mode``, ``fill_value``)
    at its pixel grid plus ``alpha`` times normal noise of standard deviation ``sigma``
    blurred by a Gaussian of ``sigma``, one field per image and axis; a ``distortion`` drawn
    per batch from ``scale`` gives ``alpha = 0.1 * distortion * max(height, width)`` and
    ``sigma = 0.05 * distortion * min(height, width)``. Results are clipped to
    ``value_range``. The blur kernel spans ``int(6 sigma) | 1`` pixels of the largest
    ``sigma`` (Keras: of the one drawn). Inputs pass unchanged at inference, and when
    ``factor`` or ``scale`` is 0.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
        >>> y = layers.RandomElasticTransform(factor=(1, 1), seed=1)(x)
        >>> y.shape, bool(0 <= y.min() and y.max() <= 255), bool(np.abs(y - x).max() > 1)
        ((2, 16, 16, 3), True, True)
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0, value_range=(0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))
        try:
            self.scale = factor_range(self.who, scale, (0, 1))
        except ValueError:
            raise ValueError(f"{self.who}: scale must be a number or a pair of numbers in "
                             f"[0, 1], got {scale!r}") from None
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{self.who}: interpolation must be one of {INTERPOLATIONS}, got "
                             f"{interpolation!r}")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{self.who}: fill_mode must be one of {FILL_MODES}, got "
                             f"{fill_mode!r}")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, \
            fill_value
        self.value_range = value_range_pair(self.who, value_range)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        if self.scale[1] == 0 or self.factor[1] == 0:
            return images
        batch = ops.shape(images)[0]
        probability = random.uniform((batch,), self.factor[0], self.factor[1],
                                     seed=self.generator)
        threshold = random.uniform((batch,), 0.0, 1.0, seed=self.generator)
        apply = ops.reshape(ops.less(threshold, probability), (-1, 1, 1, 1))
        distortion = random.uniform((), self.scale[0], self.scale[1], dtype=self.dtype,
                                    seed=self.generator)
        warped = self._warp(images, distortion)
        images = ops.where(apply, warped, images)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def _warp(self, images, distortion):
        h_axis, w_axis = spatial_axes(4, self.data_format)
        shape = ops.shape(images)
        batch, height, width = shape[0], shape[h_axis], shape[w_axis]
        alpha = ops.multiply(distortion, 0.1 * max(height, width))
        sigma = ops.maximum(ops.multiply(distortion, 0.05 * min(height, width)), 1e-6)
        size = int(6 * 0.05 * self.scale[1] * min(height, width)) | 1
        noise = ops.multiply(random.normal((2 * batch, height, width, 1), dtype=self.dtype,
                                           seed=self.generator), sigma)
        offset = ops.cast(np.arange(size, dtype="float32") - (size - 1) / 2, self.dtype)
        kernel = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(offset, sigma))))
        kernel = ops.divide(kernel, ops.sum(kernel))
        # the separable Gaussian blur, zero padded ("same"), as Keras's gaussian_blur
        field = ops.conv(noise, ops.reshape(kernel, (size, 1, 1, 1)), padding="same",
                         data_format="channels_last")
        field = ops.conv(field, ops.reshape(kernel, (1, size, 1, 1)), padding="same",
                         data_format="channels_last")
        dy, dx = ops.split(ops.multiply(ops.squeeze(field, -1), alpha), 2, axis=0)
        rows = ops.reshape(ops.arange(height, dtype=self.dtype), (1, height, 1))
        cols = ops.reshape(ops.arange(width, dtype=self.dtype), (1, 1, width))
        x = images if self.data_format == "channels_last" else ops.transpose(images,
                                                                             (0, 2, 3, 1))
        channels = ops.shape(x)[-1]
        full = (batch, height, width, channels)

        def index(axis: int):  # the batch or channel index of each sample, exact
            shape = [1, 1, 1, 1]
            shape[axis] = full[axis]
            return ops.broadcast_to(ops.reshape(ops.arange(full[axis], dtype=self.dtype),
                                                shape), full)

        def displaced(base, delta):
            return ops.broadcast_to(ops.expand_dims(ops.add(base, delta), -1), full)

        coordinates = ops.stack([index(0), displaced(rows, dy), displaced(cols, dx), index(3)])
        out = ops.image.map_coordinates(x, coordinates,
                                        order=0 if self.interpolation == "nearest" else 1,
                                        fill_mode=self.fill_mode, fill_value=self.fill_value)
        return out if self.data_format == "channels_last" else ops.transpose(out, (0, 3, 1, 2))

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}
