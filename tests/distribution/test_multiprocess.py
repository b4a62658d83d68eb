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
import pytest

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


def test_two_processes_match_one(tmp_path):
    runs = {}
    for backend in ("torch", "numpy"):  # all six processes at once
        runs[backend] = (_launch(backend, tmp_path / f"{backend}_one.npz", 0),
                         _launch(backend, tmp_path / f"{backend}_two.npz", 2,
                                 port=_free_port()))
    for backend, (one, two) in runs.items():
        for code, out, err in _finish(one + two):
            assert code == 0, f"{backend}: {out}\n{err[-3000:]}"
        ref = np.load(tmp_path / f"{backend}_one.npz")
        got = np.load(tmp_path / f"{backend}_two.npz")
        assert len(ref.files) == len(got.files) == 6
        for k in ref.files:
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-5, err_msg=backend)


@pytest.mark.parametrize("backend", ["numpy"])
def test_dead_process_fails_the_other_in_bounded_time(tmp_path, backend):
    start = time.monotonic()
    procs = _launch(backend, tmp_path / "w.npz", 2, ["--die-at-step", "1"], port=_free_port())
    (code0, _, err0), (code1, _, _) = _finish(procs, timeout=90)
    assert code1 == 3  # rank 1 exited at step 1
    assert code0 not in (0, None, -9), err0[-2000:]
    assert "all-reduce across 2 processes failed" in err0, err0[-2000:]
    assert time.monotonic() - start < 90
