"""Benchmark harness: every case runs in a fresh process, cases alternate, medians are reported.

Usage: ``python benchmarks/run.py mlp [--repeats 5] [--cases A B]``. Each suite module
(``benchmarks/<suite>.py``) defines ``TITLE``, ``CASES`` (name -> callable returning samples/s,
or a dict with ``samples_per_s`` and optionally ``first_step_s``, the first step's time, which
holds the compile time on compiled backends) and ``RATIOS`` (``(case, reference, target)``
triples), and runs one case as ``python benchmarks/<suite>.py CASE`` (see ``common.main``).
A suite may measure something else: ``METRIC`` (the result key, default ``samples_per_s``),
``UNIT`` (its label), ``LOWER_IS_BETTER`` (then a ratio is reference / case, so that above 1
is still better), ``EXTRAS`` (result key -> format of its median, printed beside the metric)
and ``LIMITS`` (``(case, key, maximum)`` triples checked on the medians of extras).
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
    metric = getattr(suite, "METRIC", "samples_per_s")
    unit = getattr(suite, "UNIT", "samples/s")
    lower = getattr(suite, "LOWER_IS_BETTER", False)
    number = "{:>12.3f}" if lower else "{:>12,.0f}"
    extras = getattr(suite, "EXTRAS", {"first_step_s": "first step {:.2f} s"})
    results: dict[str, list[float]] = {c: [] for c in cases}
    extra: dict[str, dict[str, list[float]]] = {c: {k: [] for k in extras} for c in cases}
    for r in range(args.repeats):
        order = cases if r % 2 == 0 else list(reversed(cases))
        for case in order:
            out = run_case(args.suite, case)
            if out is not None:
                results[case].append(out[metric])
                for key in extras:
                    if key in out:
                        extra[case][key].append(out[key])
        print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(
            f"{c} {number.format(results[c][-1]).strip()}" for c in cases if results[c]),
            flush=True)
    med = {c: statistics.median(v) for c, v in results.items() if v}
    extra_med = {c: {k: statistics.median(v) for k, v in e.items() if v} for c, e in extra.items()}
    print(f"\n{suite.TITLE} — {unit}, median of {args.repeats} fresh-process runs")
    width = max(28, *map(len, cases))
    for c in cases:
        if c in med:
            shown = "".join(f"   {extras[k].format(v)}" for k, v in extra_med[c].items())
            print(f"  {c:<{width}} {number.format(med[c])}{shown}")
    print("\nratios (target):")
    for case, ref, target in suite.RATIOS:
        if case in med and ref in med:
            ratio, label = ((med[ref] / med[case], f"{ref} / {case}") if lower
                            else (med[case] / med[ref], f"{case} / {ref}"))
            if target is None:
                print(f"  {label}: {ratio:.2f}x")
                continue
            verdict = "ok" if ratio >= target else "BELOW TARGET"
            print(f"  {label}: {ratio:.2f}x (target >= {target}x) {verdict}")
    limits = [(c, k, m) for c, k, m in getattr(suite, "LIMITS", ()) if k in extra_med.get(c, {})]
    if limits:
        print("\nlimits (target):")
    for case, key, maximum in limits:
        value = extra_med[case][key]
        verdict = "ok" if value <= maximum else "ABOVE TARGET"
        print(f"  {case} {key}: {value:.2f} (target <= {maximum}) {verdict}")


if __name__ == "__main__":
    main()
