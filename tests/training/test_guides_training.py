"""What keras-io's training-loop guides rely on, in our own words: each test is a pattern a
guide uses that kfront once lacked or did differently from Keras 3 (tiny models, few steps)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(7)
X = RNG.normal(size=(24, 5)).astype("float32")
Y = RNG.normal(size=(24, 2)).astype("float32")


def _functional(cls=kfront.Model, seed=3):
    kfront.utils.set_random_seed(seed)
    inputs = kfront.Input((5,))
    return cls(inputs, layers.Dense(2)(layers.Dense(4, activation="relu")(inputs)))


class LegacySpellings(kfront.Model):
    """A step written against tf.keras 2's ``compiled_loss`` / ``compiled_metrics``."""

    def train_step(self, data):
        x, y = data

        def loss_fn(_):
            y_pred = self(x, training=True)
            return self.compiled_loss(y, y_pred, regularization_losses=self.losses), y_pred
        (_, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(
            self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


@pytest.fixture(scope="module")
def keras_legacy_history(keras):
    """Keras 3 (TensorFlow) fitting the same model with the same step, tf.GradientTape inside."""
    import tensorflow as tf

    class KerasLegacy(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input((5,))
    model = KerasLegacy(inputs, keras.layers.Dense(2)(
        keras.layers.Dense(4, activation="relu")(inputs)))
    model.set_weights(_functional().get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    with pytest.warns(UserWarning):
        history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    return history, model.get_weights()


@pytest.mark.filterwarnings("ignore:`model.compiled_")
def test_compiled_loss_and_metrics_shims_train_as_keras(backend, keras_legacy_history):
    history, keras_weights = keras_legacy_history
    model = _functional(LegacySpellings)
    model.compile(optimizer=kfront.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    logs = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert set(logs) == {"loss", "mae"}
    # as Keras 3's shim, compiled_metrics feeds the loss tracker (a Mean) the predictions
    for key in ("loss", "mae"):
        np.testing.assert_allclose(logs[key], history[key], rtol=1e-4)
    for a, b in zip(model.get_weights(), keras_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_compiled_loss_warns_as_deprecated():
    model = _functional()
    model.compile(loss="mse")
    with pytest.warns(UserWarning, match="compute_loss"):
        loss = model.compiled_loss(Y, model(X))
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss)),
                               np.mean((ops.convert_to_numpy(model(X)) - Y) ** 2), rtol=1e-5)


class StatelessSteps(kfront.Model):
    """Keras's JAX-style steps: ``train_step(state, data)`` returning ``(logs, state)``."""

    def _loss_and_updates(self, trainable, non_trainable, x, y):
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x, training=True)
        return self.compute_loss(x, y, y_pred), (y_pred, non_trainable)

    def _metrics_updated(self, metric_values, loss, y, y_pred):
        logs, new_values = {}, []
        for metric in self.metrics:
            mine = metric_values[len(new_values):len(new_values) + len(metric.variables)]
            args = (loss,) if metric.name == "loss" else (y, y_pred)
            mine = metric.stateless_update_state(mine, *args)
            logs[metric.name] = metric.stateless_result(mine)
            new_values += mine
        return logs, new_values

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        x, y = data
        (loss, (y_pred, non_trainable)), grads = ops.value_and_grad(
            self._loss_and_updates, has_aux=True)(trainable, non_trainable, x, y)
        trainable, optimizer_values = self.optimizer.stateless_apply(
            optimizer_values, grads, trainable)
        logs, metric_values = self._metrics_updated(metric_values, loss, y, y_pred)
        return logs, (trainable, non_trainable, optimizer_values, metric_values)

    def test_step(self, state, data):
        trainable, non_trainable, metric_values = state
        x, y = data
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x)
        logs, metric_values = self._metrics_updated(
            metric_values, self.compute_loss(x, y, y_pred), y, y_pred)
        return logs, (trainable, non_trainable, metric_values)


def _fit_and_evaluate(cls, fit: bool) -> tuple:
    model = _functional(cls)
    model.compile(optimizer=kfront.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history \
        if fit else {}
    scores = model.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    return history, scores, model.get_weights()


def _assert_same_results(got: tuple, want: tuple) -> None:
    for logs, ref in zip(got[:2], want[:2]):
        assert set(logs) == set(ref)
        for key in ref:
            np.testing.assert_allclose(logs[key], ref[key], rtol=1e-5)
    for a, b in zip(got[2], want[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_stateless_test_step_matches_the_builtin_one(backend):
    _assert_same_results(_fit_and_evaluate(StatelessSteps, fit=False),
                         _fit_and_evaluate(kfront.Model, fit=False))


@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_stateless_train_step_matches_the_builtin_one(backend):
    # gradients flow through stateless_call on JAX only (see kfront.layers.stateless)
    _assert_same_results(_fit_and_evaluate(StatelessSteps, fit=True),
                         _fit_and_evaluate(kfront.Model, fit=True))


class ShortState(kfront.Model):
    def train_step(self, state, data):
        return {}, state[:2]


def test_stateless_step_returning_a_short_state_is_refused():
    model = _functional(ShortState)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"train_step\(state, data\) must return .* 4 lists"):
        model.fit(X, Y, batch_size=8, epochs=1, verbose=0)


class NoCallModel(kfront.Model):
    """A model with no ``call``: a container whose ``train_step`` trains a sub-network."""

    def __init__(self):
        super().__init__()
        self.net = kfront.Sequential([layers.Input((5,)), layers.Dense(2)])
        self.tracker = kfront.metrics.Mean(name="net_loss")

    def train_step(self, data):
        x, y = data

        def loss_fn(_):
            return ops.mean(ops.square(ops.subtract(self.net(x), y)))
        loss, grads = ops.value_and_grad(loss_fn)(self.net.trainable_variables)
        self.optimizer.apply(grads, self.net.trainable_variables)
        self.tracker.update_state(loss)
        return {"net_loss": self.tracker.result()}


def test_fit_with_targets_does_not_call_a_model_compiled_without_loss_or_metrics(backend):
    model = NoCallModel()
    model.compile(optimizer=kfront.optimizers.SGD(0.1))
    before = model.net.get_weights()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0).history
    assert len(history["net_loss"]) == 2 and history["net_loss"][1] < history["net_loss"][0]
    assert not np.allclose(model.net.get_weights()[0], before[0])


@pytest.mark.parametrize("backend", ["tensorflow"], indirect=True)
def test_host_metrics_update_inside_a_users_tf_function(backend):
    import tensorflow as tf
    in_graph, eager = kfront.metrics.SparseCategoricalAccuracy(), \
        kfront.metrics.SparseCategoricalAccuracy()
    mean = kfront.metrics.Mean()
    labels = np.array([0, 1, 1, 0, 1, 0], "int32")
    logits = RNG.normal(size=(6, 2)).astype("float32")

    @tf.function
    def step(y, p):
        in_graph.update_state(y, p)
        mean.update_state(tf.reduce_sum(p))
        return p

    for i in (0, 3):
        step(tf.constant(labels[i:i + 3]), tf.constant(logits[i:i + 3]))
        eager.update_state(labels[i:i + 3], logits[i:i + 3])
    assert float(in_graph.result()) == pytest.approx(float(eager.result()))
    assert float(mean.result()) == pytest.approx((logits[:3].sum() + logits[3:].sum()) / 2,
                                                 rel=1e-5)
