"""A compiled ``train_step`` of Keras's guide pattern (``metric.update_state`` for each of
``self.metrics``): metrics with a traceable twin are updated inside the compiled call, the
others on the host, and ``fit`` lets the host part of a few steps wait; the history, the batch
logs a callback reads and the weights are the eager run's."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import kfront
from kfront import layers, metrics, ops

RNG = np.random.default_rng(3)
X = RNG.normal(size=(60, 4)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 60)]
BATCH = 4  # 15 batches per epoch: more than fit's 8 waiting steps


def _host_only_mae(y_true, y_pred):
    """A metric function on NumPy arrays (no traceable twin): updated on the host."""
    return np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)), axis=-1)


class GuideStep(kfront.Model):
    """Keras's "customizing fit" guide step, with a Python counter of its executions."""

    runs = 0

    def train_step(self, data):
        type(self).runs += 1
        x, y = data

        def loss_fn(_):
            y_pred = self(x, training=True)
            return self.compute_loss(y=y, y_pred=y_pred), y_pred
        (loss, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(
            self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _fit(callbacks=(), **compile_kw):
    kfront.utils.set_random_seed(1)
    inputs = kfront.Input((4,))
    model = GuideStep(inputs, layers.Dense(3, activation="softmax")(
        layers.Dense(6, activation="tanh")(inputs)))
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="categorical_crossentropy",
                  metrics=["acc", metrics.MeanMetricWrapper(_host_only_mae, name="host_mae")],
                  **compile_kw)
    history = model.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                        callbacks=list(callbacks)).history
    return model, history


class BatchLogs(kfront.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(dict(logs))


def _assert_close(got: dict, want: dict):
    assert sorted(got) == sorted(want) == ["acc", "host_mae", "loss"]
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("backend", ["jax", "tensorflow"], indirect=True)
def test_guide_step_metrics_in_the_compiled_call_match_eager(backend):
    eager_model, eager = _fit(run_eagerly=True)
    GuideStep.runs = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "runs eagerly" fallback
        model, got = _fit()
    assert GuideStep.runs <= 3  # one eager call, then traces only
    _assert_close(got, eager)
    for a, b in zip(model.get_weights(), eager_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    step = model._compiled_fns[("custom", "train_step")]
    assert not step.pending
    kinds = [call[0] for call in step.trace["calls"]]
    assert kinds.count("add") == 2 and kinds.count("call") == 1  # loss, acc | host_mae


@pytest.mark.parametrize("backend", ["jax"], indirect=True)
def test_batch_logs_read_by_a_callback_are_each_steps(backend):
    eager_logs, got_logs = BatchLogs(), BatchLogs()
    _fit([eager_logs], run_eagerly=True)
    _fit([got_logs])
    assert len(got_logs.seen) == len(eager_logs.seen) == 2 * len(X) // BATCH
    for got, want in zip(got_logs.seen, eager_logs.seen):
        _assert_close(got, want)
