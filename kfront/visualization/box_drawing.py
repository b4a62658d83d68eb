"""``keras.visualization.draw_bounding_boxes``: boxes and labels drawn on images with OpenCV."""
from __future__ import annotations

import numpy as np

from kfront import config, ops
from kfront.utils.bounding_boxes import convert_format

from kfront.visualization._optional import LAZY, resolve

cv2 = LAZY  # OpenCV, optional (pip install opencv-python), imported on first use

__all__ = ["draw_bounding_boxes"]


def _text_location(x: int, y: int, font_scale: float, thickness: int) -> tuple:
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def draw_bounding_boxes(images, bounding_boxes: dict, bounding_box_format: str,
                        class_mapping: dict | None = None, color=(128, 128, 128),
                        line_thickness: int = 2, text_thickness: int = 1,
                        font_scale: float = 1.0, data_format: str | None = None) -> np.ndarray:
    """A uint8 NumPy copy of the ``(batch, height, width, channels)`` images with the boxes of
    ``bounding_boxes`` (``"boxes"`` ``(batch, n, 4)`` in ``bounding_box_format``, ``"labels"``
    ``(batch, n)``; label -1 is skipped) drawn in ``color``, and the ``class_mapping`` name of
    each label (with its ``"confidences"`` when given) written above it. Float images in
    [0, 1] are scaled to [0, 255]. Needs OpenCV (``cv2``), as in Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import visualization
        >>> out = visualization.draw_bounding_boxes(  # doctest: +SKIP
        ...     np.zeros((1, 32, 32, 3)), {"boxes": np.array([[[4, 4, 20, 20]]]),
        ...                                "labels": np.array([[0]])}, "xyxy")
        >>> out.shape, out.dtype.name  # doctest: +SKIP
        ((1, 32, 32, 3), 'uint8')
    """
    cv2 = resolve(globals(), "cv2", "cv2")
    if cv2 is None:
        raise ImportError("The `draw_bounding_boxes` function requires the `cv2` package "
                          " (OpenCV). Please install it with `pip install opencv-python`.")
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = data_format or config.image_data_format()
    shape = ops.shape(images)
    if len(shape) != 4:
        raise ValueError("draw_bounding_boxes: `images` must be batched 4D tensor. "
                         f"Received: images.shape={tuple(shape)}")
    if not isinstance(bounding_boxes, dict):
        raise TypeError("draw_bounding_boxes: `bounding_boxes` should be a dict. Received: "
                        f"bounding_boxes={bounding_boxes} of type {type(bounding_boxes)}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("draw_bounding_boxes: `bounding_boxes` should be a dict containing "
                         f"'boxes' and 'labels' keys. Received: bounding_boxes={bounding_boxes}")
    height, width = (shape[1], shape[2]) if data_format == "channels_last" else (shape[2],
                                                                                 shape[3])
    bounding_boxes = convert_format(dict(bounding_boxes), bounding_box_format, "xyxy", height,
                                    width)
    images = np.array(ops.convert_to_numpy(images))
    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    images = images.astype("uint8")
    boxes = ops.convert_to_numpy(bounding_boxes["boxes"])
    labels = ops.convert_to_numpy(bounding_boxes["labels"])
    confidences = (ops.convert_to_numpy(bounding_boxes["confidences"])
                   if "confidences" in bounding_boxes else None)
    for i, image in enumerate(images):
        for j, box in enumerate(boxes[i]):
            label = int(np.asarray(labels[i][j]).astype("int32"))
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in box.astype("int32"))
            cv2.rectangle(image, (x1, y1), (x2, y2), color, line_thickness)
            if label in class_mapping:
                text = class_mapping[label]
                if confidences is not None:
                    text = f"{text} | {confidences[i][j]:.2f}"
                cv2.putText(img=image, text=text,
                            org=_text_location(x1, y1, font_scale, text_thickness),
                            fontFace=cv2.FONT_HERSHEY_SIMPLEX, fontScale=font_scale,
                            color=color, thickness=text_thickness)
    return np.stack(list(images), axis=0)
