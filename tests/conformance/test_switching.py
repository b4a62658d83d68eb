"""Switching backends at run time: objects built before a switch refuse to run after it."""
from __future__ import annotations

import numpy as np
import pytest

import kfront
from kfront import layers

from conformance.support import activate


@pytest.mark.parametrize("other", ["torch", "tensorflow", "jax"])
def test_objects_built_before_a_switch_raise_a_clear_error(other):
    kfront.config.set_backend("numpy")
    model = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
    variable = kfront.Variable(np.ones(2, "float32"))
    activate(other)
    try:
        assert kfront.config.backend() == other
        with pytest.raises(RuntimeError, match="another backend|set_backend"):
            model.predict(np.ones((1, 3), "float32"), verbose=0)
        with pytest.raises(RuntimeError, match="another backend|set_backend"):
            variable.assign(np.zeros(2, "float32"))
        rebuilt = kfront.Sequential([layers.Input((3,)), layers.Dense(2)])
        assert rebuilt.predict(np.ones((1, 3), "float32"), verbose=0).shape == (1, 2)
    finally:
        kfront.config.set_backend("numpy")


FRAMEWORKS = {"torch": lambda a: __import__("torch").from_numpy(a),
              "tensorflow": lambda a: __import__("tensorflow").constant(a),
              "jax": lambda a: __import__("jax").numpy.asarray(a)}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_a_tensor_of_another_framework_is_read_as_data(backend, framework):
    """As Keras 3 on every backend (its ops read a torch/tf/jax tensor through the array
    protocol): an eager tensor of another framework is data, the result is the active backend's
    own tensor, and a Variable takes it; a symbolic one (a JAX tracer, a TF graph tensor) is a
    clear error naming the op and the framework."""
    if framework == backend:
        pytest.skip("the active backend's own tensors are not foreign")
    pytest.importorskip(framework)
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], "float32")
    t = FRAMEWORKS[framework](a)
    own = kfront.ops.add(np.zeros(1, "float32"), 0.0)  # a tensor of the active backend
    for got, want in [(kfront.ops.add(t, 1.0), a + 1.0), (kfront.ops.sum(t, axis=1), a.sum(1)),
                      (kfront.ops.matmul(t, a.T), a @ a.T), (kfront.ops.relu(t), np.maximum(a, 0)),
                      (kfront.ops.reshape(t, [-1]), a.reshape(-1)),
                      (kfront.ops.convert_to_tensor(t), a)]:
        assert type(got) is type(own), (type(got), type(own))
        np.testing.assert_allclose(kfront.ops.convert_to_numpy(got), want, rtol=1e-6)
    np.testing.assert_array_equal(kfront.ops.convert_to_numpy(t), a)
    v = kfront.Variable(np.zeros((2, 3), "float32"))
    v.assign(t)
    np.testing.assert_array_equal(v.numpy(), a)
    if framework == "jax":
        import jax
        with pytest.raises((TypeError, ValueError), match=r"add.*got a jax tensor"):
            jax.jit(lambda x: kfront.ops.add(x, 1.0))(t)
    if framework == "tensorflow":
        import tensorflow as tf
        with pytest.raises((TypeError, ValueError), match=r"add.*got a tensorflow tensor"):
            tf.function(lambda x: kfront.ops.add(x, 1.0))(t)
