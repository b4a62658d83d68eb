"""Distribution hooks of the native engine: the process group and all-reduce of the torch
backend's hooks (torch.distributed's gloo), on NumPy gradients shared with torch tensors.

torch is imported only when one of these hooks runs (a multi-process job, or listing devices),
never by ``fit`` itself: the native engine alone needs nothing but NumPy."""
from __future__ import annotations

import numpy as np

__all__ = ["COLLECTIVE_ERRORS", "REDUCES_IN_STEP", "all_reduce_mean", "initialize",
           "list_devices", "process_count", "process_index"]

# the all-reduce runs inside the train step (see kfront.distribution)
REDUCES_IN_STEP = True
# the all-reduce raises its own clear error (see the torch backend's all_reduce_mean)
COLLECTIVE_ERRORS = ()


def _torch_hooks():
    from kfront.backends.torch import distribution
    return distribution


def list_devices(device_type: str | None) -> list[str]:
    """The torch backend's answer: ``"cpu:i"`` per process of the job, or the CUDA devices."""
    return _torch_hooks().list_devices(device_type)


def initialize(addresses: list[str], num_processes: int, process_id: int,
               timeout: float) -> None:
    """Join the torch backend's gloo process group (see its ``initialize``)."""
    _torch_hooks().initialize(addresses, num_processes, process_id, timeout)


def process_count() -> int:
    return _torch_hooks().process_count()


def process_index() -> int:
    return _torch_hooks().process_index()


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (NumPy arrays) averaged across processes."""
    import torch
    tensors = [torch.from_numpy(np.ascontiguousarray(g)) for g in grads]
    return [t.numpy() for t in _torch_hooks().all_reduce_mean_torch(tensors)]
