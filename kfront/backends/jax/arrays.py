"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and searching, indexing, and products (einsum, outer, kron, ...) of the jax backend."""
from __future__ import annotations

__all__: list[str] = []
