"""Data-parallel scaling: samples/s of examples/distributed_mlp.py (the seed MLP, global batch
128) in 1 and 2 processes on loopback, per backend (native engine and torch through
torch.distributed, JAX through jax.distributed, TensorFlow through MultiWorkerMirroredStrategy;
launched with Keras's KERAS_DISTRIBUTION_* variables), and the ratio.

    python benchmarks/distributed.py [--samples 4096] [--epochs 2] [--backends numpy,jax]

Measured 2026-12-07 at 6ccb9b5 on the shared 2-core AMD EPYC machine (3 runs under the bench
lock, medians; samples/s, 1 / 2 processes): numpy 46,243 / 23,480 (0.51x), torch 75,410 /
27,766 (0.37x), jax 24,922 / 4,090 (0.16x), tensorflow 50,305 / 20,456 (0.41x). Two processes
on 2 cores cannot beat one here. kfront's launch now gives each process its share of the cores
(kfront/distribution/cores.py): the 2-process rates are 7x (numpy) and 5x (torch) those measured
at 925d752 (3,249 and 5,757, before that and perhaps on another 2-core machine), near what
OMP_NUM_THREADS=1 KFRONT_NUM_THREADS=1 gave then; jax's XLA threads ignore thread settings.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(backend: str, processes: int, extra: list) -> float:
    """Global samples/s of one run (rank 0's fit time)."""
    env = {**os.environ, "KFRONT_BACKEND": backend, "PYTHONPATH": str(ROOT),
           "GLOO_SOCKET_IFNAME": "lo", "TF_CPP_MIN_LOG_LEVEL": "2"}
    if processes > 1:
        with socket.socket() as s:  # TensorFlow's workers listen at port, port + 1, ...
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env.update(KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
                   KERAS_DISTRIBUTION_NUM_PROCESSES=str(processes))
    procs = [subprocess.Popen([sys.executable, str(ROOT / "examples" / "distributed_mlp.py"),
                               *extra], env={**env, "KERAS_DISTRIBUTION_PROCESS_ID": str(r)}
                              if processes > 1 else env,
                              stdout=subprocess.PIPE, text=True) for r in range(processes)]
    outs = [p.communicate(timeout=1200)[0] for p in procs]
    return float(re.search(r"([\d.]+) samples/s", outs[0]).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--backends", default="numpy,torch,jax,tensorflow")
    args = parser.parse_args()
    extra = ["--samples", str(args.samples), "--epochs", str(args.epochs), "--batch-size", "128"]
    print(f"{'backend':8} {'1 process':>12} {'2 processes':>12} {'ratio':>6}")
    for backend in args.backends.split(","):
        one, two = run(backend, 1, extra), run(backend, 2, extra)
        print(f"{backend:8} {one:10.0f}/s {two:10.0f}/s {two / one:6.2f}")


if __name__ == "__main__":
    main()
