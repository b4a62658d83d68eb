"""Pooling layers: ``MaxPooling1D/2D``, ``AveragePooling1D/2D`` and their global forms
(Keras 3 signatures and defaults; one rank-generic implementation)."""
from __future__ import annotations

from kfront import ops
from kfront.layers.convolutional import (normalize_data_format, normalize_padding,
                                         normalize_tuple, window_output_shape)
from kfront.layers.layer import InputSpec, Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
           "GlobalAveragePooling3D"]


class BasePooling(Layer):
    """Window pooling with ``op`` (``ops.max_pool`` or ``ops.average_pool``);
    ``strides`` defaults to ``pool_size``."""

    def __init__(self, rank: int, op, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        who = f'{type(self).__name__} "{self.name}"'
        self.rank, self._op = rank, op
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size", who)
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, rank, "strides", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = normalize_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(ops.shape(inputs))  # clear error when the pool is too large
        return self._op(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                        data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return window_output_shape(self, tuple(input_shape), self.pool_size, self.strides,
                                   self.padding)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.MaxPooling1D()(np.ones((2, 9, 3), "float32")).shape
        (2, 4, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(1, ops.max_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class MaxPooling2D(BasePooling):
    """Max over ``pool_size`` windows; the gradient goes to the first maximum of each window.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.MaxPooling2D((2, 2))(np.ones((2, 24, 24, 32), "float32")).shape
        (2, 12, 12, 32)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(2, ops.max_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps ("same" padding averages valid steps only).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.AveragePooling1D(3, padding="same")(np.ones((2, 7, 3), "float32")).shape
        (2, 3, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(1, ops.average_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over ``pool_size`` windows ("same" padding averages valid elements only).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.AveragePooling2D(2)(np.ones((2, 6, 6, 3), "float32")).shape
        (2, 3, 3, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(2, ops.average_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class MaxPooling3D(BasePooling):
    """Max over ``pool_size`` windows of (batch, d1, d2, d3, channels) inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.MaxPooling3D()(np.ones((2, 4, 4, 4, 3), "float32")).shape
        (2, 2, 2, 2, 3)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(3, ops.max_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class AveragePooling3D(BasePooling):
    """Mean over ``pool_size`` windows of (batch, d1, d2, d3, channels) inputs.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.AveragePooling3D(2, padding="same")(np.ones((2, 3, 3, 3, 1), "float32")).shape
        (2, 2, 2, 2, 1)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(3, ops.average_pool, pool_size, strides, padding, data_format,
                         name=name, **kwargs)


class BaseGlobalPooling(Layer):
    """Reduces all spatial axes with ``reduce`` (``ops.max`` or ``ops.mean``)."""

    def __init__(self, rank: int, reduce, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.rank, self._reduce = rank, reduce
        self.data_format = normalize_data_format(data_format, f'{type(self).__name__} '
                                                 f'"{self.name}"')
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    @property
    def _axes(self) -> tuple:
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def call(self, inputs):
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps axis.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalMaxPooling1D()(np.ones((2, 9, 3), "float32")).shape
        (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, ops.max, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over the height and width axes.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 5, 5, 3), "float32")).shape
        (2, 1, 1, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, ops.max, data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalAveragePooling1D()(np.ones((2, 9, 3), "float32")).shape
        (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, ops.mean, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        """With a (batch, steps) ``mask``, the mean over the unmasked steps only (Keras's)."""
        if mask is None:
            return super().call(inputs)
        axis = self._axes[0]
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2 if axis == 1 else 1)
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, ops.dtype(inputs)), axis=axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over the height and width axes.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalAveragePooling2D()(np.ones((2, 5, 5, 3), "float32")).shape
        (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, ops.mean, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over the three spatial axes.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalMaxPooling3D()(np.ones((2, 3, 3, 3, 4), "float32")).shape
        (2, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, ops.max, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial axes.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.GlobalAveragePooling3D(keepdims=True)(np.ones((2, 3, 3, 3, 4), "float32")).shape
        (2, 1, 1, 1, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, ops.mean, data_format, keepdims, **kwargs)


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis of length L into ``output_size`` windows, window i covering
    ``[floor(i * L / n), ceil((i + 1) * L / n))`` (PyTorch's and Keras's adaptive pooling)."""

    def __init__(self, rank: int, reduce, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f'{type(self).__name__} "{self.name}"'
        if isinstance(output_size, int):
            output_size = (output_size,) * rank
        if (not isinstance(output_size, (tuple, list)) or len(output_size) != rank
                or not all(isinstance(s, int) and s > 0 for s in output_size)):
            raise ValueError(f"{who}: output_size must be a positive int or {rank} positive "
                             f"ints, got {output_size!r}")
        self.rank, self._reduce = rank, reduce
        self.output_size = tuple(output_size)
        self.data_format = normalize_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def call(self, inputs):
        start = 2 if self.data_format == "channels_first" else 1
        for axis, n in zip(range(start, start + self.rank), self.output_size):
            length = ops.shape(inputs)[axis]
            index = [slice(None)] * (self.rank + 2)
            pieces = []
            for i in range(n):
                index[axis] = slice((i * length) // n, -((-(i + 1) * length) // n))
                pieces.append(self._reduce(ops.getitem(inputs, tuple(index)), axis=axis,
                                           keepdims=True))
            inputs = ops.concatenate(pieces, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], *self.output_size)
        return (input_shape[0], *self.output_size, input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


def _adaptive(name: str, rank: int, reduce, what: str, example: str):
    def __init__(self, output_size, data_format=None, **kwargs):
        BaseAdaptivePooling.__init__(self, rank, reduce, output_size, data_format, **kwargs)
    __init__.__doc__ = None
    doc = (f"Adaptive {what} pooling of {rank}-D inputs to ``output_size`` windows per "
           f"spatial axis.\n\n    Example:\n        >>> import numpy as np\n"
           f"        >>> from kfront import layers\n        >>> {example}\n")
    return type(name, (BaseAdaptivePooling,), {"__init__": __init__, "__doc__": doc,
                                               "__module__": __name__})


AdaptiveAveragePooling1D = _adaptive(
    "AdaptiveAveragePooling1D", 1, ops.mean, "average",
    'layers.AdaptiveAveragePooling1D(2)(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()\n'
    "        [1.0, 3.0]")
AdaptiveAveragePooling2D = _adaptive(
    "AdaptiveAveragePooling2D", 2, ops.mean, "average",
    'layers.AdaptiveAveragePooling2D((2, 3))(np.ones((1, 7, 5, 2), "float32")).shape\n'
    "        (1, 2, 3, 2)")
AdaptiveAveragePooling3D = _adaptive(
    "AdaptiveAveragePooling3D", 3, ops.mean, "average",
    'layers.AdaptiveAveragePooling3D(2)(np.ones((1, 3, 4, 5, 2), "float32")).shape\n'
    "        (1, 2, 2, 2, 2)")
AdaptiveMaxPooling1D = _adaptive(
    "AdaptiveMaxPooling1D", 1, ops.max, "max",
    'layers.AdaptiveMaxPooling1D(2)(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()\n'
    "        [2.0, 4.0]")
AdaptiveMaxPooling2D = _adaptive(
    "AdaptiveMaxPooling2D", 2, ops.max, "max",
    'layers.AdaptiveMaxPooling2D(3)(np.ones((1, 7, 5, 2), "float32")).shape\n'
    "        (1, 3, 3, 2)")
AdaptiveMaxPooling3D = _adaptive(
    "AdaptiveMaxPooling3D", 3, ops.max, "max",
    'layers.AdaptiveMaxPooling3D((1, 2, 3))(np.ones((1, 3, 4, 5, 2), "float32")).shape\n'
    "        (1, 1, 2, 3, 2)")
__all__ += ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
            "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
