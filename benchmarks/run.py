"""Benchmark harness: every case runs in a fresh process, cases alternate, medians are reported.

Usage: ``python benchmarks/run.py mlp [--repeats 5] [--cases A B] [--markdown FILE]``, or
``python benchmarks/run.py all [--repeats 5] [--markdown FILE]``: the suites that carry issue
17's targets (``ALL``) one after the other, then one summary table of every ratio with its
target, marked ``ok`` or ``BELOW TARGET`` (``MISSING`` where a case failed), headed by the
machine (CPU model, cores, date, versions); ``--markdown`` also writes that as markdown.

Each suite module (``benchmarks/<suite>.py``) defines ``TITLE``, ``CASES`` (name -> callable
returning samples/s, or a dict of results: ``samples_per_s`` and optionally ``first_step_s``,
the first step's time, which holds the compile time on compiled backends, or other keys) and
``RATIOS``: ``(case, reference, target)`` on the suite's metric or ``(case, reference, target,
key)`` on the result key ``key``, target None for a ratio printed without a verdict. A ratio
is oriented so that above 1 means ``case`` is better: case / reference, or reference / case
for a time (the metric of a ``LOWER_IS_BETTER`` suite, or a key ending in ``_s``, ``_ms`` or
``_us``). A suite may also set ``METRIC`` (the main result key, default ``samples_per_s``),
``UNIT`` (its label), ``LOWER_IS_BETTER``, ``EXTRAS`` (result key -> format of its median,
printed beside the metric), ``LIMITS`` (``(case, key, maximum)`` triples checked on medians)
and ``DERIVED`` (medians -> figures computed from several cases, as ``(what, case, case value,
reference, reference value, figure)`` rows without a target). A suite runs one case as
``python benchmarks/<suite>.py CASE``, printing one JSON line (see ``common.main``).
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ALL = ("mlp", "cnn", "lstm", "inference")
COLUMNS = ("suite", "what", "case", "value", "reference", "ref. value", "ratio", "target",
           "verdict")
KEYS = {"samples_per_s": ("samples/s", "{:,.0f}"),
        "first_step_s": ("time to first step", "{:.2f} s"),
        "fit_step_us": ("fit per-step time", "{:,.0f} µs"),
        "predict_samples_per_s": ("predict samples/s", "{:,.0f}"),
        "predict_on_batch_us": ("predict_on_batch latency", "{:,.0f} µs"),
        "gflops": ("GEMM speed", "{:.1f} GFLOP/s")}


def run_case(suite: str, case: str) -> dict | None:
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, os.path.join(HERE, f"{suite}.py"), case],
                          capture_output=True, text=True, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    print(f"  {case}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def metric(suite) -> str:
    return getattr(suite, "METRIC", "samples_per_s")


def is_time(suite, key: str) -> bool:
    """Lower is better for ``key``: the metric of a LOWER_IS_BETTER suite, or a duration."""
    if key == metric(suite):
        return getattr(suite, "LOWER_IS_BETTER", False)
    return key.endswith(("_s", "_ms", "_us"))


def describe(suite, key: str) -> tuple[str, str]:
    """``(label, format)`` of the result key ``key`` of ``suite``."""
    if key == metric(suite):
        number = "{:,.3f}" if getattr(suite, "LOWER_IS_BETTER", False) else "{:,.0f}"
        return getattr(suite, "UNIT", "samples/s"), number
    return KEYS.get(key, (key, "{:.3g}"))


def measure(name: str, suite, cases: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Every case ``repeats`` times in fresh processes, alternating the order: case -> result
    key -> median."""
    runs: dict[str, dict[str, list[float]]] = {c: {} for c in cases}
    for r in range(repeats):
        shown = []
        for case in cases if r % 2 == 0 else cases[::-1]:
            out = run_case(name, case) or {}
            values = {k: v for k, v in out.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)}
            for key, value in values.items():
                runs[case].setdefault(key, []).append(value)
            key = metric(suite) if metric(suite) in values else next(iter(values), None)
            shown.append(f"{case} {describe(suite, key)[1].format(values[key])}" if key
                         else f"{case} failed")
        print(f"{name} repeat {r + 1}/{repeats}: " + ", ".join(shown), flush=True)
    return {c: {k: statistics.median(v) for k, v in keys.items()} for c, keys in runs.items()}


def report_rows(name: str, suite, med: dict, cases: list[str]) -> list[tuple]:
    """The suite's ratios, limits and derived figures as rows of ``COLUMNS``."""
    rows = []
    for case, ref, target, *key in suite.RATIOS:
        if case not in cases or ref not in cases:
            continue
        key = key[0] if key else metric(suite)
        what, fmt = describe(suite, key)
        a, b = med[case].get(key), med[ref].get(key)
        shown = [fmt.format(v) if v is not None else "—" for v in (a, b)]
        target_text = "" if target is None else f">= {target:.2f}x"
        if a is None or b is None:
            rows.append((name, what, case, shown[0], ref, shown[1], "—", target_text,
                         "MISSING"))
            continue
        ratio = b / a if is_time(suite, key) else a / b
        verdict = "" if target is None else "ok" if ratio >= target else "BELOW TARGET"
        rows.append((name, what, case, shown[0], ref, shown[1], f"{ratio:.2f}x", target_text,
                     verdict))
    for case, key, maximum in getattr(suite, "LIMITS", ()):
        value = med.get(case, {}).get(key)
        if value is not None:
            rows.append((name, f"{key} (limit)", case, f"{value:.2f}", "", "", "",
                         f"<= {maximum:g}", "ok" if value <= maximum else "ABOVE TARGET"))
    derived = getattr(suite, "DERIVED", None)
    rows += [(name, *row, "", "") for row in (derived(med) if derived else ())]
    return rows


def text_table(rows: list[tuple], columns: tuple) -> str:
    widths = [max(len(str(r[i])) for r in (columns, *rows)) for i in range(len(columns))]
    return "\n".join("  " + "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()
                     for r in (columns, *rows))


def markdown_table(rows: list[tuple], columns: tuple) -> str:
    lines = [columns, ("---",) * len(columns), *rows]
    return "\n".join("| " + " | ".join(str(v) for v in r) + " |" for r in lines)


def print_suite(suite, med: dict, cases: list[str], rows: list[tuple], repeats: int) -> None:
    key = metric(suite)
    unit, number = describe(suite, key)
    extras = getattr(suite, "EXTRAS", {"first_step_s": "first step {:.2f} s"})
    print(f"\n{suite.TITLE} — {unit}, median of {repeats} fresh-process runs")
    width = max(28, *map(len, cases))
    for c in cases:
        main_value = number.format(med[c][key]) if key in med[c] else "" if med[c] else "failed"
        shown = "".join(f"   {extras[k].format(v)}" for k, v in med[c].items() if k in extras)
        print(f"  {c:<{width}} {main_value:>12}{shown}")
    if rows:
        print("\n" + text_table([r[1:] for r in rows], COLUMNS[1:]))


def _version(*names: str) -> str:
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def machine() -> list[str]:
    """Lines describing this machine and run: CPU, cores, date, library versions."""
    cpu, cores = platform.processor() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            info = [line.split(":", 1) for line in f if ":" in line]
        core = {}
        for k, v in ((k.strip(), v.strip()) for k, v in info):
            if k == "model name":
                cpu = v
            elif k in ("physical id", "core id"):
                core[k] = v
                if len(core) == 2:
                    cores.add((core.pop("physical id"), core.pop("core id")))
    except OSError:
        pass
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    threads = [f"{k}={os.environ[k]}" for k in ("KFRONT_NUM_THREADS", "OMP_NUM_THREADS",
                                                  "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ]
    commit = subprocess.run(["git", "-C", os.path.dirname(HERE), "describe", "--always",
                             "--dirty"], capture_output=True, text=True).stdout.strip()
    versions = ", ".join(f"{n} {_version(*d)}" for n, *d in (
        ("numpy", "numpy"), ("torch", "torch"), ("tensorflow", "tensorflow", "tensorflow-cpu"),
        ("jax", "jax"), ("jaxlib", "jaxlib"), ("keras", "keras")))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [f"Machine: {cpu}; {os.cpu_count()} logical CPUs"
            + (f" ({len(cores)} physical cores)" if cores else "")
            + (f", {available} available to this run" if available else "")
            + f"; {platform.system()} {platform.release()}; {now}.",
            f"Versions: Python {platform.python_version()}, {versions}; kfront "
            f"{_version('kfront')} ({commit or 'no git'}).",
            "Threads: " + (", ".join(threads) if threads else "library defaults") + "."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", help="a suite (a module of benchmarks/) or 'all': "
                                      + ", ".join(ALL))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", nargs="*", help="subset of the suite's cases")
    parser.add_argument("--markdown", metavar="FILE", help="also write the summary as markdown")
    args = parser.parse_args()
    if args.suite == "all" and args.cases:
        parser.error("--cases needs one suite, not 'all'")
    sys.path.insert(0, HERE)
    from common import QUICK
    rows, titles = [], []
    for name in ALL if args.suite == "all" else (args.suite,):
        suite = importlib.import_module(name)
        cases = args.cases or list(suite.CASES)
        unknown = sorted(set(cases) - set(suite.CASES))
        if unknown:
            parser.error(f"{name} has no case {', '.join(unknown)}; it has "
                         f"{', '.join(suite.CASES)}")
        med = measure(name, suite, cases, args.repeats)
        suite_rows = report_rows(name, suite, med, cases)
        print_suite(suite, med, cases, suite_rows, args.repeats)
        rows += suite_rows
        titles.append(f"{name}: {suite.TITLE}")
    head = machine() + [f"Medians of {args.repeats} fresh-process runs per case, cases "
                        "alternating. Ratio: case / reference, for times reference / case "
                        "(above 1: the case is better)."]
    if QUICK:
        head.append("KFRONT_BENCH_QUICK=1: a smoke run on shrunk data, not a measurement.")
    if args.suite == "all":
        below = sum(r[-1] in ("BELOW TARGET", "ABOVE TARGET", "MISSING") for r in rows)
        print("\nSummary\n" + "\n".join(head) + "\n\n" + text_table(rows, COLUMNS))
        print(f"\n{below} of {sum(bool(r[-1]) for r in rows)} targets missed" if below
              else "\nall targets met")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n\n".join(["\n".join(f"- {line}" for line in head),
                                 markdown_table(rows, COLUMNS),
                                 "\n".join(f"- {t}" for t in titles)]) + "\n")


if __name__ == "__main__":
    main()
