"""Training conformance: 5 ``fit`` steps from identical weights on identical batches end at the
native engine's float64 weights, for every layer family and every optimizer setting, on every
backend, eager and compiled.

Three small models hold the layer families between them (a failure names the weight's path,
so the layer): Conv2D, BatchNormalization, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose
and Dense; Conv1D, LayerNormalization, SimpleRNN and TimeDistributed; Embedding, LSTM, GRU
and Bidirectional. Each optimizer setting trains all three.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, optimizers

from conformance.support import activate

STEPS, BATCH = 5, 8
RTOL = 1e-4  # float32 against float64, relative to each weight tensor's largest magnitude


def _conv_model():
    return kfront.Sequential([
        layers.Input((8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.Activation("tanh"),
        layers.SeparableConv2D(4, 3, depth_multiplier=2, activation="tanh"),
        layers.DepthwiseConv2D(3, padding="same", activation="tanh"),
        layers.Conv2DTranspose(3, 3, strides=2, activation="tanh"),
        layers.Conv2D(2, 3, strides=3, activation="tanh"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])


def _sequence_model():
    return kfront.Sequential([
        layers.Input((6, 4)),
        layers.Conv1D(5, 2, padding="same", activation="tanh"),
        layers.LayerNormalization(),
        layers.SimpleRNN(6, return_sequences=True),
        layers.TimeDistributed(layers.Dense(4, activation="tanh")),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])


def _token_model():
    return kfront.Sequential([
        layers.Input((7,), dtype="int32"),
        layers.Embedding(20, 6),
        layers.LSTM(5, return_sequences=True),
        layers.GRU(4, return_sequences=True),
        layers.Bidirectional(layers.LSTM(3)),
        layers.Dense(3, activation="softmax"),
    ])


def _image_data(rng):
    return rng.normal(size=(STEPS * BATCH, 8, 8, 2))


def _sequence_data(rng):
    return rng.normal(size=(STEPS * BATCH, 6, 4))


def _token_data(rng):
    return rng.integers(0, 20, size=(STEPS * BATCH, 7)).astype("int32")


MODELS = {"conv": (_conv_model, _image_data), "sequence": (_sequence_model, _sequence_data),
          "tokens": (_token_model, _token_data)}

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.1),
    "sgd-momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "sgd-nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(0.01),
    "adam-amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop-centered-momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.1),
    "adam-clipnorm": lambda: optimizers.Adam(0.01, clipnorm=0.05),
    "sgd-clipvalue": lambda: optimizers.SGD(0.1, momentum=0.5, clipvalue=0.05),
    "rmsprop-global-clipnorm": lambda: optimizers.RMSprop(0.01, global_clipnorm=1.0),
    "adam-weight-decay": lambda: optimizers.Adam(0.01, weight_decay=0.1),
    "adam-ema": lambda: optimizers.Adam(0.01, use_ema=True, ema_momentum=0.5,
                                        ema_overwrite_frequency=3),
}


def _fit(model_name, optimizer, initial, x, y, eager):
    make, _ = MODELS[model_name]
    model = make()
    model.set_weights(initial)
    model.compile(optimizer=OPTIMIZERS[optimizer](), loss="categorical_crossentropy",
                  run_eagerly=eager, jit_compile=False if eager else True)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return [(w.path, w.numpy()) for w in model.weights]


_REFERENCE: dict = {}


def _reference(model_name, optimizer):
    """Initial weights, batches and the native engine's float64 weights after ``fit``."""
    key = (model_name, optimizer)
    if key not in _REFERENCE:
        make, data = MODELS[model_name]
        rng = np.random.default_rng(7)
        kfront.config.set_backend("numpy")
        kfront.utils.set_random_seed(3)
        initial = make().get_weights()
        x = data(rng)
        y = np.eye(3)[rng.integers(0, 3, len(x))]
        floatx = kfront.config.floatx()
        kfront.config.set_floatx("float64")
        try:
            want = _fit(model_name, optimizer, [w.astype("float64") for w in initial],
                        x, y, eager=True)
        finally:
            kfront.config.set_floatx(floatx)
        _REFERENCE[key] = initial, x, y, want
    return _REFERENCE[key]


@pytest.mark.parametrize("mode", ["eager", "jit"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_five_fit_steps_follow_the_native_float64_trajectory(backend, model_name, optimizer,
                                                             mode):
    if backend == "torch" and mode == "jit" and (
            sorted(OPTIMIZERS).index(optimizer) % len(MODELS) != sorted(MODELS).index(model_name)):
        pytest.skip("torch jit: each optimizer setting is compiled on one of the three models "
                    "(in rotation); a torch.compile of every pair costs ~7 CPU-minutes")
    initial, x, y, want = _reference(model_name, optimizer)
    activate(backend)
    x32 = x if x.dtype.kind == "i" else x.astype("float32")
    got = _fit(model_name, optimizer, initial, x32, y.astype("float32"), eager=mode == "eager")
    assert [a.shape for _, a in got] == [b.shape for _, b in want]
    for (path, a), (_, b) in zip(got, want):
        scale = max(float(np.max(np.abs(b))), 1e-3)
        err = float(np.max(np.abs(a - b)))
        assert err <= RTOL * scale, (
            f"{path} on {backend} ({mode}, {optimizer}): max deviation {err:.2e} from the "
            f"native float64 run, allowed {RTOL * scale:.2e}")
