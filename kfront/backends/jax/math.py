"""Math ops of the JAX backend (``kfront.ops.math``): the native engine's ``math.py`` on
``jax.numpy``, gradients by JAX. Arguments arrive checked and of a float dtype
(``kfront/ops/math.py``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special

from kfront.backends.jax.core import array
from kfront.backends.jax.numpy import unary

erf = unary("erf", jax.scipy.special.erf)
erfc = unary("erfc", jax.scipy.special.erfc)
erfinv = unary("erfinv", jax.scipy.special.erfinv)
rsqrt = unary("rsqrt", jax.lax.rsqrt)


def top_k(x, k, sorted=True):
    x = array(x, "top_k")
    if x.dtype != jnp.bool_:  # lower index first on ties, as Keras (NaN: as jax.lax.top_k)
        values, idx = jax.lax.top_k(x, k)  # its gradient flows to the chosen entries
        return values, idx.astype(jnp.int32)
    idx = jnp.argsort(~x, axis=-1, stable=True)[..., :k]
    return jnp.take_along_axis(x, idx, axis=-1), idx.astype(jnp.int32)


def in_top_k(targets, predictions, k):
    predictions = jax.lax.stop_gradient(array(predictions, "in_top_k"))
    targets = array(targets, "in_top_k").astype(jnp.int32)
    t = jnp.take_along_axis(predictions, targets[:, None], axis=-1)
    above = jnp.sum(predictions > t, axis=-1)
    return (above < k) & jnp.isfinite(t[:, 0]) & jnp.all(jnp.isfinite(predictions), axis=-1)


def _segment(name, reduce):
    def op(data, segment_ids, num_segments):
        data, ids = array(data, name), array(segment_ids, name).astype(jnp.int32)
        ids = jnp.where(ids < num_segments, ids, -1)  # dropped, as negative ids
        if reduce is None:  # product: JAX's scatter-multiply has no gradient for repeated ids
            member = ids == jnp.arange(num_segments)[:, None]
            member = member.reshape(member.shape + (1,) * (data.ndim - 1))
            return jnp.prod(jnp.where(member, data[None], 1), axis=1)
        out = reduce(data, ids, num_segments=num_segments)
        if reduce is jax.ops.segment_sum:
            return out
        # empty segments: the dtype's lowest (max) or highest (min) value, as TensorFlow
        count = jax.ops.segment_sum(jnp.ones(ids.shape, jnp.int32), ids, num_segments)
        count = count.reshape(count.shape + (1,) * (data.ndim - 1))
        info = jnp.finfo(data.dtype) if jnp.issubdtype(data.dtype, jnp.floating) \
            else jnp.iinfo(data.dtype)
        return jnp.where(count > 0, out, info.min if reduce is jax.ops.segment_max else info.max)
    op.__name__ = op.__qualname__ = name
    return op


segment_sum = _segment("segment_sum", jax.ops.segment_sum)
segment_max = _segment("segment_max", jax.ops.segment_max)
segment_min = _segment("segment_min", jax.ops.segment_min)
segment_prod = _segment("segment_prod", None)


def _fft_op(name, f):
    def op(real, imag):
        c = f(jax.lax.complex(array(real, name), array(imag, name)))
        return jnp.real(c), jnp.imag(c)
    op.__name__ = op.__qualname__ = name
    return op


fft = _fft_op("fft", jnp.fft.fft)
fft2 = _fft_op("fft2", jnp.fft.fft2)
ifft2 = _fft_op("ifft2", jnp.fft.ifft2)


def rfft(x, fft_length=None):
    c = jnp.fft.rfft(array(x, "rfft"), n=fft_length)
    return jnp.real(c), jnp.imag(c)


def irfft(real, imag, fft_length=None):
    real, imag = array(real, "irfft"), array(imag, "irfft")
    n = 2 * (real.shape[-1] - 1) if fft_length is None else fft_length
    return jnp.fft.irfft(jax.lax.complex(real, imag), n=n)


def extract_sequences(x, sequence_length, sequence_stride):
    x = array(x, "extract_sequences")
    count = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    idx = jnp.arange(count)[:, None] * sequence_stride + jnp.arange(sequence_length)
    return x[..., idx]
