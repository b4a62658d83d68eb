"""Keras 3's stateless metric API (``kfront.metrics_stateless``): the stateless calls equal the
stateful ones on every backend, and the second half of Keras's "Writing a training loop from
scratch in JAX" guide (metrics updated inside the jitted step) runs on a kfront MLP."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import activate

import kfront
from kfront import layers, metrics, ops

RNG = np.random.default_rng(5)
X = RNG.normal(size=(48, 6)).astype("float32")
LABELS = RNG.integers(0, 3, 48)
Y = np.eye(3, dtype="float32")[LABELS]
PROBS = RNG.random((12, 3)).astype("float32")
W = RNG.random(12).astype("float32")

# (metric factory, update arguments of two batches)
CASES = [
    (metrics.Mean, [(PROBS[:, 0],), (PROBS[:, 1], W)]),
    (metrics.Sum, [(PROBS,), (PROBS[:, 1], W)]),
    (metrics.CategoricalAccuracy, [(Y[:12], PROBS), (Y[12:24], PROBS, W)]),
    (metrics.SparseCategoricalAccuracy, [(LABELS[:12, None], PROBS), (LABELS[12:24], PROBS, W)]),
    (metrics.BinaryAccuracy, [(Y[:12], PROBS), (Y[12:24], PROBS, W)]),
    (metrics.Accuracy, [(LABELS[:12], LABELS[12:24]), (LABELS[:12], LABELS[24:36], W)]),
    (lambda: metrics.TopKCategoricalAccuracy(k=2), [(Y[:12], PROBS), (Y[12:24], PROBS, W)]),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=2), [(LABELS[:12], PROBS)]),
    (metrics.MeanSquaredError, [(Y[:12], PROBS), (Y[12:24], PROBS, W)]),
    (metrics.CategoricalCrossentropy, [(Y[:12], PROBS / PROBS.sum(1, keepdims=True))]),
]


class _Total(metrics.Metric):
    """A Keras-style metric: state made by add_variable, updated with kfront.ops."""

    def __init__(self, name="total", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(2,), initializer="ones")

    def update_state(self, values):
        self.total.assign_add(ops.sum(ops.reshape(values, (-1, 2)), axis=0))

    def result(self):
        return ops.sum(self.total)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def test_stateless_calls_equal_stateful(backend):
    for make, batches in CASES + [(_Total, [(PROBS[:, :2],), (PROBS[:4, 1:],)])]:
        stateful, stateless = make(), make()
        state = stateless.variables
        assert [v.shape for v in state] == [v.shape for v in stateful.variables]
        for args in batches:
            stateful.update_state(*args)
            state = stateless.stateless_update_state(state, *args)
        name = type(stateful).__name__
        np.testing.assert_allclose(_np(stateless.stateless_result(state)),
                                   _np(stateful.result()), rtol=1e-6, err_msg=name)
        np.testing.assert_allclose(float(_np(stateless.result())),
                                   float(_np(make().result())), err_msg=name)  # untouched
        for variable, value in zip(stateless.variables, state):  # the guide's write-back
            variable.assign(value)
        np.testing.assert_allclose(_np(stateless.result()), _np(stateful.result()), rtol=1e-6,
                                   err_msg=name)
        stateless.update_state(*batches[0])  # stateful updates go on from the assigned state
        stateful.update_state(*batches[0])
        np.testing.assert_allclose(_np(stateless.result()), _np(stateful.result()), rtol=1e-6,
                                   err_msg=name)
        reset = stateless.stateless_reset_state()
        stateful.reset_state()
        np.testing.assert_allclose(_np(stateless.stateless_result(reset)),
                                   _np(stateful.result()), err_msg=name)


def test_stateless_errors(backend):
    precision = metrics.Precision()
    for call in (lambda: precision.stateless_update_state([], [1], [1]),
                 lambda: precision.stateless_result([]),
                 precision.stateless_reset_state):
        with pytest.raises(NotImplementedError, match=r"Precision \('precision.*host"):
            call()
    mean = metrics.Mean()
    with pytest.raises(ValueError, match="expects 2 metric variables.*got 1"):
        mean.stateless_update_state([0.0], [1.0])
    with pytest.raises(TypeError, match="unexpected or repeated argument 'weights'"):
        mean.stateless_update_state(mean.variables, [1.0], weights=[1.0])
    with pytest.raises(TypeError, match="missing"):
        metrics.Accuracy().stateless_update_state([0.0, 0.0], [1.0])


@pytest.fixture
def jax_backend():
    activate("jax")
    yield
    kfront.config.set_backend("numpy")


def _model():
    inputs = kfront.Input((6,))
    h = layers.Dense(8, activation="relu")(inputs)
    return kfront.Model(inputs, layers.Dense(3)(h))


def test_jax_guide_metrics_in_the_jitted_step(jax_backend):
    """The second half of Keras's JAX training-loop guide: accuracy updated in the jitted
    train and eval steps, written back to the metric's variables to read ``result()``."""
    import jax
    model = _model()
    model(X[:1])
    loss_fn = kfront.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = kfront.optimizers.Adam(learning_rate=1e-2)
    train_acc_metric = metrics.CategoricalAccuracy()
    val_acc_metric = metrics.CategoricalAccuracy()

    def compute_loss_and_updates(trainable_variables, non_trainable_variables,
                                 metric_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x)
        loss = loss_fn(y, y_pred)
        metric_variables = train_acc_metric.stateless_update_state(metric_variables, y, y_pred)
        return loss, (non_trainable_variables, metric_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        trainable_variables, non_trainable_variables, optimizer_variables, metric_variables = \
            state
        x, y = data
        (loss, (non_trainable_variables, metric_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, metric_variables, x, y)
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        return loss, (trainable_variables, non_trainable_variables, optimizer_variables,
                      metric_variables)

    @jax.jit
    def eval_step(state, data):
        trainable_variables, non_trainable_variables, metric_variables = state
        x, y = data
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x)
        loss = loss_fn(y, y_pred)
        metric_variables = val_acc_metric.stateless_update_state(metric_variables, y, y_pred)
        return loss, (trainable_variables, non_trainable_variables, metric_variables)

    optimizer.build(model.trainable_variables)
    state = (model.trainable_variables, model.non_trainable_variables, optimizer.variables,
             train_acc_metric.variables)
    reference = metrics.CategoricalAccuracy()  # stateful, on the same predictions
    for i in range(0, len(X), 16):
        batch = (X[i:i + 16], Y[i:i + 16])
        for variable, value in zip(model.trainable_variables, state[0]):
            variable.assign(value)
        reference.update_state(batch[1], model(batch[0]))
        loss, state = train_step(state, batch)
    metric_variables = state[3]
    for variable, value in zip(train_acc_metric.variables, metric_variables):
        variable.assign(value)
    assert float(_np(metric_variables[1])) == len(X)
    assert train_acc_metric.result() == pytest.approx(reference.result(), abs=1e-7)

    trainable_variables, non_trainable_variables, _, _ = state
    state = trainable_variables, non_trainable_variables, val_acc_metric.variables
    for i in range(0, len(X), 24):
        loss, state = eval_step(state, (X[i:i + 24], Y[i:i + 24]))
    for variable, value in zip(val_acc_metric.variables, state[2]):
        variable.assign(value)
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    expected = metrics.CategoricalAccuracy()
    expected.update_state(Y, model(X))
    assert val_acc_metric.result() == pytest.approx(expected.result(), abs=1e-7)
    assert 0.0 < val_acc_metric.result() <= 1.0
