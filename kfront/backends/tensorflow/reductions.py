"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile, average, cumulative products, correlation) of the tensorflow backend."""
from __future__ import annotations

__all__: list[str] = []
