"""keras-io's ``examples/keras_recipes``, in small: each test is a pattern a recipe relies on
that kfront got wrong (found by running the recipes with only their imports changed), checked
against Keras 3 on the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import backend  # noqa: F401  (pytest fixture: every backend)

import kfront


def _standardized_convs(lib):
    """subclassing_conv_layers's two StandardizedConv2D, written with ``lib.ops``: one
    overrides ``convolution_op``, the other calls it from ``call`` with its own kernel."""
    ops = lib.ops

    def standardize(kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return (kernel - mean) / ops.sqrt(var + 1e-10)

    class WithOverride(lib.layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            return ops.conv(inputs, standardize(kernel), strides=list(self.strides),
                            padding="valid")

    class WithCall(lib.layers.Conv2D):
        def call(self, inputs):
            result = self.convolution_op(inputs, standardize(self.kernel))
            if self.use_bias:
                result = result + self.bias
            return result

    return WithOverride, WithCall


@pytest.fixture(scope="module")
def keras_convs():
    """The recipe's model in Keras 3 (TensorFlow): its weights, inputs and outputs."""
    import keras
    with_override, with_call = _standardized_convs(keras)
    model = keras.Sequential([keras.Input((9, 9, 2)),
                              with_call(4, 3, activation="relu"),
                              with_override(3, 2, strides=2, activation="tanh"),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(3, 9, 9, 2)).astype("float32")
    return model.get_weights(), x, keras.ops.convert_to_numpy(model(x))


def test_conv_subclass_convolution_op(backend, keras_convs):
    """Conv2D subclasses that override ``convolution_op`` or call it with their own kernel
    (keras_recipes/subclassing_conv_layers): kfront had no ``convolution_op`` (AttributeError);
    now the outputs are Keras's, the override's bias and activation are the layer's, and the
    model trains through both."""
    weights, x, expected = keras_convs
    with_override, with_call = _standardized_convs(kfront)
    model = kfront.Sequential([kfront.Input((9, 9, 2)),
                               with_call(4, 3, activation="relu"),
                               with_override(3, 2, strides=2, activation="tanh"),
                               kfront.layers.Flatten(), kfront.layers.Dense(2)])
    model.set_weights(weights)
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(model(x)), expected, atol=2e-5)
    plain = kfront.layers.Conv2D(3, 2, strides=2)
    plain.build((None, 7, 7, 4))
    assert plain.convolution_op(np.ones((1, 7, 7, 4), "float32"), plain.kernel).shape == \
        (1, 3, 3, 3)
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[1].kernel.numpy()
    model.fit(x, np.zeros((3, 2), "float32"), epochs=1, verbose=0)
    assert not np.allclose(model.layers[1].kernel.numpy(), before)


def test_set_random_seed_seeds_tensorflow_and_torch(backend):
    """reproducibility_recipes: ``set_random_seed`` then a shuffled tf.data pipeline (which
    refuses to run unseeded under op determinism) gives the same order each time, on every
    backend, as Keras seeds TensorFlow whenever it is there; torch's generator (a
    DataLoader's shuffling) is seeded on the torch backend. kfront seeded neither."""
    import tensorflow as tf

    def draws():
        kfront.utils.set_random_seed(812)
        order = list(tf.data.Dataset.range(16).shuffle(16).as_numpy_iterator())
        values = tf.random.uniform([4]).numpy()
        if backend != "torch":
            return order, values
        import torch
        return order, values, torch.randperm(16).numpy()

    first, second = draws(), draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
