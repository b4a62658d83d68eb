"""The processes of ``test_resume.py``: run as ``python resume_worker.py <command> <json>``.

Commands:
    resume: for each job ``{"backend", "path", "out"}``, load the ``.keras`` file on that
        backend and fit it on to ``EPOCHS`` epochs; the weights and ``iterations`` go to ``out``.
    save_loop: save a large-ish model again and again into ``{"folder"}`` (``m.keras`` and
        ``m.weights.h5``), every weight filled with the save's number, printing
        ``saved <n>`` after each; runs until killed.
    fit: fit ``model({"seed"})`` for ``EPOCHS`` epochs with ``BackupAndRestore({"backup"},
        save_freq={"save_freq"})``; ``{"kill_at"}``: SIGKILL itself at that (global) batch;
        ``{"out"}``: the final weights; prints ``batch <n>`` after each batch.

The model and data are shared with the tests (``model``, ``data``), so that the parent can run
the same training uninterrupted.
"""
from __future__ import annotations

import json
import os
import signal
import sys

import numpy as np

EPOCHS = 4
BATCH = 16


def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")
    return x, y


def model(seed: int = 5):
    """A small MLP with BatchNormalization (non-trainable state too), compiled with Adam."""
    import kfront
    from kfront import layers
    kfront.utils.set_random_seed(seed)
    m = kfront.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"),
                           layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    m.compile(optimizer=kfront.optimizers.Adam(learning_rate=0.01),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def fit(m, callbacks=(), **kwargs):
    x, y = data()
    kwargs.setdefault("epochs", EPOCHS)
    return m.fit(x, y, batch_size=BATCH, shuffle=False, verbose=0, callbacks=list(callbacks),
                 **kwargs)


def _save_arrays(m, out: str) -> None:
    arrays = {f"w{i}": w for i, w in enumerate(m.get_weights())}
    arrays["iterations"] = np.asarray(m.optimizer.iterations.numpy())
    np.savez(out, **arrays)


def resume(jobs: list) -> None:
    import kfront
    for job in jobs:
        kfront.config.set_backend(job["backend"])
        m = kfront.saving.load_model(job["path"])
        fit(m, initial_epoch=EPOCHS // 2)
        _save_arrays(m, job["out"])


def save_loop(folder: str) -> None:
    import kfront
    from kfront import layers
    m = kfront.Sequential([layers.Input((512,)), layers.Dense(2048), layers.Dense(512)])
    shapes = [w.shape for w in m.get_weights()]  # ~2.1 M weights, 8 MB a file
    n = 0
    while True:
        n += 1
        m.set_weights([np.full(s, n, "float32") for s in shapes])
        m.save(os.path.join(folder, "m.keras"))
        m.save_weights(os.path.join(folder, "m.weights.h5"))
        print(f"saved {n}", flush=True)


def fit_with_backup(backup: str, save_freq, seed: int, kill_at, out) -> None:
    from kfront import callbacks

    class Progress(callbacks.Callback):
        seen = 0

        def on_train_batch_end(self, batch, logs=None):
            Progress.seen += 1
            print(f"batch {Progress.seen}", flush=True)
            if Progress.seen == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    m = model(seed)
    fit(m, [callbacks.BackupAndRestore(backup, save_freq=save_freq), Progress()])
    if out:
        _save_arrays(m, out)


if __name__ == "__main__":
    command, args = sys.argv[1], json.loads(sys.argv[2])
    if command == "resume":
        resume(args)
    elif command == "save_loop":
        save_loop(args["folder"])
    elif command == "fit":
        fit_with_backup(args["backup"], args["save_freq"], args["seed"], args.get("kill_at"),
                        args.get("out"))
    else:
        raise SystemExit(f"unknown command {command!r}")
