"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the jax backend, gradients by
JAX. Arguments arrive checked and of Keras's dtypes (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import jax.numpy as jnp

from kfront.backends.jax.core import array

__all__ = ["einsum"]


def einsum(subscripts, *operands):
    """``jnp.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return jnp.einsum(subscripts, *[array(x, "einsum") for x in operands])
