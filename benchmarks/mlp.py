"""MLP 784-256-256-10, Adam, batch 100, float32, on the bundled MNIST digits: training samples/s.

Cases: kfront's native engine (``fit``), a hand-written NumPy forward/backward/Adam loop of the
same model, and real Keras 3 on each of its backends that is installed (for reference).
"""
from __future__ import annotations

import json
import os
import sys
import time

TITLE = "MLP 784-256-256-10, Adam, batch 100"
BATCH, EPOCHS = 100, 3
REPEAT_DATA = 3  # 12,000 samples per epoch (the 4,000 bundled digits three times)


def _data():
    import numpy as np
    bundle = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "kfront", "datasets", "data", "mnist_5k.npz")
    with np.load(bundle) as f:
        x, y = f["x_train"], f["y_train"]
    x = np.tile(x.reshape(-1, 784).astype("float32") / 255, (REPEAT_DATA, 1))
    y = np.eye(10, dtype="float32")[np.tile(y, REPEAT_DATA)]
    return x, y


def _timed_epochs(run_epoch, n):
    run_epoch()  # warm-up epoch (compilation, allocation)
    t = time.perf_counter()
    for _ in range(EPOCHS):
        run_epoch()
    return n * EPOCHS / (time.perf_counter() - t)


def kfront_fit(backend):
    os.environ["KFRONT_BACKEND"] = backend
    import kfront
    from kfront import layers
    x, y = _data()
    model = kfront.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                               layers.Dense(256, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    model.compile(optimizer=kfront.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    return _timed_epochs(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), len(x))


def keras_fit(backend):
    os.environ["KERAS_BACKEND"] = backend
    import keras
    from keras import layers
    x, y = _data()
    model = keras.Sequential([keras.Input((784,)), layers.Dense(256, activation="relu"),
                              layers.Dense(256, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    return _timed_epochs(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), len(x))


def numpy_handwritten():
    """Forward, backward and Adam written out by hand with in-place NumPy ops."""
    import numpy as np
    x, y = _data()
    rng = np.random.default_rng(0)
    sizes = [(784, 256), (256, 256), (256, 10)]
    params = []
    for fan_in, fan_out in sizes:
        lim = np.sqrt(6 / (fan_in + fan_out))
        params += [rng.uniform(-lim, lim, (fan_in, fan_out)).astype("float32"),
                   np.zeros(fan_out, "float32")]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    state = {"t": 0}
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7

    def step(xb, yb):
        W1, c1, W2, c2, W3, c3 = params
        h1 = xb @ W1; h1 += c1; np.maximum(h1, 0, out=h1)
        h2 = h1 @ W2; h2 += c2; np.maximum(h2, 0, out=h2)
        z = h2 @ W3; z += c3
        z -= z.max(1, keepdims=True); np.exp(z, out=z); z /= z.sum(1, keepdims=True)
        dz = (z - yb) / len(xb)
        grads = [None] * 6
        grads[4], grads[5] = h2.T @ dz, dz.sum(0)
        dh = dz @ W3.T; dh *= h2 > 0
        grads[2], grads[3] = h1.T @ dh, dh.sum(0)
        dh = dh @ W2.T; dh *= h1 > 0
        grads[0], grads[1] = xb.T @ dh, dh.sum(0)
        state["t"] += 1
        t = state["t"]
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for p, g, mi, vi in zip(params, grads, m, v):
            mi += (g - mi) * (1 - b1)
            vi += (g * g - vi) * (1 - b2)
            p -= alpha * mi / (np.sqrt(vi) + eps)

    def epoch():
        perm = rng.permutation(len(x))
        for s in range(0, len(x), BATCH):
            idx = perm[s:s + BATCH]
            step(x[idx], y[idx])

    return _timed_epochs(epoch, len(x))


CASES = {
    "kfront-numpy": lambda: kfront_fit("numpy"),
    "numpy-handwritten": numpy_handwritten,
    "keras-tensorflow": lambda: keras_fit("tensorflow"),
    "keras-torch": lambda: keras_fit("torch"),
    "keras-jax": lambda: keras_fit("jax"),
}
REFERENCE = "numpy-handwritten"
RATIOS = [("kfront-numpy", "numpy-handwritten", 0.85)]

if __name__ == "__main__":
    print(json.dumps({"case": sys.argv[1], "samples_per_s": CASES[sys.argv[1]]()}))
