"""``kfront.ops`` elementwise ops (``kfront/ops/elementwise.py``): results equal real Keras's
``keras.ops`` (TensorFlow backend, in-process) on every kfront backend, dtypes included; the
native engine's gradients equal central finite differences in float64; every adapter's
gradients equal the native ones; bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops
from ops import case_suite

rng = np.random.default_rng(15)


def _u(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype("float32")


def _i(lo, hi, *shape, dtype="int32"):
    return rng.integers(lo, hi, shape).astype(dtype)


# every input has shape (2, 3) unless a case is about broadcasting: JAX compiles each
# primitive once per shape and dtype, and that is most of this suite's time
SPECIAL = np.array([[0.0, -0.0, 1.5], [np.inf, -np.inf, np.nan]], "float32")
X23 = _u(-2, 2, 2, 3)


def _unary(name, lo, hi):
    return {name: (lambda o, x: getattr(o, name)(x), [_u(lo, hi, 2, 3)], True),
            f"{name}_int": (lambda o, x: getattr(o, name)(x), [_i(max(lo, -3), 4, 2, 3)], False)}


# name -> (f(ops_namespace, *inputs), inputs, differentiable)
CASES = {}
for _name, _lo, _hi in [("arccos", -0.9, 0.9), ("arcsin", -0.9, 0.9), ("arctan", -3, 3),
                        ("arccosh", 1.2, 4), ("arcsinh", -3, 3), ("arctanh", -0.9, 0.9),
                        ("cosh", -2, 2), ("sinh", -2, 2), ("tan", -1.2, 1.2), ("cbrt", -3, 3),
                        ("exp2", -3, 3), ("log2", 0.2, 5), ("log10", 0.2, 5), ("sinc", -2, 2),
                        ("i0", -3, 3), ("deg2rad", -200, 200), ("rad2deg", -3, 3),
                        ("fabs", -2, 2)]:
    CASES.update(_unary(_name, _lo, _hi))
CASES["arccosh_int"] = (lambda o, x: o.arccosh(x), [_i(1, 5, 2, 3)], False)
for _name in ("log2", "log10"):
    CASES[f"{_name}_int"] = (lambda o, x, n=_name: getattr(o, n)(x), [_i(1, 9, 2, 3)], False)
CASES["exp2_bool"] = (lambda o, x: o.exp2(x), [X23 > 0], False)
CASES["logaddexp_bool_int8"] = (lambda o, a, b: o.logaddexp(a, b),
                                [X23 > 0, _i(-3, 4, 2, 3, dtype="int8")], False)
CASES["sinc_zero"] = (lambda o, x: o.sinc(x), [np.array([[0.0, 1.0, 0.5], [-1, 0, 2]], "float32")],
                      True)
CASES["cbrt_float64"] = (lambda o, x: o.cbrt(x), [_u(-3, 3, 2, 3).astype("float64")], True)

_BINARY = {"arctan2": (-2, 2), "logaddexp": (-3, 3), "logaddexp2": (-3, 3), "hypot": (-3, 3)}
for _name, (_lo, _hi) in _BINARY.items():
    CASES[_name] = (lambda o, a, b, n=_name: getattr(o, n)(a, b),
                    [_u(_lo, _hi, 2, 3), _u(_lo, _hi, 3)], True)
    CASES[f"{_name}_int"] = (lambda o, a, b, n=_name: getattr(o, n)(a, b),
                             [_i(-3, 4, 2, 3), _i(-3, 4, 2, 3)], False)
CASES.update({
    "arctan2_quadrants": (lambda o, a, b: o.arctan2(a, b),
                          [np.array([[1, 1, -1], [-1, 0.5, 0.5]], "float32"),
                           np.array([[1, -1, 1], [-1, -1, 0.5]], "float32")], True),
    "logaddexp_ties": (lambda o, a, b: o.logaddexp(a, b), [X23, X23.copy()], True),
    "logaddexp_inf": (lambda o, a, b: o.logaddexp(a, b),
                      [np.array([[-np.inf, np.inf, -np.inf], [1, 0, 2]], "float32"),
                       np.array([[-np.inf, np.inf, 2], [-np.inf, 0, np.inf]], "float32")], False),
    "hypot_zero": (lambda o, a, b: o.hypot(a, b),
                   [np.array([[0.0, 3.0, 0.0], [1, 0, -2]], "float32"),
                    np.array([[0.0, -4.0, 1.0], [1, 0, 0]], "float32")], False),
    "hypot_ties": (lambda o, a, b: o.hypot(a, b), [X23, -X23], True),
    "ldexp": (lambda o, a: o.ldexp(a, np.array([1, -2, 3], "int32")), [X23], True),
    "ldexp_int": (lambda o, a, b: o.ldexp(a, b), [_i(-4, 4, 2, 3), _i(0, 4, 2, 3)], False),
    "divide_no_nan": (lambda o, a, b: o.divide_no_nan(a, b),
                      [X23, _u(0.5, 2, 2, 3)], True),
    "divide_no_nan_zero": (lambda o, a, b: o.divide_no_nan(a, b),
                           [X23, np.array([[0.5, 0.0, -2.0], [0, 1, 0]], "float32")], False),
    "divide_no_nan_int": (lambda o, a, b: o.divide_no_nan(a, b), [_i(-4, 4, 2, 3), _i(-1, 2, 2, 3)],
                          False),
    "fmax": (lambda o, a, b: o.fmax(a, b), [X23, _u(-2, 2, 2, 3)], True),
    "fmax_nan": (lambda o, a, b: o.fmax(a, b), [SPECIAL, SPECIAL[::-1].copy()], False),
    "fmax_int": (lambda o, a, b: o.fmax(a, b), [_i(-4, 4, 2, 3), _i(-4, 4, 2, 3, dtype="int8")],
                 False),
    "fmin": (lambda o, a, b: o.fmin(a, b), [X23, _u(-2, 2, 3)], True),
    "fmin_nan": (lambda o, a, b: o.fmin(a, b), [SPECIAL, SPECIAL[::-1].copy()], False),
    "fmin_mixed": (lambda o, a, b: o.fmin(a, b), [_i(-4, 4, 3), X23], False),
    "fmod": (lambda o, a, b: o.fmod(a, b),
             [_u(-5, 5, 2, 3), np.array([[1.5, -2, 0.7], [-1.1, 0.9, 2.3]], "float32")], True),
    "fmod_int": (lambda o, a, b: o.fmod(a, b),
                 [_i(-9, 9, 2, 3), np.array([[2, -3, 4], [-2, 5, 3]], "int32")], False),
    "heaviside": (lambda o, a, b: o.heaviside(a, b),
                  [np.array([[-1.0, 0.0, 2.0], [0, 1, -3]], "float32"), np.float32(0.5)], False),
    "heaviside_int": (lambda o, a, b: o.heaviside(a, b), [_i(-2, 3, 2, 3), _i(0, 3, 2, 3)], False),
    "nextafter": (lambda o, a, b: o.nextafter(a, b), [X23, _u(-2, 2, 2, 3)], False),
    "gcd": (lambda o, a, b: o.gcd(a, b), [_i(-30, 30, 2, 3), _i(-12, 12, 3)], False),
    "gcd_int8": (lambda o, a, b: o.gcd(a, b), [_i(-30, 30, 2, 3, dtype="int8"),
                                              _i(0, 12, 2, 3, dtype="uint8")], False),
    "lcm": (lambda o, a, b: o.lcm(a, b), [_i(-12, 12, 2, 3), _i(-9, 9, 2, 3)], False),
    "bitwise_and": (lambda o, a, b: o.bitwise_and(a, b), [_i(-50, 50, 2, 3), _i(-50, 50, 2, 3)],
                    False),
    "bitwise_or": (lambda o, a, b: o.bitwise_or(a, b), [_i(-50, 50, 3), _i(-50, 50, 2, 3)], False),
    "bitwise_xor": (lambda o, a, b: o.bitwise_xor(a, b),
                    [_i(0, 50, 2, 3, dtype="uint8"), _i(-50, 50, 2, 3, dtype="int8")], False),
    "bitwise_not": (lambda o, a: o.bitwise_not(a), [_i(-50, 50, 2, 3, dtype="int16")], False),
    "bitwise_invert": (lambda o, a: o.bitwise_invert(a), [_i(0, 50, 2, 3, dtype="uint8")], False),
    "bitwise_left_shift": (lambda o, a, b: o.bitwise_left_shift(a, b),
                           [_i(-50, 50, 2, 3), _i(0, 5, 2, 3)], False),
    "left_shift": (lambda o, a: o.left_shift(a, 3), [_i(-50, 50, 2, 3, dtype="int64")], False),
    "bitwise_right_shift": (lambda o, a, b: o.bitwise_right_shift(a, b),
                            [_i(-50, 50, 2, 3), _i(0, 5, 2, 3)], False),
    "right_shift": (lambda o, a: o.right_shift(a, 2), [_i(-50, 50, 2, 3, dtype="int8")], False),
    # no infinities: Keras on TensorFlow finds inf close to -inf and not to inf (see below)
    "isclose": (lambda o, a, b: o.isclose(a, b),
                [np.array([[1.0, 1.0, 1e-9], [np.nan, 0, 2]], "float32"),
                 np.array([[1.0 + 1e-6, 1.001, 0.0], [np.nan, 1e-8, 3]], "float32")], False),
    "isclose_tolerances": (lambda o, a, b: o.isclose(a, b, rtol=0.01, atol=0.1, equal_nan=True),
                           [np.array([[1.0, 1.0, 0.0], [np.nan, 2, 3]], "float32"),
                            np.array([[1.009, 1.2, 0.09], [np.nan, 1, 3]], "float32")], False),
    "isclose_int": (lambda o, a, b: o.isclose(a, b), [_i(0, 3, 2, 3), _i(0, 3, 2, 3)], False),
    "allclose": (lambda o, a, b: o.allclose(a, b), [X23, X23 + 1e-7], False),
    "allclose_false": (lambda o, a, b: o.allclose(a, b, atol=0.0), [X23, X23 + 1e-3], False),
    "isinf": (lambda o, x: o.isinf(x), [SPECIAL], False),
    "isinf_int": (lambda o, x: o.isinf(x), [_i(-3, 3, 2, 3)], False),
    "isposinf": (lambda o, x: o.isposinf(x), [SPECIAL], False),
    "isneginf": (lambda o, x: o.isneginf(x), [SPECIAL], False),
    "signbit": (lambda o, x: o.signbit(x), [SPECIAL], False),
    "signbit_values": (lambda o, x: o.signbit(x), [X23], False),
    "signbit_int": (lambda o, x: o.signbit(x), [_i(-3, 3, 2, 3)], False),
    "trunc": (lambda o, x: o.trunc(x), [_u(-3, 3, 2, 3)], False),
    "trunc_int": (lambda o, x: o.trunc(x), [_i(-3, 3, 2, 3)], False),
    "nan_to_num": (lambda o, x: o.nan_to_num(x), [SPECIAL], False),
    "nan_to_num_values": (lambda o, x: o.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0),
                          [SPECIAL], False),
    "nan_to_num_grad": (lambda o, x: o.nan_to_num(x), [X23], True),
    "nan_to_num_float64": (lambda o, x: o.nan_to_num(x), [SPECIAL.astype("float64")], False),
    "nan_to_num_int": (lambda o, x: o.nan_to_num(x), [_i(-3, 3, 2, 3)], False),
    "isreal": (lambda o, x: o.isreal(x), [X23], False),
    "real": (lambda o, x: o.real(x), [X23], True),
    "imag": (lambda o, x: o.imag(x), [X23], False),
    "conj": (lambda o, x: o.conj(x), [X23], True),
    "conjugate": (lambda o, x: o.conjugate(x), [_i(-3, 3, 2, 3)], False),
    "angle": (lambda o, x: o.angle(x), [np.array([[1.0, -1.0, 0.0], [-2.5, 3, 0.5]], "float32")],
              False),
    "angle_int": (lambda o, x: o.angle(x), [_i(-3, 3, 2, 3)], False),
    "copy": (lambda o, x: o.copy(x), [X23], True),
    "copy_int": (lambda o, x: o.copy(x), [_i(-3, 3, 2, 3, dtype="int16")], False),
})
COVERED = {"allclose", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
           "arctanh", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
           "bitwise_or", "bitwise_right_shift", "bitwise_xor", "cbrt", "conj", "conjugate",
           "copy", "cosh", "deg2rad", "divide_no_nan", "exp2", "fabs", "fmax", "fmin", "fmod",
           "gcd", "heaviside", "hypot", "i0", "imag", "isclose", "isinf", "isneginf",
           "isposinf", "isreal", "lcm", "ldexp", "left_shift", "log10", "log2", "logaddexp",
           "logaddexp2", "nan_to_num", "nextafter", "rad2deg", "real", "right_shift", "signbit",
           "sinc", "sinh", "tan", "trunc"}


def test_every_elementwise_op_has_a_case():
    from kfront.ops import elementwise
    case_suite.check_covered(COVERED, elementwise.__all__, CASES, "ops.elementwise")


@pytest.fixture(scope="module")
def keras_results(keras):
    return case_suite.keras_outputs(keras, CASES)


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        case_suite.check_results(CASES, keras_results)


def test_native_gradients_match_finite_differences():
    case_suite.check_finite_differences(CASES)


def test_adapter_gradients_match_native(backend):
    case_suite.check_adapter_gradients(CASES, backend, COVERED)


def test_complex_parts(backend):
    """Complex inputs (Keras's TensorFlow backend agrees with numpy here)."""
    z = np.array([1 + 2j, -3 - 0.5j, 2 + 0j], "complex64")
    for f, want in [(ops.real, z.real), (ops.imag, z.imag), (ops.conj, np.conj(z)),
                    (ops.angle, np.angle(z)), (ops.isreal, np.isreal(z))]:
        got = ops.convert_to_numpy(f(z))
        assert got.dtype == want.dtype, (f.__name__, got.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f.__name__)


def test_isclose_infinities_as_numpy(backend):
    """Infinities are close only to themselves, as in NumPy and Keras's JAX and NumPy backends
    (Keras's TensorFlow backend computes |inf - inf| <= tol: False, and inf close to -inf)."""
    a = np.array([np.inf, np.inf, -np.inf, 1.0], "float32")
    b = np.array([np.inf, -np.inf, -np.inf, np.inf], "float32")
    got = ops.convert_to_numpy(ops.isclose(a, b))
    np.testing.assert_array_equal(got, np.isclose(a, b))
    assert not bool(ops.allclose(a, b)) and bool(ops.allclose(a[:1], b[:1]))


BAD = [
    (lambda: ops.arccos(np.array([1j])), TypeError,
     "arccos: `x` must be a real float, integer or bool tensor; got dtype complex128"),
    (lambda: ops.bitwise_and(np.ones(2), np.ones(2, "int32")), TypeError,
     "bitwise_and: `x` must be an integer or bool tensor; got dtype float64"),
    (lambda: ops.left_shift(np.ones(2, "int32"), 1.5), TypeError,
     "left_shift: `y` must be an integer or bool tensor; got dtype float"),
    (lambda: ops.bitwise_not(np.array([1.5])), TypeError,
     "bitwise_not: `x` must be an integer or bool tensor; got dtype float64"),
    (lambda: ops.gcd(np.ones(2), np.ones(2)), TypeError, "gcd: `x1` must be an integer tensor"),
    (lambda: ops.ldexp(np.ones(2), np.ones(2)), TypeError,
     "ldexp: `x2` must be an integer tensor; got dtype float64"),
    (lambda: ops.hypot(np.ones(2), np.array([1j])), TypeError,
     "hypot: `x2` must be a real float, integer or bool tensor"),
    (lambda: ops.logaddexp(np.ones((2, 3)), np.ones(2)), ValueError,
     "logaddexp: `x1` and `x2` must have broadcastable shapes; got (2, 3) and (2,)"),
    (lambda: ops.bitwise_or(np.ones(3, "int32"), np.ones(2, "int32")), ValueError,
     "bitwise_or: `x` and `y` must have broadcastable shapes"),
]


def test_bad_input_errors(backend):
    case_suite.check_errors(BAD)
