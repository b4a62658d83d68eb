"""keras-io's "intro to Keras for researchers" on TensorFlow writes its train step as a
``tf.function`` of its own: ``optimizer.apply_gradients(zip(grads, vars))`` inside it, with
an optimizer never used eagerly before. Keras builds the slots outside the graph and updates
in it; kfront must give the same losses and step count."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

tf = pytest.importorskip("tensorflow")


def _losses(lib, optimizer_name: str) -> tuple[list, int]:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(96, 6)).astype("float32")
    y = rng.integers(0, 4, 96)
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"),
                            lib.layers.Dense(4)])
    model.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.3
                       for i, w in enumerate(model.get_weights())])
    loss_fn = lib.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = getattr(lib.optimizers, optimizer_name)(learning_rate=0.05)

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return loss

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    losses = [float(train_step(xb, yb)) for _ in range(2) for xb, yb in ds]
    return losses, int(optimizer.iterations.numpy())


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam", "RMSprop"])
def test_apply_gradients_traced_as_keras(keras, optimizer_name):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the oracle is Keras on TensorFlow")
    kfront.config.set_backend("tensorflow")
    try:
        ours = _losses(kfront, optimizer_name)
    finally:
        kfront.config.set_backend("numpy")
    theirs = _losses(keras, optimizer_name)
    assert ours[1] == theirs[1] == 6
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert ours[0][-1] < ours[0][0]


def test_unsupported_settings_in_a_trace_say_so():
    kfront.config.set_backend("tensorflow")
    try:
        w = kfront.Variable(np.ones(3, "float32"))
        optimizer = kfront.optimizers.SGD(learning_rate=0.1, clipnorm=1.0)
        step = tf.function(lambda g: optimizer.apply_gradients([(g, w)]))
        with pytest.raises(NotImplementedError, match="inside a tf.function"):
            step(tf.ones(3))
    finally:
        kfront.config.set_backend("numpy")
