"""Argument checks and dtype rules shared by every backend's ``math`` and ``linalg`` ops.

``kfront.ops.math`` / ``kfront.ops.linalg`` call these before forwarding to the backend, so each
backend receives tensors of a float dtype with valid shapes and only computes.
"""
from __future__ import annotations

import math
import numbers

import numpy

MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def sizes_differ(a, b) -> bool:
    """Are two sizes known to differ? In a traced graph a size known only at run time is a
    tensor in ``B.shape``, which no Python check can compare (TensorFlow checks it when the
    graph runs)."""
    return isinstance(a, numbers.Integral) and isinstance(b, numbers.Integral) and a != b


def check_rank(op: str, arg: str, shape: tuple, min_rank: int) -> None:
    if len(shape) < min_rank:
        raise ValueError(f"{op}: `{arg}` must have rank >= {min_rank}; got shape {shape}")


def check_square(op: str, arg: str, shape: tuple) -> None:
    """``shape`` must be (..., M, M)."""
    check_rank(op, arg, shape, 2)
    if shape[-1] != shape[-2]:
        raise ValueError(f"{op}: `{arg}` must be a batch of square matrices (..., M, M); got "
                         f"shape {shape}")


def check_int(op: str, arg: str, dtype: str) -> None:
    if not dtype.startswith(("int", "uint")):
        raise TypeError(f"{op}: `{arg}` must be an integer tensor; got dtype {dtype}")


def norm_axes(op: str, axis, ndim: int) -> tuple:
    """``axis`` (None, int or tuple) as non-negative ints, each checked against ``ndim``."""
    axes = tuple(range(ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: `axis` {a} is out of range for a tensor of rank {ndim}")
    out = tuple(a % ndim for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: `axis` has repeated entries; got {axis}")
    return out


def check_norm(ord, axis, ndim: int) -> tuple:
    """The reduced axes of ``norm(x, ord, axis)``: 1 axis (vector norm) or 2 (matrix norm)."""
    if axis is None and ord is not None and ndim > 2:
        raise ValueError(f"norm: `ord`={ord!r} needs `axis` (1 or 2 axes) for a tensor of rank "
                         f"{ndim}; got axis=None")
    axes = norm_axes("norm", axis, ndim)
    if axis is None and ord is None:
        return axes
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: `ord`={ord!r} is a matrix norm but one axis was given")
        return axes
    if len(axes) == 2:
        if ord not in MATRIX_ORDS:
            raise ValueError(f"norm: matrix `ord` must be one of {MATRIX_ORDS}; got {ord!r}")
        return axes
    raise ValueError(f"norm: `axis` must name 1 or 2 axes; got {axis}")


def pivots_from_swaps(ipiv, to_tensor):
    """Keras's ``lu_factor`` pivots (x[i] is row pivots[i] of L @ U) from LAPACK's 0-based row
    swaps ``ipiv`` (numpy, (..., N)), as a backend tensor via ``to_tensor``."""
    perm = numpy.broadcast_to(numpy.arange(ipiv.shape[-1]), ipiv.shape).copy()
    flat, swaps = perm.reshape(-1, ipiv.shape[-1]), ipiv.reshape(-1, ipiv.shape[-1])
    for p, sw in zip(flat, swaps):
        for i, j in enumerate(sw):
            p[[i, j]] = p[[j, i]]
    return to_tensor(numpy.argsort(perm, axis=-1).astype("int32"))
