"""MelSpectrogram equals real Keras's on every backend; the mixing and erasing augmentations
keep their invariants, repeat with a seed and pass inputs through at inference."""
import numpy as np
import pytest

from kfront import layers, ops

SIGNAL = np.random.default_rng(3).normal(size=(2, 400)).astype("float32")
MEL = {
    "default_db": dict(fft_length=64, sequence_stride=16, num_mel_bins=8),
    "power": dict(fft_length=128, sequence_length=100, sequence_stride=50, num_mel_bins=16,
                  power_to_db=False, mag_exp=1.0, sampling_rate=8000, min_freq=50,
                  max_freq=3000),
    "hamming": dict(fft_length=64, sequence_stride=32, num_mel_bins=10, window="hamming",
                    top_db=20, ref_power=2.0),
}


WAVES = np.random.default_rng(4).normal(size=(2, 100, 2)).astype("float32")
STFT = {
    "log": dict(frame_length=16, frame_step=8),
    "magnitude": dict(mode="magnitude", frame_length=20, fft_length=32, padding="same",
                      window="hamming", periodic=True),
    "psd": dict(mode="psd", frame_length=16, scaling="spectrum", expand_dims=True),
    "stft": dict(mode="stft", frame_length=8, window=None),
    "angle": dict(mode="angle", frame_length=8, frame_step=3),
    "real_cf": dict(mode="real", frame_length=8, data_format="channels_first"),
    "imag": dict(mode="imag", frame_length=8, scaling=None),
}


def _waves(cfg):
    return np.moveaxis(WAVES, 1, 2).copy() if cfg.get("data_format") == "channels_first" \
        else WAVES


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {key: (np.asarray(keras.layers.MelSpectrogram(**cfg)(SIGNAL)),
                 keras.layers.MelSpectrogram(**cfg).get_config()) for key, cfg in MEL.items()}
    for key, cfg in STFT.items():
        layer = keras.layers.STFTSpectrogram(**cfg)
        out["stft_" + key] = (np.asarray(layer(_waves(cfg))), layer.get_config(),
                              [w.path.split("/")[-1] for w in layer.weights])
    out["one"] = np.asarray(keras.layers.MelSpectrogram(**MEL["power"])(SIGNAL[0]))
    return out


def test_mel_spectrogram_equals_keras(backend, keras_results):
    # on JAX (eager ops compile per shape) one configuration: the code is shared
    for key, cfg in list(MEL.items())[:1 if backend == "jax" else None]:
        layer = layers.MelSpectrogram(**cfg)
        got = ops.convert_to_numpy(layer(SIGNAL))
        want, want_config = keras_results[key]
        assert got.shape == want.shape == tuple(layer.compute_output_shape(SIGNAL.shape)), key
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3 * np.abs(want).max(),
                                   err_msg=key)
        assert sorted(layer.get_config()) == sorted(want_config), key
        assert layers.MelSpectrogram.from_config(layer.get_config()).get_config() == \
            layer.get_config()
    one = ops.convert_to_numpy(layers.MelSpectrogram(**MEL["power"])(SIGNAL[0]))
    np.testing.assert_allclose(one, keras_results["one"], rtol=1e-4,
                               atol=1e-3 * np.abs(one).max())


def test_stft_spectrogram_equals_keras(backend, keras_results):
    for key, cfg in STFT.items():
        layer = layers.STFTSpectrogram(**cfg)
        got = ops.convert_to_numpy(layer(_waves(cfg)))
        want, want_config, want_weights = keras_results["stft_" + key]
        assert got.shape == want.shape, key
        if key == "angle":  # +-pi on the branch cut (imaginary part +-0)
            got, want = np.stack([np.cos(got), np.sin(got)]), np.stack([np.cos(want),
                                                                        np.sin(want)])
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1, np.abs(want).max()),
                                   err_msg=key)
        assert sorted(layer.get_config()) == sorted(want_config), key
        assert [w.name for w in layer.weights] == want_weights, key
        again = layers.STFTSpectrogram.from_config(layer.get_config())
        np.testing.assert_array_equal(ops.convert_to_numpy(again(_waves(cfg))),
                                      ops.convert_to_numpy(layer(_waves(cfg))))


def test_bad_input():
    with pytest.raises(ValueError, match="STFTSpectrogram.*mode"):
        layers.STFTSpectrogram(mode="phase")
    with pytest.raises(ValueError, match="STFTSpectrogram.*frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="MelSpectrogram.*fft_length"):
        layers.MelSpectrogram(fft_length=64, sequence_length=128)


def test_mixing(backend):
    x = (np.arange(8, dtype="float32").reshape(8, 1, 1, 1) * np.ones((8, 6, 6, 2))).astype(
        "float32")
    labels = np.eye(8, dtype="float32")
    for cls, cfg in (("MixUp", dict(alpha=0.4, seed=1)), ("CutMix", dict(seed=2)),
                     ("CutMix", dict(factor=(0.5, 0.5), seed=3))):
        layer = getattr(layers, cls)(**cfg)
        out = layer({"images": x, "labels": labels})
        images, mixed = (ops.convert_to_numpy(out[k]) for k in ("images", "labels"))
        assert images.shape == x.shape and mixed.shape == labels.shape, cls
        np.testing.assert_allclose(mixed.sum(1), 1.0, rtol=1e-5, err_msg=cls)
        if cls == "MixUp":  # each image is its label-weighted mix of the source values
            np.testing.assert_allclose(images.mean(axis=(1, 2, 3)), mixed @ np.arange(8),
                                       rtol=1e-4, atol=1e-3)
        else:  # pixels come from the two images the label names (by the box's real area)
            for image, row in zip(images, mixed):
                assert set(np.unique(image)) <= set(np.flatnonzero(row > 1e-6)), row
        assert not np.allclose(images, x), cls
        again = getattr(layers, cls)(**cfg)({"images": x, "labels": labels})
        np.testing.assert_allclose(ops.convert_to_numpy(again["images"]), images, rtol=1e-6)
        plain = ops.convert_to_numpy(getattr(layers, cls)(**cfg)(x))
        np.testing.assert_allclose(plain, images, rtol=1e-6)
        same = layer({"images": x, "labels": labels}, training=False)
        np.testing.assert_array_equal(ops.convert_to_numpy(same["images"]), x)
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    cut = ops.convert_to_numpy(layers.CutMix(seed=4)(x))
    assert np.isin(cut, np.arange(8)).all()


def test_mixing_bad_input():
    with pytest.raises(ValueError, match="MixUp.*rank 4"):
        layers.MixUp()(np.zeros((4, 4, 3), "float32"))
    with pytest.raises(ValueError, match="CutMix.*images"):
        layers.CutMix()({"labels": np.zeros((2, 3), "float32")})


def test_max_num_bounding_boxes(backend):
    import keras
    images = np.zeros((2, 4, 4, 3), "float32")
    for n in (1, 5):
        boxes = np.arange(2 * n * 4, dtype="float32").reshape(2, n, 4)
        labels = np.arange(2 * n, dtype="float32").reshape(2, n)
        data = {"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels}}
        want = keras.layers.MaxNumBoundingBoxes(3, fill_value=-2,
                                                bounding_box_format="xyxy")(data)
        layer = layers.MaxNumBoundingBoxes(3, fill_value=-2, bounding_box_format="xyxy")
        got = layer(data)
        for key in ("boxes", "labels"):
            np.testing.assert_array_equal(ops.convert_to_numpy(got["bounding_boxes"][key]),
                                          np.asarray(want["bounding_boxes"][key]))
        np.testing.assert_array_equal(ops.convert_to_numpy(got["images"]), images)
    assert sorted(layer.get_config()) == sorted(
        keras.layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy").get_config())
    assert sorted(layers.MaxNumBoundingBoxes(3).get_config()) == sorted(
        keras.layers.MaxNumBoundingBoxes(3).get_config())
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(images)), images)
    with pytest.raises(ValueError, match="MaxNumBoundingBoxes.*bounding_box_format"):
        layers.MaxNumBoundingBoxes(3)(data)
    with pytest.raises(KeyError, match="MaxNumBoundingBoxes.*unsupported"):
        layer({"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels,
                                                    "scores": labels}})


def test_slow_adapt_shows_a_progress_bar(monkeypatch, capsys):
    """adapt over batches that take a while shows Keras's progress bar; a fast adapt stays quiet."""
    import time

    from kfront.layers.preprocessing import _encoding

    def slow_batches():
        for i in range(3):
            time.sleep(0.05)
            yield np.full((2, 3), float(i), "float32")

    layers.Normalization().adapt(slow_batches())
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(_encoding, "PROGRESS_AFTER_S", 0.0)
    layer = layers.Normalization()
    layer.adapt(slow_batches())
    out = capsys.readouterr().out
    assert "3/Unknown" in out and "/batch" in out, out
    np.testing.assert_allclose(ops.convert_to_numpy(layer.mean), [[1.0, 1.0, 1.0]])
