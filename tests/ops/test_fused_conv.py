"""The layers' fused ops ``ops.nn.conv_bias_activation`` / ``matmul_bias_activation`` on every
backend: values and gradients (inputs, kernel, bias) equal the op-by-op composition
(``conv``/``matmul``, ``add``, ``relu``) on the same backend and the native engine's, the
fallbacks (integers, mixed dtypes) and the bad-activation error; and the layers that use them
(Conv2D / Dense with relu, torch's in-place path) train as before."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

rng = np.random.default_rng(0)
CONV_CASES = [  # input shape, kernel shape, bias?, activation, keywords
    ((2, 6, 5, 3), (3, 3, 3, 4), True, "relu", {}),
    ((2, 7, 6, 2), (3, 2, 2, 3), True, "relu", {"strides": 2, "padding": "same"}),  # asym. pad
    ((2, 3, 6, 5), (2, 2, 3, 4), True, None, {"data_format": "channels_first"}),
    ((2, 9, 4), (3, 4, 2), False, "relu", {"dilation_rate": 2}),
    ((1, 5, 5, 4), (2, 2, 2, 4), True, "relu", {}),  # groups = 2
]
MATMUL_CASES = [((5, 4), (4, 3), True, "relu"), ((2, 3, 4), (4, 6), True, "relu"),
                ((5, 4), (4, 3), False, "relu"), ((5, 4), (4, 3), True, None)]


def _arrays(x_shape, k_shape, has_bias, dtype="float64"):
    x, k = rng.normal(size=x_shape), rng.normal(size=k_shape)
    b = rng.normal(size=k_shape[-1]) if has_bias else None
    return [a if a is None else a.astype(dtype) for a in (x, k, b)]


def _composed_conv(x, k, b, activation, **kw):
    y = ops.conv(x, k, **kw)
    if b is not None:
        rank = len(ops.shape(y)) - 2
        y = ops.add(y, ops.reshape(b, (-1,) + (1,) * rank)
                    if kw.get("data_format") == "channels_first" else b)
    return ops.relu(y) if activation else y


def _composed_matmul(x, k, b, activation):
    y = ops.matmul(x, k)
    y = y if b is None else ops.add(y, b)
    return ops.relu(y) if activation else y


def _value_and_grads(fn, x, k, b):
    """``fn``'s value and the gradients of sum(w * fn) w.r.t. x, kernel (and bias)."""
    args = (x, k) if b is None else (x, k, b)
    w = np.random.default_rng(1).normal(size=ops.shape(fn(*args, *(None,) * (3 - len(args)))))
    w = w.astype(x.dtype)

    def loss(*a):
        out = fn(*a, *(None,) * (3 - len(a)))
        return ops.sum(ops.multiply(w, out)), out
    (_, out), grads = ops.value_and_grad(loss, argnums=tuple(range(len(args))),
                                         has_aux=True)(*args)
    return [ops.convert_to_numpy(t) for t in (out, *grads)]


def _cases():
    for x_shape, k_shape, has_bias, act, kw in CONV_CASES:
        arrays = _arrays(x_shape, k_shape, has_bias)
        yield (lambda x, k, b, a=act, kw=kw: ops.nn.conv_bias_activation(x, k, b, a, **kw),
               lambda x, k, b, a=act, kw=kw: _composed_conv(x, k, b, a, **kw), arrays)
    # a max pool of the fused relu, many windows all negative (bias -2): the same gradients
    x, k, b = _arrays((2, 8, 9, 3), (3, 3, 3, 4), True)
    for x, kw in ((x, {}), (x.transpose(0, 3, 1, 2).copy(), {"data_format": "channels_first"})):
        yield (lambda x, k, b, kw=kw: ops.max_pool(
                   ops.nn.conv_bias_activation(x, k, b, "relu", **kw), 2, **kw),
               lambda x, k, b, kw=kw: ops.max_pool(_composed_conv(x, k, b, "relu", **kw), 2,
                                                   **kw),
               [x, k, b - 2.0])
    for x_shape, k_shape, has_bias, act in MATMUL_CASES:
        arrays = _arrays(x_shape, k_shape, has_bias)
        yield (lambda x, k, b, a=act: ops.nn.matmul_bias_activation(x, k, b, a),
               lambda x, k, b, a=act: _composed_matmul(x, k, b, a), arrays)


CASES = list(_cases())


@pytest.fixture(scope="module")
def native_results():
    """Each case's fused value and gradients on the native engine (float64)."""
    kfront.config.set_backend("numpy")
    return [_value_and_grads(fused, *arrays) for fused, _, arrays in CASES]


def test_fused_ops_equal_the_composition_with_gradients(backend, native_results):
    for (fused, composed, arrays), native in zip(CASES, native_results):
        got = _value_and_grads(fused, *arrays)
        want = _value_and_grads(composed, *arrays)
        assert len(got) == len(want) == len(native)
        for g, w, n in zip(got, want, native):
            assert g.dtype == np.float64 and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9)


def test_float32_within_rounding_of_the_composition(backend):
    for fused, composed, arrays in [
            (lambda x, k, b: ops.nn.conv_bias_activation(x, k, b, "relu"),
             lambda x, k, b: _composed_conv(x, k, b, "relu"),
             _arrays((4, 9, 9, 3), (3, 3, 3, 8), True, "float32")),
            (lambda x, k, b: ops.nn.matmul_bias_activation(x, k, b, "relu"),
             lambda x, k, b: _composed_matmul(x, k, b, "relu"),
             _arrays((6, 20), (20, 8), True, "float32"))]:
        got, want = _value_and_grads(fused, *arrays), _value_and_grads(composed, *arrays)
        for g, w in zip(got, want):
            assert g.dtype == np.float32
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_other_dtypes_run_op_by_op(backend):
    x = np.arange(2 * 4 * 4 * 2, dtype="int32").reshape(2, 4, 4, 2) - 20
    k = np.ones((2, 2, 2, 3), "int32")
    b = np.array([1, -100, 2], "int32")
    got = ops.nn.conv_bias_activation(x, k, b, "relu")
    want = _composed_conv(x, k, b, "relu")
    assert ops.dtype(got) == ops.dtype(want) == "int32"
    np.testing.assert_array_equal(ops.convert_to_numpy(got), ops.convert_to_numpy(want))
    xf, kf = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4, 2))
    got = ops.nn.matmul_bias_activation(xf, kf, np.ones(2, "float32"), "relu")
    want = _composed_matmul(xf, kf, np.ones(2, "float32"), "relu")
    assert ops.dtype(got) == ops.dtype(want) == "float64"
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want))


def test_bad_activation_names_the_op(backend):
    with pytest.raises(ValueError, match=r"conv_bias_activation: activation must be one of "
                                         r"\(None, 'relu'\), got 'tanh'"):
        ops.nn.conv_bias_activation(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), None, "tanh")
    with pytest.raises(ValueError, match="matmul_bias_activation: activation must be one of"):
        ops.nn.matmul_bias_activation(np.ones((1, 2)), np.ones((2, 2)), None, "gelu")


def test_relu_layers_train_like_the_composition(backend):
    """Conv2D/Dense with relu (the fused path) and with a relu Activation layer after them (op
    by op) give the same outputs and weights after two SGD steps."""
    x = rng.normal(size=(8, 6, 6, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]

    def model(fused: bool):
        act = dict(activation="relu") if fused else {}

        def after():
            return [] if fused else [layers.Activation("relu")]
        return kfront.Sequential([layers.Input((6, 6, 2)), layers.Conv2D(4, 3, **act), *after(),
                                  layers.MaxPooling2D(), layers.Flatten(), layers.Dense(5, **act), *after(),
                                  layers.Dense(3, activation="softmax")])
    models = [model(True), model(False)]
    models[1].set_weights(models[0].get_weights())
    for m in models:
        m.compile(optimizer=kfront.optimizers.SGD(0.1), loss="categorical_crossentropy")
        m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(*(m.get_weights() for m in models)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(*(ops.convert_to_numpy(m.predict(x, verbose=0)) for m in models),
                               rtol=1e-5, atol=1e-6)
