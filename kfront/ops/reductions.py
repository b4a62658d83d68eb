"""Numpy-style reductions and statistics (prod, nan-reductions, median, quantile, percentile, average, cumulative products, correlation). Re-exported by ``kfront.ops`` and ``kfront.ops.numpy``."""
from __future__ import annotations

__all__: list[str] = []
