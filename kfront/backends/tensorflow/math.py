"""Math ops of the tensorflow backend (``kfront.ops.math``): the native engine's ``math.py`` on
TensorFlow, gradients by ``tf.GradientTape``. Arguments arrive checked and of a float dtype
(``kfront/ops/math.py``).
"""
from __future__ import annotations

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input


def _unary(name, f):
    def op(x):
        return f(op_input(x, name))
    op.__name__ = op.__qualname__ = name
    return op


erf = _unary("erf", tf.math.erf)
erfc = _unary("erfc", tf.math.erfc)
erfinv = _unary("erfinv", tf.math.erfinv)
rsqrt = _unary("rsqrt", tf.math.rsqrt)


def top_k(x, k, sorted=True):
    values, indices = tf.math.top_k(op_input(x, "top_k"), k=k, sorted=True)
    return values, indices


def in_top_k(targets, predictions, k):
    predictions = tf.stop_gradient(op_input(predictions, "in_top_k"))
    targets = tf.cast(op_input(targets, "in_top_k"), tf.int64)
    t = tf.gather(predictions, targets, axis=1, batch_dims=1)
    above = tf.reduce_sum(tf.cast(predictions > t[:, None], tf.int32), axis=-1)
    finite = tf.reduce_all(tf.math.is_finite(predictions), axis=-1)
    return (above < k) & tf.math.is_finite(t) & finite


def _segment(name, f):
    def op(data, segment_ids, num_segments):
        # ids outside [0, num_segments) are dropped (TensorFlow drops only negative ones)
        data, ids = op_input(data, name), op_input(segment_ids, name)
        ids = tf.where(ids < num_segments, ids, -tf.ones_like(ids))
        return f(data, ids, num_segments)
    op.__name__ = op.__qualname__ = name
    return op


segment_sum = _segment("segment_sum", tf.math.unsorted_segment_sum)
segment_max = _segment("segment_max", tf.math.unsorted_segment_max)
segment_min = _segment("segment_min", tf.math.unsorted_segment_min)
segment_prod = _segment("segment_prod", tf.math.unsorted_segment_prod)


def _fft_op(name, f):
    def op(real, imag):
        c = f(tf.complex(op_input(real, name), op_input(imag, name)))
        return tf.math.real(c), tf.math.imag(c)
    op.__name__ = op.__qualname__ = name
    return op


fft = _fft_op("fft", tf.signal.fft)
fft2 = _fft_op("fft2", tf.signal.fft2d)
ifft2 = _fft_op("ifft2", tf.signal.ifft2d)


def rfft(x, fft_length=None):
    x = op_input(x, "rfft")
    n = x.shape[-1] if fft_length is None else fft_length
    c = tf.signal.rfft(x[..., :n], fft_length=[n])  # cut first: TF's gradient fails otherwise
    return tf.math.real(c), tf.math.imag(c)


def irfft(real, imag, fft_length=None):
    real, imag = op_input(real, "irfft"), op_input(imag, "irfft")
    n = 2 * (real.shape[-1] - 1) if fft_length is None else fft_length
    m = n // 2 + 1  # frequencies used; cut first: TF's gradient fails otherwise
    return tf.signal.irfft(tf.complex(real[..., :m], imag[..., :m]), fft_length=[n])


def extract_sequences(x, sequence_length, sequence_stride):
    return tf.signal.frame(op_input(x, "extract_sequences"), sequence_length, sequence_stride,
                           axis=-1, pad_end=False)
