"""Distribution hooks of the torch backend: a ``torch.distributed`` gloo process group (also
used by the native engine, see ``kfront/backends/numpy/distribution.py``)."""
from __future__ import annotations

import datetime

import torch
import torch.distributed as dist


def list_devices(device_type: str | None) -> list[str]:
    """``"cpu:i"`` per process of the job (one when not initialized), or the CUDA devices."""
    if device_type == "gpu" or (device_type is None and torch.cuda.is_available()):
        return [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    if device_type == "tpu":
        return []
    return [f"cpu:{i}" for i in range(process_count())]


# the all-reduce runs inside the train step (see kfront.distribution)
REDUCES_IN_STEP = True
# the all-reduce raises its own clear error (see all_reduce_mean)
COLLECTIVE_ERRORS = ()


def initialize(addresses: list[str], num_processes: int, process_id: int,
               timeout: float) -> None:
    """Join the gloo process group whose rank 0 listens at ``addresses[0]`` (``host:port``)."""
    if dist.is_initialized():
        raise RuntimeError("initialize: this process already joined a torch.distributed group")
    dist.init_process_group("gloo", init_method=f"tcp://{addresses[0]}", world_size=num_processes,
                            rank=process_id, timeout=datetime.timedelta(seconds=timeout))


def process_count() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def process_index() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def all_reduce_mean_torch(tensors: list) -> list:
    """The tensors averaged across processes: one flat all-reduce of their concatenation."""
    flat = torch.cat([t.detach().reshape(-1) for t in tensors])
    try:
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    except RuntimeError as err:
        raise RuntimeError(f"DataParallel: the gradient all-reduce across {process_count()} "
                           f"processes failed (a process died or timed out): {err}") from err
    flat /= process_count()
    out, start = [], 0
    for t in tensors:
        out.append(flat[start:start + t.numel()].reshape(t.shape).to(t.dtype))
        start += t.numel()
    return out


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (torch tensors) averaged across processes."""
    return all_reduce_mean_torch(grads)
