"""Linear algebra of the torch backend (``kfront.ops.linalg`` and ``logdet``): ``torch.linalg``,
gradients by autograd. Arguments arrive checked, of a float dtype, right-hand sides as matrices.
"""
from __future__ import annotations

import math

import torch

from kfront.backends.common.linalg import pivots_from_swaps
from kfront.backends.torch.core import to_tensor


def cholesky(x, upper=False):
    return torch.linalg.cholesky(to_tensor(x, "cholesky"), upper=upper)


def det(x):
    return torch.linalg.det(to_tensor(x, "det"))


def logdet(x):
    sign, logabs = torch.linalg.slogdet(to_tensor(x, "logdet"))
    return torch.where(sign > 0, logabs, torch.nan)


def inv(x):
    return torch.linalg.inv(to_tensor(x, "inv"))


def solve(a, b):
    return torch.linalg.solve(to_tensor(a, "solve"), to_tensor(b, "solve"))


def solve_triangular(a, b, lower=False):
    a, b = to_tensor(a, "solve_triangular"), to_tensor(b, "solve_triangular")
    return torch.linalg.solve_triangular(a, b, upper=not lower)


def eigh(x):
    return tuple(torch.linalg.eigh(to_tensor(x, "eigh")))


def qr(x, mode="reduced"):
    return tuple(torch.linalg.qr(to_tensor(x, "qr"), mode=mode))


def svd(x, full_matrices=True, compute_uv=True):
    x = to_tensor(x, "svd")
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))


def lu_factor(x):
    lu, ipiv = torch.linalg.lu_factor(to_tensor(x, "lu_factor"))
    return lu, pivots_from_swaps(ipiv.detach().cpu().numpy() - 1, torch.from_numpy)


def pinv(x, rcond=1e-15):
    return torch.linalg.pinv(to_tensor(x, "pinv"), rtol=rcond)


def matrix_rank(x, tol=None):
    x = to_tensor(x, "matrix_rank").detach()
    if tol is None:
        return torch.linalg.matrix_rank(x).to(torch.int32)
    return torch.linalg.matrix_rank(x, atol=tol, rtol=0).to(torch.int32)


def norm(x, ord=None, axes=(), keepdims=False):
    x = to_tensor(x, "norm")
    if ord is None:
        return torch.sqrt(torch.sum(x * x, dim=axes, keepdim=keepdims))
    if len(axes) == 2:
        return torch.linalg.matrix_norm(x, ord, dim=axes, keepdim=keepdims)
    if ord in (math.inf, -math.inf):  # via amax/amin, whose gradient splits ties as the native
        a = torch.abs(x)
        return (torch.amax if ord > 0 else torch.amin)(a, dim=axes, keepdim=keepdims)
    return torch.linalg.vector_norm(x, ord, dim=axes, keepdim=keepdims)
