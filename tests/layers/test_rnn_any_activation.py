"""``LSTM``, ``GRU`` and ``SimpleRNN`` (and their cells in ``RNN``) with activations the fused
scan kernels lack ("gelu", "silu", "selu", a user function): outputs equal real Keras 3's on
every backend (masks, go_backwards, return_state, GRU reset_after both ways), the generic path
equals the fused one for the same math (dropout included), training steps equal Keras's, native
float64 gradients match finite differences, stateful runs and configs."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(7)
X = RNG.normal(size=(2, 5, 3)).astype("float32")
Y = RNG.normal(size=(2, 1)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)


def user_activation(lib):
    """A named user function written with the library's ops."""
    def scaled_softsign(x):
        return lib.ops.multiply(1.5, lib.ops.divide(x, lib.ops.add(1.0, lib.ops.abs(x))))
    return scaled_softsign


CASES = {  # name -> (layer factory (layers module, library), call kwargs)
    "lstm-gelu": (lambda L, lib: L.LSTM(4, activation="gelu", return_sequences=True,
                                        return_state=True), {"mask": MASK}),
    "lstm-user-silu": (lambda L, lib: L.LSTM(3, activation=user_activation(lib),
                                             recurrent_activation="hard_silu",
                                             go_backwards=True), {}),
    "gru-gelu": (lambda L, lib: L.GRU(4, activation="gelu", recurrent_activation="silu",
                                      go_backwards=True, return_sequences=True),
                 {"mask": MASK}),
    "gru-before-user": (lambda L, lib: L.GRU(3, activation=user_activation(lib),
                                             reset_after=False, return_state=True,
                                             zero_output_for_mask=True), {"mask": MASK}),
    "simple-gelu": (lambda L, lib: L.SimpleRNN(4, activation="gelu", return_sequences=True),
                    {}),
    "simple-user": (lambda L, lib: L.SimpleRNN(3, activation=user_activation(lib),
                                               use_bias=False, return_state=True),
                    {"mask": MASK}),
    "rnn-stacked-cells": (lambda L, lib: L.RNN([L.LSTMCell(3, activation="leaky_relu"),
                                                L.GRUCell(2, activation="swish")],
                                               return_sequences=True), {"mask": MASK}),
}


def _flat(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.fixture(scope="module")
def keras_results(keras):
    out = {}
    for i, (name, (make, kwargs)) in enumerate(sorted(CASES.items())):
        layer = make(keras.layers, keras)
        layer(X, **kwargs)
        rng = np.random.default_rng(i)
        weights = [(rng.normal(size=w.shape) * 0.5).astype("float32") for w in layer.weights]
        layer.set_weights(weights)
        out[name] = ([tuple(w.shape) for w in layer.weights], weights,
                     [keras.ops.convert_to_numpy(o) for o in _flat(layer(X, **kwargs))])
    return out


def test_any_activation_matches_keras(backend, keras_results):
    failures = []
    for name, (make, kwargs) in sorted(CASES.items()):
        shapes, weights, want = keras_results[name]
        try:
            layer = make(layers, kfront)
            layer(X, **kwargs)
            assert [tuple(w.shape) for w in layer.weights] == shapes
            layer.set_weights(weights)
            got = [ops.convert_to_numpy(o) for o in _flat(layer(X, **kwargs))]
            assert len(got) == len(want)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, atol=2e-5, rtol=1e-5)
        except Exception as e:  # every case reported at once
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_generic_path_equals_fused_kernels(backend):
    """The same math through a lambda (generic ``ops.scan`` path) and through the fused op:
    equal outputs and final states in training (the same dropout masks)."""
    tanh, sigmoid = (lambda x: ops.tanh(x)), (lambda x: ops.sigmoid(x))  # noqa: E731
    for cls, kw in [(layers.SimpleRNN, {"return_sequences": True}),
                    (layers.LSTM, {"go_backwards": True, "return_state": True}),
                    (layers.GRU, {"reset_after": False, "zero_output_for_mask": True})]:
        common = dict(dropout=0.3, recurrent_dropout=0.4, seed=3, **kw)
        generic = {"activation": tanh}
        if cls is not layers.SimpleRNN:
            generic["recurrent_activation"] = sigmoid
        fused, lam = cls(4, **common), cls(4, **generic, **common)
        fused(X), lam(X)
        lam.set_weights(fused.get_weights())
        a = _flat(fused(X, mask=MASK, training=True))
        b = _flat(lam(X, mask=MASK, training=True))
        assert not np.allclose(ops.convert_to_numpy(a[0]),
                               ops.convert_to_numpy(_flat(fused(X, mask=MASK))[0]))
        for p, q in zip(a, b):
            np.testing.assert_allclose(ops.convert_to_numpy(p), ops.convert_to_numpy(q),
                                       atol=1e-5, err_msg=f"{cls.__name__} {kw}")


def _model(lib):
    L = lib.layers
    inp = L.Input((5, 3))
    h = L.LSTM(4, activation="gelu", return_sequences=True)(inp)
    h = L.GRU(3, activation="silu", reset_after=False, return_sequences=True)(h)
    h = L.SimpleRNN(2, activation=user_activation(lib))(h)
    return lib.Model(inp, L.Dense(1)(h))


@pytest.fixture(scope="module")
def keras_training(keras):
    model = _model(keras)
    weights = [(np.random.default_rng(1).normal(size=w.shape) * 0.4).astype("float32")
               for w in model.weights]
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    losses = [float(model.train_on_batch(X, Y)) for _ in range(3)]
    return weights, losses, [np.asarray(w) for w in model.get_weights()]


def test_training_steps_equal_keras(backend, keras_training):
    """Three SGD steps (compiled where the backend compiles) give Keras's losses and weights:
    the generic path's gradients on every backend."""
    weights, losses, after = keras_training
    model = _model(kfront)
    model.set_weights(weights)
    model.compile(optimizer=kfront.optimizers.SGD(0.1), loss="mse")
    got = [float(model.train_on_batch(X, Y)) for _ in range(3)]
    np.testing.assert_allclose(got, losses, rtol=1e-4)
    assert got[-1] < got[0]
    for g, w in zip(model.get_weights(), after):
        np.testing.assert_allclose(g, w, atol=1e-4)


def _fd_check(layer, x, **kwargs):
    """Native float64 gradients of sum(r * layer(x)) w.r.t. x and every weight against central
    finite differences."""
    from test_layers_conv import EPS, RTOL, _rel_err
    inputs = kfront.Variable(x, name="inputs")
    r = np.random.default_rng(0).normal(size=np.shape(layer(x, **kwargs)))
    loss = lambda: ops.sum(ops.multiply(r, layer(inputs, **kwargs)))  # noqa: E731
    targets = [inputs, *layer.trainable_weights]
    with kfront.GradientTape() as tape:
        value = loss()
    for var, g in zip(targets, tape.gradient(value, targets)):
        base, num = var.numpy(), np.zeros(var.shape)
        for idx in np.ndindex(base.shape):
            values = []
            for step in (EPS, -EPS):
                moved = base.copy()
                moved[idx] += step
                var.assign(moved)
                values.append(float(loss()))
            num[idx] = (values[0] - values[1]) / (2 * EPS)
        var.assign(base)
        assert _rel_err(ops.convert_to_numpy(g), num) < RTOL, var.name


def test_native_gradients_match_finite_differences():
    x = np.random.default_rng(3).normal(size=(2, 3, 2))
    mask = MASK[:, :3]
    for layer, kw in [(layers.LSTM(2, activation="gelu", recurrent_activation="silu",
                                   return_sequences=True, dtype="float64"), {"mask": mask}),
                      (layers.GRU(2, activation="selu", go_backwards=True, dtype="float64"), {}),
                      (layers.GRU(2, activation="gelu", reset_after=False,
                                  return_sequences=True, dtype="float64"), {"mask": mask}),
                      (layers.SimpleRNN(2, activation="silu", dtype="float64"), {})]:
        layer(x)
        for w in layer.weights:  # non-trivial biases
            w.assign(np.random.default_rng(5).normal(size=w.shape) * 0.5)
        _fd_check(layer, x, **kw)


def test_stateful_cell_step_and_config(keras):
    # a stateful layer carries its states: two halves equal the whole sequence
    whole = layers.GRU(3, activation="gelu", return_sequences=True)
    out = ops.convert_to_numpy(whole(X))
    half = layers.GRU(3, activation="gelu", return_sequences=True, stateful=True)
    half(X[:, :2])
    half.set_weights(whole.get_weights())
    half.reset_state()
    parts = [ops.convert_to_numpy(half(X[:, :2])), ops.convert_to_numpy(half(X[:, 2:]))]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), out, atol=1e-6)
    # a direct build marks the layer built (as Keras): calling it adds no weights
    direct = layers.LSTM(2, activation="gelu")
    direct.build(X.shape)
    direct(X)
    assert direct.built and len(direct.weights) == 3
    # one cell step equals the first step of the layer
    cell = whole.cell
    step, _ = cell(X[:, 0], [np.zeros((2, 3), "float32")])
    np.testing.assert_allclose(ops.convert_to_numpy(step), out[:, 0], atol=1e-6)
    # configs round-trip and Keras reads them
    lstm = layers.LSTM(3, activation="gelu", recurrent_activation="hard_silu")
    config = lstm.get_config()
    assert config["activation"] == "gelu" and config["recurrent_activation"] == "hard_silu"
    assert type(lstm).from_config(config).get_config() == config
    assert keras.layers.LSTM.from_config(config).get_config()["activation"] == "gelu"
    lam = layers.SimpleRNN(2, activation=lambda x: ops.relu(x) * 2.0)  # runs, not serializable
    assert ops.convert_to_numpy(lam(X)).shape == (2, 2)
    with pytest.raises(ValueError, match="cannot be serialized"):
        lam.get_config()
