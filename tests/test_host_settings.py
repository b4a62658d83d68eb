"""The host-process settings kfront changes (malloc, OpenBLAS's threads, its own worker
threads): ``kfront.config.host_settings()`` reports them, and ``KFRONT_HOST_TUNING=0`` or
``kfront.config.disable_host_tuning()`` turns them all off. Settings are per process, so each
case runs in a fresh one; a spy on ``ctypes.CDLL`` records every C function kfront looks up
(``mallopt``, OpenBLAS's ``set_num_threads``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import kfront

_CODE = """
import ctypes, json, threading
import numpy as np

def openblas_threads():
    libs = [Real(p) for p in {l.split()[-1] for l in open("/proc/self/maps")
                              if "openblas" in l.lower()}]
    names = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads")
    return [f() for lib in libs for n in names if (f := getattr(lib, n, None))]
Real, looked_up = ctypes.CDLL, []

class Spy(ctypes.CDLL):
    def __getattr__(self, name):
        looked_up.append(name)
        return super().__getattr__(name)
ctypes.CDLL = Spy
before = openblas_threads()
import kfront
from kfront import layers as L

def train():
    model = kfront.Sequential([L.Input((6, 6, 3)), L.Conv2D(64, 3), L.Flatten(), L.Dense(256),
                               L.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    return float(model.train_on_batch(rng.normal(size=(300, 6, 6, 3)).astype("float32"),
                                      rng.normal(size=(300, 4)).astype("float32")))
def state():
    return {"loss": train(), "settings": kfront.config.host_settings(),
            "looked_up": [n for n in looked_up if "mallopt" in n or "set_num_threads" in n],
            "openblas": openblas_threads(),
            "pool": [t.name for t in threading.enumerate() if t.name.startswith("kfront")]}
out = {"openblas_before": before, "trained": state()}
kfront.config.disable_host_tuning()
out["disabled"] = state()
print(json.dumps(out))
"""
_CASES = {"default": {}, "off": {"KFRONT_HOST_TUNING": "0"}}
_CHANGED = ("malloc", "openblas_threads", "worker_threads")


def _openblas() -> bool:
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return "openblas" in config.get("name", "").lower()


@pytest.fixture(scope="module")
def runs():
    if not sys.platform.startswith("linux") or not _openblas():
        pytest.skip("glibc's mallopt and OpenBLAS found in /proc/self/maps: Linux only")
    base = {k: v for k, v in os.environ.items() if not k.startswith("KFRONT_")}
    # (KFRONT_NUM_THREADS=2 in both cases: the switch overrides it)
    base.update(KFRONT_BACKEND="numpy", KFRONT_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")
    procs = {name: subprocess.Popen([sys.executable, "-c", _CODE], env={**base, **env},
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, env in _CASES.items()}
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}: {err[-3000:]}"
        done[name] = json.loads(out)
    return done


def test_default_reports_what_kfront_changed(runs):
    run = runs["default"]["trained"]
    settings = run["settings"]
    assert sorted(settings) == sorted(_CHANGED)
    assert all(settings[name]["changed"] for name in _CHANGED), settings
    assert "KFRONT_HOST_TUNING=0" in settings["malloc"]["off"]
    assert "KFRONT_KEEP_FREED_MEMORY=0" in settings["malloc"]["off"]
    assert "KFRONT_NUM_THREADS=1" in settings["worker_threads"]["off"]
    before = runs["default"]["openblas_before"]
    assert f"it had {before[0]}" in settings["openblas_threads"]["value"]
    assert "mallopt" in run["looked_up"] and any("set_num" in n for n in run["looked_up"])
    assert run["openblas"] == [1] and run["pool"]  # pinned; the pool started


def test_switch_off_changes_nothing(runs):
    for run in runs["off"]["trained"], runs["off"]["disabled"]:  # (disabling again: a no-op)
        assert not any(s["changed"] for s in run["settings"].values()), run["settings"]
        assert run["looked_up"] == []  # no mallopt, no openblas_set_num_threads
        assert run["openblas"] == runs["off"]["openblas_before"] and run["pool"] == []
        assert np.isfinite(run["loss"])
    # (tests/test_thread_determinism.py: switched off, training gives the one-thread bits)


def test_disable_undoes_the_changes(runs):
    run = runs["default"]["disabled"]
    after = run["settings"]
    assert not after["openblas_threads"]["changed"] and not after["worker_threads"]["changed"]
    assert "default thresholds set again" in after["malloc"]["value"]
    assert run["openblas"] == runs["default"]["openblas_before"]  # given back
    assert run["pool"] == [] and np.isfinite(run["loss"])  # the pool stopped; training goes on


def test_settings_read_in_this_process():
    settings = kfront.config.host_settings()
    assert sorted(settings) == sorted(_CHANGED)
    for entry in settings.values():
        assert sorted(entry) == ["changed", "off", "value"]
        assert isinstance(entry["changed"], bool) and "KFRONT_HOST_TUNING=0" in entry["off"]


def test_the_switch_reads_its_environment_variable(monkeypatch):
    from kfront.backends.common import host
    for value, enabled in [("0", False), ("off", False), ("False", False), ("1", True),
                           ("", True), ("yes", True)]:
        monkeypatch.setenv("KFRONT_HOST_TUNING", value)
        assert host._from_environment() is enabled, value
    monkeypatch.setenv("KFRONT_HOST_TUNING", "maybe")
    with pytest.raises(ValueError, match="KFRONT_HOST_TUNING must be 0 .* got 'maybe'"):
        host._from_environment()
