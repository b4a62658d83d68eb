"""keras-io's examples, fourth sweep, in small: each test is a pattern an example relies on
that kfront got wrong (found by running the examples with only their imports changed),
checked against Keras 3 (TensorFlow) on the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from conformance import support

import kfront

RNG = np.random.default_rng(0)
IMAGES = (RNG.uniform(size=(24, 6, 6, 1)) > 0.5).astype("float32")
VOLUME = RNG.normal(size=(2, 4, 4, 3, 1, 1)).astype("float32")
backend = support.backend  # pytest fixture: every backend


def _fixed_batch_model(lib):
    """pixelcnn's pattern: a conv model built on ``Input(batch_size=8)``, fit on batches of 8
    with a validation split of 8 rows, then predicting 4 rows at a time."""
    inputs = lib.Input(shape=(6, 6, 1), batch_size=8)
    hidden = lib.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    model = lib.Model(inputs, lib.layers.Conv2D(1, 1, activation="sigmoid")(hidden))
    weights = [RNG.normal(size=w.shape).astype("float32") * 0.3 for w in model.get_weights()]
    model.set_weights(weights)
    model.compile(lib.optimizers.SGD(0.1), "binary_crossentropy")
    history = model.fit(IMAGES, IMAGES, batch_size=8, epochs=2, validation_split=1 / 3,
                        shuffle=False, verbose=0).history
    return history, np.asarray(model.predict(IMAGES[:4], verbose=0))


def test_input_batch_size_is_not_enforced(backend, keras):
    """A model on ``Input(batch_size=8)`` trains, validates and predicts on other batch
    sizes, as Keras's functional input spec drops the batch size (kfront raised 'expected
    shape=(8, 8, 8, 1), found shape=(1, 8, 8, 1)' in fit's first step)."""
    weights_rng = RNG.bit_generator.state
    history, predictions = _fixed_batch_model(kfront)
    RNG.bit_generator.state = weights_rng
    want_history, want_predictions = _fixed_batch_model(keras)
    assert sorted(history) == sorted(want_history)
    for key in want_history:
        np.testing.assert_allclose(history[key], want_history[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(predictions, want_predictions, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std", "logsumexp",
                                  "any", "all"])
def test_reductions_take_a_list_of_axes(backend, keras, name):
    """involution's ``ops.sum(kernel, axis=[-1, -2, -3])``: a list of axes reduces as Keras
    does (the native engine raised "'list' object cannot be interpreted as an integer")."""
    x = VOLUME > 0 if name in ("any", "all") else VOLUME
    got = getattr(kfront.ops, name)(x, axis=[-1, -2, -3])
    want = getattr(keras.ops, name)(x, axis=[-1, -2, -3])
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(got), np.asarray(want), rtol=1e-6)


def test_sum_over_a_list_of_axes_differentiates(backend):
    """The gradient of a max over a list of axes is the one of the tuple spelling."""
    grad_of = kfront.ops.value_and_grad
    listed = grad_of(lambda v: kfront.ops.sum(kfront.ops.max(v, axis=[1, 2])))(VOLUME)[1]
    tupled = grad_of(lambda v: kfront.ops.sum(kfront.ops.max(v, axis=(1, 2))))(VOLUME)[1]
    np.testing.assert_array_equal(kfront.ops.convert_to_numpy(listed),
                                  kfront.ops.convert_to_numpy(tupled))
