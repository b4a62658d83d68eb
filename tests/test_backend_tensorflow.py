"""The TensorFlow backend against the native engine: ops, gradients, variables, training."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow", reason="the TensorFlow backend needs tensorflow: "
                                              "pip install 'kfront[tensorflow]'")

import kfront  # noqa: E402
from kfront import layers, ops  # noqa: E402
from kfront.backends import B  # noqa: E402
from kfront.backends import numpy as NB  # noqa: E402
from kfront.backends import tensorflow as TB  # noqa: E402


@pytest.fixture(autouse=True)
def tf_backend():
    kfront.config.set_backend("tensorflow")
    yield
    kfront.config.set_backend("numpy")


def _np(x):
    return None if x is None else np.asarray(ops.convert_to_numpy(x))


def test_exports_match_the_native_engine():
    assert set(TB.__all__) == set(NB.__all__)
    assert TB.Tensor is tf.Tensor and B.NAME == "tensorflow"
    for name in TB.__all__:
        assert hasattr(TB, name), name


def test_import_kfront_does_not_import_tensorflow():
    env = {k: v for k, v in os.environ.items() if k != "KFRONT_BACKEND"}
    code = "import sys, kfront; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------------------ op sweep
rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4)) * 2
P = np.abs(X) + 0.5
V = rng.normal(size=(4,))
M = rng.normal(size=(4, 5))
LAB = np.eye(4)[[0, 2, 3]]
PROB = np.exp(X) / np.exp(X).sum(1, keepdims=True)

# (id, f(K, *args) with K the backend module, args, differentiable arg indices)
CASES = [(n, lambda K, x, n=n: getattr(K, n)(x), (X,), (0,)) for n in (
    "negative", "abs", "exp", "expm1", "square", "sin", "cos", "tanh", "relu", "relu6",
    "sigmoid", "softplus", "softsign", "silu", "log_sigmoid", "hard_sigmoid", "exponential",
    "selu", "elu", "gelu")] + [(n, lambda K, x, n=n: getattr(K, n)(x), (P,), (0,)) for n in (
        "log", "log1p", "sqrt", "reciprocal")] + [
    (n, lambda K, a, b, n=n: getattr(K, n)(a, b), (X, V), (0, 1)) for n in (
        "add", "subtract", "multiply", "divide", "maximum", "minimum", "mod")] + [
    (n, lambda K, x, n=n: getattr(K, n)(x, axis=1), (X,), (0,)) for n in (
        "sum", "mean", "max", "min", "var", "std", "logsumexp", "cumsum", "softmax",
        "log_softmax")] + [
    ("sum_all_keepdims", lambda K, x: K.sum(x, axis=None, keepdims=True), (X,), (0,)),
    ("mean_axes", lambda K, x: K.mean(x, axis=(0, 1)), (X,), (0,)),
    ("gelu_exact", lambda K, x: K.gelu(x, approximate=False), (X,), (0,)),
    ("leaky_relu", lambda K, x: K.leaky_relu(x, negative_slope=0.3), (X,), (0,)),
    ("power", lambda K, a, b: K.power(a, b), (P, V), (0, 1)),
    ("clip", lambda K, x: K.clip(x, -1.0, 1.5), (X,), (0,)),
    ("where", lambda K, a, b: K.where(X > 0, a, b), (X, V), (0, 1)),
    ("matmul", lambda K, a, b: K.matmul(a, b), (X, M), (0, 1)),
    ("matmul_1d", lambda K, a, b: K.matmul(a, b), (V, M), (0, 1)),
    ("tensordot", lambda K, a, b: K.tensordot(a, b, axes=([1], [0])), (X, M), (0, 1)),
    ("dot", lambda K, a, b: K.dot(a, b), (X, V), (0, 1)),
    ("reshape", lambda K, x: K.reshape(x, (2, -1)), (X,), (0,)),
    ("transpose", lambda K, x: K.transpose(x, (1, 0)), (X,), (0,)),
    ("moveaxis", lambda K, x: K.moveaxis(K.reshape(x, (3, 2, 2)), 0, -1), (X,), (0,)),
    ("swapaxes", lambda K, x: K.swapaxes(x, 0, 1), (X,), (0,)),
    ("expand_squeeze", lambda K, x: K.squeeze(K.expand_dims(x, (0, 2)), 0), (X,), (0,)),
    ("broadcast_to", lambda K, x: K.broadcast_to(x, (2, 4)), (V,), (0,)),
    ("concatenate", lambda K, a, b: K.concatenate([a, K.reshape(b, (1, 4))]), (X, V), (0, 1)),
    ("stack", lambda K, a, b: K.stack([a[0], b], axis=1), (X, V), (0, 1)),
    ("split", lambda K, x: K.split(x, [1, 3], axis=1)[1], (X,), (0,)),
    ("unstack", lambda K, x: K.unstack(x, axis=1)[2], (X,), (0,)),
    ("tile", lambda K, x: K.tile(x, (2, 1, 2)), (X,), (0,)),
    ("repeat", lambda K, x: K.repeat(x, 2, axis=0), (X,), (0,)),
    ("flip", lambda K, x: K.flip(x, 1), (X,), (0,)),
    ("pad", lambda K, x: K.pad(x, ((1, 0), (2, 1)), constant_values=0.5), (X,), (0,)),
    ("getitem_basic", lambda K, x: K.getitem(x, (slice(None, None, -1), 1)), (X,), (0,)),
    ("getitem_advanced", lambda K, x: K.getitem(x, (np.array([0, 2, 0]), np.array([1, 3, 1]))),
     (X,), (0,)),
    ("getitem_mask", lambda K, x: K.getitem(x, X > 0), (X,), (0,)),
    ("take", lambda K, x: K.take(x, np.array([3, -1, 0]), axis=1), (X,), (0,)),
    ("take_along_axis", lambda K, x: K.take_along_axis(x, np.array([[0], [3], [1]]), axis=1),
     (X,), (0,)),
    ("softmax_cross_entropy", lambda K, l, z: K.softmax_cross_entropy(l, z), (LAB, X), (0, 1)),
    ("sparse_softmax_cross_entropy",
     lambda K, z: K.sparse_softmax_cross_entropy(np.array([0, 2, 3]), z), (X,), (0,)),
    ("sigmoid_cross_entropy", lambda K, l, z: K.sigmoid_cross_entropy(l, z), (PROB, X), (0, 1)),
    ("categorical_crossentropy", lambda K, l, p: K.categorical_crossentropy(l, p), (LAB, PROB),
     (0, 1)),
    ("categorical_crossentropy_logits",
     lambda K, l, z: K.categorical_crossentropy(l, z, from_logits=True), (LAB, X), (0, 1)),
    ("sparse_categorical_crossentropy",
     lambda K, p: K.sparse_categorical_crossentropy(np.array([[0], [2], [3]]), p), (PROB,), (0,)),
    ("binary_crossentropy", lambda K, l, p: K.binary_crossentropy(l, p), (LAB, PROB), (0, 1)),
    ("softmax_then_crossentropy",
     lambda K, z: K.categorical_crossentropy(LAB, K.softmax(z)), (X,), (0,)),
    ("sigmoid_then_binary_crossentropy",
     lambda K, z: K.binary_crossentropy(LAB, K.sigmoid(z)), (X,), (0,)),
]


def _loss(K, f):
    """A scalar of every output of ``f``, weighted so that gradients are not all alike."""
    def loss(*args):
        out = f(K, *args)
        w = np.cos(np.arange(int(np.prod(K.shape(out)))).reshape(K.shape(out)))
        return K.sum(K.multiply(out, w))
    return loss


@pytest.mark.parametrize("name,f,args,wrt", CASES, ids=[c[0] for c in CASES])
def test_op_and_gradient_match_native_float64(name, f, args, wrt):
    out, ref = f(TB, *args), f(NB, *args)
    assert isinstance(out, tf.Tensor)
    assert TB.dtype(out) == NB.dtype(ref)
    np.testing.assert_allclose(out.numpy(), NB.convert_to_numpy(ref), rtol=1e-6, atol=1e-12)
    value, grads = TB.value_and_grad(_loss(TB, f), argnums=wrt)(*args)
    ref_value, ref_grads = NB.value_and_grad(_loss(NB, f), argnums=wrt)(*args)
    np.testing.assert_allclose(value.numpy(), ref_value, rtol=1e-6)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g.numpy(), NB.convert_to_numpy(r), rtol=1e-6, atol=1e-12)


NO_GRAD = [
    ("sign", lambda K: K.sign(X)), ("floor", lambda K: K.floor(X)),
    ("ceil", lambda K: K.ceil(X)), ("round", lambda K: K.round(X * 3)),
    ("argmax", lambda K: K.argmax(X, axis=1)), ("argmin_flat", lambda K: K.argmin(X)),
    ("argmax_keepdims", lambda K: K.argmax(X, axis=0, keepdims=True)),
    ("any", lambda K: K.any(X > 3, axis=0)), ("all", lambda K: K.all(X > -5)),
    ("equal", lambda K: K.equal(X, X[0])), ("less", lambda K: K.less(X, 0.5)),
    ("logical_xor", lambda K: K.logical_xor(X > 0, X < 1)),
    ("logical_not", lambda K: K.logical_not(X > 0)), ("isnan", lambda K: K.isnan(X)),
    ("floor_divide", lambda K: K.floor_divide(np.arange(7), 3)),
    ("one_hot", lambda K: K.one_hot(np.array([0, 3, 5]), 4, axis=0)),
    ("sum_int32", lambda K: K.sum(np.arange(5, dtype="int32"))),
    ("mean_int32", lambda K: K.mean(np.arange(5, dtype="int32"))),
    ("add_int_python_float", lambda K: K.add(np.arange(3, dtype="int32"), 1.5)),
    ("add_float32_python_float", lambda K: K.multiply(np.ones(2, "float32"), 0.1)),
    ("add_float32_float64", lambda K: K.add(np.ones(2, "float32"), np.ones(2))),
    ("divide_ints", lambda K: K.divide(np.arange(4, dtype="int32"), 3)),
    ("exp_python_scalar", lambda K: K.exp(1.0)),
    ("cumsum_flat_int32", lambda K: K.cumsum(np.ones((2, 2), "int32"))),
    ("arange", lambda K: K.arange(0, 1, 0.1)), ("eye", lambda K: K.eye(3, 4)),
    ("full", lambda K: K.full((2,), 7)), ("zeros_like", lambda K: K.zeros_like(X, "int32")),
]


@pytest.mark.parametrize("name,f", NO_GRAD, ids=[c[0] for c in NO_GRAD])
def test_non_differentiable_ops_and_dtype_rules_match_native(name, f):
    out, ref = f(TB), f(NB)
    assert isinstance(out, tf.Tensor)
    assert TB.dtype(out) == NB.dtype(ref)
    np.testing.assert_array_equal(out.numpy(), NB.convert_to_numpy(ref))


def test_convert_to_tensor_rules():
    assert ops.dtype(ops.convert_to_tensor(1.5)) == "float32"
    assert ops.dtype(ops.convert_to_tensor(3)) == "int32"
    assert ops.dtype(ops.convert_to_tensor([1.0, 2.0])) == "float32"
    assert ops.dtype(ops.convert_to_tensor(np.ones(2, "float64"))) == "float64"
    assert ops.dtype(ops.convert_to_tensor(np.ones(2), dtype="float16")) == "float16"
    v = kfront.Variable(np.ones(2, "float32"))
    t = ops.convert_to_tensor(v)
    assert isinstance(t, tf.Tensor) and ops.dtype(t) == "float32"
    assert ops.shape(v) == (2,) and ops.is_tensor(t) and not ops.is_tensor(np.ones(2))


# ---------------------------------------------------------------------- crossentropy at 1e4
def test_crossentropies_are_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4]], "float32")
    labels = np.array([[0.0, 1.0, 0.0]], "float32")
    assert float(ops.softmax_cross_entropy(labels, logits)[0]) == pytest.approx(1e4)
    assert float(ops.categorical_crossentropy(labels, logits, from_logits=True)[0]) == \
        pytest.approx(1e4)
    assert float(ops.sparse_categorical_crossentropy(np.array([1]), logits,
                                                     from_logits=True)[0]) == pytest.approx(1e4)
    bce = ops.binary_crossentropy(np.array([0.0, 1.0]), np.array([1e4, -1e4]), from_logits=True)
    np.testing.assert_allclose(_np(bce), [1e4, 1e4])

    def loss(z):  # the probabilities carry their logits while a tape records
        return ops.sum(ops.categorical_crossentropy(labels, ops.softmax(z)))

    value, g = ops.value_and_grad(loss)(logits)
    assert float(value) == pytest.approx(1e4)
    np.testing.assert_allclose(_np(g), [[1.0, -1.0, 0.0]])


# ------------------------------------------------------------------------------ Variables
def test_variable_semantics():
    v = kfront.Variable(np.ones((2, 3)), name="w")
    assert isinstance(v._value, tf.Variable) and v._value.trainable
    assert v.dtype == "float64" and v.shape == (2, 3)
    assert kfront.Variable(1.0).dtype == "float32" and kfront.Variable(1).dtype == "int32"
    assert not kfront.Variable(0.0, trainable=False)._value.trainable
    a = v.numpy()
    a[0, 0] = 9.0
    assert float(v.numpy()[0, 0]) == 1.0  # numpy() is a copy
    v.assign(np.full((2, 3), 2, "int32"))  # cast to the variable's dtype
    assert v.dtype == "float64" and float(v.numpy().sum()) == 12.0
    v.assign_sub(np.ones((2, 3)))
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        v.assign(np.ones(3))
    assert isinstance(v * 2.0, tf.Tensor) and isinstance(v.value, tf.Variable)


# ------------------------------------------------------------------------------- gradients
def test_gradient_tape_semantics():
    w = kfront.Variable(np.array([1.0, -2.0]))
    u = kfront.Variable(2.0, trainable=False)
    with kfront.GradientTape(persistent=True) as tape:
        y = ops.sum(ops.square(w)) * u
        z = u * u
    np.testing.assert_allclose(_np(tape.gradient(y, w)), [4.0, -8.0])
    assert tape.gradient(z, u) is None  # non-trainable: not watched
    grads = tape.gradient(y, {"w": w, "rest": [u]})
    assert grads["rest"][0] is None
    with kfront.GradientTape() as tape:
        tape.watch(u)
        z = u * u
        with tape.stop_recording():
            c = u * 3.0
        z = z + c
    assert float(tape.gradient(z, u)) == 4.0
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(z, u)
    with kfront.GradientTape() as tape:
        with pytest.raises(TypeError, match="Variable"):
            tape.watch(np.ones(3))
        with B.no_grad():
            c = w * 2.0
        y = ops.sum(c * w)
    np.testing.assert_allclose(_np(tape.gradient(y, w)), [2.0, -4.0])
    with kfront.GradientTape() as tape:
        y = ops.sum(ops.take(w * 1.0, np.array([0, 0])))
    g = tape.gradient(y, w)
    assert isinstance(g, tf.Tensor)  # gathers' IndexedSlices come back dense
    np.testing.assert_allclose(_np(g), [2.0, 0.0])


def test_value_and_grad_nested_aux_and_unused():
    def f(params, x):
        loss = ops.sum(ops.matmul(x, params["w"]) + params["b"][0]) * params["b"][1]
        return loss, {"double": ops.multiply(loss, 2.0)}

    params = {"w": np.ones((3, 2)), "b": [np.zeros(2), np.array(2.0)]}
    x = np.arange(6.0).reshape(2, 3)
    (value, aux), (gp, gx) = ops.value_and_grad(f, argnums=(0, 1), has_aux=True)(params, x)
    s = np.sum(x @ np.ones((3, 2)))
    assert float(value) == 2 * s and float(aux["double"]) == 4 * s
    assert set(gp) == {"w", "b"} and isinstance(gp["b"], list)
    np.testing.assert_allclose(_np(gp["w"]), 2 * np.repeat(x.sum(0)[:, None], 2, 1))
    np.testing.assert_allclose(_np(gp["b"][0]), [4.0, 4.0])
    np.testing.assert_allclose(float(_np(gp["b"][1])), s)
    np.testing.assert_allclose(_np(gx), 4 * np.ones((2, 3)))
    _, (ga, gb) = ops.value_and_grad(lambda a, b: ops.sum(a * a), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([5.0]))
    np.testing.assert_allclose(_np(gb), [0.0])  # unused: zeros, not None
    w, unused = kfront.Variable(np.array([1.0, 2.0])), kfront.Variable(np.ones(3))
    (value, aux), grads = B.variables_value_and_grad(lambda: (ops.sum(w * w), w), [w, unused],
                                                     has_aux=True)
    np.testing.assert_allclose(_np(grads[0]), [2.0, 4.0])
    np.testing.assert_allclose(_np(grads[1]), np.zeros(3))


# ------------------------------------------------------------------------------ optimizers
_OPTIMIZER_CLASSES = {"sgd": kfront.optimizers.SGD, "adam": kfront.optimizers.Adam,
                      "rmsprop": kfront.optimizers.RMSprop, "adagrad": kfront.optimizers.Adagrad}
OPTIMIZERS = [
    ("sgd", dict(learning_rate=0.1)), ("sgd", dict(learning_rate=0.1, momentum=0.9)),
    ("sgd", dict(learning_rate=0.1, momentum=0.9, nesterov=True)), ("adam", {}),
    ("adam", dict(amsgrad=True)), ("rmsprop", {}),
    ("rmsprop", dict(momentum=0.5, centered=True)), ("adagrad", {}),
]


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{kw}" for n, kw in OPTIMIZERS])
def test_fused_kernels_equal_the_portable_update(name, kw, monkeypatch):
    def run(kernels):
        monkeypatch.setattr(B, "optimizer_kernels", kernels)
        r = np.random.default_rng(1)
        ws = [kfront.Variable(r.normal(size=s).astype("float32")) for s in [(4, 3), (3,)]]
        opt = _OPTIMIZER_CLASSES[name](**kw)
        for _ in range(3):
            opt.apply([r.normal(size=w.shape).astype("float32") for w in ws], ws)
        return [w.numpy() for w in ws] + [s.numpy() for s in opt.variables]

    for a, b in zip(run(TB.optimizer_kernels), run({})):
        np.testing.assert_array_equal(a, b)


def test_kernel_declines_mixed_dtypes():
    w = kfront.Variable(np.ones(2, "float32"))
    assert TB.optimizer_kernels["sgd"](tf.ones(2, tf.float64), w, (),
                                       {"learning_rate": 0.1, "momentum": 0.0,
                                        "nesterov": False}) is NotImplemented


# -------------------------------------------------------------------------- compilation
@pytest.mark.parametrize("jit", [True, "xla"])
def test_compile_stateful_matches_eager_and_reseeds_dropout(jit):
    w = kfront.Variable(np.array([1.0, 2.0], "float32"))
    count = kfront.Variable(0.0, trainable=False)

    def step(x):
        value, grads = B.variables_value_and_grad(lambda: ops.sum(ops.square(w * x)), [w])
        count.assign_add(1.0)
        return value, grads, ops.dropout(ops.ones((64,)), 0.5)

    eager = B.compile_stateful(step, [w, count], jit=False)
    assert eager is step
    compiled = B.compile_stateful(step, [w, count], jit=jit)
    x = np.array([3.0, -1.0], "float32")
    v1, g1, d1 = compiled(x)
    v2, g2, d2 = compiled(x)
    ve, ge, _ = eager(x)
    assert float(v1) == float(ve) and float(count.numpy()) == 3.0
    np.testing.assert_allclose(_np(g1[0]), _np(ge[0]))
    assert not np.array_equal(_np(d1), _np(d2))  # a fresh seed at each call
    assert set(np.unique(_np(d1))) <= {0.0, 2.0}


def test_compile_stateful_xla_compiles_with_xla():
    def step(x):  # a host callback: tf.function runs it, XLA cannot compile it
        return tf.numpy_function(lambda a: a * 2, [x], tf.float32)

    x = np.ones(3, "float32")
    np.testing.assert_array_equal(_np(B.compile_stateful(step, [], jit=True)(x)), 2 * x)
    with pytest.raises(Exception, match="(?i)xla|compil"):
        B.compile_stateful(step, [], jit="xla")(x)


def test_fit_compiles_recurrent_models_with_xla():
    def model(*body, **compile_kw):
        m = kfront.Sequential([layers.Input((4, 3)), *body, layers.Dense(1)])
        m.compile(optimizer="sgd", loss="mse", **compile_kw)
        return m
    assert model(layers.LSTM(2))._use_jit() == "xla"
    assert model(layers.Bidirectional(layers.GRU(2)))._use_jit() == "xla"
    assert model(layers.Flatten())._use_jit() is True  # convolutions: XLA is slower on CPU
    assert model(layers.Flatten(), jit_compile=True)._use_jit() == "xla"  # as Keras
    assert model(layers.LSTM(2), run_eagerly=True)._use_jit() is False
    kfront.config.set_backend("jax")
    assert model(layers.LSTM(2))._use_jit() is True


def test_eager_dropout_and_random_match_native():
    x = np.ones((4, 5), "float32")
    np.testing.assert_array_equal(_np(ops.dropout(x, 0.3, seed=7)), NB.dropout(x, 0.3, seed=7))
    np.testing.assert_array_equal(_np(kfront.random.uniform((3,), seed=2)),
                                  NB.random.uniform((3,), seed=2))


def _mlp(weights=None):
    model = kfront.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                               layers.Dense(256, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=kfront.optimizers.Adam(), loss="categorical_crossentropy",
                  metrics=["acc"])
    return model


def test_seed_mlp_fit_matches_the_native_engine():
    r = np.random.default_rng(0)
    x = r.random((300, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[r.integers(0, 10, 300)]
    kfront.utils.set_random_seed(0)
    model = _mlp()
    init = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
    trained = model.get_weights()
    kfront.config.set_backend("numpy")
    ref_model = _mlp(init)
    ref_hist = ref_model.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
    # float32 matmuls sum in another order; Adam's normalised steps (about lr = 1e-3 per
    # weight) turn that into differences of a few 1e-6 for a rare near-zero gradient
    for a, b in zip(trained, ref_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-4)


# ------------------------------------------------------ convolution, pooling, recurrent scans
def _vjp_both(fn, args, diff, jit=False):
    """Outputs and gradients of ``sum(out * w)`` (fixed w) on TensorFlow (optionally inside a
    ``tf.function``, XLA-compiled with ``jit="xla"``) and on the native engine, as numpy."""
    ref = fn(NB, *args)
    ref = list(ref) if isinstance(ref, tuple) else [ref]
    rng = np.random.default_rng(5)
    ws = [rng.normal(size=np.shape(o)) for o in ref]

    def native_loss(*d):
        full = list(args)
        for i, a in zip(diff, d):
            full[i] = a
        outs = fn(NB, *full)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        return sum(NB.sum(NB.multiply(o, w)) for o, w in zip(outs, ws))

    _, ref_g = NB.value_and_grad(native_loss, argnums=tuple(range(len(diff))))(
        *[args[i] for i in diff])

    def run(*targs):
        with tf.GradientTape() as tape:
            tape.watch([targs[i] for i in diff])
            outs = fn(TB, *targs)
            outs = list(outs) if isinstance(outs, tuple) else [outs]
            loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, ws)])
        return outs, tape.gradient(loss, [targs[i] for i in diff])

    if jit:
        run = tf.function(run, autograph=False, jit_compile=jit == "xla")
    outs, grads = run(*[tf.constant(a) for a in args])
    return ([o.numpy() for o in outs], [g.numpy() for g in grads],
            [np.asarray(o) for o in ref], [np.asarray(g) for g in ref_g])


def _assert_same(got, want):
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(b).max()))


def _n(*shape, scale=1.0, seed=[0]):
    seed[0] += 1
    return np.random.default_rng(seed[0]).normal(size=shape) * scale


_CONV_CASES = [
    # geometry TensorFlow's CPU kernels lack: strides and dilation together (kernel dilated
    # explicitly), 3D and grouped convolutions, unequal depthwise strides, dilated transposed
    # convolutions, float64 3D pooling (run separably)
    ("conv-strided-dilated-same", lambda K, x, k: K.conv(x, k, strides=2, padding="same",
                                                         dilation_rate=2),
     lambda: [_n(2, 9, 8, 3), _n(3, 3, 3, 4)], (0, 1)),
    ("conv1d-channels-first", lambda K, x, k: K.conv(x, k, strides=2, padding="same",
                                                     data_format="channels_first"),
     lambda: [_n(2, 3, 9), _n(4, 3, 5)], (0, 1)),
    ("conv3d-groups", lambda K, x, k: K.conv(x, k, strides=(1, 2, 1), padding="same"),
     lambda: [_n(1, 4, 5, 4, 4), _n(2, 2, 2, 2, 6)], (0, 1)),
    ("conv2d-groups-strided", lambda K, x, k: K.conv(x, k, strides=2, padding="same"),
     lambda: [_n(2, 7, 7, 6), _n(3, 3, 2, 9)], (0, 1)),
    ("depthwise1d-strided-dilated", lambda K, x, k: K.depthwise_conv(
        x, k, strides=2, dilation_rate=2, padding="same"), lambda: [_n(2, 11, 3), _n(3, 3, 2)],
     (0, 1)),
    ("depthwise3d", lambda K, x, k: K.depthwise_conv(x, k, padding="same"),
     lambda: [_n(1, 4, 4, 4, 3), _n(2, 2, 2, 3, 2)], (0, 1)),
    ("separable-channels-first", lambda K, x, d, p: K.separable_conv(
        x, d, p, strides=2, padding="same", data_format="channels_first"),
     lambda: [_n(2, 3, 7, 7), _n(3, 3, 3, 2), _n(1, 1, 6, 4)], (0, 1, 2)),
    ("conv_transpose-output-padding", lambda K, x, k: K.conv_transpose(
        x, k, strides=2, padding="same", output_padding=1), lambda: [_n(2, 4, 5, 3),
                                                                     _n(3, 3, 5, 3)], (0, 1)),
    ("conv_transpose-valid-k<s", lambda K, x, k: K.conv_transpose(x, k, strides=3),
     lambda: [_n(1, 3, 3, 2), _n(2, 2, 2, 2)], (0, 1)),
    ("conv_transpose-dilated", lambda K, x, k: K.conv_transpose(x, k, padding="same",
                                                                dilation_rate=2),
     lambda: [_n(2, 5, 5, 3), _n(3, 3, 2, 3)], (0, 1)),
    ("conv_transpose-3d-channels-first", lambda K, x, k: K.conv_transpose(
        x, k, strides=2, padding="same", data_format="channels_first"),
     lambda: [_n(1, 3, 3, 4, 2), _n(2, 2, 3, 2, 3)], (0, 1)),
    ("max_pool-ties", lambda K, x: K.max_pool(x, 2, strides=1, padding="same"),
     lambda: [np.round(_n(2, 5, 5, 2))], (0,)),
    ("max_pool3d-float64", lambda K, x: K.max_pool(x, 2, padding="same"),
     lambda: [np.round(_n(2, 5, 5, 3, 2))], (0,)),
    ("average_pool3d-same-channels-first", lambda K, x: K.average_pool(
        x, 3, strides=2, padding="same", data_format="channels_first"),
     lambda: [_n(2, 2, 5, 5, 3)], (0,)),
    ("average_pool1d-same", lambda K, x: K.average_pool(x, 4, strides=3, padding="same"),
     lambda: [_n(2, 10, 3)], (0,)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("name,fn,make,diff", _CONV_CASES, ids=[c[0] for c in _CONV_CASES])
def test_conv_and_pool_edge_cases_match_native(name, fn, make, diff, jit):
    outs, grads, ref, ref_g = _vjp_both(fn, make(), diff, jit)
    _assert_same(outs, ref)
    _assert_same(grads, ref_g)


def test_conv_and_pool_integer_inputs_keep_native_dtypes():
    x = np.arange(32).reshape(1, 4, 4, 2).astype("int32")
    k = np.ones((2, 2, 2, 3), "int64")
    for got, want in [(TB.max_pool(x, 2), NB.max_pool(x, 2)),
                      (TB.average_pool(x, 2), NB.average_pool(x, 2)),
                      (TB.conv(x, k), NB.conv(x, k))]:
        assert got.dtype.name == want.dtype.name
        np.testing.assert_array_equal(got.numpy(), want)


def test_conv_errors_match_native():
    with pytest.raises(ValueError, match="larger than the input"):
        TB.conv(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        TB.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="output_padding must be < strides"):
        TB.conv_transpose(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), strides=2,
                          output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        TB.max_pool(np.ones((1, 4, 4, 1)), 2, padding="full")


_MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]], bool)
_RDROP = (np.random.default_rng(3).random((3, 5)) > 0.3) / 0.7
_RNN_FLAGS = [{}, {"return_sequences": True}, {"go_backwards": True, "mask": _MASK},
              {"return_sequences": True, "mask": _MASK, "zero_output_for_mask": True},
              {"return_sequences": True, "go_backwards": True, "mask": _MASK,
               "recurrent_dropout_mask": _RDROP}]


def _rnn_case(op, acts, kw, reset_after=True):
    b, t, d, u = 3, 6, 4, 5
    sc = 0.1 if "exponential" in acts else 0.4  # exp(exp(...)) stays finite
    gates = {"lstm": 4, "gru": 3, "simple_rnn": 1}[op]
    states = 2 if op == "lstm" else 1
    bias = (2, 3 * u) if op == "gru" and reset_after else (gates * u,)
    args = [_n(b, t, d, scale=sc)] + [_n(b, u, scale=sc) for _ in range(states)] + [
        _n(d, gates * u, scale=sc), _n(u, gates * u, scale=sc), _n(*bias, scale=sc)]
    extra = {"activation": acts[0]}
    if op != "simple_rnn":
        extra["recurrent_activation"] = acts[1]
    if op == "gru":
        extra["reset_after"] = reset_after

    def fn(K, *a):
        return getattr(K, op)(*a, **extra, **kw)
    return fn, args, tuple(range(len(args)))


@pytest.mark.parametrize("jit", [False, True, "xla"], ids=["eager", "tf.function", "xla"])
@pytest.mark.parametrize("kw", _RNN_FLAGS, ids=lambda kw: "-".join(kw) or "last")
@pytest.mark.parametrize("op,reset_after", [("lstm", True), ("gru", True), ("gru", False),
                                            ("simple_rnn", True)])
def test_recurrent_scans_match_native(op, reset_after, kw, jit):
    fn, args, diff = _rnn_case(op, ("tanh", "sigmoid"), kw, reset_after)
    outs, grads, ref, ref_g = _vjp_both(fn, args, diff, jit)
    _assert_same(outs, ref)
    _assert_same(grads, ref_g)


@pytest.mark.parametrize("acts", [("relu", "hard_sigmoid"), ("softsign", "softplus"),
                                  ("elu", "linear"), ("exponential", "sigmoid")])
@pytest.mark.parametrize("op", ["lstm", "gru", "simple_rnn"])
def test_recurrent_scan_activations_match_native(op, acts):
    fn, args, diff = _rnn_case(op, acts, {"return_sequences": True, "mask": _MASK})
    outs, grads, ref, ref_g = _vjp_both(fn, args, diff)
    _assert_same(outs, ref)
    _assert_same(grads, ref_g)


def test_recurrent_scans_float32_and_unknown_activation():
    x = np.ones((2, 3, 4), "float32")
    h = np.zeros((2, 5), "float32")
    out, hT, cT = TB.lstm(x, h, h, np.full((4, 20), 0.1, "float32"), np.zeros((5, 20), "float32"))
    assert out.dtype == tf.float32 and tuple(out.shape) == (2, 5)
    with pytest.raises(NotImplementedError, match="recurrent_activation='gelu'"):
        TB.gru(x, h, np.zeros((4, 15)), np.zeros((5, 15)), recurrent_activation="gelu")


def _copy_fit(make, x, y, loss):
    """Predictions, 2 SGD epochs' losses and final weights, native then TensorFlow, from the
    same initial weights (fit compiles its steps with tf.function on TensorFlow)."""
    results = []
    for backend in ("numpy", "tensorflow"):
        kfront.config.set_backend(backend)
        kfront.utils.set_random_seed(1)
        model = make()
        if backend == "numpy":
            init = model.get_weights()
        else:
            model.set_weights(init)
        pred = model.predict(x, verbose=0)
        model.compile(optimizer=kfront.optimizers.SGD(0.1), loss=loss)
        hist = model.fit(x, y, batch_size=len(x), epochs=2, shuffle=False, verbose=0)
        results.append((np.asarray(pred), hist.history["loss"], model.get_weights()))
    (pa, la, wa), (pb, lb, wb) = results
    np.testing.assert_allclose(pb, pa, atol=1e-5)
    np.testing.assert_allclose(lb, la, rtol=1e-5)
    for a, b in zip(wb, wa):
        np.testing.assert_allclose(a, b, atol=1e-5 * max(1.0, np.abs(b).max()))


def test_seed_cnn_layers_train_like_the_native_engine():
    r = np.random.default_rng(0)
    x = r.normal(size=(8, 28, 28, 1)).astype("float32")
    y = np.eye(10, dtype="float32")[r.integers(0, 10, 8)]
    _copy_fit(lambda: kfront.Sequential([
        layers.Input((28, 28, 1)), layers.Conv2D(32, 5, activation="relu"),
        layers.MaxPooling2D(), layers.Conv2D(64, 5, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(1024, activation="relu"),
        layers.Dense(10, activation="softmax")]), x, y, "categorical_crossentropy")


def test_masked_and_bidirectional_rnn_layers_train_like_the_native_engine():
    r = np.random.default_rng(0)
    x = r.integers(1, 50, size=(8, 9)).astype("int32")
    x[:, -3:] = 0
    x[::2, -5:] = 0
    y = r.integers(0, 2, (8, 1)).astype("float32")
    _copy_fit(lambda: kfront.Sequential([
        layers.Input((9,), dtype="int32"), layers.Embedding(50, 8, mask_zero=True),
        layers.Bidirectional(layers.LSTM(6, return_sequences=True)),
        layers.GRU(5, go_backwards=True, reset_after=False, return_sequences=True),
        layers.SimpleRNN(4), layers.Dense(1, activation="sigmoid")]), x, y,
        "binary_crossentropy")
