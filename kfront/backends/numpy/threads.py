"""Data-parallel kernels on the native engine's worker threads.

NumPy runs elementwise loops and copies on one core (only BLAS is threaded), so the memory-bound
kernels of a training step (im2col/col2im, pooling, optimizer updates) split their work into
chunks along the batch axis (or a flat index) and run them on a small pool of threads: NumPy
releases the GIL inside its loops, so the chunks run at once. Results are identical to one
call, since chunks never share an output element. ``KFRONT_NUM_THREADS`` sets the number of
threads (default: the CPUs this process may use, at most 8); 1 turns the pool off.

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
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy

_MIN_WORK = 1 << 16  # elements below which threads cost more than they save
_pool: dict = {}


def num_threads() -> int:
    """Threads the kernels split their work across."""
    if "n" not in _pool:
        env = os.environ.get("KFRONT_NUM_THREADS")
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
        _pool["n"] = max(1, int(env)) if env else min(cpus, 8)
    return _pool["n"]


def parallel(fn: Callable[[int, int], None], n: int, work: int, xp=numpy) -> None:
    """Call ``fn(start, stop)`` on chunks covering ``range(n)``: on the worker threads when
    ``work`` (elements touched) is large enough and the arrays are NumPy's, else once, here,
    as ``fn(0, n)`` (CuPy kernels are already parallel)."""
    k = min(num_threads(), n, max(1, work // _MIN_WORK)) if xp is numpy else 1
    if k <= 1:
        fn(0, n)
        return
    executor = _pool.get("executor")
    if executor is None:
        executor = _pool["executor"] = ThreadPoolExecutor(num_threads() - 1,
                                                          thread_name_prefix="kfront")
    bounds = [n * i // k for i in range(k + 1)]
    futures = [executor.submit(fn, a, b) for a, b in zip(bounds[1:-1], bounds[2:])]
    fn(bounds[0], bounds[1])
    for f in futures:
        f.result()
