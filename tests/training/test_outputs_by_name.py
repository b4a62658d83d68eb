"""Multi-input / multi-output models addressed by name, as Keras's functional API guide."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

RNG = np.random.default_rng(2)
X = {"a": RNG.normal(size=(16, 3)).astype("float32"),
     "b": RNG.normal(size=(16, 2)).astype("float32")}
Y = {"score": RNG.normal(size=(16, 1)).astype("float32"),
     "cls": np.eye(3, dtype="float32")[RNG.integers(0, 3, 16)]}
COMPILE = dict(loss={"score": "mse", "cls": "categorical_crossentropy"},
               loss_weights={"score": 1.0, "cls": 0.5},
               metrics={"cls": ["acc"], "score": ["mae"]})


def _build(lib, dict_outputs):
    a, b = lib.Input((3,), name="a"), lib.Input((2,), name="b")
    h = lib.layers.Concatenate()([a, b])
    score = lib.layers.Dense(1, name="score")(h)
    cls = lib.layers.Dense(3, activation="softmax", name="cls")(h)
    outputs = {"score": score, "cls": cls} if dict_outputs else [score, cls]
    return lib.Model({"a": a, "b": b}, outputs)


def _by_layer(model):
    """Weights by layer name (Keras orders a dict-output model's layers by sorted key)."""
    return {name: model.get_layer(name).get_weights() for name in ("score", "cls")}


@pytest.fixture(scope="module")
def keras_runs():
    """Keras's logs and weights after one epoch of SGD, for dict and list outputs."""
    import keras
    runs = {}
    for dict_outputs in (True, False):
        kfront.config.set_backend("numpy")
        kfront.utils.set_random_seed(0)
        initial = _by_layer(_build(kfront, dict_outputs))
        model = _build(keras, dict_outputs)
        for name, weights in initial.items():
            model.get_layer(name).set_weights(weights)
        model.compile(optimizer=keras.optimizers.SGD(0.1), **COMPILE)
        history = model.fit(X, Y, batch_size=8, shuffle=False, verbose=0).history
        runs[dict_outputs] = initial, history, _by_layer(model), model.output_names
    return runs


@pytest.mark.parametrize("dict_outputs", [True, False])
def test_losses_weights_metrics_by_output_name_match_keras(backend, keras_runs, dict_outputs):
    initial, want_h, want_w, want_names = keras_runs[dict_outputs]
    model = _build(kfront, dict_outputs)
    for name, weights in initial.items():
        model.get_layer(name).set_weights(weights)
    assert model.output_names == want_names
    model.compile(optimizer=kfront.optimizers.SGD(0.1), **COMPILE)
    history = model.fit(X, Y, batch_size=8, shuffle=False, verbose=0).history
    assert sorted(history) == sorted(want_h)
    for k in want_h:
        np.testing.assert_allclose(history[k], want_h[k], rtol=1e-5, err_msg=k)
    for name, weights in _by_layer(model).items():
        for a, b in zip(weights, want_w[name]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)
    pred = model.predict(X, verbose=0)
    assert isinstance(pred, dict if dict_outputs else list)


def test_a_loss_dict_naming_no_output_is_refused():
    model = _build(kfront, False)
    with pytest.raises(ValueError, match=r"key\(s\) \['nope'\] that name no output; the "
                                         r"outputs are \['score', 'cls'\]"):
        model.compile(optimizer="sgd", loss={"nope": "mse"})
    model.compile(optimizer="sgd", loss={"score": "mse"}, metrics={"clss": "acc"})
    with pytest.raises(ValueError, match=r"metrics dict has key\(s\) \['clss'\]"):
        model.fit(X, Y, verbose=0)
