"""Image file utilities of ``keras.utils`` / ``keras.preprocessing.image``: ``load_img``,
``img_to_array``, ``array_to_img``, ``save_img`` and ``smart_resize``.

Reading and writing image files needs Pillow, an optional dependency
(``pip install "kfront[image]"``); without it these functions raise an ``ImportError``
saying so. ``img_to_array`` and ``smart_resize`` work without Pillow.

Example:
    >>> import numpy as np
    >>> from kfront.utils import array_to_img, img_to_array
    >>> x = np.arange(2 * 3 * 3, dtype="float32").reshape(2, 3, 3)
    >>> img = array_to_img(x, scale=False)
    >>> img.size, img.mode
    ((3, 2), 'RGB')
    >>> img_to_array(img).shape
    (2, 3, 3)
"""
from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil(caller: str):
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(f"{caller} needs Pillow, which is not installed: "
                          'pip install "kfront[image]" (or pip install pillow)') from e
    return Image


def _data_format(data_format: str | None, caller: str) -> str:
    from kfront.config import image_data_format
    data_format = image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{caller}: data_format must be 'channels_last' or 'channels_first'; "
                         f"received {data_format!r}")
    return data_format


def _floatx(dtype: str | None) -> str:
    from kfront.config import floatx
    return floatx() if dtype is None else dtype


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True,
                 dtype: str | None = None):
    """Converts a 3D image array to a PIL image, like ``keras.utils.array_to_img``.

    Args:
        x: Array of shape ``(height, width, channels)`` (or channels first), with 1, 3 or
            4 channels.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global
            image data format).
        scale: Rescale the values to 0-255 (min to 0, max to 255).
        dtype: Working dtype (default: ``floatx``).

    Returns:
        A ``PIL.Image.Image`` (mode ``"L"``, ``"I"``, ``"RGB"`` or ``"RGBA"``).

    Raises:
        ImportError: Pillow is missing. ValueError: not rank 3, or a channel count other
            than 1, 3 or 4.

    Example:
        >>> import numpy as np
        >>> from kfront.utils import array_to_img
        >>> array_to_img(np.zeros((4, 5, 1))).size
        (5, 4)
    """
    image = _pil("array_to_img")
    data_format = _data_format(data_format, "array_to_img")
    x = np.asarray(x, dtype=_floatx(dtype))
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (a single image); "
                         f"received shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels}; expected "
                     "1, 3 or 4")


def img_to_array(img: Any, data_format: str | None = None, dtype: str | None = None
                 ) -> np.ndarray:
    """Converts a PIL image (or any array-like image) to a 3D NumPy array, like Keras.

    Args:
        img: A PIL image or an array of shape ``(h, w)`` or ``(h, w, c)``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: global).
        dtype: Output dtype (default: ``floatx``).

    Returns:
        Array of shape ``(h, w, c)`` (``(c, h, w)`` channels first).

    Example:
        >>> import numpy as np
        >>> from kfront.utils import img_to_array
        >>> img_to_array(np.zeros((4, 5)), data_format="channels_first").shape
        (1, 4, 5)
    """
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=_floatx(dtype))
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected (height, "
                     "width) or (height, width, channels)")


def save_img(path: Any, x: Any, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Saves an image array to a file, like ``keras.utils.save_img``.

    Args:
        path: File path or file object.
        x: Image array (see ``array_to_img``).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: global).
        file_format: Format name (default: from the file's extension; ``jpg`` means
            ``jpeg``, RGBA is converted to RGB for JPEG with a warning).
        scale: Rescale the values to 0-255.
        **kwargs: Passed to ``PIL.Image.Image.save``.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from kfront.utils import load_img, save_img
        >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
        >>> save_img(path, np.zeros((4, 5, 3)))
        >>> load_img(path).size
        (5, 4)
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: the JPEG format does not support RGBA images, converting to "
                      "RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(path: Any, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Loads an image file into a PIL image, like ``keras.utils.load_img``.

    Args:
        path: Path (str, bytes, ``pathlib.Path``) or ``io.BytesIO``.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None``.
        interpolation: ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"hamming"``,
            ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: Crop the centre to the target aspect ratio before resizing.

    Returns:
        A ``PIL.Image.Image``.

    Raises:
        ImportError: Pillow is missing. ValueError: bad ``color_mode`` or
            ``interpolation``, or a file that is not an image (names it).

    Example:
        >>> import io
        >>> import numpy as np
        >>> from kfront.utils import array_to_img, load_img
        >>> buf = io.BytesIO()
        >>> array_to_img(np.zeros((6, 8, 3))).save(buf, format="png")
        >>> load_img(buf, color_mode="grayscale", target_size=(3, 4)).size
        (4, 3)
    """
    image = _pil("load_img")
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f'load_img: color_mode must be "grayscale", "rgb", or "rgba"; '
                         f"received {color_mode!r}")
    if isinstance(path, io.BytesIO):
        name, data = "<BytesIO>", path
    elif isinstance(path, (pathlib.Path, bytes, str)):
        name = os.fsdecode(path) if not isinstance(path, pathlib.Path) else str(path.resolve())
        with open(name, "rb") as f:
            data = io.BytesIO(f.read())
    else:
        raise TypeError(f"load_img: path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = image.open(data)
    except Exception as e:  # PIL.UnidentifiedImageError, OSError, ...
        raise ValueError(f"load_img: {name!r} is not a readable image file: {e}") from e
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is None:
        return img
    width_height = (target_size[1], target_size[0])
    if img.size == width_height:
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"load_img: invalid interpolation {interpolation!r}; supported: "
                         f"{', '.join(INTERPOLATIONS)}")
    resample = getattr(getattr(image, "Resampling", image), interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    width, height = img.size
    crop_height = min(height, (width * width_height[1]) // width_height[0])
    crop_width = min(width, (height * width_height[0]) // width_height[1])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(width_height, resample,
                      box=[left, top, left + crop_width, top + crop_height])


def smart_resize(x: Any, size: tuple[int, int], interpolation: str = "bilinear",
                 data_format: str = "channels_last", **kwargs: Any):
    """Resizes images to ``size`` without distorting the aspect ratio, like Keras.

    The largest centred crop with the target aspect ratio is taken, then resized with
    ``kfront.ops.image.resize``. Works on every backend.

    Args:
        x: Image ``(h, w, c)`` or batch ``(n, h, w, c)`` (channels first likewise).
        size: ``(height, width)``.
        interpolation: As ``kfront.ops.image.resize``.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        The resized images: a NumPy array for NumPy input, else a backend tensor.

    Example:
        >>> import numpy as np
        >>> from kfront.preprocessing.image import smart_resize
        >>> smart_resize(np.ones((10, 20, 3), "float32"), (5, 5)).shape
        (5, 5, 3)
    """
    from kfront import ops
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"smart_resize: expected size to be a tuple of 2 integers; "
                         f"received {size}")
    data_format = _data_format(data_format, "smart_resize")
    img = ops.convert_to_tensor(x)
    if len(img.shape) not in (3, 4):
        raise ValueError("smart_resize: expected an image array of shape (height, width, "
                         "channels) or (batch_size, height, width, channels); received shape "
                         f"{tuple(img.shape)}")
    h_axis = len(img.shape) - (3 if data_format == "channels_last" else 2)
    height, width = int(img.shape[h_axis]), int(img.shape[h_axis + 1])
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    index = [slice(None)] * len(img.shape)
    index[h_axis] = slice(top, top + crop_height)
    index[h_axis + 1] = slice(left, left + crop_width)
    img = ops.image.resize(img[tuple(index)], size=size, interpolation=interpolation,
                           data_format=data_format)
    return ops.convert_to_numpy(img) if isinstance(x, np.ndarray) else img
