"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the jax backend."""
from __future__ import annotations

__all__: list[str] = []
