"""Random geometric augmentations resampled with ``ops.image.affine_transform``:
``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomShear`` (and
``RandomPerspective`` through ``ops.image.perspective_transform``).

Keras's transforms (per-image draws, its matrices, fill modes and interpolations); in
training only, inputs pass unchanged at inference.
"""
from __future__ import annotations

import math

from kfront import ops, random
from kfront.layers.preprocessing.image_preprocessing import spatial_axes
from kfront.layers.preprocessing.random_image import BaseRandomImageLayer, factor_range

__all__ = ["RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear",
           "RandomPerspective"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def signed_range(who: str, name: str, factor, low_open: bool = False) -> tuple:
    """Keras's ``_set_factor`` of zoom/translation: a number ``f`` -> ``(-|f|, |f|)``, a
    pair sorted; each value in [-1, 1] (zoom: (-1, 1])."""
    values = factor if isinstance(factor, (tuple, list)) else [factor]
    ok = (isinstance(factor, (int, float)) or len(values) == 2) and all(
        isinstance(v, (int, float)) and (-1 < v if low_open else -1 <= v) and v <= 1
        for v in values)
    if not ok:
        raise ValueError(f"{who}: {name} must be a number or a pair of numbers in "
                         f"[-1, 1]{' (above -1)' if low_open else ''}, got {factor!r}")
    if isinstance(factor, (tuple, list)):
        return tuple(sorted(factor))
    return (-abs(factor), abs(factor))


def float_sizes(images, data_format: str) -> tuple:
    """The (height, width) of a batch of images as floats (float32 scalar tensors where the
    size is known only at run time)."""
    h_axis, w_axis = spatial_axes(4, data_format)
    shape = ops.shape(images)
    return tuple(float(shape[axis]) if isinstance(shape[axis], int)
                 else ops.cast(shape[axis], "float32") for axis in (h_axis, w_axis))


def affine_rows(*columns):
    """Stack (batch, 1) columns and two zero columns into Keras's (batch, 8) transforms."""
    zeros = ops.zeros_like(columns[0])
    return ops.concatenate(list(columns) + [zeros, zeros], axis=1)


class BaseAffineLayer(BaseRandomImageLayer):
    """Shared: ``fill_mode``, ``interpolation``, ``fill_value`` and the resampling."""

    def __init__(self, fill_mode: str, interpolation: str, seed, fill_value: float,
                 data_format, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{self.who}: fill_mode must be one of {FILL_MODES}, got "
                             f"{fill_mode!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{self.who}: interpolation must be one of {INTERPOLATIONS}, got "
                             f"{interpolation!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def image_size(self, images) -> tuple:
        """(height, width) as floats: Python floats, or float32 scalar tensors for sizes
        unknown in a traced graph (TensorFlow's ``(None, None, None, C)`` signatures)."""
        return float_sizes(images, self.data_format)

    def draw(self, images, low: float, high: float):
        """One uniform draw per image, shaped (batch, 1), float32."""
        return random.uniform((ops.shape(images)[0], 1), minval=low, maxval=high,
                              dtype="float32", seed=self.generator)

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        return ops.image.affine_transform(images, self.transform(images),
                                          interpolation=self.interpolation,
                                          fill_mode=self.fill_mode,
                                          fill_value=self.fill_value,
                                          data_format=self.data_format)

    def transform(self, images):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


def rotation_about_centre(angle, height, width):
    """Keras's ``_compute_affine_matrix`` for a rotation by ``angle`` degrees (batch, 1)
    about the image centre."""
    angle = ops.multiply(angle, math.pi / 180.0)
    cos, sin = ops.cos(angle), ops.sin(angle)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    a0, a1, b0, b1 = cos, ops.negative(sin), sin, cos
    a2 = ops.subtract(cx, ops.add(ops.multiply(a0, cx), ops.multiply(a1, cy)))
    b2 = ops.subtract(cy, ops.add(ops.multiply(b0, cx), ops.multiply(b1, cy)))
    return affine_rows(a0, a1, a2, b0, b1, b2)


class RandomRotation(BaseAffineLayer):
    """Rotates each image by ``factor * 360`` degrees drawn from ``factor`` (a number ``f``
    means ``[-f, f]``; positive is counter-clockwise) about its centre.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
        >>> y = layers.RandomRotation((0.5, 0.5))(x)
        >>> np.round(y[0, :, :, 0]).tolist()
        [[8.0, 7.0, 6.0], [5.0, 4.0, 3.0], [2.0, 1.0, 0.0]]
    """

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (-1, 1))

    def transform(self, images):
        height, width = self.image_size(images)
        angle = self.draw(images, self.factor[0] * 360.0, self.factor[1] * 360.0)
        return rotation_about_centre(angle, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


class RandomShear(BaseAffineLayer):
    """Shears each image: ``x' = x + s_x * y``, ``y' = y + s_y * x`` with ``s_x`` drawn from
    ``x_factor`` and ``s_y`` from ``y_factor`` (a number ``f`` in [0, 1] means ``[-f, f]``)
    and one random sign per image, as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RandomShear(0.3, seed=0)(np.ones((2, 4, 4, 1), "float32")).shape
        (2, 4, 4, 1)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 data_format: str | None = None, seed: int | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.x_factor = self._shear_range("x_factor", x_factor)
        self.y_factor = self._shear_range("y_factor", y_factor)

    def _shear_range(self, name: str, factor) -> tuple:
        """A number in [0, 1] -> ``(-f, f)``; a pair (in [-1, 1], so that the config's
        ``(-f, f)`` loads again, which Keras's check refuses) -> sorted."""
        pair = isinstance(factor, (tuple, list))
        low = -1 if pair else 0
        values = factor if pair else [factor]
        if not all(isinstance(v, (int, float)) and low <= v <= 1 for v in values) or (
                pair and len(factor) != 2):
            raise ValueError(f"{self.who}: {name} must be a number in [0, 1] or a pair of "
                             f"numbers in [-1, 1], got {factor!r}")
        return tuple(sorted(factor)) if isinstance(factor, (tuple, list)) else (-factor, factor)

    def transform(self, images):
        sign = ops.where(ops.greater(self.draw(images, 0.0, 1.0), 0.5), -1.0, 1.0)
        shear_y = ops.multiply(self.draw(images, *self.y_factor), sign)
        shear_x = ops.multiply(self.draw(images, *self.x_factor), sign)
        ones, zeros = ops.ones_like(sign), ops.zeros_like(sign)
        return affine_rows(ones, shear_x, zeros, shear_y, ones, zeros)

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}


class RandomZoom(BaseAffineLayer):
    """Zooms each image by ``1 + f`` with ``f`` drawn from ``height_factor`` (negative zooms
    in) and, if given, independently ``width_factor`` (else the same zoom), about its centre.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RandomZoom(0.2, seed=0)(np.ones((2, 4, 4, 1), "float32")).shape
        (2, 4, 4, 1)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = signed_range(self.who, "height_factor",
                                                            height_factor, low_open=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = signed_range(self.who, "width_factor",
                                                              width_factor, low_open=True)

    def transform(self, images):
        height, width = self.image_size(images)
        h_zoom = self.draw(images, 1.0 + self.height_lower, 1.0 + self.height_upper)
        w_zoom = (self.draw(images, 1.0 + self.width_lower, 1.0 + self.width_upper)
                  if self.width_factor is not None else h_zoom)
        zeros = ops.zeros_like(h_zoom)
        x_offset = ops.multiply((width - 1.0) / 2.0, ops.subtract(1.0, w_zoom))
        y_offset = ops.multiply((height - 1.0) / 2.0, ops.subtract(1.0, h_zoom))
        return affine_rows(w_zoom, zeros, x_offset, zeros, h_zoom, y_offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(BaseAffineLayer):
    """Shifts each image by fractions of its height and width drawn from ``height_factor``
    and ``width_factor`` (a number ``f`` means ``[-f, f]``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
        >>> y = layers.RandomTranslation(0, (0.25, 0.25), fill_mode="constant")(x)
        >>> y[0, 0, :, 0].tolist()
        [0.0, 0.0, 1.0, 2.0]
    """

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = signed_range(self.who, "height_factor",
                                                            height_factor)
        self.width_lower, self.width_upper = signed_range(self.who, "width_factor",
                                                          width_factor)

    def transform(self, images):
        height, width = self.image_size(images)
        dy = ops.multiply(self.draw(images, self.height_lower, self.height_upper), height)
        dx = ops.multiply(self.draw(images, self.width_lower, self.width_upper), width)
        ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
        return affine_rows(ones, zeros, ops.negative(dx), zeros, ones, ops.negative(dy))

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomPerspective(BaseRandomImageLayer):
    """With probability drawn from ``factor`` (in [0, 1]), warps each image by moving its
    corners by up to ``scale / 2`` of their coordinates (``ops.image.perspective_transform``;
    outside pixels get ``fill_value``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RandomPerspective(scale=0.3, seed=0)(np.ones((2, 6, 6, 1), "float32")).shape
        (2, 6, 6, 1)
    """

    def __init__(self, factor=1.0, scale: float = 1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None,
                 data_format: str | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))
        if not 0.0 <= scale <= 1.0:
            raise ValueError(f"{self.who}: scale must be in [0, 1], got {scale}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{self.who}: interpolation must be one of {INTERPOLATIONS}, got "
                             f"{interpolation!r}")
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def augment(self, images):
        images = ops.cast(images, self.dtype)
        batch = ops.shape(images)[0]
        height, width = float_sizes(images, self.data_format)
        probability = random.uniform((batch,), self.factor[0], self.factor[1],
                                     seed=self.generator)
        apply = ops.less(random.uniform((batch,), 0.0, 1.0, seed=self.generator), probability)
        shift = random.uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale,
                               dtype=self.dtype, seed=self.generator)
        corners = [[0.0, 0.0], [width - 1.0, 0.0], [0.0, height - 1.0],
                   [width - 1.0, height - 1.0]]
        start = ops.broadcast_to(ops.convert_to_tensor([corners], dtype=self.dtype),
                                 (batch, 4, 2))
        end = ops.add(start, ops.multiply(start, shift))
        warped = ops.image.perspective_transform(images, start, end,
                                                 interpolation=self.interpolation,
                                                 fill_value=self.fill_value,
                                                 data_format=self.data_format)
        return ops.where(ops.reshape(apply, (-1, 1, 1, 1)), warped, images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}
