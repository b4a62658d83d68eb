"""MLP 784-256-256-10, Adam, batch 100, float32, on the bundled MNIST digits: training samples/s.

Cases: kfront on each backend (``fit``), real Keras 3 on the same backends, hand-written NumPy
and PyTorch loops of the same model, and ``gemm-peak``: this machine's float32 GEMM peak (the
best of a few ``GEMM_N``-square NumPy matmuls with NumPy's default BLAS threads, in a process
without kfront), from which the kfront-numpy step's share of that peak is derived (FLOPs per
sample: 2 x MACs forward + 4 x MACs backward of the Dense layers). Run with
``python benchmarks/run.py mlp``.

The torch cases' "two speeds" (kfront-torch 46k in one run, 27k in another) are this
machine's, not a setting of one library: timed epoch by epoch in one process under the bench
lock (vmstat: 99% idle), kfront-torch ranged 26k-57k and Keras-torch 13k-28k samples/s, with no
trend across epochs. One torch thread (``OMP_NUM_THREADS=1``) steadies kfront at ~35k but loses
to the default two (median 48k, 4 alternating runs each), so the threads stay torch's. kfront's
step is within ~10% of the hand-written PyTorch loop (51k vs 57k, medians of 3): GEMMs run at
MKL's peak, Adam is torch's fused kernel, and Python costs ~0.6 ms of a ~2 ms step.
Checked again at 7dcc8b5 (2 AMD EPYC cores, KVM, bench lock): no kfront setting or per-shape
choice flips it (torch picks its own threads; the native engine is not loaded). Epoch by epoch,
kfront-torch's process used 2x its wall time in CPU (both threads busy) while other processes
used ~0 s and steal was 0 (``/proc/stat``), yet epochs ranged 34k-52k samples/s; the process
has one OpenMP worker (no second OpenMP team). Fresh processes alternating per setting, 5
epochs each: round 1 default 35-53k, ``OMP_WAIT_POLICY=ACTIVE`` 47-56k, ``GOMP_SPINCOUNT=3e6``
/ ``3e7`` 46-52k; round 2 ACTIVE 31-34k, ``3e7`` 30-35k, default 42-46k: every setting slows
together in a bad period (``PASSIVE``: 28-36k in both). The MLP's GEMMs alone, timed in 4 fresh
processes, were steady (100x784x256 230-243 us, 165-175 GFLOP/s); on one thread pinned to
either CPU they run at ~100 GFLOP/s on both, so neither core is slower. The GEMMs are ~70% of
the step's op time (mm + addmm 1.0 of 1.44 ms a step, torch.profiler), and the slow mode (~35k)
is about kfront's one-thread speed: in a slow period the OpenMP worker's half of each small
GEMM comes late, while Keras's ~5 ms step, mostly single-threaded Python, hardly moves (19.4k
in both runs of one run.py call where kfront gave 46.9k and 35.0k: 2.11x). run.py 2 repeats
gave 2.60x (52.6k vs 20.2k) and, in an earlier disturbed period, 0.51x (6.4k/11.3k vs
15.0k/19.8k). Scheduling, per 0.25 s epoch in 5 fresh processes (43-57k): the OpenMP worker
never sleeps (0 voluntary switches: it spins), main thread and worker stay on their CPUs (0
migrations), and the worker is preempted 15-32 times an epoch by other tasks; a 2-thread GEMM
waits for a preempted worker. In a slow period kfront lost ~40% (52k -> 27-35k) where Keras
lost ~10% (20k -> 17-18k): the ratio falls to ~1.8x.

The native case (kfront-numpy), measured after abb37cd (one-thread choices timed again) under
the bench lock, fresh processes: the GEMM plans (``blas._plans``) came out the same in 4 of 4
processes (OpenBLAS's threads for 100x256x256, both of its transposes and 784x256x100; 100x784
@ 784x256 whole, since threaded OpenBLAS rounds it differently), where before 1 of 3 settled
every 256-wide product whole (its timings at settle: ~190 us either way, against ~150 vs
~110 us in the other two). Steady state, one process: 100x784x256 395 us whole vs 233 us on
OpenBLAS's 2 threads; 784x256x100 397 vs 213; the 256-wide ones 130-154 vs 84-100. Forcing
the 100x784x256 product onto OpenBLAS's threads (what the one-thread-bits rule forbids) gave
31.6/23.8/41.9/35.9k vs 26.9/27.6/29.0/27.0k samples/s (alternating pairs, 3 of 4 won); it
was not adopted: that plan is chosen by timing, so the weights' bits would differ from run to
run, not only with the thread count. Adam's kernel (all six variables) in steady state: 514-522
us in cache-sized pieces on one thread, 452-460 us as one piece, 537-683 us on 2 threads
(2-4 pieces), so its update stays on one thread here. The machine's noise is larger than
these effects: kfront-numpy 4.6k-43.4k, numpy-handwritten 36.4k-52.3k samples/s in one hour.
After 1d075a0 (rows of a split cut at multiples of 24: OpenBLAS's row groups stay whole, so
the split has the one-thread bits) both 784-deep products run on kfront's two threads (plans
settle there after the first re-measuring, within the warm-up epoch): ~52k vs ~48k before, with
numpy-handwritten at ~75k (its every GEMM on OpenBLAS's 2 threads) in the same runs. What is
left, measured: kfront's pool hands work over in ~45-50 us (a lock ping-pong between two threads
alone takes ~43 us on this VM), so the 256-wide products (~110 us) stay whole; running the
hidden layer's two gradient products at once would save ~50 us of a ~1.9 ms step (214 -> 163
us in isolation); GEMMs are ~1.0 ms of kfront's step against ~0.65 ms of the hand-written one.

JAX, measured 2026-12-08 (bench lock): the jitted step alone (same batch, donated state, 300
steps x 5) takes 806-925 us in kfront vs 828-918 us in Keras (2 fresh processes each); kfront's
HLO has 44 fusions to Keras's 59 (Keras computes accuracy in the step, kfront on the host from
the returned outputs). kfront's fit runs within ~3% of a minimal loop over its jitted step
(numpy slices, a flush every 8 steps; medians 105k vs 108k samples/s, 6 alternating epochs in
one process), so the step's host path leaves little to take. run.py 4 repeats: kfront-jax
104,736/152,960/151,316/151,225 vs keras-jax 99,090/113,713/128,416/94,859 samples/s (1.42x),
first step 0.37 vs 0.60 s; kfront-jax's fresh processes run either ~105k or ~151k.
"""
from __future__ import annotations

import time

from common import digits, first_step_ratios, fit_case, library_cases, main, quick, timed

TITLE = "MLP 784-256-256-10, Adam, batch 100"
EXTRAS = {"first_step_s": "first step {:.2f} s", "gflops": "{:.1f} GFLOP/s"}
UNITS = (784, 256, 256, 10)
BATCH, EPOCHS = 100, quick(3, 1)
REPEAT_DATA = quick(3, 1)  # 12,000 samples per epoch: the 4,000 bundled digits three times
GEMM_N, GEMM_CALLS = 2048, 5
MACS_PER_SAMPLE = sum(a * b for a, b in zip(UNITS, UNITS[1:]))
FLOPS_PER_SAMPLE = 2 * MACS_PER_SAMPLE + 4 * MACS_PER_SAMPLE  # forward + backward


def build(lib):
    layers = lib.layers
    return lib.Sequential([layers.Input(UNITS[:1]),
                           *(layers.Dense(u, activation="relu") for u in UNITS[1:-1]),
                           layers.Dense(UNITS[-1], activation="softmax")])


def fit(lib_name, backend):
    x, y = digits(repeat=REPEAT_DATA)
    return fit_case(lib_name, backend, build, x, y, BATCH, EPOCHS)


def gemm_peak() -> dict:
    """Float32 GFLOP/s of the fastest of ``GEMM_CALLS`` square NumPy matmuls after a warm-up."""
    import numpy as np
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(GEMM_CALLS):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return {"gflops": 2 * GEMM_N ** 3 / best / 1e9}


def numpy_handwritten():
    """Forward, backward and Adam written out by hand with in-place NumPy ops."""
    import numpy as np
    x, y = digits(repeat=REPEAT_DATA)
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(UNITS, UNITS[1:]):
        lim = np.sqrt(6 / (fan_in + fan_out))
        params += [rng.uniform(-lim, lim, (fan_in, fan_out)).astype("float32"),
                   np.zeros(fan_out, "float32")]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    state = {"t": 0}
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7

    def step(xb, yb):
        W1, c1, W2, c2, W3, c3 = params
        h1 = xb @ W1; h1 += c1; np.maximum(h1, 0, out=h1)
        h2 = h1 @ W2; h2 += c2; np.maximum(h2, 0, out=h2)
        z = h2 @ W3; z += c3
        z -= z.max(1, keepdims=True); np.exp(z, out=z); z /= z.sum(1, keepdims=True)
        dz = (z - yb) / len(xb)
        grads = [None] * 6
        grads[4], grads[5] = h2.T @ dz, dz.sum(0)
        dh = dz @ W3.T; dh *= h2 > 0
        grads[2], grads[3] = h1.T @ dh, dh.sum(0)
        dh = dh @ W2.T; dh *= h1 > 0
        grads[0], grads[1] = xb.T @ dh, dh.sum(0)
        state["t"] += 1
        t = state["t"]
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for p, g, mi, vi in zip(params, grads, m, v):
            mi += (g - mi) * (1 - b1)
            vi += (g * g - vi) * (1 - b2)
            p -= alpha * mi / (np.sqrt(vi) + eps)

    def epoch():
        perm = rng.permutation(len(x))
        for s in range(0, len(x), BATCH):
            idx = perm[s:s + BATCH]
            step(x[idx], y[idx])

    return timed(epoch, len(x), EPOCHS)


def torch_handwritten():
    """The same MLP as a plain PyTorch loop: nn.Sequential, torch.optim.Adam(eps=1e-7)."""
    import numpy as np
    import torch
    x, y = digits(repeat=REPEAT_DATA)
    x, labels = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)

    def epoch():
        perm = torch.from_numpy(rng.permutation(len(x)))
        for s in range(0, len(x), BATCH):
            idx = perm[s:s + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), labels[idx]).backward()
            opt.step()

    return timed(epoch, len(x), EPOCHS)


def derived(med: dict) -> list:
    """The GFLOP/s of each NumPy training step and its share of the measured GEMM peak."""
    peak = med.get("gemm-peak", {}).get("gflops")
    rows = []
    for case in ("kfront-numpy", "numpy-handwritten"):
        rate = med.get(case, {}).get("samples_per_s")
        if peak and rate:
            gflops = rate * FLOPS_PER_SAMPLE / 1e9
            rows.append(("share of float32 GEMM peak", case, f"{gflops:.1f} GFLOP/s",
                         "gemm-peak", f"{peak:.1f} GFLOP/s", f"{gflops / peak:.1%}"))
    return rows


CASES = {**library_cases(fit), "numpy-handwritten": numpy_handwritten,
         "torch-handwritten": torch_handwritten, "gemm-peak": gemm_peak}
RATIOS = [("kfront-numpy", "numpy-handwritten", 1.0),
          ("kfront-torch", "keras-torch", 2.0),
          ("kfront-tensorflow", "keras-tensorflow", 1.2),
          ("kfront-jax", "keras-jax", 1.2),
          *first_step_ratios()]
DERIVED = derived

if __name__ == "__main__":
    main(CASES)
