"""Two processes on loopback train the seed MLP with examples/distributed_mlp.py on JAX
(``jax.distributed``, gloo CPU collectives) and TensorFlow (MultiWorkerMirroredStrategy's
collective ops), launched through Keras's ``KERAS_DISTRIBUTION_*`` variables: a dead process
makes the other fail in bounded time, only process 0 writes the backup, BackupAndRestore
resumes, and the pair ends with the weights of one process trained on the whole batch; in one
process (the process count faked), on every backend, each step's gradients (built-in and a
user's train_step) pass the all-reduce once."""
import contextlib
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import kfront
from kfront import distribution as dist
from conformance.support import require
from distribution.test_multiprocess import ARGS, ROOT, SCRIPT, _finish, _free_port


def _launch(backend: str, out, world: int, extra=(), port: int = 0) -> list:
    """``world`` processes of the example through KERAS_DISTRIBUTION_* (``world=0``: one
    process, no distribution); TensorFlow's workers listen at ``port`` and ``port + 1``."""
    procs = []
    for rank in range(max(world, 1)):
        env = {**os.environ, "KFRONT_BACKEND": backend, "PYTHONPATH": str(ROOT),
               "KFRONT_DISTRIBUTION_TIMEOUT": "20", "TF_CPP_MIN_LOG_LEVEL": "2"}
        for var in ("WORLD_SIZE", "RANK", "MASTER_ADDR", "TF_CONFIG",
                    "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                    "KERAS_DISTRIBUTION_PROCESS_ID"):
            env.pop(var, None)
        if world:
            env.update(KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
                       KERAS_DISTRIBUTION_NUM_PROCESSES=str(world),
                       KERAS_DISTRIBUTION_PROCESS_ID=str(rank))
        procs.append(subprocess.Popen([sys.executable, SCRIPT, "--out", str(out), *ARGS,
                                       *extra], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    return procs


def _two_free_ports() -> int:
    """A port whose successor is free too (TensorFlow's second worker)."""
    for _ in range(20):
        port = _free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> dict:
    """The weights of one process trained on the whole batch (the native engine: it starts
    fastest; the engines agree to ~1e-7 on this run)."""
    out = tmp_path_factory.mktemp("one") / "one.npz"
    ((code, stdout, stderr),) = _finish(_launch("numpy", out, 0))
    assert code == 0, f"{stdout}\n{stderr[-3000:]}"
    return dict(np.load(out))


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_death_backup_resume_and_match_one_process(name, tmp_path, one_process):
    """Rank 1 dies as epoch 2 begins: rank 0 fails by itself with a clear error in bounded time,
    having written the backup alone; a new pair resumes from it (epoch 1 only) and ends with
    the weights of one process trained on the whole batch (1e-5)."""
    require(name)
    start = time.monotonic()
    backup = tmp_path / "backup"
    dying = _launch(name, tmp_path / "two.npz", 2,
                    ["--backup", str(backup), "--die-at-epoch", "1"], port=_two_free_ports())
    (code0, _, err0), (code1, _, _) = _finish(dying, timeout=120)
    assert code1 == 3  # rank 1 exited
    assert code0 not in (0, -9), err0[-2000:]  # rank 0 failed by itself, not killed
    assert "RuntimeError: DataParallel: the gradient all-reduce across 2 processes failed" \
        in err0, err0[-3000:]
    assert time.monotonic() - start < 120
    assert sorted(p.name for p in backup.iterdir()) == ["latest.weights.h5",
                                                        "training_metadata.json"]
    resumed = _launch(name, tmp_path / "two.npz", 2, ["--backup", str(backup)],
                      port=_two_free_ports())
    for code, out, err in _finish(resumed):
        assert code == 0, f"{out}\n{err[-3000:]}"
        assert "trained epochs [1]" in out  # resumed from the backup of epoch 0
    assert not backup.exists()  # rank 0 deleted it at the end
    got = np.load(tmp_path / "two.npz")
    assert len(one_process) == len(got.files) == 6
    for k in got.files:
        np.testing.assert_allclose(got[k], one_process[k], rtol=0, atol=1e-5, err_msg=name)


class CustomStep(kfront.Model):
    """A user's train_step through ops.value_and_grad and optimizer.apply_gradients."""

    def train_step(self, data):
        x, y = data

        def loss_fn(_):
            return self.compute_loss(y=y, y_pred=self(x, training=True))
        loss, grads = kfront.ops.value_and_grad(loss_fn)(self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}


def test_gradients_pass_the_all_reduce_once_per_step(backend, monkeypatch):
    """In-process, two processes faked and the all-reduce replaced by one that zeroes the
    gradients and counts its calls: the built-in step and a user's train_step (compiled on
    TensorFlow, eager elsewhere; eager across processes on JAX) send every step's gradients
    through it once, so SGD leaves the weights unchanged; without DataParallel they change.
    A global batch that does not divide is an error naming both numbers; TensorFlow needs
    one address per process."""
    calls = []
    real = dist._hooks()

    class Hooks:
        REDUCES_IN_STEP = real.REDUCES_IN_STEP
        COLLECTIVE_ERRORS = real.COLLECTIVE_ERRORS

        @staticmethod
        def all_reduce_mean(grads):
            calls.append(len(grads))
            return [kfront.ops.multiply(g, 0.0) for g in grads]

    monkeypatch.setattr(dist, "_process_count", lambda: 2)
    monkeypatch.setattr(dist, "_process_index", lambda: 0)
    monkeypatch.setattr(dist, "_hooks", lambda: Hooks)
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    for cls in (kfront.Model, CustomStep):
        for parallel in (True, False):
            inputs = kfront.Input((3,))
            model = cls(inputs, kfront.layers.Dense(1)(inputs))
            model.compile(optimizer="sgd", loss="mse")
            before = [np.array(w) for w in model.get_weights()]
            calls.clear()
            with dist.DataParallel(devices=["cpu:0", "cpu:1"]).scope() if parallel \
                    else contextlib.nullcontext():
                model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
            same = all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
            assert same is parallel, (cls.__name__, parallel)
            # 2 gradients (kernel, bias) per step, 4 steps; TensorFlow: per trace (in-graph)
            expected = 4 * [2] if parallel and backend != "tensorflow" else calls
            assert calls == expected and set(calls) <= {2} and bool(calls) is parallel, \
                (cls.__name__, calls)
    with dist.DataParallel(devices=["cpu:0", "cpu:1"]).scope():
        with pytest.raises(ValueError, match=r"batch size 3 does not divide across the 2 "
                                             r"processes; use a batch size that is a "
                                             r"multiple of 2"):
            model.fit(x, y, batch_size=3, epochs=1, verbose=0)
    if backend == "tensorflow":
        with pytest.raises(ValueError, match=r"one address per process: got 3 addresses"):
            real.initialize(["h:1", "h:2", "h:3"], 2, 0, 10.0)
