"""Distribution hooks of the TensorFlow backend: device listing; multi-process training is not
done (single process: ``kfront.distribution`` uses one process and no all-reduce)."""
from __future__ import annotations

import tensorflow as tf


def list_devices(device_type: str | None) -> list[str]:
    """TensorFlow's logical devices of ``device_type`` as ``"cpu:0"``, ..."""
    kinds = [device_type.upper()] if device_type else ["GPU", "CPU"]
    for kind in kinds:
        devices = tf.config.list_logical_devices(kind)
        if devices:
            return [f"{kind.lower()}:{i}" for i in range(len(devices))]
    return []


def initialize(coordinator: str, num_processes: int, process_id: int, timeout: float) -> None:
    raise NotImplementedError("kfront.distribution.initialize: multi-process training on the "
                              "TensorFlow backend is not implemented; use the torch backend or "
                              "the native engine (torch.distributed gloo), or "
                              "tf.distribute.MultiWorkerMirroredStrategy")
