"""Lookup layers' state in ``.keras`` files as Keras 3 saves it: an adapted vocabulary goes to
``assets/<layer path>/vocabulary.txt`` through ``save_assets`` / ``load_assets`` (not into the
config), ``"tf_idf"`` weights to the layer's ``vars`` group as ``idf_weights``; files written
by Keras load in kfront with the same vocabulary and outputs, and the reverse. Files of older
kfront versions (the adapted vocabulary in the config, no assets) still load."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import kfront

WORDS = np.array([["a", "b"], ["b", "c"], ["c", "c"], ["d", "a"]])
INTS = np.array([[12, 36], [36, 36], [1138, 12], [7, 36]])
TEXTS = np.array(["the cat sat", "the dog ran far", "a cat and a dog", "the end"])


def _case(lib, name):
    """(model around the adapted layer, data to call it on)."""
    layers = lib.layers
    layer, dtype, shape, data = {
        "string": (layers.StringLookup(), "string", (2,), WORDS),
        "string_tf_idf": (layers.StringLookup(output_mode="tf_idf"), "string", (2,), WORDS),
        "integer_masked": (layers.IntegerLookup(mask_token=0, num_oov_indices=2), "int64", (2,),
                           INTS),
        "text": (layers.TextVectorization(output_sequence_length=5), "string", (), TEXTS),
        "text_tf_idf": (layers.TextVectorization(output_mode="tf_idf"), "string", (), TEXTS),
    }[name]
    layer.adapt(data)
    inputs = lib.Input(shape=shape, dtype=dtype)
    return lib.Model(inputs, layer(inputs)), data


def _keras_outputs(model, data) -> np.ndarray:
    """A Keras model's outputs (its string inputs as a TensorFlow tensor: Keras's ``predict``
    does not take numpy's ``str`` arrays)."""
    tf = pytest.importorskip("tensorflow")
    return np.asarray(model(tf.constant(data)))


def _members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("assets/")}


def _layer_config(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))["config"]["layers"][1]["config"]


CASES = ["string", "string_tf_idf", "integer_masked", "text", "text_tf_idf"]


@pytest.mark.parametrize("name", CASES)
def test_adapted_vocabulary_saves_as_keras_assets(keras, tmp_path, name):
    theirs, data = _case(keras, name)
    ours, _ = _case(kfront, name)
    theirs.save(tmp_path / "keras.keras")
    ours.save(tmp_path / "kfront.keras")
    assert _members(tmp_path / "kfront.keras") == _members(tmp_path / "keras.keras") != {}
    for path in ("keras.keras", "kfront.keras"):
        config = _layer_config(tmp_path / path)
        assert config["vocabulary"] is None and config["idf_weights"] is None
    expected = _keras_outputs(theirs, data)
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(ours(data)), expected, rtol=1e-6)
    for path in ("keras.keras", "kfront.keras"):
        back = kfront.models.load_model(tmp_path / path)
        assert back.layers[1].get_vocabulary() == theirs.layers[1].get_vocabulary()
        np.testing.assert_allclose(kfront.ops.convert_to_numpy(back(data)), expected, rtol=1e-6)
    in_keras = keras.models.load_model(tmp_path / "kfront.keras")
    np.testing.assert_allclose(_keras_outputs(in_keras, data), expected, rtol=1e-6)


def test_loaded_adapted_layer_can_adapt_again(tmp_path):
    model, _ = _case(kfront, "string")
    model.save(tmp_path / "m.keras")
    layer = kfront.models.load_model(tmp_path / "m.keras").layers[1]
    layer.adapt(np.array([["z", "z", "y"]]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]


def test_given_vocabulary_stays_in_the_config(tmp_path):
    inputs = kfront.Input(shape=(2,), dtype="string")
    layer = kfront.layers.StringLookup(vocabulary=["x", "a", "c"])
    kfront.Model(inputs, layer(inputs)).save(tmp_path / "m.keras")
    assert _members(tmp_path / "m.keras") == {}
    assert _layer_config(tmp_path / "m.keras")["vocabulary"] == ["x", "a", "c"]
    back = kfront.models.load_model(tmp_path / "m.keras")
    assert back.layers[1].get_vocabulary() == ["[UNK]", "x", "a", "c"]


def test_older_kfront_files_with_the_vocabulary_in_the_config_load(tmp_path):
    """Before the assets, kfront wrote an adapted vocabulary into the config; such a file
    (rebuilt here from a new one: the same weights, no assets) loads with the same outputs."""
    model, data = _case(kfront, "integer_masked")
    layer = model.layers[1]
    model.save(tmp_path / "new.keras")
    with zipfile.ZipFile(tmp_path / "new.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.startswith("assets/")}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["vocabulary"] = \
        layer.get_vocabulary(include_special_tokens=False)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    back = kfront.models.load_model(tmp_path / "old.keras")
    np.testing.assert_allclose(kfront.ops.convert_to_numpy(back(data)),
                               kfront.ops.convert_to_numpy(model(data)), rtol=1e-6)
