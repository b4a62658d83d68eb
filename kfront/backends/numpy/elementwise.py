"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of
other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the native
engine, each with its gradient rule next to its forward. Arguments arrive checked and of their
final dtype (``kfront/ops/elementwise.py``).
"""
from __future__ import annotations

import math

from kfront.backends.numpy.engine import elementwise
from kfront.backends.numpy.numpy import _binary, _no_grad_unary

__all__ = ["angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "copy", "cosh", "exp2", "gcd",
           "hypot", "i0", "imag", "lcm", "log10", "log2", "logaddexp", "logaddexp2",
           "nextafter", "real", "signbit", "sinc", "sinh", "tan", "trunc"]

_LN2, _LN10 = math.log(2), math.log(10)

arccos = elementwise("arccos", lambda xp, x: xp.arccos(x),
                     lambda xp, x, g: -g / xp.sqrt(1 - x * x), "x")
arcsin = elementwise("arcsin", lambda xp, x: xp.arcsin(x),
                     lambda xp, x, g: g / xp.sqrt(1 - x * x), "x")
arctan = elementwise("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, g: g / (1 + x * x), "x")
arccosh = elementwise("arccosh", lambda xp, x: xp.arccosh(x),
                      lambda xp, x, g: g / xp.sqrt(x * x - 1), "x")
arcsinh = elementwise("arcsinh", lambda xp, x: xp.arcsinh(x),
                      lambda xp, x, g: g / xp.sqrt(x * x + 1), "x")
arctanh = elementwise("arctanh", lambda xp, x: xp.arctanh(x),
                      lambda xp, x, g: g / (1 - x * x), "x")
cosh = elementwise("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, g: g * xp.sinh(x), "x")
sinh = elementwise("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, g: g * xp.cosh(x), "x")
tan = elementwise("tan", lambda xp, x: xp.tan(x), lambda xp, y, g: g * (1 + y * y), "y")
cbrt = elementwise("cbrt", lambda xp, x: xp.cbrt(x), lambda xp, y, g: g / (3 * y * y), "y")
exp2 = elementwise("exp2", lambda xp, x: xp.exp2(x), lambda xp, y, g: g * y * _LN2, "y")
log2 = elementwise("log2", lambda xp, x: xp.log2(x), lambda xp, x, g: g / (x * _LN2), "x")
log10 = elementwise("log10", lambda xp, x: xp.log10(x), lambda xp, x, g: g / (x * _LN10), "x")
copy = elementwise("copy", lambda xp, x: x.copy(), lambda xp, x, g: g, "x")


def _sinc_grad(xp, x, g):
    """d sinc / dx = (cos(pi x) - sinc(x)) / x, 0 at 0."""
    nz = x != 0
    safe = xp.where(nz, x, 1)
    return g * xp.where(nz, (xp.cos(math.pi * safe) - xp.sinc(safe)) / safe, 0)


sinc = elementwise("sinc", lambda xp, x: xp.sinc(x), _sinc_grad, "x")


def _i1(xp, x):
    """The modified Bessel function I1 (the derivative of I0) by the trapezoidal rule on
    (1/2pi) int_0^2pi exp(x cos t) cos t dt, which converges geometrically for a periodic
    integrand: enough points for float64 precision up to |x| ~ 700 (where I0 overflows)."""
    n = 40 + int(math.ceil(float(xp.max(xp.abs(x))))) if x.size else 1
    t = xp.cos(2 * math.pi * xp.arange(n) / n).astype(x.dtype)
    flat = x.reshape(-1)
    out = xp.empty_like(flat)
    step = max(1, (1 << 20) // n)  # at most ~1M terms at a time
    for i in range(0, flat.size, step):
        out[i:i + step] = xp.mean(xp.exp(flat[i:i + step, None] * t) * t, axis=-1)
    return out.reshape(x.shape)


i0 = elementwise("i0", lambda xp, x: xp.i0(x).astype(x.dtype),
                 lambda xp, x, g: g * _i1(xp, x), "x")

trunc = _no_grad_unary("trunc", lambda xp, x: xp.trunc(x))
signbit = _no_grad_unary("signbit", lambda xp, x: xp.signbit(x))
bitwise_not = _no_grad_unary("bitwise_not", lambda xp, x: xp.invert(x))
real = _no_grad_unary("real", lambda xp, x: xp.real(x))
imag = _no_grad_unary("imag", lambda xp, x: xp.imag(x))
conj = _no_grad_unary("conj", lambda xp, x: xp.conj(x))
angle = _no_grad_unary("angle", lambda xp, x: xp.angle(x))


def _arctan2_grads(xp, g, a, b, out, needs):
    r2 = a * a + b * b
    return (g * b / r2 if needs[0] else None, -g * a / r2 if needs[1] else None)


def _logaddexp_grads(xp, g, a, b, out, needs):
    return (g * xp.exp(a - out) if needs[0] else None, g * xp.exp(b - out) if needs[1] else None)


def _logaddexp2_grads(xp, g, a, b, out, needs):
    return (g * xp.exp2(a - out) if needs[0] else None,
            g * xp.exp2(b - out) if needs[1] else None)


def _hypot_grads(xp, g, a, b, out, needs):
    safe = xp.where(out == 0, 1, out)
    return (g * a / safe if needs[0] else None, g * b / safe if needs[1] else None)


arctan2 = _binary("arctan2", lambda xp, a, b: xp.arctan2(a, b), _arctan2_grads)
logaddexp = _binary("logaddexp", lambda xp, a, b: xp.logaddexp(a, b), _logaddexp_grads)
logaddexp2 = _binary("logaddexp2", lambda xp, a, b: xp.logaddexp2(a, b), _logaddexp2_grads)
hypot = _binary("hypot", lambda xp, a, b: xp.hypot(a, b), _hypot_grads)
nextafter = _binary("nextafter", lambda xp, a, b: xp.nextafter(a, b))
gcd = _binary("gcd", lambda xp, a, b: xp.gcd(a, b))
lcm = _binary("lcm", lambda xp, a, b: xp.lcm(a, b))
bitwise_and = _binary("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _binary("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _binary("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b))
bitwise_left_shift = _binary("bitwise_left_shift", lambda xp, a, b: xp.left_shift(a, b))
bitwise_right_shift = _binary("bitwise_right_shift", lambda xp, a, b: xp.right_shift(a, b))
