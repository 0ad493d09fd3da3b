"""
keten's C++ core. Use the `keten` package, not this module.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import os
import typing
__all__: list[str] = ['Allocation', 'Allocator', 'Case', 'Cases', 'CooperationReport', 'DEFAULT_DURATION_SHAPES', 'DEFAULT_SEED', 'FlowSolution', 'GapAnalysis', 'HelpForm', 'Landscape', 'Ledger', 'MatchBatch', 'MatchWeights', 'Need', 'NeedCategory', 'Scan', 'Scenario', 'SimulationResult', 'Strengths', 'Summary', 'Table', 'TeamPlan', 'allocate', 'allocate_stable', 'allocation_model', 'allocation_network', 'analyse_gaps', 'assess_cooperation', 'chain_dot', 'chain_members_table', 'chains_json', 'chains_table', 'check_flow_optimality', 'compare_runs', 'distance_km', 'estimate_mean', 'export_hsds', 'find_blocking_pair', 'generate_cases', 'generate_flow_instance', 'generate_national_landscape', 'generate_scans', 'help_form_label', 'help_forms', 'import_hsds', 'is_stable', 'landscape_from_snapshot', 'load_cases', 'load_landscape', 'load_scan', 'load_scenario', 'load_snapshot', 'match_batch', 'member_organisation', 'merge_results', 'min_cost_flow', 'municipalities', 'parse_cases', 'parse_dimacs', 'parse_hsds', 'parse_landscape', 'parse_scan', 'parse_scenario', 'questionnaire_table', 'rank_sum_test', 'read_dimacs', 'simulate', 'simulation_shards', 'stable_match', 'standard_categories', 'standard_demand_rates', 'time_allocate', 'time_match_batch', 'to_dimacs', 'validate_cases']
class Table:
    """
    Named columns of equal length, each a 1-D numpy array (text as object arrays, lists as object arrays of lists).
    """
    def __contains__(self, arg0: str) -> bool:
        ...
    def __getitem__(self, name: str) -> numpy.ndarray:
        """
        The column as a numpy array. Raises KeyError for an unknown name.
        """
    def __init__(self, columns: dict) -> None:
        """
        Builds a table from a mapping of column name to array-like. Raises ValueError if the lengths differ.
        """
    def __iter__(self) -> collections.abc.Iterator:
        ...
    def __len__(self) -> int:
        """
        The number of rows.
        """
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The columns as a dict of numpy arrays (no copy).
        """
    def to_pandas(self) -> typing.Any:
        """
        The table as a pandas.DataFrame. Raises ImportError if pandas is not installed.
        """
    @property
    def columns(self) -> list[str]:
        """
        The column names, in order.
        """
class HelpForm:
    """
    The five complementary help forms.
    
    Members:
    
      money
    
      neighbour
    
      work
    
      group
    
      youth
    """
    __members__: typing.ClassVar[dict[str, HelpForm]]
    group: typing.ClassVar[HelpForm]
    money: typing.ClassVar[HelpForm]
    neighbour: typing.ClassVar[HelpForm]
    work: typing.ClassVar[HelpForm]
    youth: typing.ClassVar[HelpForm]
    @typing.overload
    def __eq__(self, other: HelpForm) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: HelpForm) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class NeedCategory:
    """
    A need category under one help form.
    """
    __hash__: typing.ClassVar[None] = None
    def __eq__(self, arg0: NeedCategory) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    @property
    def help_form(self) -> HelpForm:
        ...
    @property
    def id(self) -> str:
        """
        '<help form>.<name>', e.g. 'money.debts'.
        """
    @property
    def label_en(self) -> str:
        ...
    @property
    def label_nl(self) -> str:
        ...
class Summary:
    """
    The headline figures of a landscape.
    """
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    def help_forms(self) -> Table:
        """
        Per help form (5 rows): help_form, label_nl, label_en, member, offerings, units_per_year, free_units.
        """
    def to_dict(self) -> typing.Any:
        """
        The summary as the dict that `keten info --json` prints.
        """
    @property
    def categories(self) -> int:
        ...
    @property
    def complementarities(self) -> int:
        ...
    @property
    def member_organisations(self) -> int:
        ...
    @property
    def municipalities_served(self) -> int:
        """
        Municipalities with at least one offering serving them.
        """
    @property
    def municipalities_with_all_forms(self) -> int:
        """
        Municipalities served by every one of the five help forms.
        """
    @property
    def name(self) -> str:
        ...
    @property
    def offerings(self) -> int:
        ...
    @property
    def partners(self) -> int:
        ...
    @property
    def precedences(self) -> int:
        ...
class Landscape:
    """
    An immutable landscape of partners and offerings. Thread-safe to read.
    """
    __hash__: typing.ClassVar[None] = None
    def __eq__(self, arg0: Landscape) -> bool:
        ...
    def __getstate__(self) -> bytes:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: bytes) -> None:
        ...
    def capacity_by_municipality(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        Capacity units per year serving each municipality per help form: a float64 array of shape (municipalities, 5), rows in municipalities() order, columns in help_forms() order. Returned without a copy.
        """
    def capacity_table(self) -> Table:
        """
        capacity_by_municipality() beside the municipalities: code, name, province, population, area_km2, lat, lon, then one column per help form (views into the one matrix).
        """
    def categories(self) -> list[NeedCategory]:
        """
        The landscape's need categories: the standard ones and any it adds, in index order.
        """
    def category_index(self, id: str) -> int:
        """
        The dense index of a category (its row/column in complementarity_matrix). Raises NotFoundError (a KeyError).
        """
    def complementarities(self) -> Table:
        """
        The complementarity graph's edges as a Table: a, b, weight.
        """
    def municipalities(self) -> Table:
        """
        The landscape's geography as a Table (see keten.municipalities()).
        """
    def offering_index(self, id: str) -> int:
        """
        The row of an offering in offerings(). Raises NotFoundError (a KeyError).
        """
    def offerings(self) -> Table:
        """
        The offerings as a Table: id, partner, name, categories, help_forms, capacity (units_per_period, period_days, free_units, typical_duration_days, intake_wait_days), eligibility (min_age, max_age, requires_professional_referrer, households, languages; empty lists: everyone) and area (municipalities, postcodes, radius_lat/lon/km, NaN without a circle).
        """
    def partner_index(self, id: str) -> int:
        """
        The row of a partner in partners(). Raises NotFoundError (a KeyError).
        """
    def partner_metrics(self) -> Table:
        """
        Per partner, in partners() order: degree, betweenness (Brandes, normalised as networkx's betweenness_centrality) and component of the partner network. Releases the GIL.
        """
    def partner_network(self) -> Table:
        """
        The partner network's links (docs/analysis.md): a, b (partner ids), shared_municipalities — two partners are linked when, in a municipality both serve, a category of one complements a category of the other. Releases the GIL.
        """
    def partners(self) -> Table:
        """
        The partners as a Table: id, member, branch, municipality, offerings (count).
        """
    def precedences(self) -> Table:
        """
        The precedence graph's edges as a Table: before, after.
        """
    def save_json(self, path: os.PathLike | str | bytes, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        """
        Writes the landscape as JSON, atomically. Raises KetenIOError (an OSError).
        """
    def save_snapshot(self, path: os.PathLike | str | bytes) -> None:
        """
        Writes the landscape as a snapshot, atomically and durably. Raises KetenIOError.
        """
    def summary(self) -> Summary:
        """
        Headline figures: partners, offerings, municipalities served, capacity per help form.
        """
    def to_hsds_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1, *, updated: str = '') -> str:
        """
        The landscape as an HSDS 3.0 JSON document in tabular form (indent < 0: one line; updated: the time stamp of the capacity rows, default now, for reproducible output).
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The landscape as a keten.landscape JSON document (indent < 0: one line).
        """
    def to_snapshot(self) -> bytes:
        """
        The landscape as binary snapshot bytes (docs/formats.md, 'Snapshots').
        """
    @property
    def complementarity_matrix(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        Categories × categories complementarity weights (0 = none), in category index order: a read-only view into the landscape (no copy), which it keeps alive.
        """
    @property
    def name(self) -> str:
        ...
    @property
    def offering_count(self) -> int:
        ...
    @property
    def offering_ids(self) -> list[str]:
        ...
    @property
    def partner_count(self) -> int:
        ...
    @property
    def partner_ids(self) -> list[str]:
        ...
class Need:
    """
    One need of a case: a category, its urgency and weight.
    """
    __hash__: typing.ClassVar[None] = None
    def __eq__(self, arg0: Need) -> bool:
        ...
    def __init__(self, category: str, urgency: typing.SupportsInt | typing.SupportsIndex = 3, weight: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> None:
        """
        urgency 1 (can wait) to 5 (crisis); weight > 0, relative within the case. Checked when the case is validated or matched.
        """
    def __repr__(self) -> str:
        ...
    @property
    def category(self) -> str:
        ...
    @property
    def urgency(self) -> int:
        ...
    @property
    def weight(self) -> float:
        ...
class Case:
    """
    One person or household: needs, location, profile. No names.
    """
    __hash__: typing.ClassVar[None] = None
    def __eq__(self, arg0: Case) -> bool:
        ...
    def __getstate__(self) -> dict:
        ...
    def __init__(self, id: str, needs: collections.abc.Sequence[Need | str | tuple[str, typing.SupportsInt | typing.SupportsIndex] | tuple[str, typing.SupportsInt | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex]], *, municipality: str | None = None, postcode: typing.SupportsInt | typing.SupportsIndex | str | None = None, point: tuple[typing.SupportsFloat | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex] | None = None, age: tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex] | None = None, household: str | None = None, languages: collections.abc.Sequence[str] = [], referrer: str = 'self', consent: bool = False, excluded_partners: collections.abc.Sequence[str] = []) -> None:
        """
        A case. needs: Need objects, category ids, (category, urgency) or (category, urgency, weight) tuples. Location: a CBS municipality code, a PC4 postcode (int or str) and/or a (lat, lon) point. Profile: age band (min, max), household (single, couple, single_parent, family, other), ISO 639 languages, referrer (self, professional, partner, church, other). consent=False means nothing is proposed. Raises ValidationError for a malformed postcode, age band, household or referrer; the rest is checked by validate() and when matched.
        """
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: dict) -> None:
        ...
    def to_dict(self) -> dict:
        """
        The case as keyword arguments: Case(**case.to_dict()) == case.
        """
    def validate(self, landscape: Landscape) -> None:
        """
        Checks the case against the landscape's taxonomy and geography. Raises ValidationError naming the field and the case id.
        """
    @property
    def age(self) -> tuple[int, int] | None:
        ...
    @property
    def categories(self) -> list[str]:
        ...
    @property
    def consent(self) -> bool:
        ...
    @property
    def excluded_partners(self) -> list[str]:
        ...
    @property
    def household(self) -> str | None:
        ...
    @property
    def id(self) -> str:
        ...
    @property
    def languages(self) -> list[str]:
        ...
    @property
    def municipality(self) -> str | None:
        ...
    @property
    def needs(self) -> list[Need]:
        ...
    @property
    def point(self) -> tuple[float, float] | None:
        ...
    @property
    def postcode(self) -> int | None:
        ...
    @property
    def referrer(self) -> str:
        ...
class Cases:
    """
    An immutable batch of cases held in C++ (what match_batch reads without conversion).
    """
    __hash__: typing.ClassVar[None] = None
    def __eq__(self, arg0: Cases) -> bool:
        ...
    @typing.overload
    def __getitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> Case:
        ...
    @typing.overload
    def __getitem__(self, range: slice) -> Cases:
        """
        A new batch of the cases in the slice.
        """
    def __init__(self, cases: collections.abc.Sequence[Case] = []) -> None:
        ...
    def __iter__(self) -> collections.abc.Iterator[Case]:
        ...
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def save(self, path: os.PathLike | str | bytes, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        """
        Writes the cases as a keten.cases JSON file. Raises KetenIOError.
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The cases as a keten.cases JSON document.
        """
    def to_pandas(self) -> typing.Any:
        """
        to_table() as a pandas.DataFrame. Raises ImportError without pandas.
        """
    def to_table(self) -> Table:
        """
        One row per case: id, needs, urgencies, weights (lists), municipality, postcode (0 = none), lat, lon (NaN = none), age_min, age_max (-1 = unknown), household, languages, referrer, consent, excluded_partners.
        """
    def validate(self, landscape: Landscape) -> None:
        """
        Validates every case; raises ValidationError for the first bad one.
        """
    @property
    def ids(self) -> list[str]:
        ...
class Scan:
    """
    Validated answers of cooperation scans (docs/cooperation.md): per chain and date, per respondent code and partner, a value 1-5 per statement of the questionnaire.
    """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def answers(self) -> typing.Any:
        """
        One row per answer: chain, date, partner, respondent, statement, condition, value.
        """
    def dates(self, chain: str) -> list[str]:
        """
        The days chain `chain` was scanned, ascending (YYYY-MM-DD).
        """
    def save(self, path: os.PathLike | str | bytes) -> None:
        """
        Writes the scan: CSV if the path ends in .csv, else keten.scan JSON.
        """
    def to_csv(self) -> str:
        """
        The answers as CSV (one row per answer).
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The scan as a keten.scan JSON document.
        """
class Strengths:
    """
    Cooperation strength in [0, 1] per pair of partners (the strongest over their chains): what match() and allocate() read for their collaboration term.
    """
    def __len__(self) -> int:
        ...
    def max(self) -> float:
        """
        The largest strength (0 if empty).
        """
class CooperationReport:
    """
    What the scans say: the five conditions per chain, the partners' means, and the pair strengths (docs/cooperation.md).
    """
    def __repr__(self) -> str:
        ...
    def conditions(self) -> typing.Any:
        """
        One row per chain and condition: scanned, baseline, mean, spread (max - min of the partner means), sd (population sd of the partner means), counts, weakest, and the trend (before, change, superiority A, p_value, exact, significant).
        """
    def pairs(self) -> typing.Any:
        """
        One row per partner pair of a chain: its cooperation strength in [0, 1].
        """
    def partner_means(self) -> typing.Any:
        """
        One row per chain, answering partner and condition: the partner's mean.
        """
    def silent(self) -> dict:
        """
        Per chain the members that did not answer its scan.
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The report as a keten.cooperation JSON document.
        """
    @property
    def strengths(self) -> Strengths:
        """
        The pair strengths, for match(..., cooperation=...) and allocate(..., cooperation=...).
        """
class MatchWeights:
    """
    The weights of the objective's terms, in points (docs/matching.md).
    """
    def __init__(self, *, cover: typing.SupportsFloat | typing.SupportsIndex = 100.0, distance: typing.SupportsFloat | typing.SupportsIndex = 20.0, distance_scale_km: typing.SupportsFloat | typing.SupportsIndex = 10.0, wait: typing.SupportsFloat | typing.SupportsIndex = 10.0, wait_scale_days: typing.SupportsFloat | typing.SupportsIndex = 90.0, free_capacity: typing.SupportsFloat | typing.SupportsIndex = 5.0, waitlist: typing.SupportsFloat | typing.SupportsIndex = 40.0, complementarity: typing.SupportsFloat | typing.SupportsIndex = 30.0, collaboration: typing.SupportsFloat | typing.SupportsIndex = 20.0, extra_partner: typing.SupportsFloat | typing.SupportsIndex = 15.0) -> None:
        ...
    @property
    def collaboration(self) -> float:
        ...
    @collaboration.setter
    def collaboration(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def complementarity(self) -> float:
        ...
    @complementarity.setter
    def complementarity(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def cover(self) -> float:
        ...
    @cover.setter
    def cover(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def distance(self) -> float:
        ...
    @distance.setter
    def distance(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def distance_scale_km(self) -> float:
        ...
    @distance_scale_km.setter
    def distance_scale_km(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def extra_partner(self) -> float:
        ...
    @extra_partner.setter
    def extra_partner(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def free_capacity(self) -> float:
        ...
    @free_capacity.setter
    def free_capacity(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def wait(self) -> float:
        ...
    @wait.setter
    def wait(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def wait_scale_days(self) -> float:
        ...
    @wait_scale_days.setter
    def wait_scale_days(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def waitlist(self) -> float:
        ...
    @waitlist.setter
    def waitlist(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class MatchBatch:
    """
    The results of matching a batch of cases, held in C++ until read.
    """
    def __len__(self) -> int:
        ...
    def assignments(self, index: typing.SupportsInt | typing.SupportsIndex | None = None) -> Table:
        """
        One row per bundle and need: case, case_index, rank, need, category, urgency, weight, covered, offering, partner, uncovered (why not, or None), the terms in points, distance_km (NaN if uncovered), stage in the pathway (-1 if uncovered).
        """
    def bundles(self, index: typing.SupportsInt | typing.SupportsIndex | None = None) -> Table:
        """
        One row per bundle (of one case, or of all): case, case_index, rank, score, needs, covered, partners, stages, the score terms in points, offerings (per need, None if uncovered).
        """
    def needs(self, index: typing.SupportsInt | typing.SupportsIndex | None = None) -> Table:
        """
        One row per case and need: case, case_index, status, need, category, urgency, weight, in_category, in_reach, candidates, rejected (counts), uncoverable (why no offering can cover it, or None), covered_by_best.
        """
    def result_json(self, index: typing.SupportsInt | typing.SupportsIndex, indent: typing.SupportsInt | typing.SupportsIndex = -1) -> str:
        """
        One case's result in the per-case shape of the keten.matches format.
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The whole batch as a keten.matches JSON document.
        """
    @property
    def best_scores(self) -> numpy.typing.NDArray[numpy.float64]:
        """
        The best bundle's score per case in points (NaN if none), numpy float64.
        """
    @property
    def bundle_counts(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        The number of bundles found per case (numpy int64).
        """
    @property
    def case_ids(self) -> list[str]:
        ...
    @property
    def cases(self) -> Cases:
        ...
    @property
    def landscape(self) -> Landscape:
        ...
class FlowSolution:
    """
    The outcome of min_cost_flow.
    """
    def __repr__(self) -> str:
        ...
    @property
    def cost(self) -> int:
        """
        The minimum total cost, lower bounds included (0 if infeasible).
        """
    @property
    def flow(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        The flow per arc, numpy int64 (empty if infeasible).
        """
    @property
    def method(self) -> str:
        """
        The solver that ran: 'assignment' (shortest augmenting paths, for assignment instances) or 'network_simplex'.
        """
    @property
    def potential(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        Node potentials of an optimal dual, numpy int64 (empty if infeasible): cost + potential[source] - potential[target] >= 0 on every arc below its capacity, <= 0 on every arc above its lower bound.
        """
    @property
    def status(self) -> str:
        """
        'optimal' or 'infeasible'.
        """
class Allocation:
    """
    The optimal allocation of a day's needs to offerings, held in C++ until read (see keten.allocate).
    """
    def __repr__(self) -> str:
        ...
    def assigned(self) -> typing.Any:
        """
        One row per assigned need, by case then need: case, case_index, need, category, offering, partner, priority, fit, total (points).
        """
    def changes(self) -> typing.Any:
        """
        Allocator.solve() only: one row per need whose offering differs from the previous solve's, by case then need: case, case_index, need, category, before, after (the offerings, None for none). The first solve lists every assigned need; keten.allocate lists none.
        """
    def to_json(self, indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The allocation as a keten.allocation JSON document.
        """
    def unmet(self) -> typing.Any:
        """
        The waitlist, one row per unmet need in order: place (1-based), case, case_index, need, category, reason, priority (points), waiting_for (the offering, or None), queue_position (0 if none).
        """
    @property
    def arcs(self) -> int:
        """
        Arcs of the flow network.
        """
    @property
    def case_ids(self) -> list[str]:
        """
        The ids of the allocated cases, in order (for an Allocator: every case ever added; case_index refers to this list).
        """
    @property
    def collaboration(self) -> float:
        """
        The collaboration term of the result in points: per case, per pair of its partners, weights.collaboration x their cooperation strength (0 without cooperation=).
        """
    @property
    def complementarity(self) -> float:
        """
        Complementarity points of the final assignment.
        """
    @property
    def fairness_penalty(self) -> float:
        """
        The fairness penalty in points (<= 0; 0 without fairness).
        """
    @property
    def flow_objective(self) -> float:
        """
        The optimal flow's value in points (before the complementarity step), fairness penalty included.
        """
    @property
    def groups(self) -> int:
        """
        Supply nodes of the flow network (classes of interchangeable needs).
        """
    @property
    def moves(self) -> int:
        """
        Needs moved by the complementarity step.
        """
    @property
    def objective(self) -> float:
        """
        The allocation's total in points: sum of priority + fit of the assigned needs, plus complementarity, plus the fairness penalty.
        """
    @property
    def parts(self) -> int:
        """
        Independent parts of the flow network (joined only by the sink), solved one by one.
        """
    @property
    def paths(self) -> int:
        """
        Shortest augmenting paths of a warm repair.
        """
    @property
    def pivots(self) -> int:
        """
        Network simplex pivots.
        """
    @property
    def used_units(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Units used per offering of the landscape (numpy int32, in offering order).
        """
    @property
    def warm(self) -> bool:
        """
        Whether the previous optimum was repaired (keten.Allocator) instead of solved anew.
        """
class Allocator:
    """
    Allocation that follows a day's changes, re-solving warm from the previous optimum (see keten.Allocator).
    """
    def __contains__(self, arg0: str) -> bool:
        ...
    def __init__(self, landscape: Landscape, *, fairness: typing.SupportsFloat | typing.SupportsIndex = 0.0, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, improve_complementarity: bool = True, weights: MatchWeights | None = None) -> None:
        """
        An allocator over a copy of the landscape with the policy of keten.allocate.
        """
    def __len__(self) -> int:
        ...
    def add_cases(self, cases: collections.abc.Iterable, *, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = []) -> None:
        """
        Adds waiting cases; all or none. Releases the GIL.
        """
    def apply(self, *, close: collections.abc.Sequence[str] = [], arrive: typing.Any = None, free_units: collections.abc.Sequence[tuple[str, typing.SupportsInt | typing.SupportsIndex]] = []) -> None:
        """
        Applies a batch of changes all or nothing: closes the cases `close`, adds `arrive`, sets the free units (offering id, units). Raises NotFoundError or ValidationError before changing anything. Releases the GIL.
        """
    def remove_case(self, case_id: str) -> None:
        """
        Removes a waiting case by id. Raises NotFoundError.
        """
    def set_free_units(self, offering: str, units: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Sets an offering's free units (>= 0). Raises NotFoundError or ValidationError.
        """
    def solve(self) -> Allocation:
        """
        The optimal allocation of the cases present: from scratch the first time, then by repairing the previous optimum. Releases the GIL.
        """
class Ledger:
    """
    The referral ledger on a SQLite file (docs/ledger.md): referrals with FHIR Task states, capacity holds and every transition's time and actor role.
    """
    def __init__(self, path: os.PathLike | str | bytes, *, synchronous: str = 'full', create: bool = True, busy_timeout: typing.SupportsFloat | typing.SupportsIndex = 30.0) -> None:
        """
        Opens or creates a ledger. Raises ParseError for a foreign, damaged or newer file.
        """
    def add_offerings(self, landscape: Landscape) -> int:
        """
        Registers the landscape's offerings (free units as total); returns how many are new.
        """
    def capacities(self) -> list:
        """
        Each offering's total, held and free units.
        """
    def check(self) -> list[str]:
        """
        The broken invariants (an empty list when every invariant holds).
        """
    def declines(self) -> typing.Any:
        """
        Declines per partner, help form, state and reason as a pandas.DataFrame.
        """
    def expire(self, older_than_days: typing.SupportsFloat | typing.SupportsIndex) -> int:
        """
        Cancels (reason expired) requested referrals unanswered for that many days.
        """
    def history(self, referral: typing.SupportsInt | typing.SupportsIndex | None = None) -> typing.Any:
        """
        The transitions (of one referral, or all) as a pandas.DataFrame: transition, referral, from_state, to_state, actor, reason, note, at (UTC).
        """
    def refer(self, case: str, need: str, offering: str, *, draft: bool = False, at: typing.SupportsFloat | typing.SupportsIndex | None = None) -> int:
        """
        Creates a referral (requested: holds one unit). Returns its id.
        """
    def referral(self, id: typing.SupportsInt | typing.SupportsIndex) -> dict:
        """
        One referral as a dict.
        """
    def referrals(self, *, open_only: bool = False) -> list:
        """
        The referrals as a list of dicts.
        """
    def seed(self, allocation: Allocation) -> list[int]:
        """
        A requested referral for every assigned need of a keten.allocate() result (all or none).
        """
    def update(self, referral: typing.SupportsInt | typing.SupportsIndex, state: str, *, actor: str, reason: str = 'none', note: str = '', at: typing.SupportsFloat | typing.SupportsIndex | None = None) -> int:
        """
        Moves a referral; returns the transition id. Raises ValidationError (refused: nothing changes) or NotFoundError.
        """
class TeamPlan:
    """
    Where new local teams of one help form would help most (greedy maximum coverage; docs/gaps.md).
    """
    def __repr__(self) -> str:
        ...
    @property
    def covered(self) -> float:
        ...
    @property
    def form(self) -> str:
        ...
    @property
    def gains(self) -> list[float]:
        """
        Per site: the shortfall it newly reached when chosen.
        """
    @property
    def reached(self) -> list[list[str]]:
        """
        Per site: the codes of the municipalities it reaches.
        """
    @property
    def shortfall_after(self) -> float:
        ...
    @property
    def shortfall_before(self) -> float:
        ...
    @property
    def sites(self) -> list[str]:
        """
        CBS codes of the sites, in the order the greedy rule chose them.
        """
    @property
    def team_capacity(self) -> float:
        ...
class GapAnalysis:
    """
    Demand against capacity per municipality and help form, reach, missing help forms and unmet needs (docs/gaps.md).
    """
    def __repr__(self) -> str:
        ...
    def add_unmet_evidence(self, allocation: Allocation) -> None:
        """
        Counts an allocation's unmet needs (by reason) in their municipality and help form.
        """
    def missing(self, form: str) -> list[str]:
        """
        Codes of the municipalities where the help form has no offering.
        """
    def plan_teams(self, form: str, *, teams: typing.SupportsInt | typing.SupportsIndex = 3, team_radius_km: typing.SupportsFloat | typing.SupportsIndex = 10.0, team_capacity: typing.SupportsFloat | typing.SupportsIndex = 0.0, municipalities: collections.abc.Sequence[str] = [], provinces: collections.abc.Sequence[str] = []) -> TeamPlan:
        """
        Greedy maximum coverage of the shortfall by k new teams (at least 1 - 1/e of the best k sites' coverage).
        """
    def table(self, *, municipalities: collections.abc.Sequence[str] = [], provinces: collections.abc.Sequence[str] = []) -> Table:
        """
        One row per municipality (in scope; default all) and help form: code, name, province, population, lat, lon, form, demand, capacity, shortfall, reach, offerings, present, all_forms, unmet_<reason> and rounds_unmet.
        """
    def to_json(self, *, municipalities: collections.abc.Sequence[str] = [], provinces: collections.abc.Sequence[str] = [], plans: collections.abc.Sequence[TeamPlan] = [], indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
        """
        The keten.gaps JSON document (what keten gaps --json prints).
        """
    def totals(self, *, municipalities: collections.abc.Sequence[str] = [], provinces: collections.abc.Sequence[str] = []) -> Table:
        """
        One row per help form, over the scope: demand, capacity, shortfall, reach (population-weighted), municipalities_missing, unmet.
        """
    def with_all_forms(self) -> list[str]:
        """
        Codes of the municipalities where all five help forms serve.
        """
    @property
    def cases_without_place(self) -> int:
        ...
    @property
    def demand_from_cases(self) -> bool:
        ...
    @property
    def reach_km(self) -> float:
        ...
    @property
    def rounds(self) -> int:
        ...
class Scenario:
    """
    A what-if (a keten.scenario document, docs/simulation.md): capacity changes, teams opened or closed, policy changes from a week on.
    """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def landscape(self) -> Landscape:
        """
        The landscape with the scenario's opened partners and offerings appended.
        """
    @property
    def description(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
class SimulationResult:
    """
    One simulated run (one seed): its needs, offerings, weeks and referrals between partners as Tables; summary() per group.
    """
    def __getstate__(self) -> tuple:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, arg0: tuple) -> None:
        ...
    def needs(self) -> typing.Any:
        """
        One row per need that arrived in the measured period: case (arrival number), need, municipality, category, help_form, arrived and referred (days), wait, offering and partner (None unless referred), outcome.
        """
    def offerings(self) -> typing.Any:
        """
        One row per offering in reach: offering, partner, municipality (the partner's), help_form, unit_days, busy_days, utilisation, referrals, units_start, units_end.
        """
    def referrals(self) -> typing.Any:
        """
        Warm handovers: from_partner (a case's first), to_partner, their members, count.
        """
    def summary(self, by: str = 'help_form') -> typing.Any:
        """
        Per group (total, help_form or municipality): arrived, referred, each other outcome, wait_mean, wait_median, wait_p90 (days), utilisation, units.
        """
    def weeks(self) -> typing.Any:
        """
        The weekly series per municipality and help form: week, municipality, help_form, arrived, referred, unmet, waiting (at the week's end), wait_mean (of the referred), utilisation and units (of the offerings whose partner is at home there).
        """
    @property
    def cases(self) -> int:
        ...
    @property
    def days(self) -> float:
        ...
    @property
    def landscape(self) -> Landscape:
        ...
    @property
    def round_seconds(self) -> float:
        ...
    @property
    def rounds(self) -> int:
        ...
    @property
    def sample_skipped(self) -> int:
        """
        Sample cases left out: without a municipality.
        """
    @property
    def seed(self) -> int:
        ...
def allocate(landscape: Landscape, cases: collections.abc.Iterable, *, fairness: typing.SupportsFloat | typing.SupportsIndex = 0.0, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, improve_complementarity: bool = True, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], weights: MatchWeights | None = None, cooperation: Strengths = None) -> Allocation:
    """
    The optimal allocation of every need of the cases (an iterable of Case, e.g. Cases) under the offerings' free units (see keten.allocate). Releases the GIL.
    """
def allocate_stable(landscape: Landscape, cases: Cases, *, optimal: str = 'needs', weights: MatchWeights | None = None, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = []) -> Table:
    """
    A stable assignment of every need of the cases to offerings under free capacity (see keten.allocate_stable). Releases the GIL.
    """
def allocation_model(landscape: Landscape, cases: collections.abc.Iterable, *, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], weights: MatchWeights | None = None) -> dict:
    """
    The allocation as an integer programme's data (without fairness), in score units (thousandths of a point), numpy int64 columns: per need that can be assigned, need_case and need_index; per option (need, offering with free units), option_need, option_offering and option_value (priority + fit); per pair of needs of one case, pair_a, pair_b and pair_value (the complementarity both earn when on different offerings); free_units per offering. Maximise the options' and pairs' values with at most one option per need and free_units per offering: the exact optimum that allocate()'s flow plus improvement step approximates. For comparisons with integer programming solvers.
    """
def allocation_network(landscape: Landscape, cases: collections.abc.Iterable, *, grouped: bool = True, fairness: typing.SupportsFloat | typing.SupportsIndex = 0.0, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], weights: MatchWeights | None = None) -> tuple[dict[str, numpy.typing.NDArray[numpy.int64]], int, int]:
    """
    The min-cost-flow network of allocate() on these cases: (columns as parse_dimacs gives them, the sink's node id, the number of supply nodes). Its optimal cost is minus the flow objective.
    """
def analyse_gaps(landscape: Landscape, *, cases: Cases | None = None, rates: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(5)"] | None = None, cases_period_days: typing.SupportsFloat | typing.SupportsIndex = 365.0, reach_km: typing.SupportsFloat | typing.SupportsIndex = 3.0, population_samples: typing.SupportsInt | typing.SupportsIndex = 64) -> GapAnalysis:
    """
    The gap analysis (see keten.gaps).
    """
def assess_cooperation(scan: Scan, *, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.05, current: str | None = None, baseline: str | None = None, chains: collections.abc.Sequence[str] = []) -> CooperationReport:
    """
    The five conditions per chain, trends and pair strengths (see keten.cooperation).
    """
def chain_dot(landscape: Landscape, chain: str, cooperation: CooperationReport = None) -> str:
    """
    The chain's partner network as Graphviz DOT (keten chains --dot).
    """
def chain_members_table(landscape: Landscape) -> typing.Any:
    """
    One row per chain and member partner (see keten.chain_members).
    """
def chains_json(landscape: Landscape, municipalities: collections.abc.Sequence[str] = [], indent: typing.SupportsInt | typing.SupportsIndex = 1) -> str:
    """
    The chains as a keten.chains JSON document.
    """
def chains_table(landscape: Landscape) -> typing.Any:
    """
    The landscape's local chains, one row per chain (see keten.chains).
    """
def check_flow_optimality(supply: typing.Any, source: typing.Any, target: typing.Any, lower: typing.Any, upper: typing.Any, cost: typing.Any, flow: typing.Any, potential: typing.Any) -> str:
    """
    '' if the flow is feasible and the potentials certify that it is optimal, else what is wrong.
    """
def compare_runs(baseline: collections.abc.Sequence[SimulationResult], scenario: collections.abc.Sequence[SimulationResult], by: str, confidence: typing.SupportsFloat | typing.SupportsIndex) -> typing.Any:
    ...
def distance_km(a: tuple[typing.SupportsFloat | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex], b: tuple[typing.SupportsFloat | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex]) -> float:
    """
    Great-circle distance in km between two (lat, lon) points.
    """
def estimate_mean(values: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], confidence: typing.SupportsFloat | typing.SupportsIndex = 0.95) -> tuple[float, float, float, int]:
    """
    The mean of the values (NaN left out) and its Student-t interval: (mean, low, high, n).
    """
def export_hsds(landscape: Landscape, directory: os.PathLike | str | bytes, *, updated: str = '') -> None:
    """
    Writes the landscape as an HSDS data package (CSV files and datapackage.json) into the directory. Raises KetenIOError.
    """
def find_blocking_pair(resident_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], hospital_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], capacities: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], matching: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex | None]) -> tuple[int, int] | None:
    """
    A blocking pair (resident, hospital) of the matching (per resident its hospital or None), or None if it is stable. Raises ValidationError if the matching is not a matching of the instance (unacceptable pair, over capacity).
    """
def generate_cases(landscape: Landscape, *, count: typing.SupportsInt | typing.SupportsIndex = 100, seed: typing.SupportsInt | typing.SupportsIndex = 2022, municipalities: collections.abc.Sequence[str] = [], id_prefix: str = 'case-') -> Cases:
    """
    Synthetic cases drawn in proportion to population (all municipalities, or the listed codes), deterministic for a seed. Raises NotFoundError for an unknown code.
    """
def generate_flow_instance(kind: str, nodes: typing.SupportsInt | typing.SupportsIndex, arcs: typing.SupportsInt | typing.SupportsIndex, *, seed: typing.SupportsInt | typing.SupportsIndex = 1, max_cost: typing.SupportsInt | typing.SupportsIndex = 1000, max_capacity: typing.SupportsInt | typing.SupportsIndex = 1000, source_percent: typing.SupportsInt | typing.SupportsIndex = 10, supply_per_source: typing.SupportsInt | typing.SupportsIndex = 1000) -> dict[str, numpy.typing.NDArray[numpy.int64]]:
    """
    A reproducible NETGEN-style instance ('transportation', 'transshipment' or 'assignment') as columns (see parse_dimacs). Raises ValidationError for an unknown kind or bad sizes.
    """
def generate_national_landscape(seed: typing.SupportsInt | typing.SupportsIndex = 2022) -> Landscape:
    """
    The synthetic national landscape for a seed (the default seed gives data/national_landscape.json).
    """
def generate_scans(landscape: Landscape, *, seed: typing.SupportsInt | typing.SupportsIndex = 2022, chains: collections.abc.Sequence[str] = []) -> Scan:
    """
    Synthetic scans of the landscape's chains, two dates each (docs/data.md).
    """
def help_form_label(form: HelpForm, language: str = 'nl') -> str:
    """
    The Dutch ('nl') or English ('en') label of a help form. Raises ValueError for another language.
    """
def help_forms() -> list[HelpForm]:
    """
    The five help forms in their fixed order (money, neighbour, work, group, youth).
    """
def import_hsds(path: os.PathLike | str | bytes, *, strict: bool = False) -> tuple[Landscape, list[dict[str, typing.Any]]]:
    """
    Imports an HSDS 3.0 JSON document or data package directory: (Landscape, warnings as dicts with message, file, line, pointer, field, object_id, text).
    """
def is_stable(resident_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], hospital_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], capacities: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], matching: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex | None]) -> bool:
    """
    True if the matching is a matching of the instance without a blocking pair.
    """
def landscape_from_snapshot(data: bytes, source_name: str = '<bytes>') -> Landscape:
    """
    Reads snapshot bytes. Raises ParseError (with the byte offset) or ValidationError.
    """
def load_cases(path: os.PathLike | str | bytes, landscape: Landscape) -> Cases:
    """
    Reads a keten.cases file, each case validated against the landscape. Raises ParseError, ValidationError, KetenIOError.
    """
def load_landscape(path: os.PathLike | str | bytes) -> Landscape:
    """
    Reads a landscape file: a snapshot if it starts with the snapshot magic, else a keten.landscape JSON document. Raises ParseError, ValidationError, KetenIOError.
    """
def load_scan(path: os.PathLike | str | bytes, landscape: Landscape) -> Scan:
    """
    Reads a scan file (keten.scan JSON, or CSV one row per answer) against the landscape. Raises ParseError / ValidationError naming file, line or pointer, field and chain; nothing is half-imported.
    """
def load_scenario(path: os.PathLike | str | bytes, landscape: Landscape) -> Scenario:
    ...
def load_snapshot(path: os.PathLike | str | bytes) -> Landscape:
    """
    Reads a snapshot file. Raises ParseError, ValidationError, KetenIOError.
    """
def match_batch(landscape: Landscape, cases: Cases, *, top_k: typing.SupportsInt | typing.SupportsIndex = 5, max_partners: typing.SupportsInt | typing.SupportsIndex = 3, allow_waitlist: bool = False, weights: MatchWeights | None = None, exhaustive: bool = False, threads: typing.SupportsInt | typing.SupportsIndex = 1, cooperation: Strengths = None) -> MatchBatch:
    """
    Matches every case (see keten.match_batch). Releases the GIL.
    """
def member_organisation(form: HelpForm) -> str:
    """
    The national member organisation that carries a help form.
    """
def merge_results(parts: collections.abc.Sequence[SimulationResult]) -> SimulationResult:
    """
    The runs of a simulation's shards (one seed) as one SimulationResult (C++ merge_results).
    """
def min_cost_flow(supply: typing.Any, source: typing.Any, target: typing.Any, lower: typing.Any, upper: typing.Any, cost: typing.Any) -> FlowSolution:
    """
    Minimum-cost flow: shortest augmenting paths on assignment instances, else the primal network simplex (see keten.min_cost_flow). Node ids are 0-based. Releases the GIL.
    """
def municipalities() -> Table:
    """
    The 342 Dutch municipalities of 2023 as a Table: code, name, province, population, area_km2, lat, lon.
    """
def parse_cases(text: str, landscape: Landscape, source_name: str = '<string>') -> Cases:
    """
    Parses a keten.cases JSON document, each case validated against the landscape.
    """
def parse_dimacs(text: str, source_name: str = '<string>') -> dict[str, numpy.typing.NDArray[numpy.int64]]:
    """
    Parses a DIMACS min-cost-flow instance into columns supply, source, target, lower, upper, cost (numpy int64, node ids 0-based). Raises ParseError naming the line and field.
    """
def parse_hsds(text: str, source_name: str = '<string>', *, strict: bool = False) -> tuple[Landscape, list[dict[str, typing.Any]]]:
    """
    Imports an HSDS JSON document from text (see import_hsds).
    """
def parse_landscape(text: str, source_name: str = '<string>') -> Landscape:
    """
    Parses a keten.landscape JSON document. Raises ParseError or ValidationError.
    """
def parse_scan(text: str, landscape: Landscape, source: str = '<string>') -> Scan:
    """
    Parses a scan from text: keten.scan JSON if it starts with '{', else CSV.
    """
def parse_scenario(text: str, landscape: Landscape, source: str = '<string>') -> Scenario:
    ...
def questionnaire_table() -> typing.Any:
    """
    The standard questionnaire (see keten.questionnaire).
    """
def rank_sum_test(before: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], after: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> tuple[float, float, bool]:
    """
    The trend test of the cooperation report: Mann-Whitney of `after` against `before` with midranks; returns (Vargha-Delaney A, two-sided p, exact). Exact permutation p up to 80 values in all, else the normal approximation with tie and continuity correction.
    """
def read_dimacs(path: os.PathLike | str | bytes) -> dict[str, numpy.typing.NDArray[numpy.int64]]:
    """
    Reads a DIMACS file (see parse_dimacs). Raises KetenIOError, ParseError.
    """
def simulate(landscape: Landscape, *, weeks: typing.SupportsFloat | typing.SupportsIndex, warmup_weeks: typing.SupportsFloat | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, round_days: typing.SupportsFloat | typing.SupportsIndex, policy: str, demand: typing.SupportsFloat | typing.SupportsIndex, form_demand: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(5)"], rates: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(5)"] | None, duration_shapes: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(5)"] | None, municipalities: collections.abc.Sequence[str], sample: Cases | None, sample_days: typing.SupportsFloat | typing.SupportsIndex, turnover: typing.SupportsFloat | typing.SupportsIndex, waiting_day: typing.SupportsFloat | typing.SupportsIndex, fairness: typing.SupportsFloat | typing.SupportsIndex, weights: MatchWeights | None, scenario: Scenario) -> SimulationResult:
    ...
def simulation_shards(landscape: Landscape, count: typing.SupportsInt | typing.SupportsIndex) -> list[list[str]]:
    """
    Municipalities in at most `count` groups that no offering joins (docs/scale.md).
    """
def stable_match(resident_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], hospital_prefs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], capacities: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], *, optimal: str = 'residents') -> list[int | None]:
    """
    The resident-optimal (or, with optimal='hospitals', hospital-optimal) stable matching of a hospital-resident instance by deferred acceptance: per resident its hospital or None. Lists are indexes, most preferred first; only mutually listed pairs are acceptable. Raises ValidationError for a bad index, a repeat in a list or a negative capacity.
    """
def standard_categories() -> list[NeedCategory]:
    """
    The need categories of the standard taxonomy, in index order.
    """
def standard_demand_rates() -> dict:
    """
    The documented default demand per 1,000 inhabitants per year, by help form.
    """
def time_allocate(landscape: Landscape, cases: Cases, *, fairness: typing.SupportsFloat | typing.SupportsIndex = 0.0, waiting_day: typing.SupportsFloat | typing.SupportsIndex = 1.0, improve_complementarity: bool = True, days_waiting: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], weights: MatchWeights | None = None) -> float:
    """
    Benchmark aid: the seconds that keten::allocate takes for these cases, timed in C++ (no Python in the timed region; the result is freed after the clock stops).
    """
def time_match_batch(landscape: Landscape, cases: Cases, *, top_k: typing.SupportsInt | typing.SupportsIndex = 5, max_partners: typing.SupportsInt | typing.SupportsIndex = 3, allow_waitlist: bool = False, exhaustive: bool = False, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> float:
    """
    Benchmark aid: the seconds that the C++ work of match_batch takes for these cases, timed in C++ (no Python in the timed region).
    """
def to_dimacs(supply: typing.Any, source: typing.Any, target: typing.Any, lower: typing.Any, upper: typing.Any, cost: typing.Any, comment: str = '') -> str:
    """
    The network as DIMACS text (node ids 1-based in the text).
    """
def validate_cases(path: os.PathLike | str | bytes, landscape: Landscape) -> list[str]:
    """
    Reads and validates a keten.cases file against a landscape; returns the case ids.
    """
DEFAULT_DURATION_SHAPES: list = [2.0, 1.5, 8.0, 0.0, 2.0]
DEFAULT_SEED: int = 2022
__version__: str = '0.1.0'
