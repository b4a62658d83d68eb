"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...) of the native engine, each with its gradient rule next to its forward.

The loops are Python loops of recorded ops (``kfront.backends.common.control_flow``), so the tape
differentiates them step by step; slicing and scattering are primitives with their own rules.
"""
from __future__ import annotations

import builtins

import numpy

from kfront.backends.common import tree
from kfront.backends.common.control_flow import (associative_scan, cond, fori_loop, map, scan,
                                                 switch, vectorized_map, while_loop)
from kfront.backends.numpy import engine
from kfront.backends.numpy.engine import Node, Tensor, get_xp, primitive, raw

__all__ = ["associative_scan", "cond", "custom_gradient", "eig", "fori_loop", "jvp", "map", "scan",
           "scatter", "scatter_update", "slice", "slice_update", "switch", "vectorized_map",
           "view_as_complex", "view_as_real", "while_loop"]


def _region(starts, sizes) -> tuple:
    return tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))


@primitive
def _slice(x, starts, sizes):
    region = _region(starts, sizes)

    def vjp(g, needs):
        gx = get_xp(g).zeros(x.shape, g.dtype)
        gx[region] = g
        return (gx,)
    return x[region], vjp


def slice(inputs, start_indices, shape):
    return _slice(inputs, starts=tuple(int(s) for s in start_indices), sizes=tuple(shape))


@primitive
def _slice_update(x, updates, starts):
    region = _region(starts, updates.shape)
    out = x.copy()
    out[region] = updates

    def vjp(g, needs):
        gx = None
        if needs[0]:
            gx = g.copy()
            gx[region] = 0
        return gx, (g[region] if needs[1] else None)
    return out, vjp


def slice_update(inputs, start_indices, updates):
    return _slice_update(inputs, updates, starts=tuple(int(s) for s in start_indices))


def _index(indices, k):
    """Integer index arrays of shape (..., k) -> a tuple of ``k`` flat index arrays."""
    flat = numpy.reshape(raw(indices), (-1, k))
    return tuple(flat[:, j] for j in range(k))


@primitive
def _scatter(values, idx, shape):
    xp = get_xp(values)
    out = xp.zeros(shape, values.dtype)
    xp.add.at(out, idx, values)
    return out, lambda g, needs: (g[idx],)


def scatter(indices, values, shape):
    k = numpy.shape(raw(indices))[-1]
    idx = _index(indices, k)
    values = _reshape(values, (len(idx[0]),) + tuple(shape[k:]))
    return _scatter(values, idx=idx, shape=tuple(shape))


@primitive
def _scatter_replace(x, updates, idx):
    out = x.copy()
    out[idx] = updates

    def vjp(g, needs):
        gx = None
        if needs[0]:
            gx = g.copy()
            gx[idx] = 0
        return gx, (g[idx] if needs[1] else None)
    return out, vjp


@primitive
def _scatter_add(x, updates, idx):
    out = x.copy()
    get_xp(x).add.at(out, idx, updates)
    return out, lambda g, needs: (g, g[idx] if needs[1] else None)


_UFUNC = {"max": "maximum", "min": "minimum", "mul": "multiply"}


def scatter_update(inputs, indices, updates, reduction=None):
    x = raw(inputs)
    k = numpy.shape(raw(indices))[-1]
    idx = _index(indices, k)
    updates = _reshape(updates, (len(idx[0]),) + tuple(x.shape[k:]))
    if reduction is None:
        return _scatter_replace(inputs, updates, idx=idx)
    if reduction == "add":
        return _scatter_add(inputs, updates, idx=idx)
    out = x.copy()  # max / min / mul: no gradient
    getattr(get_xp(x), _UFUNC[reduction]).at(out, idx, raw(updates))
    return out


def _reshape(x, shape):
    from kfront.backends.numpy.numpy import reshape
    return reshape(x, shape)


def custom_gradient(f):
    """``f(*args) -> (y, grad_fn)`` as an op whose gradient is ``grad_fn(upstream)``."""
    def wrapped(*args, **kwargs):
        on = engine.recording()
        lifted = [engine._lift(a, on) for a in args]
        from kfront.backends.numpy.gradients import no_grad
        with no_grad():
            y, grad_fn = f(*[d for d, _ in lifted], **kwargs)
        tracked = tuple(t for _, t in lifted)
        needs = tuple(t is not None for t in tracked)
        if not builtins.any(needs):
            return y

        def vjp(g, needs):
            with no_grad():
                grads = grad_fn(g)
            grads = grads if isinstance(grads, (list, tuple)) else (grads,)
            return tuple(None if gr is None else get_xp(raw(gr)).asarray(raw(gr))
                         for gr in grads)
        return Tensor(raw(y), Node(tracked, vjp, needs))
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode product J·t, from reverse mode: one backward pass per output entry."""
    from kfront.backends.numpy.gradients import GradientTape, _track
    flat_p, spec = tree.flatten(tuple(primals))
    flat_t = [numpy.asarray(raw(t)) for t in tree.flatten(tuple(tangents))[0]]
    with GradientTape(persistent=True):
        leaves = [_track(p) for p in flat_p]
        out = fun(*tree.unflatten(spec, leaves))
    out, aux = out if has_aux else (out, None)
    out_flat, out_spec = tree.flatten(out)
    tangents_out = []
    for o in out_flat:
        data = raw(o)
        tan = numpy.zeros(numpy.shape(data), numpy.result_type(data, numpy.float32))
        if type(o) is Tensor:
            for j in numpy.ndindex(numpy.shape(data)):
                seed = numpy.zeros_like(data)
                seed[j] = 1
                grads = engine.backward(o, leaves, seed)
                tan[j] = builtins.sum(float(numpy.sum(g * t)) for g, t in zip(grads, flat_t)
                                      if g is not None)
        tangents_out.append(tan.astype(numpy.asarray(data).dtype))
    result = (tree.unflatten(out_spec, [raw(o) for o in out_flat]),
              tree.unflatten(out_spec, tangents_out))
    return result + (engine.raw_tree(aux),) if has_aux else result


def view_as_complex(x):
    x = raw(x)
    return (x[..., 0] + 1j * x[..., 1]).astype(numpy.result_type(x.dtype, numpy.complex64))


def view_as_real(x):
    x = raw(x)
    return get_xp(x).stack([x.real, x.imag], axis=-1)


def eig(x):
    """Eigenvalues and right eigenvectors of square matrices, always complex (no gradient)."""
    x = raw(x)
    w, v = get_xp(x).linalg.eig(x)
    dtype = numpy.result_type(x.dtype, numpy.complex64)
    return w.astype(dtype), v.astype(dtype)
