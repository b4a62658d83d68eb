"""Hand-written training loops with the framework's own gradient API train kfront models to the
weights of the built-in ``fit`` (same batches, SGD, mean squared error)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers

from conformance.support import activate

RNG = np.random.default_rng(4)
X = RNG.normal(size=(24, 4)).astype("float32")
Y = RNG.normal(size=(24, 2)).astype("float32")
BATCH, LR = 8, 0.1


def _model(initial=None):
    model = kfront.Sequential([layers.Input((4,)), layers.Dense(5, activation="tanh"),
                               layers.Dense(2)])
    if initial is not None:
        model.set_weights(initial)
    return model


@pytest.fixture(autouse=True)
def _native_afterwards():
    yield
    kfront.config.set_backend("numpy")


@pytest.fixture(scope="module")
def reference():
    """Initial weights and the built-in fit's weights after one epoch (native engine)."""
    kfront.config.set_backend("numpy")
    kfront.utils.set_random_seed(0)
    model = _model()
    initial = model.get_weights()
    model.compile(optimizer=kfront.optimizers.SGD(LR), loss="mse")
    model.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0)
    return initial, model.get_weights()


def _batches():
    return [(X[i:i + BATCH], Y[i:i + BATCH]) for i in range(0, len(X), BATCH)]


def _check(model, want):
    for a, b in zip(model.get_weights(), want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_torch_loop_with_a_torch_optimizer(reference):
    """torch.optim over the variables' tensors (``v.value``: torch Parameters), ``backward()``,
    ``step()``; and Keras's torch ``train_step`` (``v.value.grad`` into ``optimizer.apply``)."""
    activate("torch")
    import torch
    initial, want = reference
    model = _model(initial)
    optimizer = torch.optim.SGD([v.value for v in model.trainable_weights], lr=LR)
    for x, y in _batches():
        optimizer.zero_grad()
        loss = torch.mean((model(torch.from_numpy(x), training=True) - torch.from_numpy(y)) ** 2)
        loss.backward()
        optimizer.step()
    _check(model, want)

    class TorchStep(kfront.Sequential):
        def train_step(self, data):
            x, y = data
            for v in self.trainable_weights:
                v.value.grad = None
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights],
                                     self.trainable_weights)
            self.metrics[0].update_state(loss)
            return {"loss": self.metrics[0].result()}

    model = TorchStep([layers.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(2)])
    model.set_weights(initial)
    model.compile(optimizer=kfront.optimizers.SGD(LR), loss="mse")
    model.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0)
    _check(model, want)


def test_tensorflow_gradient_tape_and_tf_function_on_kfront_variables(reference):
    """``tf.GradientTape.gradient(loss, model.trainable_weights)``, eagerly and inside
    ``tf.function``, with kfront's optimizer applying the gradients."""
    activate("tensorflow")
    import tensorflow as tf
    initial, want = reference
    model = _model(initial)
    optimizer = kfront.optimizers.SGD(LR)
    for x, y in _batches():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        optimizer.apply(tape.gradient(loss, model.trainable_weights), model.trainable_weights)
    _check(model, want)

    model = _model(initial)
    optimizer = kfront.optimizers.SGD(LR)

    @tf.function
    def grads_of(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        return tape.gradient(loss, model.trainable_weights)

    for x, y in _batches():
        optimizer.apply(grads_of(x, y), model.trainable_weights)
    _check(model, want)
    assert float(tf.reduce_sum(model.trainable_weights[1])) == pytest.approx(
        float(np.sum(want[1])), rel=1e-5)  # a variable converts to a tf.Tensor
