"""The native engine's threaded kernels: the same bits on one thread and on several."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import ops, optimizers
from kfront.backends.numpy import threads


@pytest.fixture(autouse=True)
def native():
    if kfront.config.backend() != "numpy":
        pytest.skip("native-engine kernels")


def _step(seed=0):
    """Forward and gradient of conv -> max_pool (disjoint and overlapping) -> Adam update."""
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.normal(size=(16, 14, 14, 3)), 0).astype("float32")  # ties at zero
    k = rng.normal(size=(3, 3, 3, 8)).astype("float32")
    w = kfront.Variable(k)

    def loss(x, kernel):
        y = ops.relu(ops.conv(x, kernel, padding="same"))
        a = ops.max_pool(y, 2)
        b = ops.max_pool(y, 3, strides=2, padding="same")
        return ops.sum(ops.square(a)) + ops.sum(b)

    value, grads = ops.value_and_grad(loss, argnums=(0, 1))(x, k)
    opt = optimizers.Adam(0.01, amsgrad=True)
    opt.apply_gradients([(grads[1], w)])
    return [np.asarray(value), *map(np.asarray, grads), w.numpy()] + [
        v.numpy() for v in opt.variables]


def test_threaded_kernels_equal_one_thread(monkeypatch):
    """The same pieces on one thread and on three give the same bits (the pieces come from
    the work, never the thread count)."""
    monkeypatch.setattr(threads, "_MIN_WORK", 256)  # small arrays split too, in many pieces
    monkeypatch.setattr(threads, "_PIECE_WORK", 512)
    monkeypatch.setitem(threads._pool, "n", 1)
    one = _step()
    monkeypatch.setitem(threads._pool, "n", 3)
    many = _step()
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)


def test_parallel_covers_the_range_once(monkeypatch):
    monkeypatch.setitem(threads._pool, "n", 4)
    seen = np.zeros(1000, int)

    def mark(a, b):
        seen[a:b] += 1
    threads.parallel(mark, 1000, 1 << 30)
    assert (seen == 1).all()
    threads.parallel(mark, 1000, 1 << 19)  # two pieces of 1 << 18
    assert (seen == 2).all()
    threads.parallel(mark, 3, 1 << 30)  # fewer items than threads
    assert seen[:3].tolist() == [3, 3, 3]


def _openblas() -> bool:
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return "openblas" in config.get("name", "").lower()


def test_native_engine_runs_openblas_on_one_thread():
    from kfront.backends.numpy import blas
    if not _openblas() or threads.num_threads() == 1:
        pytest.skip("OpenBLAS with several kfront threads only")
    assert blas.take_over() is True


def _gemm_setup(monkeypatch):
    from kfront.backends.numpy import blas
    monkeypatch.setitem(blas._state, "pinned", True)
    monkeypatch.setitem(threads._pool, "n", 3)
    monkeypatch.setattr(blas, "_MIN_MACS", 1)
    monkeypatch.setattr(blas, "_MIN_SIDE", 8)
    monkeypatch.setattr(blas, "_plans", {})
    monkeypatch.setattr(blas, "_BLAS_MAX_MACS", 0)  # (OpenBLAS's threads: a test of its own)
    return blas


@pytest.mark.parametrize("shapes", [((300, 70), (70, 40)), ((40, 70), (70, 300)),
                                    ((3, 50, 70), (70, 60)), ((70, 300), (70, 40), "T")],
                         ids=["rows", "columns", "batched", "transposed"])
def test_gemm_splits_the_product_over_the_threads(monkeypatch, shapes):
    blas = _gemm_setup(monkeypatch)
    rng = np.random.default_rng(0)
    a = rng.normal(size=shapes[0]).astype("float32")
    a = a.T if len(shapes) > 2 else a
    b = rng.normal(size=shapes[1]).astype("float32")
    calls = []
    real = threads.run_pieces
    monkeypatch.setattr(threads, "run_pieces", lambda fn, n, pieces, k: (
        calls.append((pieces, k)), real(fn, n, pieces, k)))
    out = blas.gemm(a, b)
    assert calls and calls[0] == (3, 3)  # split in three, one piece per thread
    # (the BLAS may round a piece differently from the whole: its kernels depend on the shapes)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)
    for _ in range(threads.WARMUP + threads.MAX_TRIALS):  # measured, then settled: same bits
        np.testing.assert_array_equal(out, blas.gemm(a, b))
    assert blas._plans and all(p in (blas._WHOLE, blas._SPLIT) for p in blas._plans.values())
    assert blas.gemm(a[..., :3], b[:3]).shape == (*a.shape[:-1], b.shape[1])


def test_gemm_split_is_measured_and_kept_only_when_it_pays_and_rounds_alike(monkeypatch):
    import time
    blas = _gemm_setup(monkeypatch)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(64, 32)), rng.normal(size=(32, 48))
    real = blas._split
    # (a split with the whole product's bits: OpenBLAS's sgemm on AVX-512 CPUs picks its
    # kernel by size, so a real piece may round apart from the whole)
    monkeypatch.setattr(blas, "_split", lambda a, b: (time.sleep(0.01), a @ b)[1])
    for _ in range(2 * (threads.WARMUP + threads.TRIALS)):  # (one way timed a call)
        blas.gemm(a, b)
    assert list(blas._plans.values()) == [blas._WHOLE]  # the split was slower
    monkeypatch.setattr(blas, "_plans", {})
    monkeypatch.setattr(blas, "_split", lambda a, b: real(a, b) + 1e-12)  # other bits
    out = blas.gemm(a, b)
    assert list(blas._plans.values()) == [blas._SPLIT]  # kept as before, so runs repeat
    np.testing.assert_array_equal(out, blas.gemm(a, b))


def test_small_gemms_try_openblas_threads_for_one_call_and_give_back_one_thread(monkeypatch):
    """Up to _BLAS_MAX_MACS the threaded way of a product is OpenBLAS's own threads (where
    they give the one-thread bits): set to kfront's thread count for the call, back to one
    after it, plain in a piece of a threaded kernel; above it, kfront's split."""
    from kfront.backends.numpy import blas
    if not _openblas() or blas._setter() is None:
        pytest.skip("OpenBLAS only")
    blas = _gemm_setup(monkeypatch)
    monkeypatch.setattr(blas, "_BLAS_MAX_MACS", 1 << 25)
    counts = []
    real = blas._setter()
    monkeypatch.setitem(blas._state, "setter", lambda n: (counts.append(n), real(n)))
    rng = np.random.default_rng(2)
    a = rng.normal(size=(100, 256)).astype("float32")
    b = rng.normal(size=(256, 256)).astype("float32")
    blas._set_openblas_threads(1)
    one = a @ b
    for _ in range(threads.WARMUP + threads.MAX_TRIALS + 1):
        np.testing.assert_array_equal(blas.gemm(a, b), one)
    plan = blas._plans[(100, 256, 256, a.dtype, b.dtype, a.strides, b.strides)]
    assert plan in (blas._BLAS, blas._WHOLE) or plan[2] == blas._BLAS
    assert counts and counts[-1] == 1 and set(counts) == {3, 1}  # kfront's 3, then one
    counts.clear()
    threads._inside.yes = True
    try:
        np.testing.assert_array_equal(blas._blas_threads(a, b), one)
    finally:
        threads._inside.yes = False
    assert counts == []  # in a piece: that piece's thread only
    monkeypatch.setattr(blas, "_BLAS_MAX_MACS", 100 * 256 * 256 - 1)
    monkeypatch.setattr(blas, "_plans", {})
    blas.gemm(a, b)
    plan = next(iter(blas._plans.values()))
    assert counts == [] and (plan == blas._SPLIT or plan[2] == blas._SPLIT)


def test_threading_of_a_kernel_is_measured_then_settled(monkeypatch):
    import threading
    import time
    monkeypatch.setitem(threads._pool, "n", 2)
    monkeypatch.setattr(threads, "_choice", {})
    out = np.zeros(1 << 20)

    def waits(a, b):  # pieces that wait without the GIL overlap: the pool wins
        time.sleep(0.02)  # (long enough to win on a busy machine too)
        out[a:b] += 1

    def holds_the_gil(a, b):  # pieces that cost more on the pool's threads (pure Python
        # holding the GIL, a cache the pool's threads share): one thread wins. The pool's
        # share waits on purpose: real GIL-bound work timed 1:1 and a busy CI machine once
        # settled it on the pool
        if threading.current_thread().name.startswith("kfront"):
            time.sleep(0.02)
        out[a:b] += 1
    calls = 0
    while len(threads._choice) < 2 or any(type(v) is not int for v in threads._choice.values()):
        threads.parallel(waits, out.size, 1 << 19)  # (two pieces each)
        threads.parallel(holds_the_gil, out.size, 1 << 19)
        calls += 1
        assert calls <= 2 * (threads.WARMUP + threads.MAX_TRIALS)  # settled by then
    assert {k[0].co_name: v for k, v in threads._choice.items()} == {"waits": 2,
                                                                     "holds_the_gil": 1}
    assert (out == 2 * calls).all()  # every call covered the range once


def test_settle_takes_medians_after_the_warm_up_and_more_calls_when_close():
    """One lucky or unlucky call does not decide; a ratio near the margin waits for more."""
    w, t, m = threads.WARMUP, threads.TRIALS, threads.MARGIN
    plain, fast, slow = [1.0] * (w + t), [0.5] * (w + t), [2.0] * (w + t)
    assert threads.settle([plain, fast]) is True and threads.settle([plain, slow]) is False
    assert threads.settle([plain[:-1], fast]) is None  # each way needs its trials
    lucky = [9.0] * w + [0.1] + [1.0] * (t - 1)  # the minimum would pick the pool
    assert threads.settle([plain, lucky]) is False
    close = [m] * (w + t)  # the ratio at the margin: more calls, then the plain way
    assert threads.settle([plain, close]) is None
    many = threads.WARMUP + threads.MAX_TRIALS
    assert threads.settle([[1.0] * many, [m] * many]) is False
    assert threads.settle([[1.0] * many, [m - 0.01] * many]) is True


def test_small_gemm_whose_openblas_threads_round_differently_is_split_by_rows(monkeypatch):
    """Up to _BLAS_MAX_MACS, where OpenBLAS's threads would give other bits than one thread
    (the MLP's 100x784 @ 784x256), the threaded way measured is kfront's split by rows, if it
    gives the whole product's bits; if neither does, the product runs whole, unmeasured."""
    blas = _gemm_setup(monkeypatch)
    monkeypatch.setattr(blas, "_BLAS_MAX_MACS", 1 << 25)
    real = blas._blas_threads
    monkeypatch.setattr(blas, "_blas_threads", lambda a, b: real(a, b) + 1e-3)  # other bits
    rng = np.random.default_rng(3)
    a = rng.normal(size=(100, 78)).astype("float32")
    b = rng.normal(size=(78, 256)).astype("float32")
    for _ in range(threads.WARMUP + threads.MAX_TRIALS):
        np.testing.assert_array_equal(blas.gemm(a, b), a @ b)
    plan = next(iter(blas._plans.values()))
    assert plan == blas._SPLIT or (plan == blas._WHOLE and blas._timed_whole) or (
        plan[2] == blas._SPLIT)
    monkeypatch.setattr(blas, "_plans", {})
    monkeypatch.setattr(blas, "_split", lambda a, b: a @ b + 1e-3)  # other bits too
    np.testing.assert_array_equal(blas.gemm(a, b), a @ b)
    assert list(blas._plans.values()) == [blas._WHOLE]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", [((100, 784), (784, 256)), ((784, 100), (100, 256), "T"),
                                    ((100, 256), (256, 256)), ((300, 70), (70, 40)),
                                    ((1000, 288), (288, 64))],
                         ids=["mlp-forward", "mlp-kernel-grad", "mlp-hidden", "rows", "conv"])
def test_split_by_rows_gives_the_whole_products_bits(monkeypatch, shapes, dtype):
    """Rows cut at multiples of _ROW_STEP: OpenBLAS's row groups stay whole, so every piece
    rounds as the whole product does (cut at m / 2 or by columns, float32 products of these
    shapes differ from the whole on an AVX-512 EPYC's OpenBLAS)."""
    blas = _gemm_setup(monkeypatch)
    rng = np.random.default_rng(4)
    for n in (2, 3):
        monkeypatch.setitem(threads._pool, "n", n)
        for _ in range(3):
            transposed = len(shapes) > 2  # (a.T as the kernel gradient's x.T)
            a = rng.normal(size=shapes[0][::-1] if transposed else shapes[0]).astype(dtype)
            a = a.T if transposed else a
            b = rng.normal(size=shapes[1]).astype(dtype)
            np.testing.assert_array_equal(blas._split(a, b), a @ b)




@pytest.mark.parametrize("kind", ["kernel", "product"])
def test_a_one_thread_choice_is_measured_again_after_a_disturbed_start(monkeypatch, kind):
    """A kernel (or a product) that settled on one thread (its pool looked slow in its first
    calls: a busy core) is measured again after RECHECK calls, and takes the pool when the
    new timings say it pays; a choice for the pool stays."""
    blas = _gemm_setup(monkeypatch)
    monkeypatch.setattr(threads, "_choice", {})
    monkeypatch.setattr(threads, "_rechecks", {})
    monkeypatch.setattr(blas, "_timed_whole", {})
    busy, verdicts = [True], []

    def settle(times):  # the pool loses while the core is busy, wins after
        if min(len(times[0]), len(times[1])) < threads.WARMUP + threads.TRIALS:
            return None
        verdicts.append(not busy[0])
        return not busy[0]
    monkeypatch.setattr(threads, "settle", settle)
    out = np.zeros(1 << 20)
    a, b = np.ones((64, 32)), np.ones((32, 48))
    monkeypatch.setattr(blas, "_split", lambda a, b: a @ b)  # the whole's bits (see above)

    def call():
        if kind == "kernel":
            threads.parallel(lambda lo, hi: out.__setitem__(slice(lo, hi), 1.0), len(out),
                             out.size)
        else:
            blas.gemm(a, b)
    choices = threads._choice if kind == "kernel" else blas._plans
    plain, pool = (1, 3) if kind == "kernel" else (blas._WHOLE, blas._SPLIT)
    for _ in range(2 * (threads.WARMUP + threads.TRIALS)):  # (a kernel times one way a call)
        call()
    assert verdicts == [False] and list(choices.values()) == [plain]
    busy[0] = False
    for _ in range(threads.RECHECK + 2 * (threads.WARMUP + threads.TRIALS)):
        call()
    assert list(choices.values()) == [pool]
    for _ in range(4 * threads.RECHECK):  # settled on the pool: never measured again
        call()
    assert verdicts == [False, True]
