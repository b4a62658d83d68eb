"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...) of the jax backend.

Each is its ``jax.lax`` counterpart (``lax.cond``, ``lax.switch``, ``lax.while_loop``,
``lax.fori_loop``, ``lax.scan``, ``lax.associative_scan``, ``lax.map``, ``jax.vmap``,
``lax.dynamic_slice``...), so it traces once under ``jax.jit`` and differentiates as JAX does:
``while_loop`` has no reverse-mode gradient (use ``fori_loop`` with int bounds or ``scan``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from kfront.backends.common import tree
from kfront.backends.jax.core import array, convert_to_tensor

__all__ = ["associative_scan", "cond", "custom_gradient", "eig", "fori_loop", "jvp", "map", "scan",
           "scatter", "scatter_update", "slice", "slice_update", "switch", "vectorized_map",
           "view_as_complex", "view_as_real", "while_loop"]


def _arrays(x):
    leaves, spec = tree.flatten(x)
    return tree.unflatten(spec, [convert_to_tensor(v) for v in leaves])


def cond(pred, true_fn, false_fn):
    return jax.lax.cond(array(pred, "cond"), true_fn, false_fn)


def switch(index, branches, *operands):
    return jax.lax.switch(array(index, "switch"), list(branches), *operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = _arrays(tuple(loop_vars) if is_tuple else (loop_vars,))

    def run_body(args):
        out = body(*args)
        return _arrays(tuple(out) if isinstance(out, (tuple, list)) else (out,))
    if maximum_iterations is None:
        out = jax.lax.while_loop(lambda args: cond(*args), run_body, loop_vars)
    else:
        out = jax.lax.while_loop(
            lambda a: jnp.logical_and(cond(*a[0]), a[1] < maximum_iterations),
            lambda a: (run_body(a[0]), a[1] + 1), (loop_vars, jnp.asarray(0)))[0]
    return out if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    return jax.lax.scan(f, _arrays(init), None if xs is None else _arrays(xs), length=length,
                        reverse=reverse, unroll=unroll)


def associative_scan(f, elems, reverse=False, axis=0):
    return jax.lax.associative_scan(f, _arrays(elems), reverse=reverse, axis=axis)


def map(f, xs):
    return jax.lax.map(f, _arrays(xs))


def vectorized_map(function, elements):
    return jax.vmap(function)(_arrays(elements))


def slice(inputs, start_indices, shape):
    return jax.lax.dynamic_slice(array(inputs, "slice"), list(start_indices), list(shape))


def slice_update(inputs, start_indices, updates):
    x = array(inputs, "slice_update")
    u = array(updates, "slice_update").astype(x.dtype)
    return jax.lax.dynamic_update_slice(x, u, list(start_indices))


def _index(indices, k):
    flat = jnp.reshape(array(indices, "scatter"), (-1, k))
    return tuple(flat[:, j] for j in range(k))


def scatter(indices, values, shape):
    values = array(values, "scatter")
    k = jnp.shape(array(indices, "scatter"))[-1]
    idx = _index(indices, k)
    values = jnp.reshape(values, (idx[0].shape[0],) + tuple(shape[k:]))
    return jnp.zeros(tuple(shape), values.dtype).at[idx].add(values)


_AT = {None: "set", "add": "add", "max": "max", "min": "min", "mul": "multiply"}


def scatter_update(inputs, indices, updates, reduction=None):
    x = array(inputs, "scatter_update")
    k = jnp.shape(array(indices, "scatter_update"))[-1]
    idx = _index(indices, k)
    u = jnp.reshape(array(updates, "scatter_update").astype(x.dtype),
                    (idx[0].shape[0],) + x.shape[k:])
    return getattr(x.at[idx], _AT[reduction])(u)


def custom_gradient(f):
    """``f(*args) -> (y, grad_fn)`` as an op whose gradient is ``grad_fn(upstream)``."""
    def wrapped(*args, **kwargs):
        @jax.custom_gradient
        def g(*arrays):
            y, grad_fn = f(*arrays, **kwargs)

            def vjp(upstream):
                grads = grad_fn(upstream)
                return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
            return y, vjp
        return g(*[convert_to_tensor(a) for a in args])
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    primals = _arrays(tuple(primals))
    tangents = tuple(jnp.asarray(t, dtype=jnp.result_type(p))
                     for t, p in zip(tree.flatten(tuple(tangents))[0], tree.flatten(primals)[0]))
    tangents = tree.unflatten(tree.flatten(primals)[1], list(tangents))
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)


def view_as_complex(x):
    x = array(x, "view_as_complex")
    return jax.lax.complex(x[..., 0], x[..., 1])


def view_as_real(x):
    x = array(x, "view_as_real")
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


def eig(x):
    return tuple(jnp.linalg.eig(array(x, "eig")))
