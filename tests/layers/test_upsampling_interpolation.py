"""``UpSampling2D(interpolation=...)``: every interpolation Keras 3 takes equals real Keras's
output on every backend, in both data formats; native float64 gradients match finite
differences; configs round-trip; an unknown interpolation is a clear error.

Bicubic uses power-of-two factors: TensorFlow's bicubic kernel reads its weights from a
1024-entry table, so Keras-on-TensorFlow is off by ~1e-4 at factors like 3, where kfront
follows ``jax.image.resize`` (the exact Keys kernel, as Keras on JAX).
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

X = np.random.default_rng(0).normal(size=(2, 3, 4, 2)).astype("float32")
CASES = [(interpolation, size, data_format)
         for interpolation, size in [("nearest", (2, 3)), ("bilinear", (2, 2)),
                                     ("bicubic", (2, 4)), ("lanczos3", (3, 1)),
                                     ("lanczos5", (1, 3)), ("area", (2, 2))]
         for data_format in ("channels_last", "channels_first")]


@pytest.fixture(scope="module")
def keras_outputs(keras):
    return [keras.ops.convert_to_numpy(keras.layers.UpSampling2D(
        size, data_format=data_format, interpolation=interpolation.upper())(X))
        for interpolation, size, data_format in CASES]


def test_interpolations_match_keras(backend, keras_outputs):
    failures = []
    for (interpolation, size, data_format), want in zip(CASES, keras_outputs):
        layer = layers.UpSampling2D(size, data_format=data_format,
                                    interpolation=interpolation.upper())
        got = ops.convert_to_numpy(layer(X))
        assert layer.compute_output_shape(X.shape) == want.shape
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-5):
            failures.append(f"{interpolation} {size} {data_format}")
    assert not failures, failures


def test_gradients_config_and_errors(keras):
    from test_layers_conv import _check_grads
    x = np.random.default_rng(1).normal(size=(1, 2, 3, 2))
    for interpolation in ("bilinear", "bicubic", "area"):
        layer = layers.UpSampling2D((2, 2), interpolation=interpolation, dtype="float64")
        _check_grads(lambda a: layer(a), x)
    inp = layers.Input((3, 4, 2))
    model = kfront.Model(inp, layers.UpSampling2D(interpolation="bicubic")(inp))
    assert model.output_shape == (None, 6, 8, 2)
    layer = layers.UpSampling2D((2, 3), interpolation="Lanczos3", data_format="channels_first")
    config = layer.get_config()
    assert config["interpolation"] == "lanczos3"
    assert layers.UpSampling2D.from_config(config).get_config() == config
    theirs = keras.layers.UpSampling2D((2, 3), interpolation="lanczos3",
                                       data_format="channels_first").get_config()
    assert {k: theirs[k] for k in ("size", "interpolation", "data_format")} == {
        k: config[k] for k in ("size", "interpolation", "data_format")}
    with pytest.raises(ValueError, match=r'UpSampling2D "up".*interpolation.*got .cubic.'):
        layers.UpSampling2D(interpolation="cubic", name="up")
