"""What keras-io's core guides rely on, checked against Keras 3 (or Keras's documented behaviour).

Each test is one behaviour a guide's code depends on, written small; the guides themselves are
run outside the suite with only their imports changed."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers


def test_summary_wraps_long_layer_cells_as_keras(keras):
    """A "name (Class)" cell wider than its column goes on two lines, as rich wraps it."""
    def table(lib, print_fn):
        model = lib.Sequential([lib.Input((4,)),
                                lib.layers.Dense(2, name="global_average_pooling2d"),
                                lib.layers.Dense(3, name="a_name_far_too_long_for_the_first_column")])
        model.summary(print_fn=print_fn)

    ours, theirs = [], []
    table(kfront, lambda text: ours.extend(text.rstrip("\n").split("\n")))
    table(keras, lambda text, **kw: theirs.extend(text.rstrip("\n").split("\n")))
    rows = [line for line in ours if line.startswith("│")]
    assert rows == [line for line in theirs if line.startswith("│")]
    assert len(rows) == 4


def test_dict_inputs_are_matched_by_input_name(backend):
    """Functional API guide: fit and predict take a dict keyed by the Input names, in any order
    (JAX hands a jitted step its dict with the keys sorted)."""
    title = kfront.Input((3,), name="title")
    body = kfront.Input((2,), name="body")
    model = kfront.Model([title, body], layers.concatenate([title, layers.Dense(1)(body)]))
    x = {"title": np.zeros((4, 3), "float32"), "body": np.ones((4, 2), "float32")}
    out = kfront.ops.convert_to_numpy(model({"body": x["body"], "title": x["title"]}))
    np.testing.assert_array_equal(out[:, :3], 0.0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((4, 4), "float32"), batch_size=2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"takes the inputs \['title', 'body'\].*missing \['body'\]"):
        model({"title": x["title"], "tags": x["body"]})


def test_summary_of_a_graph_lists_connections_as_keras(keras):
    """A functional model that is not a plain chain gets Keras's "Connected to" column."""
    def table(lib, print_fn):
        inputs = lib.Input((6,), name="img")
        hidden = lib.layers.Dense(6, name="dense_a")(inputs)
        both = lib.layers.Add(name="sum")([hidden, inputs])
        chain = lib.Model(inputs, lib.layers.Dense(2, name="head")(hidden), name="chain")
        lib.Model(inputs, both, name="residual").summary(print_fn=print_fn)
        chain.summary(print_fn=print_fn)

    ours, theirs = [], []
    table(kfront, lambda text: ours.extend(text.rstrip("\n").split("\n")))
    table(keras, lambda text, **kw: theirs.extend(text.rstrip("\n").split("\n")))
    assert [line for line in ours if line[:1] in "│┃"] == [line for line in theirs if line[:1] in "│┃"]
    assert any("│ sum (Add)" in line and "│ dense_a[0][0],    │" in line for line in ours)


def test_summary_counts_a_built_optimizer_and_variables_show_values(keras):
    """After fit, Keras's summary adds the optimizer's slots (and counts them in the total);
    a variable's repr shows its value (the Sequential guide prints ``layer.weights``)."""
    def fitted(lib):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2), lib.layers.Dense(1)])
        model.layers[0].trainable = False
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
        return model

    ours, theirs = [], []
    fitted(kfront).summary(print_fn=lambda text: ours.extend(text.rstrip("\n").split("\n")))
    fitted(keras).summary(print_fn=lambda text, **kw: theirs.extend(text.rstrip("\n").split("\n")))
    assert [line for line in ours if "params" in line] == \
        [line for line in theirs if "params" in line]
    assert ours[-1] == " Optimizer params: 8 (36.00 B)"
    bias = kfront.Variable(np.zeros(2, "float32"), name="bias")
    assert repr(bias).endswith("shape=(2,), dtype=float32, value=[0. 0.]>")


class _HalvesWithMasks(layers.Layer):
    """Splits the time axis in two; its own compute_mask splits the mask the same way."""

    def call(self, inputs):
        return kfront.ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else kfront.ops.split(mask, 2, axis=1)


def test_own_compute_mask_means_supports_masking(backend):
    """Masking guide: a layer that overrides compute_mask supports masking (Keras 3's default),
    so its outputs carry the masks it computes."""
    from kfront.backends.common.keras_mask import get_keras_mask
    x = np.ones((2, 4, 3), "float32")
    x[0, 3:] = 0.0
    masked = layers.Masking()(x)
    split = _HalvesWithMasks()
    assert split.supports_masking and not layers.Layer().supports_masking
    first, second = split(masked)
    np.testing.assert_array_equal(kfront.ops.convert_to_numpy(get_keras_mask(second)),
                                  [[True, False], [True, True]])


def test_predict_takes_another_frameworks_tensors(backend):
    """RNN guide: ``model.predict(tf.expand_dims(sample, 0))`` on any backend, as Keras's
    array adapter converts any framework's tensors (data, not op arguments)."""
    tf = pytest.importorskip("tensorflow")
    torch = pytest.importorskip("torch")
    model = kfront.Sequential([kfront.Input((3,)), layers.Dense(2)])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = model.predict(x, verbose=0)
    for data in (tf.constant(x), torch.tensor(x, requires_grad=True)):
        np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-6)
