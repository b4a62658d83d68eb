"""What keras-io's examples do, in small: each test is a pattern an example relies on that
kfront got wrong (found by running the examples with only their imports changed)."""
from __future__ import annotations

import numpy as np
import pytest
from conformance.support import backend  # noqa: F401  (pytest fixture: every backend)

import kfront
from kfront import layers, ops


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    """Two class folders of three 8x8 PNG images each."""
    from PIL import Image
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for k, name in enumerate(("cat", "dog")):
        (root / name).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 100, (8, 8, 3)).astype("uint8") + 100 * k
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return str(root)


def test_directory_dataset_take_map_prefetch_fit(backend, image_dir):
    """The tf.data calls of the image examples (take, map with augmentation layers,
    prefetch, cardinality) on the dataset image_dataset_from_directory returns, then fit."""
    train, val = kfront.utils.image_dataset_from_directory(
        image_dir, validation_split=0.5, subset="both", seed=1, image_size=(8, 8),
        batch_size=2)
    assert train.cardinality() == 2 and val.cardinality() == 2
    first = list(train.take(1))
    assert len(first) == 1 and first[0][0].shape == (2, 8, 8, 3)
    flip = layers.RandomFlip("horizontal", seed=3)
    seen = []

    def augment(images, labels):
        seen.append(len(labels))
        return flip(images), labels

    augmented = train.map(augment, num_parallel_calls=-1).prefetch(2)
    assert seen == []  # mapped lazily, when read
    model = kfront.Sequential([layers.Input((8, 8, 3)), layers.Rescaling(1 / 255),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("adam", kfront.losses.BinaryCrossentropy(from_logits=True))
    history = model.fit(augmented, validation_data=val.prefetch(2), epochs=2, verbose=0)
    assert sorted(seen) == [1, 1, 2, 2] and len(history.history["val_loss"]) == 2
    with pytest.raises(NotImplementedError, match="mapped"):
        augmented.unbatch()


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


def _feature_space():
    space = kfront.utils.FeatureSpace(
        features={"size": "float_normalized",
                  "colour": kfront.utils.FeatureSpace.string_categorical(num_oov_indices=0)},
        output_mode="concat")
    space.adapt({"size": np.array([1.0, 2.0, 3.0, 6.0]),
                 "colour": np.array(["red", "blue", "red", "green"])})
    return space


def test_feature_space_inside_tf_data_map(backend, tf):
    """The structured-data example maps a FeatureSpace over a tf.data pipeline (graph
    tensors), batched and per sample; the encodings equal the eager call's."""
    space = _feature_space()
    data = {"size": np.array([2.0, 6.0, 1.0]), "colour": np.array(["blue", "red", "green"])}
    expected = ops.convert_to_numpy(space(data))
    assert expected.shape == (3, 4)
    pairs = tf.data.Dataset.from_tensor_slices((data, np.array([0, 1, 0])))
    batched = pairs.batch(2).map(lambda x, y: (space(x), y), num_parallel_calls=2)
    assert batched.element_spec[0].shape.as_list() == [None, 4]
    got = np.concatenate([x for x, _ in batched.as_numpy_iterator()])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    samples = pairs.map(lambda x, y: space(x))
    assert samples.element_spec.shape.as_list() == [4]
    np.testing.assert_allclose(np.stack(list(samples.as_numpy_iterator())), expected, rtol=1e-6)


def test_functional_input_rank_adjusted_as_keras(backend, keras):
    """An input one rank short of an Input whose last axis is 1 gets that axis (the example
    predicts on a dict of (1,)-shaped values); one with an extra last axis of 1 loses it."""
    models = []
    for lib in (kfront, keras):
        a, b = lib.Input((1,), name="a"), lib.Input((3,), name="b")
        out = lib.layers.Dense(2, kernel_initializer="ones")(lib.layers.Concatenate()([a, b]))
        models.append(lib.Model({"a": a, "b": b}, out))
    short = {"a": np.array([1.0, 2.0], "float32"), "b": np.ones((2, 1, 3), "float32")}
    short["b"] = short["b"][:, 0]
    extra = {"a": np.ones((2, 1, 1), "float32"), "b": np.ones((2, 3, 1), "float32")}
    for inputs in (short, extra):
        np.testing.assert_allclose(ops.convert_to_numpy(models[0](inputs)),
                                   np.asarray(models[1](inputs)))
    assert models[0].predict(short, verbose=0).shape == (2, 2)
    with pytest.raises(ValueError, match="expected shape=\\(None, 3\\)"):
        models[0]({"a": short["a"], "b": np.ones((2, 4), "float32")})


def test_string_tensor_reaches_a_lookup_layer(tf):
    """On TensorFlow, a tf.string tensor (ops.convert_to_tensor of a list of str) goes into a
    model whose first layer is a StringLookup (it was refused as an unknown dtype)."""
    kfront.config.set_backend("tensorflow")
    try:
        inputs = kfront.Input((1,), dtype="string")
        lookup = layers.StringLookup(vocabulary=["red", "blue"], num_oov_indices=1)
        model = kfront.Model(inputs, lookup(inputs))
        out = model(ops.convert_to_tensor([["blue"], ["pink"]]))
        assert ops.convert_to_numpy(out).ravel().tolist() == [2, 0]
    finally:
        kfront.config.set_backend("numpy")


def test_dataset_elements_have_numpy_as_tf_tensors():
    """The weather example iterates timeseries_dataset_from_array and calls .numpy() on the
    batches and on slices of them (tf.data tensors in Keras); fit still reads plain arrays."""
    data = np.arange(40, dtype="float32").reshape(20, 2)
    ds = kfront.utils.timeseries_dataset_from_array(data, data[:, 0], sequence_length=4,
                                                    sampling_rate=2, batch_size=5)
    for inputs, targets in ds.take(1):
        pass
    assert inputs.numpy().shape == (5, 4, 2) and type(inputs[0][:, 1].numpy()) is np.ndarray
    np.testing.assert_array_equal(inputs[1][:, 0].numpy(), [2, 6, 10, 14])
    np.testing.assert_array_equal(targets.numpy(), [0, 2, 4, 6, 8])
    assert type(ds[0][0]) is np.ndarray


def _suffix(name: str) -> int:
    return int(name.rsplit("_", 1)[1]) if name[-1].isdigit() else 0


@pytest.mark.parametrize("cls", ["MultiHeadAttention", "GroupQueryAttention"])
def test_attention_takes_keras_sublayer_names(cls, keras):
    """Keras's attention layers build a Softmax and a Dropout sublayer, which take those
    automatic names: a Dropout made after a transformer block is dropout_<n+2>, not n+1 (the
    text-classification and ViT examples' layer names)."""
    kwargs = ({"num_heads": 2, "key_dim": 4} if cls == "MultiHeadAttention" else
              {"head_dim": 4, "num_query_heads": 2, "num_key_value_heads": 1})
    steps = []
    for lib in (kfront, keras):
        before = lib.layers.Dropout(0.1).name, lib.layers.Softmax().name
        x = np.ones((1, 3, 8), "float32")
        getattr(lib.layers, cls)(**kwargs)(x, x)
        after = lib.layers.Dropout(0.1).name, lib.layers.Softmax().name
        steps.append([_suffix(b) - _suffix(a) for a, b in zip(before, after)])
    assert steps[0] == steps[1] == [2, 2]


def test_text_vectorization_takes_tf_strings_on_any_backend(backend, tf):
    """The text-classification example standardizes with tf.strings ops and maps its
    TextVectorization over tf.expand_dims(text) (eager tf.Tensors) on every backend; an
    end-to-end model with a string Input((1,)) then reads a 1-D batch of str."""
    def standardize(text):
        return tf.strings.regex_replace(tf.strings.lower(text), "<br />", " ")

    vectorize = layers.TextVectorization(standardize=standardize, output_sequence_length=4)
    vectorize.adapt(np.array(["Good film<br />good", "BAD film"]))
    assert vectorize.get_vocabulary()[:3] == ["", "[UNK]", "good"]
    ids = vectorize(tf.expand_dims(tf.constant(["good BAD<br />plot"]), -1))
    expected = [[2] + [vectorize.get_vocabulary().index(w) for w in ("bad",)] + [1, 0]]
    assert ops.convert_to_numpy(ids).tolist() == expected
    inputs = kfront.Input((1,), dtype="string")
    model = kfront.Model(inputs, vectorize(inputs))
    out = model.predict(np.array(["good", "bad film"]), verbose=0)
    assert ops.convert_to_numpy(out)[:, :2].tolist() == [[2, 0], [expected[0][1], 3]]
