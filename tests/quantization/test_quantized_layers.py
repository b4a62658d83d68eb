"""Quantized Dense / EinsumDense / Embedding against Keras's quantized layers made from the same
float weights: variables (names, shapes, dtypes, values), outputs and input gradients on every
backend; model.quantize; Keras's errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import kfront
from kfront import layers, ops, quantizers

RNG = np.random.default_rng(1)
X2 = RNG.normal(size=(3, 7)).astype("float32")
X3 = RNG.normal(size=(2, 3, 7)).astype("float32")
IDS = np.array([[1, 2, 3], [9, 0, 4]])

# name: (layer class name, constructor args, kwargs, input, mode, config factory or None)
CASES = {
    "dense-int8": ("Dense", (5,), {"activation": "relu"}, X2, "int8", None),
    "dense-int8-3d": ("Dense", (4,), {}, X3, "int8", None),
    "dense-int8-weights-only": ("Dense", (5,), {}, X2, "int8",
                                lambda q: q.Int8QuantizationConfig(activation_quantizer=None)),
    "dense-int4": ("Dense", (5,), {}, X2, "int4", None),
    "dense-int4-block3": ("Dense", (5,), {}, X2, "int4",
                          lambda q: q.Int4QuantizationConfig(block_size=3)),
    "dense-int4-channel": ("Dense", (5,), {}, X2, "int4",
                           lambda q: q.Int4QuantizationConfig(block_size=-1)),
    "dense-float8": ("Dense", (5,), {}, X2, "float8", None),
    "embedding-int8": ("Embedding", (10, 6), {}, IDS, "int8", None),
    "embedding-int4": ("Embedding", (10, 7), {}, IDS, "int4", None),
    "embedding-int4-block3": ("Embedding", (10, 7), {}, IDS, "int4",
                              lambda q: q.Int4QuantizationConfig(block_size=3)),
    "embedding-int4-channel": ("Embedding", (10, 7), {}, IDS, "int4",
                               lambda q: q.Int4QuantizationConfig(block_size=None)),
    "einsum-int8": ("EinsumDense", ("abc,cde->abde",), {"output_shape": (3, 4, 5),
                                                        "bias_axes": "e"}, X3, "int8", None),
    "einsum-int8-2d": ("EinsumDense", ("ab,bc->ac",), {"output_shape": 5, "bias_axes": "c"}, X2,
                       "int8", None),
    "einsum-int4": ("EinsumDense", ("abc,cde->abde",), {"output_shape": (3, 4, 5),
                                                        "bias_axes": "e"}, X3, "int4", None),
    "einsum-int4-channel": ("EinsumDense", ("ab,bc->ac",), {"output_shape": 5}, X2, "int4",
                            lambda q: q.Int4QuantizationConfig(block_size=None)),
    "einsum-float8": ("EinsumDense", ("abc,cd->abd",), {"output_shape": (None, 5)}, X3, "float8",
                      None),
}
ADAPTER_CASES = ("dense-int8", "dense-int4", "dense-float8", "embedding-int8",
                 "embedding-int4", "einsum-int8")


def _make(module, name):
    cls_name, args, kwargs, x, mode, config = CASES[name]
    layer = getattr(module.layers, cls_name)(*args, **kwargs)
    layer(x)
    return layer, x, mode, None if config is None else config(module.quantizers)


def _input_grad_weights(y_shape):
    return np.linspace(-1, 1, int(np.prod(y_shape)), dtype="float32").reshape(y_shape)


@pytest.fixture(scope="module")
def keras_quantized(keras):
    """For each case: Keras's float weights, variables after quantize, outputs and input
    gradients (TensorFlow backend)."""
    import tensorflow as tf
    out = {}
    for name in CASES:
        layer, x, mode, config = _make(keras, name)
        float_weights = [np.asarray(w) for w in layer.get_weights()]
        layer.quantize(mode, config=config)
        y = np.asarray(layer(x))
        grad = None
        if not name.startswith("embedding") and mode != "float8":  # Keras's float8 grad_fn
            xt = tf.constant(x)                                     # fails in eager TensorFlow
            with tf.GradientTape() as tape:
                tape.watch(xt)
                loss = tf.reduce_sum(layer(xt) * _input_grad_weights(y.shape))
            grad = np.asarray(tape.gradient(loss, xt))
        variables = [(v.path.split("/")[-1], tuple(v.shape), str(np.asarray(v).dtype),
                      np.asarray(v)) for v in layer.weights]
        out[name] = (float_weights, variables, y, grad, layer.get_config())
    return out


def _check_case(name, keras_quantized, check_grad=True):
    float_weights, variables, y, grad, config = keras_quantized[name]
    layer, x, mode, cfg = _make(kfront, name)
    layer.set_weights(float_weights)
    layer.quantize(mode, config=cfg and quantizers.deserialize(
        __import__("keras").saving.serialize_keras_object(cfg)))
    got = [(v.name, tuple(v.shape), ops.dtype(v), v.numpy()) for v in layer.weights]
    assert [g[:3] for g in got] == [v[:3] for v in variables], name
    for g, v in zip(got, variables):
        np.testing.assert_array_equal(g[3], v[3], err_msg=f"{name}: {g[0]}")
    out = ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(out, y, rtol=1e-5, atol=1e-5, err_msg=name)
    ours = layer.get_config()
    assert ours["dtype"] == config["dtype"] and \
        ours["quantization_config"] == config["quantization_config"], name
    if check_grad and grad is not None:
        weights = _input_grad_weights(y.shape)
        g = ops.value_and_grad(lambda v: ops.sum(ops.multiply(layer(v), weights)))(x)[1]
        np.testing.assert_allclose(ops.convert_to_numpy(g), grad, rtol=1e-5, atol=1e-5,
                                   err_msg=f"{name}: input gradient")


def test_quantized_layers_equal_keras_native(keras_quantized):
    for name in CASES:
        _check_case(name, keras_quantized)


def test_quantized_layers_equal_keras_adapters(backend, keras_quantized):
    if backend == "numpy":
        pytest.skip("the native engine runs every case in the test above")
    # eager JAX compiles every new op and shape: fewer cases there
    names = ADAPTER_CASES if backend != "jax" else ("dense-int8", "embedding-int4",
                                                    "dense-float8")
    for name in names:
        _check_case(name, keras_quantized, check_grad=name == "dense-int8")


def test_native_int8_gemm_is_exact_past_float32_precision():
    from kfront.backends.numpy.quantized import EXACT_K, quantized_matmul
    rng = np.random.default_rng(2)
    for k in (EXACT_K, EXACT_K + 1, 3 * EXACT_K + 5):
        a = rng.choice(np.array([-128, 127], "int8"), size=(3, k))
        b = rng.choice(np.array([-128, 127], "int8"), size=(k, 4))
        expected = a.astype(np.int64) @ b.astype(np.int64)
        got = quantized_matmul(a, b)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, expected)


def test_model_quantize_filters_and_warnings(keras):
    def build(module):
        return module.Sequential([module.Input((7,)), module.layers.Dense(4, name="a"),
                                  module.layers.Dropout(0.1), module.layers.Dense(3, name="b")])
    for filters, quantized in ((None, {"a", "b"}), ("^a$", {"a"}), (["b"], {"b"}),
                               (lambda layer: layer.name == "a", {"a"})):
        for module in (kfront, keras) if filters is None or isinstance(filters, list) \
                else (kfront,):
            model = build(module)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model.quantize("int8", filters=filters)
            got = {layer.name for layer in model.layers
                   if getattr(layer.dtype_policy, "quantization_mode", None) == "int8"}
            assert got == quantized, (module.__name__, filters)
            messages = {str(w.message) for w in caught}
            if filters is None:
                assert "Layer Dropout does not have a `quantize` method implemented." in messages
    model = build(kfront)
    model.quantize(config=quantizers.Int4QuantizationConfig(block_size=2))
    assert model.layers[0].dtype_policy.name == "int4/2_from_float32"
    y = model.predict(X2, verbose=0)
    assert y.shape == (3, 3)


def test_quantize_errors_as_keras(keras):
    dense = layers.Dense(3)
    with pytest.raises(ValueError, match="Cannot quantize a layer that isn't yet built"):
        dense.quantize("int8")
    dense(X2)
    with pytest.raises(ValueError, match=r"Invalid quantization mode.*Received: mode=int3"):
        dense.quantize("int3")
    with pytest.raises(ValueError, match="You must provide either `mode` or `config`"):
        dense.quantize()
    with pytest.raises(ValueError, match="Contradictory arguments"):
        dense.quantize("int8", config=quantizers.Float8QuantizationConfig())
    with pytest.raises(ValueError, match="For GPTQ, you must pass a `GPTQConfig`"):
        dense.quantize("gptq")
    with pytest.raises(NotImplementedError, match="'gptq'.*not implemented in kfront"):
        dense.quantize("gptq", config=quantizers.GPTQConfig(None, None))
    with pytest.raises(NotImplementedError, match="'awq'.*not implemented in kfront"):
        dense.quantize(config=quantizers.AWQConfig(None, None))
    dense.quantize("int8")
    with pytest.raises(ValueError, match="Layer 'dense.*' is already quantized with "
                                         "dtype_policy='int8_from_float32'"):
        dense.quantize("int4")
    emb = layers.Embedding(5, 2)
    emb(IDS % 5)
    with pytest.raises(NotImplementedError, match=r"Expected one of \('int8', 'int4'\)"):
        emb.quantize("float8")
    rev = layers.ReversibleEmbedding(5, 2)
    rev(IDS % 5)
    with pytest.raises(NotImplementedError, match=r"Expected one of \('int8',\)"):
        rev.quantize("int4")

    class MyDense(layers.Dense):
        pass
    mine = MyDense(2)
    mine(X2)
    with pytest.raises(NotImplementedError, match="MyDense does not have a `quantize` method"):
        mine.quantize("int8")
    with pytest.raises(NotImplementedError, match="Conv2D does not have a `quantize`"):
        layers.Conv2D(2, 3).quantize("int8")
    with pytest.raises(ValueError, match="compute_dtype='float16'"):
        layers.Dense(2, dtype="int8_from_float16")


def test_setting_a_quantized_policy_quantizes(keras):
    dense = layers.Dense(3)
    dense(X2)
    dense.dtype_policy = "int8_from_float32"
    assert dense.quantization_mode == "int8" and ops.dtype(dense.kernel) == "int8"
    built_later = layers.Dense(3, dtype="float8_from_float32")
    built_later(X2)
    assert [w.name for w in built_later.weights][2:] == [
        "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
        "outputs_grad_scale", "outputs_grad_amax_history"]
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ"):
        fresh = layers.Dense(3)
        fresh(X2)
        fresh.dtype_policy = "gptq/4/128_from_float32"


def test_reversible_embedding_int8_equals_keras(keras):
    vectors = RNG.normal(size=(2, 3, 6)).astype("float32")
    for tie, cap in ((True, None), (False, 3.0)):
        theirs = keras.layers.ReversibleEmbedding(10, 6, tie_weights=tie, logit_soft_cap=cap)
        ours = layers.ReversibleEmbedding(10, 6, tie_weights=tie, logit_soft_cap=cap)
        theirs(IDS)
        ours(IDS)
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
        theirs.quantize("int8")
        ours.quantize("int8")
        assert [(v.path.split("/")[-1], tuple(v.shape)) for v in theirs.weights] == \
            [(v.name, tuple(v.shape)) for v in ours.weights]
        for a, b in zip(theirs.weights, ours.weights):
            np.testing.assert_array_equal(np.asarray(a), b.numpy())
        np.testing.assert_allclose(ops.convert_to_numpy(ours(IDS)), np.asarray(theirs(IDS)),
                                   rtol=1e-6)
        np.testing.assert_allclose(ops.convert_to_numpy(ours(vectors, reverse=True)),
                                   np.asarray(theirs(vectors, reverse=True)), rtol=1e-5,
                                   atol=1e-6)
        store = {}
        theirs.save_own_variables(store)
        assert [tuple(np.shape(v)) for v in store.values()] == \
            [tuple(v.shape) for v in ours._variables_in_saving_order()]


def test_float8_training_updates_scales_as_keras(keras):
    """Delayed scaling: after two SGD steps (gradients through float8_e5m2) the inputs' and
    kernel's scales and amax histories equal Keras's."""
    x = np.random.RandomState(0).randn(8, 6).astype("float32") * 3
    y = np.random.RandomState(1).randn(8, 3).astype("float32")
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    ours = kfront.Sequential([layers.Input((6,)), layers.Dense(3)])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for model, lib in ((theirs, keras), (ours, kfront)):
        model.quantize("float8")
        model.compile(lib.optimizers.SGD(0.01), "mse")
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    a, b = theirs.layers[0], ours.layers[0]
    np.testing.assert_allclose(b.inputs_scale.numpy(), np.asarray(a.inputs_scale), rtol=1e-6)
    np.testing.assert_allclose(b.inputs_amax_history.numpy(), np.asarray(a.inputs_amax_history),
                               rtol=1e-6)
    np.testing.assert_allclose(b.kernel_scale.numpy(), np.asarray(a.kernel_scale), rtol=1e-6)
    np.testing.assert_allclose(b.kernel_amax_history.numpy(), np.asarray(a.kernel_amax_history),
                               rtol=1e-6)
    assert b.inputs_amax_history.numpy()[0] == pytest.approx(np.abs(x[4:]).max())
