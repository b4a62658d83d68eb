"""``keras.visualization``: bounding boxes and segmentation masks drawn on images, and image
galleries (matplotlib; boxes need OpenCV, as in Keras).

Example:
    >>> import numpy as np
    >>> from kfront import visualization
    >>> out = visualization.draw_segmentation_masks(np.zeros((1, 2, 2, 3)),
    ...                                             np.ones((1, 2, 2, 1), "int32"), 2)
    >>> out.shape, out.dtype.name
    ((1, 2, 2, 3), 'uint8')
"""
from kfront.visualization.box_drawing import draw_bounding_boxes
from kfront.visualization.mask_drawing import draw_segmentation_masks
from kfront.visualization.galleries import (plot_bounding_box_gallery,
                                                 plot_segmentation_mask_gallery)
from kfront.visualization.image_gallery import plot_image_gallery

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery",
           "plot_image_gallery", "plot_segmentation_mask_gallery"]
