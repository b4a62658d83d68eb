"""``python -m kfront.testing MODULE:FUNCTION --shape 8,784``: check a model on every backend.

``MODULE`` is a Python file path or an importable module; ``FUNCTION`` builds and returns the
model. Inputs are standard-normal samples of ``--shape`` (repeat ``--shape`` for several inputs;
``--int-range N`` draws integer ids in [0, N) instead, e.g. for Embedding). Exits with status 1
when a deviation exceeds ``--tolerance``.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

import numpy as np

from kfront.testing.check_backends import check_backends


def _load(target: str):
    module_name, _, fn_name = target.rpartition(":")
    if not module_name or not fn_name:
        raise SystemExit(f"expected MODULE:FUNCTION, got {target!r}")
    if module_name.endswith(".py") or os.path.sep in module_name:
        spec = importlib.util.spec_from_file_location("_checked_model", module_name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, fn_name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kfront.testing", description=__doc__)
    parser.add_argument("target", help="MODULE:FUNCTION returning a model")
    parser.add_argument("--shape", action="append", required=True,
                        help="input shape, batch included, e.g. 8,784 (repeat per input)")
    parser.add_argument("--int-range", type=int, default=None)
    parser.add_argument("--backends", nargs="*", default=None)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    shapes = [tuple(int(s) for s in shape.split(",")) for shape in args.shape]
    if args.int_range:
        inputs = [rng.integers(0, args.int_range, size=s).astype("int32") for s in shapes]
    else:
        inputs = [rng.normal(size=s).astype("float32") for s in shapes]
    report = check_backends(_load(args.target), inputs[0] if len(inputs) == 1 else inputs,
                            backends=args.backends)
    print(report)
    worst = report.max_deviation()
    print(f"largest deviation {worst:.3e} (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
