"""Colour augmentations: equal real Keras's with one-point factor ranges (deterministic
transforms), keep their invariants with random ones, repeat with a seed, pass inputs through
at inference."""
import numpy as np
import pytest

from kfront import layers, ops
from layers.case_tables import per_backend

RNG = np.random.default_rng(2)
X = RNG.uniform(0, 255, (3, 4, 5, 3)).astype("float32")
X01 = X / 255.0
CASES = {
    "solarize_all": ("Solarization", dict(), X),
    "solarize_01": ("Solarization", dict(value_range=(0, 1)), X01),
    "autocontrast": ("AutoContrast", dict(), X * 0.5 + 20),
    "autocontrast_uint8": ("AutoContrast", dict(), (X * 0.5 + 20).astype("uint8")),
    "autocontrast_01": ("AutoContrast", dict(value_range=(0, 1)), X01 * 0.5),
    "posterize": ("RandomPosterization", dict(factor=(3, 3)), X),
    "posterize_01": ("RandomPosterization", dict(factor=(5, 5), value_range=(0, 1)), X01),
    "degenerate": ("RandomColorDegeneration", dict(factor=(0.3, 0.3)), X),
    "saturate": ("RandomSaturation", dict(factor=(0.7, 0.7), value_range=(0, 1)), X01),
    "desaturate": ("RandomSaturation", dict(factor=(0.2, 0.2)), X),
    "sharpen": ("RandomSharpness", dict(factor=(0.9, 0.9)), X),
    "blur": ("RandomSharpness", dict(factor=(0.1, 0.1), value_range=(0, 1)), X01),
    "gaussian_blur": ("RandomGaussianBlur", dict(factor=(1, 1), sigma=(0.7, 0.7)), X),
    "gaussian_blur_5x3": ("RandomGaussianBlur", dict(factor=(1, 1), kernel_size=(5, 3),
                                                     sigma=(1.0, 1.0), value_range=(0, 1)), X01),
    "gaussian_blur_never": ("RandomGaussianBlur", dict(factor=(0, 0)), X),
    "equalize": ("Equalization", dict(), X * 0.3 + 40),
    "equalize_bins": ("Equalization", dict(bins=16, value_range=(0, 1)), X01 * 0.5),
    "equalize_flat": ("Equalization", dict(), np.full((2, 3, 3, 3), 7.0, "float32")),
}


@pytest.fixture(scope="module")
def keras_results():
    import keras
    return {key: (np.asarray(getattr(keras.layers, cls)(**cfg)(x)),
                  getattr(keras.layers, cls)(**cfg).get_config())
            for key, (cls, cfg, x) in CASES.items()}


def test_equal_keras(backend, keras_results):
    for key, (cls, cfg, x) in per_backend(CASES, backend).items():
        layer = getattr(layers, cls)(**cfg)
        got = ops.convert_to_numpy(layer(x))
        want, want_config = keras_results[key]
        assert got.shape == want.shape and got.dtype == want.dtype, (key, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1 if "uint8" in key else 1e-3,
                                   err_msg=key)
        config = layer.get_config()
        assert sorted(config) == sorted(want_config), key
        np.testing.assert_allclose(ops.convert_to_numpy(type(layer).from_config(config)(x)),
                                   got, rtol=1e-5, atol=1e-4, err_msg=key)


RANDOM = [("Solarization", dict(addition_factor=0.2, threshold_factor=0.8, seed=1)),
          ("RandomPosterization", dict(factor=6, seed=1)),
          ("RandomColorDegeneration", dict(factor=0.8, seed=2)),
          ("RandomSaturation", dict(factor=(0.1, 0.5), seed=3)),
          ("RandomHue", dict(factor=0.5, seed=4)),
          ("RandomSharpness", dict(factor=(0.0, 1.0), seed=5)),
          ("RandomGaussianBlur", dict(factor=0.7, sigma=(0.2, 1.0), seed=7)),
          ("RandomErasing", dict(factor=(0.8, 1.0), seed=8)),
          ("RandomErasing", dict(fill_value=[1.0, 2.0, 3.0], scale=(0.1, 0.5), seed=9)),
          ("RandomColorJitter", dict(brightness_factor=0.1, contrast_factor=0.3,
                                     saturation_factor=(0.3, 0.5), hue_factor=0.2, seed=6))]


def test_random_color(backend):
    x = np.concatenate([X] * 3)
    for cls, cfg in RANDOM:
        layer = getattr(layers, cls)(**cfg)
        y = ops.convert_to_numpy(layer(x))
        assert y.shape == x.shape, cls
        assert y.min() >= -1e-3 and y.max() <= 255 + 1e-3, cls
        assert len({a.tobytes() for a in y.round(2)}) > 1, cls
        np.testing.assert_allclose(ops.convert_to_numpy(getattr(layers, cls)(**cfg)(x)), y,
                                   rtol=1e-5, atol=1e-3, err_msg=cls)
        np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config, cls
    hue = ops.convert_to_numpy(layers.RandomHue(0.6, seed=0)(x))  # keeps value and saturation
    np.testing.assert_allclose(hue.max(-1), x.max(-1), rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(hue.max(-1) - hue.min(-1), x.max(-1) - x.min(-1), atol=2e-2)
    assert not np.allclose(hue, x, atol=1)
    erased = ops.convert_to_numpy(layers.RandomErasing(factor=(1, 1), scale=(0.2, 0.2),
                                                       fill_value=0, seed=1)(x))
    fraction = (erased == 0).all(-1).mean(axis=(1, 2))
    assert ((fraction > 0.05) & (fraction < 0.45)).all(), fraction
    np.testing.assert_array_equal(erased[erased != 0], x[erased != 0])


def test_bad_input():
    with pytest.raises(ValueError, match="Solarization.*threshold_factor"):
        layers.Solarization(threshold_factor=1.5)
    with pytest.raises(ValueError, match="RandomPosterization.*factor"):
        layers.RandomPosterization(9)
    with pytest.raises(ValueError, match="RandomHue.*value_range"):
        layers.RandomHue(0.1, value_range=255)
    with pytest.raises(ValueError, match="RandomGaussianBlur.*kernel_size"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="RandomErasing.*fill_value"):
        layers.RandomErasing(fill_value=[1, 2])
    with pytest.raises(ValueError, match="AutoContrast.*rank 3"):
        layers.AutoContrast()(np.zeros((2, 3), "float32"))
