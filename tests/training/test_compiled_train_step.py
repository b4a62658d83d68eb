"""A user's ``train_step`` / ``test_step`` runs compiled like the built-in step (jax.jit,
tf.function), with the eager results; ``run_eagerly=True`` keeps it eager."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = RNG.normal(size=(40, 2)).astype("float32")
BATCHES = 5 * 2  # batch_size 8, 2 epochs
COMPILES = ("jax", "tensorflow")


class StepModel(kfront.Model):
    """Keras's guide step: own loss tracker, compiled metrics via ``compute_metrics``,
    a Python counter of the step's executions (traces, once compiled)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = kfront.metrics.Mean(name="loss")
        self.runs = {"train": 0, "test": 0}

    def train_step(self, data):
        self.runs["train"] += 1
        x, y, sample_weight = kfront.utils.unpack_x_y_sample_weight(data)

        def loss_fn(_):
            y_pred = self(x, training=True)
            return self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight), y_pred
        (loss, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(
            self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        logs = self.compute_metrics(x, y, y_pred, sample_weight)
        return {**logs, "loss": self.loss_tracker.result(), "last": loss}

    def test_step(self, data):
        self.runs["test"] += 1
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.compute_loss(y=y, y_pred=y_pred))
        return self.compute_metrics(x, y, y_pred)

    @property
    def metrics(self):
        return [self.loss_tracker] + (self._compiled_metrics or [])


class HostReadModel(StepModel):
    """A step that reads a tensor on the host: it cannot be traced, so it stays eager."""

    def train_step(self, data):
        logs = super().train_step(data)
        logs["host"] = float(ops.convert_to_numpy(logs["last"]))
        return logs


def _fit(cls, **compile_kw):
    kfront.utils.set_random_seed(0)
    inputs = kfront.Input((4,))
    model = cls(inputs, layers.Dense(2)(layers.Dense(5, activation="tanh")(inputs)))
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="mse", metrics=["mae"],
                  **compile_kw)
    history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    evaluated = model.evaluate(X, Y, batch_size=16, return_dict=True, verbose=0)
    return model, history, evaluated


def _assert_same(got, want):
    _, got_h, got_e = got
    model, want_h, want_e = want
    for a, b in zip(got[0].get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(got_h) == sorted(want_h) and sorted(got_e) == sorted(want_e)
    for k in want_h:
        np.testing.assert_allclose(got_h[k], want_h[k], rtol=1e-5, atol=1e-7, err_msg=k)
    for k in want_e:
        np.testing.assert_allclose(got_e[k], want_e[k], rtol=1e-5, atol=1e-7, err_msg=k)


def test_custom_steps_compiled_match_eager(backend):
    eager = _fit(StepModel, run_eagerly=True)
    assert eager[0].runs == {"train": BATCHES, "test": 3}
    assert sorted(eager[1]) == ["last", "loss", "mae"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "runs eagerly" fallback
        compiled = _fit(StepModel)
    _assert_same(compiled, eager)
    runs = compiled[0].runs
    if backend in COMPILES:  # one eager call, then one trace per batch shape
        assert runs["train"] <= 3 and runs["test"] <= 3, runs
        assert int(compiled[0].optimizer.iterations.numpy()) == BATCHES
    else:
        assert runs == eager[0].runs


@pytest.mark.parametrize("backend", COMPILES, indirect=True)
def test_untraceable_step_runs_eagerly_with_a_warning(backend):
    eager = _fit(HostReadModel, run_eagerly=True)
    with pytest.warns(RuntimeWarning, match="train_step runs eagerly: it cannot be compiled"):
        got = _fit(HostReadModel)
    _assert_same(got, eager)
    assert got[0].runs["train"] == BATCHES + 1  # and the trace that failed
