"""Keras 3's stateless API: ``StatelessScope``, ``Layer.stateless_call``,
``Optimizer.stateless_apply`` on every backend, and the JAX guide's training loop."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import activate

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(3)
X = RNG.normal(size=(64, 6)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 64)]


def _model():
    inputs = kfront.Input((6,))
    h = layers.Dense(8, activation="relu", activity_regularizer="l2")(inputs)
    h = layers.BatchNormalization()(h)
    return kfront.Model(inputs, layers.Dense(3)(h))


def _np(x):
    return ops.convert_to_numpy(x)


def test_stateless_call_matches_stateful(backend):
    model = _model()
    model(X[:4])
    old = model.get_weights()
    new_t, new_nt = ([v.numpy() + RNG.normal(size=v.shape).astype("float32") * 0.1 for v in vs]
                     for vs in (model.trainable_variables, model.non_trainable_variables))
    out, non_trainable, losses = model.stateless_call(new_t, new_nt, X[:16], training=True,
                                                      return_losses=True)
    for w, v in zip(old, model.get_weights()):  # the model is untouched
        np.testing.assert_array_equal(w, v)
    for v, value in zip(model.trainable_variables + model.non_trainable_variables,
                        new_t + new_nt):
        v.assign(value)
    expected = model(X[:16], training=True)
    np.testing.assert_allclose(_np(out), _np(expected), rtol=1e-6, atol=1e-6)
    assert len(non_trainable) == 2 and len(losses) == len(model.losses) == 1
    for value, variable, before in zip(non_trainable, model.non_trainable_variables, new_nt):
        np.testing.assert_allclose(_np(value), variable.numpy(), rtol=1e-6, atol=1e-7)
        assert not np.allclose(_np(value), before)
    np.testing.assert_allclose(_np(losses[0]), _np(model.losses[0]), rtol=1e-6)
    out, same = model.stateless_call(model.trainable_variables, model.non_trainable_variables,
                                     X[:4])  # inference: statistics unchanged
    np.testing.assert_allclose(_np(out), _np(model(X[:4])), rtol=1e-6, atol=1e-6)
    for value, variable in zip(same, model.non_trainable_variables):
        np.testing.assert_array_equal(_np(value), variable.numpy())


@pytest.mark.parametrize("make", [
    lambda: kfront.optimizers.SGD(0.1, momentum=0.9),
    lambda: kfront.optimizers.Adam(0.01),
    lambda: kfront.optimizers.RMSprop(0.01, centered=True),
    lambda: kfront.optimizers.Adam(0.01, clipnorm=0.5),  # host-side apply on the values
], ids=["sgd", "adam", "rmsprop", "adam_clipnorm"])
def test_stateless_apply_matches_apply(backend, make):
    values = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=2).astype("float32")]
    grads = [[RNG.normal(size=v.shape).astype("float32") for v in values] for _ in range(3)]
    stateless_vars = [kfront.Variable(v) for v in values]
    stateful_vars = [kfront.Variable(v) for v in values]
    opt, ref = make(), make()
    opt.build(stateless_vars)
    ref.build(stateful_vars)
    tv, ov = stateless_vars, opt.variables
    for g in grads:
        tv, ov = opt.stateless_apply(ov, g, tv)
        ref.apply(g, stateful_vars)
    for v, value in zip(stateless_vars, values):  # the Variables are untouched
        np.testing.assert_array_equal(v.numpy(), value)
    assert int(opt.iterations.numpy()) == 0 and int(_np(ov[0])) == 3
    for got, want in zip(tv, stateful_vars):
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=2e-6, atol=1e-7)
    for got, want in zip(ov, ref.variables):
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=2e-6, atol=1e-7)


def test_stateless_errors(backend):
    v = kfront.Variable(np.zeros(2, "float32"))
    with pytest.raises(ValueError, match="shape .*expected the variable's shape"):
        kfront.StatelessScope([(v, np.zeros(3, "float32"))])
    with pytest.raises(ValueError, match="must be a kfront Variable"):
        kfront.StatelessScope([(np.zeros(2), np.zeros(2))])
    with pytest.raises(NotImplementedError, match="collect_losses"):
        kfront.StatelessScope([], collect_losses=True)
    with kfront.StatelessScope([(v, [1.0, 2.0])]) as scope:
        np.testing.assert_array_equal(_np(scope.get_current_value(v)), [1.0, 2.0])
        v.assign_add(np.ones(2, "float32"))
    np.testing.assert_array_equal(_np(scope.get_current_value(v)), [2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])
    assert scope.get_current_value(kfront.Variable(1.0)) is None
    dense = layers.Dense(2)
    with pytest.raises(ValueError, match="must be built"):
        dense.stateless_call([], [], X)
    dense(X)
    with pytest.raises(ValueError, match="trainable_variables.*length 1, but expected 2"):
        dense.stateless_call([np.zeros((6, 2))], [], X)
    opt = kfront.optimizers.SGD()
    with pytest.raises(ValueError, match="optimizer.build"):
        opt.stateless_apply([], [], [])
    opt.build(dense.trainable_variables)
    with pytest.raises(ValueError, match="optimizer_variables.*length 0, but expected 2"):
        opt.stateless_apply([], [np.zeros((6, 2)), np.zeros(2)], dense.trainable_variables)


@pytest.fixture
def jax_backend():
    activate("jax")
    yield
    kfront.config.set_backend("numpy")


def test_jax_guide_loop_matches_fit(jax_backend):
    """Keras's "Writing a training loop from scratch in JAX", on a kfront MLP."""
    import jax
    model = _model()
    model(X[:1])
    initial = model.get_weights()
    loss_fn = kfront.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = kfront.optimizers.Adam(learning_rate=1e-2)

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables, losses = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True, return_losses=True)
        return loss_fn(y, y_pred) + sum(losses), non_trainable_variables

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        trainable_variables, non_trainable_variables, optimizer_variables = state
        x, y = data
        (loss, non_trainable_variables), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y)
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        return loss, (trainable_variables, non_trainable_variables, optimizer_variables)

    optimizer.build(model.trainable_variables)
    state = model.trainable_variables, model.non_trainable_variables, optimizer.variables
    assert len(jax.tree.leaves(state)) == len(model.variables) + len(optimizer.variables)
    for epoch in range(2):
        for i in range(0, len(X), 16):
            loss, state = train_step(state, (X[i:i + 16], Y[i:i + 16]))
    trainable_variables, non_trainable_variables, optimizer_variables = state
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
        variable.assign(value)
    assert int(_np(optimizer_variables[0])) == 8

    reference = _model()
    reference.set_weights(initial)
    reference.compile(optimizer=kfront.optimizers.Adam(learning_rate=1e-2),
                      loss=kfront.losses.CategoricalCrossentropy(from_logits=True))
    reference.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for got, want, first in zip(model.get_weights(), reference.get_weights(), initial):
        assert not np.allclose(got, first)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
