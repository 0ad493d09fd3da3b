"""Timing helpers shared by the Python benchmarks (run as scripts from this folder, so that
``import timing`` finds this file)."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any, Callable, Optional, Tuple


def median_seconds(fn: Callable[..., Any], repetitions: int,
                   setup: Optional[Callable[[], Any]] = None) -> float:
    """The median wall time of ``fn()`` (or ``fn(setup())``, with the setup outside the timing)."""
    times = []
    for _ in range(repetitions):
        arg = setup() if setup else None
        start = time.perf_counter()
        fn(arg) if setup else fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired(first: Callable[[], float], second: Callable[[], float], repetitions: int,
           seed: int = 1) -> Tuple[float, float, float]:
    """Runs the two timings (each returns the seconds it measured) in pairs, back to back, in a
    random order within each pair, so that both see the same load of a shared machine. Returns
    the median of each and the median of the per-pair ratios first/second."""
    a, b, ratios = [], [], []
    rng = random.Random(seed)
    for _ in range(repetitions):
        if rng.random() < 0.5:
            x = first()
            y = second()
        else:
            y = second()
            x = first()
        a.append(x)
        b.append(y)
        ratios.append(x / y)
    return statistics.median(a), statistics.median(b), statistics.median(ratios)
