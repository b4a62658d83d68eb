"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile, average, cumulative products, correlation) of the native engine, each with its gradient rule next to its forward."""
from __future__ import annotations

__all__: list[str] = []
