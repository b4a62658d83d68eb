"""Forward values of every ``kfront.ops`` op against NumPy and real Keras 3 (``keras.ops``), plus
numerical stability of the crossentropies and the random ops."""
from __future__ import annotations

import math

import numpy as np
import pytest

import kfront
from kfront import ops

R = np.random.default_rng(0)
A = R.uniform(-2, 2, (3, 4))
B4 = R.uniform(-2, 2, (4,))
POS = R.uniform(0.5, 2, (3, 4))
X3 = R.uniform(-2, 2, (2, 3, 4))
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [0.5, -4.0, -4.0, 0.5]])
SPECIAL = np.array([0.0, -1.5, np.nan, np.inf, -np.inf, 2.5, -0.5, 1.5])
BOOLS = A > 0
INTS = np.array([[3, -7, 0, 5], [2, 9, -1, 4], [1, 1, 6, -8]])


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return ops.convert_to_numpy(x)


def _close(got, want, rtol=1e-12, atol=1e-12, what=""):
    got, want = _np(got), want
    if isinstance(want, (list, tuple)):
        assert isinstance(got, list) and len(got) == len(want), what
        for g, w in zip(got, want):
            _close(g, w, rtol, atol, what)
        return
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if want.dtype == bool or want.dtype.kind in "iu":
        np.testing.assert_array_equal(got, want, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


class F:
    """``ops.<name>(*args, **kw)`` against ``ref(*args, **kw)`` (default ``numpy.<name>``) and,
    when ``keras`` and Keras has the op, against ``keras.ops.<name>``."""

    def __init__(self, name, *args, ref=None, keras=True, **kw):
        self.name, self.args, self.kw, self.keras = name, args, kw, keras
        self.ref = ref if ref is not None else getattr(np, name)

    def __repr__(self):
        return self.name


FORWARD = []


def f(name, *args, **kw):
    FORWARD.append(F(name, *args, **kw))


for name in ["negative", "abs", "absolute", "exp", "expm1", "sin", "cos", "tanh", "square", "sign",
             "floor", "ceil", "round", "isnan", "isfinite"]:
    f(name, A)
    f(name, SPECIAL)
for name in ["log", "sqrt", "reciprocal", "log1p"]:
    f(name, POS)
f("round", np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.4999]))  # half to even
f("logical_not", BOOLS)
for name in ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
             "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"]:
    f(name, A, B4)
    f(name, A, 0.5)
    f(name, TIES, TIES[:1])
f("mod", A, POS)
f("mod", A, -POS)
f("mod", INTS, 3)
f("floor_divide", A, POS)
f("floor_divide", INTS, np.array([3, -2, 5, 4]))
f("power", POS, A)
f("power", A, 2)
f("power", INTS, 2)
for name in ["logical_and", "logical_or", "logical_xor"]:
    f(name, BOOLS, BOOLS[::-1])
f("clip", A, -0.5, 0.5)
f("clip", INTS, -1, 3)
f("where", BOOLS, A, B4)
f("where", BOOLS, 1.0, -A)

f("matmul", A, POS.T)
f("matmul", X3, R.uniform(-1, 1, (5, 4, 2))[:, None], ref=np.matmul)
f("matmul", B4, A.T)
f("matmul", B4, B4)
f("dot", A, B4)
f("dot", X3, R.uniform(-1, 1, (4, 5)))
f("dot", B4, X3.transpose(0, 2, 1))
f("dot", 2.0, A)
f("tensordot", X3, R.uniform(-1, 1, (3, 4, 5)))
f("tensordot", X3, R.uniform(-1, 1, (4, 3)), axes=([1, 2], [1, 0]))
f("tensordot", A, B4, axes=0)
f("tensordot", X3, B4, axes=(2, 0))

for axis, keepdims in [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False)]:
    kw = dict(axis=axis, keepdims=keepdims)
    for name in ["sum", "mean", "max", "min", "var", "std"]:
        f(name, X3, **kw)
    f("any", X3 > 1, **kw)
    f("all", X3 > -1.5, **kw)
    f("logsumexp", X3, ref=lambda x, **k: _logsumexp(x, **k), **kw)
f("amax", TIES, axis=1)
f("amin", TIES, axis=0)
f("logsumexp", np.array([[1e4, 0.0, -1e4], [-np.inf, -np.inf, 0.0]]), axis=1,
  ref=lambda x, axis: np.array([1e4, 0.0]))
for axis in [None, 0, 1, -1]:
    for name in ["argmax", "argmin"]:  # int32 indices, as Keras's
        f(name, TIES, axis=axis, ref=lambda x, _n=name, **k: getattr(np, _n)(x, **k).astype("int32"))
    f("cumsum", A, axis=axis)
f("argmax", TIES, axis=1, keepdims=True, ref=lambda x, **k: np.argmax(x, **k).astype("int32"))
f("argmin", TIES, axis=None, keepdims=True, ref=lambda x, **k: np.argmin(x, **k).astype("int32"))

f("reshape", X3, (6, -1))
f("transpose", X3)
f("transpose", X3, (1, 2, 0))
f("moveaxis", X3, 0, -1)
f("moveaxis", X3, [0, 1], [2, 0])
f("swapaxes", X3, 0, 2)
f("expand_dims", A, 1)
f("expand_dims", A, (0, 3))
f("squeeze", A[:, None, :, None])
f("squeeze", A[:, None, :, None], axis=-1)
f("broadcast_to", B4, (2, 3, 4))
f("concatenate", [A, POS, A[:1]], axis=0)
f("concatenate", [A, POS], axis=-1)
f("stack", [A, POS])
f("stack", [A, POS], axis=-1)
f("split", X3, 2, axis=-1)
f("split", X3, [1, 2], axis=1)
f("unstack", X3, axis=1, ref=lambda x, axis: list(np.moveaxis(x, axis, 0)))
f("unstack", X3, ref=lambda x: list(x))
f("tile", A, (2, 1, 3))
f("tile", A, 2)
f("repeat", A, 2)
f("repeat", A, 3, axis=1)
f("repeat", A, [1, 0, 2], axis=0)
f("flip", X3)
f("flip", X3, axis=1)
f("flip", X3, axis=(0, 2))
f("pad", A, ((1, 2), (0, 1)))
f("pad", A, 2, constant_values=1.5, keras=False)  # Keras/TF wants one pair per axis
f("pad", A, ((2, 2), (2, 2)), constant_values=1.5)
for idx in [np.s_[1:, ::2], np.s_[..., -1], np.s_[:, None], [0, 2, 0], np.s_[:, [3, 0, 3]], A > 0,
            (np.array([0, 2]), np.array([1, 1]))]:
    f("getitem", A, idx, ref=lambda x, i: x[i], keras=False)
f("take", A, np.array([[0, 5], [5, 11]]))
f("take", A, [2, 0, 2], axis=0)
f("take", X3, np.array([-1, 0, -1]), axis=-1)
f("take_along_axis", A, np.array([[0, 2, 2, 1], [1, 1, 0, 0]]), axis=0)
f("take_along_axis", A, np.array([[3], [0], [1]]), axis=1)
f("take_along_axis", A, np.array([[3, 3, 0]]), axis=1)
f("take_along_axis", A, np.array([5, 5, 0, 11]), axis=None)

f("one_hot", np.array([0, 3, 1, -1, 5]), 4,
  ref=lambda x, n: (x[:, None] == np.arange(n)).astype("float32"))  # out of range: all zeros
f("one_hot", np.array([[0, 2], [1, 1]]), 3, axis=0, ref=lambda x, n, axis: np.moveaxis(
    np.eye(n, dtype="float32")[x], -1, axis))
f("zeros", (2, 3), ref=lambda s: np.zeros(s, "float32"))
f("ones", (2, 3), dtype="int32", ref=lambda s, dtype: np.ones(s, dtype))
f("full", (2, 3), 1.5, ref=lambda s, v: np.full(s, v, "float32"))
f("zeros_like", A)
f("ones_like", INTS, dtype="float32")
f("arange", 5, ref=lambda n: np.arange(n, dtype="int32"))
f("arange", 1, 7, 2, ref=lambda a, b, c: np.arange(a, b, c, dtype="int32"))
f("arange", 0.5, 3.0, 0.5, ref=lambda a, b, c: np.arange(a, b, c, dtype="float32"))
f("eye", 3, ref=lambda n: np.eye(n, dtype="float32"))
f("eye", 2, 4, ref=lambda n, m: np.eye(n, m, dtype="float32"))
f("size", X3, ref=lambda x: x.size)
f("shape", X3, ref=lambda x: x.shape)
f("dtype", INTS.astype("int32"), ref=lambda x: "int32")
f("cast", A, "float32", ref=lambda x, d: x.astype(d))
f("cast", A, "int32", ref=lambda x, d: x.astype(d))
f("convert_to_tensor", 1.5, ref=lambda x: np.float32(x))
f("convert_to_tensor", [1, 2], ref=lambda x: np.array(x, "int32"))
f("convert_to_tensor", A, ref=lambda x: x)
f("convert_to_numpy", A, ref=lambda x: x)
f("stop_gradient", A, ref=lambda x: x)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


# activations: numpy references (Keras 3 formulas)
def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


ACT = np.concatenate([np.linspace(-8, 8, 33), [-3.0, 3.0, 0.0, 6.0]])
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "log_sigmoid": lambda x: np.log(_sigmoid(x)),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
    "exponential": np.exp,
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
}
for name, ref in ACTIVATIONS.items():
    f(name, ACT, ref=ref, keras=name != "exponential")
f("leaky_relu", ACT, negative_slope=0.01, ref=lambda x, negative_slope: np.where(x > 0, x, 0.01 * x))
f("elu", ACT, alpha=0.5, ref=lambda x, alpha: np.where(x > 0, x, 0.5 * np.expm1(x)))
f("gelu", ACT, approximate=False, ref=lambda x, approximate: 0.5 * x * (1 + _erf(x / np.sqrt(2))))
for axis in [0, 1, -1]:
    f("softmax", X3, axis=axis, ref=lambda x, axis: _softmax(x, axis))
    f("log_softmax", X3, axis=axis, ref=lambda x, axis: np.log(_softmax(x, axis)))

# losses
LABELS = R.uniform(0, 1, (3, 5))
LOGITS = R.uniform(-3, 3, (3, 5))
PROBS = R.uniform(0.01, 1, (3, 5))
PROBS_EDGE = np.array([[0.0, 1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0, 0.0],
                       [0.2, 0.3, 0.1, 0.3, 0.3]])  # zeros, exact ones, unnormalised
ONEHOT = np.eye(5)[[1, 0, 4]]
SPARSE = np.array([1, 0, 4])


def _cce_probs(t, p, axis=-1):
    p = p / p.sum(axis, keepdims=True)
    return -(t * np.log(np.clip(p, 1e-7, 1 - 1e-7))).sum(axis)


def _sce(t, x, axis=-1):
    return -(t * (x - _logsumexp(x, axis=axis, keepdims=True))).sum(axis)


def _bce_logits(t, x):
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def _bce_probs(t, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


f("softmax_cross_entropy", LABELS, LOGITS, ref=_sce, keras=False)
f("softmax_cross_entropy", LABELS, LOGITS, axis=0, ref=_sce, keras=False)
f("sparse_softmax_cross_entropy", SPARSE, LOGITS, keras=False,
  ref=lambda t, x: _sce(np.eye(5)[t], x))
f("sigmoid_cross_entropy", LABELS, LOGITS, ref=_bce_logits, keras=False)
for target, output in [(ONEHOT, PROBS), (LABELS, PROBS_EDGE), (ONEHOT, PROBS_EDGE)]:
    f("categorical_crossentropy", target, output, ref=_cce_probs)
    f("sparse_categorical_crossentropy", SPARSE, output, ref=lambda t, p: _cce_probs(np.eye(5)[t], p))
    f("sparse_categorical_crossentropy", SPARSE[:, None], output,
      ref=lambda t, p: _cce_probs(np.eye(5)[t[:, 0]], p))
f("categorical_crossentropy", LABELS, PROBS, axis=0, ref=_cce_probs)
f("categorical_crossentropy", LABELS, LOGITS, from_logits=True,
  ref=lambda t, x, from_logits: _sce(t, x))
f("categorical_crossentropy", LABELS, LOGITS, from_logits=True, axis=0,
  ref=lambda t, x, from_logits, axis: _sce(t, x, axis))
f("sparse_categorical_crossentropy", SPARSE, LOGITS, from_logits=True,
  ref=lambda t, x, from_logits: _sce(np.eye(5)[t], x))
f("binary_crossentropy", LABELS, PROBS, ref=_bce_probs)
f("binary_crossentropy", LABELS, PROBS_EDGE, ref=_bce_probs)
f("binary_crossentropy", LABELS, LOGITS, from_logits=True,
  ref=lambda t, x, from_logits: _bce_logits(t, x))

NOT_COMPARED = {"dropout", "value_and_grad", "standardize_dtype", "is_tensor"}  # tested below
# compared with Keras in tests/test_layers_conv.py and tests/test_layers_recurrent.py
LAYER_OPS = {"conv", "conv_transpose", "depthwise_conv", "separable_conv", "max_pool",
             "average_pool", "lstm", "gru", "simple_rnn"}


@pytest.mark.parametrize("c", FORWARD, ids=[f"{c.name}-{i}" for i, c in enumerate(FORWARD)])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf/nan inputs, division by 0
def test_forward_matches_numpy(c):
    got = getattr(ops, c.name)(*c.args, **c.kw)
    want = c.ref(*c.args, **c.kw)
    if c.name in ("shape", "size", "dtype"):
        assert got == want
        return
    if isinstance(want, list):
        assert isinstance(got, list)
    _close(got, want, rtol=1e-10, atol=1e-12, what=c.name)
    if isinstance(want, np.ndarray) and not isinstance(c.args[0], list):
        assert _np(got).dtype == want.dtype, f"{c.name}: dtype {_np(got).dtype} != {want.dtype}"


@pytest.mark.parametrize("c", [c for c in FORWARD if c.keras],
                         ids=[f"{c.name}-{i}" for i, c in enumerate(FORWARD) if c.keras])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_matches_keras(c, keras):
    kop = getattr(keras.ops, c.name, None)
    if kop is None:
        pytest.skip(f"keras.ops has no {c.name}")
    got = getattr(ops, c.name)(*c.args, **c.kw)
    want = kop(*c.args, **c.kw)
    if c.name in ("shape", "size", "dtype"):
        assert tuple(got) == tuple(want) if c.name == "shape" else got == want
        return
    want = [keras.ops.convert_to_numpy(w) for w in want] if isinstance(want, (list, tuple)) \
        else keras.ops.convert_to_numpy(want)
    _close(got, want, rtol=1e-6, atol=1e-6, what=f"{c.name} vs keras.ops")


# the ops of modules with a suite of their own (tests/ops/own_suites.py) and the ops.nn names
# of tests/ops/test_nn_ops.py are left to those suites
def test_every_op_has_a_forward_case():
    from ops.own_suites import own_suite_names
    from ops.test_nn_ops import SUITE_NAMES
    names = {n for n in dir(ops) if not n.startswith("_") and callable(getattr(ops, n))}
    names -= own_suite_names() | SUITE_NAMES
    missing = sorted(names - {c.name for c in FORWARD} - NOT_COMPARED - LAYER_OPS)
    assert not missing, f"ops without a forward case: {missing}"


def test_is_tensor():
    assert ops.is_tensor(ops.convert_to_tensor([1.0]))
    assert not ops.is_tensor([1.0]) and not ops.is_tensor(1.0)
    assert ops.standardize_dtype(np.float64) == "float64" and ops.standardize_dtype(None) == "float32"


# ------------------------------------------------------------------------------ stability
BIG = np.array([[1e4, 0.0, -1e4, 3.0], [-1e4, -1e4, -1e4, -1e4 + 1], [5e3, 1e4, 1e4, -1e4]])


def _lse_rows(x):
    m = x.max(-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(-1, keepdims=True)))


def test_softmax_cross_entropy_huge_logits():
    labels = np.array([[0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.0, 0.5], [0.0, 0.0, 0.5, 0.5]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = _np(ops.softmax_cross_entropy(labels, BIG))
        want = -(labels * (BIG - _lse_rows(BIG))).sum(-1)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert got[0] == pytest.approx(1e4) and np.isfinite(got).all()
        sparse = _np(ops.sparse_softmax_cross_entropy(np.array([1, 3, 2]), BIG))
        np.testing.assert_allclose(sparse, (_lse_rows(BIG) - BIG[:, [1, 3, 2]].diagonal()[:, None])
                                   [:, 0], rtol=1e-12)
        np.testing.assert_allclose(_np(ops.categorical_crossentropy(labels, BIG, from_logits=True)),
                                   want, rtol=1e-12)
        np.testing.assert_allclose(
            _np(ops.sparse_categorical_crossentropy(np.array([1, 3, 2]), BIG, from_logits=True)),
            sparse, rtol=1e-12)
        _, (gl, gx) = ops.value_and_grad(
            lambda t, x: ops.sum(ops.softmax_cross_entropy(t, x)), argnums=(0, 1))(labels, BIG)
    assert np.isfinite(_np(gl)).all() and np.isfinite(_np(gx)).all()
    np.testing.assert_allclose(_np(gx), np.exp(BIG - _lse_rows(BIG)) * labels.sum(-1, keepdims=True)
                               - labels, atol=1e-12)


def test_binary_crossentropy_huge_logits(keras):
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 30.0])
    t = np.array([1.0, 1.0, 0.0, 0.0, 0.5, 0.3])
    want = np.array([0.0, 1e4, 1e4, 0.0, math.log(2), 30 * 0.7 + math.log1p(math.exp(-30))])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_allclose(_np(ops.binary_crossentropy(t, x, from_logits=True)), want,
                                   rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(_np(ops.sigmoid_cross_entropy(t, x)), want, rtol=1e-12)
        _, g = ops.value_and_grad(lambda x: ops.sum(ops.sigmoid_cross_entropy(t, x)))(x)
    np.testing.assert_allclose(_np(g), _sigmoid(x) - t, atol=1e-12)
    k = keras.ops.convert_to_numpy(keras.ops.binary_crossentropy(t, x, from_logits=True))
    np.testing.assert_allclose(_np(ops.binary_crossentropy(t, x, from_logits=True)), k, rtol=1e-6)


def test_activations_huge_inputs_no_overflow():
    x = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for name in ["sigmoid", "softplus", "log_sigmoid", "silu", "elu", "selu", "softsign",
                     "hard_sigmoid", "relu", "relu6", "leaky_relu", "gelu"]:
            y = _np(getattr(ops, name)(x))
            assert np.isfinite(y).all(), name
        for name in ["softmax", "log_softmax", "logsumexp"]:
            assert np.isfinite(_np(getattr(ops, name)(BIG))).all(), name
    np.testing.assert_allclose(_np(ops.softplus(x)), np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))
    np.testing.assert_allclose(_np(ops.log_sigmoid(x)), -(np.maximum(-x, 0)
                                                          + np.log1p(np.exp(-np.abs(x)))))
    np.testing.assert_allclose(_np(ops.sigmoid(x))[[0, -1]], [0.0, 1.0])


def test_categorical_crossentropy_from_probabilities_is_kerass_clipped_formula(keras):
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]])
    p = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 2.0], [0.1, 0.1, 0.8]])
    want = keras.ops.convert_to_numpy(keras.ops.categorical_crossentropy(t, p))
    got = _np(ops.categorical_crossentropy(t, p))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got[1] == pytest.approx(-math.log(1e-7), rel=1e-6)  # clipped, not inf


def test_float32_inputs_stay_float32():
    x = A.astype("float32")
    for name in ["softmax", "gelu", "sigmoid", "log_softmax", "elu", "exp"]:
        assert _np(getattr(ops, name)(x)).dtype == np.float32, name
    assert _np(ops.add(x, 1.0)).dtype == np.float32
    assert _np(ops.categorical_crossentropy(x > 0, ops.softmax(x))).dtype == np.float32
    assert _np(ops.binary_crossentropy((x > 0).astype("float32"), x, from_logits=True)).dtype \
        == np.float32


# ---------------------------------------------------------------------------------- random
def test_random_same_int_seed_same_values():
    for fn in (kfront.random.normal, kfront.random.uniform, kfront.random.truncated_normal):
        a, b = _np(fn((3, 4), seed=5)), _np(fn((3, 4), seed=5))
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32 and a.shape == (3, 4)
        assert not np.array_equal(a, _np(fn((3, 4), seed=6)))
    np.testing.assert_array_equal(_np(kfront.random.randint((5,), 0, 10, seed=1)),
                                  _np(kfront.random.randint((5,), 0, 10, seed=1)))
    assert _np(kfront.random.normal((2,), dtype="float64", seed=1)).dtype == np.float64


def test_seed_generator_advances_and_is_reproducible():
    g1, g2 = kfront.random.SeedGenerator(42), kfront.random.SeedGenerator(42)
    a1, b1 = _np(kfront.random.normal((4,), seed=g1)), _np(kfront.random.normal((4,), seed=g1))
    a2, b2 = _np(kfront.random.normal((4,), seed=g2)), _np(kfront.random.normal((4,), seed=g2))
    assert not np.array_equal(a1, b1)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)


def test_truncated_normal_within_two_stddev():
    x = _np(kfront.random.truncated_normal((20000,), mean=1.0, stddev=0.5, seed=0))
    assert np.all(np.abs(x - 1.0) <= 1.0)
    assert abs(x.mean() - 1.0) < 0.02 and 0.4 < x.std() < 0.5  # truncation shrinks the std (0.44)


def test_uniform_randint_shuffle_ranges():
    u = _np(kfront.random.uniform((1000,), minval=-2.0, maxval=3.0, seed=0))
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.2
    r = _np(kfront.random.randint((1000,), 2, 5, seed=0))
    assert set(np.unique(r)) == {2, 3, 4} and r.dtype == np.int32
    x = np.arange(12).reshape(6, 2)
    s = _np(kfront.random.shuffle(x, seed=0))
    assert sorted(map(tuple, s)) == sorted(map(tuple, x)) and not np.array_equal(s, x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_expected_fraction_and_scales(rate):
    x = np.ones((200, 100))
    y = _np(ops.dropout(x, rate, seed=1))
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < 0.02
    np.testing.assert_allclose(y[kept], 1 / (1 - rate))
    np.testing.assert_array_equal(y, _np(ops.dropout(x, rate, seed=1)))
    z = _np(ops.dropout(x, rate, noise_shape=(None, 1), seed=2))
    assert all(len(np.unique(row)) == 1 for row in z)  # one draw per row
    assert _np(ops.dropout(x.astype("float32"), rate, seed=1)).dtype == np.float32


def test_dropout_rate_zero_is_identity_and_bad_rate_raises():
    x = A
    np.testing.assert_array_equal(_np(ops.dropout(x, 0.0, seed=1)), x)
    for rate in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="rate"):
            ops.dropout(x, rate)
