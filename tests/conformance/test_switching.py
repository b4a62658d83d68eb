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


def test_a_tensor_of_another_backend_is_a_clear_error(backend):
    """An op given a tensor made by a different framework names both frameworks."""
    if backend == "numpy":
        pytest.skip("the native engine's foreign-tensor errors are tested in test_autodiff.py")
    tensor = kfront.ops.ones((2,))
    kfront.config.set_backend("numpy")
    try:
        with pytest.raises(TypeError, match="numpy"):
            kfront.ops.add(tensor, 1.0)
    finally:
        activate(backend)
