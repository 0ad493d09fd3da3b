#!/usr/bin/env python3
"""keten.stable_match against the `matching` package from PyPI (matching.games.HospitalResident)
on the same random hospital-resident instances, in one run.

    python benchmarks/python/bench_stable.py
    python benchmarks/python/bench_stable.py --residents 1000 3000 10000 --repetitions 3

Each resident lists ``--choices`` hospitals drawn at random, each hospital ranks the residents
that list it in a random order (the lists are mutually consistent, as the `matching` package
expects), capacities are drawn from 1 to ``--max-capacity``. Timed per instance, median over
``--repetitions``:

- keten: ``keten.stable_match(resident_prefs, hospital_prefs, capacities)`` seen from Python,
  converting the lists included (the C++ deferred acceptance is O(total list length));
- matching (solve): ``game.solve(optimal="resident")`` on a game built beforehand;
- matching (build + solve): ``HospitalResident.create_from_dictionaries`` plus the solve, i.e. the
  same work from the same lists as keten's call.

Both sides' resident-optimal matchings are checked to be identical before anything is timed.
Prints a Markdown table and the ratios; docs/benchmarks.md ("Stable matching") keeps one run. The
`matching` package copies its players recursively, so the script runs in a thread with a 1 GiB
stack and a high recursion limit.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import threading
import time

import keten
from timing import median_seconds

try:
    from matching.games import HospitalResident
except ImportError:  # pragma: no cover - the benchmark needs it
    sys.exit("bench_stable.py needs the `matching` package: pip install -r requirements-test.txt")


def instance(rng, residents, hospitals, choices, max_capacity):
    resident_prefs = [
        rng.sample(range(hospitals), min(choices, hospitals)) for _ in range(residents)
    ]
    hospital_prefs = [[] for _ in range(hospitals)]
    for r, prefs in enumerate(resident_prefs):
        for h in prefs:
            hospital_prefs[h].append(r)
    for prefs in hospital_prefs:
        rng.shuffle(prefs)
    capacities = [rng.randint(1, max_capacity) for _ in range(hospitals)]
    return resident_prefs, hospital_prefs, capacities


def as_dictionaries(resident_prefs, hospital_prefs, capacities):
    residents = {f"r{r}": [f"h{h}" for h in p] for r, p in enumerate(resident_prefs) if p}
    hospitals = {f"h{h}": [f"r{r}" for r in p] for h, p in enumerate(hospital_prefs) if p}
    caps = {name: capacities[int(name[1:])] for name in hospitals}
    return residents, hospitals, caps


def theirs_as_list(solution, residents):
    out = [None] * residents
    for hospital, matched in solution.items():
        for resident in matched:
            out[int(resident.name[1:])] = int(hospital.name[1:])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--hospitals-per-resident", type=float, default=0.05)
    parser.add_argument("--choices", type=int, default=10)
    parser.add_argument("--max-capacity", type=int, default=30)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"keten {keten.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print()
    print(
        "| residents | hospitals | list entries | keten | matching (solve) "
        "| matching (build + solve) | ratio (solve) | ratio (build + solve) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for residents in args.residents:
        rng = random.Random(args.seed)
        hospitals = max(1, int(residents * args.hospitals_per_resident))
        inst = instance(rng, residents, hospitals, args.choices, args.max_capacity)
        entries = sum(len(p) for p in inst[0])
        dicts = as_dictionaries(*inst)

        ours = keten.stable_match(*inst)
        game = HospitalResident.create_from_dictionaries(*dicts)
        theirs = theirs_as_list(game.solve(optimal="resident"), residents)
        if ours != theirs:
            sys.exit(f"the matchings differ for {residents} residents")
        if not keten.is_stable(*inst, ours):
            sys.exit("keten's matching is not stable")

        t_keten = median_seconds(lambda: keten.stable_match(*inst), args.repetitions)
        t_solve = median_seconds(
            lambda g: g.solve(optimal="resident"),
            args.repetitions,
            setup=lambda: HospitalResident.create_from_dictionaries(*dicts),
        )
        t_both = median_seconds(
            lambda: HospitalResident.create_from_dictionaries(*dicts).solve(optimal="resident"),
            args.repetitions,
        )
        print(
            f"| {residents:,} | {hospitals:,} | {entries:,} | {t_keten * 1e3:.2f} ms "
            f"| {t_solve * 1e3:.0f} ms | {t_both * 1e3:.0f} ms "
            f"| {t_solve / t_keten:.0f}x | {t_both / t_keten:.0f}x |"
        )


if __name__ == "__main__":
    # The `matching` package deep-copies its players recursively: past a few thousand residents
    # that needs a deeper recursion limit and a thread with a larger stack.
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 30)
    worker = threading.Thread(target=main)
    worker.start()
    worker.join()
