"""int8 GEMM of the JAX backend (``quantized_matmul``: int8 x int8 -> int32)."""
from __future__ import annotations

import jax.numpy as jnp

from kfront.backends.jax.core import convert_to_tensor

__all__ = ["quantized_matmul"]


def quantized_matmul(x, y, dtype="int32"):
    """``x @ y`` for int8 ``x`` (..., K) and ``y`` (K, N), exactly (XLA's int8 dot with an
    int32 accumulator), as ``dtype``."""
    return jnp.matmul(convert_to_tensor(x), convert_to_tensor(y),
                      preferred_element_type=jnp.int32).astype(dtype)
