"""Attention, EinsumDense, activation, normalization, noise and 3-D layers against real Keras 3:
identical weights and inputs give the same outputs (float32, atol 1e-5) on every backend (the
Keras results are computed once per module); native gradients against finite differences in
float64; Keras's aliases; bad-input errors; a ``.keras`` round trip of models with each layer."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops

from test_layers_conv import _check_grads

RNG = np.random.default_rng(0)


def _x(*shape, scale=1.0):
    return (RNG.normal(size=shape) * scale).astype("float32")


SEQ = _x(2, 4, 6)
SEQ2 = _x(2, 5, 3)
VOL = _x(2, 4, 5, 6, 3)
MAP = _x(2, 3, 4, 6)
Q_MASK = np.array([[True, True, True, False], [True, True, False, False]])
V_MASK = np.array([[True, True, True, True, False], [True, False, True, True, True]])
ATT_MASK = RNG.random((2, 4, 5)) > 0.3
ATT_MASK[:, :, 0] = True
ROW_MASK = ATT_MASK.copy()
ROW_MASK[0, 1] = False  # a query that sees nothing: uniform attention, as Keras's fused path
IDS = np.array([[1, 0, 9, 3], [4, 4, 0, 2]])

# name -> (make(layers module), positional inputs, call kwargs, training modes)
CASES = {
    "mha-self-scores": (lambda L: L.MultiHeadAttention(2, 3), (SEQ, SEQ),
                        {"return_attention_scores": True}, (False,)),
    "mha-cross-causal": (lambda L: L.MultiHeadAttention(2, 3, value_dim=2, output_shape=5,
                                                        use_bias=False),
                         (SEQ, SEQ2), {"use_causal_mask": True}, (False,)),
    "mha-key-masks": (lambda L: L.MultiHeadAttention(3, 2, sliding_window=2),
                      (SEQ, SEQ2, _x(2, 5, 4)),
                      {"attention_mask": ATT_MASK, "value_mask": V_MASK, "key_mask": V_MASK},
                      (False,)),
    "mha-masked-row": (lambda L: L.MultiHeadAttention(2, 3), (SEQ, SEQ2),
                       {"attention_mask": ROW_MASK}, (False,)),
    "mha-gate": (lambda L: L.MultiHeadAttention(2, 3, use_gate=True), (SEQ, SEQ2), {},
                 (False,)),
    "mha-2d-axes": (lambda L: L.MultiHeadAttention(2, 2, attention_axes=(1, 2)), (MAP, MAP),
                    {"return_attention_scores": True}, (False,)),
    "gqa": (lambda L: L.GroupQueryAttention(head_dim=2, num_query_heads=4,
                                            num_key_value_heads=2),
            (SEQ, SEQ2), {"return_attention_scores": True, "value_mask": V_MASK}, (False,)),
    "gqa-causal": (lambda L: L.GroupQueryAttention(3, 2, 1, use_bias=False), (SEQ, SEQ),
                   {"use_causal_mask": True}, (False,)),
    "attention-dot": (lambda L: L.Attention(), ([SEQ, SEQ],),
                      {"mask": [Q_MASK, Q_MASK], "return_attention_scores": True}, (False,)),
    "attention-concat": (lambda L: L.Attention(use_scale=True, score_mode="concat"),
                         ([SEQ, _x(2, 5, 6), _x(2, 5, 6)],), {"use_causal_mask": True},
                         (False,)),
    "additive-attention": (lambda L: L.AdditiveAttention(), ([SEQ, _x(2, 5, 6)],),
                           {"mask": [None, V_MASK]}, (False,)),
    "einsum-2d": (lambda L: L.EinsumDense("ab,bc->ac", 4, bias_axes="c"), (SEQ[0],), {},
                  (False,)),
    "einsum-ellipsis": (lambda L: L.EinsumDense("...b,bc->...c", 3, activation="tanh"),
                        (SEQ,), {}, (False,)),
    "einsum-heads": (lambda L: L.EinsumDense("abc,cde->abde", (4, 2, 3), bias_axes="be"),
                     (SEQ,), {}, (False,)),
    "einsum-right-ellipsis": (lambda L: L.EinsumDense("bc...,cd->bd...", (2,), bias_axes="d"),
                              (SEQ,), {}, (False,)),
    "relu": (lambda L: L.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2), (SEQ,), {},
             (False,)),
    "leaky-relu": (lambda L: L.LeakyReLU(), (SEQ,), {}, (False,)),
    "elu": (lambda L: L.ELU(alpha=0.5), (SEQ,), {}, (False,)),
    "prelu": (lambda L: L.PReLU(alpha_initializer="ones", shared_axes=[1]), (SEQ,), {},
              (False,)),
    "softmax-axes": (lambda L: L.Softmax(axis=[1, 2]), (SEQ,), {}, (False,)),
    "softmax-mask": (lambda L: L.Softmax(), (SEQ,), {"mask": Q_MASK[:, None, :].repeat(6, 1)
                                                     .transpose(0, 2, 1)}, (False,)),
    "identity": (lambda L: L.Identity(), (SEQ,), {}, (False,)),
    "group-norm": (lambda L: L.GroupNormalization(groups=3), (VOL,), {}, (False,)),
    "group-norm-cf": (lambda L: L.GroupNormalization(groups=-1, axis=1, epsilon=0.1), (MAP,),
                      {}, (False,)),
    "unit-norm": (lambda L: L.UnitNormalization(axis=[1, 2]), (SEQ,), {}, (False,)),
    "rms-norm": (lambda L: L.RMSNormalization(), (SEQ,), {}, (False,)),
    "rms-norm-axes": (lambda L: L.RMSNormalization(axis=[-2, -1], epsilon=0.1), (SEQ,), {},
                      (False,)),
    "spectral-norm": (lambda L: L.SpectralNormalization(L.Dense(3), power_iterations=2),
                      (SEQ,), {}, (False, True)),
    "alpha-dropout": (lambda L: L.AlphaDropout(0.3), (SEQ,), {}, (False,)),
    "gaussian-dropout": (lambda L: L.GaussianDropout(0.3), (SEQ,), {}, (False,)),
    "spatial-dropout3d": (lambda L: L.SpatialDropout3D(0.3), (VOL,), {}, (False,)),
    "conv3d": (lambda L: L.Conv3D(2, (2, 3, 2), activation="relu"), (VOL,), {}, (False,)),
    "conv3d-same": (lambda L: L.Conv3D(4, 3, strides=2, padding="same", groups=1), (VOL,), {},
                    (False,)),
    "conv3d-transpose": (lambda L: L.Conv3DTranspose(2, 2, strides=2), (VOL,), {}, (False,)),
    "conv3d-transpose-same": (lambda L: L.Conv3DTranspose(2, 3, strides=(1, 2, 1),
                                                          padding="same"), (VOL,), {},
                              (False,)),
    "max-pool3d": (lambda L: L.MaxPooling3D(2), (VOL,), {}, (False,)),
    "avg-pool3d": (lambda L: L.AveragePooling3D(2, strides=1, padding="same"), (VOL,), {},
                   (False,)),
    "global-max3d": (lambda L: L.GlobalMaxPooling3D(), (VOL,), {}, (False,)),
    "global-avg3d": (lambda L: L.GlobalAveragePooling3D(keepdims=True), (VOL,), {}, (False,)),
    "zero-pad3d": (lambda L: L.ZeroPadding3D(((1, 0), (0, 2), (1, 1))), (VOL,), {}, (False,)),
    "crop3d": (lambda L: L.Cropping3D(((1, 0), (0, 2), (1, 1))), (VOL,), {}, (False,)),
    "upsample3d": (lambda L: L.UpSampling3D((1, 2, 2)), (VOL,), {}, (False,)),
    "adaptive-avg1d": (lambda L: L.AdaptiveAveragePooling1D(3), (SEQ,), {}, (False,)),
    "adaptive-max2d": (lambda L: L.AdaptiveMaxPooling2D((2, 4), data_format="channels_first"),
                       (MAP,), {}, (False,)),
    "adaptive-avg3d": (lambda L: L.AdaptiveAveragePooling3D((3, 2, 4)), (VOL,), {}, (False,)),
    "adaptive-max3d": (lambda L: L.AdaptiveMaxPooling3D(2), (VOL,), {}, (False,)),
    "reversible-embedding": (lambda L: L.ReversibleEmbedding(10, 6), (IDS,), {}, (False,)),
    "reversible-embedding-reverse": (
        lambda L: L.ReversibleEmbedding(10, 6, tie_weights=False, logit_soft_cap=2.0), (SEQ,),
        {"reverse": True}, (False,)),
}


def _weights_for(shapes, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=s) * 0.5).astype("float32") for s in shapes]


@pytest.fixture(scope="module")
def keras_results(keras):
    """name -> (weight shapes, weights given, {training: outputs}), from real Keras once."""
    out = {}
    for i, (name, (make, args, kwargs, modes)) in enumerate(sorted(CASES.items())):
        layer = make(keras.layers)
        layer(*args, **kwargs)
        shapes = [tuple(w.shape) for w in layer.weights]
        weights = _weights_for(shapes, i)
        layer.set_weights(weights)
        results = {}
        for training in modes:
            results[training] = [keras.ops.convert_to_numpy(o) for o in
                                 _as_list(layer(*args, **kwargs, training=training))]
        out[name] = (shapes, weights, results)
    return out


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _build(layer, args) -> None:
    """Build ``layer`` from its inputs' shapes without running it."""
    if len(args) > 1:  # MultiHeadAttention-like: build(query_shape, value_shape, key_shape)
        layer.build(*[a.shape for a in args])
        layer.built = True
    else:
        arg = args[0]
        layer._maybe_build([a.shape for a in arg] if isinstance(arg, list) else arg.shape)


def test_layers_match_keras(backend, keras_results):
    """On JAX each case runs as one jitted function (eager JAX compiles every op anew)."""
    from kfront.backends import B
    failures = []
    for name, (make, args, kwargs, modes) in sorted(CASES.items()):
        shapes, weights, results = keras_results[name]
        try:
            layer = make(layers)
            _build(layer, args)
            ours = [tuple(w.shape) for w in layer.weights]
            assert ours == shapes, f"weight shapes {ours} != Keras's {shapes}"
            layer.set_weights(weights)
            for training in modes:
                def run(*a, training=training):
                    return layer(*a, **kwargs, training=training)
                fn = B.compile_stateful(run, layer.weights, jit=backend == "jax")
                got = [ops.convert_to_numpy(o) for o in _as_list(fn(*args))]
                assert len(got) == len(results[training])
                for g, want in zip(got, results[training]):
                    np.testing.assert_allclose(g, want, atol=1e-5, rtol=1e-5)
        except Exception as e:  # collect every case's failure, report all
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_output_shapes_and_symbolic_calls():
    """compute_output_shape agrees with the real outputs, and layers work in a Functional."""
    for name, (make, args, kwargs, _) in sorted(CASES.items()):
        if name.startswith(("attention", "additive")):
            continue
        layer = make(layers)
        out = _as_list(layer(*args, **kwargs))
        shape = layer.compute_output_shape(*[a.shape for a in args])
        shape = shape if isinstance(shape, list) else [shape]
        assert [tuple(s) for s in shape] == [o.shape for o in out], name
    q, v = layers.Input((4, 6)), layers.Input((5, 3))
    out, scores = layers.MultiHeadAttention(2, 3)(q, v, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    model = kfront.Model([q, v], [out, scores])
    y, s = model.predict([SEQ, SEQ2], verbose=0)
    assert y.shape == (2, 4, 6) and s.shape == (2, 2, 4, 5)


def test_masks_propagate_like_keras(keras):
    """Embedding(mask_zero) -> self-attention -> masked pooling: the padding mask reaches
    MultiHeadAttention (query and value) and the output carries it on, as in Keras."""
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 0]])

    def build(lib):
        L = lib.layers
        x = L.Input((5,), dtype="int32")
        h = L.Embedding(10, 6, mask_zero=True)(x)
        h = L.MultiHeadAttention(2, 3)(h, h)
        return lib.Model(x, L.GlobalAveragePooling1D()(h))
    ours, theirs = build(kfront), build(keras)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0),
                               atol=1e-5)
    changed = ids.copy()
    changed[0, 4] = 9  # a padded position becomes a token: the first row's output changes
    assert not np.allclose(ours.predict(changed, verbose=0)[0], ours.predict(ids, verbose=0)[0])
    np.testing.assert_allclose(ours.predict(changed, verbose=0)[1],
                               ours.predict(ids, verbose=0)[1], atol=1e-6)


def test_aliases_are_the_same_classes(keras):
    for alias in ("AvgPool1D", "AvgPool2D", "AvgPool3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
                  "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
                  "GlobalMaxPool2D", "GlobalMaxPool3D", "Convolution1D", "Convolution2D",
                  "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
                  "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D"):
        assert getattr(layers, alias).__name__ == getattr(keras.layers, alias).__name__, alias
    assert layers.serialize(layers.MaxPool2D())["class_name"] == "MaxPooling2D"
    gqa = keras.saving.serialize_keras_object(keras.layers.GroupQueryAttention(2, 4, 2))
    assert layers.serialize(layers.GroupQueryAttention(2, 4, 2))["class_name"] == \
        gqa["class_name"]


def test_random_layers_in_training():
    x = np.ones((200, 50), "float32")
    y = ops.convert_to_numpy(layers.GaussianDropout(0.2, seed=3)(x, training=True))
    assert abs(y.mean() - 1) < 0.02 and abs(y.std() - 0.5) < 0.02
    z = RNG.normal(size=(200, 50)).astype("float32")
    y = ops.convert_to_numpy(layers.AlphaDropout(0.2, seed=3)(z, training=True))
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03
    assert np.unique(np.round(y[z > 10], 4)).size <= 1
    a = layers.AlphaDropout(0.2, noise_shape=(None, 1), seed=1)(z, training=True)
    dropped = np.isclose(ops.convert_to_numpy(a), ops.convert_to_numpy(a)[:, :1])
    assert dropped.all(axis=1).any()  # whole rows dropped together
    v = ops.convert_to_numpy(layers.SpatialDropout3D(0.5, seed=2)(VOL, training=True))
    assert ((v == 0).all(axis=(1, 2, 3)) | (v != 0).all(axis=(1, 2, 3))).all()
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layers.GaussianDropout(0.2, seed=5)(x, training=True)),
        ops.convert_to_numpy(layers.GaussianDropout(0.2, seed=5)(x, training=True)))


# ------------------------------------------------------------------------------- gradients
def _weight_grads_ok(layer, x, eps=1e-6):
    """d sum(w * layer(x)) / d weights (native tape) against central differences."""
    x = np.asarray(x, "float64")
    w = np.random.default_rng(1).normal(size=ops.shape(layer(x)))
    with kfront.GradientTape() as tape:
        loss = ops.sum(ops.multiply(w, layer(x)))
    grads = tape.gradient(loss, layer.trainable_weights)
    for var, g in zip(layer.trainable_weights, grads):
        value = var.numpy()
        num = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            for sign in (1, -1):
                v = value.copy()
                v[idx] += sign * eps
                var.assign(v)
                num[idx] += sign * float(ops.sum(ops.multiply(w, layer(x)))) / (2 * eps)
            var.assign(value)
        g = np.zeros_like(num) if g is None else ops.convert_to_numpy(g)  # None: unused
        assert np.abs(g - num).max() / max(np.abs(num).max(), 1e-3) < 1e-6, var.path


GRAD_CASES = {
    "mha": (lambda: layers.MultiHeadAttention(2, 2, dtype="float64"), (2, 3, 4),
            {"use_causal_mask": True}),
    "gqa": (lambda: layers.GroupQueryAttention(2, 2, 1, dtype="float64"), (1, 3, 4), {}),
    "einsum": (lambda: layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d",
                                          dtype="float64"), (2, 3, 4), {}),
    "additive": (lambda: layers.AdditiveAttention(dtype="float64"), (2, 3, 4), {}),
    "prelu": (lambda: layers.PReLU(alpha_initializer="random_normal", dtype="float64"),
              (2, 3, 4), {}),
    "group-norm": (lambda: layers.GroupNormalization(2, dtype="float64"), (2, 3, 4), {}),
    "rms-norm": (lambda: layers.RMSNormalization(dtype="float64"), (2, 3, 4), {}),
    "unit-norm": (lambda: layers.UnitNormalization(dtype="float64"), (2, 3, 4), {}),
    "softmax": (lambda: layers.Softmax(axis=[1, 2], dtype="float64"), (2, 3, 4), {}),
    "conv3d": (lambda: layers.Conv3D(2, 2, padding="same", dtype="float64"), (1, 2, 3, 2, 2),
               {}),
    "adaptive-avg": (lambda: layers.AdaptiveAveragePooling2D((2, 3), dtype="float64"),
                     (1, 3, 4, 2), {}),
    "reverse-embedding": (lambda: layers.ReversibleEmbedding(5, 4, tie_weights=False,
                                                             logit_soft_cap=2.0,
                                                             dtype="float64"),
                          (2, 3, 4), {"reverse": True}),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_native_gradients(name):
    make, shape, kwargs = GRAD_CASES[name]
    layer = make()
    x = np.random.default_rng(2).normal(size=shape)
    if name in ("mha", "gqa"):
        fn = lambda a: layer(a, a, **kwargs)  # noqa: E731
    elif name == "additive":
        fn = lambda a: layer([a, a])  # noqa: E731
    else:
        fn = lambda a: layer(a, **kwargs)  # noqa: E731
    fn(x)
    for var in layer.trainable_weights:  # off the initial values (zeros, ones)
        var.assign(var.numpy() + np.random.default_rng(3).normal(size=var.shape) * 0.3)
    _check_grads(fn, x)
    if layer.trainable_weights:
        _weight_grads_ok(_Fixed(fn, layer), x)


class _Fixed(layers.Layer):
    """``fn`` as a layer whose trainable weights are ``layer``'s (for the weight check)."""

    def __init__(self, fn, layer):
        super().__init__(dtype="float64")
        self.fn, self.inner = fn, layer
        self.built = True

    def call(self, x):
        return self.fn(x)


# ------------------------------------------------------------------------------- bad input
def test_bad_input_errors():
    q, v = np.ones((2, 4, 6), "float32"), np.ones((2, 5, 6), "float32")
    mha = layers.MultiHeadAttention(2, 3, name="mha_bad")
    mha(q, v)
    with pytest.raises(ValueError, match="mha_bad.*query.*6"):
        mha(np.ones((2, 4, 7), "float32"), v)
    with pytest.raises(ValueError, match="mha_bad.*value_mask.*\\(2, 5\\)"):
        mha(q, v, value_mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="mha_bad.*attention_mask"):
        mha(q, v, attention_mask=np.ones((2, 4, 3), bool))
    with pytest.raises(ValueError, match="value and key"):
        layers.MultiHeadAttention(2, 3)(q, v, np.ones((2, 6, 6), "float32"))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 3)
    att = layers.Attention(name="att_bad")
    with pytest.raises(ValueError, match="att_bad.*query and key.*last dimension"):
        att([q, np.ones((2, 5, 3), "float32")])
    with pytest.raises(ValueError, match="att_bad.*value mask.*\\(2, 5\\)"):
        att([q, v], mask=[None, np.ones((2, 4), bool)])
    with pytest.raises(ValueError, match="list"):
        att(q)
    with pytest.raises(ValueError, match="Softmax.*mask.*broadcast"):
        layers.Softmax()(q, mask=np.ones((2, 3, 6), bool))
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=4)(q)
    with pytest.raises(ValueError, match="GroupQueryAttention.*multiple"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="einsum equation"):
        layers.EinsumDense("ab->b", 3)(q)
    with pytest.raises(ValueError, match="SpectralNormalization.*kernel"):
        layers.SpectralNormalization(layers.Identity())(q)
    with pytest.raises(ValueError, match="ReLU.*max_value"):
        layers.ReLU(max_value=-1)


# ------------------------------------------------------------------------------- saving
def _seq_model(lib):
    L = lib.layers
    x = L.Input((4, 6))
    h = L.MultiHeadAttention(2, 3)(x, x, use_causal_mask=True)
    h = L.GroupQueryAttention(2, 2, 1)(h, h)
    h = L.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d")(h)
    h = L.Attention()([h, h])
    h = L.AdditiveAttention()([h, h])
    h = L.PReLU(shared_axes=[1])(L.ReLU(6.0)(L.LeakyReLU(0.2)(L.ELU()(h))))
    h = L.GroupNormalization(2)(L.RMSNormalization()(L.UnitNormalization()(h)))
    h = L.Softmax()(L.Identity()(L.SpectralNormalization(L.Dense(4))(h)))
    h = L.GaussianDropout(0.1)(L.AlphaDropout(0.1)(h))
    h = L.AdaptiveAveragePooling1D(2)(L.AdaptiveMaxPooling1D(3)(h))
    return lib.Model(x, L.ReversibleEmbedding(5, 4, tie_weights=False)(h, reverse=True))


def _vol_model(lib):
    L = lib.layers
    x = L.Input((4, 4, 4, 2))
    h = L.Conv3DTranspose(2, 2, strides=2)(L.Conv3D(3, 2, padding="same")(x))
    h = L.SpatialDropout3D(0.1)(L.MaxPooling3D()(L.AveragePooling3D(1)(h)))
    h = L.UpSampling3D(2)(L.Cropping3D(1)(L.ZeroPadding3D(1)(h)))
    h = L.AdaptiveMaxPooling3D(3)(L.AdaptiveAveragePooling3D((4, 3, 2))(h))
    return lib.Model(x, [L.GlobalMaxPooling3D()(h), L.GlobalAveragePooling3D()(h)])


@pytest.mark.parametrize("name", ["sequence", "volume"])
def test_keras_file_round_trip(tmp_path, keras, name):
    """kfront saves and loads its own .keras; kfront loads the file real Keras saves (with
    GroupQueryAttention, whose weights group Keras names after its class, not its export)."""
    build, shape = {"sequence": (_seq_model, (2, 4, 6)),
                    "volume": (_vol_model, (2, 4, 4, 4, 2))}[name]
    x = RNG.normal(size=shape).astype("float32")
    ours = build(kfront)
    ours.save(tmp_path / "m.keras")
    back = kfront.saving.load_model(tmp_path / "m.keras")
    for a, b in zip(_as_list(ours.predict(x, verbose=0)), _as_list(back.predict(x, verbose=0))):
        np.testing.assert_allclose(a, b, atol=1e-6)
    theirs, ours = build(keras), build(kfront)
    theirs.set_weights(ours.get_weights())
    theirs.save(tmp_path / "k.keras")
    loaded = kfront.saving.load_model(tmp_path / "k.keras")
    for a, b in zip(_as_list(theirs.predict(x, verbose=0)),
                    _as_list(loaded.predict(x, verbose=0))):
        np.testing.assert_allclose(np.asarray(a), b, atol=1e-5)
