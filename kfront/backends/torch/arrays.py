"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the torch backend, gradients by
autograd. Arguments arrive checked and of Keras's dtypes (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import torch

from kfront.backends.torch.core import to_tensor, torch_dtype

__all__ = ["argsort", "einsum", "searchsorted", "sort", "view"]


def einsum(subscripts, *operands):
    """``torch.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return torch.einsum(subscripts, *[to_tensor(x, "einsum") for x in operands])


def sort(x, axis=-1):
    """``torch.sort`` (stable) along ``axis``; gradient by autograd."""
    return torch.sort(to_tensor(x, "sort"), dim=axis, stable=True).values


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable). No gradient."""
    return torch.argsort(to_tensor(x, "argsort").detach(), dim=axis, stable=True)


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion points of ``values`` in the 1-D ``sorted_sequence``. No gradient."""
    seq, v = to_tensor(sorted_sequence, "searchsorted"), to_tensor(values, "searchsorted")
    return torch.searchsorted(seq.detach().contiguous(), v.detach().contiguous(), side=side)


def view(x, dtype):
    """The bits of ``x`` read as ``dtype`` (the last axis rescaled by the item sizes)."""
    return to_tensor(x, "view").detach().view(torch_dtype(dtype))
