"""Activations and losses of the native engine; convolution and pooling (``convolution.py``) are
re-exported at the end."""
from __future__ import annotations

import math

import numpy

from kfront.backends.common.nn import MASKED_LOGIT
from kfront.backends.numpy import numpy as knp
from kfront.backends.numpy import rows, threads
from kfront.backends.numpy.engine import (Tensor, _host_arg, elementwise, get_xp, primitive, raw)
from kfront.backends.numpy.engine import sum_to as _sum_to
from kfront.backends.numpy.math import _special


def _sigmoid(xp, x):
    # split by sign so that exp never overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


relu = elementwise("relu", lambda xp, x, out=None: xp.maximum(x, 0, out=out),
                   lambda xp, y, g, out=None: xp.multiply(g, y > 0, out=out), "y")
relu6 = elementwise("relu6", lambda xp, x: xp.clip(x, 0, 6),
                    lambda xp, x, g: g * ((x > 0) & (x < 6)), "x")
_sigmoid_op = elementwise("sigmoid", _sigmoid, lambda xp, y, g: g * y * (1 - y), "y")
tanh = knp.tanh
softplus = elementwise("softplus", lambda xp, x: xp.logaddexp(0, x),
                       lambda xp, x, g: g * _sigmoid(xp, x), "x")
softsign = elementwise("softsign", lambda xp, x: x / (1 + xp.abs(x)),
                       lambda xp, x, g: g / (1 + xp.abs(x)) ** 2, "x")
silu = elementwise("silu", lambda xp, x: x * _sigmoid(xp, x),
                   lambda xp, x, g: g * _silu_grad(xp, x), "x")
log_sigmoid = elementwise("log_sigmoid", lambda xp, x: -xp.logaddexp(0, -x),
                          lambda xp, x, g: g * _sigmoid(xp, -x), "x")
hard_sigmoid = elementwise("hard_sigmoid", lambda xp, x: xp.clip(x / 6 + 0.5, 0, 1),
                           lambda xp, x, g: g * ((x > -3) & (x < 3)) / 6, "x")
exponential = knp.exp


def _silu_grad(xp, x):
    s = _sigmoid(xp, x)
    return s * (1 + x * (1 - s))


swish = silu

_leaky = elementwise("leaky_relu", lambda xp, x, slope: xp.where(x >= 0, x, slope * x),
                     lambda xp, x, g, slope: xp.where(x >= 0, g, slope * g), "x")


def leaky_relu(x, negative_slope=0.2):
    return _leaky(x, slope=negative_slope)


_elu = elementwise("elu", lambda xp, x, alpha: xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))),
                   lambda xp, x, g, alpha: xp.where(x > 0, g, g * alpha * xp.exp(xp.minimum(x, 0))),
                   "x")


def elu(x, alpha=1.0):
    return _elu(x, alpha=alpha)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    return knp.multiply(_elu(x, alpha=SELU_ALPHA), SELU_SCALE)


_SQRT_2_PI = math.sqrt(2 / math.pi)


def _gelu_fwd(xp, x, approximate):
    if approximate:
        return 0.5 * x * (1 + xp.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _special(xp, "erf", x / math.sqrt(2)))


def _gelu_grad(xp, x, g, approximate):
    if approximate:
        t = xp.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3))
        dt = (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * dt)
    cdf = 0.5 * (1 + _special(xp, "erf", x / math.sqrt(2)))
    return g * (cdf + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


_gelu = elementwise("gelu", _gelu_fwd, _gelu_grad, "x")


def gelu(x, approximate=True):
    return _gelu(x, approximate=bool(approximate))


def _log_softmax_raw(xp, x, axis):
    z = x - xp.max(x, axis=axis, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))


@primitive
def _softmax(x, axis=-1):
    xp = get_xp(x)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    y = e / xp.sum(e, axis=axis, keepdims=True)
    return y, lambda g, needs: (y * (g - xp.sum(g * y, axis=axis, keepdims=True)),)


def sigmoid(x):
    out = _sigmoid_op(x)
    if type(out) is Tensor:
        out.sigmoid_logits = x  # lets binary crossentropy on these probabilities use logits
    return out


def softmax(x, axis=-1):
    out = _softmax(x, axis=axis)
    if type(out) is Tensor:
        out.logits = (x, axis)  # lets crossentropy on these probabilities use the stable form
    return out


@primitive
def log_softmax(x, axis=-1):
    xp = get_xp(x)
    y = _log_softmax_raw(xp, x, axis)
    return y, lambda g, needs: (g - xp.exp(y) * xp.sum(g, axis=axis, keepdims=True),)


@primitive
def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over ``axis``, computed stably."""
    xp = get_xp(logits)
    logp = _log_softmax_raw(xp, logits, axis)
    out = -xp.sum(labels * logp, axis=axis)

    def vjp(g, needs):
        g = xp.expand_dims(g, axis)
        gl = g * (xp.exp(logp) * xp.sum(labels, axis=axis, keepdims=True) - labels) if needs[1] else None
        return (-g * logp if needs[0] else None), gl
    return out, vjp


@primitive
def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log_softmax(logits)[label] along ``axis`` for integer ``labels``, computed stably."""
    xp = get_xp(logits)
    labels = xp.asarray(labels)
    if labels.dtype.kind not in "iu":
        labels = labels.astype("int64")
    if logits.ndim and (labels.min(initial=0) < 0 or labels.max(initial=0) >= logits.shape[axis]):
        raise ValueError(f"sparse_softmax_cross_entropy: labels must lie in [0, "
                         f"{logits.shape[axis]}), got values in [{int(labels.min())}, "
                         f"{int(labels.max())}]")
    logp = _log_softmax_raw(xp, logits, axis)
    idx = xp.expand_dims(labels, axis)
    out = -xp.squeeze(xp.take_along_axis(logp, idx, axis=axis), axis=axis)

    def vjp(g, needs):
        p = xp.exp(logp)
        onehot = xp.zeros_like(p)
        xp.put_along_axis(onehot, idx, 1, axis=axis)
        return None, xp.expand_dims(g, axis) * (p - onehot)
    return out, vjp


@primitive
def sigmoid_cross_entropy(labels, logits):
    """Elementwise binary crossentropy from logits, computed stably."""
    xp = get_xp(logits)
    out = xp.maximum(logits, 0) - logits * labels + xp.log1p(xp.exp(-xp.abs(logits)))
    return out, lambda g, needs: ((-g * logits if needs[0] else None),
                                  (g * (_sigmoid(xp, logits) - labels) if needs[1] else None))


def _epsilon():
    from kfront import config
    return config.epsilon()


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot/probability ``target`` and ``output`` along ``axis``."""
    if not from_logits and getattr(output, "logits", None) is not None and output.logits[1] == axis:
        output, from_logits = output.logits[0], True
    if from_logits:
        return softmax_cross_entropy(target, output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    return knp.negative(knp.sum(knp.multiply(target, knp.log(output)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer ``target`` and ``output`` along ``axis``."""
    target = raw(target)
    xp = get_xp(target)
    target = xp.asarray(target)
    if target.ndim == len(knp._shape_of(output)) and target.shape[-1] == 1:
        target = xp.squeeze(target, -1)
    if not from_logits and getattr(output, "logits", None) is not None and output.logits[1] == axis:
        output, from_logits = output.logits[0], True
    if from_logits:
        return sparse_softmax_cross_entropy(target.astype("int64"), output, axis=axis)
    output = knp.divide(output, knp.sum(output, axis=axis, keepdims=True))
    eps = _epsilon()
    logp = knp.log(knp.clip(output, eps, 1.0 - eps))
    idx = xp.expand_dims(target.astype("int64"), axis)
    return knp.negative(knp.squeeze(knp.take_along_axis(logp, idx, axis=axis), axis))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (from probabilities, clipped as Keras does, or logits)."""
    if not from_logits and getattr(output, "sigmoid_logits", None) is not None:
        output, from_logits = output.sigmoid_logits, True
    if from_logits:
        return sigmoid_cross_entropy(target, output)
    eps = _epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    bce = knp.add(knp.multiply(target, knp.log(output)),
                  knp.multiply(knp.subtract(1.0, target), knp.log(knp.subtract(1.0, output))))
    return knp.negative(bce)


def dropout(x, rate, noise_shape=None, seed=None):
    """Zero elements with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    from kfront.backends.numpy import random as krandom
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    x = _host_arg(x, "dropout")
    keep = 1.0 - rate
    shape = noise_shape if noise_shape is not None else knp._shape_of(x)
    shape = tuple(s if s is not None else d for s, d in zip(shape, knp._shape_of(x)))
    mask = krandom.uniform(shape, dtype=raw(x).dtype, seed=seed) < keep
    return knp.multiply(x, mask.astype(raw(x).dtype) / keep)


# ---------------------------------------------------------------- convolution and pooling
# (kernels in convolution.py, re-exported so that the backend namespace has them)
from kfront.backends.numpy.convolution import (  # noqa: E402,F401
    average_pool, conv, conv_transpose, depthwise_conv, max_pool, separable_conv)


# ---------------------------------------------------------------- attention


def _batch_rows(a, lo, hi):
    """Rows ``lo:hi`` of the batch axis of a (B, N, T, S)-broadcastable bias or mask (all of
    it when it broadcasts along the batch)."""
    return a[lo:hi] if a.ndim == 4 and a.shape[0] != 1 else a


@primitive
def _attention(query, key, value, *bias, keep=None, scale=1.0):
    """softmax(scale * q k^T + bias, masked) v with q (B, T, N, H), k and v (B, S, N, H), the
    output (B, T, N, H) contiguous. Batched GEMMs on the heads' strided views (no copies), the
    softmax in place on a few batches at a time (cache-sized pieces, spread over the worker
    threads); the backward is fused the same way and keeps only the probabilities."""
    xp = get_xp(query)
    b, t, n = query.shape[:3]
    s = key.shape[1]
    q4, k4, v4 = (xp.swapaxes(a, 1, 2) for a in (query, key, value))  # (B, N, T|S, H) views
    out = xp.empty((b, t, n, value.shape[-1]), query.dtype)
    out4 = xp.swapaxes(out, 1, 2)
    probs = xp.empty((b, n, t, s), query.dtype)
    drop = None if keep is None else xp.logical_not(keep)
    ones = xp.ones(s, query.dtype)  # row sums as GEMVs: ~5x faster than sum(axis=-1) on rows of 128
    work = 2 * b * n * t * (s + query.shape[-1])  # a piece: about two batches here

    def forward(lo, hi):
        p = probs[lo:hi]
        xp.matmul(q4[lo:hi] * scale, xp.swapaxes(k4[lo:hi], -1, -2), out=p)  # (q: H < S)
        if bias:
            p += _batch_rows(bias[0], lo, hi)
        if drop is not None:
            xp.copyto(p, MASKED_LOGIT, where=_batch_rows(drop, lo, hi))
        p -= p.max(axis=-1, keepdims=True)
        xp.exp(p, out=p)
        p *= 1 / xp.matmul(p, ones)[..., None]
        xp.matmul(p, v4[lo:hi], out=out4[lo:hi])
    threads.parallel(forward, b, work, xp)

    def vjp(g, needs):
        g4 = xp.swapaxes(g, 1, 2)
        gq, gk, gv = (xp.empty(a.shape, a.dtype) if need else None
                      for a, need in zip((query, key, value), needs))
        gb = xp.empty(probs.shape, probs.dtype) if bias and needs[3] else None

        def backward(lo, hi):
            p, gi = probs[lo:hi], g4[lo:hi]
            if gv is not None:
                xp.matmul(xp.swapaxes(p, -1, -2), gi, out=xp.swapaxes(gv, 1, 2)[lo:hi])
            # d softmax: p * (dp - sum_s p dp), and sum_s p dp = g . out (a row of H, not S)
            gs = xp.matmul(gi, xp.swapaxes(v4[lo:hi], -1, -2))
            gs -= (gi * out4[lo:hi]).sum(axis=-1, keepdims=True)
            gs *= p
            if drop is not None:  # (a fully masked row: uniform probabilities, no gradient)
                xp.copyto(gs, 0, where=_batch_rows(drop, lo, hi))
            if gb is not None:
                gb[lo:hi] = gs
            if gq is not None:
                gq4 = xp.swapaxes(gq, 1, 2)[lo:hi]
                xp.matmul(gs, k4[lo:hi], out=gq4)
                gq4 *= scale
            if gk is not None:
                gk4 = xp.swapaxes(gk, 1, 2)[lo:hi]
                xp.matmul(xp.swapaxes(gs, -1, -2), q4[lo:hi], out=gk4)
                gk4 *= scale
        threads.parallel(backward, b, work, xp)
        return (gq, gk, gv, *((_sum_to(gb, bias[0].shape),) if bias else ()))
    return out, vjp


def dot_product_attention(query, key, value, bias=None, mask=None, scale=1.0):
    """Attention of (B, T, N, H) queries over (B, S, N, H) keys and values of one float dtype;
    ``mask``: boolean, True = attend (``kfront.ops.dot_product_attention`` checks the inputs,
    promotes them, repeats grouped heads and folds the causal mask in)."""
    extra = () if bias is None else (bias,)
    keep = None if mask is None else raw(mask)
    return _attention(query, key, value, *extra, keep=keep, scale=float(scale))


@primitive
def _layer_norm(x, *affine, scaled=True, centered=True, axes=(-1,), epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axes`` (moved last when they
    are not), ``gamma`` / ``beta`` broadcasting over the normalized axes. Every pass runs on a
    few rows at a time (cache-sized pieces spread over the worker threads); the backward is
    the closed form, fused the same way, with the sums over rows for ``gamma`` and ``beta``
    taken per fixed block of rows and added in order: the same bits on any number of
    threads."""
    xp = get_xp(x)
    axes = tuple(sorted(a % x.ndim for a in axes))
    lead = tuple(a for a in range(x.ndim) if a not in axes)
    perm = lead + axes
    moved = x if perm == tuple(range(x.ndim)) else xp.transpose(x, perm)
    normalized = tuple(1 if a in lead else n for a, n in enumerate(x.shape))
    width = math.prod(normalized)
    x2 = moved.reshape(-1, width)
    n_rows = x2.shape[0]

    def vector(v):  # gamma or beta as (width,), in the moved axes' order
        try:
            return xp.broadcast_to(v, normalized).reshape(width)
        except ValueError:
            raise ValueError(f"layer_normalization: gamma and beta must broadcast over the "
                             f"normalized axes {axes} of an input of shape {x.shape}, got shape "
                             f"{v.shape}") from None
    gamma = vector(affine[0]) if scaled else None
    beta = vector(affine[-1]) if centered else None
    xhat = xp.empty((n_rows, width), x.dtype)
    inv = xp.empty((n_rows, 1), x.dtype)
    out = xp.empty((n_rows, width), x.dtype)

    def forward(lo, hi):
        xb, xh, o = x2[lo:hi], xhat[lo:hi], out[lo:hi]
        xp.subtract(xb, xb.mean(axis=-1, keepdims=True), out=xh)
        xp.multiply(xh, xh, out=o)
        inv[lo:hi] = 1 / xp.sqrt(o.mean(axis=-1, keepdims=True) + epsilon)
        xh *= inv[lo:hi]
        if gamma is not None:
            xp.multiply(xh, gamma, out=o)
        else:
            o[...] = xh
        if beta is not None:
            o += beta
    threads.parallel(forward, n_rows, 3 * x.size, xp)

    def unmoved(a):
        a = a.reshape(moved.shape)
        return a if moved is x else xp.transpose(a, numpy.argsort(perm))

    def vjp(g, needs):
        g2 = (g if moved is x else xp.transpose(g, perm)).reshape(n_rows, width)
        dx = xp.empty((n_rows, width), x.dtype) if needs[0] else None
        per = rows.row_block(width)
        blocks = -(-n_rows // per)
        sums = [xp.empty((blocks, width), x.dtype) if v is not None and needs[i] else None
                for v, i in ((gamma, 1), (beta, -1))]

        def backward(lo, hi):  # blocks lo..hi of ``per`` rows each
            r = slice(lo * per, hi * per)
            gb, xh = g2[r], xhat[r]
            for total, term in zip(sums, (gb * xh if sums[0] is not None else None, gb)):
                if total is not None:
                    rows.sum_blocks(xp, term, total, lo, per)
            if dx is not None:
                gx = gb * gamma if gamma is not None else gb
                d = xp.subtract(gx, gx.mean(axis=-1, keepdims=True), out=dx[r])
                d -= xh * (gx * xh).mean(axis=-1, keepdims=True)
                d *= inv[r]
        threads.parallel(backward, blocks, 4 * x.size, xp)
        grads = [None if dx is None else unmoved(dx)]
        for v, total in zip(affine, [t for t, kept in zip(sums, (scaled, centered)) if kept]):
            grads.append(None if total is None else
                         _sum_to(total.sum(axis=0).reshape(normalized), v.shape))
        return tuple(grads)
    return unmoved(out), vjp


def layer_normalization(x, gamma=None, beta=None, axes=(-1,), epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the statistics over ``axes``
    (non-negative, sorted); ``gamma`` / ``beta`` (or None) broadcast against ``x``
    (``kfront.ops.layer_normalization`` checks the arguments and shapes them)."""
    affine = tuple(v for v in (gamma, beta) if v is not None)
    return _layer_norm(x, *affine, scaled=gamma is not None, centered=beta is not None,
                       axes=tuple(axes), epsilon=float(epsilon))
