"""Convolution and pooling of the torch backend, rank-generic (1D, 2D and 3D alike).

Channels-last inputs ``(batch, *spatial, channels)`` are viewed as torch's ``(batch, channels,
*spatial)`` by a permute (for 2D that is exactly torch's ``channels_last`` memory format, which
the CPU kernels use without a copy); ``channels_first`` inputs go straight in. Convolutions are
``torch.nn.functional.conv{1,2,3}d`` (groups inferred from the channel ratio) and
``conv_transpose{1,2,3}d``, pools ``max_pool*d`` / ``avg_pool*d``; autograd gives every gradient.
``"same"`` padding follows TensorFlow's rule, ``max((ceil(n / s) - 1) * s + k - n, 0)`` in total,
the smaller half before: symmetric padding is passed to the torch op, asymmetric padding is added
with ``F.pad`` (``-inf`` for max pooling). An average pool with ``"same"`` padding divides by the
number of valid (non-pad) elements of each window, and torch's max pooling sends the gradient of a
window to its FIRST maximal element (row-major), both as on the native engine. Geometry and error
messages are the native engine's (``kfront/backends/numpy/convolution.py``).

Example:
    >>> import numpy as np
    >>> from kfront.backends.torch import convolution
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> convolution.max_pool(x, 2)[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kfront.backends.common.convolution import (channels_first, geometry, ints, padding_mode,
                                                 spatial_rank, transpose_length)
from kfront.backends.common.fused import check_activation, compose_conv
from kfront.backends.torch import numpy as knp
from kfront.backends.torch.core import shape, to_tensor
from kfront.backends.torch.nn import relu
from kfront.backends.torch.numpy import _common_dtype, _floating

__all__ = ["conv", "conv_bias_activation", "depthwise_conv", "separable_conv", "conv_transpose",
           "max_pool", "average_pool"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


# ------------------------------------------------------------------------------- geometry
def _torch_pad(pads) -> list:
    """``F.pad``'s spec (last axis first) for (before, after) pads of the spatial axes."""
    spec = []
    for a, b in reversed(pads):
        spec += [a, b]
    return spec


def _symmetric(pads) -> bool:
    return all(a == b for a, b in pads)


# ----------------------------------------------------------------------------- layouts
def _to_ncs(x: torch.Tensor, first: bool) -> torch.Tensor:
    """``(N, *S, C)`` -> ``(N, C, *S)`` (a view), unless the data is channels-first already."""
    return x if first else x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _from_ncs(y: torch.Tensor, first: bool) -> torch.Tensor:
    return y if first else y.permute(0, *range(2, y.ndim), 1)


def _kernel_oik(kernel: torch.Tensor, rank: int) -> torch.Tensor:
    """``(*k, a, b)`` -> ``(b, a, *k)``: a kfront kernel in torch's weight layout, stored as
    ``(b, *k, a)`` (channels-last, the layout the CPU kernels take with channels-last inputs).
    The copy is one 2-D transpose ``(k·a, b) -> (b, k·a)``, forward and backward: a 4-D permute
    copy straight to ``(b, a, *k)`` runs element by element, ~25x slower (~3 ms per step for
    the seed CNN's 5x5x32x64 kernel)."""
    *k, a, b = kernel.shape
    return kernel.reshape(-1, b).t().reshape(b, *k, a).permute(0, rank + 1, *range(1, rank + 1))


def _operands(x, kernel, op: str) -> tuple[torch.Tensor, torch.Tensor, torch.dtype]:
    """``x`` and ``kernel`` as tensors of the dtype torch computes in, and the result's dtype
    (integer data is computed in float64 and cast back)."""
    x, kernel = to_tensor(x, op), to_tensor(kernel, op)
    d = x.dtype if x.dtype == kernel.dtype else _common_dtype(x.dtype, kernel.dtype, False)
    work = d if d.is_floating_point else torch.float64
    return x.to(work), kernel.to(work), d


# ----------------------------------------------------------------------------- public ops
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    x, kernel, d = _operands(inputs, kernel, "conv")
    y, first = _convolve(x, kernel, None, strides, padding, data_format, dilation_rate, "conv")
    y = _from_ncs(y, first)
    return y if y.dtype == d else y.to(d)


def conv_bias_activation(inputs, kernel, bias=None, activation=None, strides=1,
                         padding="valid", data_format=None, dilation_rate=1):
    """``activation(conv(inputs, kernel) + bias)`` (what ``Conv*D`` layers compute): the bias
    added by torch's convolution kernel (its gradient from the convolution's backward, no
    separate add and sum), a relu applied in place (the convolution's backward does not need
    its output). Other dtype mixes (integers, a bias of another dtype or shape) run op by op."""
    op = "conv_bias_activation"
    check_activation(activation, op)
    x, k, d = _operands(inputs, kernel, op)
    b = None if bias is None else to_tensor(bias, op)
    if not d.is_floating_point or (b is not None and (b.dtype != d or b.shape != k.shape[-1:])):
        return _conv_composed(inputs, kernel, bias, activation, strides, padding, data_format,
                              dilation_rate)
    y, first = _convolve(x, k, b, strides, padding, data_format, dilation_rate, op)
    if activation == "relu":
        y = torch.relu_(y)
    return _from_ncs(y, first)


def _convolve(x: torch.Tensor, kernel: torch.Tensor, bias: torch.Tensor | None, strides,
             padding, data_format, dilation_rate, op: str) -> tuple[torch.Tensor, bool]:
    """``(y, first)``: the convolution of same-dtype ``x`` and ``kernel`` (plus ``bias``, added
    by torch's kernel) as torch computes it, ``(N, C, *S)``, and whether the data is
    channels-first (else ``y`` is a permuted view of channels-last memory)."""
    rank = spatial_rank(x.shape, op)
    first = channels_first(data_format, op)
    strides = ints(strides, rank, "strides", op)
    dilation = ints(dilation_rate, rank, "dilation_rate", op)
    padding = padding_mode(padding, op)
    c = x.shape[1] if first else x.shape[-1]
    k = tuple(kernel.shape[:rank])
    cg, o = (kernel.shape[-2], kernel.shape[-1]) if kernel.ndim == rank + 2 else (0, 0)
    if kernel.ndim != rank + 2 or cg == 0 or cg > c or c % cg or o % (c // cg):
        raise ValueError(f"{op}: kernel of shape {tuple(kernel.shape)} does not fit inputs of "
                         f"shape {tuple(x.shape)}: expected (*kernel_size, in_channels / groups, "
                         f"filters) with in_channels ({c}) and filters divisible by groups")
    xs = _to_ncs(x, first)
    pads, _ = geometry(xs.shape[2:], k, strides, dilation, padding, op, x.shape)
    if _symmetric(pads):
        torch_padding = tuple(a for a, _ in pads)
    else:
        xs, torch_padding = F.pad(xs, _torch_pad(pads)), 0
    return _CONV[rank](xs, _kernel_oik(kernel, rank), bias, strides, torch_padding, dilation,
                       c // cg), first


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    kernel = to_tensor(kernel, "depthwise_conv")
    grouped = kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    op = "conv_transpose"
    x, kernel, d = _operands(inputs, kernel, op)
    rank = spatial_rank(x.shape, op)
    first = channels_first(data_format, op)
    strides = ints(strides, rank, "strides", op)
    dilation = ints(dilation_rate, rank, "dilation_rate", op)
    padding = padding_mode(padding, op)
    output_padding = ((None,) * rank if output_padding is None
                      else ints(output_padding, rank, "output_padding", op))
    xs = _to_ncs(x, first)
    ci = xs.shape[1]
    if kernel.ndim != rank + 2 or kernel.shape[-1] != ci:
        raise ValueError(f"conv_transpose: kernel of shape {tuple(kernel.shape)} does not fit "
                         f"inputs of shape {tuple(x.shape)}: expected (*kernel_size, filters, "
                         f"{ci})")
    k = tuple(kernel.shape[:rank])
    n = tuple(xs.shape[2:])
    size = tuple(transpose_length(*a) for a in zip(n, k, strides, dilation,
                                                    [padding] * rank, output_padding))
    pads, fwd = geometry(size, k, strides, dilation, padding, op, x.shape)
    if fwd != n:
        raise ValueError(f"conv_transpose: output_padding={output_padding} with strides "
                         f"{strides} gives outputs of spatial size {size} that do not map back to "
                         f"inputs of shape {tuple(x.shape)}; output_padding must be < strides")
    # the adjoint of the padded convolution: the full transposed convolution covers
    # [0, full) of the padded output axis; the result is its window [a, a + size)
    full = [(m - 1) * s + (kk - 1) * dd + 1 for m, kk, s, dd in zip(n, k, strides, dilation)]
    extra = [sz + 2 * a - f for sz, (a, _), f in zip(size, pads, full)]
    w = _kernel_oik(kernel, rank)  # (in, out, *k)
    if all(0 <= e < max(s, dd) for e, s, dd in zip(extra, strides, dilation)):
        y = _CONV_T[rank](xs, w, None, strides, tuple(a for a, _ in pads), tuple(extra), 1,
                          dilation)
    else:
        y = _CONV_T[rank](xs, w, None, strides, 0, 0, 1, dilation)
        spec = []
        for (a, _), sz, f in reversed(list(zip(pads, size, full))):
            spec += [-a, a + sz - f]
        y = F.pad(y, spec)
    y = _from_ncs(y, first)
    return y if y.dtype == d else y.to(d)


def _pool_input(inputs, pool_size, strides, padding, data_format, op):
    x = to_tensor(inputs, op)
    rank = spatial_rank(x.shape, op)
    first = channels_first(data_format, op)
    pool_size = ints(pool_size, rank, "pool_size", op)
    strides = pool_size if strides is None else ints(strides, rank, "strides", op)
    padding = padding_mode(padding, op)
    xs = _to_ncs(x, first)
    ones = (1,) * rank
    pads, _ = geometry(xs.shape[2:], pool_size, strides, ones, padding, op, x.shape)
    return xs, rank, first, pool_size, strides, pads


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    xs, rank, first, pool_size, strides, pads = _pool_input(inputs, pool_size, strides, padding,
                                                            data_format, "max_pool")
    d = xs.dtype
    if not (d.is_floating_point or d in (torch.int8, torch.uint8, torch.int16, torch.int32,
                                         torch.int64)):
        xs = xs.to(torch.float32)  # bool and other exotic types: exact through float32
    if any(a or b for a, b in pads):
        low = -math.inf if xs.dtype.is_floating_point else torch.iinfo(xs.dtype).min
        xs = F.pad(xs, _torch_pad(pads), value=low)
    if rank == 1 and not xs.dtype.is_floating_point:  # max_pool1d is float only
        y = F.max_pool2d(xs.unsqueeze(-1), (*pool_size, 1), (*strides, 1)).squeeze(-1)
    else:
        y = _MAX[rank](xs, pool_size, strides)
    y = _from_ncs(y, first)
    return y if y.dtype == d else y.to(d)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    xs, rank, first, pool_size, strides, pads = _pool_input(inputs, pool_size, strides, padding,
                                                            data_format, "average_pool")
    xs = _floating(xs)
    if not any(a or b for a, b in pads):
        y = _AVG[rank](xs, pool_size, strides)
    else:
        # the mean over zero-padded windows, rescaled by (window size / valid elements)
        spec = _torch_pad(pads)
        ones = torch.ones((1, 1, *xs.shape[2:]), dtype=xs.dtype)
        share = _AVG[rank](F.pad(ones, spec), pool_size, strides)
        y = _AVG[rank](F.pad(xs, spec), pool_size, strides) / share
    return _from_ncs(y, first)


_conv_composed = compose_conv(conv, knp.add, knp.reshape, relu, shape)
