"""Train-step compilation hook of the torch backend: ``torch.compile`` when asked to jit."""
from __future__ import annotations

from typing import Callable, Sequence

import torch


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself, or with ``jit`` ``torch.compile(fn)``: the variables are torch tensors
    that ``fn`` reads and assigns in place, which torch.compile captures natively (see
    notes/CONTRACTS.md for the hook)."""
    return torch.compile(fn) if jit else fn
