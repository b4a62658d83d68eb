"""Data-parallel training of the seed MLP across processes on one machine (kfront.distribution).

Run two processes on loopback with torch's launcher (torch backend or the native engine):

    KFRONT_BACKEND=torch torchrun --nproc_per_node=2 examples/distributed_mlp.py
    KFRONT_BACKEND=numpy torchrun --nproc_per_node=2 examples/distributed_mlp.py

or, on any backend (JAX and TensorFlow need this form), start one process per rank with Keras's
variables (KERAS_DISTRIBUTION_JOB_ADDRESSES=127.0.0.1:29500, KERAS_DISTRIBUTION_NUM_PROCESSES=2,
KERAS_DISTRIBUTION_PROCESS_ID=0 / 1; TensorFlow: process i listens on port + i). Without them it
trains in one process on the whole batch, which ends with the same weights. Each process takes
its half of every global batch; the gradients are averaged across processes before each step.
Options: ``--out FILE.npz`` (rank 0 saves the final weights), ``--batch-size``, ``--epochs``,
``--samples``, ``--hidden``, ``--backup DIR`` (BackupAndRestore: run again after a failure to
resume), ``--die-at-epoch N`` (rank 1 exits as epoch N begins: a failure test).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import kfront
from kfront import distribution, layers


def build(hidden: int) -> kfront.Model:
    """The seed MLP (784-hidden-hidden-10) with weights from a fixed NumPy seed, so every
    process starts from the same weights."""
    model = kfront.Sequential([layers.Input((784,)), layers.Dense(hidden, activation="relu"),
                               layers.Dense(hidden, activation="relu"), layers.Dense(10)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.05, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.compile(optimizer=kfront.optimizers.SGD(0.1),
                  loss=kfront.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--backup", default=None)
    parser.add_argument("--die-at-epoch", type=int, default=None)
    args = parser.parse_args()

    multi = any(k in os.environ for k in ("WORLD_SIZE", "KERAS_DISTRIBUTION_NUM_PROCESSES"))
    if multi:
        distribution.initialize()
        distribution.set_distribution(distribution.DataParallel())
    rank = int(os.environ.get("RANK", os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "0")))

    rng = np.random.default_rng(1)
    x = rng.normal(size=(args.samples, 784)).astype("float32")
    y = rng.integers(0, 10, size=(args.samples,))
    model = build(args.hidden)
    callbacks = []
    if args.backup:  # process 0 writes the backup; every process restores from it
        callbacks.append(kfront.callbacks.BackupAndRestore(args.backup))
    if args.die_at_epoch is not None and rank == 1:
        class Die(kfront.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == args.die_at_epoch:
                    os._exit(3)
        callbacks.append(Die())
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=False,
                        verbose=0, callbacks=callbacks)
    if args.out and rank == 0:
        np.savez(args.out, *model.get_weights())
    rate = args.samples * len(history.epoch) / (time.perf_counter() - start)
    print(f"rank {rank}: {rate:.1f} samples/s, trained epochs {history.epoch}, "
          f"loss {model.evaluate(x, y, verbose=0):.6f}")


if __name__ == "__main__":
    main()
