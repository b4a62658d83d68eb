"""Linear algebra of the kfront ops interface (Keras's ``keras.ops.linalg``). Matrices are the
last two axes of a tensor, leading axes a batch. Each op checks shapes, turns integer inputs into
floatx and forwards to the active backend; all are differentiable.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> round(float(ops.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 6)
    5.0
"""
from __future__ import annotations

import numpy

from kfront.backends import B
from kfront.backends.common.linalg import check_norm, check_rank, check_square
from kfront.ops.math import floating
from kfront.ops.control_flow import eig, jvp  # noqa: F401,E402  (keras.ops.linalg lists them)

__all__ = ["cholesky", "cholesky_inverse", "det", "eigh", "inv", "lstsq", "lu_factor", "matrix_rank", "norm", "pinv",
           "qr", "solve", "solve_triangular", "svd"]


def _square(x, op: str):
    x = floating(x, op)
    check_square(op, "x", B.shape(x))
    return x


def cholesky(x, upper: bool = False):
    """The Cholesky factor of symmetric positive-definite matrices (only the lower triangle is
    read): L with x = L @ L^T, or U = L^T with ``upper=True``. (..., M, M) -> (..., M, M).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])))
        array([[2., 0.],
               [1., 1.]])
    """
    return B.cholesky(_square(x, "cholesky"), upper=bool(upper))


def cholesky_inverse(x, upper: bool = False):
    """The inverse of A from its Cholesky factor ``x`` (A = x @ x^T, or x^T @ x with
    ``upper=True``). (..., M, M) -> (..., M, M).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.cholesky_inverse(np.array([[2.0, 0.0], [0.0, 1.0]])))
        array([[0.25, 0.  ],
               [0.  , 1.  ]])
    """
    factor_inv = B.inv(_square(x, "cholesky_inverse"))
    t = B.swapaxes(factor_inv, -1, -2)
    return B.matmul(factor_inv, t) if upper else B.matmul(t, factor_inv)


def det(x):
    """Determinants: (..., M, M) -> (...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> round(float(ops.linalg.det(np.eye(3) * 2)), 6)
        8.0
    """
    return B.det(_square(x, "det"))


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns, each up to sign) of symmetric matrices
    (only the lower triangle is read): (..., M, M) -> ((..., M), (..., M, M)). The gradient
    assumes distinct eigenvalues.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> w, v = ops.linalg.eigh(np.array([[2.0, 0.0], [0.0, 1.0]]))
        >>> ops.convert_to_numpy(w)
        array([1., 2.])
    """
    return tuple(B.eigh(_square(x, "eigh")))


def inv(x):
    """Matrix inverses: (..., M, M) -> (..., M, M).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]])))
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
    """
    return B.inv(_square(x, "inv"))


def _system(op, a, b):
    """``a`` (..., M, M) and ``b`` as a matrix (..., M, K), and whether ``b`` was a vector."""
    a, b = _square(a, op), floating(b, op, "b")
    a_shape, b_shape = B.shape(a), B.shape(b)
    vector = len(b_shape) == len(a_shape) - 1
    if vector:
        b = B.expand_dims(b, -1)
    bs = B.shape(b)
    if len(bs) < 2 or bs[-2] != a_shape[-1]:
        raise ValueError(f"{op}: `b` must have shape (..., {a_shape[-1]}, K) or (..., "
                         f"{a_shape[-1]}) to match `a` of shape {a_shape}; got {b_shape}")
    dtype = numpy.result_type(B.dtype(a), B.dtype(b)).name
    return B.cast(a, dtype), B.cast(b, dtype), vector


def qr(x, mode: str = "reduced"):
    """QR decompositions x = Q @ R, Q with orthonormal columns, R upper triangular (signs as
    the backend's LAPACK gives them): (..., M, N) -> Q (..., M, K), R (..., K, N), K = min(M, N)
    ("reduced") or M ("complete"). No gradient for "complete" with M > N (as Keras).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> q, r = ops.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> ops.shape(q), ops.shape(r)
        ((2, 2), (2, 2))
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f'qr: `mode` must be "reduced" or "complete"; got {mode!r}')
    x = floating(x, "qr")
    check_rank("qr", "x", B.shape(x), 2)
    return tuple(B.qr(x, mode=mode))


def solve(a, b):
    """The solution x of a @ x = b: a (..., M, M), b (..., M, K) or (..., M) -> b's shape.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.solve(np.eye(2) * 2, np.array([[2.0], [4.0]])))
        array([[1.],
               [2.]])
    """
    a, b, vector = _system("solve", a, b)
    x = B.solve(a, b)
    return B.squeeze(x, -1) if vector else x


def solve_triangular(a, b, lower: bool = False):
    """The solution of t @ x = b where t is the lower (``lower=True``) or upper triangle of
    ``a`` (the other entries are not read). Shapes as ``solve``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> a = np.array([[2.0, 9.0], [1.0, 1.0]])
        >>> ops.convert_to_numpy(ops.linalg.solve_triangular(a, np.array([2.0, 2.0]), lower=True))
        array([1., 1.])
    """
    a, b, vector = _system("solve_triangular", a, b)
    x = B.solve_triangular(a, b, lower=bool(lower))
    return B.squeeze(x, -1) if vector else x


def lu_factor(x):
    """LU decompositions with partial pivoting: (L and U in one matrix, L's unit diagonal
    implied; pivots (..., M) int32), where row i of ``x`` is row pivots[i] of L @ U (Keras's
    convention on TensorFlow). Gradient through the factors; the pivots have none.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> lu, pivots = ops.linalg.lu_factor(np.array([[1.0, 2.0], [4.0, 6.0]]))
        >>> ops.convert_to_numpy(pivots)
        array([1, 0], dtype=int32)
    """
    return tuple(B.lu_factor(_square(x, "lu_factor")))


def _eps(x) -> float:
    return float(numpy.finfo(B.dtype(x)).eps)


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverses: singular values <= ``rcond`` * the largest are taken as 0
    (default 10 * max(M, N) * the dtype's epsilon, as Keras). (..., M, N) -> (..., N, M). The
    gradient assumes the rank does not change nearby.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.pinv(np.array([[2.0, 0.0]])))
        array([[0.5],
               [0. ]])
    """
    x = floating(x, "pinv")
    shape = B.shape(x)
    check_rank("pinv", "x", shape, 2)
    rcond = 10 * max(shape[-2:]) * _eps(x) if rcond is None else float(rcond)
    return B.pinv(x, rcond=rcond)


def lstsq(a, b, rcond=None):
    """The least-squares solution of a @ x = b via the pseudo-inverse: a (M, N), b (M,) or
    (M, K) -> (N,) or (N, K); singular values below ``rcond`` * the largest are dropped
    (default max(M, N) * the dtype's epsilon, as Keras).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        >>> ops.convert_to_numpy(ops.linalg.lstsq(a, np.array([1.0, 2.0, 3.0])))
        array([1., 2.])
    """
    a, b = floating(a, "lstsq", "a"), floating(b, "lstsq", "b")
    a_shape, b_shape = B.shape(a), B.shape(b)
    if len(a_shape) != 2 or len(b_shape) not in (1, 2) or b_shape[0] != a_shape[0]:
        raise ValueError(f"lstsq: expected `a` of shape (M, N) and `b` of shape (M,) or (M, K); "
                         f"got {a_shape} and {b_shape}")
    dtype = numpy.result_type(B.dtype(a), B.dtype(b)).name
    a, b = B.cast(a, dtype), B.cast(b, dtype)
    eps = _eps(a)
    rcond = eps * max(a_shape) if rcond is None else eps if rcond < 0 else float(rcond)
    return B.matmul(B.pinv(a, rcond=rcond), b)


def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (default: largest singular value * max(M, N)
    * the dtype's epsilon): (..., M, N) -> (...) int32. No gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> int(ops.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
        1
    """
    x = floating(x, "matrix_rank")
    check_rank("matrix_rank", "x", B.shape(x), 2)
    return B.matrix_rank(x, tol=tol)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector or matrix norms, as ``numpy.linalg.norm``: ``axis`` names one axis (vector norm:
    ord None/2, 1, inf, -inf, 0 or any p) or two (matrix norm: None/"fro", "nuc", 1, -1, 2, -2,
    inf, -inf); ``axis=None`` is all axes of a 1-D or 2-D tensor, or with ``ord=None`` the 2-norm
    of every entry. ``ord=0`` (a count) has a zero gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> float(ops.linalg.norm(np.array([3.0, 4.0])))
        5.0
    """
    x = floating(x, "norm")
    axes = check_norm(ord, axis, len(B.shape(x)))
    return B.norm(x, ord=ord, axes=axes, keepdims=bool(keepdims))


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decompositions x = U @ diag(S) @ Vh, S descending (each pair of singular
    vectors up to a common sign): (..., M, N) -> U (..., M, M or K), S (..., K), Vh (..., N or
    K, N), K = min(M, N); S alone with ``compute_uv=False``. The gradient assumes distinct
    non-zero singular values; none for ``full_matrices`` with M != N (as Keras).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linalg.svd(np.diag([1.0, 3.0]), compute_uv=False))
        array([3., 1.])
    """
    x = floating(x, "svd")
    check_rank("svd", "x", B.shape(x), 2)
    out = B.svd(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    return tuple(out) if compute_uv else out
