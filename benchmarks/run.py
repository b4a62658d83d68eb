"""Benchmark harness: every case runs in a fresh process, cases alternate, medians are reported.

Usage: ``python benchmarks/run.py mlp [--repeats 5] [--cases A B]``. Each suite module
(``benchmarks/<suite>.py``) defines ``TITLE``, ``CASES`` (name -> callable returning samples/s,
or a dict with ``samples_per_s`` and optionally ``first_step_s``, the first step's time, which
holds the compile time on compiled backends) and ``RATIOS`` (``(case, reference, target)``
triples), and runs one case as ``python benchmarks/<suite>.py CASE`` (see ``common.main``).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_case(suite: str, case: str) -> dict | None:
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, os.path.join(HERE, f"{suite}.py"), case],
                          capture_output=True, text=True, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    print(f"  {case}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", nargs="*", help="subset of the suite's cases")
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    suite = importlib.import_module(args.suite)
    cases = args.cases or list(suite.CASES)
    results: dict[str, list[float]] = {c: [] for c in cases}
    first_steps: dict[str, list[float]] = {c: [] for c in cases}
    for r in range(args.repeats):
        order = cases if r % 2 == 0 else list(reversed(cases))
        for case in order:
            out = run_case(args.suite, case)
            if out is not None:
                results[case].append(out["samples_per_s"])
                if "first_step_s" in out:
                    first_steps[case].append(out["first_step_s"])
        print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(
            f"{c} {results[c][-1]:,.0f}" for c in cases if results[c]), flush=True)
    med = {c: statistics.median(v) for c, v in results.items() if v}
    print(f"\n{suite.TITLE} — samples/s, median of {args.repeats} fresh-process runs")
    for c in cases:
        if c in med:
            first = (f"   first step {statistics.median(first_steps[c]):.2f} s"
                     if first_steps[c] else "")
            print(f"  {c:<28} {med[c]:>12,.0f}{first}")
    print("\nratios (target):")
    for case, ref, target in suite.RATIOS:
        if case in med and ref in med:
            ratio = med[case] / med[ref]
            if target is None:
                print(f"  {case} / {ref}: {ratio:.2f}x")
                continue
            verdict = "ok" if ratio >= target else "BELOW TARGET"
            print(f"  {case} / {ref}: {ratio:.2f}x (target >= {target}x) {verdict}")


if __name__ == "__main__":
    main()
