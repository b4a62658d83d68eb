"""int8 quantization on the native engine: the seed MLP (784-256-256-10) and the seed CNN
trained briefly on the bundled digits, then ``predict`` on the 1,000 test digits in float32 and
after ``model.quantize("int8")`` (Keras quantizes the Dense layers only; the CNN's convolutions
stay float32). Metric: inference samples/s; extra: test accuracy and, for the int8 cases, its
drop from the same model's float32 accuracy in points.
Targets: int8 inference faster than float32 (ratio > 1), accuracy within 1 point.
Run with ``python benchmarks/run.py quantize``; ``KFRONT_BENCH_TINY=1`` shrinks training and
timing to a smoke run.
"""
from __future__ import annotations

import os
import time

from common import ROOT, main

TITLE = "int8 vs float32 inference on the native engine, predict batch 250"
UNIT = "inference samples/s"
EXTRAS = {"accuracy": "acc {:.4f}", "accuracy_drop_points": "drop {:.2f} pts"}
TINY = os.environ.get("KFRONT_BENCH_TINY") == "1"
BATCH = 250


def _data(flat: bool):
    import numpy as np
    with np.load(os.path.join(ROOT, "kfront", "datasets", "data", "mnist_5k.npz")) as f:
        x, y, xt, yt = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    x, xt = (a.astype("float32").reshape(shape) / 255 for a in (x, xt))
    return x, np.eye(10, dtype="float32")[y], xt, yt


def _build(model_name: str):
    import kfront
    from kfront import layers as L
    if model_name == "mlp":
        return kfront.Sequential([L.Input((784,)), L.Dense(256, activation="relu"),
                                  L.Dense(256, activation="relu"),
                                  L.Dense(10, activation="softmax")])
    return kfront.Sequential([L.Input((28, 28, 1)), L.Conv2D(32, 5, activation="relu"),
                              L.MaxPooling2D(), L.Conv2D(64, 5, activation="relu"),
                              L.MaxPooling2D(), L.Flatten(), L.Dense(1024, activation="relu"),
                              L.Dense(10, activation="softmax")])


def run(model_name: str, int8: bool) -> dict:
    os.environ["KFRONT_BACKEND"] = "numpy"
    import numpy as np
    import kfront
    kfront.utils.set_random_seed(0)
    x, y, xt, yt = _data(model_name == "mlp")
    model = _build(model_name)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    n = 500 if TINY else len(x)
    model.fit(x[:n], y[:n], batch_size=100, epochs=1 if TINY else 2, verbose=0)

    def accuracy():
        return float(np.mean(np.argmax(model.predict(xt, batch_size=BATCH, verbose=0), -1)
                             == yt))
    out = {"accuracy": accuracy()}
    if int8:
        float_accuracy = out["accuracy"]
        model.quantize("int8")
        out["accuracy"] = accuracy()
        out["accuracy_drop_points"] = 100 * (float_accuracy - out["accuracy"])
    model.predict(xt[:BATCH], batch_size=BATCH, verbose=0)  # warm-up
    repeats = 1 if TINY else 5
    t = time.perf_counter()
    for _ in range(repeats):
        model.predict(xt, batch_size=BATCH, verbose=0)
    out["samples_per_s"] = repeats * len(xt) / (time.perf_counter() - t)
    return out


CASES = {f"{m}-{d}": (lambda m=m, d=d: run(m, d == "int8"))
         for m in ("mlp", "cnn") for d in ("float32", "int8")}
RATIOS = [("mlp-int8", "mlp-float32", 1.0), ("cnn-int8", "cnn-float32", 1.0)]
LIMITS = [("mlp-int8", "accuracy_drop_points", 1.0), ("cnn-int8", "accuracy_drop_points", 1.0)]

if __name__ == "__main__":
    main(CASES)
