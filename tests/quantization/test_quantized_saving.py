"""Quantized models saved by Keras load in kfront and kfront's load in Keras (``.keras`` and
``.weights.h5``), with the same predictions."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import kfront

IDS = np.array([[1, 2, 3], [9, 0, 4]])
MODES = {  # mode: the layers of the model
    "int8": ("embedding", "einsum", "dense"),
    "int4": ("embedding", "einsum", "dense"),
    "float8": ("embedding", "einsum", "dense"),
}


def _model(module, kinds):
    L = module.layers
    make = {"embedding": lambda: L.Embedding(10, 6),
            "einsum": lambda: L.EinsumDense("abc,cd->abd", output_shape=(None, 5),
                                            bias_axes="d", activation="relu"),
            "dense": lambda: L.Dense(3)}
    return module.Sequential([module.Input((3,), dtype="int32")] + [make[k]() for k in kinds])


def _quantize(model, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # layers that cannot be quantized in this mode
        model.quantize(mode)


@pytest.fixture(scope="module")
def keras_files(keras, tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras_quantized")
    out = {}
    for mode, kinds in MODES.items():
        model = _model(keras, kinds)
        _quantize(model, mode)
        model.save(folder / f"{mode}.keras")
        model.save_weights(folder / f"{mode}.weights.h5")
        out[mode] = (folder, np.asarray(model(IDS)))  # eager: no tf.function to trace
    return out


@pytest.mark.parametrize("mode", sorted(MODES))
def test_keras_quantized_files_load_in_kfront(backend, keras_files, mode):
    if backend != "numpy" and mode != "int4":  # int4 has every kind of quantized variable
        pytest.skip("the adapters load the int4 file (int8, float32 and zero-point variables)")
    folder, expected = keras_files[mode]
    model = kfront.saving.load_model(folder / f"{mode}.keras")
    assert model.layers[-1].dtype_policy.name == keras_policy_name(mode)
    np.testing.assert_allclose(model.predict(IDS, verbose=0), expected, rtol=1e-5, atol=1e-6)
    if backend == "numpy":
        fresh = _model(kfront, MODES[mode])
        _quantize(fresh, mode)
        fresh.load_weights(folder / f"{mode}.weights.h5")
        np.testing.assert_allclose(fresh.predict(IDS, verbose=0), expected, rtol=1e-5,
                                   atol=1e-6)


def keras_policy_name(mode: str) -> str:
    return {"int8": "int8_from_float32", "int4": "int4/128_from_float32",
            "float8": "float8_from_float32"}[mode]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_kfront_quantized_files_load_in_keras(keras, tmp_path, mode):
    model = _model(kfront, MODES[mode])
    _quantize(model, mode)
    expected = model.predict(IDS, verbose=0)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[-1].dtype_policy.name == keras_policy_name(mode)
    np.testing.assert_allclose(np.asarray(loaded(IDS)), expected, rtol=1e-5, atol=1e-6)
    fresh = _model(keras, MODES[mode])
    _quantize(fresh, mode)
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(np.asarray(fresh(IDS)), expected, rtol=1e-5, atol=1e-6)
