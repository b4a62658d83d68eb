"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the torch backend, gradients by
autograd. Arguments arrive checked and of Keras's dtypes (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import torch

from kfront.backends.torch.core import to_tensor

__all__ = ["einsum"]


def einsum(subscripts, *operands):
    """``torch.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return torch.einsum(subscripts, *[to_tensor(x, "einsum") for x in operands])
