"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and
searching, indexing, and products (einsum, outer, kron, ...) of the jax backend, gradients by
JAX. Arguments arrive checked and of Keras's dtypes (``kfront/ops/arrays.py``)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy

from kfront.backends.jax.core import array

__all__ = ["argsort", "einsum", "searchsorted", "sort", "view"]


def einsum(subscripts, *operands):
    """``jnp.einsum`` with explicit subscripts (``"ij,jk->ik"``)."""
    return jnp.einsum(subscripts, *[array(x, "einsum") for x in operands])


def sort(x, axis=-1):
    """Sorted along ``axis``: a concrete array (nothing traces it: no jit, no gradient) on one
    CPU device is sorted by NumPy (the native engine's sort, the same values; XLA's CPU sort
    is several times slower), otherwise by ``jnp.sort`` (stable: the native gradient's order
    of ties); gradient by JAX."""
    x = array(x, "sort")
    if not isinstance(x, jax.core.Tracer) and x.dtype.kind in "fiu":
        devices = x.devices()
        if len(devices) == 1 and next(iter(devices)).platform == "cpu":
            return jax.device_put(numpy.sort(numpy.asarray(x), axis=axis), *devices)
    return jnp.sort(x, axis=axis, stable=True)


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable). No gradient."""
    return jnp.argsort(jax.lax.stop_gradient(array(x, "argsort")), axis=axis, stable=True)


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion points of ``values`` in the 1-D ``sorted_sequence``. No gradient."""
    return jax.lax.stop_gradient(jnp.searchsorted(array(sorted_sequence, "searchsorted"),
                                                  array(values, "searchsorted"), side=side))


def view(x, dtype):
    """The bits of ``x`` read as ``dtype`` (the last axis rescaled by the item sizes)."""
    return jax.lax.stop_gradient(array(x, "view")).view(dtype)
