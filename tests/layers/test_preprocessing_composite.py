"""RandAugment, AugMix, ContrastLimitedAdaptiveHistogramEqualization, RandomElasticTransform:
equal to real Keras where the result is deterministic (CLAHE always; the others with pinned
factors or no-op settings), otherwise seeded, in range, identity at inference, and with the
distribution properties of Keras's."""
import numpy as np
import pytest

import kfront
from kfront import layers, ops
from layers.case_tables import per_backend

RNG = np.random.default_rng(5)
X = RNG.uniform(0, 255, (2, 13, 10, 3)).astype("float32")
SMALL = RNG.uniform(0, 255, (3, 8, 7, 3)).astype("float32")
CLAHE = "ContrastLimitedAdaptiveHistogramEqualization"
CASES = {  # on JAX only the first case of a class runs: shapes of SMALL, compiled once
    "clahe": (CLAHE, dict(), SMALL),  # 8x8 tiles of 1x1 pixels: padded symmetrically
    "clahe_13x10": (CLAHE, dict(), X),  # tiles of 2x2
    "clahe_3x2": (CLAHE, dict(tile_grid_size=(3, 2)), X),
    "clahe_noclip": (CLAHE, dict(clip_limit=0, tile_grid_size=(4, 4)), X),
    "clahe_01": (CLAHE, dict(value_range=(0, 1), clip_limit=2.0, tile_grid_size=(2, 3)),
                 X / 255),
    "clahe_uint8": (CLAHE, dict(tile_grid_size=(2, 2)), X.astype("uint8")),
    "clahe_unbatched": (CLAHE, dict(tile_grid_size=(2, 2)), X[0]),
    "clahe_channels_first": (CLAHE, dict(tile_grid_size=(2, 2), data_format="channels_first"),
                             X.transpose(0, 3, 1, 2)),
    "randaugment_no_ops": ("RandAugment", dict(num_ops=0, seed=1), SMALL),
    "augmix_depth0": ("AugMix", dict(chain_depth=0, seed=1), SMALL * 1.1 - 10),
    "elastic_scale0": ("RandomElasticTransform", dict(scale=0, seed=1), SMALL),
    "elastic_factor0": ("RandomElasticTransform", dict(factor=0.0, fill_mode="constant"),
                        SMALL[0]),
}
# the Keras sub-layers' outputs with factor 0 (each deterministic): RandAugment(factor=0,
# num_ops=1) and AugMix(factor=0, num_chains=1, chain_depth=1) pick one of them per batch
RANDAUGMENT_OPS = ["random_shear", "random_translation", "random_rotation",
                   "random_brightness", "random_color_degeneration", "random_contrast",
                   "random_sharpness", "random_posterization", "solarization",
                   "auto_contrast", "equalization"]
AUGMIX_OPS = ["random_shear", "random_translation", "random_rotation", "random_posterization",
              "solarization", "auto_contrast", "equalization"]


@pytest.fixture(scope="module")
def keras_results():
    import keras
    out = {key: (np.asarray(getattr(keras.layers, cls)(**cfg)(x)),
                 getattr(keras.layers, cls)(**cfg).get_config())
           for key, (cls, cfg, x) in CASES.items()}
    rand_augment = keras.layers.RandAugment(factor=0, num_ops=1)
    out["candidates"] = np.stack([np.asarray(getattr(rand_augment, name)(SMALL))
                                  for name in RANDAUGMENT_OPS])
    ramp = _ramp()
    out["elastic_change"] = np.mean([np.abs(np.asarray(keras.layers.RandomElasticTransform(
        factor=(1, 1), scale=(1, 1), seed=s)(ramp)) - ramp).mean() for s in range(3)])
    return out


def _ramp():
    """Smooth images (linear ramps), where a displacement field shows as a value change."""
    yy, xx = np.mgrid[0:32, 0:24]
    return np.stack([yy * 7.0, xx * 10.0, (yy + xx) * 4.0], -1)[None].repeat(4, 0) \
        .astype("float32")


def test_equal_keras(backend, keras_results):
    for key, (cls, cfg, x) in per_backend(CASES, backend).items():
        layer = getattr(layers, cls)(**cfg)
        got = ops.convert_to_numpy(layer(x))
        want, want_config = keras_results[key]
        assert got.shape == want.shape and got.dtype == want.dtype, (key, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-3 if "augmix" in key else 1e-4,
                                   err_msg=key)
        config = layer.get_config()
        assert sorted(config) == sorted(want_config), key
        np.testing.assert_allclose(ops.convert_to_numpy(type(layer).from_config(config)(x)),
                                   got, rtol=1e-6, atol=1e-4, err_msg=key)
    # CLAHE is deterministic: it applies at inference too, as Keras's
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(3, 2))
    np.testing.assert_allclose(ops.convert_to_numpy(layer(X, training=False)),
                               keras_results["clahe_3x2"][0], rtol=1e-6, atol=1e-4)


def _closest(y, candidates):
    errors = np.abs(candidates - y).reshape(len(candidates), -1).max(1)
    return int(np.argmin(errors)), float(errors.min())


def test_rand_augment_picks_keras_ops(backend, keras_results):
    candidates, picked = keras_results["candidates"], set()
    # the draws are the same on every backend: the native one shows the choices' spread
    for seed in range(24 if backend == "numpy" else 3):
        y = ops.convert_to_numpy(layers.RandAugment(factor=0, num_ops=1, seed=seed)(SMALL))
        index, error = _closest(y, candidates)  # one op for the whole batch, as Keras
        assert error < 1e-3, (seed, index, error)
        picked.add(index)
    if backend == "numpy":  # ops 0-5 are the identity at factor 0, 6-10 are not
        assert len(picked & {6, 7, 8, 9, 10}) >= 3 and picked & {0, 1, 2, 3, 4, 5}, picked


def test_aug_mix_is_a_blend_of_keras_ops(keras_results):
    import keras
    aug_mix = keras.layers.AugMix(factor=0, num_chains=1, chain_depth=1, all_ops=False)
    candidates = np.stack([np.asarray(getattr(aug_mix, n)(SMALL)) for n in AUGMIX_OPS])
    differences = (candidates - SMALL).reshape(len(candidates), -1)
    blends = []
    for seed in range(12):
        y = ops.convert_to_numpy(layers.AugMix(factor=0, num_chains=1, chain_depth=1,
                                               all_ops=False, seed=seed)(SMALL))
        change = (y - SMALL).ravel()
        # y = w x + (1 - w) op(x) with w ~ Beta(1, 1): the change is a share of one op's
        share = differences @ change / np.maximum((differences ** 2).sum(1), 1e-9)
        residual = np.abs(change[None] - share[:, None] * differences).max(1)
        best = int(np.argmin(residual))
        assert residual[best] < 1e-2 and -1e-6 <= share[best] <= 1 + 1e-6, (seed, residual)
        if np.abs(change).max() > 1e-3:
            blends.append(share[best])
    assert len(blends) >= 4 and max(blends) - min(blends) > 0.2, blends


RANDOM = [("RandAugment", dict(seed=1)),
          ("RandAugment", dict(num_ops=3, factor=(0.2, 0.8), interpolation="nearest",
                               seed=2)),
          ("AugMix", dict(num_chains=2, chain_depth=2, seed=3)),
          ("AugMix", dict(num_chains=2, chain_depth=1, all_ops=False, alpha=0.5, seed=4)),
          ("RandomElasticTransform", dict(factor=(1, 1), seed=5)),
          ("RandomElasticTransform", dict(factor=(1, 1), scale=(0.5, 1), fill_mode="constant",
                                          fill_value=3.0, seed=6))]


def test_random_layers(backend):
    x = SMALL
    for cls, cfg in RANDOM if backend != "jax" else RANDOM[::2]:
        layer = getattr(layers, cls)(**cfg)
        y = ops.convert_to_numpy(layer(x))
        assert y.shape == x.shape and y.dtype == np.float32, cls
        assert y.min() >= -1e-3 and y.max() <= 255 + 1e-3, cls
        assert np.abs(y - x).max() > 1e-2, (cls, cfg)
        np.testing.assert_allclose(ops.convert_to_numpy(getattr(layers, cls)(**cfg)(x)), y,
                                   rtol=1e-5, atol=1e-3, err_msg=cls)  # seeded: repeats
        assert not np.allclose(ops.convert_to_numpy(layer(x)), y, atol=1e-3), cls
        np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
        if backend != "jax":  # (a new shape: JAX would compile each op again)
            assert ops.convert_to_numpy(layer(x[0])).shape == x[0].shape, cls
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config, cls


def test_elastic_transform_distribution(keras_results):
    ramp = _ramp()
    change = np.mean([np.abs(ops.convert_to_numpy(layers.RandomElasticTransform(
        factor=(1, 1), scale=(1, 1), seed=s)(ramp)) - ramp).mean() for s in range(3)])
    # the same displacement statistics as Keras's (alpha, sigma from the image size)
    assert 0.6 < change / keras_results["elastic_change"] < 1.6, \
        (change, keras_results["elastic_change"])
    half = np.mean([np.abs(ops.convert_to_numpy(layers.RandomElasticTransform(
        factor=(1, 1), scale=(0.5, 0.5), seed=s)(ramp)) - ramp).mean() for s in range(3)])
    assert 0.3 < half / change < 0.7, (half, change)
    nearest = ops.convert_to_numpy(layers.RandomElasticTransform(
        factor=(1, 1), interpolation="nearest", fill_mode="wrap", seed=0)(ramp))
    assert np.isin(nearest, ramp).all() and not np.array_equal(nearest, ramp)
    # factor: the probability that an image is transformed
    x = np.repeat(SMALL, 20, axis=0)
    y = ops.convert_to_numpy(layers.RandomElasticTransform(factor=(0.5, 0.5), seed=1)(x))
    moved = np.abs(y - x).reshape(len(x), -1).max(1) > 1e-3
    assert 0.3 < moved.mean() < 0.7, moved.mean()
    # data_format: the same draws give the same images, transposed
    first = layers.RandomElasticTransform(factor=(1, 1), seed=2, data_format="channels_first")
    np.testing.assert_allclose(
        ops.convert_to_numpy(first(SMALL.transpose(0, 3, 1, 2))).transpose(0, 2, 3, 1),
        ops.convert_to_numpy(layers.RandomElasticTransform(factor=(1, 1), seed=2)(SMALL)),
        rtol=1e-5, atol=1e-3)


def test_in_model(backend):
    model = kfront.Sequential([
        layers.Input((8, 7, 3)),
        layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)),
        layers.RandAugment(num_ops=1, seed=1),
        layers.AugMix(num_chains=1, chain_depth=1, all_ops=False, seed=2),
        layers.RandomElasticTransform(seed=3),
        layers.Rescaling(1 / 255.0), layers.GlobalAveragePooling2D(), layers.Dense(2)])
    out = ops.convert_to_numpy(model.predict(SMALL, verbose=0))
    clahe = ops.convert_to_numpy(model.layers[0](SMALL))
    dense = model.layers[-1]
    np.testing.assert_allclose(
        out, ops.convert_to_numpy(dense(layers.GlobalAveragePooling2D()(clahe / 255.0))),
        rtol=1e-5, atol=1e-6)  # inference: only CLAHE acts
    model.compile(optimizer="sgd", loss="mse")  # the augmentations inside the train step
    history = model.fit(SMALL, np.zeros((3, 2), "float32"), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_bad_input():
    with pytest.raises(ValueError, match="ContrastLimitedAdaptiveHistogramEqualization.*"
                                         "tile_grid_size"):
        layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=8)
    with pytest.raises(ValueError, match="ContrastLimitedAdaptiveHistogramEqualization.*"
                                         "value_range"):
        layers.ContrastLimitedAdaptiveHistogramEqualization(value_range=255)
    with pytest.raises(ValueError, match="ContrastLimitedAdaptiveHistogramEqualization.*rank"):
        layers.ContrastLimitedAdaptiveHistogramEqualization()(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="RandAugment.*num_ops"):
        layers.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="RandAugment.*factor"):
        layers.RandAugment(factor=1.5)
    with pytest.raises(ValueError, match="RandAugment.*interpolation"):
        layers.RandAugment(interpolation="bicubic")
    with pytest.raises(ValueError, match="AugMix.*num_chains"):
        layers.AugMix(num_chains=0)
    with pytest.raises(ValueError, match="AugMix.*alpha"):
        layers.AugMix(alpha=0)
    with pytest.raises(ValueError, match="AugMix.*rank 3"):
        layers.AugMix()(np.zeros((4, 4), "float32"))
    with pytest.raises(ValueError, match="RandomElasticTransform.*scale"):
        layers.RandomElasticTransform(scale=2)
    with pytest.raises(ValueError, match="RandomElasticTransform.*fill_mode"):
        layers.RandomElasticTransform(fill_mode="edge")
    with pytest.raises(ValueError, match="RandomElasticTransform.*interpolation"):
        layers.RandomElasticTransform(interpolation="bicubic")
