"""Linear algebra of the JAX backend (``kfront.ops.linalg`` and ``logdet``): ``jnp.linalg``,
gradients by JAX. Arguments arrive checked, of a float dtype, right-hand sides as matrices.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.linalg

from kfront.backends.jax.core import array


def _t(a):
    return jnp.swapaxes(a, -1, -2)


def cholesky(x, upper=False):
    low = jnp.linalg.cholesky(array(x, "cholesky"))
    return _t(low) if upper else low


def det(x):
    return jnp.linalg.det(array(x, "det"))


def logdet(x):
    sign, logabs = jnp.linalg.slogdet(array(x, "logdet"))
    return jnp.where(sign > 0, logabs, jnp.nan)


def inv(x):
    return jnp.linalg.inv(array(x, "inv"))


def solve(a, b):
    return jnp.linalg.solve(array(a, "solve"), array(b, "solve"))


def solve_triangular(a, b, lower=False):
    a, b = array(a, "solve_triangular"), array(b, "solve_triangular")
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return jax.scipy.linalg.solve_triangular(a, b, lower=lower)


def eigh(x):
    return tuple(jnp.linalg.eigh(array(x, "eigh")))


def qr(x, mode="reduced"):
    return tuple(jnp.linalg.qr(array(x, "qr"), mode=mode))


def svd(x, full_matrices=True, compute_uv=True):
    x = array(x, "svd")
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    return tuple(jnp.linalg.svd(x, full_matrices=full_matrices))


def lu_factor(x):
    lu, _, perm = jax.lax.linalg.lu(array(x, "lu_factor"))
    return lu, jnp.argsort(perm, axis=-1).astype(jnp.int32)


def pinv(x, rcond=1e-15):
    return jnp.linalg.pinv(array(x, "pinv"), rtol=rcond)


def matrix_rank(x, tol=None):
    x = jax.lax.stop_gradient(array(x, "matrix_rank"))
    s = jnp.linalg.svd(x, compute_uv=False)
    if tol is None:
        tol = s.max(-1, keepdims=True) * max(x.shape[-2:]) * jnp.finfo(x.dtype).eps
    return jnp.sum(s > tol, axis=-1).astype(jnp.int32)


def norm(x, ord=None, axes=(), keepdims=False):
    x = array(x, "norm")
    if ord is None:
        return jnp.sqrt(jnp.sum(x * x, axis=axes, keepdims=keepdims))
    if len(axes) == 1 and ord == 0:
        return jnp.sum(jax.lax.stop_gradient(x != 0).astype(x.dtype), axis=axes,
                       keepdims=keepdims)
    if len(axes) == 1 and ord not in (math.inf, -math.inf):
        return jnp.sum(jnp.abs(x) ** ord, axis=axes, keepdims=keepdims) ** (1 / ord)
    return jnp.linalg.norm(x, ord, axes if len(axes) == 2 else axes[0], keepdims=keepdims)
