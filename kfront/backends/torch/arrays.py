"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the torch backend, gradients by
autograd. Arguments arrive checked and of Keras's dtypes (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import numpy
import torch

from kfront.backends.torch.core import from_numpy, to_tensor, torch_dtype

__all__ = ["argsort", "einsum", "searchsorted", "sort", "view"]


def einsum(subscripts, *operands):
    """``torch.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return torch.einsum(subscripts, *[to_tensor(x, "einsum") for x in operands])


# CPU dtypes NumPy sorts natively (its SIMD sort: several times torch.sort's speed on CPU)
_HOST_SORTABLE = {torch.float16, torch.float32, torch.float64, torch.int8, torch.int16,
                  torch.int32, torch.int64, torch.uint8}


def _host_view(x: torch.Tensor):
    """``x``'s values as a NumPy array sharing its memory when nothing differentiates or traces
    through ``x`` (a CPU tensor of a NumPy dtype, no gradient recorded, outside torch.compile
    and torch.func transforms); else None."""
    if (x.device.type != "cpu" or x.dtype not in _HOST_SORTABLE
            or (x.requires_grad and torch.is_grad_enabled()) or torch.compiler.is_compiling()
            or torch._C._functorch.is_functorch_wrapped_tensor(x)):
        return None
    return x.detach().numpy()


def sort(x, axis=-1):
    """Sorted along ``axis``: by NumPy where ``_host_view`` allows (the native engine's sort,
    the same values), otherwise by ``torch.sort`` (stable: the native gradient's order of
    ties); gradient by autograd."""
    x = to_tensor(x, "sort")
    a = _host_view(x)
    if a is not None:
        return from_numpy(numpy.sort(a, axis=axis))
    return torch.sort(x, dim=axis, stable=True).values


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
