"""ConvLSTM1D/2D/3D ``dropout`` / ``recurrent_dropout`` as Keras 3: four masks per sequence (one
per gate) on the inputs and on the recurrent state, training only. kfront's random stream is not
Keras's, so the gate arithmetic is checked against real Keras with kfront's masks put in Keras's
mask cache, and the masks themselves by their statistics."""
import numpy as np
import pytest

import kfront
from kfront import layers, ops

from test_layers_conv import _check_grads

RNG = np.random.default_rng(5)
CASES = {  # name: (layer class, arguments, input)
    "1d": ("ConvLSTM1D", dict(filters=3, kernel_size=2, padding="same", return_sequences=True),
           RNG.normal(size=(2, 4, 5, 2)).astype("float32")),
    "2d": ("ConvLSTM2D", dict(filters=2, kernel_size=2, strides=2, return_state=True),
           RNG.normal(size=(2, 3, 4, 4, 3)).astype("float32")),
    "3d": ("ConvLSTM3D", dict(filters=2, kernel_size=2, data_format="channels_first",
                              go_backwards=True), RNG.normal(size=(1, 2, 2, 3, 3, 3)).astype(
                                  "float32")),
}
RATES = dict(dropout=0.4, recurrent_dropout=0.3)


def _np(out, lib=ops):
    return [lib.convert_to_numpy(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _weights(layer, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=w.shape) * 0.5).astype("float32") for w in layer.weights]


@pytest.fixture(scope="module")
def keras_results(keras):
    """Keras's training outputs with the masks kfront's layer (seed 3) draws first."""
    out = {}
    for i, (name, (cls, kwargs, x)) in enumerate(sorted(CASES.items())):
        ours = getattr(layers, cls)(**kwargs, **RATES, seed=3)
        ours(x)
        shape = (x.shape[0], *x.shape[2:])
        drop, rdrop = ours.cell.dropout_masks(shape, ours.cell._state_shape(x.shape[0]), True)
        theirs = getattr(keras.layers, cls)(**kwargs, **RATES)
        theirs(x)
        theirs.set_weights(_weights(theirs, i))
        axis = 1 if kwargs.get("data_format") == "channels_first" else -1
        theirs.cell._dropout_mask = np.split(ops.convert_to_numpy(drop), 4, axis)
        theirs.cell._recurrent_dropout_mask = np.split(ops.convert_to_numpy(rdrop), 4, axis)
        train = _np(theirs(x, training=True), keras.ops)
        out[name] = (train, _np(theirs(x, training=False), keras.ops))
    return out


def test_dropout_matches_keras_gates(backend, keras_results):
    for i, (name, (cls, kwargs, x)) in enumerate(sorted(CASES.items())):
        want_train, want_eval = keras_results[name]
        layer = getattr(layers, cls)(**kwargs, **RATES, seed=3)
        layer(x)
        layer.set_weights(_weights(layer, i))
        train, evals = _np(layer(x, training=True)), _np(layer(x, training=False))
        for got, want in zip(train, want_train):
            np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"{name} training")
        # Keras's inference output is its no-dropout output
        for got, want in zip(evals, want_eval):
            np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"{name} inference")
        assert max(np.abs(a - b).max() for a, b in zip(train, evals)) > 1e-3, name
    # the same seed repeats; the next call draws new masks
    again = getattr(layers, cls)(**kwargs, **RATES, seed=3)
    again(x)
    again.set_weights(layer.get_weights())
    for a, b in zip(_np(again(x, training=True)), train):
        np.testing.assert_array_equal(a, b, err_msg=f"{name}: seeded repeat")
    assert any(np.abs(a - b).max() > 1e-4 for a, b in zip(_np(again(x, training=True)), train))


def test_mask_statistics_and_config():
    layer = layers.ConvLSTM2D(2, 3, **RATES, seed=0)
    layer(np.zeros((1, 1, 40, 40, 8), "float32"))
    drop, rdrop = layer.cell.dropout_masks((50, 40, 40, 8), (50, 38, 38, 2), True)
    for masks, rate in ((drop, RATES["dropout"]), (rdrop, RATES["recurrent_dropout"])):
        masks = np.split(ops.convert_to_numpy(masks), 4, axis=-1)  # one per gate
        for m in masks:
            assert abs(m.mean() - 1.0) < 0.01  # expected value preserved
            assert abs((m == 0).mean() - rate) < 0.01
            np.testing.assert_allclose(np.unique(m), [0.0, 1.0 / (1.0 - rate)], rtol=1e-6)
        assert not np.array_equal(masks[0], masks[1])
    assert layer.cell.dropout_masks((1, 4, 4, 8), (1, 2, 2, 2), False) == (None, None)
    config = layers.ConvLSTM1D(2, 2, dropout=1.5, recurrent_dropout=-1, seed=4).get_config()
    assert (config["dropout"], config["recurrent_dropout"], config["seed"]) == (1.0, 0.0, 4)


def test_native_gradients_through_masks():
    """One training step with fixed masks: gradients w.r.t. the input and both states against
    central differences (float64, native engine)."""
    layer = layers.ConvLSTM1D(2, 2, padding="same", **RATES, seed=2, dtype="float64")
    layer(np.zeros((1, 1, 3, 2)))
    cell = layer.cell
    cell._masks = cell.dropout_masks((1, 3, 2), (1, 3, 2), True)
    x, h, c = (RNG.normal(size=(1, 3, n)) for n in (2, 2, 2))
    _check_grads(lambda a, b, d: ops.concatenate(
        [cell(a, [b, d], training=True)[0], cell(a, [b, d], training=True)[1][1]], -1), x, h, c)


def test_trains_in_fit(backend):
    x = RNG.normal(size=(16, 2, 5, 2)).astype("float32")
    y = (x.sum(axis=(1, 2, 3)) > 0).astype("float32")[:, None]
    kfront.utils.set_random_seed(0)
    model = kfront.Sequential([layers.Input((2, 5, 2)),
                               layers.ConvLSTM1D(4, 2, **RATES, seed=1),
                               layers.Flatten(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=kfront.optimizers.Adam(0.05), loss="binary_crossentropy")
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    assert model.evaluate(x, y, verbose=0) < before
