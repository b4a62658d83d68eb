"""StringLookup / IntegerLookup with several OOV buckets: unknown tokens land in the same bucket
as real Keras's (FarmHash Fingerprint64 of strings and, with oov_method="farmhash", of integers'
decimal text; SipHash-2-4 with a salt; floormod for integers by default), on every backend."""
import numpy as np
import pytest

from kfront import layers, ops

VOCAB = ["apple", "banana", "cherry"]
WORDS = np.array([["apple", "kiwi", "mango", "Straße"], ["", "banana", "durian", "x" * 70],
                  ["fig", "grape", "lemon", "a longer unknown phrase of 33 b"]])
INT_VOCAB = [12, 36, 1138]
INTS = np.array([[12, 7, -5, 0], [2 ** 40, 36, 999, -123456789], [8, 16, 24, 32]])

CASES = {  # name: (class, constructor arguments, inputs)
    "str_oov3": ("StringLookup", dict(num_oov_indices=3), WORDS),
    "str_oov5_mask": ("StringLookup", dict(num_oov_indices=5, mask_token=""), WORDS),
    "str_oov4_salt": ("StringLookup", dict(num_oov_indices=4, salt=(7, 99)), WORDS),
    "str_oov7_salt_int": ("StringLookup", dict(num_oov_indices=7, salt=1234), WORDS),
    "str_oov3_count": ("StringLookup", dict(num_oov_indices=3, output_mode="count"), WORDS),
    "int_floormod": ("IntegerLookup", dict(num_oov_indices=4), INTS),
    "int_farmhash": ("IntegerLookup", dict(num_oov_indices=4, oov_method="farmhash"), INTS),
    "int_farmhash_mask": ("IntegerLookup", dict(num_oov_indices=6, oov_method="farmhash",
                                                mask_token=0), INTS),
    "int_farmhash_salt": ("IntegerLookup", dict(num_oov_indices=5, oov_method="farmhash",
                                                salt=[3, 5]), INTS),
}


def _vocab(cls):
    return VOCAB if cls == "StringLookup" else INT_VOCAB


@pytest.fixture(scope="module")
def keras_results(keras):
    out = {}
    for name, (cls, kwargs, x) in CASES.items():
        layer = getattr(keras.layers, cls)(vocabulary=_vocab(cls), **kwargs)
        out[name] = (np.asarray(layer(x)), layer.get_config())
    return out


def test_oov_buckets_match_keras(backend, keras_results):
    for name, (cls, kwargs, x) in CASES.items():
        want, config = keras_results[name]
        layer = getattr(layers, cls)(vocabulary=_vocab(cls), **kwargs)
        got = ops.convert_to_numpy(layer(x))
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert layer.get_config()["salt"] == config["salt"], name
        assert layer.get_config()["oov_method"] == config["oov_method"], name
    # the buckets are used: several distinct OOV indices among the unknown words
    idx = ops.convert_to_numpy(layers.StringLookup(vocabulary=VOCAB, num_oov_indices=3)(WORDS))
    assert len(set(idx[idx < 3].tolist())) > 1


def test_config_round_trip_and_errors():
    layer = layers.IntegerLookup(vocabulary=INT_VOCAB, num_oov_indices=5, oov_method="farmhash",
                                 salt=11)
    assert layer.get_config()["salt"] == [11, 11]
    back = layers.IntegerLookup.from_config(layer.get_config())
    np.testing.assert_array_equal(ops.convert_to_numpy(back(INTS)),
                                  ops.convert_to_numpy(layer(INTS)))
    with pytest.raises(ValueError, match='IntegerLookup.*salt.*oov_method="farmhash"'):
        layers.IntegerLookup(num_oov_indices=2, salt=1)
    with pytest.raises(ValueError, match="IntegerLookup.*oov_method.*'md5'"):
        layers.IntegerLookup(num_oov_indices=2, oov_method="md5")
    with pytest.raises(ValueError, match="StringLookup.*salt.*pair of ints.*'x'"):
        layers.StringLookup(num_oov_indices=2, salt="x")
