"""Distribution hooks of the JAX backend: ``jax.distributed`` (CPU collectives through gloo)
and, in one process, meshes and shardings (``jax.sharding.Mesh`` / ``NamedSharding``).

After ``initialize`` every process holds one CPU device of a global device list; the
gradients are averaged by one jitted mean over a global array that stacks each process's flat
gradients (one row per process), outside the compiled train step (a cross-process collective
cannot run inside a single-device ``jax.jit``). In one process ``kfront.distribution`` lays
variables and batches out on a mesh of the local devices with the functions below, and
``jax.jit`` partitions the compiled step."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

# the all-reduce runs after the compiled step, on its gradients (see kfront.distribution)
REDUCES_IN_STEP = False
# the all-reduce raises its own clear error (see all_reduce_mean)
COLLECTIVE_ERRORS = ()


def list_devices(device_type: str | None) -> list[str]:
    """JAX's devices of ``device_type`` as ``"cpu:0"``, ... (every process's after a
    multi-process ``initialize``, as Keras on JAX lists them)."""
    try:
        devices = jax.devices(device_type)
    except RuntimeError:  # no such platform
        return []
    return [f"{d.platform}:{i}" for i, d in enumerate(devices)]


def initialize(addresses: list[str], num_processes: int, process_id: int,
               timeout: float) -> None:
    """Join the ``jax.distributed`` job whose coordinator listens at ``addresses[0]``; a
    process whose heartbeats stop for ``timeout`` seconds fails the others' collectives."""
    if jax.distributed.is_initialized():
        raise RuntimeError("initialize: this process already joined a jax.distributed job")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    seconds = max(int(timeout), 1)
    jax.distributed.initialize(addresses[0], num_processes, process_id,
                               initialization_timeout=seconds,
                               heartbeat_timeout_seconds=seconds)


def process_count() -> int:
    return jax.process_count()


def process_index() -> int:
    return jax.process_index()


@functools.lru_cache(maxsize=None)
def _row_mean():
    """The jitted mean over the process axis of a (processes, n) global array, replicated."""
    mesh = Mesh(np.array(jax.devices()), ("processes",))
    rows = NamedSharding(mesh, PartitionSpec("processes"))
    return rows, jax.jit(lambda a: jnp.mean(a, axis=0),
                         out_shardings=NamedSharding(mesh, PartitionSpec()))


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (JAX arrays) averaged across processes, one collective per
    dtype on their flat concatenation."""
    rows, mean = _row_mean()
    count, device = jax.process_count(), jax.local_devices()[0]
    out = list(grads)
    for dtype in dict.fromkeys(g.dtype for g in grads):
        members = [i for i, g in enumerate(grads) if g.dtype == dtype]
        flat = jnp.concatenate([jnp.ravel(grads[i]) for i in members])[None]
        stacked = jax.make_array_from_single_device_arrays(
            (count, flat.shape[1]), rows, [jax.device_put(flat, device)])
        try:
            reduced = mean(stacked).addressable_data(0).block_until_ready()
        except Exception as err:  # gloo reports a dead peer as ValueError / RuntimeError
            raise RuntimeError(f"DataParallel: the gradient all-reduce across {count} "
                               f"processes failed (a process died or timed out): {err}") from err
        start = 0
        for i in members:
            size = grads[i].size
            out[i] = reduced[start:start + size].reshape(grads[i].shape)
            start += size
    return out


# --------------------------------------------------------- meshes and shardings (one process)
def _device(name: str):
    """The JAX device that ``list_devices`` calls ``name`` (``"cpu:1"``, ``"gpu:0"``...)."""
    kind, _, index = str(name).partition(":")
    devices = {f"{d.platform}:{i}": d for i, d in enumerate(_devices_of(kind))}
    key = f"{kind}:{index or 0}"
    if key not in devices:
        raise ValueError(f"DeviceMesh: device {name!r} is not one of JAX's devices "
                         f"{sorted(devices)}")
    return devices[key]


def _devices_of(kind: str) -> list:
    try:
        return jax.devices(kind)
    except RuntimeError:  # no such platform
        return []


def to_backend_mesh(device_mesh) -> Mesh:
    """A kfront ``DeviceMesh`` as a ``jax.sharding.Mesh`` over the same devices and axes."""
    devices = np.array([_device(d) for d in device_mesh.devices.ravel()], dtype=object)
    return Mesh(devices.reshape(device_mesh.shape), tuple(device_mesh.axis_names))


def to_backend_layout(layout) -> NamedSharding:
    """A kfront ``TensorLayout`` (with its mesh) as a ``NamedSharding``."""
    return NamedSharding(layout.device_mesh.backend_mesh, PartitionSpec(*layout.axes))


def distribute_tensor(value, sharding: NamedSharding):
    """``value`` placed with ``sharding`` (``jax.device_put``; unchanged where it already is;
    a traced value gets a sharding constraint)."""
    if isinstance(value, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(value, sharding)
    if isinstance(value, jax.Array) and value.sharding.is_equivalent_to(sharding, value.ndim):
        return value
    return jax.device_put(value, sharding)
