"""``keras.visualization.plot_bounding_box_gallery`` and ``plot_segmentation_mask_gallery``:
image galleries with boxes or masks drawn on."""
from __future__ import annotations

import numpy as np

from kfront import config, ops
from kfront.visualization import image_gallery as _gallery
from kfront.visualization.box_drawing import draw_bounding_boxes
from kfront.visualization.mask_drawing import draw_segmentation_masks

from kfront.visualization._optional import LAZY, resolve

patches = LAZY  # matplotlib.patches, optional (pip install matplotlib), imported on first use

__all__ = ["plot_bounding_box_gallery", "plot_segmentation_mask_gallery"]


def _channels_last(images, data_format: str | None):
    shape = ops.shape(images)
    if len(shape) != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: images.shape="
                         f"{tuple(shape)}")
    if (data_format or config.image_data_format()) == "channels_first":
        return ops.transpose(images, (0, 2, 3, 1)), True
    return images, False


def plot_bounding_box_gallery(images, bounding_box_format: str, y_true=None, y_pred=None,
                              value_range=(0, 255), true_color=(0, 188, 212),
                              pred_color=(255, 235, 59), line_thickness: int = 2,
                              font_scale: float = 1.0, text_thickness: int | None = None,
                              class_mapping: dict | None = None,
                              ground_truth_mapping: dict | None = None,
                              prediction_mapping: dict | None = None, legend: bool = False,
                              legend_handles=None, rows: int | None = None,
                              cols: int | None = None, data_format: str | None = None,
                              **kwargs) -> None:
    """``plot_image_gallery`` of the images with the ``y_true`` boxes drawn in ``true_color``
    and the ``y_pred`` boxes in ``pred_color`` (``draw_bounding_boxes``); ``legend`` adds a
    legend of the two. Needs matplotlib and OpenCV, as in Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import visualization
        >>> boxes = {"boxes": np.array([[[1, 1, 6, 6]]]), "labels": np.array([[0]])}
        >>> visualization.plot_bounding_box_gallery(  # doctest: +SKIP
        ...     np.zeros((1, 8, 8, 3)), "xyxy", y_true=boxes, path="boxes.png")
    """
    patches = resolve(globals(), "patches", "matplotlib.patches")
    if patches is None:
        raise ImportError("The `plot_bounding_box_gallery` function requires the  `matplotlib` "
                          "package. Please install it with  `pip install matplotlib`.")
    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    images, _ = _channels_last(images, data_format)
    plotted = ops.convert_to_numpy(images)
    options = {"bounding_box_format": bounding_box_format, "line_thickness": line_thickness,
               "text_thickness": text_thickness, "font_scale": font_scale}
    if y_true is not None:
        plotted = draw_bounding_boxes(plotted, y_true, color=true_color,
                                      class_mapping=ground_truth_mapping, **options)
    if y_pred is not None:
        plotted = draw_bounding_boxes(plotted, y_pred, color=pred_color,
                                      class_mapping=prediction_mapping, **options)
    if legend:
        if legend_handles:
            raise ValueError("Only pass `legend` OR `legend_handles` to "
                             "`kfront.visualization.plot_bounding_box_gallery()`.")
        legend_handles = [
            patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return _gallery.plot_image_gallery(plotted, value_range=value_range,
                                       legend_handles=legend_handles, rows=rows, cols=cols,
                                       **kwargs)


def plot_segmentation_mask_gallery(images, num_classes: int, value_range=(0, 255), y_true=None,
                                   y_pred=None, color_mapping: dict | None = None,
                                   blend: bool = True, alpha: float = 0.8,
                                   ignore_index: int = -1, data_format: str | None = None,
                                   **kwargs) -> None:
    """``plot_image_gallery`` with one row per image: the image, then it with the ``y_true``
    and ``y_pred`` masks drawn (``draw_segmentation_masks``). Needs matplotlib, as in Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import visualization
        >>> visualization.plot_segmentation_mask_gallery(  # doctest: +SKIP
        ...     np.zeros((2, 8, 8, 3)), num_classes=2,
        ...     y_true=np.ones((2, 8, 8, 1), "int32"), path="masks.png")
    """
    batch_size = ops.shape(images)[0]
    images, transpose = _channels_last(images, data_format)
    images_np = ops.convert_to_numpy(images)
    options = {"num_classes": num_classes, "color_mapping": color_mapping, "alpha": alpha,
               "ignore_index": ignore_index, "blend": blend}
    drawn = []
    for masks in (y_true, y_pred):
        if masks is not None:
            if transpose:
                masks = ops.transpose(masks, (0, 2, 3, 1))
            drawn.append(draw_segmentation_masks(images_np, ops.cast(masks, "int32"),
                                                 **options))
    gallery = [image for i in range(batch_size) for image in [images_np[i]] + [d[i]
                                                                            for d in drawn]]
    return _gallery.plot_image_gallery(np.stack(gallery, axis=0), value_range=value_range,
                                       rows=batch_size, cols=1 + len(drawn), **kwargs)
