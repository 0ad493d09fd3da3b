#!/usr/bin/env python3
"""keten.min_cost_flow against OR-Tools (SimpleMinCostFlow), networkx (network_simplex) and, on the
assignment instance, scipy.optimize.linear_sum_assignment and OR-Tools SimpleLinearSumAssignment, on
the same generated NETGEN-style instances (what ``keten generate mcf`` writes as DIMACS), in one run.

    python benchmarks/python/bench_flow.py
    python benchmarks/python/bench_flow.py --repetitions 9 --networkx-max-arcs 0

Instances (keten.generate_flow_instance, seed 1): transportation 2,000 nodes / 40,000 arcs,
transshipment 4,000 / 40,000, assignment 400 nodes (200 x 200, 40,000 arcs, unit supplies and
capacities); and the allocation networks (keten.allocation_network) of synthetic days on the
national landscape, one municipality (1,000 cases) and the country (50,000 cases), plain and
grouped; on the plain ones ``keten.allocate`` from the same cases (which builds and solves its
grouped network) is timed too, against OR-Tools solving the plain network handed to it. Each instance is written to
DIMACS text and read back with keten.parse_dimacs, so all solvers get the arrays of the DIMACS
file. Timed per solver, median over ``--repetitions``, seen
from Python and including each library's own input conversion from the numpy columns:

- keten: ``keten.min_cost_flow(supply, source, target, lower, upper, cost)`` (the C++ network
  simplex; the GIL is released);
- OR-Tools: ``SimpleMinCostFlow`` built with the vectorised ``add_arcs_with_capacity_and_unit_cost``
  and ``set_nodes_supplies``, then ``solve()`` (its cost-scaling push-relabel);
- networkx: a ``MultiDiGraph`` built from the columns, then ``network_simplex`` (pure Python; run
  once, and only on instances with at most ``--networkx-max-arcs`` arcs);
- scipy: ``linear_sum_assignment`` on the dense 200 x 200 cost matrix (assignment only);
- OR-Tools: ``SimpleLinearSumAssignment`` on the instance's arcs (assignment only; its cost-scaling
  assignment algorithm).

The optimal costs of all solvers are checked to be equal before anything is timed. Prints a
Markdown table and the ratios to keten; docs/benchmarks.md ("Python peers: min-cost flow") keeps
one run.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np

import keten
from timing import median_seconds

try:
    from ortools.graph.python import min_cost_flow as ortools_mcf
except ImportError:  # pragma: no cover - optional peer
    ortools_mcf = None
try:
    from ortools.graph.python import linear_sum_assignment as ortools_lsa
except ImportError:  # pragma: no cover - optional peer
    ortools_lsa = None
try:
    import networkx as nx
except ImportError:  # pragma: no cover - optional peer
    nx = None
try:
    from scipy.optimize import linear_sum_assignment
except ImportError:  # pragma: no cover - optional peer
    linear_sum_assignment = None

INSTANCES = [
    ("transportation", 2000, 40000),
    ("transshipment", 4000, 40000),
    ("assignment", 400, 0),
]


def instances(seed):
    """(kind, label, network, day) for each benchmark instance: the generated NETGEN-style ones
    (day None) and the allocation networks of synthetic days on the national landscape (the C++
    benchmark's days: generate_cases seed 77), plain (one supply node per need, what a
    straightforward builder hands a solver) and grouped (what keten.allocate solves); day is the
    (landscape, cases) a plain network comes from. Every network goes through DIMACS text and
    back."""
    out = []
    for kind, nodes, arcs in INSTANCES:
        generated = keten.generate_flow_instance(kind, nodes, arcs, seed=seed)
        net = keten.parse_dimacs(generated.to_dimacs(f"{kind} seed {seed}"), f"{kind}.min")
        out.append((kind, f"{kind} {net.node_count} nodes / {net.arc_count} arcs", net, None))
    landscape = keten.default_landscape()
    days = [
        ("municipality", keten.generate_cases(landscape, count=1000, seed=77,
                                              municipalities=["GM0193"])),
        ("country", keten.generate_cases(landscape, count=50000, seed=77)),
    ]  # fmt: skip
    for scope, cases in days:
        for grouped in (False, True):
            built = keten.allocation_network(landscape, cases, grouped=grouped)
            net = keten.parse_dimacs(built.to_dimacs(), "allocation.min")
            form = "grouped" if grouped else "plain"
            label = f"allocation {scope}, {form}: {net.node_count} nodes / {net.arc_count} arcs"
            # keten.allocate against the plain graph only (what a caller without keten solves)
            out.append(("allocation", label, net, None if grouped else (landscape, cases)))
    return out


def keten_solve(net):
    s = keten.min_cost_flow(net.supply, net.source, net.target, net.lower, net.upper, net.cost)
    assert s.status == "optimal"
    return s.cost


def without_lower_bounds(net):
    supply = net.supply.copy()
    np.subtract.at(supply, net.source, net.lower)
    np.add.at(supply, net.target, net.lower)
    return supply, net.upper - net.lower, int(np.dot(net.lower, net.cost))


def ortools_solve(net):
    supply, capacity, offset = without_lower_bounds(net)
    solver = ortools_mcf.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.source, net.target, capacity, net.cost)
    solver.set_nodes_supplies(np.arange(len(supply)), supply)
    assert solver.solve() == solver.OPTIMAL
    return solver.optimal_cost() + offset


def networkx_solve(net):
    supply, capacity, offset = without_lower_bounds(net)
    g = nx.MultiDiGraph()
    g.add_nodes_from((v, {"demand": -s}) for v, s in enumerate(supply.tolist()))
    g.add_edges_from(
        (u, v, {"capacity": c, "weight": w})
        for u, v, c, w in zip(net.source.tolist(), net.target.tolist(), capacity.tolist(),
                              net.cost.tolist())
    )  # fmt: skip
    cost, _ = nx.network_simplex(g)
    return cost + offset


def assignment_sides(net):
    """Row and column numbers of an assignment instance's nodes: rows = the supply nodes, columns =
    the demand nodes, numbered from 0 on each side (-1 for the other side)."""
    rows = np.flatnonzero(net.supply > 0)
    cols = np.flatnonzero(net.supply < 0)
    row_of = np.full(len(net.supply), -1)
    col_of = np.full(len(net.supply), -1)
    row_of[rows] = np.arange(len(rows))
    col_of[cols] = np.arange(len(cols))
    assert (net.upper == 1).all() and (net.lower == 0).all() and (net.supply[rows] == 1).all()
    return row_of, col_of, len(rows), len(cols)


def assignment_matrix(net):
    """The dense cost matrix of an assignment instance."""
    row_of, col_of, rows, cols = assignment_sides(net)
    matrix = np.full((rows, cols), np.inf)
    np.minimum.at(matrix, (row_of[net.source], col_of[net.target]), net.cost.astype(float))
    return matrix


def ortools_assignment_solve(net):
    """OR-Tools SimpleLinearSumAssignment on the arcs of an assignment instance."""
    row_of, col_of, _, _ = assignment_sides(net)
    solver = ortools_lsa.SimpleLinearSumAssignment()
    solver.add_arcs_with_cost(row_of[net.source], col_of[net.target], net.cost)
    assert solver.solve() == solver.OPTIMAL
    return int(solver.optimal_cost())


def scipy_solve(matrix):
    r, c = linear_sum_assignment(matrix)
    return int(matrix[r, c].sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--networkx-max-arcs", type=int, default=40000,
        help="run networkx only on instances with at most this many arcs (0: never)",
    )  # fmt: skip
    args = parser.parse_args()
    print(f"keten {keten.__version__}, Python {platform.python_version()}, numpy {np.__version__}")
    peers = []
    if ortools_mcf is not None:
        import ortools

        peers.append(f"OR-Tools {ortools.__version__}")
    if nx is not None:
        peers.append(f"networkx {nx.__version__}")
    if linear_sum_assignment is not None:
        import scipy

        peers.append(f"scipy {scipy.__version__}")
    print("peers:", ", ".join(peers) or "none installed (pip install -r requirements-test.txt)")
    print(f"median of {args.repetitions} runs (networkx: one run), seconds\n")

    rows = []
    for kind, label, net, day in instances(args.seed):
        # Same optimum everywhere before timing.
        cost = keten_solve(net)
        solvers = {"keten": lambda: keten_solve(net)}
        if day is not None:  # keten.allocate builds its (grouped) network from the cases itself
            landscape, cases = day
            allocation = keten.allocate(landscape, cases, improve_complementarity=False)
            assert -round(allocation.flow_objective * 1000) == cost, f"{label}: allocate disagrees"
            solvers["keten.allocate"] = lambda: keten.allocate(
                landscape, cases, improve_complementarity=False
            )
        if ortools_mcf is not None:
            assert ortools_solve(net) == cost, f"{label}: OR-Tools disagrees"
            solvers["OR-Tools"] = lambda: ortools_solve(net)
        use_networkx = nx is not None and net.arc_count <= args.networkx_max_arcs
        if kind == "assignment" and linear_sum_assignment is not None:
            matrix = assignment_matrix(net)
            assert scipy_solve(matrix) == cost, f"{label}: scipy disagrees"
            solvers["scipy lsa"] = lambda: scipy_solve(matrix)
        if kind == "assignment" and ortools_lsa is not None:
            assert ortools_assignment_solve(net) == cost, f"{label}: OR-Tools LSA disagrees"
            solvers["OR-Tools lsa"] = lambda: ortools_assignment_solve(net)
        times = {name: median_seconds(fn, args.repetitions) for name, fn in solvers.items()}
        if use_networkx:
            start = time.perf_counter()
            assert networkx_solve(net) == cost, f"{label}: networkx disagrees"
            times["networkx"] = time.perf_counter() - start
        rows.append((label, cost, times))
        print(f"{label}: optimal cost {cost}; " +
              ", ".join(f"{k} {v:.4f}s" for k, v in times.items()), flush=True)  # fmt: skip

    names = ["keten", "OR-Tools", "networkx", "scipy lsa", "OR-Tools lsa", "keten.allocate"]
    print("\n| instance | optimal cost | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for label, cost, times in rows:
        cells = []
        for n in names:
            if n not in times:
                cells.append("—")
            elif n == "keten":
                cells.append(f"{times[n] * 1000:.2f} ms")
            elif n == "keten.allocate":  # the ratio of the plain graph's OR-Tools solve to it
                ratio = times["OR-Tools"] / times[n] if "OR-Tools" in times else float("nan")
                cells.append(f"{times[n] * 1000:.2f} ms (OR-Tools {ratio:.1f}×)")
            else:
                cells.append(f"{times[n] * 1000:.1f} ms ({times[n] / times['keten']:.1f}×)")
        print(f"| {label} | {cost} | " + " | ".join(cells) + " |")
    print("\n(×: the peer's time over keten's; > 1 means keten is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
