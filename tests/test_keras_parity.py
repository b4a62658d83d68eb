"""Dense, Sequential, training steps and the README demo against real Keras 3 (same weights)."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers

from conftest import load_example


def _seed_mlp(lib, dropout=False):
    stack = [lib.layers.Input((784,)) if lib is not kfront else layers.Input((784,)),
             lib.layers.Dense(256, activation="relu"), lib.layers.Dense(256, activation="relu"),
             lib.layers.Dense(10, activation="softmax")]
    if dropout:
        stack.insert(2, lib.layers.Dropout(0.2))
    return lib.Sequential(stack)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", None])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_matches_keras(keras, activation, use_bias):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 5)).astype("float32")
    ours = layers.Dense(4, activation=activation, use_bias=use_bias)
    theirs = keras.layers.Dense(4, activation=activation, use_bias=use_bias)
    ours(x), theirs(x)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_dense_on_3d_input_matches_keras(keras):
    x = np.random.default_rng(1).normal(size=(2, 3, 5)).astype("float32")
    ours, theirs = layers.Dense(4), keras.layers.Dense(4)
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_sequential_predict_matches_keras(keras):
    x = np.random.default_rng(2).random((50, 784)).astype("float32")
    ours, theirs = _seed_mlp(kfront, dropout=True), _seed_mlp(keras, dropout=True)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)


def test_summary_param_counts_match_keras(keras, capsys):
    ours, theirs = _seed_mlp(kfront, dropout=True), _seed_mlp(keras, dropout=True)
    assert ours.count_params() == theirs.count_params() == 269_322
    for a, b in zip(ours.layers, theirs.layers):
        assert a.count_params() == b.count_params()
    lines = []
    ours.summary(print_fn=lines.append)
    ref = []
    theirs.summary(print_fn=lambda line, **kw: ref.append(line))
    ref = "\n".join(ref).splitlines()
    ours_text = "\n".join(lines).splitlines()
    # identical table apart from the layer names' numbering (both start from fresh counters
    # in a fresh process only), so compare the columns that matter
    assert ours_text[-3:] == ref[-3:]
    assert [r[34:] for r in ours_text[1:-3]] == [r[34:] for r in ref[1:-3]]


OPTIMIZERS = {"adam": lambda lib, **kw: lib.optimizers.Adam(**kw),
              "sgd-momentum": lambda lib, **kw: lib.optimizers.SGD(momentum=0.9, **kw),
              "rmsprop": lambda lib, **kw: lib.optimizers.RMSprop(**kw)}


def _steps_against_keras(keras, opt, dtype, steps, **opt_kwargs):
    rng = np.random.default_rng(3)
    x = rng.random((32, 784)).astype(dtype)
    y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 32)]
    ours, theirs = _seed_mlp(kfront), _seed_mlp(keras)
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=OPTIMIZERS[opt](kfront, **opt_kwargs), loss="categorical_crossentropy")
    theirs.compile(optimizer=OPTIMIZERS[opt](keras, **opt_kwargs), loss="categorical_crossentropy")
    for _ in range(steps):
        loss_ours, loss_theirs = ours.train_on_batch(x, y), theirs.train_on_batch(x, y)
        np.testing.assert_allclose(loss_ours, loss_theirs, rtol=1e-5)
    return ours.get_weights(), theirs.get_weights()


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_training_step_matches_keras_float32(keras, opt):
    """Same weights: kfront's gradients equal Keras's (1e-6), and one optimizer step applied
    to those gradients lands on Keras's weights (1e-6) in float32.

    Both optimizers get Keras's gradient arrays: Adam and RMSprop divide by sqrt(v) + epsilon,
    so a gradient that cancels to ~1e-6 in float32 turns its last-bit rounding into ~1e-5
    of update; Keras's own TensorFlow, torch and JAX backends disagree that much with each
    other after one end-to-end step. End-to-end train_on_batch is pinned in float64 below.
    """
    import tensorflow as tf
    rng = np.random.default_rng(3)
    x = rng.random((32, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 32)]
    ours, theirs = _seed_mlp(kfront), _seed_mlp(keras)
    theirs.set_weights(ours.get_weights())
    with kfront.GradientTape() as tape:
        loss_ours = kfront.ops.mean(kfront.losses.categorical_crossentropy(y, ours(x)))
    grads_ours = tape.gradient(loss_ours, ours.trainable_variables)
    with tf.GradientTape() as tape:
        loss_theirs = keras.ops.mean(keras.losses.categorical_crossentropy(y, theirs(x)))
    grads = [g.numpy() for g in tape.gradient(loss_theirs, theirs.trainable_variables)]
    for a, b in zip(grads_ours, grads):
        np.testing.assert_allclose(kfront.ops.convert_to_numpy(a), b, atol=1e-6)
    OPTIMIZERS[opt](kfront).apply_gradients(zip(grads, ours.trainable_variables))
    OPTIMIZERS[opt](keras).apply_gradients(zip(grads, theirs.trainable_variables))
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_training_steps_match_keras_float64(keras, opt):
    """Three steps at learning_rate=0.01 in float64 match Keras to 1e-9."""
    old_ours, old_theirs = kfront.config.floatx(), keras.config.floatx()
    old_policy = keras.config.dtype_policy()
    kfront.config.set_floatx("float64")
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")  # Keras caches its policy from the first floatx
    try:
        ours, theirs = _steps_against_keras(keras, opt, "float64", steps=3, learning_rate=0.01)
    finally:
        kfront.config.set_floatx(old_ours)
        keras.config.set_floatx(old_theirs)
        keras.config.set_dtype_policy(old_policy)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_readme_demo_accuracy_within_one_point_of_keras(keras):
    demo = load_example("mnist_mlp")
    (x_train, y_train), (x_test, y_test) = demo.load_data()
    ours = demo.build_model()
    theirs = _seed_mlp(keras)
    theirs.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(),
                   metrics=["acc"])
    theirs.set_weights(ours.get_weights())
    ours.fit(x_train, y_train, batch_size=100, epochs=10, shuffle=False, verbose=0)
    theirs.fit(x_train, y_train, batch_size=100, epochs=10, shuffle=False, verbose=0)
    acc_ours = ours.evaluate(x_test, y_test, verbose=0)[1]
    acc_theirs = theirs.evaluate(x_test, y_test, verbose=0)[1]
    assert acc_ours > 0.9
    assert abs(acc_ours - acc_theirs) <= 0.01, (acc_ours, acc_theirs)
