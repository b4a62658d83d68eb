"""The seed CNN (Conv2D 32 5x5 relu, MaxPooling2D, Conv2D 64 5x5 relu, MaxPooling2D, Flatten,
Dense 1024 relu, Dense 10 softmax), Adam, batch 100, float32, on the bundled MNIST digits:
training samples/s.

Cases: kfront on each backend (``fit``), a hand-written PyTorch CPU loop of the same model (the
reference), and real Keras 3 on each of its backends that is installed.
"""
from __future__ import annotations

import json
import os
import sys
import time

TITLE = "Seed CNN 2x(conv5x5+maxpool)+Dense1024, Adam, batch 100"
BATCH, EPOCHS = 100, 2


def _data():
    import numpy as np
    bundle = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "kfront", "datasets", "data", "mnist_5k.npz")
    with np.load(bundle) as f:
        x, y = f["x_train"], f["y_train"]
    x = x.reshape(-1, 28, 28, 1).astype("float32") / 255
    return x, np.eye(10, dtype="float32")[y]


def _timed_epochs(run_epoch, n):
    run_epoch()  # warm-up epoch (compilation, allocation)
    t = time.perf_counter()
    for _ in range(EPOCHS):
        run_epoch()
    return n * EPOCHS / (time.perf_counter() - t)


def _model(lib):
    L = lib.layers
    return lib.Sequential([L.Input((28, 28, 1)), L.Conv2D(32, 5, activation="relu"),
                           L.MaxPooling2D(), L.Conv2D(64, 5, activation="relu"), L.MaxPooling2D(),
                           L.Flatten(), L.Dense(1024, activation="relu"),
                           L.Dense(10, activation="softmax")])


def _fit(lib, x, y):
    model = _model(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    return _timed_epochs(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), len(x))


def kfront_fit(backend):
    os.environ["KFRONT_BACKEND"] = backend
    import kfront
    return _fit(kfront, *_data())


def keras_fit(backend):
    os.environ["KERAS_BACKEND"] = backend
    import keras
    return _fit(keras, *_data())


def torch_handwritten():
    """The same model as a plain PyTorch CPU training loop (NCHW, torch.optim.Adam)."""
    import torch
    from torch import nn
    x, y = _data()
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    yt = torch.from_numpy(y.argmax(1))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 1024),
                          nn.ReLU(), nn.Linear(1024, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(len(xt))
        for s in range(0, len(xt), BATCH):
            idx = perm[s:s + BATCH]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()

    return _timed_epochs(epoch, len(x))


CASES = {
    "kfront-numpy": lambda: kfront_fit("numpy"),
    "kfront-torch": lambda: kfront_fit("torch"),
    "kfront-tensorflow": lambda: kfront_fit("tensorflow"),
    "kfront-jax": lambda: kfront_fit("jax"),
    "torch-handwritten": torch_handwritten,
    "keras-tensorflow": lambda: keras_fit("tensorflow"),
    "keras-torch": lambda: keras_fit("torch"),
    "keras-jax": lambda: keras_fit("jax"),
}
REFERENCE = "torch-handwritten"
RATIOS = [("kfront-numpy", "torch-handwritten", 0.5),
          ("kfront-numpy", "keras-tensorflow", 1.0),
          ("kfront-numpy", "keras-torch", 1.0),
          ("kfront-numpy", "keras-jax", 1.0)]

if __name__ == "__main__":
    print(json.dumps({"case": sys.argv[1], "samples_per_s": CASES[sys.argv[1]]()}))
