"""The native engine's ``top_k`` on long rows (``kfront/backends/numpy/math.py``): the entries at
or above the k-th largest block maximum, the partition fallback (many ties at that bound, short
blocks) and the full sort (NaN rows), by pieces of rows on the worker threads. Every path gives
a stable descending sort's first k indices (ties: lower index first; NaN below everything),
on one thread or many, and the gradient reaches the chosen entries.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops

pytestmark = pytest.mark.usefixtures("native_backend")


def _want(x, k):
    """The first k indices of a stable sort, largest first, NaN last."""
    keys = x.astype("float64") if x.dtype.kind in "iub" else x
    return np.argsort(-keys, axis=-1, kind="stable")[..., :k]


def _rows():
    """Rows that take each path: plain, ties across blocks at the bound, a constant row (more
    entries at the bound than the threshold path takes), NaN and infinities, a length that the
    blocks do not divide."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 1100)).astype("float32")
    x[1, ::3] = x[1].max()  # many ties at the top
    x[2] = 0.5  # every entry tied
    x[3, [7, 500]] = np.nan
    x[4, [3, 90, 1000]] = np.inf
    x[5] = np.round(x[5] * 2)  # few distinct values: ties at the bound in several blocks
    x[6, :] = -0.0
    x[6, ::7] = 0.0
    return x


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint8", "bool"])
def test_top_k_equals_a_stable_sort_on_every_path(dtype):
    x = _rows()
    if dtype != "float32":
        x = np.nan_to_num(x, posinf=100)
        x = (x > 0.3) if dtype == "bool" else (x * 20).astype(dtype)
    for k in (1, 10, 60, 550):
        values, indices = ops.top_k(x, k)
        want = _want(x, k)
        np.testing.assert_array_equal(ops.convert_to_numpy(indices), want, err_msg=f"k={k}")
        np.testing.assert_array_equal(ops.convert_to_numpy(values),
                                      np.take_along_axis(x, want, -1))


def test_top_k_same_indices_on_many_threads_and_pieces(monkeypatch):
    from kfront.backends.numpy import threads
    x = _rows().reshape(3, 4, 1100)
    one = ops.convert_to_numpy(ops.top_k(x, 10)[1])
    monkeypatch.setitem(threads._pool, "n", 3)
    monkeypatch.setattr(threads, "_MIN_WORK", 64)
    monkeypatch.setattr(threads, "_PIECE_WORK", 2000)  # a row or two per piece
    monkeypatch.setattr(threads, "_choice", {})
    for _ in range(12):  # through the measured calls to the settled choice
        np.testing.assert_array_equal(ops.convert_to_numpy(ops.top_k(x, 10)[1]), one)
    np.testing.assert_array_equal(one, _want(x, 10))


def test_top_k_of_no_rows_and_of_one_long_row():
    for shape in ((0, 600), (2, 0, 600)):
        values, indices = ops.top_k(np.ones(shape, "float32"), 5)
        assert ops.convert_to_numpy(indices).shape == shape[:-1] + (5,)
    x = np.random.default_rng(2).normal(size=20000).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.top_k(x, 7)[1]), _want(x, 7))


def test_top_k_gradient_reaches_the_chosen_entries():
    x = np.random.default_rng(1).normal(size=(3, 600))
    w = np.arange(1.0, 6.0)
    grad = ops.value_and_grad(lambda t: ops.sum(ops.top_k(t, 5)[0] * w))(x)[1]
    want = np.zeros_like(x)
    np.put_along_axis(want, _want(x, 5), w, axis=-1)
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), want)
