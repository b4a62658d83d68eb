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

import functools
import inspect
import itertools
import operator
from collections.abc import Sequence

import numpy

from kfront import config
from kfront.backends import B
from kfront.backends.common.image import nearest_indices, taps, weight_matrix
from kfront.backends.common.linalg import sizes_differ

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "scale_and_translate", "sobel_edges", "ssim"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


# ------------------------------------------------------------------------------ helpers
def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, (list, tuple)) else value


def _compiled(*tensor_args: str):
    """Run the decorated op through the backend's ``image_compiled`` (JAX: one ``jax.jit`` per
    setting of its non-tensor arguments), passing the arguments named ``tensor_args`` as
    tensors and the others as settings."""
    def decorate(impl):
        signature = inspect.signature(impl)

        @functools.wraps(impl)
        def op(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            tensors = [bound.arguments[name] for name in tensor_args]
            settings = {k: _hashable(v) for k, v in bound.arguments.items()
                        if k not in tensor_args}
            if settings.get("data_format", "") is None:  # the default now, not when compiled
                settings["data_format"] = config.image_data_format()
            return B.image_compiled(impl)(*tensors, **settings)
        return op
    return decorate


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


def _float(x, op: str):
    """``x`` in a float dtype it computes in (integers: float32), and its own dtype."""
    dtype = B.dtype(x)
    if dtype == "bool" or dtype.startswith(("complex", "string")):
        raise TypeError(f"{op}: the images must be real numbers (float or integer); got dtype "
                        f"{dtype}")
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
    """Resample ``x`` along ``axis`` by the (out, in) constant ``matrix``: as a few gathered
    taps when it is sparse (bilinear or bicubic without antialias: 2 or 4 of them), else as
    one matrix product."""
    shape = B.shape(x)
    indices, weights = taps(matrix)
    if len(indices) * 8 <= shape[axis]:
        total = None
        for index, weight in zip(indices, weights):
            w = B.convert_to_tensor(weight.reshape((-1,) + (1,) * (len(shape) - axis - 1))
                                    .astype(B.dtype(x)))
            term = B.multiply(B.take(x, B.convert_to_tensor(index), axis=axis), w)
            total = term if total is None else B.add(total, term)
        return total
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
@_compiled("images")
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
    x, dtype = _float(x, op)
    _, height, width, _ = B.shape(x)
    th, tw = size
    if crop_to_aspect_ratio:
        ch = _max(_min(height, _scaled(width, th, tw)), 1)
        cw = _max(_min(width, _scaled(height, tw, th)), 1)
        h0, w0 = (height - ch) // 2, (width - cw) // 2
        x = B.getitem(x, (slice(None), slice(h0, h0 + ch), slice(w0, w0 + cw)))
    elif pad_to_aspect_ratio:
        h0 = (_max(height, _scaled(width, th, tw)) - height) // 2
        w0 = (_max(width, _scaled(height, tw, th)) - width) // 2
        x = B.pad(x, ((0, 0), (h0, h0), (w0, w0), (0, 0)), constant_values=fill_value)
    fast = B.resize_images(x, (th, tw), interpolation, antialias)
    if fast is None:
        x = _resample(_resample(x, 1, th, interpolation, antialias), 2, tw, interpolation,
                      antialias)
    return undo(_restore(x if fast is None else fast, dtype))


def _scaled(size, num: int, den: int):
    """``int(size * num / den)`` (in float32 as Keras's TF backend, for a size known only at
    run time: an int32 scalar tensor of a traced TensorFlow graph)."""
    if isinstance(size, (int, numpy.integer)):
        return int(float(size * num) / den)
    return B.cast(B.divide(B.cast(size * num, "float32"), float(den)), "int32")


def _min(a, b):
    """``min`` of two sizes, either a run-time scalar tensor."""
    return min(a, b) if isinstance(a, int) and isinstance(b, int) else B.minimum(a, b)


def _max(a, b):
    """``max`` of two sizes, either a run-time scalar tensor."""
    return max(a, b) if isinstance(a, int) and isinstance(b, int) else B.maximum(a, b)


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
    # sizes may be scalar tensors (known at run time only, in a traced TF graph)
    strides = [functools.reduce(operator.mul, sizes[i + 1:], 1) for i in range(len(sizes))]
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


@_compiled("inputs", "coordinates")
def map_coordinates(inputs, coordinates, order: int, fill_mode: str = "constant",
                    fill_value: float = 0):
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
    x, dtype = _float(x, op)
    corners = [_corners(B.cast(B.convert_to_tensor(c), B.dtype(x)), order) for c in coordinates]
    out = _sample(B.reshape(x, (-1,)), corners, sizes, fill_mode, fill_value)
    return _restore(out, dtype)


# ------------------------------------------------------------------- affine transform
def _map_coordinate(c, size, mode: str):
    """A float source coordinate mapped into [0, size - 1] by ``mode``, as TensorFlow's
    ``ImageProjectiveTransformV3`` does before interpolating ("constant": unchanged).
    ``size`` may be a scalar tensor (a size known only at run time in a traced TF graph)."""
    if mode == "constant":
        return c
    static = isinstance(size, int)
    fsize = float(size) if static else B.cast(size, B.dtype(c))
    top = fsize - 1.0
    many = size > 1 if static else True  # at run time, size 1 is handled by the last line
    if many and mode == "reflect":
        sz2 = 2.0 * fsize
        neg = B.where(B.less(c, -sz2), B.add(B.multiply(sz2, B.floor(B.divide(B.negative(c),
                                                                          sz2))), c), c)
        neg = B.where(B.less(neg, -fsize), B.add(neg, sz2), B.subtract(-1.0, neg))
        pos = B.subtract(c, B.multiply(sz2, B.floor(B.divide(c, sz2))))
        pos = B.where(B.greater_equal(pos, fsize), B.subtract(sz2 - 1.0, pos), pos)
        c = B.where(B.less(c, 0.0), neg, B.where(B.greater(c, top), pos, c))
    elif many and mode == "wrap":
        neg = B.add(c, B.multiply(fsize, B.add(B.floor(B.divide(B.negative(c), top)), 1.0)))
        pos = B.subtract(c, B.multiply(fsize, B.floor(B.divide(c, top))))
        c = B.where(B.less(c, 0.0), neg, B.where(B.greater(c, top), pos, c))
    elif many and mode == "mirror":
        period = 2.0 * top
        m = B.subtract(B.abs(c), B.multiply(period, B.floor(B.divide(B.abs(c), period))))
        c = B.where(B.greater(m, top), B.subtract(period, m), m)
    c = B.clip(c, 0.0, top)
    return c if static else B.where(B.greater(size, 1), c, B.zeros_like(c))


def _round_half_away(c):
    return B.multiply(B.sign(c), B.floor(B.add(B.abs(c), 0.5)))


@_compiled("images", "transform")
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
    x, dtype = _float(x, op)
    n, h, w, c = B.shape(x)
    t = B.cast(B.convert_to_tensor(transform), B.dtype(x))
    if len(B.shape(t)) == 1:
        t = B.expand_dims(t, 0)
    if len(B.shape(t)) != 2 or B.shape(t)[1] != 8 or (sizes_differ(B.shape(t)[0], 1)
                                                       and sizes_differ(B.shape(t)[0], n)):
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


@_compiled("images", "start_points", "end_points")
def perspective_transform(images, start_points, end_points, interpolation: str = "bilinear",
                          fill_value: float = 0, data_format: str | None = None):
    """Warp images so that the four ``start_points`` move to ``end_points``.

    ``start_points`` and ``end_points`` are (4, 2) or (batch, 4, 2) (x, y) corners; the
    homography through them feeds ``affine_transform`` with ``fill_mode="constant"``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> corners = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], "float32")
        >>> x = np.arange(16.0, dtype="float32").reshape(4, 4, 1)
        >>> out = ops.image.perspective_transform(x, corners, corners)
        >>> bool(np.allclose(ops.convert_to_numpy(out), x, atol=1e-4))
        True
    """
    op = "perspective_transform"
    dtype = "float64" if B.dtype(B.convert_to_tensor(images)) == "float64" else "float32"
    start = B.cast(B.convert_to_tensor(start_points), dtype)
    end = B.cast(B.convert_to_tensor(end_points), dtype)
    for arg, p in (("start_points", start), ("end_points", end)):
        if B.shape(p)[-2:] != (4, 2) or len(B.shape(p)) not in (2, 3):
            raise ValueError(f"{op}: `{arg}` must have shape (4, 2) or (batch, 4, 2); got "
                             f"{B.shape(p)}")
    if len(B.shape(start)) != len(B.shape(end)) or any(map(sizes_differ, B.shape(start),
                                                            B.shape(end))):
        raise ValueError(f"{op}: `start_points` and `end_points` must have the same shape; got "
                         f"{B.shape(start)} and {B.shape(end)}")
    return affine_transform(images, _homography(start, end), interpolation, "constant",
                            fill_value, data_format)


def _homography(start, end):
    """The 8 projective coefficients mapping ``end`` points to ``start`` points (..., 4, 2)."""
    sx, sy = B.getitem(start, (Ellipsis, 0)), B.getitem(start, (Ellipsis, 1))
    ex, ey = B.getitem(end, (Ellipsis, 0)), B.getitem(end, (Ellipsis, 1))
    zero, one = B.zeros_like(ex), B.ones_like(ex)
    x_rows = B.stack([ex, ey, one, zero, zero, zero, B.negative(B.multiply(sx, ex)),
                      B.negative(B.multiply(sx, ey))], axis=-1)
    y_rows = B.stack([zero, zero, zero, ex, ey, one, B.negative(B.multiply(sy, ex)),
                      B.negative(B.multiply(sy, ey))], axis=-1)
    a = B.concatenate([x_rows, y_rows], axis=-2)
    b = B.expand_dims(B.concatenate([sx, sy], axis=-1), -1)
    return B.squeeze(B.solve(a, b), -1)


# ------------------------------------------------------------------------ crop and pad
def _sides(op: str, verb: str, before, after, target, size: int, names):
    """(before, after) amounts of one axis from two of before / after / target."""
    if [before, after, target].count(None) != 1:
        raise ValueError(f"{op}: give exactly two of `{names[0]}`, `{names[1]}`, `{names[2]}`; "
                         f"got {names[0]}={before}, {names[1]}={after}, {names[2]}={target}")
    for name, value in zip(names, (before, after, target)):
        if value is not None and value < 0:
            raise ValueError(f"{op}: `{name}` must be >= 0; got {value}")
    sign = 1 if verb == "pad" else -1
    if before is None:
        before = sign * (target - size) - after
    elif after is None:
        after = sign * (target - size) - before
    for name, value in zip(names[:2], (before, after)):
        if value < 0:
            raise ValueError(f"{op}: `{name}` must be >= 0; got {value} (an image of {size} "
                             f"{'to' if verb == 'pad' else 'from'} {target})")
    return before, after


@_compiled("images")
def pad_images(images, top_padding: int | None = None, left_padding: int | None = None,
               bottom_padding: int | None = None, right_padding: int | None = None,
               target_height: int | None = None, target_width: int | None = None,
               data_format: str | None = None):
    """Pad images with zeros: give two of top_padding / bottom_padding / target_height and two
    of left_padding / right_padding / target_width.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.shape(ops.image.pad_images(np.ones((4, 4, 3)), 1, 2, target_height=8,
        ...                                target_width=9))
        (8, 9, 3)
    """
    op = "pad_images"
    x, undo = _nhwc(op, images, data_format)
    _, h, w, _ = B.shape(x)
    top, bottom = _sides(op, "pad", top_padding, bottom_padding, target_height, h,
                         ("top_padding", "bottom_padding", "target_height"))
    left, right = _sides(op, "pad", left_padding, right_padding, target_width, w,
                         ("left_padding", "right_padding", "target_width"))
    return undo(B.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))))


@_compiled("images")
def crop_images(images, top_cropping: int | None = None, left_cropping: int | None = None,
                bottom_cropping: int | None = None, right_cropping: int | None = None,
                target_height: int | None = None, target_width: int | None = None,
                data_format: str | None = None):
    """Crop images: give two of top_cropping / bottom_cropping / target_height and two of
    left_cropping / right_cropping / target_width.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.shape(ops.image.crop_images(np.ones((8, 9, 3)), 1, 2, target_height=4,
        ...                                 target_width=5))
        (4, 5, 3)
    """
    op = "crop_images"
    x, undo = _nhwc(op, images, data_format)
    _, h, w, _ = B.shape(x)
    top, bottom = _sides(op, "crop", top_cropping, bottom_cropping, target_height, h,
                         ("top_cropping", "bottom_cropping", "target_height"))
    left, right = _sides(op, "crop", left_cropping, right_cropping, target_width, w,
                         ("left_cropping", "right_cropping", "target_width"))
    if top + bottom > h or left + right > w:
        raise ValueError(f"{op}: cropping ({top}, {bottom}) x ({left}, {right}) is larger than "
                         f"the images ({h}, {w})")
    return undo(B.getitem(x, (slice(None), slice(top, h - bottom), slice(left, w - right))))


# -------------------------------------------------------------------------- colour spaces
def _channels(op: str, images, data_format, allowed, float_only: bool):
    x, undo = _nhwc(op, images, data_format)
    c = B.shape(x)[-1]
    if c not in allowed:
        raise ValueError(f"{op}: `images` must have {' or '.join(map(str, allowed))} channels; "
                         f"got {c} (shape {B.shape(x)}, data_format {_data_format(op, data_format)})")
    if float_only and not B.dtype(x).startswith(("float", "bfloat")):
        raise TypeError(f"{op}: `images` must be of a float dtype; got {B.dtype(x)}")
    return x, undo


@_compiled("images")
def rgb_to_grayscale(images, data_format: str | None = None):
    """Luma 0.2989 R + 0.5870 G + 0.1140 B, keeping a channel axis of size 1 (one-channel
    images pass through); integers are truncated back to their dtype, as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.image.rgb_to_grayscale(np.ones((1, 1, 3), "float32"))[0, 0, 0])
        0.9999...
    """
    op = "rgb_to_grayscale"
    x, undo = _channels(op, images, data_format, (1, 3), False)
    if B.shape(x)[-1] == 1:
        return undo(x)
    y, dtype = _float(x, op)
    weights = B.convert_to_tensor(numpy.array([[0.2989], [0.5870], [0.1140]], B.dtype(y)))
    y = B.matmul(y, weights)
    return undo(y if dtype == B.dtype(y) else B.cast(y, dtype))


@_compiled("images")
def rgb_to_hsv(images, data_format: str | None = None):
    """RGB in [0, 1] to HSV (hue in [0, 1)), as ``tf.image.rgb_to_hsv``. Float images only.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.image.rgb_to_hsv(np.array([[[0, 1, 0]]], "float32")))
        array([[[0.33333334, 1.        , 1.        ]]], dtype=float32)
    """
    x, undo = _channels("rgb_to_hsv", images, data_format, (3,), True)
    eps = float(numpy.finfo(B.dtype(x)).eps)
    x = B.where(B.less(B.abs(x), eps), B.zeros_like(x), x)
    r, g, b = B.unstack(x, axis=-1)
    value = B.maximum(B.maximum(r, g), b)
    range_ = B.subtract(value, B.minimum(B.minimum(r, g), b))
    positive_value, positive_range = B.greater(value, 0.0), B.greater(range_, 0.0)
    saturation = B.where(positive_value, B.divide(range_, B.where(positive_value, value, 1.0)),
                         0.0)
    norm = B.divide(1.0, B.multiply(6.0, B.where(positive_range, range_, 1.0)))
    hue = B.where(B.equal(value, g), B.add(B.multiply(norm, B.subtract(b, r)), 2.0 / 6.0),
                  B.add(B.multiply(norm, B.subtract(r, g)), 4.0 / 6.0))
    hue = B.where(B.equal(value, r), B.multiply(norm, B.subtract(g, b)), hue)
    hue = B.add(B.where(positive_range, hue, 0.0), B.cast(B.less(hue, 0.0), B.dtype(hue)))
    return undo(B.stack([hue, saturation, value], axis=-1))


@_compiled("images")
def hsv_to_rgb(images, data_format: str | None = None):
    """HSV (hue in [0, 1)) to RGB, as ``tf.image.hsv_to_rgb``. Float images only.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.image.hsv_to_rgb(np.array([[[0.5, 1, 1]]], "float32")))
        array([[[0., 1., 1.]]], dtype=float32)
    """
    x, undo = _channels("hsv_to_rgb", images, data_format, (3,), True)
    hue, saturation, value = B.unstack(x, axis=-1)
    dh = B.multiply(B.mod(hue, 1.0), 6.0)

    dr = B.clip(B.subtract(B.abs(B.subtract(dh, 3.0)), 1.0), 0.0, 1.0)
    dg, db = (B.clip(B.subtract(2.0, B.abs(B.subtract(dh, c))), 0.0, 1.0) for c in (2.0, 4.0))
    one_minus_s = B.subtract(1.0, saturation)
    planes = [B.multiply(value, B.add(one_minus_s, B.multiply(saturation, d)))
              for d in (dr, dg, db)]
    return undo(B.stack(planes, axis=-1))


# ------------------------------------------------------------------------------- filters
def _gaussian_1d(size: int, sigma: float) -> numpy.ndarray:
    x = numpy.arange(size) - (size - 1) / 2
    k = numpy.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _depthwise(x, kernel: numpy.ndarray):
    """Each channel of NHWC ``x`` correlated with the 2-D ``kernel``, zero "same" padding."""
    c = B.shape(x)[-1]
    k = numpy.tile(kernel[:, :, None, None], (1, 1, c, 1)).astype(B.dtype(x))
    return B.depthwise_conv(x, B.convert_to_tensor(k), padding="same",
                            data_format="channels_last")


@_compiled("images")
def gaussian_blur(images, kernel_size: Sequence[int] = (3, 3),
                  sigma: Sequence[float] = (1.0, 1.0), data_format: str | None = None):
    """Blur each channel with a Gaussian kernel (zero padding, same size).

    ``kernel_size`` and ``sigma`` are (x, y) pairs, as Keras: the kernel is the outer product of
    the y and x profiles, laid out as (kernel_size[0], kernel_size[1]).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.shape(ops.image.gaussian_blur(np.ones((2, 8, 8, 3), "float32"), (5, 5), (2, 2)))
        (2, 8, 8, 3)
    """
    op = "gaussian_blur"
    size = tuple(int(k) for k in kernel_size)
    sig = tuple(float(s) for s in numpy.broadcast_to(numpy.asarray(sigma, "float64"), (2,)))
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"{op}: `kernel_size` must be two positive ints; got {kernel_size}")
    if min(sig) <= 0:
        raise ValueError(f"{op}: `sigma` must be positive; got {sigma}")
    x, undo = _nhwc(op, images, data_format)
    x, dtype = _float(x, op)
    kernel = numpy.outer(_gaussian_1d(size[1], sig[1]), _gaussian_1d(size[0], sig[0]))
    return undo(_restore(_depthwise(x, kernel.reshape(size)), dtype))


@_compiled("images")
def sobel_edges(images, data_format: str | None = None):
    """Sobel gradients of each channel, stacked as (dy, dx) on a new last axis: (..., 2).
    Edges are padded by reflection (``tf.image.sobel_edges``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ramp = np.tile(np.arange(4.0, dtype="float32"), (1, 4, 1))[..., None]
        >>> ops.convert_to_numpy(ops.image.sobel_edges(ramp))[0, 1, 1]
        array([[0., 8.]], dtype=float32)
    """
    op = "sobel_edges"
    x, undo = _nhwc(op, images, data_format)
    x, dtype = _float(x, op)
    n, h, w, c = B.shape(x)
    index_h = B.convert_to_tensor(numpy.r_[1, 0:h, h - 2].astype("int32") if h > 1
                                  else numpy.zeros(3, "int32"))
    index_w = B.convert_to_tensor(numpy.r_[1, 0:w, w - 2].astype("int32") if w > 1
                                  else numpy.zeros(3, "int32"))
    padded = B.take(B.take(x, index_h, axis=1), index_w, axis=2)
    dy = numpy.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64")
    kernels = numpy.stack([dy, dy.T], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    k = B.convert_to_tensor(numpy.tile(kernels, (1, 1, c, 1)).astype(B.dtype(x)))
    edges = B.depthwise_conv(padded, k, padding="valid", data_format="channels_last")
    edges = B.reshape(edges, (n, h, w, c, 2))
    if _data_format(op, data_format) == "channels_first":
        edges = B.transpose(edges, (0, 3, 1, 2, 4))
    if len(B.shape(B.convert_to_tensor(images))) == 3:
        edges = B.squeeze(edges, 0)
    return edges


@_compiled("image1", "image2")
def ssim(image1, image2, max_val: float = 1.0, filter_size: int = 11,
         filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         data_format: str | None = None):
    """Structural similarity of two images (or batches), averaged over channels and the valid
    windows of a ``filter_size`` Gaussian (``filter_sigma``): one value per image.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.random.default_rng(0).uniform(size=(2, 16, 16, 3)).astype("float32")
        >>> ops.convert_to_numpy(ops.image.ssim(x, x)).round(4)
        array([1., 1.], dtype=float32)
    """
    op = "ssim"
    a, undo = _nhwc(op, image1, data_format)
    b, _ = _nhwc(op, image2, data_format)
    if B.shape(a) != B.shape(b):
        raise ValueError(f"{op}: `image1` and `image2` must have the same shape; got "
                         f"{B.shape(B.convert_to_tensor(image1))} and "
                         f"{B.shape(B.convert_to_tensor(image2))}")
    a, dtype = _float(a, op)
    b = B.cast(b, B.dtype(a))
    n, h, w, c = B.shape(a)
    if h < filter_size or w < filter_size:
        raise ValueError(f"{op}: images of ({h}, {w}) are smaller than `filter_size` "
                         f"{filter_size}")
    k1d = _gaussian_1d(filter_size, filter_sigma)
    kernel = B.convert_to_tensor(numpy.outer(k1d, k1d)[:, :, None, None].astype(B.dtype(a)))

    def blur(t):  # (n, h, w, c) -> (n * c, h', w', 1), valid windows
        t = B.reshape(B.transpose(t, (0, 3, 1, 2)), (n * c, h, w, 1))
        return B.depthwise_conv(t, kernel, padding="valid", data_format="channels_last")
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = blur(a), blur(b)
    mu11, mu22, mu12 = B.multiply(mu1, mu1), B.multiply(mu2, mu2), B.multiply(mu1, mu2)
    s11 = B.subtract(blur(B.multiply(a, a)), mu11)
    s22 = B.subtract(blur(B.multiply(b, b)), mu22)
    s12 = B.subtract(blur(B.multiply(a, b)), mu12)
    num = B.multiply(B.add(B.multiply(2.0, mu12), c1), B.add(B.multiply(2.0, s12), c2))
    den = B.multiply(B.add(B.add(mu11, mu22), c1), B.add(B.add(s11, s22), c2))
    per_channel = B.reshape(B.mean(B.divide(num, den), axis=(1, 2, 3)), (n, c))
    out = B.mean(per_channel, axis=-1)
    return B.squeeze(out, 0) if len(B.shape(B.convert_to_tensor(image1))) == 3 else out


# ------------------------------------------------------------------------------- patches
def _patches(op: str, x, size, strides, dilation_rate, padding: str, data_format, rank: int):
    """Patches of ``rank`` spatial axes as a convolution with the identity kernel (Keras's
    construction): (..., *spatial, channels) -> (..., *out_spatial, prod(size) * channels)."""
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    if len(size) != rank or min(size) < 1:
        raise ValueError(f"{op}: `size` must be a positive int or {rank} of them; got {size}")
    strides = size if not strides else strides
    strides = (strides,) * rank if isinstance(strides, int) else tuple(strides)
    if len(strides) != rank:
        raise ValueError(f"{op}: `strides` must be an int or {rank} of them; got {strides}")
    _choice(op, "padding", padding, ("valid", "same"))
    data_format = _data_format(op, data_format)
    x = B.convert_to_tensor(x)
    unbatched = len(B.shape(x)) == rank + 1
    if len(B.shape(x)) not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: the input must have rank {rank + 1} or {rank + 2} (a batch); "
                         f"got shape {B.shape(x)}")
    if unbatched:
        x = B.expand_dims(x, 0)
    channels = B.shape(x)[-1 if data_format == "channels_last" else 1]
    out_dim = int(numpy.prod(size)) * channels
    kernel = numpy.eye(out_dim, dtype=B.dtype(x)).reshape(size + (channels, out_dim))
    out = B.conv(x, B.convert_to_tensor(kernel), strides=strides, padding=padding,
                 data_format=data_format, dilation_rate=dilation_rate)
    return B.squeeze(out, 0) if unbatched else out


@_compiled("images")
def extract_patches(images, size, strides=None, dilation_rate=1, padding: str = "valid",
                    data_format: str | None = None):
    """Patches of ``size`` = (height, width) (or an int) every ``strides`` (default: ``size``),
    flattened into the channel axis in (row, column, channel) order. A ``size`` of three ints
    extracts 3-D patches (``extract_patches_3d``).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.shape(ops.image.extract_patches(np.ones((2, 8, 8, 3), "float32"), 4))
        (2, 2, 2, 48)
    """
    if not isinstance(size, int) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, 2)


@_compiled("volumes")
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding: str = "valid",
                       data_format: str | None = None):
    """3-D patches of ``size`` = (depth, height, width) (or an int) of volumes (rank 4, or 5
    for a batch), flattened into the channel axis.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.shape(ops.image.extract_patches_3d(np.ones((1, 4, 4, 4, 2), "float32"), 2))
        (1, 2, 2, 2, 16)
    """
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


# ----------------------------------------------------------------- scale and translate
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic",
                               "tricubic", "lanczos3", "lanczos5")


@_compiled("images")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims,
                        method: str, antialias: bool = True):
    """Resample ``spatial_dims`` of ``images`` to ``output_shape``: output sample i of an axis
    reads input position (i + 0.5 - translation) / scale - 0.5 (``jax.image.
    scale_and_translate``). ``scale`` and ``translation`` hold one number per spatial axis;
    the result is differentiable with respect to ``images``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.array([0.0, 1.0, 2.0, 3.0], "float32")
        >>> out = ops.image.scale_and_translate(x, (4,), [1.0], [1.0], (0,), "linear")
        >>> ops.convert_to_numpy(out)
        array([0., 0., 1., 2.], dtype=float32)
    """
    op = "scale_and_translate"
    _choice(op, "method", method, SCALE_AND_TRANSLATE_METHODS)
    x, dtype = _float(B.convert_to_tensor(images), op)
    rank = len(B.shape(x))
    dims = [d % rank if -rank <= d < rank else None for d in spatial_dims]
    if None in dims or len(set(dims)) != len(dims):
        raise ValueError(f"{op}: `spatial_dims` must be distinct axes of rank-{rank} images; "
                         f"got {spatial_dims}")
    output_shape = tuple(int(s) for s in output_shape)
    scale, translation = (numpy.asarray(B.convert_to_numpy(v) if B.is_tensor(v) else v,
                                        "float64").ravel() for v in (scale, translation))
    if len(output_shape) != rank or len(scale) != len(dims) or len(translation) != len(dims):
        raise ValueError(f"{op}: expected `output_shape` of {rank} ints and `scale`, "
                         f"`translation` of {len(dims)} numbers; got {output_shape}, "
                         f"{scale.tolist()}, {translation.tolist()}")
    kind = {"linear": "bilinear", "trilinear": "bilinear", "cubic": "bicubic",
            "tricubic": "bicubic"}.get(method, method)
    for d, s, t in zip(dims, scale, translation):
        m = weight_matrix(B.shape(x)[d], output_shape[d], kind, antialias, s, t)
        x = _apply_matrix(x, d, m)
    return _restore(x, dtype)


# -------------------------------------------------------------------- elastic transform
def elastic_transform(images, alpha: float = 20.0, sigma: float = 5.0,
                      interpolation: str = "bilinear", fill_mode: str = "reflect",
                      fill_value: float = 0.0, seed=None, data_format: str | None = None):
    """Displace each pixel by a random field: normal noise blurred by a Gaussian of ``sigma``
    (kernel ``int(6 sigma) | 1``), scaled by ``alpha``, one field per image and axis; sampled
    as ``map_coordinates`` with ``interpolation`` and ``fill_mode``. ``seed``: int,
    ``kfront.random.SeedGenerator`` or None. Random numbers are kfront's, so results equal
    Keras's only in distribution (Keras also reuses one field for both axes).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.random.default_rng(0).uniform(size=(8, 8, 1)).astype("float32")
        >>> out = ops.image.elastic_transform(x, alpha=0.0, seed=1)
        >>> bool(np.allclose(ops.convert_to_numpy(out), x))
        True
    """
    from kfront import random  # noqa: PLC0415  (kfront.random imports kfront.ops)
    op = "elastic_transform"
    _choice(op, "interpolation", interpolation, AFFINE_INTERPOLATIONS)
    _choice(op, "fill_mode", fill_mode, FILL_MODES)
    if float(sigma) <= 0:
        raise ValueError(f"{op}: `sigma` must be positive; got {sigma}")
    x = B.convert_to_tensor(images)
    if len(B.shape(x)) not in (3, 4):
        raise ValueError(f"{op}: `images` must have rank 3 (one image) or 4 (a batch); got "
                         f"shape {B.shape(x)}")
    n = B.shape(x)[0] if len(B.shape(x)) == 4 else 1
    h, w = B.shape(x)[-3:-1] if _data_format(op, data_format) == "channels_last" \
        else B.shape(x)[-2:]
    dtype = B.dtype(x) if B.dtype(x).startswith("float") else "float32"
    noise = random.normal((2 * n, h, w, 1), stddev=float(sigma), dtype=dtype, seed=seed)
    return _elastic_warp(x, noise, alpha=float(alpha), sigma=float(sigma),
                         interpolation=interpolation, fill_mode=fill_mode,
                         fill_value=fill_value, data_format=data_format)


@_compiled("images", "noise")
def _elastic_warp(images, noise, alpha: float, sigma: float, interpolation: str,
                  fill_mode: str, fill_value: float, data_format: str | None):
    """``elastic_transform`` given its normal ``noise`` (2 * batch, height, width, 1)."""
    op = "elastic_transform"
    x, undo = _nhwc(op, images, data_format)
    x, dtype = _float(x, op)
    n, h, w, c = B.shape(x)
    k = int(6 * sigma) | 1
    field = B.multiply(alpha, gaussian_blur(noise, (k, k), (sigma, sigma), "channels_last"))
    dy, dx = B.split(B.squeeze(field, -1), 2, axis=0)
    ys = B.reshape(B.arange(h, dtype=B.dtype(x)), (1, h, 1))
    xs = B.reshape(B.arange(w, dtype=B.dtype(x)), (1, 1, w))
    order = 0 if interpolation == "nearest" else 1
    batch = B.broadcast_to(B.reshape(B.arange(n, dtype="int32"), (n, 1, 1)), (n, h, w))
    corners = [[(batch, None)], _corners(B.add(ys, dy), order), _corners(B.add(xs, dx), order)]
    out = _sample(B.reshape(x, (n * h * w, c)), corners, (n, h, w), fill_mode, fill_value)
    return undo(_restore(out, dtype))
