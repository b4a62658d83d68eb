"""``keras.utils.bounding_boxes``: box format conversion, clipping, cropping, padding, affine
transforms, anchor deltas and IoU / CIoU, on every backend.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> from kfront.utils import bounding_boxes
    >>> out = bounding_boxes.convert_format(np.array([[0, 0, 4, 2]]), "xyxy", "center_xywh")
    >>> ops.convert_to_numpy(out).tolist()
    [[2.0, 1.0, 4.0, 2.0]]
"""
from kfront.utils.bounding_boxes.converters import (affine_transform, clip_to_image_size,
                                                     convert_format, crop,
                                                     decode_deltas_to_boxes,
                                                     encode_box_to_deltas, pad)
from kfront.utils.bounding_boxes.iou import compute_ciou, compute_iou

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
           "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
