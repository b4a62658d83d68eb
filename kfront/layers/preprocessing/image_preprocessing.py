"""Deterministic image layers: ``Rescaling``, ``Resizing``, ``CenterCrop``."""
from __future__ import annotations

import numpy as np

from kfront import ops
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import Layer

__all__ = ["Rescaling", "Resizing", "CenterCrop"]


def spatial_axes(ndim: int, data_format: str) -> tuple[int, int]:
    """The (height, width) axes of a rank-3 (one image) or rank-4 (batch) input."""
    return (ndim - 2, ndim - 1) if data_format == "channels_first" else (ndim - 3, ndim - 2)


def check_image_rank(who: str, shape) -> None:
    if len(shape) not in (3, 4):
        raise ValueError(f"{who}: expected an image of rank 3 (height, width, channels) or a "
                         f"batch of rank 4, got an input of shape {tuple(shape)}")


def crop(images, top: int, left: int, height: int, width: int, data_format: str):
    """``images[..., top:top+height, left:left+width, ...]`` on the spatial axes."""
    h_axis, w_axis = spatial_axes(len(ops.shape(images)), data_format)
    index = [slice(None)] * len(ops.shape(images))
    index[h_axis] = slice(top, top + height)
    index[w_axis] = slice(left, left + width)
    return ops.getitem(images, tuple(index))


def with_spatial_size(input_shape, height: int, width: int, data_format: str) -> tuple:
    shape = list(input_shape)
    h_axis, w_axis = spatial_axes(len(shape), data_format)
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


def smart_resize(images, height: int, width: int, data_format: str,
                 interpolation: str = "bilinear"):
    """Keras's ``smart_resize``: the largest centred crop of the target aspect ratio, resized
    to (height, width)."""
    shape = ops.shape(images)
    h_axis, w_axis = spatial_axes(len(shape), data_format)
    in_h, in_w = shape[h_axis], shape[w_axis]
    crop_h = min(in_h, int(in_w * height / width))
    crop_w = min(in_w, int(in_h * width / height))
    crop_h, crop_w = max(crop_h, 1), max(crop_w, 1)
    images = crop(images, (in_h - crop_h) // 2, (in_w - crop_w) // 2, crop_h, crop_w,
                  data_format)
    return ops.image.resize(images, (height, width), interpolation=interpolation,
                            data_format=data_format)


class Rescaling(Layer):
    """``inputs * scale + offset`` in the layer's dtype (e.g. ``scale=1/255`` maps
    ``[0, 255]`` to ``[0, 1]``); ``scale`` may be a per-channel list.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Rescaling(1 / 127.5, offset=-1)(np.array([0, 255], "uint8")).tolist()
        [-1.0, 1.0]
    """

    def __init__(self, scale: float | list, offset: float | list = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        from kfront import config
        scale = ops.cast(ops.convert_to_tensor(self.scale), self.dtype)
        offset = ops.cast(ops.convert_to_tensor(self.offset), self.dtype)
        scale_shape = ops.shape(scale)
        if len(scale_shape) and config.image_data_format() == "channels_first":
            scale = ops.reshape(scale, tuple(scale_shape) + (1,) * (3 - len(scale_shape)))
        return ops.add(ops.multiply(ops.cast(inputs, self.dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Resizing(Layer):
    """Resizes images (rank 3 or 4) to ``height`` x ``width`` with ``ops.image.resize``
    (``interpolation``, ``antialias``, and optionally cropping or padding to keep the aspect
    ratio); integer images come back rounded in their dtype, as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Resizing(2, 3)(np.zeros((1, 4, 6, 3), "float32")).shape
        (1, 2, 3, 3)
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width, self.interpolation = int(height), int(width), interpolation
        self.data_format = normalize_data_format(data_format, f'Resizing "{self.name}"')
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, \
            pad_to_aspect_ratio
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)
        self.built = True

    def call(self, inputs):
        check_image_rank(f'Resizing "{self.name}"', ops.shape(inputs))
        resized = ops.image.resize(inputs, (self.height, self.width),
                                   interpolation=self.interpolation, antialias=self.antialias,
                                   crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                                   pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                                   fill_mode=self.fill_mode, fill_value=self.fill_value,
                                   data_format=self.data_format)
        dtype = ops.dtype(inputs)
        if ops.dtype(resized) == dtype:
            return resized
        if "int" in dtype:
            info = np.iinfo(dtype)
            resized = ops.clip(ops.round(resized), float(info.min), float(info.max))
        return ops.cast(resized, dtype)

    def compute_output_shape(self, input_shape):
        check_image_rank(f'Resizing "{self.name}"', input_shape)
        return with_spatial_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(Layer):
    """The central ``height`` x ``width`` window of images (rank 3 or 4); an image smaller than
    the target is cropped to its aspect ratio and resized up, as Keras does.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.CenterCrop(2, 2)(np.zeros((1, 4, 5, 3), "float32")).shape
        (1, 2, 2, 3)
    """

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)
        self.data_format = normalize_data_format(data_format, f'CenterCrop "{self.name}"')
        self.built = True

    def call(self, inputs):
        inputs = ops.cast(inputs, self.dtype)
        shape = ops.shape(inputs)
        check_image_rank(f'CenterCrop "{self.name}"', shape)
        h_axis, w_axis = spatial_axes(len(shape), self.data_format)
        h_diff, w_diff = shape[h_axis] - self.height, shape[w_axis] - self.width
        # a size known only at run time (a traced TF graph) is taken to be large enough, as
        # Keras does
        if all(not isinstance(d, int) or d >= 0 for d in (h_diff, w_diff)):
            return crop(inputs, h_diff // 2, w_diff // 2, self.height, self.width,
                        self.data_format)
        return smart_resize(inputs, self.height, self.width, self.data_format)

    def compute_output_shape(self, input_shape):
        check_image_rank(f'CenterCrop "{self.name}"', input_shape)
        return with_spatial_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width}
