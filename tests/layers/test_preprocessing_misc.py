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


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {key: (np.asarray(keras.layers.MelSpectrogram(**cfg)(SIGNAL)),
                 keras.layers.MelSpectrogram(**cfg).get_config()) for key, cfg in MEL.items()}
    out["one"] = np.asarray(keras.layers.MelSpectrogram(**MEL["power"])(SIGNAL[0]))
    return out


def test_mel_spectrogram_equals_keras(backend, keras_results):
    for key, cfg in MEL.items():
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


def test_bad_input():
    with pytest.raises(ValueError, match="MelSpectrogram.*fft_length"):
        layers.MelSpectrogram(fft_length=64, sequence_length=128)
