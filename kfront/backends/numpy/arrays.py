"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and searching, indexing, and products (einsum, outer, kron, ...) of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__: list[str] = []
