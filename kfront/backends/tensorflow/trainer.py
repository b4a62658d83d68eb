"""Train-step compilation hook on TensorFlow: ``tf.function`` with a fresh random seed per call."""
from __future__ import annotations

from typing import Callable, Sequence

import tensorflow as tf

from kfront.backends.common import random as _common
from kfront.backends.tensorflow import random as krandom


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself, or with ``jit`` a ``tf.function`` of it (kfront Variables are
    ``tf.Variable``s, which it captures, reads and assigns natively), XLA-compiled
    (``jit_compile=True``) where ``jit == "xla"``.

    Each distinct input shape traces once (static shapes keep the library's Python shape
    arithmetic valid); random ops inside draw from a seed passed in fresh at each call (see
    ``random.py``). Autograph is off: ``fn`` must not branch in Python on tensor values."""
    if not jit:
        return fn

    def traced(seed, args):
        with krandom.graph_seed(seed):
            return fn(*args)

    graph_fn = tf.function(traced, autograph=False, jit_compile=jit == "xla")
    seeds = _common.SeedStream()

    def call(*args):
        return graph_fn(tf.constant(seeds.next()), args)

    call.__wrapped__ = fn
    return call
