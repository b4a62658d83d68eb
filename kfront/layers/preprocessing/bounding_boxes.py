"""``MaxNumBoundingBoxes``: pads or cuts the boxes of a detection batch to a fixed number."""
from __future__ import annotations

from kfront import ops
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import Layer

__all__ = ["MaxNumBoundingBoxes"]


class MaxNumBoundingBoxes(Layer):
    """Makes ``data["bounding_boxes"]["boxes"]`` (batch, n, 4) and ``["labels"]`` (batch, n)
    have exactly ``max_number`` boxes: extra boxes are dropped, missing ones filled with
    ``fill_value``; images (and a plain image tensor) pass unchanged. As Keras, boxes need
    a ``bounding_box_format``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> out = layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")(
        ...     {"images": np.zeros((2, 4, 4, 3), "float32"),
        ...      "bounding_boxes": {"boxes": np.ones((2, 1, 4), "float32"),
        ...                         "labels": np.ones((2, 1), "float32")}})
        >>> out["bounding_boxes"]["labels"].tolist()
        [[1.0, -1.0, -1.0], [1.0, -1.0, -1.0]]
    """

    def __init__(self, max_number: int, fill_value: int = -1, **kwargs):
        # as Keras, the image-preprocessing keywords come through **kwargs
        bounding_box_format = kwargs.pop("bounding_box_format", None)
        data_format = kwargs.pop("data_format", None)
        super().__init__(**kwargs)
        self.max_number, self.fill_value = int(max_number), int(fill_value)
        self.bounding_box_format = bounding_box_format
        self.data_format = normalize_data_format(data_format,
                                                 f'MaxNumBoundingBoxes "{self.name}"')
        self.built = True

    def _fit(self, x, trailing: tuple):
        count = ops.shape(x)[1]
        x = x[:, :self.max_number]
        pad = max(self.max_number - count, 0)
        if pad:
            x = ops.pad(x, [[0, 0], [0, pad]] + [[0, 0]] * len(trailing),
                        constant_values=self.fill_value)
        return x

    def call(self, inputs):
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        if not self.bounding_box_format:
            raise ValueError(f'MaxNumBoundingBoxes "{self.name}": the data has bounding_boxes '
                             "but the layer no bounding_box_format; pass one, e.g. "
                             'bounding_box_format="xyxy"')
        boxes = dict(inputs["bounding_boxes"])
        extra = set(boxes) - {"boxes", "labels"}
        if extra:
            raise KeyError(f'MaxNumBoundingBoxes "{self.name}": unsupported keys in '
                           f'bounding_boxes: {sorted(extra)}; only "boxes" and "labels"')
        boxes["boxes"] = self._fit(boxes["boxes"], (4,))
        boxes["labels"] = self._fit(boxes["labels"], ())
        return {**inputs, "bounding_boxes": boxes}

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            shapes = dict(input_shape["bounding_boxes"])
            for key in ("boxes", "labels"):
                shape = list(shapes[key])
                shape[1] = self.max_number
                shapes[key] = tuple(shape)
            return {**input_shape, "bounding_boxes": shapes}
        return input_shape

    def get_config(self) -> dict:
        config = {**super().get_config(), "max_number": self.max_number,
                  "data_format": self.data_format}
        if self.bounding_box_format is not None:  # as Keras: only when set
            config["bounding_box_format"] = self.bounding_box_format
        return config
