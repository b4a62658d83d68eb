"""The torch backend against the native engine: names, every op's forward value and gradient in
float64, numerical stability, foreign tensors, Variables, tapes, fused optimizer kernels,
``compile_stateful`` and ``fit``.

The op sweeps reuse the case tables of ``test_ops_forward.py`` and ``test_ops_grad.py`` and
compare each case on torch with the same case on the native engine.
"""
from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch: "
                                            "pip install 'kfront[torch]'")

import kfront  # noqa: E402
import kfront.backends.numpy as native  # noqa: E402
import kfront.backends.torch as tbackend  # noqa: E402
from kfront import layers, ops, optimizers  # noqa: E402
from kfront.backends import B  # noqa: E402

HERE = pathlib.Path(__file__).parent
RTOL = 1e-6
# native ops not yet on torch (empty: convolution, pooling and the recurrent scans landed)
NOT_YET_ON_TORCH: set = set()


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_torch_sweep_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def backend(name):
    prev = kfront.backends.active_name()
    kfront.config.set_backend(name)
    try:
        yield
    finally:
        kfront.config.set_backend(prev)


@pytest.fixture(autouse=True)
def on_torch():
    with backend("torch"):
        yield


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return None if x is None else ops.convert_to_numpy(x)


def _assert_same(got, want, rtol=RTOL, what=""):
    """Same structure, shapes, dtypes and values (float64-accurate to ``rtol``)."""
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), what
        for g, w in zip(got, want):
            _assert_same(g, w, rtol, what)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12, equal_nan=True, err_msg=what)


# ----------------------------------------------------------------------------------- names
def test_every_native_name_exists():
    names = set(native.__all__)
    assert set(tbackend.__all__) <= names
    missing = names - set(tbackend.__all__)
    assert missing == NOT_YET_ON_TORCH & names, f"missing on torch: {sorted(missing)}"
    for name in tbackend.__all__:
        assert getattr(tbackend, name) is getattr(B, name)
    assert B.Tensor is torch.Tensor and B.NAME == "torch"


def test_ops_return_torch_tensors():
    x, w = np.ones((2, 3)), kfront.Variable(np.ones(3))
    outs = [ops.add(x, 1.0), ops.softmax(x), ops.matmul(x, x.T), ops.getitem(x, 0),
            *ops.split(x, 3, axis=1), ops.convert_to_tensor(x), ops.sum(w),
            ops.categorical_crossentropy(x, x), ops.dropout(x, 0.5, seed=1), w * 2.0,
            kfront.random.normal((2,), seed=1), ops.zeros((2,)), ops.argmax(x)]
    for out in outs:
        assert type(out) is torch.Tensor, type(out)


# --------------------------------------------------------------------------- op sweeps
FORWARD = _load("test_ops_forward").FORWARD
GRAD = _load("test_ops_grad")


@pytest.mark.parametrize("c", FORWARD, ids=[f"{c.name}-{i}" for i, c in enumerate(FORWARD)])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_matches_native(c):
    fn = getattr(ops, c.name)
    with backend("numpy"):
        want = fn(*c.args, **c.kw)
        want = want if c.name in ("shape", "size", "dtype") else _np(want)
    got = fn(*c.args, **c.kw)
    if c.name in ("shape", "size", "dtype"):
        assert got == want
        return
    _assert_same(_np(got), want, what=c.name)


def _value_and_grads(c):
    """The case's functional value and gradients, as numpy, on the active backend."""
    rng = np.random.default_rng(zlib.crc32(c.id.encode()))
    args = list(c.make(rng))
    wrt = c.wrt if c.wrt is not None else [
        i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    diff = [np.asarray(args[i], np.float64) for i in wrt]
    L = GRAD._functional(c.fn, args, wrt, rng)
    value, grads = ops.value_and_grad(L, argnums=tuple(range(len(wrt))))(*diff)
    return _np(value), _np(list(grads))


@pytest.mark.parametrize("c", GRAD.TABLE, ids=[c.id for c in GRAD.TABLE])
def test_gradient_matches_native(c):
    with backend("numpy"):
        want = _value_and_grads(c)
    got = _value_and_grads(c)
    _assert_same(got[0], want[0], what=f"{c.id} value")
    _assert_same(got[1], want[1], what=f"{c.id} grads")


# ------------------------------------------------------------------------------ stability
BIG = np.array([[1e4, 0.0, -1e4, 3.0], [-1e4, -1e4, -1e4, -1e4 + 1], [5e3, 1e4, 1e4, -1e4]])
LABELS = np.array([[0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.0, 0.5], [0.0, 0.0, 0.5, 0.5]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_crossentropies_stable_for_huge_logits(dtype):
    x, t = BIG.astype(dtype), LABELS.astype(dtype)
    xr, tr = x.astype("float64"), t.astype("float64")  # the reference, in float64
    m = xr.max(-1, keepdims=True)
    lse = m + np.log(np.exp(xr - m).sum(-1, keepdims=True))
    want = -(tr * (xr - lse)).sum(-1)
    rtol = 1e-6 if dtype == "float64" else 1e-5
    w = kfront.Variable(x)
    losses = {
        "softmax_cross_entropy": lambda: ops.softmax_cross_entropy(t, w),
        "from_logits": lambda: ops.categorical_crossentropy(t, w, from_logits=True),
        "softmax_output": lambda: ops.categorical_crossentropy(t, ops.softmax(w)),
        "sparse_softmax_output": lambda: ops.sparse_categorical_crossentropy(
            np.array([1, 3, 2]), ops.softmax(w)),
    }
    for name, loss in losses.items():
        with kfront.GradientTape() as tape:
            value = loss()
        g = _np(tape.gradient(ops.sum(value), w))
        assert np.isfinite(_np(value)).all() and np.isfinite(g).all(), name
        if name != "sparse_softmax_output":
            np.testing.assert_allclose(_np(value), want, rtol=rtol, err_msg=name)
            np.testing.assert_allclose(g, np.exp(xr - lse) * tr.sum(-1, keepdims=True) - tr,
                                       atol=1e-6, err_msg=name)
    s = np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype)
    y = np.array([1.0, 1.0, 0.0, 0.0, 0.5], dtype)
    v = kfront.Variable(s)
    with kfront.GradientTape() as tape:
        value = ops.binary_crossentropy(y, ops.sigmoid(v))
    np.testing.assert_allclose(_np(value), [0.0, 1e4, 1e4, 0.0, np.log(2)], rtol=rtol)
    assert np.isfinite(_np(tape.gradient(ops.sum(value), v))).all()
    assert np.isfinite(_np(ops.softmax(BIG))).all() and np.isfinite(_np(ops.sigmoid(s))).all()


def test_variables_of_another_backend_are_refused():
    with backend("numpy"):
        v = kfront.Variable(np.ones(2))
    with pytest.raises(RuntimeError, match="another backend"):
        ops.add(v, 1.0)


# ------------------------------------------------------------------------------- Variables
def test_variable_storage_assign_and_numpy():
    w = kfront.Variable(np.arange(6.0).reshape(2, 3), name="w")
    assert isinstance(w.value, torch.nn.Parameter) and w.value.requires_grad
    assert w.dtype == "float64" and w.shape == (2, 3)
    frozen = kfront.Variable(np.ones(2, "float32"), trainable=False)
    assert not frozen.value.requires_grad
    counter = kfront.Variable(0, dtype="int64", trainable=False)
    counter.assign(counter.numpy() + 5)
    assert int(counter.numpy()) == 5 and counter.dtype == "int64"

    storage = w.value.data_ptr()
    w.assign(np.ones((2, 3)))
    w.assign_add(np.ones((2, 3)))
    w.assign_sub(torch.ones(2, 3, dtype=torch.float64) * 0.5)
    assert w.value.data_ptr() == storage  # in place
    a = w.numpy()
    a[0, 0] = 100.0
    np.testing.assert_array_equal(w.numpy(), np.full((2, 3), 1.5))  # numpy() is a copy
    with pytest.raises(ValueError, match=r"shape \(3,\).*'w'.*\(2, 3\)"):
        w.assign(np.ones(3))
    src = np.ones(2, "float32")
    v = kfront.Variable(src)
    src[0] = 7.0
    assert float(v.numpy()[0]) == 1.0  # the Variable owns its storage


def test_convert_to_tensor_rules():
    assert ops.convert_to_tensor(1.5).dtype == torch.float32
    assert ops.convert_to_tensor([1, 2]).dtype == torch.int32
    assert ops.convert_to_tensor(np.ones(2)).dtype == torch.float64
    assert ops.convert_to_tensor(np.ones(2), dtype="float16").dtype == torch.float16
    w = kfront.Variable(np.ones(2, "float32"))
    assert ops.convert_to_tensor(w) is w.value
    t = torch.ones(2)
    assert ops.convert_to_tensor(t) is t and ops.is_tensor(t) and not ops.is_tensor(np.ones(2))
    assert ops.dtype(t) == "float32" and ops.shape(np.ones((2, 1))) == (2, 1)


# ---------------------------------------------------------------------------- gradients
def test_gradient_tape_semantics():
    w, u = kfront.Variable(np.array([1.0, -2.0])), kfront.Variable(5.0, trainable=False)
    with kfront.GradientTape() as tape:
        y = ops.sum(ops.square(w)) * u
    gw, gu = tape.gradient(y, [w, u])
    np.testing.assert_allclose(_np(gw), [10.0, -20.0])
    assert gu is None  # a non-trainable variable is watched only on request
    with kfront.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(u)
        y = ops.sum(w * u)
    gw, gu = tape.gradient(y, [w, u])
    assert gw is None and float(_np(gu)) == -1.0
    with kfront.GradientTape(persistent=True) as tape:
        h = ops.multiply(w, 3.0)
        parts = ops.split(ops.concatenate([h, h]), 2)
        y = ops.sum(ops.square(h)) + ops.sum(parts[1])
    gh, gp0, grads = tape.gradient(y, [h, parts[0], {"w": w, "rest": [(w,)]}])
    np.testing.assert_allclose(_np(gh), 2 * np.array([3.0, -6.0]) + 1)
    assert gp0 is None
    np.testing.assert_allclose(_np(grads["w"]), 3 * _np(gh))
    np.testing.assert_allclose(_np(grads["rest"][0][0]), 3 * _np(gh))
    np.testing.assert_allclose(_np(tape.gradient(h, w, output_gradients=np.array([1.0, -3.0]))),
                               [3.0, -9.0])
    with kfront.GradientTape() as tape:
        y = w * w
    tape.gradient(y, w)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, w)


def test_nested_tapes_stop_recording_and_no_grad():
    w = kfront.Variable(2.0)
    with kfront.GradientTape() as outer:
        with kfront.GradientTape() as inner:
            y = w * w * w
        z = y + w
        assert float(_np(inner.gradient(y, w))) == 12.0
    assert float(_np(outer.gradient(z, w))) == 13.0
    with kfront.GradientTape() as tape:
        with tape.stop_recording():
            c = w * w
        y = c * w
    assert float(_np(tape.gradient(y, w))) == 4.0
    with kfront.GradientTape() as tape:
        with B.no_grad():
            c = w * w
        y = ops.add(ops.stop_gradient(w * w), c * w)
    assert float(_np(tape.gradient(y, w))) == 4.0
    with kfront.GradientTape() as tape:
        y = ops.floor(w) + ops.sign(w)  # ops without gradient are not recorded
    assert tape.gradient(y, w) is None


def test_value_and_grad_matches_native():
    def f(params, x):
        loss = ops.sum(ops.add(ops.matmul(x, params["w"]), params["b"][0])) * params["b"][1]
        return loss, {"double": ops.multiply(x, 2.0)}

    params = {"w": np.ones((3, 2)), "b": [np.zeros(2), np.array(2.0)]}
    x = np.arange(6.0).reshape(2, 3)
    results = {}
    for name in ("numpy", "torch"):
        with backend(name):
            (value, aux), (gp, gx) = ops.value_and_grad(f, argnums=(0, 1), has_aux=True)(
                params, x)
            _, g_unused = ops.value_and_grad(lambda a, b: ops.sum(a), argnums=1)(x, x)
            v = kfront.Variable(np.array([1.0, 2.0]))
            _, gv = ops.value_and_grad(lambda w: ops.sum(ops.multiply(w, w)))(v)
            results[name] = _np([value, aux["double"], gp["w"], gp["b"][0], gp["b"][1], gx,
                                 g_unused, gv])
            if name == "torch":
                assert not value.requires_grad and not aux["double"].requires_grad
    _assert_same(results["torch"], results["numpy"])


def test_variables_value_and_grad_gives_zeros_for_unused():
    a, b = kfront.Variable(np.array([1.0, 2.0])), kfront.Variable(np.ones(3, "float32"))
    (value, aux), (ga, gb) = B.variables_value_and_grad(
        lambda: (ops.sum(ops.square(a)), {"a2": ops.multiply(a, 2.0)}), [a, b], has_aux=True)
    assert float(_np(value)) == 5.0 and not aux["a2"].requires_grad
    np.testing.assert_array_equal(_np(ga), [2.0, 4.0])
    assert gb.dtype == torch.float32 and not _np(gb).any()


# ------------------------------------------------------------------------------ random
def test_random_and_dropout_match_native():
    def draw():
        return _np([kfront.random.normal((3, 4), seed=5), kfront.random.uniform((4,), seed=2),
                    kfront.random.truncated_normal((50,), seed=3),
                    kfront.random.randint((6,), 0, 9, seed=1),
                    kfront.random.shuffle(np.arange(8), seed=4),
                    ops.dropout(np.ones((20, 10), "float32"), 0.4, seed=7),
                    ops.dropout(np.ones((6, 5)), 0.5, noise_shape=(None, 1), seed=7)])

    with backend("numpy"):
        want = draw()
    got = draw()
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


# -------------------------------------------------------------------------- optimizers
OPTIMIZERS = [
    ("sgd", lambda: optimizers.SGD(learning_rate=0.1)),
    ("sgd-momentum", lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9)),
    ("sgd-nesterov", lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("adam", lambda: optimizers.Adam(learning_rate=0.01)),
    ("adam-amsgrad", lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True)),
    ("rmsprop", lambda: optimizers.RMSprop(learning_rate=0.01)),
    ("rmsprop-centered", lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5,
                                                    centered=True)),
    ("adagrad", lambda: optimizers.Adagrad(learning_rate=0.1)),
]


def _train(make_opt, dtype, steps=4):
    """Steps on a conv-like kernel, a matrix and a vector. The kernel's gradients arrive as
    permuted views (as torch's convolution gradients do): non-contiguous memory."""
    rng = np.random.default_rng(0)
    ws = [kfront.Variable(rng.normal(size=s).astype(dtype)) for s in [(3, 3, 2, 4), (5, 3), (3,)]]
    opt = make_opt()
    for _ in range(steps):
        grads = [torch.from_numpy(rng.normal(size=w.shape[::-1]).astype(dtype)).permute(
            *reversed(range(len(w.shape)))) for w in ws]
        assert not grads[0].is_contiguous()
        opt.apply_gradients(zip(grads, ws))
    return [w.numpy() for w in ws] + [v.numpy() for v in opt.variables]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make_opt", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_fused_kernels_equal_portable_update(name, make_opt, dtype, monkeypatch):
    """Bit-identical, except Adam, which runs torch's one-pass kernel: equal up to rounding."""
    fused = _train(make_opt, dtype)
    monkeypatch.setattr(B, "optimizer_kernels", {})
    portable = _train(make_opt, dtype)
    for f, p in zip(fused, portable):
        if name.startswith("adam"):
            np.testing.assert_allclose(f, p, rtol=4 * np.finfo(dtype).eps, atol=1e-7 * (
                np.max(np.abs(p)) + np.finfo(dtype).tiny))
        else:
            np.testing.assert_array_equal(f, p)


def test_adam_foreach_kernel_is_bit_identical_to_portable_update(monkeypatch):
    """The fallback for dtypes the fused kernel does not take (and torch < 2.4)."""
    from kfront.backends.torch import optimizers as topt
    monkeypatch.setattr(topt, "_FUSED_ADAM", False)
    make = dict(OPTIMIZERS)["adam-amsgrad"]
    fused = _train(make, "float32")
    monkeypatch.setattr(B, "optimizer_kernels", {})
    for f, p in zip(fused, _train(make, "float32")):
        np.testing.assert_array_equal(f, p)


def test_fused_adam_takes_only_contiguous_weights_and_slots():
    """The private fused kernel reads flat memory: a strided weight or slot goes to the
    ``_foreach_*`` path (gradients are made contiguous before the call)."""
    from kfront.backends.torch import optimizers as topt
    if not topt._FUSED_ADAM:
        pytest.skip(f"torch {torch.__version__} has no CPU fused Adam kernel")
    w, m, v = (torch.zeros(3, 3, 2, 4) for _ in range(3))
    assert topt._fused_adam_accepts([w], [[m, v]])
    strided = torch.zeros(4, 2, 3, 3).permute(2, 3, 1, 0)
    assert not topt._fused_adam_accepts([strided], [[m, v]])
    assert not topt._fused_adam_accepts([w], [[m, strided]])
    assert not topt._fused_adam_accepts([w, w.double()], [[m, v], [m.double(), v.double()]])


def test_kernel_declines_mismatched_dtypes():
    w = kfront.Variable(np.ones(2, "float32"))
    g = torch.ones(2, dtype=torch.float64)
    before = w.numpy()
    kernel = tbackend.optimizer_kernels["sgd"]
    assert kernel.batched
    assert kernel([g], [w], [()], {"learning_rate": 0.1}) is NotImplemented
    np.testing.assert_array_equal(w.numpy(), before)


# --------------------------------------------------------------------- compile and fit
def test_compile_stateful():
    counter = kfront.Variable(np.zeros(2, "float32"), trainable=False)
    w = kfront.Variable(np.array([1.0, 2.0], "float32"))

    def step(x):
        counter.assign(ops.add(counter.value, x))
        return B.variables_value_and_grad(lambda: ops.sum(ops.square(ops.multiply(w, x))), [w])

    assert B.compile_stateful(step, [counter, w], jit=False) is step
    x = torch.tensor([3.0, -1.0])
    eager = step(x)
    compiled = B.compile_stateful(step, [counter, w], jit=True)
    for _ in range(2):
        value, (g,) = compiled(x)
        np.testing.assert_allclose(_np(value), _np(eager[0]), rtol=1e-6)
        np.testing.assert_allclose(_np(g), _np(eager[1][0]), rtol=1e-6)
    np.testing.assert_allclose(counter.numpy(), [9.0, -3.0])


def _seed_mlp():
    return kfront.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                              layers.Dense(256, activation="relu"),
                              layers.Dense(10, activation="softmax")])


def test_fit_matches_native_engine():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (300, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 300)]
    results = {}
    for name in ("numpy", "torch"):
        with backend(name):
            kfront.utils.set_random_seed(1)
            model = _seed_mlp()
            model.compile(optimizer=optimizers.Adam(), loss="categorical_crossentropy",
                          metrics=["acc"])
            history = model.fit(x, y, batch_size=100, epochs=1, shuffle=False, verbose=0)
            results[name] = (model.get_weights(), history.history)
    (w_np, h_np), (w_t, h_t) = results["numpy"], results["torch"]
    assert h_t["acc"] == h_np["acc"]
    np.testing.assert_allclose(h_t["loss"], h_np["loss"], rtol=1e-5)
    assert all(np.abs(w0 - w).max() > 0 for w0, w in zip(w_np, _seed_weights()))  # it trained
    for a, b in zip(w_t, w_np):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _seed_weights():
    with backend("numpy"):
        kfront.utils.set_random_seed(1)
        return _seed_mlp().get_weights()
