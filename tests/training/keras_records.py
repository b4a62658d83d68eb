"""Records a test module prints when run as a program under real Keras 3.15 (Keras picks its
backend once per process, so each backend's records come from a subprocess)."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys


@functools.lru_cache(maxsize=None)
def _records(script: str, backend: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def keras_record(script: str, backend: str, path: str, numpy_lacks: tuple = ()) -> dict:
    """Keras's record of ``path`` on ``backend``, from ``script``'s last printed JSON line.
    Keras-numpy cannot fit or train: for a ``path`` in ``numpy_lacks`` kfront's numpy backend
    is held to Keras-JAX's record (it builds as Keras-JAX / torch do: the batch's size)."""
    if backend == "numpy" and path in numpy_lacks:
        backend = "jax"
    return _records(script, backend)[path]
