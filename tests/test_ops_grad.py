"""Every differentiable op of ``kfront.ops``: its gradient (through ``ops.value_and_grad``) against
central finite differences in float64, on a random linear functional ``sum(w * op(x))``.

The relative error is measured on the whole gradient vector: ``|a - n| / max(|a| + |n|, tiny)``
with Euclidean norms, and must stay below 1e-6. Inputs are drawn inside each op's valid domain
(positive for log/sqrt, away from kinks for relu/abs/clip..., without ties for max/min).
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import kfront  # noqa: F401  (activates the backend)
import kfront.backends.numpy  # noqa: F401  (its Tensor type is referenced below)
from kfront import ops

EPS = 1e-6
RTOL = 1e-6
TINY = 1e-30


# ----------------------------------------------------------------------------- input makers
def U(*shape, lo=-2.0, hi=2.0):
    """Uniform in [lo, hi)."""
    return lambda r: r.uniform(lo, hi, shape)


def P(*shape, lo=0.5, hi=2.0):
    """Positive."""
    return U(*shape, lo=lo, hi=hi)


def K(*shape, kinks=(0.0,), lo=-2.0, hi=2.0, margin=0.05):
    """Uniform in [lo, hi) but at least ``margin`` away from every kink."""
    def make(r):
        x = r.uniform(lo, hi, shape)
        while True:
            bad = np.zeros(np.shape(x), bool)
            for k in kinks:
                bad |= np.abs(x - k) < margin
            if not bad.any():
                return x
            x = np.where(bad, r.uniform(lo, hi, np.shape(x)), x)
    return make


def D(*shape, spacing=0.3):
    """Distinct values (no ties, gaps >= spacing / 2): a scaled permutation plus small noise."""
    def make(r):
        n = int(np.prod(shape, dtype=int))
        v = (r.permutation(n) - n / 2) * spacing + r.uniform(-spacing / 4, spacing / 4, n)
        return v.reshape(shape)
    return make


def ODD(*shape):
    """Values near integers; with EVEN never within 0.3 of each other (no ties for max/min)."""
    return lambda r: r.integers(-2, 3, shape) + r.uniform(-0.1, 0.1, shape)


def EVEN(*shape):
    return lambda r: r.integers(-2, 3, shape) + 0.5 + r.uniform(-0.1, 0.1, shape)


def DYADIC(*shape):
    """Multiples of 1/8: exact in float32, and so are x +- 2**-12."""
    return lambda r: r.integers(-16, 17, shape) / 8.0


def MOD_ARGS(sa, sb):
    """(a, b) for mod with b > 0 and a / b at least 0.1 away from an integer (where mod jumps)."""
    def make(r):
        b = r.uniform(0.5, 2.0, sb)
        shape = np.broadcast_shapes(sa, sb)
        a = np.broadcast_to(b, shape) * (r.integers(-3, 3, shape) + r.uniform(0.1, 0.9, shape))
        if a.shape != sa:  # a is broadcast against b: keep one row, exactly representable
            a = a[(0,) * (a.ndim - len(sa))].reshape(-1)[:1].reshape((1,) * len(sa)) * np.ones(sa)
            a = np.minimum(np.abs(a), 0.4)  # |a| < 0.5 <= b: no wrap at all
        return a, b
    return make


def CONST(v):
    """A fixed, non-differentiated argument."""
    return lambda r: v


# ------------------------------------------------------------------------------- the table
class Case:
    """``fn(*args)`` with ``args[i] = gens[i](rng)``; ``wrt`` = differentiated positions
    (default: every float ndarray argument)."""

    def __init__(self, op, fn, *gens, wrt=None, eps=EPS, id=None, make=None):
        self.op, self.fn, self.gens, self.wrt, self.eps = op, fn, gens, wrt, eps
        self.make = make or (lambda r: [g(r) for g in gens])
        self.id = id or op

    def __repr__(self):
        return self.id


TABLE: list[Case] = []


def case(op, fn, *gens, **kw):
    c = Case(op, fn, *gens, **kw)
    c.id = f"{c.id}#{sum(1 for t in TABLE if t.op == op)}"
    TABLE.append(c)


def unary(op, gen, **kw):
    case(op, getattr(ops, op), gen, **kw)


def by_name(op, **kwargs):
    f = getattr(ops, op)
    return lambda *a: f(*a, **kwargs)


# elementwise unary: several shapes (0-d, 1-d, 3-d)
for shape in [(3, 4), (), (2, 1, 3)]:
    unary("negative", U(*shape))
    unary("abs", K(*shape))
    unary("exp", U(*shape))
    unary("expm1", U(*shape))
    unary("log", P(*shape))
    unary("log1p", U(*shape, lo=-0.5, hi=2.0))
    unary("sqrt", P(*shape))
    unary("square", U(*shape))
    unary("reciprocal", K(*shape, margin=0.3))
    unary("sin", U(*shape, lo=-4, hi=4))
    unary("cos", U(*shape, lo=-4, hi=4))
    unary("tanh", U(*shape))
unary("absolute", K(5))

# binary with broadcasting
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((), (3, 4)),
          ((3, 4), ()), ((2, 3, 4), (3, 1))]
for sa, sb in SHAPES:
    case("add", ops.add, U(*sa), U(*sb))
    case("subtract", ops.subtract, U(*sa), U(*sb))
    case("multiply", ops.multiply, U(*sa), U(*sb))
    case("divide", ops.divide, U(*sa), K(*sb, margin=0.4))
    case("power", ops.power, P(*sa), U(*sb))
    case("maximum", ops.maximum, ODD(*sa), EVEN(*sb))
    case("minimum", ops.minimum, EVEN(*sa), ODD(*sb))
    case("mod", ops.mod, make=MOD_ARGS(sa, sb))
# Python scalars on either side
case("add", lambda x: ops.add(x, 2.5), U(3, 4))
case("subtract", lambda x: ops.subtract(2.5, x), U(3, 4))
case("multiply", lambda x: ops.multiply(-1.5, x), U(3, 4))
case("divide", lambda x: ops.divide(2.0, x), P(3, 4))
case("divide", lambda x: ops.divide(x, 4.0), U(3, 4))
case("power", lambda x: ops.power(x, 3), U(3, 4))
case("power", lambda x: ops.power(x, 2.5), P(3, 4))
case("power", lambda x: ops.power(2.0, x), U(3, 4))
case("maximum", lambda x: ops.maximum(x, 0.0), K(3, 4))
case("minimum", lambda x: ops.minimum(0.0, x), K(3, 4))
case("mod", lambda x: ops.mod(x, 1.0), U(3, 4, lo=0.05, hi=0.95))
case("true_divide", ops.true_divide, U(3, 4), P(4))
case("clip", lambda x: ops.clip(x, -0.5, 0.5), K(3, 4, kinks=(-0.5, 0.5)))
case("clip", lambda x: ops.clip(x, 0.0, 1.0), K(2, 5, kinks=(0.0, 1.0), lo=-1, hi=2))
COND = np.array([[True, False, True, False]] * 2 + [[False, False, True, True]])
case("where", lambda a, b: ops.where(COND, a, b), U(3, 4), U(4))
case("where", lambda a, b: ops.where(COND[0], a, b), U(3, 1), U(3, 4))
case("where", lambda a: ops.where(COND, a, 0.0), U(3, 4))

# linear algebra
for sa, sb in [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
               ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
               ((3, 4), (2, 4, 5))]:
    case("matmul", ops.matmul, U(*sa), U(*sb))
for sa, sb in [((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
               ((2, 3, 4), (4,)), ((4,), (3, 4, 5)), ((2, 3), (2, 3, 2)), ((), (3, 4)), ((3,), ())]:
    case("dot", ops.dot, U(*sa), U(*sb))
for sa, sb, axes in [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
                     ((3, 2, 4), (2, 5, 3), ([1, 0], [0, 2])), ((3, 2, 4), (4, 5), (2, 0)),
                     ((3, 2, 4), (5, 3, 2), ([0, 1], [1, 2])), ((2, 3), (3, 2), ([0, 1], [1, 0])),
                     ((2, 3, 4), (4, 3), ([-1, -2], [0, 1]))]:
    case("tensordot", lambda a, b, axes=axes: ops.tensordot(a, b, axes=axes), U(*sa), U(*sb))

# reductions
for axis, keepdims in [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False),
                       ((2, 0), True), (1, False)]:
    kw = dict(axis=axis, keepdims=keepdims)
    for op in ["sum", "mean", "var", "std", "logsumexp"]:
        case(op, by_name(op, **kw), U(2, 3, 4))
    for op in ["max", "min"]:
        case(op, by_name(op, **kw), D(2, 3, 4))
case("sum", ops.sum, U())
case("mean", by_name("mean", axis=0), U(5))
case("amax", by_name("amax", axis=1), D(3, 4))
case("amin", ops.amin, D(3, 4))
case("logsumexp", by_name("logsumexp", axis=1), U(3, 4, lo=-50, hi=50))
for axis in [None, 0, 1, -1]:
    case("cumsum", by_name("cumsum", axis=axis), U(3, 4))

# shapes
case("reshape", lambda x: ops.reshape(x, (6, -1)), U(2, 3, 4))
case("reshape", lambda x: ops.reshape(x, ()), U(1, 1))
case("transpose", ops.transpose, U(2, 3, 4))
case("transpose", lambda x: ops.transpose(x, (1, 2, 0)), U(2, 3, 4))
case("transpose", lambda x: ops.transpose(x, (-1, 0, 1)), U(2, 3, 4))
case("moveaxis", lambda x: ops.moveaxis(x, 0, -1), U(2, 3, 4))
case("moveaxis", lambda x: ops.moveaxis(x, [0, 1], [2, 0]), U(2, 3, 4))
case("swapaxes", lambda x: ops.swapaxes(x, 0, 2), U(2, 3, 4))
case("swapaxes", lambda x: ops.swapaxes(x, -1, 1), U(2, 3, 4))
case("expand_dims", lambda x: ops.expand_dims(x, 1), U(2, 3))
case("expand_dims", lambda x: ops.expand_dims(x, -1), U(2, 3))
case("expand_dims", lambda x: ops.expand_dims(x, (0, 3)), U(2, 3))
case("squeeze", ops.squeeze, U(2, 1, 3, 1))
case("squeeze", lambda x: ops.squeeze(x, -1), U(2, 1, 3, 1))
case("squeeze", lambda x: ops.squeeze(x, (1, 3)), U(2, 1, 3, 1))
case("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)), U(3, 1))
case("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3)), U())
case("broadcast_to", lambda x: ops.broadcast_to(x, (3, 4)), U(4))
case("concatenate", lambda a, b, c: ops.concatenate([a, b, c], axis=1), U(2, 1), U(2, 3), U(2, 2))
case("concatenate", lambda a, b: ops.concatenate([a, b]), U(2, 3), U(1, 3))
case("concatenate", lambda a, b: ops.concatenate([a, b], axis=-1), U(2, 3), U(2, 2))
case("concatenate", lambda a: ops.concatenate([a, np.ones((1, 3)), a], axis=0), U(2, 3))
case("stack", lambda a, b: ops.stack([a, b]), U(2, 3), U(2, 3))
case("stack", lambda a, b, c: ops.stack([a, b, c], axis=-1), U(2, 3), U(2, 3), U(2, 3))
case("stack", lambda a: ops.stack([a, a * 2], axis=1), U(2, 3))
case("split", lambda x: ops.split(x, 3, axis=1), U(2, 6))
case("split", lambda x: ops.split(x, [1, 3]), U(5, 2))
case("split", lambda x: ops.split(x, [2], axis=-1), U(2, 3, 4))
case("unstack", ops.unstack, U(3, 2))
case("unstack", lambda x: ops.unstack(x, axis=1), U(2, 3, 4))
case("unstack", lambda x: ops.unstack(x, axis=-1), U(2, 3))
case("tile", lambda x: ops.tile(x, (2, 3)), U(2, 3))
case("tile", lambda x: ops.tile(x, 2), U(2, 3))
case("tile", lambda x: ops.tile(x, (2, 1, 2)), U(2, 3))
case("tile", lambda x: ops.tile(x, (2,)), U(2, 3))
case("tile", lambda x: ops.tile(x, [3, 2]), U(3))
case("repeat", lambda x: ops.repeat(x, 2), U(2, 3))
case("repeat", lambda x: ops.repeat(x, 3, axis=1), U(2, 3))
case("repeat", lambda x: ops.repeat(x, 2, axis=-2), U(2, 3))
case("repeat", lambda x: ops.repeat(x, [1, 0, 2], axis=1), U(2, 3))
case("repeat", lambda x: ops.repeat(x, [2, 1], axis=0), U(2, 3))
case("flip", ops.flip, U(2, 3))
case("flip", lambda x: ops.flip(x, 1), U(2, 3, 4))
case("flip", lambda x: ops.flip(x, (0, -1)), U(2, 3, 4))
case("pad", lambda x: ops.pad(x, ((1, 2), (0, 1))), U(2, 3))
case("pad", lambda x: ops.pad(x, 1, constant_values=3.0), U(2, 3))
case("pad", lambda x: ops.pad(x, ((2, 0),)), U(2, 3))
case("pad", lambda x: ops.pad(x, [[0, 0], [1, 1], [2, 0]]), U(2, 3, 2))

IDX_BASIC = [np.s_[1:, ::2], np.s_[0], np.s_[..., 1], np.s_[:, None, 1:3], np.s_[::-1, -1],
             np.s_[1, 2], np.s_[..., None], np.s_[-2:, ..., 1:]]
IDX_ADVANCED = [[0, 2, 0], np.array([[1, 1], [0, 2]]), (np.array([0, 2, 0]), np.array([1, 1, 1])),
                np.s_[:, [3, 0, 3, 3]], np.s_[[1, 1], 1:], np.array([True, False, True]),
                np.s_[:, np.array([True, False, True, False])], np.s_[[-1, 0, -1], ..., [1]],
                (np.array([[0], [2]]), np.array([1, 3, 1]))]
for idx in IDX_BASIC + IDX_ADVANCED:
    case("getitem", lambda x, idx=idx: ops.getitem(x, idx), U(3, 4))
case("getitem", lambda x: x[1:, [0, 0]], U(3, 4))  # Tensor.__getitem__

case("take", lambda x: ops.take(x, np.array([[0, 5], [5, 11]])), U(3, 4))  # axis None
case("take", lambda x: ops.take(x, [2, 0, 2, 2], axis=0), U(3, 4))
case("take", lambda x: ops.take(x, np.array([[1, 3], [3, 3]]), axis=1), U(3, 4))
case("take", lambda x: ops.take(x, np.array([-1, 0, -1]), axis=-1), U(2, 3, 4))
case("take", lambda x: ops.take(x, 2, axis=1), U(3, 4))
TA_IDX = np.array([[0, 2, 2, 1], [1, 1, 0, 0]])
case("take_along_axis", lambda x: ops.take_along_axis(x, TA_IDX, axis=0), U(3, 4))
case("take_along_axis", lambda x: ops.take_along_axis(x, TA_IDX.T[:3] % 4, axis=1), U(3, 4))
case("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[3, 3, 0]]), axis=1), U(3, 4))
case("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[1], [1], [0]]), axis=-1),
     U(3, 4))
case("take_along_axis", lambda x: ops.take_along_axis(x, np.array([5, 5, 0, 11]), axis=None),
     U(3, 4))

# dtype / conversion
case("cast", lambda x: ops.square(ops.cast(ops.multiply(ops.cast(x, "float32"), 2.0), "float64")),
     DYADIC(3, 4), eps=2.0 ** -12)
case("cast", lambda x: ops.cast(x, "float64"), U(3, 4))
case("convert_to_tensor", lambda x: ops.square(ops.convert_to_tensor(x)), U(3, 4))
case("convert_to_tensor", lambda x: ops.convert_to_tensor(x, dtype="float64"), U(3, 4))

# activations
for shape in [(3, 4), (2, 3, 2)]:
    unary("relu", K(*shape))
    unary("relu6", K(*shape, kinks=(0.0, 6.0), lo=-2.0, hi=8.0))
    unary("sigmoid", U(*shape, lo=-6, hi=6))
    unary("softplus", U(*shape, lo=-6, hi=6))
    unary("softsign", K(*shape))
    unary("silu", U(*shape, lo=-6, hi=6))
    unary("swish", U(*shape))
    unary("log_sigmoid", U(*shape, lo=-6, hi=6))
    unary("hard_sigmoid", K(*shape, kinks=(-3.0, 3.0), lo=-5.0, hi=5.0))
    unary("leaky_relu", K(*shape))
    unary("elu", K(*shape))
    unary("selu", K(*shape))
    unary("exponential", U(*shape))
    case("gelu", lambda x: ops.gelu(x, approximate=True), U(*shape, lo=-4, hi=4))
    case("gelu", lambda x: ops.gelu(x, approximate=False), U(*shape, lo=-4, hi=4))
case("leaky_relu", lambda x: ops.leaky_relu(x, negative_slope=0.01), K(3, 4))
case("elu", lambda x: ops.elu(x, alpha=0.5), K(3, 4))
case("gelu", ops.gelu, U(5))
unary("sigmoid", U(4, lo=-40, hi=40))
unary("softplus", U(4, lo=-40, hi=40))
for axis in [-1, 0, 1]:
    case("softmax", lambda x, axis=axis: ops.softmax(x, axis=axis), U(2, 3, 4))
    case("log_softmax", lambda x, axis=axis: ops.log_softmax(x, axis=axis), U(2, 3, 4))
case("softmax", ops.softmax, U(5, lo=-30, hi=30))
case("log_softmax", ops.log_softmax, U(5, lo=-30, hi=30))

# losses
LAB3 = np.array([0, 4, 2])
case("softmax_cross_entropy", ops.softmax_cross_entropy, P(3, 5, lo=0.0, hi=1.0), U(3, 5))
case("softmax_cross_entropy", lambda t, x: ops.softmax_cross_entropy(t, x, axis=0),
     P(3, 5, lo=0.0, hi=1.0), U(3, 5))
case("softmax_cross_entropy", ops.softmax_cross_entropy, P(5, lo=0.0, hi=1.0), U(5))
case("softmax_cross_entropy", ops.softmax_cross_entropy, P(5, lo=0.0, hi=1.0), U(2, 3, 5))
case("sparse_softmax_cross_entropy", ops.sparse_softmax_cross_entropy, CONST(LAB3), U(3, 5))
case("sparse_softmax_cross_entropy", lambda x: ops.sparse_softmax_cross_entropy(
    np.array([1, 0, 1, 2]), x, axis=0), U(3, 4))
case("sparse_softmax_cross_entropy", lambda x: ops.sparse_softmax_cross_entropy(
    np.array([[1, 0], [3, 3]]), x), U(2, 2, 4))
case("sigmoid_cross_entropy", ops.sigmoid_cross_entropy, P(3, 4, lo=0.0, hi=1.0), U(3, 4, lo=-5, hi=5))
case("sigmoid_cross_entropy", ops.sigmoid_cross_entropy, P(4, lo=0.0, hi=1.0), U(3, 4, lo=-5, hi=5))
for from_logits in (True, False):
    lo = -3.0 if from_logits else 0.05
    hi = 3.0 if from_logits else 0.95
    case("categorical_crossentropy",
         lambda t, x, f=from_logits: ops.categorical_crossentropy(t, x, from_logits=f),
         P(3, 5, lo=0.0, hi=1.0), U(3, 5, lo=lo, hi=hi))
    case("categorical_crossentropy",
         lambda t, x, f=from_logits: ops.categorical_crossentropy(t, x, from_logits=f, axis=0),
         P(3, 5, lo=0.0, hi=1.0), U(3, 5, lo=lo, hi=hi))
    case("sparse_categorical_crossentropy",
         lambda x, f=from_logits: ops.sparse_categorical_crossentropy(LAB3, x, from_logits=f),
         U(3, 5, lo=lo, hi=hi))
    case("sparse_categorical_crossentropy",
         lambda x, f=from_logits: ops.sparse_categorical_crossentropy(LAB3[:, None], x,
                                                                      from_logits=f),
         U(3, 5, lo=lo, hi=hi))
    case("binary_crossentropy",
         lambda t, x, f=from_logits: ops.binary_crossentropy(t, x, from_logits=f),
         P(3, 4, lo=0.0, hi=1.0), U(3, 4, lo=lo, hi=hi))
# probabilities straight from softmax / sigmoid (the stable logits shortcut under a tape)
case("categorical_crossentropy", lambda t, x: ops.categorical_crossentropy(t, ops.softmax(x)),
     P(3, 5, lo=0.0, hi=1.0), U(3, 5))
case("sparse_categorical_crossentropy",
     lambda x: ops.sparse_categorical_crossentropy(LAB3, ops.softmax(x)), U(3, 5))
case("binary_crossentropy", lambda t, x: ops.binary_crossentropy(t, ops.sigmoid(x)),
     P(3, 4, lo=0.0, hi=1.0), U(3, 4))
case("dropout", lambda x: ops.dropout(x, 0.4, seed=3), U(4, 5))
case("dropout", lambda x: ops.dropout(x, 0.5, noise_shape=(None, 1), seed=3), U(4, 5))

# ops that have no gradient (or are not array ops): each must be listed here or have a case
NON_DIFFERENTIABLE = {
    "argmax", "argmin", "any", "all", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isfinite",
    "sign", "floor", "ceil", "round", "floor_divide", "one_hot",
    "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "eye",
    "size", "shape", "dtype", "is_tensor", "convert_to_numpy", "standardize_dtype",
    "value_and_grad", "stop_gradient",
}


# ------------------------------------------------------------------------------- machinery
def _functional(fn, args, wrt, weights_rng):
    """``L(*diff) = sum_k sum(w_k * out_k)`` with ``args[wrt] = diff``; the weights are fixed."""
    weights = []

    def L(*diff):
        full = list(args)
        for i, d in zip(wrt, diff):
            full[i] = d
        out = fn(*full)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        while len(weights) < len(outs):
            weights.append(weights_rng.uniform(-1, 1, ops.shape(outs[len(weights)])))
        total = 0.0
        for o, w in zip(outs, weights):
            total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total

    return L


def _numeric_grad(L, diff, k, eps):
    x = np.array(diff[k], dtype=np.float64)
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        vals = []
        for h in (eps, -eps):
            flat[j] = old + h
            args = list(diff)
            args[k] = x.copy()
            vals.append(float(ops.convert_to_numpy(L(*args))))
        flat[j] = old
        gflat[j] = (vals[0] - vals[1]) / (2 * eps)
    return g


def rel_err(a, n):
    a, n = np.ravel(a), np.ravel(n)
    return np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), TINY)


@pytest.mark.parametrize("c", TABLE, ids=[c.id for c in TABLE])
def test_gradient_matches_finite_differences(c):
    rng = np.random.default_rng(zlib.crc32(c.id.encode()))
    args = list(c.make(rng))
    wrt = c.wrt if c.wrt is not None else [
        i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    assert wrt, f"{c.id}: nothing to differentiate"
    diff = [np.asarray(args[i], np.float64) for i in wrt]
    L = _functional(c.fn, args, wrt, rng)
    L(*diff)  # fixes the weights
    value, grads = ops.value_and_grad(L, argnums=tuple(range(len(wrt))))(*diff)
    assert not isinstance(value, kfront.backends.numpy.Tensor)
    np.testing.assert_allclose(ops.convert_to_numpy(value), ops.convert_to_numpy(L(*diff)),
                               rtol=1e-12, atol=1e-12)
    for k, g in enumerate(grads):
        g = ops.convert_to_numpy(g)
        assert g.shape == diff[k].shape, f"{c.id}: grad {k} has shape {g.shape}"
        assert g.dtype == np.float64, f"{c.id}: grad {k} has dtype {g.dtype}"
        num = _numeric_grad(L, diff, k, c.eps)
        err = rel_err(g, num)
        assert err < RTOL, f"{c.id}: input {k}: rel err {err:.3g}\nanalytic {g}\nnumeric {num}"


def _public_ops():
    return {n for n in dir(ops) if not n.startswith("_") and callable(getattr(ops, n))}


# checked by finite differences in tests/test_layers_conv.py and tests/test_layers_recurrent.py
LAYER_OPS = {"conv", "conv_transpose", "depthwise_conv", "separable_conv", "max_pool",
             "average_pool", "lstm", "gru", "simple_rnn"}


# the ops of modules with a suite of their own (tests/ops/own_suites.py) and the ops.nn names
# of tests/ops/test_nn_ops.py are left to those suites
def test_every_differentiable_op_has_a_case():
    from ops.own_suites import own_suite_names
    from ops.test_nn_ops import SUITE_NAMES
    covered = {c.op for c in TABLE} | LAYER_OPS | own_suite_names() | SUITE_NAMES
    covered_fns = {getattr(ops, n) for n in covered}
    missing = sorted(n for n in _public_ops() - NON_DIFFERENTIABLE - covered
                     if getattr(ops, n) not in covered_fns)
    assert not missing, f"differentiable ops without a gradient case: {missing}"
    assert not (NON_DIFFERENTIABLE & covered), "an op is both listed as non-differentiable and tested"
    stale = sorted(NON_DIFFERENTIABLE - _public_ops())
    assert not stale, f"NON_DIFFERENTIABLE names that are not ops: {stale}"


def test_non_differentiable_ops_give_zero_or_no_gradient():
    x = np.array([[0.3, -1.2, 2.5], [1.0, 0.0, -0.7]])

    def f(x):
        out = ops.multiply(x, 0.0)
        for y in [ops.sign(x), ops.floor(x), ops.ceil(x), ops.round(x),
                  ops.floor_divide(x, 0.7), ops.cast(ops.greater(x, 0.1), "float64"),
                  ops.cast(ops.argmax(x, axis=1), "float64")[:, None],
                  ops.stop_gradient(ops.square(x))]:
            out = ops.add(out, y)
        return ops.sum(out)

    _, g = ops.value_and_grad(f)(x)
    np.testing.assert_array_equal(ops.convert_to_numpy(g), np.zeros_like(x))
