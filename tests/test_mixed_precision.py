"""Mixed precision (``keras.dtype_policies``, ``keras.mixed_precision``): policies and their
configs equal Keras's; layers under "mixed_float16" / "mixed_bfloat16" keep float32 weights,
compute and output in the compute dtype and match Keras's outputs; compile adds loss scaling;
``.keras`` files with mixed policies travel both ways; a small CNN trains as well in
mixed_bfloat16 as in float32 on every backend that computes in bfloat16."""
from __future__ import annotations

import re

import numpy as np
import pytest

import kfront
from kfront import dtype_policies, layers, mixed_precision, ops
from kfront.backends.common.variables import AutocastScope

from conformance.support import backend  # noqa: F401  (pytest fixture)

NAMES = ("float32", "float16", "float64", "bfloat16", "mixed_float16", "mixed_bfloat16")


@pytest.fixture
def global_policy_restored():
    yield
    kfront.config._settings["dtype_policy"] = None


def test_policies_and_configs_equal_keras(keras):
    for name in NAMES:
        ours, theirs = dtype_policies.DTypePolicy(name), keras.DTypePolicy(name)
        assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == \
            (theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
        assert repr(ours) == repr(theirs)
        assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
        assert dtype_policies.get(keras.dtype_policies.serialize(theirs)) == ours
        assert dtype_policies.get(name) == ours and ours != name
    assert repr(dtype_policies.FloatDTypePolicy("float16")) == '<DTypePolicy "float16">'
    assert dtype_policies.FloatDTypePolicy("float16") == dtype_policies.DTypePolicy("float16")
    assert dtype_policies.get(np.float16).name == "float16"
    assert dtype_policies.get(None).name == "float32"
    # a policy map: Keras's config, read back by both
    ours = dtype_policies.DTypePolicyMap("float32")
    theirs = keras.dtype_policies.DTypePolicyMap("float32")
    for m in (ours, theirs):
        m["encoder/.*"] = "mixed_float16"
        m["decoder"] = "bfloat16"
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    back = dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
    assert back["encoder/dense"].name == "mixed_float16" and back["decoder/x"].name == "float32"
    assert (back.name, back.compute_dtype, len(back)) == (theirs.name, theirs.compute_dtype, 2)
    ours["encoder/dense/.*"] = "float16"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        ours["encoder/dense/kernel"]
    with pytest.raises(ValueError, match="already exist"):
        ours["decoder"] = "float32"
    # bad input, as Keras
    with pytest.raises(ValueError, match="cannot convert 'mixed_float17'"):
        dtype_policies.DTypePolicy("mixed_float17")
    with pytest.raises(TypeError, match="'name' must be a string"):
        dtype_policies.DTypePolicy(3)
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        dtype_policies.get(object())
    # keras.mixed_precision's names, the same objects as kfront's
    public = sorted(n for n in dir(keras.mixed_precision) if not n.startswith("_"))
    assert sorted(mixed_precision.__all__) == public
    assert mixed_precision.Policy is dtype_policies.DTypePolicy
    assert mixed_precision.LossScaleOptimizer is kfront.optimizers.LossScaleOptimizer
    assert kfront.DTypePolicy is dtype_policies.DTypePolicy


def test_layer_policies_and_autocast(keras, global_policy_restored):
    dense = layers.Dense(2, dtype="mixed_float16")
    theirs = keras.layers.Dense(2, dtype="mixed_float16")
    for attr in ("dtype", "compute_dtype", "variable_dtype", "input_dtype"):
        assert getattr(dense, attr) == getattr(theirs, attr), attr
    assert dense.get_config()["dtype"] == theirs.get_config()["dtype"]
    y = dense(np.ones((1, 3), "float32"))
    assert ops.dtype(y) == "float16" and [w.dtype for w in dense.weights] == ["float32"] * 2
    # the global policy; a layer's own dtype wins; setting a layer's policy
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert layers.Dense(2).dtype_policy == dtype_policies.DTypePolicy("mixed_bfloat16")
    assert layers.Dense(2, dtype="float64").compute_dtype == "float64"
    assert mixed_precision.global_policy().name == "mixed_bfloat16"
    inputs = kfront.Input((3,))  # inputs stay floatx(), as Keras's; layers after them do not
    assert (inputs.dtype, layers.Dense(2)(inputs).dtype) == ("float32", "bfloat16")
    mixed_precision.set_global_policy("float32")
    dense.dtype_policy = "float16"
    assert (dense.compute_dtype, dense.dtype) == ("float16", "float16")
    policy_map = dtype_policies.DTypePolicyMap("float32", {"head": "mixed_bfloat16"})
    assert [(layer.compute_dtype, layer.dtype) for layer in
            (layers.Dense(1, name="head", dtype=policy_map), layers.Dense(1, dtype=policy_map))] \
        == [("bfloat16", "float32"), ("float32", "float32")]

    class Echo(layers.Layer):
        def call(self, x, y):
            return x, y, self.w, self.w.dtype

        def build(self, shape):
            self.w = self.add_weight(shape=(1,), initializer="ones")
            self.fixed = self.add_weight(shape=(1,), initializer="ones", autocast=False)

    echo = Echo(dtype="mixed_float16")
    x, y, w, w_dtype = echo(np.ones(2, "float64"), np.ones(2, "int32"))
    # float inputs cast to the compute dtype, integers untouched; weights read as float16 inside
    assert (ops.dtype(x), ops.dtype(y), ops.dtype(w), w_dtype) == \
        ("float16", "int32", "float32", "float16")
    with AutocastScope("float16"):
        assert (echo.w.dtype, echo.fixed.dtype) == ("float16", "float32")
    assert echo.w.dtype == "float32"
    no_cast = Echo(dtype="mixed_float16", autocast=False)
    assert ops.dtype(no_cast(np.ones(2, "float32"), np.ones(2, "int32"))[0]) == "float32"


def test_native_engine_refuses_bfloat16_compute_clearly():
    with pytest.raises(NotImplementedError, match=r"mixed_bfloat16.*native numpy backend"):
        layers.Dense(2, dtype="mixed_bfloat16")(np.ones((1, 3), "float32"))


def _forward_cases(lib):
    L = lib.layers
    return {
        "dense": (lambda: L.Dense(4, activation="tanh", dtype="mixed_float16"), (3, 5)),
        "conv2d": (lambda: L.Conv2D(3, 3, padding="same", dtype="mixed_float16"), (2, 6, 6, 2)),
        "lstm": (lambda: L.LSTM(4, return_sequences=True, dtype="mixed_float16"), (2, 5, 3)),
        "layernorm": (lambda: L.LayerNormalization(dtype="mixed_float16"), (3, 6)),
        "batchnorm": (lambda: L.BatchNormalization(dtype="mixed_float16"), (4, 3)),
        "embedding": (lambda: L.Embedding(6, 3, dtype="mixed_float16"), (2, 3)),
        "attention": (lambda: L.MultiHeadAttention(2, 3, dtype="mixed_float16"), (2, 3, 4)),
    }


def _call(layer, name, x):
    if name == "embedding":
        x = (np.abs(x) * 2).astype("int32") % 6
    return layer(x, x) if name == "attention" else layer(x)


@pytest.fixture(scope="module")
def keras_forward(keras):
    """Keras's outputs under mixed_float16, with the weights drawn for them."""
    rng = np.random.default_rng(0)
    out = {}
    for name, (make, shape) in _forward_cases(keras).items():
        layer = make()
        x = rng.normal(size=shape).astype("float32")
        _call(layer, name, x)
        weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.weights]
        if name == "batchnorm":
            weights[-1] = np.abs(weights[-1])  # a moving variance
        layer.set_weights(weights)
        y = _call(layer, name, x)
        assert keras.ops.convert_to_numpy(y).dtype == np.float16
        out[name] = (x, weights, keras.ops.convert_to_numpy(y))
    return out


def test_mixed_float16_forward_equals_keras(backend, keras_forward):
    for name, (make, _) in _forward_cases(kfront).items():
        x, weights, expected = keras_forward[name]
        layer = make()
        _call(layer, name, x)
        layer.set_weights(weights)
        y = _call(layer, name, x)
        assert ops.dtype(y) == "float16", name
        assert all(w.dtype == "float32" for w in layer.weights), name
        np.testing.assert_allclose(ops.convert_to_numpy(y).astype("float32"),
                                   expected.astype("float32"), rtol=1e-2, atol=1e-2,
                                   err_msg=f"{name} on {backend}")


def test_gradients_reach_float32_weights(backend):
    dense = layers.Dense(3, dtype="mixed_float16")
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    dense(x)

    def loss_fn(kernel, bias):
        dense.kernel.assign(kernel)
        dense.bias.assign(bias)
        return ops.sum(ops.cast(dense(x), "float32") ** 2)

    kernel, bias = dense.kernel.numpy(), dense.bias.numpy()
    if backend == "jax":
        _, grads = ops.value_and_grad(lambda w: ops.sum(ops.cast(
            dense.stateless_call(list(w), [], x)[0], "float32") ** 2))([kernel, bias])
    else:
        with kfront.GradientTape() as tape:
            loss = ops.sum(ops.cast(dense(x), "float32") ** 2)
        grads = tape.gradient(loss, [dense.kernel, dense.bias])
    assert [ops.dtype(g) for g in grads] == ["float32", "float32"]
    # d/dW sum((xW + b)^2) = 2 x^T (xW + b), computed in float64
    pre = x.astype("float64") @ kernel + bias
    np.testing.assert_allclose(ops.convert_to_numpy(grads[0]), 2 * x.T.astype("float64") @ pre,
                               rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(ops.convert_to_numpy(grads[1]), 2 * pre.sum(0), rtol=2e-2,
                               atol=2e-2)


def test_compile_wraps_the_optimizer_for_mixed_float16(keras, global_policy_restored):
    def model(lib, policy):  # a model's policy is the global one, as in Keras
        lib.config.set_dtype_policy(policy)
        try:
            return lib.Sequential([lib.layers.Input((4,)), lib.layers.Dense(2)])
        finally:
            lib.config.set_dtype_policy("float32")

    for policy, wrapped in (("mixed_float16", True), ("mixed_bfloat16", False),
                            ("float32", False)):
        ours, theirs = model(kfront, policy), model(keras, policy)
        ours.compile(optimizer="sgd", loss="mse")
        theirs.compile(optimizer="sgd", loss="mse")
        assert isinstance(ours.optimizer, kfront.optimizers.LossScaleOptimizer) == wrapped
        assert isinstance(theirs.optimizer, keras.optimizers.LossScaleOptimizer) == wrapped
        # names without the per-process counter (sgd_7): it counts the optimizers made before
        assert re.sub(r"_\d+$", "", ours.optimizer.name) == \
            re.sub(r"_\d+$", "", theirs.optimizer.name)
    ours = model(kfront, "mixed_float16")
    ours.compile(optimizer="sgd", loss="mse", auto_scale_loss=False)
    assert not isinstance(ours.optimizer, kfront.optimizers.LossScaleOptimizer)


def test_mixed_float16_fit_with_loss_scaling(backend, global_policy_restored):
    """A few steps under mixed_float16: the loss-scaled optimizer learns, weights stay
    float32, predictions come in float16."""
    mixed_precision.set_global_policy("mixed_float16")
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                               layers.Dense(2)])
    model.compile(optimizer=kfront.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    assert isinstance(model.optimizer, kfront.optimizers.LossScaleOptimizer)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 4)).astype("float32")
    history = model.fit(x, x[:, :2] * 0.5, epochs=4, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.6 * history[0], history
    assert float(model.optimizer.dynamic_scale.numpy()) == 2.0 ** 15
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.predict(x, verbose=0).dtype == np.float16


def test_keras_files_with_mixed_policies_load_both_ways(keras, tmp_path):
    def model(lib):
        L = lib.layers
        return lib.Sequential([L.Input((4,)), L.Dense(3, activation="relu",
                                                      dtype="mixed_float16"),
                               L.Dense(2, dtype="mixed_bfloat16"),
                               L.Activation("softmax", dtype="float32")])

    x = np.random.default_rng(2).normal(size=(5, 4)).astype("float32")
    theirs = model(keras)
    theirs.save(tmp_path / "keras.keras")
    loaded = kfront.saving.load_model(tmp_path / "keras.keras")
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        ["mixed_float16", "mixed_bfloat16", "float32"]
    assert [w.dtype for w in loaded.weights] == ["float32"] * 4
    # the same weights through a float16 and a bfloat16 layer: bfloat16's 8 bits of mantissa
    kfront.config.set_backend("torch")
    try:
        loaded = kfront.saving.load_model(tmp_path / "keras.keras")
        np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)),
                                   keras.ops.convert_to_numpy(theirs(x)), atol=2e-2)
    finally:
        kfront.config.set_backend("numpy")
    ours = kfront.saving.load_model(tmp_path / "keras.keras")
    ours.save(tmp_path / "kfront.keras")
    back = keras.saving.load_model(tmp_path / "kfront.keras")
    assert [layer.dtype_policy.name for layer in back.layers] == \
        ["mixed_float16", "mixed_bfloat16", "float32"]
    for a, b in zip(back.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def _small_cnn(policy):
    """The seed CNN, shrunk to fit the suite's time: one strided 5x5 convolution."""
    L = layers
    model = kfront.Sequential([
        L.Input((28, 28, 1)),
        L.Conv2D(8, 5, strides=2, activation="relu", dtype=policy),
        L.Flatten(dtype=policy),
        L.Dense(32, activation="relu", dtype=policy),
        L.Dense(10, dtype=policy),
        L.Activation("softmax", dtype="float32"),  # as Keras's guide: the output in float32
    ])
    model.compile(optimizer=kfront.optimizers.Adam(3e-3), loss="categorical_crossentropy",
                  metrics=["acc"])
    return model


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = kfront.datasets.mnist.load_data()
    prep = lambda x: x[..., None].astype("float32") / 255  # noqa: E731
    return (prep(x_train[:1500]), kfront.utils.to_categorical(y_train[:1500], 10),
            prep(x_test), kfront.utils.to_categorical(y_test, 10))


@pytest.mark.parametrize("name", ["torch", "tensorflow", "jax"])
def test_seed_cnn_trains_in_mixed_bfloat16_as_in_float32(name, digits):
    x, y, x_test, y_test = digits
    kfront.config.set_backend(name)
    try:
        kfront.utils.set_random_seed(0)
        reference = _small_cnn("float32")
        mixed = _small_cnn("mixed_bfloat16")
        mixed.set_weights(reference.get_weights())
        accuracy = {}
        for key, model in (("float32", reference), ("mixed", mixed)):
            model.fit(x, y, batch_size=50, epochs=2, shuffle=False, verbose=0)
            accuracy[key] = model.evaluate(x_test, y_test, verbose=0)[1]
        assert all(w.dtype == "float32" for w in mixed.weights)
        conv_out = mixed.layers[0](x[:2])
        assert ops.dtype(conv_out) == "bfloat16" and ops.dtype(mixed(x[:2])) == "float32"
    finally:
        kfront.config.set_backend("numpy")
    assert accuracy["float32"] > 0.8, accuracy
    assert abs(accuracy["mixed"] - accuracy["float32"]) <= 0.01, accuracy
