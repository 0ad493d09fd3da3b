"""Local chains and the five conditions of cooperation (re-exported by ``keten``; see
docs/python.md, "Local chains and cooperation", and docs/cooperation.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Optional, Union

from keten import _ext
from keten._ext import CooperationReport, Landscape, Scan, Strengths, Table

PathLike = Union[str, Path]

#: The five conditions of cooperation (Kaats & Opheij), in the order of every table.
CONDITIONS = (
    "shared_ambition",
    "recognition_of_interests",
    "meaningful_process",
    "building_relationships",
    "professional_organisation",
)


def chains(landscape: Landscape) -> Table:
    """The landscape's local chains, one row per chain: ``chain`` (id), ``name``, ``form`` (the
    form of cooperation), ``started`` (YYYY-MM-DD), ``municipalities`` (codes, space separated),
    ``partners`` (count), ``members`` (partner ids) and ``initiators`` (partner ids, or
    ``role:<id>`` for a role)."""
    return _ext.chains_table(landscape)


def chain_members(landscape: Landscape) -> Table:
    """One row per chain and member: ``chain``, ``partner``, ``member`` (the organisation),
    ``municipality`` (the partner's) and ``initiator`` (bool)."""
    return _ext.chain_members_table(landscape)


def chain_dot(
    landscape: Landscape, chain: str, cooperation: Optional[CooperationReport] = None
) -> str:
    """The partner network of ``chain`` (an id) as Graphviz DOT, what ``keten chains --dot``
    writes: members as nodes (filled in their help form's colour, a double border for an
    initiator), edges between members who can complement each other in the chain's
    municipalities; with a ``cooperation`` report, rated pairs carry their strength (label, width,
    colour) and the graph's label the weakest condition. Render it with Graphviz, e.g.
    ``subprocess.run(["dot", "-Tsvg"], input=text, text=True, capture_output=True)``."""
    return _ext.chain_dot(landscape, chain, cooperation)


def questionnaire() -> Table:
    """The standard questionnaire: 25 statements, five per condition, in Dutch and English
    (``statement`` id, ``condition``, ``reversed`` — agreeing means the condition is weak —,
    ``text_nl``, ``text_en``)."""
    return _ext.questionnaire_table()


def load_scan(path: PathLike, landscape: Landscape) -> Scan:
    """Reads a cooperation scan: a keten.scan JSON document, or CSV with one row per answer
    (columns chain, date, partner, respondent, statement, value). Every answer is checked against
    the landscape and the questionnaire; the first bad one raises ParseError or ValidationError
    naming file, line (or JSON pointer), field and chain, and nothing is imported."""
    return _ext.load_scan(Path(path), landscape)


def parse_scan(text: str, landscape: Landscape, source: str = "<string>") -> Scan:
    """:func:`load_scan` from text (JSON if it starts with ``{``, else CSV)."""
    return _ext.parse_scan(text, landscape, source)


def generate_scans(
    landscape: Landscape, *, seed: int = _ext.DEFAULT_SEED, chains: Iterable[str] = ()
) -> Scan:
    """Synthetic scans of the landscape's chains (two dates each; docs/data.md), reproducible from
    ``seed``; ``chains`` limits them to these ids."""
    return _ext.generate_scans(landscape, seed=seed, chains=list(chains))


def cooperation(
    scan: Union[Scan, PathLike],
    landscape: Optional[Landscape] = None,
    *,
    chain: Union[None, str, Iterable[str]] = None,
    alpha: float = 0.05,
    current: Optional[str] = None,
    baseline: Optional[str] = None,
) -> CooperationReport:
    """What the scans say (docs/cooperation.md): per chain and condition the mean of the partner
    means, the spread between partners (max - min of their means) and their standard deviation,
    the weakest condition, and the trend against the previous scan (an exact Mann-Whitney rank-sum
    test for small samples, with Vargha-Delaney's A); per pair of partners a cooperation strength
    in [0, 1].

    ``scan`` is a :class:`Scan` or a path (then ``landscape`` is required). ``chain`` limits the
    report to one chain id or several; ``current`` / ``baseline`` (YYYY-MM-DD) choose the scans
    compared. The report's ``conditions()``, ``partner_means()`` and ``pairs()`` are Tables
    (``.to_pandas()``); ``strengths`` goes to ``keten.match(..., cooperation=...)`` and
    ``keten.allocate(..., cooperation=...)``. Raises NotFoundError for an unknown chain and
    ValidationError for alpha outside (0, 1) or a bad date.
    """
    if not isinstance(scan, Scan):
        if landscape is None:
            raise TypeError("cooperation(path, landscape): a landscape is needed to read a scan")
        scan = load_scan(scan, landscape)
    if chain is None:
        ids: List[str] = []
    elif isinstance(chain, str):
        ids = [chain]
    else:
        ids = list(chain)
    return _ext.assess_cooperation(scan, alpha=alpha, current=current, baseline=baseline, chains=ids)


__all__ = [
    "CONDITIONS",
    "chain_dot",
    "CooperationReport",
    "Scan",
    "Strengths",
    "chain_members",
    "chains",
    "cooperation",
    "generate_scans",
    "load_scan",
    "parse_scan",
    "questionnaire",
]
