"""LoRA (``lora_rank`` / ``enable_lora``) of Dense, EinsumDense, Embedding and Conv against real
Keras 3: the same weights give the same outputs and adapted kernels on every backend; weight
order, trainable lists and config keys as Keras's; the same on int8 / int4 quantized layers
(QLoRA, both orders), with the re-quantized merged weights Keras saves; a LoRA model trains only
its LoRA weights (and biases) on every backend; ``.keras`` and ``.weights.h5`` files go both
ways (the merged kernel saved, the LoRA weights zeroed on loading, as Keras); bad input."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import kfront
from kfront import layers, ops

RNG = np.random.default_rng(7)
X2 = RNG.normal(size=(3, 4)).astype("float32")
X4 = RNG.normal(size=(2, 5, 5, 2)).astype("float32")
IDS = np.array([[1, 2, 0], [3, 4, 1]])

# name -> (make(layers module), input)
CASES = {
    "dense": (lambda L: L.Dense(3, activation="tanh"), X2),
    "einsum": (lambda L: L.EinsumDense("ab,bcd->acd", (3, 2), bias_axes="d"), X2),
    "embedding": (lambda L: L.Embedding(5, 3), IDS),
    "conv2d": (lambda L: L.Conv2D(3, 2, padding="same"), X4),
    "conv1d": (lambda L: L.Conv1D(3, 2, use_bias=False), X4[:, 0]),
}


def _names(variables) -> list:
    return [v.path.split("/")[-1] for v in variables]


@pytest.fixture(scope="module")
def keras_lora(keras):
    """Per case: Keras's weights after ``enable_lora(2, lora_alpha=3.0)`` (random values, B
    included), its outputs, adapted kernel, weight names and LoRA config."""
    out = {}
    for name, (make, x) in CASES.items():
        layer = make(keras.layers)
        layer(x)
        layer.enable_lora(2, lora_alpha=3.0)
        weights = [RNG.normal(size=w.shape).astype("float32") for w in layer.weights]
        layer.set_weights(weights)
        kernel = layer.embeddings if name == "embedding" else layer.kernel
        config = layer.get_config()
        out[name] = {"weights": weights, "y": np.asarray(layer(x)), "kernel": np.asarray(kernel),
                     "all": _names(layer.weights), "trainable": _names(layer.trainable_weights),
                     "frozen": _names(layer.non_trainable_weights),
                     "config": (config.get("lora_rank"), config.get("lora_alpha"))}
    return out


def test_lora_layers_match_keras(backend, keras_lora):
    for name, (make, x) in CASES.items():
        expected = keras_lora[name]
        layer = make(layers)
        layer(x)
        layer.enable_lora(2, lora_alpha=3.0)
        assert (_names(layer.weights), _names(layer.trainable_weights),
                _names(layer.non_trainable_weights)) == \
            (expected["all"], expected["trainable"], expected["frozen"]), name
        assert (layer.get_config()["lora_rank"], layer.get_config()["lora_alpha"]) == \
            expected["config"], name
        layer.set_weights(expected["weights"])
        np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected["y"], atol=1e-5,
                                   err_msg=name)
        kernel = layer.embeddings if name == "embedding" else layer.kernel
        np.testing.assert_allclose(ops.convert_to_numpy(kernel), expected["kernel"], atol=1e-5,
                                   err_msg=name)


Q_CASES = {"dense": (lambda L: L.Dense(6), X2), "einsum": (lambda L: L.EinsumDense(
    "ab,bc->ac", 6, bias_axes="c"), X2), "embedding": (lambda L: L.Embedding(5, 6), IDS)}
# (layer, mode, LoRA enabled before quantizing): each layer, mode and order once
Q_MODES = [(name, mode, lora_first) for name in Q_CASES
           for mode, lora_first in (("int8", False), ("int4", True))]


def _qlora(L, name, mode, lora_first, weights=None, lora=None):
    """A layer of ``Q_CASES[name]`` with ``weights`` (random ones by default), quantized in
    ``mode`` and with LoRA enabled (in that order or the other), its LoRA weights set to
    ``lora`` (random by default)."""
    make, x = Q_CASES[name]
    layer = make(L)
    layer(x)
    if weights is None:
        weights = [RNG.normal(size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    for step in ((lambda: layer.enable_lora(2, lora_alpha=3.0), lambda: layer.quantize(mode))
                 if lora_first else
                 (lambda: layer.quantize(mode), lambda: layer.enable_lora(2, lora_alpha=3.0))):
        step()
    variables = [v for v in layer.weights if "lora" in v.path]
    if lora is None:
        lora = [RNG.normal(size=v.shape).astype("float32") for v in variables]
    for variable, value in zip(variables, lora):
        variable.assign(value)
    return layer, x, weights, lora


@pytest.fixture(scope="module")
def keras_qlora(keras):
    """Per (layer, mode, order): the float weights, LoRA values, Keras's outputs, weight
    names and what Keras saves (``save_own_variables``)."""
    out = {}
    for case in Q_MODES:
        layer, x, weights, lora = _qlora(keras.layers, *case)
        store: dict = {}
        layer.save_own_variables(store)
        out[case] = {"weights": weights, "lora": lora, "y": np.asarray(layer(x)),
                     "names": (_names(layer.weights), _names(layer.trainable_weights)),
                     "saved": [np.asarray(store[str(i)]) for i in range(len(store))]}
    return out


def test_qlora_matches_keras(backend, keras_qlora):
    for case, expected in keras_qlora.items():
        layer, x, _, _ = _qlora(layers, *case, weights=expected["weights"],
                                lora=expected["lora"])
        assert (_names(layer.weights), _names(layer.trainable_weights)) == expected["names"], \
            case
        np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected["y"], atol=1e-5,
                                   err_msg=str(case))
        saved = [np.asarray(ops.convert_to_numpy(v.value))
                 for v in layer._variables_in_saving_order()]
        assert len(saved) == len(expected["saved"]), case
        for ours, theirs in zip(saved, expected["saved"]):
            np.testing.assert_allclose(ours.astype("float64"), theirs.astype("float64"),
                                       rtol=1e-6, atol=1e-6, err_msg=str(case))


def test_lora_rank_at_construction_and_config_round_trip(keras):
    # EinsumDense and Conv keep lora_alpha in Keras 3.15.1; Dense and Embedding drop it there
    # (a Keras bug, fixed later): kfront keeps it for all
    for make, x in ((lambda L, **k: L.EinsumDense("ab,bc->ac", 3, **k), X2),
                    (lambda L, **k: L.Conv2D(3, 2, **k), X4)):
        ours, theirs = make(layers, lora_rank=2, lora_alpha=8), make(keras.layers, lora_rank=2,
                                                                      lora_alpha=8)
        ours(x), theirs(x)
        assert (ours.lora_enabled, ours.lora_alpha, _names(ours.weights)) == \
            (theirs.lora_enabled, theirs.lora_alpha, _names(theirs.weights))
        config = ours.get_config()
        assert (config["lora_rank"], config["lora_alpha"]) == (2, 8)
        back = type(ours).from_config(config)
        back(x)
        assert back.lora_enabled and back.lora_rank == 2 and back.lora_alpha == 8
        k_back = type(theirs).from_config(config)  # Keras reads kfront's config
        k_back(x)
        assert k_back.lora_enabled and k_back.lora_alpha == 8
    dense = layers.Dense(3, lora_rank=2, lora_alpha=8)
    dense(X2)
    assert (dense.lora_alpha, "lora_rank" in layers.Dense(3).get_config()) == (8, False)
    emb = layers.Embedding(5, 3, lora_rank=1)
    emb(IDS)
    assert _names(emb.trainable_weights) == ["lora_embeddings_a", "lora_embeddings_b"]
    # the LoRA weights are float32 whatever the policy; the kernel's regularizer covers them
    # (not the frozen kernel), as in Keras
    mixed = layers.Dense(3, dtype="mixed_float16", kernel_regularizer="l2", lora_rank=2)
    y = mixed(X2)
    assert (mixed.lora_kernel_a.dtype, ops.dtype(y), len(mixed.losses)) == \
        ("float32", "float16", 2)


def _model():
    return kfront.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(2)])


def test_a_lora_model_trains_only_its_lora_weights(backend):
    kfront.utils.set_random_seed(1)
    model = _model()
    model.layers[1].quantize("int8")  # QLoRA on the second layer
    for layer in model.layers:
        layer.enable_lora(2)
    frozen = [layer._kernel.numpy() for layer in model.layers]
    lora_b = [layer.lora_kernel_b.numpy() for layer in model.layers]
    model.compile(optimizer="adam", loss="mse")
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 3
    x = RNG.normal(size=(16, 4)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    for layer, kernel, b in zip(model.layers, frozen, lora_b):
        np.testing.assert_array_equal(layer._kernel.numpy(), kernel)
        assert not np.array_equal(layer.lora_kernel_b.numpy(), b)


def _lora_predictions(model, x):
    return ops.convert_to_numpy(model.predict(x, verbose=0))


def test_saved_files_go_both_ways_with_keras(keras, tmp_path):
    x = RNG.normal(size=(5, 4)).astype("float32")
    # kfront -> Keras: the merged kernel in the kernel's slot, no LoRA weights
    ours = _model()
    for layer in ours.layers:
        layer.enable_lora(2, lora_alpha=4.0)
        layer.lora_kernel_b.assign(RNG.normal(size=layer.lora_kernel_b.shape).astype("float32"))
    expected = _lora_predictions(ours, x)
    ours.save(tmp_path / "ours.keras")
    ours.save_weights(tmp_path / "ours.weights.h5")
    with h5py.File(tmp_path / "ours.weights.h5", "r") as f:
        assert sorted(f["layers/dense/vars"]) == ["0", "1"]
        np.testing.assert_allclose(f["layers/dense/vars/0"][...],
                                   ops.convert_to_numpy(ours.layers[0].kernel), atol=1e-6)
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    assert theirs.layers[0].lora_enabled and theirs.layers[0].lora_rank == 2  # (alpha: 2)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), expected, atol=1e-5)
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    plain.load_weights(tmp_path / "ours.weights.h5")  # a model without LoRA loads it too
    np.testing.assert_allclose(plain.predict(x, verbose=0), expected, atol=1e-5)
    # Keras -> kfront, into a model built from the file and into one with LoRA already on
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu",
                                                                     lora_rank=2),
                               keras.layers.Dense(2)])
    theirs.layers[1].enable_lora(1)
    for layer in theirs.layers:
        layer.lora_kernel_b.assign(RNG.normal(size=layer.lora_kernel_b.shape).astype("float32"))
    expected = theirs.predict(x, verbose=0)
    theirs.save(tmp_path / "theirs.keras")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    back = kfront.saving.load_model(tmp_path / "theirs.keras")
    target = _model()
    for layer in target.layers:
        layer.enable_lora(2)  # (rank 2 where Keras's has 1: the LoRA weights are not saved)
        layer.lora_kernel_b.assign(np.ones(layer.lora_kernel_b.shape, "float32"))
    target.load_weights(tmp_path / "theirs.weights.h5")
    for model in (back, target):
        np.testing.assert_allclose(_lora_predictions(model, x), expected, atol=1e-5)
        for layer in model.layers:
            assert layer.lora_enabled
            assert not np.any(layer.lora_kernel_a.numpy()) and not np.any(
                layer.lora_kernel_b.numpy())
    assert [layer.lora_rank for layer in back.layers] == [2, 1]
    # and kfront's own round trip keeps the adapted outputs
    again = kfront.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(_lora_predictions(again, x),
                               _lora_predictions(ours, x), atol=1e-5)
    # QLoRA: the re-quantized merged kernel loads the same in Keras and in kfront
    ours.quantize("int4")
    ours.save(tmp_path / "q.keras")
    theirs, back = keras.models.load_model(tmp_path / "q.keras"), \
        kfront.saving.load_model(tmp_path / "q.keras")
    assert back.layers[0].quantization_mode == theirs.layers[0].quantization_mode == "int4"
    np.testing.assert_allclose(_lora_predictions(back, x), theirs.predict(x, verbose=0),
                               atol=1e-5)
    assert not np.any(back.layers[1].lora_kernel_b.numpy())


def test_bad_input():
    with pytest.raises(ValueError, match='Dense "[^"]+": cannot enable LoRA.*built'):
        layers.Dense(2).enable_lora(2)
    dense = layers.Dense(2)
    dense(X2)
    for rank in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="rank must be a positive int"):
            dense.enable_lora(rank)
    with pytest.raises(ValueError, match="lora_alpha must be a positive number"):
        dense.enable_lora(2, lora_alpha="big")
    for bad in (-2, 2.0, "2"):
        with pytest.raises(ValueError, match="lora_rank must be a positive int or None"):
            layers.Dense(2, lora_rank=bad)
    dense.enable_lora(2)
    with pytest.raises(ValueError, match="already enabled"):
        dense.enable_lora(2)
    with pytest.raises(NotImplementedError, match="quantizing a layer with LoRA"):
        dense.quantize("float8")
    constrained = layers.Conv2D(2, 2, kernel_constraint="non_neg")
    constrained(X4)
    with pytest.raises(ValueError, match="incompatible with kernel_constraint"):
        constrained.enable_lora(2)
    quantized = layers.Dense(2)
    quantized(X2)
    quantized.quantize("float8")
    with pytest.raises(NotImplementedError, match="LoRA on a layer quantized in mode 'float8'"):
        quantized.enable_lora(2)
    with pytest.raises(NotImplementedError, match="LoRA on a layer quantized in mode 'float8'"):
        layers.Dense(2, lora_rank=2, dtype="float8_from_float32")
    with pytest.raises(TypeError, match="lora_rank"):
        layers.Conv2DTranspose(2, 2, lora_rank=2)  # as Keras: only Conv1D/2D/3D have LoRA
