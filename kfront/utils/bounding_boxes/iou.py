"""Keras 3's ``keras.utils.bounding_boxes.compute_iou`` and ``compute_ciou``."""
from __future__ import annotations

import math

from kfront import ops
from kfront.config import epsilon
from kfront.utils.bounding_boxes.converters import convert_format

__all__ = ["compute_ciou", "compute_iou"]


def _check_rank(name: str, rank: int, rank1: int, rank2: int) -> None:
    if rank not in (2, 3):
        raise ValueError(f"compute_iou() expects {name} to be batched, or to be unbatched. "
                         f"Received len(boxes1.shape)={rank1}, len(boxes2.shape)={rank2}. "
                         f"Expected either len({name}.shape)=2 or len({name}.shape)=3.")


def compute_iou(boxes1, boxes2, bounding_box_format: str, use_masking: bool = False,
                mask_val: int = -1, image_shape=None):
    """Pairwise intersection over union: ``(M, N)`` for unbatched ``(M, 4)`` / ``(N, 4)`` boxes,
    ``(batch, M, N)`` when either is batched. With ``use_masking``, pairs where a box has
    all-negative coordinates get ``mask_val``. Relative formats need ``image_shape``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> iou = bounding_boxes.compute_iou(np.array([[0., 0., 2., 2.]]),
        ...                                  np.array([[0., 0., 2., 1.], [5., 5., 6., 6.]]),
        ...                                  "xyxy")
        >>> np.round(ops.convert_to_numpy(iou), 4).tolist()
        [[0.5, 0.0]]
    """
    rank1, rank2 = len(ops.shape(boxes1)), len(ops.shape(boxes2))
    _check_rank("boxes1", rank1, rank1, rank2)
    _check_rank("boxes2", rank2, rank1, rank2)
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("compute_iou: relative bounding box formats (e.g. `rel_yxyx`) need the "
                         f"`image_shape` argument. Received `image_shape`: {image_shape}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    perm2 = [1, 0] if rank2 == 2 else [0, 2, 1]
    y1a, x1a, y2a, x2a = ops.split(boxes1, 4, axis=-1)
    y1b, x1b, y2b, x2b = (ops.transpose(part, perm2) for part in ops.split(boxes2, 4, axis=-1))
    inter_h = ops.maximum(ops.minimum(y2a, y2b) - ops.maximum(y1a, y1b), 0.0)
    inter_w = ops.maximum(ops.minimum(x2a, x2b) - ops.maximum(x1a, x1b), 0.0)
    intersection = inter_h * inter_w
    area1 = (y2a - y1a) * (x2a - x1a)  # (..., M, 1)
    area2 = ops.squeeze((y2b - y1b) * (x2b - x1b), axis=-2)  # (..., N)
    area2 = ops.expand_dims(area2, axis=1 if rank2 == 3 else 0)
    iou = ops.divide(intersection, area1 + area2 - intersection + epsilon())
    if not use_masking:
        return iou
    perm1 = [1, 0] if rank1 == 2 else [0, 2, 1]
    mask1 = ops.less(ops.max(boxes1, axis=-1, keepdims=True), 0.0)
    mask2 = ops.less(ops.max(boxes2, axis=-1, keepdims=True), 0.0)
    background = ops.logical_or(mask1, ops.transpose(mask2, perm1))
    return ops.where(background, ops.cast(mask_val, iou.dtype) * ops.ones_like(iou), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format: str, image_shape=None):
    """Complete IoU of matching boxes ``(..., 4)``: IoU minus the squared center distance over
    the enclosing box's squared diagonal, minus an aspect-ratio term. Relative formats are
    refused, as in Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> from kfront.utils import bounding_boxes
        >>> ciou = bounding_boxes.compute_ciou(np.array([[0., 0., 2., 2.]]),
        ...                                    np.array([[0., 0., 2., 2.]]), "xyxy")
        >>> np.round(ops.convert_to_numpy(ciou), 4).tolist()
        [1.0]
    """
    if "rel" in bounding_box_format:
        raise ValueError("compute_ciou: relative bounding box formats (e.g. `rel_yxyx`) are not "
                         f"supported (as in Keras); got {bounding_box_format!r}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    eps = epsilon()
    x1a, y1a, x2a, y2a = ops.split(boxes1, 4, axis=-1)
    x1b, y1b, x2b, y2b = ops.split(boxes2, 4, axis=-1)
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    intersection = (ops.maximum(ops.minimum(x2a, x2b) - ops.maximum(x1a, x1b), 0)
                    * ops.maximum(ops.minimum(y2a, y2b) - ops.maximum(y1a, y1b), 0))
    union = w1 * h1 + w2 * h2 - intersection + eps
    iou = ops.squeeze(ops.divide(intersection, union + eps), axis=-1)
    hull_w = ops.maximum(x2a, x2b) - ops.minimum(x1a, x1b)
    hull_h = ops.maximum(y2a, y2b) - ops.minimum(y1a, y1b)
    diagonal = ops.squeeze(hull_w ** 2 + hull_h ** 2 + eps, axis=-1)
    centers = ops.squeeze(((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
                          + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2, axis=-1)
    v = ops.squeeze((4 / math.pi ** 2) * ops.power(ops.arctan(w2 / h2) - ops.arctan(w1 / h1),
                                                   2), axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers / diagonal + v * alpha)
