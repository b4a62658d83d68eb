"""Host-side (numpy) helpers of ``kfront.ops.image``: the resampling weight matrices of
``resize`` and ``scale_and_translate`` (the kernels and edge rule of ``jax.image`` and
TensorFlow's ``ScaleAndTranslate``), and the nearest-neighbour source indices. Every backend
applies these constant matrices with its own ``matmul``, so results agree across backends and
the gradient with respect to the images is the transposed matrix.
"""
from __future__ import annotations

import numpy


def _triangle(x):
    return numpy.maximum(0.0, 1.0 - numpy.abs(x))


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5."""
    x = numpy.abs(x)
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return numpy.where(x >= 2.0, 0.0, numpy.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        y = radius * numpy.sin(numpy.pi * x) * numpy.sin(numpy.pi * x / radius)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            out = numpy.where(x > 1e-3, y / (numpy.pi ** 2 * x ** 2), 1.0)
        return numpy.where(numpy.abs(x) > radius, 0.0, out)
    return kernel


KERNELS = {"bilinear": _triangle, "linear": _triangle, "triangle": _triangle,
           "bicubic": _keys_cubic, "cubic": _keys_cubic, "keyscubic": _keys_cubic,
           "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def weight_matrix(in_size: int, out_size: int, method: str, antialias: bool,
                  scale: float | None = None, translation: float = 0.0) -> numpy.ndarray:
    """The (out_size, in_size) float64 matrix taking a signal of ``in_size`` samples to
    ``out_size``; sample i reads input position (i + 0.5 - translation) / scale - 0.5 (``scale``
    defaults to out_size / in_size). Kernel weights are normalized over the input (edge samples
    renormalize), outputs outside the input are 0. ``method="area"`` is TensorFlow's area
    resampling: each output averages the input pixels its box overlaps, by overlap."""
    if method == "area":
        step = in_size / out_size
        lo = numpy.arange(out_size)[:, None] * step
        j = numpy.arange(in_size)[None, :]
        overlap = numpy.clip(numpy.minimum(lo + step, j + 1) - numpy.maximum(lo, j), 0, None)
        return overlap / step
    f32 = numpy.float32
    inv_scale = f32(1) / f32(out_size / in_size if scale is None else scale)
    kernel_scale = max(float(inv_scale), 1.0) if antialias else 1.0
    # sample positions in float32 as JAX and TensorFlow compute them (which outputs fall on
    # the input's edge, -0.5 or in_size - 0.5, depends on that rounding)
    sample = ((numpy.arange(out_size, dtype=f32) + f32(0.5)) * inv_scale
              - f32(translation) * inv_scale - f32(0.5)).astype("float64")
    weights = KERNELS[method](numpy.abs(sample[:, None] - numpy.arange(in_size)[None, :])
                              / kernel_scale)
    total = weights.sum(axis=1, keepdims=True)
    eps = 1000.0 * float(numpy.finfo(numpy.float32).eps)
    weights = numpy.where(numpy.abs(total) > eps, weights / numpy.where(total != 0, total, 1), 0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return numpy.where(inside[:, None], weights, 0.0)


def nearest_indices(in_size: int, out_size: int) -> numpy.ndarray:
    """Source index of each output sample of a nearest-neighbour resize (half-pixel centres)."""
    idx = numpy.floor((numpy.arange(out_size) + 0.5) * (in_size / out_size)).astype("int32")
    return numpy.minimum(idx, in_size - 1)


def taps(matrix: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A banded (out, in) resampling ``matrix`` as K taps: int32 indices and weights, each
    (K, out), with ``matrix[o] @ x == sum_k weights[k, o] * x[indices[k, o]]`` (K = the widest
    row's span of non-zeros; shorter rows padded with weight 0)."""
    nonzero = matrix != 0
    any_nonzero = nonzero.any(axis=1)
    first = numpy.where(any_nonzero, nonzero.argmax(axis=1), 0)
    last = numpy.where(any_nonzero, matrix.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1), 0)
    k = int((last - first).max()) + 1 if matrix.size else 1
    indices = first[None, :] + numpy.arange(k)[:, None]
    valid = indices <= last[None, :]
    indices = numpy.where(valid, indices, 0).astype("int32")
    weights = numpy.where(valid, matrix[numpy.arange(matrix.shape[0])[None, :], indices], 0.0)
    return indices, weights
