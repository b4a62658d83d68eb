"""Keras 3's ``keras.distribution`` API: device meshes, layouts and data-parallel training.

Data parallelism runs on existing engines, never a home-made one: ``torch.distributed`` (gloo
on CPU) for the torch backend and for the native engine (its gradients are all-reduced through
torch's gloo as NumPy-backed tensors), ``jax.distributed`` (gloo CPU collectives) for JAX and
``MultiWorkerMirroredStrategy``'s collective ops for TensorFlow. Each process takes its shard
of every global batch, gradients are averaged across processes before the optimizer step, so
the weights stay identical. Launch with ``torchrun`` (or set ``MASTER_ADDR``/``MASTER_PORT``/
``RANK``/``WORLD_SIZE``, or Keras's ``KERAS_DISTRIBUTION_*`` variables) and call
``initialize()``.

On JAX in one process with several local devices (GPUs, or CPU devices forced with
``XLA_FLAGS=--xla_force_host_platform_device_count=N``) the arrays themselves are laid out, as
in Keras 3: each Variable gets a ``jax.sharding.NamedSharding`` when its layer creates it
(``ModelParallel``: the ``LayoutMap`` entry its path matches, else replicated; ``DataParallel``:
replicated), optimizer slots take their variable's layout, every batch ``fit``, ``evaluate``
and ``predict`` run is split along the mesh's batch axis, and ``jax.jit`` partitions the
compiled step (XLA inserts the collectives). ``ModelParallel`` exists on JAX only (Keras 3's
other backends ignore its layouts; kfront raises).

Example:
    >>> from kfront import distribution
    >>> mesh = distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
    >>> dp = distribution.DataParallel(device_mesh=mesh)
    >>> with dp.scope():
    ...     distribution.distribution() is dp
    True
    >>> distribution.distribution() is None
    True
"""
from __future__ import annotations

import contextlib
import importlib
import math
import os
import re
from collections.abc import MutableMapping
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["DataParallel", "DeviceMesh", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize",
           "list_devices", "set_distribution"]

DEFAULT_BATCH_DIM_NAME = "batch"
_STATE: dict = {"distribution": None, "initialized": False}


def _hooks():
    """The active backend's distribution hooks (``kfront/backends/<name>/distribution.py``)."""
    from kfront import config
    return importlib.import_module(f"kfront.backends.{config.backend()}.distribution")


# ------------------------------------------------------------------------------- devices
def list_devices(device_type: str | None = None) -> list[str]:
    """The devices of ``device_type`` (``"cpu"``, ``"gpu"``; default: the backend's preferred
    kind) as strings ``"cpu:0"``, ... After a multi-process ``initialize()`` on CPU, one device
    per process (the global list, as Keras on JAX lists every host's devices).

    Example:
        >>> from kfront import distribution
        >>> distribution.list_devices("cpu")[0]
        'cpu:0'
    """
    if device_type is not None:
        device_type = str(device_type).lower()
        if device_type not in ("cpu", "gpu", "tpu"):
            raise ValueError("list_devices: `device_type` must be 'cpu', 'gpu' or 'tpu', "
                             f"got {device_type!r}")
    return list(_hooks().list_devices(device_type))


def get_device_count(device_type: str | None = None) -> int:
    """How many devices ``list_devices(device_type)`` lists.

    Example:
        >>> from kfront import distribution
        >>> distribution.get_device_count("cpu") >= 1
        True
    """
    return len(list_devices(device_type))


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"initialize: environment variable {name} must be an integer, "
                         f"got {value!r}") from None


def initialize(job_addresses: str | None = None, num_processes: int | None = None,
               process_id: int | None = None) -> None:
    """Join a multi-process job (Keras 3's signature). Each argument defaults to Keras's
    environment variable (``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``..._NUM_PROCESSES``,
    ``..._PROCESS_ID``), then to torchrun's (``MASTER_ADDR:MASTER_PORT``, ``WORLD_SIZE``,
    ``RANK``). ``job_addresses``: comma-separated ``host:port``; the first is the coordinator.
    The torch backend and the native engine join a ``torch.distributed`` gloo group; JAX calls
    ``jax.distributed.initialize`` (CPU collectives through gloo); TensorFlow starts a
    ``MultiWorkerMirroredStrategy`` worker (its ``TF_CONFIG`` lists one address per process:
    ``job_addresses`` gives them all, or one ``host:port`` means ``host:port+i`` for process
    ``i``). The timeout, in seconds, comes from ``KFRONT_DISTRIBUTION_TIMEOUT`` (default 300):
    a dead peer makes the others fail after it. Call it before any other work of the
    framework (JAX and TensorFlow set up their runtimes here). Processes of the job on one
    host share its cores: each runs its thread pools on its share, unless the user set their
    thread counts (``kfront/distribution/cores.py``).

    Example:
        >>> from kfront import distribution
        >>> distribution.initialize("127.0.0.1:1234", num_processes=0, process_id=0)
        Traceback (most recent call last):
        ...
        ValueError: initialize: `num_processes` must be a positive integer, got 0
    """
    if job_addresses is None:
        job_addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None:
        num_processes = _env_int("KERAS_DISTRIBUTION_NUM_PROCESSES")
    if process_id is None:
        process_id = _env_int("KERAS_DISTRIBUTION_PROCESS_ID")
    if job_addresses is None and "MASTER_ADDR" in os.environ:
        job_addresses = f"{os.environ['MASTER_ADDR']}:{os.environ.get('MASTER_PORT', '29500')}"
    if num_processes is None:
        num_processes = _env_int("WORLD_SIZE")
    if process_id is None:
        process_id = _env_int("RANK")
    if num_processes is None or process_id is None or not job_addresses:
        raise ValueError("initialize: `job_addresses`, `num_processes` and `process_id` are "
                         "needed (arguments, KERAS_DISTRIBUTION_* or torchrun's environment "
                         f"variables); got {job_addresses!r}, {num_processes!r}, {process_id!r}")
    if not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError("initialize: `num_processes` must be a positive integer, "
                         f"got {num_processes!r}")
    if not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise ValueError(f"initialize: `process_id` must be in [0, {num_processes}) for "
                         f"num_processes={num_processes}, got {process_id!r}")
    addresses = [a.strip() for a in str(job_addresses).split(",")]
    if not all(re.fullmatch(r"[^:\s]+:\d+", a) for a in addresses):
        raise ValueError("initialize: `job_addresses` must be 'host:port[,host:port...]', "
                         f"got {job_addresses!r}")
    timeout = float(os.environ.get("KFRONT_DISTRIBUTION_TIMEOUT", "300"))
    from kfront.distribution import cores
    cores.before_join(addresses, num_processes)
    _hooks().initialize(addresses, num_processes, process_id, timeout)
    cores.after_join()
    _STATE["initialized"] = True


def _process_count() -> int:
    """The job's process count (1 before ``initialize``)."""
    return _hooks().process_count() if _STATE["initialized"] else 1


def _process_index() -> int:
    """This process's index in the job (0 before ``initialize``)."""
    return _hooks().process_index() if _STATE["initialized"] else 0


def is_chief() -> bool:
    """Saving hook: does this process write checkpoints and saved models (process 0, or the
    only one)? The others skip ``model.save``, ``save_weights`` and the checkpoint callbacks."""
    return _process_index() == 0


# ------------------------------------------------------------------------------ layouts
class DeviceMesh:
    """A grid of devices with named axes.

    Args:
        shape: the mesh's shape, e.g. ``(8,)`` or ``(2, 4)``.
        axis_names: one name per axis of ``shape``.
        devices: the devices (strings), as many as the mesh holds (default: ``list_devices()``).

    Example:
        >>> from kfront.distribution import DeviceMesh
        >>> DeviceMesh((2, 1), ["batch", "model"], devices=["cpu:0", "cpu:1"]).shape
        (2, 1)
    """

    def __init__(self, shape: Sequence[int], axis_names: Sequence[str],
                 devices: Sequence[str] | None = None) -> None:
        if not shape or not axis_names:
            raise ValueError("DeviceMesh: `shape` and `axis_names` must not be empty, got "
                             f"shape={shape!r}, axis_names={axis_names!r}")
        shape = tuple(int(s) for s in shape)
        axis_names = [str(a) for a in axis_names]
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: `shape` {shape} has {len(shape)} axes but "
                             f"`axis_names` {axis_names} has {len(axis_names)} names")
        devices = np.array(list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(f"DeviceMesh: `shape` {shape} holds {math.prod(shape)} devices but "
                             f"{devices.size} devices were given: {devices.ravel().tolist()}")
        self._shape, self._axis_names = shape, axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> list[str]:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        """The devices, a NumPy array of strings shaped like the mesh."""
        return self._devices

    @property
    def backend_mesh(self):
        """The backend's mesh object: a ``jax.sharding.Mesh`` on JAX (made once); the other
        backends have none (NotImplementedError)."""
        if "_backend_mesh" not in self.__dict__:
            self._backend_mesh = _layout_hooks("DeviceMesh.backend_mesh").to_backend_mesh(self)
        return self._backend_mesh

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How a tensor's axes map onto a ``DeviceMesh``'s axes (``None``: replicated).

    Example:
        >>> from kfront.distribution import DeviceMesh, TensorLayout
        >>> mesh = DeviceMesh((1,), ["batch"], devices=["cpu:0"])
        >>> TensorLayout(["batch", None], mesh).axes
        ('batch', None)
    """

    def __init__(self, axes: Sequence[str | None], device_mesh: DeviceMesh | None = None) -> None:
        self._axes = tuple(axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    @property
    def axes(self) -> tuple:
        return self._axes

    @property
    def device_mesh(self) -> DeviceMesh | None:
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh: DeviceMesh) -> None:
        if self._device_mesh is not None:
            raise ValueError("TensorLayout: `device_mesh` is already set, cannot set it again")
        for axis in self._axes:
            if axis is not None and axis not in device_mesh.axis_names:
                raise ValueError(f"TensorLayout: axis {axis!r} is not one of the mesh's "
                                 f"axis_names {device_mesh.axis_names}")
        self._device_mesh = device_mesh

    @property
    def backend_layout(self):
        """The backend's sharding: a ``jax.sharding.NamedSharding`` on JAX (made once); the
        other backends have none (NotImplementedError)."""
        if "_backend_layout" not in self.__dict__:
            hooks = _layout_hooks("TensorLayout.backend_layout")
            if self._device_mesh is None:
                raise ValueError(f"TensorLayout.backend_layout: the layout {self._axes} has no "
                                 "device_mesh; set one first")
            self._backend_layout = hooks.to_backend_layout(self)
        return self._backend_layout

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"


class LayoutMap(MutableMapping):
    """A dict from variable-path regexes to ``TensorLayout`` (or axes tuples); a lookup by a
    variable's path returns the layout of the key equal to it, else of the one key whose regex
    matches the whole path (``re.fullmatch``, as Keras 3.15), else ``None``; two matching keys
    are a ValueError naming both.

    Example:
        >>> from kfront.distribution import DeviceMesh, LayoutMap
        >>> lm = LayoutMap(DeviceMesh((1,), ["model"], devices=["cpu:0"]))
        >>> lm["dense.*kernel"] = (None, "model")
        >>> lm["dense_1/kernel"].axes
        (None, 'model')
    """

    def __init__(self, device_mesh: DeviceMesh) -> None:
        self._layouts: dict = {}
        self._device_mesh = device_mesh

    def __getitem__(self, key: str):
        if key in self._layouts:
            return self._layouts[key]
        matches = [k for k in self._layouts if re.fullmatch(k, key)]
        if len(matches) > 1:
            raise ValueError(f"LayoutMap: path {key!r} matches several keys {matches}; "
                             "make the keys more specific")
        return self._layouts[matches[0]] if matches else None

    def __setitem__(self, key: str, layout) -> None:
        if key in self._layouts:
            raise ValueError(f"LayoutMap: key {key!r} already has a layout "
                             f"{self._layouts[key]}; delete it first")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise ValueError("LayoutMap: a layout must be a TensorLayout or a tuple of axis "
                             f"names, got {type(layout).__name__}")
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key: str) -> None:
        del self._layouts[key]

    def __len__(self) -> int:
        return len(self._layouts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._layouts)

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh


# ------------------------------------------------------------------------- distributions
class _Distribution:
    """What ``set_distribution`` takes: a mesh and a ``scope()``."""

    def __init__(self, device_mesh: DeviceMesh, batch_dim_name: str = DEFAULT_BATCH_DIM_NAME,
                 auto_shard_dataset: bool = True) -> None:
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def batch_dim_name(self) -> str:
        return self._batch_dim_name

    @contextlib.contextmanager
    def scope(self):
        """Make this the active distribution inside a ``with`` block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)


class DataParallel(_Distribution):
    """Data parallelism: the model replicated on every device, each global batch split along
    its first axis. Across processes (after ``initialize()``) ``fit`` gives each process its
    shard of every batch and averages the gradients before the optimizer step. In one process
    on JAX the variables are replicated on the mesh's devices and each batch is split over
    them (``jax.jit`` partitions the step); on the other backends one process changes nothing.

    Args:
        device_mesh: a 1-D ``DeviceMesh`` (its axis is the batch axis).
        devices: the devices, when no mesh is given (default: ``list_devices()``).
        auto_shard_dataset: kept for Keras compatibility (kfront shards each batch).

    Example:
        >>> from kfront import distribution
        >>> distribution.DataParallel(devices=["cpu:0"]).device_mesh.axis_names
        ['batch']
    """

    def __init__(self, device_mesh: DeviceMesh | None = None,
                 devices: Sequence[str] | None = None, auto_shard_dataset: bool = True) -> None:
        if device_mesh is None:
            devices = list_devices() if devices is None else list(devices)
            device_mesh = DeviceMesh((len(devices),), [DEFAULT_BATCH_DIM_NAME], devices)
        elif not isinstance(device_mesh, DeviceMesh):
            raise ValueError("DataParallel: `device_mesh` must be a DeviceMesh, got "
                             f"{type(device_mesh).__name__}")
        elif len(device_mesh.shape) != 1:
            raise ValueError("DataParallel: `device_mesh` must be 1-D, got shape "
                             f"{device_mesh.shape}")
        super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)
        processes = _process_count()
        if processes > 1 and device_mesh.devices.size != processes:
            raise ValueError(f"DataParallel: the mesh has {device_mesh.devices.size} devices "
                             f"but the job has {processes} processes (one CPU device per "
                             "process); they must match")

    def get_data_layout(self, data_shape: Sequence[int]) -> TensorLayout:
        """The layout of a batch: split along the first axis."""
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1),
                            self.device_mesh)

    @property
    def num_model_replicas(self) -> int:
        """How many copies of the model train at once: the mesh's device count."""
        return int(self.device_mesh.devices.size)

    def get_variable_layout(self, variable) -> TensorLayout:
        """The variable's own layout where it has one (``variable._layout``), else replicated."""
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path: str) -> None:
        """Intermediate tensors keep their layout under data parallelism (``None``)."""
        return None

    def __repr__(self) -> str:
        return f"<DataParallel device_mesh={self.device_mesh}>"


# ----------------------------------------------------- the trainer's hooks (models/trainer.py)
def _data_parallel_processes() -> int:
    """How many processes share each batch: the job's, under a DataParallel; else 1."""
    return _process_count() if isinstance(distribution(), DataParallel) else 1


def shard_batch(x, y, sample_weight) -> tuple:
    """Trainer hook: this process's shard of a global batch ``(x, y, sample_weight)`` under a
    multi-process ``DataParallel`` (the whole batch otherwise)."""
    count = _data_parallel_processes()
    if count == 1:
        return x, y, sample_weight
    from kfront import tree
    index = _process_index()
    leaves = [a for a in tree.flatten((x, y, sample_weight)) if a is not None]
    batch = int(leaves[0].shape[0])
    if batch % count:
        raise ValueError(f"DataParallel: the global batch size {batch} does not divide across "
                         f"the {count} processes; use a batch size that is a multiple of "
                         f"{count}")
    per = batch // count
    part = slice(index * per, (index + 1) * per)
    return tree.map_structure(lambda a: None if a is None else a[part], (x, y, sample_weight))


def reduces_in_step() -> bool:
    """Trainer hook: can the gradients be averaged inside the (compiled) train step? Not on
    JAX across processes: its collective is a separate jitted call (``reduce_after_step``)."""
    return _data_parallel_processes() == 1 or _hooks().REDUCES_IN_STEP


def all_reduce_gradients(loss_and_grads):
    """Trainer hook: ``loss_and_grads`` (returning ``(out, grads)``) with its gradients averaged
    across processes under a multi-process ``DataParallel`` where the backend averages inside
    the step (torch, native engine, TensorFlow); unchanged otherwise."""
    if _data_parallel_processes() == 1 or not _hooks().REDUCES_IN_STEP:
        return loss_and_grads

    def reduced(*args):
        out, grads = loss_and_grads(*args)
        return out, _hooks().all_reduce_mean(list(grads))
    return reduced


def across_replicas(fn, model, kind: str):
    """Trainer hook: a step ``fn`` on a batch run on every replica of the framework's own
    strategy in whose scope ``model``'s variables were made (TensorFlow: a ``tf.distribute``
    strategy such as ``MirroredStrategy``), as Keras 3 runs its steps there; ``fn`` itself
    otherwise.
    ``kind``: ``"train"`` (``fn`` returns ``((loss, y_pred), grads)``: the gradients come back
    averaged across the replicas), ``"test"`` or ``"predict"``."""
    from kfront import config
    if config.backend() != "tensorflow":  # only tf.distribute holds replicas (and torch's
        return fn                         # hooks would import torch.distributed)
    replicate = getattr(_hooks(), "replicate_step", None)
    return fn if replicate is None else replicate(fn, model, kind)


def replica_count(model) -> int:
    """Trainer hook: how many replicas the framework's own strategy in whose scope ``model``'s
    variables were made runs its steps on (TensorFlow: a ``tf.distribute`` strategy's
    ``num_replicas_in_sync``); 0 where no such strategy holds them."""
    from kfront import config
    if config.backend() != "tensorflow":
        return 0
    strategy_of = getattr(_hooks(), "strategy_of", None)
    strategy = None if strategy_of is None else strategy_of(model)
    return 0 if strategy is None else strategy.num_replicas_in_sync


def xla_obstacle(model) -> str | None:
    """Trainer hook: what keeps XLA from compiling ``model``'s steps (``jit_compile=True``
    raises naming it; ``"auto"`` leaves XLA off), or None: the replicas of the
    ``tf.distribute`` strategy that made its variables, or the processes of a multi-process
    ``DataParallel`` whose backend averages the gradients inside the step with collectives XLA
    cannot compile (TensorFlow: XLA has no CPU collectives, "Collectives are not yet
    implemented for CPU devices when compiling with XLA", and none for the ring all-reduce
    that ``initialize`` sets up)."""
    replicas = replica_count(model)
    if replicas > 1:
        return (f"the {replicas} replicas of the tf.distribute strategy its variables were "
                "made in (XLA compiles it for one device, and the replicas' variables live on "
                "several)")
    processes = _data_parallel_processes()
    if processes > 1 and not getattr(_hooks(), "XLA_COLLECTIVES", True):
        return (f"the {processes} processes of the multi-process DataParallel (the step "
                "averages their gradients with collective ops, which XLA cannot compile on "
                "this backend)")
    return None


def replicated_custom_step(step, model, optimizers: list, merged: bool = True):
    """Custom-step hook: ``data -> logs``, a user's ``train_step`` / ``test_step`` run on every
    replica of the framework's own strategy that made ``model``'s variables
    (TensorFlow's ``MirroredStrategy``...; ``replica_count(model)`` is not 0), as Keras 3 runs
    it under ``strategy.run``: eagerly, or traced in a compiled step. Inside, losses are
    scaled by ``1 / replicas`` as Keras's (``scale_loss``) and ``apply`` of ``optimizers``
    sums the replicas' gradients. The logs: ``merge_replica_logs`` of the replicas' logs, or
    the list of them unless ``merged`` (a compiled step merges them after its host part)."""
    count = replica_count(model)
    run = _hooks().replicate_custom_step(step, model, optimizers)

    def replicated(data):
        _LOSS_SCALE[0] = 1.0 / count
        try:
            logs = run(data)
        finally:
            _LOSS_SCALE[0] = 1.0
        return merge_replica_logs(model, logs) if merged else logs
    return replicated


def merge_replica_logs(model, logs: list):
    """A step's logs from each replica's (``replicated_custom_step``): the metrics' results
    over every replica's updates where they name the model's metrics (Keras's mean of the
    replicas' own results, on even splits), else each value's mean over the replicas (Keras's
    reduction of a step's logs)."""
    results = model.get_metrics_result()
    if isinstance(logs[0], dict) and set(_flat_logs(logs[0])) == set(results):
        return results
    from kfront import ops, tree
    return tree.map_structure(
        lambda *v: np.mean([ops.convert_to_numpy(x) for x in v], axis=0), *logs)


def _flat_logs(logs: dict) -> dict:
    """``logs`` with a dict value's entries in its place (``compile_metrics``'s)."""
    return {k: v for key, value in logs.items()
            for k, v in (value.items() if isinstance(value, dict) else [(key, value)])}


_LOSS_SCALE = [1.0]  # 1 / replicas while a user's step runs on a strategy's replicas


def scale_loss(value):
    """Losses' hook: ``value`` scaled by ``1 / replicas`` inside a user's step run on a
    strategy's replicas (``replicated_custom_step``), as Keras 3's losses scale theirs in a
    replica context (``Loss.__call__`` and ``compute_loss``'s added losses); ``value``
    elsewhere (kfront's built-in steps average the replicas' gradients instead)."""
    scale = _LOSS_SCALE[0]
    if scale == 1.0:
        return value
    from kfront import ops
    return ops.multiply(value, ops.cast(scale, ops.dtype(value)))


def reduce_after_step(grads: list) -> list:
    """Trainer hook: the gradients a compiled step returned, averaged across processes where
    the backend cannot average inside the step (JAX under a multi-process ``DataParallel``);
    unchanged otherwise."""
    if reduces_in_step():
        return grads
    return _hooks().all_reduce_mean(list(grads))


@contextlib.contextmanager
def collective_errors():
    """Trainer hook: under a multi-process ``DataParallel``, a collective that failed inside a
    compiled step (TensorFlow: a peer died or the collective timed out) is re-raised as a
    RuntimeError saying so (the eager all-reduces raise it themselves)."""
    if _data_parallel_processes() == 1:
        yield
        return
    try:
        yield
    except _hooks().COLLECTIVE_ERRORS as err:
        raise RuntimeError(f"DataParallel: the gradient all-reduce across {_process_count()} "
                           f"processes failed (a process died or timed out): {err}") from err


def average_gradients(grads: list) -> list:
    """Custom-step hook: ``grads`` (``None`` entries kept) averaged across processes under a
    multi-process ``DataParallel``; unchanged otherwise."""
    if _data_parallel_processes() == 1:
        return grads
    out = list(grads)
    present = [i for i, g in enumerate(out) if g is not None]
    for i, g in zip(present, _hooks().all_reduce_mean([out[i] for i in present])):
        out[i] = g
    return out


@contextlib.contextmanager
def averaging_apply(model):
    """Custom-step hook: inside, ``apply`` (and so ``apply_gradients``) of ``model``'s
    optimizers averages its gradients across processes first, under a multi-process
    ``DataParallel`` (a user's ``train_step`` run eagerly)."""
    if _data_parallel_processes() == 1:
        yield
        return
    from kfront.optimizers.base_optimizer import Optimizer
    optimizers = []
    for value in [getattr(model, "optimizer", None), *vars(model).values()]:
        if isinstance(value, Optimizer) and value not in optimizers:
            optimizers.append(value)
    for opt in optimizers:
        opt.__dict__["apply"] = (lambda grads, trainable_variables=None, _apply=opt.apply:
                                 _apply(average_gradients(list(grads)), trainable_variables))
    try:
        yield
    finally:
        for opt in optimizers:
            opt.__dict__.pop("apply", None)


class ModelParallel(_Distribution):
    """Model parallelism as Keras 3 (JAX backend only): each variable laid out on the
    ``LayoutMap``'s mesh by the entry its path matches (unmatched ones replicated; optimizer
    slots as their variable), each batch split along ``batch_dim_name``; ``jax.jit`` partitions
    the train step. Variables get their layout when their layer creates them, so build the
    model inside ``scope()`` or after ``set_distribution``. On one process with several local
    devices; across processes (after ``initialize()``) it is not done.

    Args:
        layout_map: a ``LayoutMap`` (its ``device_mesh`` is the distribution's mesh).
        batch_dim_name: the mesh axis that splits the batch (default: the mesh's first axis).
        auto_shard_dataset: kept for Keras compatibility (kfront splits each batch).
        device_mesh: Keras 3's deprecated keyword, accepted and ignored (the layout map's mesh
            is used), as in Keras 3.15.

    Example:
        >>> import kfront
        >>> from kfront import distribution
        >>> mesh = distribution.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
        >>> layout_map = distribution.LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")
        >>> kfront.config.backend()  # ModelParallel runs on JAX: KFRONT_BACKEND=jax
        'numpy'
        >>> distribution.ModelParallel(layout_map=layout_map)
        Traceback (most recent call last):
        ...
        NotImplementedError: ModelParallel: ...the active backend is 'numpy'...
    """

    def __init__(self, *, layout_map: LayoutMap | None = None, batch_dim_name: str | None = None,
                 auto_shard_dataset: bool = True, **kwargs: Any) -> None:
        kwargs.pop("device_mesh", None)  # Keras 3.15 drops it too
        if kwargs:
            raise TypeError(f"ModelParallel: unexpected keyword argument(s) {sorted(kwargs)}; "
                            "it takes layout_map, batch_dim_name and auto_shard_dataset")
        from kfront import config
        if not hasattr(_hooks(), "to_backend_layout"):
            raise NotImplementedError(
                "ModelParallel: sharding variables across devices runs on the JAX backend only "
                "(as in Keras 3, whose TensorFlow and torch backends ignore the layouts); the "
                f"active backend is {config.backend()!r}. Use KFRONT_BACKEND=jax, or "
                "DataParallel")
        if _process_count() > 1:
            raise NotImplementedError(
                f"ModelParallel: across processes (a job of {_process_count()} processes) it "
                "is not done in kfront; use one process with several local devices, or "
                "DataParallel")
        if layout_map is None:
            raise ValueError("ModelParallel: `layout_map` is required (a LayoutMap)")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError("ModelParallel: `layout_map` must be a LayoutMap, got "
                             f"{type(layout_map).__name__}")
        mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or mesh.axis_names[0]
        if batch_dim_name not in mesh.axis_names:
            raise ValueError(f"ModelParallel: `batch_dim_name` {batch_dim_name!r} is not one of "
                             f"the mesh's axis_names {mesh.axis_names}")
        super().__init__(mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    @property
    def num_model_replicas(self) -> int:
        """How many copies of the model train at once: the size of the batch axis."""
        return int(self.device_mesh.shape[self.device_mesh.axis_names.index(
            self.batch_dim_name)])

    def get_data_layout(self, data_shape: Sequence[int]) -> TensorLayout:
        """The layout of a batch: split along the first axis over the batch mesh axis."""
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1),
                            self.device_mesh)

    def get_variable_layout(self, variable) -> TensorLayout:
        """The variable's own layout (``variable._layout``), else the ``LayoutMap``'s for its
        path, else replicated."""
        layout = getattr(variable, "_layout", None)
        if layout is None:
            layout = self._layout_map[variable.path]
        if layout is None:
            layout = TensorLayout([None] * len(variable.shape), self.device_mesh)
        return layout

    def get_tensor_layout(self, path: str) -> TensorLayout | None:
        """The ``LayoutMap``'s layout for an intermediate tensor's ``path`` (or ``None``)."""
        return self._layout_map[path]

    def __repr__(self) -> str:
        return f"<ModelParallel device_mesh={self.device_mesh}>"


# ------------------------------------------- laying arrays out on a mesh (JAX, one process)
def _layout_hooks(what: str):
    """The active backend's hooks if it lays arrays out on a mesh (JAX), else a
    NotImplementedError naming ``what`` and the backend."""
    hooks = _hooks()
    if not hasattr(hooks, "to_backend_layout"):
        from kfront import config
        raise NotImplementedError(f"{what}: only the JAX backend lays arrays out on a device "
                                  f"mesh; the active backend is {config.backend()!r}")
    return hooks


def _laying_out() -> _Distribution | None:
    """The active distribution where its arrays are laid out on its mesh (JAX in one
    process), else ``None``."""
    value = _STATE["distribution"]
    if value is None or _process_count() > 1 or not hasattr(_hooks(), "to_backend_layout"):
        return None
    return value


def _place(value, layout: TensorLayout, what: str, owner: _Distribution | None = None):
    """``value`` (an array, or a traced one) laid out by ``layout``, after checking that its
    rank matches and its sharded axes divide across their mesh axes."""
    shape = tuple(np.shape(value))
    if len(layout.axes) != len(shape):
        raise ValueError(f"{what}: the layout {layout.axes} has {len(layout.axes)} axes but the "
                         f"value has shape {shape}")
    mesh = layout.device_mesh
    for i, axis in enumerate(layout.axes):
        if axis is None:
            continue
        count = mesh.shape[mesh.axis_names.index(axis)]
        if shape[i] % count:
            if owner is not None and i == 0 and axis == owner.batch_dim_name:
                raise ValueError(f"{type(owner).__name__}: the batch size {shape[0]} does not "
                                 f"divide across the {count} devices of the mesh's {axis!r} "
                                 f"axis; use a batch size that is a multiple of {count}")
            raise ValueError(f"{what}: axis {i} of shape {shape} (size {shape[i]}) does not "
                             f"divide across the {count} devices of mesh axis {axis!r}")
    return _hooks().distribute_tensor(value, layout.backend_layout)


def distribute_variable(variable) -> None:
    """Layer hook (``add_weight``): under a distribution that lays arrays out (JAX), place a
    new variable by ``get_variable_layout`` (its path decides under ``ModelParallel``) and
    remember the layout in ``variable._layout``; nothing otherwise."""
    value = _laying_out()
    if value is None:
        return
    layout = value.get_variable_layout(variable)
    variable._value = _place(variable._value, layout, f"variable {variable.path!r}")
    variable._layout = layout


def distribute_state(variables: Sequence, optimizers: Sequence = ()) -> None:
    """Trainer hook, before a step is compiled: under a distribution that lays arrays out,
    every variable of ``variables`` and of the ``optimizers`` placed by its layout (variables
    made before the distribution was set; optimizer slots: the layout of the variable they
    belong to, as Keras's ``add_variable_from_reference``)."""
    value = _laying_out()
    if value is None:
        return
    owners = {}
    variables = list(variables)
    for opt in optimizers:
        variables.extend(getattr(opt, "variables", ()))
        for v, slots in zip(getattr(opt, "_trainable_variables", ()),
                            getattr(opt, "_slots", ())):
            for slot in slots or ():
                if slot is not None and tuple(slot.shape) == tuple(v.shape):
                    owners[id(slot)] = v
    for variable in variables:
        layout = getattr(variable, "_layout", None)
        if layout is None and id(variable) in owners:
            layout = getattr(owners[id(variable)], "_layout", None)
        if layout is None:
            layout = value.get_variable_layout(variable)
        variable._value = _place(variable._value, layout, f"variable {variable.path!r}")
        variable._layout = layout


def distribute_output(layer, outputs):
    """Layer hook (``__call__``): a layer's outputs laid out by the distribution's
    ``get_tensor_layout("<layer path>/output")`` where it gives one (a ``LayoutMap`` entry
    under ``ModelParallel``, as Keras relayouts intermediate tensors); unchanged otherwise."""
    value = _laying_out()
    if value is None:
        return outputs
    layout = value.get_tensor_layout(f"{layer.path or layer.name}/output")
    if layout is None:
        return outputs
    from kfront import tree
    mesh = layout.device_mesh

    def place(t):  # a layout is a hint here: a tensor it does not divide (the trainer's
        # one-sample probe of the outputs) stays as it is
        shape = np.shape(t)
        if len(shape) == len(layout.axes) and any(
                a is not None and n % mesh.shape[mesh.axis_names.index(a)]
                for a, n in zip(layout.axes, shape)):
            return t
        return _place(t, layout, f"the output of layer {layer.name!r}")
    return tree.map_structure(place, outputs)


def keep_layouts(variables: Sequence, optimizers: Sequence = ()) -> None:
    """Layer and trainer hook (``set_weights``, an optimizer update run eagerly): under a
    distribution that lays arrays out, the variables (and the ``optimizers``' variables)
    that carry a layout (``_layout``) put back on it after an assignment, as Keras's
    ``assign`` keeps a variable's layout (a compiled step also puts them back)."""
    if _laying_out() is None:
        return
    variables = list(variables)
    for opt in optimizers:
        variables.extend(getattr(opt, "variables", ()))
    for variable in variables:
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            variable._value = _hooks().distribute_tensor(variable._value, layout.backend_layout)


def distribute_data(data):
    """Trainer hook: a batch (any nest of arrays) laid out by the distribution's data layout
    (split along the first axis over the batch mesh axis) where the
    distribution lays arrays out (JAX), unchanged otherwise. A batch that does not divide
    across the batch axis is a ValueError naming both numbers."""
    value = _laying_out()
    if value is None:
        return data
    from kfront import tree

    def place(a):  # scalars (a step's hyperparameters) stay as they are: jit replicates them
        if a is None or not np.ndim(a):
            return a
        return _place(a, value.get_data_layout(np.shape(a)), "a batch", value)
    return tree.map_structure(place, data)


def distribute_tensor(tensor, layout: TensorLayout):
    """``tensor`` laid out by ``layout``: on JAX in one process, placed with the layout's
    ``NamedSharding`` (``jax.device_put``; inside a traced function a sharding constraint);
    elsewhere (one device per process) every tensor already lives whole on its process's
    device, so this returns it unchanged.

    Example:
        >>> import numpy as np
        >>> from kfront import distribution
        >>> mesh = distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
        >>> distribution.distribute_tensor(np.ones(2), distribution.TensorLayout(["batch"], mesh))
        array([1., 1.])
    """
    if not isinstance(layout, TensorLayout):
        raise ValueError("distribute_tensor: `layout` must be a TensorLayout, got "
                         f"{type(layout).__name__}")
    if _process_count() > 1 or not hasattr(_hooks(), "to_backend_layout"):
        return tensor
    if layout.device_mesh is None:
        raise ValueError(f"distribute_tensor: the layout {layout.axes} has no device_mesh")
    return _place(tensor, layout, "distribute_tensor")


def distribution() -> _Distribution | None:
    """The active distribution (``None`` unless ``set_distribution`` or a ``scope()`` set one).

    Example:
        >>> from kfront import distribution
        >>> distribution.distribution() is None
        True
    """
    return _STATE["distribution"]


def set_distribution(value: _Distribution | None) -> None:
    """Make ``value`` (a ``DataParallel``, a ``ModelParallel``, or ``None``) the active
    distribution.

    Example:
        >>> from kfront import distribution
        >>> distribution.set_distribution(None)
    """
    if value is not None and not isinstance(value, _Distribution):
        raise ValueError("set_distribution: expected a DataParallel, a ModelParallel or "
                         f"None, got {type(value).__name__}")
    _STATE["distribution"] = value
