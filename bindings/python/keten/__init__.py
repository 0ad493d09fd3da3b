"""keten — referral matching for the Keten van Hoop, over the C++ core.

Everything heavy runs in C++ (the private extension ``keten._ext``) and releases the GIL; this
package adds keyword arguments, typed results and conversions to numpy and pandas. docs/python.md
walks through it.

>>> import keten
>>> landscape = keten.default_landscape()
>>> landscape.summary().municipalities_served > 200
True
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Union

from keten import _ext
from keten._ext import (
    DEFAULT_SEED,
    Case,
    Cases,
    HelpForm,
    Landscape,
    MatchWeights,
    Need,
    NeedCategory,
    Summary,
    Table,
    __version__,
    distance_km,
    find_blocking_pair,
    generate_cases,
    generate_national_landscape,
    help_form_label,
    help_forms,
    is_stable,
    landscape_from_snapshot,
    load_cases,
    load_landscape,
    load_snapshot,
    member_organisation,
    municipalities,
    parse_cases,
    parse_landscape,
    stable_match,
    standard_categories,
    validate_cases,
)
from keten._build import build_landscape
from keten._cooperation import (
    CONDITIONS,
    CooperationReport,
    Scan,
    Strengths,
    chain_dot,
    chain_members,
    chains,
    cooperation,
    generate_scans,
    load_scan,
    parse_scan,
    questionnaire,
)
from keten._gaps import FORMS, GapAnalysis, TeamPlan, gaps, standard_demand_rates
from keten.errors import Error, KetenIOError, NotFoundError, ParseError, ValidationError
from keten._ext import Allocation, FlowSolution, Ledger
from keten._flow import (
    Allocator,
    AllocationNetwork,
    FlowNetwork,
    allocate,
    allocation_network,
    export_hsds,
    generate_flow_instance,
    import_hsds,
    min_cost_flow,
    parse_dimacs,
    parse_hsds,
    read_dimacs,
)
from keten._simulation import (
    DEFAULT_DURATION_SHAPES,
    Scenario,
    SimulationResult,
    compare,
    load_scenario,
    merge_results,
    parse_scenario,
    simulate,
    simulation_shards,
    summarize,
)
from keten.results import (
    Alternative,
    Assignment,
    AssignmentTerms,
    BatchResult,
    Bundle,
    Handover,
    MatchResult,
    NeedResult,
    Pathway,
    PathwayStep,
    Rejection,
    ScoreBreakdown,
)

__all__ = [
    "DEFAULT_DURATION_SHAPES",
    "Scenario",
    "SimulationResult",
    "compare",
    "load_scenario",
    "merge_results",
    "parse_scenario",
    "simulate",
    "simulation_shards",
    "summarize",
    "CONDITIONS",
    "CooperationReport",
    "Scan",
    "Strengths",
    "chain_dot",
    "chain_members",
    "FORMS",
    "GapAnalysis",
    "TeamPlan",
    "gaps",
    "standard_demand_rates",
    "chains",
    "cooperation",
    "generate_scans",
    "load_scan",
    "parse_scan",
    "questionnaire",
    "Ledger",
    "DEFAULT_SEED",
    "Alternative",
    "Assignment",
    "AssignmentTerms",
    "BatchResult",
    "Bundle",
    "Case",
    "Cases",
    "Error",
    "Handover",
    "HelpForm",
    "KetenIOError",
    "Landscape",
    "MatchResult",
    "MatchWeights",
    "Need",
    "NeedCategory",
    "NeedResult",
    "NotFoundError",
    "ParseError",
    "Pathway",
    "PathwayStep",
    "Rejection",
    "ScoreBreakdown",
    "Summary",
    "Table",
    "ValidationError",
    "__version__",
    "allocate_stable",
    "build_landscape",
    "cases_from_frame",
    "data_dir",
    "default_landscape",
    "distance_km",
    "example_cases",
    "example_landscape",
    "find_blocking_pair",
    "generate_cases",
    "generate_national_landscape",
    "help_form_label",
    "help_forms",
    "is_stable",
    "landscape_from_snapshot",
    "load_cases",
    "load_landscape",
    "load_snapshot",
    "match",
    "match_batch",
    "member_organisation",
    "municipalities",
    "parse_cases",
    "parse_landscape",
    "stable_match",
    "standard_categories",
    "validate_cases",
    "Allocation",
    "Allocator",
    "AllocationNetwork",
    "FlowNetwork",
    "FlowSolution",
    "allocate",
    "allocation_network",
    "export_hsds",
    "generate_flow_instance",
    "import_hsds",
    "min_cost_flow",
    "parse_dimacs",
    "parse_hsds",
    "read_dimacs",
]

#: What match_batch accepts as cases: a Cases batch, Case objects, or a table of cases (a pandas
#: DataFrame, a keten.Table or a mapping of column name to values; see cases_from_frame).
CaseSource = Union[Cases, Iterable[Case], Table, Mapping[str, Any], Any]


def data_dir() -> Path:
    """The data installed with the package: ``national_landscape.json`` (the default landscape)
    and ``example/`` (the example municipality, Zwolle: ``landscape.json`` and ``cases.json``)."""
    return Path(__file__).resolve().parent / "data"


def default_landscape() -> Landscape:
    """The default national landscape (data/national_landscape.json, shipped with the package).

    Falls back to generating it (``generate_national_landscape()``, the same landscape) if the
    data file is missing. Raises ParseError, ValidationError or KetenIOError for a damaged file.
    """
    path = data_dir() / "national_landscape.json"
    if path.exists():
        return load_landscape(path)
    return generate_national_landscape()


def example_landscape() -> Landscape:
    """The hand-checked example municipality (Zwolle, data/example/landscape.json)."""
    return load_landscape(data_dir() / "example" / "landscape.json")


def example_cases(landscape: Optional[Landscape] = None) -> Cases:
    """The example day of cases (data/example/cases.json), validated against ``landscape``
    (by default the example landscape)."""
    return load_cases(data_dir() / "example" / "cases.json", landscape or example_landscape())


def match(
    landscape: Landscape,
    case: Case,
    *,
    top_k: int = 5,
    max_partners: int = 3,
    allow_waitlist: bool = False,
    weights: Optional[MatchWeights] = None,
    exhaustive: bool = False,
    cooperation: Any = None,
) -> MatchResult:
    """The exact top-k bundles of offerings for one case, with pathway and reasons.

    Returns a :class:`MatchResult` (``status``, ``needs`` with candidates and rejections, and
    ``bundles`` best first with score terms in points, assignments, alternatives and pathway);
    ``to_dict()`` gives the per-case shape of the ``keten.matches`` JSON format (docs/matching.md).
    ``exhaustive=True`` enumerates every assignment instead (the correctness oracle; same result,
    slower). ``cooperation`` (a :class:`CooperationReport` from :func:`keten.cooperation` or its
    ``strengths``) feeds the collaboration term: partners who cooperate well score higher
    together (``weights.collaboration`` points per pair times their strength). Raises
    ValidationError for bad options or a case that does not fit the landscape. Releases the GIL
    while matching.
    """
    batch = _ext.match_batch(
        landscape,
        Cases([case]),
        top_k=top_k,
        max_partners=max_partners,
        allow_waitlist=allow_waitlist,
        weights=weights,
        exhaustive=exhaustive,
        cooperation=_strengths(cooperation),
    )
    return BatchResult(batch)[0]


def match_batch(
    landscape: Landscape,
    cases: CaseSource,
    *,
    top_k: int = 5,
    max_partners: int = 3,
    allow_waitlist: bool = False,
    weights: Optional[MatchWeights] = None,
    exhaustive: bool = False,
    threads: int = 1,
    cooperation: Any = None,
) -> BatchResult:
    """Matches every case of a batch, as :func:`match` does one, on ``threads`` C++ threads
    (0: one per core) without the GIL.

    ``cases`` is a :class:`Cases` batch (read without conversion), Case objects, or a table of
    cases (a pandas DataFrame, see :func:`cases_from_frame`). Returns a :class:`BatchResult` in the
    order of the cases; the results do not depend on ``threads``. Raises ValidationError for the
    first case (in order) that does not fit the landscape, or for bad options. ``cooperation`` as
    in :func:`match`.
    """
    batch = _ext.match_batch(
        landscape,
        _as_cases(cases),
        top_k=top_k,
        max_partners=max_partners,
        allow_waitlist=allow_waitlist,
        weights=weights,
        exhaustive=exhaustive,
        threads=threads,
        cooperation=_strengths(cooperation),
    )
    return BatchResult(batch)


def allocate_stable(
    landscape: Landscape,
    cases: CaseSource,
    *,
    optimal: str = "needs",
    weights: Optional[MatchWeights] = None,
    waiting_day: float = 1.0,
    days_waiting: Optional[Iterable[int]] = None,
) -> Table:
    """A stable assignment of every need of the cases to offerings under their free units
    (docs/stable.md): no need and offering would both rather be matched to each other.

    Needs rank their candidate offerings by fit (distance, intake wait); offerings rank needs as
    volunteers choosing whom they help would: by priority (cover x weight x urgency + waiting_day
    points per day waited), then the closer case, then the longer wait. ``optimal="needs"`` gives
    every need its best stable offering, ``"offerings"`` the volunteers' optimum. ``days_waiting``
    has one entry per case. Returns a :class:`Table` with one row per need: case, case_index,
    need, category, offering (None if unmet), priority and fit in points (fit NaN if unmet),
    reason (None if assigned, else why not), waiting_for and queue_position (0 if none). Raises
    ValidationError for a case that does not fit the landscape, duplicate case ids or bad options.
    """
    return _ext.allocate_stable(
        landscape,
        _as_cases(cases),
        optimal=optimal,
        weights=weights,
        waiting_day=waiting_day,
        days_waiting=[] if days_waiting is None else [int(d) for d in days_waiting],
    )


def _strengths(cooperation: Any) -> Optional[Strengths]:
    """The pair strengths of a CooperationReport, or Strengths as they are, or None."""
    if cooperation is None or isinstance(cooperation, Strengths):
        return cooperation
    if isinstance(cooperation, CooperationReport):
        return cooperation.strengths
    raise TypeError(
        "cooperation must be a keten.CooperationReport or its strengths, not "
        + type(cooperation).__name__
    )


def _as_cases(cases: CaseSource) -> Cases:
    if isinstance(cases, Cases):
        return cases
    if isinstance(cases, (Table, Mapping)) or hasattr(cases, "columns"):
        return cases_from_frame(cases)
    return Cases(list(cases))


# --- cases from a table ---------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _column(frame: Any, name: str, rows: int) -> List[Any]:
    if name not in frame:
        return [None] * rows
    values = frame[name]
    out = values.tolist() if hasattr(values, "tolist") else list(values)
    if len(out) != rows:
        raise ValueError(f"column {name!r} has {len(out)} rows, not {rows}")
    return list(out)


def _list(value: Any) -> List[Any]:
    if _missing(value):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if hasattr(value, "tolist"):
        value = value.tolist()
    return list(value)


def _per_need(value: Any, count: int, name: str, case_id: str) -> List[Any]:
    if _missing(value):
        return [None] * count
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value] * count
    items = _list(value)
    if len(items) != count:
        raise ValueError(f"case {case_id!r}: {len(items)} {name} for {count} needs")
    return items


def cases_from_frame(frame: Any) -> Cases:
    """Builds a :class:`Cases` batch from a table with one row per case.

    ``frame`` is a pandas DataFrame, a :class:`Table` (e.g. ``Cases.to_table()``) or a mapping of
    column name to a sequence. Columns (only ``id`` and ``needs`` are required; a missing value —
    None, NaN, ``pd.NA``, postcode 0, age -1 — means unknown):

    - ``id``; ``needs``: a list of category ids, or one string separated by ``;``
    - ``urgencies`` / ``weights``: a list per case aligned with ``needs``, or one number for all its
      needs (``urgency`` / ``weight`` are accepted too); defaults 3 and 1.0
    - ``municipality`` (CBS code), ``postcode`` (PC4, int or str), ``lat`` and ``lon``
    - ``age_min`` / ``age_max``, ``household``, ``languages`` (list or ``;``-string), ``referrer``
    - ``consent`` (default False: nothing is proposed without consent), ``excluded_partners``

    ``cases_from_frame(cases.to_pandas()) == cases``. Raises ValueError for a missing required
    column or misaligned lists, and ValidationError for a malformed postcode, age band, household
    or referrer; categories and municipalities are checked when matched (or by Cases.validate).
    """
    for required in ("id", "needs"):
        if required not in frame:
            raise ValueError(f"a table of cases needs a column {required!r}")
    ids = frame["id"]
    rows = len(ids.tolist() if hasattr(ids, "tolist") else list(ids))
    col = {
        name: _column(frame, name, rows)
        for name in (
            "id", "needs", "urgencies", "urgency", "weights", "weight", "municipality",
            "postcode", "lat", "lon", "age_min", "age_max", "household", "languages",
            "referrer", "consent", "excluded_partners",
        )
    }  # fmt: skip
    out: List[Case] = []
    for i in range(rows):
        case_id = str(col["id"][i])
        categories = [str(c) for c in _list(col["needs"][i])]
        n = len(categories)
        urgencies = _per_need(
            col["urgencies"][i] if not _missing(col["urgencies"][i]) else col["urgency"][i],
            n, "urgencies", case_id,
        )  # fmt: skip
        weights = _per_need(
            col["weights"][i] if not _missing(col["weights"][i]) else col["weight"][i],
            n, "weights", case_id,
        )  # fmt: skip
        needs = [
            Need(
                category,
                urgency=3 if _missing(u) else int(u),
                weight=1.0 if _missing(w) else float(w),
            )
            for category, u, w in zip(categories, urgencies, weights)
        ]
        postcode = col["postcode"][i]
        if _missing(postcode) or postcode == 0 or postcode == "":
            postcode = None
        elif not isinstance(postcode, str):
            postcode = int(postcode)
        lat, lon = col["lat"][i], col["lon"][i]
        point = None if _missing(lat) or _missing(lon) else (float(lat), float(lon))
        age_min, age_max = col["age_min"][i], col["age_max"][i]
        age = None
        if not (_missing(age_min) or _missing(age_max) or int(age_min) < 0 or int(age_max) < 0):
            age = (int(age_min), int(age_max))
        municipality = col["municipality"][i]
        household = col["household"][i]
        referrer = col["referrer"][i]
        consent = col["consent"][i]
        out.append(
            Case(
                case_id,
                needs,
                municipality=None if _missing(municipality) or municipality == "" else str(municipality),
                postcode=postcode,
                point=point,
                age=age,
                household=None if _missing(household) else str(household),
                languages=[str(x) for x in _list(col["languages"][i])],
                referrer="self" if _missing(referrer) else str(referrer),
                consent=False if _missing(consent) else bool(consent),
                excluded_partners=[str(x) for x in _list(col["excluded_partners"][i])],
            )
        )
    return Cases(out)
