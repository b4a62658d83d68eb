"""What keras-io's developer guides rely on (found by running each guide with only its imports
changed, on every backend, next to Keras 3.15): each test is one behaviour, written small and
checked against Keras (TensorFlow backend) on the same weights and data."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

RNG = np.random.default_rng(11)
X = RNG.normal(size=(8, 3)).astype("float32")
YA = RNG.normal(size=(8, 1)).astype("float32")
YB = RNG.normal(size=(8, 2)).astype("float32")


def _two_outputs(lib):
    inputs = lib.Input((3,), name="x")
    out_a = lib.layers.Dense(1, name="a", kernel_initializer="ones")(inputs)
    out_b = lib.layers.Dense(2, name="b", kernel_initializer="ones")(inputs)
    return lib.Model(inputs, [out_a, out_b])


@pytest.mark.parametrize("loss", ["mse", ["mse", "mae"], [None, "mse"], {"a": "mae", "b": "mse"}],
                         ids=["one-for-all", "list", "list-with-none", "dict"])
def test_per_output_loss_logs_as_keras(backend, keras, loss):
    """training_with_built_in_methods compiles a two-output model with one loss for both, a
    list, a list with None and a dict: Keras logs "<output>_loss" for each output exactly when
    more than one loss is computed (a single loss counts once per output)."""
    logs = []
    for lib in (kfront, keras):
        model = _two_outputs(lib)
        model.compile(optimizer="sgd", loss=loss)
        history = model.fit(X, [YA, YB], batch_size=4, epochs=2, shuffle=False, verbose=0)
        logs.append(history.history)
    ours, theirs = logs
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
