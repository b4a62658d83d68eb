"""A 2-block transformer encoder (sequence 128, width 128, 4 heads, feed-forward 256) over
token + learned position embeddings, GlobalAveragePooling1D and a sigmoid head; Adam, batch 32,
float32: training samples/s on synthetic token sequences (issue 14's benchmark).

Cases: kfront on each backend (``fit``) and real Keras 3 on the same backends. Run with
``python benchmarks/run.py transformer``; ``TRANSFORMER_QUICK=1`` shrinks the sizes and the data
to check that every case runs (not for timing).

What bounds the torch ratio (measured at b5aff09 under the bench lock, torch 2.13 CPU, 2 cores):
torch.profiler over 10 steps puts 35 ms of kfront-torch's ~75-88 ms step in ``aten::mm`` (34
GEMMs a step at ~130-187 GFLOP/s, MKL's peak here; oneDNN's ``_linear_pointwise`` timed
interleaved with MKL is no faster), 6 ms in ``addmm`` and 18 ms in the flash attention kernel
(torch's math path, and the inputs made contiguous as (B, N, T, H), time slower); Python costs ~3 ms (cProfile). Keras
on torch runs the same attention kernel and the same arithmetic (its projections as ``bmm``), so
even with no overhead at all kfront would reach about 80 / 59 = 1.36x: the 1.5x target needs
less arithmetic or faster kernels than torch's, not less overhead.
Checked again at 925d752 (torch.profiler over 10 steps, kfront and Keras alternating, two runs
each): GEMMs (mm, addmm, bmm) and the flash kernels take 74 / 64 ms of kfront-torch's step and
64 / 57 ms of Keras-torch's, whose whole steps measured 88 / 80 ms (kfront's 77 / 91): the
ceiling is ~1.2x, lower than 1.36x, since the same aten kernels ran 10-15% longer in kfront's
processes (both at 2 intra-op threads, AVX512 kernels, no other framework loaded; not
explained). The 1.5x target stays out of reach of overhead cuts.
"""
from __future__ import annotations

import os

from common import fit_case, library_cases, main

QUICK = os.environ.get("TRANSFORMER_QUICK") == "1"
SEQ, WIDTH, HEADS, FF = (16, 32, 4, 64) if QUICK else (128, 128, 4, 256)
VOCAB, BATCH = 1000, 32
EPOCHS, SAMPLES = (1, 64) if QUICK else (2, 640)  # samples per epoch
TITLE = (f"Transformer encoder x2 (seq {SEQ}, width {WIDTH}, {HEADS} heads, ff {FF}), "
         f"Adam, batch {BATCH}")


def _data():
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, size=(SAMPLES, SEQ)).astype("int32")
    y = (x[:, 0] < VOCAB // 2).astype("float32")[:, None]  # depends on the first position
    return x, y


def build(lib):
    L = lib.layers

    class PositionEmbedding(L.Layer):
        """Adds a learned vector per position."""

        def build(self, input_shape):
            self.positions = self.add_weight(shape=tuple(input_shape[1:]), name="positions",
                                             initializer="random_normal")

        def call(self, x):
            return lib.ops.add(x, self.positions)

    inputs = L.Input((SEQ,), dtype="int32")
    h = PositionEmbedding()(L.Embedding(VOCAB, WIDTH)(inputs))
    for _ in range(2):
        attended = L.MultiHeadAttention(num_heads=HEADS, key_dim=WIDTH // HEADS)(h, h)
        h = L.LayerNormalization()(L.Add()([h, attended]))
        ff = L.Dense(WIDTH)(L.Dense(FF, activation="relu")(h))
        h = L.LayerNormalization()(L.Add()([h, ff]))
    outputs = L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling1D()(h))
    return lib.Model(inputs, outputs)


def fit(lib_name, backend):
    x, y = _data()
    return fit_case(lib_name, backend, build, x, y, BATCH, EPOCHS, loss="binary_crossentropy")


CASES = library_cases(fit)
RATIOS = [("kfront-numpy", "keras-torch", 1.0),
          ("kfront-torch", "keras-torch", 1.5),
          ("kfront-tensorflow", "keras-tensorflow", 1.0),
          ("kfront-jax", "keras-jax", 1.0)]

if __name__ == "__main__":
    main(CASES)
