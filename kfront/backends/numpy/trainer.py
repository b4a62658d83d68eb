"""Train-step compilation hook of the native engine: it runs eagerly, so there is nothing to do."""
from __future__ import annotations

from typing import Callable, Sequence


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself: the native engine has no compiler (see notes/CONTRACTS.md for the hook)."""
    return fn
