"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of
other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the torch
backend, gradients by autograd. Arguments arrive checked and of their final dtype
(``kfront/ops/elementwise.py``).
"""
from __future__ import annotations

import torch

from kfront.backends.torch.core import to_tensor

__all__ = ["angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
           "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "copy", "cosh", "exp2", "gcd",
           "hypot", "i0", "imag", "lcm", "log10", "log2", "logaddexp", "logaddexp2",
           "nextafter", "real", "signbit", "sinc", "sinh", "tan", "trunc"]


def _unary(name, f, differentiable=True):
    def op(x):
        out = f(to_tensor(x, name))
        return out if differentiable else out.detach()
    op.__name__ = op.__qualname__ = name
    return op


def _binary(name, f, differentiable=True):
    def op(x1, x2):
        out = f(to_tensor(x1, name), to_tensor(x2, name))
        return out if differentiable else out.detach()
    op.__name__ = op.__qualname__ = name
    return op


arccos = _unary("arccos", torch.arccos)
arccosh = _unary("arccosh", torch.arccosh)
arcsin = _unary("arcsin", torch.arcsin)
arcsinh = _unary("arcsinh", torch.arcsinh)
arctan = _unary("arctan", torch.arctan)
arctanh = _unary("arctanh", torch.arctanh)
cosh = _unary("cosh", torch.cosh)
sinh = _unary("sinh", torch.sinh)
tan = _unary("tan", torch.tan)
cbrt = _unary("cbrt", lambda x: torch.sign(x) * torch.abs(x) ** (1 / 3))
exp2 = _unary("exp2", torch.exp2)
log2 = _unary("log2", torch.log2)
log10 = _unary("log10", torch.log10)
sinc = _unary("sinc", torch.sinc)
i0 = _unary("i0", torch.special.i0)
copy = _unary("copy", torch.clone)
trunc = _unary("trunc", torch.trunc, differentiable=False)
signbit = _unary("signbit", torch.signbit, differentiable=False)
bitwise_not = _unary("bitwise_not", torch.bitwise_not, differentiable=False)
real = _unary("real", lambda x: torch.real(x).clone(), differentiable=False)
imag = _unary("imag", lambda x: torch.imag(x).clone(), differentiable=False)
conj = _unary("conj", torch.conj_physical, differentiable=False)
angle = _unary("angle", torch.angle, differentiable=False)

arctan2 = _binary("arctan2", torch.atan2)
logaddexp = _binary("logaddexp", torch.logaddexp)
logaddexp2 = _binary("logaddexp2", torch.logaddexp2)
hypot = _binary("hypot", torch.hypot)
nextafter = _binary("nextafter", torch.nextafter, differentiable=False)
gcd = _binary("gcd", torch.gcd, differentiable=False)
lcm = _binary("lcm", lambda a, b: torch.abs(torch.lcm(a, b)), differentiable=False)
bitwise_and = _binary("bitwise_and", torch.bitwise_and, differentiable=False)
bitwise_or = _binary("bitwise_or", torch.bitwise_or, differentiable=False)
bitwise_xor = _binary("bitwise_xor", torch.bitwise_xor, differentiable=False)
bitwise_left_shift = _binary("bitwise_left_shift", torch.bitwise_left_shift,
                             differentiable=False)
bitwise_right_shift = _binary("bitwise_right_shift", torch.bitwise_right_shift,
                              differentiable=False)
