"""Sums of rows by index (the gradient of gathers such as ``take``): ``numpy.add.at`` adds one
row at a time through a slow generic loop. Ranking each row among the earlier rows of its index
(a stable sort) splits the rows into a few rounds of distinct indices, each one vectorized
gather-add-scatter: the same additions in the same order as ``add.at``, so the same bits.

Example:
    >>> import numpy as np
    >>> from kfront.backends.numpy.scatter import add_rows
    >>> add_rows(np, 3, np.array([2, 0, 2]), np.array([[1.0], [2.0], [3.0]])).tolist()
    [[2.0], [0.0], [4.0]]
"""
from __future__ import annotations

import numpy


def add_rows(xp, n: int, index, rows):
    """A (n, *rows.shape[1:]) array of zeros plus ``rows[i]`` at ``index[i]`` for every i
    (indices in [-n, n), repeats summed in order)."""
    out = xp.zeros((n,) + rows.shape[1:], rows.dtype)
    m = len(index)
    if xp is not numpy or rows.ndim < 2 or m < 64:
        xp.add.at(out, index, rows)
        return out
    index = numpy.where(index < 0, index + n, index)
    order = numpy.argsort(index, kind="stable")
    ordered = index[order]
    first = numpy.concatenate(([True], ordered[1:] != ordered[:-1]))
    position = numpy.arange(m)
    rank = numpy.empty(m, numpy.intp)
    rank[order] = position - numpy.maximum.accumulate(numpy.where(first, position, 0))
    rounds = int(rank.max()) + 1
    if rounds > _MAX_ROUNDS:  # (one index repeated very often: the plain loop is faster)
        xp.add.at(out, index, rows)
        return out
    for r in range(rounds):
        chosen = numpy.flatnonzero(rank == r) if rounds > 1 else slice(None)
        out[index[chosen]] += rows[chosen]
    return out


_MAX_ROUNDS = 32
