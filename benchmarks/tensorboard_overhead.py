"""TensorBoard logging overhead: the seed MLP (784-256-256-10, Adam, batch 100) trained by
``fit`` on the bundled digits with and without ``TensorBoard(update_freq="batch")`` (a scalar
event per metric per batch, epoch scalars and the learning rate), on every backend.
Target: logging costs less than 10% of fit's time (throughput ratio >= 0.9).
Run with ``python benchmarks/run.py tensorboard_overhead``.
"""
from __future__ import annotations

import tempfile

from common import digits, main, timed

TITLE = "TensorBoard(update_freq='batch') overhead, MLP 784-256-256-10, batch 100"
BATCH, EPOCHS = 100, 3
BACKENDS = ("numpy", "torch", "tensorflow", "jax")


def fit(backend: str, tensorboard: bool) -> dict:
    import os
    os.environ["KFRONT_BACKEND"] = backend
    import kfront
    from kfront import layers
    x, y = digits(repeat=2)
    model = kfront.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                               layers.Dense(256, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    model.compile(optimizer=kfront.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    with tempfile.TemporaryDirectory() as logdir:
        callbacks = [kfront.callbacks.TensorBoard(logdir, update_freq="batch")] \
            if tensorboard else []
        return timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                                       callbacks=callbacks), len(x), EPOCHS,
                     first_step=lambda: model.train_on_batch(x[:BATCH], y[:BATCH]))


CASES = {}
for _b in BACKENDS:
    CASES[f"{_b}-plain"] = lambda b=_b: fit(b, False)
    CASES[f"{_b}-tensorboard"] = lambda b=_b: fit(b, True)
RATIOS = [(f"{b}-tensorboard", f"{b}-plain", 0.9) for b in BACKENDS]

if __name__ == "__main__":
    main(CASES)
