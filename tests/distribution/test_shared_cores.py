"""Processes of one job on one host split its cores (kfront/distribution/cores.py): each runs
its thread pools on its share, a thread count the user set wins, and the job reports it in
kfront.config.host_settings()."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import kfront
from kfront.backends.common import host
from kfront.distribution import cores

ROOT = Path(__file__).resolve().parents[2]


def test_share_of_the_cores():
    assert cores.threads_per_process(cpus=2, processes=2) == 1
    assert cores.threads_per_process(cpus=8, processes=3) == 2
    assert cores.threads_per_process(cpus=1, processes=4) == 1
    assert cores.threads_per_process(cpus=16, processes=1) == 16


def test_processes_on_this_host_from_the_launcher():
    assert cores.local_processes(["10.0.0.9:1"], 8, environ={"LOCAL_WORLD_SIZE": "4"}) == 4
    assert cores.local_processes(["127.0.0.1:1"], 2, environ={}) == 2  # loopback coordinator
    assert cores.local_processes(["localhost:1", "127.0.0.1:2", "192.0.2.7:3"], 3,
                                 environ={}) == 2  # one address per process: the local ones
    assert cores.local_processes(["192.0.2.7:1"], 4, environ={}) == 1  # unknown: no split


@pytest.fixture
def fresh_state(monkeypatch):
    if kfront.config.backend() != "numpy" or not host.enabled():
        pytest.skip("the native engine's pool with host tuning on")
    from kfront.backends.numpy import threads
    monkeypatch.setattr(cores, "_cpus", lambda: 2)
    before = threads.num_threads()
    threads.set_num_threads(2)
    yield threads
    cores.release()
    cores._state.clear()  # (host.settings() lists it only in a joined process)
    threads.set_num_threads(before)


def test_two_processes_on_two_cores_get_one_thread_each(fresh_state, monkeypatch):
    for var in ("KFRONT_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    cores.before_join(["127.0.0.1:1"], 2)
    cores.after_join()
    assert fresh_state.num_threads() == 1
    entry = host.settings()["shared_cores"]
    assert entry["changed"] and "1 thread(s) each" in entry["value"], entry
    cores.release()  # gives the pool back its two threads
    assert fresh_state.num_threads() == 2
    assert not host.settings()["shared_cores"]["changed"]


def test_the_users_thread_count_wins(fresh_state, monkeypatch):
    monkeypatch.setenv("KFRONT_NUM_THREADS", "2")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    cores.before_join(["127.0.0.1:1"], 2)
    cores.after_join()
    assert fresh_state.num_threads() == 2
    assert not any("openmp" in c or "native" in c for c in cores._state["changed"])



def test_without_threadpoolctl_the_pool_is_split_and_a_warning_says_what_is_left(
        fresh_state, monkeypatch):
    for var in ("KFRONT_NUM_THREADS", "OMP_NUM_THREADS", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # (import raises ImportError)
    cores.before_join(["127.0.0.1:1"], 2)
    with pytest.warns(UserWarning, match="threadpoolctl is not installed"):
        cores.after_join()
    assert fresh_state.num_threads() == 1

_CODE = """
import json, kfront, torch
from kfront import distribution
from kfront.backends.numpy import threads
distribution.initialize()
print(json.dumps({"setting": kfront.config.host_settings()["shared_cores"],
                  "native": threads.num_threads(), "torch": torch.get_num_threads()}))
"""


def test_a_two_process_job_splits_the_cores_and_reports_it():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in (
        "KFRONT_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "KFRONT_HOST_TUNING", "LOCAL_WORLD_SIZE", "WORLD_SIZE", "RANK", "MASTER_ADDR")}
    env.update(KFRONT_BACKEND="numpy", PYTHONPATH=str(ROOT), GLOO_SOCKET_IFNAME="lo",
               KFRONT_DISTRIBUTION_TIMEOUT="30",
               KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
               KERAS_DISTRIBUTION_NUM_PROCESSES="2")
    procs = [subprocess.Popen([sys.executable, "-c", _CODE], text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              env={**env, "KERAS_DISTRIBUTION_PROCESS_ID": str(rank)})
             for rank in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    cpus = len(os.sched_getaffinity(0))
    share = max(1, cpus // 2)
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
        got = json.loads(out.strip().splitlines()[-1])
        assert got["native"] == min(share, 8) and got["torch"] <= share, got
        assert got["setting"]["changed"] == (cpus > 1), got
        if cpus > 1:
            assert f"2 processes of the job share this host's {cpus} cores" in (
                got["setting"]["value"]), got
