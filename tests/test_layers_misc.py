"""Normalization, embedding, merge, reshaping and noise layers against real Keras 3 (identical
weights and inputs), their gradients against finite differences, and bad-input errors."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import constraints, layers, ops

from test_layers_conv import _check_grads, _r, assert_layer_matches_keras


# ----------------------------------------------------------------------------- normalization
@pytest.mark.parametrize("kwargs", [{}, {"axis": 1, "momentum": 0.9}, {"center": False},
                                    {"scale": False, "epsilon": 0.1}])
def test_batch_normalization_matches_keras(keras, kwargs):
    x = (_r(6, 3, 4) * 2 + 1).astype("float32")
    ours, theirs = assert_layer_matches_keras(
        keras, lambda L: L.BatchNormalization(**kwargs), x, training_modes=(False, True))
    # the training call above updated the moving statistics in both, identically
    for a, b in zip(ours.non_trainable_weights, theirs.non_trainable_weights):
        np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b), atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x, training=False)),
                               keras.ops.convert_to_numpy(theirs(x, training=False)), atol=1e-5)
    assert [w.path.split("/")[-1] for w in ours.weights] == [
        n for n in ("gamma", "beta") if n[0] in ("g" if kwargs.get("scale", True) else "") +
        ("b" if kwargs.get("center", True) else "")] + ["moving_mean", "moving_variance"]


def test_batch_normalization_in_a_fit_step_matches_keras(keras):
    """Moving statistics update inside the trainer's compiled step, and the step's weights."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5)).astype("float32") * 3 + 2
    y = rng.normal(size=(32, 2)).astype("float32")

    def build(lib):
        return lib.Sequential([lib.layers.Input((5,)), lib.layers.Dense(4),
                               lib.layers.BatchNormalization(), lib.layers.Dense(2)])
    ours, theirs = build(kfront), build(keras)
    theirs.set_weights(ours.get_weights())
    for model, lib in ((ours, kfront), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)


def test_frozen_batch_normalization_uses_moving_statistics(keras):
    x = _r(4, 3).astype("float32")
    bn = layers.BatchNormalization()
    bn(x)
    bn.trainable = False
    before = bn.moving_mean.numpy().copy()
    np.testing.assert_allclose(ops.convert_to_numpy(bn(x, training=True)),
                               ops.convert_to_numpy(bn(x, training=False)))
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"center": False, "epsilon": 1e-5}])
def test_layer_normalization_matches_keras(keras, kwargs):
    x = (_r(3, 4, 5) * 3).astype("float32")
    assert_layer_matches_keras(keras, lambda L: L.LayerNormalization(**kwargs), x)


def test_normalization_gradients():
    x = _r(4, 3)
    bn = layers.BatchNormalization(dtype="float64")
    bn(x)
    _check_grads(lambda a: bn(a, training=True), x)
    ln = layers.LayerNormalization(dtype="float64")
    ln(x)
    _check_grads(lambda a: ln(a), x)


# ---------------------------------------------------------------------------------- embedding
def test_embedding_matches_keras(keras):
    ids = np.array([[0, 3, 9], [4, 4, 1]])
    ours, theirs = assert_layer_matches_keras(
        keras, lambda L: L.Embedding(10, 4, mask_zero=True), ids)
    np.testing.assert_array_equal(ours.compute_mask(ids),
                                  keras.ops.convert_to_numpy(theirs.compute_mask(ids)))
    assert layers.Embedding(10, 4).compute_mask(ids) is None
    assert ours.compute_output_shape((None, 3)) == (None, 3, 4)


def test_embedding_gradient_and_init():
    emb = layers.Embedding(5, 2, dtype="float64")
    ids = np.array([[1, 1, 4]])
    emb(ids)
    w = emb.embeddings.numpy()
    assert np.abs(w).max() <= 0.05
    _check_grads(lambda e: ops.take(e, ids, axis=0), w)
    with kfront.GradientTape() as tape:
        loss = ops.sum(emb(ids))
    g = ops.convert_to_numpy(tape.gradient(loss, [emb.embeddings])[0])
    np.testing.assert_array_equal(g[:, 0], [0, 2, 0, 0, 1])


def test_embedding_errors():
    emb = layers.Embedding(10, 4, name="emb")
    with pytest.raises(ValueError, match=r'Embedding "emb": ids must lie in \[0, 10\).*\[0, 10\]'):
        emb(np.array([[0, 10]]))
    with pytest.raises(ValueError, match=r"ids must lie in"):
        emb(np.array([[-1, 2]]))
    with pytest.raises(TypeError, match=r'Embedding "emb" expects integer ids, got float32.*'
                                        r"non-integer"):
        emb(np.array([[0.5, 2.0]], "float32"))
    assert emb(np.array([[1.0, 2.0]], "float32")).shape == (1, 2, 4)  # whole floats: cast
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 4)


# ------------------------------------------------------------------------------------- merge
MERGES = {"Add": {}, "Subtract": {}, "Multiply": {}, "Average": {}, "Maximum": {},
          "Minimum": {}, "Concatenate": {"axis": 1}}


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_layers_match_keras(keras, name):
    a, b = _r(2, 3, 4).astype("float32"), _r(2, 3, 4, seed=5).astype("float32")
    ours = getattr(layers, name)(**MERGES[name])([a, b])
    theirs = getattr(keras.layers, name)(**MERGES[name])([a, b])
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), atol=1e-6)
    fn = getattr(layers, name.lower())
    np.testing.assert_allclose(fn([a, b], **MERGES[name]), ours)
    assert getattr(layers, name)(**MERGES[name]).compute_output_shape(
        [(None, 3, 4), (None, 3, 4)]) == ((None, 6, 4) if name == "Concatenate" else (None, 3, 4))


@pytest.mark.parametrize("shapes,axes,normalize", [
    (((2, 5), (2, 5)), 1, False), (((2, 5), (2, 5)), -1, True),
    (((2, 3, 4), (2, 4, 6)), (2, 1), False), (((2, 3, 4), (2, 3, 6)), 1, False),
    (((2, 3, 4), (2, 4)), (2, 1), False)])
def test_dot_matches_keras(keras, shapes, axes, normalize):
    a, b = _r(*shapes[0]).astype("float32"), _r(*shapes[1], seed=6).astype("float32")
    layer = layers.Dot(axes, normalize=normalize)
    ours = layer([a, b])
    theirs = keras.layers.Dot(axes, normalize=normalize)([a, b])
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), atol=1e-5)
    assert layer.compute_output_shape(list(shapes)) == ours.shape


def test_merge_gradients_and_functional_model():
    a, b = _r(2, 3), _r(2, 3, seed=4)
    _check_grads(lambda x, y: layers.Dot(1, normalize=True, dtype="float64")([x, y]), a, b)
    _check_grads(lambda x, y: layers.Maximum(dtype="float64")([x, y]), a, b)
    x1, x2 = layers.Input((3,)), layers.Input((3,))
    model = kfront.Model([x1, x2], layers.Dense(1)(layers.concatenate([x1, layers.add([x1, x2])])))
    assert model.predict([a, b], verbose=0).shape == (2, 1)


def test_merge_errors():
    with pytest.raises(ValueError, match=r'Subtract "sub" needs exactly 2 inputs, got 3'):
        layers.Subtract(name="sub")([np.ones((1, 2))] * 3)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        layers.Add()([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="list of tensors"):
        layers.Add()(np.ones((2, 3)))
    with pytest.raises(ValueError, match="matching shapes except along axis"):
        layers.Concatenate(axis=1)([np.ones((2, 3)), np.ones((3, 3))])


# --------------------------------------------------------------------------------- reshaping
RESHAPING = {
    "ZeroPadding1D": (lambda L: L.ZeroPadding1D((1, 2)), (2, 4, 3)),
    "ZeroPadding2D": (lambda L: L.ZeroPadding2D(((1, 0), (2, 3))), (2, 3, 4, 2)),
    "ZeroPadding2D-cf": (lambda L: L.ZeroPadding2D(1, data_format="channels_first"), (2, 2, 3, 4)),
    "Cropping1D": (lambda L: L.Cropping1D((1, 2)), (2, 6, 3)),
    "Cropping2D": (lambda L: L.Cropping2D(((1, 0), (1, 2))), (2, 5, 6, 2)),
    "UpSampling1D": (lambda L: L.UpSampling1D(3), (2, 4, 3)),
    "UpSampling2D": (lambda L: L.UpSampling2D((2, 3)), (2, 3, 4, 2)),
    "UpSampling2D-cf": (lambda L: L.UpSampling2D(data_format="channels_first"), (2, 2, 3, 4)),
    "RepeatVector": (lambda L: L.RepeatVector(3), (2, 5)),
    "Permute": (lambda L: L.Permute((3, 1, 2)), (2, 3, 4, 5)),
}


@pytest.mark.parametrize("name", sorted(RESHAPING))
def test_reshaping_layers_match_keras(keras, name):
    make, shape = RESHAPING[name]
    x = _r(*shape).astype("float32")
    ours, theirs = assert_layer_matches_keras(keras, make, x)
    assert ours.compute_output_shape(x.shape) == tuple(theirs.compute_output_shape(x.shape))
    layer64 = type(ours).from_config({**ours.get_config(), "dtype": "float64"})
    _check_grads(layer64, _r(*shape))


def test_reshaping_errors():
    with pytest.raises(ValueError, match=r'Cropping2D "crop".*removes the whole input'):
        layers.Cropping2D(2, name="crop")(np.ones((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="permutation"):
        layers.Permute((1, 3))
    with pytest.raises(ValueError, match="interpolation.*'trilinear'"):
        layers.UpSampling2D(interpolation="trilinear")
    with pytest.raises(ValueError, match=r'"rv".*expected ndim=2'):
        layers.RepeatVector(2, name="rv")(np.ones((1, 2, 3), "float32"))


# ------------------------------------------------------------------------------------- noise
def test_spatial_dropout_drops_whole_channels():
    x = np.ones((8, 5, 6, 16), "float32")
    y = ops.convert_to_numpy(layers.SpatialDropout2D(0.5, seed=3)(x, training=True))
    per_channel = y.reshape(8, 30, 16)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(y)) == {0.0, 2.0}
    y = ops.convert_to_numpy(layers.SpatialDropout2D(0.5, data_format="channels_first",
                                                     seed=3)(x, training=True))
    assert np.all(y.reshape(8, 5, 96).min(axis=2) == y.reshape(8, 5, 96).max(axis=2))
    y = ops.convert_to_numpy(layers.SpatialDropout1D(0.5, seed=3)(x[:, 0], training=True))
    assert np.all(y.min(axis=1) == y.max(axis=1))
    np.testing.assert_array_equal(layers.SpatialDropout1D(0.5)(x[:, 0]), x[:, 0])


def test_gaussian_noise_and_activity_regularization(keras):
    x = np.zeros((400, 50), "float32")
    y = ops.convert_to_numpy(layers.GaussianNoise(0.3, seed=1)(x, training=True))
    assert abs(y.std() - 0.3) < 0.01 and abs(y.mean()) < 0.01
    np.testing.assert_array_equal(layers.GaussianNoise(0.3)(x), x)
    a = _r(3, 4).astype("float32")
    ours, theirs = layers.ActivityRegularization(0.1, 0.2), keras.layers.ActivityRegularization(
        0.1, 0.2)
    np.testing.assert_array_equal(ours(a), a)
    theirs(a)
    np.testing.assert_allclose(float(ours.losses[0]),
                               float(keras.ops.convert_to_numpy(theirs.losses[0])), rtol=1e-5)


def test_configs_round_trip_and_match_keras(keras):
    pairs = [(layers.BatchNormalization(momentum=0.9), keras.layers.BatchNormalization(
        momentum=0.9)), (layers.Embedding(7, 3, mask_zero=True), keras.layers.Embedding(
            7, 3, mask_zero=True)), (layers.ZeroPadding2D(2), keras.layers.ZeroPadding2D(2)),
        (layers.Dot(1), keras.layers.Dot(1)), (layers.SpatialDropout2D(0.2),
                                               keras.layers.SpatialDropout2D(0.2))]
    for ours, theirs in pairs:
        mine, ref = ours.get_config(), theirs.get_config()
        for key in set(mine) & set(ref) - {"name", "dtype"}:
            if isinstance(ref[key], (int, float, str, bool, tuple, list)):
                assert tuple(np.ravel(mine[key])) == tuple(np.ravel(ref[key])), (type(ours), key)
        clone = type(ours).from_config(mine)
        assert clone.get_config() == {**mine, "name": clone.name}


def test_constraints_on_conv_kernels_match_keras(keras):
    w = _r(3, 3, 2, 4).astype("float32")
    for ours, theirs in [(constraints.max_norm(1.5, axis=[0, 1, 2]),
                          keras.constraints.MaxNorm(1.5, axis=[0, 1, 2])),
                         (constraints.unit_norm(axis=[0, 1, 2]),
                          keras.constraints.UnitNorm(axis=[0, 1, 2])),
                         (constraints.min_max_norm(0.5, 1.0, 0.7, axis=[0, 1, 2]),
                          keras.constraints.MinMaxNorm(0.5, 1.0, 0.7, axis=[0, 1, 2])),
                         (constraints.non_neg(), keras.constraints.NonNeg())]:
        np.testing.assert_allclose(ops.convert_to_numpy(ours(w)),
                                   keras.ops.convert_to_numpy(theirs(w)), atol=1e-6)
