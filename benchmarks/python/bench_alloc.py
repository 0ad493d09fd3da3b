#!/usr/bin/env python3
"""Binding overhead of keten.allocate: the allocation of a whole day through Python against the
same call timed inside C++, in one run, on the same cases.

    python benchmarks/python/bench_alloc.py            # or: make bench-python
    python benchmarks/python/bench_alloc.py --repetitions 15

What is compared (docs/benchmarks.md, "Python"):

- python: wall time of ``keten.allocate(landscape, cases)`` seen from Python — argument conversion,
  releasing and retaking the GIL, keten::allocate, wrapping the result (an Allocation that holds
  the C++ result; its tables are built when asked for, and that is timed apart);
- c++: ``keten._ext.time_allocate`` with the same arguments — keten::allocate on the same cases,
  timed with std::chrono inside C++, with no Python in the timed region.

The two run in pairs, back to back (which goes first is random); the median of the per-pair
ratios is the overhead (target <= 1.10). Results are freed outside the timed regions in both.
The days are the C++ benchmark's (BM_Allocate_Keten): generate_cases(national, seed 77) for one
province (Gelderland, 8,000 cases) and the country (50,000 cases, about 112,800 needs).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time

import keten
from keten import _ext
from timing import median_seconds, paired


def compare(landscape, cases, repetitions):
    keten.allocate(landscape, cases)  # warm-up: caches, first touch of the landscape's indexes
    _ext.time_allocate(landscape, cases)

    def through_python():
        gc.collect()
        start = time.perf_counter()
        result = keten.allocate(landscape, cases)
        elapsed = time.perf_counter() - start
        del result
        return elapsed

    def in_cpp():
        gc.collect()
        return _ext.time_allocate(landscape, cases)

    return paired(through_python, in_cpp, repetitions)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    landscape = keten.default_landscape()
    days = {
        "province (Gelderland)": keten.generate_cases(
            landscape, count=8_000, seed=77, municipalities=_province(landscape, "Gelderland")),
        "country": keten.generate_cases(landscape, count=50_000, seed=77),
    }
    print(f"keten {keten.__version__}, Python {platform.python_version()}, {landscape}")
    print(f"{args.repetitions} pairs of calls per day, medians\n")
    print("| allocate | cases / needs | through Python | timed in C++ | ratio (median of pairs; "
          "target <= 1.10) |")
    print("|---|---|---|---|---|")
    figures = {"repetitions": args.repetitions}
    worst = 0.0
    for name, cases in days.items():
        needs = sum(len(c.needs) for c in cases)
        py_s, cpp_s, ratio = compare(landscape, cases, args.repetitions)
        worst = max(worst, ratio)
        figures[name] = {"cases": len(cases), "needs": needs, "python_s": py_s, "cpp_s": cpp_s,
                         "ratio": ratio}
        print(f"| {name} | {len(cases):,} / {needs:,} | {py_s * 1e3:.1f} ms | {cpp_s * 1e3:.1f} ms "
              f"| **{ratio:.3f}** |")

    result = keten.allocate(landscape, days["country"])
    reps = 3
    conversions = {
        "assigned()": lambda: result.assigned(),
        "unmet()": lambda: result.unmet(),
        "unmet().to_pandas()": lambda: result.unmet().to_pandas(),
    }
    print("\n| reading the country's result | median |")
    print("|---|---|")
    for name, fn in conversions.items():
        try:
            s = median_seconds(fn, reps)
        except ImportError:
            print(f"| `{name}` | (pandas not installed) |")
            continue
        figures[name] = s
        print(f"| `{name}` | {s * 1e3:.1f} ms |")
    if args.json:
        print(json.dumps(figures, indent=1))
    return 0 if worst <= 1.10 else 1


def _province(landscape, province):
    table = keten.municipalities()
    codes = table["code"].tolist() if hasattr(table["code"], "tolist") else list(table["code"])
    provinces = table["province"]
    provinces = provinces.tolist() if hasattr(provinces, "tolist") else list(provinces)
    return [c for c, p in zip(codes, provinces) if p == province]


if __name__ == "__main__":
    sys.exit(main())
