"""Matrix products of the native engine on kfront's worker threads.

OpenBLAS's own threads spin for a while after each GEMM, waiting for the next one. In a
training step, GEMMs alternate with the memory-bound kernels that kfront runs on its worker
threads (``threads.py``), and the spinning threads take their CPUs: a 2-thread elementwise pass
right after a GEMM ran ~2x slower than on idle CPUs here. So once the native engine is
activated in a process where kfront has several threads, OpenBLAS runs on ONE thread
(``take_over``, for the rest of the process: NumPy code outside kfront then gets one BLAS
thread too), and ``gemm`` splits large products by rows or columns of the output over kfront's
threads instead: the same speed for the GEMMs, none of the spinning. Smaller products (the
MLP's 100x256x256), where the pool's handoff costs more than the split saves, may run on
OpenBLAS's own threads for that one call instead (``_blas_threads``: OpenBLAS set to kfront's
thread count, then back to one). Which way a product of a given shape takes is measured at its
first calls (``_measure``), not guessed; a threaded way is kept only if it pays and gives the
whole product's bits, or (the BLAS picks its kernels by the shapes it gets, so a piece may
round differently) if the split was the rule before measuring: the result never depends on
timing. Linux only (the library is found
in ``/proc/self/maps``), OpenBLAS only; ``KFRONT_NUM_THREADS=1`` or ``KFRONT_HOST_TUNING=0``
leaves the BLAS alone (``release`` gives OpenBLAS back its own thread count).

Example:
    >>> import numpy as np
    >>> from kfront.backends.numpy import blas
    >>> a, b = np.ones((300, 200)), np.ones((200, 100))
    >>> bool(np.allclose(blas.gemm(a, b), a @ b))
    True
"""
from __future__ import annotations

import ctypes
import sys
import time

import numpy

from kfront.backends.numpy import threads

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_MIN_MACS = 1 << 21  # multiply-adds below which a split costs more than it saves
_MIN_SIDE = 64  # an output side shorter than this (per thread) is not split
# A split by rows cuts them at multiples of this: OpenBLAS computes the output's rows in groups
# (on this Haswell-kernel build: 12 for sgemm, 4 for dgemm), and a short last group sums in
# another order, so a piece cut elsewhere rounds some rows apart from the whole product; cut
# on a group boundary, every row keeps its group and the split gives the whole product's bits
# (checked on random operands; splits by columns differ however they are cut)
_ROW_STEP = 24
_MIN_ROWS = 2 * _ROW_STEP  # rows per piece of a split by rows, at least
# multiply-adds above which only kfront's split is tried: there the pool's handoff (~20-60 us)
# is a small part of the product, and OpenBLAS's threads, which spin for a while after each
# threaded call, slowed the pool's kernels around it (the seed CNN fit: -10%)
_BLAS_MAX_MACS = 1 << 25
_state: dict = {}


def take_over() -> bool:
    """Run OpenBLAS on one thread (once per process) when kfront has several; True if so."""
    if "pinned" not in _state:
        _state["pinned"] = threads.num_threads() > 1 and _set_openblas_threads(1)
    return _state["pinned"]


def _set_openblas_threads(n: int) -> bool:
    setter = _setter()
    if setter is None:
        return False
    setter(n)
    return True


def _setter():
    """OpenBLAS's ``set_num_threads`` as ``f(n)`` (looked up once; None without OpenBLAS),
    noting the thread count it had before in ``_state["before"]``."""
    if "setter" in _state:
        return _state["setter"]
    _state["setter"] = None
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                getter = getattr(lib, name.replace("_set_", "_get_"), None)
                if getter is not None:
                    _state.setdefault("before", getter())
                _state["setter"] = lambda n, setter=setter: setter(ctypes.c_int(n))
                return _state["setter"]
    return None


def release() -> None:
    """Give OpenBLAS back the thread count it had before ``take_over`` (and never take it
    over later)."""
    if _state.get("pinned") and "before" in _state:
        _set_openblas_threads(_state["before"])
    _state["pinned"] = False


def host_setting() -> dict:
    """This setting's entry of ``host.settings()``."""
    if not _state.get("pinned"):
        return {"changed": False, "value": "OpenBLAS's own thread count"}
    before = f" (it had {_state['before']})" if "before" in _state else ""
    return {"changed": True, "value": f"OpenBLAS runs on 1 thread{before}, for all the "
            "process's NumPy code; kfront splits large products over its own threads or runs "
            "one on OpenBLAS's threads where that measured faster"}


def gemm(a, b, out=None):
    """``a @ b`` (into ``out`` if given); for NumPy arrays split over the worker threads when
    ``take_over`` pinned the BLAS: one matrix (leading axes of size 1 dropped) times an ``a`` of
    rank >= 2 (leading axes batched) by rows or columns of the output, and stacks of matrices
    with the same leading axes by the first of them (each matrix is one BLAS call either way:
    the same bits)."""
    if type(a) is not numpy.ndarray or type(b) is not numpy.ndarray:
        return a @ b if out is None else _into(out, a @ b)
    if (not _state.get("pinned") or a.ndim < 2 or b.ndim < 2 or threads.num_threads() == 1):
        return numpy.matmul(a, b, out=out)
    if b.ndim > 2 and _single(b):  # one matrix with leading axes of size 1
        lead = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        y = gemm(a.reshape(a.shape[-2:]) if _single(a) else a, b.reshape(b.shape[-2:]))
        y = y.reshape(lead + y.shape[-2:])
        return y if out is None else _into(out, y)
    if b.ndim > 2:
        if a.shape[:-2] != b.shape[:-2] or a.shape[0] == 1:
            return numpy.matmul(a, b, out=out)
        return _stacked(a, b, out)
    if a.ndim > 2:
        lead = a.shape[:-2]
        if _single(a):
            a = a.reshape(a.shape[-2:])  # (a view however a is laid out)
        elif not a.flags.c_contiguous:
            return numpy.matmul(a, b, out=out)
        y = _matrix(a.reshape(-1, a.shape[-1]), b).reshape(*lead, a.shape[-2], b.shape[1])
        return y if out is None else _into(out, y)
    return _matrix(a, b) if out is None else _into(out, _matrix(a, b))


def _single(x) -> bool:
    """Whether ``x``'s axes before its last two all have size 1."""
    return all(s == 1 for s in x.shape[:-2])


def _into(out, y):
    out[...] = y
    return out


def _stacked(a, b, out):
    """Stacks of matrices (same leading axes), the first axis split over the threads."""
    if out is None:
        out = numpy.empty(a.shape[:-1] + b.shape[-1:], numpy.result_type(a, b))

    def part(s, e):
        numpy.matmul(a[s:e], b[s:e], out=out[s:e])
    threads.parallel(part, len(out), a.size + b.size + out.size,
                     pieces=min(len(out), threads.num_threads()))
    return out


def _matrix(a, b):
    """``a @ b`` of two matrices, split by rows or columns where the measured plan says so."""
    m, k = a.shape
    n = b.shape[1]
    side = max(m, n)
    if m * n * k < _MIN_MACS or side < 2 * _MIN_SIDE or k != b.shape[0]:
        return a @ b
    key = (m, n, k, a.dtype, b.dtype, a.strides, b.strides)
    plan = _plans.get(key)
    if plan is _WHOLE:
        if key not in _timed_whole or not threads.due_again(key):
            return a @ b
        plan = _plans[key] = [[], [], _timed_whole[key]]  # measured again (threads.due_again)
    if plan is _SPLIT:
        return _split(a, b)
    if plan is _BLAS:
        return _blas_threads(a, b)
    return _measure(key, plan, a, b)


_WHOLE, _SPLIT, _BLAS = "whole", "split", "blas"
_WAYS = {_SPLIT: lambda a, b: _split(a, b),  # (looked up at each call)
         _BLAS: lambda a, b: _blas_threads(a, b)}
_plans: dict = {}  # (shapes, dtypes, strides) -> _WHOLE | _SPLIT | _BLAS, or
#                    [whole timings, threaded timings, the threaded way]
_timed_whole: dict = {}  # key -> the threaded way, for products that timing (not bits) made whole


def _measure(key, times, a, b):
    """A product whose plan is not settled: the whole product on one thread or a threaded
    way, one of them a call, in turn (both on the same call favoured whichever ran second,
    its operands in cache); ``threads.settle`` decides. Up to ``_BLAS_MAX_MACS`` the threaded
    way is OpenBLAS's own threads (``_blas_threads``) where they give the one-thread bits for
    this shape, else kfront's split where it does (rows cut at ``_ROW_STEP``: the MLP's
    100x784 @ 784x256, which threaded OpenBLAS rounds differently), else none: such a product
    runs whole. Above it the threaded way is the split; it is chosen only if it is faster by
    its margin AND gives the whole product's bits (a split by columns may round a piece
    differently: then the split stays, as before measuring, so that runs repeat exactly)."""
    if times is None:
        pa, pb = _probe(a), _probe(b)  # (the call's own operands may sum exactly in any order)
        whole = pa @ pb
        if key[0] * key[1] * key[2] <= _BLAS_MAX_MACS:
            way = next((w for w in (_BLAS, _SPLIT)
                        if numpy.array_equal(whole, _WAYS[w](pa, pb))), None)
            if way is None:
                _plans[key] = _WHOLE
                return a @ b
            times = _plans[key] = [[], [], way]
        elif numpy.array_equal(whole, _split(pa, pb)):
            times = _plans[key] = [[], [], _SPLIT]
        else:
            _plans[key] = _SPLIT
            return _split(a, b)
    threaded = len(times[1]) < len(times[0])  # one way a call, in turn (as threads.py's)
    start = time.perf_counter()
    y = _WAYS[times[2]](a, b) if threaded else a @ b
    times[threaded].append(time.perf_counter() - start)
    won = threads.settle(times)
    if won is not None:
        _plans[key] = times[2] if won else _WHOLE
        if not won:
            _timed_whole[key] = times[2]
    return y  # (both ways give the same bits here)


def _blas_threads(a, b):
    """``a @ b`` on OpenBLAS's own threads, as many as kfront's, for this one call (then one
    again); from a piece of a threaded kernel, on that piece's thread (a plain ``a @ b``)."""
    setter = _setter()
    if setter is None or getattr(threads._inside, "yes", False):
        return a @ b
    setter(threads.num_threads())
    try:
        return a @ b
    finally:
        setter(1)


def _probe(x):
    """Random numbers laid out as ``x`` (the same memory order, so the BLAS gets the same
    transposition flags): zeros or small integers, such as a zero-initialized kernel, give
    the same bits however they are summed and would hide a split that rounds differently."""
    probe = numpy.empty_like(x)
    probe[...] = numpy.random.default_rng(0).standard_normal(x.shape)
    return probe


def _split(a, b):
    """``a @ b`` by rows of the output, cut at multiples of ``_ROW_STEP`` (the whole
    product's bits), where there are ``_MIN_ROWS`` for each of two pieces or more; else by
    columns. One piece per thread."""
    m, n = a.shape[0], b.shape[1]
    out = numpy.empty((m, n), numpy.result_type(a, b))
    pieces = min(threads.num_threads(), m // _MIN_ROWS)
    if pieces > 1:
        steps = m // _ROW_STEP

        def rows(s, e):  # steps s to e (the last piece also takes the rows after the last step)
            cut = slice(s * _ROW_STEP, m if e == steps else e * _ROW_STEP)
            numpy.matmul(a[cut], b, out=out[cut])
        threads.run_pieces(rows, steps, pieces, pieces)
        return out

    def columns(s, e):
        numpy.matmul(a, b[:, s:e], out=out[:, s:e])
    pieces = min(threads.num_threads(), n // _MIN_SIDE)
    threads.run_pieces(columns, n, pieces, pieces)
    return out
