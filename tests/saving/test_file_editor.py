"""``kfront.saving.KerasFileEditor`` against real Keras's: the same tree from the same file, and
edits that both libraries then load."""
from __future__ import annotations

import numpy as np
import pytest

import kfront


def _model(lib, second=4):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(5, name="one"),
                           lib.layers.Dense(second, name="two")])


def _tree(d):
    return {k: _tree(v) if isinstance(v, dict) else (tuple(v.shape), np.asarray(v).tolist())
            for k, v in d.items()}


def test_same_tree_as_keras_and_edits_load_in_both(keras, tmp_path, capsys):
    from keras.saving import KerasFileEditor as KerasEditor
    source = _model(keras)
    source.save(tmp_path / "m.keras")
    ours = kfront.saving.KerasFileEditor(tmp_path / "m.keras")
    theirs = KerasEditor(str(tmp_path / "m.keras"))
    assert _tree(ours.weights_dict) == _tree(theirs.weights_dict)
    assert "m.keras" in capsys.readouterr().out

    assert ours.compare(_model(kfront))["status"] == "success"
    report = ours.compare(_model(kfront, second=6))
    assert report["status"] == "error" and report["error_count"] == 2
    # adapt the file to the 6-unit model: replace the second layer's weights
    ours.delete_object("dense_1")
    ours.add_object("layers/dense_1", {"0": np.full((5, 6), 0.5, "float32"),
                                       "1": np.zeros(6, "float32")})
    assert ours.compare(_model(kfront, second=6))["status"] == "success"
    ours.save(tmp_path / "edited.weights.h5")
    target = _model(kfront, second=6)
    target.load_weights(tmp_path / "edited.weights.h5")
    np.testing.assert_array_equal(target.layers[1].kernel.numpy(), np.full((5, 6), 0.5))
    np.testing.assert_array_equal(target.layers[0].kernel.numpy(),
                                  np.asarray(source.layers[0].kernel))
    k_target = _model(keras, second=6)
    k_target.load_weights(tmp_path / "edited.weights.h5")
    np.testing.assert_array_equal(np.asarray(k_target.layers[1].kernel), np.full((5, 6), 0.5))


def test_editor_errors(tmp_path):
    model = _model(kfront)
    model.save_weights(tmp_path / "m.weights.h5")
    editor = kfront.saving.KerasFileEditor(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("nope")
    with pytest.raises(ValueError, match="not found in model"):
        editor.delete_object("layers/nope")
    with pytest.raises(ValueError, match="Weight 7 not found"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [np.ones(3)])
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("dense", "a/b")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        editor.save(tmp_path / "x.h5")
    with pytest.raises(ValueError, match="Invalid filename"):
        kfront.saving.KerasFileEditor(tmp_path / "x.bin")
    editor.rename_object("dense", "renamed")
    assert "renamed" in editor.weights_dict["layers"] and "dense" not in editor.weights_dict["layers"]
