"""Data-parallel scaling: samples/s of examples/distributed_mlp.py (the seed MLP, global batch
128) in 1 and 2 processes on loopback, per backend (native engine and torch through
torch.distributed, JAX through jax.distributed, TensorFlow through MultiWorkerMirroredStrategy;
launched with Keras's KERAS_DISTRIBUTION_* variables), and the ratio.

    python benchmarks/distributed.py [--samples 4096] [--epochs 2] [--backends numpy,jax]

Measured at 925d752 on the shared 2-core machine (one run each, under the bench lock): 1 / 2
processes numpy 50,147 / 3,249 samples/s, torch 69,895 / 5,757, jax 21,459 / 3,693, tensorflow
23,716 / 12,780. Two processes each running a 2-thread pool on 2 cores starve each other: with
OMP_NUM_THREADS=1 KFRONT_NUM_THREADS=1 the 2-process runs reach numpy 21,266 and torch 18,416
(jax's XLA threads ignore both: 3,283). torchrun sets OMP_NUM_THREADS=1 per process for this
reason; kfront's own launch (KERAS_DISTRIBUTION_*) does not divide the cores yet.
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
