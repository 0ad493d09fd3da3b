"""Minimum-cost flow, the allocation of a whole day and HSDS import/export (re-exported by
``keten``; see docs/python.md, "Allocating a day")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import numpy as np

from keten import _ext
from keten._ext import Allocation, FlowSolution, Landscape, MatchWeights

PathLike = Union[str, Path]


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """A min-cost-flow instance as numpy int64 columns: ``supply`` per node (> 0 sends out, < 0
    takes in) and per arc ``source``, ``target`` (0-based node ids), ``lower``, ``upper`` (the
    capacity) and ``cost`` per unit of flow. What :func:`read_dimacs`, :func:`parse_dimacs` and
    :func:`generate_flow_instance` return; :meth:`solve` hands it to :func:`min_cost_flow`."""

    supply: np.ndarray
    source: np.ndarray
    target: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray

    @property
    def node_count(self) -> int:
        return int(len(self.supply))

    @property
    def arc_count(self) -> int:
        return int(len(self.source))

    def columns(self) -> Dict[str, np.ndarray]:
        """The arrays as keyword arguments of :func:`min_cost_flow`."""
        return {
            "supply": self.supply,
            "source": self.source,
            "target": self.target,
            "lower": self.lower,
            "upper": self.upper,
            "cost": self.cost,
        }

    def solve(self) -> FlowSolution:
        """:func:`min_cost_flow` on this network."""
        return _ext.min_cost_flow(**self.columns())

    def check(self, solution: FlowSolution) -> str:
        """'' if ``solution`` is a feasible flow whose potentials prove it optimal, else what is
        wrong (keten::flow::check_optimality: an independent check)."""
        return _ext.check_flow_optimality(
            **self.columns(), flow=solution.flow, potential=solution.potential
        )

    def to_dimacs(self, comment: str = "") -> str:
        """The network as DIMACS text (node ids 1-based there)."""
        return _ext.to_dimacs(**self.columns(), comment=comment)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowNetwork):
            return NotImplemented
        pairs = zip(self.columns().values(), other.columns().values())
        return all(np.array_equal(a, b) for a, b in pairs)

    def __repr__(self) -> str:
        return f"<FlowNetwork: {self.node_count} nodes, {self.arc_count} arcs>"


@dataclass(frozen=True, eq=False)
class AllocationNetwork(FlowNetwork):
    """The min-cost-flow network of :func:`allocate` (what :func:`allocation_network` returns):
    the ``sink`` (a node id), the supply nodes (one per need, or per class of interchangeable
    needs; ``supply_nodes`` of them), the offerings and, with fairness, a node per municipality,
    in the order the builder met them. Arc costs are minus priority + fit in thousandths of a
    point, so the optimal cost is minus the allocation's flow objective (x 1000)."""

    sink: int = 0
    supply_nodes: int = 0

    def __repr__(self) -> str:
        return (
            f"<AllocationNetwork: {self.node_count} nodes ({self.supply_nodes} supply), "
            f"{self.arc_count} arcs>"
        )


def _network(columns: Dict[str, Any]) -> FlowNetwork:
    return FlowNetwork(**columns)


def min_cost_flow(
    supply: Any, source: Any, target: Any, lower: Any, upper: Any, cost: Any
) -> FlowSolution:
    """A feasible flow of minimum total cost, or proof that none exists.

    ``supply`` has one integer per node (> 0 sends out, < 0 takes in; node ids are 0-based);
    ``source``, ``target``, ``lower``, ``upper`` and ``cost`` one integer per arc (lower bounds
    and negative costs allowed, magnitudes up to 2^40). Arrays or sequences of integers; floats are
    refused (TypeError). Solved in exact 64-bit arithmetic without the GIL: assignment instances
    (every node a unit source or sink, arcs only from sources to sinks) by shortest augmenting
    paths, everything else by keten's primal network simplex. Returns a :class:`FlowSolution`:
    ``status`` ('optimal' or 'infeasible' — unbalanced supplies or no way to route them), ``cost``
    (int, lower bounds included), ``flow`` per arc and ``potential`` per node (numpy int64, an
    optimal dual). Raises ValidationError for arrays of different lengths, an unknown node or a
    value out of range.
    """
    return _ext.min_cost_flow(supply, source, target, lower, upper, cost)


def parse_dimacs(text: str, source_name: str = "<string>") -> FlowNetwork:
    """Parses a DIMACS min-cost-flow instance (``p min``, ``n`` and ``a`` lines; docs/formats.md)
    into a :class:`FlowNetwork` with 0-based node ids. Raises ParseError naming the line."""
    return _network(_ext.parse_dimacs(text, source_name))


def read_dimacs(path: PathLike) -> FlowNetwork:
    """Reads a DIMACS min-cost-flow file (see :func:`parse_dimacs`). Raises KetenIOError or
    ParseError."""
    return _network(_ext.read_dimacs(path))


def generate_flow_instance(
    kind: str,
    nodes: int,
    arcs: int = 0,
    *,
    seed: int = 1,
    max_cost: int = 1000,
    max_capacity: int = 1000,
    source_percent: int = 10,
    supply_per_source: int = 1000,
) -> FlowNetwork:
    """A reproducible, feasible NETGEN-style instance, as ``keten generate mcf`` writes:
    ``kind`` is 'transportation' (sources to sinks), 'transshipment' (arcs between any nodes) or
    'assignment' (complete bipartite, ``nodes/2`` a side, unit supplies and capacities; ``arcs``
    is ignored). Costs uniform in [0, max_cost], capacities in [1, max_capacity]. Raises
    ValidationError for an unknown kind or bad sizes."""
    return _network(
        _ext.generate_flow_instance(
            kind,
            nodes,
            arcs,
            seed=seed,
            max_cost=max_cost,
            max_capacity=max_capacity,
            source_percent=source_percent,
            supply_per_source=supply_per_source,
        )
    )


def allocation_network(
    landscape: Landscape,
    cases: Any,
    *,
    grouped: bool = True,
    fairness: float = 0.0,
    waiting_day: float = 1.0,
    days_waiting: Optional[Iterable[int]] = None,
    weights: Optional[MatchWeights] = None,
) -> AllocationNetwork:
    """The min-cost-flow network that :func:`allocate` solves for these cases (same arguments),
    as an :class:`AllocationNetwork`: ``grouped`` (the default) has one supply node per class of
    interchangeable needs, as allocate() builds it; ``grouped=False`` one per need with a
    candidate, the graph a straightforward builder makes. Hand it to any min-cost-flow solver
    (OR-Tools, networkx, :meth:`FlowNetwork.solve`, ``to_dimacs()`` for ``keten mcf``): its
    optimal cost is minus the flow objective in thousandths of a point, whichever form. Releases
    the GIL. Raises ValidationError as allocate() does."""
    from keten import _as_cases  # the conversion match_batch uses

    columns, sink, supply_nodes = _ext.allocation_network(
        landscape,
        _as_cases(cases),
        grouped=grouped,
        fairness=fairness,
        waiting_day=waiting_day,
        days_waiting=[] if days_waiting is None else [int(d) for d in days_waiting],
        weights=weights,
    )
    return AllocationNetwork(**columns, sink=int(sink), supply_nodes=int(supply_nodes))


def allocate(
    landscape: Landscape,
    cases: Any,
    *,
    fairness: float = 0.0,
    waiting_day: float = 1.0,
    improve_complementarity: bool = True,
    days_waiting: Optional[Iterable[int]] = None,
    weights: Optional[MatchWeights] = None,
    cooperation: Any = None,
) -> Allocation:
    """All open needs of a day assigned at once, optimally, under the offerings' free units
    (docs/allocation.md): each need gets at most one offering, maximising the sum over assigned
    needs of priority (cover x weight x urgency + ``waiting_day`` points per day waited) plus fit
    (distance and intake wait), by a min-cost flow.

    ``cases`` is what :func:`keten.match_batch` takes (a :class:`Cases` batch, Case objects or a
    DataFrame of cases). ``fairness`` > 0 spreads unmet needs over municipalities (the k-th tenth
    of a municipality's needs left unmet costs k x fairness points each);
    ``improve_complementarity`` moves single needs when the case gains more complementarity than
    fit is lost; ``days_waiting`` has one entry (>= 0) per case; ``weights`` the MatchWeights
    (cover, distance, wait, complementarity and collaboration are used); ``cooperation`` (a
    :class:`keten.CooperationReport` or its ``strengths``) adds the collaboration term: per case
    and pair of its partners, ``weights.collaboration`` x their cooperation strength, through the
    improvement step. Releases the GIL.

    Returns an :class:`Allocation`: totals (``objective``, ``flow_objective``,
    ``complementarity``, ``fairness_penalty`` in points; ``groups``, ``arcs``, ``parts``,
    ``pivots``, ``moves``), ``assigned()`` and ``unmet()`` (the waitlist in order) as Tables and
    ``to_json()`` (the keten.allocation document). Raises ValidationError (a ValueError) for a
    case that does not fit the landscape, duplicate case ids, or a negative or non-finite weight.
    """
    from keten import _as_cases, _strengths  # the conversions match_batch uses

    return _ext.allocate(
        landscape,
        _as_cases(cases),
        fairness=fairness,
        waiting_day=waiting_day,
        improve_complementarity=improve_complementarity,
        days_waiting=[] if days_waiting is None else [int(d) for d in days_waiting],
        weights=weights,
        cooperation=_strengths(cooperation),
    )


class Allocator:
    """Allocation that follows a day's changes (docs/allocation.md, "Warm re-allocation"): add
    the waiting cases, :meth:`solve`, then as cases arrive and close and capacities change,
    :meth:`solve` again. The first solve is :func:`allocate` on the cases so far; each later one
    repairs the previous optimum by shortest augmenting paths from what changed, with the same
    optimal ``flow_objective`` as solving from scratch and a fraction of its time.

    The policy arguments are those of :func:`allocate` and fixed for the allocator's life (a new
    day, when every case's days waiting change, is a new Allocator). The allocator keeps its own
    copy of the landscape; free units changed with :meth:`set_free_units` override it.
    """

    def __init__(
        self,
        landscape: Landscape,
        *,
        fairness: float = 0.0,
        waiting_day: float = 1.0,
        improve_complementarity: bool = True,
        weights: Optional[MatchWeights] = None,
    ) -> None:
        self._impl = _ext.Allocator(
            landscape,
            fairness=fairness,
            waiting_day=waiting_day,
            improve_complementarity=improve_complementarity,
            weights=weights,
        )

    def add_cases(self, cases: Any, *, days_waiting: Optional[Iterable[int]] = None) -> None:
        """Adds waiting cases (what :func:`allocate` takes: a Cases batch, Case objects or a
        DataFrame); ``days_waiting`` one entry (>= 0) per case. All or none: raises
        ValidationError for a case that does not fit the landscape, an id already present or bad
        days, and then adds nothing."""
        from keten import _as_cases

        self._impl.add_cases(
            _as_cases(cases),
            days_waiting=[] if days_waiting is None else [int(d) for d in days_waiting],
        )

    def remove_case(self, case_id: str) -> None:
        """Removes a waiting case (helped elsewhere, closed). Raises NotFoundError (a KeyError)."""
        self._impl.remove_case(case_id)

    def set_free_units(self, offering: str, units: int) -> None:
        """Sets the free units of the offering with this id. Raises NotFoundError for an unknown
        offering, ValidationError for a negative number."""
        self._impl.set_free_units(offering, units)

    def apply(
        self,
        *,
        close: Iterable[str] = (),
        arrive: Any = None,
        free_units: Optional[Mapping[str, int]] = None,
    ) -> None:
        """Applies a batch of changes all or nothing (one line of ``keten allocate --changes``):
        closes the cases with the ids in ``close``, adds the cases ``arrive`` (what
        :meth:`add_cases` takes; 0 days waiting), then sets ``free_units`` (offering id -> units).
        Raises NotFoundError (a closing id not waiting, an unknown offering) or ValidationError
        (an arriving case that is invalid or already waiting, an id twice, negative units) before
        changing anything."""
        from keten import _as_cases

        self._impl.apply(
            close=list(close),
            arrive=None if arrive is None else _as_cases(arrive),
            free_units=[] if free_units is None else [(k, int(v)) for k, v in free_units.items()],
        )

    def solve(self) -> Allocation:
        """The optimal allocation of the cases present (``warm`` tells whether the previous
        optimum was repaired). ``case_index`` in its tables refers to every case ever added, in
        order (``case_ids``); removed cases never appear. Releases the GIL."""
        return self._impl.solve()

    def __len__(self) -> int:
        return len(self._impl)

    def __contains__(self, case_id: object) -> bool:
        return isinstance(case_id, str) and case_id in self._impl

    def __repr__(self) -> str:
        return f"<Allocator: {len(self)} cases waiting>"


def import_hsds(path: PathLike, *, strict: bool = False) -> Tuple[Landscape, List[Dict[str, Any]]]:
    """Imports an Open Referral HSDS 3.0 directory (docs/hsds.md): a JSON document in tabular
    form (a file) or a data package (a directory of CSV files with datapackage.json).

    Returns ``(landscape, warnings)``: each warning a dict with ``message``, ``file``, ``line``,
    ``pointer``, ``field``, ``object_id`` (None when unknown) and ``text`` (all in one line) —
    what the importer defaulted, inferred or skipped. ``strict=True`` makes a service without a
    keten need category an error. Raises KetenIOError, ParseError or ValidationError naming the
    file, row and field.
    """
    return _ext.import_hsds(path, strict=strict)


def parse_hsds(
    text: str, source_name: str = "<string>", *, strict: bool = False
) -> Tuple[Landscape, List[Dict[str, Any]]]:
    """:func:`import_hsds` for an HSDS JSON document given as text."""
    return _ext.parse_hsds(text, source_name, strict=strict)


def export_hsds(landscape: Landscape, directory: PathLike, *, updated: str = "") -> None:
    """Writes the landscape as an HSDS data package into ``directory`` (created if missing): one
    CSV file per table and datapackage.json. ``updated`` is the time stamp of the capacity rows
    (ISO 8601; default now — give one for byte-for-byte reproducible output). Importing it back
    gives an equal landscape; ``Landscape.to_hsds_json()`` gives the JSON form. Raises
    KetenIOError."""
    _ext.export_hsds(landscape, directory, updated=updated)
