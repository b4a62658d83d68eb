"""``kfront.ops.nn`` names added for Keras 3 parity (attention, normalizations, the newer
activations, shape ops, pooling, CTC): results equal real Keras's ``keras.ops`` (TensorFlow
backend, in-process) on every kfront backend; the native engine's gradients equal central finite
differences in float64; every adapter's gradients equal the native ones; bad input is a clear
error. The op-table meta-tests leave the names of ``SUITE_NAMES`` to this suite.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops

rng = np.random.default_rng(17)


def _u(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype("float32")


Q, K, V = _u(-1, 1, 2, 3, 4, 5), _u(-1, 1, 2, 4, 4, 5), _u(-1, 1, 2, 4, 4, 5)
MASK = rng.uniform(size=(2, 1, 3, 4)) > 0.3
MASK[0, 0, 1] = False  # a fully masked row attends uniformly, as Keras

# name -> (f(ops_namespace, *inputs), inputs, differentiable)
CASES = {
    "dot_product_attention": (lambda o, q, k, v: o.dot_product_attention(q, k, v), [Q, K, V],
                              True),
    "dot_product_attention_bias_mask": (
        lambda o, q, k, v, b: o.dot_product_attention(q, k, v, bias=b, mask=MASK, scale=0.3),
        [Q, K, V, _u(-1, 1, 4, 3, 4)], True),
    "dot_product_attention_causal": (
        lambda o, q, k, v: o.dot_product_attention(q, k, v, is_causal=True), [Q, K, V], True),
    "dot_product_attention_causal_mask": (
        lambda o, q, k, v: o.dot_product_attention(q, k, v, mask=MASK, is_causal=True,
                                                   flash_attention=False), [Q, K, V], True),
    "dot_product_attention_gqa": (lambda o, q, k, v: o.dot_product_attention(q, k, v),
                                  [Q, K[:, :, :2], V[:, :, :2]], True),
}
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]
# the names this suite covers (the op-table meta-tests leave them to it)
SUITE_NAMES = {"dot_product_attention"}


def test_every_suite_name_has_a_case():
    missing = sorted(n for n in SUITE_NAMES if not any(k == n or k.startswith(n + "_")
                                                        for k in CASES))
    assert not missing, f"ops.nn names without a case here: {missing}"


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
        out = f(ops, *xs)
        total = 0.0
        for i, o in enumerate(out if isinstance(out, (tuple, list)) else (out,)):
            if ops.dtype(o).startswith("float"):
                w = np.random.default_rng(i).normal(size=ops.shape(o))
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    return loss, [i.astype("float64") if i.dtype.kind == "f" else i for i in inputs]


def _grads(name):
    loss, xs = _loss_fn(name)
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    _, grads = ops.value_and_grad(loss, argnums=argnums)(*xs)
    return loss, xs, argnums, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_native_gradient_matches_finite_differences(name):
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
    (lambda: ops.dot_product_attention(Q[0], K, V), ValueError,
     "dot_product_attention: `query` must have rank 4"),
    (lambda: ops.dot_product_attention(Q, K[..., :4], V), ValueError,
     "dot_product_attention: expected `key` of shape (B, S, K, H)"),
    (lambda: ops.dot_product_attention(Q, K[:, :, :3], V[:, :, :3]), ValueError,
     "K dividing the query's N=4"),
    (lambda: ops.dot_product_attention(Q, K, V, mask=np.ones((3, 3), bool)), ValueError,
     "dot_product_attention: `mask` must broadcast to (B, N, T, S) = (2, 4, 3, 4)"),
    (lambda: ops.dot_product_attention(Q, K, V, flash_attention=True), ValueError,
     "flash attention is not supported"),
    (lambda: ops.dot_product_attention(Q, K, V, attn_logits_soft_cap=2.0), ValueError,
     "`attn_logits_soft_cap` is only supported"),
    (lambda: ops.dot_product_attention(*(np.ones((1, 2, 1, 2), "int32"),) * 3), TypeError,
     "dot_product_attention: `query`, `key` and `value` must be floating"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
