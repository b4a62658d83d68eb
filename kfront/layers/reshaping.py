"""Reshaping layers: ``Flatten``, ``Reshape``, ``RepeatVector``, ``Permute``, and (rank-generic)
``ZeroPadding1D/2D``, ``Cropping1D/2D``, ``UpSampling1D/2D``."""
from __future__ import annotations

import math

from kfront import ops
from kfront.ops.image import RESIZE_INTERPOLATIONS
from kfront.layers.convolutional import normalize_data_format
from kfront.layers.layer import InputSpec, Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(batch, ...) -> (batch, prod(...))``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Flatten()(np.zeros((2, 3, 4), "float32")).shape
        (2, 12)
    """

    _keeps_input_dtype = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, "Flatten")
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes to ``target_shape`` (batch axis excluded; one entry may be -1).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Reshape((3, 4))(np.zeros((2, 12), "float32")).shape
        (2, 3, 4)
    """

    _keeps_input_dtype = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f'Reshape "{self.name}": at most one -1 in target_shape, got '
                             f"{self.target_shape}")
        self.built = True

    def _resolve(self, input_shape):
        n = math.prod(d for d in input_shape[1:]) if None not in input_shape[1:] else None
        known = math.prod(d for d in self.target_shape if d != -1)
        if n is None:
            return tuple(None if d == -1 else d for d in self.target_shape)
        if -1 in self.target_shape:
            if n % known:
                raise ValueError(f'Reshape "{self.name}": cannot reshape input of shape '
                                 f"{tuple(input_shape)} to {self.target_shape}")
            return tuple(n // known if d == -1 else d for d in self.target_shape)
        if n != known:
            raise ValueError(f'Reshape "{self.name}": input of shape {tuple(input_shape)} has '
                             f"{n} values per sample, target_shape {self.target_shape} needs {known}")
        return self.target_shape

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class RepeatVector(Layer):
    """Repeats its 2D input ``n`` times: ``(batch, features) -> (batch, n, features)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.RepeatVector(3)(np.zeros((2, 4), "float32")).shape
        (2, 3, 4)
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f'RepeatVector "{self.name}": n must be a positive int, got {n!r}')
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of ``1..ndim-1``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Permute((2, 1))(np.zeros((2, 3, 4), "float32")).shape
        (2, 4, 3)
    """

    _keeps_input_dtype = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f'Permute "{self.name}": dims must be a permutation of 1..'
                             f"{len(self.dims)} (the batch axis 0 stays first), got {dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


def _spatial_pairs(value, rank: int, name: str, who: str) -> tuple:
    """``(before, after)`` per spatial axis from an int, ``rank`` ints (symmetric; for rank 1 a
    pair is (before, after)) or ``rank`` pairs."""
    if isinstance(value, int):
        pairs = ((value, value),) * rank
    elif rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        pairs = (tuple(value),)
    elif len(value) == rank and all(isinstance(v, int) for v in value):
        pairs = tuple((v, v) for v in value)
    elif len(value) == rank and all(len(v) == 2 for v in value):
        pairs = tuple(tuple(int(a) for a in v) for v in value)
    else:
        raise ValueError(f"{who}: {name} must be an int, {rank} ints or {rank} pairs of ints, "
                         f"got {value!r}")
    if any(a < 0 for p in pairs for a in p):
        raise ValueError(f"{who}: {name} must be non-negative, got {value!r}")
    return pairs


class _Spatial(Layer):
    """A layer acting on the ``rank`` spatial axes of (batch, *spatial, channels) inputs (or
    (batch, channels, *spatial) for ``data_format="channels_first"``)."""

    def __init__(self, rank: int, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = normalize_data_format(data_format, self._who)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    @property
    def _who(self) -> str:
        return f'{type(self).__name__} "{self.name}"'

    @property
    def _spatial_axes(self) -> tuple:
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def _map_spatial(self, shape, f) -> tuple:
        """``shape`` with each spatial size ``n`` of axis ``i`` (0..rank-1) replaced by
        ``f(i, n)`` (None stays None)."""
        out = list(shape)
        for i, ax in enumerate(self._spatial_axes):
            out[ax] = None if shape[ax] is None else f(i, shape[ax])
        return tuple(out)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class _ZeroPadding(_Spatial):
    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.padding = _spatial_pairs(padding, rank, "padding", self._who)

    def call(self, inputs):
        widths = [(0, 0)] * (self.rank + 2)
        for ax, pair in zip(self._spatial_axes, self.padding):
            widths[ax] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n + sum(self.padding[i]))

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros: ``padding`` is an int or ``(before, after)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ZeroPadding1D((1, 2))(np.ones((2, 3, 4), "float32")).shape
        (2, 6, 4)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, padding, data_format, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding[0]}


class ZeroPadding2D(_ZeroPadding):
    """Pads height and width with zeros: an int, ``(symmetric_h, symmetric_w)`` or
    ``((top, bottom), (left, right))``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ZeroPadding2D(((1, 0), (2, 2)))(np.ones((2, 3, 3, 4), "float32")).shape
        (2, 4, 7, 4)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros: an int, three ints, or three pairs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.ZeroPadding3D((1, 0, 2))(np.ones((2, 3, 3, 3, 4), "float32")).shape
        (2, 5, 3, 7, 4)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)


class _Cropping(_Spatial):
    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.cropping = _spatial_pairs(cropping, rank, "cropping", self._who)

    def call(self, inputs):
        shape = ops.shape(inputs)
        self.compute_output_shape(shape)
        index = [slice(None)] * len(shape)
        for ax, (a, b) in zip(self._spatial_axes, self.cropping):
            index[ax] = slice(a, shape[ax] - b)
        return ops.getitem(inputs, tuple(index))

    def compute_output_shape(self, input_shape):
        def cropped(i, n):
            if sum(self.cropping[i]) >= n:
                raise ValueError(f"{self._who}: cropping {self.cropping} removes the whole "
                                 f"input of shape {tuple(input_shape)}")
            return n - sum(self.cropping[i])
        return self._map_spatial(input_shape, cropped)

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping}


class Cropping1D(_Cropping):
    """Crops the steps axis: ``cropping`` is an int or ``(before, after)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Cropping1D((1, 2))(np.ones((2, 6, 4), "float32")).shape
        (2, 3, 4)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, "channels_last", **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return {**config, "cropping": config["cropping"][0]}


class Cropping2D(_Cropping):
    """Crops height and width: an int, ``(symmetric_h, symmetric_w)`` or
    ``((top, bottom), (left, right))``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Cropping2D(((1, 0), (2, 2)))(np.ones((2, 5, 6, 4), "float32")).shape
        (2, 4, 2, 4)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes: an int, three ints, or three pairs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Cropping3D(((1, 0), (0, 0), (2, 2)))(np.ones((2, 4, 4, 6, 1), "float32")).shape
        (2, 3, 4, 2, 1)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)


class _UpSampling(_Spatial):
    def __init__(self, rank, size, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.size = (size,) * rank if isinstance(size, int) else tuple(int(s) for s in size)
        if len(self.size) != rank or min(self.size) <= 0:
            raise ValueError(f"{self._who}: size must be a positive int or {rank} positive "
                             f"ints, got {size!r}")

    def call(self, inputs):
        for ax, s in zip(self._spatial_axes, self.size):
            if s > 1:
                inputs = ops.repeat(inputs, s, axis=ax)
        return inputs

    def compute_output_shape(self, input_shape):
        return self._map_spatial(input_shape, lambda i, n: n * self.size[i])


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.UpSampling1D(2)(np.arange(2.0).reshape(1, 2, 1))[0, :, 0].tolist()
        [0.0, 0.0, 1.0, 1.0]
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, "channels_last", **kwargs)

    def get_config(self) -> dict:
        config = {**super().get_config(), "size": self.size[0]}
        config.pop("data_format")
        return config


class UpSampling2D(_UpSampling):
    """Upsampling of height and width by ``size``: rows and columns repeated
    (``interpolation="nearest"``), or the images resized with ``ops.image.resize`` by
    ``"bilinear"``, ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"`` or ``"area"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.UpSampling2D((2, 3))(np.ones((2, 4, 4, 1), "float32")).shape
        (2, 8, 12, 1)
        >>> x = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
        >>> layers.UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0].tolist()
        [0.0, 1.0, 3.0, 4.0]
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest",
                 **kwargs):
        super().__init__(2, size, data_format, **kwargs)
        if (not isinstance(interpolation, str)
                or interpolation.lower() not in RESIZE_INTERPOLATIONS):
            raise ValueError(f"{self._who}: interpolation must be one of "
                             f"{RESIZE_INTERPOLATIONS}, got {interpolation!r}")
        self.interpolation = interpolation.lower()

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        shape = ops.shape(inputs)
        height, width = (shape[ax] * s for ax, s in zip(self._spatial_axes, self.size))
        return ops.image.resize(inputs, (height, width),
                                interpolation=self.interpolation,
                                data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Nearest-neighbour upsampling of the three spatial axes by ``size``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.UpSampling3D((2, 1, 3))(np.ones((2, 2, 2, 2, 1), "float32")).shape
        (2, 4, 2, 6, 1)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}
