"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of
other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the jax
backend, gradients by JAX. Arguments arrive checked and of their final dtype
(``kfront/ops/elementwise.py``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from kfront.backends.jax.core import array
from kfront.backends.jax.numpy import unary

__all__ = ["angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "copy", "cosh", "exp2", "gcd",
           "hypot", "i0", "imag", "lcm", "log10", "log2", "logaddexp", "logaddexp2",
           "nextafter", "real", "signbit", "sinc", "sinh", "tan", "trunc"]


def _binary(name, f, differentiable=True):
    def op(x1, x2):
        out = f(array(x1, name), array(x2, name))
        return out if differentiable else jax.lax.stop_gradient(out)
    op.__name__ = op.__qualname__ = name
    return op


arccos = unary("arccos", jnp.arccos)
arccosh = unary("arccosh", jnp.arccosh)
arcsin = unary("arcsin", jnp.arcsin)
arcsinh = unary("arcsinh", jnp.arcsinh)
arctan = unary("arctan", jnp.arctan)
arctanh = unary("arctanh", jnp.arctanh)
cosh = unary("cosh", jnp.cosh)
sinh = unary("sinh", jnp.sinh)
tan = unary("tan", jnp.tan)
cbrt = unary("cbrt", jnp.cbrt)
exp2 = unary("exp2", jnp.exp2)
log2 = unary("log2", jnp.log2)
log10 = unary("log10", jnp.log10)
sinc = unary("sinc", jnp.sinc)
i0 = unary("i0", jnp.i0)
copy = unary("copy", lambda x: jnp.array(x, copy=True))
trunc = unary("trunc", jnp.trunc, differentiable=False)
signbit = unary("signbit", jnp.signbit, differentiable=False)
bitwise_not = unary("bitwise_not", jnp.bitwise_not, differentiable=False)
real = unary("real", jnp.real, differentiable=False)
imag = unary("imag", jnp.imag, differentiable=False)
conj = unary("conj", jnp.conj, differentiable=False)
angle = unary("angle", jnp.angle, differentiable=False)

arctan2 = _binary("arctan2", jnp.arctan2)
logaddexp = _binary("logaddexp", jnp.logaddexp)
logaddexp2 = _binary("logaddexp2", jnp.logaddexp2)
hypot = _binary("hypot", jnp.hypot)
nextafter = _binary("nextafter", jnp.nextafter, differentiable=False)
gcd = _binary("gcd", jnp.gcd, differentiable=False)
lcm = _binary("lcm", jnp.lcm, differentiable=False)
bitwise_and = _binary("bitwise_and", jnp.bitwise_and, differentiable=False)
bitwise_or = _binary("bitwise_or", jnp.bitwise_or, differentiable=False)
bitwise_xor = _binary("bitwise_xor", jnp.bitwise_xor, differentiable=False)
bitwise_left_shift = _binary("bitwise_left_shift", jnp.left_shift, differentiable=False)
bitwise_right_shift = _binary("bitwise_right_shift", jnp.right_shift, differentiable=False)
