"""int8 GEMM of the torch backend (``quantized_matmul``: int8 x int8 -> int32)."""
from __future__ import annotations

import torch

from kfront.backends.torch.core import convert_to_tensor

__all__ = ["quantized_matmul"]


def quantized_matmul(x, y, dtype="int32"):
    """``x @ y`` for int8 ``x`` (..., K) and ``y`` (K, N), exactly (int32), as ``dtype``."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    return torch.matmul(x.to(torch.int32), y.to(torch.int32)).to(getattr(torch, dtype))
