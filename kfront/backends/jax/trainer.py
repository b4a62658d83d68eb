"""Train-step compilation hook of the JAX backend: ``jax.jit`` over kfront Variables."""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import numpy

from kfront.backends.common import random as _random
from kfront.backends.jax import core, random

_NEXT_KEY = numpy.array([0, 1], numpy.uint32)  # the next call's key: its counting word + 1


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """A callable with ``fn``'s signature and effects, compiled with ``jax.jit`` if ``jit``.

    The compiled function is pure: it takes the values of ``variables``, ``fn``'s arguments and
    a PRNG key, binds the variables to the traced values while ``fn`` runs (``fn`` may call
    ``variables_value_and_grad`` and ``assign`` them, e.g. BatchNorm statistics), and returns
    ``fn``'s outputs, the variables' new values, which the returned callable writes back, and
    the next call's key. Random ops inside draw from the key (each op folds in its own
    number). The key stays on the device between calls, as Keras's SeedGenerator state: two
    random words from kfront's global generator, drawn at the first call and again after
    ``set_random_seed`` replaced that generator (seeded runs repeat), the second word counting
    the calls (threefry keys differing in one word give unrelated streams). A fresh host key
    per call cost ~30 us of dispatch on CPU, a ``jax.random.split`` in the graph a loop of
    XLA kernels. The old values are donated: an array read from a Variable before the call is
    invalid after it (as in Keras).
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
        return out, [updates.get(v, x) for v, x in zip(variables, values)], key + _NEXT_KEY

    # every value goes out again (updated or not), so the old buffers are donated: XLA writes
    # the new weights and slots in place instead of allocating them (as Keras's train step)
    # variables laid out on a device mesh (kfront.distribution sets ``_layout``) go in (see
    # call) and come out with their layout's sharding, as Keras's state shardings
    laid = [getattr(getattr(v, "_layout", None), "backend_layout", None) for v in variables]
    shardings = {"out_shardings": (None, laid, None)} if any(laid) else {}
    donating = jax.jit(pure, donate_argnums=0, **shardings)
    plain = jax.jit(pure, **shardings)
    seeds = _random.SeedStream()
    keys = {"parent": None, "key": None}

    @functools.wraps(fn)
    def call(*args):
        parent = _random.generator(None)
        if parent is not keys["parent"]:
            # (device_put: jnp.asarray compiled a conversion for it in the first step)
            keys["parent"], keys["key"] = parent, jax.device_put(
                seeds.next().astype(numpy.uint32))
        values = [v._value for v in variables]
        if shardings:  # a value an eager update or the host moved goes back on its layout
            values = [x if s is None or x.sharding == s else jax.device_put(x, s)
                      for x, s in zip(values, laid)]
        shared = len({id(x) for x in values}) < len(values)  # one buffer cannot go twice
        out, new, keys["key"] = (plain if shared else donating)(values, keys["key"], args)
        for v, x in zip(variables, new):
            v._value = x
        return out

    return call


def output_spec(fn: Callable, *args):
    """The outputs of ``fn(*args)`` as ``jax.ShapeDtypeStruct`` leaves, traced abstractly
    (``jax.eval_shape``): the trainer needs only their structure and shapes to resolve losses
    and metrics before the first compiled step, and running the model eagerly for that
    compiled a small XLA program per op (about half of the first step's time). Variables the
    trace assigns (a JaxLayer's state) are restored, and random ops draw from a throwaway key,
    so nothing traced escapes and the global random stream is untouched."""
    with core.state_scope(), random.key_scope(numpy.zeros(2, numpy.uint32)):
        return jax.eval_shape(fn, *args)
