"""Shared test fixtures: quiet TensorFlow, the Keras oracle, the examples as modules."""
from __future__ import annotations

import importlib.util
import os
import pathlib

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def keras():
    """Real Keras 3 (TensorFlow backend) as the oracle."""
    return pytest.importorskip("keras", reason="Keras 3 is the oracle: pip install keras tensorflow-cpu")


def load_example(name: str):
    """Import ``examples/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
