"""allocate()'s improvement step against the exact optimum of the full objective (priority, fit and
complementarity) computed by an integer programme: OR-Tools CP-SAT on the model that
keten._ext.allocation_model exports. The C++ tests compare with exhaustive search on instances of
up to 7 needs; this goes to whole days of the example municipality (up to ~130 needs) with tight
capacity, where enumeration is out of reach. docs/allocation.md reports the gaps."""

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

import keten
from keten import _ext

cp_model = pytest.importorskip("ortools.sat.python.cp_model")

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("KETEN_ROOT", HERE.parents[1]))
WEIGHTS = keten.MatchWeights(complementarity=60.0)  # large enough that it matters


def tight_landscape(units):
    """The example landscape with every offering's free units set by ``units(i)``."""
    text = (ROOT / "data" / "example" / "landscape.json").read_text()
    counter = iter(range(10**6))
    text = re.sub(r'"free_units": [0-9]+', lambda _: f'"free_units": {units(next(counter))}', text)
    return keten.parse_landscape(text, "tight-example")


def cp_sat(model, seconds=60.0):
    """Solves the exported model with CP-SAT: (status name, best value, best bound), in score
    units (thousandths of a point)."""
    m = cp_model.CpModel()
    x = [m.NewBoolVar(f"x{k}") for k in range(len(model["option_need"]))]
    by_need, by_offering = defaultdict(dict), defaultdict(list)
    for k, (need, offering) in enumerate(zip(model["option_need"], model["option_offering"])):
        by_need[int(need)][int(offering)] = k
        by_offering[int(offering)].append(k)
    for options in by_need.values():
        m.Add(sum(x[k] for k in options.values()) <= 1)
    for offering, ks in by_offering.items():
        m.Add(sum(x[k] for k in ks) <= int(model["free_units"][offering]))
    objective = [int(v) * x[k] for k, v in enumerate(model["option_value"])]
    for a, b, value in zip(model["pair_a"], model["pair_b"], model["pair_value"]):
        a, b = int(a), int(b)
        if not by_need[a] or not by_need[b]:
            continue
        both = m.NewBoolVar(f"y{a}_{b}")  # both covered, by different offerings
        m.Add(both <= sum(x[k] for k in by_need[a].values()))
        m.Add(both <= sum(x[k] for k in by_need[b].values()))
        for offering in by_need[a].keys() & by_need[b].keys():
            m.Add(both + x[by_need[a][offering]] + x[by_need[b][offering]] <= 2)
        objective.append(int(value) * both)
    m.Maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.Solve(m)
    return solver.StatusName(status), round(solver.ObjectiveValue()), round(
        solver.BestObjectiveBound())


def ip_optimum(model):
    """The exact optimum in score units, proven by CP-SAT."""
    status, value, _ = cp_sat(model)
    assert status == "OPTIMAL", status
    return value


def score(points):
    return round(points * 1000)


INSTANCES = [(seed, count, cap) for seed in (1, 2, 3) for count, cap in ((40, 1), (80, 2), (60, 3))]


@pytest.mark.parametrize("seed,count,cap", INSTANCES)
def test_improvement_step_against_cp_sat(seed, count, cap):
    landscape = tight_landscape(lambda i: (i * 7 + seed) % (cap + 1))
    cases = keten.generate_cases(landscape, count=count, seed=seed, municipalities=["GM0193"])
    model = _ext.allocation_model(landscape, cases, weights=WEIGHTS)
    exact = ip_optimum(model)
    ours = keten.allocate(landscape, cases, weights=WEIGHTS)
    flow_only = keten.allocate(landscape, cases, weights=WEIGHTS, improve_complementarity=False)
    # The IP is exact: nothing keten returns can beat it, and the flow optimum (priority + fit
    # only, complementarity added afterwards) is a lower bound the improvement step never loses.
    assert score(ours.objective) <= exact
    assert score(flow_only.objective) <= score(ours.objective)
    gap = (exact - score(ours.objective)) / exact
    assert gap <= 0.02, f"gap {gap:.4%} (keten {score(ours.objective)}, exact {exact})"


def test_model_matches_the_flow_without_complementarity():
    """With complementarity off, the IP's optimum is the flow's: the exported model is the same
    problem that allocate() solves."""
    landscape = tight_landscape(lambda i: i % 3)
    cases = keten.generate_cases(landscape, count=60, seed=9, municipalities=["GM0193"])
    weights = keten.MatchWeights(complementarity=0.0)
    model = _ext.allocation_model(landscape, cases, weights=weights)
    assert len(model["pair_value"]) == 0
    assert ip_optimum(model) == score(keten.allocate(landscape, cases, weights=weights).objective)
