"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of
other bases, bitwise ops, rounding, comparisons such as isclose, complex parts). Re-exported by
``kfront.ops`` and ``kfront.ops.numpy``.

Each op checks its arguments and applies Keras's dtype rules once, here (float-valued ops of
integers or bools give floatx; binary ops promote as ``keras.ops`` does, Python scalars weakly),
then forwards tensors of the final dtype to the backend, or composes backend ops (so their
gradients come from the ops they are made of).

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> ops.convert_to_numpy(ops.log2(np.array([1, 8])))
    array([0., 3.], dtype=float32)
"""
from __future__ import annotations

import math

import numpy

from kfront import config
from kfront.backends import B
from kfront.backends.common.dtypes import result_type

__all__ = ["allclose", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
           "arctanh", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
           "bitwise_or", "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "conjugate",
           "copy", "cosh", "deg2rad", "divide_no_nan", "exp2", "fabs", "fmax", "fmin", "fmod",
           "gcd", "heaviside", "hypot", "i0", "imag", "isclose", "isinf", "isneginf",
           "isposinf", "isreal", "lcm", "ldexp", "left_shift", "log10", "log2", "logaddexp",
           "logaddexp2", "nan_to_num", "nextafter", "rad2deg", "real", "right_shift", "signbit",
           "sinc", "sinh", "tan", "trunc"]

_SCALARS = (bool, int, float)


def _dtype_of(x) -> object:
    """Keras's dtype of an op argument: Python scalars stay weak (their type)."""
    return type(x) if type(x) in _SCALARS else B.dtype(B.convert_to_tensor(x))


def _is_float(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat"))


def _is_int(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))


def _real(op: str, arg: str, x):
    """``x`` as a tensor of a real dtype (float, integer or bool)."""
    x = B.convert_to_tensor(x)
    dtype = B.dtype(x)
    if dtype.startswith("complex") or dtype == "string":
        raise TypeError(f"{op}: `{arg}` must be a real float, integer or bool tensor; got dtype "
                        f"{dtype}")
    return x


def _float1(op: str, x, wide_int64: bool = False):
    """``x`` as a float tensor: integers and bools become floatx (int64 float64 when
    ``wide_int64``, as Keras for cbrt, deg2rad, rad2deg and i0)."""
    x = _real(op, "x", x)
    dtype = B.dtype(x)
    if _is_float(dtype):
        return x
    return B.cast(x, "float64" if wide_int64 and dtype == "int64" else config.floatx())


def _promoted(op: str, x1, x2, *extra, names=("x1", "x2")):
    """``x1, x2`` as tensors of Keras's result dtype of both (and of ``extra``, e.g. float)."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2), *extra)
    if dtype.startswith("complex"):
        raise TypeError(f"{op}: `{names[0]}` and `{names[1]}` must be real tensors; got dtypes "
                        f"{_dtype_of(x1)} and {_dtype_of(x2)}")
    x1, x2 = B.convert_to_tensor(x1), B.convert_to_tensor(x2)
    try:
        numpy.broadcast_shapes(B.shape(x1), B.shape(x2))
    except ValueError:
        raise ValueError(f"{op}: `{names[0]}` and `{names[1]}` must have broadcastable shapes; "
                         f"got {B.shape(x1)} and {B.shape(x2)}") from None
    return B.cast(x1, dtype), B.cast(x2, dtype)


def _float2(op: str, x1, x2):
    return _promoted(op, _real(op, "x1", x1), _real(op, "x2", x2), float)


def _int2(op: str, x, y, names=("x", "y"), bools: bool = False):
    """``x, y`` promoted, both integers (or bools, with ``bools``)."""
    kinds = (int, bool) if bools else (int,)
    for arg, v in zip(names, (x, y)):
        dtype = _dtype_of(v)
        if not (dtype in kinds or (isinstance(dtype, str) and
                                   (_is_int(dtype) or bools and dtype == "bool"))):
            raise TypeError(f"{op}: `{arg}` must be an integer{' or bool' if bools else ''} "
                            f"tensor; got dtype {getattr(dtype, '__name__', dtype)}")
    return _promoted(op, x, y, names=names)


def _bitwise(op: str, integers, logical, x, y):
    """``integers(x, y)`` of promoted integers; ``logical(x, y)`` (bool) of two bools, as Keras
    on numpy, torch and JAX (TensorFlow has no bool bitwise kernel: Keras raises there). Python
    scalars are not weak here, as Keras's (int8 | 2 is int32)."""
    x, y = _int2(op, *(B.convert_to_tensor(v) if type(v) in _SCALARS else v for v in (x, y)),
                 bools=True)
    return logical(x, y) if B.dtype(x) == "bool" else integers(x, y)


def _shift(op: str, integers, x, y):
    """``integers(x, y)`` of promoted integers; two bools shift in int32 as Keras on JAX (Keras
    on numpy gives numpy's int8, on TensorFlow and torch it raises), as kfront's power / mod of
    bools; a bool and a Python int give int32 as Keras's result_type (numpy and torch: int64).
    A Python ``y`` is weak, a Python ``x`` is not, as Keras's."""
    x, y = _int2(op, B.convert_to_tensor(x) if type(x) in _SCALARS else x, y, bools=True)
    if B.dtype(x) == "bool":
        x, y = B.cast(x, "int32"), B.cast(y, "int32")
    return integers(x, y)


def _invert(op: str, x):
    """~x of an integer tensor; ``logical_not`` of a bool one (as Keras on numpy, torch, JAX)."""
    x = B.convert_to_tensor(x)
    if B.dtype(x) == "bool":
        return B.logical_not(x)
    if not _is_int(B.dtype(x)):
        raise TypeError(f"{op}: `x` must be an integer or bool tensor; got dtype {B.dtype(x)}")
    return B.bitwise_not(x)


# ------------------------------------------------------------------ float-valued, unary
def arccos(x):
    """Inverse cosine, elementwise (NaN outside [-1, 1]); integers give floatx. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.arccos(0.5)), 4)
        1.0472
    """
    return B.arccos(_float1("arccos", x))


def arccosh(x):
    """Inverse hyperbolic cosine, elementwise (x >= 1). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.arccosh(1.0))
        0.0
    """
    return B.arccosh(_float1("arccosh", x))


def arcsin(x):
    """Inverse sine, elementwise (NaN outside [-1, 1]). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.arcsin(1.0)), 4)
        1.5708
    """
    return B.arcsin(_float1("arcsin", x))


def arcsinh(x):
    """Inverse hyperbolic sine, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.arcsinh(0.0))
        0.0
    """
    return B.arcsinh(_float1("arcsinh", x))


def arctan(x):
    """Inverse tangent, elementwise, in (-pi/2, pi/2). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.arctan(1.0)), 4)
        0.7854
    """
    return B.arctan(_float1("arctan", x))


def arctanh(x):
    """Inverse hyperbolic tangent, elementwise (|x| < 1). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.arctanh(0.5)), 4)
        0.5493
    """
    return B.arctanh(_float1("arctanh", x))


def cosh(x):
    """Hyperbolic cosine, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.cosh(0.0))
        1.0
    """
    return B.cosh(_float1("cosh", x))


def sinh(x):
    """Hyperbolic sine, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.sinh(0.0))
        0.0
    """
    return B.sinh(_float1("sinh", x))


def tan(x):
    """Tangent, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.tan(0.7853982)), 4)
        1.0
    """
    return B.tan(_float1("tan", x))


def cbrt(x):
    """Real cube root, elementwise (negative for negative x). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.cbrt(-8.0)), 4)
        -2.0
    """
    return B.cbrt(_float1("cbrt", x, wide_int64=True))


def exp2(x):
    """2 ** x, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.exp2(3.0))
        8.0
    """
    return B.exp2(_float1("exp2", x))


def log2(x):
    """Base-2 logarithm, elementwise (x > 0). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.log2(8.0))
        3.0
    """
    return B.log2(_float1("log2", x))


def log10(x):
    """Base-10 logarithm, elementwise (x > 0). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.log10(100.0)), 4)
        2.0
    """
    return B.log10(_float1("log10", x))


def sinc(x):
    """sin(pi x) / (pi x), elementwise, 1 at 0. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.sinc(0.0))
        1.0
    """
    return B.sinc(_float1("sinc", x))


def i0(x):
    """The modified Bessel function of the first kind of order 0, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.i0(1.0)), 4)
        1.2661
    """
    return B.i0(_float1("i0", x, wide_int64=True))


def deg2rad(x):
    """Degrees to radians, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.deg2rad(180.0)), 4)
        3.1416
    """
    x = _float1("deg2rad", x, wide_int64=True)
    return B.multiply(x, B.convert_to_tensor(math.pi / 180, dtype=B.dtype(x)))


def rad2deg(x):
    """Radians to degrees, elementwise. (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> round(float(ops.rad2deg(3.14159265)), 3)
        180.0
    """
    x = _float1("rad2deg", x, wide_int64=True)
    return B.multiply(x, B.convert_to_tensor(180 / math.pi, dtype=B.dtype(x)))


def fabs(x):
    """|x| as a float, elementwise (integers give floatx). (...) -> (...).

    Example:
        >>> from kfront import ops
        >>> float(ops.fabs(-2))
        2.0
    """
    return B.abs(_float1("fabs", x))


# ------------------------------------------------------------------ float-valued, binary
def arctan2(x1, x2):
    """The angle of the point (x2, x1) in (-pi, pi], elementwise: arctan(x1 / x2) with the
    quadrant from the signs. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> from kfront import ops
        >>> round(float(ops.arctan2(1.0, -1.0)), 4)
        2.3562
    """
    return B.arctan2(*_float2("arctan2", x1, x2))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed stably. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> from kfront import ops
        >>> round(float(ops.logaddexp(0.0, 0.0)), 4)
        0.6931
    """
    return B.logaddexp(*_float2("logaddexp", x1, x2))


def logaddexp2(x1, x2):
    """log2(2 ** x1 + 2 ** x2), computed stably. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> from kfront import ops
        >>> float(ops.logaddexp2(1.0, 1.0))
        2.0
    """
    return B.logaddexp2(*_float2("logaddexp2", x1, x2))


def hypot(x1, x2):
    """sqrt(x1 ** 2 + x2 ** 2), without overflow. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> from kfront import ops
        >>> float(ops.hypot(3.0, 4.0))
        5.0
    """
    return B.hypot(*_float2("hypot", x1, x2))


def ldexp(x1, x2):
    """x1 * 2 ** x2 with integer exponents ``x2``; float result. broadcast -> broadcast shape.

    Example:
        >>> from kfront import ops
        >>> float(ops.ldexp(3.0, 2))
        12.0
    """
    exp_dtype = _dtype_of(x2)
    if not (exp_dtype is int or (isinstance(exp_dtype, str) and _is_int(exp_dtype))):
        raise TypeError(f"ldexp: `x2` must be an integer tensor; got dtype "
                        f"{getattr(exp_dtype, '__name__', exp_dtype)}")
    x1 = _float1("ldexp", x1)
    return B.composite(_ldexp, x1, B.convert_to_tensor(x2))


def _ldexp(x1, x2):
    two = B.convert_to_tensor(2.0, dtype=B.dtype(x1))
    return B.multiply(x1, B.power(two, B.cast(x2, B.dtype(x1))))


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (gradient 0 there too). broadcast -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])))
        array([0. , 0.5])
    """
    return B.composite(_divide_no_nan, *_float2("divide_no_nan", x1, x2))


def _divide_no_nan(x1, x2):
    zero = B.equal(x2, 0)
    return B.where(zero, B.zeros_like(x1), B.divide(x1, B.where(zero, B.ones_like(x2), x2)))


# ------------------------------------------------------------- promoting, binary (same dtype)
def fmax(x1, x2):
    """Elementwise maximum ignoring NaN (NaN only where both are); the gradient goes to x1 on
    ties. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.fmax(np.array([1.0, np.nan]), np.array([2.0, 3.0])))
        array([2., 3.])
    """
    x1, x2 = _promoted("fmax", _real("fmax", "x1", x1), _real("fmax", "x2", x2))
    return B.composite(_nan_ignoring, x1, x2, largest=True)


def _nan_ignoring(x1, x2, largest):
    extreme = (B.maximum if largest else B.minimum)(x1, x2)
    if not _is_float(B.dtype(x1)):
        return extreme
    return B.where(B.isnan(x2), x1, B.where(B.isnan(x1), x2, extreme))


def fmin(x1, x2):
    """Elementwise minimum ignoring NaN (NaN only where both are); the gradient goes to x1 on
    ties. broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.fmin(np.array([1.0, np.nan]), np.array([2.0, 3.0])))
        array([1., 3.])
    """
    x1, x2 = _promoted("fmin", _real("fmin", "x1", x1), _real("fmin", "x2", x2))
    return B.composite(_nan_ignoring, x1, x2, largest=False)


def fmod(x1, x2):
    """The remainder of x1 / x2 with the sign of x1 (C's fmod; ``mod`` takes x2's sign);
    gradients 1 and -trunc(x1 / x2). Two bools give int32 and an integer divisor 0 gives 0, as
    numpy on every backend (see ``_integer_division``). broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.fmod(np.array([-7, 7], "int32"), 3))
        array([-1,  1], dtype=int32)
    """
    x1, x2 = _promoted("fmod", _real("fmod", "x1", x1), _real("fmod", "x2", x2))
    return _integer_division(lambda a, b: B.composite(_fmod, a, b), x1, x2)


def _integer_division(f, x1, x2):
    """``f(x1, x2)`` (floor_divide, mod, fmod) of promoted operands as numpy at the integer
    edges, on every backend: two bools in int32 (as Keras; numpy gives int8), and 0 where an
    integer divisor is 0 (numpy, and Keras on numpy; Keras on TensorFlow and torch raises, on
    JAX floor_divide gives -1 or the unsigned maximum). Floats keep their inf / NaN."""
    nonzero = type(x2) in _SCALARS and x2 != 0  # a Python divisor: nothing to guard
    x1, x2 = (v if type(v) in _SCALARS else B.convert_to_tensor(v) for v in (x1, x2))
    dtype = B.dtype(x2 if type(x1) in _SCALARS else x1)  # a Python scalar in the other's dtype
    x1, x2 = _bools_as_int32(*(B.convert_to_tensor(v, dtype=dtype) if type(v) in _SCALARS
                               else v for v in (x1, x2)))
    if nonzero or not _is_int(B.dtype(x2)):
        return f(x1, x2)
    zero = B.equal(x2, B.zeros_like(x2))
    out = f(x1, B.where(zero, B.ones_like(x2), x2))
    return B.where(zero, B.zeros_like(out), out)


def _bools_as_int32(x1, x2):
    """Tensors of one dtype, two bools as int32: Keras's mod / fmod / floor_divide of bools are
    int32 (numpy's int8)."""
    if B.dtype(x1) == "bool":
        return B.cast(x1, "int32"), B.cast(x2, "int32")
    return x1, x2


def _fmod(x1, x2):
    r = B.mod(x1, x2)
    zero = B.zeros_like(r)
    flip = B.logical_and(B.not_equal(r, zero), B.not_equal(B.less(r, zero), B.less(x1, zero)))
    return B.where(flip, B.subtract(r, x2), r)


def heaviside(x1, x2):
    """The Heaviside step: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (float result; no
    gradient). broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5))
        array([0. , 0.5, 1. ])
    """
    return B.composite(_heaviside, *_float2("heaviside", x1, x2))


def _heaviside(x1, x2):
    zero, one = B.zeros_like(x1), B.ones_like(x1)
    out = B.where(B.less(x1, zero), zero, B.where(B.greater(x1, zero), one,
                                                   B.add(zero, x2)))
    return B.stop_gradient(out)


def nextafter(x1, x2):
    """The next float after x1 towards x2, elementwise (no gradient). broadcast -> broadcast.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> bool(ops.nextafter(np.float32(1), np.float32(2)) > 1)
        True
    """
    return B.nextafter(*_float2("nextafter", x1, x2))


# ---------------------------------------------------------------------------- integers
def gcd(x1, x2):
    """Greatest common divisor of integers, elementwise (non-negative; no gradient).
    broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.gcd(np.array([12, -9]), np.array([18, 6])))
        array([6, 3])
    """
    return B.gcd(*_int2("gcd", x1, x2, names=("x1", "x2")))


def lcm(x1, x2):
    """Least common multiple of integers, elementwise (non-negative; no gradient).
    broadcast(x1, x2) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.lcm(np.array([4, -6]), np.array([6, 4])))
        array([12, 12])
    """
    return B.lcm(*_int2("lcm", x1, x2, names=("x1", "x2")))


def bitwise_and(x, y):
    """Bitwise AND of integers, logical AND of two bools (no gradient).
    broadcast(x, y) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_and(np.array([12]), np.array([10])))
        array([8])
    """
    return _bitwise("bitwise_and", B.bitwise_and, B.logical_and, x, y)


def bitwise_or(x, y):
    """Bitwise OR of integers, logical OR of two bools (no gradient).
    broadcast(x, y) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_or(np.array([12]), np.array([10])))
        array([14])
    """
    return _bitwise("bitwise_or", B.bitwise_or, B.logical_or, x, y)


def bitwise_xor(x, y):
    """Bitwise XOR of integers, logical XOR of two bools (no gradient).
    broadcast(x, y) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_xor(np.array([12]), np.array([10])))
        array([6])
    """
    return _bitwise("bitwise_xor", B.bitwise_xor, B.logical_xor, x, y)


def bitwise_not(x):
    """Bitwise NOT of integers, ~x; logical NOT of bools (no gradient). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_not(np.array([0, 5], "int8")))
        array([-1, -6], dtype=int8)
    """
    return _invert("bitwise_not", x)


def bitwise_invert(x):
    """Bitwise NOT of integers (logical of bools), as ``bitwise_not`` (no gradient).
    (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_invert(np.array([0], "int8")))
        array([-1], dtype=int8)
    """
    return _invert("bitwise_invert", x)


def bitwise_left_shift(x, y):
    """x shifted left by y bits (integers; two bools in int32; no gradient).
    broadcast(x, y) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_left_shift(np.array([1, 3]), 2))
        array([ 4, 12])
    """
    return _shift("bitwise_left_shift", B.bitwise_left_shift, x, y)


def left_shift(x, y):
    """x shifted left by y bits, as ``bitwise_left_shift`` (no gradient).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.left_shift(np.array([1]), 3))
        array([8])
    """
    return _shift("left_shift", B.bitwise_left_shift, x, y)


def bitwise_right_shift(x, y):
    """x shifted right by y bits, arithmetic for signed integers (two bools in int32; no
    gradient). broadcast(x, y) -> broadcast shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bitwise_right_shift(np.array([8, -8]), 2))
        array([ 2, -2])
    """
    return _shift("bitwise_right_shift", B.bitwise_right_shift, x, y)


def right_shift(x, y):
    """x shifted right by y bits, as ``bitwise_right_shift`` (no gradient).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.right_shift(np.array([8]), 3))
        array([1])
    """
    return _shift("right_shift", B.bitwise_right_shift, x, y)


# ------------------------------------------------------------------ predicates (bool results)
def isclose(x1, x2, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|x1 - x2| <= atol + rtol * |x2|, elementwise (infinities equal only to themselves; NaN
    equal to NaN only with ``equal_nan``; no gradient). broadcast -> broadcast shape, bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isclose(np.array([1.0, 1.1]), 1.0))
        array([ True, False])
    """
    x1, x2 = _promoted("isclose", _real("isclose", "x1", x1), _real("isclose", "x2", x2))
    return B.composite(_isclose, x1, x2, rtol=float(rtol), atol=float(atol),
                       equal_nan=bool(equal_nan))


def _isclose(x1, x2, rtol, atol, equal_nan):
    if not _is_float(B.dtype(x1)):
        return B.equal(x1, x2)
    tol = B.add(B.multiply(B.abs(x2), B.convert_to_tensor(rtol, dtype=B.dtype(x2))),
                B.convert_to_tensor(atol, dtype=B.dtype(x2)))
    finite = B.logical_and(B.isfinite(x1), B.isfinite(x2))
    zero = B.zeros_like(x1)  # no inf - inf: compare the finite pairs only
    diff = B.subtract(B.where(finite, x1, zero), B.where(finite, x2, zero))
    close = B.logical_and(finite, B.less_equal(B.abs(diff), tol))
    out = B.logical_or(close, B.equal(x1, x2))
    if equal_nan:
        out = B.logical_or(out, B.logical_and(B.isnan(x1), B.isnan(x2)))
    return out


def allclose(x1, x2, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Whether ``isclose`` holds everywhere: a bool scalar tensor (no gradient).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> bool(ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
        True
    """
    x1, x2 = _promoted("allclose", _real("allclose", "x1", x1), _real("allclose", "x2", x2))
    return B.composite(_allclose, x1, x2, rtol=float(rtol), atol=float(atol),
                       equal_nan=bool(equal_nan))


def _allclose(x1, x2, rtol, atol, equal_nan):
    return B.all(_isclose(x1, x2, rtol, atol, equal_nan))


def _inf_test(op: str, x, value):
    x = _real(op, "x", x)
    if not _is_float(B.dtype(x)):
        return B.not_equal(x, x)  # all False: integers are finite
    return B.equal(B.abs(x) if value is None else x,
                   B.convert_to_tensor(math.inf if value is None else value, dtype=B.dtype(x)))


def isinf(x):
    """True where x is +inf or -inf (no gradient). (...) -> (...) bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isinf(np.array([1.0, np.inf, -np.inf, np.nan])))
        array([False,  True,  True, False])
    """
    return _inf_test("isinf", x, None)


def isposinf(x):
    """True where x is +inf (no gradient). (...) -> (...) bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isposinf(np.array([np.inf, -np.inf])))
        array([ True, False])
    """
    return _inf_test("isposinf", x, math.inf)


def isneginf(x):
    """True where x is -inf (no gradient). (...) -> (...) bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isneginf(np.array([np.inf, -np.inf])))
        array([False,  True])
    """
    return _inf_test("isneginf", x, -math.inf)


def signbit(x):
    """True where the sign bit of x is set (negative numbers, -0.0; no gradient). (...) -> (...)
    bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.signbit(np.array([-1.0, -0.0, 2.0])))
        array([ True,  True, False])
    """
    x = _real("signbit", "x", x)
    dtype = B.dtype(x)
    if _is_float(dtype):
        return B.signbit(x)
    return B.less(x, B.zeros_like(x)) if dtype != "bool" else B.logical_and(x, B.logical_not(x))


# ----------------------------------------------------------------------- complex parts
def _is_complex(x) -> bool:
    return B.dtype(x).startswith("complex")


def isreal(x):
    """True where x has no imaginary part (everywhere for real dtypes; no gradient).
    (...) -> (...) bool.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isreal(np.array([1 + 0j, 1j])))
        array([ True, False])
    """
    x = B.convert_to_tensor(x)
    if _is_complex(x):
        return B.equal(B.imag(x), 0)
    return B.equal(B.zeros_like(x), B.zeros_like(x))


def real(x):
    """The real part of x (x itself for real dtypes, with its gradient). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.real(np.array([1 + 2j])))
        array([1.])
    """
    x = B.convert_to_tensor(x)
    return B.real(x) if _is_complex(x) else B.copy(x)


def imag(x):
    """The imaginary part of x (zeros for real dtypes). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.imag(np.array([1 + 2j])))
        array([2.])
    """
    x = B.convert_to_tensor(x)
    return B.imag(x) if _is_complex(x) else B.zeros_like(x)


def conj(x):
    """The complex conjugate of x (x itself for real dtypes, with its gradient). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.conj(np.array([1 + 2j])))
        array([1.-2.j])
    """
    x = B.convert_to_tensor(x)
    return B.conj(x) if _is_complex(x) else B.copy(x)


def conjugate(x):
    """The complex conjugate of x, as ``conj``. (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.conjugate(np.array([2.0])))
        array([2.])
    """
    return conj(x)


def angle(x):
    """The argument of x in (-pi, pi] (pi for negative reals; integers give floatx).
    (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.angle(np.array([1.0, -1.0])))
        array([0.        , 3.14159265])
    """
    x = B.convert_to_tensor(x)
    if _is_complex(x):
        return B.angle(x)
    x = _float1("angle", x)
    return B.arctan2(B.zeros_like(x), x)


# ------------------------------------------------------------------------------ others
def trunc(x):
    """x rounded towards zero (integers unchanged; no gradient). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.trunc(np.array([-1.7, 1.7])))
        array([-1.,  1.])
    """
    x = _real("trunc", "x", x)
    return B.trunc(x) if _is_float(B.dtype(x)) else B.stop_gradient(x)


def nan_to_num(x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """x with NaN replaced by ``nan`` and +-inf by ``posinf`` / ``neginf`` (default the dtype's
    largest / lowest finite value); integers unchanged. (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.nan_to_num(np.array([np.nan, np.inf, 1.0]), posinf=9.0))
        array([0., 9., 1.])
    """
    x = _real("nan_to_num", "x", x)
    dtype = B.dtype(x)
    if not _is_float(dtype):
        return x
    info = numpy.finfo("float32" if dtype == "bfloat16" else dtype)
    return B.composite(_nan_to_num, x, nan=float(nan),
                       posinf=float(info.max if posinf is None else posinf),
                       neginf=float(info.min if neginf is None else neginf))


def _nan_to_num(x, nan, posinf, neginf):
    def const(v):
        return B.convert_to_tensor(v, dtype=B.dtype(x))
    x = B.where(B.isnan(x), const(nan), x)
    x = B.where(B.equal(x, const(math.inf)), const(posinf), x)
    return B.where(B.equal(x, const(-math.inf)), const(neginf), x)


def copy(x):
    """A copy of x (same dtype; the gradient passes through). (...) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.copy(np.array([1, 2])))
        array([1, 2])
    """
    return B.copy(B.convert_to_tensor(x))
