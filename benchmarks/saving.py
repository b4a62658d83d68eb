"""Save and load a model with 100 MB of float32 weights (Dense 1024-4096-4096-1024, not compiled)
in ``.keras`` and ``.weights.h5``: seconds and peak extra memory, kfront against real Keras 3.

Run with ``python benchmarks/run.py saving [--repeats 5]``. Every case is a fresh process that
imports its library and warms its save/load path up on a tiny model (lazy imports), then times
the operation ``IN_PROCESS`` times (median). Loads read the same files, written once by Keras 3
(TensorFlow) into ``$TMPDIR/kfront-bench-saving``: ``load.keras`` is ``load_model`` (the model
is created from the file), ``load.weights.h5`` is ``load_weights`` into a built model.

Peak extra memory (Linux) is the process's resident-set high-water mark during the first operation
minus its resident set before it (freed heap memory handed back first, the high-water mark
reset through ``/proc/self/clear_refs``), divided by the weights' size. For ``load.keras`` it
includes the loaded model's own weights (1.0), which ``overhead`` leaves out (for the other
operations the two are the same); the target, at most the weights' size, applies to
``overhead``.
"""
from __future__ import annotations

import ctypes
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import main

TITLE = "Save/load of 100 MB of float32 weights (Dense 1024-4096-4096-1024)"
METRIC, UNIT, LOWER_IS_BETTER = "seconds", "seconds", True
EXTRAS = {"peak_extra": "peak extra {:.2f}x the weights", "overhead": "overhead {:.2f}x"}
UNITS = (1024, 4096, 4096, 1024)
IN_PROCESS = 3
FILES = os.path.join(tempfile.gettempdir(), "kfront-bench-saving")
FILENAMES = {"keras": "model.keras", "weights.h5": "model.weights.h5"}
LIBS = ("kfront-numpy", "kfront-torch", "keras-tensorflow", "keras-torch")
OPS = ("save", "load")


def build(lib, units=UNITS):
    layers = lib.layers
    return lib.Sequential([layers.Input((units[0],))] + [layers.Dense(u) for u in units[1:]])


def _write(model, path: str, fmt: str) -> None:
    if fmt == "keras":
        model.save(path)
    else:
        model.save_weights(path)


def keras_files() -> dict[str, str]:
    """The files every load case reads, written once by Keras 3 (TensorFlow)."""
    paths = {fmt: os.path.join(FILES, name) for fmt, name in FILENAMES.items()}
    if not all(os.path.exists(p) for p in paths.values()):
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        subprocess.run([sys.executable, os.path.abspath(__file__), "write-files"], env=env,
                       check=True, capture_output=True)
    return paths


def _write_files() -> None:
    import keras
    os.makedirs(FILES, exist_ok=True)
    model = build(keras)
    for fmt, name in FILENAMES.items():
        tmp = os.path.join(FILES, "tmp-" + name)
        _write(model, tmp, fmt)
        os.replace(tmp, os.path.join(FILES, name))


def _status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) * 1024 for k, v in
                (line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))}


def measured(fn):
    """``(result, seconds, peak extra bytes)`` of one call of ``fn`` (Linux: ``/proc``)."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)   # freed heap memory back to the system first
    before = _status()["VmRSS"]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")   # reset the high-water mark to the current resident set
    t = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t
    return result, seconds, _status()["VmHWM"] - before


def case(lib_name: str, backend: str, op: str, fmt: str) -> dict:
    """One operation ``op`` (save | load) in format ``fmt`` by ``lib_name`` on ``backend``."""
    source = keras_files()[fmt]
    os.environ["KFRONT_BACKEND" if lib_name == "kfront" else "KERAS_BACKEND"] = backend
    lib = __import__(lib_name)
    out_dir = tempfile.mkdtemp(prefix="kfront-bench-")
    out = os.path.join(out_dir, FILENAMES[fmt])
    tiny = build(lib, (4, 4))   # warm-up: the formats' lazy imports are not timed
    _write(tiny, out, fmt)
    if fmt == "keras":
        lib.saving.load_model(out)
    else:
        tiny.load_weights(out)
    model = None if (op, fmt) == ("load", "keras") else build(lib)
    if op == "save":
        fn = lambda: _write(model, out, fmt)  # noqa: E731
    elif fmt == "keras":
        fn = lambda: lib.saving.load_model(source)  # noqa: E731
    else:
        fn = lambda: model.load_weights(source)  # noqa: E731
    result, first, peak = measured(fn)
    weights = 4 * sum(math.prod(w.shape) for w in (model or result).weights)   # float32
    held = weights if model is None else 0   # load_model's result: the new model's weights
    del result
    times = [first] + [measured(fn)[1] for _ in range(IN_PROCESS - 1)]
    shutil.rmtree(out_dir)
    return {"seconds": statistics.median(times), "peak_extra": peak / weights,
            "overhead": (peak - held) / weights, "weights_mb": weights / 2**20}


CASES = {f"{op}.{fmt}:{lib}": (lambda lib=lib, op=op, fmt=fmt: case(*lib.split("-"), op, fmt))
         for op in OPS for fmt in FILENAMES for lib in LIBS}
RATIOS = [(f"{op}.{fmt}:{kfront}", f"{op}.{fmt}:{keras}", 1.0)
          for op in OPS for fmt in FILENAMES
          for kfront, keras in (("kfront-numpy", "keras-tensorflow"),
                                ("kfront-numpy", "keras-torch"),
                                ("kfront-torch", "keras-torch"))]
LIMITS = [(f"{op}.{fmt}:{lib}", "overhead", 1.0)
          for op in OPS for fmt in FILENAMES for lib in LIBS if lib.startswith("kfront")]

if __name__ == "__main__":
    if sys.argv[1:] == ["write-files"]:
        _write_files()
    else:
        main(CASES)
