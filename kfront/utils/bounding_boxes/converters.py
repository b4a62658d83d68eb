"""Keras 3's ``keras.utils.bounding_boxes`` conversions: box formats, clipping, crops, pads,
affine transforms and anchor deltas, written with ``kfront.ops`` so they run on every backend."""
from __future__ import annotations

import math

from kfront import ops
from kfront.config import epsilon

__all__ = ["SUPPORTED_FORMATS", "affine_transform", "clip_to_image_size", "convert_format",
           "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy",
                     "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _split(boxes):
    return ops.split(boxes, 4, axis=-1)


def _join(*parts):
    return ops.concatenate(list(parts), axis=-1)


# Each format to and from xyxy, as (x1, y1, x2, y2) <-> its four columns; height and width
# scale the relative ("rel_") formats.
def _to_xyxy(fmt: str, boxes, height, width):
    a, b, c, d = _split(boxes)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _join(b, a, d, c)
    if fmt == "xywh":
        return _join(a, b, a + c, b + d)
    if fmt == "center_xywh":
        return _join(a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0)
    if fmt == "center_yxhw":
        return _join(b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0)
    if fmt == "rel_xyxy":
        return _join(a * width, b * height, c * width, d * height)
    if fmt == "rel_yxyx":
        return _join(b * width, a * height, d * width, c * height)
    if fmt == "rel_xywh":
        return _join(a * width, b * height, (a + c) * width, (b + d) * height)
    return _join((a - c / 2.0) * width, (b - d / 2.0) * height,  # rel_center_xywh
                 (a + c / 2.0) * width, (b + d / 2.0) * height)


def _from_xyxy(fmt: str, boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _join(y1, x1, y2, x2)
    if fmt == "xywh":
        return _join(x1, y1, x2 - x1, y2 - y1)
    cx, cy = x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0
    if fmt == "center_xywh":
        return _join(cx, cy, x2 - x1, y2 - y1)
    if fmt == "center_yxhw":
        return _join(cy, cx, y2 - y1, x2 - x1)
    if fmt == "rel_xyxy":
        return _join(x1 / width, y1 / height, x2 / width, y2 / height)
    if fmt == "rel_yxyx":
        return _join(y1 / height, x1 / width, y2 / height, x2 / width)
    if fmt == "rel_xywh":
        return _join(x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height)
    return _join(cx / width, cy / height, (x2 - x1) / width,  # rel_center_xywh
                 (y2 - y1) / height)


def convert_format(boxes, source: str, target: str, height=None, width=None,
                   dtype: str = "float32"):
    """Converts ``(..., 4)`` boxes between the formats ``"xyxy"``, ``"yxyx"``, ``"xywh"``,
    ``"center_xywh"``, ``"center_yxhw"`` and the relative ``"rel_xyxy"``, ``"rel_yxyx"``,
    ``"rel_xywh"``, ``"rel_center_xywh"`` (coordinates over ``width`` / ``height``, which are
    then required). A dict's ``"boxes"`` is converted in place and the dict returned.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> out = bounding_boxes.convert_format(np.array([[10, 20, 30, 40]]), "xyxy", "xywh")
        >>> ops.convert_to_numpy(out).tolist()
        [[10.0, 20.0, 20.0, 20.0]]
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    shape = ops.shape(boxes)
    if not shape or shape[-1] != 4:
        raise ValueError("convert_format: `boxes` must be a tensor with the last dimension of "
                         f"4. Received: boxes.shape={tuple(shape)}")
    source, target = str(source).lower(), str(target).lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"convert_format: invalid source or target format (source={source!r},"
                         f" target={target!r}). Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming "
                         f"between relative and absolute formats; received source={source!r}, "
                         f"target={target!r}, height={height}, width={width}")
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    width = None if width is None else ops.cast(width, dtype)
    height = None if height is None else ops.cast(height, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(target, _to_xyxy(source, boxes, height, width), height, width)


def _area(boxes):
    x1, y1, x2, y2 = _split(boxes)
    return ops.squeeze((x2 - x1) * (y2 - y1), axis=-1)


def clip_to_image_size(bounding_boxes: dict, height=None, width=None,
                       bounding_box_format: str = "xyxy") -> dict:
    """Clips ``bounding_boxes["boxes"]`` (``"xyxy"`` or ``"rel_xyxy"``) to the image; the
    ``"labels"`` of boxes left with no area become -1. Returns a new dict.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> out = bounding_boxes.clip_to_image_size(
        ...     {"boxes": np.array([[-10., -20., 150., 160.], [130., 0., 140., 10.]]),
        ...      "labels": np.array([0, 1])}, height=100, width=120)
        >>> ops.convert_to_numpy(out["boxes"]).tolist(), ops.convert_to_numpy(out["labels"]).tolist()
        ([[0.0, 0.0, 120.0, 100.0], [120.0, 0.0, 120.0, 10.0]], [0, -1])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError("clip_to_image_size: only bounding_box_format 'xyxy' and "
                                  f"'rel_xyxy' are supported, got {bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("clip_to_image_size: `height` and `width` must be set if "
                         "`format='xyxy'`.")
    boxes = ops.convert_to_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels")
    if bounding_box_format == "rel_xyxy":
        height = width = 1.0
    width, height = ops.cast(width, boxes.dtype), ops.cast(height, boxes.dtype)
    x1, y1, x2, y2 = _split(boxes)
    boxes = _join(ops.clip(x1, 0, width), ops.clip(y1, 0, height), ops.clip(x2, 0, width),
                  ops.clip(y2, 0, height))
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        result["labels"] = ops.where(_area(boxes) > 0, labels, -1)
    return result


def _xyxy_only(who: str, bounding_box_format: str) -> None:
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"{who}: only bounding_box_format='xyxy' is supported (as in "
                                  f"Keras), got {bounding_box_format!r}")


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale,
                           shear_x, shear_y, height, width):
    """The (batch, 3, 3) inverse affine matrices of Keras's ``RandomAffine``-style arguments."""
    batch = ops.shape(angle)[0]
    dtype = angle.dtype
    to_rad = 1.0 / 180.0 * math.pi
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    rot = -angle * to_rad
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    sx, sy = -shear_x * to_rad, -shear_y * to_rad
    cos_sy, tan_sx = ops.cos(sy), ops.tan(sx)
    a = ops.cos(rot - sy) / cos_sy
    b = a * tan_sx + ops.sin(rot)
    c = -ops.sin(rot - sy) / cos_sy
    d = ops.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    zeros, ones = ops.zeros([batch], dtype), ops.ones([batch], dtype)
    matrix = ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=-1)
    return ops.reshape(matrix, [batch, 3, 3])


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format: str = "xyxy"):
    """The enclosing ``"xyxy"`` boxes of ``(batch, N, 4)`` boxes after each batch item's affine
    transform: ``angle`` and shears in degrees, translations and the center (default 0.5) as
    fractions of ``width`` / ``height``; each transform argument has shape ``(batch,)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> zero = np.zeros((1,), "float32")
        >>> out = bounding_boxes.affine_transform(
        ...     np.array([[[10., 10., 20., 20.]]]), zero, zero + 0.1, zero, zero + 1.0,
        ...     zero, zero, height=101, width=101)
        >>> np.round(ops.convert_to_numpy(out), 3).tolist()
        [[[20.0, 10.0, 30.0, 20.0]]]
    """
    _xyxy_only("affine_transform", bounding_box_format)
    angle = ops.convert_to_tensor(angle)
    center_x = 0.5 if center_x is None else center_x
    center_y = 0.5 if center_y is None else center_y
    args = [ops.cast(value, angle.dtype) for value in (
        center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
        width)]
    matrix = _inverse_affine_matrix(*args)
    boxes = ops.cast(boxes, matrix.dtype)
    batch, count = ops.shape(boxes)[0], ops.shape(boxes)[1]
    corners = ops.stack([boxes[..., i] for i in (0, 1, 2, 1, 2, 3, 0, 3)], axis=-1)
    corners = ops.reshape(corners, [batch, count, 4, 2])
    corners = ops.concatenate([corners, ops.ones([batch, count, 4, 1], corners.dtype)], -1)
    moved = ops.einsum("bnxy,byz->bnxz", corners,
                       ops.transpose(matrix[:, :2, :], [0, 2, 1]))
    return ops.concatenate([ops.min(moved, axis=2), ops.max(moved, axis=2)], axis=-1)


def crop(boxes, top, left, height, width, bounding_box_format: str = "xyxy"):
    """Moves ``"xyxy"`` boxes into a ``height`` x ``width`` crop whose corner is at
    (``top``, ``left``) and clips them to it.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> out = bounding_boxes.crop(np.array([[10., 20., 50., 60.]]), top=10, left=20,
        ...                           height=40, width=30)
        >>> ops.convert_to_numpy(out).tolist()
        [[0.0, 10.0, 30.0, 40.0]]
    """
    _xyxy_only("crop", bounding_box_format)
    x1, y1, x2, y2 = _split(ops.convert_to_tensor(boxes))
    return _join(ops.clip(x1 - left, 0, width), ops.clip(y1 - top, 0, height),
                 ops.clip(x2 - left, 0, width), ops.clip(y2 - top, 0, height))


def pad(boxes, top, left, height=None, width=None, bounding_box_format: str = "xyxy"):
    """Shifts ``"xyxy"`` boxes by the ``top`` / ``left`` padding of their image (``height``
    and ``width`` are accepted as in Keras and unused).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> ops.convert_to_numpy(bounding_boxes.pad(np.array([[1., 2., 3., 4.]]), 10, 5)).tolist()
        [[6.0, 12.0, 8.0, 14.0]]
    """
    _xyxy_only("pad", bounding_box_format)
    x1, y1, x2, y2 = _split(ops.convert_to_tensor(boxes))
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def _check_variance_and_encoding(who: str, variance, encoding: str, arg: str):
    if variance is not None:
        variance = ops.convert_to_tensor(variance, "float32")
        if ops.shape(variance)[-1] != 4:
            raise ValueError(f"{who}: `variance` must be length 4, got {variance}")
    if encoding not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"{who}: `{arg}` should be one of 'center_xywh' or 'center_yxhw', got "
                         f"{encoding!r}")
    return variance


def _image_size(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape)[:2]


def encode_box_to_deltas(anchors, boxes, anchor_format: str, box_format: str,
                         encoding_format: str = "center_yxhw", variance=None,
                         image_shape=None):
    """The deltas that move ``anchors`` ``(N, 4)`` onto ``boxes`` (``(N, 4)`` or
    ``(batch, N, 4)``): center offsets over the anchor size and log size ratios, in
    ``encoding_format`` order, divided by ``variance`` when given.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> out = bounding_boxes.encode_box_to_deltas(
        ...     np.array([[0., 0., 10., 10.]]), np.array([[5., 0., 15., 10.]]), "xyxy", "xyxy")
        >>> ops.convert_to_numpy(out).tolist()
        [[0.0, 0.5, 0.0, 0.0]]
    """
    variance = _check_variance_and_encoding("encode_box_to_deltas", variance, encoding_format,
                                            "encoding_format")
    height, width = _image_size(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = ops.maximum(anchors[..., 2:], epsilon())
    box_size = ops.maximum(boxes[..., 2:], epsilon())
    deltas = ops.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              ops.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format: str, box_format: str,
                           encoded_format: str = "center_yxhw", variance=None,
                           image_shape=None):
    """The inverse of ``encode_box_to_deltas``: ``box_format`` boxes from ``anchors`` and their
    deltas (both arrays, or dicts of them keyed by feature level).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> out = bounding_boxes.decode_deltas_to_boxes(
        ...     np.array([[0., 0., 10., 10.]]), np.array([[0., 0.5, 0., 0.]]), "xyxy", "xyxy")
        >>> ops.convert_to_numpy(out).tolist()
        [[5.0, 0.0, 15.0, 10.0]]
    """
    variance = _check_variance_and_encoding("decode_deltas_to_boxes", variance, encoded_format,
                                            "encoded_format")
    height, width = _image_size(image_shape)

    def decode(anchor, delta):
        delta = ops.convert_to_tensor(delta)
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        if variance is not None:
            delta = delta * variance
        box = ops.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               ops.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
