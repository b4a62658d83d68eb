"""Distribution hooks of the TensorFlow backend: ``tf.distribute.MultiWorkerMirroredStrategy``
(``TF_CONFIG`` on the job's addresses) sets up the cluster, its gRPC servers and its peer
health checks; the gradients are averaged by ``CollectiveReduceV2`` ops inside the compiled
train step (they run eagerly too), with the strategy's timeout.

A model built in the scope of a user's own ``tf.distribute`` strategy (``MirroredStrategy`` over
local devices, as keras-io's "distributed training with TensorFlow" guide) has distributed
``tf.Variable``s; its steps then run on every replica of that strategy (``replicate_step``;
a user's own ``train_step`` / ``test_step``: ``replicate_custom_step``), as Keras 3's steps
do."""
from __future__ import annotations

import functools
import json
import os
import weakref

import tensorflow as tf

# the all-reduce runs inside the (compiled) train step (see kfront.distribution)
REDUCES_IN_STEP = True
# XLA cannot compile the step's CollectiveReduceV2 ops: not on CPU (no XLA collectives), nor
# with the ring implementation anywhere (only NCCL/auto); see kfront.distribution.xla_obstacle
XLA_COLLECTIVES = False
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


def _gathered(x):
    """``x`` of every worker concatenated in worker order (the same shape on every worker):
    each puts its own in its block of zeros and ``CollectiveReduceV2`` adds them up (XLA on
    CPU has no ``CollectiveGatherV2``)."""
    rows, index, count = tf.shape(x)[0], _JOB["index"], _JOB["count"]
    padded = tf.pad(x, [[index * rows, (count - 1 - index) * rows]] + [[0, 0]] * (x.shape.rank - 1))
    _JOB["instance"] += 1
    return tf.raw_ops.CollectiveReduceV2(
        input=padded, group_size=count, group_key=1, instance_key=_JOB["instance"],
        ordering_token=[], merge_op="Add", final_op="Id", communication_hint="ring",
        timeout_seconds=_JOB["timeout"])


def all_reduce_mean(grads: list) -> list:
    """Trainer hook: the gradients (TF tensors) averaged across the workers, one
    ``CollectiveReduceV2`` per dtype on their flat concatenation. A gathered variable's
    ``tf.IndexedSlices`` (an Embedding's) stays one: every worker's slices, gathered, over the
    worker count, so that Adam's second moments see the slices as in one process on the whole
    batch (the same lookups per worker: ``DataParallel`` splits batches evenly). Every process
    makes the same calls (or traces) in the same order, so a counter gives matching instance
    keys."""
    out = list(grads)
    dense = []
    for i, g in enumerate(grads):
        if not isinstance(g, tf.IndexedSlices):
            dense.append(i)
            continue
        values = _gathered(g.values) / tf.cast(_JOB["count"], g.values.dtype)
        out[i] = tf.IndexedSlices(values, _gathered(g.indices), g.dense_shape)
    for dtype in dict.fromkeys(grads[i].dtype for i in dense):
        members = [i for i in dense if grads[i].dtype == dtype]
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


# ------------------------------------------------- a user's own strategy (MirroredStrategy...)
_STRATEGIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # built model -> strategy


def strategy_of(model) -> tf.distribute.Strategy | None:
    """The ``tf.distribute`` strategy in whose scope ``model``'s variables were made (its first
    variable tells), or None for ordinary variables; known once the model is built."""
    if model in _STRATEGIES:
        return _STRATEGIES[model]
    variables = model.variables if model.built else []
    if not variables:
        return None
    value = getattr(variables[0], "_value", None)
    strategy = (value.distribute_strategy
                if isinstance(value, tf.distribute.DistributedValues) else None)
    _STRATEGIES[model] = strategy
    return strategy


def _bounds(rows: int, count: int) -> list:
    """Each replica's ``(start, stop)`` rows of a batch: split as ``tf.data`` rebatches a
    distributed dataset for Keras (7 rows over 3 replicas: 3, 2, 2; 1 row over 2: 1, 0)."""
    edges = [-(-rows * i // count) for i in range(count + 1)]
    return list(zip(edges[:-1], edges[1:]))


def replicate_step(fn, model, kind: str):
    """``fn`` run by the strategy that made ``model``'s variables on each replica's slice of
    the batch, as Keras 3 runs its steps under ``strategy.run``; ``fn`` itself for ordinary
    variables.

    ``fn`` takes ``(x, y, sample_weight, *rest)`` (``kind`` ``"train"``: returns
    ``((loss, y_pred), grads)``; ``"test"``: ``(loss, y_pred)``) or ``(x,)`` (``"predict"``:
    the outputs). The replicas' gradients are averaged across them (the mean of their batch
    means: Keras's scaling of each replica's loss by the replica count), their losses averaged
    weighted by their rows and their outputs concatenated in batch order; the caller updates
    the (mirrored) variables in the cross-replica context."""
    strategy = strategy_of(model)
    if strategy is None:
        return fn
    count = strategy.num_replicas_in_sync

    def step(*args):
        data, rest = (args, ()) if kind == "predict" else (args[:3], args[3:])
        data = tf.nest.map_structure(
            lambda a: a if a is None or isinstance(a, tf.Tensor) else tf.convert_to_tensor(a),
            data)
        leaves = tf.nest.flatten(data)
        present = [i for i, a in enumerate(leaves) if a is not None]
        rows = int(leaves[present[0]].shape[0])
        bounds = _bounds(rows, count)
        shards = strategy.experimental_distribute_values_from_function(
            lambda ctx: [leaves[i][slice(*bounds[ctx.replica_id_in_sync_group])]
                         for i in present])

        def on_replica(shard):
            full = list(leaves)
            for i, a in zip(present, shard):
                full[i] = a
            out = fn(*tf.nest.pack_sequence_as(data, full), *rest)
            if kind != "train":
                return out
            result, grads = out
            if shard and shard[0].shape[0] == 0:  # a replica without rows adds nothing (Keras)
                grads = [None if g is None else tf.zeros_like(g) for g in grads]
                result = (tf.zeros_like(result[0]), result[1])
            have = [i for i, g in enumerate(grads) if g is not None]
            reduced = tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.MEAN, [grads[i] for i in have])
            grads = list(grads)
            for i, g in zip(have, reduced):
                grads[i] = g
            return result, grads

        outputs = strategy.run(on_replica, args=(shards,))
        local = strategy.experimental_local_results
        sizes = [stop - start for start, stop in bounds]

        def joined(value):  # the replicas' outputs in batch order
            if value is None:
                return None
            parts = local(value)
            return parts[0] if len(parts) == 1 else tf.concat(parts, axis=0)

        if kind == "predict":
            return tf.nest.map_structure(joined, outputs)
        result, grads = outputs if kind == "train" else (outputs, None)
        loss, y_pred = result
        losses = local(loss)
        loss = tf.add_n([tf.cast(n / rows, l.dtype) * l for n, l in zip(sizes, losses)
                         if n])  # weighted by rows (an empty replica's may be NaN)
        y_pred = tf.nest.map_structure(joined, y_pred)
        if kind != "train":
            return loss, y_pred
        return (loss, y_pred), [None if g is None else local(g)[0] for g in grads]
    return step


def replicate_custom_step(step, model, optimizers: list):
    """``data -> [each replica's logs]``: a user's ``train_step`` / ``test_step``
    (``step(data)``) on each replica of the strategy that made ``model``'s variables, on the
    replica's rows of the batch, as Keras 3 runs it under ``strategy.run``; eagerly, or traced
    in the caller's ``tf.function`` (a batch of static size). ``apply`` of ``optimizers``
    there sums the replicas' gradients (their losses are scaled by ``1 / replicas``, see
    ``kfront.distribution.scale_loss``) and then runs the ``apply`` they had (a compiled
    step's in-graph update), once, on the (mirrored) variables, as Keras's TensorFlow
    optimizer does."""
    strategy = strategy_of(model)
    count = strategy.num_replicas_in_sync

    def apply_summed(grads, trainable_variables=None, _apply=None):
        grads = list(grads)
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return _apply(grads, trainable_variables)
        have = [i for i, g in enumerate(grads) if g is not None]
        for i, g in zip(have, context.all_reduce(tf.distribute.ReduceOp.SUM,
                                                 [grads[i] for i in have])):
            grads[i] = g
        return context.merge_call(lambda s, *g: _apply(
            [None if v is None else s.experimental_local_results(v)[0] for v in g],
            trainable_variables), args=tuple(grads))

    def run(data):
        leaves = tf.nest.flatten(data)
        present = [i for i, a in enumerate(leaves) if a is not None]
        bounds = _bounds(int(leaves[present[0]].shape[0]), count)
        shards = strategy.experimental_distribute_values_from_function(
            lambda ctx: [leaves[i][slice(*bounds[ctx.replica_id_in_sync_group])]
                         for i in present])
        logs = [None] * count

        def on_replica(shard):
            full = list(leaves)
            for i, a in zip(present, shard):
                full[i] = a
            replica = tf.get_static_value(
                tf.distribute.get_replica_context().replica_id_in_sync_group)
            logs[int(replica)] = step(tf.nest.pack_sequence_as(data, full))

        before = [opt.__dict__.get("apply") for opt in optimizers]
        for opt in optimizers:
            opt.__dict__["apply"] = functools.partial(apply_summed, _apply=opt.apply)
        try:
            strategy.run(on_replica, args=(shards,))
        finally:
            for opt, apply in zip(optimizers, before):
                if apply is None:
                    del opt.__dict__["apply"]
                else:
                    opt.__dict__["apply"] = apply
        return logs
    return run
