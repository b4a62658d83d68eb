"""Linear algebra of the tensorflow backend (``kfront.ops.linalg`` and ``logdet``):
``tf.linalg``, gradients by ``tf.GradientTape``. Arguments arrive checked, of a float dtype,
right-hand sides as matrices.
"""
from __future__ import annotations

import math

import tensorflow as tf

from kfront.backends.tensorflow.core import op_input


def _t(a):
    return tf.linalg.matrix_transpose(a)


def cholesky(x, upper=False):
    low = tf.linalg.cholesky(op_input(x, "cholesky"))
    return _t(low) if upper else low


def det(x):
    return tf.linalg.det(op_input(x, "det"))


def logdet(x):
    sign, logabs = tf.linalg.slogdet(op_input(x, "logdet"))
    return tf.where(sign > 0, logabs, tf.constant(math.nan, logabs.dtype))


def inv(x):
    return tf.linalg.inv(op_input(x, "inv"))


def _batch(a, b):
    """``a`` and ``b`` with their batch axes broadcast (tf.linalg solvers do not); in a
    traced graph whose batch sizes are known only at run time, with the run-time shapes."""
    if a.shape[:-2].is_fully_defined() and b.shape[:-2].is_fully_defined():
        batch = tf.broadcast_static_shape(a.shape[:-2], b.shape[:-2])
        return (tf.broadcast_to(a, batch.concatenate(a.shape[-2:])),
                tf.broadcast_to(b, batch.concatenate(b.shape[-2:])))
    batch = tf.broadcast_dynamic_shape(tf.shape(a)[:-2], tf.shape(b)[:-2])
    return (tf.broadcast_to(a, tf.concat([batch, tf.shape(a)[-2:]], 0)),
            tf.broadcast_to(b, tf.concat([batch, tf.shape(b)[-2:]], 0)))


def solve(a, b):
    return tf.linalg.solve(*_batch(op_input(a, "solve"), op_input(b, "solve")))


def solve_triangular(a, b, lower=False):
    a, b = _batch(op_input(a, "solve_triangular"), op_input(b, "solve_triangular"))
    a = tf.linalg.band_part(a, -1, 0) if lower else tf.linalg.band_part(a, 0, -1)
    return tf.linalg.triangular_solve(a, b, lower=lower)


def eigh(x):
    return tuple(tf.linalg.eigh(op_input(x, "eigh")))


def qr(x, mode="reduced"):
    return tuple(tf.linalg.qr(op_input(x, "qr"), full_matrices=mode == "complete"))


def svd(x, full_matrices=True, compute_uv=True):
    x = op_input(x, "svd")
    if not compute_uv:
        return tf.linalg.svd(x, compute_uv=False)
    s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
    return u, s, _t(v)


@tf.custom_gradient
def _lu(x):
    """tf.linalg.lu with the gradient TensorFlow lacks (the native engine's rule)."""
    lu, perm = tf.linalg.lu(x)
    pivots = tf.cast(tf.argsort(perm, axis=-1), tf.int32)  # batched invert_permutation

    def grad(g, _=None):
        low = tf.linalg.set_diag(tf.linalg.band_part(lu, -1, 0), tf.ones_like(lu[..., 0]))
        up = tf.linalg.band_part(lu, 0, -1)
        g_low = g - tf.linalg.band_part(g, 0, -1)
        l_part = _t(low) @ g_low
        middle = (l_part - tf.linalg.band_part(l_part, 0, -1)
                  + tf.linalg.band_part(tf.linalg.band_part(g, 0, -1) @ _t(up), 0, -1))
        g_perm = tf.linalg.solve(_t(low), _t(tf.linalg.solve(up, _t(middle))))
        return tf.gather(g_perm, pivots, axis=-2, batch_dims=len(x.shape) - 2)
    return (lu, pivots), grad


def lu_factor(x):
    return _lu(op_input(x, "lu_factor"))


def pinv(x, rcond=1e-15):
    return tf.linalg.pinv(op_input(x, "pinv"), rcond=rcond)


def matrix_rank(x, tol=None):
    return tf.cast(tf.linalg.matrix_rank(tf.stop_gradient(op_input(x, "matrix_rank")), tol=tol),
                   tf.int32)


def _matrix_norm(x, ord):
    """A matrix norm of the last two axes (kept as size 1)."""
    if ord == "fro":
        return tf.sqrt(tf.reduce_sum(x * x, axis=(-2, -1), keepdims=True))
    if ord in ("nuc", 2, -2):
        s = tf.linalg.svd(x, compute_uv=False)
        s = tf.reduce_sum(s, -1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
        return s[..., None, None]
    sums = tf.reduce_sum(tf.abs(x), axis=-2 if ord in (1, -1) else -1, keepdims=True)
    pick = tf.reduce_max if ord > 0 else tf.reduce_min
    return pick(sums, axis=(-2, -1), keepdims=True)


def norm(x, ord=None, axes=(), keepdims=False):
    x = op_input(x, "norm")
    axes = list(axes)
    if ord is None:
        out = tf.sqrt(tf.reduce_sum(x * x, axis=axes, keepdims=True))
    elif len(axes) == 2:
        rest = [i for i in range(x.shape.rank) if i not in axes]
        out = _matrix_norm(tf.transpose(x, rest + axes), ord)
        out = tf.transpose(out, [(rest + axes).index(i) for i in range(x.shape.rank)])
    elif ord == 0:
        out = tf.reduce_sum(tf.cast(x != 0, x.dtype), axis=axes, keepdims=True)
    elif ord in (math.inf, -math.inf):
        out = (tf.reduce_max if ord > 0 else tf.reduce_min)(tf.abs(x), axis=axes, keepdims=True)
    else:
        out = tf.reduce_sum(tf.abs(x) ** ord, axis=axes, keepdims=True) ** (1 / ord)
    return out if keepdims else tf.squeeze(out, axes)
