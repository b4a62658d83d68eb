"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, colour spaces,
patches, filters, reachable as ``kfront.ops.image``.

Each op checks its arguments once here and is written with backend ops (gathers with constant
indices, products with constant resampling matrices, convolutions), so every backend computes
the same numbers and differentiates them with respect to the images. Images are rank 3 (one
image) or rank 4 (a batch), ``data_format`` ``"channels_last"`` (default: ``kfront.config.
image_data_format()``) or ``"channels_first"``. Integer images are computed in float32, then
rounded and clipped to their dtype, as Keras does.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> ops.shape(ops.image.resize(np.zeros((2, 8, 8, 3), "float32"), (4, 4)))
    (2, 4, 4, 3)
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy

from kfront import config
from kfront.backends import B
from kfront.backends.common.image import nearest_indices, weight_matrix

__all__ = ["affine_transform", "map_coordinates", "resize"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


# ------------------------------------------------------------------------------ helpers
def _choice(op: str, arg: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{op}: `{arg}` must be one of {tuple(allowed)}; got {value!r}")


def _data_format(op: str, data_format) -> str:
    data_format = config.image_data_format() if data_format is None else data_format
    _choice(op, "data_format", data_format, ("channels_last", "channels_first"))
    return data_format


def _nhwc(op: str, images, data_format):
    """``images`` as a rank-4 channels-last tensor, and the function that gives a result of that
    layout the caller's rank and layout back."""
    data_format = _data_format(op, data_format)
    x = B.convert_to_tensor(images)
    rank = len(B.shape(x))
    if rank not in (3, 4):
        raise ValueError(f"{op}: `images` must have rank 3 (one image) or 4 (a batch); got "
                         f"shape {B.shape(x)}")
    if rank == 3:
        x = B.expand_dims(x, 0)
    if data_format == "channels_first":
        x = B.transpose(x, (0, 2, 3, 1))

    def undo(y):
        if data_format == "channels_first":
            y = B.transpose(y, (0, 3, 1, 2))
        return B.squeeze(y, 0) if rank == 3 else y
    return x, undo


def _float(x):
    """``x`` in a float dtype it computes in (integers: float32), and its own dtype."""
    dtype = B.dtype(x)
    if dtype in ("bool",) or dtype.startswith(("complex", "string")):
        raise TypeError(f"image ops need real numeric images; got dtype {dtype}")
    return (x if dtype.startswith(("float", "bfloat")) else B.cast(x, "float32")), dtype


def _restore(y, dtype: str, rounding: bool = True):
    """A float result back in the images' dtype: integers rounded (else truncated) and clipped
    to their range."""
    if dtype.startswith(("float", "bfloat")):
        return y
    info = numpy.iinfo(dtype)
    y = B.round(y) if rounding else B.multiply(B.sign(y), B.floor(B.abs(y)))
    return B.cast(B.clip(y, float(info.min), float(info.max)), dtype)


def _apply_matrix(x, axis: int, matrix):
    """Resample ``x`` along ``axis`` by the (out, in) constant ``matrix``."""
    shape = B.shape(x)
    lead = int(numpy.prod(shape[:axis], dtype="int64"))
    trail = int(numpy.prod(shape[axis + 1:], dtype="int64"))
    m = B.convert_to_tensor(matrix.astype(B.dtype(x)))
    y = B.matmul(m, B.reshape(x, (lead, shape[axis], trail)))
    return B.reshape(y, shape[:axis] + (matrix.shape[0],) + shape[axis + 1:])


def _resample(x, axis: int, size: int, interpolation: str, antialias: bool):
    n = B.shape(x)[axis]
    if n == size:
        return x
    if interpolation == "nearest":
        return B.take(x, B.convert_to_tensor(nearest_indices(n, size)), axis=axis)
    return _apply_matrix(x, axis, weight_matrix(n, size, interpolation, antialias))


# ------------------------------------------------------------------------------- resize
def resize(images, size: Sequence[int], interpolation: str = "bilinear",
           antialias: bool = False, crop_to_aspect_ratio: bool = False,
           pad_to_aspect_ratio: bool = False, fill_mode: str = "constant",
           fill_value: float = 0.0, data_format: str | None = None):
    """Resize images to ``size`` = (height, width).

    ``interpolation``: ``"bilinear"``, ``"nearest"``, ``"bicubic"`` (Keys, a = -0.5),
    ``"lanczos3"``, ``"lanczos5"`` or ``"area"``; pixel centres at half-integers, as
    ``tf.image.resize`` and ``jax.image.resize``. ``antialias`` widens the kernel when
    downsampling. ``crop_to_aspect_ratio`` first crops the centre to the target's aspect ratio;
    ``pad_to_aspect_ratio`` pads with ``fill_value`` instead (``fill_mode`` is ``"constant"``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.array([[0.0, 4.0]], "float32")[:, :, None]
        >>> ops.convert_to_numpy(ops.image.resize(x, (1, 4)))[0, :, 0]
        array([0., 1., 3., 4.], dtype=float32)
    """
    op = "resize"
    _choice(op, "interpolation", interpolation, RESIZE_INTERPOLATIONS)
    _choice(op, "fill_mode", fill_mode, ("constant",))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{op}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
                         f"can be True")
    size = tuple(size)
    if len(size) != 2 or not all(isinstance(s, (int, numpy.integer)) and s > 0 for s in size):
        raise ValueError(f"{op}: `size` must be two positive ints (height, width); got {size}")
    x, undo = _nhwc(op, images, data_format)
    x, dtype = _float(x)
    _, height, width, _ = B.shape(x)
    th, tw = size
    if crop_to_aspect_ratio:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        x = B.getitem(x, (slice(None), slice(h0, h0 + ch), slice(w0, w0 + cw)))
    elif pad_to_aspect_ratio:
        h0 = int(float(max(height, int(float(width * th) / tw)) - height) / 2)
        w0 = int(float(max(width, int(float(height * tw) / th)) - width) / 2)
        x = B.pad(x, ((0, 0), (h0, h0), (w0, w0), (0, 0)), constant_values=fill_value)
    x = _resample(x, 1, th, interpolation, antialias)
    x = _resample(x, 2, tw, interpolation, antialias)
    return undo(_restore(x, dtype))


# ------------------------------------------------------------------ sampling at coordinates
def _fix_index(index, size: int, mode: str):
    """Integer indices mapped into [0, size) by ``mode`` (scipy.ndimage's boundary rules)."""
    if mode == "nearest":
        return B.clip(index, 0, size - 1)
    if mode == "wrap":
        return B.mod(index, size)
    if mode == "mirror":  # d c b | a b c d | c b a
        if size == 1:
            return B.zeros_like(index)
        s = size - 1
        return B.abs(B.subtract(B.mod(B.add(index, s), 2 * s), s))
    if mode == "reflect":  # d c b a | a b c d | d c b a
        i = B.mod(index, 2 * size)
        return B.where(B.less(i, size), i, B.subtract(2 * size - 1, i))
    return index


def _corners(coordinate, order: int):
    """(integer index, weight) pairs of one coordinate axis: the rounded index (order 0), or
    floor and floor + 1 with linear weights (order 1)."""
    if order == 0:
        return [(B.cast(B.round(coordinate), "int32"), None)]
    lower = B.floor(coordinate)
    upper_weight = B.subtract(coordinate, lower)
    index = B.cast(lower, "int32")
    return [(index, B.subtract(1.0, upper_weight)), (B.add(index, 1), upper_weight)]


def _sample(flat, corners, sizes, fill_mode: str, fill_value):
    """Values of an array of shape ``sizes + channels`` (given flattened as ``flat``, shape
    (prod(sizes), channels...)) interpolated from ``corners`` (per axis of ``sizes``, its
    (integer index, weight or None) pairs, see ``_corners``); points off the array by
    ``fill_mode``."""
    strides = [int(numpy.prod(sizes[i + 1:], dtype="int64")) for i in range(len(sizes))]
    total = None
    for corner in itertools.product(*corners):
        flat_index, weight, valid = 0, None, None
        for (index, w), size, stride in zip(corner, sizes, strides):
            if fill_mode == "constant":
                ok = B.logical_and(B.greater_equal(index, 0), B.less(index, size))
                valid = ok if valid is None else B.logical_and(valid, ok)
                index = B.clip(index, 0, size - 1)
            else:
                index = _fix_index(index, size, fill_mode)
            flat_index = B.add(flat_index, B.multiply(index, stride))
            weight = w if weight is None else (weight if w is None else B.multiply(weight, w))
        value = B.take(flat, flat_index, axis=0)
        extra = len(B.shape(value)) - len(B.shape(flat_index))
        expand = (lambda t: B.reshape(t, B.shape(t) + (1,) * extra))
        if valid is not None:
            value = B.where(expand(valid), value, B.cast(fill_value, B.dtype(value)))
        if weight is not None:
            value = B.multiply(value, B.cast(expand(weight), B.dtype(value)))
        total = value if total is None else B.add(total, value)
    return total


def map_coordinates(inputs, coordinates, order: int, fill_mode: str = "constant",
                    fill_value: float = 0.0):
    """The values of ``inputs`` at ``coordinates`` (scipy.ndimage.map_coordinates).

    ``coordinates`` has shape (inputs.ndim, ...): one array of positions per axis; the result
    has shape ``coordinates.shape[1:]``. ``order`` 0 takes the nearest element (coordinates
    rounded half to even), 1 interpolates linearly. Points off the array follow ``fill_mode``:
    ``"constant"`` (``fill_value``), ``"nearest"``, ``"wrap"``, ``"mirror"`` or ``"reflect"``.
    Differentiable with respect to ``inputs``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.arange(4.0, dtype="float32").reshape(2, 2)
        >>> float(ops.image.map_coordinates(x, np.array([[0.5], [0.5]], "float32"), 1)[0])
        1.5
    """
    op = "map_coordinates"
    if order not in (0, 1):
        raise ValueError(f"{op}: `order` must be 0 or 1; got {order!r}")
    _choice(op, "fill_mode", fill_mode, FILL_MODES)
    x = B.convert_to_tensor(inputs)
    sizes = B.shape(x)
    if not isinstance(coordinates, (list, tuple)):
        coordinates = B.convert_to_tensor(coordinates)
        if not B.shape(coordinates) or B.shape(coordinates)[0] != len(sizes):
            raise ValueError(f"{op}: `coordinates` must have shape ({len(sizes)}, ...), one "
                             f"array per axis of `inputs`; got {B.shape(coordinates)}")
        coordinates = B.unstack(coordinates, axis=0)
    elif len(coordinates) != len(sizes):
        raise ValueError(f"{op}: `coordinates` must hold {len(sizes)} arrays, one per axis of "
                         f"`inputs`; got {len(coordinates)}")
    x, dtype = _float(x)
    corners = [_corners(B.cast(B.convert_to_tensor(c), B.dtype(x)), order) for c in coordinates]
    out = _sample(B.reshape(x, (-1,)), corners, sizes, fill_mode, fill_value)
    return _restore(out, dtype)


# ------------------------------------------------------------------- affine transform
def _map_coordinate(c, size: int, mode: str):
    """A float source coordinate mapped into [0, size - 1] by ``mode``, as TensorFlow's
    ``ImageProjectiveTransformV3`` does before interpolating ("constant": unchanged)."""
    if mode == "constant":
        return c
    top = float(size - 1)
    if size > 1 and mode == "reflect":
        sz2 = 2.0 * size
        neg = B.where(B.less(c, -sz2), B.add(B.multiply(sz2, B.floor(B.divide(B.negative(c),
                                                                          sz2))), c), c)
        neg = B.where(B.less(neg, -float(size)), B.add(neg, sz2), B.subtract(-1.0, neg))
        pos = B.subtract(c, B.multiply(sz2, B.floor(B.divide(c, sz2))))
        pos = B.where(B.greater_equal(pos, float(size)), B.subtract(sz2 - 1.0, pos), pos)
        c = B.where(B.less(c, 0.0), neg, B.where(B.greater(c, top), pos, c))
    elif size > 1 and mode == "wrap":
        neg = B.add(c, B.multiply(float(size), B.add(B.floor(B.divide(B.negative(c), top)), 1.0)))
        pos = B.subtract(c, B.multiply(float(size), B.floor(B.divide(c, top))))
        c = B.where(B.less(c, 0.0), neg, B.where(B.greater(c, top), pos, c))
    elif size > 1 and mode == "mirror":
        period = 2.0 * top
        m = B.subtract(B.abs(c), B.multiply(period, B.floor(B.divide(B.abs(c), period))))
        c = B.where(B.greater(m, top), B.subtract(period, m), m)
    return B.clip(c, 0.0, top)


def _round_half_away(c):
    return B.multiply(B.sign(c), B.floor(B.add(B.abs(c), 0.5)))


def affine_transform(images, transform, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0,
                     data_format: str | None = None):
    """Apply projective transforms to images (``tf.raw_ops.ImageProjectiveTransformV3``).

    ``transform`` is (8,) or (batch, 8): [a0, a1, a2, b0, b1, b2, c0, c1] maps the output point
    (x, y) to the input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k) with
    k = c0 x + c1 y + 1. ``interpolation`` ``"nearest"`` or ``"bilinear"``; points off the image
    follow ``fill_mode`` (``"constant"`` with ``fill_value``, ``"nearest"``, ``"wrap"``,
    ``"mirror"``, ``"reflect"``). Integer images are truncated, as TensorFlow's kernel does.
    Differentiable with respect to ``images``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
        >>> shift = np.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")  # reads x + 1
        >>> ops.convert_to_numpy(ops.image.affine_transform(x, shift))[0, :, 0]
        array([1., 2., 3., 0.], dtype=float32)
    """
    op = "affine_transform"
    _choice(op, "interpolation", interpolation, AFFINE_INTERPOLATIONS)
    _choice(op, "fill_mode", fill_mode, FILL_MODES)
    x, undo = _nhwc(op, images, data_format)
    x, dtype = _float(x)
    n, h, w, c = B.shape(x)
    t = B.cast(B.convert_to_tensor(transform), B.dtype(x))
    if len(B.shape(t)) == 1:
        t = B.expand_dims(t, 0)
    if len(B.shape(t)) != 2 or B.shape(t)[1] != 8 or B.shape(t)[0] not in (1, n):
        raise ValueError(f"{op}: `transform` must have shape (8,) or ({n}, 8); got "
                         f"{B.shape(B.convert_to_tensor(transform))}")
    a = [B.reshape(B.getitem(t, (slice(None), i)), (-1, 1, 1)) for i in range(8)]
    xs = B.reshape(B.arange(w, dtype=B.dtype(x)), (1, 1, w))
    ys = B.reshape(B.arange(h, dtype=B.dtype(x)), (1, h, 1))

    def lin(p, q, r):
        return B.add(B.add(B.multiply(p, xs), B.multiply(q, ys)), r)
    k = lin(a[6], a[7], 1.0)
    src_x = _map_coordinate(B.divide(lin(a[0], a[1], a[2]), k), w, fill_mode)
    src_y = _map_coordinate(B.divide(lin(a[3], a[4], a[5]), k), h, fill_mode)
    shape = (n, h, w)
    src_y, src_x = B.broadcast_to(src_y, shape), B.broadcast_to(src_x, shape)
    batch = B.broadcast_to(B.reshape(B.arange(n, dtype="int32"), (n, 1, 1)), shape)
    order = 1
    if interpolation == "nearest":
        src_y, src_x, order = _round_half_away(src_y), _round_half_away(src_x), 0
    corners = [[(batch, None)], _corners(src_y, order), _corners(src_x, order)]
    out = _sample(B.reshape(x, (n * h * w, c)), corners, (n, h, w), "constant", fill_value)
    return undo(_restore(out, dtype, rounding=False))
