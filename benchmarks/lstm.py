"""Embedding(20000, 128) + LSTM(128) + Dense(1), seq 80, Adam, batch 32, float32: training
samples/s on synthetic token sequences (the IMDB-LSTM shape of the Keras examples).

Cases: kfront on each backend (``fit``; the torch/tensorflow/jax ones need that backend's rnn
ops) and real Keras 3 on each of its backends that is installed.
"""
from __future__ import annotations

import json
import os
import sys
import time

TITLE = "Embedding(20000,128)+LSTM(128)+Dense(1), seq 80, Adam, batch 32"
VOCAB, STEPS, UNITS, BATCH, EPOCHS = 20000, 80, 128, 32, 2
SAMPLES = 1600  # per epoch


def _data():
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, size=(SAMPLES, STEPS)).astype("int32")
    y = (x[:, :10].mean(axis=1) > VOCAB / 2).astype("float32")[:, None]
    return x, y


def _timed_epochs(run_epoch, n):
    run_epoch()  # warm-up epoch (compilation, allocation)
    t = time.perf_counter()
    for _ in range(EPOCHS):
        run_epoch()
    return n * EPOCHS / (time.perf_counter() - t)


def _fit(lib, model_layers):
    x, y = _data()
    model = lib.Sequential(model_layers)
    model.compile(optimizer=lib.optimizers.Adam(), loss="binary_crossentropy", metrics=["acc"])
    return _timed_epochs(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), len(x))


def kfront_fit(backend):
    os.environ["KFRONT_BACKEND"] = backend
    import kfront
    from kfront import layers
    return _fit(kfront, [layers.Input((STEPS,), dtype="int32"), layers.Embedding(VOCAB, 128),
                         layers.LSTM(UNITS), layers.Dense(1, activation="sigmoid")])


def keras_fit(backend):
    os.environ["KERAS_BACKEND"] = backend
    import keras
    from keras import layers
    return _fit(keras, [keras.Input((STEPS,), dtype="int32"), layers.Embedding(VOCAB, 128),
                        layers.LSTM(UNITS), layers.Dense(1, activation="sigmoid")])


CASES = {
    "kfront-numpy": lambda: kfront_fit("numpy"),
    "kfront-torch": lambda: kfront_fit("torch"),
    "kfront-tensorflow": lambda: kfront_fit("tensorflow"),
    "kfront-jax": lambda: kfront_fit("jax"),
    "keras-torch": lambda: keras_fit("torch"),
    "keras-tensorflow": lambda: keras_fit("tensorflow"),
    "keras-jax": lambda: keras_fit("jax"),
}
REFERENCE = "keras-torch"
RATIOS = [("kfront-numpy", "keras-torch", 1.0), ("kfront-torch", "keras-torch", 1.0),
          ("kfront-tensorflow", "keras-tensorflow", 1.0), ("kfront-jax", "keras-jax", 1.0)]

if __name__ == "__main__":
    print(json.dumps({"case": sys.argv[1], "samples_per_s": CASES[sys.argv[1]]()}))
