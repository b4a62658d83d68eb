"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...). Re-exported by ``kfront.ops`` and
``kfront.ops.numpy``.

Each op checks its arguments and applies Keras 3's dtype rules here, once; the backends compute
(``einsum``, ``sort``, ``argsort``, ``argpartition``), and the rest are written with the backend
ops, so every backend differentiates them. Ops whose result's shape depends on the values
(``unique``, ``nonzero``, ``bincount``, ``histogram``) compute on the host and have no gradient.

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

__all__ = ["einsum"]


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


def einsum(subscripts: str, *operands):
    """Einstein summation, as ``numpy.einsum``: ``subscripts`` names each operand's axes
    (``"bqd,bkd->bqk"``; ``...`` for broadcast leading axes; no ``->``: the indices seen once,
    sorted). The result's dtype is Keras's promotion of the operands' (int8 alone: int32).

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> a = np.arange(6.0).reshape(2, 3)
        >>> ops.convert_to_numpy(ops.einsum("ij,ij->i", a, a))
        array([ 5., 50.])
    """
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
