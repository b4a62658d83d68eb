"""Issue 13's training programs on every backend: a custom layer written with ``ops.einsum`` and
``ops.dot_product_attention`` trains both through ``fit`` and through a hand-written loop of
``ops.value_and_grad`` + ``optimizer.apply`` (the ``ops.scan`` RNN is in test_control_flow.py)."""
from __future__ import annotations

import numpy as np

import kfront
from kfront import layers, ops

HEADS, KEY = 2, 4


class EinsumSelfAttention(layers.Layer):
    """Causal multi-head self-attention from einsum projections, as a user would write it."""

    def build(self, input_shape):
        width = input_shape[-1]
        self.wq, self.wk, self.wv = (self.add_weight(shape=(width, HEADS, KEY), name=n)
                                     for n in ("query", "key", "value"))
        self.wo = self.add_weight(shape=(HEADS, KEY, width), name="output")

    def call(self, x):
        q, k, v = (ops.einsum("btd,dhk->bthk", x, w) for w in (self.wq, self.wk, self.wv))
        attended = ops.dot_product_attention(q, k, v, is_causal=True)
        return ops.add(x, ops.einsum("bthk,hkd->btd", attended, self.wo))


def _task():
    """Target: the running mean of the first feature at the last step (needs attention over time)."""
    data = np.random.default_rng(3)
    x = data.normal(size=(32, 6, 8)).astype("float32")
    y = x[:, :, :1].mean(axis=1).astype("float32")
    return x, y


def _model():
    kfront.utils.set_random_seed(5)
    return kfront.Sequential([layers.Input((6, 8)), EinsumSelfAttention(),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])


def test_einsum_attention_layer_trains_with_fit(backend):
    x, y = _task()
    model = _model()
    model.compile(optimizer=kfront.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(x, y, batch_size=16, epochs=8, verbose=0, shuffle=False).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses


def test_einsum_attention_layer_trains_with_value_and_grad_loop(backend):
    x, y = _task()
    model = _model()
    optimizer = kfront.optimizers.Adam(0.01)
    weights = model.trainable_variables
    assert len(weights) == 6  # 4 attention projections + Dense kernel and bias

    def loss(values):
        return ops.mean(ops.square(ops.subtract(model(x), y)))

    step = ops.value_and_grad(loss)
    losses = []
    for _ in range(15):
        value, grads = step(weights)
        assert all(g.shape == w.shape for g, w in zip(grads, weights))
        optimizer.apply(grads, weights)
        losses.append(float(value))
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses
