"""``StringLookup`` / ``IntegerLookup`` / ``TextVectorization`` with the vocabulary given as a
file path: vocabularies and outputs equal real Keras 3's (which reads the file with
TensorFlow) on every backend — line endings, spaces and special tokens kept as tokens, UTF-8,
invert, OOV indices, multi-hot; Keras's errors (empty line, repeated token, missing file,
tf_idf, safe mode); configs carry the vocabulary."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

FILES = {"plain.txt": "a\nb\nc\n", "crlf_no_eol.txt": "a\r\nb\r\nc", "unk.txt": "[UNK]\nb\na",
         "spaces_utf8.txt": " a\nb \né\n日本\n", "ints.txt": "5\n 3\n9 \n-1\n",
         "empty_line.txt": "a\n\nb\n", "repeated.txt": "a\nb\na\n", "bad_int.txt": "4\nx\n"}
STRINGS = np.array([["a", "b", "c", "x"], ["[UNK]", " a", "b ", "日本"]])
CASES = [  # (class name, file, kwargs, inputs)
    ("StringLookup", "plain.txt", {}, STRINGS),
    ("StringLookup", "crlf_no_eol.txt", {"mask_token": "", "num_oov_indices": 2}, STRINGS),
    ("StringLookup", "unk.txt", {}, STRINGS),
    ("StringLookup", "spaces_utf8.txt", {"output_mode": "multi_hot"}, STRINGS),
    ("StringLookup", "plain.txt", {"invert": True}, np.array([[0, 1, 2, 3, 4]])),
    ("StringLookup", "repeated.txt", {"invert": True}, np.array([[3, 2, 1]])),
    ("IntegerLookup", "ints.txt", {"mask_token": 0}, np.array([[5, 3, 9, -1, 0, 7]])),
    ("IntegerLookup", "ints.txt", {"invert": True}, np.array([[0, 1, 2, 3, 4, 5]])),
    ("TextVectorization", "plain.txt", {}, np.array(["a B c x", "c"])),
    ("TextVectorization", "spaces_utf8.txt", {"output_mode": "count", "split": None,
                                              "standardize": None}, np.array([["日本"], [" a"]])),
]


@pytest.fixture(scope="module")
def vocab_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocab")
    for name, text in FILES.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def _text(values) -> list:
    return [v.decode() if isinstance(v, bytes) else v for v in np.asarray(values).ravel()]


@pytest.fixture(scope="module")
def keras_results(keras, vocab_dir):
    out = []
    for cls, name, kwargs, inputs in CASES:
        layer = getattr(keras.layers, cls)(vocabulary=str(vocab_dir / name), **kwargs)
        result = keras.ops.convert_to_numpy(layer(inputs)) if not kwargs.get("invert") else (
            _text(layer(inputs).numpy()))
        out.append(([v.item() if hasattr(v, "item") else v for v in layer.get_vocabulary()],
                    layer.vocabulary_size(), result))
    return out


def test_vocabulary_files_match_keras(backend, vocab_dir, keras_results):
    failures = []
    for (cls, name, kwargs, inputs), (vocab, size, want) in zip(CASES, keras_results):
        try:
            layer = getattr(layers, cls)(vocabulary=vocab_dir / name, **kwargs)
            assert layer.get_vocabulary() == vocab and layer.vocabulary_size() == size
            got = layer(inputs)
            got = _text(got) if kwargs.get("invert") and cls == "StringLookup" else (
                ops.convert_to_numpy(got))
            np.testing.assert_array_equal(np.asarray(got).ravel(), np.asarray(want).ravel())
        except Exception as e:  # every case reported at once
            failures.append(f"{cls} {name} {kwargs}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_errors_config_and_adapt(vocab_dir):
    path = str(vocab_dir / "plain.txt")
    for name, match in [("empty_line.txt", r"empty line \(line 2\)"),
                        ("repeated.txt", r"repeats \['a'\]")]:
        with pytest.raises(ValueError, match=r'StringLookup "s".*' + match):
            layers.StringLookup(vocabulary=str(vocab_dir / name), name="s")
    with pytest.raises(ValueError, match=r"line 2 .* is not an integer: b'x'"):
        layers.IntegerLookup(vocabulary=str(vocab_dir / "bad_int.txt"))
    with pytest.raises(ValueError, match="vocabulary file .*missing.txt.* does not exist"):
        layers.StringLookup(vocabulary=str(vocab_dir / "missing.txt"))
    with pytest.raises(ValueError, match="tf_idf.*idf_weights"):
        layers.StringLookup(vocabulary=path, output_mode="tf_idf")
    with pytest.raises(ValueError, match="tf_idf.*cannot load its vocabulary from a file"):
        layers.StringLookup(output_mode="tf_idf").set_vocabulary(path, idf_weights=[1.0] * 3)
    with pytest.raises(ValueError, match="adapt only a layer created without one"):
        layers.TextVectorization(vocabulary=path).adapt(["a b"])
    # a config carries the tokens, not the path; loading a config never reads a file in
    # safe mode
    lookup = layers.StringLookup(vocabulary=path)
    config = lookup.get_config()
    assert config["vocabulary"] == ["a", "b", "c"]
    assert layers.StringLookup.from_config(config).get_vocabulary() == lookup.get_vocabulary()
    evil = kfront.saving.serialize_keras_object(layers.StringLookup(vocabulary=["a"]))
    evil["config"]["vocabulary"] = path
    with pytest.raises(ValueError, match="safe mode"):
        kfront.saving.deserialize_keras_object(evil)
    assert kfront.saving.deserialize_keras_object(evil, safe_mode=False).get_vocabulary() == [
        "[UNK]", "a", "b", "c"]
    empty = vocab_dir / "empty.txt"
    empty.write_bytes(b"")
    assert layers.StringLookup(vocabulary=empty).get_vocabulary() == ["[UNK]"]
