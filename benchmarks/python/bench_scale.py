#!/usr/bin/env python3
"""Speed-up of keten.scale from one Dask worker to two, for independent scenario runs.

    python benchmarks/python/bench_scale.py                 # or: make bench-simulation
    python benchmarks/python/bench_scale.py --repetitions 5 --weeks 52

The same work on a LocalCluster of one worker process and of two (one thread each): the baseline
and three scenarios, each with four seeds, a national year each (16 independent tasks, no region
shards), through keten.scale.run_scenarios. The two clusters are started once and kept; each
repetition runs the batch on both, back to back in a random order (timing.paired), so that both
see the same load of a shared machine; the median of the per-pair ratios is the speed-up.
Reported beside it: the serial time of one task (in this process), the tasks per second, and a
task's compute time on a worker with one worker and with two (Dask's task stream), which tells
Dask's own overhead from two workers slowing each other down on cores shared with other load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import timing  # noqa: E402

import keten  # noqa: E402
from keten import scale  # noqa: E402

SCENARIOS = {
    "weekly": {"format": "keten.scenario", "version": 1, "changes": [{"round_days": 7}]},
    "demand+20%": {"format": "keten.scenario", "version": 1, "changes": [{"demand": 1.2}]},
    "no-amsterdam-buddies": {
        "format": "keten.scenario", "version": 1,
        "changes": [{"close": "shm-gm0363-maatje"}],
    },
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--weeks", type=float, default=52)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    import distributed

    national = keten.default_landscape()
    options = dict(weeks=args.weeks)
    start = time.perf_counter()
    keten.simulate(national, seed=1, **options)
    one_task = time.perf_counter() - start
    tasks = (len(SCENARIOS) + 1) * args.seeds
    clusters = {}
    for workers in (1, 2):
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        clusters[workers] = (cluster, distributed.Client(cluster))

    task_seconds = {1: [], 2: []}  # per batch: the mean compute time of a task on a worker

    def batch(workers: int) -> float:
        client = clusters[workers][1]
        with distributed.get_task_stream(client) as stream:
            start = time.perf_counter()
            runs = scale.run_scenarios(
                national, SCENARIOS, seeds=args.seeds, shards=1, client=client, **options
            )
            elapsed = time.perf_counter() - start
        computes = [
            part["stop"] - part["start"]
            for task in stream.data if "run_task" in str(task["key"])
            for part in task["startstops"] if part["action"] == "compute"
        ]  # fmt: skip
        task_seconds[workers].append(sum(computes) / max(1, len(computes)))
        assert runs.tasks == tasks
        return elapsed

    batch(1), batch(2)  # warm the workers (imports, the scattered landscape)
    one, two, ratio = timing.paired(lambda: batch(1), lambda: batch(2), args.repetitions)
    for cluster, client in clusters.values():
        client.close()
        cluster.close()
    print(f"keten.scale on Dask distributed {distributed.__version__}, {platform.python_version()}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"  {tasks} independent tasks: {len(SCENARIOS) + 1} scenarios x {args.seeds} seeds, "
          f"national, {args.weeks:g} weeks each; one task alone {one_task:.2f} s")  # fmt: skip
    print(f"  1 worker  {one:6.2f} s  ({tasks / one:.2f} tasks/s)")
    print(f"  2 workers {two:6.2f} s  ({tasks / two:.2f} tasks/s)")
    print(f"  speed-up 1 -> 2 workers: {ratio:.2f}x (median of {args.repetitions} paired runs)")
    import statistics

    t1, t2 = (statistics.median(task_seconds[w][1:]) for w in (1, 2))
    print(f"  a task's compute time on a worker: {t1:.3f} s with 1 worker, {t2:.3f} s with 2 "
          f"(> 1: the two workers slow each other down: cores shared with other load)")  # fmt: skip
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
