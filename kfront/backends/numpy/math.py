"""Math ops of the native engine (``kfront.ops.math``), each with its gradient rule next to its
forward. Arguments arrive checked and of a float dtype (see ``kfront/ops/math.py``); complex
values travel as (real, imaginary) pairs, as in Keras.
"""
from __future__ import annotations

import math

import numpy

from kfront.backends.numpy import threads
from kfront.backends.numpy.engine import elementwise, get_xp, primitive, raw
from kfront.backends.numpy.scatter import add_rows as _add_rows

_SQRT_PI = math.sqrt(math.pi)


# Eigen's (and XLA's) single-precision erf: x P(x^2) / Q(x^2) on [-4, 4], +-1 beyond in float32;
# within 5e-7 relative of the exact value (TensorFlow's own float32 erf: 4e-7)
_ERF_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
          -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
          -1.60960333262415e-02)
_ERF_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
          -7.37332916720468e-03, -1.42647390514189e-02)


def _erf_float32(x):
    """erf of a float16/float32 NumPy array, vectorized (``math.erf`` per element is ~25x
    slower), in float32."""
    x = numpy.clip(x.astype("float32", copy=False), -4, 4)
    x2 = x * x
    p = numpy.full_like(x, _ERF_P[0])
    for c in _ERF_P[1:]:
        p *= x2
        p += c
    q = numpy.full_like(x, _ERF_Q[0])
    for c in _ERF_Q[1:]:
        q *= x2
        q += c
    p *= x
    p /= q
    return p


def _special(xp, name: str, x):
    """The special function ``name`` (``erf``, ``erfc``) of ``math`` elementwise (cupy: cupyx);
    float16/float32 ``erf`` by a rational approximation, the others exact per element."""
    if xp is numpy and name == "erf" and x.dtype in (numpy.float16, numpy.float32):
        return _erf_float32(x).astype(x.dtype, copy=False)
    if xp is numpy:
        return numpy.vectorize(getattr(math, name), otypes=[x.dtype])(x)
    import cupyx.scipy.special  # noqa: PLC0415  (GPU path only)
    return getattr(cupyx.scipy.special, name)(x)


def _erfinv(xp, x):
    """Giles' single-precision approximation refined by Newton steps on ``erf`` (double
    precision); +-inf at +-1, NaN outside [-1, 1]."""
    with numpy.errstate(all="ignore"):
        w = -xp.log((1 - x) * (1 + x))
        lo, hi = w - 2.5, xp.sqrt(w) - 3
        p_lo = xp.zeros_like(x) + 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p_lo = c + p_lo * lo
        p_hi = xp.zeros_like(x) - 0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p_hi = c + p_hi * hi
        y = xp.where(w < 5, p_lo, p_hi) * x
        inner = xp.abs(x) < 1
        y = xp.where(inner, y, 0)
        for _ in range(3):
            y = y - (_special(xp, "erf", y) - x) * _SQRT_PI / 2 * xp.exp(y * y)
        edge = xp.where(xp.abs(x) == 1, xp.sign(x) * xp.inf, xp.nan)
        return xp.where(inner, y, edge).astype(x.dtype)


erf = elementwise("erf", lambda xp, x: _special(xp, "erf", x),
                  lambda xp, x, g: g * (2 / _SQRT_PI) * xp.exp(-x * x), "x")
erfc = elementwise("erfc", lambda xp, x: _special(xp, "erfc", x),
                   lambda xp, x, g: g * (-2 / _SQRT_PI) * xp.exp(-x * x), "x")
erfinv = elementwise("erfinv", _erfinv, lambda xp, y, g: g * (_SQRT_PI / 2) * xp.exp(y * y), "y")
rsqrt = elementwise("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda xp, y, g: -0.5 * g * y ** 3,
                    "y")


# ------------------------------------------------------------------------------- top-k
def _top_k_indices(xp, x, k):
    """Indices of the ``k`` largest entries of the last axis, largest first, ties by lower index
    (NaN below everything): rows in pieces on the worker threads, each row's result its own (the
    same on any number of threads)."""
    n = x.shape[-1]
    if k == 0 or 2 * k > n:
        return _top_k_sorting(xp, x, k)
    rows = x.reshape(-1, n)
    out = xp.empty((len(rows), k), "int64")

    def piece(lo, hi):
        out[lo:hi] = _top_k_rows(xp, rows[lo:hi], k)
    threads.parallel(piece, len(rows), rows.size, xp)
    return out.reshape(x.shape[:-1] + (k,))


def _top_k_sorting(xp, x, k):
    """The top-k indices from a stable sort of whole rows (NaN last)."""
    return xp.argsort(_order_reversal(x)(x), axis=-1, kind="stable")[..., :k]


def _top_k_rows(xp, rows, k):
    """Top-k indices of rows (R, n), ``0 < 2k <= n``. The k-th largest of the maxima of ``m``
    blocks (block b: entries b, b + m, b + 2m, ... of the first ``n // m * m``, one SIMD max
    over whole rows) is a lower bound of the k-th largest entry, since k blocks hold an entry
    at least as large: the top k, ties included, are among the few entries at or above it,
    which alone are sorted. Without such blocks (short rows, NaN, many entries tied at the
    bound) a partition finds the k-th largest value and only k entries are sorted."""
    n = rows.shape[1]
    neg = _order_reversal(rows)
    m = max(4 * k, math.isqrt(n))
    if n // m >= 4:
        maxima = rows[:, :n // m * m].reshape(len(rows), n // m, m).max(axis=1)  # NaN if any
        if maxima.dtype.kind == "f" and xp.isnan(maxima).any():
            return _top_k_sorting(xp, rows, k)
        bound = neg(xp.partition(neg(maxima), k - 1, axis=-1)[:, k - 1:k])
        flat = xp.flatnonzero(rows >= bound)
        if len(flat) <= rows.size // 8:
            r, c = xp.divmod(flat, n)
            order = xp.lexsort((neg(rows[r, c]), r))  # by row, value, then index
            first = xp.searchsorted(r, xp.arange(len(rows)))  # each row has >= k
            return c[order[first[:, None] + xp.arange(k)]]
    elif rows.dtype.kind == "f" and xp.isnan(rows).any():
        return _top_k_sorting(xp, rows, k)
    return _top_k_partition(xp, rows, k, neg)


def _top_k_partition(xp, rows, k, neg):
    """Top-k indices of NaN-free rows (R, n): a partition finds each row's k-th largest value,
    the entries above it and the first ties at it are taken, and those k sorted."""
    kth = neg(xp.partition(neg(rows), k - 1, axis=-1)[:, k - 1:k])
    above, tie = rows > kth, rows == kth
    need = k - xp.sum(above, axis=-1, keepdims=True)
    chosen = above | (tie & (xp.cumsum(tie, axis=-1) <= need))
    idx = (xp.flatnonzero(chosen) % rows.shape[1]).reshape(len(rows), k)
    order = xp.argsort(neg(xp.take_along_axis(rows, idx, axis=-1)), axis=-1, kind="stable")
    return xp.take_along_axis(idx, order, axis=-1)


def _order_reversal(x):
    """An involution of ``x``'s dtype that reverses its order: ``-x`` for floats, ``~x``
    (``-x - 1``, or ``max - x`` unsigned) for integers and bools, where ``-x`` wraps."""
    return (lambda a: ~a) if x.dtype.kind in "iub" else (lambda a: -a)


@primitive
def top_k(x, k, sorted=True):
    """(values, indices) of the ``k`` largest entries of the last axis (ties: lower index
    first); the gradient flows to the chosen entries."""
    xp = get_xp(x)
    idx = _top_k_indices(xp, x, k)
    values = xp.take_along_axis(x, idx, axis=-1)

    def vjp(gs, needs):
        gx = xp.zeros_like(x)
        xp.put_along_axis(gx, idx, gs[0], axis=-1)
        return (gx,)
    return (values, idx.astype("int32")), vjp


def in_top_k(targets, predictions, k):
    """Whether ``predictions[i, targets[i]]`` is among the ``k`` largest of row ``i`` (ties
    count as in; non-finite scores are never in). No gradient."""
    predictions, targets = raw(predictions), raw(targets)
    xp = get_xp(predictions)
    t = xp.take_along_axis(predictions, targets[:, None].astype("int64"), axis=-1)
    above = xp.sum(predictions > t, axis=-1)
    return (above < k) & xp.isfinite(t[:, 0]) & xp.all(xp.isfinite(predictions), axis=-1)


# ------------------------------------------------------------------------------ segments
def _segment_index(xp, ids, num_segments):
    keep = (ids >= 0) & (ids < num_segments)
    return keep, ids.astype("int64")


@primitive
def segment_sum(data, segment_ids, num_segments):
    """Sums of the rows of ``data`` by segment (ids outside [0, num_segments) are dropped)."""
    xp = get_xp(data)
    keep, ids = _segment_index(xp, segment_ids, num_segments)
    out = _add_rows(xp, num_segments, ids[keep], data[keep])

    def vjp(g, needs):
        gd = xp.zeros_like(data)
        gd[keep] = g[ids[keep]]
        return gd, None
    return out, vjp


def _segment_extreme(name, ufunc, fill):
    def fn(data, segment_ids, num_segments):
        xp = get_xp(data)
        keep, ids = _segment_index(xp, segment_ids, num_segments)
        out = xp.full((num_segments,) + data.shape[1:], fill(data.dtype), data.dtype)
        getattr(xp, ufunc).at(out, ids[keep], data[keep])

        def vjp(g, needs):
            # ties share the gradient equally, as in TensorFlow
            chosen = xp.zeros(data.shape, data.dtype)
            chosen[keep] = data[keep] == out[ids[keep]]
            count = xp.zeros(out.shape, data.dtype)
            xp.add.at(count, ids[keep], chosen[keep])
            gd = xp.zeros_like(data)
            gd[keep] = chosen[keep] * g[ids[keep]] / xp.maximum(count[ids[keep]], 1)
            return gd, None
        return out, vjp
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The {ufunc} of the rows of ``data`` by segment (empty segments: the dtype's "
                  f"{'lowest' if ufunc == 'maximum' else 'highest'} value, as TensorFlow).")
    return primitive(fn)


def _limits(dtype):
    """numpy's finfo (floats) or iinfo (integers) of ``dtype``."""
    return (numpy.finfo if numpy.issubdtype(dtype, numpy.inexact) else numpy.iinfo)(dtype)


segment_max = _segment_extreme("segment_max", "maximum", lambda d: _limits(d).min)
segment_min = _segment_extreme("segment_min", "minimum", lambda d: _limits(d).max)


@primitive
def segment_prod(data, segment_ids, num_segments):
    """Products of the rows of ``data`` by segment (empty segments: 1); the gradient of an entry
    is the product of the other entries of its segment (exact with zeros)."""
    xp = get_xp(data)
    keep, ids = _segment_index(xp, segment_ids, num_segments)
    out = xp.ones((num_segments,) + data.shape[1:], data.dtype)
    xp.multiply.at(out, ids[keep], data[keep])

    def vjp(g, needs):
        d, i = data[keep], ids[keep]
        zero = d == 0
        zeros = xp.zeros(out.shape, "int64")
        xp.add.at(zeros, i, zero)
        nonzero_prod = xp.ones(out.shape, data.dtype)
        xp.multiply.at(nonzero_prod, i, xp.where(zero, 1, d))
        others = xp.where(zero, xp.where(zeros[i] == 1, nonzero_prod[i], 0),
                          xp.where(zeros[i] == 0, nonzero_prod[i] / xp.where(zero, 1, d), 0))
        gd = xp.zeros_like(data)
        gd[keep] = g[i] * others
        return gd, None
    return out, vjp


# -------------------------------------------------------------------------------- FFT
def _pair(c, dtype):
    return c.real.astype(dtype), c.imag.astype(dtype)


def _fft_op(name, forward, adjoint):
    """An FFT op on (real, imag) -> (real, imag); ``adjoint(xp, complex g)`` is the transposed
    linear map, which gives the gradient of both parts (real inputs, real loss)."""
    def fn(real, imag):
        xp = get_xp(real)

        def vjp(gs, needs):
            return _pair(adjoint(xp, gs[0] + 1j * gs[1]), real.dtype)
        return _pair(forward(xp, real + 1j * imag), real.dtype), vjp
    fn.__name__ = fn.__qualname__ = name
    return primitive(fn)


def _size(c, axes):
    return math.prod(c.shape[a] for a in axes)


fft = _fft_op("fft", lambda xp, c: xp.fft.fft(c), lambda xp, g: xp.conj(xp.fft.fft(xp.conj(g))))
fft2 = _fft_op("fft2", lambda xp, c: xp.fft.fft2(c),
               lambda xp, g: xp.conj(xp.fft.fft2(xp.conj(g))))
ifft2 = _fft_op("ifft2", lambda xp, c: xp.fft.ifft2(c),
                lambda xp, g: xp.fft.fft2(g) / _size(g, (-2, -1)))


def _fit_last(xp, a, n):
    """``a`` cut or zero-padded to length ``n`` on the last axis."""
    if a.shape[-1] >= n:
        return a[..., :n]
    pad = xp.zeros(a.shape[:-1] + (n - a.shape[-1],), a.dtype)
    return xp.concatenate([a, pad], axis=-1)


@primitive
def rfft(x, fft_length=None):
    """(real, imag) of the FFT of real ``x`` (last axis, ``fft_length`` points), first
    fft_length // 2 + 1 frequencies."""
    xp = get_xp(x)
    n = x.shape[-1] if fft_length is None else fft_length

    def vjp(gs, needs):
        g = _fit_last(xp, gs[0] + 1j * gs[1], n)
        return (_fit_last(xp, (n * xp.fft.ifft(g)).real, x.shape[-1]).astype(x.dtype),)
    return _pair(xp.fft.rfft(x, n), x.dtype), vjp


@primitive
def irfft(real, imag, fft_length=None):
    """Real inverse of ``rfft``: ``fft_length`` (default 2 * (m - 1)) real points from m
    frequencies (the imaginary parts of the zero and Nyquist frequencies are ignored)."""
    xp = get_xp(real)
    n = 2 * (real.shape[-1] - 1) if fft_length is None else fft_length
    out = xp.fft.irfft(real + 1j * imag, n).astype(real.dtype)

    def vjp(g, needs):
        spec = xp.fft.rfft(g)  # sum_m g_m w^(k m)
        weight = xp.full(spec.shape[-1], 2.0)
        weight[0] = 1
        if n % 2 == 0:
            weight[-1] = 1
        spec = _fit_last(xp, spec * weight / n, real.shape[-1])
        return spec.real.astype(real.dtype), spec.imag.astype(real.dtype)
    return out, vjp


@primitive
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of the last axis: (..., L) -> (..., 1 + (L - length) // stride, length)."""
    xp = get_xp(x)
    count = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    starts = range(0, count * sequence_stride, sequence_stride)
    out = x[..., xp.arange(count)[:, None] * sequence_stride + xp.arange(sequence_length)]

    def vjp(g, needs):
        gx = xp.zeros_like(x)
        for i, s in enumerate(starts):
            gx[..., s:s + sequence_length] += g[..., i, :]
        return (gx,)
    return out, vjp
