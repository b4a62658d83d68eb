"""Masks as in Keras 3: attached to eager outputs (``_keras_mask``) and read from eager inputs,
every input's mask propagating in a Functional model (merges, attention), and layers called
with several positional symbolic tensors. Outputs and masks are compared with real Keras."""
from __future__ import annotations

import json

import numpy as np
import pytest

import kfront
from kfront import layers, ops
from kfront.backends.common.keras_mask import get_keras_mask

IDS_A = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 1, 2, 3]], "int32")
IDS_B = np.array([[1, 2, 3, 0], [3, 4, 0, 0], [0, 0, 0, 0]], "int32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _masked_graph(lib):
    """Two masked embeddings merged four ways, each read by an LSTM (which uses the mask)."""
    a = lib.layers.Input((4,), dtype="int32")
    b = lib.layers.Input((4,), dtype="int32")
    ea = lib.layers.Embedding(6, 3, mask_zero=True, name="emb_a")(a)
    eb = lib.layers.Embedding(6, 3, mask_zero=True, name="emb_b")(b)
    # Keras's MultiHeadAttention deletes its inputs' masks: it gets embeddings of its own
    ec = lib.layers.Embedding(6, 3, mask_zero=True, name="emb_c")(a)
    ed = lib.layers.Embedding(6, 3, mask_zero=True, name="emb_d")(b)
    merged = [lib.layers.Concatenate(axis=1)([ea, eb]), lib.layers.Add()([ea, eb]),
              lib.layers.Attention()([ea, eb]),
              lib.layers.MultiHeadAttention(num_heads=1, key_dim=2, name="mha")(ec, ed),
              lib.layers.Maximum()([ea, eb]), lib.layers.Minimum()([ea, eb])]
    outs = [lib.layers.LSTM(2, name=f"lstm_{i}")(m) for i, m in enumerate(merged)]
    return lib.Model([a, b], outs + [ea])


WEIGHTED = ["emb_a", "emb_b", "emb_c", "emb_d", "mha"] + [f"lstm_{i}" for i in range(6)]


@pytest.fixture(scope="module")
def keras_results():
    import keras
    keras.utils.set_random_seed(0)
    model = _masked_graph(keras)
    embed = keras.layers.Embedding(6, 3, mask_zero=True)
    lstm = keras.layers.LSTM(2)
    eager = lstm(embed(IDS_A))  # eager: the mask rides on the embedding's output
    outs = model([IDS_A, IDS_B])
    return {"weights": [model.get_layer(n).get_weights() for n in WEIGHTED], "outs": [np.asarray(o) for o in outs],
            "emb_mask": np.asarray(outs[-1]._keras_mask),
            "eager_weights": embed.get_weights() + lstm.get_weights(), "eager": np.asarray(eager),
            "eager_mask": np.asarray(embed(IDS_A)._keras_mask)}


def test_eager_mask_attached_and_read(backend, keras_results):
    embed, lstm = layers.Embedding(6, 3, mask_zero=True), layers.LSTM(2)
    embed.build((None, 4))
    lstm.build((None, 4, 3))
    w = keras_results["eager_weights"]
    embed.set_weights(w[:1])
    lstm.set_weights(w[1:])
    emb = embed(IDS_A)
    np.testing.assert_array_equal(_np(get_keras_mask(emb)), keras_results["eager_mask"])
    if backend != "numpy":  # numpy arrays refuse attributes: the mask sits in a table
        assert get_keras_mask(emb) is emb._keras_mask
    out = lstm(emb)
    np.testing.assert_allclose(_np(out), keras_results["eager"], atol=1e-5)
    unmasked = lstm(ops.multiply(emb, 1.0))  # a new tensor: no mask attached
    assert np.abs(_np(unmasked) - keras_results["eager"]).max() > 1e-3
    # an explicit mask= wins over the attached one; a layer without masking support drops it
    full = ops.ones((3, 4), dtype="bool")
    np.testing.assert_allclose(_np(lstm(emb, mask=full)), _np(unmasked), atol=1e-6)
    assert get_keras_mask(layers.Conv1D(2, 1)(emb)) is None
    assert get_keras_mask(layers.Dense(2)(emb)) is get_keras_mask(emb)  # Dense passes it on
    # Masking attaches its mask, which the next layer reads
    x = np.array([[[1.0], [0.0], [2.0]]], "float32")
    masked = layers.Masking(0.0)(x)
    np.testing.assert_array_equal(_np(get_keras_mask(masked)), [[True, False, True]])
    np.testing.assert_array_equal(_np(get_keras_mask(layers.Activation("relu")(masked))),
                                  [[True, False, True]])


def test_functional_every_input_mask(backend, keras_results):
    model = _masked_graph(kfront)
    for name, weights in zip(WEIGHTED, keras_results["weights"]):
        model.get_layer(name).set_weights(weights)
    outs = model([IDS_A, IDS_B])
    for name, got, want in zip(["concatenate", "add", "attention", "mha", "maximum", "minimum",
                                "embedding"], outs,
                               keras_results["outs"]):
        np.testing.assert_allclose(_np(got), want, atol=1e-5, err_msg=name)
    np.testing.assert_array_equal(_np(get_keras_mask(outs[-1])), keras_results["emb_mask"])


def test_merge_masks_match_keras():
    """Concatenate's and Add's output masks (Keras: concatenation; OR, None if one is missing)."""
    import keras
    ma, mb = IDS_A != 0, IDS_B != 0
    x = np.ones((3, 4, 2), "float32")
    for k, f in [(keras.layers.Concatenate(axis=1), layers.Concatenate(axis=1)),
                 (keras.layers.Concatenate(axis=-1), layers.Concatenate(axis=-1)),
                 (keras.layers.Add(), layers.Add())]:
        for masks in ([ma, mb], [ma, None]):
            want = k.compute_mask([x, x], masks)
            got = f.compute_mask([x, x], masks)
            if want is None:
                assert got is None
            else:
                np.testing.assert_array_equal(_np(got), np.asarray(want))


def _pair_layer(lib):
    class ScaleBy(lib.layers.Layer):
        """``call(x, y)``: x times the row sums of y (two positional tensors)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def call(self, x, y, training=None):
            return lib.ops.multiply(x, lib.ops.sum(y, axis=-1, keepdims=True))
    return ScaleBy


def test_several_positional_tensors(backend, tmp_path):
    import keras
    ScaleBy = _pair_layer(kfront)
    kfront.saving.get_custom_objects()["ScaleBy"] = ScaleBy

    def graph(lib, layer_cls):
        a, b = lib.layers.Input((3,), name="in_a"), lib.layers.Input((5,), name="in_b")
        h = layer_cls(name="scale_by")(a, b, training=False)
        return lib.Model([a, b], lib.layers.Dense(2, name="out")(h))

    model = graph(kfront, ScaleBy)
    kmodel = graph(keras, _pair_layer(keras))
    assert model.layers[2].output.shape == (None, 3) and model.output_shape == (None, 2)
    model.set_weights(kmodel.get_weights())
    x = [np.arange(6, dtype="float32").reshape(2, 3), np.ones((2, 5), "float32")]
    want = np.asarray(kmodel(x))
    np.testing.assert_allclose(_np(model(x)), want, rtol=1e-6)
    # the call's node reads both tensors, as in Keras's config
    node = model.get_config()["layers"][2]["inbound_nodes"][0]
    knode = kmodel.get_config()["layers"][2]["inbound_nodes"][0]
    assert [t["config"]["keras_history"] for t in node["args"]] == \
        [t["config"]["keras_history"] for t in knode["args"]]
    assert node["kwargs"] == knode["kwargs"] == {"training": False}
    path = str(tmp_path / "pair.keras")
    model.save(path)
    loaded = kfront.saving.load_model(path)
    np.testing.assert_allclose(_np(loaded(x)), want, rtol=1e-6)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((2, 2), "float32"), verbose=0)  # trains through both inputs
    kfront.saving.get_custom_objects().pop("ScaleBy")


def _bilinear(lib):
    class Bilinear(lib.layers.Layer):
        """``x W y`` per row: ``build(x_shape, y_shape)`` sizes W from both inputs."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def build(self, x_shape, y_shape):
            self.w = self.add_weight(shape=(x_shape[-1], y_shape[-1]), name="w")

        def call(self, x, y):
            return lib.ops.sum(lib.ops.multiply(lib.ops.matmul(x, self.w), y), axis=-1,
                               keepdims=True)
    return Bilinear


def test_several_positional_build_by_name(tmp_path):
    """``build(x_shape, y_shape)`` gets each tensor's shape by its call argument's name; the
    build config is Keras's ``shapes_dict``, and .keras files load both ways; a build argument
    naming no call argument is a clear error."""
    import keras
    Bilinear, KBilinear = _bilinear(kfront), _bilinear(keras)

    def graph(lib, cls):
        a, b = lib.layers.Input((3,), name="in_a"), lib.layers.Input((5,), name="in_b")
        return lib.Model([a, b], cls(name="bilinear")(a, b))

    model, kmodel = graph(kfront, Bilinear), graph(keras, KBilinear)
    assert model.output_shape == (None, 1)
    assert [json.loads(json.dumps(m.get_layer("bilinear").get_build_config()))
            for m in (model, kmodel)] == \
        [{"shapes_dict": {"x_shape": [None, 3], "y_shape": [None, 5]}}] * 2  # as saved
    x = [np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3), np.ones((2, 5), "float32")]
    path = str(tmp_path / "bilinear.keras")
    model.save(path)
    loaded = kfront.saving.load_model(path, custom_objects={"Bilinear": Bilinear})
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-6)
    kloaded = keras.saving.load_model(path, custom_objects={"Bilinear": KBilinear})
    np.testing.assert_allclose(np.asarray(kloaded(x)), _np(model(x)), rtol=1e-5)
    kpath = str(tmp_path / "keras_bilinear.keras")
    kmodel.save(kpath)
    from_keras = kfront.saving.load_model(kpath, custom_objects={"Bilinear": Bilinear})
    np.testing.assert_allclose(_np(from_keras(x)), np.asarray(kmodel(x)), rtol=1e-5)

    class Wrong(Bilinear):
        def build(self, x_shape, z_shape):
            pass

    with pytest.raises(ValueError, match="z_shape"):
        Wrong()(*graph(kfront, Bilinear).inputs)


def test_subclassed_model_propagates_masks_in_training(backend):
    """Keras's masking guide: a subclassed model calls Embedding(mask_zero) then LSTM eagerly;
    the mask rides on the tensors also while gradients are recorded (fit), so the first step's
    loss equals the Sequential model's (which passes masks explicitly)."""
    class Tagger(kfront.Model):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(6, 3, mask_zero=True)
            self.lstm = layers.LSTM(2)

        def call(self, x):
            return self.lstm(self.embed(x))

    seq = kfront.Sequential([layers.Input((4,), dtype="int32"),
                             layers.Embedding(6, 3, mask_zero=True), layers.LSTM(2)])
    sub = Tagger()
    sub(IDS_A)
    sub.set_weights(seq.get_weights())
    target = np.ones((3, 2), "float32")
    losses = []
    for model in (seq, sub):
        model.compile(optimizer="sgd", loss="mse")
        losses.append(model.train_on_batch(IDS_A, target))
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    unmasked = kfront.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3),
                                  layers.LSTM(2)])
    unmasked.set_weights(seq.get_weights())
    assert np.abs(_np(unmasked(IDS_A)) - _np(seq(IDS_A))).max() > 1e-4  # the mask matters
