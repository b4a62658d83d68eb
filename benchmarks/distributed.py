"""Data-parallel scaling: samples/s of examples/distributed_mlp.py (the seed MLP, global batch
128) in 1 and 2 processes on loopback, per backend (torch, native engine), and the ratio.

    python benchmarks/distributed.py [--samples 4096] [--epochs 2]
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
           "GLOO_SOCKET_IFNAME": "lo"}
    if processes > 1:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(processes))
    procs = [subprocess.Popen([sys.executable, str(ROOT / "examples" / "distributed_mlp.py"),
                               *extra], env={**env, "RANK": str(r)} if processes > 1 else env,
                              stdout=subprocess.PIPE, text=True) for r in range(processes)]
    outs = [p.communicate(timeout=1200)[0] for p in procs]
    return float(re.search(r"([\d.]+) samples/s", outs[0]).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    extra = ["--samples", str(args.samples), "--epochs", str(args.epochs), "--batch-size", "128"]
    print(f"{'backend':8} {'1 process':>12} {'2 processes':>12} {'ratio':>6}")
    for backend in ("numpy", "torch"):
        one, two = run(backend, 1, extra), run(backend, 2, extra)
        print(f"{backend:8} {one:10.0f}/s {two:10.0f}/s {two / one:6.2f}")


if __name__ == "__main__":
    main()
