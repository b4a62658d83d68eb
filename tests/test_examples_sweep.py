"""More of keras-io's examples, in small: each test is a pattern an example relies on that
kfront got wrong (found by running the examples with only their imports changed), checked
against Keras 3 (TensorFlow) on the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from conformance import support

import kfront

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3)).astype("float32")
Y = RNG.normal(size=(8, 2)).astype("float32")
KERNEL = RNG.normal(size=(3, 2)).astype("float32")
backend = support.backend  # pytest fixture: every backend


def _distiller_like(lib):
    """knowledge_distillation's pattern: ``compute_loss`` overridden with Keras 3's
    ``allow_empty`` parameter and no ``training`` one, reading ``x`` as well as ``y_pred``."""
    ops = lib.ops

    class Scaled(lib.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         allow_empty=False):
            return 2.0 * ops.mean(ops.square(y - y_pred)) + 0.1 * ops.mean(ops.abs(x))

    inputs = lib.Input((3,))
    model = Scaled(inputs, lib.layers.Dense(2, use_bias=False)(inputs))
    model.set_weights([KERNEL])
    model.compile(optimizer=lib.optimizers.SGD(0.1))
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    return history["loss"], model.evaluate(X, Y, verbose=0), model.get_weights()[0]


@pytest.fixture(scope="module")
def keras_distiller(keras):
    return _distiller_like(keras)


def test_compute_loss_override_without_training_argument(backend, keras_distiller):
    """The built-in steps pass ``training`` to ``compute_loss`` only when it takes one (it
    raised "compute_loss() got an unexpected keyword argument 'training'")."""
    losses, evaluated, kernel = _distiller_like(kfront)
    np.testing.assert_allclose(losses, keras_distiller[0], rtol=1e-5)
    np.testing.assert_allclose(evaluated, keras_distiller[1], rtol=1e-5)
    np.testing.assert_allclose(kernel, keras_distiller[2], rtol=1e-5, atol=1e-6)


def _siamese_head(lib):
    """siamese_contrastive's distance layer: a Lambda on a list of two towers, output_shape
    given without the batch size."""
    ops = lib.ops

    def euclidean_distance(vects):
        x, y = vects
        sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, 1e-7))

    a, b = lib.Input((3,)), lib.Input((3,))
    distance = lib.layers.Lambda(euclidean_distance, output_shape=(1,))([a, b])
    pair = lib.layers.Lambda(lambda v: [v[0], v[0] * 2.0], output_shape=[(3,), (3,)])([a, b])
    model = lib.Model([a, b], [distance, *pair])
    return [tuple(t.shape) for t in model.outputs], model.predict([X, 2 * X], verbose=0)


def test_lambda_output_shape_with_list_inputs(backend, keras):
    """``Lambda(output_shape=...)`` takes the batch size of the first input when called on a
    list (it added the first input's whole shape: TypeError 'int' object is not iterable)."""
    shapes, outputs = _siamese_head(kfront)
    expected_shapes, expected = _siamese_head(keras)
    assert shapes == expected_shapes == [(None, 1), (None, 3), (None, 3)]
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5)


def _nested_dict_layer(lib):
    """migrating_to_keras_3's "None entries" fix: a layer called on a dict holding a dict of
    Keras tensors, then a model of it."""
    class CustomLayer(lib.layers.Layer):
        def call(self, inputs):
            return inputs["foo"] * 2.0 + inputs["bar"]["baz"]

    inputs = {"foo": lib.Input(shape=(3,), name="foo"),
              "bar": {"baz": lib.Input(shape=(3,), name="bar")}}
    out = CustomLayer()(inputs)
    model = lib.Model(inputs, out)
    return tuple(out.shape), model.predict({"foo": X, "bar": {"baz": -X}}, verbose=0)


def test_layer_called_on_nested_dict_of_keras_tensors(backend, keras):
    """A layer's output shape is found for a nested dict of inputs (it raised "Cannot
    interpret {'foo': (None, 3), 'bar': {'baz': (None, 3)}} as an input shape")."""
    shape, out = _nested_dict_layer(kfront)
    expected_shape, expected = _nested_dict_layer(keras)
    assert shape == expected_shape == (None, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def _none_in_call(lib):
    """migrating_to_keras_3's pattern: a ``None`` where a call's structure holds no tensor."""
    class TakesFoo(lib.layers.Layer):
        def call(self, inputs):
            assert inputs["bar"]["baz"] is None
            return inputs["foo"] * 2.0

    inputs = lib.Input((3,))
    out = TakesFoo()({"foo": inputs, "bar": {"baz": None}})
    return tuple(out.shape), lib.Model(inputs, out).predict(X, verbose=0)


def test_none_in_a_call_structure_stays_none(backend, keras):
    """A ``None`` leaf in a symbolic call's inputs is passed on as ``None`` and is no edge
    of the graph (it raised "'NoneType' object has no attribute 'shape'")."""
    shape, out = _none_in_call(kfront)
    expected_shape, expected = _none_in_call(keras)
    assert shape == expected_shape == (None, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
