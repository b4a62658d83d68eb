"""StringLookup, IntegerLookup and TextVectorization: adapted vocabularies, idf weights and
outputs equal real Keras's on the same corpus; host data on every backend; config and .keras
round trips; bad input."""
import numpy as np
import pytest

import kfront
from kfront import layers, ops

CORPUS = ["The quick brown fox.", "the lazy dog!", "A quick dog, a lazy fox?", "fox fox DOG",
          "Ünïcode Straße", "the end"]
QUERIES = ["the fox and the dog", "quick quick", "unknown words only", "Ünïcode"]
TOKENS = np.array([["a", "b", "c", "a"], ["b", "d", "a", "e"], ["c", "c", "z", "a"]])
INTS = np.array([[12, 36, 36, 1138], [7, 12, 36, 0], [5, 5, 5, 5]])

TEXT_CASES = {
    "int": dict(),
    "int_len": dict(output_sequence_length=3),
    "int_len_long": dict(output_sequence_length=7, max_tokens=6),
    "multi_hot": dict(output_mode="multi_hot"),
    "count_bigrams": dict(output_mode="count", ngrams=2),
    "tf_idf": dict(output_mode="tf_idf"),
    "lower": dict(standardize="lower", split="character", max_tokens=12),
    "no_split": dict(standardize=None, split=None),
    "padded": dict(output_mode="multi_hot", max_tokens=20, pad_to_max_tokens=True),
}
LOOKUP_CASES = {
    "str": ("StringLookup", dict(), TOKENS, TOKENS),
    "str_mask": ("StringLookup", dict(mask_token="a", max_tokens=4), TOKENS, TOKENS),
    "str_one_hot": ("StringLookup", dict(output_mode="one_hot"), TOKENS, TOKENS[0]),
    "str_count": ("StringLookup", dict(output_mode="count", num_oov_indices=0,
                                       mask_token="z"), TOKENS, TOKENS),
    "str_tf_idf": ("StringLookup", dict(output_mode="tf_idf"), TOKENS, TOKENS),
    "int": ("IntegerLookup", dict(), INTS, INTS),
    "int_oov2": ("IntegerLookup", dict(num_oov_indices=2, mask_token=0), INTS[:1], INTS),
    "int_multi_hot": ("IntegerLookup", dict(output_mode="multi_hot"), INTS, INTS),
}


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {}
    for key, cfg in TEXT_CASES.items():
        layer = keras.layers.TextVectorization(**cfg)
        layer.adapt(CORPUS)
        res = np.asarray(layer(np.array(QUERIES)))
        out["text_" + key] = (layer.get_vocabulary(), res, layer.get_config())
    for key, (cls, cfg, data, query) in LOOKUP_CASES.items():
        layer = getattr(keras.layers, cls)(**cfg)
        layer.adapt(data)
        out[key] = (layer.get_vocabulary(), np.asarray(layer(query)), layer.get_config())
    vocab = ["a", "b", "c"]
    out["given"] = np.asarray(keras.layers.StringLookup(vocabulary=vocab)(TOKENS))
    out["invert"] = np.asarray(keras.layers.StringLookup(vocabulary=vocab, invert=True)(
        np.array([[0, 1, 2, 3, 4]]))).astype(str)
    out["int_invert"] = np.asarray(keras.layers.IntegerLookup(
        vocabulary=[12, 36], invert=True, mask_token=0)(np.array([[0, 1, 2, 3, 9]])))
    out["text_vocab"] = np.asarray(keras.layers.TextVectorization(
        vocabulary=["fox", "dog", "the"])(np.array(QUERIES)))
    return out


def _restored(layer, folder):
    """A copy of an adapted ``layer`` restored as a ``.keras`` file restores it: its config,
    then its ``vars`` store (``"tf_idf"`` weights), then its assets (the vocabulary, which is
    not in the config, as in Keras)."""
    again = type(layer).from_config(layer.get_config())
    store: dict = {}
    layer.save_own_variables(store)
    again.load_own_variables(store)
    folder.mkdir()
    layer.save_assets(str(folder))
    again.load_assets(str(folder))
    return again


def test_text_vectorization_equals_keras(backend, keras_results, tmp_path):
    for key, cfg in TEXT_CASES.items():
        layer = layers.TextVectorization(**cfg)
        layer.adapt(CORPUS)
        vocab, want, want_config = keras_results["text_" + key]
        assert layer.get_vocabulary() == vocab, key
        got = ops.convert_to_numpy(layer(np.array(QUERIES)))
        assert got.shape == want.shape, (key, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=key)
        assert sorted(layer.get_config()) == sorted(want_config), key
        assert layer.get_config()["vocabulary"] == want_config["vocabulary"], key  # None
        again = _restored(layer, tmp_path / key)
        assert again.get_vocabulary() == vocab, key
        np.testing.assert_allclose(ops.convert_to_numpy(again(QUERIES)), want, rtol=1e-5,
                                   err_msg=key)
    layer = layers.TextVectorization(vocabulary=["fox", "dog", "the"])
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(QUERIES)),
                                  keras_results["text_vocab"])


def test_lookups_equal_keras(backend, keras_results, tmp_path):
    for key, (cls, cfg, data, query) in LOOKUP_CASES.items():
        layer = getattr(layers, cls)(**cfg)
        layer.adapt(data)
        vocab, want, want_config = keras_results[key]
        assert layer.get_vocabulary() == list(vocab), key
        got = ops.convert_to_numpy(layer(query))
        assert got.shape == want.shape, key
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=key)
        assert sorted(layer.get_config()) == sorted(want_config), key
        assert layer.get_config()["vocabulary"] == want_config["vocabulary"], key  # None
        again = _restored(layer, tmp_path / key)
        np.testing.assert_allclose(ops.convert_to_numpy(again(query)), want, rtol=1e-5)
    vocab = ["a", "b", "c"]
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layers.StringLookup(vocabulary=vocab)(TOKENS.tolist())),
        keras_results["given"])
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=vocab, invert=True)(
        np.array([[0, 1, 2, 3, 4]])), keras_results["invert"])
    got = layers.IntegerLookup(vocabulary=[12, 36], invert=True, mask_token=0)(
        np.array([[0, 1, 2, 3, 9]]))
    np.testing.assert_array_equal(ops.convert_to_numpy(got), keras_results["int_invert"])
    ids = layers.StringLookup(vocabulary=vocab)(ops.convert_to_tensor(np.array([2, 1])) if False
                                                else np.array(["c", "a"], dtype=object))
    assert ops.convert_to_numpy(ids).tolist() == [3, 1]


def test_batches_and_saving(tmp_path):
    whole = layers.TextVectorization()
    whole.adapt(CORPUS)
    batched = layers.TextVectorization()
    batched.adapt(iter([CORPUS[:2], CORPUS[2:]]))
    assert batched.get_vocabulary() == whole.get_vocabulary()
    lookup = layers.IntegerLookup(output_mode="one_hot")
    lookup.adapt(INTS)
    model = kfront.Sequential([layers.Input((1,), dtype="int64"), lookup, layers.Dense(2)])
    want = ops.convert_to_numpy(model(INTS[:, :1]))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = kfront.saving.load_model(path)
    assert loaded.layers[0].get_vocabulary() == lookup.get_vocabulary()
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(INTS[:, :1])), want, rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="StringLookup.*empty"):
        layers.StringLookup().adapt([])
    with pytest.raises(ValueError, match="TextVectorization.*empty"):
        layers.TextVectorization().adapt([])
    with pytest.raises(ValueError, match="StringLookup.*repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="StringLookup.*num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["b"])
    with pytest.raises(RuntimeError, match="StringLookup.*vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="TextVectorization.*output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="TextVectorization.*rank 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a b", "c"]]))
    with pytest.raises(ValueError, match="IntegerLookup.*max_tokens"):
        layers.IntegerLookup(max_tokens=1)
