"""Where the chain is thin: the gap analysis (re-exported by ``keten``; see docs/gaps.md and
docs/python.md, "Gaps: where the chain is thin")."""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

from keten import _ext
from keten._ext import GapAnalysis, Landscape, TeamPlan

#: The five help forms in the order of every table (keten.help_forms()).
FORMS = ("money", "neighbour", "work", "group", "youth")


def standard_demand_rates() -> dict:
    """The documented default demand per 1,000 inhabitants per year, by help form: each
    member's published yearly volume over the population of the municipalities where it has a
    branch — the uptake where the help exists, a lower bound of the need (docs/data.md)."""
    return _ext.standard_demand_rates()


def _per_form(values: Union[Mapping[str, float], Sequence[float], None], default: float) -> List[float]:
    """One value per help form, in FORMS order, from a mapping by form (the others ``default``) or a
    sequence of five."""
    if values is None:
        return [default] * len(FORMS)
    if isinstance(values, Mapping):
        unknown = set(values) - set(FORMS)
        if unknown:
            raise ValueError(f"unknown help forms {sorted(unknown)}; expected {FORMS}")
        return [float(values.get(f, default)) for f in FORMS]
    out = [float(v) for v in values]
    if len(out) != len(FORMS):
        raise ValueError(f"expected {len(FORMS)} values, one per help form {FORMS}")
    return out


def _rates(rates: Union[Mapping[str, float], Sequence[float]]) -> List[float]:
    """Demand per 1,000 inhabitants per year by help form; a mapping may name only some forms (the
    others keep :func:`standard_demand_rates`)."""
    if isinstance(rates, Mapping):
        return _per_form({**standard_demand_rates(), **rates}, 0.0)
    return _per_form(rates, 0.0)


def gaps(
    landscape: Landscape,
    cases: Any = None,
    *,
    demand: str = "rates",
    rounds: Iterable[Any] = (),
    rates: Union[Mapping[str, float], Sequence[float], None] = None,
    cases_period_days: float = 365.0,
    reach_km: float = 3.0,
    population_samples: int = 64,
) -> GapAnalysis:
    """The gap analysis of a landscape (docs/gaps.md): per municipality and help form the
    expected demand per year, the capacity per year that serves it, the shortfall
    (max(0, demand - capacity)), the share of the population within ``reach_km`` of an offering
    of the help form, and the offerings that serve it.

    ``demand="rates"`` takes population x ``rates`` (per 1,000 inhabitants per year by help form;
    default :func:`standard_demand_rates`); ``demand="cases"`` counts the needs of ``cases`` (and
    of ``rounds``) scaled to a year by ``cases_period_days``. ``cases`` and every batch of
    ``rounds`` (what :func:`keten.allocate` takes) are also allocated, and their unmet needs
    (with the reasons allocate gives) are counted per municipality and help form as evidence of
    gaps. Releases the GIL for the analysis.

    Returns a :class:`GapAnalysis`: ``table()`` and ``totals()`` as Tables (``municipalities=``,
    ``provinces=`` limit them), ``with_all_forms()``, ``missing(form)``,
    ``plan_teams(form, teams=3, ...)`` (where new teams would help most) and ``to_json()``.
    Raises ValidationError (a ValueError) for bad options or cases."""
    from keten import _as_cases
    from keten._flow import allocate

    if demand not in ("rates", "cases"):
        raise ValueError(f"demand is 'rates' or 'cases', not {demand!r}")
    batches = ([] if cases is None else [_as_cases(cases)]) + [_as_cases(r) for r in rounds]
    if demand == "cases" and not batches:
        raise ValueError("demand='cases' needs cases")
    per_1000 = None if rates is None else _rates(rates)
    demand_cases = None
    if demand == "cases":
        demand_cases = _ext.Cases([c for b in batches for c in b]) if len(batches) > 1 else batches[0]
    result = _ext.analyse_gaps(
        landscape,
        cases=demand_cases,
        rates=per_1000,
        cases_period_days=cases_period_days,
        reach_km=reach_km,
        population_samples=population_samples,
    )
    for batch in batches:
        result.add_unmet_evidence(allocate(landscape, batch))
    return result


__all__ = ["FORMS", "GapAnalysis", "TeamPlan", "gaps", "standard_demand_rates"]
