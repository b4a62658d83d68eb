"""Train-step compilation hook of the native engine.

The engine runs eagerly, so there is nothing to compile; what the hook does is choose, per step
function, how the step uses the CPUs (``threads.py``, ``blas.py``): kfront's worker threads for
the memory-bound kernels with large GEMMs split over them and OpenBLAS on one thread (the
default: a CNN's im2col/col2im and pooling), or every kernel on one thread and the GEMMs on
OpenBLAS's own threads (``threads.blas_mode``: an MLP's mid-sized products). Both give the same
bits, so the choice is measured, not guessed: after ``_WARM`` calls (the kernels' own
measurements settle in them), ``_TRIALS`` timed calls in the default mode, then one untimed
and ``_TRIALS`` timed calls in ``blas_mode`` (in that order: OpenBLAS's threads spin for a
while after a product and would slow a default-mode call right after it); ``blas_mode`` is
kept when its fastest call takes under ``threads.MARGIN`` of the default's. Only calls on
inputs of the first timed call's size are timed. Nothing is measured where kfront leaves
OpenBLAS alone (one thread, ``KFRONT_HOST_TUNING=0``).
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

from kfront.backends.common import tree
from kfront.backends.numpy import blas, threads

_WARM = 10  # calls in the default mode before timing
_TRIALS = 5  # timed calls per mode


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` run in the faster of the two threading modes, measured on its first calls (see
    the module doc and notes/CONTRACTS.md for the hook)."""
    return _ModeChooser(fn)


class _ModeChooser:
    """``fn`` with its threading mode measured on its first calls; ``mode``: ``None`` while
    measuring, then ``"pool"`` (the default) or ``"blas"``."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.mode = None
        self.calls = 0
        self.size = None
        self.blas_warm = False
        self.times = {"pool": [], "blas": []}

    def __call__(self, *args):
        if not blas._state.get("pinned"):
            return self.fn(*args)
        if self.mode is not None:
            with threads.blas_mode(self.mode == "blas"):
                return self.fn(*args)
        self.calls += 1
        if self.calls <= _WARM:
            return self.fn(*args)
        trying = "pool" if len(self.times["pool"]) < _TRIALS else "blas"
        size = sum(getattr(v, "size", 0) for v in tree.flatten(args)[0])
        self.size = size if self.size is None else self.size
        timed = trying == "pool" or self.blas_warm  # (the first blas_mode call checks bits)
        self.blas_warm = trying == "blas"
        with threads.blas_mode(trying == "blas"):
            start = time.perf_counter()
            out = self.fn(*args)
            elapsed = time.perf_counter() - start
        if timed and size == self.size:
            self.times[trying].append(elapsed)
            if len(self.times["blas"]) >= _TRIALS:
                fast = min(self.times["blas"]) < threads.MARGIN * min(self.times["pool"])
                self.mode = "blas" if fast else "pool"
        return out
