"""The generic ``RNN(cell)`` with a user-written cell, lists of cells (``StackedRNNCells``) and
kfront's fused cells: outputs and states equal real Keras 3's on every backend (masks,
go_backwards, zero_output_for_mask, return_state); native gradients; errors; saving."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops
from kfront.backends.common import tree

from test_layers_conv import _check_grads

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 5, 3)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)


def minimal_cell(lib):
    """Keras's documented example of a user cell, for either library."""
    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            h = lib.ops.tanh(lib.ops.add(lib.ops.matmul(inputs, self.kernel),
                                         lib.ops.matmul(states[0], self.recurrent_kernel)))
            return h, [h]
    return MinimalRNNCell


CASES = {
    "custom": (lambda L, lib: L.RNN(minimal_cell(lib)(4)), {}),
    "custom-seq-state": (lambda L, lib: L.RNN(minimal_cell(lib)(4), return_sequences=True,
                                              return_state=True), {"mask": MASK}),
    "stacked-backwards": (lambda L, lib: L.RNN([minimal_cell(lib)(4), L.LSTMCell(3)],
                                               go_backwards=True, return_sequences=True,
                                               return_state=True), {"mask": MASK}),
    "stacked-zero-out": (lambda L, lib: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(2),
                                                                 L.GRUCell(3)]),
                                              return_sequences=True, zero_output_for_mask=True),
                         {"mask": MASK}),
    "fused-gru": (lambda L, lib: L.RNN(L.GRUCell(3), return_state=True), {}),
    "fused-lstm-initial": (lambda L, lib: L.RNN(L.LSTMCell(2), return_sequences=True),
                           {"initial_state": [np.ones((2, 2), "float32"),
                                              np.zeros((2, 2), "float32")]}),
    "conv-lstm1d": (lambda L, lib: L.ConvLSTM1D(3, 2, padding="same", return_sequences=True),
                    {"mask": MASK}),
    "conv-lstm2d": (lambda L, lib: L.ConvLSTM2D(2, 2, strides=2, return_state=True,
                                                unit_forget_bias=False), {}),
    "conv-lstm3d": (lambda L, lib: L.ConvLSTM3D(2, 2, data_format="channels_first",
                                                go_backwards=True), {}),
}
INPUTS = {"conv-lstm1d": RNG.normal(size=(2, 5, 4, 2)).astype("float32"),
          "conv-lstm2d": RNG.normal(size=(2, 3, 4, 5, 2)).astype("float32"),
          "conv-lstm3d": RNG.normal(size=(1, 2, 1, 3, 3, 3)).astype("float32")}


def _flat(x):
    return tree.flatten(list(x) if isinstance(x, tuple) else x)[0]


@pytest.fixture(scope="module")
def keras_results(keras):
    out = {}
    for i, (name, (make, kwargs)) in enumerate(sorted(CASES.items())):
        layer, x = make(keras.layers, keras), INPUTS.get(name, X)
        layer(x, **kwargs)
        rng = np.random.default_rng(i)
        weights = [(rng.normal(size=w.shape) * 0.5).astype("float32") for w in layer.weights]
        layer.set_weights(weights)
        out[name] = ([tuple(w.shape) for w in layer.weights], weights,
                     [keras.ops.convert_to_numpy(o) for o in keras.tree.flatten(
                         layer(x, **kwargs))])
    return out


def test_rnn_matches_keras(backend, keras_results):
    failures = []
    for name, (make, kwargs) in sorted(CASES.items()):
        shapes, weights, want = keras_results[name]
        try:
            layer, x = make(layers, kfront), INPUTS.get(name, X)
            layer(x, **kwargs)
            assert [tuple(w.shape) for w in layer.weights] == shapes
            layer.set_weights(weights)
            got = [ops.convert_to_numpy(o) for o in _flat(layer(x, **kwargs))]
            assert len(got) == len(want)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)
        except Exception as e:
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


def test_output_shapes_and_model():
    layer = layers.RNN([minimal_cell(kfront)(4), layers.LSTMCell(3)], return_sequences=True,
                       return_state=True)
    out = layer(X)
    shapes = layer.compute_output_shape(X.shape)
    assert [o.shape for o in _flat(out)] == [tuple(s) for s in
                                             [shapes[0], shapes[1], *shapes[2]]]
    inp = layers.Input((5, 3))
    model = kfront.Model(inp, layers.RNN(minimal_cell(kfront)(4))(inp))
    assert model.predict(X, verbose=0).shape == (2, 4)


def test_stateful_generic_rnn_carries_state():
    layer = layers.RNN(minimal_cell(kfront)(3), stateful=True)
    first = ops.convert_to_numpy(layer(X))
    second = ops.convert_to_numpy(layer(X))
    assert not np.allclose(first, second)
    layer.reset_state()
    np.testing.assert_allclose(ops.convert_to_numpy(layer(X)), first, atol=1e-6)


def test_native_gradients():
    layer = layers.RNN(minimal_cell(kfront)(2, dtype="float64"), return_sequences=True,
                       dtype="float64")
    x = RNG.normal(size=(2, 3, 2))
    layer(x)
    _check_grads(lambda a: layer(a, mask=MASK[:, :3]), x)
    k = layer.cell.kernel.numpy()
    _check_grads(lambda w: _with_kernel(layer, w, x), k)


def _with_kernel(layer, w, x):
    """The layer's output as a function of the cell's kernel value ``w``."""
    cell = layer.cell

    class Cell(layers.Layer):
        state_size = cell.units

        def call(self, inputs, states):
            h = ops.tanh(ops.add(ops.matmul(inputs, w),
                                 ops.matmul(states[0], cell.recurrent_kernel)))
            return h, [h]
    return layers.RNN(Cell(dtype="float64"), return_sequences=True, dtype="float64")(x)


def test_conv_lstm_gradients_and_errors():
    layer = layers.ConvLSTM1D(2, 2, padding="same", dtype="float64")
    x = RNG.normal(size=(1, 3, 3, 2))
    layer(x)
    _check_grads(lambda a: layer(a), x)
    with pytest.raises(ValueError, match="strides.*dilation"):
        layers.ConvLSTM2D(2, 2, strides=2, dilation_rate=2)


def test_errors():
    class NoState(layers.Layer):
        def call(self, inputs, states):
            return inputs, states
    with pytest.raises(ValueError, match="RNN.*state_size"):
        layers.RNN(NoState())
    with pytest.raises(ValueError, match="StackedRNNCells.*state_size"):
        layers.StackedRNNCells([layers.LSTMCell(2), NoState()])
    with pytest.raises(ValueError, match="call"):
        layers.RNN(object())


def test_keras_file_round_trip(tmp_path, keras):
    def build(lib):
        L = lib.layers
        x = L.Input((5, 3))
        h = L.RNN([L.SimpleRNNCell(4), L.LSTMCell(3)], return_sequences=True)(x)
        h = L.RNN(L.StackedRNNCells([L.GRUCell(2)]), return_sequences=True)(h)
        h = L.ConvLSTM1D(2, 2, padding="same")(L.Reshape((5, 2, 1))(h))
        return lib.Model(x, h)
    ours = build(kfront)
    ours.save(tmp_path / "m.keras")
    back = kfront.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(ours.predict(X, verbose=0), back.predict(X, verbose=0),
                               atol=1e-6)
    theirs = build(keras)
    theirs.set_weights(ours.get_weights())
    theirs.save(tmp_path / "k.keras")
    np.testing.assert_allclose(kfront.saving.load_model(tmp_path / "k.keras").predict(
        X, verbose=0), theirs.predict(X, verbose=0), atol=1e-5)
