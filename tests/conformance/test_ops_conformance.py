"""Every op of the interface, forward and gradient, on every backend against the native engine.

The reference is the native engine in float64. Each backend must agree to rtol 1e-6 in float64
and 1e-4 in float32 (relative to the output's scale), give the native engine's output dtype,
and give the same gradients (of ``sum(out * w)`` for a fixed random ``w``) to the same
tolerances.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import kfront
from kfront import ops

from conformance.support import activate
from conformance.op_cases import CASES, NOT_IN_TABLE

RTOL = {"float64": 1e-6, "float32": 1e-4}
_reference: dict = {}


def _inputs(case, dtype):
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    return [a.astype(dtype) if a.dtype.kind == "f" else a for a in case.make(rng)]


def _weights(outs, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=o.shape) for o in outs]


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _run(case, dtype):
    """Outputs (numpy), their dtypes, and gradients (numpy) on the active backend."""
    args = _inputs(case, dtype)
    outs = _flat(case.fn(ops, *args))
    values = [ops.convert_to_numpy(o) for o in outs]
    dtypes = [ops.dtype(o) for o in outs]
    grads = None
    if case.diff:
        ws = [w.astype(dtype) for w in _weights(values, 1)]

        def scalar(*diff_args):
            full = list(args)
            for i, a in zip(case.diff, diff_args):
                full[i] = a
            total = 0.0
            for o, w in zip(_flat(case.fn(ops, *full)), ws):
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
            return total

        _, g = ops.value_and_grad(scalar, argnums=tuple(range(len(case.diff))))(
            *[args[i] for i in case.diff])
        grads = [ops.convert_to_numpy(x) for x in g]
    return values, dtypes, grads


def reference(case, dtype):
    """The native engine's results, computed once per case and dtype."""
    key = (case.id, dtype)
    if key not in _reference:
        current = kfront.config.backend()
        kfront.config.set_backend("numpy")
        try:
            _reference[key] = _run(case, dtype)
        finally:
            activate(current)
    return _reference[key]


def _close(got, want, dtype, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, native {want.shape}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * scale,
                               err_msg=what)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_forward_and_gradient_match_native(backend, case, dtype):
    values, dtypes, grads = _run(case, dtype)
    ref_values, _, ref_grads = reference(case, "float64")
    _, ref_dtypes, _ = reference(case, dtype)
    assert dtypes == ref_dtypes, f"{case.id}: output dtypes {dtypes}, native {ref_dtypes}"
    assert len(values) == len(ref_values)
    for i, (got, want) in enumerate(zip(values, ref_values)):
        _close(got, want, dtype, f"{case.id} output {i} on {backend}")
    for i, (got, want) in enumerate(zip(grads or [], ref_grads or [])):
        _close(got, want, dtype, f"{case.id} gradient {i} on {backend}")


def test_table_covers_the_whole_interface():
    """Every op the native engine exports is in the table or explicitly exempted (the modules of
    tests/ops/own_suites.py have cross-backend suites of their own)."""
    import kfront.backends.numpy as native
    from ops.own_suites import own_suite_names
    exported = {n for n in native.__all__ if hasattr(ops, n) and callable(getattr(ops, n))}
    covered = {c.name for c in CASES} | NOT_IN_TABLE | own_suite_names()
    assert sorted(exported - covered) == []


@pytest.mark.parametrize("sampler,kwargs", [
    ("normal", {"shape": (3, 4), "mean": 1.0, "stddev": 2.0}),
    ("uniform", {"shape": (3, 4), "minval": -1.0, "maxval": 3.0}),
    ("truncated_normal", {"shape": (3, 4)}),
    ("randint", {"shape": (3, 4), "minval": 0, "maxval": 9}),
])
def test_seeded_random_is_identical_on_every_backend(backend, sampler, kwargs):
    got = ops.convert_to_numpy(getattr(kfront.random, sampler)(**kwargs, seed=11))
    kfront.config.set_backend("numpy")
    want = ops.convert_to_numpy(getattr(kfront.random, sampler)(**kwargs, seed=11))
    activate(backend)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
