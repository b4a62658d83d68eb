"""Numpy-style array ops: creation, shape manipulation, stacking and splitting, sorting and searching, indexing, and products (einsum, outer, kron, ...). Re-exported by ``kfront.ops`` and ``kfront.ops.numpy``."""
from __future__ import annotations

__all__: list[str] = []
