"""Small models and inference, kfront against real Keras 3 on the same backend.

Each ``<library>-<backend>`` case is one fresh process measuring, in this order:

- ``fit_step_us``: microseconds per ``fit`` step of the tiny model of ``overhead.py`` (Dense
  8->8, batch 8, SGD, MSE), where compute is negligible and the framework's overhead shows;
- ``predict_samples_per_s``: ``predict`` of ``PREDICT_SAMPLES`` samples at batch 32 on a small
  MLP (32-64-64-10), the median of ``PREDICT_CALLS`` calls after a warm-up call;
- ``predict_on_batch_us``: the median latency of ``predict_on_batch`` on one batch of 32 of that
  MLP over ``LATENCY_CALLS`` calls after a warm-up (lower is better).

Keras 3's numpy backend has no trainer: ``keras-numpy`` measures only the two predictions, and
kfront-numpy's ``fit`` is compared with ``numpy-handwritten`` (``overhead.py``'s hand-written
NumPy SGD loop of the tiny model). Run with ``python benchmarks/run.py inference``.
"""
from __future__ import annotations

import os
import statistics
import time

import overhead
from common import main, quick

TITLE = ("Small models: fit per-step overhead (Dense 8->8, batch 8), predict and "
         "predict_on_batch (MLP 32-64-64-10, batch 32)")
METRIC, UNIT = "predict_samples_per_s", "predict samples/s"
EXTRAS = {"fit_step_us": "fit {:,.0f} µs/step",
          "predict_on_batch_us": "predict_on_batch {:,.0f} µs"}
BACKENDS = ("numpy", "torch", "tensorflow", "jax")
BATCH = 32
PREDICT_SAMPLES, PREDICT_CALLS = quick(10_000, 640), quick(3, 1)
LATENCY_CALLS = quick(300, 30)


def _mlp(lib):
    L = lib.layers
    return lib.Sequential([L.Input((32,)), L.Dense(64, activation="relu"),
                           L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])


def _median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def case(lib_name: str, backend: str) -> dict:
    """The three measurements of ``lib_name`` (kfront or keras) on ``backend``."""
    import numpy as np
    os.environ["KFRONT_BACKEND" if lib_name == "kfront" else "KERAS_BACKEND"] = backend
    result = {}
    if not (lib_name == "keras" and backend == "numpy"):
        rate = overhead.tiny_fit(lib_name, backend)["samples_per_s"]
        result["fit_step_us"] = 1e6 * overhead.BATCH / rate
    model = _mlp(__import__(lib_name))
    x = np.random.default_rng(0).normal(size=(PREDICT_SAMPLES, 32)).astype("float32")
    predict = lambda: model.predict(x, batch_size=BATCH, verbose=0)  # noqa: E731
    predict()  # warm-up: compilation, the partial last batch
    result["predict_samples_per_s"] = len(x) / _median_seconds(predict, PREDICT_CALLS)
    batch = x[:BATCH]
    for _ in range(3):
        model.predict_on_batch(batch)
    result["predict_on_batch_us"] = 1e6 * _median_seconds(lambda: model.predict_on_batch(batch),
                                                          LATENCY_CALLS)
    return result


def numpy_handwritten() -> dict:
    """``overhead.py``'s hand-written NumPy loop of the tiny model, as microseconds per step."""
    return {"fit_step_us": 1e6 * overhead.BATCH / overhead.numpy_handwritten()["samples_per_s"]}


CASES = {**{f"{lib}-{b}": (lambda lib=lib, b=b: case(lib, b))
            for b in BACKENDS for lib in ("kfront", "keras")},
         "numpy-handwritten": numpy_handwritten}
# Keras has no numpy trainer: kfront-numpy's fit step is shown against the hand-written loop of
# a few NumPy calls (framework overhead made visible), without a target
RATIOS = [("kfront-numpy", "numpy-handwritten", None, "fit_step_us"),
          *((f"kfront-{b}", f"keras-{b}", 1.0, "fit_step_us") for b in BACKENDS[1:]),
          *((f"kfront-{b}", f"keras-{b}", 1.0, key) for b in BACKENDS
            for key in ("predict_samples_per_s", "predict_on_batch_us"))]

if __name__ == "__main__":
    main(CASES)
