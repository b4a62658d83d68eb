"""Gradients on the JAX backend: ``value_and_grad`` and the trainer hook, through ``jax.vjp``.

JAX differentiates functions, not recorded tapes, so ``GradientTape`` is not available here.
Functions that read kfront Variables are differentiated functionally: the Variables are bound
to the traced values for the duration of the call (``core.state_scope``), and Variables the
function assigns (e.g. BatchNorm statistics) get their new values written back afterwards.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence

import jax
import jax.numpy as jnp

from kfront.backends.common import tree
from kfront.backends.common.variables import KVariable
from kfront.backends.jax import core


class GradientTape:
    """Not available on the JAX backend (JAX has no tape).

    Use ``kfront.ops.value_and_grad(fn, argnums)`` (JAX's own spelling), which works on every
    backend; a model's ``fit`` differentiates through the trainer hook automatically.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        raise NotImplementedError(
            "kfront.GradientTape is not available on the jax backend: JAX differentiates "
            "functions, it does not record a tape. Write the computation as a function and use "
            "kfront.ops.value_and_grad(fn, argnums=...)(*args) instead (it works on every "
            "backend), or select another backend with KFRONT_BACKEND=numpy|torch|tensorflow.")


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Context for computations that are not differentiated (JAX needs no marker: it only
    stops the softmax/sigmoid logits shortcut, as the native engine's ``no_grad`` does)."""
    core._state["paused"] += 1
    try:
        yield
    finally:
        core._state["paused"] -= 1


def stop_gradient(x) -> jax.Array:
    """``x`` as a constant: no gradient flows back through it."""
    return jax.lax.stop_gradient(core.array(x, "stop_gradient"))


def _vjp(fn: Callable, primals: list, has_aux: bool, variables: Sequence = ()):
    """Value (and aux) of ``fn(*primals[len(variables):])`` with ``variables`` bound to the first
    primals, and its gradient (of the value's sum, as the native engine) w.r.t. all primals.
    Variables assigned inside are written back."""
    assigned: list = []
    n = len(variables)

    def pure(*xs):
        with core.state_scope(variables, xs[:n]) as scope, core.recording():
            out = fn(*xs[n:])
            updates = scope.updates()
        value, aux = out if has_aux else (out, None)
        assigned[:] = updates
        return core.array(value, "value_and_grad"), (aux, list(updates.values()))

    value, vjp, (aux, new_values) = jax.vjp(pure, *primals, has_aux=True)
    grads = vjp(jnp.ones_like(value))
    for variable, new in zip(assigned, new_values):
        core.set_value(variable, new)
    grads = [_zeros_if_float0(g, p) for g, p in zip(grads, primals)]
    return ((value, aux) if has_aux else value), grads


def _zeros_if_float0(g, primal):
    """Integer primals get float0 cotangents from JAX; give zeros of their dtype instead."""
    if getattr(g, "dtype", None) == jax.dtypes.float0:
        return jnp.zeros(jnp.shape(primal), jnp.result_type(primal))
    return g


def value_and_grad(fn: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """Return ``g(*args) -> (value, grads)``: ``fn``'s value and its gradient w.r.t. ``args[argnums]``.

    Each differentiated argument may be an array, a Variable (differentiated by its value) or a
    nested list/tuple/dict of them; its gradient has the same structure. With ``has_aux``,
    ``fn`` returns ``(value, aux)`` and ``g`` returns ``((value, aux), grads)``.

    Example:
        >>> import numpy as np
        >>> from kfront import ops
        >>> X = np.arange(20.0); Y = 2 * X + 1
        >>> cost = lambda W, b: ops.mean(ops.square(X * W + b - Y))
        >>> value, (dW, db) = ops.value_and_grad(cost, argnums=(0, 1))(0.5, 0.0)
    """
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        diff = []
        for i in nums:
            leaves, spec = tree.flatten(args[i])
            diff.append(tree.unflatten(spec, [_leaf_value(v) for v in leaves]))

        def call(*xs):
            # Variables stay Variables inside fn (as on every backend), bound to traced values,
            # so that code reading them elsewhere (a layer's weights) is differentiated too
            full, bound = list(args), {}
            for i, x in zip(nums, xs):
                full[i] = _bind(args[i], x, bound)
            with core.state_scope(list(bound), list(bound.values())):
                return fn(*full, **kwargs)

        out, grads = _vjp(call, diff, has_aux)
        return out, grads[0] if single else tuple(grads)

    return wrapped


def _bind(original, traced, bound: dict):
    """``traced`` with the original Variables put back (recorded in ``bound`` with their traced
    values); walked by key, since JAX rebuilds dicts in sorted-key order."""
    if isinstance(original, KVariable):
        bound[original] = traced
        return original
    if isinstance(original, dict):
        return {k: _bind(v, traced[k], bound) for k, v in original.items()}
    if isinstance(original, (list, tuple)):
        return type(original)(_bind(o, t, bound) for o, t in zip(original, traced))
    return traced


def _leaf_value(v):
    if isinstance(v, KVariable):
        v._check_backend()
        return v._value
    return core.convert_to_tensor(v)


def variables_value_and_grad(fn: Callable, variables: Sequence, has_aux: bool = False):
    """Trainer hook: ``fn()``'s value (and aux) and its gradients w.r.t. ``variables``
    (zeros for unused ones); ``fn`` reads the Variables, bound to traced values meanwhile."""
    variables = list(variables)
    return _vjp(fn, [v._value for v in variables], has_aux, variables)
