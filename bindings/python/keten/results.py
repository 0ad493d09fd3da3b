"""Typed match results: what :func:`keten.match` and :func:`keten.match_batch` return.

A :class:`MatchResult` is one case's result in the shape of the ``keten.matches`` JSON format
(docs/matching.md, "Output"): per need the candidates and the rejected offerings with the reason, and
the bundles best first, each with its score broken into terms, the assignment of every need (or why
it is left uncovered, and its best alternative) and the pathway. Scores and terms are in points.

A :class:`BatchResult` keeps the results of a batch in C++ and converts on demand: one case to a
:class:`MatchResult`, or every bundle, assignment or need at once to a :class:`keten.Table` of
numpy arrays and from there to a pandas DataFrame.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional, Tuple

import numpy as np
import numpy.typing as npt

from keten import _ext

__all__ = [
    "Alternative",
    "Assignment",
    "AssignmentTerms",
    "BatchResult",
    "Bundle",
    "Handover",
    "MatchResult",
    "NeedResult",
    "Pathway",
    "PathwayStep",
    "Rejection",
    "ScoreBreakdown",
]

_KINDS = ("bundles", "assignments", "needs")


@dataclass(frozen=True)
class Rejection:
    """An offering in reach of a need that could not be used, and why."""

    offering: str
    partner: str
    reason: str  #: ``excluded``, ``not_eligible`` or ``no_capacity``
    eligibility: Optional[str] = None  #: the failed rule when ``not_eligible``: age, household, ...


@dataclass(frozen=True)
class NeedResult:
    """One need of the case: its candidates after every hard constraint, and the rejected ones."""

    index: int
    category: str
    urgency: int
    weight: float
    in_category: int  #: offerings of the category in the whole landscape
    out_of_area: int  #: of those, how many do not reach the case
    candidates: Tuple[str, ...]  #: offering ids, ascending
    rejected: Tuple[Rejection, ...]


@dataclass(frozen=True)
class AssignmentTerms:
    """The terms of one need → offering assignment, in points."""

    cover: float
    distance: float
    wait: float
    capacity: float
    total: float


@dataclass(frozen=True)
class ScoreBreakdown:
    """A bundle's score broken into its terms, in points; ``total`` is the score."""

    cover: float
    distance: float
    wait: float
    capacity: float
    complementarity: float
    collaboration: float
    extra_partners: float

    @property
    def total(self) -> float:
        """The sum of the terms (equal to the bundle's score up to float rounding)."""
        return (
            self.cover
            + self.distance
            + self.wait
            + self.capacity
            + self.complementarity
            + self.collaboration
            + self.extra_partners
        )


@dataclass(frozen=True)
class Alternative:
    """The best other choice for a need with the rest of the bundle unchanged."""

    offering: Optional[str]  #: None: leaving the need uncovered
    partner: Optional[str]
    uncovered: bool
    loss: float  #: points the bundle would lose by it


@dataclass(frozen=True)
class Assignment:
    """How one need is covered in one bundle, or why it is not."""

    need: int
    category: str
    offering: Optional[str]
    partner: Optional[str] = None
    branch: Optional[str] = None
    terms: Optional[AssignmentTerms] = None
    distance_km: Optional[float] = None
    #: why not covered: not_chosen, no_offering_in_category, out_of_area, excluded, not_eligible,
    #: no_capacity
    uncovered: Optional[str] = None
    eligibility: Optional[str] = None
    alternative: Optional[Alternative] = None

    @property
    def covered(self) -> bool:
        """True if an offering covers the need in this bundle."""
        return self.offering is not None


@dataclass(frozen=True)
class PathwayStep:
    """One offering of the pathway with the needs it covers; steps of a stage may run in parallel."""

    step: int
    stage: int
    offering: str
    partner: str
    needs: Tuple[int, ...]
    categories: Tuple[str, ...]


@dataclass(frozen=True)
class Handover:
    """A warm handover between the partners of two steps."""

    from_partner: str
    to_partner: str
    from_step: int
    to_step: int
    because_of_precedence: bool


@dataclass(frozen=True)
class Pathway:
    """The order in which a bundle's partners help."""

    stages: int
    steps: Tuple[PathwayStep, ...]
    handovers: Tuple[Handover, ...]


@dataclass(frozen=True)
class Bundle:
    """A combination of offerings covering the case's needs, with its score, reasons and pathway."""

    rank: int  #: from 1
    score: float  #: points
    covered: int  #: needs covered
    partners: int
    breakdown: ScoreBreakdown
    assignments: Tuple[Assignment, ...]  #: one per need, in the case's order
    pathway: Pathway

    @property
    def offerings(self) -> Tuple[Optional[str], ...]:
        """The offering of each need (None where uncovered)."""
        return tuple(a.offering for a in self.assignments)


def _rejection(d: Mapping[str, Any]) -> Rejection:
    return Rejection(d["offering"], d["partner"], d["reason"], d.get("eligibility"))


def _need(d: Mapping[str, Any]) -> NeedResult:
    return NeedResult(
        index=d["index"],
        category=d["category"],
        urgency=d["urgency"],
        weight=d["weight"],
        in_category=d.get("in_category", 0),
        out_of_area=d.get("out_of_area", 0),
        candidates=tuple(d.get("candidate_offerings", ())),
        rejected=tuple(_rejection(r) for r in d.get("rejected", ())),
    )


def _assignment(d: Mapping[str, Any]) -> Assignment:
    terms = d.get("terms")
    alternative = d.get("alternative")
    return Assignment(
        need=d["need"],
        category=d["category"],
        offering=d["offering"],
        partner=d.get("partner"),
        branch=d.get("branch"),
        terms=None if terms is None else AssignmentTerms(**terms),
        distance_km=d.get("distance_km"),
        uncovered=d.get("uncovered"),
        eligibility=d.get("eligibility"),
        alternative=None
        if alternative is None
        else Alternative(
            offering=alternative["offering"],
            partner=alternative.get("partner"),
            uncovered=alternative["uncovered"],
            loss=alternative["loss"],
        ),
    )


def _pathway(d: Mapping[str, Any]) -> Pathway:
    return Pathway(
        stages=d["stages"],
        steps=tuple(
            PathwayStep(
                step=s["step"],
                stage=s["stage"],
                offering=s["offering"],
                partner=s["partner"],
                needs=tuple(s["needs"]),
                categories=tuple(s["categories"]),
            )
            for s in d["steps"]
        ),
        handovers=tuple(
            Handover(
                from_partner=h["from"],
                to_partner=h["to"],
                from_step=h["from_step"],
                to_step=h["to_step"],
                because_of_precedence=h["because_of_precedence"],
            )
            for h in d["handovers"]
        ),
    )


def _bundle(d: Mapping[str, Any]) -> Bundle:
    return Bundle(
        rank=d["rank"],
        score=d["score"],
        covered=d["covered"],
        partners=d["partners"],
        breakdown=ScoreBreakdown(**d["breakdown"]),
        assignments=tuple(_assignment(a) for a in d["assignments"]),
        pathway=_pathway(d["pathway"]),
    )


def _table(batch: _ext.MatchBatch, kind: str, index: Optional[int]) -> _ext.Table:
    if kind == "bundles":
        return batch.bundles(index)
    if kind == "assignments":
        return batch.assignments(index)
    if kind == "needs":
        return batch.needs(index)
    raise ValueError(f"kind is one of {', '.join(_KINDS)}, not {kind!r}")


@dataclass(frozen=True)
class MatchResult:
    """One case's match result: needs with candidates, and the bundles best first."""

    case: str  #: the case's opaque id
    status: str  #: ``ok``, or ``no_consent`` (then there are no bundles)
    needs: Tuple[NeedResult, ...]
    bundles: Tuple[Bundle, ...]
    _raw: Mapping[str, Any] = field(repr=False, compare=False)
    _batch: Optional[_ext.MatchBatch] = field(default=None, repr=False, compare=False)
    _index: int = field(default=0, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "MatchResult":
        """Builds the result from its ``keten.matches`` per-case dict (see :meth:`to_dict`)."""
        return cls._build(copy.deepcopy(dict(d)), None, 0)

    @classmethod
    def _build(
        cls, raw: Mapping[str, Any], batch: Optional[_ext.MatchBatch], index: int
    ) -> "MatchResult":
        return cls(
            case=raw["case"],
            status=raw["status"],
            needs=tuple(_need(n) for n in raw["needs"]),
            bundles=tuple(_bundle(b) for b in raw["bundles"]),
            _raw=raw,
            _batch=batch,
            _index=index,
        )

    @property
    def best(self) -> Optional[Bundle]:
        """The best bundle, or None if there is none."""
        return self.bundles[0] if self.bundles else None

    def to_dict(self) -> dict[str, Any]:
        """The result as the per-case dict of the ``keten.matches`` JSON format (a fresh copy)."""
        return copy.deepcopy(dict(self._raw))

    def to_json(self, indent: Optional[int] = 1) -> str:
        """The result as a JSON text in the ``keten.matches`` per-case shape."""
        return json.dumps(self._raw, indent=indent)

    def table(self, kind: str = "assignments") -> _ext.Table:
        """The result as a :class:`keten.Table`: ``assignments`` (one row per bundle and need),
        ``bundles`` (one row per bundle) or ``needs`` (one row per need). Raises ValueError for
        another kind."""
        if self._batch is None:
            raise ValueError("this result was built from a dict; tables come from keten.match()")
        return _table(self._batch, kind, self._index)

    def to_pandas(self, kind: str = "assignments") -> Any:
        """:meth:`table` as a pandas DataFrame. Raises ImportError if pandas is not installed."""
        return self.table(kind).to_pandas()


class BatchResult:
    """The results of :func:`keten.match_batch`, in the order of the cases.

    ``len(result)``, ``result[i]`` (a :class:`MatchResult`) and iteration read one case at a time;
    :meth:`table` and :meth:`to_pandas` read every case at once, built in C++.
    """

    __slots__ = ("_batch",)

    def __init__(self, batch: _ext.MatchBatch) -> None:
        self._batch = batch

    def __len__(self) -> int:
        return len(self._batch)

    def __getitem__(self, index: int) -> MatchResult:
        """The result of case ``index`` (negative counts from the end). Raises IndexError."""
        if index < 0:
            index += len(self._batch)
        return MatchResult._build(json.loads(self._batch.result_json(index)), self._batch, index)

    def __iter__(self) -> Iterator[MatchResult]:
        for i in range(len(self._batch)):
            yield self[i]

    def __repr__(self) -> str:
        return f"<BatchResult: {len(self)} cases>"

    @property
    def landscape(self) -> _ext.Landscape:
        """The landscape the cases were matched on."""
        return self._batch.landscape

    @property
    def cases(self) -> _ext.Cases:
        """The cases, in order."""
        return self._batch.cases

    @property
    def case_ids(self) -> list[str]:
        """The case ids, in order."""
        return self._batch.case_ids

    @property
    def bundle_counts(self) -> npt.NDArray[np.int64]:
        """The number of bundles per case."""
        return self._batch.bundle_counts

    @property
    def best_scores(self) -> npt.NDArray[np.float64]:
        """The best bundle's score per case, in points (NaN where there is none)."""
        return self._batch.best_scores

    def table(self, kind: str = "bundles") -> _ext.Table:
        """Every case's ``bundles`` (one row per bundle), ``assignments`` (one row per bundle and
        need) or ``needs`` (one row per need) as a :class:`keten.Table` of numpy arrays. Raises
        ValueError for another kind."""
        return _table(self._batch, kind, None)

    def to_pandas(self, kind: str = "bundles") -> Any:
        """:meth:`table` as a pandas DataFrame. Raises ImportError if pandas is not installed."""
        return self.table(kind).to_pandas()

    def to_json(self, indent: int = 1) -> str:
        """The batch as a ``keten.matches`` JSON document (what ``keten match --json`` prints)."""
        return self._batch.to_json(indent)

    def to_dict(self) -> dict[str, Any]:
        """The batch as the ``keten.matches`` document, parsed."""
        result: dict[str, Any] = json.loads(self._batch.to_json(-1))
        return result
