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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

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


@dataclass
class ScenarioRuns:
    """The merged runs of every scenario and seed: ``runs[name][i]`` is seed ``seeds[i]``."""

    seeds: List[int]
    shards: List[List[str]]
    runs: Dict[str, List[SimulationResult]] = field(default_factory=dict)
    tasks: int = 0

    def compare(self, scenario: str, *, by: str = "help_form", confidence: float = 0.95) -> Any:
        """The scenario against the baseline, paired by seed (a DataFrame, see keten.compare)."""
        return compare(self.runs[BASELINE], self.runs[scenario], by=by, confidence=confidence)

    def summary(self, scenario: str = BASELINE, *, by: str = "help_form") -> Any:
        """The metrics of one scenario's runs, means over seeds with intervals (a DataFrame)."""
        return _summarize(self.runs[scenario], by=by)


def run_scenarios(
    landscape: Landscape,
    scenarios: Mapping[str, Any],
    *,
    seeds: Union[int, Sequence[int]] = 5,
    first_seed: int = 1,
    shards: Union[int, Sequence[Sequence[str]]] = 1,
    client: Any = None,
    **options: Any,
) -> ScenarioRuns:
    """Runs the baseline and every scenario (name -> a keten.scenario path, JSON text or dict)
    for every seed and region shard as independent tasks, on the Dask ``client`` (a
    ``dask.distributed.Client``; None runs the same tasks here, one after the other). ``shards``
    is a count (:func:`keten.simulation_shards`) or explicit lists of municipality codes;
    ``options`` are those of :func:`keten.simulate` (weeks, rounds, policy, demand, ...). Returns
    a :class:`ScenarioRuns` whose ``compare(name)`` gives the differences with intervals."""
    if BASELINE in scenarios:
        raise ValueError(f"'{BASELINE}' is the name of the runs without a scenario")
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
    keys: List[Tuple[str, int, int]] = [
        (name, seed, k) for name in texts for seed in seed_list for k in range(len(shard_list))
    ]
    if client is None:
        results = [
            run_task(landscape, texts[name], seed, shard_list[k], options) for name, seed, k in keys
        ]
    else:
        land = client.scatter(landscape, broadcast=True)
        futures = [
            client.submit(
                run_task, land, texts[name], seed, shard_list[k], options, pure=False,
                key=f"keten-simulate-{name}-{seed}-{k}-{id(keys)}",
            )
            for name, seed, k in keys
        ]  # fmt: skip
        results = client.gather(futures)
    by_run: Dict[Tuple[str, int], List[SimulationResult]] = {}
    for (name, seed, _k), result in zip(keys, results):
        by_run.setdefault((name, seed), []).append(result)
    out = ScenarioRuns(seeds=seed_list, shards=shard_list, tasks=len(keys))
    for name in texts:
        out.runs[name] = [merge_results(by_run[(name, seed)]) for seed in seed_list]
    return out


__all__ = ["BASELINE", "ScenarioRuns", "run_scenarios", "run_task"]
