"""``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE): Keras's deterministic tiled
histogram equalization, written with ``kfront.ops`` so it runs on every backend and inside
compiled steps."""
from __future__ import annotations

import numpy as np

from kfront import ops
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import Layer
from kfront.layers.preprocessing.image_preprocessing import check_image_rank
from kfront.layers.preprocessing.random_color import to_range
from kfront.layers.preprocessing.random_image import value_range_pair

__all__ = ["ContrastLimitedAdaptiveHistogramEqualization"]

BINS = 256


class ContrastLimitedAdaptiveHistogramEqualization(Layer):
    """Contrast limited adaptive histogram equalization, as Keras: the image (mapped from
    ``value_range`` to [0, 255]) is cut into ``tile_grid_size`` tiles (padded symmetrically
    to a multiple of it); each tile's 256-bin histogram per channel is clipped at
    ``clip_limit * tile_pixels / 256`` (the excess spread evenly; ``clip_limit <= 0``: no
    clipping) and turned into an equalizing lookup table; each pixel's value is the bilinear
    blend of the tables of the four nearest tile centres. Deterministic: it applies in
    training and inference alike, as Keras. The output has the input's dtype (float inputs
    the layer's dtype).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> x = np.tile(np.linspace(100, 140, 8, dtype="float32"), (8, 1))[None, ..., None]
        >>> y = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(x)
        >>> bool(np.ptp(y) > np.ptp(x)), y.shape
        (True, (1, 8, 8, 1))
    """

    def __init__(self, value_range=(0, 255), clip_limit: float = 4.0,
                 tile_grid_size: tuple[int, int] = (8, 8), data_format: str | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.value_range = value_range_pair(self.who, value_range)
        if not isinstance(clip_limit, (int, float)) or isinstance(clip_limit, bool):
            raise ValueError(f"{self.who}: clip_limit must be a number, got {clip_limit!r}")
        self.clip_limit = clip_limit
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or not all(isinstance(t, (int, np.integer)) and t > 0 for t in tile_grid_size)):
            raise ValueError(f"{self.who}: tile_grid_size must be a pair of positive ints "
                             f"(rows, columns), got {tile_grid_size!r}")
        self.tile_grid_size = tile_grid_size
        self.data_format = normalize_data_format(data_format, self.who)
        self.built = True

    @property
    def who(self) -> str:
        return f'ContrastLimitedAdaptiveHistogramEqualization "{self.name}"'

    def call(self, inputs):
        shape = ops.shape(inputs)
        check_image_rank(self.who, shape)
        dtype = ops.dtype(inputs)
        images = inputs if len(shape) == 4 else ops.expand_dims(inputs, 0)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        images = to_range(ops.cast(images, "float32"), self.value_range, (0, 255))
        images = to_range(self._equalize(images), (0, 255), self.value_range)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 3, 1, 2))
        images = ops.cast(images, dtype)
        return images if len(shape) == 4 else ops.squeeze(images, 0)

    def _equalize(self, images):
        """CLAHE of a float32 (batch, height, width, channels) batch in [0, 255]."""
        batch, height, width, channels = ops.shape(images)
        grid_h, grid_w = (int(t) for t in self.tile_grid_size)
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        full_h, full_w = tile_h * grid_h, tile_w * grid_w
        for axis, size, full in ((1, height, full_h), (2, width, full_w)):
            if full != size:  # symmetric padding at the end (less than a tile, < size)
                index = np.arange(full)
                index = np.where(index < size, index, 2 * size - 1 - index).astype("int32")
                images = ops.take(images, ops.convert_to_tensor(index), axis=axis)
        pixels = ops.clip(ops.cast(images, "int32"), 0, BINS - 1)
        # one lookup table per (image, tile row, tile column, channel): its histogram ...
        tiles = ops.reshape(ops.transpose(ops.reshape(
            pixels, (batch, grid_h, tile_h, grid_w, tile_w, channels)), (0, 1, 3, 5, 2, 4)),
            (-1, tile_h * tile_w))
        rows = ops.shape(tiles)[0]
        offsets = ops.expand_dims(ops.multiply(ops.arange(rows, dtype="int32"), BINS), 1)
        ids = ops.reshape(ops.add(tiles, offsets), (-1,))
        hists = ops.reshape(ops.segment_sum(ops.ones(ops.shape(ids), "float32"), ids,
                                            num_segments=rows * BINS), (rows, BINS))
        count = float(tile_h * tile_w)
        if self.clip_limit > 0:
            clipped = ops.clip(hists, 0.0, float(np.float32(self.clip_limit * count / BINS)))
            excess = ops.sum(ops.subtract(hists, clipped), axis=-1, keepdims=True)
            hists = ops.add(clipped, ops.divide(excess, float(BINS)))
        # ... made cumulative and stretched to [0, 255]
        cdf = ops.cumsum(hists, axis=-1)
        cdf_min = ops.min(cdf, axis=-1, keepdims=True)
        denominator = ops.subtract(count, cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        tables = ops.clip(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min), 255.0),
                                     denominator), 0.0, 255.0)
        # tables of a grid extended by one tile on each side (edge copies), so every pixel
        # blends the four tile centres around it
        tables = ops.reshape(tables, (batch, grid_h, grid_w, channels, BINS))
        tables = ops.concatenate([tables[:, :1], tables, tables[:, -1:]], axis=1)
        tables = ops.concatenate([tables[:, :, :1], tables, tables[:, :, -1:]], axis=2)
        flat = ops.reshape(tables, (-1,))

        def centres(size: int, tile: int, grid: int):
            position = (np.arange(size, dtype="float32") - np.float32(tile / 2.0)) \
                / np.float32(tile) + np.float32(1.0)
            low = np.floor(position)
            weight = (position - low).astype("float32")
            return (np.clip(low, 0, grid + 1).astype("int32"),
                    np.clip(low + 1, 0, grid + 1).astype("int32"), weight)

        y0, y1, wy = centres(full_h, tile_h, grid_h)
        x0, x1, wx = centres(full_w, tile_w, grid_w)
        stride_x = BINS * channels
        stride_y = stride_x * (grid_w + 2)
        stride_b = stride_y * (grid_h + 2)
        base = ops.add(pixels, ops.convert_to_tensor(
            (np.arange(batch, dtype="int32")[:, None, None, None] * stride_b
             + np.arange(channels, dtype="int32")[None, None, None, :] * BINS)))

        def lookup(ys, xs):
            offset = ys[None, :, None, None] * stride_y + xs[None, None, :, None] * stride_x
            return ops.take(flat, ops.add(base, ops.convert_to_tensor(offset.astype("int32"))))

        wy = ops.convert_to_tensor(wy[None, :, None, None])
        wx = ops.convert_to_tensor(wx[None, None, :, None])
        top = ops.add(ops.multiply(lookup(y0, x0), ops.subtract(1.0, wx)),
                      ops.multiply(lookup(y0, x1), wx))
        bottom = ops.add(ops.multiply(lookup(y1, x0), ops.subtract(1.0, wx)),
                         ops.multiply(lookup(y1, x1), wx))
        out = ops.add(ops.multiply(top, ops.subtract(1.0, wy)), ops.multiply(bottom, wy))
        return out[:, :height, :width, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size,
                "data_format": self.data_format}
