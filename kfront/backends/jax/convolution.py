"""Convolution and pooling of the JAX backend, rank-generic (1D, 2D and 3D alike).

Convolutions are ``jax.lax.conv_general_dilated`` (groups through ``feature_group_count``; the
transposed convolution is the adjoint of ``conv``: a convolution of the stride-dilated input with
the spatially flipped kernel), pools are ``jax.lax.reduce_window``; JAX's autodiff gives the
gradients except for ``max_pool``, whose gradient goes to the FIRST maximal element of each
window (row-major), as on the native engine (``custom_vjp``). ``channels_first`` inputs are
handled by the dimension numbers / window shapes, without transposes. Geometry (TensorFlow's
``"same"`` padding, the output lengths of transposed convolutions) and error messages are the
native engine's (``kfront/backends/numpy/convolution.py``).

Example:
    >>> import numpy as np
    >>> from kfront.backends.jax import convolution
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> np.asarray(convolution.max_pool(x, 2))[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
"""
from __future__ import annotations

import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.common.convolution import (channels_first, geometry, ints, padding_mode,
                                                 spatial_rank, transpose_length)
from kfront.backends.jax.core import array, promote

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
           "average_pool"]


# ------------------------------------------------------------------------------- geometry
def _layout(first: bool, x_shape) -> tuple[tuple, int]:
    """``(spatial sizes, channels)`` of an input laid out channels-first or -last."""
    return (tuple(x_shape[2:]), x_shape[1]) if first else (tuple(x_shape[1:-1]), x_shape[-1])


_SPATIAL = "DHW"


def _dimension_numbers(rank: int, first: bool, kernel_spec: str = "IO"):
    sp = _SPATIAL[-rank:]
    lhs = "NC" + sp if first else "N" + sp + "C"
    return (lhs, sp + kernel_spec, lhs)


# ---------------------------------------------------------------------------- convolutions
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation); ``kernel`` (*kernel_size, in / groups, filters),
    groups inferred from the channel ratio (see ``kfront.ops.conv``)."""
    x, kernel = promote("conv", inputs, kernel)
    rank = spatial_rank(x.shape, "conv")
    strides = ints(strides, rank, "strides", "conv")
    dilation = ints(dilation_rate, rank, "dilation_rate", "conv")
    padding = padding_mode(padding, "conv")
    first = channels_first(data_format, "conv")
    size, c = _layout(first, x.shape)
    k, cg, o = kernel.shape[:rank], kernel.shape[-2], kernel.shape[-1]
    if kernel.ndim != rank + 2 or cg > c or c % cg or o % (c // cg):
        raise ValueError(f"conv: kernel of shape {tuple(kernel.shape)} does not fit inputs of "
                         f"shape {tuple(x.shape)}: expected (*kernel_size, in_channels / groups, "
                         f"filters) with in_channels ({c}) and filters divisible by groups")
    pads, _ = geometry(size, k, strides, dilation, padding, "conv", x.shape)
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=strides, padding=pads, rhs_dilation=dilation,
        dimension_numbers=_dimension_numbers(rank, first), feature_group_count=c // cg)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own ``depth_multiplier`` filters; ``kernel``
    (*kernel_size, in_channels, depth_multiplier)."""
    kernel = array(kernel, "depthwise_conv")
    shape = kernel.shape
    grouped = jnp.reshape(kernel, (*shape[:-2], 1, shape[-2] * shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) one."""
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the adjoint of ``conv``); ``kernel`` (*kernel_size, filters,
    in_channels)."""
    op = "conv_transpose"
    x, kernel = promote(op, inputs, kernel)
    rank = spatial_rank(x.shape, op)
    strides = ints(strides, rank, "strides", op)
    dilation = ints(dilation_rate, rank, "dilation_rate", op)
    padding = padding_mode(padding, op)
    output_padding = ((None,) * rank if output_padding is None
                      else ints(output_padding, rank, "output_padding", op))
    first = channels_first(data_format, op)
    n_in, ci = _layout(first, x.shape)
    k = kernel.shape[:rank]
    if kernel.ndim != rank + 2 or kernel.shape[-1] != ci:
        raise ValueError(f"conv_transpose: kernel of shape {tuple(kernel.shape)} does not fit "
                         f"inputs of shape {tuple(x.shape)}: expected (*kernel_size, filters, "
                         f"{ci})")
    size = tuple(transpose_length(n, kk, s, d, padding, p) for n, kk, s, d, p in
                 zip(n_in, k, strides, dilation, output_padding))
    pads, fwd = geometry(size, k, strides, dilation, padding, op, x.shape)
    if fwd != n_in:
        raise ValueError(f"conv_transpose: output_padding={output_padding} with strides "
                         f"{strides} gives outputs of spatial size {size} that do not map back to "
                         f"inputs of shape {tuple(x.shape)}; output_padding must be < strides")
    # the adjoint of the forward conv (padded length P = size + before + after, windows at
    # multiples of the stride): dilate x by the stride, pad by eff - 1 - before in front and by
    # what makes the length ``size`` at the back, correlate with the flipped kernel (in/out
    # swapped: the kernel is read as (*k, O, I))
    tpads = []
    for n, kk, s, d, m, (before, _) in zip(size, k, strides, dilation, n_in, pads):
        eff = (kk - 1) * d + 1
        tpads.append((eff - 1 - before, n + before - (m - 1) * s - 1))
    flipped = jnp.flip(kernel, axis=tuple(range(rank)))
    return jax.lax.conv_general_dilated(
        x, flipped, window_strides=(1,) * rank, padding=tpads, lhs_dilation=strides,
        rhs_dilation=dilation, dimension_numbers=_dimension_numbers(rank, first, "OI"))


# ----------------------------------------------------------------------------------- pools
def _window(first: bool, spatial: tuple) -> tuple:
    return (1, 1, *spatial) if first else (1, *spatial, 1)


def _lowest(dtype):
    dtype = numpy.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.floating):
        return -numpy.inf
    if dtype == numpy.bool_:
        return False
    return numpy.iinfo(dtype).min


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3, 4))
def _max_pool(x, pool_size, strides, pads, first):
    window = _window(first, pool_size)
    wstrides = _window(first, strides)
    full_pads = ((0, 0), (0, 0), *pads) if first else ((0, 0), *pads, (0, 0))
    return jax.lax.reduce_window(x, numpy.array(_lowest(x.dtype), x.dtype), jax.lax.max,
                                 window, wstrides, full_pads)


def _max_pool_fwd(x, pool_size, strides, pads, first):
    y = _max_pool(x, pool_size, strides, pads, first)
    return y, (x, y)


def _max_pool_bwd(pool_size, strides, pads, first, res, g):
    # each window's gradient goes to its FIRST maximal element (row-major), as on the native
    # engine: walk the window positions in order, routing what is left of g where x == max
    x, y = res
    full_pads = ((0, 0), (0, 0), *pads) if first else ((0, 0), *pads, (0, 0))
    xpad = jnp.pad(x, full_pads, constant_values=_lowest(x.dtype)) if any(
        a or b for a, b in pads) else x
    out = y.shape[2:] if first else y.shape[1:-1]
    gx = jnp.zeros(xpad.shape, g.dtype)
    left = g
    zero = numpy.array(0, g.dtype)
    for pos in itertools.product(*(range(k) for k in pool_size)):
        start = (0, 0, *pos) if first else (0, *pos, 0)
        sp_limits = [p + s * (o - 1) + 1 for p, s, o in zip(pos, strides, out)]
        limit = ((xpad.shape[0], xpad.shape[1], *sp_limits) if first
                 else (xpad.shape[0], *sp_limits, xpad.shape[-1]))
        step = _window(first, strides)
        hit = jax.lax.slice(xpad, start, limit, step) == y
        routed = jnp.where(hit, left, zero)
        left = left - routed
        # the transpose of the strided slice: interior padding back to the padded shape
        config = [(st, n - lim, s - 1) for st, lim, s, n in zip(start, limit, step, xpad.shape)]
        gx = gx + jax.lax.pad(routed, zero, config)
    if any(a or b for a, b in pads):
        gx = jax.lax.slice(gx, tuple(a for a, _ in full_pads),
                           tuple(n - b for n, (_, b) in zip(gx.shape, full_pads)))
    return (gx,)


_max_pool.defvjp(_max_pool_fwd, _max_pool_bwd)


def _average_pool(x, pool_size, strides, pads, first):
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype("float64")  # NumPy's int / int
    window = _window(first, pool_size)
    wstrides = _window(first, strides)
    full_pads = ((0, 0), (0, 0), *pads) if first else ((0, 0), *pads, (0, 0))
    total = jax.lax.reduce_window(x, numpy.array(0, x.dtype), jax.lax.add, window, wstrides,
                                  full_pads)
    if not any(a or b for a, b in pads):
        return total / numpy.array(math.prod(pool_size), x.dtype)
    # "same" padding averages over the valid (non-pad) elements only, as Keras/TensorFlow do:
    # the counts depend on static shapes only, so they are computed on the host
    size = x.shape[2:] if first else x.shape[1:-1]
    ones = numpy.pad(numpy.ones(size), pads)
    count = numpy.zeros(total.shape[2:] if first else total.shape[1:-1])
    out = count.shape
    for pos in itertools.product(*(range(k) for k in pool_size)):
        count += ones[tuple(slice(p, p + s * (o - 1) + 1, s)
                            for p, s, o in zip(pos, strides, out))]
    count = count.reshape((1, 1, *out) if first else (1, *out, 1)).astype(x.dtype)
    return total / count


def _pool(kernel, op):
    def pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
        x = array(inputs, op)
        rank = spatial_rank(x.shape, op)
        pool_size = ints(pool_size, rank, "pool_size", op)
        strides = pool_size if strides is None else ints(strides, rank, "strides", op)
        padding = padding_mode(padding, op)
        first = channels_first(data_format, op)
        size, _ = _layout(first, x.shape)
        pads, _ = geometry(size, pool_size, strides, (1,) * rank, padding, op, x.shape)
        return kernel(x, pool_size, strides, tuple(pads), first)
    pool.__name__ = pool.__qualname__ = op
    pool.__doc__ = f"{op} over windows of ``pool_size`` (see ``kfront.ops.{op}``)."
    return pool


max_pool = _pool(_max_pool, "max_pool")
average_pool = _pool(_average_pool, "average_pool")
