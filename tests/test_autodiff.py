"""Behaviour of the native engine's autodiff: GradientTape, value_and_grad, graph walking."""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import kfront
from kfront import ops
from kfront.backends import B

pytestmark = pytest.mark.skipif(kfront.backends.active_name() != "numpy",
                                reason="engine behaviour of the native numpy backend")


def _np(x):
    return None if x is None else ops.convert_to_numpy(x)


# ------------------------------------------------------------------------------ GradientTape
def test_tape_watches_trainable_variables_automatically():
    w = kfront.Variable(np.array([1.0, -2.0, 3.0]))
    with kfront.GradientTape() as tape:
        y = ops.sum(ops.square(w))
    np.testing.assert_allclose(_np(tape.gradient(y, w)), [2.0, -4.0, 6.0])


def test_tape_variable_operators_are_tracked():
    w = kfront.Variable(3.0)
    x = np.array([1.0, 2.0], dtype="float32")
    with kfront.GradientTape() as tape:
        y = ops.sum((w * x + 1.0 - x / w) ** 2 @ x) + abs(-w) - w[()] * 0 + (-w)
    g = tape.gradient(y, w)
    f = lambda w: np.sum((w * x + 1.0 - x / w) ** 2 @ x)  # noqa: E731
    h = 1e-3
    np.testing.assert_allclose(float(_np(g)), (f(3 + h) - f(3 - h)) / (2 * h), rtol=1e-4)


def test_non_trainable_variable_only_if_watched():
    v = kfront.Variable(2.0, trainable=False)
    with kfront.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with kfront.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 4.0


def test_watch_accessed_variables_false():
    w, u = kfront.Variable(2.0), kfront.Variable(5.0)
    with kfront.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(u)
        y = w * u
    gw, gu = tape.gradient(y, [w, u])
    assert gw is None and float(gu) == 2.0


def test_watch_rejects_plain_arrays():
    with kfront.GradientTape() as tape:
        with pytest.raises(TypeError, match="Variable"):
            tape.watch(np.ones(3))


def test_persistent_tape_and_non_persistent_second_call():
    w = kfront.Variable(3.0)
    with kfront.GradientTape(persistent=True) as tape:
        y = w * w
        z = y * w
    assert float(tape.gradient(y, w)) == 6.0
    assert float(tape.gradient(z, w)) == 27.0
    with kfront.GradientTape() as tape:
        y = w * w
    tape.gradient(y, w)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, w)


def test_unconnected_source_is_none_and_structure_kept():
    w, u = kfront.Variable(1.0), kfront.Variable(np.ones((2, 2)))
    with kfront.GradientTape() as tape:
        y = w * 2.0
        _ = u * 3.0  # read, but not part of y
    grads = tape.gradient(y, {"w": w, "rest": [u, (w,)]})
    assert float(grads["w"]) == 2.0 and grads["rest"][0] is None
    assert float(grads["rest"][1][0]) == 2.0
    with kfront.GradientTape() as tape:
        y = ops.ones(())  # not computed from anything tracked
    assert tape.gradient(y, [w]) == [None]


def test_gradient_with_respect_to_intermediate_tensor():
    w = kfront.Variable(np.array([1.0, 2.0]))
    with kfront.GradientTape() as tape:
        h = w * 3.0
        parts = ops.split(ops.concatenate([h, h]), 2)
        y = ops.sum(ops.square(h)) + ops.sum(parts[1])
    gh, gp0, gp1, gw = tape.gradient(y, [h, parts[0], parts[1], w])
    np.testing.assert_allclose(_np(gh), 2 * np.array([3.0, 6.0]) + 1)
    assert gp0 is None  # unused output of split
    np.testing.assert_allclose(_np(gp1), [1.0, 1.0])
    np.testing.assert_allclose(_np(gw), 3 * _np(gh))


def test_output_gradients_seed():
    w = kfront.Variable(np.array([1.0, 2.0]))
    with kfront.GradientTape() as tape:
        y = w * w
    np.testing.assert_allclose(_np(tape.gradient(y, w, output_gradients=np.array([1.0, -3.0]))),
                               [2.0, -12.0])


def test_nested_tapes_both_record():
    w = kfront.Variable(2.0)
    with kfront.GradientTape() as outer:
        with kfront.GradientTape() as inner:
            y = w * w * w
        z = y + w
        assert float(inner.gradient(y, w)) == 12.0
    assert float(outer.gradient(z, w)) == 13.0


# ----------------------------------------------------------------------------- value_and_grad
def test_value_and_grad_nested_structures():
    def f(params, x):
        return ops.sum(ops.matmul(x, params["w"]) + params["b"][0]) * params["b"][1]

    params = {"w": np.ones((3, 2)), "b": [np.zeros(2), np.array(2.0)]}
    x = np.arange(6.0).reshape(2, 3)
    value, grads = ops.value_and_grad(f)(params, x)
    assert float(value) == 2 * np.sum(x @ np.ones((3, 2)))
    assert set(grads) == {"w", "b"} and isinstance(grads["b"], list)
    np.testing.assert_allclose(_np(grads["w"]), 2 * np.repeat(x.sum(0)[:, None], 2, 1))
    np.testing.assert_allclose(_np(grads["b"][0]), [4.0, 4.0])
    np.testing.assert_allclose(float(_np(grads["b"][1])), np.sum(x @ np.ones((3, 2))))
    value, (gp, gx) = ops.value_and_grad(f, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(_np(gx), 2 * np.ones((2, 3)) * 2)
    assert _np(gx).shape == x.shape


def test_value_and_grad_has_aux_and_unused_argument():
    def f(x, y):
        loss = ops.sum(ops.square(x))
        return loss, {"loss": loss, "double": ops.multiply(x, 2.0)}

    (value, aux), (gx, gy) = ops.value_and_grad(f, argnums=(0, 1), has_aux=True)(
        np.array([1.0, 2.0]), np.array([5.0]))
    assert float(value) == 5.0
    assert not isinstance(aux["double"], B.Tensor) and not isinstance(aux["loss"], B.Tensor)
    np.testing.assert_allclose(_np(aux["double"]), [2.0, 4.0])
    np.testing.assert_allclose(_np(gx), [2.0, 4.0])
    np.testing.assert_allclose(_np(gy), [0.0])  # unconnected argument: zeros, not None


def test_value_and_grad_variable_argument():
    w = kfront.Variable(np.array([1.0, 2.0]))
    value, g = ops.value_and_grad(lambda w: ops.sum(w * w))(w)
    np.testing.assert_allclose(_np(g), [2.0, 4.0])
    assert float(value) == 5.0


# ---------------------------------------------------------------------- blocking gradients
def test_stop_gradient_and_no_grad_block():
    x = np.array([1.0, 2.0])
    _, g = ops.value_and_grad(lambda x: ops.sum(x * ops.stop_gradient(x)))(x)
    np.testing.assert_allclose(_np(g), x)  # d/dx of x * const

    def f(x):
        with B.no_grad():
            c = ops.square(x)
            assert not isinstance(c, B.Tensor)
        return ops.sum(x * c)

    _, g = ops.value_and_grad(f)(x)
    np.testing.assert_allclose(_np(g), x ** 2)
    w = kfront.Variable(3.0)
    with kfront.GradientTape() as tape:
        with tape.stop_recording():
            c = w * w
        y = c * w
    assert float(tape.gradient(y, w)) == 9.0


# ---------------------------------------------------------------------------- graph walking
def test_value_with_several_consumers_accumulates():
    x = np.array([0.3, -1.2, 2.0])
    _, g = ops.value_and_grad(lambda x: ops.sum(x * x + ops.sin(x) + x + ops.square(x)[::-1][::-1]))(x)
    np.testing.assert_allclose(_np(g), 2 * x + np.cos(x) + 1 + 2 * x)


def test_deep_chain_backpropagates_without_recursion():
    n = 20_000
    assert n > sys.getrecursionlimit()

    def f(x):
        for _ in range(n):
            x = ops.add(ops.multiply(x, 1.0), 1e-4)
        return ops.sum(x)

    value, g = ops.value_and_grad(f)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(_np(value), 3.0 + 2 * n * 1e-4)
    np.testing.assert_allclose(_np(g), [1.0, 1.0])
    w = kfront.Variable(1.0)
    with kfront.GradientTape() as tape:
        y = w
        for _ in range(n):
            y = y * 1.0
    assert float(tape.gradient(y, w)) == 1.0
    del y, tape
    gc.collect()  # freeing the long graph must not recurse either


def test_split_with_unused_outputs():
    x = np.arange(6.0).reshape(2, 3)

    def f(x):
        a, b, c = ops.split(x, 3, axis=1)
        return ops.sum(b * 2.0)

    _, g = ops.value_and_grad(f)(x)
    np.testing.assert_allclose(_np(g), [[0, 2, 0], [0, 2, 0]])
    _, g = ops.value_and_grad(lambda x: ops.sum(ops.unstack(x)[1]))(x)
    np.testing.assert_allclose(_np(g), [[0, 0, 0], [1, 1, 1]])


def test_broadcast_gradients_reduce_to_input_shape():
    def f(a, b, c):
        return ops.sum(ops.sin(a * b + c))

    a, b, c = np.ones((2, 1, 3)), np.full((4, 1), 0.5), np.array(0.25)
    _, (ga, gb, gc) = ops.value_and_grad(f, argnums=(0, 1, 2))(a, b, c)
    assert _np(ga).shape == a.shape and _np(gb).shape == b.shape and _np(gc).shape == ()
    d = np.cos(a * b + c)
    np.testing.assert_allclose(_np(ga), (d * b).sum(1, keepdims=True))
    np.testing.assert_allclose(_np(gb), (d * a).sum((0, 2))[:, None])
    np.testing.assert_allclose(float(_np(gc)), d.sum())


# ------------------------------------------------------------------------------ boundaries
def test_outside_a_tape_ops_return_numpy_arrays():
    x = np.ones((2, 3))
    for out in [ops.add(x, 1.0), ops.softmax(x), ops.matmul(x, x.T), ops.getitem(x, 0),
                ops.reshape(x, (3, 2)), *ops.split(x, 3, axis=1), ops.convert_to_tensor(x),
                ops.categorical_crossentropy(x, x), ops.dropout(x, 0.5, seed=1)]:
        assert type(out) is np.ndarray, type(out)
    w = kfront.Variable(np.ones(3))
    assert type(w * 2.0) is np.ndarray and type(ops.square(w)) is np.ndarray
    with kfront.GradientTape():
        assert isinstance(ops.square(w), B.Tensor)
        assert type(ops.square(x)) is np.ndarray  # nothing tracked in: nothing recorded


def test_ops_without_gradient_are_not_recorded():
    w = kfront.Variable(np.array([[0.5, -1.0], [2.0, 0.1]]))
    with kfront.GradientTape() as tape:
        outs = [ops.argmax(w, axis=1), ops.argmin(w), ops.any(ops.greater(w, 1.0)), ops.all(w),
                ops.equal(w, w), ops.less(w, 0.0), ops.sign(w), ops.floor(w), ops.round(w),
                ops.isnan(w), ops.floor_divide(w, 2.0), ops.one_hot(ops.argmax(w, axis=1), 3),
                ops.logical_not(ops.greater(w, 0.0))]
        y = ops.sum(ops.take(w, ops.argmax(w, axis=None)))
    for out in outs:
        assert not isinstance(out, B.Tensor), out
    np.testing.assert_allclose(_np(tape.gradient(y, w)), [[0, 0], [1, 0]])
