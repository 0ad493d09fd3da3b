"""The what-if simulation (re-exported by ``keten``; docs/simulation.md and docs/python.md,
"Simulating months of demand"). The simulation itself runs in C++ without the GIL; this module
adds keyword arguments and DataFrames."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from keten import _ext
from keten._gaps import _per_form, _rates
from keten._ext import Cases, Landscape, MatchWeights, Scenario, SimulationResult

PathLike = Union[str, Path]
ScenarioSource = Union[Scenario, PathLike, Mapping[str, Any], None]

#: Shapes of the gamma distributions of help durations by help form (0: exactly the mean).
DEFAULT_DURATION_SHAPES = tuple(_ext.DEFAULT_DURATION_SHAPES)

_ROUNDS = {"daily": 1.0, "weekly": 7.0, "continuous": 0.0}


def load_scenario(path: PathLike, landscape: Landscape) -> Scenario:
    """Reads a keten.scenario document against the landscape. Raises ParseError,
    ValidationError or NotFoundError naming the file, line or JSON pointer, field and id, and
    KetenIOError if the file cannot be read."""
    return _ext.load_scenario(Path(path), landscape)


def parse_scenario(
    text: Union[str, Mapping[str, Any]], landscape: Landscape, source: str = "<string>"
) -> Scenario:
    """:func:`load_scenario` from JSON text, or from a dict of the document."""
    if not isinstance(text, str):
        text = json.dumps(text)
    return _ext.parse_scenario(text, landscape, source)


def _scenario(scenario: ScenarioSource, landscape: Landscape) -> Optional[Scenario]:
    if scenario is None or isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Mapping):
        return parse_scenario(scenario, landscape)
    return load_scenario(scenario, landscape)


def _round_days(rounds: Union[str, float]) -> float:
    if isinstance(rounds, str):
        if rounds not in _ROUNDS:
            raise ValueError("rounds is daily, weekly, continuous or a number of days")
        return _ROUNDS[rounds]
    return float(rounds)


def simulate(
    landscape: Landscape,
    *,
    weeks: float = 52,
    warmup_weeks: float = 0,
    seed: int = _ext.DEFAULT_SEED,
    rounds: Union[str, float] = "daily",
    policy: str = "allocate",
    demand: float = 1.0,
    form_demand: Union[Mapping[str, float], Sequence[float], None] = None,
    rates: Union[Mapping[str, float], Sequence[float], None] = None,
    duration_shapes: Union[Mapping[str, float], Sequence[float], None] = None,
    municipalities: Iterable[str] = (),
    cases: Optional[Cases] = None,
    sample_days: float = 7.0,
    turnover: float = 0.2,
    waiting_day: float = 1.0,
    fairness: float = 0.0,
    weights: Optional[MatchWeights] = None,
    scenario: ScenarioSource = None,
) -> SimulationResult:
    """Simulates ``weeks`` of demand (after ``warmup_weeks`` not measured) with one ``seed``
    (docs/simulation.md): cases arrive per municipality and help form (at ``rates`` needs per
    1,000 inhabitants a year — by default keten.standard_demand_rates(), the gap analysis's —,
    times ``demand`` and ``form_demand``, in ``municipalities`` or
    wherever the landscape reaches; or resampled from ``cases``, which arrived over
    ``sample_days``), help lasting the offering's typical duration times a gamma variate of
    mean 1 and the help form's shape (``duration_shapes``; 1 is exponential, 0 exact; by default
    keten.DEFAULT_DURATION_SHAPES), referral ``rounds`` (``"daily"``, ``"weekly"``, ``"continuous"`` or days)
    hand them out with ``policy`` (``"allocate"``: the warm allocator; ``"allocate_cold"``;
    ``"match"``: per case in arrival order), help lasts a duration drawn per help form, and
    ``turnover`` of the volunteers leave and join per year. ``scenario`` (a :class:`Scenario`, a
    path or a dict of a keten.scenario document) applies its changes. The same seed gives the
    same result; a scenario with the same seed sees the same arrivals (common random numbers).
    Raises ValidationError for bad options. Releases the GIL."""
    what_if = _scenario(scenario, landscape)
    return _ext.simulate(
        landscape,
        weeks=weeks,
        warmup_weeks=warmup_weeks,
        seed=seed,
        round_days=_round_days(rounds),
        policy=policy,
        demand=demand,
        form_demand=_per_form(form_demand, 1.0),
        rates=None if rates is None else _rates(rates),
        duration_shapes=None if duration_shapes is None else _per_form(duration_shapes, 0.0),
        municipalities=list(municipalities),
        sample=cases,
        sample_days=sample_days,
        turnover=turnover,
        waiting_day=waiting_day,
        fairness=fairness,
        weights=weights,
        scenario=what_if,
    )


def compare(
    baseline: Sequence[SimulationResult],
    scenario: Sequence[SimulationResult],
    *,
    by: str = "help_form",
    confidence: float = 0.95,
) -> Any:
    """The metrics (wait_mean, wait_median, wait_p90, referred, waiting, unmet, utilisation,
    arrived) per group (``by``: total, help_form or municipality), baseline[i] against
    scenario[i] run with the same seed: the means over seeds, and the difference with its
    Student-t ``confidence`` interval over the paired seeds. Returns a pandas DataFrame with
    columns municipality, help_form, metric, baseline(_low/_high), scenario(_low/_high),
    difference(_low/_high), seeds. Raises ValidationError if the seeds do not pair."""
    return _ext.compare_runs(list(baseline), list(scenario), by, confidence).to_pandas()


def summarize(
    runs: Sequence[SimulationResult], *, by: str = "help_form", confidence: float = 0.95
) -> Any:
    """The metrics of :func:`compare` for one set of runs: per group and metric the mean over
    the seeds with its interval (columns municipality, help_form, metric, mean, low, high,
    seeds)."""
    frame = _ext.compare_runs(list(runs), [], by, confidence).to_pandas()
    frame = frame.rename(columns={"baseline": "mean", "baseline_low": "low", "baseline_high": "high"})
    return frame[["municipality", "help_form", "metric", "mean", "low", "high", "seeds"]]


def merge_results(parts: Sequence[SimulationResult]) -> SimulationResult:
    """The runs of a simulation's region shards (one seed) as one result (docs/scale.md)."""
    return _ext.merge_results(list(parts))


def simulation_shards(landscape: Landscape, count: int) -> List[List[str]]:
    """The municipalities the landscape reaches in at most ``count`` groups of about equal
    population that no offering joins: simulating each group alone is the whole simulation in
    independent parts (docs/scale.md)."""
    return _ext.simulation_shards(landscape, count)


def frames(result: SimulationResult) -> Dict[str, Any]:
    """A run's tables as pandas DataFrames: ``needs``, ``weeks``, ``offerings``, ``referrals``
    and ``summary`` (by help form)."""
    return {
        "needs": result.needs().to_pandas(),
        "weeks": result.weeks().to_pandas(),
        "offerings": result.offerings().to_pandas(),
        "referrals": result.referrals().to_pandas(),
        "summary": result.summary("help_form").to_pandas(),
    }


__all__ = [
    "DEFAULT_DURATION_SHAPES",
    "Scenario",
    "SimulationResult",
    "compare",
    "frames",
    "load_scenario",
    "merge_results",
    "parse_scenario",
    "simulate",
    "simulation_shards",
    "summarize",
]

