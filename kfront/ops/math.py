"""Math ops of the kfront ops interface (Keras's ``keras.ops`` math group): special functions,
top-k, segment reductions, FFTs and framing. Each checks its arguments, applies Keras's dtype
rules (integer inputs of float-valued ops become floatx) and forwards to the active backend.
Complex values are (real, imaginary) pairs of float tensors, as in Keras.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> values, indices = ops.top_k(np.array([1.0, 3.0, 2.0]), k=2)
    >>> ops.convert_to_numpy(indices)
    array([1, 2], dtype=int32)
"""
from __future__ import annotations

import numpy

from kfront import config
from kfront.backends import B
from kfront.backends.common.linalg import check_int, check_rank, check_square, sizes_differ
from kfront.ops.numpy import logsumexp  # noqa: F401  (Keras lists it in the math group too)

__all__ = ["cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2",
           "in_top_k", "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max",
           "segment_min", "segment_prod", "segment_sum", "stft", "top_k"]


def floating(x, op: str, arg: str = "x"):
    """``x`` as a backend tensor of a float dtype (integers and bools become floatx)."""
    x = B.convert_to_tensor(x)
    dtype = B.dtype(x)
    if dtype.startswith("complex") or dtype == "string":
        raise TypeError(f"{op}: `{arg}` must be a real float or integer tensor; got dtype {dtype}")
    return x if dtype.startswith(("float", "bfloat")) else B.cast(x, config.floatx())


def erf(x):
    """The error function, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.erf(0.5)), 6)
        0.5205
    """
    return B.erf(floating(x, "erf"))


def erfc(x):
    """The complementary error function 1 - erf(x), accurate for large x. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.erfc(0.5)), 6)
        0.4795
    """
    return B.erfc(floating(x, "erfc"))


def erfinv(x):
    """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.erfinv(ops.erf(0.25))), 5)
        0.25
    """
    return B.erfinv(floating(x, "erfinv"))


def rsqrt(x):
    """1 / sqrt(x), elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.rsqrt(4.0))
        0.5
    """
    return B.rsqrt(floating(x, "rsqrt"))


def top_k(x, k: int, sorted: bool = True):
    """The ``k`` largest entries of the last axis, largest first (ties: lower index first):
    (..., N) -> (values (..., k), indices (..., k) int32). Gradient through the values only.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> v, i = ops.top_k(np.array([[1.0, 4.0, 2.0]]), 2)
        >>> ops.convert_to_numpy(v)
        array([[4., 2.]])
    """
    x = B.convert_to_tensor(x)
    shape = B.shape(x)
    check_rank("top_k", "x", shape, 1)
    if not isinstance(k, int) or not 0 <= k <= shape[-1]:
        raise ValueError(f"top_k: `k` must be an int in [0, {shape[-1]}] (the size of the last "
                         f"axis of `x`, shape {shape}); got {k!r}")
    return tuple(B.top_k(x, k=k, sorted=sorted))


def in_top_k(targets, predictions, k: int):
    """Whether each target class is among the ``k`` highest predictions of its row (ties at the
    boundary count as in): targets (batch,) int, predictions (batch, classes) -> (batch,) bool.
    No gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.in_top_k(np.array([0, 1]), np.array([[.9, .1], [.8, .2]]), 1))
        array([ True, False])
    """
    targets, predictions = B.convert_to_tensor(targets), B.convert_to_tensor(predictions)
    ts, ps = B.shape(targets), B.shape(predictions)
    check_int("in_top_k", "targets", B.dtype(targets))
    if len(ps) != 2 or ts != ps[:1]:
        raise ValueError(f"in_top_k: expected `predictions` of shape (batch, classes) and "
                         f"`targets` of shape (batch,); got {ps} and {ts}")
    return B.in_top_k(targets, predictions, k)


def _segments(op, data, segment_ids, num_segments):
    data, segment_ids = B.convert_to_tensor(data), B.convert_to_tensor(segment_ids)
    ds, ids = B.shape(data), B.shape(segment_ids)
    check_int(op, "segment_ids", B.dtype(segment_ids))
    check_rank(op, "data", ds, 1)
    if len(ids) != 1 or sizes_differ(ids[0], ds[0]):
        raise ValueError(f"{op}: `segment_ids` must have shape ({ds[0]},) (the first axis of "
                         f"`data`, shape {ds}); got {ids}")
    if num_segments is None:
        ids_np = B.convert_to_numpy(segment_ids)
        num_segments = int(ids_np.max()) + 1 if ids_np.size else 0
    return getattr(B, op)(data, segment_ids, num_segments=int(num_segments))


def segment_sum(data, segment_ids, num_segments=None, sorted: bool = False):
    """Sums of the rows of ``data`` grouped by ``segment_ids``: data (N, ...), ids (N,) int ->
    (num_segments, ...) (default max id + 1; ids outside the range are dropped). ``sorted``
    (ids given in order) changes nothing in the result.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.segment_sum(np.array([1., 2., 3.]), np.array([0, 0, 1])))
        array([3., 3.])
    """
    return _segments("segment_sum", data, segment_ids, num_segments)


def segment_max(data, segment_ids, num_segments=None, sorted: bool = False):
    """Maxima of the rows of ``data`` grouped by ``segment_ids`` (empty segments: the dtype's
    lowest value; ties share the gradient). Shapes as ``segment_sum``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.segment_max(np.array([1., 2., 3.]), np.array([0, 0, 1])))
        array([2., 3.])
    """
    return _segments("segment_max", data, segment_ids, num_segments)


def segment_min(data, segment_ids, num_segments=None, sorted: bool = False):
    """Minima of the rows of ``data`` grouped by ``segment_ids`` (empty segments: the dtype's
    highest value; ties share the gradient). Shapes as ``segment_sum``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.segment_min(np.array([1., 2., 3.]), np.array([0, 0, 1])))
        array([1., 3.])
    """
    return _segments("segment_min", data, segment_ids, num_segments)


def segment_prod(data, segment_ids, num_segments=None, sorted: bool = False):
    """Products of the rows of ``data`` grouped by ``segment_ids`` (empty segments: 1). Shapes
    as ``segment_sum``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.segment_prod(np.array([2., 3., 4.]), np.array([0, 0, 1])))
        array([6., 4.])
    """
    return _segments("segment_prod", data, segment_ids, num_segments)


def _complex(x, op: str, min_rank: int):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: `x` must be a (real, imag) pair of tensors; got "
                         f"{type(x).__name__}")
    real, imag = floating(x[0], op, "x[0]"), floating(x[1], op, "x[1]")
    rs, is_ = B.shape(real), B.shape(imag)
    if rs != is_:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape; got "
                         f"{rs} and {is_}")
    check_rank(op, "x", rs, min_rank)
    if B.dtype(real) != B.dtype(imag):
        imag = B.cast(imag, B.dtype(real))
    return real, imag


def fft(x):
    """The FFT of the last axis of a complex (real, imag) pair -> (real, imag).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> re, im = ops.fft((np.array([1.0, 0.0]), np.array([0.0, 0.0])))
        >>> ops.convert_to_numpy(re)
        array([1., 1.])
    """
    return tuple(B.fft(*_complex(x, "fft", 1)))


def fft2(x):
    """The 2-D FFT of the last two axes of a (real, imag) pair -> (real, imag).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> re, im = ops.fft2((np.ones((2, 2)), np.zeros((2, 2))))
        >>> ops.convert_to_numpy(re)
        array([[4., 0.],
               [0., 0.]])
    """
    return tuple(B.fft2(*_complex(x, "fft2", 2)))


def ifft2(x):
    """The inverse 2-D FFT of the last two axes of a (real, imag) pair -> (real, imag).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> re, im = ops.ifft2(ops.fft2((np.eye(2), np.zeros((2, 2)))))
        >>> ops.convert_to_numpy(re)
        array([[1., 0.],
               [0., 1.]])
    """
    return tuple(B.ifft2(*_complex(x, "ifft2", 2)))


def _fft_length(op, fft_length):
    if fft_length is not None and (not isinstance(fft_length, int) or fft_length < 1):
        raise ValueError(f"{op}: `fft_length` must be a positive int or None; got {fft_length!r}")


def rfft(x, fft_length=None):
    """The FFT of real ``x`` along its last axis (cut or zero-padded to ``fft_length``): the
    fft_length // 2 + 1 non-negative frequencies as (real, imag).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> re, im = ops.rfft(np.array([1.0, 1.0, 1.0, 1.0]))
        >>> ops.convert_to_numpy(re)
        array([4., 0., 0.])
    """
    x = floating(x, "rfft")
    check_rank("rfft", "x", B.shape(x), 1)
    _fft_length("rfft", fft_length)
    return tuple(B.rfft(x, fft_length=fft_length))


def irfft(x, fft_length=None):
    """The real inverse of ``rfft``: (real, imag) of m frequencies -> ``fft_length`` real points
    (default 2 * (m - 1)).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.irfft(ops.rfft(np.array([1.0, 2.0, 3.0, 4.0]))))
        array([1., 2., 3., 4.])
    """
    _fft_length("irfft", fft_length)
    return B.irfft(*_complex(x, "irfft", 1), fft_length=fft_length)


def extract_sequences(x, sequence_length: int, sequence_stride: int):
    """Frames of the last axis: (..., L) -> (..., 1 + (L - length) // stride, length).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.extract_sequences(np.arange(5.0), 2, 2))
        array([[0., 1.],
               [2., 3.]])
    """
    x = B.convert_to_tensor(x)
    check_rank("extract_sequences", "x", B.shape(x), 1)
    for arg, v in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"extract_sequences: `{arg}` must be a positive int; got {v!r}")
    return B.extract_sequences(x, sequence_length=sequence_length,
                               sequence_stride=sequence_stride)


def logdet(x):
    """log(det(x)) of positive-definite matrices: (..., M, M) -> (...) (NaN where the
    determinant is not positive).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> round(float(ops.logdet(np.diag([2.0, 3.0]))), 4)
        1.7918
    """
    x = floating(x, "logdet")
    check_square("logdet", "x", B.shape(x))
    return B.logdet(x)


def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., N, D) and of ``y`` (..., P, D) ->
    (..., N, P).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])))
        array([[5.]])
    """
    x, y = floating(x, "cdist"), floating(y, "cdist", "y")
    xs, ys = B.shape(x), B.shape(y)
    check_rank("cdist", "x", xs, 2)
    check_rank("cdist", "y", ys, 2)
    if xs[-1] != ys[-1]:
        raise ValueError(f"cdist: `x` and `y` must have the same last dimension; got shapes "
                         f"{xs} and {ys}")
    diff = B.subtract(B.expand_dims(x, -2), B.expand_dims(y, -3))
    return B.sqrt(B.sum(B.square(diff), axis=-1))


def _window(op, window, sequence_length, fft_length, dtype):
    """The analysis window (a host constant, no gradient) zero-padded to ``fft_length``; with
    ``window=None`` frames are not windowed (all ``fft_length`` points are used, as Keras)."""
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'{op}: `window` must be "hann", "hamming", None or an array; got '
                             f"{window!r}")
        a = 0.5 if window == "hann" else 0.54
        win = a - (1 - a) * numpy.cos(2 * numpy.pi * numpy.arange(sequence_length)
                                      / sequence_length)
    elif window is None:
        return numpy.ones(fft_length, dtype)
    else:
        win = numpy.asarray(B.convert_to_numpy(window) if B.is_tensor(window) else window)
        if win.shape != (sequence_length,):
            raise ValueError(f"{op}: `window` must have shape ({sequence_length},) "
                             f"(sequence_length); got {win.shape}")
    left = (fft_length - sequence_length) // 2
    return numpy.pad(win, (left, fft_length - sequence_length - left)).astype(dtype)


def _check_frames(op, sequence_length, sequence_stride, fft_length):
    for arg, v in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                   ("fft_length", fft_length)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{op}: `{arg}` must be a positive int; got {v!r}")
    if fft_length < sequence_length:
        raise ValueError(f"{op}: `fft_length` must be >= `sequence_length`; got fft_length="
                         f"{fft_length}, sequence_length={sequence_length}")


def stft(x, sequence_length: int, sequence_stride: int, fft_length: int, window="hann",
         center: bool = True):
    """Short-time Fourier transform of the last axis of float ``x``: frames of ``fft_length``
    (the ``window`` of ``sequence_length``, periodic "hann" or "hamming", centred in it), every
    ``sequence_stride`` points, of ``x`` reflect-padded by fft_length // 2 when ``center``:
    (..., L) -> (real, imag), each (..., frames, fft_length // 2 + 1).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> re, im = ops.stft(np.ones(16, "float32"), 8, 4, 8)
        >>> ops.shape(re)
        (5, 5)
    """
    x = B.convert_to_tensor(x)
    dtype = B.dtype(x)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"stft: `x` must be float32 or float64; got dtype {dtype}")
    check_rank("stft", "x", B.shape(x), 1)
    _check_frames("stft", sequence_length, sequence_stride, fft_length)
    if center:
        p = fft_length // 2
        if B.shape(x)[-1] <= p:
            raise ValueError(f"stft: with center=True the last axis of `x` must be longer than "
                             f"fft_length // 2 = {p}; got shape {B.shape(x)}")
        x = B.concatenate([B.flip(B.getitem(x, (Ellipsis, slice(1, p + 1))), axis=-1), x,
                           B.flip(B.getitem(x, (Ellipsis, slice(-p - 1, -1))), axis=-1)],
                          axis=-1)
    win = _window("stft", window, sequence_length, fft_length, dtype)
    frames = B.multiply(B.extract_sequences(x, sequence_length=fft_length,
                                            sequence_stride=sequence_stride), win)
    return tuple(B.rfft(frames, fft_length=fft_length))


def istft(x, sequence_length: int, sequence_stride: int, fft_length: int, length=None,
          window="hann", center: bool = True):
    """Inverse of ``stft`` (same arguments; overlap-add of the windowed inverse FFTs, normalised
    by the overlapping squared windows, as ``tf.signal.inverse_stft``; ``window=None``: neither
    windowed nor normalised): (real, imag), each
    (..., frames, fft_length // 2 + 1) -> (..., length) (default: all points, less the
    ``center`` padding).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.sin(np.arange(32.0))
        >>> y = ops.istft(ops.stft(x, 8, 2, 8), 8, 2, 8)
        >>> bool(np.allclose(ops.convert_to_numpy(y)[4:-4], x[4:-4]))
        True
    """
    _check_frames("istft", sequence_length, sequence_stride, fft_length)
    real, imag = _complex(x, "istft", 2)
    dtype = B.dtype(real)
    frames = B.irfft(real, imag, fft_length=fft_length)
    if window is not None:
        # tf.signal.inverse_stft_window_fn: window / (sum of the squared windows overlapping)
        win = _window("istft", window, sequence_length, fft_length, dtype)
        overlaps = -(-fft_length // sequence_stride)
        denom = numpy.pad(win * win, (0, overlaps * sequence_stride - fft_length))
        denom = numpy.tile(denom.reshape(overlaps, sequence_stride).sum(0), overlaps)
        frames = B.multiply(frames, (win / denom[:fft_length]).astype(dtype))
    # overlap-add as a segment sum over output positions (frame axes first)
    shape = B.shape(frames)
    count = shape[-2]
    out_len = sequence_stride * (count - 1) + fft_length
    flat = B.moveaxis(B.reshape(frames, shape[:-2] + (count * fft_length,)), -1, 0)
    ids = (numpy.arange(count)[:, None] * sequence_stride + numpy.arange(fft_length)).ravel()
    out = B.moveaxis(B.segment_sum(flat, ids.astype("int32"), num_segments=out_len), 0, -1)
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else out_len - start
    return B.getitem(out, (Ellipsis, slice(start, end)))
