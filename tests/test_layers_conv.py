"""Convolution and pooling: native ops against finite differences (float64) and Keras's ops,
layers against real Keras 3 with identical weights, the max-pool tie rule and bad-input errors."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

EPS, RTOL = 1e-6, 1e-6


def _rel_err(a, n):
    return np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-30)


def _check_grads(fn, *args):
    """Gradient of sum(w * fn(*args)) w.r.t. every arg against central differences."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=np.shape(fn(*args)))
    loss = lambda *a: ops.sum(ops.multiply(w, fn(*a)))  # noqa: E731
    _, grads = ops.value_and_grad(loss, argnums=tuple(range(len(args))))(*args)
    for i, (a, g) in enumerate(zip(args, grads)):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            hi, lo = a.copy(), a.copy()
            hi[idx] += EPS
            lo[idx] -= EPS
            plus = float(loss(*args[:i], hi, *args[i + 1:]))
            minus = float(loss(*args[:i], lo, *args[i + 1:]))
            num[idx] = (plus - minus) / (2 * EPS)
        assert _rel_err(ops.convert_to_numpy(g), num) < RTOL, f"argument {i}"


def _r(*shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape)


def _distinct(*shape, seed=2):
    """Values without ties (max-pool is differentiable there)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1).reshape(shape)


CONV_CASES = {
    "1d-valid": ((2, 7, 3), (3, 3, 2), {}),
    "1d-same-stride2": ((2, 7, 3), (3, 3, 2), {"strides": 2, "padding": "same"}),
    "2d-valid": ((2, 5, 4, 2), (3, 2, 2, 3), {}),
    "2d-same-stride2": ((1, 5, 6, 2), (3, 3, 2, 2), {"strides": 2, "padding": "same"}),
    "2d-dilated": ((1, 6, 6, 2), (2, 2, 2, 2), {"dilation_rate": 2, "padding": "same"}),
    "2d-groups": ((1, 4, 4, 4), (2, 2, 2, 4), {}),
    "2d-channels-first": ((1, 2, 5, 4), (3, 2, 2, 3), {"data_format": "channels_first"}),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_gradients(case):
    xs, ks, kw = CONV_CASES[case]
    _check_grads(lambda x, k: ops.conv(x, k, **kw), _r(*xs), _r(*ks, seed=3))


@pytest.mark.parametrize("kw", [{}, {"strides": 2, "padding": "same"}])
def test_depthwise_and_separable_gradients(kw):
    x, dk, pk = _r(1, 5, 5, 2), _r(3, 3, 2, 2, seed=3), _r(1, 1, 4, 3, seed=4)
    _check_grads(lambda a, b: ops.depthwise_conv(a, b, **kw), x, dk)
    _check_grads(lambda a, b, c: ops.separable_conv(a, b, c, **kw), x, dk, pk)


@pytest.mark.parametrize("kw", [{"strides": 2}, {"strides": 2, "padding": "same"},
                                {"strides": 2, "output_padding": 1},
                                {"dilation_rate": 2, "padding": "same"}])
def test_conv_transpose_gradients(kw):
    def op(x, k):
        return ops.conv_transpose(x, k, **kw)
    _check_grads(op, _r(1, 3, 4, 2), _r(3, 3, 3, 2, seed=3))
    _check_grads(op, _r(2, 4, 2), _r(3, 3, 2, seed=3))


@pytest.mark.parametrize("op", ["max_pool", "average_pool"])
@pytest.mark.parametrize("kw", [{"pool_size": 2}, {"pool_size": 3, "strides": 2, "padding": "same"},
                                {"pool_size": (2, 3), "strides": 1}])
def test_pool_gradients(op, kw):
    _check_grads(lambda x: getattr(ops, op)(x, **kw), _distinct(2, 5, 6, 2))
    kw1 = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    _check_grads(lambda x: getattr(ops, op)(x, **kw1), _distinct(2, 7, 3))


def test_max_pool_gradient_goes_to_the_first_maximum_like_keras(keras):
    import tensorflow as tf
    x = np.zeros((1, 4, 4, 1), "float32")
    x[0, 2:, 2:, 0] = [[1, 1], [0, 1]]  # a tie inside one window
    _, g = ops.value_and_grad(lambda a: ops.sum(ops.max_pool(a, 2)))(x)
    expected = np.zeros_like(x)
    expected[0, [0, 0, 2, 2], [0, 2, 0, 2], 0] = 1  # the first element of every window
    np.testing.assert_array_equal(g, expected)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.reduce_sum(keras.ops.max_pool(xt, 2))
    np.testing.assert_array_equal(g, tape.gradient(y, xt).numpy())
    # overlapping windows: each window routes to one element, counts add up
    x = np.ones((1, 3, 3, 1), "float32")
    _, g = ops.value_and_grad(lambda a: ops.sum(ops.max_pool(a, 2, strides=1)))(x)
    g = ops.convert_to_numpy(g)
    assert g.sum() == 4 and g[0, 0, 0, 0] == 1 and g[0, 0, 1, 0] == 1


@pytest.mark.parametrize("name,args", [
    ("conv", {"strides": 2, "padding": "same"}), ("conv", {"dilation_rate": 2}),
    ("max_pool", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("average_pool", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("conv_transpose", {"strides": 2, "padding": "same"}),
    ("conv_transpose", {"strides": 3, "output_padding": 2})])
def test_ops_match_keras(keras, name, args):
    x = _r(2, 9, 8, 4).astype("float32")
    k = {"conv": _r(3, 3, 4, 5), "conv_transpose": _r(3, 3, 5, 4)}.get(name)
    operands = (x,) if k is None else (x, k.astype("float32"))
    ours = getattr(ops, name)(*operands, **args)
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(*operands, **args))
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


# ------------------------------------------------------------------------------------ layers
def _randomize(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.path
                       else rng.normal(size=w.shape).astype("float32") for w in layer.weights])


def assert_layer_matches_keras(keras, make, x, training_modes=(False,), seed=0):
    """Same weights in both; outputs agree (atol 1e-5) in each training mode."""
    ours, theirs = make(layers), make(keras.layers)
    ours(x), theirs(x)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    _randomize(ours, seed)
    theirs.set_weights(ours.get_weights())
    for training in training_modes:
        np.testing.assert_allclose(ops.convert_to_numpy(ours(x, training=training)),
                                   keras.ops.convert_to_numpy(theirs(x, training=training)),
                                   atol=1e-5, rtol=1e-5)
    return ours, theirs


CONV_LAYERS = {
    "Conv1D": lambda L: L.Conv1D(4, 3, activation="relu"),
    "Conv1D-causal": lambda L: L.Conv1D(4, 3, padding="causal", dilation_rate=2),
    "Conv1D-same-groups": lambda L: L.Conv1D(4, 3, strides=2, padding="same", groups=2),
    "Conv2D": lambda L: L.Conv2D(5, (3, 2)),
    "Conv2D-same-stride": lambda L: L.Conv2D(3, 3, strides=2, padding="same", use_bias=False),
    "Conv2D-channels-first": lambda L: L.Conv2D(3, 3, data_format="channels_first"),
    "Conv2DTranspose": lambda L: L.Conv2DTranspose(3, 3, strides=2, activation="tanh"),
    "Conv2DTranspose-same": lambda L: L.Conv2DTranspose(3, 3, strides=2, padding="same"),
    "Conv2DTranspose-outpad": lambda L: L.Conv2DTranspose(3, 3, strides=2, output_padding=1),
    "Conv1DTranspose": lambda L: L.Conv1DTranspose(3, 3, strides=2),
    "DepthwiseConv2D": lambda L: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
    "DepthwiseConv1D": lambda L: L.DepthwiseConv1D(3),
    "SeparableConv2D": lambda L: L.SeparableConv2D(5, 3, depth_multiplier=2),
    "SeparableConv1D": lambda L: L.SeparableConv1D(5, 3, strides=2, padding="same"),
}


@pytest.mark.parametrize("name", sorted(CONV_LAYERS))
def test_conv_layer_matches_keras(keras, name):
    make = CONV_LAYERS[name]
    rank = 1 if "1D" in name else 2
    x = _r(2, 8, 4).astype("float32") if rank == 1 else _r(2, 4, 7, 6).astype("float32")
    assert_layer_matches_keras(keras, make, x)
    ours = make(layers)
    ours(x)
    assert ours.compute_output_shape(x.shape) == ours(x).shape


POOL_LAYERS = {
    "MaxPooling1D": lambda L: L.MaxPooling1D(),
    "MaxPooling1D-same": lambda L: L.MaxPooling1D(3, strides=2, padding="same"),
    "MaxPooling2D": lambda L: L.MaxPooling2D(),
    "MaxPooling2D-same": lambda L: L.MaxPooling2D((3, 2), strides=(2, 1), padding="same"),
    "AveragePooling1D": lambda L: L.AveragePooling1D(3, padding="same"),
    "AveragePooling2D": lambda L: L.AveragePooling2D(2),
    "AveragePooling2D-same": lambda L: L.AveragePooling2D(3, strides=2, padding="same"),
    "AveragePooling2D-channels-first": lambda L: L.AveragePooling2D(
        2, data_format="channels_first"),
    "GlobalMaxPooling1D": lambda L: L.GlobalMaxPooling1D(),
    "GlobalMaxPooling2D": lambda L: L.GlobalMaxPooling2D(keepdims=True),
    "GlobalAveragePooling1D": lambda L: L.GlobalAveragePooling1D(keepdims=True),
    "GlobalAveragePooling2D": lambda L: L.GlobalAveragePooling2D(),
    "GlobalAveragePooling2D-channels-first": lambda L: L.GlobalAveragePooling2D(
        data_format="channels_first"),
}


@pytest.mark.parametrize("name", sorted(POOL_LAYERS))
def test_pool_layer_matches_keras(keras, name):
    x = _r(2, 7, 4).astype("float32") if "1D" in name else _r(2, 7, 6, 3).astype("float32")
    ours, _ = assert_layer_matches_keras(keras, POOL_LAYERS[name], x)
    assert ours.compute_output_shape(x.shape) == ours(x).shape


def test_conv_weights_order_and_config_match_keras(keras):
    ours, theirs = layers.SeparableConv2D(4, 3), keras.layers.SeparableConv2D(4, 3)
    x = np.zeros((1, 5, 5, 2), "float32")
    ours(x), theirs(x)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ref = theirs.get_config()
    mine = ours.get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "depth_multiplier", "use_bias"):
        assert mine[key] == ref[key], key
    clone = layers.Conv2D.from_config(layers.Conv2D(3, 2, padding="same").get_config())
    assert clone.padding == "same" and clone.kernel_size == (2, 2)


def test_conv_trains_in_a_model_like_keras(keras):
    """One fit step of a small CNN: same loss and same updated weights as Keras."""
    rng = np.random.default_rng(0)
    x = rng.random((16, 8, 8, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu"),
                               L.MaxPooling2D(), L.Conv2DTranspose(2, 2, strides=2),
                               L.AveragePooling2D(2, padding="same"), L.Flatten(),
                               L.Dense(3, activation="softmax")])
    ours, theirs = build(kfront), build(keras)
    theirs.set_weights(ours.get_weights())
    for model, lib in ((ours, kfront), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="categorical_crossentropy")
    l1 = ours.train_on_batch(x, y)
    l2 = theirs.train_on_batch(x, y)
    np.testing.assert_allclose(l1, l2, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


# ------------------------------------------------------------------------------------ errors
def test_conv2d_on_3d_input_names_layer_and_shape():
    layer = layers.Conv2D(4, 3, name="my_conv")
    with pytest.raises(ValueError, match=r'Conv2D "my_conv" expects inputs of rank 4.*\(2, 8, 3\)'):
        layer(np.zeros((2, 8, 3), "float32"))
    layer(np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r'"my_conv".*expected ndim=4.*\(2, 8, 3\)'):
        layer(np.zeros((2, 8, 3), "float32"))


def test_window_larger_than_input_names_layer_and_shape():
    with pytest.raises(ValueError, match=r'MaxPooling2D "big_pool".*\(3, 3\).*\(1, 2, 2, 1\)'):
        layers.MaxPooling2D(3, name="big_pool")(np.zeros((1, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match=r'Conv1D "c1".*\(1, 2, 1\)'):
        layers.Conv1D(1, 5, name="c1")(np.zeros((1, 2, 1), "float32"))
    with pytest.raises(ValueError, match=r"max_pool: the window"):
        ops.max_pool(np.zeros((1, 2, 2, 1)), 3)
    layers.MaxPooling2D(3, padding="same")(np.zeros((1, 2, 2, 1), "float32"))  # fine


def test_bad_arguments():
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="divisible by groups"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="causal"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)
