"""Hashing and HashedCrossing give Keras's bins (TensorFlow's hashes, computed without it) on
every backend; Pipeline chains layers and round-trips its config."""
import numpy as np
import pytest

from kfront import layers, ops

WORDS = np.array([["cat", "dog", ""], ["Ünïcode Straße", "a" * 70, "x" * 20]])
INTS = np.array([[0, 7, -3], [2**40, 12, 99]], "int64")
HASH_CASES = {
    "str": (dict(num_bins=7), WORDS),
    "int": (dict(num_bins=5), INTS),
    "float": (dict(num_bins=5), INTS[:1].astype("float32") + 0.5),
    "mask": (dict(num_bins=4, mask_value=""), WORDS),
    "salt": (dict(num_bins=11, salt=133), WORDS),
    "salt_pair": (dict(num_bins=11, salt=(3, 9)), INTS),
    "one_hot": (dict(num_bins=3, output_mode="one_hot"), WORDS[:, :1]),
    "multi_hot": (dict(num_bins=6, output_mode="multi_hot"), WORDS),
    "count": (dict(num_bins=6, output_mode="count"), INTS),
}
CROSS = (np.array(["A", "B", "A", "Ü"]), np.array([101, -5, 7, 2**40], "int64"))


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {key: (np.asarray(keras.layers.Hashing(**cfg)(x)), keras.layers.Hashing(**cfg)
                 .get_config()) for key, (cfg, x) in HASH_CASES.items()}
    out["cross"] = np.asarray(keras.layers.HashedCrossing(1000)(CROSS))
    out["cross_col"] = np.asarray(keras.layers.HashedCrossing(1000)(
        tuple(c[:, None] for c in CROSS)))
    out["cross_one_hot"] = np.asarray(keras.layers.HashedCrossing(
        4, output_mode="one_hot")((CROSS[1], CROSS[0])))
    out["cross_config"] = keras.layers.HashedCrossing(4).get_config()
    return out


def test_hashing_equals_keras(backend, keras_results):
    for key, (cfg, x) in HASH_CASES.items():
        layer = layers.Hashing(**cfg)
        got = ops.convert_to_numpy(layer(x))
        want, want_config = keras_results[key]
        assert got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=key)
        assert sorted(layer.get_config()) == sorted(want_config), key
        np.testing.assert_array_equal(
            ops.convert_to_numpy(layers.Hashing.from_config(layer.get_config())(x)), want)
    np.testing.assert_array_equal(ops.convert_to_numpy(layers.Hashing(7)(WORDS.tolist())),
                                  keras_results["str"][0])
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layers.Hashing(5)(ops.convert_to_tensor(INTS))),
        keras_results["int"][0])
    cross = layers.HashedCrossing(1000)
    np.testing.assert_array_equal(ops.convert_to_numpy(cross(CROSS)), keras_results["cross"])
    np.testing.assert_array_equal(ops.convert_to_numpy(cross(tuple(c[:, None] for c in CROSS))),
                                  keras_results["cross_col"])
    np.testing.assert_array_equal(ops.convert_to_numpy(layers.HashedCrossing(
        4, output_mode="one_hot")((CROSS[1], CROSS[0]))), keras_results["cross_one_hot"])
    assert layers.HashedCrossing(4).get_config().keys() == keras_results["cross_config"].keys()


def test_pipeline(backend):
    from kfront.saving.serialization_lib import (deserialize_keras_object,
                                                 serialize_keras_object)
    pipe = layers.Pipeline([layers.Rescaling(1 / 255.0), layers.RandomFlip(seed=1),
                            layers.CenterCrop(2, 2)])
    x = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
    y = ops.convert_to_numpy(pipe(x, training=False))
    np.testing.assert_allclose(y, x[:, 1:3, 1:3] / 255.0, rtol=1e-6)
    assert ops.convert_to_numpy(pipe(x)).shape == (2, 2, 2, 1)
    assert pipe.compute_output_shape((None, 4, 4, 1)) == (None, 2, 2, 1)
    again = deserialize_keras_object(serialize_keras_object(pipe))
    assert [type(x).__name__ for x in again.layers] == ["Rescaling", "RandomFlip", "CenterCrop"]
    text = layers.Pipeline([layers.TextVectorization(vocabulary=["a", "b"],
                                                     output_mode="multi_hot")])
    assert ops.convert_to_numpy(text(["a c", "b"])).tolist() == [[1, 1, 0], [0, 0, 1]]


def test_bad_input():
    with pytest.raises(ValueError, match="Hashing.*num_bins"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="Hashing.*salt"):
        layers.Hashing(3, salt="pepper")
    with pytest.raises(ValueError, match="Hashing.*dtype"):
        layers.Hashing(3, dtype="float32")
    with pytest.raises(ValueError, match="HashedCrossing.*two features"):
        layers.HashedCrossing(3)(np.array([1, 2]))
    with pytest.raises(ValueError, match="HashedCrossing.*same shape"):
        layers.HashedCrossing(3)((np.array([1, 2]), np.array([1, 2, 3])))
    with pytest.raises(TypeError, match="Pipeline.*list of layers"):
        layers.Pipeline(["not a layer"])
