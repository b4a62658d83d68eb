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
from ops.case_suite import assert_matches_finite_differences

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
    "dot_product_attention_bias": (  # torch's scaled_dot_product_attention path
        lambda o, q, k, v, b: o.dot_product_attention(q, k, v, bias=b), [Q, K, V, _u(-1, 1, 3, 4)],
        True),
    "dot_product_attention_causal": (
        lambda o, q, k, v: o.dot_product_attention(q, k, v, is_causal=True), [Q, K, V], True),
    "dot_product_attention_causal_mask": (
        lambda o, q, k, v: o.dot_product_attention(q, k, v, mask=MASK, is_causal=True,
                                                   flash_attention=False), [Q, K, V], True),
    "dot_product_attention_gqa": (lambda o, q, k, v: o.dot_product_attention(q, k, v),
                                  [Q, K[:, :, :2], V[:, :, :2]], True),
}


def _away(points, *shape, gap=0.1, scale=2.5):
    """Uniform samples at least ``gap`` away from the kinks at ``points``."""
    x = rng.uniform(-scale, scale, shape)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, 2 * gap, -2 * gap)
    return x.astype("float32")


X = _u(-2, 2, 3, 4)
IMG = _u(-1, 1, 2, 4, 6, 3)
CASES.update({
    "celu": (lambda o, x: o.celu(x, alpha=0.7), [X], True),
    "glu": (lambda o, x: o.glu(x, axis=0), [_u(-2, 2, 4, 3)], True),
    "hard_silu": (lambda o, x: o.hard_silu(x), [_away([-3, 3], 3, 4, scale=4)], True),
    "hard_swish": (lambda o, x: o.hard_swish(x), [_away([-3, 3], 3, 4, scale=4)], True),
    "hard_tanh": (lambda o, x: o.hard_tanh(x), [_away([-1, 1], 3, 4)], True),
    "hard_shrink": (lambda o, x: o.hard_shrink(x, threshold=0.3),
                    [_away([-0.3, 0.3], 3, 4)], True),
    "soft_shrink": (lambda o, x: o.soft_shrink(x), [_away([-0.5, 0.5], 3, 4)], True),
    "tanh_shrink": (lambda o, x: o.tanh_shrink(x), [X], True),
    "sparse_plus": (lambda o, x: o.sparse_plus(x), [_away([-1, 1], 3, 4)], True),
    "sparse_sigmoid": (lambda o, x: o.sparse_sigmoid(x), [_away([-1, 1], 3, 4)], True),
    "squareplus": (lambda o, x: o.squareplus(x, b=2), [X], True),
    "threshold": (lambda o, x: o.threshold(x, 0.2, -3.0), [_away([0.2], 3, 4)], True),
    "sparsemax": (lambda o, x: o.sparsemax(x), [_u(-1, 1, 3, 5)], True),
    "sparsemax_axis0": (lambda o, x: o.sparsemax(x, axis=0), [_u(-1, 1, 4, 3)], True),
    "moments": (lambda o, x: o.moments(x, axes=[0, 2]), [_u(-1, 1, 3, 2, 4)], True),
    "moments_keepdims": (lambda o, x: o.moments(x, axes=-1, keepdims=True), [X], True),
    "batch_normalization": (
        lambda o, x, m, v, b, g: o.batch_normalization(x, m, v, axis=1, offset=b, scale=g),
        [_u(-1, 1, 2, 3, 4), _u(-1, 1, 3), _u(0.5, 2, 3), _u(-1, 1, 3), _u(0.5, 2, 3)], True),
    "batch_normalization_last": (
        lambda o, x, m, v: o.batch_normalization(x, m, v, axis=-1, epsilon=0.1),
        [X, _u(-1, 1, 4), _u(0.5, 2, 4)], True),
    "layer_normalization": (lambda o, x, g, b: o.layer_normalization(x, g, b),
                            [X, _u(0.5, 2, 4), _u(-1, 1, 4)], True),
    "layer_normalization_axes": (
        lambda o, x, g: o.layer_normalization(x, gamma=g, axis=[1, 2], epsilon=0.01),
        [_u(-1, 1, 2, 3, 4), _u(0.5, 2, 3, 4)], True),
    "layer_normalization_leading": (  # not the trailing axes: torch's composed path
        lambda o, x, b: o.layer_normalization(x, beta=b, axis=0), [X, _u(-1, 1, 3)], True),
    "layer_normalization_plain": (
        lambda o, x: o.layer_normalization(x, axis=[0, 2], epsilon=0.1), [_u(-1, 1, 2, 3, 4)],
        True),
    "rms_normalization": (lambda o, x, g: o.rms_normalization(x, g), [X, _u(0.5, 2, 4)], True),
    "rms_normalization_axis0": (lambda o, x: o.rms_normalization(x, axis=0, epsilon=0.1), [X],
                                True),
    "normalize": (lambda o, x: o.normalize(x), [X], True),
    "normalize_l1": (lambda o, x: o.normalize(x, axis=0, order=1), [_away([0], 3, 4)], True),
    "psnr": (lambda o, x, y: o.psnr(x, y, 2.0), [_u(0, 1, 3, 4), _u(0, 1, 3, 4)], True),
    "one_hot": (lambda o, x: o.nn.one_hot(x, 4), [np.array([0, 3, 1], "int32")], False),
    "multi_hot": (lambda o, x: o.multi_hot(x, 5), [np.array([[0, 3, 3], [1, 4, 0]], "int32")],
                  False),
    "multi_hot_1d": (lambda o, x: o.multi_hot(x, num_classes=4, dtype="int32"),
                     [np.array([0, 2, 2], "int32")], False),
    "polar": (lambda o, a, t: o.polar(a, t), [_u(0, 2, 3, 2), _u(-3, 3, 3, 2)], False),
    "depth_to_space": (lambda o, x: o.depth_to_space(x, 2), [_u(-1, 1, 2, 2, 3, 8)], True),
    "depth_to_space_first": (lambda o, x: o.depth_to_space(x, 2, "channels_first"),
                             [_u(-1, 1, 2, 8, 2, 3)], True),
    "space_to_depth": (lambda o, x: o.space_to_depth(x, 2), [_u(-1, 1, 2, 4, 6, 2)], True),
    "space_to_depth_first": (lambda o, x: o.space_to_depth(x, 2, "channels_first"),
                             [_u(-1, 1, 2, 2, 4, 6)], True),
    "adaptive_average_pool": (lambda o, x: o.adaptive_average_pool(x, (3, 4)), [IMG], True),
    "adaptive_average_pool_1d": (lambda o, x: o.adaptive_average_pool(x, 3),
                                 [_u(-1, 1, 2, 7, 2)], True),
    "adaptive_max_pool": (lambda o, x: o.adaptive_max_pool(x, (3, 4)), [IMG], True),
    "adaptive_max_pool_first": (lambda o, x: o.adaptive_max_pool(x, 2, "channels_first"),
                                [_u(-1, 1, 2, 3, 5, 5)], True),
    "adaptive_max_pool_3d": (lambda o, x: o.adaptive_max_pool(x, (2, 1, 3)),
                             [_u(-1, 1, 1, 3, 2, 4, 2)], True),
    "unfold": (lambda o, x: o.unfold(x, 2), [_u(-1, 1, 2, 3, 4, 5)], True),
    "unfold_strided": (lambda o, x: o.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2),
                       [_u(-1, 1, 1, 2, 5, 6)], True),
    "fold": (lambda o, x: o.fold(x, (4, 5), 2), [_u(-1, 1, 2, 12, 12)], True),
    "fold_strided": (lambda o, x: o.fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1,
                                         stride=2), [_u(-1, 1, 1, 12, 6)], True),
})
CTC_OUT = _u(-2, 2, 3, 6, 4)
CTC_TARGET = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], "int32")
CTC_LENGTHS = [np.array([3, 2, 1], "int32"), np.array([6, 5, 3], "int32")]
CASES.update({
    "ctc_loss": (lambda o, t, x, tl, ol: o.ctc_loss(t, x, tl, ol),
                 [CTC_TARGET, CTC_OUT, *CTC_LENGTHS], True),
    "ctc_loss_blank_last": (lambda o, t, x, tl, ol: o.ctc_loss(t % 3, x, tl, ol, mask_index=3),
                            [CTC_TARGET, CTC_OUT, *CTC_LENGTHS], True),
    "ctc_decode": (lambda o, x, n: o.ctc_decode(x, n), [CTC_OUT, CTC_LENGTHS[1]], False),
    "ctc_decode_unmerged": (lambda o, x, n: o.ctc_decode(x, n, merge_repeated=False,
                                                         mask_index=2),
                            [CTC_OUT, CTC_LENGTHS[1]], False),
    "ctc_decode_beam": (lambda o, x, n: o.ctc_decode(x, n, "beam_search", beam_width=16,
                                                     top_paths=2),
                        [CTC_OUT, CTC_LENGTHS[1]], False),
    "ctc_decode_beam_blank1": (lambda o, x, n: o.ctc_decode(x, n, "beam_search", beam_width=3,
                                                            top_paths=3, mask_index=1),
                               [CTC_OUT, CTC_LENGTHS[1]], False),
})
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]
# the names this suite covers (the op-table meta-tests leave them to it)
SUITE_NAMES = {"dot_product_attention", "celu", "glu", "hard_silu", "hard_swish", "hard_tanh",
               "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus", "sparse_sigmoid",
               "squareplus", "threshold", "sparsemax", "moments", "batch_normalization",
               "layer_normalization", "rms_normalization", "normalize", "psnr", "multi_hot",
               "polar", "depth_to_space", "space_to_depth", "adaptive_average_pool",
               "adaptive_max_pool", "unfold", "fold", "ctc_loss", "ctc_decode"}


# Keras on TensorFlow moves channels_first depth with ``tf.nn.depth_to_space`` on transposed
# inputs, so its channel order differs from Keras on JAX, PyTorch and NumPy (and from
# ``torch.nn.functional.pixel_shuffle``), which kfront follows: those cases are checked against
# pixel_shuffle / pixel_unshuffle below instead
NOT_KERAS_TF = {"depth_to_space_first", "space_to_depth_first"}


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
        if name in NOT_KERAS_TF:
            continue
        # Keras's tensors (its TensorFlow adaptive pooling reads ``inputs.shape.as_list()``)
        out = f(keras.ops, *[keras.ops.convert_to_tensor(i) for i in inputs])
        results[name] = [keras.ops.convert_to_numpy(o) for o in
                         (out if isinstance(out, (tuple, list)) else (out,))]
    return results


def _compiled(backend, fn, differentiable=True):
    """``fn`` under ``jax.jit`` on JAX (one XLA compilation per case instead of one per
    primitive met eagerly; also how a training step runs there); ``ctc_decode`` and the other
    forward-only cases, which work on the host, run eagerly."""
    if backend == "jax" and differentiable:
        import jax
        return jax.jit(fn)
    return fn


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float32 within 1e-5 relative, others exact)."""
    for name, (f, inputs, diff) in CASES.items():
        if name in NOT_KERAS_TF:
            continue
        got = _outputs(_compiled(backend, lambda *xs, f=f: f(ops, *xs), diff)(*inputs))
        want = keras_results[name]
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert str(g.dtype) == str(w.dtype), (name, g.dtype, w.dtype)
            if g.dtype.kind in "fc":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def test_channels_first_depth_moves_as_pixel_shuffle(backend):
    torch = pytest.importorskip("torch")
    x = CASES["depth_to_space_first"][1][0]
    want = torch.nn.functional.pixel_shuffle(torch.from_numpy(x), 2).numpy()
    np.testing.assert_array_equal(_outputs(ops.depth_to_space(x, 2, "channels_first"))[0], want)
    x = CASES["space_to_depth_first"][1][0]
    want = torch.nn.functional.pixel_unshuffle(torch.from_numpy(x), 2).numpy()
    np.testing.assert_array_equal(_outputs(ops.space_to_depth(x, 2, "channels_first"))[0], want)


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


def _grads(name, backend="numpy"):
    loss, xs = _loss_fn(name)
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    grads = _compiled(backend, lambda *a: ops.value_and_grad(loss, argnums=argnums)(*a)[1])(*xs)
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
        for g, n in zip(_grads(name, backend)[3], native[name]):
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
    (lambda: ops.dot_product_attention(Q, K, V, flash_attention="yes"), TypeError,
     "dot_product_attention: `flash_attention` must be None, True or False"),
    (lambda: ops.dot_product_attention(Q, K, V, attn_logits_soft_cap=2.0), ValueError,
     "`attn_logits_soft_cap` is only supported"),
    (lambda: ops.dot_product_attention(*(np.ones((1, 2, 1, 2), "int32"),) * 3), TypeError,
     "dot_product_attention: `query`, `key` and `value` must be floating"),
    (lambda: ops.glu(np.ones((2, 3))), ValueError,
     "glu: the size of `x` along `axis` must be divisible by 2"),
    (lambda: ops.moments(X, axes=[2]), ValueError, "moments: `axis` 2 is out of range"),
    (lambda: ops.batch_normalization(X, np.ones(3), np.ones(4), axis=-1), ValueError,
     "batch_normalization: `mean` must have shape (4,)"),
    (lambda: ops.layer_normalization(X, foo=1), TypeError,
     "layer_normalization: unexpected keyword arguments ['foo']"),
    (lambda: ops.psnr(np.ones(3), np.ones(4), 1.0), ValueError,
     "psnr: `x1` and `x2` must have the same shape"),
    (lambda: ops.multi_hot(np.array([1])), ValueError, "multi_hot: `num_classes` must be given"),
    (lambda: ops.depth_to_space(np.ones((1, 2, 2, 3)), 2), ValueError,
     "depth_to_space: the channels (3) must be divisible by block_size**2"),
    (lambda: ops.space_to_depth(np.ones((2, 3, 4)), 2), ValueError,
     "space_to_depth: `x` must have rank 4"),
    (lambda: ops.depth_to_space(np.ones((1, 2, 2, 4)), 2, "nhwc"), ValueError,
     'depth_to_space: `data_format` must be "channels_last" or "channels_first"'),
    (lambda: ops.adaptive_average_pool(np.ones((2, 3)), 2), ValueError,
     "adaptive_average_pool: `inputs` must have rank 3, 4 or 5"),
    (lambda: ops.adaptive_max_pool(IMG, (2, 0)), ValueError,
     "adaptive_max_pool: `output_size` must be a positive int or 2 of them"),
    (lambda: ops.unfold(np.ones((1, 1, 2, 2)), 3), ValueError,
     "unfold: the kernel (size (3, 3), dilation (1, 1)) does not fit"),
    (lambda: ops.unfold(np.ones((1, 1, 4, 4)), 2, stride=0), ValueError,
     "unfold: `stride` must be an int >= 1"),
    (lambda: ops.fold(np.ones((1, 4, 5)), (3, 3), 2), ValueError,
     "fold: `x` must have shape (N, C * 4, 4)"),
    (lambda: ops.ctc_loss(CTC_TARGET, CTC_OUT[0], *CTC_LENGTHS), ValueError,
     "ctc_loss: expected `target` of shape (batch, labels)"),
    (lambda: ops.ctc_decode(CTC_OUT, CTC_LENGTHS[1], strategy="best"), ValueError,
     'ctc_decode: `strategy` must be "greedy" or "beam_search"'),
    (lambda: ops.ctc_decode(CTC_OUT, np.array([1, 2])), ValueError,
     "ctc_decode: `sequence_lengths` must have shape (3,)"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
