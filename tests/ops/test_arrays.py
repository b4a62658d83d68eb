"""``kfront.ops`` array ops (``kfront/ops/arrays.py``): results equal real Keras's ``keras.ops``
(TensorFlow backend, in-process) on every kfront backend, dtypes included; the native engine's
gradients equal central finite differences in float64; every adapter's gradients equal the
native ones; bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops

rng = np.random.default_rng(14)


def _u(*shape):
    return rng.uniform(-1, 1, shape).astype("float32")


def _i(*shape, hi=5):
    return rng.integers(-hi, hi, shape).astype("int32")


# name -> (f(ops_namespace, *inputs), inputs, differentiable); a case named ``op`` or ``op_*``
# covers ``op``
CASES = {
    "einsum_matmul": (lambda o, a, b: o.einsum("ij,jk->ik", a, b), [_u(2, 3), _u(3, 4)], True),
    "einsum_attention": (lambda o, q, k: o.einsum("bqhd,bkhd->bhqk", q, k),
                         [_u(2, 3, 2, 4), _u(2, 5, 2, 4)], True),
    "einsum_dense": (lambda o, x, w: o.einsum("abc,cde->abde", x, w),
                     [_u(2, 3, 4), _u(4, 2, 3)], True),
    "einsum_ellipsis_broadcast": (lambda o, x, w: o.einsum("...ij,...jk->...ik", x, w),
                                  [_u(2, 1, 2, 3), _u(3, 3, 2)], True),
    "einsum_trace": (lambda o, x: o.einsum("ii", x), [_u(3, 3)], True),
    "einsum_diag_sum_only": (lambda o, x, y: o.einsum("iij,k->ik", x, y),
                             [_u(3, 3, 2), _u(4)], True),
    "einsum_three": (lambda o, a, b, c: o.einsum("ij,jk,kl->il", a, b, c),
                     [_u(2, 3), _u(3, 4), _u(4, 2)], True),
    "einsum_outer_transpose": (lambda o, a, b: o.einsum("i,j->ji", a, b), [_u(3), _u(2)], True),
    "einsum_implicit": (lambda o, a, b: o.einsum("ij,jk", a, b), [_u(2, 3), _u(3, 4)], True),
    "einsum_int8": (lambda o, a, b: o.einsum("ij,jk->ik", a, b),
                    [_i(2, 3).astype("int8"), _i(3, 2).astype("int8")], False),
    "einsum_mixed": (lambda o, a, b: o.einsum("ij,j->i", a, b), [_i(2, 3), _u(3)], False),
}
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]
COVERED = {"einsum"}


def test_every_array_op_has_a_case():
    """Every name of ``kfront.ops.arrays`` has a case here, and COVERED lists exactly them."""
    from kfront.ops import arrays
    assert COVERED == set(arrays.__all__), sorted(COVERED ^ set(arrays.__all__))
    missing = sorted(n for n in COVERED if not any(k == n or k.startswith(n + "_")
                                                   for k in CASES))
    assert not missing, f"ops.arrays names without a case here: {missing}"


def _outputs(out) -> list:
    return [np.asarray(ops.convert_to_numpy(o)) for o in
            (out if isinstance(out, (tuple, list)) else (out,))]


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
        total = 0.0
        for i, o in enumerate(_as_tuple(f(ops, *xs))):
            if ops.dtype(o).startswith("float"):
                w = np.random.default_rng(i).normal(size=ops.shape(o))
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    return loss, [i.astype("float64") if i.dtype.kind == "f" else i for i in inputs]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _grads(name):
    loss, xs = _loss_fn(name)
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    _, grads = ops.value_and_grad(loss, argnums=argnums)(*xs)
    return loss, xs, argnums, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


def test_native_gradients_match_finite_differences():
    for name in DIFFERENTIABLE:
        loss, xs, argnums, grads = _grads(name)
        eps = 1e-6
        for arg, g in zip(argnums, grads):
            fd = np.zeros_like(xs[arg])
            for idx in np.ndindex(xs[arg].shape):
                plus = [x.copy() for x in xs]
                minus = [x.copy() for x in xs]
                plus[arg][idx] += eps
                minus[arg][idx] -= eps
                fd[idx] = (float(loss(*plus)) - float(loss(*minus))) / (2 * eps)
            err = np.max(np.abs(g - fd)) / max(np.max(np.abs(fd)), 1e-12)
            assert err < 1e-6, (name, arg, err)


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
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3))), ValueError,
     "einsum: `subscripts` 'ij,jk->ik' names 2 operand(s) but 1 were given"),
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), ValueError,
     "einsum: index 'j' of `subscripts` 'ij,jk->ik' has size 3 in one operand and 4"),
    (lambda: ops.einsum("ijk->i", np.ones((2, 3))), ValueError,
     "einsum: the term 'ijk' of `subscripts` does not fit an operand of shape (2, 3)"),
    (lambda: ops.einsum("ij->iz", np.ones((2, 3))), ValueError, "names 'z', which is not"),
    (lambda: ops.einsum("i1->i", np.ones(2)), ValueError, "may hold only letters"),
    (lambda: ops.einsum(3, np.ones(2)), TypeError, "einsum: `subscripts` must be a string"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
