"""Linear algebra of the native engine (``kfront.ops.linalg`` and ``logdet``), each op with its
gradient rule next to its forward. Matrices are the last two axes; leading axes are a batch
(broadcast between ``a`` and ``b``). Arguments arrive checked and of a float dtype, right-hand
sides as matrices (see ``kfront/ops/linalg.py``).
"""
from __future__ import annotations

import math

from kfront.backends.numpy.engine import get_xp, primitive, raw


def _t(a):
    return a.swapaxes(-1, -2)


def _tri(xp, a, lower):
    return xp.tril(a) if lower else xp.triu(a)


@primitive
def cholesky(x, upper=False):
    xp = get_xp(x)
    low = xp.linalg.cholesky(x)

    def vjp(g, needs):
        g = _t(g) if upper else g
        p = _t(low) @ g
        phi = xp.tril(p) - 0.5 * xp.eye(p.shape[-1], dtype=p.dtype) * p
        inv_low = xp.linalg.inv(low)
        s = _t(inv_low) @ phi @ inv_low
        return (0.5 * (s + _t(s)),)
    return (_t(low) if upper else low), vjp


@primitive
def det(x):
    xp = get_xp(x)
    out = xp.linalg.det(x)
    return out, lambda g, needs: ((g * out)[..., None, None] * _t(xp.linalg.inv(x)),)


@primitive
def logdet(x):
    """log det of a positive-definite matrix (NaN where the determinant is not positive)."""
    xp = get_xp(x)
    sign, logabs = xp.linalg.slogdet(x)
    out = xp.where(sign > 0, logabs, xp.nan).astype(x.dtype)
    return out, lambda g, needs: (g[..., None, None] * _t(xp.linalg.inv(x)),)


@primitive
def inv(x):
    xp = get_xp(x)
    y = xp.linalg.inv(x)
    return y, lambda g, needs: (-_t(y) @ g @ _t(y),)


def _solve_vjp(xp, a, x, g, needs, lower=None):
    gb = xp.linalg.solve(_t(a), g)
    ga = None
    if needs[0]:
        ga = -gb @ _t(x)
        ga = ga if lower is None else _tri(xp, ga, lower)
    return ga, gb


@primitive
def solve(a, b):
    xp = get_xp(a)
    x = xp.linalg.solve(a, b)
    return x, lambda g, needs: _solve_vjp(xp, a, x, g, needs)


@primitive
def solve_triangular(a, b, lower=False):
    """Solves with the lower (or upper) triangle of ``a``; the other entries are not read."""
    xp = get_xp(a)
    tri = _tri(xp, a, lower)
    x = xp.linalg.solve(tri, b)
    return x, lambda g, needs: _solve_vjp(xp, tri, x, g, needs, lower)


@primitive
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices (the lower triangle is
    read); the gradient assumes distinct eigenvalues and is symmetrised."""
    xp = get_xp(x)
    w, v = xp.linalg.eigh(x)

    def vjp(gs, needs):
        gw, gv = gs
        diff = w[..., None, :] - w[..., :, None]  # w_j - w_i
        f = xp.where(xp.eye(w.shape[-1], dtype=bool), 0, 1 / xp.where(diff == 0, 1, diff))
        inner = f * (_t(v) @ gv) + xp.eye(w.shape[-1], dtype=x.dtype) * gw[..., None, :]
        ga = v @ inner @ _t(v)
        return (0.5 * (ga + _t(ga)),)
    return (w, v), vjp


def _qr_grad_deep(xp, q, r, gq, gr):
    """QR gradient for m >= n (reduced), as TensorFlow's (Walter and Lehmann)."""
    def right_solve(a):  # a @ R^-T
        return _t(xp.linalg.solve(r, _t(a)))
    qdq = _t(q) @ gq
    rdr = r @ _t(gr)
    low = xp.tril((qdq - _t(qdq)) + (rdr - _t(rdr)))
    return q @ (gr + right_solve(low)) + right_solve(gq - q @ qdq)


@primitive
def qr(x, mode="reduced"):
    """Q and R of x = Q @ R (``mode`` "reduced" or "complete"); no gradient for "complete"
    with more rows than columns (as TensorFlow)."""
    xp = get_xp(x)
    q, r = xp.linalg.qr(x, mode=mode)
    m, n = x.shape[-2:]

    def vjp(gs, needs):
        gq, gr = gs
        if m >= n:
            if mode == "complete" and m > n:
                raise NotImplementedError("qr: no gradient for mode='complete' with more rows "
                                          "than columns (as TensorFlow)")
            return (_qr_grad_deep(xp, q, r, gq, gr),)
        y, gv = x[..., m:], gr[..., m:]
        gx = _qr_grad_deep(xp, q, r[..., :m], gq + y @ _t(gv), gr[..., :m])
        return (xp.concatenate([gx, q @ gv], axis=-1),)
    return (q, r), vjp


def _svd_grad(xp, u, s, vt, gu, gs, gvt):
    """Townsend's SVD gradient for the reduced factors (distinct non-zero singular values)."""
    k = s.shape[-1]
    eye = xp.eye(k, dtype=s.dtype)
    s2 = s * s
    diff = s2[..., None, :] - s2[..., :, None]  # s_j^2 - s_i^2
    f = xp.where(eye.astype(bool), 0, 1 / xp.where(diff == 0, 1, diff))
    v, gv = _t(vt), _t(gvt)
    utgu, vtgv = _t(u) @ gu, _t(v) @ gv
    mid = ((f * (utgu - _t(utgu))) * s[..., None, :] + eye * gs[..., None, :]
           + s[..., :, None] * (f * (vtgv - _t(vtgv))))
    ga = u @ mid @ vt
    inv_s = 1 / s
    ga = ga + (gu - u @ utgu) * inv_s[..., None, :] @ vt
    return ga + u @ (_t(gv - v @ vtgv) * inv_s[..., :, None])


@primitive
def svd(x, full_matrices=True, compute_uv=True):
    """U, S, V^T of x = U @ diag(S) @ V^T (S descending), or S alone. The gradient assumes
    distinct non-zero singular values; none for full_matrices with non-square x (as
    TensorFlow)."""
    xp = get_xp(x)
    m, n = x.shape[-2:]
    if not compute_uv:
        s = xp.linalg.svd(x, compute_uv=False)
        u, _, vt = xp.linalg.svd(x, full_matrices=False)
        return s, lambda g, needs: ((u * g[..., None, :]) @ vt,)
    u, s, vt = xp.linalg.svd(x, full_matrices=full_matrices)

    def vjp(gs, needs):
        if full_matrices and m != n:
            raise NotImplementedError("svd: no gradient for full_matrices=True with a "
                                      "non-square matrix (as TensorFlow)")
        return (_svd_grad(xp, u, s, vt, *gs),)
    return (u, s, vt), vjp


def _lu(xp, x):
    """Doolittle LU with partial pivoting (first largest pivot): (combined L\\U, p) where
    x[..., p, :] = L @ U."""
    n = x.shape[-1]
    a = x.reshape((-1, n, n)).copy()
    perm = xp.tile(xp.arange(n), (a.shape[0], 1))
    for m, p in zip(a, perm):
        for k in range(n):
            j = k + int(xp.argmax(xp.abs(m[k:, k])))
            m[[k, j]], p[[k, j]] = m[[j, k]], p[[j, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= xp.outer(m[k + 1:, k], m[k, k + 1:])
    return a.reshape(x.shape), perm.reshape(x.shape[:-1])


@primitive
def lu_factor(x):
    """(L\\U combined, pivots) with x[i] the row pivots[i] of L @ U (Keras's TensorFlow
    convention); the gradient flows through the factors (no gradient for the pivots)."""
    xp = get_xp(x)
    lu, perm = _lu(xp, x)
    pivots = xp.argsort(perm, axis=-1).astype("int32")

    def vjp(gs, needs):
        g = gs[0]
        eye = xp.eye(x.shape[-1], dtype=x.dtype)
        low, up = xp.tril(lu, -1) + eye, xp.triu(lu)
        middle = xp.tril(_t(low) @ xp.tril(g, -1), -1) + xp.triu(xp.triu(g) @ _t(up))
        g_perm = xp.linalg.solve(_t(low), _t(xp.linalg.solve(up, _t(middle))))
        return (xp.take_along_axis(g_perm, pivots[..., :, None].astype("int64"), axis=-2),)
    return (lu, pivots), vjp


@primitive
def pinv(x, rcond=1e-15):
    """Moore-Penrose pseudo-inverse: singular values <= rcond * the largest count as zero. The
    gradient is that of constant rank (Golub and Pereyra)."""
    xp = get_xp(x)
    u, s, vt = xp.linalg.svd(x, full_matrices=False)
    keep = s > rcond * s.max(-1, keepdims=True)
    p = (_t(vt) * xp.where(keep, 1 / xp.where(keep, s, 1), 0)[..., None, :]) @ _t(u)

    def vjp(g, needs):
        eye_m, eye_n = xp.eye(x.shape[-2], dtype=x.dtype), xp.eye(x.shape[-1], dtype=x.dtype)
        pt, gt = _t(p), _t(g)
        return (-pt @ g @ pt + pt @ p @ gt @ (eye_n - p @ x) + (eye_m - x @ p) @ gt @ p @ pt,)
    return p.astype(x.dtype), vjp


def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (numpy's default); no gradient."""
    x = raw(x)
    return get_xp(x).linalg.matrix_rank(x, tol).astype("int32")


# ------------------------------------------------------------------------------- norms
def _vector_norm_grad(xp, x, n, g, ord, axes):
    """d norm / d x for a vector norm over ``axes`` (kept as size 1 in ``n`` and ``g``)."""
    if ord == 0:
        return xp.zeros_like(x)
    if ord in (math.inf, -math.inf):
        chosen = xp.abs(x) == n
        return g * xp.sign(x) * chosen / xp.sum(chosen, axis=axes, keepdims=True)
    if ord == 1:
        return g * xp.sign(x)
    p = 2 if ord is None else ord
    safe = xp.where(n == 0, 1, n)
    return xp.where(n == 0, 0, g * xp.sign(x) * (xp.abs(x) / safe) ** (p - 1))


def _matrix_norm_grad(xp, x, n, g, ord):
    """The same for matrix norms, with the two matrix axes last."""
    if ord in (None, "fro"):
        return _vector_norm_grad(xp, x, n, g, None, (-2, -1))
    if ord in ("nuc", 2, -2):
        u, s, vt = xp.linalg.svd(x, full_matrices=False)
        if ord == "nuc":
            return g * (u @ vt)
        i = 0 if ord == 2 else s.shape[-1] - 1
        return g * (u[..., :, i:i + 1] @ vt[..., i:i + 1, :])
    axis = -2 if ord in (1, -1) else -1  # 1: max column sum (sum over rows); inf: max row sum
    sums = xp.sum(xp.abs(x), axis=axis, keepdims=True)
    chosen = sums == n
    return g * xp.sign(x) * chosen / xp.sum(chosen, axis=(-2, -1), keepdims=True)


@primitive
def norm(x, ord=None, axes=(), keepdims=False):
    """``numpy.linalg.norm`` over ``axes`` (1 axis: vector norm, 2: matrix norm, or all axes
    with ``ord=None``: the 2-norm of the flattened entries)."""
    xp = get_xp(x)
    if ord is None:
        out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
    elif len(axes) == 1:
        out = xp.linalg.norm(x, ord, axes[0], keepdims=True)
    else:
        out = xp.linalg.norm(x, ord, axes, keepdims=True)
    out = out.astype(x.dtype)

    def vjp(g, needs):
        g = g.reshape(out.shape)
        if len(axes) != 2 or ord is None:
            return (_vector_norm_grad(xp, x, out, g, ord, axes),)
        order = [i for i in range(x.ndim) if i not in axes] + list(axes)
        move = (lambda a: a.transpose(order))
        gx = _matrix_norm_grad(xp, move(x), move(out), move(g), ord)
        return (gx.transpose([order.index(i) for i in range(x.ndim)]),)
    return (out if keepdims else out.squeeze(axes)), vjp
