"""Layers that only move their input's elements (Reshape, Flatten, Permute, Identity) keep a
non-float input's dtype in their symbolic output, as Keras 3's ``compute_output_spec`` does
(float inputs take the layer's compute dtype, as everywhere); other layers (RepeatVector,
Dense) give the compute dtype. Eager results agree with the symbolic dtype."""
from __future__ import annotations

import numpy as np
import pytest

import kfront

DTYPES = ("string", "int32", "bool", "float64")
LAYERS = {"Reshape": lambda L: L.Reshape((3, 1)), "Flatten": lambda L: L.Flatten(),
          "Identity": lambda L: L.Identity(), "Permute": lambda L: L.Permute((1,)),
          "RepeatVector": lambda L: L.RepeatVector(2)}


def _symbolic_dtype(lib, name: str, dtype: str) -> str:
    return str(LAYERS[name](lib.layers)(lib.Input(shape=(3,), dtype=dtype)).dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_symbolic_dtype_equals_keras(keras, backend, name, dtype):
    assert _symbolic_dtype(kfront, name, dtype) == _symbolic_dtype(keras, name, dtype)


@pytest.mark.parametrize("dtype", ["int32", "bool", "float64"])
@pytest.mark.parametrize("name", ["Reshape", "Flatten", "Identity", "Permute"])
def test_eager_dtype_equals_the_symbolic_one(backend, name, dtype):
    out = LAYERS[name](kfront.layers)(np.ones((2, 3), dtype))
    assert kfront.ops.dtype(out) == _symbolic_dtype(kfront, name, dtype)
