"""Data-parallel kernels on the native engine's worker threads.

NumPy runs elementwise loops and copies on one core (only BLAS is threaded), and a kernel of
several NumPy passes over large arrays streams them from memory once per pass. So the
memory-bound kernels of a training step (im2col/col2im, pooling, optimizer updates) split their
work into cache-sized pieces along the batch axis (or a flat index), run every pass on one piece
before the next, and spread the pieces over a small pool of threads: NumPy releases the GIL
inside its loops, so they run at once. Results are identical to one call, since pieces never
share an output element (the GEMM splits of ``blas.py`` run here too; the BLAS may round a
piece differently). A kernel called from inside a piece runs in that piece's thread.
``KFRONT_NUM_THREADS`` sets the number of threads (default: the CPUs
this process may use, at most 8); 1 turns the pool off, as does ``KFRONT_HOST_TUNING=0``
(``kfront/backends/common/host.py``).

Whether a kernel runs threaded is measured, not guessed: the first calls of each kernel at each
size alternate between one thread and the pool, and ``settle`` decides from their timings for
the rest of the process: the pool only if the median of its timings is under ``MARGIN`` of one
thread's (the first call of each way dropped), with more calls while the two are too close to
call. On a busy machine single timings vary by tens of percent, so a choice taken from a few
of them came out differently from one process to the next. Both ways give the same bits
(pieces never share an output element), so the choice never changes a result. ``blas.gemm``
measures its splits by the same rule.

Example:
    >>> import numpy as np
    >>> from kfront.backends.numpy import threads
    >>> out = np.empty(10)
    >>> threads.parallel(lambda a, b: out.__setitem__(slice(a, b), np.arange(a, b)), 10, 1 << 20)
    >>> out.tolist() == list(range(10))
    True
"""
from __future__ import annotations

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy

from kfront.backends.common import host

_MIN_WORK = 1 << 16  # elements below which threads cost more than they save
_PIECE_WORK = 1 << 18  # elements touched per piece: a piece's arrays fit a core's L2 cache
_pool: dict = {}
_inside = threading.local()  # set while a thread runs its share of a parallel call
WARMUP = 1  # first timings of each way, dropped (cold caches, the pool's threads starting)
TRIALS = 4  # timings of each way after the warm-up before a choice can settle
MAX_TRIALS = 12  # ... and up to this many while the ratio lies within BAND of MARGIN
MARGIN = 0.9  # the threaded way must take under this share of the other's time to be chosen
BAND = 0.06  # a ratio this close to MARGIN is too close to call after TRIALS
_choice: dict = {}  # (kernel, n, work, pieces) -> threads it settled on, or [one, pool] times
RECHECK = 16  # calls of a kernel settled on one thread before it is measured again (then 2x)
_rechecks: dict = {}  # key -> [calls left before the next measuring, the interval]


def num_threads() -> int:
    """Threads the kernels split their work across."""
    if "n" not in _pool:
        env = _env_threads()
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
        _pool["n"] = (env or min(cpus, 8)) if host.enabled() else 1
    return _pool["n"]


def _env_threads() -> int | None:
    """``KFRONT_NUM_THREADS`` as a number of threads (None when unset or empty)."""
    env = os.environ.get("KFRONT_NUM_THREADS", "").strip()
    if not env:
        return None
    if not (env.isascii() and env.isdigit()) or int(env) < 1:
        raise ValueError(f"KFRONT_NUM_THREADS must be a positive integer (the native engine's "
                         f"worker threads; 1 turns them off), got {env!r}")
    return int(env)


def parallel(fn: Callable[[int, int], None], n: int, work: int, xp=numpy,
             pieces: int | None = None) -> None:
    """Call ``fn(start, stop)`` on pieces covering ``range(n)``, each touching about
    ``_PIECE_WORK`` of the ``work`` elements (so that one piece's arrays stay in cache through
    all of ``fn``'s passes), or on ``pieces`` equal pieces, spread over the worker threads.
    Small work, and CuPy arrays (whose kernels are parallel already), run as one ``fn(0, n)``
    here."""
    if xp is not numpy or work < _MIN_WORK or n <= 1 or getattr(_inside, "yes", False):
        fn(0, n)  # (a kernel called from a piece runs in that piece's thread)
        return
    pieces = min(n, max(1, work // _PIECE_WORK if pieces is None else pieces))
    k = min(num_threads(), pieces, max(1, work // _MIN_WORK))
    if k > 1:
        key = (getattr(fn, "__code__", fn), n, work, pieces)
        settled = _choice.get(key)
        if type(settled) is int and not (settled == 1 and due_again(key)):
            k = settled
        else:
            _measure(key, None if type(settled) is int else settled, fn, n, pieces, k)
            return
    run_pieces(fn, n, pieces, k)


def settle(times: list) -> bool | None:
    """Whether the threaded way wins, from alternating timings ``times`` = [the plain way's,
    the threaded way's] (None: not settled yet): the median of the threaded way's under
    ``MARGIN`` of the plain way's, the first ``WARMUP`` of each dropped, once each way has
    ``TRIALS`` more, or up to ``MAX_TRIALS`` while the ratio is within ``BAND`` of
    ``MARGIN``. Medians of alternating calls, not minima of a few: a minimum is one lucky
    call, and the choice then differed from process to process."""
    done = min(len(times[0]), len(times[1])) - WARMUP
    if done < TRIALS:
        return None
    ratio = statistics.median(times[1][WARMUP:]) / statistics.median(times[0][WARMUP:])
    if abs(ratio - MARGIN) < BAND and done < MAX_TRIALS:
        return None
    return ratio < MARGIN


def due_again(key) -> bool:
    """Whether a kernel (or a product: ``blas.py``) settled on its one-thread way is due to be
    measured again, after ``RECHECK`` calls, then twice as many each time. A core kept busy
    during the first calls (another process, a burst of OpenBLAS's spinning) makes the pool
    look slow, and a choice taken then held for good: fresh processes of the seed CNN fit whose
    first epoch was disturbed settled conv, col2im, Adam and the dense GEMMs on one thread and
    ran at ~1,900 samples/s all along, against ~3,000 for the others."""
    left = _rechecks.setdefault(key, [RECHECK, RECHECK])
    left[0] -= 1
    if left[0] > 0:
        return False
    left[1] *= 2
    left[0] = left[1]
    return True


def _measure(key, times, fn, n: int, pieces: int, k: int) -> None:
    """One timed call of a kernel whose threading is not settled yet: on one thread or on
    ``k``, whichever has fewer timings; ``settle`` decides."""
    if times is None:
        times = _choice[key] = [[], []]
    pool = len(times[1]) < len(times[0])
    start = time.perf_counter()
    run_pieces(fn, n, pieces, k if pool else 1)
    times[pool].append(time.perf_counter() - start)
    won = settle(times)
    if won is not None:
        _choice[key] = k if won else 1


def run_pieces(fn: Callable[[int, int], None], n: int, pieces: int, k: int) -> None:
    """``fn`` over ``pieces`` equal pieces of ``range(n)``, shared by ``k`` threads (one: the
    pieces one after the other); no measuring."""
    bounds = [n * i // pieces for i in range(pieces + 1)]
    if getattr(_inside, "yes", False):
        # called from a piece (a GEMM split inside one of col2im's): every piece in this
        # thread, since pool threads waiting on the pool's other threads can deadlock
        for i in range(pieces):
            fn(bounds[i], bounds[i + 1])
        return

    def run(t: int) -> None:  # thread t's share of the pieces, one after the other
        _inside.yes = True
        try:
            for i in range(pieces * t // k, pieces * (t + 1) // k):
                fn(bounds[i], bounds[i + 1])
        finally:
            _inside.yes = False
    if k == 1:
        run(0)
        return
    executor = _pool.get("executor")
    if executor is None:
        executor = _pool["executor"] = ThreadPoolExecutor(num_threads() - 1,
                                                          thread_name_prefix="kfront")
    futures = [executor.submit(run, t) for t in range(1, k)]
    run(0)
    for f in futures:
        f.result()


def set_num_threads(n: int) -> None:
    """Run the kernels on ``n`` threads from now on: the pool's threads stop (a new pool
    starts at the next threaded kernel) and every kernel's threading is measured again."""
    _pool["n"] = n
    _choice.clear()
    _rechecks.clear()
    executor = _pool.pop("executor", None)
    if executor is not None:
        executor.shutdown()


def release() -> None:
    """Run the kernels on one thread from now on and stop the pool's threads."""
    set_num_threads(1)


def host_setting() -> dict:
    """This setting's entry of ``host.settings()``."""
    n = num_threads()
    if n == 1:
        return {"changed": False, "value": "the native engine's kernels run on one thread"}
    started = "running" if "executor" in _pool else "started at the first large kernel"
    return {"changed": True, "value": f"the native engine's kernels run on {n} threads (a pool "
            f"of {n - 1} more, {started})"}
