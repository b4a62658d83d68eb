"""Train-step compilation hook on TensorFlow: ``tf.function`` with a fresh random seed per call."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import tensorflow as tf

from kfront.backends.common import random as _common
from kfront.backends.tensorflow import random as krandom


class _SeedStream:
    """Per-call seeds for compiled random ops, from a child of kfront's global generator.

    ``Generator.spawn`` does not advance the global stream, so compiling changes no other
    random numbers (fit's shuffling...), and ``kfront.utils.set_random_seed`` makes the seeds
    reproducible (a new global generator gets a new child)."""

    def __init__(self):
        self._parent = self._rng = None

    def next(self) -> tf.Tensor:
        parent = _common.generator(None)
        if parent is not self._parent:
            self._parent, self._rng = parent, parent.spawn(1)[0]
        return tf.constant(self._rng.integers(0, 2 ** 31 - 1, size=2, dtype=np.int64))


def compile_stateful(fn: Callable, variables: Sequence, jit: bool) -> Callable:
    """``fn`` itself, or with ``jit`` a ``tf.function`` of it (kfront Variables are
    ``tf.Variable``s, which it captures, reads and assigns natively).

    Each distinct input shape traces once (static shapes keep the library's Python shape
    arithmetic valid); random ops inside draw from a seed passed in fresh at each call (see
    ``random.py``). Autograph is off: ``fn`` must not branch in Python on tensor values."""
    if not jit:
        return fn

    def traced(seed, args):
        with krandom.graph_seed(seed):
            return fn(*args)

    graph_fn = tf.function(traced, autograph=False)
    seeds = _SeedStream()

    def call(*args):
        return graph_fn(seeds.next(), args)

    call.__wrapped__ = fn
    return call
