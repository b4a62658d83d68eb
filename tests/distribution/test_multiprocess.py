"""Two processes on loopback train the seed MLP with examples/distributed_mlp.py (torch's gloo
all-reduce, on the torch backend and on the native engine) and end with the weights of one
process trained on the whole batch; a dead process makes the other fail, bounded in time."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "examples" / "distributed_mlp.py")
ARGS = ["--hidden", "64", "--samples", "32", "--batch-size", "16", "--epochs", "2"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(backend: str, out: Path, world: int, extra=(), port: int = 0) -> list:
    """``world`` processes of the example (``world=0``: one process, no distribution)."""
    procs = []
    for rank in range(max(world, 1)):
        env = {**os.environ, "KFRONT_BACKEND": backend, "PYTHONPATH": str(ROOT),
               "GLOO_SOCKET_IFNAME": "lo", "KFRONT_DISTRIBUTION_TIMEOUT": "20"}
        for var in ("WORLD_SIZE", "RANK", "MASTER_ADDR", "KERAS_DISTRIBUTION_NUM_PROCESSES"):
            env.pop(var, None)
        if world:
            env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                       WORLD_SIZE=str(world))
        procs.append(subprocess.Popen([sys.executable, SCRIPT, "--out", str(out), *ARGS,
                                       *extra], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    return procs


def _finish(procs: list, timeout: float = 240) -> list:
    results = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        results.append((p.returncode, out, err))
    return results


def test_two_processes_match_one_and_resume_after_a_death(tmp_path):
    """torch: two processes == one. numpy: rank 1 dies as epoch 2 begins, rank 0 fails with a
    clear error in bounded time; run again, BackupAndRestore (written by rank 0 only) resumes
    from epoch 1 and the pair ends with the one-process weights."""
    start = time.monotonic()
    backup = tmp_path / "backup"
    torch_one = _launch("torch", tmp_path / "torch_one.npz", 0)
    numpy_one = _launch("numpy", tmp_path / "numpy_one.npz", 0)
    torch_two = _launch("torch", tmp_path / "torch_two.npz", 2, port=_free_port())
    dying = _launch("numpy", tmp_path / "numpy_two.npz", 2,
                    ["--backup", str(backup), "--die-at-epoch", "1"], port=_free_port())
    (code0, _, err0), (code1, _, _) = _finish(dying, timeout=120)
    assert code1 == 3  # rank 1 exited
    assert code0 not in (0, -9), err0[-2000:]  # rank 0 failed by itself, not killed
    assert "all-reduce across 2 processes failed" in err0, err0[-2000:]
    assert time.monotonic() - start < 120
    assert sorted(p.name for p in backup.iterdir()) == ["latest.weights.h5",
                                                        "training_metadata.json"]
    resumed = _launch("numpy", tmp_path / "numpy_two.npz", 2, ["--backup", str(backup)],
                      port=_free_port())
    results = _finish(torch_one + numpy_one + torch_two + resumed)
    for code, out, err in results:
        assert code == 0, f"{out}\n{err[-3000:]}"
    for _, out, _ in results[-2:]:
        assert "trained epochs [1]" in out  # resumed from the backup of epoch 0
    assert not backup.exists()  # rank 0 deleted it at the end
    for backend in ("torch", "numpy"):
        ref = np.load(tmp_path / f"{backend}_one.npz")
        got = np.load(tmp_path / f"{backend}_two.npz")
        assert len(ref.files) == len(got.files) == 6
        for k in ref.files:
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-5, err_msg=backend)
