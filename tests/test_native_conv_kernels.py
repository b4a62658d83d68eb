"""The native engine's convolution and pooling kernels against their op-by-op definitions,
bit for bit, on shapes large enough for the threaded pieces (the seed CNN's layers)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront.backends.numpy as native
from kfront.backends.common.fused import compose_conv
from kfront.backends.numpy import engine

rng = np.random.default_rng(0)
composed_conv = compose_conv(native.conv, native.add, native.reshape, native.relu, native.shape)


def _value_and_grads(fn, *arrays):
    """``fn(*arrays)`` and the gradients of ``sum(w * fn(...))`` w.r.t. every array."""
    out = fn(*arrays)
    w = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
    _, grads = native.value_and_grad(lambda *a: native.sum(native.multiply(w, fn(*a))),
                                     argnums=tuple(range(len(arrays))))(*arrays)
    return [np.asarray(out), *(np.asarray(g) for g in grads)]


@pytest.mark.parametrize("x_shape, k_shape", [((100, 28, 28, 1), (5, 5, 1, 32)),
                                              ((60, 12, 12, 32), (5, 5, 32, 64))])
@pytest.mark.parametrize("activation", ["relu", None])
def test_fused_conv_gives_the_compositions_bits(x_shape, k_shape, activation):
    x = rng.standard_normal(x_shape).astype("float32")
    k = (rng.standard_normal(k_shape) * 0.2).astype("float32")
    b = rng.standard_normal(k_shape[-1]).astype("float32")
    fused = _value_and_grads(lambda *a: native.conv_bias_activation(*a, activation), x, k, b)
    plain = _value_and_grads(lambda *a: composed_conv(*a, activation), x, k, b)
    for f, p in zip(fused, plain):
        np.testing.assert_array_equal(f, p)
    if activation:
        assert (fused[0] == 0).any() and (fused[0] > 0).any()


def test_fused_conv_is_one_recorded_op():
    x = rng.standard_normal((2, 6, 6, 3)).astype("float32")
    k = native.Variable(np.ones((3, 3, 3, 4), "float32"))
    b = native.Variable(np.zeros(4, "float32"))
    with native.GradientTape() as tape:
        y = native.conv_bias_activation(x, k, b, "relu")
        total = native.sum(y)
    assert isinstance(y, engine.Tensor)
    leaves = [t for t in y.node.inputs if t is not None]  # conv, bias and relu: one node
    assert len(leaves) == 2 and all(t.node.vjp is None for t in leaves)
    assert all(g is not None for g in tape.gradient(total, [k, b]))


def test_fused_conv_falls_back_to_the_composition_on_mixed_dtypes():
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    k = rng.standard_normal((3, 3, 3, 2)).astype("float32")
    b = np.array([0.5, -0.5])  # float64: the composition promotes, as add does
    y = native.conv_bias_activation(x, k, b, "relu")
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, composed_conv(x, k, b, "relu"))


def _reference_input_grad(g, k, x_shape, groups=1):
    """The input gradient of a stride-1 'valid' convolution (channels-last), by its definition:
    every output position's gradient times the kernel, added under the window it read."""
    kh, kw, cg, o = k.shape
    og = o // groups
    gx = np.zeros(x_shape)
    for i in range(kh):
        for j in range(kw):
            for grp in range(groups):
                part = g[..., grp * og:(grp + 1) * og] @ k[i, j, :, grp * og:(grp + 1) * og].T
                gx[:, i:i + g.shape[1], j:j + g.shape[2], grp * cg:(grp + 1) * cg] += part
    return gx


@pytest.mark.parametrize("x_shape, k_shape", [((40, 12, 12, 32), (5, 5, 32, 64)),  # threaded
                                              ((3, 7, 6, 4), (3, 2, 2, 6))])  # groups = 2
def test_conv_input_gradient_matches_its_definition(x_shape, k_shape):
    x, k = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    out = native.conv(x, k)
    g = rng.standard_normal(out.shape)
    _, gx = native.value_and_grad(lambda x: native.sum(native.multiply(g, native.conv(x, k))))(x)
    groups = x_shape[-1] // k_shape[-2]
    np.testing.assert_allclose(gx, _reference_input_grad(g, k, x_shape, groups), rtol=1e-10,
                               atol=1e-10)


def _reference_pool_grad(x, g, pool, strides=None, padding="valid"):
    """Max pooling's input gradient by its definition: each window's gradient to the first
    (row-major) of its maximal elements ("same": TensorFlow's padding, the smaller half
    before, padded with -inf)."""
    strides = strides or pool
    pads = [(0, 0)] * len(pool)
    if padding == "same":
        totals = [max((-(-n // s) - 1) * s + k - n, 0)
                  for n, k, s in zip(x.shape[1:-1], pool, strides)]
        pads = [(t // 2, t - t // 2) for t in totals]
    xpad = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=-np.inf)
    gx = np.zeros_like(xpad)
    for idx in np.ndindex(*g.shape):
        n, *o, c = idx
        block = xpad[(n, *(slice(i * s, i * s + p) for i, s, p in zip(o, strides, pool)), c)]
        first = np.unravel_index(np.argmax(block), block.shape)  # argmax: the first maximum
        gx[(n, *(i * s + f for i, s, f in zip(o, strides, first)), c)] += g[idx]
    return gx[(slice(None), *(slice(a, a + n) for (a, _), n in zip(pads, x.shape[1:-1])))]


@pytest.mark.parametrize("shape, pool", [((3, 8, 6, 5), (2, 2)), ((2, 9, 4), (3,)),
                                         ((2, 4, 6, 4, 3), (2, 3, 2)), ((2, 6, 6, 3), (3, 2))])
def test_max_pool_gradient_goes_to_each_windows_first_maximum(shape, pool):
    x = rng.integers(0, 3, shape).astype("float64")  # many ties in every window
    x[0] = 0.0  # windows of equal elements
    out = native.max_pool(x, pool)
    g = rng.standard_normal(out.shape)
    _, gx = native.value_and_grad(
        lambda x: native.sum(native.multiply(g, native.max_pool(x, pool))))(x)
    np.testing.assert_array_equal(gx, _reference_pool_grad(x, g, pool))


def test_max_pool_gradient_of_a_large_relu_map_matches_its_definition():
    x = np.maximum(rng.standard_normal((40, 24, 24, 32)), 0).astype("float32")  # threaded
    g = rng.standard_normal((40, 12, 12, 32)).astype("float32")
    _, gx = native.value_and_grad(
        lambda x: native.sum(native.multiply(g, native.max_pool(x, 2))))(x)
    x4, g4 = x.reshape(40, 12, 2, 12, 2, 32), np.asarray(gx).reshape(40, 12, 2, 12, 2, 32)
    flat = x4.transpose(0, 1, 3, 5, 2, 4).reshape(40, 12, 12, 32, 4)
    first = flat.argmax(-1)
    expected = np.zeros_like(flat)
    np.put_along_axis(expected, first[..., None], g[..., None], -1)
    np.testing.assert_array_equal(g4.transpose(0, 1, 3, 5, 2, 4).reshape(flat.shape), expected)


@pytest.mark.parametrize("shape, pool, strides, padding", [
    ((24, 9, 9, 16), (3, 3), (2, 2), "valid"),  # overlapping windows: gradients added
    ((24, 10, 9, 16), (3, 3), (2, 2), "same"),
    ((24, 11, 11, 16), (2, 2), (3, 3), "valid"),  # disjoint, not tiling: gaps stay zero
    ((24, 9, 9, 16), (2, 2), (2, 2), "same"),  # tiles the padded input
    ((12, 25, 16), (3,), (1,), "same"),
    ((6, 5, 6, 7, 4), (2, 3, 2), (1, 2, 2), "valid")])
@pytest.mark.parametrize("threaded", [False, True])
def test_max_pool_gradient_of_any_geometry_goes_to_each_windows_first_maximum(
        monkeypatch, shape, pool, strides, padding, threaded):
    from kfront.backends.numpy import threads
    if threaded:  # many pieces of images, on three threads
        monkeypatch.setattr(threads, "_MIN_WORK", 256)
        monkeypatch.setattr(threads, "_PIECE_WORK", 2048)
        monkeypatch.setattr(threads, "_choice", {})
        monkeypatch.setitem(threads._pool, "n", 3)
    x = np.maximum(rng.integers(-2, 3, shape), 0).astype("float32")  # ties in most windows
    x[0] = 0.0  # windows of equal elements
    g = native.max_pool(x, pool, strides, padding)
    g = rng.integers(-9, 10, g.shape).astype("float32")  # overlaps sum exactly in any order
    _, gx = native.value_and_grad(lambda x: native.sum(native.multiply(
        g, native.max_pool(x, pool, strides, padding))))(x)
    np.testing.assert_array_equal(gx, _reference_pool_grad(x, g, pool, strides, padding))


def test_max_pool_gradient_equals_keras_on_every_backend(keras):
    """Through ``kfront.ops`` on the active backend, against Keras (TensorFlow backend), on
    overlapping, strided and 'same' windows of maxima without ties."""
    import tensorflow as tf

    import kfront
    x = rng.permutation(4 * 11 * 10 * 3).reshape(4, 11, 10, 3).astype("float32")
    for pool, strides, padding in [(3, 2, "same"), (2, 3, "valid"), (2, 2, "valid")]:
        g = rng.integers(-9, 10, keras.ops.max_pool(x, pool, strides, padding).shape)
        g = g.astype("float32")  # overlaps sum exactly in any order
        _, got = kfront.ops.value_and_grad(lambda v: kfront.ops.sum(kfront.ops.multiply(
            g, kfront.ops.max_pool(v, pool, strides, padding))))(x)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            total = tf.reduce_sum(g * keras.ops.max_pool(xt, pool, strides, padding))
        np.testing.assert_array_equal(kfront.ops.convert_to_numpy(got),
                                      tape.gradient(total, xt).numpy())


def test_first_layer_kernel_gradient_is_summed_by_blocks_of_rows():
    x = rng.standard_normal((40, 28, 28, 1))  # 23,040 output rows: blocks of 8,192 rows
    k = rng.standard_normal((5, 5, 1, 32))
    g = rng.standard_normal((40, 24, 24, 32))
    _, gk = native.value_and_grad(lambda k: native.sum(native.multiply(g, native.conv(x, k))))(k)
    expected = np.zeros(k.shape)
    for i in range(5):
        for j in range(5):
            expected[i, j, 0] = np.einsum("nhw,nhwo->o", x[:, i:i + 24, j:j + 24, 0], g)
    np.testing.assert_allclose(gk, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fused_limit", [1 << 18, 0])  # im2col and GEMM by pieces; one GEMM
@pytest.mark.parametrize("strides, padding, dilation", [(1, "valid", 1), (2, "same", 1),
                                                        (1, "same", 2)])
def test_conv_forward_by_pieces_matches_its_definition(monkeypatch, fused_limit, strides,
                                                       padding, dilation):
    from kfront.backends.numpy import convolution, threads
    monkeypatch.setattr(convolution, "_FUSED_KERNEL", fused_limit)
    x = rng.standard_normal((30, 12, 12, 32))  # 30 images: several pieces of columns
    k = rng.standard_normal((5, 5, 32, 64))
    b = rng.standard_normal(64)
    y = np.asarray(native.conv_bias_activation(x, k, b, "relu", strides=strides,
                                               padding=padding, dilation_rate=dilation))
    span = 4 * dilation + 1
    out = y.shape[1]
    pad = max((out - 1) * strides + span - 12, 0) // 2 if padding == "same" else 0
    xp = np.pad(x, [(0, 0), (pad, span), (pad, span), (0, 0)])
    expected = np.zeros(y.shape) + b
    for i in range(5):
        for j in range(5):
            r, c = i * dilation, j * dilation
            window = xp[:, r:r + strides * (out - 1) + 1:strides,
                        c:c + strides * (out - 1) + 1:strides]
            expected += window @ k[i, j]
    np.testing.assert_allclose(y, np.maximum(expected, 0), rtol=1e-10, atol=1e-10)
    args = [v.astype("float32") for v in (x, k, b)]
    kw = dict(strides=strides, padding=padding, dilation_rate=dilation)
    monkeypatch.setitem(threads._pool, "n", 1)
    one = np.asarray(native.conv_bias_activation(*args, "relu", **kw))
    monkeypatch.setitem(threads._pool, "n", 3)
    monkeypatch.setattr(threads, "_choice", {})
    # the measured calls alternate one thread and the pool: every call the same bits
    pool = [np.asarray(native.conv_bias_activation(*args, "relu", **kw)) for _ in range(8)]
    for y in pool[1:]:
        np.testing.assert_array_equal(y, pool[0])
    if fused_limit:  # pieces of images from the work: the one-thread bits
        np.testing.assert_array_equal(pool[0], one)
    else:  # one GEMM, which kfront may split: OpenBLAS's sgemm on AVX-512 CPUs picks its
        # kernel by size, so a split can round apart from the whole product
        np.testing.assert_allclose(pool[0], one, rtol=1e-5, atol=1e-4)


def test_first_layer_relu_kernel_and_bias_gradients_in_one_pass_match_their_definition():
    x = rng.standard_normal((40, 28, 28, 1))  # 23,040 rows: two whole blocks and a short one
    k = rng.standard_normal((5, 5, 1, 32))
    b = rng.standard_normal(32)
    g = rng.standard_normal((40, 24, 24, 32))

    def loss(k, b):
        return native.sum(native.multiply(g, native.conv_bias_activation(x, k, b, "relu")))
    _, (gk, gb) = native.value_and_grad(loss, argnums=(0, 1))(k, b)
    windows = np.stack([x[:, i:i + 24, j:j + 24, 0] for i in range(5) for j in range(5)], -1)
    through = g * ((windows @ k.reshape(25, 32) + b) > 0)
    np.testing.assert_allclose(gk, np.einsum("nhwk,nhwo->ko", windows, through).reshape(k.shape),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gb, through.sum(axis=(0, 1, 2)), rtol=1e-10, atol=1e-10)
