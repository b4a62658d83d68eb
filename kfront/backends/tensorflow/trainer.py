"""Train-step compilation hook on TensorFlow: ``tf.function`` with a fresh random seed per call."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import tensorflow as tf

from kfront.backends.common import random as _common
from kfront.backends.tensorflow import random as krandom

_ARRAYS = (np.ndarray, np.generic)
_COMPOSITES = (tf.SparseTensor, tf.RaggedTensor)
_SCALARS = (bool, int, float, str)


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself, or with ``jit`` a ``tf.function`` of it (kfront Variables are
    ``tf.Variable``s, which it captures, reads and assigns natively), XLA-compiled
    (``jit_compile=True``) where ``jit == "xla"``.

    Each distinct input signature (structure, shapes and dtypes; a Python scalar by value)
    traces once (static shapes keep the library's Python shape arithmetic valid) and its
    concrete function is kept: later calls go straight to it, skipping ``tf.function``'s
    per-call signature matching (~200 us a call, the most of a small model's step). Random
    ops inside draw from a seed passed in fresh at each call (see ``random.py``); a trace
    without random ops gets a constant one, which costs no host work. Autograph is off:
    ``fn`` must not branch in Python on tensor values."""
    if not jit:
        return fn

    def traced(seed, args):
        with krandom.graph_seed(seed):
            return fn(*args)

    graph_fn = tf.function(traced, autograph=False, jit_compile=jit == "xla")
    seeds = _common.SeedStream()
    fixed_seed = tf.constant([0, 0], tf.int64)
    concrete: dict = {}  # signature -> (concrete function, does it read the seed)

    def call(*args):
        args, signature = _tensors(args)
        if signature is None:
            return graph_fn(tf.constant(seeds.next()), args)
        entry = concrete.get(signature)
        if entry is None:
            function = graph_fn.get_concrete_function(fixed_seed, args)
            entry = concrete[signature] = (function,
                                           bool(function.graph.inputs[0].consumers()))
        function, random = entry
        return function(tf.constant(seeds.next()) if random else fixed_seed, args)

    call.__wrapped__ = fn
    return call


def output_spec(fn: Callable, *args):
    """The outputs of ``fn(*args)`` as zeros of their traced shapes and dtypes: ``fn`` is traced
    into a graph, never run. The trainer needs only the outputs' structure and shapes before
    the first compiled step; running the model eagerly for that cost ~0.16-0.19 s of the
    Embedding+LSTM model's first step (80 timesteps op by op). Random ops draw from a constant
    seed; a trace that fails raises, and the trainer then runs ``fn`` eagerly."""
    def traced(*args):
        with krandom.graph_seed(tf.constant([0, 0], tf.int64)):
            return fn(*args)
    graph = tf.function(traced, autograph=False).get_concrete_function(*_tensors(args)[0])
    return tf.nest.map_structure(
        lambda t: tf.zeros(t.shape, t.dtype) if isinstance(t, tf.Tensor) else t,
        graph.structured_outputs)


def _tensors(x) -> tuple:
    """``x`` with its arrays as tensors, and its signature (hashable): the structure, each
    tensor's shape and dtype, a sparse or ragged tensor's type spec, None or a Python scalar
    by value; ``None`` for a leaf of any other kind (a Variable...: then ``tf.function``
    matches the call itself)."""
    if isinstance(x, (list, tuple)):
        pairs = [_tensors(v) for v in x]
        values = [v for v, _ in pairs]
        rebuilt = type(x)(*values) if hasattr(x, "_fields") else type(x)(values)
        signatures = tuple(s for _, s in pairs)
        return rebuilt, None if None in signatures else (type(x), signatures)
    if isinstance(x, dict):
        pairs = {k: _tensors(v) for k, v in x.items()}
        signatures = tuple((k, s) for k, (_, s) in pairs.items())
        return ({k: v for k, (v, _) in pairs.items()},
                None if any(s is None for _, s in signatures) else (dict, signatures))
    if isinstance(x, _ARRAYS):
        x = tf.convert_to_tensor(x)
    if isinstance(x, tf.Tensor):
        return x, (tuple(x.shape), x.dtype)
    if isinstance(x, _COMPOSITES):
        return x, tf.type_spec_from_value(x)
    if x is None or isinstance(x, _SCALARS):
        return x, (type(x), x)
    return x, None
