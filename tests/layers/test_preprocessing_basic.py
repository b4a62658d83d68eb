"""Rescaling, Normalization, Discretization, CategoryEncoding, CenterCrop and the random image
layers that need no resampling: outputs and adapt results equal real Keras's, on every
backend; random layers repeat with a seed and pass inputs through at inference."""
import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(0)
X_IMG = RNG.uniform(0, 255, (3, 6, 7, 3)).astype("float32")
X_FEAT = RNG.normal(2.0, 3.0, (40, 4)).astype("float32")
BATCHES = [X_FEAT[:13], X_FEAT[13:30], X_FEAT[30:]]
X_REAL = RNG.uniform(-3, 3, (5, 4)).astype("float32")
IDS = np.array([[0, 1, 1, 3], [2, 2, 0, 0]])

DETERMINISTIC = {  # name -> (layer config, input)
    "rescale": ("Rescaling", dict(scale=1 / 127.5, offset=-1.0), X_IMG.astype("uint8")),
    "rescale_per_channel": ("Rescaling", dict(scale=[0.5, 1.0, 2.0]), X_IMG),
    "norm_given": ("Normalization", dict(mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 4.0, 9.0,
                                                                                0.0]), X_FEAT),
    "norm_invert": ("Normalization", dict(axis=None, mean=2.0, variance=4.0, invert=True),
                    X_FEAT),
    "center_crop": ("CenterCrop", dict(height=3, width=4), X_IMG),
    "center_crop_one": ("CenterCrop", dict(height=2, width=5), X_IMG[0]),
    "disc_int": ("Discretization", dict(bin_boundaries=[-1.0, 0.0, 1.5]), X_REAL),
    "disc_one_hot": ("Discretization", dict(bin_boundaries=[-1.0, 0.0, 1.5],
                                            output_mode="one_hot"), X_REAL[:, :1]),
    "disc_multi_hot": ("Discretization", dict(bin_boundaries=[-1.0, 0.0, 1.5],
                                              output_mode="multi_hot"), X_REAL),
    "disc_count": ("Discretization", dict(bin_boundaries=[-1.0, 0.0, 1.5],
                                          output_mode="count"), X_REAL),
    "cat_multi_hot": ("CategoryEncoding", dict(num_tokens=5), IDS),
    "cat_count": ("CategoryEncoding", dict(num_tokens=4, output_mode="count"), IDS),
    "cat_one_hot": ("CategoryEncoding", dict(num_tokens=4, output_mode="one_hot"), IDS[0]),
    "cat_one_hot_col": ("CategoryEncoding", dict(num_tokens=4, output_mode="one_hot"),
                        IDS[:, :1]),
}


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {}
    for key, (cls, cfg, x) in DETERMINISTIC.items():
        layer = getattr(keras.layers, cls)(**cfg)
        out[key] = (np.asarray(layer(x)), layer.get_config())
    for key, data in (("adapt_array", X_FEAT), ("adapt_batches", BATCHES),
                      ("adapt_none", X_FEAT)):
        layer = keras.layers.Normalization(axis=None if key == "adapt_none" else -1)
        layer.adapt(data)
        out[key] = ([np.asarray(w) for w in layer.weights], np.asarray(layer(X_FEAT[:3])))
    layer = keras.layers.Normalization(axis=(1, 2))
    data = RNG.normal(size=(6, 2, 3, 2)).astype("float32")
    layer.adapt(data)
    out["adapt_axes"] = (data, [np.asarray(w) for w in layer.weights], np.asarray(layer(data)))
    for key, data in (("disc_array", X_FEAT), ("disc_batches", BATCHES)):
        layer = keras.layers.Discretization(num_bins=5, epsilon=0.05)
        layer.adapt(data)
        out[key] = (layer.bin_boundaries, np.asarray(layer(X_REAL)))
    out["cat_weights"] = np.asarray(keras.layers.CategoryEncoding(4, output_mode="count")(
        IDS, count_weights=np.arange(8, dtype="float32").reshape(2, 4) / 4))
    return out


def test_deterministic_layers_equal_keras(backend, keras_results):
    for key, (cls, cfg, x) in DETERMINISTIC.items():
        layer = getattr(layers, cls)(**cfg)
        got = ops.convert_to_numpy(layer(x))
        want, want_config = keras_results[key]
        assert got.shape == want.shape and got.dtype == want.dtype, (key, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5, err_msg=key)
        assert tuple(layer.compute_output_shape(x.shape)) == want.shape, key
        config = layer.get_config()
        assert sorted(config) == sorted(want_config), key
        again = type(layer).from_config(config)
        np.testing.assert_allclose(ops.convert_to_numpy(again(x)), want, atol=1e-5, err_msg=key)
    got = layers.CategoryEncoding(4, output_mode="count")(
        IDS, count_weights=np.arange(8, dtype="float32").reshape(2, 4) / 4)
    np.testing.assert_allclose(ops.convert_to_numpy(got), keras_results["cat_weights"])


def test_adapt_equals_keras(backend, keras_results):
    for key, data in (("adapt_array", X_FEAT), ("adapt_batches", BATCHES),
                      ("adapt_none", X_FEAT)):
        layer = layers.Normalization(axis=None if key == "adapt_none" else -1)
        layer.adapt(data)
        weights, out = keras_results[key]
        assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
        for got, want in zip(layer.get_weights()[:2], weights[:2]):
            np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=key)
        np.testing.assert_allclose(ops.convert_to_numpy(layer(X_FEAT[:3])), out, rtol=1e-5,
                                   atol=1e-6, err_msg=key)
    data, weights, out = keras_results["adapt_axes"]
    layer = layers.Normalization(axis=(1, 2))
    layer.adapt(ops.convert_to_tensor(data))
    np.testing.assert_allclose(layer.get_weights()[0], weights[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(data)), out, rtol=1e-4, atol=1e-5)
    for key, data in (("disc_array", X_FEAT), ("disc_batches", BATCHES)):
        layer = layers.Discretization(num_bins=5, epsilon=0.05)
        layer.adapt(data)
        boundaries, out = keras_results[key]
        np.testing.assert_allclose(layer.bin_boundaries, boundaries, rtol=1e-6, err_msg=key)
        np.testing.assert_array_equal(ops.convert_to_numpy(layer(X_REAL)), out)


RANDOM = [("RandomFlip", dict(seed=3)), ("RandomFlip", dict(mode="vertical", seed=3)),
          ("RandomCrop", dict(height=4, width=5, seed=2)),
          ("RandomContrast", dict(factor=0.5, seed=1)),
          ("RandomBrightness", dict(factor=(-0.3, 0.3), seed=1)),
          ("RandomGrayscale", dict(factor=0.5, seed=4)),
          ("RandomInvert", dict(factor=0.5, seed=5))]


def test_random_image_layers(backend):
    x = np.concatenate([X_IMG] * 3)  # 9 images
    for cls, cfg in RANDOM:
        layer = getattr(layers, cls)(**cfg)
        y = ops.convert_to_numpy(layer(x))
        assert y.shape == tuple(layer.compute_output_shape(x.shape)), cls
        assert y.min() >= 0 and y.max() <= 255, cls
        if cls != "RandomCrop":  # its window is checked below
            assert not np.array_equal(y, x), cls
        again = ops.convert_to_numpy(getattr(layers, cls)(**cfg)(x))
        np.testing.assert_allclose(y, again, err_msg=f"{cls}: seed does not repeat")
        np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
        one = ops.convert_to_numpy(layer(x[0]))
        assert one.shape == y.shape[1:], cls
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config, cls
    flips = ops.convert_to_numpy(layers.RandomFlip("horizontal", seed=7)(x))
    same = [np.array_equal(f, i) for f, i in zip(flips, x)]
    mirrored = [np.array_equal(f, i[:, ::-1]) for f, i in zip(flips, x)]
    assert all(s or m for s, m in zip(same, mirrored)) and any(same) and any(mirrored)
    crops = ops.convert_to_numpy(layers.RandomCrop(4, 5, seed=2)(x))
    windows = {(i, j) for i in range(3) for j in range(3)
               if np.array_equal(x[:, i:i + 4, j:j + 5], crops)}
    assert len(windows) == 1
    bright = ops.convert_to_numpy(layers.RandomBrightness(0.5, value_range=(0, 1), seed=0)(
        np.full((50, 1, 1, 1), 0.5, "float32")))
    assert bright.min() < 0.3 and bright.max() > 0.7 and 0 <= bright.min() <= bright.max() <= 1
    gray = ops.convert_to_numpy(layers.RandomGrayscale(1.0)(x))
    np.testing.assert_allclose(gray[..., 0], x @ np.array([0.2989, 0.5870, 0.1140],
                                                           "float32"), rtol=1e-5)


def test_in_model_and_saving(backend, tmp_path):
    norm = layers.Normalization()
    norm.adapt(X_FEAT)
    model = kfront.Sequential([layers.Input((4,)), norm,
                               layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0],
                                                     output_mode="one_hot")])
    want = ops.convert_to_numpy(model.predict(X_FEAT, verbose=0))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = kfront.saving.load_model(path)
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded.predict(X_FEAT, verbose=0)), want)
    np.testing.assert_allclose(loaded.layers[0].get_weights()[0], X_FEAT.mean(0), rtol=1e-5)
    aug = kfront.Sequential([layers.Input((6, 7, 3)), layers.Rescaling(1 / 255.0),
                             layers.RandomFlip(seed=1), layers.RandomContrast(0.2, seed=1),
                             layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
                             layers.RandomGaussianBlur(seed=4, value_range=(0, 1)),
                             layers.RandomHue(0.1, value_range=(0, 1), seed=5),
                             layers.Equalization(value_range=(0, 1)),
                             layers.CenterCrop(4, 4), layers.Flatten(), layers.Dense(2)])
    out = ops.convert_to_numpy(aug.predict(X_IMG, verbose=0))
    np.testing.assert_allclose(out, ops.convert_to_numpy(aug(X_IMG, training=False)),
                               rtol=1e-5)
    aug.compile(optimizer="sgd", loss="mse")  # augmentations inside the compiled train step
    history = aug.fit(X_IMG, np.zeros((3, 2), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_bad_input():
    with pytest.raises(ValueError, match="Normalization.*empty"):
        layers.Normalization().adapt(np.zeros((0, 3), "float32"))
    with pytest.raises(ValueError, match="Normalization.*empty"):
        layers.Normalization().adapt([])
    with pytest.raises(ValueError, match="Discretization.*empty"):
        layers.Discretization(num_bins=3).adapt(np.zeros((0,), "float32"))
    with pytest.raises(ValueError, match="Normalization.*together"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="Discretization.*not both"):
        layers.Discretization(bin_boundaries=[1.0], num_bins=3)
    with pytest.raises(ValueError, match="Discretization.*adapt"):
        layers.Discretization(num_bins=3)(np.zeros(2))
    with pytest.raises(ValueError, match="CategoryEncoding.*output_mode"):
        layers.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(NotImplementedError, match="CategoryEncoding.*sparse"):
        layers.CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match="RandomContrast.*factor"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="RandomFlip.*mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="RandomFlip.*rank 3"):
        layers.RandomFlip()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="CenterCrop.*rank 3"):
        layers.CenterCrop(1, 1)(np.zeros((2, 3), "float32"))
