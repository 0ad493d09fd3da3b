#!/usr/bin/env python3
"""keten.allocate against OR-Tools CP-SAT on the full allocation objective (priority, fit and
complementarity), on days of the example municipality with tight and looser capacity.

    python benchmarks/python/bench_cpsat.py [--seconds 20]

CP-SAT solves the integer programme of keten._ext.allocation_model exactly (when it proves
optimality within --seconds); keten solves the flow exactly and complementarity by its
improvement step. Per instance: the gap of keten's objective to CP-SAT's optimum (or best value and
bound when not proven) and both times, in one run. The model and the solver set-up are the
pytest's (tests/python/test_allocation_ip.py), so that the figures are the tested ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("KETEN_ROOT", str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "python"))

import keten  # noqa: E402
from keten import _ext  # noqa: E402
from test_allocation_ip import WEIGHTS, cp_sat, score, tight_landscape  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args(argv)
    sizes = ((40, 1), (80, 2), (60, 3), (150, 4), (100, 5), (200, 7), (300, 9))
    print("| cases | free units ≤ | needs | options | CP-SAT | keten gap | CP-SAT time | keten time |")
    print("|---:|---:|---:|---:|---|---:|---:|---:|")
    proven, gaps, ratios = 0, [], []
    for count, cap in sizes:
        for seed in range(1, args.seeds + 1):
            land = tight_landscape(lambda i: (i * 7 + seed) % (cap + 1))
            cases = keten.generate_cases(land, count=count, seed=seed, municipalities=["GM0193"])
            model = _ext.allocation_model(land, cases, weights=WEIGHTS)
            start = time.perf_counter()
            status, value, bound = cp_sat(model, args.seconds)
            ip_s = time.perf_counter() - start
            start = time.perf_counter()
            ours = score(keten.allocate(land, cases, weights=WEIGHTS).objective)
            ours_s = time.perf_counter() - start
            if status == "OPTIMAL":
                proven += 1
                gaps.append((value - ours) / value)
                ratios.append(ip_s / ours_s)
                outcome = "optimal"
                gap = f"{100 * gaps[-1]:.3f} %"
            else:
                outcome = f"{status.lower()} (bound +{100 * (bound - value) / value:.0f} %)"
                gap = f"{100 * (value - ours) / value:+.3f} % of its best"
            print(f"| {count} | {cap} | {len(model['need_case'])} | {len(model['option_need'])} | "
                  f"{outcome} | {gap} | {ip_s * 1e3:.0f} ms | {ours_s * 1e3:.2f} ms |")
    total = len(sizes) * args.seeds
    print(f"\nCP-SAT proved the optimum on {proven} of {total} instances in {args.seconds:.0f} s "
          f"(2 workers). On those keten is exact on {sum(g == 0 for g in gaps)}, mean gap "
          f"{100 * statistics.mean(gaps):.3f} %, worst {100 * max(gaps):.3f} %; CP-SAT took a "
          f"median {statistics.median(ratios):.0f}× keten's time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
