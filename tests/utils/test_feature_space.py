"""``kfront.utils.FeatureSpace`` against Keras's ``keras.utils.FeatureSpace``: the encoded
outputs of every feature kind and of crosses (both output modes), configs both ways, the
keras-io "structured data classification with FeatureSpace" flow, and Keras's errors."""
import numpy as np
import pytest

import keras
from kfront.utils import FeatureSpace, PyDataset

N = 40  # > 32: Keras adapts single samples in batches of 32


def _data() -> dict:
    rng = np.random.default_rng(0)
    return {"f": rng.normal(size=N).astype("float32"),
            "r": rng.uniform(0, 5, size=N).astype("float32"),
            "p": rng.uniform(-1, 1, size=N).astype("float32"),
            "d": rng.uniform(0, 10, size=N).astype("float32"),
            "i": rng.integers(0, 5, size=N).astype("int32"),
            "s": rng.choice(["red", "green", "blue", "cyan"], size=N),
            "ih": rng.integers(0, 50, size=N).astype("int32"),
            "sh": rng.choice(["u", "v", "w", "x", "y"], size=N)}


def _specs(FS, mode: str):
    """The features and crosses of one test space, for kfront's or Keras's FeatureSpace."""
    if mode == "concat":
        features = {"f": "float_normalized", "r": FS.float_rescaled(scale=2.0, offset=1.0),
                    "p": "float", "d": FS.float_discretized(num_bins=4),
                    "i": "integer_categorical", "s": "string_categorical",
                    "ih": FS.integer_hashed(8), "sh": FS.string_hashed(8)}
        return features, [("s", "i"), FS.cross(("sh", "ih"), crossing_dim=8)]
    features = {"f": "float_normalized", "d": FS.float_discretized(num_bins=3, output_mode="int"),
                "i": FS.integer_categorical(output_mode="int", max_tokens=4),
                "s": FS.string_categorical(output_mode="int"),
                "ih": FS.integer_hashed(8, output_mode="int"), "sh": "string_hashed"}
    return features, [FS.cross(("s", "i"), crossing_dim=16, output_mode="int"), ("sh", "d")]


def _probe(mode: str) -> dict:
    """A batch of the mode's features, with unseen values too (OOV)."""
    keys = _specs(FeatureSpace, mode)[0]
    data = {k: v[:6].copy() for k, v in _data().items() if k in keys}
    data["s"][0], data["i"][1] = "purple", 99
    return data


@pytest.fixture(scope="module")
def keras_results():
    import tensorflow as tf
    out = {}
    for mode in ("concat", "dict"):
        features, crosses = _specs(keras.utils.FeatureSpace, mode)
        fs = keras.utils.FeatureSpace(features, crosses=crosses, crossing_dim=16, hashing_dim=8,
                                      output_mode=mode)
        fs.adapt(tf.data.Dataset.from_tensor_slices(_data()))
        single = {k: v[0] for k, v in _probe(mode).items()}
        out[mode] = (keras.tree.map_structure(np.asarray, fs(_probe(mode))),
                     keras.tree.map_structure(np.asarray, fs(single)), fs.get_config(), fs)
    return out


def _space(mode: str, **kw) -> FeatureSpace:
    features, crosses = _specs(FeatureSpace, mode)
    return FeatureSpace(features, crosses=crosses, crossing_dim=16, hashing_dim=8,
                        output_mode=mode, **kw)


def _np(x):
    return {k: np.asarray(v) for k, v in x.items()} if isinstance(x, dict) else np.asarray(x)


def _assert_same(ours, theirs):
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs)
        for k in theirs:
            assert ours[k].shape == theirs[k].shape, k
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-5, atol=1e-6, err_msg=k)
    else:
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["concat", "dict"])
def test_outputs_equal_keras(backend, keras_results, mode):
    batch, single = keras_results[mode][:2]
    data = _data()
    sources = {"dict": data, "list": [{k: v[i:i + 7] for k, v in data.items()}
                                      for i in range(0, N, 7)]}
    if backend == "numpy":  # the other data kinds, once
        class Rows(PyDataset):
            def __len__(self):
                return N

            def __getitem__(self, i):
                return {k: v[i] for k, v in data.items()}
        sources["pydataset"] = Rows()
        sources["generator"] = ({k: v[i] for k, v in data.items()} for i in range(N))
        import tensorflow as tf
        sources["tf.data"] = tf.data.Dataset.from_tensor_slices(data)
    for kind, source in sources.items():
        fs = _space(mode)
        fs.adapt(source)
        _assert_same(_np(fs(_probe(mode))), batch)
    fs = _space(mode)
    fs.adapt(data)
    _assert_same(_np(fs({k: v[0] for k, v in _probe(mode).items()})), single)
    _assert_same(_np(fs({k: v[:, None] for k, v in _probe(mode).items()})), batch)


def test_config_round_trip_and_keras_reads_it(keras_results):
    for mode in ("concat", "dict"):
        fs = _space(mode)
        fs.adapt(_data())
        config = fs.get_config()
        # kfront reads its own config (then adapts as the original) and Keras's
        again = FeatureSpace.from_config(config)
        assert again.get_config() == config
        again.adapt(_data())
        _assert_same(_np(again(_probe(mode))), _np(fs(_probe(mode))))
        theirs = FeatureSpace.from_config(keras_results[mode][2])
        assert sorted(theirs.features) == sorted(fs.features)
        assert [c.name for c in theirs.crosses] == [c.name for c in fs.crosses]
        # Keras reads kfront's config: the same features; as in Keras's config, the adapted
        # vocabularies are not in it (a .keras file has them as assets), the bins are
        k, adapted = keras.utils.FeatureSpace.from_config(config), keras_results[mode][3]
        assert sorted(k.features) == sorted(adapted.features)
        assert [c.name for c in k.crosses] == [c.name for c in adapted.crosses]
        for name in ("s", "i"):
            assert (k.preprocessors[name].get_config()["vocabulary"]
                    == adapted.preprocessors[name].get_config()["vocabulary"]), name
        np.testing.assert_allclose(k.preprocessors["d"].bin_boundaries,
                                   adapted.preprocessors["d"].bin_boundaries, rtol=1e-6)


def test_keras_io_flow_trains(backend):
    import kfront
    from kfront import layers
    rng = np.random.default_rng(1)
    n = 64
    table = {"age": rng.uniform(20, 70, n).astype("float32"),
             "thal": rng.choice(["fixed", "normal", "reversible"], n),
             "sex": rng.integers(0, 2, n).astype("int32"),
             "chol": rng.uniform(100, 300, n).astype("float32")}
    target = (table["age"] > 45).astype("float32")
    fs = FeatureSpace({"age": "float_discretized", "thal": "string_categorical",
                       "sex": "integer_categorical", "chol": "float_normalized"},
                      crosses=[FeatureSpace.cross(("sex", "thal"), crossing_dim=8)],
                      num_discretization_bins=4, output_mode="concat")
    fs.adapt([{k: v[i:i + 16] for k, v in table.items()} for i in range(0, n, 16)])
    encoded_x = fs(table)
    assert tuple(encoded_x.shape) == (n, 4 + 1 + 3 + 4 + 8)
    encoded = fs.get_encoded_features()
    x = layers.Dense(8, activation="relu")(encoded)
    out = layers.Dense(1, activation="sigmoid")(x)
    training_model = kfront.Model(inputs=encoded, outputs=out)
    training_model.compile(optimizer="adam", loss="binary_crossentropy")
    history = training_model.fit(np.asarray(encoded_x), target, batch_size=16, epochs=2,
                                 verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    inference_model = kfront.Model(inputs=fs.get_inputs(),
                                   outputs=training_model(encoded))
    sample = {k: v[:3, None] for k, v in table.items()}
    expected = kfront.ops.convert_to_numpy(training_model(encoded_x[:3]))
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(inference_model(sample)), expected,
                               rtol=1e-5, atol=1e-6)
    # predict too: eagerly, since the lookups run on the host (no jit / tf.function)
    inference_model.compile(run_eagerly=True)
    np.testing.assert_allclose(inference_model.predict(sample, verbose=0), expected,
                               rtol=1e-5, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="Invalid feature type: fancy"):
        FeatureSpace({"a": "fancy"})
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Received unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    fs = FeatureSpace({"a": "float_normalized", "b": "string_categorical"})
    with pytest.raises(ValueError, match=r"call `\.adapt\(dataset\)`"):
        fs({"a": np.zeros(2), "b": np.array(["x", "y"])})
    with pytest.raises(ValueError, match="'b' is missing"):
        fs.adapt({"a": np.zeros(3, "float32")})
    fs.adapt({"a": np.zeros(3, "float32"), "b": np.array(["x", "y", "x"])})
    with pytest.raises(ValueError, match=r"no feature\(s\) \['b'\]"):
        fs({"a": np.zeros(2)})
    with pytest.raises(ValueError, match="only be called with a dict"):
        fs([1.0])
    # nothing to adapt: usable at once, as Keras
    plain = FeatureSpace({"a": "float", "b": FeatureSpace.string_hashed(4)})
    assert np.asarray(plain({"a": np.ones(2), "b": np.array(["x", "y"])})).shape == (2, 5)


def test_keras_file(tmp_path):
    """``save`` writes Keras's layout (config, the Normalization's mean/variance/count under
    ``preprocessors/normalization``, the lookups' vocabularies as assets); the file reads
    back in kfront (config, weights, assets) and in Keras's ``load_model``."""
    from kfront.saving import deserialize_keras_object
    from kfront.saving.keras_archive import load_weights
    fs = _space("concat")
    fs.adapt(_data())
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    import json
    import zipfile
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    expected = _np(fs(_probe("concat")))
    again = deserialize_keras_object(config, custom_objects={"FeatureSpace": FeatureSpace})
    load_weights(again, path)  # the weights, without the vocabularies (assets, as in Keras)
    assert again.preprocessors["s"].get_vocabulary() == ["[UNK]"]
    theirs = keras.saving.load_model(path)  # saved under keras.utils, as Keras saves it
    _assert_same(np.asarray(theirs(_probe("concat"))), expected)
    import kfront
    ours = kfront.saving.load_model(path)
    assert isinstance(ours, FeatureSpace)
    _assert_same(_np(ours(_probe("concat"))), expected)


def test_custom_feature_equals_keras():
    """``FeatureSpace.feature`` with your own layer (Keras's docstring example: TF-IDF text),
    next to a custom one-hot lookup; batched and single-sample calls equal Keras's."""
    import tensorflow as tf
    from kfront import layers
    data = {"text": np.array(["1st string", "2nd string", "3rd string", "2nd"]),
            "n": np.array([1, 2, 3, 2], "int32")}
    out = []
    for FS, lib in ((FeatureSpace, layers), (keras.utils.FeatureSpace, keras.layers)):
        fs = FS({"text": FS.feature(preprocessor=lib.TextVectorization(output_mode="tf_idf"),
                                    dtype="string", output_mode="float"),
                 "n": FS.feature("int32", lib.IntegerLookup(max_tokens=3), "one_hot")},
                output_mode="dict")  # Keras's symbolic concat of TF-IDF fails (rank 3)
        fs.adapt(data if FS is FeatureSpace else tf.data.Dataset.from_tensor_slices(data))
        out.append([_np(fs(data)), _np(fs({"text": "2nd string", "n": 7}))])
    for ours, theirs in zip(*out):
        _assert_same(ours, theirs)
