"""Train-step compilation hook of the JAX backend: ``jax.jit`` over kfront Variables."""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import numpy

from kfront.backends.common.random import SeedStream
from kfront.backends.jax import core, random


def compile_stateful(fn: Callable, variables: Sequence, jit: bool) -> Callable:
    """A callable with ``fn``'s signature and effects, compiled with ``jax.jit`` if ``jit``.

    The compiled function is pure: it takes the values of ``variables``, ``fn``'s arguments and
    a PRNG key fresh each call, binds the variables to the traced values while ``fn`` runs
    (``fn`` may call ``variables_value_and_grad`` and ``assign`` them, e.g. BatchNorm
    statistics), and returns ``fn``'s outputs and the new values of the assigned variables,
    which the returned callable writes back. Random ops inside draw from the key.
    """
    if not jit:
        return fn
    variables = list(variables)
    index = {v: i for i, v in enumerate(variables)}

    def pure(values, key, args):
        with core.state_scope(variables, values) as scope, random.key_scope(key):
            out = fn(*args)
            updates = scope.updates()
        stray = [v.path for v, x in updates.items()
                 if v not in index and isinstance(x, jax.core.Tracer)]
        if stray:
            raise RuntimeError(f"compile_stateful: {fn.__name__} assigned traced values to "
                               f"Variables that were not passed to compile_stateful: {stray}")
        return out, {index[v]: x for v, x in updates.items() if v in index}

    jitted = jax.jit(pure)
    seeds = SeedStream()

    @functools.wraps(fn)
    def call(*args):
        key = seeds.next().astype(numpy.uint32)
        out, new = jitted([v._value for v in variables], key, args)
        for i, x in new.items():
            core.set_value(variables[i], x)
        return out

    return call
