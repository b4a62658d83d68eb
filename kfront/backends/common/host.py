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

``KFRONT_HOST_TUNING=0`` in the environment before ``import kfront`` turns all three off: no
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
        "openblas_threads": "KFRONT_NUM_THREADS=1"}


def enabled() -> bool:
    """Whether kfront may change the host process's settings (``KFRONT_HOST_TUNING`` is not
    ``0`` and ``disable`` was not called)."""
    return _state["enabled"]


def _modules() -> dict:
    from kfront.backends.common import memory
    found = {"malloc": memory}
    found.update({name: sys.modules.get(path) for name, path in _NATIVE.items()})
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
    for module in _modules().values():
        if module is not None:
            module.release()
