"""Elementwise numpy-style ops (trigonometric and hyperbolic functions, logs and exponentials of other bases, bitwise ops, rounding, comparisons such as isclose, complex parts) of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__: list[str] = []
