"""Resizing, CenterCrop (upscaling) and the resampling augmentations: outputs equal real
Keras's (the random layers with a one-point factor range, so the transform is fixed), and
with random ranges they repeat with a seed and pass inputs through at inference."""
import numpy as np
import pytest

from kfront import layers, ops
from layers.case_tables import per_backend

RNG = np.random.default_rng(1)
X = RNG.uniform(0, 255, (2, 5, 6, 3)).astype("float32")
X_CF = np.moveaxis(X, -1, 1).copy()

CASES = {
    "resize": ("Resizing", dict(height=3, width=4), X),
    "resize_nearest": ("Resizing", dict(height=7, width=9, interpolation="nearest"), X),
    "resize_crop": ("Resizing", dict(height=4, width=4, crop_to_aspect_ratio=True), X),
    "resize_pad": ("Resizing", dict(height=4, width=4, pad_to_aspect_ratio=True), X),
    "resize_uint8": ("Resizing", dict(height=3, width=3), X.astype("uint8")),
    "resize_cf": ("Resizing", dict(height=3, width=4, data_format="channels_first"), X_CF),
    "crop_up": ("CenterCrop", dict(height=8, width=7), X),
    "random_crop_up": ("RandomCrop", dict(height=8, width=7), X),
    "rotate_90": ("RandomRotation", dict(factor=(0.25, 0.25), fill_mode="constant"), X),
    "rotate_30": ("RandomRotation", dict(factor=(1 / 12, 1 / 12)), X),
    "rotate_wrap": ("RandomRotation", dict(factor=(-0.1, -0.1), fill_mode="wrap",
                                           interpolation="nearest"), X),
    "zoom_in": ("RandomZoom", dict(height_factor=(-0.5, -0.5)), X),
    "zoom_out": ("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(0.1, 0.1),
                                    fill_mode="nearest"), X),
    "zoom_cf": ("RandomZoom", dict(height_factor=(0.2, 0.2), data_format="channels_first"),
                X_CF),
    "translate": ("RandomTranslation", dict(height_factor=(0.2, 0.2),
                                            width_factor=(-0.3, -0.3)), X),
    "translate_const": ("RandomTranslation", dict(height_factor=(-0.1, -0.1),
                                                  width_factor=(0.5, 0.5),
                                                  fill_mode="constant", fill_value=9.0), X),
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
        assert got.shape == want.shape and got.dtype == want.dtype, key
        # an integer image may round a half the other way after float round-off
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1 if "int" in key else 1e-3,
                                   err_msg=key)
        assert tuple(layer.compute_output_shape(x.shape)) == want.shape, key
        config = layer.get_config()
        assert sorted(config) == sorted(want_config), key
        np.testing.assert_allclose(ops.convert_to_numpy(type(layer).from_config(config)(x)),
                                   got, err_msg=key)


RANDOM = [("RandomRotation", dict(factor=0.2, seed=1)),
          ("RandomZoom", dict(height_factor=0.3, width_factor=(-0.2, 0.4), seed=2)),
          ("RandomTranslation", dict(height_factor=0.2, width_factor=0.3, seed=3)),
          ("RandomShear", dict(x_factor=0.3, y_factor=0.2, seed=4)),
          ("RandomPerspective", dict(factor=(1, 1), scale=0.4, seed=5))]


def test_random_geometry(backend):
    x = np.concatenate([X] * 4)
    for cls, cfg in RANDOM:
        layer = getattr(layers, cls)(**cfg)
        y = ops.convert_to_numpy(layer(x))
        assert y.shape == x.shape, cls
        assert y.min() >= -1e-3 and y.max() <= 255 + 1e-3, cls  # bilinear, reflect: no overshoot
        per_image = [not np.allclose(a, b) for a, b in zip(y, x)]
        assert sum(per_image) >= 6, cls
        assert len({a.tobytes() for a in y.round(3)}) == len(y), f"{cls}: images share a draw"
        np.testing.assert_allclose(ops.convert_to_numpy(getattr(layers, cls)(**cfg)(x)), y,
                                   rtol=1e-5, atol=1e-4, err_msg=cls)
        np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
        assert ops.convert_to_numpy(layer(x[0])).shape == x.shape[1:], cls
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config, cls


def test_bad_input():
    with pytest.raises(ValueError, match="RandomRotation.*fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirror2")
    with pytest.raises(ValueError, match="RandomZoom.*interpolation"):
        layers.RandomZoom(0.1, interpolation="cubic")
    with pytest.raises(ValueError, match="RandomZoom.*height_factor"):
        layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="RandomTranslation.*width_factor"):
        layers.RandomTranslation(0.1, 1.5)
    with pytest.raises(ValueError, match="RandomShear.*x_factor"):
        layers.RandomShear(x_factor=-0.2)
    with pytest.raises(ValueError, match="RandomPerspective.*scale"):
        layers.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="Resizing.*rank 3"):
        layers.Resizing(2, 2)(np.zeros((4, 4), "float32"))
