"""The layer test suites (outputs against real Keras 3 for identical weights, errors) re-run with
each non-native backend active: every layer on every backend against the real thing.

The suites' finite-difference gradient checks are native-engine checks and are left out here:
other backends' gradients are compared with the native engine's op by op in
``test_ops_conformance.py``."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conformance.support import require

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SUITES = ["test_layers_conv.py", "test_layers_misc.py", "test_layers_recurrent.py"]


@pytest.mark.parametrize("name", ["torch", "tensorflow", "jax"])
def test_layer_suites_pass_on_backend(name):
    require(name)
    env = dict(os.environ, KFRONT_BACKEND=name, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-n", "0", "-k", "not gradient",
                           *[os.path.join(TESTS, s) for s in SUITES]],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, f"layer tests on {name}:\n{proc.stdout[-4000:]}"
