"""Min-cost flow (keten.min_cost_flow against networkx.network_simplex and OR-Tools'
SimpleMinCostFlow on generated instances), DIMACS in and out, keten.allocate on the example day,
and the HSDS round trip, all from Python."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import keten

INSTANCES = [
    ("transportation", 60, 400, 1),
    ("transportation", 120, 1500, 2),
    ("transshipment", 80, 600, 3),
    ("transshipment", 200, 2000, 4),
    ("assignment", 40, 0, 5),
]


def shifted(network):
    """The network without lower bounds (the cost of the lower bounds apart), as the peers need."""
    supply = network.supply.copy()
    np.subtract.at(supply, network.source, network.lower)
    np.add.at(supply, network.target, network.lower)
    return supply, network.upper - network.lower, int(np.dot(network.lower, network.cost))


def networkx_cost(network):
    nx = pytest.importorskip("networkx")
    supply, capacity, offset = shifted(network)
    g = nx.MultiDiGraph()
    for v, s in enumerate(supply.tolist()):
        g.add_node(v, demand=-s)
    for u, v, c, w in zip(network.source.tolist(), network.target.tolist(), capacity.tolist(),
                          network.cost.tolist()):  # fmt: skip
        g.add_edge(u, v, capacity=c, weight=w)
    try:
        cost, _ = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return None
    return cost + offset


def ortools_cost(network):
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError as e:  # pragma: no cover - depends on the platform's wheels
        pytest.skip(f"OR-Tools is not installed for this Python ({e}); networkx still checks")
    supply, capacity, offset = shifted(network)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(network.source, network.target, capacity,
                                                network.cost)  # fmt: skip
    solver.set_nodes_supplies(np.arange(len(supply)), supply)
    status = solver.solve()
    if status != solver.OPTIMAL:
        return None
    return solver.optimal_cost() + offset


@pytest.mark.parametrize("kind,nodes,arcs,seed", INSTANCES)
def test_min_cost_flow_equals_networkx(kind, nodes, arcs, seed):
    network = keten.generate_flow_instance(kind, nodes, arcs, seed=seed)
    solution = keten.min_cost_flow(**network.columns())
    assert solution.status == "optimal"
    assert isinstance(solution.cost, int)
    assert solution.cost == networkx_cost(network)
    assert network.check(solution) == ""


@pytest.mark.parametrize("kind,nodes,arcs,seed", INSTANCES)
def test_min_cost_flow_equals_ortools(kind, nodes, arcs, seed):
    network = keten.generate_flow_instance(kind, nodes, arcs, seed=seed)
    assert network.solve().cost == ortools_cost(network)


def test_solution_arrays_are_consistent():
    network = keten.generate_flow_instance("transshipment", 100, 800, seed=7)
    s = network.solve()
    assert s.flow.dtype == np.int64 and s.flow.shape == (network.arc_count,)
    assert s.potential.dtype == np.int64 and s.potential.shape == (network.node_count,)
    assert ((network.lower <= s.flow) & (s.flow <= network.upper)).all()
    assert int(np.dot(s.flow, network.cost)) == s.cost
    balance = np.zeros(network.node_count, dtype=np.int64)
    np.add.at(balance, network.source, s.flow)
    np.subtract.at(balance, network.target, s.flow)
    assert (balance == network.supply).all()


def test_lower_bounds_and_negative_costs_agree_with_the_peers():
    rng = np.random.default_rng(11)
    base = keten.generate_flow_instance("transshipment", 60, 500, seed=11)
    lower = np.minimum(rng.integers(0, 3, base.arc_count), base.upper)
    cost = base.cost - 300
    network = keten.FlowNetwork(base.supply, base.source, base.target, lower, base.upper, cost)
    s = network.solve()
    expected = networkx_cost(network)
    if expected is None:
        assert s.status == "infeasible"
    else:
        assert s.status == "optimal" and s.cost == expected
        assert network.check(s) == ""


def test_assignment_instances_take_the_assignment_solver():
    # 3 x 3 assignment: unit sources and sinks, arcs only from sources to sinks.
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    source = [i for i in range(3) for _ in range(3)]
    target = [3 + j for _ in range(3) for j in range(3)]
    arc_cost = [cost[i][j] for i in range(3) for j in range(3)]
    s = keten.min_cost_flow([1, 1, 1, -1, -1, -1], source, target, [0] * 9, [1] * 9, arc_cost)
    assert (s.status, s.cost, s.method) == ("optimal", 5, "assignment")
    assert s.flow.tolist() == [0, 1, 0, 1, 0, 0, 0, 0, 1]
    # A supply of 2 is no assignment instance: the network simplex, same optimum as a by-hand count.
    s = keten.min_cost_flow([2, 1, -1, -1, -1], [0, 0, 0, 1, 1, 1], [2, 3, 4, 2, 3, 4],
                            [0] * 6, [1] * 6, [4, 1, 3, 2, 0, 5])  # fmt: skip
    assert (s.status, s.cost, s.method) == ("optimal", 2 + 1 + 3, "network_simplex")


def test_a_small_network_by_hand():
    # 0 -> 1 -> 2 costs 2, 0 -> 2 costs 5 with capacity 1: 3 units, 2 along the cheap path.
    s = keten.min_cost_flow([3, 0, -3], [0, 1, 0], [1, 2, 2], [0, 0, 0], [2, 2, 1], [1, 1, 5])
    assert (s.status, s.cost, s.flow.tolist()) == ("optimal", 9, [2, 2, 1])
    assert "optimal" in repr(s)


def test_infeasible_networks():
    # Unbalanced supplies.
    s = keten.min_cost_flow([5, -4], [0], [1], [0], [10], [1])
    assert s.status == "infeasible" and len(s.flow) == 0
    # Balanced but not enough capacity.
    s = keten.min_cost_flow([5, -5], [0], [1], [0], [4], [1])
    assert s.status == "infeasible"
    # A lower bound that cannot be met.
    s = keten.min_cost_flow([0, 0], [0], [1], [1], [2], [1])
    assert s.status == "infeasible"
    # Agreement with networkx on the same question.
    network = keten.FlowNetwork(*(np.array(x) for x in ([5, -5], [0], [1], [0], [4], [1])))
    assert networkx_cost(network) is None


def test_bad_input_is_refused():
    with pytest.raises(keten.ValidationError) as e:
        keten.min_cost_flow([1, -1], [0], [2], [0], [1], [1])
    assert e.value.field == "target" and e.value.object_id == "arc 0"
    with pytest.raises(ValueError):
        keten.min_cost_flow([1, -1], [0, 1], [1], [0], [1], [1])  # lengths differ
    with pytest.raises(TypeError):
        keten.min_cost_flow([1, -1], [0], [1], [0], [1.5], [1])  # floats are not rounded
    with pytest.raises(keten.ValidationError):
        keten.min_cost_flow([1, -1], [0], [1], [0], [2**50], [1])  # above 2^40
    with pytest.raises(keten.ValidationError):
        keten.min_cost_flow([1, -1], [0], [1], [3], [2], [1])  # lower above capacity
    with pytest.raises(keten.ValidationError):
        keten.generate_flow_instance("grid", 10, 10)


def test_dimacs_round_trip(tmp_path):
    network = keten.generate_flow_instance("transportation", 50, 300, seed=9)
    text = network.to_dimacs("a test instance")
    assert text.startswith("c a test instance\n")
    assert keten.parse_dimacs(text) == network
    path = tmp_path / "net.min"
    path.write_text(text)
    again = keten.read_dimacs(path)
    assert again == network and again.solve().cost == network.solve().cost
    assert repr(again) == "<FlowNetwork: 50 nodes, 300 arcs>"


def test_dimacs_errors_name_the_line(tmp_path):
    with pytest.raises(keten.ParseError) as e:
        keten.parse_dimacs("p min 2 1\na 1 3 0 1 1\n", "bad.min")
    assert e.value.file == "bad.min" and e.value.line == 2
    with pytest.raises(keten.KetenIOError):
        keten.read_dimacs(tmp_path / "missing.min")


def test_dimacs_by_hand():
    net = keten.parse_dimacs("c x\np min 3 2\nn 1 4\nn 3 -4\na 1 2 0 4 1\na 2 3 0 4 2\n")
    assert net.supply.tolist() == [4, 0, -4]
    assert net.source.tolist() == [0, 1] and net.target.tolist() == [1, 2]
    assert net.solve().cost == 12


# --- allocation ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    landscape = keten.example_landscape()
    return landscape, keten.example_cases(landscape)


def test_allocate_the_example_day(example):
    landscape, cases = example
    a = keten.allocate(landscape, cases)
    assigned, unmet = a.assigned(), a.unmet()
    total_needs = sum(len(c.needs) for c in cases)
    assert len(assigned) + len(unmet) == total_needs
    assert len(assigned) > 0 and len(unmet) > 0
    # The totals are those of the tables.
    points = float(np.sum(assigned["priority"]) + np.sum(assigned["fit"]))
    assert a.objective == pytest.approx(points + a.complementarity + a.fairness_penalty, abs=1e-6)
    assert np.allclose(assigned["total"], assigned["priority"] + assigned["fit"])
    assert a.fairness_penalty == 0.0 and a.groups > 0 and a.arcs > 0 and a.pivots >= 0
    assert a.parts >= 1
    # No offering beyond its free units; one unit per assigned need.
    free = landscape.offerings()["free_units"]
    assert (a.used_units <= np.maximum(free, 0)).all()
    assert int(a.used_units.sum()) == len(assigned)
    ids = landscape.offering_ids
    for offering, count in zip(*np.unique(assigned["offering"].astype(str), return_counts=True)):
        assert a.used_units[ids.index(offering)] == count
    # The waitlist: places in order, capacity_exhausted first with a queue.
    assert unmet["place"].tolist() == list(range(1, len(unmet) + 1))
    reasons = unmet["reason"].tolist()
    assert set(reasons) <= {"no_consent", "out_of_area", "excluded", "not_eligible",
                            "capacity_exhausted"}  # fmt: skip
    waiting = [r == "capacity_exhausted" for r in reasons]
    assert waiting == sorted(waiting, reverse=True)
    for reason, waits_for, place in zip(reasons, unmet["waiting_for"], unmet["queue_position"]):
        assert (waits_for is not None) == (reason == "capacity_exhausted") == (place > 0)
    # The JSON document carries the same.
    doc = json.loads(a.to_json())
    assert doc["format"] == "keten.allocation"
    text = json.dumps(doc)
    for case_id in assigned["case"]:
        assert case_id in text
    assert "Allocation" in repr(a)


@pytest.mark.parametrize("grouped", [True, False])
def test_allocation_network_is_what_allocate_solves(example, grouped):
    """keten.allocation_network: the network allocate() solves (grouped) or the plain one; its
    optimum, found by networkx, OR-Tools and keten's own solver, is minus the flow objective."""
    landscape, cases = example
    a = keten.allocate(landscape, cases, improve_complementarity=False)
    net = keten.allocation_network(landscape, cases, grouped=grouped)
    assert isinstance(net, keten.FlowNetwork) and "AllocationNetwork" in repr(net)
    assert net.supply[net.sink] == -int(net.supply[net.supply > 0].sum())
    expected = -round(a.flow_objective * 1000)
    assert networkx_cost(net) == expected
    assert ortools_cost(net) == expected
    s = net.solve()
    assert s.status == "optimal" and s.cost == expected and net.check(s) == ""
    if grouped:
        assert net.supply_nodes == a.groups
    else:  # one supply node of one unit per need with a candidate
        assert int((net.supply == 1).sum()) == net.supply_nodes


def test_allocation_network_of_a_synthetic_day_with_fairness():
    landscape = keten.default_landscape()
    cases = keten.generate_cases(landscape, count=400, seed=3)
    for fairness in (0.0, 15.0):
        a = keten.allocate(landscape, cases, fairness=fairness, improve_complementarity=False)
        plain = keten.allocation_network(landscape, cases, grouped=False, fairness=fairness)
        grouped = keten.allocation_network(landscape, cases, fairness=fairness)
        assert plain.supply_nodes > grouped.supply_nodes
        expected = -round(a.flow_objective * 1000)
        assert ortools_cost(plain) == expected
        assert grouped.solve().cost == expected


def test_allocation_network_refuses_what_allocate_refuses(example):
    landscape, cases = example
    with pytest.raises(keten.ValidationError) as duplicate:
        keten.allocation_network(landscape, [cases[0], cases[0]], grouped=False)
    assert duplicate.value.field == "id" and duplicate.value.object_id == cases[0].id
    with pytest.raises(ValueError):
        keten.allocation_network(landscape, cases, fairness=-1.0)
    with pytest.raises(ValueError):
        keten.allocation_network(landscape, cases, days_waiting=[1, 2])


def test_cli_writes_the_allocation_network_as_dimacs(example, tmp_path):
    cli = os.environ.get("KETEN_CLI")
    root = os.environ.get("KETEN_ROOT")
    if not cli or not Path(cli).exists() or not root:
        pytest.skip("KETEN_CLI and KETEN_ROOT are not set (make test-python sets them)")
    landscape, cases = example
    for flags in ([], ["--plain"]):
        out = tmp_path / "day.min"
        subprocess.run(
            [cli, "allocate", "--landscape", str(Path(root) / "data/example/landscape.json"),
             "--cases", str(Path(root) / "data/example/cases.json"), "--network", str(out),
             *flags], check=True, capture_output=True)  # fmt: skip
        written = keten.read_dimacs(out)
        assert written == keten.allocation_network(landscape, cases, grouped=not flags)
        solved = subprocess.run([cli, "mcf", str(out)], check=True, capture_output=True, text=True)
        a = keten.allocate(landscape, cases, improve_complementarity=False)
        assert solved.stdout.strip() == f"s {-round(a.flow_objective * 1000)}"


def test_allocate_tables_to_pandas(example):
    pd = pytest.importorskip("pandas")
    landscape, cases = example
    a = keten.allocate(landscape, cases)
    frame = a.assigned().to_pandas()
    assert list(frame.columns) == ["case", "case_index", "need", "category", "offering", "partner",
                                   "priority", "fit", "total"]  # fmt: skip
    waitlist = a.unmet().to_pandas()
    assert list(waitlist.columns) == ["place", "case", "case_index", "need", "category", "reason",
                                      "priority", "waiting_for", "queue_position"]  # fmt: skip
    # Cases from a DataFrame, as match_batch takes them, give the same allocation.
    again = keten.allocate(landscape, cases.to_pandas())
    assert again.to_json() == a.to_json()
    assert isinstance(frame, pd.DataFrame)


def test_allocate_options(example):
    landscape, cases = example
    plain = keten.allocate(landscape, cases, improve_complementarity=False)
    assert plain.moves == 0 and plain.complementarity >= 0
    fair = keten.allocate(landscape, cases, fairness=50.0)
    assert fair.fairness_penalty <= 0
    waited = keten.allocate(landscape, cases, days_waiting=[30] * len(cases), waiting_day=2.0)
    assert waited.objective > plain.objective
    heavy = keten.allocate(landscape, list(cases), weights=keten.MatchWeights(cover=200.0))
    assert heavy.objective > 0


@pytest.mark.parametrize(
    "options",
    [
        {"fairness": -1.0},
        {"fairness": float("nan")},
        {"waiting_day": float("inf")},
        {"weights": keten.MatchWeights(distance_scale_km=0.0)},
        {"days_waiting": [1, 2]},
        {"days_waiting": "many"},
    ],
)
def test_allocate_errors(example, options):
    landscape, cases = example
    with pytest.raises(ValueError):
        keten.allocate(landscape, cases, **options)


def test_allocate_validation_errors_name_the_field(example):
    landscape, cases = example
    with pytest.raises(keten.ValidationError) as e:
        keten.allocate(landscape, cases, fairness=-1.0)
    assert e.value.field == "fairness"
    twice = keten.Cases([cases[0], cases[0]])
    with pytest.raises(keten.ValidationError):
        keten.allocate(landscape, twice)
    with pytest.raises(keten.ValidationError):
        keten.allocate(landscape, [keten.Case("x", ["money.debts"], municipality="GM9999",
                                              consent=True)])  # fmt: skip


def test_allocate_nothing(example):
    landscape, _ = example
    a = keten.allocate(landscape, [])
    assert len(a.assigned()) == 0 and len(a.unmet()) == 0 and a.objective == 0.0


def test_allocator_repairs_the_previous_optimum(example):
    landscape, cases = example
    ids = landscape.offering_ids
    changes = [(ids[k], k % 3) for k in range(0, len(ids), max(1, len(ids) // 4))]
    closing = [cases[k].id for k in (1, 5, 9)]

    def replay(solve_between):
        alloc = keten.Allocator(landscape, fairness=10.0)
        alloc.add_cases(cases[:12], days_waiting=range(12))
        first = alloc.solve() if solve_between else None
        alloc.add_cases(cases[12:], days_waiting=[1] * (len(cases) - 12))
        for case_id in closing:
            alloc.remove_case(case_id)
        for offering, units in changes:
            alloc.set_free_units(offering, units)
        return alloc, first, alloc.solve()

    alloc, first, warm = replay(True)
    _, _, cold = replay(False)
    assert not first.warm and first.pivots >= 0
    assert warm.warm and not cold.warm and warm.paths > 0
    assert warm.flow_objective == pytest.approx(cold.flow_objective, abs=1e-9)
    assert len(alloc) == len(cases) - 3 and closing[0] not in alloc and cases[0].id in alloc
    assert "Allocator" in repr(alloc)
    # Removed cases are in neither table; case_index refers to every case ever added.
    assigned, unmet = warm.assigned(), warm.unmet()
    present = set(assigned["case"]) | set(unmet["case"])
    assert not present & set(closing)
    assert warm.case_ids == [c.id for c in cases]
    assert len(assigned) + len(unmet) == sum(len(c.needs) for c in cases if c.id not in closing)
    for offering, units in changes:
        assert warm.used_units[ids.index(offering)] <= units
    # The changes: exactly the needs whose offering differs from the first solve's.
    def offerings(a):
        t = a.assigned()
        return {(c, n): o for c, n, o in zip(t["case_index"], t["need"], t["offering"])}

    before, after = offerings(first), offerings(warm)
    expected = sorted(
        (c, n, before.get((c, n)), after.get((c, n)))
        for c, n in set(before) | set(after)
        if before.get((c, n)) != after.get((c, n))
    )
    t = warm.changes()
    got = list(zip(t["case_index"], t["need"], t["before"], t["after"]))
    assert got == expected and len(got) > 0
    assert len(first.changes()) == len(first.assigned())
    assert len(keten.allocate(landscape, cases).changes()) == 0


def test_allocator_errors_leave_it_unchanged(example):
    landscape, cases = example
    alloc = keten.Allocator(landscape)
    alloc.add_cases(cases[:10])
    before = alloc.solve()
    with pytest.raises(keten.ValidationError):
        alloc.add_cases([cases[10], cases[2]])  # cases[2] is already waiting
    with pytest.raises(keten.ValidationError):
        alloc.add_cases(cases[10:12], days_waiting=[1, -1])
    with pytest.raises(keten.NotFoundError):
        alloc.remove_case("no-such-case")
    with pytest.raises(KeyError):
        alloc.set_free_units("no-such-offering", 1)
    with pytest.raises(ValueError):
        alloc.set_free_units(landscape.offering_ids[0], -1)
    assert len(alloc) == 10 and cases[10].id not in alloc
    again = alloc.solve()
    assert again.flow_objective == before.flow_objective


# --- HSDS --------------------------------------------------------------------------------


STAMP = "2026-01-01T00:00:00Z"


def test_hsds_package_round_trip(example, tmp_path):
    landscape, _ = example
    keten.export_hsds(landscape, tmp_path / "pkg", updated=STAMP)
    assert (tmp_path / "pkg" / "datapackage.json").exists()
    imported, warnings = keten.import_hsds(tmp_path / "pkg")
    assert imported == landscape
    assert isinstance(warnings, list)
    for w in warnings:
        assert set(w) == {"message", "file", "line", "pointer", "field", "object_id", "text"}


def test_hsds_json_round_trip(example, tmp_path):
    landscape, _ = example
    text = landscape.to_hsds_json(updated=STAMP)
    assert text == landscape.to_hsds_json(updated=STAMP)  # reproducible
    assert "organizations.csv" in json.loads(text)
    path = tmp_path / "landscape.hsds.json"
    path.write_text(text)
    assert keten.import_hsds(path)[0] == landscape
    parsed, _ = keten.parse_hsds(landscape.to_hsds_json(-1, updated=STAMP), "mem.json")
    assert parsed == landscape


def test_hsds_errors(tmp_path):
    with pytest.raises(keten.KetenIOError):
        keten.import_hsds(tmp_path / "nothing-here.json")
    with pytest.raises(keten.ParseError) as e:
        keten.parse_hsds('{"organizations.csv": 3}', "bad.json")
    assert e.value.file == "bad.json"
    with pytest.raises(ValueError):
        keten.parse_hsds("[1, 2", "broken.json")


def test_cli_replays_a_days_changes_from_stdin_like_the_allocator(example):
    """keten allocate --changes - --json: the changes of each batch, applied one after the other,
    give the assignment of a keten.Allocator that made the same changes, batch by batch."""
    cli = os.environ.get("KETEN_CLI")
    root = os.environ.get("KETEN_ROOT")
    if not cli or not Path(cli).exists() or not root:
        pytest.skip("KETEN_CLI and KETEN_ROOT are not set (make test-python sets them)")
    landscape, cases = example
    lines = (Path(root) / "data" / "example" / "changes.jsonl").read_text().splitlines()
    run = subprocess.run(
        [cli, "allocate", "--landscape", str(Path(root) / "data/example/landscape.json"),
         "--cases", str(Path(root) / "data/example/cases.json"), "--changes", "-", "--json"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    reports = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["batch"] for r in reports] == list(range(len(lines) + 1))
    assert not reports[0]["warm"] and all(r["warm"] for r in reports[1:])

    alloc = keten.Allocator(landscape)
    alloc.add_cases(cases)
    replayed: dict = {}
    for batch, report in enumerate(reports):
        if batch > 0:
            change = json.loads(lines[batch - 1])
            for case_id in change.get("close", []):
                alloc.remove_case(case_id)
            if "arrive" in change:
                document = {"format": "keten.cases", "version": 1, "cases": change["arrive"]}
                alloc.add_cases(keten.parse_cases(json.dumps(document), landscape))
            for offering, units in change.get("free_units", {}).items():
                alloc.set_free_units(offering, units)
        a = alloc.solve()
        assert report["flow_objective"] == pytest.approx(a.flow_objective, abs=1e-6)
        for x in report["changes"]:
            assert replayed.get((x["case"], x["need"])) == x["before"]
            replayed[(x["case"], x["need"])] = x["after"]
        t = a.assigned()
        now = {(c, n): o for c, n, o in zip(t["case"], t["need"], t["offering"])}
        assert {k: v for k, v in replayed.items() if v is not None} == now


def test_allocator_applies_a_batch_all_or_nothing(example):
    landscape, cases = example
    alloc = keten.Allocator(landscape)
    alloc.add_cases(cases[:10])
    before = alloc.solve()
    offering = landscape.offering_ids[0]
    bad_batches = [
        (keten.NotFoundError, dict(close=[cases[0].id, "no-such-case"])),
        (keten.NotFoundError, dict(close=[cases[0].id], free_units={"no-such-offering": 1})),
        (keten.ValidationError, dict(close=[cases[0].id], arrive=[cases[10], cases[3]])),
        (keten.ValidationError, dict(close=[cases[0].id], free_units={offering: -1})),
    ]
    for error, batch in bad_batches:
        with pytest.raises(error):
            alloc.apply(**batch)
        assert len(alloc) == 10 and cases[0].id in alloc and cases[10].id not in alloc
    again = alloc.solve()
    assert again.flow_objective == before.flow_objective and len(again.changes()) == 0
    alloc.apply(close=[cases[0].id], arrive=cases[10:12], free_units={offering: 0})
    assert len(alloc) == 11 and cases[0].id not in alloc and cases[11].id in alloc
    after = alloc.solve()
    assert after.warm and after.used_units[0] == 0
    changed = after.changes()
    assert all(b != a for b, a in zip(changed["before"], changed["after"]))
