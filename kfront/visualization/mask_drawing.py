"""``keras.visualization.draw_segmentation_masks``: class masks overlaid on images."""
from __future__ import annotations

import numpy as np

from kfront import config, ops
from kfront.backend import is_int_dtype, standardize_dtype

__all__ = ["draw_segmentation_masks"]


def _color_palette(num_classes: int) -> list:
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes: int | None = None,
                            color_mapping: dict | None = None, alpha: float = 0.8,
                            blend: bool = True, ignore_index: int = -1,
                            data_format: str | None = None) -> np.ndarray:
    """The images with each class of the integer ``(batch, height, width, 1)`` masks painted
    in its color (``color_mapping[class]`` for classes 0 .. ``num_classes`` - 1, else Keras's
    palette), blended with opacity ``alpha`` (uint8 result; pixels equal to
    ``ignore_index`` keep the image) or, with ``blend=False``, painted over (float32).

    Example:
        >>> import numpy as np
        >>> from kfront import visualization
        >>> masks = np.array([[[[0], [1]], [[1], [-1]]]])
        >>> out = visualization.draw_segmentation_masks(
        ...     np.full((1, 2, 2, 3), 100.0), masks, num_classes=2,
        ...     color_mapping={0: (0, 0, 0), 1: (255, 0, 0)})
        >>> out[0, :, :, 0].tolist()
        [[20, 224], [224, 100]]
    """
    data_format = data_format or config.image_data_format()
    shape = ops.shape(images)
    if len(shape) != 4:
        raise ValueError("draw_segmentation_masks: `images` must be batched 4D tensor. "
                         f"Received: images.shape={tuple(shape)}")
    if data_format == "channels_first":
        images = ops.transpose(images, (0, 2, 3, 1))
        segmentation_masks = ops.transpose(segmentation_masks, (0, 2, 3, 1))
    images = ops.convert_to_tensor(images, dtype="float32")
    segmentation_masks = ops.convert_to_tensor(segmentation_masks)
    dtype = standardize_dtype(segmentation_masks.dtype)
    if not is_int_dtype(dtype):
        raise TypeError("draw_segmentation_masks: `segmentation_masks` must be in integer "
                        f"dtype. Received: segmentation_masks.dtype={dtype}")
    if num_classes is None:
        num_classes = int(ops.convert_to_numpy(ops.max(segmentation_masks)))
    colors = (_color_palette(num_classes) if color_mapping is None
              else [color_mapping[i] for i in range(num_classes)])
    valid = ops.squeeze(ops.not_equal(segmentation_masks, ignore_index), axis=-1)
    masks = ops.convert_to_numpy(ops.one_hot(segmentation_masks, num_classes)[..., 0, :])
    painted = np.array(ops.convert_to_numpy(images))
    for mask, color in zip(np.transpose(masks, (3, 0, 1, 2)).astype("bool"), colors):
        painted[mask, ...] = np.array(color, dtype=painted.dtype)[None, :]
    outputs = ops.cast(ops.convert_to_tensor(painted), "float32")
    if blend:
        outputs = images * (1 - alpha) + outputs * alpha
        outputs = ops.cast(ops.where(valid[..., None], outputs, images), "uint8")
    return ops.convert_to_numpy(outputs)
