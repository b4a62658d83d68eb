"""The table of ops the conformance suite runs: inputs kept in each op's valid domain.

Each case is ``Case(name, fn, make, diff)``: ``fn(ops, *arrays)`` calls ``kfront.ops`` (the
active backend's), ``make(rng)`` returns the float64 numpy inputs, ``diff`` the positions of
the arrays to differentiate (empty: forward only, e.g. comparisons and integer outputs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Case:
    name: str
    fn: Callable
    make: Callable
    diff: tuple = (0,)
    id: str = field(default="")

    def __post_init__(self):
        self.id = self.id or self.name


def normal(*shape):
    return lambda rng: [rng.normal(size=shape)]


def positive(*shape, low=0.5, high=2.0):
    return lambda rng: [rng.uniform(low, high, size=shape)]


def away_from(points, *shape, gap=0.1, scale=3.0):
    """Normal samples pushed at least ``gap`` away from kinks at ``points``."""
    def make(rng):
        x = rng.uniform(-scale, scale, size=shape)
        for p in points:
            near = np.abs(x - p) < gap
            x[near] = p + np.where(x[near] >= p, gap, -gap) * 2
        return [x]
    return make


def two(shape_a, shape_b, kind="normal"):
    def make(rng):
        a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
        if kind == "positive_base":
            a = rng.uniform(0.5, 2.0, size=shape_a)
        elif kind == "distinct":  # two offset lattices: |a - b| >= 0.25 everywhere, no ties
            a = rng.integers(-6, 6, size=shape_a) * 0.5 + 0.125
            b = rng.integers(-6, 6, size=shape_b) * 0.5 + 0.375
        elif kind == "nonzero_divisor":
            b = np.sign(b) * (np.abs(b) + 0.5)
        return [np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")]
    return make


def distinct(*shape):
    """Values with no ties (for max/min/argmax)."""
    return lambda rng: [rng.permutation(np.prod(shape)).reshape(shape) / 7.0 + rng.normal(
        size=shape) * 1e-3]


UNARY = {
    "abs": away_from([0.0], 3, 4), "negative": normal(3, 4), "square": normal(3, 4),
    "exp": normal(3, 4), "expm1": normal(3, 4), "log": positive(3, 4), "sqrt": positive(3, 4),
    "log1p": positive(3, 4, low=-0.5), "reciprocal": positive(3, 4), "sin": normal(3, 4),
    "cos": normal(3, 4), "tanh": normal(3, 4), "sigmoid": normal(3, 4),
    "relu": away_from([0.0], 3, 4), "relu6": away_from([0.0, 6.0], 3, 4, scale=8.0),
    "elu": away_from([0.0], 3, 4), "selu": away_from([0.0], 3, 4), "softplus": normal(3, 4),
    "softsign": away_from([0.0], 3, 4), "silu": normal(3, 4), "swish": normal(3, 4),
    "hard_sigmoid": away_from([-3.0, 3.0], 3, 4, scale=4.0),
    "log_sigmoid": normal(3, 4), "exponential": normal(3, 4),
    "leaky_relu": away_from([0.0], 3, 4),
}
FORWARD_ONLY_UNARY = {"sign": away_from([0.0], 3, 4), "floor": away_from([0, 1, -1, 2, -2], 3, 4),
                      "ceil": away_from([0, 1, -1, 2, -2], 3, 4),
                      "round": away_from([0.5, 1.5, -0.5, -1.5, 2.5, -2.5], 3, 4),
                      "isnan": normal(3, 4), "isfinite": normal(3, 4),
                      "logical_not": normal(3, 4)}
BINARY = {"add": "normal", "subtract": "normal", "multiply": "normal",
          "divide": "nonzero_divisor", "true_divide": "nonzero_divisor",
          "power": "positive_base", "maximum": "distinct", "minimum": "distinct"}
COMPARISONS = ["equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
               "logical_and", "logical_or", "logical_xor"]
REDUCTIONS = ["sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp"]
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ())]


def _cases():
    out = []
    for name, make in UNARY.items():
        out.append(Case(name, lambda ops, x, n=name: getattr(ops, n)(x), make))
    out.append(Case("gelu", lambda ops, x: ops.gelu(x, approximate=False), normal(3, 4),
                    id="gelu-exact"))
    out.append(Case("gelu", lambda ops, x: ops.gelu(x, approximate=True), normal(3, 4),
                    id="gelu-tanh"))
    out.append(Case("elu", lambda ops, x: ops.elu(x, alpha=0.5), away_from([0.0], 3, 4),
                    id="elu-alpha"))
    out.append(Case("leaky_relu", lambda ops, x: ops.leaky_relu(x, negative_slope=0.1),
                    away_from([0.0], 3, 4), id="leaky_relu-slope"))
    for name, make in FORWARD_ONLY_UNARY.items():
        out.append(Case(name, lambda ops, x, n=name: getattr(ops, n)(x), make, diff=()))
    for name, kind in BINARY.items():
        for sa, sb in BROADCAST_SHAPES:
            out.append(Case(name, lambda ops, a, b, n=name: getattr(ops, n)(a, b),
                            two(sa, sb, kind), diff=(0, 1), id=f"{name}-{sa}-{sb}"))
    for name in COMPARISONS:
        out.append(Case(name, lambda ops, a, b, n=name: getattr(ops, n)(a, b),
                        two((3, 4), (4,)), diff=()))
    for name in ("floor_divide", "mod"):
        out.append(Case(name, lambda ops, a, b, n=name: getattr(ops, n)(a, b),
                        two((3, 4), (4,), "nonzero_divisor"), diff=()))
    for name in REDUCTIONS:
        for kw in ({}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": (0, 2)}):
            out.append(Case(name, lambda ops, x, n=name, kw=kw: getattr(ops, n)(x, **kw),
                            distinct(2, 3, 4), id=f"{name}-{kw}"))
    for name in ("argmax", "argmin"):
        for kw in ({}, {"axis": 1}, {"axis": -1, "keepdims": True}):
            out.append(Case(name, lambda ops, x, n=name, kw=kw: getattr(ops, n)(x, **kw),
                            distinct(2, 3, 4), diff=(), id=f"{name}-{kw}"))
    for name in ("all", "any"):
        out.append(Case(name, lambda ops, x, n=name: getattr(ops, n)(ops.greater(x, 0.0), axis=1),
                        normal(3, 4), diff=()))
    out.append(Case("cumsum", lambda ops, x: ops.cumsum(x, axis=1), normal(3, 4)))
    out.append(Case("cumsum", lambda ops, x: ops.cumsum(x), normal(3, 4), id="cumsum-flat"))
    # linear algebra
    out += [
        Case("matmul", lambda ops, a, b: ops.matmul(a, b), two((3, 4), (4, 5)), (0, 1)),
        Case("matmul", lambda ops, a, b: ops.matmul(a, b), two((2, 3, 4), (4, 5)), (0, 1),
             id="matmul-batched"),
        Case("matmul", lambda ops, a, b: ops.matmul(a, b), two((2, 3, 4), (2, 4, 5)), (0, 1),
             id="matmul-batch-both"),
        Case("matmul", lambda ops, a, b: ops.matmul(a, b), two((4,), (4, 5)), (0, 1),
             id="matmul-vector"),
        Case("dot", lambda ops, a, b: ops.dot(a, b), two((3, 4), (4, 2)), (0, 1)),
        Case("dot", lambda ops, a, b: ops.dot(a, b), two((4,), (4,)), (0, 1), id="dot-vectors"),
        Case("tensordot", lambda ops, a, b: ops.tensordot(a, b, axes=1), two((3, 4), (4, 2)),
             (0, 1)),
        Case("tensordot", lambda ops, a, b: ops.tensordot(a, b, axes=([0, 2], [1, 0])),
             two((2, 3, 4), (4, 2, 5)), (0, 1), id="tensordot-pairs"),
    ]
    # shapes and indexing
    idx = np.array([2, 0, 3, 3])
    out += [
        Case("reshape", lambda ops, x: ops.reshape(x, (4, -1)), normal(2, 3, 4)),
        Case("transpose", lambda ops, x: ops.transpose(x), normal(2, 3, 4)),
        Case("transpose", lambda ops, x: ops.transpose(x, (1, 0, 2)), normal(2, 3, 4),
             id="transpose-axes"),
        Case("expand_dims", lambda ops, x: ops.expand_dims(x, 1), normal(3, 4)),
        Case("squeeze", lambda ops, x: ops.squeeze(x, 1), normal(3, 1, 4)),
        Case("concatenate", lambda ops, a, b: ops.concatenate([a, b], axis=1),
             two((3, 2), (3, 4)), (0, 1)),
        Case("stack", lambda ops, a, b: ops.stack([a, b], axis=1), two((3, 4), (3, 4)), (0, 1)),
        Case("split", lambda ops, x: ops.split(x, 2, axis=1), normal(3, 4)),
        Case("split", lambda ops, x: ops.split(x, [1, 3], axis=1), normal(3, 4),
             id="split-indices"),
        Case("unstack", lambda ops, x: ops.unstack(x, axis=1), normal(3, 4)),
        Case("take", lambda ops, x: ops.take(x, idx, axis=1), normal(3, 4)),
        Case("take", lambda ops, x: ops.take(x, idx), normal(3, 4), id="take-flat"),
        Case("take_along_axis", lambda ops, x: ops.take_along_axis(
            x, np.array([[0, 2], [1, 1], [3, 0]]), axis=1), normal(3, 4)),
        Case("where", lambda ops, a, b: ops.where(ops.greater(a, 0.0), a, b),
             two((3, 4), (4,)), (0, 1)),
        Case("tile", lambda ops, x: ops.tile(x, (2, 3)), normal(3, 4)),
        Case("repeat", lambda ops, x: ops.repeat(x, 2, axis=1), normal(3, 4)),
        Case("flip", lambda ops, x: ops.flip(x, axis=1), normal(3, 4)),
        Case("moveaxis", lambda ops, x: ops.moveaxis(x, 0, -1), normal(2, 3, 4)),
        Case("swapaxes", lambda ops, x: ops.swapaxes(x, 0, 2), normal(2, 3, 4)),
        Case("broadcast_to", lambda ops, x: ops.broadcast_to(x, (2, 3, 4)), normal(3, 1)),
        Case("pad", lambda ops, x: ops.pad(x, ((1, 0), (2, 1))), normal(3, 4)),
        Case("getitem", lambda ops, x: ops.getitem(x, (slice(1, None), slice(None, None, 2))),
             normal(3, 4)),
        Case("clip", lambda ops, x: ops.clip(x, -1.0, 1.0), away_from([-1.0, 1.0], 3, 4)),
        Case("cast", lambda ops, x: ops.cast(x, "float32"), normal(3, 4)),
    ]
    # nn
    labels = np.eye(5)[[0, 3, 1, 4]]
    sparse = np.array([0, 3, 1, 4])
    binary = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
    out += [
        Case("softmax", lambda ops, x: ops.softmax(x), normal(4, 5)),
        Case("softmax", lambda ops, x: ops.softmax(x, axis=0), normal(4, 5), id="softmax-axis0"),
        Case("log_softmax", lambda ops, x: ops.log_softmax(x), normal(4, 5)),
        Case("softmax_cross_entropy", lambda ops, x: ops.softmax_cross_entropy(labels, x),
             normal(4, 5)),
        Case("sparse_softmax_cross_entropy",
             lambda ops, x: ops.sparse_softmax_cross_entropy(sparse, x), normal(4, 5)),
        Case("sigmoid_cross_entropy", lambda ops, x: ops.sigmoid_cross_entropy(binary, x),
             normal(2, 3)),
        Case("categorical_crossentropy",
             lambda ops, x: ops.categorical_crossentropy(labels, ops.softmax(x)), normal(4, 5),
             id="categorical_crossentropy-probs"),
        Case("categorical_crossentropy",
             lambda ops, x: ops.categorical_crossentropy(labels, x, from_logits=True),
             normal(4, 5), id="categorical_crossentropy-logits"),
        Case("sparse_categorical_crossentropy",
             lambda ops, x: ops.sparse_categorical_crossentropy(sparse, ops.softmax(x)),
             normal(4, 5), id="sparse_categorical_crossentropy-probs"),
        Case("sparse_categorical_crossentropy",
             lambda ops, x: ops.sparse_categorical_crossentropy(sparse, x, from_logits=True),
             normal(4, 5), id="sparse_categorical_crossentropy-logits"),
        Case("binary_crossentropy",
             lambda ops, x: ops.binary_crossentropy(binary, ops.sigmoid(x)), normal(2, 3),
             id="binary_crossentropy-probs"),
        Case("binary_crossentropy",
             lambda ops, x: ops.binary_crossentropy(binary, x, from_logits=True), normal(2, 3),
             id="binary_crossentropy-logits"),
        Case("one_hot", lambda ops: ops.one_hot(sparse, 5), lambda rng: [], diff=()),
        Case("dropout", lambda ops, x: ops.dropout(x, 0.5, seed=3), normal(4, 5)),
    ]
    out += _conv_and_pool_cases() + _recurrent_cases()
    # creation (forward only)
    out += [
        Case("zeros", lambda ops: ops.zeros((2, 3)), lambda rng: [], diff=()),
        Case("ones", lambda ops: ops.ones((2, 3)), lambda rng: [], diff=()),
        Case("full", lambda ops: ops.full((2, 3), 1.5), lambda rng: [], diff=()),
        Case("arange", lambda ops: ops.arange(1, 7, 2), lambda rng: [], diff=()),
        Case("eye", lambda ops: ops.eye(3, 4), lambda rng: [], diff=()),
        Case("zeros_like", lambda ops, x: ops.zeros_like(x), normal(2, 3), diff=()),
        Case("ones_like", lambda ops, x: ops.ones_like(x), normal(2, 3), diff=()),
    ]
    return out


def shapes(*shapes, scale=1.0):
    return lambda rng: [rng.normal(size=s) * scale for s in shapes]


def _conv_and_pool_cases():
    conv = [("conv1d", (2, 7, 3), (3, 3, 4), {}),
            ("conv2d-strided-same", (2, 6, 6, 3), (3, 3, 3, 4), {"strides": 2, "padding": "same"}),
            ("conv2d-dilated", (2, 7, 7, 2), (3, 3, 2, 3), {"dilation_rate": 2}),
            ("conv2d-groups", (2, 5, 5, 4), (3, 3, 2, 4), {})]
    out = [Case("conv", lambda ops, x, k, kw=kw: ops.conv(x, k, **kw), shapes(xs, ks), (0, 1),
                id=name) for name, xs, ks, kw in conv]
    out += [
        Case("conv_transpose", lambda ops, x, k: ops.conv_transpose(x, k, strides=2,
                                                                    padding="same"),
             shapes((2, 4, 4, 3), (3, 3, 5, 3)), (0, 1)),
        Case("conv_transpose", lambda ops, x, k: ops.conv_transpose(x, k, strides=2),
             shapes((2, 5, 3), (3, 2, 3)), (0, 1), id="conv_transpose-1d-valid"),
        Case("depthwise_conv", lambda ops, x, k: ops.depthwise_conv(x, k, padding="same"),
             shapes((2, 6, 6, 3), (3, 3, 3, 2)), (0, 1)),
        Case("separable_conv", lambda ops, x, d, p: ops.separable_conv(x, d, p),
             shapes((2, 6, 6, 3), (3, 3, 3, 2), (1, 1, 6, 4)), (0, 1, 2)),
    ]
    for name in ("max_pool", "average_pool"):
        for tag, xs, kw in [("2d", (2, 6, 6, 3), {"pool_size": 2}),
                            ("2d-same", (2, 5, 5, 2), {"pool_size": 3, "strides": 2,
                                                       "padding": "same"}),
                            ("1d", (2, 7, 3), {"pool_size": 2, "strides": 1})]:
            out.append(Case(name, lambda ops, x, n=name, kw=kw: getattr(ops, n)(x, **kw),
                            distinct(*xs), id=f"{name}-{tag}"))
    return out


def _recurrent_cases():
    batch, steps, features, units = 2, 5, 3, 4
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    out = []
    for name, gates, state in [("lstm", 4, 2), ("gru", 3, 1), ("simple_rnn", 1, 1)]:
        bias = (2, gates * units) if name == "gru" else (gates * units,)
        arrays = shapes((batch, steps, features), *[(batch, units)] * state,
                        (features, gates * units), (units, gates * units), bias, scale=0.5)
        for tag, kw in [("", {"return_sequences": True}), ("backwards", {"go_backwards": True}),
                        ("masked", {"return_sequences": True, "mask": mask})]:
            out.append(Case(name, lambda ops, *a, n=name, kw=kw: getattr(ops, n)(*a, **kw),
                            arrays, tuple(range(3 + state + 1)),
                            id=f"{name}-{tag}" if tag else name))
    return out


CASES = _cases()
# ops of the interface the table does not exercise directly (covered elsewhere or not ops on
# tensors); the completeness test keeps this list honest
NOT_IN_TABLE = {"convert_to_tensor", "convert_to_numpy", "dtype", "shape", "size", "is_tensor",
                "standardize_dtype", "value_and_grad", "stop_gradient", "absolute",
                "dot_product_attention", "layer_normalization"}  # tests/ops/test_nn_ops.py,
# on every backend
