"""Process settings made when a backend is activated: malloc keeps freed memory on every
backend (``kfront/backends/common/memory.py``), unless told not to."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

_FRAMEWORK = {"numpy": "numpy", "torch": "torch", "tensorflow": "tensorflow", "jax": "jax"}
_CODE = ("import kfront; kfront.ops.ones(2); from kfront.backends.common import memory; "
         "print(kfront.config.backend(), memory._done)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
@pytest.mark.parametrize("keep", ["1", "0"])
@pytest.mark.parametrize("backend", list(_FRAMEWORK))
def test_activating_a_backend_keeps_freed_memory(backend, keep):
    if importlib.util.find_spec(_FRAMEWORK[backend]) is None:
        pytest.skip(f"the {backend} backend needs {_FRAMEWORK[backend]}: "
                    f"pip install 'kfront[{backend}]'")
    env = dict(os.environ, KFRONT_BACKEND=backend, KFRONT_KEEP_FREED_MEMORY=keep,
               TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, env=env)
    assert out.stdout.split() == [backend, f"[{keep == '1'}]"], out.stderr[-2000:]
