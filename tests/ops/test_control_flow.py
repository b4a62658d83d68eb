"""``kfront.ops`` control-flow and core ops (``kfront/ops/control_flow.py``): results equal real
Keras's ``keras.ops`` (TensorFlow backend, in-process) on every kfront backend; the native
engine's gradients equal central finite differences in float64; every adapter's gradients equal
the native ones; loops compile (``tf.function``, ``jax.jit``) inside ``fit``; an ``ops.scan`` RNN
trains on every backend; bad input is a clear error.
"""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers, ops
from ops.case_suite import assert_matches_finite_differences

rng = np.random.default_rng(5)


def _u(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype("float32")


def _scan(o, init, xs, **kw):
    return o.scan(lambda c, x: (o.add(o.multiply(c, 0.5), x), o.multiply(o.sin(c), x)), init, xs,
                  **kw)


def _nested_scan(o, a, b, xs):
    def step(carry, x):
        p, q = carry
        return (o.add(p, x), o.multiply(q, o.cos(x))), (o.subtract(p, q), o.multiply(p, q))
    return o.scan(step, (a, b), xs)


def _softplus_custom(o, x):
    @o.custom_gradient
    def softplus(v):
        e = o.exp(v)
        return o.log(o.add(e, 1.0)), lambda up: o.multiply(up, o.divide(e, o.add(e, 1.0)))
    return softplus(x)


IDX = np.array([[0], [2], [0]], "int32")
IDX2 = np.array([[1, 2], [2, 0]], "int32")

# name -> (f(ops_namespace, *inputs), inputs, differentiable)
CASES = {
    "cond": (lambda o, x: o.cond(o.sum(x) > 0, lambda: o.multiply(o.sin(x), 2.0),
                                 lambda: o.cos(x)), [_u(0.1, 1, 2, 3)], True),
    "cond_false": (lambda o, x: o.cond(o.sum(x) > 0, lambda: o.sin(x), lambda: o.exp(x)),
                   [_u(-1, -0.1, 3)], True),
    "switch": (lambda o, x: o.switch(1, [lambda v: o.multiply(v, 2.0), lambda v: o.exp(v),
                                         lambda v: o.negative(v)], x), [_u(-1, 1, 3)], True),
    "switch_clamped": (lambda o, x: o.switch(7, [lambda v: o.sin(v), lambda v: o.square(v)], x),
                       [_u(-1, 1, 2, 2)], True),
    "while_loop": (lambda o, x: o.while_loop(lambda i, v: i < 3,
                                             lambda i, v: (i + 1, o.multiply(v, x)), (0, x))[1],
                   [_u(0.5, 1.5, 3)], True),
    "while_loop_max": (lambda o, x: o.while_loop(lambda v: o.sum(v) < 1e9,
                                                 lambda v: o.multiply(v, o.cos(v)), x,
                                                 maximum_iterations=2), [_u(0.5, 1.5, 3)], True),
    "fori_loop": (lambda o, x: o.fori_loop(0, 3, lambda i, v: o.add(o.multiply(v, x),
                                                                    o.cast(i, "float32")), x),
                  [_u(0.5, 1.0, 2, 2)], True),
    "scan": (lambda o, c, xs: _scan(o, c, xs), [_u(-1, 1, 3), _u(-1, 1, 4, 3)], True),
    "scan_reverse": (lambda o, c, xs: _scan(o, c, xs, reverse=True),
                     [_u(-1, 1, 2), _u(-1, 1, 5, 2)], True),
    "scan_length": (lambda o, c: o.scan(lambda v, _: (o.add(o.multiply(v, v), 0.1), o.exp(v)),
                                        c, None, length=3), [_u(-0.5, 0.5, 2)], True),
    "scan_nested": (lambda o, a, b, xs: _nested_scan(o, a, b, xs),
                    [_u(-1, 1, 2), _u(-1, 1, 2), _u(-1, 1, 3, 2)], True),
    "associative_scan": (lambda o, x: o.associative_scan(o.add, x, axis=1), [_u(-1, 1, 2, 5)],
                         True),
    "associative_scan_reverse": (lambda o, x: o.associative_scan(o.multiply, x, reverse=True),
                                 [_u(0.5, 1.5, 6, 2)], True),
    "associative_scan_nested": (
        lambda o, a, b: o.associative_scan(lambda p, q: (o.add(p[0], q[0]),
                                                         o.maximum(p[1], q[1])), (a, b)),
        [_u(-1, 1, 4), _u(-1, 1, 4)], True),
    "map": (lambda o, x: o.map(lambda v: o.sum(o.multiply(v, v)), x), [_u(-1, 1, 3, 4)], True),
    "map_nested": (lambda o, x, y: o.map(lambda t: o.multiply(t[0], o.sin(t[1])), (x, y)),
                   [_u(-1, 1, 3, 2), _u(-1, 1, 3, 2)], True),
    "vectorized_map": (lambda o, x: o.vectorized_map(lambda v: o.sum(o.exp(v), axis=-1), x),
                       [_u(-1, 1, 3, 2, 4)], True),
    "slice": (lambda o, x: o.slice(x, (1, 0, 2), (2, 3, 2)), [_u(-1, 1, 3, 3, 4)], True),
    "slice_int": (lambda o, x: o.slice(x, [1, 1], [2, 2]), [np.arange(12).reshape(3, 4)],
                  False),
    "slice_update": (lambda o, x, u: o.slice_update(x, (1, 2), u),
                     [_u(-1, 1, 4, 5), _u(-1, 1, 2, 3)], True),
    "scatter": (lambda o, v: o.scatter(IDX, v, (4, 3)), [_u(-1, 1, 3, 3)], True),
    "scatter_full_index": (lambda o, v: o.scatter(IDX2, v, (3, 4)), [_u(-1, 1, 2)], True),
    "scatter_update": (lambda o, x, u: o.scatter_update(x, np.array([[1], [3]]), u),
                       [_u(-1, 1, 4, 3), _u(-1, 1, 2, 3)], True),
    "scatter_update_full_index": (lambda o, x, u: o.scatter_update(x, IDX2, u),
                                  [_u(-1, 1, 3, 4), _u(-1, 1, 2)], True),
    "scatter_update_add": (lambda o, x, u: o.scatter_update(x, IDX, u, reduction="add"),
                           [_u(-1, 1, 4, 2), _u(-1, 1, 3, 2)], True),
    "scatter_update_max": (lambda o, x, u: o.scatter_update(x, IDX, u, reduction="max"),
                           [_u(-1, 1, 4, 2), _u(-1, 1, 3, 2)], False),
    "scatter_update_min": (lambda o, x, u: o.scatter_update(x, IDX, u, reduction="min"),
                           [_u(-1, 1, 4, 2), _u(-1, 1, 3, 2)], False),
    "scatter_update_mul": (lambda o, x, u: o.scatter_update(x, IDX, u, reduction="mul"),
                           [_u(-1, 1, 4, 2), _u(-1, 1, 3, 2)], False),
    "saturate_cast_uint8": (lambda o, x: o.saturate_cast(x, "uint8"),
                            [np.array([-5.0, 0.4, 254.6, 300.0, 1e9], "float32")], False),
    "saturate_cast_int8": (lambda o, x: o.saturate_cast(x, "int8"),
                           [np.array([-500, -3, 7, 128, 1000], "int32")], False),
    "saturate_cast_float16": (lambda o, x: o.saturate_cast(x, "float16"),
                              [np.array([-1e6, 1.5, 7e4], "float32")], False),
    "custom_gradient": (_softplus_custom, [_u(-2, 2, 2, 3)], True),
    # Keras's TensorFlow jvp needs tensors as primals
    "jvp": (lambda o, x, t: o.jvp(lambda v: o.multiply(o.sin(v), v), (o.convert_to_tensor(x),),
                                  (o.convert_to_tensor(t),)), [_u(-1, 1, 3), _u(-1, 1, 3)], False),
    "jvp_aux": (lambda o, x, t: o.jvp(lambda v: (o.exp(v), o.sum(v)), (o.convert_to_tensor(x),),
                                      (o.convert_to_tensor(t),), has_aux=True),
                [_u(-1, 1, 2), _u(-1, 1, 2)], False),
    "eig_triangular": (lambda o, x: o.eig(x),
                       [np.array([[2, 1, 0], [0, 3, 1], [0, 0, -1]], "float32")], False),
    "view_as_complex": (lambda o, x: o.view_as_complex(x), [_u(-1, 1, 3, 2)], False),
    "view_as_real": (lambda o, x: o.view_as_real(o.view_as_complex(x)), [_u(-1, 1, 3, 2)],
                     False),
}
DIFFERENTIABLE = [k for k, c in CASES.items() if c[2]]
JAX_NO_REVERSE = {"while_loop", "while_loop_max"}  # lax.while_loop, as Keras on JAX


def test_every_control_flow_op_has_a_case():
    from kfront.ops import control_flow
    missing = sorted(n for n in control_flow.__all__
                     if not any(k == n or k.startswith(n + "_") for k in CASES))
    assert not missing, f"ops.control_flow names without a case here: {missing}"


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _flat(o)]
    return [np.asarray(ops.convert_to_numpy(out)) if not isinstance(out, np.ndarray) else out]


@pytest.fixture(scope="module")
def keras_results(keras):
    results = {}
    for name, (f, inputs, _) in CASES.items():
        results[name] = [np.asarray(keras.ops.convert_to_numpy(o)) for o in
                         _keras_flat(f(keras.ops, *inputs))]
    return results


def _keras_flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _keras_flat(o)]
    return [out]


# cases also run under tf.function on TensorFlow (graph control flow; tracing is slow)
TF_GRAPH = {"cond", "switch", "while_loop", "fori_loop", "scan_reverse", "scan_length",
            "scan_nested", "map"}


def _compiled(backend, fn, name=None):
    """``fn`` compiled as a training step is: ``jax.jit`` on JAX (also one XLA compilation per
    case instead of one per ``lax`` primitive met eagerly), ``tf.function`` on TensorFlow for
    the ``TF_GRAPH`` cases (graph control flow: ``tf.cond``, ``tf.while_loop``)."""
    if backend == "jax":
        import jax
        return jax.jit(fn)
    if backend == "tensorflow" and name in TF_GRAPH:
        import tensorflow as tf
        return tf.function(fn)
    return fn


def test_results_match_keras(backend, keras_results):
    """Every case on this backend equals Keras (float within 1e-5 relative, others exact)."""
    for name, (f, inputs, _) in CASES.items():
        got, want = _flat(_compiled(backend, lambda *xs, f=f: f(ops, *xs), name)(*inputs)), \
            keras_results[name]
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            assert g.shape == w.shape, (name, g.shape, w.shape)
            assert str(g.dtype) == str(w.dtype), (name, g.dtype, w.dtype)
            if g.dtype.kind in "fc":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def _loss_fn(name):
    """A scalar loss of case ``name``: its float outputs weighted by fixed random weights."""
    f, inputs, _ = CASES[name]

    def loss(*xs):
        total = 0.0
        for i, o in enumerate(_keras_flat(f(ops, *xs))):
            if ops.dtype(o).startswith("float"):
                w = np.random.default_rng(i).normal(size=ops.shape(o))
                total = ops.add(total, ops.sum(ops.multiply(o, w)))
        return total
    return loss, [i.astype("float64") if i.dtype.kind == "f" else i for i in inputs]


def _grads(name, backend="numpy"):
    loss, xs = _loss_fn(name)
    argnums = tuple(i for i, x in enumerate(xs) if x.dtype.kind == "f")
    _, grads = _compiled(backend, ops.value_and_grad(loss, argnums=argnums), name)(*xs)
    return loss, xs, argnums, [np.asarray(ops.convert_to_numpy(g)) for g in grads]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_native_gradient_matches_finite_differences(name):
    loss, xs, argnums, grads = _grads(name)
    assert_matches_finite_differences(name, loss, xs, argnums, grads)


def test_adapter_gradients_match_native(backend):
    if backend == "numpy":
        pytest.skip("the native engine is the reference")
    names = [n for n in DIFFERENTIABLE if not (backend == "jax" and n in JAX_NO_REVERSE)]
    kfront.config.set_backend("numpy")
    native = {name: _grads(name)[3] for name in names}
    kfront.config.set_backend(backend)
    for name in names:
        for g, n in zip(_grads(name, backend)[3], native[name]):
            np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9, err_msg=name)


def test_eig_solves_the_eigenproblem(backend, keras):
    """Random (batched) matrices: A v = w v for each pair, eigenvalues as Keras's up to order."""
    a = np.random.default_rng(3).normal(size=(2, 4, 4)).astype("float32")
    w, v = (np.asarray(ops.convert_to_numpy(t)) for t in ops.eig(a))
    assert w.dtype == np.complex64 and v.shape == (2, 4, 4)
    np.testing.assert_allclose(a @ v, v * w[:, None, :], atol=1e-4)
    want = keras.ops.convert_to_numpy(keras.ops.eig(a)[0])
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(want), rtol=1e-4, atol=1e-5)


def test_custom_gradient_replaces_the_gradient(backend):
    """The gradient is grad_fn's (clipped to [-1, 1] here), not the forward's (5)."""
    @ops.custom_gradient
    def clipped_identity(x):
        return ops.multiply(x, 1.0), lambda up: ops.clip(up, -1.0, 1.0)

    _, g = ops.value_and_grad(lambda x: ops.sum(ops.multiply(clipped_identity(x), 5.0)))(
        np.array([1.0, -2.0], "float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(g), [1.0, 1.0])


class _LoopLayer(layers.Layer):
    """Uses scan, cond (on a tensor predicate), fori_loop and slice in ``call``."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        h = ops.multiply(x, self.w)
        _, ys = ops.scan(lambda c, v: (ops.add(c, v), ops.add(c, v)), ops.zeros_like(h[0]), h)
        ys = ops.cond(ops.mean(h) > -1e9, lambda: ys, lambda: ops.negative(ys))
        ys = ops.fori_loop(0, 2, lambda i, v: ops.multiply(v, 0.9), ys)
        return ops.slice(ys, (0, 0), (ops.shape(ys)[0], 2))


def test_loops_compile_and_train_inside_fit(backend):
    """The train step is compiled (tf.function / jax.jit): tf.cond and lax.cond/scan trace."""
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    model = kfront.Sequential([layers.Input((3,)), _LoopLayer(), layers.Dense(2)])
    model.compile(optimizer=kfront.optimizers.SGD(0.001), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0], losses


def test_scan_rnn_trains(backend):
    """A simple RNN written with ``ops.scan`` over time, trained by ``value_and_grad``."""
    data = np.random.default_rng(0)
    x = data.normal(size=(8, 5, 2)).astype("float32")
    target = np.tanh(x.sum(axis=(1, 2)))[:, None].astype("float32")
    params = [data.normal(0, 0.5, s).astype("float32") for s in ((2, 4), (4, 4), (4, 1))]

    def loss(w_x, w_h, w_o):
        def step(h, x_t):
            h = ops.tanh(ops.add(ops.matmul(x_t, w_x), ops.matmul(h, w_h)))
            return h, h
        h, _ = ops.scan(step, ops.zeros((8, 4)), ops.transpose(x, (1, 0, 2)))
        return ops.mean(ops.square(ops.subtract(ops.matmul(h, w_o), target)))

    step = _compiled(backend, ops.value_and_grad(loss, argnums=(0, 1, 2)), "scan")
    losses = []
    for _ in range(6):
        value, grads = step(*params)
        losses.append(float(value))
        params = [p - 0.3 * np.asarray(ops.convert_to_numpy(g)) for p, g in zip(params, grads)]
    assert losses[-1] < 0.9 * losses[0], losses


BAD = [
    (lambda: ops.cond(True, 1.0, lambda: 2.0), TypeError, "cond: `true_fn` must be a callable"),
    (lambda: ops.switch(0, []), ValueError, "switch: `branches` must be a non-empty list"),
    (lambda: ops.while_loop(lambda x: x < 1, lambda x: x, 0.0, maximum_iterations=-1),
     ValueError, "while_loop: `maximum_iterations` must be None or an int >= 0"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0), ValueError,
     "scan: got no `xs` to scan over and no `length`"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4))), ValueError,
     "scan: every array in `xs` must have the same leading size"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, np.ones(3), unroll=0), ValueError,
     "scan: `unroll` must be a positive int"),
    (lambda: ops.associative_scan(ops.add, np.ones((2, 3)), axis=2), ValueError,
     "associative_scan: `axis`=2 is out of range"),
    (lambda: ops.map(None, np.ones(2)), TypeError, "map: `f` must be a callable"),
    (lambda: ops.slice(np.ones((3, 3)), (0,), (1, 1)), ValueError,
     "slice: `start_indices` must have one entry per axis of `inputs` (rank 2); got 1"),
    (lambda: ops.slice(np.ones((3, 3)), (2, 0), (2, 1)), ValueError,
     "slice: the region starting at [2, 0] of size [2, 1] does not fit"),
    (lambda: ops.slice_update(np.ones((3, 3)), (0, 0), np.ones(2)), ValueError,
     "slice_update: `updates` must have the rank of `inputs` (2)"),
    (lambda: ops.scatter(np.ones((2, 1)), np.ones(2), (3,)), TypeError,
     "scatter: `indices` must be an integer tensor"),
    (lambda: ops.scatter(np.ones((2, 3), "int32"), np.ones(2), (3, 3)), ValueError,
     "scatter: `indices` must have shape (..., k) with 1 <= k <= 2"),
    (lambda: ops.scatter(np.zeros((2, 1), "int32"), np.ones(3), (3,)), ValueError,
     "scatter: `values` must have shape (2,)"),
    (lambda: ops.scatter_update(np.ones(3), np.zeros((1, 1), "int32"), np.ones(1),
                                reduction="sum"), ValueError,
     "scatter_update: `reduction` must be one of"),
    (lambda: ops.view_as_complex(np.ones((2, 3), "float32")), ValueError,
     "view_as_complex: `x` must be a float32/float64 tensor whose last axis has size 2"),
    (lambda: ops.view_as_real(np.ones(2, "float32")), ValueError,
     "view_as_real: `x` must be a complex tensor"),
    (lambda: ops.jvp(lambda x: x, (1.0,), ()), ValueError,
     "jvp: `primals` and `tangents` must be tuples/lists of the same length"),
    (lambda: ops.custom_gradient(3), TypeError, "custom_gradient: `f` must be a callable"),
    (lambda: ops.linalg.eig(np.ones((2, 3))), ValueError,
     "eig: `x` must be a batch of square matrices (..., N, N); got shape (2, 3)"),
]


def test_bad_input_errors(backend):
    for call, exc, message in BAD:
        with pytest.raises(exc) as info:
            call()
        assert message in str(info.value), (message, str(info.value))
