"""A small transformer text classifier (token + position embeddings, MultiHeadAttention,
LayerNormalization, feed-forward, GlobalAveragePooling1D) learns a synthetic sequence task on
every backend: is the first token of the sequence a "small" one? (positions matter)."""
from __future__ import annotations

import numpy as np

import kfront
from kfront import layers, ops

SEQ, VOCAB, DIM = 8, 10, 16


class PositionEmbedding(layers.Layer):
    """Adds a learned embedding of each position to its token's embedding."""

    def build(self, input_shape):
        self.positions = self.add_weight(shape=tuple(input_shape[1:]), name="positions",
                                         initializer="random_normal")

    def call(self, x):
        return ops.add(x, self.positions)


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, SEQ))
    return x.astype("int32"), (x[:, 0] < 5).astype("float32")


def build_model():
    inputs = layers.Input((SEQ,), dtype="int32")
    h = PositionEmbedding()(layers.Embedding(VOCAB, DIM)(inputs))
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8)(h, h)
    h = layers.LayerNormalization()(layers.Add()([h, a]))
    f = layers.Dense(DIM)(layers.Dense(32, activation="relu")(h))
    h = layers.LayerNormalization()(layers.Add()([h, f]))
    out = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(h))
    return kfront.Model(inputs, out)


def test_transformer_learns_sequence_task(backend):
    kfront.utils.set_random_seed(0)
    x, y = _data(384, 0)
    xt, yt = _data(256, 1)
    model = build_model()
    model.compile(optimizer=kfront.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    _, acc = model.evaluate(xt, yt, verbose=0)
    assert acc > 0.9, f"{backend}: test accuracy {acc}"
