"""Sharing the host's cores among the processes of one job on it (``initialize`` calls
``before_join`` and ``after_join``).

Each process of kfront sizes its thread pools for the whole machine: the native engine's
worker threads, OpenBLAS/MKL, OpenMP (torch's intra-op threads), TensorFlow's intra-op pool.
Several processes of a data-parallel job on one host then run more threads than there are
cores and starve each other (2 processes on 2 cores trained 10-20x slower than one). So when
``initialize`` finds that ``n`` processes of the job share this host, each process gets
``cores // n`` threads (at least one) for every pool, as ``torchrun`` does with
``OMP_NUM_THREADS``. A thread count the user set wins: ``KFRONT_NUM_THREADS`` keeps the
native pool, ``OMP_NUM_THREADS`` keeps OpenMP and the BLAS, ``OPENBLAS_NUM_THREADS`` /
``MKL_NUM_THREADS`` keep the BLAS, ``TF_NUM_INTRAOP_THREADS`` keeps TensorFlow's. The
processes sharing the host come from ``LOCAL_WORLD_SIZE`` (torchrun), else from the job's
addresses: one per process, those naming this host; or a loopback coordinator, which only
processes of this host can reach, so all of them. It is a host setting
(``kfront/backends/common/host.py``, reported as ``shared_cores`` once a job was joined):
off with ``KFRONT_HOST_TUNING=0``, undone by ``release``.

Example:
    >>> from kfront.distribution import cores
    >>> cores.threads_per_process(cpus=2, processes=2)
    1
    >>> cores.local_processes(["127.0.0.1:1234"], 2, environ={})
    2
"""
from __future__ import annotations

import os
import socket
import sys
import warnings
from typing import Mapping

from kfront.backends.common import host

_state: dict = {}  # "threads", "processes", "cpus", "changed" (what was set, for the report),
#                    "undo" (callables giving back the counts from before)
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


def joined() -> bool:
    """Whether this process joined a job (``before_join`` ran with host tuning on)."""
    return "processes" in _state


def threads_per_process(cpus: int, processes: int) -> int:
    """Each process's share of ``cpus`` cores among ``processes`` (at least one)."""
    return max(1, cpus // max(1, processes))


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _is_local(hostname: str) -> bool:
    if hostname in _LOOPBACK or hostname.startswith("127."):
        return True
    if hostname in (socket.gethostname(), socket.getfqdn()):
        return True
    try:
        return socket.gethostbyname(hostname) in (
            "127.0.0.1", socket.gethostbyname(socket.gethostname()))
    except OSError:
        return False


def local_processes(addresses: list[str], num_processes: int,
                    environ: Mapping[str, str] | None = None) -> int:
    """How many of the job's ``num_processes`` processes run on this host: torchrun's
    ``LOCAL_WORLD_SIZE``; else, with one address per process, those naming this host; else
    all of them if the coordinator (the first address) is loopback; else 1 (unknown)."""
    environ = os.environ if environ is None else environ
    local = environ.get("LOCAL_WORLD_SIZE", "").strip()
    if local.isdigit() and int(local) >= 1:
        return int(local)
    hosts = [a.rsplit(":", 1)[0] for a in addresses]
    if len(hosts) == num_processes:
        return max(1, sum(_is_local(h) for h in hosts))
    first = hosts[0] if hosts else ""
    return num_processes if first in _LOOPBACK or first.startswith("127.") else 1


def before_join(addresses: list[str], num_processes: int) -> None:
    """Work out this process's share of the cores and set what must be set before the
    frameworks start their runtimes (TensorFlow's intra-op pool, read from the environment
    when its context starts)."""
    if not host.enabled():
        return
    processes = local_processes(addresses, num_processes)
    cpus = _cpus()
    n = threads_per_process(cpus, processes)
    _state.update(threads=n, processes=processes, cpus=cpus, changed=[], undo=[])
    from kfront import config
    if (config.backend() == "tensorflow" and processes > 1 and n < cpus
            and "TF_NUM_INTRAOP_THREADS" not in os.environ):
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(n)
        _state["changed"].append("TensorFlow's intra-op pool (TF_NUM_INTRAOP_THREADS)")
        _state["undo"].append(lambda: os.environ.pop("TF_NUM_INTRAOP_THREADS", None))


def after_join() -> None:
    """Cut the pools already loaded (after the join, which loads torch for gloo) to this
    process's share: the native engine's worker threads and, through threadpoolctl, every
    OpenBLAS/MKL/OpenMP library above the share (torch's intra-op threads are OpenMP's)."""
    n, cpus = _state.get("threads"), _state.get("cpus")
    if not host.enabled() or n is None or _state["processes"] == 1 or n >= cpus:
        return
    native = sys.modules.get("kfront.backends.numpy.threads")
    if native is not None and not os.environ.get("KFRONT_NUM_THREADS", "").strip():
        before = native.num_threads()
        if before > n:
            native.set_num_threads(n)
            _state["changed"].append(f"the native engine's worker threads (had {before})")
            _state["undo"].append(lambda: native.set_num_threads(before))
    _limit_libraries(n)


def _limit_libraries(n: int) -> None:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # an optional dependency (kfront[distribution]); say what is left
        warnings.warn("kfront.distribution: threadpoolctl is not installed, so the BLAS and "
                      "OpenMP thread counts of the job's processes sharing this host are left "
                      f"as they are (they may oversubscribe its {_state['cpus']} cores); "
                      "`pip install threadpoolctl` lets kfront split them", stacklevel=3)
        return
    explicit = {"openmp": ("OMP_NUM_THREADS",),
                "blas": ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    for lib in ThreadpoolController().lib_controllers:
        if any(os.environ.get(v, "").strip() for v in explicit.get(lib.user_api, ())):
            continue
        before = lib.num_threads
        if before > n:
            lib.set_num_threads(n)
            _state["changed"].append(f"{lib.internal_api} in "
                                     f"{os.path.basename(lib.filepath)} (had {before})")
            _state["undo"].append(lambda lib=lib, before=before: lib.set_num_threads(before))


def release() -> None:
    """Give every pool back the thread count it had before ``before_join``."""
    for undo in reversed(_state.get("undo", [])):
        undo()
    if _state.get("changed"):
        _state["released"] = True
    _state.update(changed=[], undo=[])


def host_setting() -> dict:
    """This setting's entry of ``host.settings()`` (listed once ``joined()``)."""
    if not _state.get("changed"):
        found = ("the thread counts from before the job given back" if _state.get("released")
                 else f"{_state['processes']} process(es) of the job on this host's "
                 f"{_state['cpus']} cores: no thread count cut")
        return {"changed": False, "value": found}
    return {"changed": True, "value": (
        f"{_state['processes']} processes of the job share this host's {_state['cpus']} "
        f"cores: {_state['threads']} thread(s) each for " + "; ".join(_state["changed"]))}
