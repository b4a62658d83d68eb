"""Two ``fit`` steps of ``LSTM(return_sequences=True)`` + ``TimeDistributed(Dense(softmax))``
with ``sparse_categorical_crossentropy`` gives Keras 3's loss and weights, on every backend
(TensorFlow once failed here in fit with "0 is duplicated in the input": the gradient of its
take_along_axis inside the XLA-compiled step)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

RNG = np.random.default_rng(0)
X = RNG.random((8, 5, 3)).astype("float32")
Y = RNG.integers(0, 6, (8, 5))


def _model(lib):
    layers = lib.layers
    return lib.Sequential([layers.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                           layers.TimeDistributed(layers.Dense(6, activation="softmax"))])


def _weights():
    model = _model(kfront)  # the same initial weights for kfront and Keras
    return [RNG.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]


WEIGHTS = _weights()


def _fit(lib, **compile_kw):
    model = _model(lib)
    model.set_weights(WEIGHTS)
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"], **compile_kw)
    history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return history.history, model.get_weights()


@pytest.fixture(scope="module")
def keras_step():
    import keras
    return _fit(keras, run_eagerly=True)  # (no tf.function tracing: the same numbers)


def test_fit_step_matches_keras(backend, keras_step):
    history, weights = _fit(kfront)  # compiled as by default (XLA on TensorFlow)
    expected_history, expected_weights = keras_step
    assert history.keys() == expected_history.keys()
    for key, values in history.items():
        np.testing.assert_allclose(values, expected_history[key], rtol=1e-5, err_msg=key)
    assert len(weights) == len(expected_weights) == 5
    for mine, theirs in zip(weights, expected_weights):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-6)
    assert not np.allclose(weights[0], WEIGHTS[0])  # it trained
