"""Shared pieces of the benchmark suites: timing, the bundled digits, suite entry point.

``KFRONT_BENCH_QUICK=1`` shrinks the data and epochs of the suites that read ``quick`` (mlp,
cnn, lstm, overhead, inference): a smoke run that checks every case runs, not a measurement.
"""
from __future__ import annotations

import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("KFRONT_BENCH_QUICK") == "1"


def quick(full, small):
    """``small`` under ``KFRONT_BENCH_QUICK=1``, else ``full``."""
    return small if QUICK else full


def digits(flat: bool = True, repeat: int = 1):
    """The bundled 4,000 training digits (float32 in [0, 1]) and one-hot labels."""
    import numpy as np
    with np.load(os.path.join(ROOT, "kfront", "datasets", "data", "mnist_5k.npz")) as f:
        x, y = f["x_train"], f["y_train"]
    x = x.astype("float32") / 255
    x = x.reshape(len(x), -1) if flat else x[..., None]
    x = np.tile(x, (repeat,) + (1,) * (x.ndim - 1))
    return x, np.eye(10, dtype="float32")[np.tile(y, repeat)]


def timed(run_epoch, samples: int, epochs: int, first_step=None) -> dict:
    """Samples/s over ``epochs`` epochs after one warm-up epoch. ``first_step``, when given, is
    timed alone first: on compiled backends that is the compile time, reported separately."""
    extra = {}
    if first_step is not None:
        t = time.perf_counter()
        first_step()
        extra["first_step_s"] = time.perf_counter() - t
    run_epoch()
    t = time.perf_counter()
    for _ in range(epochs):
        run_epoch()
    return {"samples_per_s": samples * epochs / (time.perf_counter() - t), **extra}


def fit_case(lib_name: str, backend: str, build, x, y, batch: int, epochs: int,
             loss: str = "categorical_crossentropy") -> dict:
    """``fit`` throughput of ``build(lib)`` (Adam, ``loss``, accuracy) on kfront or Keras 3
    with ``backend``."""
    os.environ["KFRONT_BACKEND" if lib_name == "kfront" else "KERAS_BACKEND"] = backend
    lib = __import__(lib_name)
    model = build(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss=loss, metrics=["acc"])
    return timed(lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0), len(x), epochs,
                 first_step=lambda: model.train_on_batch(x[:batch], y[:batch]))


def first_step_ratios(backends=("jax", "tensorflow")) -> list:
    """``RATIOS`` entries for the time to first step (the compile time on compiled backends):
    kfront no slower than Keras 3 on the same backend (Keras / kfront >= 1.0)."""
    return [(f"kfront-{b}", f"keras-{b}", 1.0, "first_step_s") for b in backends]


def library_cases(fit, backends=("numpy", "torch", "tensorflow", "jax")) -> dict:
    """``kfront-<backend>`` for every backend and ``keras-<backend>`` beside it (Keras 3 has no
    training numpy backend): case name -> ``fit(library, backend)``."""
    cases = {}
    for b in backends:
        cases[f"kfront-{b}"] = lambda b=b: fit("kfront", b)
        if b != "numpy":
            cases[f"keras-{b}"] = lambda b=b: fit("keras", b)
    return cases


def main(cases: dict) -> None:
    """``python benchmarks/<suite>.py CASE``: run one case, print its result as JSON."""
    result = cases[sys.argv[1]]()
    result = result if isinstance(result, dict) else {"samples_per_s": result}
    print(json.dumps({"case": sys.argv[1], **result}))
