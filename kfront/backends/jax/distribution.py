"""Distribution hooks of the JAX backend: device listing; multi-process training is not done
(single process: ``kfront.distribution`` uses one process and no all-reduce)."""
from __future__ import annotations

import jax


def list_devices(device_type: str | None) -> list[str]:
    """JAX's local devices of ``device_type`` as ``"cpu:0"``, ..."""
    try:
        devices = jax.local_devices(backend=device_type)
    except RuntimeError:  # no such platform
        return []
    return [f"{d.platform}:{d.id}" for d in devices]


def initialize(coordinator: str, num_processes: int, process_id: int, timeout: float) -> None:
    raise NotImplementedError("kfront.distribution.initialize: multi-process training on the "
                              "JAX backend is not implemented; use the torch backend or the "
                              "native engine (torch.distributed gloo), or Keras 3 on JAX "
                              "(jax.distributed.initialize, keras.distribution)")
