"""On torch, ``ops.take`` of rows of a 2-D float table (what ``Embedding`` calls) runs as an
embedding lookup (``F.embedding``, as Keras on torch), whose backward sums repeated ids' row
gradients in one pass instead of indexing's accumulating ``index_put``: same values as Keras,
the gradient of its definition, negative ids from the end, a clear error out of range."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kfront  # noqa: E402
from kfront import layers, ops  # noqa: E402


@pytest.fixture(autouse=True)
def _torch_backend():
    before = kfront.backends.active_name()
    kfront.config.set_backend("torch")
    yield
    kfront.config.set_backend(before)


TABLE = np.random.default_rng(0).standard_normal((7, 5)).astype("float32")
IDS = np.array([[0, 3, 3, -1], [6, 0, -7, 2]], "int32")  # repeats and negative ids


@pytest.mark.parametrize("axis", [0, -2])
def test_values_equal_keras(keras, axis):
    got = ops.convert_to_numpy(ops.take(TABLE, IDS, axis=axis))
    np.testing.assert_array_equal(got, keras.ops.convert_to_numpy(
        keras.ops.take(TABLE, IDS, axis=axis)))


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_gradient_sums_rows_of_repeated_ids(dtype):
    table = kfront.Variable(TABLE)
    ids = (IDS % 7).astype(dtype)
    seed = np.random.default_rng(1).standard_normal((*ids.shape, 5)).astype("float32")
    with kfront.GradientTape() as tape:
        out = ops.take(table, ids, axis=0)
        loss = ops.sum(ops.multiply(out, seed))
    grad = ops.convert_to_numpy(tape.gradient(loss, table))
    expected = np.zeros_like(TABLE)
    np.add.at(expected, ids.astype("int64"), seed)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)
    assert out.grad_fn.name() == "EmbeddingBackward0"  # the one-pass backward, not index_put


def test_embedding_layer_uses_the_lookup():
    layer = layers.Embedding(7, 5)
    with kfront.GradientTape():
        out = layer(IDS % 7)
    assert out.grad_fn.name() == "EmbeddingBackward0"


def test_out_of_range_ids_raise_naming_the_range():
    with pytest.raises(IndexError, match=r"\[-7, 7\).*got indices in \[0, 7\]"):
        ops.take(TABLE, np.array([0, 7]), axis=0)
