"""``kfront.ops`` math group and ``kfront.ops.linalg``: results equal real Keras's ``keras.ops``
(TensorFlow backend, in-process) on every kfront backend; the native engine's gradients equal
central finite differences in float64; every adapter's gradients equal the native ones; bad
input is a clear error.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import kfront
from kfront import ops
from ops.case_suite import assert_matches_finite_differences

rng = np.random.default_rng(13)


def _u(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype("float32")


def _spd(*batch, n=3):
    a = rng.normal(size=batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype("float32")


def _well(*batch, n=3):
    return (rng.normal(size=batch + (n, n)) + 3 * np.eye(n)).astype("float32")


def _sym(o, x):
    """x + x^T: the FD check then moves both triangles (cholesky reads only the lower one)."""
    return o.add(x, o.swapaxes(x, -1, -2))


def _fixed_eigh(o, x):
    w, v = o.eigh(x)
    return w, o.multiply(v, o.sign(o.sum(v, axis=-2, keepdims=True)))


def _fixed_qr(o, x, mode="reduced"):
    """Q, R with R's diagonal made non-negative (sign has no gradient)."""
    q, r = o.qr(x, mode=mode)
    k = min(o.shape(x)[-2:])
    d = o.sign(o.sum(o.multiply(r[..., :k, :k], np.eye(k)), axis=-1))
    return o.multiply(q[..., :k], o.expand_dims(d, -2)), o.multiply(r[..., :k, :],
                                                                    o.expand_dims(d, -1))


def _fixed_svd(o, x, full_matrices=True):
    """U, S, Vh with each singular pair's sign fixed by the sum of its U column."""
    u, s, vh = o.svd(x, full_matrices=full_matrices)
    k = o.shape(s)[-1]
    d = o.sign(o.sum(u[..., :k], axis=-2, keepdims=True))
    return o.multiply(u[..., :k], d), s, o.multiply(vh[..., :k, :], o.swapaxes(d, -1, -2))


IDS = np.array([0, 1, 2, 0, 2])
X35 = _u(-2, 2, 5, 3)

# name -> (f(ops_namespace, *inputs), inputs, differentiable)
CASES = {
    "erf": (lambda o, x: o.erf(x), [_u(-2, 2, 3, 4)], True),
    "erfc": (lambda o, x: o.erfc(x), [_u(-2, 3, 3, 4)], True),
    "erfinv": (lambda o, x: o.erfinv(x), [_u(-0.95, 0.95, 3, 4)], True),
    "rsqrt": (lambda o, x: o.rsqrt(x), [_u(0.5, 3, 3, 4)], True),
    "logsumexp": (lambda o, x: o.logsumexp(x, axis=-1, keepdims=True), [_u(-2, 2, 3, 4)], True),
    "top_k": (lambda o, x: o.top_k(x, 3), [_u(-2, 2, 2, 6)], True),
    "top_k_ties": (lambda o, x: o.top_k(x, 2),
                   [np.array([[1, 3, 3, 0, 3, 1], [2, 2, 2, 2, 2, 2]], "float32")], False),
    "in_top_k": (lambda o, t, p: o.in_top_k(t, p, 2),
                 [np.array([0, 3, 1], "int32"), _u(-1, 1, 3, 5)], False),
    "segment_sum": (lambda o, x: o.segment_sum(x, IDS, num_segments=4), [X35], True),
    "segment_sum_default": (lambda o, x: o.segment_sum(x, np.array([0, 1, 1, 0, 1])), [X35],
                            True),
    "segment_max": (lambda o, x: o.segment_max(x, IDS, num_segments=3), [X35], True),
    "segment_min": (lambda o, x: o.segment_min(x, IDS, num_segments=3), [X35], True),
    # empty segments (1 and 3): the dtype's lowest / highest value, as Keras on TensorFlow
    "segment_max_empty": (lambda o, x: o.segment_max(x, IDS * 2, num_segments=5), [X35], False),
    "segment_min_empty": (lambda o, x: o.segment_min(x, IDS * 2, num_segments=5), [X35], False),
    "segment_prod": (lambda o, x: o.segment_prod(x, IDS * 2, num_segments=5),
                     [np.where(X35 > 1.5, 0, X35).astype("float32")], True),
    "fft": (lambda o, r, i: o.fft((r, i)), [_u(-1, 1, 2, 5), _u(-1, 1, 2, 5)], True),
    "fft2": (lambda o, r, i: o.fft2((r, i)), [_u(-1, 1, 2, 3, 4), _u(-1, 1, 2, 3, 4)], True),
    "ifft2": (lambda o, r, i: o.ifft2((r, i)), [_u(-1, 1, 3, 4), _u(-1, 1, 3, 4)], True),
    "rfft": (lambda o, x: o.rfft(x), [_u(-1, 1, 2, 6)], True),
    "rfft_pad": (lambda o, x: o.rfft(x, fft_length=8), [_u(-1, 1, 2, 5)], True),
    "rfft_cut": (lambda o, x: o.rfft(x, fft_length=3), [_u(-1, 1, 2, 5)], True),
    "irfft": (lambda o, r, i: o.irfft((r, i)), [_u(-1, 1, 2, 4), _u(-1, 1, 2, 4)], True),
    "irfft_odd": (lambda o, r, i: o.irfft((r, i), fft_length=5),
                  [_u(-1, 1, 2, 4), _u(-1, 1, 2, 4)], True),
    "irfft_pad": (lambda o, r, i: o.irfft((r, i), fft_length=10),
                  [_u(-1, 1, 2, 4), _u(-1, 1, 2, 4)], True),
    "extract_sequences": (lambda o, x: o.extract_sequences(x, 3, 2), [_u(-1, 1, 2, 8)], True),
    "stft": (lambda o, x: o.stft(x, 6, 3, 8), [_u(-1, 1, 2, 20)], True),
    # even sequence_length: for odd ones TensorFlow's "periodic" windows are symmetric, so Keras
    # on TensorFlow differs from Keras on JAX and NumPy (and kfront, which follows those)
    "stft_hamming_nocenter": (lambda o, x: o.stft(x, 4, 2, 7, window="hamming", center=False),
                              [_u(-1, 1, 16)], True),
    "stft_no_window": (lambda o, x: o.stft(x, 4, 4, 6, window=None), [_u(-1, 1, 2, 12)], True),
    "istft": (lambda o, r, i: o.istft((r, i), 6, 3, 8), [_u(-1, 1, 2, 6, 5), _u(-1, 1, 2, 6, 5)],
              True),
    "istft_length": (lambda o, r, i: o.istft((r, i), 8, 2, 8, length=9, window="hamming"),
                     [_u(-1, 1, 7, 5), _u(-1, 1, 7, 5)], True),
    "istft_nocenter": (lambda o, r, i: o.istft((r, i), 4, 2, 4, window=None, center=False),
                       [_u(-1, 1, 5, 3), _u(-1, 1, 5, 3)], True),
    "matrix_rank": (lambda o, x: o.matrix_rank(x),
                    [np.stack([np.eye(3), np.ones((3, 3)), np.diag([1, 1, 1e-9])]).astype(
                        "float32")], False),
    "matrix_rank_tol": (lambda o, x: o.matrix_rank(x, tol=0.5),
                        [np.diag([2.0, 1.0, 0.25]).astype("float32")], False),
    "logdet": (lambda o, x: o.logdet(x), [_spd(2)], True),
    "cdist": (lambda o, x, y: o.cdist(x, y), [_u(-1, 1, 2, 3, 4), _u(-1, 1, 2, 5, 4)], True),
    "cholesky": (lambda o, x: o.cholesky(_sym(o, x)), [_spd(2)], True),
    "cholesky_upper": (lambda o, x: o.cholesky(_sym(o, x), upper=True), [_spd()], True),
    "cholesky_inverse": (lambda o, x: o.cholesky_inverse(x),
                         [np.tril(_well(2)).astype("float32")], True),
    "cholesky_inverse_upper": (lambda o, x: o.cholesky_inverse(x, upper=True),
                               [np.triu(_well()).astype("float32")], True),
    # eigenvectors up to sign: each column's sign fixed by its sum (sign has no gradient)
    "eigh": (lambda o, x: _fixed_eigh(o, _sym(o, x)), [_spd(2)], True),
    "qr": (lambda o, x: _fixed_qr(o, x), [_u(-1, 1, 2, 4, 3)], True),
    "qr_wide": (lambda o, x: _fixed_qr(o, x), [_u(-1, 1, 2, 4)], True),
    "qr_complete": (lambda o, x: _fixed_qr(o, x, "complete"), [_u(-1, 1, 4, 3)], False),
    "svd": (lambda o, x: _fixed_svd(o, x), [_u(-1, 1, 2, 3, 3)], True),
    "svd_reduced_tall": (lambda o, x: _fixed_svd(o, x, False), [_u(-1, 1, 2, 4, 3)], True),
    "svd_reduced_wide": (lambda o, x: _fixed_svd(o, x, False), [_u(-1, 1, 3, 5)], True),
    "svd_full_wide": (lambda o, x: _fixed_svd(o, x), [_u(-1, 1, 3, 5)], False),
    "svd_values": (lambda o, x: o.svd(x, compute_uv=False), [_u(-1, 1, 2, 4, 3)], True),
    "lu_factor": (lambda o, x: o.lu_factor(x), [_u(-1, 1, 4, 4)], True),  # Keras (TF): 2-D only
    "det": (lambda o, x: o.det(x), [_well(2)], True),
    "inv": (lambda o, x: o.inv(x), [_well(2)], True),
    "solve": (lambda o, a, b: o.solve(a, b), [_well(2), _u(-1, 1, 2, 3, 2)], True),
    "solve_triangular": (lambda o, a, b: o.solve_triangular(a, b), [_well(2), _u(-1, 1, 2, 3, 2)],
                         True),
    "solve_triangular_lower": (lambda o, a, b: o.solve_triangular(a, b, lower=True),
                               [_well(2), _u(-1, 1, 2, 3)], True),
    "norm": (lambda o, x: o.norm(x), [_u(-1, 1, 3, 4)], True),
    "pinv": (lambda o, x: o.pinv(x), [_u(-1, 1, 2, 3, 4)], True),
    "pinv_tall": (lambda o, x: o.pinv(x, rcond=1e-3), [_u(-1, 1, 4, 2)], True),
    "lstsq": (lambda o, a, b: o.lstsq(a, b), [_u(-1, 1, 5, 3), _u(-1, 1, 5, 2)], True),
    "lstsq_vector": (lambda o, a, b: o.lstsq(a, b), [_u(-1, 1, 3, 4), _u(-1, 1, 3)], True),
}
for _ord in (None, 1, 2, 3, 0.5, math.inf, -math.inf, 0):
    CASES[f"norm_vector_{_ord}"] = (lambda o, x, _ord=_ord: o.norm(x, ord=_ord, axis=-1),
                                    [_u(-1, 1, 2, 3, 4)], _ord != 0)
for _ord in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
    CASES[f"norm_matrix_{_ord}"] = (
        lambda o, x, _ord=_ord: o.norm(x, ord=_ord, axis=(0, 2), keepdims=True),
        [_u(-1, 1, 3, 2, 4)], True)
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]


def test_every_math_and_linalg_op_has_a_case():
    """The other op suites leave ``ops.math`` and ``ops.linalg`` to this one."""
    from kfront.ops import linalg, math
    names = set(math.__all__) | set(linalg.__all__)
    missing = sorted(n for n in names if not any(k == n or k.startswith(n + "_") for k in CASES))
    assert not missing, f"ops.math / ops.linalg names without a case here: {missing}"


def _outputs(out) -> list:
    return [np.asarray(ops.convert_to_numpy(o)) if not isinstance(o, np.ndarray) else o
            for o in (out if isinstance(out, tuple) else (out,))]


@pytest.fixture(scope="module")
def keras_results(keras):
    results = {}
    for name, (f, inputs, _) in CASES.items():
        out = f(keras.ops, *inputs)
        results[name] = [keras.ops.convert_to_numpy(o) for o in
                         (out if isinstance(out, (tuple, list)) else (out,))]
    return results


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    for name, (f, inputs, _) in CASES.items():
        got, want = _outputs(f(ops, *inputs)), keras_results[name]
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert str(g.dtype) == str(w.dtype), (name, g.dtype, w.dtype)
            if g.dtype.kind == "f":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def _loss_fn(name):
    """A scalar loss of case ``name``: its float outputs weighted by fixed random weights."""
    f, inputs, _ = CASES[name]

    def loss(*xs):
        out = f(ops, *xs)
        total = 0.0
        for i, o in enumerate(out if isinstance(out, tuple) else (out,)):
            if ops.dtype(o).startswith("float"):
                w = np.random.default_rng(i).normal(size=ops.shape(o))
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    return loss, [i.astype("float64") for i in inputs]


def _grads(name):
    loss, xs = _loss_fn(name)
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    _, grads = ops.value_and_grad(loss, argnums=argnums)(*xs)
    return loss, xs, argnums, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_native_gradient_matches_finite_differences(name):
    loss, xs, argnums, grads = _grads(name)
    assert_matches_finite_differences(name, loss, xs, argnums, grads)


def test_adapter_gradients_match_native(backend):
    if backend == "numpy":
        pytest.skip("the native engine is the reference")
    kfront.config.set_backend("numpy")
    native = {name: _grads(name)[3] for name in DIFFERENTIABLE}
    kfront.config.set_backend(backend)
    for name in DIFFERENTIABLE:
        for g, n in zip(_grads(name)[3], native[name]):
            np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9, err_msg=name)


BAD = [
    (lambda: ops.det(np.ones((2, 3))), ValueError, "det: `x` must be a batch of square"),
    (lambda: ops.inv(np.ones(3)), ValueError, "inv: `x` must have rank >= 2"),
    (lambda: ops.solve(np.eye(3), np.ones((2, 2))), ValueError, "solve: `b` must have shape"),
    (lambda: ops.solve_triangular(np.eye(3), np.ones(4)), ValueError, "solve_triangular: `b`"),
    (lambda: ops.norm(np.ones((2, 2, 2)), ord=1), ValueError, "norm: `ord`=1 needs `axis`"),
    (lambda: ops.norm(np.ones((2, 2)), axis=5), ValueError, "norm: `axis` 5 is out of range"),
    (lambda: ops.norm(np.ones((2, 2)), ord="fro", axis=0), ValueError, "matrix norm"),
    (lambda: ops.norm(np.ones((2, 2)), ord=3), ValueError, "norm: matrix `ord` must be"),
    (lambda: ops.norm(np.ones((2, 2, 2)), axis=(0, 1, 2)), ValueError, "1 or 2 axes"),
    (lambda: ops.top_k(np.ones(3), 4), ValueError, "top_k: `k` must be an int in [0, 3]"),
    (lambda: ops.top_k(np.float32(1), 1), ValueError, "top_k: `x` must have rank >= 1"),
    (lambda: ops.in_top_k(np.ones(2), np.ones((2, 3)), 1), TypeError,
     "in_top_k: `targets` must be an integer tensor"),
    (lambda: ops.in_top_k(np.ones(3, "int32"), np.ones((2, 3)), 1), ValueError,
     "in_top_k: expected `predictions` of shape (batch, classes)"),
    (lambda: ops.segment_sum(np.ones((3, 2)), np.array([0, 1])), ValueError,
     "segment_sum: `segment_ids` must have shape (3,)"),
    (lambda: ops.segment_max(np.ones(3), np.ones(3)), TypeError,
     "segment_max: `segment_ids` must be an integer tensor"),
    (lambda: ops.fft(np.ones(3)), ValueError, "fft: `x` must be a (real, imag) pair"),
    (lambda: ops.fft2((np.ones((2, 3)), np.ones((3, 2)))), ValueError, "same shape"),
    (lambda: ops.ifft2((np.ones(3), np.ones(3))), ValueError, "ifft2: `x` must have rank >= 2"),
    (lambda: ops.rfft(np.ones(4), fft_length=0), ValueError, "rfft: `fft_length` must be"),
    (lambda: ops.extract_sequences(np.ones(4), 0, 1), ValueError,
     "extract_sequences: `sequence_length` must be a positive int"),
    (lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), ValueError, "cdist: `x` and `y`"),
    (lambda: ops.stft(np.ones(8, "int32"), 4, 2, 4), TypeError,
     "stft: `x` must be float32 or float64"),
    (lambda: ops.stft(np.ones(8), 4, 2, 3), ValueError, "stft: `fft_length` must be >="),
    (lambda: ops.stft(np.ones(8), 4, 2, 4, window="box"), ValueError, "stft: `window` must be"),
    (lambda: ops.istft((np.ones((2, 3)), np.ones((2, 3))), 4, 2, 4, window=np.ones(3)),
     ValueError, "istft: `window` must have shape (4,)"),
    (lambda: ops.eigh(np.ones((2, 3))), ValueError, "eigh: `x` must be a batch of square"),
    (lambda: ops.qr(np.ones((2, 2)), mode="r"), ValueError, 'qr: `mode` must be "reduced"'),
    (lambda: ops.lu_factor(np.ones((2, 3))), ValueError, "lu_factor: `x` must be a batch of"),
    (lambda: ops.pinv(np.ones(3)), ValueError, "pinv: `x` must have rank >= 2"),
    (lambda: ops.lstsq(np.ones((3, 2)), np.ones(2)), ValueError, "lstsq: expected `a` of shape"),
    (lambda: ops.matrix_rank(np.ones(3)), ValueError, "matrix_rank: `x` must have rank >= 2"),
    (lambda: ops.logdet(np.ones((2, 3))), ValueError, "logdet: `x` must be a batch of square"),
    (lambda: ops.erf(np.array([1j])), TypeError, "erf: `x` must be a real float or integer"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))


def test_names_and_dtypes(backend):
    """Submodule access as Keras (``ops.linalg.<name>``) and integer inputs -> floatx."""
    assert ops.linalg.det is ops.det and ops.math.erf is ops.erf
    assert ops.dtype(ops.erf(np.array([1, 2], "int32"))) == "float32"
    assert ops.dtype(ops.linalg.norm(np.array([3, 4], "int32"))) == "float32"
    values, indices = ops.top_k(np.array([3, 1, 2], "int32"), 2)
    assert ops.dtype(values) == "int32" and ops.dtype(indices) == "int32"


def test_top_k_of_long_rows_equals_a_stable_sort(backend):
    """Long rows take the native engine's block search; ties keep the lower index first."""
    data = np.random.default_rng(7)
    rows = data.normal(size=(6, 4096)).astype("float32")
    rows[0, [5, 3000, 4095]] = 50.0  # a tie at the top, across blocks
    rows[1] = np.where(np.arange(4096) % 7 == 0, 1.0, 0.0)  # ties everywhere
    rows[2, 1::64] = rows[2].max() + 1  # every block's maximum is tied
    ints = data.integers(0, 40, size=(3, 1024)).astype("int32")
    for x, k in [(rows, 10), (rows, 1), (ints, 8)]:
        values, indices = ops.top_k(x, k)
        want = np.argsort(-x, axis=-1, kind="stable")[:, :k]
        np.testing.assert_array_equal(ops.convert_to_numpy(indices), want)
        np.testing.assert_array_equal(ops.convert_to_numpy(values), np.take_along_axis(x, want, -1))
