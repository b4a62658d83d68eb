"""Convolution layers: ``Conv1D/2D``, ``Conv1DTranspose/2DTranspose``, ``DepthwiseConv1D/2D`` and
``SeparableConv1D/2D`` (Keras 3 signatures, defaults, weight shapes and order).

All share one rank-generic implementation; inputs are (batch, *spatial, channels) for
``data_format="channels_last"`` (the default) or (batch, channels, *spatial).
"""
from __future__ import annotations

from kfront import activations, config, constraints, initializers, ops, regularizers
from kfront.layers.layer import InputSpec, Layer
from kfront.layers.lora import LoraMixin, lora_weight

__all__ = ["Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv1D",
           "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Conv3D", "Conv3DTranspose"]


def normalize_tuple(value, rank: int, name: str, who: str) -> tuple:
    """An int or ``rank`` ints as a tuple of ``rank`` positive ints (else a ValueError)."""
    vals = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(vals) != rank or not all(isinstance(v, int) and v > 0 for v in vals):
        raise ValueError(f"{who}: {name} must be a positive int or a tuple of {rank} positive "
                         f"ints, got {value!r}")
    return vals


def normalize_data_format(data_format, who: str) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{who}: data_format must be "channels_last" or "channels_first", got '
                         f"{data_format!r}")
    return data_format


def normalize_padding(padding, allowed: tuple, who: str) -> str:
    mode = str(padding).lower()
    if mode not in allowed:
        raise ValueError(f"{who}: padding must be one of {allowed}, got {padding!r}")
    return mode


def window_output_shape(layer, input_shape, window, strides, padding, dilation=None) -> tuple:
    """The output shape (channels unchanged) of sliding ``window`` over ``input_shape``'s spatial
    axes; a ValueError naming ``layer`` when a known axis is shorter than the window."""
    first = layer.data_format == "channels_first"
    spatial = input_shape[2:] if first else input_shape[1:-1]
    dilation = dilation or (1,) * len(window)
    out = []
    for n, k, s, d in zip(spatial, window, strides, dilation):
        eff = (k - 1) * d + 1
        if n is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-n // s))
        elif padding == "causal":
            out.append((n - 1) // s + 1)
        elif n < eff:
            raise ValueError(f'{type(layer).__name__} "{layer.name}": the window {tuple(window)} '
                             f"(dilation {tuple(dilation)}) is larger than the input with shape "
                             f"{tuple(input_shape)} along a spatial axis, with padding="
                             f'"valid"; use padding="same" or a smaller window')
        else:
            out.append((n - eff) // s + 1)
    return (input_shape[0], input_shape[1], *out) if first else (input_shape[0], *out,
                                                                 input_shape[-1])


def _explicit_arguments(frame_locals: dict) -> dict:
    """A public layer's ``__init__`` arguments (its ``locals()``) as keywords for its base."""
    skip = ("self", "__class__", "kwargs")
    return {**{k: v for k, v in frame_locals.items() if k not in skip}, **frame_locals["kwargs"]}


class _Conv(Layer):
    """What every convolution layer shares: geometry, bias, activation and their config."""

    _paddings = ("valid", "same")

    def __init__(self, rank: int, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias: bool = True,
                 bias_initializer="zeros", bias_regularizer=None, activity_regularizer=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = f'{type(self).__name__} "{self.name}"'
        self.rank = rank
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 is not supported together with dilation_rate "
                             f"> 1 (as in Keras); got strides={self.strides}, dilation_rate="
                             f"{self.dilation_rate}")
        self.padding = normalize_padding(padding, self._paddings, who)
        self.data_format = normalize_data_format(data_format, who)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape) -> int:
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            layout = "channels, *spatial" if self.data_format == "channels_first" else \
                "*spatial, channels"
            raise ValueError(f'{type(self).__name__} "{self.name}" expects inputs of rank '
                             f"{self.rank + 2} (batch, {layout}), got an input of shape {shape}")
        channels = shape[self._channel_axis]
        if channels is None:
            raise ValueError(f'{type(self).__name__} "{self.name}": the channel axis of the '
                             f"input must be known, got input shape {shape}")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        return channels

    def _add_bias(self, units: int) -> None:
        self.bias = (self.add_weight(shape=(units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint, name="bias")
                     if self.use_bias else None)

    def _finish(self, y):
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            y = ops.add(y, bias)
        return self.activation(y) if self.activation is not activations.linear else y

    def _spatial_output(self, input_shape, units: int) -> tuple:
        shape = window_output_shape(self, tuple(input_shape), self.kernel_size, self.strides,
                                    self.padding, self.dilation_rate)
        return (*shape[:1], units, *shape[2:]) if self.data_format == "channels_first" else \
            (*shape[:-1], units)

    def get_config(self) -> dict:
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class _KernelConv(_Conv):
    """A convolution with one ``kernel`` weight (plain or transposed)."""

    def __init__(self, rank, filters: int, kernel_size, kernel_initializer="glorot_uniform",
                 kernel_regularizer=None, kernel_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": filters must be a positive '
                             f"int, got {filters!r}")
        self.filters = filters
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def _add_kernel(self, shape) -> None:
        self.kernel = self.add_weight(shape=shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint)}


class BaseConv(LoraMixin, _KernelConv):
    """N-D convolution layer: ``activation(conv(inputs, kernel) + bias)``; kernel shape
    ``(*kernel_size, in_channels // groups, filters)``. ``lora_rank`` / ``enable_lora`` adapt
    the kernel with LoRA (``kfront/layers/lora.py``), as Keras's ``BaseConv``."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups: int = 1, lora_rank=None,
                 lora_alpha=None, **kwargs):
        if rank == 1:
            self._paddings = ("valid", "same", "causal")
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f'{type(self).__name__} "{self.name}": groups must be a positive '
                             f"int dividing filters ({filters}), got {groups!r}")
        self.groups = groups
        self._init_lora(lora_rank, lora_alpha)

    kernel = lora_weight("kernel")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f'{type(self).__name__} "{self.name}": the number of input '
                             f"channels ({channels}) must be divisible by groups "
                             f"({self.groups}); input shape {tuple(input_shape)}")
        self._add_kernel((*self.kernel_size, channels // self.groups, self.filters))
        self._add_bias(self.filters)
        self.built = True
        self._build_lora()

    def call(self, inputs):
        self.compute_output_shape(ops.shape(inputs))  # clear error when the input is too small
        padding = self.padding
        if padding == "causal":
            left = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            inputs = ops.pad(inputs, [(0, 0), (left, 0), (0, 0)] if self._channel_axis == -1
                             else [(0, 0), (0, 0), (left, 0)])
            padding = "valid"
        if type(self).convolution_op is not BaseConv.convolution_op:  # a user's override
            return self._finish(self.convolution_op(inputs, self.kernel))
        # one op, which a backend may fuse (torch: the bias inside the convolution, relu_)
        fused = "relu" if self.activation is activations.relu else None
        y = ops.nn.conv_bias_activation(inputs, self.kernel, self.bias, fused,
                                        strides=self.strides, padding=padding,
                                        data_format=self.data_format,
                                        dilation_rate=self.dilation_rate)
        return y if fused or self.activation is activations.linear else self.activation(y)

    def convolution_op(self, inputs, kernel):
        """The convolution of ``inputs`` with ``kernel`` (no bias, no activation), with the
        layer's strides, padding, dilation and data format (Keras's hook: a subclass that
        overrides it, or calls it with its own kernel from ``call``, changes the convolution
        and keeps the rest of the layer)."""
        return ops.conv(inputs, kernel, strides=self.strides,
                        padding="valid" if self.padding == "causal" else self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        return self._spatial_output(input_shape, self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups, **self._lora_config()}


class Conv1D(BaseConv):
    """1D convolution over (batch, steps, channels); ``padding`` may also be ``"causal"``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3), "float32")).shape
        (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, **_explicit_arguments(locals()))


class Conv2D(BaseConv):
    """2D convolution over (batch, height, width, channels); kernel ``(kh, kw, in, filters)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv2D(32, (5, 5), activation="relu")(np.ones((2, 28, 28, 1), "float32")).shape
        (2, 24, 24, 32)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, **_explicit_arguments(locals()))


class Conv3D(BaseConv):
    """3D convolution over (batch, d1, d2, d3, channels); kernel ``(k1, k2, k3, in, filters)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv3D(4, 3)(np.ones((2, 5, 5, 5, 1), "float32")).shape
        (2, 3, 3, 3, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, **_explicit_arguments(locals()))


class BaseConvTranspose(_KernelConv):
    """N-D transposed convolution layer; kernel shape ``(*kernel_size, filters, in_channels)``."""

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            who = f'{type(self).__name__} "{self.name}"'
            pads = (output_padding,) * rank if isinstance(output_padding, int) \
                else tuple(output_padding)
            if len(pads) != rank or any(p < 0 or p >= s for p, s in zip(pads, self.strides)):
                raise ValueError(f"{who}: output_padding must be {rank} non-negative ints, each "
                                 f"smaller than the stride {self.strides}; got {output_padding!r}")
            self.output_padding = pads

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._add_kernel((*self.kernel_size, self.filters, channels))
        self._add_bias(self.filters)

    def call(self, inputs):
        y = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               output_padding=self.output_padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        pads = self.output_padding or (None,) * self.rank
        out = []
        for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides, self.dilation_rate,
                                 pads):
            eff = (k - 1) * d + 1
            if n is None:
                out.append(None)
            elif self.padding == "valid":
                out.append((n - 1) * s + eff + (max(eff, s) - eff if p is None else p))
            else:
                out.append(n * s if p is None else (n - 1) * s + eff - 2 * (eff // 2) + p)
        return (input_shape[0], self.filters, *out) if first else (input_shape[0], *out,
                                                                   self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_padding": self.output_padding}


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution (upsampling by ``strides``).

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv1DTranspose(4, 3, strides=2)(np.ones((2, 5, 3), "float32")).shape
        (2, 11, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, **_explicit_arguments(locals()))


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution; kernel ``(kh, kw, filters, in_channels)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv2DTranspose(8, 3, strides=2, padding="same")(
        ...     np.ones((2, 7, 7, 4), "float32")).shape
        (2, 14, 14, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, **_explicit_arguments(locals()))


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution; kernel ``(k1, k2, k3, filters, in_channels)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.Conv3DTranspose(2, 3, strides=2, padding="same")(
        ...     np.ones((1, 3, 3, 3, 4), "float32")).shape
        (1, 6, 6, 6, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, **_explicit_arguments(locals()))


class _DepthwiseBase(_Conv):
    """Shared by depthwise and separable convolutions: the depthwise kernel
    ``(*kernel_size, in_channels, depth_multiplier)``."""

    def __init__(self, rank, kernel_size, depth_multiplier: int = 1,
                 depthwise_initializer="glorot_uniform", depthwise_regularizer=None,
                 depthwise_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, **kwargs)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": depth_multiplier must be a '
                             f"positive int, got {depth_multiplier!r}")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _add_depthwise(self, channels: int, name: str):
        return self.add_weight(shape=(*self.kernel_size, channels, self.depth_multiplier),
                               initializer=self.depthwise_initializer,
                               regularizer=self.depthwise_regularizer,
                               constraint=self.depthwise_constraint, name=name)

    def get_config(self) -> dict:
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint)}


class BaseDepthwiseConv(_DepthwiseBase):
    """N-D depthwise convolution layer: weights ``kernel`` then ``bias``
    (``in_channels * depth_multiplier`` outputs)."""

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self._add_depthwise(channels, "kernel")
        self._units = channels * self.depth_multiplier
        self._add_bias(self._units)

    def call(self, inputs):
        self.compute_output_shape(ops.shape(inputs))
        y = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        channels = input_shape[self._channel_axis]
        return self._spatial_output(input_shape, None if channels is None
                                    else channels * self.depth_multiplier)


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 8, 3), "float32")).shape
        (2, 6, 6)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, **_explicit_arguments(locals()))


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution; kernel ``(kh, kw, in_channels, depth_multiplier)``.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.DepthwiseConv2D(3, padding="same")(np.ones((2, 8, 8, 3), "float32")).shape
        (2, 8, 8, 3)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, **_explicit_arguments(locals()))


class BaseSeparableConv(_DepthwiseBase):
    """N-D separable convolution layer: depthwise then pointwise; weights ``depthwise_kernel``,
    ``pointwise_kernel`` ``(1, ..., 1, in_channels * depth_multiplier, filters)``, ``bias``."""

    def __init__(self, rank, filters: int, kernel_size, pointwise_initializer="glorot_uniform",
                 pointwise_regularizer=None, pointwise_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": filters must be a positive '
                             f"int, got {filters!r}")
        self.filters = filters
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._add_depthwise(channels, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._add_bias(self.filters)

    def call(self, inputs):
        self.compute_output_shape(ops.shape(inputs))
        y = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                               strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        return self._spatial_output(input_shape, self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.SeparableConv1D(4, 3)(np.ones((2, 8, 3), "float32")).shape
        (2, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, **_explicit_arguments(locals()))


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution.

    Example:
        >>> import numpy as np
        >>> from kfront import layers
        >>> layers.SeparableConv2D(4, 3)(np.ones((2, 8, 8, 3), "float32")).shape
        (2, 6, 6, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, **_explicit_arguments(locals()))
