"""The kernels of issue 14's transformer benchmark stay the fast ones: LayerNormalization is one
fused ``layer_norm`` per call on torch (as Keras there), and EinsumDense projections without
batch labels are one 2-D matrix product (no batch-1 batched product)."""
import numpy as np
import pytest

import kfront
from kfront import layers, ops
from kfront.layers.einsum_dense import einsum2

X = np.random.default_rng(0).normal(size=(2, 5, 8)).astype("float32")


def test_layer_normalization_is_one_fused_kernel_on_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    calls = []
    fused = torch.nn.functional.layer_norm

    def counting(*args, **kwargs):
        calls.append(tuple(args[1]))
        return fused(*args, **kwargs)
    monkeypatch.setattr(torch.nn.functional, "layer_norm", counting)
    kfront.config.set_backend("torch")
    try:
        layer = layers.LayerNormalization(axis=[1, 2])
        with kfront.GradientTape() as tape:
            loss = ops.sum(ops.square(layer(X)))
        grads = tape.gradient(loss, layer.trainable_weights)
        assert calls == [(5, 8)]
        assert [tuple(g.shape) for g in grads] == [(5, 8), (5, 8)]
        layers.LayerNormalization(axis=1)(X)  # not the trailing axes: torch ops, same formula
        assert calls == [(5, 8)]
    finally:
        kfront.config.set_backend("numpy")


def test_projections_without_batch_labels_are_2d_products(monkeypatch):
    shapes = []
    matmul = ops.matmul

    def recording(a, b):
        shapes.append((tuple(ops.shape(a)), tuple(ops.shape(b))))
        return matmul(a, b)
    monkeypatch.setattr(ops, "matmul", recording)
    w = np.ones((8, 2, 3), "float32")
    out = einsum2("abc,cde->abde", X, w)
    einsum2("abcd,aecd->acbe", np.ones((2, 5, 4, 3)), np.ones((2, 6, 4, 3)))  # batch a, c
    assert shapes == [((10, 8), (8, 6)), ((8, 5, 3), (8, 3, 6))]
    np.testing.assert_allclose(ops.convert_to_numpy(out), np.einsum("abc,cde->abde", X, w),
                               rtol=1e-6)
