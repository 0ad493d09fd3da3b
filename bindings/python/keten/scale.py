"""Scenarios x seeds x region shards as independent tasks on Dask distributed (docs/scale.md).

Every task is one call of :func:`keten.simulate` for one scenario, one seed and one region shard;
the shards of one (scenario, seed) are merged in C++ (:func:`keten.merge_results`) and the
scenarios compared with the baseline paired by seed (:func:`keten.compare`). Without a client the
same tasks run one after the other in this process, which is what the tests compare the cluster's
results with.

Why Dask and not Ray: both install from PyPI, but Dask distributed is pure Python (no native
runtime to match across machines), a ``LocalCluster`` with two worker processes starts in a second
or two in CI, the scheduler ships the results as pickles that pandas and keten both support, and
the same code runs on a multi-machine cluster by passing a ``Client`` connected to its scheduler.
The heavy work releases the GIL, so threads of one worker also run tasks side by side.

Shards: help is local, so the unit of distribution is the region. The shards are the connected
components of the relation "an offering may serve a municipality", packed into groups of about equal
population (:func:`keten.simulation_shards`): an offering that serves several municipalities (a
Present branch with its neighbours, a TijdVoorActie network's circle) keeps all of them in one
shard, so no unit of capacity is ever counted in two shards and a referral across a municipal
border happens inside its shard exactly as in a national run. Arrival streams are per
municipality and help form, so the shards of a run see exactly the arrivals of the national run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from keten import _ext
from keten._ext import Landscape, SimulationResult
from keten._simulation import compare, merge_results, parse_scenario, simulate, simulation_shards
from keten._simulation import summarize as _summarize

ScenarioText = Optional[str]
BASELINE = "baseline"


def _scenario_text(source: Any) -> ScenarioText:
    """A scenario as JSON text (tasks parse it against the landscape on the worker)."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return json.dumps(source)
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
        return Path(source).read_text(encoding="utf-8")
    return str(source)


def run_task(
    landscape: Landscape,
    scenario: ScenarioText,
    seed: int,
    municipalities: Sequence[str],
    options: Mapping[str, Any],
) -> SimulationResult:
    """One task: the simulation of one scenario (JSON text, or None for the baseline), one seed
    and one shard. Picklable arguments and result, so that it runs on any Dask worker."""
    what_if = None if scenario is None else parse_scenario(scenario, landscape, "<scenario>")
    return simulate(
        landscape,
        seed=seed,
        municipalities=list(municipalities),
        scenario=what_if,
        **dict(options),
    )


METRICS = ("wait_mean", "wait_median", "wait_p90", "referred", "waiting", "unmet", "utilisation",
           "arrived")  # fmt: skip
_COUNTS = ("referred", "waiting", "unmet", "arrived")


def summary_task(by: str, *parts: SimulationResult) -> Any:
    """A reduce task: the shards of one (scenario, seed) merged and summarised on the worker, so
    that only a small table travels to the client (``keep="summary"``)."""
    merged = parts[0] if len(parts) == 1 else merge_results(parts)
    return merged.summary(by).to_pandas()


def _per_seed(frames: Sequence[Any]) -> Dict[Tuple[Any, Any], Dict[str, List[float]]]:
    """group -> metric -> value per seed (NaN where a group is missing; counts there are 0)."""
    out: Dict[Tuple[Any, Any], Dict[str, List[float]]] = {}
    for i, frame in enumerate(frames):
        frame = frame.assign(unmet=frame.arrived - frame.referred - frame.waiting)
        for row in frame.itertuples(index=False):
            key = (row.municipality, row.help_form)
            metrics = out.setdefault(key, {m: [math.nan] * len(frames) for m in METRICS})
            for m in METRICS:
                metrics[m][i] = float(getattr(row, m))
    for metrics in out.values():
        for m in _COUNTS:
            metrics[m] = [0.0 if math.isnan(v) else v for v in metrics[m]]
    return out


def compare_summaries(baseline: Sequence[Any], scenario: Sequence[Any], *,
                      confidence: float = 0.95) -> Any:
    """keten.compare on per-seed summary tables (what ``keep="summary"`` keeps): the same means,
    paired differences and Student-t intervals (keten's C++ estimate_mean), the same columns."""
    import pandas as pd

    if len(baseline) != len(scenario) or not baseline:
        raise ValueError("compare needs as many scenario runs as baseline runs, at least one")
    base, scen = _per_seed(baseline), _per_seed(scenario)
    rows = []
    for key in sorted(set(base) | set(scen), key=lambda k: (_order(k[0]), _order(k[1]))):
        empty = {m: [0.0 if m in _COUNTS else math.nan] * len(baseline) for m in METRICS}
        b, s = base.get(key, empty), scen.get(key, empty)
        for m in METRICS:
            diff = [y - x for x, y in zip(b[m], s[m])]
            row = {"municipality": key[0], "help_form": key[1], "metric": m}
            for name, values in (("baseline", b[m]), ("scenario", s[m]), ("difference", diff)):
                mean, low, high, n = _ext.estimate_mean(values, confidence)
                row.update({name: mean, f"{name}_low": low, f"{name}_high": high})
            row["seeds"] = n
            rows.append(row)
    return pd.DataFrame(rows)


_FORM_ORDER = {f: i for i, f in enumerate(("money", "neighbour", "work", "group", "youth"))}


def _order(value: Any) -> Tuple[int, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (-1, "")
    return (0, _FORM_ORDER.get(value, value))


@dataclass
class ScenarioRuns:
    """The runs of every scenario and seed: ``runs[name][i]`` is seed ``seeds[i]`` merged over the
    shards (``keep="runs"``), or ``summaries[name][i]`` its summary table (``keep="summary"``)."""

    seeds: List[int]
    shards: List[List[str]]
    by: str = "help_form"
    runs: Dict[str, List[SimulationResult]] = field(default_factory=dict)
    summaries: Dict[str, List[Any]] = field(default_factory=dict)
    tasks: int = 0

    def compare(self, scenario: str, *, by: Optional[str] = None, confidence: float = 0.95) -> Any:
        """The scenario against the baseline, paired by seed (a DataFrame, see keten.compare)."""
        if self.runs:
            return compare(self.runs[BASELINE], self.runs[scenario], by=by or self.by,
                           confidence=confidence)  # fmt: skip
        if by not in (None, self.by):
            raise ValueError(f"the summaries are grouped by {self.by}; keep='runs' to regroup")
        return compare_summaries(self.summaries[BASELINE], self.summaries[scenario],
                                 confidence=confidence)  # fmt: skip

    def summary(self, scenario: str = BASELINE, *, by: Optional[str] = None) -> Any:
        """The metrics of one scenario's runs, means over seeds with intervals (a DataFrame)."""
        if self.runs:
            return _summarize(self.runs[scenario], by=by or self.by)
        frame = self.compare(scenario) if scenario != BASELINE else compare_summaries(
            self.summaries[BASELINE], self.summaries[BASELINE])
        frame = frame.rename(columns={"scenario": "mean", "scenario_low": "low",
                                      "scenario_high": "high"})  # fmt: skip
        return frame[["municipality", "help_form", "metric", "mean", "low", "high", "seeds"]]


def run_scenarios(
    landscape: Landscape,
    scenarios: Mapping[str, Any],
    *,
    seeds: Union[int, Sequence[int]] = 5,
    first_seed: int = 1,
    shards: Union[int, Sequence[Sequence[str]]] = 1,
    client: Any = None,
    keep: str = "runs",
    by: str = "help_form",
    **options: Any,
) -> ScenarioRuns:
    """Runs the baseline and every scenario (name -> a keten.scenario path, JSON text or dict)
    for every seed and region shard as independent tasks, on the Dask ``client`` (a
    ``dask.distributed.Client``; None runs the same tasks here, one after the other). ``shards``
    is a count (:func:`keten.simulation_shards`) or explicit lists of municipality codes;
    ``options`` are those of :func:`keten.simulate` (weeks, rounds, policy, demand, ...).

    ``keep="runs"`` brings every run to the client (merged over its shards: all its needs, weeks
    and offerings); ``keep="summary"`` merges and summarises each (scenario, seed) on a worker
    (grouped ``by``) and brings only those tables, for runs too many to hold. Either way the
    result's ``compare(name)`` gives the differences with intervals."""
    if BASELINE in scenarios:
        raise ValueError(f"'{BASELINE}' is the name of the runs without a scenario")
    if keep not in ("runs", "summary"):
        raise ValueError("keep is 'runs' or 'summary'")
    for key in ("seed", "municipalities", "scenario"):
        if key in options:
            raise ValueError(f"{key} is set per task by run_scenarios")
    seed_list = list(range(first_seed, first_seed + seeds)) if isinstance(seeds, int) else list(seeds)
    shard_list = (
        simulation_shards(landscape, shards) if isinstance(shards, int) else [list(s) for s in shards]
    )
    texts: Dict[str, ScenarioText] = {BASELINE: None}
    for name, source in scenarios.items():
        texts[name] = _scenario_text(source)
        if texts[name] is not None:  # a bad file fails here, not on a worker
            parse_scenario(texts[name] or "", landscape, name)
    runs = [(name, seed) for name in texts for seed in seed_list]
    out = ScenarioRuns(seeds=seed_list, shards=shard_list, by=by,
                       tasks=len(runs) * len(shard_list))  # fmt: skip
    if client is None:
        parts = {
            run: [run_task(landscape, texts[run[0]], run[1], s, options) for s in shard_list]
            for run in runs
        }
        reduced = {run: summary_task(by, *p) if keep == "summary" else merge_results(p)
                   for run, p in parts.items()}  # fmt: skip
    else:
        land = client.scatter(landscape, broadcast=True)
        futures = {}
        for name, seed in runs:
            shard_futures = [
                client.submit(run_task, land, texts[name], seed, s, options, pure=False)
                for s in shard_list
            ]
            futures[(name, seed)] = (
                client.submit(summary_task, by, *shard_futures, pure=False)
                if keep == "summary" else shard_futures
            )  # fmt: skip
        gathered = client.gather(futures)
        reduced = {run: value if keep == "summary" else merge_results(value)
                   for run, value in gathered.items()}  # fmt: skip
    for name in texts:
        target = out.summaries if keep == "summary" else out.runs
        target[name] = [reduced[(name, seed)] for seed in seed_list]
    return out


__all__ = ["BASELINE", "METRICS", "ScenarioRuns", "compare_summaries", "run_scenarios",
           "run_task", "summary_task"]
