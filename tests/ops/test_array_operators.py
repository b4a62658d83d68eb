"""Python operators between a plain array and a recorded tensor, as keras-io's "deep neural
decision forests" uses them: ``mu = ops.ones(...)`` then ``mu += probs`` / ``mu *= probs``
while gradients are recorded. On the native engine a creation op (and any untracked op) returns
a numpy array, and numpy refused augmented assignment with a tape Tensor; now the operator
gives the op's new value, recorded, as Keras-torch / -TF give a tracked tensor."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from conformance.support import backend  # noqa: F401,F811  (pytest fixture)
from kfront import ops
from kfront.backends import B

W = np.array([[0.5, -0.2, 0.1], [0.1, 0.3, -0.4]], "float32")
X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7], [2.0, 1.0]], "float32")


def _forest_like(ops, w):
    """Creation ops updated in place by tracked tensors, every augmented operator."""
    probs = ops.sigmoid(ops.matmul(X, w))
    mu = ops.ones((4, 3))
    mu += probs
    mu *= probs
    z = ops.zeros((4, 3))
    z -= probs
    o = ops.ones_like(probs)
    o /= probs
    f = ops.full((4, 3), 2.0)
    f **= probs
    a = ops.arange(3, dtype="float32")
    a = a * probs
    e = ops.eye(2)
    e @= w
    return sum(ops.sum(t * t) for t in (mu, z, o, f, a, e))


def _keras_tf(keras):
    import tensorflow as tf
    w = tf.Variable(W)
    with tf.GradientTape() as tape:
        loss = _forest_like(keras.ops, w)
    return float(loss), tape.gradient(loss, w).numpy()


def test_augmented_assignment_on_created_arrays_is_recorded(keras, backend):  # noqa: F811
    """Value and gradient of every backend against Keras-TF (tf.GradientTape)."""
    w = kfront.Variable(W)
    loss, (grad,) = B.variables_value_and_grad(lambda: _forest_like(ops, w), [w])
    want_loss, want_grad = _keras_tf(keras)
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss)), want_loss, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), want_grad, rtol=1e-5, atol=1e-6)


@pytest.fixture
def native():
    if kfront.backends.active_name() != "numpy":
        pytest.skip("the native engine's own tensors are numpy arrays")


def test_numpy_array_left_of_a_tape_tensor_gives_a_new_recorded_value(native):
    w = kfront.Variable(W)
    left = np.ones((4, 3), "float32")
    with kfront.GradientTape() as tape:
        probs = ops.matmul(X, w)
        mu = left
        mu += probs
        mu = np.float32(2.0) * mu
        mu -= w[0]
        loss = ops.sum(mu)
    assert type(mu) is kfront.backends.numpy.Tensor
    np.testing.assert_array_equal(left, np.ones((4, 3), "float32"))  # not written in place
    np.testing.assert_allclose(ops.convert_to_numpy(loss), np.sum(2 * (1 + X @ W) - W[0]),
                               rtol=1e-6)
    want = 2 * np.repeat(X.sum(0)[:, None], 3, 1) - np.array([[4.0] * 3, [0.0] * 3])
    np.testing.assert_allclose(ops.convert_to_numpy(tape.gradient(loss, w)), want, rtol=1e-6)


def test_other_ufunc_calls_on_a_tape_tensor_still_raise(native):
    with kfront.GradientTape():
        t = ops.matmul(X, kfront.Variable(W))
        with pytest.raises(TypeError, match="NotImplemented"):
            np.add(np.ones((4, 3), "float32"), t, out=np.empty((4, 3), "float32"))
        with pytest.raises(TypeError, match="NotImplemented"):
            np.exp(t)


def test_numpy_array_augmented_by_a_variable(backend):  # noqa: F811
    """``arr += var`` raised on every backend; Keras computes it (as ``arr + var``)."""
    v = kfront.Variable(np.array([1.0, 2.0], "float32"))
    a = np.array([0.5, -1.0], "float32")
    a += v
    a *= v
    np.testing.assert_allclose(ops.convert_to_numpy(a), [1.5, 2.0])
    b = np.ones(2, "float32")
    assert (b == v) is False and (b != v) is True and b not in [v]  # identity, as before
