"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...) of the torch backend.

The loops are Python loops (torch runs eagerly; autograd records every step); slicing and
scattering are torch indexing, differentiated by autograd."""
from __future__ import annotations

import builtins
import warnings

import torch

from kfront.backends.common import tree
from kfront.backends.common.control_flow import (associative_scan, cond, fori_loop, map, scan,
                                                 switch, vectorized_map, while_loop)
from kfront.backends.torch.core import convert_to_tensor, to_tensor

__all__ = ["associative_scan", "cond", "custom_gradient", "eig", "fori_loop", "jvp", "map", "scan",
           "scatter", "scatter_update", "slice", "slice_update", "switch", "vectorized_map",
           "view_as_complex", "view_as_real", "while_loop"]


def _region(starts, sizes) -> tuple:
    return tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(starts, sizes))


def slice(inputs, start_indices, shape):
    return to_tensor(inputs, "slice")[_region(start_indices, shape)]


def slice_update(inputs, start_indices, updates):
    x, u = to_tensor(inputs, "slice_update"), to_tensor(updates, "slice_update")
    out = x.clone()
    out[_region(start_indices, u.shape)] = u.to(x.dtype)
    return out


def _index(indices, k):
    flat = to_tensor(indices, "scatter").reshape(-1, k).long()
    return tuple(flat[:, j] for j in range(k))


def scatter(indices, values, shape):
    values = to_tensor(values, "scatter")
    k = to_tensor(indices, "scatter").shape[-1]
    idx = _index(indices, k)
    values = values.reshape((idx[0].shape[0],) + tuple(shape[k:]))
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    return out.index_put(idx, values, accumulate=True)


_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def scatter_update(inputs, indices, updates, reduction=None):
    x = to_tensor(inputs, "scatter_update")
    k = to_tensor(indices, "scatter_update").shape[-1]
    idx = _index(indices, k)
    u = to_tensor(updates, "scatter_update").to(x.dtype)
    u = u.reshape((idx[0].shape[0],) + tuple(x.shape[k:]))
    if reduction in (None, "add"):
        return x.index_put(idx, u, accumulate=reduction == "add")
    # max / min / mul: flatten the indexed axes and reduce into them
    lead = x.shape[:k]
    flat_idx = torch.zeros_like(idx[0])
    for j in range(k):
        flat_idx = flat_idx * lead[j] + idx[j]
    rest = x.shape[k:]
    with warnings.catch_warnings():  # "index_reduce() is in beta"
        warnings.simplefilter("ignore", UserWarning)
        out = x.reshape((-1,) + tuple(rest)).index_reduce(0, flat_idx, u, _REDUCE[reduction])
    return out.reshape(x.shape)


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, f, n_args, *args):
        y, grad_fn = f(*[a.detach() for a in args[:n_args]], *args[n_args:])
        ctx.grad_fn = grad_fn
        return y.detach() if isinstance(y, torch.Tensor) else y

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(upstream)
        grads = grads if isinstance(grads, (list, tuple)) else (grads,)
        return (None, None) + tuple(None if g is None else to_tensor(g) for g in grads)


def custom_gradient(f):
    """``f(*args) -> (y, grad_fn)`` as an op whose gradient is ``grad_fn(upstream)``."""
    def wrapped(*args, **kwargs):
        tensors = [convert_to_tensor(a) for a in args]
        return _CustomGradient.apply(lambda *a: f(*a, **kwargs), len(tensors), *tensors)
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    flat_p, spec = tree.flatten(tuple(primals))
    flat_t = tree.flatten(tuple(tangents))[0]
    flat_p = [convert_to_tensor(p) for p in flat_p]
    flat_t = [to_tensor(t, "jvp").to(p.dtype) for t, p in zip(flat_t, flat_p)]

    def call(*leaves):
        return fun(*tree.unflatten(spec, list(leaves)))

    return torch.func.jvp(call, tuple(flat_p), tuple(flat_t), has_aux=has_aux)


def view_as_complex(x):
    x = to_tensor(x, "view_as_complex")
    return torch.view_as_complex(x.contiguous())


def view_as_real(x):
    return torch.view_as_real(to_tensor(x, "view_as_real"))


def eig(x):
    return tuple(torch.linalg.eig(to_tensor(x, "eig")))
