"""Durability: training resumed from a file equals an uninterrupted run (in a fresh process, on
every backend and across backends), a save killed with SIGKILL leaves the previous file
loadable, and a fit killed mid-epoch resumes with BackupAndRestore to the same weights.

The processes run ``resume_worker.py``; the model and data are shared with it.
"""
from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import kfront
from conformance.support import BACKENDS, activate, require

from . import resume_worker as worker

WORKER = pathlib.Path(worker.__file__)
ROOT = WORKER.parents[2]
#: saved on one backend, resumed on the next
CROSS = list(zip(BACKENDS, BACKENDS[1:] + BACKENDS[:1]))


def _env(backend: str = "numpy") -> dict:
    env = dict(os.environ, KFRONT_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run_worker(command: str, args, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, str(WORKER), command, json.dumps(args)], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _start_worker(command: str, args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), command, json.dumps(args)], cwd=ROOT,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _weights(path) -> tuple[list, int]:
    with np.load(path) as f:
        n = len([k for k in f.files if k.startswith("w")])
        return [f[f"w{i}"] for i in range(n)], int(f["iterations"])


def _available(backends) -> list:
    import importlib.util
    from kfront import backends as kb
    return [b for b in backends if importlib.util.find_spec(kb._FRAMEWORKS[b][0]) is not None]


# ------------------------------------------------------------------------ exact resume
@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """On each backend: an uninterrupted run of ``EPOCHS`` epochs, and a run of half of them
    saved as ``.keras``; then ONE fresh process resumes every file on its own backend and on
    the next backend (``CROSS``) and fits on. Returns ``{(saved_on, resumed_on): (weights,
    iterations)}`` and ``{backend: (uninterrupted weights, iterations)}``."""
    folder = tmp_path_factory.mktemp("resume")
    available = _available(BACKENDS)
    reference, jobs = {}, []
    try:
        for backend in available:
            activate(backend)
            full = worker.model()
            worker.fit(full)
            reference[backend] = ([np.array(w) for w in full.get_weights()],
                                  int(full.optimizer.iterations.numpy()))
            half = worker.model()
            worker.fit(half, epochs=worker.EPOCHS // 2)
            half.save(str(folder / f"{backend}.keras"))
    finally:
        kfront.config.set_backend("numpy")
    pairs = [(b, b) for b in available] + [(a, b) for a, b in CROSS
                                           if a in available and b in available]
    for saved_on, resumed_on in pairs:
        jobs.append({"backend": resumed_on, "path": str(folder / f"{saved_on}.keras"),
                     "out": str(folder / f"{saved_on}-{resumed_on}.npz")})
    _run_worker("resume", jobs, timeout=600)
    results = {(a, b): _weights(folder / f"{a}-{b}.npz") for a, b in pairs}
    return results, reference


@pytest.mark.parametrize("name", BACKENDS)
def test_resume_from_keras_file_is_exact(resumed, name):
    """fit with Adam, save, load in a fresh process, fit on: the weights of one uninterrupted
    run, to 1e-6 (BatchNormalization's moving statistics and Adam's slots included)."""
    require(name)
    results, reference = resumed
    weights, iterations = results[(name, name)]
    ref_weights, ref_iterations = reference[name]
    assert iterations == ref_iterations == worker.EPOCHS * 4
    assert len(weights) == len(ref_weights) == 8
    for got, want in zip(weights, ref_weights):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("saved_on, resumed_on", CROSS)
def test_resume_on_another_backend(resumed, saved_on, resumed_on):
    require(saved_on)
    require(resumed_on)
    results, reference = resumed
    weights, iterations = results[(saved_on, resumed_on)]
    ref_weights, ref_iterations = reference[saved_on]
    assert iterations == ref_iterations
    for got, want in zip(weights, ref_weights):
        # float32 rounding of each backend's kernels (measured: under 2e-7)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------ SIGKILL a save
def test_save_killed_with_sigkill_leaves_a_whole_file(tmp_path):
    """A process saving an 8 MB model again and again (``.keras`` and ``.weights.h5``) is
    killed at random points (4 kills, more until one lands inside a save): each file always
    loads, whole, as one of the saves that completed (or the one in flight, if its rename was
    done)."""
    from kfront import layers
    rng = random.Random(12)
    model = kfront.Sequential([layers.Input((512,)), layers.Dense(2048), layers.Dense(512)])
    in_flight = 0  # kills that landed inside a save (its temporary file is left behind)
    for kill in range(8):
        if kill >= 4 and in_flight:
            break
        leftovers = _temporary_files(tmp_path)
        proc = _start_worker("save_loop", {"folder": str(tmp_path)})
        try:
            first = proc.stdout.readline()  # the first save of this process is done
            assert first.startswith("saved"), proc.stderr.read()[-3000:]
            time.sleep(rng.uniform(0.0, 0.6))
        finally:
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate()
        lines = [first] + out.splitlines()
        saved = int(lines[-1].split()[1])
        assert proc.returncode == -signal.SIGKILL
        loaded = kfront.saving.load_model(str(tmp_path / "m.keras"))
        model.load_weights(str(tmp_path / "m.weights.h5"))
        for m, ext in ((loaded, "keras"), (model, "weights.h5")):
            values = {float(v) for w in m.get_weights() for v in np.unique(w)}
            assert len(values) == 1, f"m.{ext} mixes saves after kill {kill}: {values}"
            # each process counts its saves from 1: the file is its last save or the next one
            assert values.pop() in (saved, saved + 1), (ext, saved)
        in_flight += _temporary_files(tmp_path) > leftovers
    assert in_flight, "no kill landed inside a save: the test did not test atomicity"


def _temporary_files(folder) -> int:
    return len([name for name in os.listdir(folder) if name not in ("m.keras", "m.weights.h5")])


# --------------------------------------------------------------- SIGKILL a fit mid-epoch
def _uninterrupted_numpy():
    m = worker.model()
    worker.fit(m)
    return m.get_weights()


def test_fit_killed_mid_epoch_resumes_with_backup_and_restore(tmp_path):
    """The process SIGKILLs itself after batch 7 (of 16; backups every 3 batches, so the last
    is after batch 6, mid-epoch 2); a second process restores it and finishes: the weights
    of the uninterrupted run."""
    backup = str(tmp_path / "backup")
    out = str(tmp_path / "final.npz")
    proc = _start_worker("fit", {"backup": backup, "save_freq": 3, "seed": 5, "kill_at": 7})
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, stderr[-3000:]
    assert stdout.split()[-1] == "7"
    meta = json.loads(pathlib.Path(backup, "training_metadata.json").read_text())
    assert (meta["epoch"], meta["step"]) == (1, 2)  # 6 batches = epoch 0 (4) + 2 of epoch 1
    resumed = _run_worker("fit", {"backup": backup, "save_freq": 3, "seed": 11, "out": out})
    assert resumed.split()[-1] == "10"  # 16 - 6: the 6 backed-up batches are not run again
    assert not os.path.exists(backup)
    weights, iterations = _weights(out)
    assert iterations == 16
    for got, want in zip(weights, _uninterrupted_numpy()):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_fit_killed_at_random_points_resumes_exactly(tmp_path):
    """Killed from outside at random moments, most of them inside a backup (one per batch):
    every restart resumes from a whole backup, and the last one ends as the uninterrupted
    run."""
    backup = str(tmp_path / "backup")
    out = str(tmp_path / "final.npz")
    rng = random.Random(7)
    for seed in (5, 11):  # the first process starts as the uninterrupted run
        proc = _start_worker("fit", {"backup": backup, "save_freq": 1, "seed": seed})
        try:
            assert proc.stdout.readline().startswith("batch"), proc.stderr.read()[-3000:]
            time.sleep(rng.uniform(0.0, 0.05))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
        if not os.path.exists(backup):  # finished before the kill: nothing to resume
            break
    _run_worker("fit", {"backup": backup, "save_freq": 1, "seed": 13, "out": out})
    weights, iterations = _weights(out)
    assert iterations == 16
    for got, want in zip(weights, _uninterrupted_numpy()):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
