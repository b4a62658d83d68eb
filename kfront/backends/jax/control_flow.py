"""Control-flow and core ops (cond, switch, while_loop, fori_loop, scan, associative_scan, map, vectorized_map, custom_gradient, slice, slice_update, scatter, ...) of the jax backend."""
from __future__ import annotations

__all__: list[str] = []
