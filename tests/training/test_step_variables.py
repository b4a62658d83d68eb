"""The built-in compiled train step looks up the model's trainable variables once per
``compile`` (not at every batch), and a new ``compile`` after freezing a layer trains the new
set, as Keras 3 does (its compiled step keeps the variables of its ``compile``)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

RNG = np.random.default_rng(11)
X = RNG.normal(size=(64, 6)).astype("float32")
Y = RNG.normal(size=(64, 3)).astype("float32")


def _model(lib):
    return lib.Sequential([lib.layers.Input((6,)), lib.layers.Dense(5, activation="relu"),
                           lib.layers.Dense(3)])


@pytest.mark.parametrize("backend", ["jax", "tensorflow"], indirect=True)
def test_compiled_step_walks_the_layers_once_per_compile(backend, monkeypatch):
    model = _model(kfront)
    model.compile(optimizer="adam", loss="mse")
    walks = []
    prop = type(model).trainable_variables
    monkeypatch.setattr(type(model), "trainable_variables",
                        property(lambda self: walks.append(1) or prop.fget(self)))
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)  # 16 batches
    first = len(walks)
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    assert first <= 3 and len(walks) == first, (first, len(walks))
    model.compile(optimizer="adam", loss="mse")  # a new compile looks again
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert len(walks) > first


def _freeze_between_fits(libraries, **compile_kwargs) -> None:
    """Fit, freeze the first layer, fit again (compiling again unless ``run_eagerly``) with
    each library from the same weights: the frozen layer stays as it was, and the final
    weights agree between the libraries."""
    weights, start = [], None
    for lib in libraries:
        model = _model(lib)
        start = start or [w.numpy() for w in model.weights]
        model.set_weights(start)
        model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0, shuffle=False)
        frozen = [w.numpy().copy() for w in model.layers[0].weights]
        model.layers[0].trainable = False
        if not compile_kwargs.get("run_eagerly"):
            model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0, shuffle=False)
        for before, w in zip(frozen, model.layers[0].weights):
            np.testing.assert_array_equal(w.numpy(), before)
        weights.append([w.numpy() for w in model.weights])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["jax", "tensorflow"], indirect=True)
def test_freezing_then_compiling_again_trains_the_new_set_as_keras(backend):
    import importlib
    import os
    os.environ["KERAS_BACKEND"] = backend
    keras = importlib.import_module("keras")
    if keras.config.backend() != backend:
        pytest.skip(f"Keras runs on {keras.config.backend()} in this process")
    _freeze_between_fits((kfront, keras))


@pytest.mark.parametrize("backend", ["numpy", "tensorflow", "torch", "jax"], indirect=True)
def test_an_eager_step_trains_what_is_trainable_now(backend, keras):
    """With ``run_eagerly=True`` a layer frozen after a fit (no new compile) stays as it was
    in the next fit, and the others go on training as Keras-TF's eager step does (each
    eager step takes the trainable variables of its own batch)."""
    _freeze_between_fits((kfront, keras), run_eagerly=True)
