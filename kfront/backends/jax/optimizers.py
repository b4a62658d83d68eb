"""Fused optimizer updates for the JAX backend (the ``optimizer_kernels`` backend hook).

Each kernel is one jitted pure function doing exactly what the optimizer's portable
``_update_step`` does, in the same order: per-step scalars (``learning_rate``, Adam's ``alpha``)
are passed as arrays of the variable's dtype (so changing them never recompiles), the static
configuration as static arguments. The results are stored in the variable and its slots.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.jax.core import array, set_value


def _arrays(grad, variable, slots):
    """(g, w, slot values), or None when dtypes differ (the portable path handles casts)."""
    g, w = array(grad, "optimizer kernel"), variable._value
    if g.dtype != w.dtype or any(s._value.dtype != w.dtype for s in slots):
        return None
    return g, w, [s._value for s in slots]


def _store(variable, slots, new_w, new_slots) -> None:
    set_value(variable, new_w)
    for s, x in zip(slots, new_slots):
        set_value(s, x)


@functools.partial(jax.jit, static_argnames=("momentum", "nesterov"))
def _sgd(g, w, bufs, lr, momentum, nesterov):
    if not bufs:
        return w - g * lr, []
    m = bufs[0] * momentum - g * lr
    return (w + (m * momentum - g * lr) if nesterov else w + m), [m]


@functools.partial(jax.jit, static_argnames=("one_minus_beta_1", "one_minus_beta_2", "epsilon",
                                             "amsgrad"))
def _adam(g, w, bufs, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, amsgrad):
    m = bufs[0] + (g - bufs[0]) * one_minus_beta_1
    v = bufs[1] + (jnp.square(g) - bufs[1]) * one_minus_beta_2
    new = [m, v]
    if amsgrad:
        v = jnp.maximum(bufs[2], v)
        new.append(v)
    return w - (m * alpha) / (jnp.sqrt(v) + epsilon), new


@functools.partial(jax.jit, static_argnames=("rho", "one_minus_rho", "momentum", "epsilon",
                                             "centered"))
def _rmsprop(g, w, bufs, lr, rho, one_minus_rho, momentum, epsilon, centered):
    velocity = bufs[0] * rho + jnp.square(g) * one_minus_rho
    new = list(bufs)
    new[0] = velocity
    if centered:
        average = bufs[-1] * rho + g * one_minus_rho
        new[-1] = average
        denominator = velocity - jnp.square(average) + epsilon
    else:
        denominator = velocity + epsilon
    increment = (g * lr) / jnp.sqrt(denominator)
    if momentum > 0:
        increment = bufs[1] * momentum + increment
        new[1] = increment
    return w - increment, new


@functools.partial(jax.jit, static_argnames=("epsilon",))
def _adagrad(g, w, bufs, lr, epsilon):
    accumulator = bufs[0] + jnp.square(g)
    return w - (g * lr) / jnp.sqrt(accumulator + epsilon), [accumulator]


def _kernel(fused, dynamic: tuple, static: tuple):
    """A kernel from a jitted ``fused(g, w, slot_values, *dynamic, **static)``."""
    def kernel(grad, variable, slots, hyper):
        arrays = _arrays(grad, variable, slots)
        if arrays is None:
            return NotImplemented
        g, w, bufs = arrays
        scalars = [numpy.asarray(hyper[k], dtype=w.dtype) for k in dynamic]
        new_w, new_bufs = fused(g, w, bufs, *scalars, **{k: hyper[k] for k in static})
        _store(variable, slots, new_w, new_bufs)
        return None
    return kernel


def _batched(fused, dynamic: tuple, static: tuple):
    """A batched kernel (``kernel.batched``): every variable updated by ONE jitted call, one
    dispatch per step instead of one per variable; mixed dtypes decline to the per-variable
    kernel."""
    single = _kernel(fused, dynamic, static)

    # the old weights and slots are donated: XLA updates them in place (their arrays are
    # replaced right after the call, so nothing reads the donated buffers again)
    @functools.partial(jax.jit, static_argnames=("config",), donate_argnums=(1, 2))
    def update_all(gs, ws, bufs, scalars, config):
        outs = [fused(g, w, b, *scalars, **dict(config)) for g, w, b in zip(gs, ws, bufs)]
        return [o[0] for o in outs], [o[1] for o in outs]

    def kernel(grads, variables, slots, hyper):
        arrays = [_arrays(g, v, s) for g, v, s in zip(grads, variables, slots)]
        if any(a is None for a in arrays):
            return NotImplemented  # nothing updated yet: the optimizer runs its portable update
        dtypes = {a[1].dtype for a in arrays}
        if len(dtypes) != 1:
            for g, v, s in zip(grads, variables, slots):
                single(g, v, s, hyper)
            return None
        dtype = dtypes.pop()
        gs, ws, bufs = (list(x) for x in zip(*arrays))
        scalars = [numpy.asarray(hyper[k], dtype=dtype) for k in dynamic]
        new_ws, new_bufs = update_all(gs, ws, bufs, scalars,
                                      tuple((k, hyper[k]) for k in static))
        for v, s, w, b in zip(variables, slots, new_ws, new_bufs):
            _store(v, s, w, b)
        return None
    kernel.batched = True
    return kernel


_SPECS = {
    "sgd": (_sgd, ("learning_rate",), ("momentum", "nesterov")),
    "adam": (_adam, ("alpha",), ("one_minus_beta_1", "one_minus_beta_2", "epsilon", "amsgrad")),
    "rmsprop": (_rmsprop, ("learning_rate",), ("rho", "one_minus_rho", "momentum", "epsilon",
                                               "centered")),
    "adagrad": (_adagrad, ("learning_rate",), ("epsilon",)),
}
optimizer_kernels = {name: _batched(*spec) for name, spec in _SPECS.items()}
