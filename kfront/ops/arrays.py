"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...). Re-exported by ``kfront.ops`` and
``kfront.ops.numpy``.

Each op checks its arguments and applies Keras 3's dtype rules here, once; the backends compute
``einsum``, ``sort``, ``argsort``, ``searchsorted`` and ``view``, and the rest are written with
the backend ops, so every backend differentiates them. Where the result's shape depends on the
values, kfront reads them on the host (eager only): ``unique`` and ``nonzero`` (no gradient),
and ``bincount``'s length.

Example:
    >>> import numpy as np
    >>> from kfront import ops
    >>> ops.convert_to_numpy(ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))).shape
    (2, 4)
"""
from __future__ import annotations

import string

from kfront.backends import B
from kfront.backends.common import dtypes as _dtypes

__all__ = ["append", "argpartition", "argsort", "array", "array_split", "bincount", "cross",
           "diag", "diagflat", "diagonal", "diff", "digitize", "dsplit", "dstack", "einsum",
           "empty", "empty_like", "fliplr", "flipud", "full_like", "geomspace", "get_item",
           "histogram", "hsplit", "hstack", "identity", "inner", "isin", "kron", "linspace",
           "logspace", "meshgrid", "ndim", "nonzero", "outer", "ravel", "rearrange", "roll",
           "rot90", "searchsorted", "select", "slogdet", "sort", "trace", "tri", "tril", "triu",
           "unique", "unravel_index", "vander", "vdot", "vectorize", "view", "vsplit", "vstack"]


def _tensor(x):
    """``x`` as a backend tensor (Python floats: floatx, ints: int32, as Keras)."""
    return B.convert_to_tensor(x)


# dtypes whose products some backend cannot compute: they compute in a wider one, cast back
_WIDE = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "int32",
         "uint16": "int32", "uint32": "int64"}


def _cast_all(xs, dtype):
    return [x if B.dtype(x) == dtype else B.cast(x, dtype) for x in xs]


# ---------------------------------------------------------------------------------- einsum
def _einsum_spec(op: str, subscripts, shapes) -> tuple[list[str], str, dict]:
    """Explicit subscripts (no ``...``, output given) for operands of ``shapes``, and each
    index's size: ellipses become letters of their own, right-aligned and broadcast as NumPy
    does."""
    if not isinstance(subscripts, str):
        raise TypeError(f"{op}: `subscripts` must be a string such as 'ij,jk->ik'; got "
                        f"{type(subscripts).__name__}")
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"{op}: `subscripts` {subscripts!r} names {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    for t in terms + ([rhs] if arrow else []):
        if any(c not in string.ascii_letters for c in t.replace("...", "")) or \
                t.count("...") > 1:
            raise ValueError(f"{op}: `subscripts` {subscripts!r} may hold only letters, at most "
                             f"one '...' per term, ',' and '->'")
    used = set(spec)
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for t, s in zip(terms, shapes):
        n_named = len(t.replace("...", ""))
        if ("..." in t and len(s) < n_named) or ("..." not in t and len(s) != n_named):
            raise ValueError(f"{op}: the term {t!r} of `subscripts` does not fit an operand of "
                             f"shape {tuple(s)} (rank {len(s)})")
        n_ell = max(n_ell, len(s) - n_named)
    ell = "".join(spare[:n_ell])
    full = [t.replace("...", ell[n_ell - (len(s) - len(t.replace("...", ""))):])
            for t, s in zip(terms, shapes)]
    sizes: dict = {}
    for t, s in zip(full, shapes):
        for c, n in zip(t, s):
            m = sizes.setdefault(c, n)
            if m != n and not (c in ell and 1 in (m, n)):
                raise ValueError(f"{op}: index {c!r} of `subscripts` {subscripts!r} has size {m} "
                                 f"in one operand and {n} in another (shapes "
                                 f"{[tuple(x) for x in shapes]})")
            sizes[c] = max(m, n)
    if arrow:
        out = rhs.replace("...", ell)
        bad = [c for c in out if c not in sizes] + [c for c in set(out) if out.count(c) > 1]
        if bad:
            raise ValueError(f"{op}: the output {rhs!r} of `subscripts` {subscripts!r} names "
                             f"{bad[0]!r}, which is not an input index or is repeated")
    else:
        joined = "".join(full)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1
                                   and c not in ell))
    return full, out, sizes


def einsum(subscripts: str, *operands, **kwargs):
    """Einstein summation, as ``numpy.einsum``: ``subscripts`` names each operand's axes
    (``"bqd,bkd->bqk"``; ``...`` for broadcast leading axes; no ``->``: the indices seen once,
    sorted). The result's dtype is Keras's promotion of the operands' (int8 alone: int32).
    ``optimize`` (NumPy's contraction-order option) is accepted; kfront picks its own order.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> a = np.arange(6.0).reshape(2, 3)
        >>> ops.convert_to_numpy(ops.einsum("ij,ij->i", a, a))
        array([ 5., 50.])
    """
    unknown = sorted(set(kwargs) - {"optimize"})
    if unknown:
        raise TypeError(f"einsum: unexpected keyword argument(s) {unknown}; expected only "
                        f"`optimize`")
    xs = [_tensor(x) for x in operands]
    if not xs:
        raise ValueError("einsum: expected at least one operand after `subscripts`")
    terms, out, sizes = _einsum_spec("einsum", subscripts, [B.shape(x) for x in xs])
    xs = [x if B.shape(x) == tuple(sizes[c] for c in t) else
          B.broadcast_to(x, tuple(sizes[c] for c in t)) for x, t in zip(xs, terms)]
    kinds = {B.dtype(x) for x in xs}
    dtype = "int32" if kinds == {"int8"} else _dtypes.result_type(*kinds)
    compute = _WIDE.get(dtype, dtype)  # TensorFlow and torch have no narrow-int einsum
    y = B.einsum(",".join(terms) + "->" + out, *_cast_all(xs, compute))
    return y if compute == dtype else B.cast(y, dtype)


# ------------------------------------------------------------------------------- helpers
def _promoted(op: str, *xs):
    """The tensors ``xs`` cast to Keras's result dtype of theirs."""
    xs = [_tensor(x) for x in xs]
    return _cast_all(xs, _dtypes.result_type(*[B.dtype(x) for x in xs]))


def _axis(op: str, axis, ndim: int, arg: str = "axis") -> int:
    """``axis`` as a non-negative int below ``ndim``."""
    if isinstance(axis, bool) or not isinstance(axis, int) or not -ndim <= axis < ndim:
        raise ValueError(f"{op}: `{arg}` must be an int in [{-ndim}, {ndim}) for a tensor of "
                         f"rank {ndim}; got {axis!r}")
    return axis % ndim


def _min_rank(op: str, x, rank: int, arg: str = "x"):
    if len(B.shape(x)) < rank:
        raise ValueError(f"{op}: `{arg}` must have rank >= {rank}; got shape {B.shape(x)}")


def _letters(n: int, skip: str = "") -> str:
    return "".join(c for c in string.ascii_letters if c not in skip)[:n]


# ------------------------------------------------------------------------------ products
def _product(subscripts: str, x1, x2):
    """``einsum`` of two operands in their promoted dtype, as Keras's outer / inner / vdot:
    int8 stays int8 (einsum and matmul accumulate int8 in int32)."""
    y = einsum(subscripts, x1, x2)
    dtype = _dtypes.result_type(B.dtype(x1), B.dtype(x2))
    return y if B.dtype(y) == dtype else B.cast(y, dtype)


def outer(x1, x2):
    """The outer product of the flattened ``x1`` (m elements) and ``x2`` (n): (m, n).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.outer([1, 2], [3, 4])).tolist()
        [[3, 4], [6, 8]]
    """
    return _product("i,j->ij", ravel(x1), ravel(x2))


def inner(x1, x2):
    """The sum product over the last axes: (..., n), (..., n) -> x1's leading axes + x2's
    leading axes (a scalar operand multiplies).

    Example:
        >>> from kfront import ops
        >>> int(ops.inner([1, 2, 3], [0, 1, 0]))
        2
    """
    x1, x2 = _tensor(x1), _tensor(x2)
    r1, r2 = len(B.shape(x1)), len(B.shape(x2))
    if r1 == 0 or r2 == 0:  # a scalar multiplies the other operand
        a, b = _letters(r1), _letters(r2)
        return _product(f"{a},{b}->{a or b}", x1, x2)
    if B.shape(x1)[-1] != B.shape(x2)[-1]:
        raise ValueError(f"inner: the last axes of `x1` and `x2` must have the same size; got "
                         f"shapes {B.shape(x1)} and {B.shape(x2)}")
    a = _letters(r1 - 1, "z")
    b = _letters(r2 - 1, a + "z")
    return _product(f"{a}z,{b}z->{a}{b}", x1, x2)


def vdot(x1, x2):
    """The dot product of the flattened ``x1`` and ``x2`` (same number of elements): a scalar.

    Example:
        >>> from kfront import ops
        >>> float(ops.vdot([[1.0, 2.0]], [3.0, 4.0]))
        11.0
    """
    x1, x2 = ravel(x1), ravel(x2)
    if B.shape(x1) != B.shape(x2):
        raise ValueError(f"vdot: `x1` and `x2` must have the same number of elements; got "
                         f"{B.shape(x1)[0]} and {B.shape(x2)[0]}")
    return _product("i,i->", x1, x2)


def kron(x1, x2):
    """The Kronecker product: blocks ``x1[i] * x2``; the shorter shape gets leading 1s, then
    (a0, a1, ...), (b0, b1, ...) -> (a0*b0, a1*b1, ...).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.kron(np.eye(2, dtype="int32"), [[1, 2]])).tolist()
        [[1, 2, 0, 0], [0, 0, 1, 2]]
    """
    x1, x2 = _tensor(x1), _tensor(x2)
    n = max(len(B.shape(x1)), len(B.shape(x2)))
    s1 = (1,) * (n - len(B.shape(x1))) + tuple(B.shape(x1))
    s2 = (1,) * (n - len(B.shape(x2))) + tuple(B.shape(x2))
    a, b = _letters(n), _letters(n, _letters(n))
    y = einsum(f"{a},{b}->{''.join(p + q for p, q in zip(a, b))}", B.reshape(x1, s1),
               B.reshape(x2, s2))
    return B.reshape(y, tuple(p * q for p, q in zip(s1, s2)))


def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None):
    """The cross product of 3-vectors (2-vectors get a zero third component; two 2-vectors
    give the z component only) along ``axisa`` of ``x1`` and ``axisb`` of ``x2`` (both
    ``axis`` when given), broadcast over the other axes, the result's vectors along ``axisc``.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.cross([1, 0, 0], [0, 1, 0])).tolist()
        [0, 0, 1]
    """
    x1, x2 = _promoted("cross", x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    _min_rank("cross", x1, 1, "x1")
    _min_rank("cross", x2, 1, "x2")
    x1 = B.moveaxis(x1, _axis("cross", axisa, len(B.shape(x1)), "axisa"), -1)
    x2 = B.moveaxis(x2, _axis("cross", axisb, len(B.shape(x2)), "axisb"), -1)
    n1, n2 = B.shape(x1)[-1], B.shape(x2)[-1]
    if n1 not in (2, 3) or n2 not in (2, 3):
        raise ValueError(f"cross: the vectors must have 2 or 3 components; got {n1} (x1, axis "
                         f"{axisa}) and {n2} (x2, axis {axisb})")
    a = [B.getitem(x1, (Ellipsis, i)) for i in range(n1)]
    b = [B.getitem(x2, (Ellipsis, i)) for i in range(n2)]
    if n1 == n2 == 2:
        return B.subtract(B.multiply(a[0], b[1]), B.multiply(a[1], b[0]))
    zero = B.zeros((), B.dtype(x1))
    a, b = a + [zero] * (3 - n1), b + [zero] * (3 - n2)
    parts = [B.subtract(B.multiply(a[(i + 1) % 3], b[(i + 2) % 3]),
                        B.multiply(a[(i + 2) % 3], b[(i + 1) % 3])) for i in range(3)]
    shape = _broadcast_shape([B.shape(p) for p in parts])
    y = B.stack([B.broadcast_to(p, shape) for p in parts], axis=-1)
    return B.moveaxis(y, -1, _axis("cross", axisc, len(B.shape(y)), "axisc"))


def _broadcast_shape(shapes) -> tuple:
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i, d in enumerate((1,) * (n - len(s)) + tuple(s)):
            if d != 1 and out[i] not in (1, d):
                raise ValueError(f"shapes {[tuple(t) for t in shapes]} do not broadcast")
            out[i] = d if d != 1 else out[i]
    return tuple(out)


# ------------------------------------------------------------------------- diagonals
def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal ``offset`` (above the main one when > 0) of the matrices in axes
    ``axis1``, ``axis2``: those axes removed, the diagonal appended last.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.diagonal(np.arange(9).reshape(3, 3), offset=1)).tolist()
        [1, 5]
    """
    x = _tensor(x)
    _min_rank("diagonal", x, 2)
    nd = len(B.shape(x))
    a1, a2 = _axis("diagonal", axis1, nd, "axis1"), _axis("diagonal", axis2, nd, "axis2")
    if a1 == a2:
        raise ValueError(f"diagonal: `axis1` and `axis2` must be different axes; both are {a1}")
    x = B.moveaxis(x, (a1, a2), (-2, -1))
    rows, cols = B.shape(x)[-2:]
    start_r, start_c = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_r, cols - start_c), 0)
    x = B.getitem(x, (Ellipsis, slice(start_r, start_r + n), slice(start_c, start_c + n)))
    return einsum("...ii->...i", x)


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The sum of ``diagonal(x, offset, axis1, axis2)``; bool and narrow ints sum in int32
    (uint8/uint16 in uint32), as Keras.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> int(ops.trace(np.arange(4).reshape(2, 2)))
        3
    """
    d = diagonal(x, offset, axis1, axis2)
    dtype = B.dtype(d)
    dtype = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
             "uint16": "uint32"}.get(dtype, dtype)
    return B.cast(B.sum(B.cast(d, dtype), axis=-1), dtype)


def _tri_mask(rows: int, cols: int, k: int):
    """(rows, cols) bool: True on and below diagonal ``k``."""
    r = B.reshape(B.arange(0, rows, 1, dtype="int32"), (rows, 1))
    return B.greater_equal(B.add(r, k), B.reshape(B.arange(0, cols, 1, dtype="int32"),
                                                  (1, cols)))


def tri(N: int, M=None, k: int = 0, dtype=None):
    """(N, M) ones on and below diagonal ``k``, zeros above (M defaults to N; floatx).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.tri(2, 3, dtype="int32")).tolist()
        [[1, 0, 0], [1, 1, 0]]
    """
    return B.cast(_tri_mask(N, N if M is None else M, k), _dtypes.standardize_dtype(dtype))


def tril(x, k: int = 0):
    """The lower triangle (on and below diagonal ``k``) of the last two axes; zeros above.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.tril(np.ones((2, 2), "int32"))).tolist()
        [[1, 0], [1, 1]]
    """
    x = _tensor(x)
    _min_rank("tril", x, 2)
    return B.where(_tri_mask(*B.shape(x)[-2:], k), x, B.zeros_like(x))


def triu(x, k: int = 0):
    """The upper triangle (on and above diagonal ``k``) of the last two axes; zeros below.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.triu(np.ones((2, 2), "int32"))).tolist()
        [[1, 1], [0, 1]]
    """
    x = _tensor(x)
    _min_rank("triu", x, 2)
    return B.where(_tri_mask(*B.shape(x)[-2:], k - 1), B.zeros_like(x), x)


def diag(x, k: int = 0):
    """1-D ``x`` (n,): the (n+|k|, n+|k|) matrix with ``x`` on diagonal ``k``; 2-D ``x``: its
    diagonal ``k``.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.diag([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """
    x = _tensor(x)
    rank = len(B.shape(x))
    if rank == 2:
        return diagonal(x, k)
    if rank != 1:
        raise ValueError(f"diag: `x` must be 1-D or 2-D; got shape {B.shape(x)}")
    n = B.shape(x)[0]
    eye = _tri_mask(n, n, 0)
    square = B.where(B.logical_and(eye, B.logical_not(_tri_mask(n, n, -1))),
                     B.reshape(x, (n, 1)), B.zeros((n, n), B.dtype(x)))
    a = abs(k)
    if a:
        zr, zc = B.zeros((a, n), B.dtype(x)), B.zeros((n + a, a), B.dtype(x))
        square = B.concatenate([square, zr] if k > 0 else [zr, square], axis=0)
        square = B.concatenate([zc, square] if k > 0 else [square, zc], axis=1)
    return square


def diagflat(x, k: int = 0):
    """The flattened ``x`` (n elements) on diagonal ``k`` of an (n+|k|, n+|k|) matrix.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.diagflat([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return diag(ravel(x), k)


# ------------------------------------------------------------------------------- sorting
def _sortable(op: str, x, axis):
    x = _tensor(x)
    if axis is None:
        return B.reshape(x, (-1,)), 0
    _min_rank(op, x, 1)
    return x, _axis(op, axis, len(B.shape(x)))


def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis`` (None: flattened first); the gradient goes back to
    where each value came from.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.sort([3, 1, 2])).tolist()
        [1, 2, 3]
    """
    x, axis = _sortable("sort", x, axis)
    if B.dtype(x) == "bool":  # TensorFlow sorts numbers only
        return B.cast(B.sort(B.cast(x, "int32"), axis=axis), "bool")
    return B.sort(x, axis=axis)


def argsort(x, axis=-1):
    """The int32 indices that sort ``x`` ascending along ``axis`` (None: flattened first);
    ties keep their order. No gradient (indices).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.argsort([3, 1, 2])).tolist()
        [1, 2, 0]
    """
    x = _tensor(x)
    if not B.shape(x):  # a scalar sorts as flattened, as Keras on numpy/TF/JAX: [0]
        axis = None
    x, axis = _sortable("argsort", x, axis)
    if B.dtype(x) == "bool":
        x = B.cast(x, "int32")
    return B.cast(B.argsort(x, axis=axis), "int32")


def argpartition(x, kth, axis=-1):
    """int32 indices that partition ``x`` along ``axis``: the entry at ``kth`` is the one a
    sort would put there, smaller ones come before it and larger ones after (kfront gives the
    sorting order, one valid partition). No gradient (indices).

    Example:
        >>> from kfront import ops
        >>> int(ops.argpartition([3, 1, 2], 1)[1])
        2
    """
    x, ax = _sortable("argpartition", x, axis)
    n = B.shape(x)[ax]
    for k in (kth if isinstance(kth, (list, tuple)) else [kth]):
        if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
            raise ValueError(f"argpartition: `kth` must be an int in [{-n}, {n}) (the size of "
                             f"axis {axis}); got {kth!r}")
    return argsort(x, ax)


# ------------------------------------------------------------------------------ creation
def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included when ``endpoint``);
    array ``start``/``stop`` give one sequence per element, along ``axis``. dtype: floatx unless
    given; ``retstep`` also returns the spacing.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.linspace(0, 1, 5)).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if isinstance(num, bool) or not isinstance(num, int) or num < 0:
        raise ValueError(f"linspace: `num` must be a non-negative int; got {num!r}")
    start, stop = _tensor(start), _tensor(stop)
    kinds = [B.dtype(start), B.dtype(stop)]
    work = _dtypes.result_type(*kinds, float)
    start, stop = B.cast(start, work), B.cast(stop, work)
    shape = _broadcast_shape([B.shape(start), B.shape(stop)])
    div = num - 1 if endpoint else num
    delta = B.subtract(stop, start)
    step = B.divide(delta, div) if div > 0 else B.multiply(delta, float("nan"))
    steps = B.reshape(B.arange(0, num, 1, dtype=work), (num,) + (1,) * len(shape))
    y = B.add(B.multiply(steps, step if div > 0 else B.zeros_like(delta)), start)
    if endpoint and num > 1:  # the last value is exactly ``stop``
        last = B.reshape(B.arange(0, num, 1, dtype="int32"), (num,) + (1,) * len(shape))
        y = B.where(B.equal(last, num - 1), B.broadcast_to(stop, shape), y)
    y = B.moveaxis(y, 0, _axis("linspace", axis, len(shape) + 1)) if shape else y
    out = B.cast(y, _dtypes.standardize_dtype(dtype) if dtype is not None else work)
    return (out, step) if retstep else out


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10, dtype=None,
             axis: int = 0):
    """``base ** linspace(start, stop, num, endpoint)``: values evenly spaced on a log scale.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.logspace(0, 2, 3)).tolist()
        [1.0, 10.0, 100.0]
    """
    exps = linspace(start, stop, num, endpoint, dtype=None, axis=axis)
    y = B.power(B.cast(_tensor(base), B.dtype(exps)), exps)
    return y if dtype is None else B.cast(y, _dtypes.standardize_dtype(dtype))


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """``num`` values from ``start`` to ``stop`` in geometric progression; the ends are exact.
    As numpy (and Keras on numpy): a zero ``start`` or ``stop`` given as a number or array is a
    ValueError, and ends of opposite signs give NaN between them (Keras on TensorFlow and torch
    gives a sequence ending at -stop, on JAX all NaN); a zero inside a backend tensor, which may
    be traced, gives NaN between the ends.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.geomspace(1, 8, 4)).tolist()
        [1.0, 2.0, 4.0, 8.0]
    """
    import numpy
    if any(not B.is_tensor(v) and numpy.any(numpy.asarray(v) == 0) for v in (start, stop)):
        raise ValueError(f"geomspace: `start` and `stop` must be nonzero (a geometric sequence "
                         f"cannot include zero); got start={start!r}, stop={stop!r}")
    start, stop = _tensor(start), _tensor(stop)
    work = _dtypes.result_type(B.dtype(start), B.dtype(stop), float)
    start, stop = B.cast(start, work), B.cast(stop, work)
    sign = B.sign(start)  # log(stop * sign) is NaN where stop's sign differs, as numpy's
    y = B.exp(linspace(B.log(B.abs(start)), B.log(B.multiply(stop, sign)), num, endpoint, axis=0))
    y = B.multiply(y, sign)
    if num > 0:
        idx = B.reshape(B.arange(0, num, 1, dtype="int32"), (num,) + (1,) * len(B.shape(y)[1:]))
        y = B.where(B.equal(idx, 0), B.broadcast_to(start, B.shape(y)[1:]), y)
        if endpoint and num > 1:
            y = B.where(B.equal(idx, num - 1), B.broadcast_to(stop, B.shape(y)[1:]), y)
    if len(B.shape(y)) > 1:
        y = B.moveaxis(y, 0, _axis("geomspace", axis, len(B.shape(y))))
    return y if dtype is None else B.cast(y, _dtypes.standardize_dtype(dtype))


def meshgrid(*x, indexing: str = "xy"):
    """Coordinate grids of the 1-D ``x[0], x[1], ...`` (sizes n0, n1, ...): each broadcast to
    (n0, n1, ...) for ``indexing="ij"``, (n1, n0, ...) for ``"xy"``.

    Example:
        >>> from kfront import ops
        >>> X, Y = ops.meshgrid([1, 2, 3], [4, 5])
        >>> ops.convert_to_numpy(X).tolist()
        [[1, 2, 3], [1, 2, 3]]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f'meshgrid: `indexing` must be "xy" or "ij"; got {indexing!r}')
    xs = [ravel(v) for v in x]
    sizes = [B.shape(v)[0] for v in xs]
    if indexing == "xy" and len(xs) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, v in enumerate(xs):
        pos = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(xs) > 1 else i
        shape = [1] * len(xs)
        shape[pos] = B.shape(v)[0]
        out.append(B.broadcast_to(B.reshape(v, tuple(shape)), tuple(sizes)))
    return out


# ------------------------------------------------------------------------- rearranging
def roll(x, shift, axis=None):
    """Shift the entries of ``x`` by ``shift`` along ``axis`` (ints or tuples of them,
    broadcast together), those pushed off the end coming back at the start; None rolls the
    flattened ``x``.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.roll([1, 2, 3, 4], 1)).tolist()
        [4, 1, 2, 3]
    """
    x = _tensor(x)
    if axis is None:
        return B.reshape(roll(B.reshape(x, (-1,)), shift, 0), B.shape(x))
    shifts = list(shift) if isinstance(shift, (list, tuple)) else [shift]
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: `shift` and `axis` must have the same length; got {shift!r} "
                         f"and {axis!r}")
    for s, a in zip(shifts, axes):
        a = _axis("roll", a, len(B.shape(x)))
        n = B.shape(x)[a]
        s = int(s) % n if n else 0
        if s:
            lead = (slice(None),) * a
            x = B.concatenate([B.getitem(x, lead + (slice(n - s, None),)),
                               B.getitem(x, lead + (slice(0, n - s),))], axis=a)
    return x


def rot90(array, k: int = 1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first axis toward
    the second).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.rot90([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """
    x = _tensor(array)
    _min_rank("rot90", x, 2, "array")
    nd = len(B.shape(x))
    if len(axes) != 2:
        raise ValueError(f"rot90: `axes` must be 2 different axes; got {axes!r}")
    a0, a1 = _axis("rot90", axes[0], nd, "axes"), _axis("rot90", axes[1], nd, "axes")
    if a0 == a1:
        raise ValueError(f"rot90: `axes` must be 2 different axes; got {axes!r}")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return B.flip(B.flip(x, axis=a0), axis=a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return B.transpose(B.flip(x, axis=a1), perm)
    return B.flip(B.transpose(x, perm), axis=a1)


def fliplr(x):
    """Reverse the second axis (columns) of ``x`` (rank >= 2).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.fliplr([[1, 2]])).tolist()
        [[2, 1]]
    """
    x = _tensor(x)
    _min_rank("fliplr", x, 2)
    return B.flip(x, axis=1)


def flipud(x):
    """Reverse the first axis (rows) of ``x`` (rank >= 1).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.flipud([1, 2])).tolist()
        [2, 1]
    """
    x = _tensor(x)
    _min_rank("flipud", x, 1)
    return B.flip(x, axis=0)


# --------------------------------------------------------------- stacking and splitting
def _joined(op: str, xs):
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(f"{op}: `xs` must be a non-empty list of tensors; got {xs!r:.80}")
    return _promoted(op, *xs)


def _at_least(x, rank: int):
    """``x`` with 1s added as numpy's atleast_1d / atleast_2d / atleast_3d do."""
    s = tuple(B.shape(x))
    if len(s) >= rank:
        return x
    if rank <= 2:
        return B.reshape(x, (1,) * (rank - len(s)) + s)
    return B.reshape(x, {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def hstack(xs):
    """Concatenate along the second axis (the first for 1-D tensors).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.hstack([[1, 2], [3]])).tolist()
        [1, 2, 3]
    """
    xs = [_at_least(x, 1) for x in _joined("hstack", xs)]
    return B.concatenate(xs, axis=0 if len(B.shape(xs[0])) == 1 else 1)


def vstack(xs):
    """Concatenate along the first axis, 1-D tensors (n,) taken as rows (1, n).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.vstack([[1, 2], [3, 4]])).tolist()
        [[1, 2], [3, 4]]
    """
    return B.concatenate([_at_least(x, 2) for x in _joined("vstack", xs)], axis=0)


def dstack(xs):
    """Concatenate along the third axis ((n,) taken as (1, n, 1), (m, n) as (m, n, 1)).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.dstack([[1, 2], [3, 4]])).tolist()
        [[[1, 3], [2, 4]]]
    """
    return B.concatenate([_at_least(x, 3) for x in _joined("dstack", xs)], axis=2)


def _split_at(op: str, x, indices_or_sections, axis: int, equal: bool):
    x = _tensor(x)
    n = B.shape(x)[axis]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"{op}: the number of sections must be > 0; got {k}")
        if equal and n % k:
            raise ValueError(f"{op}: axis {axis} of size {n} does not split into {k} equal "
                             f"sections (use array_split)")
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        bounds = [sum(sizes[:i]) for i in range(1, k)]
    else:
        bounds = [int(i) for i in indices_or_sections]
    return B.split(x, bounds, axis=axis)


def hsplit(x, indices_or_sections):
    """``split`` along the second axis (the first for 1-D ``x``): equal sections or at indices.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> [ops.convert_to_numpy(p).shape for p in ops.hsplit(np.ones((2, 4)), 2)]
        [(2, 2), (2, 2)]
    """
    x = _tensor(x)
    _min_rank("hsplit", x, 1)
    return _split_at("hsplit", x, indices_or_sections, 1 if len(B.shape(x)) > 1 else 0, True)


def vsplit(x, indices_or_sections):
    """``split`` along the first axis of ``x`` (rank >= 2): equal sections or at indices.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> [ops.convert_to_numpy(p).shape for p in ops.vsplit(np.ones((4, 2)), [1])]
        [(1, 2), (3, 2)]
    """
    x = _tensor(x)
    _min_rank("vsplit", x, 2)
    return _split_at("vsplit", x, indices_or_sections, 0, True)


def dsplit(x, indices_or_sections):
    """``split`` along the third axis of ``x`` (rank >= 3): equal sections or at indices.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> [ops.convert_to_numpy(p).shape for p in ops.dsplit(np.ones((1, 1, 4)), 2)]
        [(1, 1, 2), (1, 1, 2)]
    """
    x = _tensor(x)
    _min_rank("dsplit", x, 3)
    return _split_at("dsplit", x, indices_or_sections, 2, True)


def array_split(x, indices_or_sections, axis: int = 0):
    """``split`` that allows unequal sections: n sections of an axis of size L are
    L // n + 1 long for the first L % n, L // n for the rest.

    Example:
        >>> from kfront import ops
        >>> [ops.convert_to_numpy(p).tolist() for p in ops.array_split([1, 2, 3], 2)]
        [[1, 2], [3]]
    """
    x = _tensor(x)
    _min_rank("array_split", x, 1)
    return _split_at("array_split", x, indices_or_sections,
                     _axis("array_split", axis, len(B.shape(x))), False)


def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (None: both flattened), in their promoted dtype.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.append([1, 2], [[3]])).tolist()
        [1, 2, 3]
    """
    x1, x2 = _promoted("append", x1, x2)
    if axis is None:
        return B.concatenate([B.reshape(x1, (-1,)), B.reshape(x2, (-1,))], axis=0)
    return B.concatenate([x1, x2], axis=_axis("append", axis, len(B.shape(x1))))


def diff(a, n: int = 1, axis: int = -1):
    """The ``n``-th difference along ``axis``: ``a[1:] - a[:-1]`` applied ``n`` times (bool:
    ``!=``); that axis shrinks by ``n``.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.diff([1, 4, 9])).tolist()
        [3, 5]
    """
    x = _tensor(a)
    _min_rank("diff", x, 1, "a")
    ax = _axis("diff", axis, len(B.shape(x)))
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: `n` must be a non-negative int; got {n!r}")
    lead = (slice(None),) * ax
    sub = B.not_equal if B.dtype(x) == "bool" else B.subtract
    for _ in range(n):
        x = sub(B.getitem(x, lead + (slice(1, None),)), B.getitem(x, lead + (slice(0, -1),)))
    return x


# ------------------------------------------------------------------- searching, counting
def searchsorted(sorted_sequence, values, side: str = "left"):
    """int32 indices where ``values`` (any shape) would go in the ascending 1-D
    ``sorted_sequence`` to keep it sorted (``side="right"``: after equal entries). No
    gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.searchsorted([1, 3, 5], [0, 3, 6])).tolist()
        [0, 1, 3]
    """
    if side not in ("left", "right"):
        raise ValueError(f'searchsorted: `side` must be "left" or "right"; got {side!r}')
    seq, values = _promoted("searchsorted", sorted_sequence, values)
    if len(B.shape(seq)) != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D; got shape "
                         f"{B.shape(seq)}")
    if B.dtype(seq) == "bool":
        seq, values = B.cast(seq, "int32"), B.cast(values, "int32")
    return B.cast(B.searchsorted(seq, values, side=side), "int32")


def digitize(x, bins):
    """int32 index of the bin of each entry of ``x``: i with ``bins[i-1] <= x < bins[i]`` for
    increasing ``bins`` (0 below, len(bins) above); ``bins[i-1] > x >= bins[i]`` for
    decreasing ones. No gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.digitize([0.5, 1.0, 2.5], [1.0, 2.0])).tolist()
        [0, 1, 2]
    """
    x, bins = _promoted("digitize", x, bins)
    if len(B.shape(bins)) != 1:
        raise ValueError(f"digitize: `bins` must be 1-D; got shape {B.shape(bins)}")
    rising = searchsorted(bins, x, side="right")
    n = B.shape(bins)[0]
    if n < 2:
        return rising
    falling = B.subtract(n, searchsorted(B.flip(bins, axis=0), x, side="right"))
    return B.where(B.greater(B.getitem(bins, 0), B.getitem(bins, -1)), falling, rising)


def bincount(x, weights=None, minlength: int = 0, sparse: bool = False):
    """How often each value 0, 1, ... occurs in the non-negative int or bool ``x`` (1-D; 2-D:
    one count per row), or the sum of ``weights`` (x's shape) per value; length max(x) + 1, at
    least ``minlength``. int32 counts, or the promoted dtype of ``x`` and the weights, as
    Keras; differentiable in ``weights``. The length is read on the host (eager only). Floats
    are refused, as by Keras on numpy, torch and JAX (Keras on TensorFlow truncates them).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.bincount([0, 2, 2])).tolist()
        [1, 0, 2]
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported, kfront tensors are dense "
                         "(expected sparse=False)")
    import numpy
    # host values straight from a host array: a tensor made of it may be traced (jax.jit)
    host = B.convert_to_numpy(x) if B.is_tensor(x) else numpy.asarray(x)
    x = _tensor(x)
    if not B.dtype(x).startswith(("int", "uint", "bool")):
        raise TypeError(f"bincount: `x` must be an integer tensor (or bool); got dtype "
                        f"{B.dtype(x)}")
    shape = B.shape(x)
    if len(shape) not in (1, 2):
        raise ValueError(f"bincount: `x` must be 1-D or 2-D; got shape {shape}")
    if host.size and host.min() < 0:
        raise ValueError(f"bincount: `x` must be non-negative; got a minimum of {host.min()}")
    length = max(int(host.max()) + 1 if host.size else 0, int(minlength))
    if weights is None:
        w, dtype = B.ones(shape, "int32"), "int32"
    else:
        w = _tensor(weights)
        if B.shape(w) != shape:
            raise ValueError(f"bincount: `weights` must have the shape of `x`, {shape}; got "
                             f"{B.shape(w)}")
        dtype = _dtypes.result_type(B.dtype(x), B.dtype(w))
        w = B.cast(w, _WIDE.get(dtype, dtype))
    ids = B.cast(x, "int32")
    if len(shape) == 2:
        rows = B.reshape(B.arange(0, shape[0], 1, dtype="int32"), (shape[0], 1))
        ids = B.reshape(B.add(ids, B.multiply(rows, length)), (-1,))
        out = B.segment_sum(B.reshape(w, (-1,)), ids, num_segments=shape[0] * length)
        out = B.reshape(out, (shape[0], length))
    else:
        out = B.segment_sum(w, ids, num_segments=length)
    return out if B.dtype(out) == dtype else B.cast(out, dtype)


def histogram(x, bins: int = 10, range=None):
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` (default: x's min and
    max; the last bin includes its right edge, values outside are not counted):
    (counts (bins,), bin_edges (bins + 1,)), both of x's dtype, as Keras. No gradient.

    Example:
        >>> from kfront import ops
        >>> counts, edges = ops.histogram([0.0, 0.5, 1.0, 1.0], bins=2)
        >>> ops.convert_to_numpy(counts).tolist()
        [1.0, 3.0]
    """
    x = _tensor(x)
    if len(B.shape(x)) != 1:
        raise ValueError(f"histogram: `x` must be 1-D; got shape {B.shape(x)}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
        raise ValueError(f"histogram: `bins` must be a positive int; got {bins!r}")
    dtype = B.dtype(x)
    work = _dtypes.result_type(dtype, float)
    xf = B.cast(x, work)
    if range is None:
        lo, hi = B.min(xf), B.max(xf)
    else:
        if len(range) != 2 or range[0] > range[1]:
            raise ValueError(f"histogram: `range` must be (min, max) with min <= max; got "
                             f"{range!r}")
        lo, hi = B.cast(_tensor(range[0]), work), B.cast(_tensor(range[1]), work)
    edges = linspace(lo, hi, bins + 1, dtype=work)
    idx = searchsorted(B.getitem(edges, slice(1, -1)), xf, side="right")
    inside = B.logical_and(B.greater_equal(xf, lo), B.less_equal(xf, hi))
    counts = B.segment_sum(B.cast(inside, work), idx, num_segments=bins)
    return B.cast(counts, dtype), B.cast(edges, dtype)


def unique(x, sorted: bool = True, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, size=None, fill_value=None):
    """The distinct values of ``x`` (flattened, or the distinct slices along ``axis``), sorted;
    with ``return_index``/``return_inverse``/``return_counts`` also the int32 first indices,
    the indices rebuilding ``x`` and the counts, as a tuple in that order. ``size`` pads (with
    ``fill_value``, default the smallest value) or cuts the values to that length. Computed on
    the host (eager only, not inside compiled functions): no gradient.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.unique([3, 1, 3, 2])).tolist()
        [1, 2, 3]
    """
    import numpy
    x = _tensor(x)
    host = B.convert_to_numpy(x)
    if axis is not None:
        axis = _axis("unique", axis, host.ndim)
    vals, index, inverse, counts = numpy.unique(host, return_index=True, return_inverse=True,
                                                return_counts=True, axis=axis)
    inverse = inverse.reshape(-1) if axis is not None or inverse.ndim != host.ndim else \
        inverse.reshape(host.shape)
    if not sorted:  # order of first appearance
        order = numpy.argsort(index, kind="stable")
        rank = numpy.argsort(order)
        vals, index, counts, inverse = (numpy.take(vals, order, axis=axis or 0), index[order],
                                        counts[order], rank[inverse])
    if size is not None:
        k = vals.shape[axis or 0]
        if k >= size:
            vals, index, counts = (numpy.take(vals, numpy.arange(size), axis=axis or 0),
                                   index[:size], counts[:size])
        else:
            fill = vals.min() if fill_value is None and vals.size else (fill_value or 0)
            pad_shape = list(vals.shape)
            pad_shape[axis or 0] = size - k
            vals = numpy.concatenate([vals, numpy.full(pad_shape, fill, vals.dtype)],
                                     axis=axis or 0)
            index = numpy.concatenate([index, numpy.zeros(size - k, index.dtype)])
            counts = numpy.concatenate([counts, numpy.zeros(size - k, counts.dtype)])
    out = [B.convert_to_tensor(vals, B.dtype(x))]
    for flag, arr in ((return_index, index), (return_inverse, inverse),
                      (return_counts, counts)):
        if flag:
            out.append(B.convert_to_tensor(arr.astype("int32"), "int32"))
    return out[0] if len(out) == 1 else tuple(out)


def nonzero(x):
    """The int32 indices of the nonzero entries of ``x``, one tensor per axis (row-major
    order). Computed on the host (eager only, not inside compiled functions): no gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> [ops.convert_to_numpy(i).tolist() for i in ops.nonzero(np.eye(2))]
        [[0, 1], [0, 1]]
    """
    import numpy
    host = B.convert_to_numpy(_tensor(x))
    return tuple(B.convert_to_tensor(i.astype("int32"), "int32") for i in numpy.nonzero(host))


def isin(x1, x2, assume_unique: bool = False, invert: bool = False):
    """bool: whether each entry of ``x1`` occurs in ``x2`` (any shape; ``invert``: whether it
    does not). ``assume_unique`` changes nothing in the result.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.isin([1, 2, 3], [3, 1])).tolist()
        [True, False, True]
    """
    x1, x2 = _promoted("isin", x1, x2)
    hit = B.any(B.equal(B.expand_dims(x1, -1), B.reshape(x2, (-1,))), axis=-1)
    return B.logical_not(hit) if invert else hit


def select(condlist, choicelist, default=0):
    """``choicelist[i]`` where ``condlist[i]`` is the first true condition, else ``default``
    (all broadcast together), in the choices' promoted dtype.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> x = np.array([1, 5, 9])
        >>> ops.convert_to_numpy(ops.select([x < 3, x > 6], [x, -x], 0)).tolist()
        [1, 0, -9]
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)) \
            or len(condlist) != len(choicelist) or not condlist:
        raise ValueError("select: `condlist` and `choicelist` must be non-empty lists of the "
                         f"same length; got {type(condlist).__name__} and "
                         f"{type(choicelist).__name__}")
    conds = [_tensor(c) for c in condlist]
    for c in conds:
        if B.dtype(c) != "bool":
            raise TypeError(f"select: `condlist` must hold bool tensors; got dtype {B.dtype(c)}")
    choices = [_tensor(c) for c in choicelist]
    weak = default if isinstance(default, (bool, int, float)) else None
    default = _tensor(default)
    kinds = [B.dtype(c) for c in choices] + [type(weak) if weak is not None else
                                             B.dtype(default)]
    dtype = _dtypes.result_type(*kinds)
    out = B.cast(default, dtype)
    for c, v in reversed(list(zip(conds, _cast_all(choices, dtype)))):
        out = B.where(c, v, out)
    shape = _broadcast_shape([B.shape(t) for t in conds + choices + [default]])
    return out if tuple(B.shape(out)) == shape else B.broadcast_to(out, shape)


# ------------------------------------------------------------------- creation, reshaping
def empty(shape, dtype=None):
    """A tensor of ``shape`` (floatx unless ``dtype``); kfront fills it with zeros.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.empty((2,))).shape
        (2,)
    """
    return B.zeros(shape, dtype=_dtypes.standardize_dtype(dtype))


def empty_like(x, dtype=None):
    """A tensor of x's shape and dtype (or ``dtype``); kfront fills it with zeros.

    Example:
        >>> from kfront import ops
        >>> ops.dtype(ops.empty_like([1, 2]))
        'int32'
    """
    x = _tensor(x)
    return B.zeros(B.shape(x), dtype=B.dtype(x) if dtype is None else
                   _dtypes.standardize_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    """A tensor of x's shape filled with ``fill_value`` (a scalar or broadcastable tensor), of
    x's dtype unless ``dtype``.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.full_like([1, 2], 7)).tolist()
        [7, 7]
    """
    x = _tensor(x)
    dtype = B.dtype(x) if dtype is None else _dtypes.standardize_dtype(dtype)
    return B.broadcast_to(B.cast(_tensor(fill_value), dtype), B.shape(x))


def array(x, dtype=None):
    """``x`` (nested lists, numpy arrays, tensors) as a tensor, of ``dtype`` when given (else
    Python floats give floatx, ints int32).

    Example:
        >>> from kfront import ops
        >>> ops.dtype(ops.array([1.0, 2.0]))
        'float32'
    """
    return B.convert_to_tensor(x, None if dtype is None else _dtypes.standardize_dtype(dtype))


def identity(n: int, dtype=None):
    """The (n, n) identity matrix (floatx unless ``dtype``).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.identity(2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return B.eye(n, None, dtype=_dtypes.standardize_dtype(dtype))


def ndim(x) -> int:
    """The number of axes of ``x``.

    Example:
        >>> from kfront import ops
        >>> ops.ndim([[1, 2]])
        2
    """
    return len(B.shape(_tensor(x)))


def ravel(x):
    """``x`` flattened to 1-D (row-major).

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.ravel([[1, 2], [3, 4]])).tolist()
        [1, 2, 3, 4]
    """
    return B.reshape(_tensor(x), (-1,))


def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of the flat (row-major) ``indices``: a tuple
    of one int tensor per axis, each of the indices' shape and dtype.

    Example:
        >>> from kfront import ops
        >>> [int(i) for i in ops.unravel_index(5, (2, 3))]
        [1, 2]
    """
    idx = _tensor(indices)
    if not B.dtype(idx).startswith(("int", "uint")):
        raise TypeError(f"unravel_index: `indices` must be integers; got dtype {B.dtype(idx)}")
    shape = tuple(int(d) for d in shape)
    out = []
    for d in reversed(shape):
        out.append(B.mod(idx, d))
        idx = B.floor_divide(idx, d)
    return tuple(reversed(out))


def vander(x, N=None, increasing: bool = False):
    """The Vandermonde matrix of the 1-D ``x`` (n,): (n, N) columns ``x**(N-1), ...,
    x**0`` (reversed when ``increasing``), of x's dtype.

    Example:
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.vander([2, 3], 3)).tolist()
        [[4, 2, 1], [9, 3, 1]]
    """
    x = _tensor(x)
    if len(B.shape(x)) != 1:
        raise ValueError(f"vander: `x` must be 1-D; got shape {B.shape(x)}")
    n = B.shape(x)[0] if N is None else N
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"vander: `N` must be a non-negative int; got {N!r}")
    dtype = B.dtype(x)
    xw = B.cast(x, "int32") if dtype == "bool" else x
    cols, p = [], B.ones_like(xw)
    for _ in range(n):
        cols.append(p)
        p = B.multiply(p, xw)
    y = B.stack(cols if increasing else cols[::-1], axis=1) if cols else \
        B.zeros((B.shape(x)[0], 0), B.dtype(xw))
    return B.cast(y, dtype)


def view(x, dtype=None):
    """The bits of ``x`` read as ``dtype`` (as ``numpy.ndarray.view``: the last axis scales by
    the ratio of the item sizes). No gradient.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.view(np.array([1.0], "float32"), "int32")).tolist()
        [1065353216]
    """
    import numpy
    x = _tensor(x)
    if dtype is None:
        return x
    dtype = _dtypes.standardize_dtype(dtype)
    old, new = numpy.dtype(B.dtype(x)).itemsize, numpy.dtype(dtype).itemsize
    shape = B.shape(x)
    held = shape[-1] * old if shape else old
    if old != new and (not shape or held % new):
        raise ValueError(f"view: a tensor of shape {shape} and dtype {B.dtype(x)} cannot be "
                         f"viewed as {dtype}: the last axis holds {held} bytes, not a multiple "
                         f"of {new}")
    return B.view(x, dtype)


def get_item(x, key):
    """``x[key]`` with NumPy's basic and advanced indexing (as ``ops.getitem``).

    Example:
        >>> from kfront import ops
        >>> int(ops.get_item([5, 6, 7], 1))
        6
    """
    return B.getitem(_tensor(x), key)


def slogdet(x):
    """(sign, log|det|) of the square matrices in the last two axes of ``x``: (..., n, n) ->
    ((...), (...)); ints give floatx. The gradient flows through log|det|.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> sign, logdet = ops.slogdet(np.diag([-2.0, 1.0]))
        >>> float(sign), round(float(logdet), 4)
        (-1.0, 0.6931)
    """
    from kfront.ops import linalg
    d = linalg.det(x)
    return B.sign(d), B.log(B.abs(d))


def _parse_signature(signature: str):
    """``"(m,n),(n)->(m)"`` -> ([("m", "n"), ("n",)], [("m",)])."""
    import re
    m = re.fullmatch(r"\s*(\(.*?\)(?:\s*,\s*\(.*?\))*)\s*->\s*(\(.*?\)(?:\s*,\s*\(.*?\))*)\s*",
                     signature or "")
    if not m:
        raise ValueError(f"vectorize: `signature` must look like '(m,n),(n)->(m)'; got "
                         f"{signature!r}")

    def groups(side):
        return [tuple(d for d in (p.strip() for p in g.split(",")) if d)
                for g in re.findall(r"\((.*?)\)", side)]
    return groups(m.group(1)), groups(m.group(2))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` applied to each element (or, with a ``signature`` such as ``"(n),(n)->()"``,
    each core sub-array) of its broadcast tensor arguments, the results stacked back: as
    ``numpy.vectorize``. Arguments named in ``excluded`` (positions or keywords) pass through
    whole. Differentiable where ``pyfunc`` is.

    Example:
        >>> from kfront import ops
        >>> f = ops.vectorize(lambda a, b: a + b if a > b else a - b)
        >>> ops.convert_to_numpy(f([1, 4], 2)).tolist()
        [-1, 6]
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize: `pyfunc` must be callable; got {type(pyfunc).__name__}")
    excluded = set(excluded or ())
    ins, outs = _parse_signature(signature) if signature is not None else (None, [()])

    def wrapped(*args, **kwargs):
        pos = [i for i in range(len(args)) if i not in excluded]
        keys = [k for k in kwargs if k not in excluded]
        xs = [_tensor(args[i]) for i in pos] + [_tensor(kwargs[k]) for k in keys]
        cores = ins if ins is not None else [()] * len(xs)
        if len(cores) != len(xs):
            raise ValueError(f"vectorize: the signature {signature!r} has {len(cores)} inputs; "
                             f"got {len(xs)} tensor arguments")
        loops = []
        for x, core in zip(xs, cores):
            s = tuple(B.shape(x))
            if len(s) < len(core):
                raise ValueError(f"vectorize: an argument of shape {s} has fewer axes than its "
                                 f"core dimensions {core} in {signature!r}")
            loops.append(s[:len(s) - len(core)])
        loop = _broadcast_shape(loops)
        count = 1
        for d in loop:
            count *= d
        flat = [B.reshape(B.broadcast_to(x, loop + tuple(B.shape(x))[len(lp):]),
                          (count,) + tuple(B.shape(x))[len(lp):]) for x, lp in zip(xs, loops)]
        if count == 0:
            raise ValueError(f"vectorize: the arguments broadcast to the empty loop shape "
                             f"{loop}; there is nothing to call `pyfunc` on")
        results = []
        for i in range(count):
            a, kw = list(args), dict(kwargs)
            for j, p in enumerate(pos):
                a[p] = B.getitem(flat[j], i)
            for j, k in enumerate(keys):
                kw[k] = B.getitem(flat[len(pos) + j], i)
            r = pyfunc(*a, **kw)
            results.append(r if isinstance(r, tuple) else (r,))
        if len(results[0]) != len(outs):
            raise ValueError(f"vectorize: `pyfunc` returned {len(results[0])} outputs; the "
                             f"signature {signature!r} names {len(outs)}")
        stacked = tuple(B.reshape(B.stack([_tensor(r[k]) for r in results], axis=0),
                                  loop + tuple(B.shape(_tensor(results[0][k]))))
                        for k in range(len(outs)))
        return stacked[0] if len(stacked) == 1 else stacked
    return wrapped


def _rearrange_axes(side: str):
    """``"b (h w) c"`` -> [["b"], ["h", "w"], ["c"]]."""
    import re
    tokens = re.findall(r"\(.*?\)|[^\s()]+", side)
    return [t[1:-1].split() if t.startswith("(") else [t] for t in tokens]


def rearrange(tensor, pattern: str, **axes_lengths):
    """Reorder, split and merge axes by an einops pattern: ``"b h w c -> b c h w"``,
    ``"b (h h1) w c -> b h w (c h1)"`` (``h1=2`` given: ``h`` inferred). No ``...``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> ops.convert_to_numpy(ops.rearrange(np.ones((2, 6, 3)), "b (h w) c -> b c h w",
        ...                                    h=2)).shape
        (2, 3, 2, 3)
    """
    x = _tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1 or "..." in pattern:
        raise ValueError(f"rearrange: `pattern` must be 'input axes -> output axes' (no '...'); "
                         f"got {pattern!r}")
    left, right = (_rearrange_axes(s) for s in pattern.split("->"))
    shape = tuple(B.shape(x))
    if len(left) != len(shape):
        raise ValueError(f"rearrange: the pattern {pattern!r} names {len(left)} input axes; the "
                         f"tensor has shape {shape}")
    sizes = dict(axes_lengths)
    for group, dim in zip(left, shape):
        unknown = [a for a in group if a not in sizes]
        known = 1
        for a in group:
            known *= sizes.get(a, 1)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} from axis of size "
                             f"{dim}; give all but one as keyword arguments")
        if unknown:
            if known == 0 or dim % known:
                given = {a: sizes[a] for a in group if a in sizes}
                raise ValueError(f"rearrange: an axis of size {dim} does not split into "
                                 f"{group} with {given}")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError(f"rearrange: the axes {group} have sizes multiplying to {known}; "
                             f"the tensor's axis has size {dim}")
    flat_in = [a for g in left for a in g]
    flat_out = [a for g in right for a in g]
    if sorted(flat_in) != sorted(flat_out) or len(set(flat_in)) != len(flat_in):
        raise ValueError(f"rearrange: the output axes of {pattern!r} must name each input axis "
                         f"once")
    x = B.reshape(x, tuple(sizes[a] for a in flat_in))
    x = B.transpose(x, [flat_in.index(a) for a in flat_out])
    out_shape = []
    for g in right:
        d = 1
        for a in g:
            d *= sizes[a]
        out_shape.append(d)
    return B.reshape(x, tuple(out_shape))
