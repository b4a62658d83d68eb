"""Recurrent layers, wrappers and masking against real Keras 3 (same weights), and the scan ops'
gradients against central finite differences."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 4:] = False   # padding at the end
MASK[1, 0] = False    # a masked first step
MASK[2, 2] = False    # a masked step inside


def _np(keras, out):
    """Outputs of kfront (on any backend) or of Keras as numpy arrays."""
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [ops.convert_to_numpy(o) if ops.is_tensor(o) else keras.ops.convert_to_numpy(o)
            for o in outs]


def _n(x):
    """A kfront output (any backend) as numpy."""
    return ops.convert_to_numpy(x)


def _assert_same(keras, ours, theirs, x=X, **call_kwargs):
    """Build both layers on ``x``, copy our weights into Keras's, compare every output."""
    ours(x), theirs(x)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    theirs.set_weights(ours.get_weights())
    a, b = _np(keras, ours(x, **call_kwargs)), _np(keras, theirs(x, **call_kwargs))
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p, q, atol=1e-5)


RNN_OPTIONS = [dict(return_sequences=s, return_state=r, go_backwards=g)
               for s, r, g in itertools.product([False, True], repeat=3)]


@pytest.mark.parametrize("options", RNN_OPTIONS, ids=str)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_rnn_matches_keras(keras, name, options, masked):
    ours, theirs = getattr(layers, name)(5, **options), getattr(keras.layers, name)(5, **options)
    _assert_same(keras, ours, theirs, mask=MASK if masked else None)


@pytest.mark.parametrize("kwargs", [
    dict(reset_after=False), dict(reset_after=False, go_backwards=True, return_sequences=True),
    dict(use_bias=False), dict(activation="relu", recurrent_activation="hard_sigmoid"),
    dict(zero_output_for_mask=True, return_sequences=True)], ids=str)
def test_gru_variants_match_keras(keras, kwargs):
    _assert_same(keras, layers.GRU(5, **kwargs), keras.layers.GRU(5, **kwargs), mask=MASK)


@pytest.mark.parametrize("kwargs", [
    dict(unit_forget_bias=False), dict(use_bias=False),
    dict(activation="softsign", recurrent_activation="hard_sigmoid"),
    dict(zero_output_for_mask=True, return_sequences=True, go_backwards=True)], ids=str)
def test_lstm_variants_match_keras(keras, kwargs):
    _assert_same(keras, layers.LSTM(5, **kwargs), keras.layers.LSTM(5, **kwargs), mask=MASK)


def test_lstm_unit_forget_bias_initialises_forget_block_to_one():
    layer = layers.LSTM(3)
    layer(X)
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    layer = layers.LSTM(3, unit_forget_bias=False)
    layer(X)
    assert not layer.get_weights()[2].any()


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_state_matches_keras(keras, name):
    states = [RNG.normal(size=(3, 5)).astype("float32") for _ in range(2 if name == "LSTM" else 1)]
    ours = getattr(layers, name)(5, return_sequences=True, return_state=True)
    theirs = getattr(keras.layers, name)(5, return_sequences=True, return_state=True)
    _assert_same(keras, ours, theirs, initial_state=states, mask=MASK)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("options", [dict(), dict(return_sequences=True),
                                     dict(return_sequences=True, return_state=True)], ids=str)
@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_matches_keras(keras, merge_mode, options, masked):
    ours = layers.Bidirectional(layers.LSTM(4, **options), merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(4, **options), merge_mode=merge_mode)
    _assert_same(keras, ours, theirs, mask=MASK if masked else None)
    paths = [w.path for w in ours.weights]
    assert all(p.startswith(f"{ours.name}/") for p in paths)  # nested, as in Keras
    assert [p.split("/")[1].split("_")[0] for p in paths] == ["forward"] * 3 + ["backward"] * 3


def test_bidirectional_gru_backward_layer_matches_keras(keras):
    ours = layers.Bidirectional(layers.GRU(3, return_sequences=True),
                                backward_layer=layers.GRU(2, return_sequences=True,
                                                          go_backwards=True))
    theirs = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True),
                                        backward_layer=keras.layers.GRU(
                                            2, return_sequences=True, go_backwards=True))
    _assert_same(keras, ours, theirs, mask=MASK)
    assert ours(X).shape == (3, 6, 5)


def test_time_distributed_matches_keras(keras):
    ours = layers.TimeDistributed(layers.Dense(3, activation="tanh"))
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3, activation="tanh"))
    _assert_same(keras, ours, theirs)
    assert ours.compute_output_shape((None, 6, 4)) == (None, 6, 3)


def _masked_stack(lib, model_cls):
    x = X.copy()
    x[0, 4:] = 0.0  # padding Masking() will find
    stack = [lib.layers.Input((6, 4)), lib.layers.Masking(),
             lib.layers.Bidirectional(lib.layers.LSTM(4, return_sequences=True)),
             lib.layers.LSTM(3, return_sequences=True, go_backwards=True),
             lib.layers.TimeDistributed(lib.layers.Dense(2)), lib.layers.GRU(3)]
    if model_cls == "sequential":
        return lib.Sequential(stack), x
    h = stack[0]
    for layer in stack[1:]:
        h = layer(h)
    return lib.Model(stack[0], h), x


@pytest.mark.parametrize("model_cls", ["sequential", "functional"])
def test_masks_flow_through_models_as_in_keras(keras, model_cls):
    ours, x = _masked_stack(kfront, model_cls)
    theirs, _ = _masked_stack(keras, model_cls)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)


def test_masked_padding_equals_the_unpadded_sequence():
    layer = layers.LSTM(4, return_state=True)
    padded = np.concatenate([X, np.zeros((3, 2, 4), "float32")], axis=1)
    mask = np.concatenate([np.ones((3, 6), bool), np.zeros((3, 2), bool)], axis=1)
    for a, b in zip(layer(X), layer(padded, mask=mask)):
        np.testing.assert_allclose(_n(a), _n(b), atol=1e-6)


def test_encoder_decoder_with_symbolic_initial_state_matches_keras(keras):
    def build(lib):
        enc_in, dec_in = lib.layers.Input((6, 4)), lib.layers.Input((5, 4))
        _, h, c = lib.layers.LSTM(3, return_state=True)(enc_in)
        out = lib.layers.LSTM(3, return_sequences=True)(dec_in, initial_state=[h, c])
        return lib.Model([enc_in, dec_in], lib.layers.TimeDistributed(lib.layers.Dense(2))(out))
    ours, theirs = build(kfront), build(keras)
    theirs.set_weights(ours.get_weights())
    inputs = [X, X[:, :5]]
    np.testing.assert_allclose(ours.predict(inputs, verbose=0), theirs.predict(inputs, verbose=0),
                               atol=1e-5)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "SimpleRNNCell"])
def test_cells_match_keras(keras, name):
    x = X[:, 0]
    states = [RNG.normal(size=(3, 5)).astype("float32") for _ in range(2 if "LSTM" in name else 1)]
    ours, theirs = getattr(layers, name)(5), getattr(keras.layers, name)(5)
    ours(x, states), theirs(x, states)
    theirs.set_weights(ours.get_weights())
    (a, sa), (b, sb) = ours(x, states), theirs(x, states)
    for p, q in zip(_np(keras, [a, *sa]), _np(keras, [b, *sb])):
        np.testing.assert_allclose(p, q, atol=1e-5)


def test_stateful_lstm_carries_state_between_calls():
    full = layers.LSTM(4, return_sequences=True)
    stateful = layers.LSTM(4, return_sequences=True, stateful=True)
    full(X), stateful(X)
    stateful.set_weights(full.get_weights())
    stateful.reset_state()
    halves = np.concatenate([_n(stateful(X[:, :3])), _n(stateful(X[:, 3:]))], axis=1)
    np.testing.assert_allclose(halves, _n(full(X)), atol=1e-6)
    stateful.reset_state()
    np.testing.assert_allclose(_n(stateful(X[:, :3])), _n(full(X[:, :3])), atol=1e-6)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_config_round_trip_and_keras_keys(keras, name):
    layer = getattr(layers, name)(3, return_sequences=True, dropout=0.1, go_backwards=True)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert clone.units == 3 and clone.dropout == 0.1 and clone.go_backwards
    theirs = set(getattr(keras.layers, name)(3).get_config())
    assert theirs - set(config) == set()


def test_lstm_on_2d_input_names_layer_ndim_and_shape():
    layer = layers.LSTM(3, name="my_lstm")
    with pytest.raises(ValueError, match=r'"my_lstm".*expected ndim=3, found ndim=2.*\(2, 5\)'):
        layer(np.ones((2, 5), "float32"))


def test_dropout_trains_and_is_identity_in_inference():
    layer = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    run = lambda training: ops.convert_to_numpy(layer(X, training=training))  # noqa: E731
    np.testing.assert_array_equal(run(False), run(None))
    assert not np.allclose(run(True), run(None))
    weights = layer.trainable_weights
    _, grads = ops.value_and_grad(lambda *w: ops.sum(layer(X, training=True)),
                                  argnums=tuple(range(len(weights))))(*weights)
    assert all(g is not None and np.abs(ops.convert_to_numpy(g)).sum() > 0 for g in grads)


# ---------------------------------------------------------------- scan gradients (float64)
def _finite_difference_check(fn, args, eps=1e-6):
    """Analytic gradients of the scalar ``fn(*args)`` against central differences."""
    _, grads = ops.value_and_grad(fn, argnums=tuple(range(len(args))))(*args)
    for i, (a, g) in enumerate(zip(args, grads)):
        num = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            old = a[j]
            a[j] = old + eps
            up = float(fn(*args))
            a[j] = old - eps
            down = float(fn(*args))
            a[j] = old
            num[j] = (up - down) / (2 * eps)
        err = np.linalg.norm(np.asarray(g) - num) / max(np.linalg.norm(num), 1e-12)
        assert err < 1e-6, f"argument {i}: relative error {err:.2e}"


SCANS = {"lstm": (4, 2, {}), "gru": (3, 1, {}), "gru_reset_before": (3, 1, {"reset_after": False}),
         "simple_rnn": (1, 1, {})}


@pytest.mark.parametrize("flags", [
    dict(), dict(return_sequences=True), dict(go_backwards=True, masked=True),
    dict(return_sequences=True, go_backwards=True, masked=True),
    dict(return_sequences=True, masked=True, zero_output_for_mask=True),
    dict(return_sequences=True, recurrent_dropout=True)], ids=str)
@pytest.mark.parametrize("scan", list(SCANS))
def test_scan_gradients_match_finite_differences(scan, flags):
    flags = dict(flags)
    gates, n_states, extra = SCANS[scan]
    op = getattr(ops, scan.replace("_reset_before", ""))
    rng = np.random.default_rng(1)
    batch, steps, dim, units = 2, 4, 3, 2
    x = rng.normal(size=(batch, steps, dim))
    states = [rng.normal(size=(batch, units)) for _ in range(n_states)]
    kernel = rng.normal(size=(dim, gates * units))
    recurrent = rng.normal(size=(units, gates * units))
    bias = rng.normal(size=(2, 3 * units) if scan == "gru" else (gates * units,))
    mask = (np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool) if flags.pop("masked", False) else None)
    rdrop = rng.uniform(0, 2, (batch, units)) if flags.pop("recurrent_dropout", False) else None
    weights = None

    def loss(x, kernel, recurrent, bias, *states):
        nonlocal weights
        outs = op(x, *states, kernel, recurrent, bias, mask, recurrent_dropout_mask=rdrop,
                  **extra, **flags)
        if weights is None:
            weights = [rng.normal(size=o.shape) for o in outs]
        return sum(ops.sum(ops.multiply(o, w)) for o, w in zip(outs, weights))

    _finite_difference_check(loss, [x, kernel, recurrent, bias, *states])


def test_embedding_mask_zero_flows_into_rnns_as_in_keras(keras):
    ids = np.array([[3, 1, 4, 1, 0, 0], [0, 0, 5, 9, 2, 6], [5, 3, 0, 5, 8, 9]], "int32")

    def build(lib):
        return lib.Sequential([lib.layers.Input((6,), dtype="int32"),
                               lib.layers.Embedding(10, 4, mask_zero=True),
                               lib.layers.Bidirectional(lib.layers.GRU(3, return_sequences=True)),
                               lib.layers.LSTM(3)])
    ours, theirs = build(kfront), build(keras)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0),
                               atol=1e-5)
