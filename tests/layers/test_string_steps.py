"""Models that take raw strings (keras-io's end-to-end text classifier and FeatureSpace
inference model): the string preprocessing layers inside predict / evaluate / fit on every
backend, against Keras 3 on TensorFlow, the one Keras backend that runs them (on torch and JAX
Keras refuses string inputs). On TensorFlow the layers run inside the traced step (through
tf.py_function), on JAX and torch the steps of such a model run eagerly (Keras's
``supports_jit = False``)."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import backend  # noqa: F401  (pytest fixture: every backend)

import kfront
from kfront import ops

VOCAB = ["the", "cat", "sat", "dog"]
X = {"text": np.array(["The cat sat.", "a dog!", "the dog sat on the cat", "Cat"]),
     "word": np.array([["cat"], ["dog"], ["emu"], ["the"]]),
     "words": np.array([["cat", "dog", "x"], ["the", "the", "sat"], ["y", "cat", "cat"],
                        ["dog", "sat", "the"]]),
     "ints": np.array([[3], [7], [3], [12]], "int64")}
Y = np.array([[0.0], [1.0], [1.0], [0.0]], "float32")
IDF = [0.5, 1.0, 1.5, 2.0]


def _model(lib):
    """Every string layer and output mode feeding one small Embedding + Dense head."""
    L = lib.layers
    text = lib.Input((), dtype="string", name="text")
    word = lib.Input((1,), dtype="string", name="word")
    words = lib.Input((3,), dtype="string", name="words")
    ints = lib.Input((1,), dtype="int64", name="ints")
    indices = [L.TextVectorization(vocabulary=VOCAB, output_sequence_length=5)(text),
               L.StringLookup(vocabulary=VOCAB)(words),
               L.IntegerLookup(vocabulary=[3, 7])(ints),
               L.Hashing(num_bins=8)(words),
               L.HashedCrossing(num_bins=8)([word, ints])]
    vectors = [L.TextVectorization(vocabulary=VOCAB, output_mode=m)(text)
               for m in ("multi_hot", "count")]
    vectors += [L.TextVectorization(vocabulary=VOCAB, output_mode="tf_idf", idf_weights=IDF)(text),
                L.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(word),
                L.StringLookup(vocabulary=VOCAB, output_mode="tf_idf", idf_weights=IDF)(words),
                L.IntegerLookup(vocabulary=[3, 7], output_mode="one_hot")(ints),
                L.Hashing(num_bins=8, output_mode="one_hot")(word),
                L.Hashing(num_bins=8, output_mode="count")(words),
                L.HashedCrossing(num_bins=8, output_mode="one_hot")([word, ints])]
    vectors += [L.StringLookup(vocabulary=VOCAB, output_mode=m)(words)
                for m in ("multi_hot", "count")]
    embedded = L.Embedding(16, 2, name="emb")(L.Concatenate()(indices))
    features = L.Concatenate()([L.Flatten()(embedded)] + vectors)
    out = L.Dense(1, name="out")(features)
    return lib.Model({"text": text, "word": word, "words": words, "ints": ints}, out)


def _run(model, x) -> dict:
    """predict, evaluate, one SGD step of fit, predict again."""
    out = {"predict": model.predict(x, verbose=0), "loss": model.evaluate(x, Y, verbose=0)}
    model.fit(x, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    out["after_fit"] = model.predict(x, verbose=0)
    return out


@pytest.fixture(scope="module")
def oracle(keras):
    """Keras 3 (TensorFlow) on tf.string tensors: its initial weights and results."""
    import tensorflow as tf
    model = _model(keras)
    weights = {name: model.get_layer(name).get_weights() for name in ("emb", "out")}
    model.compile(optimizer="sgd", loss="mse")
    return weights, _run(model, {k: tf.constant(v) for k, v in X.items()})


def test_string_layers_in_predict_evaluate_fit(backend, oracle):
    """The same model and weights give Keras's outputs, loss and one-step update from NumPy
    text on every backend (compiled steps on TensorFlow, eager steps on JAX), and its loss
    from a tf.data dataset of tf.string (keras-io's end_to_end_model.evaluate(raw_test_ds));
    compile(jit_compile=True) warns and falls back as Keras does."""
    import tensorflow as tf
    weights, expected = oracle
    model = _model(kfront)
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)
    with pytest.warns(UserWarning, match="doesn't support `jit_compile=True`"):
        model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    assert model.jit_compile is False
    assert model._use_jit() is (backend == "tensorflow")
    data = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    np.testing.assert_allclose(model.evaluate(data, verbose=0), expected["loss"], rtol=1e-5)
    got = _run(model, X)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_recurrent_string_model_is_traced_without_xla():
    """On TensorFlow a recurrent model gets XLA ("auto"), which cannot run the host layers'
    tf.py_function: with a string layer it is traced without XLA (Keras: supports_jit)."""
    L = kfront.layers
    text = kfront.Input((1,), dtype="string")
    rnn = L.SimpleRNN(2)(L.Embedding(6, 2)(L.TextVectorization(vocabulary=VOCAB)(text)))
    plain = kfront.Sequential([kfront.Input((3, 2)), L.SimpleRNN(2)])
    kfront.config.set_backend("tensorflow")
    try:
        for model, jit in ((kfront.Model(text, rnn), True), (plain, "xla")):
            model.compile(optimizer="sgd", loss="mse")
            assert model._use_jit() == jit
    finally:
        kfront.config.set_backend("numpy")


def test_lookup_layers_in_a_tf_graph(backend):
    """In a tf.data map (any backend) and a user's tf.function (TensorFlow), the layers run in
    the graph on symbolic tensors: static shapes as compute_output_shape, values as eager."""
    tf = pytest.importorskip("tensorflow")
    layers = kfront.layers
    cases = [(layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot"), X["word"]),
             (layers.StringLookup(vocabulary=VOCAB, invert=True), np.array([[1, 4, 9]])),
             (layers.TextVectorization(vocabulary=VOCAB), X["text"])]
    for layer, values in cases:
        eager = layer(values)
        eager = eager if isinstance(eager, np.ndarray) else ops.convert_to_numpy(eager)
        mapped = tf.data.Dataset.from_tensor_slices(values).batch(4).map(layer)
        expected_shape = layer.compute_output_shape((None,) + values.shape[1:])
        assert tuple(mapped.element_spec.shape) == tuple(expected_shape), layer.name
        got = next(iter(mapped.as_numpy_iterator()))
        if got.dtype == object:
            got = got.astype(str)
        np.testing.assert_array_equal(got, eager, err_msg=layer.name)
        if backend == "tensorflow":
            traced = tf.function(lambda x, layer=layer: layer(x))(tf.constant(values))
            np.testing.assert_array_equal(np.asarray(traced.numpy(), got.dtype), eager)


def test_symbolic_dtypes_as_keras(keras):
    """A string layer's KerasTensor has Keras's dtype: int64 indices, float32 vectors."""
    def dtypes(lib):
        L = lib.layers
        s, i = lib.Input((1,), dtype="string"), lib.Input((1,), dtype="int64")
        outs = [L.StringLookup(vocabulary=VOCAB)(s), L.IntegerLookup(vocabulary=[3])(i),
                L.Hashing(4)(s), L.HashedCrossing(4)([s, i]),
                L.TextVectorization(vocabulary=VOCAB)(s),
                L.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(s),
                L.Hashing(4, output_mode="one_hot")(s)]
        return [str(t.dtype) for t in outs]
    assert dtypes(kfront) == dtypes(keras) == ["int64"] * 5 + ["float32"] * 2


def test_feature_space_inference_model_predicts_raw_values():
    """keras-io's FeatureSpace example on TensorFlow (it stopped at the traced predict): the
    inference model (raw dict inputs through the space's lookup, normalization and crossing
    layers) predicts on a dict of tf.string / int / float tensors of one sample as the
    training model does on the encoded features. (The JAX eager path: the tests above.)"""
    tf = pytest.importorskip("tensorflow")
    kfront.config.set_backend("tensorflow")
    try:
        _feature_space_example(tf)
    finally:
        kfront.config.set_backend("numpy")


def _feature_space_example(tf) -> None:
    FeatureSpace = kfront.utils.FeatureSpace
    space = FeatureSpace(
        features={"thal": FeatureSpace.string_categorical(num_oov_indices=0),
                  "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
                  "chol": FeatureSpace.float_normalized()},
        crosses=[FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=4)],
        output_mode="concat")
    space.adapt(tf.data.Dataset.from_tensor_slices(
        {"thal": ["fixed", "normal", "fixed"], "ca": [0, 1, 2], "chol": [200.0, 240.0, 300.0]}
    ).batch(2))
    encoded = space.get_encoded_features()
    head = kfront.layers.Dense(1, activation="sigmoid")(encoded)
    training_model = kfront.Model(encoded, head)
    inference_model = kfront.Model(space.get_inputs(), head)
    sample = {"thal": "normal", "ca": 2, "chol": 233.0}
    raw = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
    expected = training_model.predict(space({k: np.array([v]) for k, v in sample.items()}),
                                      verbose=0)
    np.testing.assert_allclose(inference_model.predict(raw, verbose=0), expected, rtol=1e-6)
