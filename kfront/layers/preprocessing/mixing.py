"""Batch-mixing augmentations: ``MixUp`` and ``CutMix``. They take a batch of images, or a
dict ``{"images": ..., "labels": ...}`` whose one-hot labels are mixed with the same weights
(Keras's convention), in training only."""
from __future__ import annotations

from kfront import ops, random
from kfront.layers.preprocessing.image_preprocessing import spatial_axes
from kfront.layers.preprocessing.random_image import BaseRandomImageLayer, factor_range

__all__ = ["MixUp", "CutMix"]


class _MixingLayer(BaseRandomImageLayer):
    """Shared: images or ``{"images", "labels"}``; subclasses return (images, label weight)
    from ``mix(images)`` with the permutation in ``self._order``."""

    def call(self, inputs, training=True):
        data = inputs if isinstance(inputs, dict) else {"images": inputs}
        images = data.get("images")
        if images is None:
            raise ValueError(f'{self.who}: a dict input needs an "images" entry, got keys '
                             f"{sorted(data)}")
        shape = ops.shape(images)
        if len(shape) != 4:
            raise ValueError(f"{self.who}: expected a batch of images of rank 4, got shape "
                             f"{tuple(shape)}")
        if training is False:
            return inputs
        batch = shape[0]
        order = random.shuffle(ops.arange(batch, dtype="int32"), seed=self.generator)
        images, weight = self.mix(ops.cast(images, self.dtype), order)
        if not isinstance(inputs, dict):
            return images
        out = dict(inputs, images=images)
        if data.get("labels") is not None:
            labels = ops.cast(data["labels"], self.dtype)
            weight = ops.reshape(ops.cast(weight, self.dtype), (-1, 1))
            out["labels"] = ops.add(ops.multiply(weight, labels),
                                    ops.multiply(ops.subtract(1.0, weight),
                                                 ops.take(labels, order, axis=0)))
        return out

    def mix(self, images, order):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape


class MixUp(_MixingLayer):
    """Mixes each image (and label) with another of the batch: ``w x_i + (1 - w) x_j`` with
    ``w ~ Beta(alpha, alpha)`` per image and ``j`` a random permutation.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> out = layers.MixUp(seed=0)({"images": np.ones((4, 2, 2, 1), "float32"),
        ...                             "labels": np.eye(4, dtype="float32")})
        >>> np.allclose(out["labels"].sum(axis=1), 1.0)
        True
    """

    def __init__(self, alpha: float = 0.2, data_format: str | None = None,
                 seed: int | None = None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.alpha = alpha

    def mix(self, images, order):
        weight = random.beta((ops.shape(images)[0],), self.alpha, self.alpha,
                             seed=self.generator)
        w = ops.reshape(ops.cast(weight, self.dtype), (-1, 1, 1, 1))
        mixed = ops.add(ops.multiply(w, images),
                        ops.multiply(ops.subtract(1.0, w), ops.take(images, order, axis=0)))
        return mixed, weight

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class CutMix(_MixingLayer):
    """Pastes into each image a box from another image of the batch: box area ``1 - w``
    with ``w ~ Beta(a, a)``, ``a`` drawn from ``factor``; labels mix by the pasted area.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.arange(4, dtype="float32").reshape(4, 1, 1, 1) * np.ones((4, 4, 4, 1))
        >>> y = layers.CutMix(seed=1)(x.astype("float32"))
        >>> y.shape, bool(np.isin(y, [0, 1, 2, 3]).all())
        ((4, 4, 4, 1), True)
    """

    def __init__(self, factor=1.0, seed: int | None = None, data_format: str | None = None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor_range(self.who, factor, (0, 1))

    def mix(self, images, order):
        batch = ops.shape(images)[0]
        h_axis, w_axis = spatial_axes(4, self.data_format)
        height, width = ops.shape(images)[h_axis], ops.shape(images)[w_axis]
        alpha = ops.add(random.uniform((), self.factor[0], self.factor[1], dtype=self.dtype,
                                       seed=self.generator), 1e-6)
        weight = random.beta((batch,), alpha, alpha, dtype=self.dtype, seed=self.generator)
        ratio = ops.sqrt(ops.subtract(1.0, weight))
        bounds = []
        for length in (width, height):
            crop = ops.multiply(ratio, float(length))
            start = ops.multiply(random.uniform((batch,), 0.0, 1.0, dtype=self.dtype,
                                                seed=self.generator),
                                 ops.subtract(float(length), crop))
            bounds.append((start, ops.add(start, crop)))
        (x0, x1), (y0, y1) = bounds
        grid_shape = [1, 1, 1, 1]
        grid_shape[h_axis] = height
        ys = ops.reshape(ops.arange(height, dtype=self.dtype), grid_shape)
        grid_shape = [1, 1, 1, 1]
        grid_shape[w_axis] = width
        xs = ops.reshape(ops.arange(width, dtype=self.dtype), grid_shape)
        col = (lambda v: ops.reshape(v, (-1, 1, 1, 1)))
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(xs, col(x0)), ops.less(xs, col(x1))),
            ops.logical_and(ops.greater_equal(ys, col(y0)), ops.less(ys, col(y1))))
        mixed = ops.where(inside, ops.take(images, order, axis=0), images)
        area = ops.divide(ops.multiply(ops.subtract(x1, x0), ops.subtract(y1, y0)),
                          float(width * height))
        return mixed, ops.subtract(1.0, area)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}
