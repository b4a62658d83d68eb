"""The ops issue 13 names, kfront against real Keras 3 on the same backend: milliseconds per call.

- ``attention``: ``ops.dot_product_attention`` (batch 8, 4 heads, length 256, head size 64);
- ``einsum``: the contractions of a transformer block (the Q/K/V projection, the attention
  scores and mixing, the output projection) at batch 8, length 256, width 256, 4 heads;
- ``sort`` and ``top_k`` on (1000, 10000) float32;
- ``resize``: ``ops.image.resize`` bilinear 224 -> 112 on (32, 224, 224, 3).

Run with ``python benchmarks/run.py ops [--repeats 5] [--cases ...]``. Every case is a fresh
process: it imports its library with the backend set, warms the op up (compiles, caches, and
the native engine's thread choice, which times both ways on a kernel's first 10-26 calls:
``WARMUP_CALLS`` calls, or fewer once ``WARMUP_SECONDS`` have passed, the same for every
library), then reports the median of ``CALLS`` timed calls, with the result brought to the
host (so that asynchronous backends finish). Ratios: kfront on each backend no slower than
Keras on that backend; the native engine within 1.5x of Keras's best backend (printed as a
ratio to each Keras backend with target 1/1.5).
"""
from __future__ import annotations

import os
import statistics
import time

from common import main

TITLE = "keras.ops kernels (issue 13)"
METRIC, UNIT, LOWER_IS_BETTER = "ms", "ms per call", True
EXTRAS: dict = {}
CALLS = 7
WARMUP_CALLS, WARMUP_SECONDS = 26, 2.0
BACKENDS = ("torch", "tensorflow", "jax")


def _inputs(op: str):
    import numpy as np
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.normal(size=s).astype("float32")  # noqa: E731
    if op == "attention":
        return (f32(8, 256, 4, 64), f32(8, 256, 4, 64), f32(8, 256, 4, 64))
    if op == "einsum":
        return (f32(8, 256, 256), f32(256, 4, 64), f32(8, 256, 4, 64), f32(4, 64, 256))
    if op in ("sort", "top_k"):
        return (f32(1000, 10000),)
    return (rng.uniform(0, 1, size=(32, 224, 224, 3)).astype("float32"),)


def _call(ops, op: str, xs):
    if op == "attention":
        return ops.dot_product_attention(*xs)
    if op == "einsum":
        x, w_qkv, kv, w_out = xs
        q = ops.einsum("btd,dnh->btnh", x, w_qkv)
        scores = ops.einsum("btnh,bsnh->bnts", q, kv)
        mixed = ops.einsum("bnts,bsnh->btnh", scores, kv)
        return ops.einsum("btnh,nhd->btd", mixed, w_out)
    if op == "sort":
        return ops.sort(xs[0], axis=-1)
    if op == "top_k":
        return ops.top_k(xs[0], k=10)[0]
    return ops.image.resize(xs[0], (112, 112), interpolation="bilinear")


def case(lib_name: str, backend: str, op: str) -> dict:
    os.environ["KFRONT_BACKEND" if lib_name == "kfront" else "KERAS_BACKEND"] = backend
    lib = __import__(lib_name)
    ops = lib.ops
    xs = [ops.convert_to_tensor(x) for x in _inputs(op)]
    start = time.perf_counter()
    for _ in range(WARMUP_CALLS):  # at least one call (compilation, caches)
        ops.convert_to_numpy(_call(ops, op, xs))
        if time.perf_counter() - start > WARMUP_SECONDS:
            break
    times = []
    for _ in range(CALLS):
        t = time.perf_counter()
        ops.convert_to_numpy(_call(ops, op, xs))
        times.append(time.perf_counter() - t)
    return {"ms": 1000 * statistics.median(times)}


OP_NAMES = ("attention", "einsum", "sort", "top_k", "resize")
LIBS = ("kfront-numpy", *(f"{lib}-{b}" for b in BACKENDS for lib in ("kfront", "keras")))
CASES = {f"{op}:{lib}": (lambda op=op, lib=lib: case(*lib.split("-"), op))
         for op in OP_NAMES for lib in LIBS}
RATIOS = ([(f"{op}:kfront-{b}", f"{op}:keras-{b}", 1.0) for op in OP_NAMES for b in BACKENDS]
          + [(f"{op}:kfront-numpy", f"{op}:keras-{b}", 1 / 1.5) for op in OP_NAMES
             for b in BACKENDS])

if __name__ == "__main__":
    main(CASES)
