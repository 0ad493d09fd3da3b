#!/usr/bin/env python3
"""Binding overhead of the keten Python package: a batch match through Python against the same
batch timed inside C++, in one run, on the same cases.

    python benchmarks/python/bench_match.py            # or: make bench-python
    python benchmarks/python/bench_match.py --repetitions 21 --cases 10000

What is compared (docs/benchmarks.md, "Python"):

- python: wall time of ``keten.match_batch(landscape, cases, top_k=5)`` seen from Python — argument
  conversion, releasing and retaking the GIL, the C++ work, wrapping the results;
- c++: ``keten._ext.time_match_batch`` with the same arguments — the same C++ function
  (run_batch in bindings/python/ext.cpp, which calls keten::match per case), timed with
  std::chrono inside C++, with no Python in the timed region.

The two run in pairs, back to back (which goes first is random), ``--repetitions`` pairs; the
median of the per-pair ratios is the overhead (target <= 1.10), robust to the load of a shared
machine drifting between pairs. The constant cost of the Python layer per call is measured apart
on a one-case batch. Results are freed outside the timed regions in both. The
cases are the C++ benchmark's realistic day (BM_match_batch: generate_cases(national, 10,000,
seed 12)). For scale, the script also times converting the batch's results to tables and
DataFrames, and the one-case-at-a-time API (keten.match in a Python loop), which builds typed
result objects per case and is not meant for bulk work.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time

import keten
from keten import _ext
from timing import median_seconds, paired


def compare(landscape, cases, repetitions, threads, top_k, a_a=False):
    """Pairs of one Python call and one C++-timed call, back to back in a random order within the
    pair, so that both see the same load of a shared machine. Returns the medians of the two times
    and the median of the per-pair ratios. ``a_a``: C++ against C++, the noise floor."""
    # warm-up: caches, the allocator, first-touch of the landscape's indexes
    keten.match_batch(landscape, cases, top_k=top_k, threads=threads)
    _ext.time_match_batch(landscape, cases, top_k=top_k, threads=threads)

    def through_python():
        gc.collect()
        start = time.perf_counter()
        result = keten.match_batch(landscape, cases, top_k=top_k, threads=threads)
        elapsed = time.perf_counter() - start
        del result  # freed outside the timed region, as in the C++ timing
        return elapsed

    def in_cpp():
        gc.collect()
        return _ext.time_match_batch(landscape, cases, top_k=top_k, threads=threads)

    if a_a:
        through_python = in_cpp  # noqa: F811 - the same call on both sides
    return paired(through_python, in_cpp, repetitions)


def fixed_cost(landscape, case, top_k, repetitions=2001):
    """The constant cost of the Python layer: a one-case batch through Python minus in C++."""
    one = keten.Cases([case])
    p = median_seconds(lambda: keten.match_batch(landscape, one, top_k=top_k), repetitions)
    c = statistics.median(
        _ext.time_match_batch(landscape, one, top_k=top_k) for _ in range(repetitions))
    return p - c


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--repetitions", type=int, default=15)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    landscape = keten.default_landscape()
    cases = keten.generate_cases(landscape, count=args.cases, seed=args.seed)
    figures = {"cases": len(cases), "repetitions": args.repetitions, "top_k": args.top_k}

    print(f"keten {keten.__version__}, Python {platform.python_version()}, {landscape}")
    print(f"{len(cases)} synthetic cases (seed {args.seed}), top {args.top_k}, "
          f"{args.repetitions} pairs of calls, medians\n")
    print("| batch match | through Python | timed in C++ | ratio (median of pairs; target <= 1.10) "
          "| cases/s (Python) |")
    print("|---|---|---|---|---|")
    for threads in (1, 2):
        py_s, cpp_s, ratio = compare(landscape, cases, args.repetitions, threads, args.top_k)
        figures[f"threads_{threads}"] = {"python_s": py_s, "cpp_s": cpp_s, "ratio": ratio}
        print(f"| {threads} thread{'s' if threads > 1 else ''} | {py_s * 1e3:.1f} ms | "
              f"{cpp_s * 1e3:.1f} ms | **{ratio:.3f}** | {len(cases) / py_s / 1e3:.0f} k |")
    a_s, b_s, noise = compare(landscape, cases, args.repetitions, 1, args.top_k, a_a=True)
    figures["noise_floor"] = {"a_s": a_s, "b_s": b_s, "ratio": noise}
    print(f"| noise floor: C++ against C++, 1 thread | {a_s * 1e3:.1f} ms | {b_s * 1e3:.1f} ms | "
          f"{noise:.3f} | |")
    overhead = fixed_cost(landscape, cases[0], args.top_k)
    figures["fixed_cost_s"] = overhead
    print(f"\nConstant cost of the Python layer per match_batch call (a one-case batch, through "
          f"Python minus in C++): {overhead * 1e6:.1f} µs")

    batch = keten.match_batch(landscape, cases, top_k=args.top_k)
    reps = max(3, args.repetitions // 3)
    conversions = {
        "table('bundles')": lambda: batch.table("bundles"),
        "table('assignments')": lambda: batch.table("assignments"),
        "to_pandas('bundles')": lambda: batch.to_pandas("bundles"),
        "to_json()": lambda: batch.to_json(-1),
    }
    print("\n| converting the batch's results | median | per case |")
    print("|---|---|---|")
    for name, fn in conversions.items():
        try:
            s = median_seconds(fn, reps)
        except ImportError:
            print(f"| {name} | (pandas not installed) | |")
            continue
        figures[name] = s
        print(f"| `{name}` | {s * 1e3:.1f} ms | {s / len(cases) * 1e6:.2f} µs |")

    few = keten.Cases(list(cases)[:2000])
    loop = median_seconds(lambda: [keten.match(landscape, c, top_k=args.top_k) for c in few], 3)
    inner = statistics.median(
        _ext.time_match_batch(landscape, few, top_k=args.top_k) for _ in range(5))
    figures["per_case_loop"] = {"python_s": loop, "cpp_s": inner, "cases": len(few)}
    print("\n| one case at a time (2,000 cases) | through Python | timed in C++ | ratio |")
    print("|---|---|---|---|")
    print(f"| `keten.match` in a Python loop (typed results) | {loop * 1e3:.0f} ms | "
          f"{inner * 1e3:.1f} ms | {loop / inner:.1f}× |")

    if args.json:
        print(json.dumps(figures, indent=1))
    worst = max(figures["threads_1"]["ratio"], figures["threads_2"]["ratio"])
    return 0 if worst <= 1.10 else 1


if __name__ == "__main__":
    sys.exit(main())
