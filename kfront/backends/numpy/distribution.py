"""Distribution hooks of the native engine: the process group and all-reduce of the torch
backend's hooks (torch.distributed's gloo), on NumPy gradients shared with torch tensors."""
from __future__ import annotations

import numpy as np

from kfront.backends.torch.distribution import (COLLECTIVE_ERRORS, REDUCES_IN_STEP,
                                                all_reduce_mean_torch, initialize, list_devices,
                                                process_count, process_index)

__all__ = ["COLLECTIVE_ERRORS", "REDUCES_IN_STEP", "all_reduce_mean", "initialize",
           "list_devices", "process_count", "process_index"]


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (NumPy arrays) averaged across processes."""
    import torch
    tensors = [torch.from_numpy(np.ascontiguousarray(g)) for g in grads]
    return [t.numpy() for t in all_reduce_mean_torch(tensors)]
