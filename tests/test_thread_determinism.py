"""Training results do not depend on the native engine's thread count beyond float32 rounding.

What differs between thread counts, measured on the seed MLP and CNN (RMSprop and Adam):
the threaded elementwise kernels (im2col/col2im, pooling, the optimizer updates) give the same
bits on any number of threads (their pieces depend on the work only, never share an output
element); kfront's GEMM splits gave the bits of the whole product on these shapes on an Intel
CPU (on an AVX-512 AMD EPYC OpenBLAS's sgemm picks its kernel by size: a split may round apart,
notes/CONTRACTS.md). The whole-model
runs drift apart through OpenBLAS: ``KFRONT_NUM_THREADS=1`` leaves OpenBLAS on its own threads,
and its threaded driver blocks the contracted axis differently from its one-thread driver when
K is not a multiple of 32 (the MLP's first layer, K = 784), so that layer rounds differently at
every step and training carries the difference on. So the whole-model check is a tolerance
taken from a float64 run: every float32 run must be about as close to it as the one-thread run.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import kfront
from kfront import layers as L

_TRAIN = """
import sys
import numpy as np
import kfront
from kfront import layers as L
floatx, out = sys.argv[1], sys.argv[2]
kfront.config.set_floatx(floatx)
models = {"mlp": (lambda: [L.Input((784,)), L.Dense(256, activation="relu"),
                           L.Dense(256, activation="relu"), L.Dense(10, activation="softmax")],
                  (100, 784)),
          "cnn": (lambda: [L.Input((28, 28, 1)), L.Conv2D(32, 5, activation="relu"),
                           L.MaxPooling2D(), L.Conv2D(64, 5, activation="relu"),
                           L.MaxPooling2D(), L.Flatten(), L.Dense(1024, activation="relu"),
                           L.Dense(10, activation="softmax")], (16, 28, 28, 1))}
weights = {}
for opt in ("rmsprop", "adam"):
    for name, (layers, shape) in models.items():
        model = kfront.Sequential(layers())
        rng = np.random.default_rng(1)
        model.set_weights([rng.normal(scale=0.05, size=w.shape).astype(floatx)
                           for w in model.get_weights()])
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
        for _ in range(STEPS):
            model.train_on_batch(rng.uniform(size=shape).astype(floatx),
                                 rng.integers(0, 10, shape[0]))
        weights.update({f"{name} {opt} {i}": w for i, w in enumerate(model.get_weights())})
np.savez(out, **weights)
"""
_STEPS = 4
_RUNS = {"1 thread": ("float32", {"KFRONT_NUM_THREADS": "1"}),
         "2 threads": ("float32", {"KFRONT_NUM_THREADS": "2"}),
         "4 threads": ("float32", {"KFRONT_NUM_THREADS": "4"}),
         "host tuning off": ("float32", {"KFRONT_HOST_TUNING": "0", "KFRONT_NUM_THREADS": "4"}),
         "float64": ("float64", {})}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Each run's weights after ``_STEPS`` steps, from fresh processes run side by side."""
    folder = tmp_path_factory.mktemp("threads")
    code = _TRAIN.replace("STEPS", str(_STEPS))
    base = {k: v for k, v in os.environ.items()
            if k not in ("KFRONT_NUM_THREADS", "KFRONT_HOST_TUNING", "KFRONT_BACKEND")}
    procs = {name: subprocess.Popen(
        [sys.executable, "-c", code, floatx, str(folder / f"{i}.npz")],
        env={**base, **env, "KFRONT_BACKEND": "numpy"}, stderr=subprocess.PIPE, text=True)
        for i, (name, (floatx, env)) in enumerate(_RUNS.items())}
    for name, proc in procs.items():
        err = proc.communicate(timeout=300)[1]  # (a deadlock fails here)
        assert proc.returncode == 0, f"{name}: {err[-3000:]}"
    return {name: dict(np.load(folder / f"{i}.npz")) for i, name in enumerate(_RUNS)}


def test_weights_agree_across_thread_counts_to_float32_rounding(trained):
    exact = trained["float64"]
    ulp = 2.0 ** -23
    for key, w64 in exact.items():
        scale = np.abs(w64).max()

        def error(run):  # distance from the float64 run, relative to the largest weight
            return np.abs(trained[run][key].astype("float64") - w64).max() / scale
        one = error("1 thread")
        assert one < 1e-4, (key, one)  # float32 rounding, carried over a few steps
        for run in ("2 threads", "4 threads"):
            assert error(run) <= 3 * one + 2 * ulp, (key, run, error(run), one)


def test_host_tuning_off_gives_the_one_thread_bits(trained):
    """Switched off, kfront runs its kernels on one thread and leaves OpenBLAS alone: the same
    process settings as ``KFRONT_NUM_THREADS=1`` but for malloc, which changes no result."""
    for key, w in trained["1 thread"].items():
        np.testing.assert_array_equal(trained["host tuning off"][key], w, err_msg=key)


@pytest.mark.skipif(kfront.config.backend() != "numpy", reason="native-engine kernels")
def test_threaded_kernels_keep_a_models_bits(monkeypatch):
    """All the kernels but the GEMMs (which stay whole here) split into many pieces on four
    threads: a CNN and an MLP trained with RMSprop and Adam keep the one-thread bits."""
    from kfront.backends.numpy import blas, threads

    def train():
        rng = np.random.default_rng(0)
        weights = []
        for opt in ("rmsprop", "adam"):
            model = kfront.Sequential([
                L.Input((10, 10, 2)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
                L.Conv2D(6, 2, padding="same", activation="relu"),
                L.AveragePooling2D(3, strides=1), L.Flatten(), L.Dense(16, activation="relu"),
                L.Dense(3, activation="softmax")])
            model.set_weights([rng.normal(scale=0.3, size=w.shape).astype("float32")
                               for w in model.get_weights()])
            model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
            for _ in range(3):
                model.train_on_batch(rng.normal(size=(12, 10, 10, 2)).astype("float32"),
                                     rng.integers(0, 3, 12))
            weights += model.get_weights()
        return weights
    monkeypatch.setitem(blas._state, "pinned", False)  # whole GEMMs: a @ b
    monkeypatch.setitem(threads._pool, "n", 1)
    one = train()
    monkeypatch.setitem(threads._pool, "n", 4)
    monkeypatch.setattr(threads, "_MIN_WORK", 64)
    monkeypatch.setattr(threads, "_PIECE_WORK", 128)
    many = train()
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(kfront.config.backend() != "numpy", reason="native-engine GEMMs")
def test_a_gemm_gives_the_same_bits_before_and_after_its_plan_settles(monkeypatch):
    """A product's first calls time the whole product against the split one; the split may
    only be dropped later if it rounds like the whole product. A zero (or small-integer) first
    operand sums exactly either way, so that is checked on random numbers: the results of
    every call, during the trials and after, are the same bits."""
    from kfront.backends.numpy import blas, threads
    monkeypatch.setitem(blas._state, "pinned", True)
    monkeypatch.setitem(threads._pool, "n", 4)
    monkeypatch.setattr(blas, "_plans", {})
    rng = np.random.default_rng(0)
    for m, k, n in [(8, 781, 496), (100, 784, 256), (300, 70, 130)]:
        b = rng.normal(size=(k, n)).astype("float32")
        blas.gemm(np.zeros((m, k), "float32"), b)  # e.g. a zero-initialized LoRA factor
        a = rng.normal(size=(m, k)).astype("float32")
        first = blas.gemm(a, b)
        for _ in range(threads.WARMUP + threads.MAX_TRIALS + 1):
            np.testing.assert_array_equal(blas.gemm(a, b), first, err_msg=str((m, k, n)))
