"""keten.simulate and friends through the binding (docs/simulation.md): reproducibility,
DataFrames, pickling, scenarios with positioned errors, and a small network against ciw, an
independent discrete-event simulation, within confidence bounds."""

import math
import pickle

import numpy as np
import pytest

import keten

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def land():
    return keten.example_landscape()


def test_same_seed_same_run_and_frames(land):
    a = keten.simulate(land, weeks=8, seed=4)
    b = keten.simulate(land, weeks=8, seed=4)
    c = keten.simulate(land, weeks=8, seed=5)
    fa, fb = keten._simulation.frames(a), keten._simulation.frames(b)
    for name in ("needs", "weeks", "offerings", "referrals", "summary"):
        pd.testing.assert_frame_equal(fa[name], fb[name])
    assert not fa["needs"].equals(keten._simulation.frames(c)["needs"])
    needs = fa["needs"]
    assert list(needs.columns) == [
        "case", "need", "municipality", "category", "help_form", "arrived", "referred", "wait",
        "offering", "partner", "outcome",
    ]  # fmt: skip
    referred = needs[needs.outcome == "referred"]
    assert len(referred) > 20
    assert (referred.wait >= 0).all() and referred.offering.notna().all()
    assert needs[needs.outcome != "referred"].referred.isna().all()
    summary = a.summary("total").to_pandas()
    assert summary.arrived[0] == len(needs)
    assert summary.referred[0] == len(referred)
    assert summary.wait_median[0] == pytest.approx(np.percentile(referred.wait, 50, method="inverted_cdf"))


def test_results_pickle_and_merge(land):
    r = keten.simulate(land, weeks=4, seed=2)
    back = pickle.loads(pickle.dumps(r))
    assert back.seed == 2 and back.rounds == r.rounds
    pd.testing.assert_frame_equal(back.needs().to_pandas(), r.needs().to_pandas())
    pd.testing.assert_frame_equal(back.weeks().to_pandas(), r.weeks().to_pandas())
    merged = keten.merge_results([r])
    assert len(merged.needs()) == len(r.needs())
    with pytest.raises(keten.ValidationError, match="only runs of one simulation merge"):
        keten.merge_results([r, keten.simulate(land, weeks=4, seed=3)])


def test_capacity_increase_shortens_waits(land):
    more = {
        "format": "keten.scenario",
        "version": 1,
        "name": "twice the debt buddies and the neighbour help",
        "changes": [
            {"offering": "shm-gm0193-maatje", "scale_units": 2},
            {"offering": "hip-gm0193-burenhulp", "scale_units": 2},
        ],
    }
    base = [keten.simulate(land, weeks=12, seed=s, demand=2) for s in range(6)]
    scen = [keten.simulate(land, weeks=12, seed=s, demand=2, scenario=more) for s in range(6)]
    diff = keten.compare(base, scen, by="total").set_index("metric")
    assert diff.loc["wait_mean", "baseline"] > 1.0
    assert diff.loc["wait_mean", "difference_high"] < 0
    assert diff.loc["arrived", "difference"] == 0 and diff.loc["arrived", "difference_high"] == 0
    summary = keten.summarize(base, by="help_form")
    assert set(summary.help_form) == {"money", "neighbour", "work", "group", "youth"}
    assert (summary.seeds == 6).any()


def test_bad_scenarios_name_their_position(land, tmp_path):
    bad = tmp_path / "what-if.json"
    bad.write_text('{"format": "keten.scenario", "version": 1,\n "changes": [{"close": "nope"}]}')
    with pytest.raises(keten.NotFoundError) as e:
        keten.load_scenario(bad, land)
    assert e.value.file == str(bad)
    assert e.value.pointer == "/changes/0/close"
    assert e.value.object_id == "nope"
    bad.write_text('{"format": "keten.scenario", "version": 1,\n "changes": [{"close": }]}')
    with pytest.raises(keten.ParseError) as e:
        keten.load_scenario(bad, land)
    assert (e.value.line, e.value.column) == (2, 24)  # at the "}" where a value belongs
    with pytest.raises(keten.ValidationError) as e:
        keten.parse_scenario({"format": "keten.scenario", "version": 1,
                              "changes": [{"week": 2, "round_days": -1}]}, land)  # fmt: skip
    assert e.value.pointer == "/changes/0/round_days"
    with pytest.raises(keten.ValidationError, match="policy is one of"):
        keten.simulate(land, weeks=1, policy="lottery")
    with pytest.raises(ValueError, match="rounds is daily"):
        keten.simulate(land, weeks=1, rounds="fortnightly")


def test_shards_cover_the_reach_without_overlap():
    national = keten.default_landscape()
    shards = keten.simulation_shards(national, 4)
    codes = [c for s in shards for c in s]
    assert len(codes) == len(set(codes)) and len(shards) == 4
    assert "GM0363" in codes


# --- a small network against ciw ---------------------------------------------------------------

# Three offerings: A (money.debts, 3 units, 2 days) serves Amsterdam, B (money.debts, 2 units,
# 3 days) serves Ouder-Amstel, C (neighbour.chores, 4 units, 2 days) serves both. Single-need
# cases arrive per municipality and help form; help times are exponential; referral is continuous
# (a round at every arrival and every freed unit). As a queueing network: node A fed by one
# Poisson stream, B by one, C by two; ρ ≈ 0.7 everywhere.
RATES = {("GM0363", "money.debts"): 1.05, ("GM0437", "money.debts"): 0.45,
         ("GM0363", "neighbour.chores"): 0.7, ("GM0437", "neighbour.chores"): 0.7}  # fmt: skip
NODES = {"A": (3, 2), "B": (2, 3), "C": (4, 2)}  # units, mean days
SAMPLE_DAYS = 20
DAYS, WARMUP_DAYS, SEEDS = 1400, 70, 6


def network():
    offerings = []
    for name, area, category in (("A", ["GM0363"], "money.debts"), ("B", ["GM0437"], "money.debts"),
                                 ("C", ["GM0363", "GM0437"], "neighbour.chores")):  # fmt: skip
        units, days = NODES[name]
        offerings.append({
            "id": name, "partner": "p" + name, "categories": [category],
            "area": {"municipalities": area},
            "capacity": {"units_per_period": units, "period_days": days, "free_units": units,
                         "typical_duration_days": days, "intake_wait_days": 0},
        })  # fmt: skip
    doc = {
        "format": "keten.landscape", "version": 2, "name": "three offerings",
        "partners": [{"id": "p" + n, "member": "HipHelpt", "municipality": "GM0363"} for n in NODES],
        "offerings": offerings,
    }  # fmt: skip
    import json

    landscape = keten.parse_landscape(json.dumps(doc))
    sample = []
    for (code, category), rate in RATES.items():
        for k in range(round(rate * SAMPLE_DAYS)):
            sample.append(keten.Case(f"{code}-{category}-{k}", [keten.Need(category, urgency=3)],
                                     municipality=code, consent=True))  # fmt: skip
    return landscape, keten.Cases(sample)


def keten_waits(seed, landscape, sample):
    r = keten.simulate(
        landscape, weeks=DAYS / 7, warmup_weeks=WARMUP_DAYS / 7, seed=seed, rounds="continuous",
        cases=sample, sample_days=SAMPLE_DAYS, turnover=0, duration_shapes=[1] * 5,
        municipalities=["GM0363", "GM0437"],
    )  # fmt: skip
    needs = r.needs().to_pandas()
    needs = needs[needs.outcome == "referred"]
    return needs.groupby("offering").wait.mean().to_dict()


def ciw_waits(seed):
    ciw = pytest.importorskip("ciw")
    exp = ciw.dists.Exponential
    classes = {
        "a": [exp(RATES[("GM0363", "money.debts")]), None, None],
        "b": [None, exp(RATES[("GM0437", "money.debts")]), None],
        "c1": [None, None, exp(RATES[("GM0363", "neighbour.chores")])],
        "c2": [None, None, exp(RATES[("GM0437", "neighbour.chores")])],
    }
    service = [exp(1 / NODES[n][1]) for n in "ABC"]
    net = ciw.create_network(
        arrival_distributions=classes,
        service_distributions={k: service for k in classes},
        routing={k: [[0.0] * 3 for _ in range(3)] for k in classes},
        number_of_servers=[NODES[n][0] for n in "ABC"],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(WARMUP_DAYS + DAYS)
    recs = [r for r in sim.get_all_records() if r.arrival_date > WARMUP_DAYS]
    return {n: np.mean([r.waiting_time for r in recs if r.node == i + 1]) for i, n in enumerate("ABC")}


def erlang_c_wait(c, days, rate):
    a = rate * days
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / math.factorial(c) * c / (c - a)
    return last / (terms + last) / (c / days - rate)


def test_small_network_agrees_with_ciw():
    pytest.importorskip("ciw")
    landscape, sample = network()
    ours = [keten_waits(100 + s, landscape, sample) for s in range(SEEDS)]
    theirs = [ciw_waits(200 + s) for s in range(SEEDS)]
    rates = {"A": 1.05, "B": 0.45, "C": 1.4}
    for node in "ABC":
        k = np.array([w[node] for w in ours])
        c = np.array([w[node] for w in theirs])
        se = math.sqrt(k.var(ddof=1) / len(k) + c.var(ddof=1) / len(c))
        exact = erlang_c_wait(NODES[node][0], NODES[node][1], rates[node])
        # Each node is an M/M/c queue: both simulations must agree with each other (and with the
        # formula) within three standard errors, and the bound must be tight enough to tell.
        assert abs(k.mean() - c.mean()) <= 3 * se, (node, k.mean(), c.mean(), se)
        assert abs(k.mean() - exact) <= 3 * math.sqrt(k.var(ddof=1) / len(k)), (node, k.mean(), exact)
        assert se < 0.25 * exact, (node, se, exact)
