"""Convolution and pooling on TensorFlow, rank-generic (1D, 2D and 3D), the native engine's
``convolution`` module on TensorFlow's kernels (``tf.nn.convolution``, ``depthwise_conv2d``,
``conv_transpose``, ``max_pool``, ``avg_pool``); gradients are TensorFlow's.

Semantics are the native engine's (see ``kfront/backends/numpy/convolution.py``): kernels work
channels-last, channels-first inputs are transposed on the way in and out; ``"same"`` padding is
TensorFlow's own rule; groups are inferred from ``in_channels / kernel.shape[-2]``; the
transposed-convolution kernel is ``(*spatial, filters, in_channels)``; max-pool gradients go to
the first maximum of a window; "same" average pooling divides by the count of valid elements.

Where TensorFlow's CPU kernels have gaps, the op is rewritten exactly: strides and dilation both
above 1 (and any dilated transposed convolution) use the kernel dilated explicitly (zeros
inserted); grouped convolutions other than depthwise 1D/2D run one convolution per group.

Example:
    >>> import numpy as np
    >>> from kfront.backends.tensorflow import convolution
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> convolution.max_pool(x, 2).numpy()[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from kfront.backends.tensorflow.core import op_input
from kfront.backends.common.convolution import (channels_first, geometry, ints, padding_mode,
                                                 spatial_rank, transpose_length)
from kfront.backends.tensorflow.numpy import _plan

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
           "average_pool"]


# ------------------------------------------------------------------------------- geometry
def _float_pair(x, kernel, op: str):
    """``(x, kernel, output dtype)``: both as tensors of the dtype numpy computes their product
    in (integers compute in float64 and are cast back at the end, as the native engine's GEMM)."""
    x, kernel = op_input(x, op), op_input(kernel, op)
    x, kernel = tf.convert_to_tensor(x), tf.convert_to_tensor(kernel)
    _, out = _plan(np.multiply, (x.dtype, kernel.dtype))
    work = out if out.is_floating else tf.float64
    return (x if x.dtype == work else tf.cast(x, work),
            kernel if kernel.dtype == work else tf.cast(kernel, work), out)


def _finish(y, dtype):
    return y if y.dtype == dtype else tf.cast(y, dtype)


def _dilate_kernel(kernel, dilation, rank: int):
    """``kernel`` (*k, ...) with ``d - 1`` zeros inserted between taps along each spatial axis:
    an undilated kernel equal to the dilated one (differentiable)."""
    for axis, d in enumerate(dilation[:rank]):
        if d == 1:
            continue
        shape = kernel.shape
        k = shape[axis]
        # (.., k, ..) -> (.., k, d, ..) with zeros at [.., :, 1:, ..] -> (.., k * d, ..)
        z = tf.expand_dims(kernel, axis + 1)
        pad = [[0, 0]] * (len(shape) + 1)
        pad[axis + 1] = [0, d - 1]
        z = tf.pad(z, pad)
        z = tf.reshape(z, (*shape[:axis], k * d, *shape[axis + 1:]))
        kernel = tf.gather(z, tf.range((k - 1) * d + 1), axis=axis)
    return kernel


# ----------------------------------------------------------------------------- kernels
_FORMATS = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


def _convolution(x, kernel, strides, padding, dilations):
    # data_format is passed explicitly: eager Conv3D gradients need the attribute recorded
    return tf.nn.convolution(x, kernel, strides=strides, padding=padding, dilations=dilations,
                             data_format=_FORMATS[x.shape.rank - 2])


def _conv(x, kernel, strides, padding, dilation_rate):
    rank = x.shape.rank - 2
    k, cg, o = tuple(kernel.shape[:rank]), kernel.shape[-2], kernel.shape[-1]
    c = x.shape[-1]
    if kernel.shape.rank != rank + 2 or cg > c or c % cg or o % (c // cg):
        raise ValueError(f"conv: kernel of shape {tuple(kernel.shape)} does not fit inputs of "
                         f"shape {tuple(x.shape)}: expected (*kernel_size, in_channels / groups, "
                         f"filters) with in_channels ({c}) and filters divisible by groups")
    groups = c // cg
    geometry(x.shape[1:-1], k, strides, dilation_rate, padding, "conv", x.shape)
    if any(s > 1 for s in strides) and any(d > 1 for d in dilation_rate):
        kernel, dilation_rate = _dilate_kernel(kernel, dilation_rate, rank), (1,) * rank
        k = tuple(kernel.shape[:rank])
    pad = padding.upper()
    if groups == 1:
        return _convolution(x, kernel, strides, pad, dilation_rate)
    if cg == 1 and rank <= 2:  # depthwise: TensorFlow's native kernel
        return _depthwise(x, tf.reshape(kernel, (*k, c, o // c)), strides, padding,
                          dilation_rate)
    # TensorFlow's CPU convolution has no groups: one convolution per group
    xs = tf.split(x, groups, axis=-1)
    ws = tf.split(kernel, groups, axis=-1)
    return tf.concat([_convolution(a, b, strides, pad, dilation_rate)
                      for a, b in zip(xs, ws)], -1)


def _depthwise(x, w, strides, padding, dilation_rate):
    """1D/2D depthwise convolution with ``tf.nn.depthwise_conv2d`` (1D as a height-1 image).
    Its CPU kernel wants equal row and column strides; otherwise the input is padded as TF's
    "same" rule says and convolved at stride 1, then every ``stride``-th output is kept."""
    one_d = x.shape.rank == 3
    if one_d:
        x, w, strides, dilation_rate = x[:, None], w[None], (1, *strides), (1, *dilation_rate)
    if strides[0] != strides[1]:
        if padding == "same":
            pads = [[0, 0]]
            for n, kk, ss, dd in zip(x.shape[1:3], w.shape[:2], strides, dilation_rate):
                total = max((-(-n // ss) - 1) * ss + (kk - 1) * dd + 1 - n, 0)
                pads.append([total // 2, total - total // 2])
            x = tf.pad(x, pads + [[0, 0]])
        y = tf.nn.depthwise_conv2d(x, w, (1, 1, 1, 1), "VALID", dilations=dilation_rate)
        y = y[:, ::strides[0], ::strides[1]]
    else:
        y = tf.nn.depthwise_conv2d(x, w, (1, *strides, 1), padding.upper(),
                                   dilations=dilation_rate)
    return y[:, 0] if one_d else y


def _conv_transpose(x, kernel, strides, padding, output_padding, dilation_rate):
    rank = x.shape.rank - 2
    k, co, ci = tuple(kernel.shape[:rank]), kernel.shape[-2], kernel.shape[-1]
    if kernel.shape.rank != rank + 2 or ci != x.shape[-1]:
        raise ValueError(f"conv_transpose: kernel of shape {tuple(kernel.shape)} does not fit "
                         f"inputs of shape {tuple(x.shape)}: expected (*kernel_size, filters, "
                         f"{x.shape[-1]})")
    size = tuple(transpose_length(n, kk, s, d, padding, op) for n, kk, s, d, op in
                 zip(x.shape[1:-1], k, strides, dilation_rate, output_padding))
    _, fwd = geometry(size, k, strides, dilation_rate, padding, "conv_transpose", x.shape)
    if fwd != tuple(x.shape[1:-1]):
        raise ValueError(f"conv_transpose: output_padding={output_padding} with strides "
                         f"{strides} gives outputs of spatial size {size} that do not map back to "
                         f"inputs of shape {tuple(x.shape)}; output_padding must be < strides")
    if any(d > 1 for d in dilation_rate):  # TensorFlow's CPU kernels lack dilation here
        kernel, dilation_rate = _dilate_kernel(kernel, dilation_rate, rank), (1,) * rank
    batch = x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]
    out_shape = tf.stack([batch, *size, co]) if not isinstance(batch, int) else (batch, *size, co)
    return tf.nn.conv_transpose(x, kernel, out_shape, strides=strides, padding=padding.upper(),
                                data_format=_FORMATS[rank])


def _pool_input(x, op: str):
    x = tf.convert_to_tensor(op_input(x, op))
    return x


def _tf_pool(fn, x, pool_size, strides, padding):
    """``fn`` (``tf.nn.max_pool``/``avg_pool``) on channels-last ``x``. TensorFlow's 3D pools
    take no float64, so those run separably: a 2D pool over (H, W), then a 1D pool over D.
    Exact for both: windows and "same" padding are per-axis boxes (the valid count of a box is
    the product of the per-axis counts), and the max's gradient still goes to the first maximum
    in (d, h, w) order."""
    pad = padding.upper()
    if x.shape.rank != 5 or x.dtype in (tf.float16, tf.bfloat16, tf.float32):
        return fn(x, pool_size, strides, pad)
    _, d, h, w, c = x.shape
    y = fn(tf.reshape(x, (-1, h, w, c)), pool_size[1:], strides[1:], pad)
    h2, w2 = y.shape[1], y.shape[2]
    y = fn(tf.reshape(y, (-1, d, h2 * w2 * c)), pool_size[:1], strides[:1], pad)
    return tf.reshape(y, (-1, y.shape[1], h2, w2, c))


def _max_pool(x, pool_size, strides, padding):
    ones = (1,) * len(pool_size)
    geometry(x.shape[1:-1], pool_size, strides, ones, padding, "max_pool", x.shape)
    dtype = x.dtype
    if not dtype.is_floating:  # TensorFlow's max-pool kernels are float-only
        y = _tf_pool(tf.nn.max_pool, tf.cast(x, tf.float64), pool_size, strides, padding)
        return tf.cast(y, dtype)
    return _tf_pool(tf.nn.max_pool, x, pool_size, strides, padding)


def _average_pool(x, pool_size, strides, padding):
    ones = (1,) * len(pool_size)
    geometry(x.shape[1:-1], pool_size, strides, ones, padding, "average_pool", x.shape)
    if not x.dtype.is_floating:  # numpy's true division: integers average in float64
        x = tf.cast(x, tf.float64)
    # TensorFlow's "SAME" average divides by the count of valid elements, as the native engine
    return _tf_pool(tf.nn.avg_pool, x, pool_size, strides, padding)


# ----------------------------------------------------------------------------- public ops
def _channels_last_call(fn, x, data_format, op, **params):
    """Run the channels-last kernel ``fn`` on ``x`` laid out as ``data_format``."""
    if not channels_first(data_format, op):
        return fn(x, **params)
    n = x.shape.rank
    y = fn(tf.transpose(x, (0, *range(2, n), 1)), **params)
    return tf.transpose(y, (0, n - 1, *range(1, n - 1)))


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation); see ``kfront.ops.conv``."""
    x, kernel, dtype = _float_pair(inputs, kernel, "conv")
    rank = spatial_rank(x.shape, "conv")
    y = _channels_last_call(
        lambda a, **p: _conv(a, kernel, **p), x, data_format, "conv",
        strides=ints(strides, rank, "strides", "conv"), padding=padding_mode(padding, "conv"),
        dilation_rate=ints(dilation_rate, rank, "dilation_rate", "conv"))
    return _finish(y, dtype)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution; see ``kfront.ops.depthwise_conv``."""
    kernel = tf.convert_to_tensor(op_input(kernel, "depthwise_conv"))
    shape = tuple(kernel.shape)
    grouped = tf.reshape(kernel, (*shape[:-2], 1, shape[-2] * shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise then pointwise convolution; see ``kfront.ops.separable_conv``."""
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution; see ``kfront.ops.conv_transpose``."""
    op = "conv_transpose"
    x, kernel, dtype = _float_pair(inputs, kernel, op)
    rank = spatial_rank(x.shape, op)
    output_padding = ((None,) * rank if output_padding is None
                      else ints(output_padding, rank, "output_padding", op))
    y = _channels_last_call(
        lambda a, **p: _conv_transpose(a, kernel, **p), x, data_format, op,
        strides=ints(strides, rank, "strides", op), padding=padding_mode(padding, op),
        output_padding=output_padding,
        dilation_rate=ints(dilation_rate, rank, "dilation_rate", op))
    return _finish(y, dtype)


def _pool(kernel, op):
    def pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
        x = _pool_input(inputs, op)
        rank = spatial_rank(x.shape, op)
        pool_size = ints(pool_size, rank, "pool_size", op)
        strides = pool_size if strides is None else ints(strides, rank, "strides", op)
        return _channels_last_call(kernel, x, data_format, op, pool_size=pool_size,
                                   strides=strides, padding=padding_mode(padding, op))
    pool.__name__ = pool.__qualname__ = op
    pool.__doc__ = f"``kfront.ops.{op}`` on TensorFlow."
    return pool


max_pool = _pool(_max_pool, "max_pool")
average_pool = _pool(_average_pool, "average_pool")
