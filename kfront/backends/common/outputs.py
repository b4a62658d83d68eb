"""The ``output_spec`` trainer hook of the eager backends (numpy, torch, tensorflow).

The trainer reads only the structure and shapes of a model's outputs before its first compiled
step; these backends run the model eagerly on one sample for that, which is cheap on them.
JAX traces it abstractly instead (``kfront/backends/jax/trainer.py``).

Example:
    >>> from kfront.backends.common.outputs import output_spec
    >>> output_spec(lambda x: [x, x], 1.0)
    [1.0, 1.0]
"""
from __future__ import annotations

from typing import Callable


def output_spec(fn: Callable, *args):
    """``fn(*args)`` itself: its outputs carry the structure and shapes asked for."""
    return fn(*args)
