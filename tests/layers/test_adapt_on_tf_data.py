"""``adapt`` on TensorFlow tensors and ``tf.data`` datasets, as keras-io's preprocessing-layers
guide calls it (``StringLookup.adapt(tf.constant([...]))``): Keras 3 takes them on every
backend; kfront must on every backend, learning the same vocabularies and statistics."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

tf = pytest.importorskip("tensorflow")


def _adapted(lib) -> dict:
    L = lib.layers
    words = ["a", "b", "b", "c", "c", "c", "d"]
    numbers = [[1.0], [2.0], [4.0], [5.0], [9.0]]
    cases = {
        "string_tensor": (L.StringLookup(), tf.constant(words)),
        "string_dataset": (L.StringLookup(), tf.data.Dataset.from_tensor_slices(words).batch(3)),
        "integer_tensor": (L.IntegerLookup(), tf.constant([1, 2, 2, 3, 3, 3])),
        "text_tensor": (L.TextVectorization(), tf.constant(["the cat", "the dog sat"])),
        "normalization": (L.Normalization(), tf.constant(numbers)),
        "normalization_dataset": (L.Normalization(),
                                  tf.data.Dataset.from_tensor_slices(numbers).batch(2)),
        "discretization": (L.Discretization(num_bins=3), tf.constant(numbers)),
    }
    out = {}
    for key, (layer, data) in cases.items():
        layer.adapt(data)
        if hasattr(layer, "get_vocabulary"):
            out[key] = [str(t) if isinstance(t, (str, np.str_)) else int(t)
                        for t in layer.get_vocabulary()]
        elif hasattr(layer, "bin_boundaries"):
            out[key] = [float(b) for b in layer.bin_boundaries]
        else:
            out[key] = [np.asarray(layer.mean).ravel().tolist(),
                        np.asarray(layer.variance).ravel().tolist()]
    return out


@pytest.fixture(scope="module")
def keras_adapted(keras):
    return _adapted(keras)


def test_adapt_takes_tf_data_as_keras(backend, keras_adapted):
    ours = _adapted(kfront)
    assert ours.keys() == keras_adapted.keys()
    for key, theirs in keras_adapted.items():
        if key.startswith("normalization"):
            np.testing.assert_allclose(ours[key], theirs, rtol=1e-6, err_msg=key)
        else:
            assert ours[key] == theirs, key


def _end_to_end_tokens(lib) -> list:
    """The guide's inference model: a string ``Input((1,))`` into an adapted
    TextVectorization, called on an eager ``tf.constant`` of shape (1,)."""
    vectorizer = lib.layers.TextVectorization(output_mode="int")
    vectorizer.adapt(tf.constant(["the brain is wider than the sky", "for put them side"]))
    inputs = lib.Input(shape=(1,), dtype="string")
    model = lib.Model(inputs, vectorizer(inputs))
    return np.asarray(model(tf.constant(["the sky is wider than the sea"]))).tolist()


def test_string_model_called_on_tf_text_as_keras(backend, keras):
    assert _end_to_end_tokens(kfront) == _end_to_end_tokens(keras)
