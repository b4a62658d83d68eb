"""kfront.quantizers against keras.quantizers on the same inputs: functions on every backend,
configs, quantized dtype policies, and their errors."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import dtype_policies, ops, quantizers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 5)).astype("float32")
X[2, 1] = 0.0
INT4 = RNG.integers(-8, 8, size=(5, 3)).astype("int8")
F8_IN = np.array([0.0, 1.1, -3.3, 500.0, -1e-3, 2.0 ** -9 * 1.5, 2.0 ** -9 * 2.5, 17.0, 0.99999994,
                  3e-8], "float32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.fixture(scope="module")
def keras_results(keras):
    """Keras's values of every function on the module's inputs (TensorFlow backend)."""
    import tensorflow as tf
    kq = keras.quantizers
    out = {}
    for axis in (0, -1, (0, 1)):
        for to_numpy in (False, True):
            out["abs_max", axis, to_numpy] = [np.asarray(v) for v in kq.abs_max_quantize(
                X, axis=axis, to_numpy=to_numpy)]
    out["abs_max_int4"] = [np.asarray(v) for v in kq.abs_max_quantize(X, 0, (-8, 7))]
    for block in (2, 4, 6):
        for to_numpy in (False, True):
            out["grouped", block, to_numpy] = [np.asarray(v) for v in
                                               kq.abs_max_quantize_grouped_with_zero_point(
                                                   X, block, to_numpy=to_numpy)]
    for axis in (0, 1):
        for dtype in ("int8", "uint8"):
            packed, shape, n = kq.pack_int4(INT4.astype(dtype), axis=axis, dtype=dtype)
            out["pack", axis, dtype] = (np.asarray(packed), shape, n,
                                        np.asarray(kq.unpack_int4(packed, n, axis, dtype)))
    out["scale"] = [np.asarray(kq.compute_float8_scale(tf.constant(a), tf.constant(2.0), 448.0,
                                                       margin))
                    for a, margin in ((3.0, 0), (3.0, 2), (0.0, 0), (np.inf, 0))]
    out["amax"] = np.asarray(kq.compute_float8_amax_history(
        tf.constant(X), tf.constant(np.arange(4, dtype="float32"))))
    for fmt in ("float8_e4m3fn", "float8_e5m2"):
        for scale in (1.0, 0.25):
            out["qdq", fmt, scale] = np.asarray(kq.quantize_and_dequantize(
                tf.constant(F8_IN), tf.constant(scale), fmt, "float32"))
    lo, hi = np.float32(-1.0), np.float32(1.5)
    lo_c = np.linspace(-1, -0.2, 5).astype("float32")
    hi_c = np.linspace(0.3, 2, 5).astype("float32")
    for name, args, kwargs in (("tensor", (lo, hi), {}), ("narrow", (lo, hi),
                                                          {"narrow_range": True, "num_bits": 4}),
                               ("channel", (lo_c, hi_c), {"axis": -1}),
                               ("channel0", (np.linspace(-1, -0.1, 6).astype("float32"),
                                             np.linspace(0.2, 1, 6).astype("float32")),
                                {"axis": 0})):
        xs, los, his = (tf.constant(v) for v in (X, *args))
        with tf.GradientTape() as tape:
            tape.watch([xs, los, his])
            y = kq.fake_quant_with_min_max_vars(xs, los, his, **kwargs)
            loss = tf.reduce_sum(y * tf.constant(np.arange(30, dtype="float32").reshape(6, 5)))
        out["fake", name] = (np.asarray(y), [np.asarray(g) for g in
                                             tape.gradient(loss, [xs, los, his])], args, kwargs)
    return out


def test_quantizer_functions_equal_keras(backend, keras_results):
    """Every case on the native engine, one per function on the adapters (eager JAX compiles
    each new shape)."""
    k = keras_results
    full = backend == "numpy"
    for axis in (0, -1, (0, 1)) if full else (0,):
        for to_numpy in (False, True) if full else (False,):
            got = quantizers.abs_max_quantize(X, axis=axis, to_numpy=to_numpy)
            np.testing.assert_array_equal(_np(got[0]), k["abs_max", axis, to_numpy][0])
            np.testing.assert_allclose(_np(got[1]), k["abs_max", axis, to_numpy][1], rtol=1e-6)
            assert ops.dtype(got[0]) == "int8"
    if full:
        np.testing.assert_array_equal(_np(quantizers.abs_max_quantize(X, 0, (-8, 7))[0]),
                                      k["abs_max_int4"][0])
    for block in (2, 4, 6) if full else (4,):
        for to_numpy in (False, True) if full else (False,):
            got = quantizers.abs_max_quantize_grouped_with_zero_point(X, block,
                                                                      to_numpy=to_numpy)
            for g, e in zip(got, k["grouped", block, to_numpy]):
                np.testing.assert_allclose(_np(g), e, rtol=1e-6, atol=0)
    for axis in (0, 1) if full else (1,):
        for dtype in ("int8", "uint8") if full else ("int8",):
            packed, shape, n = quantizers.pack_int4(ops.convert_to_tensor(INT4.astype(dtype)),
                                                    axis=axis, dtype=dtype)
            e_packed, e_shape, e_n, e_unpacked = k["pack", axis, dtype]
            np.testing.assert_array_equal(_np(packed), e_packed)
            assert (shape, n) == (tuple(e_shape), e_n)
            unpacked = quantizers.unpack_int4(packed, n, axis, dtype)
            np.testing.assert_array_equal(_np(unpacked), e_unpacked)
            assert ops.dtype(unpacked) == dtype
    for (a, margin), e in zip(((3.0, 0), (3.0, 2), (0.0, 0), (np.inf, 0)), k["scale"]):
        np.testing.assert_allclose(_np(quantizers.compute_float8_scale(a, 2.0, 448.0, margin)),
                                   e, rtol=1e-6)
    np.testing.assert_array_equal(
        _np(quantizers.compute_float8_amax_history(X, np.arange(4, dtype="float32"))),
        k["amax"])
    for fmt in ("float8_e4m3fn", "float8_e5m2"):
        for scale in (1.0, 0.25) if full else (0.25,):
            got = quantizers.quantize_and_dequantize(F8_IN, scale, fmt, "float32")
            np.testing.assert_array_equal(_np(got), k["qdq", fmt, scale], err_msg=fmt)


def test_fake_quant_and_its_gradients_equal_keras(backend, keras_results):
    weights = np.arange(30, dtype="float32").reshape(6, 5)
    names = ("tensor", "narrow", "channel", "channel0") if backend == "numpy" else ("channel0",)
    for name in names:
        e_y, e_grads, args, kwargs = keras_results["fake", name]
        y = quantizers.fake_quant_with_min_max_vars(X, *args, **kwargs)
        np.testing.assert_allclose(_np(y), e_y, rtol=1e-5, atol=1e-6, err_msg=name)

        def loss(x, lo, hi):
            return ops.sum(ops.multiply(
                quantizers.fake_quant_with_min_max_vars(x, lo, hi, **kwargs), weights))
        grads = ops.value_and_grad(loss, argnums=(0, 1, 2))(X, *args)[1]
        for g, e in zip(grads, e_grads):
            np.testing.assert_allclose(_np(g), e, rtol=1e-5, atol=1e-5, err_msg=name)


def test_quantizer_bad_input():
    with pytest.raises(ValueError, match="value_range"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    with pytest.raises(TypeError, match="Expected int8 tensor for packing, got int32"):
        quantizers.pack_int4(np.zeros((2, 2), "int32"))
    with pytest.raises(ValueError, match="dtype to be 'int8' or 'uint8'"):
        quantizers.unpack_int4(np.zeros((2, 2), "int8"), 2, dtype="int16")
    with pytest.raises(ValueError, match="quantized_dtype must be one of"):
        quantizers.quantize_and_dequantize(X, 1.0, "float16", "float32")
    with pytest.raises(ValueError, match="must be 2D"):
        quantizers.abs_max_quantize_grouped_with_zero_point(np.zeros(4, "float32"), 2)


def test_configs_equal_keras(keras):
    kq = keras.quantizers
    pairs = [
        (quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7)),
         kq.AbsMaxQuantizer(axis=0, value_range=(-8, 7))),
        (quantizers.Int8QuantizationConfig(), kq.Int8QuantizationConfig()),
        (quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(axis=0),
                                           activation_quantizer=None),
         kq.Int8QuantizationConfig(weight_quantizer=kq.AbsMaxQuantizer(axis=0),
                                   activation_quantizer=None)),
        (quantizers.Int4QuantizationConfig(block_size=64), kq.Int4QuantizationConfig(block_size=64)),
        (quantizers.Float8QuantizationConfig(), kq.Float8QuantizationConfig()),
        (quantizers.GPTQConfig(None, None, weight_bits=8, group_size=-1),
         kq.GPTQConfig(None, None, weight_bits=8, group_size=-1)),
        (quantizers.AWQConfig(None, None, group_size=32), kq.AWQConfig(None, None, group_size=32)),
    ]
    for ours, theirs in pairs:
        ours_config = quantizers.serialize(ours)
        theirs_config = keras.saving.serialize_keras_object(theirs)
        assert ours_config == theirs_config, type(ours).__name__
        back = quantizers.deserialize(theirs_config)
        assert type(back) is type(ours) and quantizers.serialize(back) == theirs_config
        assert type(keras.saving.deserialize_keras_object(ours_config)) is type(theirs)
    assert getattr(pairs[1][0], "mode") == "int8" and pairs[5][0].dtype_policy_string() == \
        pairs[5][1].dtype_policy_string()
    assert isinstance(quantizers.get("abs_max_quantizer"), quantizers.AbsMaxQuantizer)
    assert quantizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        quantizers.get("nope")
    for bad, match in ((lambda: quantizers.Int4QuantizationConfig(block_size=0), "block_size"),
                       (lambda: quantizers.Int8QuantizationConfig(
                           weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16")),
                        "output_dtype='int8'"),
                       (lambda: quantizers.Int4QuantizationConfig(
                           weight_quantizer=quantizers.AbsMaxQuantizer()), "custom quantizers"),
                       (lambda: quantizers.GPTQConfig(None, None, weight_bits=5), "weight_bits"),
                       (lambda: quantizers.AWQConfig(None, None, weight_bits=8), "4-bit")):
        with pytest.raises(ValueError, match=match):
            bad()


def test_quantized_policies_equal_keras(keras):
    names = ["int8_from_float32", "int8_from_mixed_bfloat16", "int4_from_float32",
             "int4/128_from_float32", "int4/-1_from_bfloat16", "float8_from_float32",
             "gptq/4/128_from_float32", "awq/4/-1_from_float32"]
    for name in names:
        ours, theirs = dtype_policies.get(name), keras.dtype_policies.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == \
            (theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
        assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
        assert dtype_policies.deserialize(keras.dtype_policies.serialize(theirs)) == ours
    assert dtype_policies.get("float8_from_float32").amax_history_length == 1024
    for bad, match in (("int8_from_float16", "compute_dtype='float16'"),
                       ("int4/0_from_float32", "block_size"),
                       ("int4/x_from_float32", "must be integer"),
                       ("gptq/5/128_from_float32", "weight_bits"),
                       ("awq/4_from_float32", "Expected format"),
                       ("int8_float32", "valid pair")):
        with pytest.raises(ValueError, match=match):
            dtype_policies.get(bad)
    assert kfront.Quantizer is quantizers.Quantizer
