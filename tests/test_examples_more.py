"""The seed lectures' example scripts run in smoke mode on every backend (one subprocess per
backend, started together, each running every script as ``__main__`` with ``--smoke``)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

BACKENDS = ("numpy", "torch", "jax", "tensorflow")
SCRIPTS = {
    "seed_mlp_styles.py": ["sequential: test accuracy", "functional: test accuracy",
                           "subclassing: test accuracy"],
    "seed_cnn.py": ["test accuracy"],
    "seed_rnns.py": ["many_to_one: test accuracy", "many_to_many: test accuracy",
                     "deep: test accuracy", "bidirectional: test accuracy"],
    "seed_tensorboard.py": ["stopped after 2 epochs"],
}

RUNNER = r"""
import runpy, sys
examples, scripts = sys.argv[1], sys.argv[2:]
sys.path.insert(0, examples)
for script in scripts:
    print(f"=== {script}", flush=True)
    extra = ["--log-dir", "tb"] if script == "seed_tensorboard.py" else []
    sys.argv = [script, "--smoke", "--plot-dir", "plots"] + extra
    runpy.run_path(f"{examples}/{script}", run_name="__main__")
import kfront
if kfront.backend.backend() != "tensorflow":
    assert "tensorflow" not in sys.modules, "an example imported TensorFlow"
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    procs = {}
    for name in BACKENDS:
        cwd = tmp_path_factory.mktemp(f"examples_{name}")
        env = dict(os.environ, KFRONT_BACKEND=name, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
        procs[name] = (cwd, subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(ROOT / "examples"), *SCRIPTS], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = {}
    for name, (cwd, proc) in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}:\n{out[-2000:]}\n{err[-3000:]}"
        results[name] = (cwd, out)
    return results


@pytest.mark.parametrize("name", BACKENDS)
def test_seed_examples_run(outputs, name):
    cwd, out = outputs[name]
    sections = dict(part.split("\n", 1) for part in out.split("=== ")[1:])
    assert list(sections) == list(SCRIPTS)
    for script, expected in SCRIPTS.items():
        for line in expected:
            assert line in sections[script], f"{script} on {name}: {line!r} missing"
    # the TensorBoard example wrote event files for the train and validation runs
    for run in ("train", "validation"):
        files = os.listdir(cwd / "tb" / run)
        assert files and all(f.startswith("events.out.tfevents.") for f in files)
