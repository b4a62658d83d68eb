"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of
other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the
tensorflow backend, gradients by ``tf.GradientTape``. Arguments arrive checked and of their
final dtype (``kfront/ops/elementwise.py``); functions TensorFlow lacks are composed here so
that their gradients equal the native engine's rules.
"""
from __future__ import annotations

import math

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input

__all__ = ["angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "copy", "cosh", "exp2", "gcd",
           "hypot", "i0", "imag", "lcm", "log10", "log2", "logaddexp", "logaddexp2",
           "nextafter", "real", "signbit", "sinc", "sinh", "tan", "trunc"]


def _unary(name, f, differentiable=True):
    def op(x):
        out = f(op_input(x, name))
        return out if differentiable else tf.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    return op


def _binary(name, f, differentiable=True):
    def op(x1, x2):
        out = f(op_input(x1, name), op_input(x2, name))
        return out if differentiable else tf.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    return op


def _const(value, like):
    return tf.constant(value, like.dtype)


def _sinc(x):
    nz = tf.not_equal(x, 0)
    px = math.pi * tf.where(nz, x, tf.ones_like(x))
    return tf.where(nz, tf.sin(px) / px, tf.ones_like(x))


_BITS = {tf.float16: tf.int16, tf.bfloat16: tf.int16, tf.float32: tf.int32, tf.float64: tf.int64}


def _signbit(x):
    return tf.less(tf.bitcast(x, _BITS[x.dtype]), 0)


def _log_add(a, b, base_log):
    """log_base(base**a + base**b) as hi + log_base(1 + base**(lo - hi)): the larger operand
    chosen by ``where``, so the gradient is exact at ties too (as the native rule)."""
    first = tf.greater_equal(a, b)
    hi, lo = tf.where(first, a, b), tf.where(first, b, a)
    out = hi + tf.nn.softplus((lo - hi) * base_log) / base_log
    both_inf = tf.logical_and(tf.equal(a, b), tf.math.is_inf(a))  # inf - inf is NaN
    return tf.where(both_inf, a, out)


def _hypot(a, b):
    abs_a, abs_b = tf.abs(a), tf.abs(b)
    first = tf.greater_equal(abs_a, abs_b)
    hi, lo = tf.where(first, abs_a, abs_b), tf.where(first, abs_b, abs_a)
    zero = tf.equal(hi, 0)
    ratio = lo / tf.where(zero, tf.ones_like(hi), hi)
    return tf.where(zero, tf.zeros_like(hi), hi * tf.sqrt(1 + ratio * ratio))


def _gcd(a, b):
    """Euclid's algorithm on every pair at once, until all remainders are 0."""
    a, b = tf.abs(a), tf.abs(b)
    shape = tf.broadcast_dynamic_shape(tf.shape(a), tf.shape(b))
    a, b = tf.broadcast_to(a, shape), tf.broadcast_to(b, shape)

    def body(a, b):
        nz = tf.not_equal(b, 0)
        return tf.where(nz, b, a), tf.where(nz, tf.math.floormod(a, tf.where(nz, b, 1)), b)
    return tf.while_loop(lambda a, b: tf.reduce_any(tf.not_equal(b, 0)), body, (a, b))[0]


def _lcm(a, b):
    g = _gcd(a, b)
    nz = tf.not_equal(g, 0)
    return tf.where(nz, tf.abs(a // tf.where(nz, g, 1) * b), tf.zeros_like(g))


arccos = _unary("arccos", tf.math.acos)
arccosh = _unary("arccosh", tf.math.acosh)
arcsin = _unary("arcsin", tf.math.asin)
arcsinh = _unary("arcsinh", tf.math.asinh)
arctan = _unary("arctan", tf.math.atan)
arctanh = _unary("arctanh", tf.math.atanh)
cosh = _unary("cosh", tf.math.cosh)
sinh = _unary("sinh", tf.math.sinh)
tan = _unary("tan", tf.math.tan)
cbrt = _unary("cbrt", lambda x: tf.sign(x) * tf.pow(tf.abs(x), _const(1 / 3, x)))
exp2 = _unary("exp2", lambda x: tf.pow(_const(2, x), x))
log2 = _unary("log2", lambda x: tf.math.log(x) / _const(math.log(2), x))
log10 = _unary("log10", lambda x: tf.math.log(x) / _const(math.log(10), x))
sinc = _unary("sinc", _sinc)
i0 = _unary("i0", tf.math.bessel_i0)
copy = _unary("copy", tf.identity)
trunc = _unary("trunc", lambda x: tf.where(x < 0, tf.math.ceil(x), tf.math.floor(x)),
               differentiable=False)
signbit = _unary("signbit", _signbit, differentiable=False)
bitwise_not = _unary("bitwise_not", tf.bitwise.invert, differentiable=False)
real = _unary("real", tf.math.real, differentiable=False)
imag = _unary("imag", tf.math.imag, differentiable=False)
conj = _unary("conj", tf.math.conj, differentiable=False)
angle = _unary("angle", tf.math.angle, differentiable=False)

arctan2 = _binary("arctan2", tf.math.atan2)
logaddexp = _binary("logaddexp", lambda a, b: _log_add(a, b, 1.0))
logaddexp2 = _binary("logaddexp2", lambda a, b: _log_add(a, b, math.log(2)))
hypot = _binary("hypot", _hypot)
nextafter = _binary("nextafter", tf.math.nextafter, differentiable=False)
gcd = _binary("gcd", _gcd, differentiable=False)
lcm = _binary("lcm", _lcm, differentiable=False)
bitwise_and = _binary("bitwise_and", tf.bitwise.bitwise_and, differentiable=False)
bitwise_or = _binary("bitwise_or", tf.bitwise.bitwise_or, differentiable=False)
bitwise_xor = _binary("bitwise_xor", tf.bitwise.bitwise_xor, differentiable=False)
bitwise_left_shift = _binary("bitwise_left_shift", tf.bitwise.left_shift, differentiable=False)
bitwise_right_shift = _binary("bitwise_right_shift", tf.bitwise.right_shift,
                              differentiable=False)
