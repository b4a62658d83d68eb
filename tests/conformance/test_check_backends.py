"""kfront.testing.check_backends and its command line."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import kfront
from kfront import layers


def _build():
    return kfront.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"),
                              layers.Dense(3, activation="softmax")])


class _OffOnOtherBackends(layers.Layer):
    """Adds 0.5 except on the native engine: a deviation check_backends must report."""

    def call(self, x):
        return x if kfront.config.backend() == "numpy" else kfront.ops.add(x, 0.5)


def test_report_lists_every_output_and_gradient_and_restores_the_backend():
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    report = kfront.testing.check_backends(_build, x)
    assert kfront.config.backend() == "numpy"
    assert len(report.names) == 1 + 4 and report.names[0] == "output 0"
    assert set(report.deviations) | set(report.skipped) == set(kfront.backends.NAMES)
    for backend, why in report.skipped.items():
        assert "pip install" in why or "not implemented" in why
    assert report.max_deviation() < 1e-5
    assert "output 0" in str(report)


def test_report_catches_a_backend_that_differs():
    x = np.ones((2, 6), "float32")
    report = kfront.testing.check_backends(
        lambda: kfront.Sequential([layers.Input((6,)), layers.Dense(2), _OffOnOtherBackends()]), x)
    if len(report.deviations) < 2:
        pytest.skip(f"only the native engine is installed: {report.skipped}")
    others = [b for b in report.deviations if b != "numpy"]
    assert all(report.deviations[b]["output 0"] == pytest.approx(0.5) for b in others)
    assert report.max_deviation() == pytest.approx(0.5)


def test_command_line(tmp_path):
    script = tmp_path / "my_model.py"
    script.write_text("import kfront\nfrom kfront import layers\n"
                      "def build():\n"
                      "    return kfront.Sequential([layers.Input((6,)), layers.Dense(3)])\n")
    proc = subprocess.run([sys.executable, "-m", "kfront.testing", f"{script}:build",
                           "--shape", "4,6"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "grad" in proc.stdout and "largest deviation" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "kfront.testing", f"{script}:nope",
                          "--shape", "4,6"], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "nope" in bad.stderr
