"""The settings of the host process that kfront changes, and the one switch that turns them all
off (``kfront.config.host_settings()`` and ``kfront.config.disable_host_tuning()`` speak
through this module).

kfront changes three things in the process it runs in, all for speed:

- ``malloc``: glibc's mmap and trim thresholds are raised when a backend is activated, so that
  the large temporaries of a training step are not handed back to the system and faulted in
  anew at every step (``memory.py``; ``KFRONT_KEEP_FREED_MEMORY=0`` leaves malloc alone);
- ``worker_threads``: the native engine's memory-bound kernels and large GEMMs run on a pool of
  threads (``kfront/backends/numpy/threads.py``; ``KFRONT_NUM_THREADS`` sets their number);
- ``openblas_threads``: with several worker threads, the native engine runs OpenBLAS on one
  thread for the whole process (``kfront/backends/numpy/blas.py``).

and, in a multi-process job (``kfront.distribution.initialize``), a fourth:

- ``shared_cores``: processes of the job on one host split its cores, each running its
  thread pools (the native engine's, OpenBLAS/MKL, OpenMP, TensorFlow's) on its share
  (``kfront/distribution/cores.py``; listed once a job was joined).

``KFRONT_HOST_TUNING=0`` in the environment before ``import kfront`` turns them all off: no
``mallopt``, OpenBLAS untouched, kernels on one thread. ``disable()`` does the same during
a run: OpenBLAS gets back its thread count, the worker threads stop, and glibc's default
thresholds are set again (its dynamic mmap threshold, which any ``mallopt`` turns off, stays
off; only the environment variable avoids the ``mallopt`` altogether).

Example:
    >>> from kfront.backends.common import host
    >>> sorted(host.settings())
    ['malloc', 'openblas_threads', 'worker_threads']
"""
from __future__ import annotations

import os
import sys

SWITCH = "KFRONT_HOST_TUNING"


def _from_environment() -> bool:
    value = os.environ.get(SWITCH, "1").strip().lower()
    if value not in ("0", "1", "false", "true", "off", "on", "no", "yes", ""):
        raise ValueError(f"{SWITCH} must be 0 (kfront leaves the process's malloc, OpenBLAS and "
                         f"thread settings alone) or 1 (the default), got {value!r}")
    return value not in ("0", "false", "off", "no")


_state = {"enabled": _from_environment()}
# the native engine's modules: untouched settings until the native engine is loaded
_NATIVE = {"worker_threads": "kfront.backends.numpy.threads",
           "openblas_threads": "kfront.backends.numpy.blas"}
_OFF = {"malloc": "KFRONT_KEEP_FREED_MEMORY=0", "worker_threads": "KFRONT_NUM_THREADS=1",
        "openblas_threads": "KFRONT_NUM_THREADS=1",
        "shared_cores": "KFRONT_NUM_THREADS / OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / "
                        "TF_NUM_INTRAOP_THREADS set explicitly"}


def enabled() -> bool:
    """Whether kfront may change the host process's settings (``KFRONT_HOST_TUNING`` is not
    ``0`` and ``disable`` was not called)."""
    return _state["enabled"]


def _modules() -> dict:
    from kfront.backends.common import memory
    found = {"malloc": memory}
    found.update({name: sys.modules.get(path) for name, path in _NATIVE.items()})
    shared = sys.modules.get("kfront.distribution.cores")
    if shared is not None and shared.joined():  # (listed once a job was joined)
        found["shared_cores"] = shared
    return found


def settings() -> dict:
    """For each setting: ``changed`` (whether kfront changed it in this process), ``value``
    (what it is now) and ``off`` (how to keep kfront from changing it). Each module's
    ``host_setting()`` gives the first two."""
    everything = f"{SWITCH}=0 (before import kfront) or kfront.config.disable_host_tuning()"
    return {name: {**(module.host_setting() if module is not None else {
        "changed": False, "value": "untouched (the native engine is not loaded)"}),
        "off": f"{_OFF[name]}, or for all settings {everything}"}
        for name, module in sorted(_modules().items())}


def disable() -> None:
    """Turn kfront's host tuning off for the rest of the process, undoing what was done."""
    _state["enabled"] = False
    for module in reversed(_modules().values()):  # (shared_cores gives back before the pool stops)
        if module is not None:
            module.release()
