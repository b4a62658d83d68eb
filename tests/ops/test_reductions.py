"""``kfront.ops`` reductions and statistics (``kfront/ops/reductions.py``): results equal real
Keras's ``keras.ops`` (TensorFlow backend, in-process) on every kfront backend, dtypes included;
the native engine's gradients equal central finite differences in float64; every adapter's
gradients equal the native ones; bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops
from ops import case_suite

rng = np.random.default_rng(16)


def _u(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype("float32")


def _i(lo, hi, *shape, dtype="int32"):
    return rng.integers(lo, hi, shape).astype(dtype)


# most inputs have shape (3, 4): JAX compiles each primitive once per shape and dtype
X = _u(-2, 2, 3, 4)
POS = _u(0.5, 1.5, 3, 4)
NANS = X.copy()
NANS[0, 1] = NANS[1, 0] = NANS[1, 3] = NANS[2, :] = np.nan  # row 2 all NaN
NANS_GRAD = X.copy()
NANS_GRAD[0, 1] = NANS_GRAD[1, 0] = NANS_GRAD[1, 3] = np.nan  # no all-NaN slice along axis 1
INTS = _i(-5, 6, 3, 4)
ZEROS = np.where(np.abs(X) < 0.6, 0, X).astype("float32")
BOOLS = X > 0

# name -> (f(ops_namespace, *inputs), inputs, differentiable)
CASES = {
    "prod": (lambda o, x: o.prod(x, axis=1), [POS], True),
    "prod_all": (lambda o, x: o.prod(x), [POS], True),
    "prod_tuple_keepdims": (lambda o, x: o.prod(x, axis=(0, -1), keepdims=True), [POS], True),
    "prod_zeros": (lambda o, x: o.prod(x, axis=0), [ZEROS], False),
    "prod_int": (lambda o, x: o.prod(x, axis=1), [INTS.astype("int8")], False),
    "prod_uint": (lambda o, x: o.prod(x, axis=0), [np.abs(INTS).astype("uint8")], False),
    "prod_bool": (lambda o, x: o.prod(x, axis=0), [BOOLS], False),
    "cumprod": (lambda o, x: o.cumprod(x, axis=1), [POS], True),
    "cumprod_flat": (lambda o, x: o.cumprod(x), [POS], True),
    "cumprod_axis0_zeros": (lambda o, x: o.cumprod(x, axis=0), [ZEROS], False),
    "cumprod_int": (lambda o, x: o.cumprod(x, axis=-1), [INTS], False),
    "cumprod_bool": (lambda o, x: o.cumprod(x, axis=0), [BOOLS], False),
    "cumprod_dtype": (lambda o, x: o.cumprod(x, axis=0, dtype="float32"), [INTS], False),
    "nancumsum_dtype": (lambda o, x: o.nancumsum(x, axis=1, dtype="int32"),
                        [INTS.astype("int8")], False),
    "nancumprod": (lambda o, x: o.nancumprod(x, axis=1), [NANS], False),
    "nancumprod_grad": (lambda o, x: o.nancumprod(x, axis=0), [NANS_GRAD], True),
    "nancumprod_int": (lambda o, x: o.nancumprod(x), [INTS], False),
    "nancumsum": (lambda o, x: o.nancumsum(x, axis=1), [NANS], False),
    "nancumsum_grad": (lambda o, x: o.nancumsum(x), [NANS_GRAD], True),
    "nancumsum_int8": (lambda o, x: o.nancumsum(x, axis=0), [INTS.astype("int8")], False),
    "nancumsum_bool": (lambda o, x: o.nancumsum(x, axis=0), [BOOLS], False),
    "nansum": (lambda o, x: o.nansum(x, axis=1), [NANS], False),
    "nansum_grad": (lambda o, x: o.nansum(x, axis=(0, 1), keepdims=True), [NANS_GRAD], True),
    "nansum_int8": (lambda o, x: o.nansum(x, axis=1), [INTS.astype("int8")], False),
    "nanprod": (lambda o, x: o.nanprod(x, axis=1), [NANS], False),
    "nanprod_grad": (lambda o, x: o.nanprod(x, axis=1, keepdims=True), [NANS_GRAD], True),
    "nanprod_bool": (lambda o, x: o.nanprod(x), [BOOLS], False),
    "nanmean": (lambda o, x: o.nanmean(x, axis=1), [NANS], False),
    "nanmean_grad": (lambda o, x: o.nanmean(x, axis=-1, keepdims=True), [NANS_GRAD], True),
    "nanmean_int": (lambda o, x: o.nanmean(x, axis=0), [INTS], False),
    "nanvar": (lambda o, x: o.nanvar(x, axis=1), [NANS], False),
    "nanvar_grad": (lambda o, x: o.nanvar(x, axis=1), [NANS_GRAD], True),
    "nanvar_all": (lambda o, x: o.nanvar(x), [NANS], False),
    "nanstd": (lambda o, x: o.nanstd(x, axis=1, keepdims=True), [NANS], False),
    "nanstd_grad": (lambda o, x: o.nanstd(x, axis=1), [NANS_GRAD], True),
    "nanmax": (lambda o, x: o.nanmax(x, axis=1), [NANS], False),
    "nanmax_grad": (lambda o, x: o.nanmax(x, axis=1), [NANS_GRAD], True),
    "nanmax_int": (lambda o, x: o.nanmax(x, axis=0), [INTS], False),
    "nanmin": (lambda o, x: o.nanmin(x, axis=1, keepdims=True), [NANS], False),
    "nanmin_grad": (lambda o, x: o.nanmin(x), [NANS_GRAD], True),
    "nanargmax": (lambda o, x: o.nanargmax(x, axis=1), [NANS], False),
    "nanargmax_flat": (lambda o, x: o.nanargmax(x), [NANS_GRAD], False),
    "nanargmax_int": (lambda o, x: o.nanargmax(x, axis=0), [INTS], False),
    "nanargmin": (lambda o, x: o.nanargmin(x, axis=1), [NANS], False),
    "nanargmin_keepdims": (lambda o, x: o.nanargmin(x, axis=0, keepdims=True), [NANS], False),
    "median": (lambda o, x: o.median(x, axis=1), [X], True),
    "median_all": (lambda o, x: o.median(x), [X], True),
    "median_tuple": (lambda o, x: o.median(x, axis=(0, 1), keepdims=True), [X], True),
    "median_axis0": (lambda o, x: o.median(x, axis=0), [X], True),
    "median_int": (lambda o, x: o.median(x, axis=1), [INTS], False),
    "median_nan": (lambda o, x: o.median(x, axis=1), [NANS], False),
    "quantile": (lambda o, x: o.quantile(x, 0.3, axis=1), [X], True),
    "quantile_vector": (lambda o, x: o.quantile(x, np.array([0.1, 0.5, 0.95]), axis=0), [X],
                        True),
    "quantile_all_keepdims": (lambda o, x: o.quantile(x, [0.25, 0.8], keepdims=True), [X], True),
    "quantile_nan": (lambda o, x: o.quantile(x, 0.5, axis=1), [NANS], False),
    "quantile_bool": (lambda o, x: o.quantile(x, 0.5), [BOOLS], False),
    "percentile": (lambda o, x: o.percentile(x, [10, 50, 90], axis=-1), [X], True),
    "percentile_int": (lambda o, x: o.percentile(x, 40, axis=0), [INTS], False),
    "nanmedian": (lambda o, x: o.nanmedian(x, axis=1), [NANS], False),
    "nanmedian_grad": (lambda o, x: o.nanmedian(x, axis=1), [NANS_GRAD], True),
    "nanquantile": (lambda o, x: o.nanquantile(x, 0.3, axis=1), [NANS], False),
    "nanquantile_grad": (lambda o, x: o.nanquantile(x, 0.7, axis=1), [NANS_GRAD], True),
    "nanpercentile": (lambda o, x: o.nanpercentile(x, 35, axis=1, keepdims=True), [NANS], False),
    "ptp": (lambda o, x: o.ptp(x, axis=1), [X], True),
    "ptp_all_int": (lambda o, x: o.ptp(x), [INTS], False),
    "ptp_keepdims": (lambda o, x: o.ptp(x, axis=0, keepdims=True), [X], True),
    "count_nonzero": (lambda o, x: o.count_nonzero(x), [INTS], False),
    "count_nonzero_axis": (lambda o, x: o.count_nonzero(x, axis=1), [ZEROS], False),
    "count_nonzero_tuple": (lambda o, x: o.count_nonzero(x, axis=(0, 1)), [BOOLS], False),
    "average": (lambda o, x: o.average(x, axis=1), [X], True),
    "average_weights": (lambda o, x, w: o.average(x, weights=w), [X, POS], True),
    "average_weights_1d": (lambda o, x, w: o.average(x, axis=1, weights=w),
                           [X, _u(0.5, 2, 4)], True),
    "average_int": (lambda o, x: o.average(x, axis=0), [INTS], False),
    "trapezoid": (lambda o, y: o.trapezoid(y), [X], True),
    "trapezoid_dx_axis": (lambda o, y: o.trapezoid(y, dx=0.5, axis=0), [X], True),
    "trapezoid_x": (lambda o, y, x: o.trapezoid(y, x=x), [X, np.cumsum(POS, axis=1)], True),
    "trapezoid_x_1d": (lambda o, y, x: o.trapezoid(y, x=x, axis=0),
                       [X, np.array([0.0, 0.5, 2.0], "float32")], True),
    "trapezoid_int": (lambda o, y: o.trapezoid(y), [INTS], False),
    "corrcoef": (lambda o, x: o.corrcoef(x), [X], True),
    "corrcoef_int": (lambda o, x: o.corrcoef(x), [INTS], False),
    "correlate": (lambda o, a, v: o.correlate(a, v), [_u(-1, 1, 7), _u(-1, 1, 3)], True),
    "correlate_same": (lambda o, a, v: o.correlate(a, v, mode="same"),
                       [_u(-1, 1, 7), _u(-1, 1, 4)], True),
    "correlate_full": (lambda o, a, v: o.correlate(a, v, mode="full"),
                       [_u(-1, 1, 7), _u(-1, 1, 3)], True),
    "correlate_same_longer_v": (lambda o, a, v: o.correlate(a, v, mode="same"),
                                [_u(-1, 1, 3), _u(-1, 1, 4)], True),
    "correlate_int": (lambda o, a, v: o.correlate(a, v, mode="full"),
                      [_i(-3, 3, 5), _i(-3, 3, 2)], False),
    "bartlett": (lambda o: o.bartlett(7), [], False),
    "blackman": (lambda o: o.blackman(6), [], False),
    "hamming": (lambda o: o.hamming(5), [], False),
    "hanning": (lambda o: o.hanning(6), [], False),
    "kaiser": (lambda o: o.kaiser(7, 2.5), [], False),
    "kaiser_one": (lambda o: o.kaiser(1, 1.0), [], False),
}
COVERED = {"average", "bartlett", "blackman", "corrcoef", "correlate", "count_nonzero",
           "cumprod", "hamming", "hanning", "kaiser", "median", "nanargmax", "nanargmin",
           "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin",
           "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
           "percentile", "prod", "ptp", "quantile", "trapezoid"}


def test_every_reduction_has_a_case():
    from kfront.ops import reductions
    case_suite.check_covered(COVERED, reductions.__all__, CASES, "ops.reductions")


@pytest.fixture(scope="module")
def keras_results(keras):
    return case_suite.keras_outputs(keras, CASES)


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    case_suite.check_results(CASES, keras_results)


def test_native_gradients_match_finite_differences():
    case_suite.check_finite_differences(CASES)


def test_native_product_gradients_exact_with_zeros():
    """prod / cumprod differentiate through zeros (one or several in a slice); TensorFlow's
    own cumprod gradient divides by x, so adapters are compared on non-zero inputs only."""
    zeros = np.array([[0.0, 1.5, -2.0, 0.5], [0.0, 0.0, 1.2, 0.7], [1.1, -0.8, 0.9, 0.0]],
                     "float32")
    case_suite.check_finite_differences({
        "prod": (lambda o, x: o.prod(x, axis=1), [zeros], True),
        "cumprod": (lambda o, x: o.cumprod(x, axis=1), [zeros], True),
        "cumprod_flat": (lambda o, x: o.cumprod(x), [zeros], True)})


def test_adapter_gradients_match_native(backend):
    case_suite.check_adapter_gradients(CASES, backend, COVERED)


def test_numpy_semantics_where_keras_tensorflow_differs(backend):
    """As NumPy (and Keras's JAX and NumPy backends): ``correlate`` "valid" with the second
    input longer (Keras on TensorFlow returns an empty tensor), ``nanquantile`` with a vector
    q (Keras on TensorFlow raises), ``prod`` with ``dtype``."""
    a, v = np.array([1.0, 2.0, 3.0], "float32"), np.array([1.0, -1.0, 0.5, 2.0], "float32")
    np.testing.assert_allclose(ops.convert_to_numpy(ops.correlate(a, v)), np.correlate(a, v))
    got = ops.convert_to_numpy(ops.nanquantile(NANS, [0.25, 0.5], axis=1))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(NANS, [0.25, 0.5], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    out = ops.prod(np.array([100, 100, 100], "int32"), dtype="float32")
    assert ops.dtype(out) == "float32" and float(out) == 1e6


BAD = [
    (lambda: ops.prod(np.ones((2, 3)), axis=2), ValueError,
     "prod: `axis` 2 is out of range for a tensor of rank 2"),
    (lambda: ops.nansum(np.ones(3), axis=(0, 0)), ValueError, "nansum: `axis` has repeated"),
    (lambda: ops.quantile(np.ones(3), 1.5), ValueError, "quantile: `q` must lie in [0, 1]"),
    (lambda: ops.percentile(np.ones(3), 101), ValueError,
     "percentile: `q` must lie in [0, 100]"),
    (lambda: ops.quantile(np.ones(3), 0.5, method="cubic"), ValueError,
     "quantile: `method` must be one of linear, lower, higher, midpoint, nearest"),
    (lambda: ops.quantile(np.ones(3), np.ones((2, 2)) / 2), ValueError,
     "quantile: `q` must be a scalar or 1-D"),
    (lambda: ops.median(np.array([1j])), TypeError,
     "median: `x` must be a real float, integer or bool tensor"),
    (lambda: ops.ptp(np.array([True])), TypeError, "ptp: `x` must be a float or integer"),
    (lambda: ops.nanargmax(np.ones((2, 2)), axis=(0, 1)), ValueError,
     "nanargmax: `axis` must be an int or None"),
    (lambda: ops.average(np.ones((2, 3)), axis=0, weights=np.ones(3)), ValueError,
     "average: `weights` must have the shape of `x` (2, 3)"),
    (lambda: ops.trapezoid(np.ones((2, 3)), x=np.ones(4)), ValueError,
     "trapezoid: `x` must have the shape of `y` (2, 3)"),
    (lambda: ops.corrcoef(np.ones((2, 2, 2))), ValueError, "corrcoef: `x` must be 1-D or 2-D"),
    (lambda: ops.correlate(np.ones((2, 2)), np.ones(2)), ValueError,
     "correlate: `x1` and `x2` must be non-empty 1-D tensors"),
    (lambda: ops.correlate(np.ones(3), np.ones(2), mode="circular"), ValueError,
     'correlate: `mode` must be "valid", "same" or "full"'),
    (lambda: ops.hamming(2.5), TypeError, "hamming: `x` (the window length) must be an int"),
    (lambda: ops.cumprod(np.ones((2, 2)), axis=-3), ValueError,
     "cumprod: `axis` -3 is out of range"),
]


def test_bad_input_errors(backend):
    case_suite.check_errors(BAD)
