"""``KFRONT_NUM_THREADS``: a positive integer, or unset; anything else stops ``import kfront``
with a ValueError naming the variable, the value and what it accepts."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kfront.backends.numpy import threads

MESSAGE = "KFRONT_NUM_THREADS must be a positive integer"


def test_invalid_value_stops_import_with_a_clear_error():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KFRONT_")}
    env.update(KFRONT_BACKEND="numpy", KFRONT_NUM_THREADS="abc")
    proc = subprocess.run([sys.executable, "-c", "import kfront"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: " + MESSAGE) and last.endswith("got 'abc'"), last


@pytest.mark.parametrize("value", ["0", "-2", "2.5", "1e3", "x4", "٣"])
def test_invalid_values(monkeypatch, value):
    monkeypatch.setenv("KFRONT_NUM_THREADS", value)
    with pytest.raises(ValueError, match=f"{MESSAGE}.*got '{value}'"):
        threads._env_threads()


def test_valid_values(monkeypatch):
    for value, expected in [("1", 1), (" 3 ", 3), ("12", 12), ("", None)]:
        monkeypatch.setenv("KFRONT_NUM_THREADS", value)
        assert threads._env_threads() == expected, value
    monkeypatch.delenv("KFRONT_NUM_THREADS")
    assert threads._env_threads() is None
