"""``keras.visualization.plot_image_gallery``: a grid of images with matplotlib."""
from __future__ import annotations

import math

import numpy as np

from kfront import config, ops

from kfront.visualization._optional import LAZY, resolve

plt = LAZY  # matplotlib.pyplot, optional (pip install matplotlib), imported on first use

__all__ = ["plot_image_gallery", "transform_value_range"]


def transform_value_range(images, original_range, target_range, dtype: str = "float32"):
    """``images`` (cast to ``dtype``) mapped linearly from ``original_range`` to
    ``target_range``; unchanged when the ranges are equal."""
    if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
        return images
    images = ops.cast(images, dtype)
    low, high = (ops.cast(v, dtype) for v in original_range)
    target_low, target_high = (ops.cast(v, dtype) for v in target_range)
    return (images - low) / (high - low) * (target_high - target_low) + target_low


def plot_image_gallery(images, y_true=None, y_pred=None, label_map: dict | None = None,
                       rows: int | None = None, cols: int | None = None,
                       value_range=(0, 255), scale: float = 2, path: str | None = None,
                       show: bool | None = None, transparent: bool = True, dpi: int = 60,
                       legend_handles=None, data_format: str | None = None) -> None:
    """Shows (or saves to ``path``) a ``rows`` x ``cols`` matplotlib grid of the batched images
    (values in ``value_range``), titled with the ``label_map`` names of ``y_true`` /
    ``y_pred``. Needs matplotlib, as in Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import visualization
        >>> visualization.plot_image_gallery(np.zeros((4, 8, 8, 3)),  # doctest: +SKIP
        ...                                  path="gallery.png")
    """
    plt = resolve(globals(), "plt", "matplotlib.pyplot")
    if plt is None:
        raise ImportError("The `plot_image_gallery` function requires the `matplotlib` "
                          "package. Please install it with `pip install matplotlib`.")
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be true.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be "
                         "provided.")
    show = show if show is not None else path is None
    data_format = data_format or config.image_data_format()
    batch_size = ops.shape(images)[0] if len(ops.shape(images)) == 4 else 1
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    if len(ops.shape(images)) != 4:
        raise ValueError("`plot_images_gallery()` requires you to batch your `np.array` samples "
                         "together.")
    images = images[:min(rows * cols, batch_size), ...]
    if data_format == "channels_first":
        images = ops.transpose(images, (0, 2, 3, 1))
    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale),
                             frameon=False, layout="tight", squeeze=True, sharex="row",
                             sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if isinstance(axes, np.ndarray) and len(axes.shape) == 1:
        axes = np.expand_dims(axes, 0 if rows == 1 else -1)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    images = ops.convert_to_numpy(transform_value_range(images, value_range, (0, 255)))
    if data_format == "channels_first":  # Keras transposes twice: the same images result
        images = images.transpose(0, 2, 3, 1)
    y_true = None if y_true is None else ops.convert_to_numpy(y_true)
    y_pred = None if y_pred is None else ops.convert_to_numpy(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col] if isinstance(axes, np.ndarray) else axes
            axis.imshow(images[index].astype("uint8"))
            axis.margins(x=0, y=0)
            axis.axis("off")
            parts = []
            if y_true is not None and index < len(y_true):
                parts.append(f"Label: {label_map.get(y_true[index], 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                parts.append(f"Pred: {label_map.get(y_pred[index], 'Unknown')}")
            if parts:
                axis.set_title("  ".join(parts), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent,
                    dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()
