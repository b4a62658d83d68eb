"""Reductions of a bare Python scalar (``ops.sum(3)``): Keras converts it first (int -> int32,
float -> floatx), so ``sum``/``max``/``min``/``amax``/``amin``/``prod``/``mean`` give a 0-d
tensor of Keras's dtype; kfront's native ``sum`` raised on an int and ``max``/``min`` gave
int64 on every backend. The other reductions (and ``argsort``) are checked likewise."""
from __future__ import annotations

import numpy as np
import pytest

from conformance.support import backend  # noqa: F401,F811  (pytest fixture)
from kfront import ops


@pytest.mark.parametrize("value", [3, 2.5, True])
@pytest.mark.parametrize("name", [
    "sum", "max", "min", "amax", "amin", "prod", "mean", "var", "std", "all", "any", "argmax",
    "argmin", "median", "count_nonzero", "average", "nansum", "nanmean", "nanmax", "nanmin",
    "nanprod", "cumsum", "cumprod", "argsort"])
def test_reduction_of_python_scalar_matches_keras(keras, backend, name, value):  # noqa: F811
    """``argsort(3)`` raised in kfront; Keras on numpy/TF/JAX gives [0] (torch: 0-d 0)."""
    expected = np.asarray(getattr(keras.ops, name)(value))
    got = ops.convert_to_numpy(getattr(ops, name)(value))
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert str(got.dtype) == str(expected.dtype), (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected)
