"""Distribution hooks of the TensorFlow backend: ``tf.distribute.MultiWorkerMirroredStrategy``
(``TF_CONFIG`` on the job's addresses) sets up the cluster, its gRPC servers and its peer
health checks; the gradients are averaged by ``CollectiveReduceV2`` ops inside the compiled
train step (they run eagerly too), with the strategy's timeout."""
from __future__ import annotations

import json
import os

import tensorflow as tf

# the all-reduce runs inside the (compiled) train step (see kfront.distribution)
REDUCES_IN_STEP = True
# what a failed collective (dead peer, timeout) raises from a compiled step
COLLECTIVE_ERRORS = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError)
_JOB: dict = {"count": 1, "index": 0, "timeout": 0.0, "strategy": None, "instance": 0}


def list_devices(device_type: str | None) -> list[str]:
    """TensorFlow's logical devices of ``device_type`` as ``"cpu:0"``, ... (every worker's
    after a multi-process ``initialize``)."""
    kinds = [device_type.upper()] if device_type else ["GPU", "CPU"]
    for kind in kinds:
        devices = tf.config.list_logical_devices(kind)
        if devices:
            return [f"{kind.lower()}:{i}" for i in range(len(devices))]
    return []


def initialize(addresses: list[str], num_processes: int, process_id: int,
               timeout: float) -> None:
    """Start this process's worker of a ``MultiWorkerMirroredStrategy`` cluster: the workers
    are ``addresses`` (one per process), or, given one ``host:port``, ``host:port+i`` for
    process ``i``. Collectives fail after ``timeout`` seconds, or as soon as the strategy's
    health check sees a dead peer."""
    if _JOB["strategy"] is not None:
        raise RuntimeError("initialize: this process already joined a TensorFlow cluster")
    if len(addresses) == 1 and num_processes > 1:
        host, port = addresses[0].rsplit(":", 1)
        addresses = [f"{host}:{int(port) + i}" for i in range(num_processes)]
    if len(addresses) != num_processes:
        raise ValueError(f"initialize: TensorFlow needs one address per process: got "
                         f"{len(addresses)} addresses {addresses} for {num_processes} processes")
    os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": list(addresses)},
                                          "task": {"type": "worker", "index": process_id}})
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.RING,
        timeout_seconds=timeout)
    _JOB.update(strategy=tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=options), count=num_processes, index=process_id, timeout=timeout)


def process_count() -> int:
    return _JOB["count"]


def process_index() -> int:
    return _JOB["index"]


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (TF tensors) averaged across the workers, one
    ``CollectiveReduceV2`` per dtype on their flat concatenation. Every process makes the same
    calls (or traces) in the same order, so a counter gives matching instance keys."""
    out = list(grads)
    for dtype in dict.fromkeys(g.dtype for g in grads):
        members = [i for i, g in enumerate(grads) if g.dtype == dtype]
        flat = tf.concat([tf.reshape(grads[i], [-1]) for i in members], axis=0)
        _JOB["instance"] += 1
        reduced = tf.raw_ops.CollectiveReduceV2(
            input=flat, group_size=_JOB["count"], group_key=1,
            instance_key=_JOB["instance"], ordering_token=[], merge_op="Add", final_op="Div",
            communication_hint="ring", timeout_seconds=_JOB["timeout"])
        start = 0
        for i in members:
            size = grads[i].shape.num_elements()  # variables' gradients: static shapes
            out[i] = tf.reshape(reduced[start:start + size], grads[i].shape)
            start += size
    return out
