"""Train-step compilation hook of the torch backend: ``torch.compile`` when asked to jit."""
from __future__ import annotations

from typing import Callable, Sequence

import torch


def compile_stateful(fn: Callable, variables: Sequence, jit: bool | str) -> Callable:
    """``fn`` itself, or with ``jit`` ``torch.compile(fn)``: the variables are torch tensors
    that ``fn`` reads and assigns in place, which torch.compile captures natively (see
    notes/CONTRACTS.md for the hook).

    Shapes stay static (``dynamic=False``): every train function shares one code object, so
    after two models with different shapes dynamo would trace the next one with symbolic
    sizes, which inductor's convolution lowering cannot always order (an InductorError).
    A new shape is a recompile, as with Keras's jit on TensorFlow and JAX."""
    return torch.compile(fn, dynamic=False) if jit else fn
