"""The native engine's fused kernels (``kfront/backends/numpy``) against plain formulas:
``dot_product_attention`` (pieces over the worker threads, fused backward) and the tap kernel of
``ops.image.resize`` (bit for bit what the generic gathered taps give; gradients against central
finite differences in float64).
"""
from __future__ import annotations

import numpy as np
import pytest

from kfront import ops
from kfront.backends import B
from ops.case_suite import assert_matches_finite_differences


pytestmark = pytest.mark.usefixtures("native_backend")


def _attention_reference(q, k, v, bias, keep, scale, w):
    """Output and gradients (q, k, v, bias) of sum(w * attention) by the textbook formulas."""
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale + bias
    logits = np.where(keep, logits, -0.7 * 3.38953e38)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = np.einsum("bnts,bsnh->btnh", p, v)
    gp = np.einsum("btnh,bsnh->bnts", w, v)
    gs = np.where(keep, p * (gp - (gp * p).sum(-1, keepdims=True)), 0)
    return (out, np.einsum("bnts,bsnh->btnh", gs, k) * scale,
            np.einsum("bnts,btnh->bsnh", gs, q) * scale, np.einsum("bnts,btnh->bsnh", p, w),
            gs.sum(0, keepdims=True))


def test_attention_pieces_and_backward_match_formulas():
    # large enough for several pieces over the threads; a query row fully masked (uniform
    # probabilities, no gradient through its logits), a mask varying along the batch
    rng = np.random.default_rng(0)
    b, t, s, n, h = 16, 64, 48, 4, 16
    q, k, v, w = (rng.normal(size=(b, m, n, h)) for m in (t, s, s, t))
    bias = rng.normal(size=(1, n, t, s))
    keep = rng.random((b, 1, t, s)) > 0.2
    keep[3, :, 5] = False
    want = _attention_reference(q, k, v, bias, keep, 0.3, w)
    out = ops.dot_product_attention(q, k, v, bias=bias, mask=keep, scale=0.3)

    def loss(*xs):
        return ops.sum(ops.multiply(ops.dot_product_attention(
            *xs[:3], bias=xs[3], mask=keep, scale=0.3), w))
    _, grads = ops.value_and_grad(loss, argnums=(0, 1, 2, 3))(q, k, v, bias)
    got = [ops.convert_to_numpy(a) for a in (out, *grads)]
    for name, g, r in zip(("out", "query", "key", "value", "bias"), got, want):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-11, err_msg=name)
    assert got[0].flags.c_contiguous  # (B, T, N, H) as it is, no transposed view


def _generic_resize(x, size, interpolation, antialias):
    """``ops.image.resize`` through its generic gathered taps (the native kernel switched off)."""
    fast, B.resize_images = B.resize_images, (lambda *args: None)
    try:
        return ops.image.resize(x, size, interpolation=interpolation, antialias=antialias)
    finally:
        B.resize_images = fast


@pytest.mark.parametrize("shape,size,interpolation,antialias", [
    ((16, 96, 96, 3), (48, 48), "bilinear", False),  # even taps (strided views), threaded
    # taps of one weight (0.5) on both axes or the only resampled one: scaled once, summed
    ((2, 96, 64, 3), (24, 32), "bilinear", False),
    ((1, 64, 40, 2), (32, 40), "bilinear", False),
    ((2, 64, 40, 2), (32, 30), "bilinear", False),  # rows of one weight, columns not
    ((2, 64, 64, 3), (32, 32), "bilinear", True),  # antialias: taps of unequal weights
    ((2, 40, 48, 3), (20, 21), "bicubic", False),  # uneven column taps (gathers)
    ((1, 33, 64, 2), (33, 16), "lanczos3", False),  # rows kept as they are
    ((2, 30, 30, 1), (90, 45), "bilinear", True),  # upsampling rows
    ((1, 64, 40, 2), (16, 40), "area", True),
])
def test_resize_kernel_gives_the_generic_bits(shape, size, interpolation, antialias):
    from kfront.backends.numpy.image import resize_images
    x = np.random.default_rng(1).random(shape).astype("float32")
    assert resize_images(x, size, interpolation, antialias) is not None  # the kernel runs
    got = ops.convert_to_numpy(ops.image.resize(x, size, interpolation=interpolation,
                                                antialias=antialias))
    want = ops.convert_to_numpy(_generic_resize(x, size, interpolation, antialias))
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_resize_kernel_gradient():
    x = np.random.default_rng(2).random((1, 16, 17, 2))
    w = np.random.default_rng(3).normal(size=(1, 8, 5, 2))

    def loss(images):
        return ops.sum(ops.multiply(ops.image.resize(images, (8, 5)), w))
    _, (grad,) = ops.value_and_grad(loss, argnums=(0,))(x)
    assert_matches_finite_differences("resize", loss, [x], (0,), [ops.convert_to_numpy(grad)])
    # the same gradient through the generic taps, also for an upsampling (shared sources)
    for size in ((8, 5), (40, 9)):
        weights = np.random.default_rng(4).normal(size=(1, *size, 2))
        grads = [ops.convert_to_numpy(ops.value_and_grad(
            lambda images: ops.sum(ops.multiply(f(images, size, "bilinear", False), weights)),
            argnums=(0,))(x)[1][0]) for f in (
            lambda *a: ops.image.resize(a[0], a[1], interpolation=a[2], antialias=a[3]),
            _generic_resize)]
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14)


def test_stacked_gemm_and_einsum_layouts():
    from kfront.backends.numpy import blas
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(6, 3, 70, 50)).astype("float32"), rng.normal(size=(6, 3, 50, 40))
    b = b.astype("float32")
    out = np.empty((6, 70, 3, 40), "float32").transpose(0, 2, 1, 3)  # a strided target
    assert blas.gemm(a, b, out=out) is out
    np.testing.assert_array_equal(out, np.matmul(a, b))  # same BLAS calls, same bits
    np.testing.assert_array_equal(blas.gemm(a, b), np.matmul(a, b))
    # the transformer block's contractions: equal to numpy's, written in the output's layout
    x, w, kv = (rng.normal(size=s).astype("float32") for s in ((2, 9, 16), (16, 4, 8),
                                                              (2, 7, 4, 8)))
    q = ops.einsum("btd,dnh->btnh", x, w)
    scores = ops.einsum("btnh,bsnh->bnts", q, kv)
    mixed = ops.einsum("bnts,bsnh->btnh", scores, kv)
    for got, spec, args in ((q, "btd,dnh->btnh", (x, w)),
                            (scores, "btnh,bsnh->bnts", (ops.convert_to_numpy(q), kv)),
                            (mixed, "bnts,bsnh->btnh", (ops.convert_to_numpy(scores), kv))):
        got = ops.convert_to_numpy(got)
        np.testing.assert_allclose(got, np.einsum(spec, *args), rtol=1e-5, atol=1e-5)
    assert ops.convert_to_numpy(mixed).flags.c_contiguous


def test_add_rows_gives_the_bits_of_add_at():
    from kfront.backends.numpy.scatter import add_rows
    rng = np.random.default_rng(6)
    for index, shape in ((rng.integers(-50, 50, 400), (400, 7)),  # negative indices too
                         (rng.integers(0, 3, 300), (300, 2, 3)),  # ~100 rounds: add.at itself
                         (np.array([4, 1, 4]), (3, 5))):  # short: add.at itself
        rows = rng.normal(size=shape).astype("float32")
        want = np.zeros((50 if index.min() < 0 else 5,) + shape[1:], "float32")
        np.add.at(want, index, rows)
        np.testing.assert_array_equal(add_rows(np, len(want), index, rows), want)
    # the embedding gradient (take along axis 0) goes through it
    table, ids = rng.normal(size=(30, 4)), rng.integers(0, 30, (8, 16))
    w = rng.normal(size=(8, 16, 4))
    _, (grad,) = ops.value_and_grad(lambda t: ops.sum(ops.multiply(ops.take(t, ids, axis=0), w)),
                                    argnums=(0,))(table)
    want = np.zeros_like(table)
    np.add.at(want, ids.reshape(-1), w.reshape(-1, 4))
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), want)


def test_float32_erf_and_gelu_are_vectorized_and_accurate():
    import math
    x = np.concatenate([np.linspace(-6, 6, 4001), [0.0, 1e-30, -1e-8, np.inf, -np.inf]])
    for dtype, rtol in (("float32", 1e-6), ("float16", 1e-3)):
        exact = np.array([math.erf(v) for v in x.astype(dtype).astype("float64")])
        got = ops.convert_to_numpy(ops.erf(x.astype(dtype)))
        assert got.dtype == dtype
        np.testing.assert_allclose(got, exact, rtol=rtol, atol=rtol * 1e-30)
    assert np.isnan(ops.convert_to_numpy(ops.erf(np.array([np.nan], "float32"))))[0]
    x = x[:4001].astype("float32")
    gelu = ops.convert_to_numpy(ops.gelu(x, approximate=False))
    exact = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype("float64")]
    np.testing.assert_allclose(gelu, exact, rtol=1e-6, atol=1e-6)
