"""An Embedding's gradient on TensorFlow is a ``tf.IndexedSlices`` (one slice per lookup), and
Keras 3's TensorFlow optimizers compute their nonlinear terms on the slices before repeated rows
are summed: Adam's and RMSprop's second moments get the sum of the squares of a token's slices,
not the square of their sum, which Keras on JAX and torch (dense gradients) get.

kfront's ``fit`` gives every backend's results (the product's conformance contract,
tests/conformance/test_trajectories.py): on TensorFlow it hands the optimizer the dense row
gradients, as Keras-JAX/torch and kfront's other backends, so it is ~1e-2 away from Keras-TF's
weights on a model whose tokens repeat within a batch (asserted, so a change on either side
shows). A user's own ``tf.IndexedSlices`` given to ``apply_gradients`` (a hand-written
TensorFlow loop) follow Keras-TF, eagerly and in a ``tf.function``."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

tf = pytest.importorskip("tensorflow")


def _fit_weights(lib, optimizer: str, **compile_args) -> list:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(6, 5)).astype("int32")  # tokens repeat within a batch
    y = rng.uniform(size=(6, 1)).astype("float32")
    model = lib.Sequential([lib.Input((5,), dtype="int32"), lib.layers.Embedding(10, 4),
                            lib.layers.LSTM(4), lib.layers.Dense(1)])
    model.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.3
                       for i, w in enumerate(model.get_weights())])
    model.compile(getattr(lib.optimizers, optimizer)(learning_rate=0.01), "mse", **compile_args)
    model.fit(x, y, batch_size=2, epochs=4, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("compile_args", [{}, {"jit_compile": False}, {"run_eagerly": True}],
                         ids=["default", "no-xla", "eager"])
@pytest.mark.parametrize("optimizer", ["Adam", "RMSprop"])
def test_embedding_lstm_fit_gives_every_backends_weights(keras_tf, optimizer, compile_args):
    kfront.config.set_backend("numpy")
    native = _fit_weights(kfront, optimizer)
    kfront.config.set_backend("tensorflow")
    try:
        got = _fit_weights(kfront, optimizer, **compile_args)
    finally:
        kfront.config.set_backend("numpy")
    for n, g in zip(native, got):
        np.testing.assert_allclose(g, n, atol=2e-6)
    keras_tf_table = _fit_weights(keras_tf, optimizer)[0]
    assert np.abs(got[0] - keras_tf_table).max() > 1e-3  # Keras-TF's sparse second moments


def _apply_slices(lib, optimizer: str, in_function: bool):
    w = lib.Variable(np.linspace(0.5, 1.5, 8).reshape(4, 2).astype("float32"))
    opt = getattr(lib.optimizers, optimizer)(learning_rate=0.1)

    def step(g):
        opt.apply_gradients([(g, w)])
    if in_function:
        step = tf.function(step)
    for s in range(3):
        values = tf.constant(np.arange(6).reshape(3, 2) * (s + 1.0) - 2, "float32")
        step(tf.IndexedSlices(values, tf.constant([s % 2, 2, 2]), tf.constant([4, 2])))
    return np.asarray(w.numpy())


@pytest.mark.parametrize("in_function", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("optimizer", ["Adam", "RMSprop", "Adagrad", "Adadelta", "Adafactor",
                                       "Nadam", "SGD"])
def test_apply_indexed_slices_matches_keras_tf(keras_tf, on_tensorflow, optimizer, in_function):
    expected = _apply_slices(keras_tf, optimizer, in_function)
    np.testing.assert_allclose(_apply_slices(kfront, optimizer, in_function), expected,
                               atol=1e-6)
