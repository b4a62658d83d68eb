"""The native engine's row kernels (``kfront/backends/numpy``): layer normalization fused per
piece of rows, relu and same-dtype add/subtract/multiply by rows on the worker threads, and
bias gradients summed per fixed block of rows. Outputs and input gradients are elementwise
(the same bits as one call); the sums over rows (gamma, beta and bias gradients) are added per
block in a fixed order, so they give the same bits on any number of threads and any piece
size, and match float64 formulas to float32 rounding.
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops


pytestmark = pytest.mark.usefixtures("native_backend")


def _layer_norm_reference(x, gamma, beta, axes, w, eps=1e-3):
    """Output and gradients (x, gamma, beta) of sum(w * layer_norm(x)) in float64."""
    x, gamma, beta, w = (np.asarray(a, "float64") for a in (x, gamma, beta, w))
    along = [n if a in axes else 1 for a, n in enumerate(x.shape)]
    shape, gamma, beta = gamma.shape, gamma.reshape(along), beta.reshape(along)
    mean = x.mean(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * inv
    gx = w * gamma
    dx = inv * (gx - gx.mean(axis=axes, keepdims=True)
                - xhat * (gx * xhat).mean(axis=axes, keepdims=True))
    lead = tuple(a for a in range(x.ndim) if a not in axes)
    return (xhat * gamma + beta, dx, (w * xhat).sum(axis=lead).reshape(shape),
            w.sum(axis=lead).reshape(shape))


def _run(fn, *xs):
    value, grads = ops.value_and_grad(fn, argnums=tuple(range(len(xs))))(*xs)
    return [ops.convert_to_numpy(a) for a in (value, *grads)]


def _many_pieces(monkeypatch, n):
    """``n`` worker threads with tiny pieces, so that every kernel splits."""
    from kfront.backends.numpy import threads
    monkeypatch.setitem(threads._pool, "n", n)
    monkeypatch.setattr(threads, "_MIN_WORK", 64)
    monkeypatch.setattr(threads, "_PIECE_WORK", 256)
    monkeypatch.setattr(threads, "_choice", {})


@pytest.mark.parametrize("shape, axis", [((6, 40, 32), -1), ((4, 5, 6), [1, 2]), ((6, 4), 0)])
def test_layer_norm_matches_float64_and_keeps_its_bits_across_threads(monkeypatch, shape, axis):
    rng = np.random.default_rng(0)
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, list) else [axis]))
    norm = [shape[a] for a in axes]
    x, w = (rng.normal(size=shape).astype("float32") for _ in range(2))
    gamma = rng.uniform(0.5, 2, size=norm).astype("float32")
    beta = rng.normal(size=norm).astype("float32")

    def loss(x, gamma, beta):
        y = ops.layer_normalization(x, gamma, beta, axis=axis, epsilon=1e-3)
        return ops.sum(ops.multiply(y, w)), y

    def run():
        (value, y), grads = ops.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(
            x, gamma, beta)
        return [ops.convert_to_numpy(a) for a in (y, *grads)]
    one = run()
    _many_pieces(monkeypatch, 4)
    many = run()
    want = _layer_norm_reference(x, gamma, beta, axes, w)
    for name, a, b, r in zip(("out", "x", "gamma", "beta"), one, many, want):
        np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4, err_msg=name)


def test_layer_norm_without_affine_and_bad_gamma():
    x = np.random.default_rng(1).normal(size=(3, 4, 5))
    value, gx = _run(
        lambda x: ops.sum(ops.layer_normalization(x, axis=[0, 2], epsilon=1e-3) ** 3), x)
    mean = x.mean(axis=(0, 2), keepdims=True)
    xhat = (x - mean) / np.sqrt(x.var(axis=(0, 2), keepdims=True) + 1e-3)
    np.testing.assert_allclose(value, (xhat ** 3).sum(), rtol=1e-12)
    from kfront.backends import B
    with pytest.raises(ValueError, match=r"layer_normalization: gamma and beta must broadcast "
                       r"over the normalized axes \(2,\) of an input of shape \(3, 4, 5\), got "
                       r"shape \(3, 5\)"):
        B.layer_normalization(x, np.ones((3, 5)), None, (2,), 1e-3)


def test_threaded_add_relu_and_bias_gradient(monkeypatch):
    """Big enough for the row kernels (>= 2**17 elements): a bias add, relu and a residual
    subtract/multiply; the same bits on one thread and in many pieces on four, the bias
    gradient within float32 rounding of the float64 sum."""
    rng = np.random.default_rng(2)
    h = rng.normal(size=(64, 48, 48)).astype("float32")
    b = rng.normal(size=(48,)).astype("float32")
    w = rng.normal(size=h.shape).astype("float32")

    def loss(h, b):
        y = ops.relu(ops.add(h, b))
        return ops.sum(ops.multiply(ops.subtract(ops.multiply(y, y), h), w))
    one = _run(loss, h, b)
    _many_pieces(monkeypatch, 4)
    many = _run(loss, h, b)
    for a, c in zip(one, many):
        np.testing.assert_array_equal(a, c)
    h64, b64, w64 = (a.astype("float64") for a in (h, b, w))
    y = np.maximum(h64 + b64, 0)
    gy = 2 * y * w64 * (y > 0)
    np.testing.assert_allclose(one[1], gy - w64, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(one[2], gy.sum(axis=(0, 1)), rtol=1e-4, atol=1e-3)


_ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "softplus", "silu", "gelu", "elu",
                "leaky_relu", "hard_sigmoid", "exp", "log1p", "square", "sqrt", "abs"]


def test_unary_ops_by_rows_keep_their_bits_dtype_and_layout(monkeypatch):
    """Every ``elementwise`` op of a large float array (and its gradient) runs by rows on the
    threads: the same bits as one call; an op changing the dtype (isnan) and a non-contiguous
    input run as one call (same dtype and layout as before)."""
    from kfront.backends.numpy import rows, threads
    x = np.random.default_rng(3).normal(size=(129, 1031)).astype("float32")  # > 2**17
    fns = {name: getattr(ops, name) for name in _ACTIVATIONS}

    def run():
        out = {}
        for name, f in fns.items():
            arg = np.abs(x) if name in ("sqrt", "log1p") else x
            out[name] = _run(lambda a: ops.sum(ops.square(f(a))), arg)
        return out
    monkeypatch.setattr(rows, "THREADED", x.size + 1)  # one call each
    one = run()
    monkeypatch.undo()
    _many_pieces(monkeypatch, 3)
    many = run()
    assert any(k[0].co_name == "piece" for k in threads._choice)  # the rows were split
    for name in fns:
        for a, b in zip(one[name], many[name]):
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert ops.convert_to_numpy(ops.isnan(x)).dtype == bool
    y = ops.convert_to_numpy(ops.relu(x.T))
    assert y.flags.f_contiguous and not y.flags.c_contiguous
    np.testing.assert_array_equal(y, np.maximum(x.T, 0))
