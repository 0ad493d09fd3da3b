"""The gap analysis from Python: the tables recomputed with pandas from the landscape, new teams
against exhaustive search with an independent coverage count, unmet needs against the allocation,
the JSON equal to the CLI's, errors, and the chain's DOT rendered by Graphviz."""

import itertools
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import keten

ROOT = Path(os.environ.get("KETEN_ROOT", Path(__file__).resolve().parents[2]))
EXAMPLE = ROOT / "data" / "example" / "landscape.json"
CASES = ROOT / "data" / "example" / "cases.json"
SCAN = ROOT / "data" / "example" / "scan.csv"


@pytest.fixture(scope="module")
def national():
    return keten.default_landscape()


@pytest.fixture(scope="module")
def example():
    return keten.load_landscape(EXAMPLE)


@pytest.fixture(scope="module")
def national_gaps(national):
    return keten.gaps(national)


def test_table_recomputed_with_pandas(national, national_gaps):
    t = national_gaps.table().to_pandas()
    assert len(t) == 342 * 5
    assert list(t["form"].head(5)) == list(keten.FORMS)
    rates = keten.standard_demand_rates()
    assert set(rates) == set(keten.FORMS)
    # demand = population x rate / 1000; shortfall = max(0, demand - capacity)
    expected = t["population"] * t["form"].map(rates) / 1000
    np.testing.assert_allclose(t["demand"], expected, rtol=1e-12)
    np.testing.assert_allclose(t["shortfall"], np.maximum(0, t["demand"] - t["capacity"]),
                               atol=1e-9)
    # capacity is the landscape's capacity_by_municipality matrix, row by row
    matrix = national.capacity_by_municipality()
    np.testing.assert_allclose(t["capacity"].to_numpy().reshape(342, 5), matrix, atol=1e-9)
    assert ((t["reach"] >= 0) & (t["reach"] <= 1)).all()
    assert (t["present"] == (t["offerings"] > 0)).all()
    # all five: exactly the municipalities present in every form
    per = t.groupby("code", sort=False)["present"].all()
    assert sorted(national_gaps.with_all_forms()) == sorted(per[per].index)
    assert sorted(national_gaps.missing("work")) == sorted(
        t[(t["form"] == "work") & ~t["present"]]["code"])
    # totals over a province = the sum of its rows (reach weighted by population)
    tot = national_gaps.totals(provinces=["Utrecht"]).to_pandas().set_index("form")
    u = t[t["province"] == "Utrecht"]
    for f in keten.FORMS:
        rows = u[u["form"] == f]
        assert tot.loc[f, "demand"] == pytest.approx(rows["demand"].sum())
        assert tot.loc[f, "shortfall"] == pytest.approx(rows["shortfall"].sum())
        assert tot.loc[f, "reach"] == pytest.approx(
            (rows["reach"] * rows["population"]).sum() / rows["population"].sum())
        assert tot.loc[f, "municipalities_missing"] == (~rows["present"]).sum()


def test_rates_and_reach_options(national):
    g = keten.gaps(national, rates={"money": 2.0}, reach_km=10)
    t = g.table(municipalities=["GM0363"]).to_pandas().set_index("form")
    assert t.loc["money", "demand"] == pytest.approx(t.loc["money", "population"] * 2.0 / 1000)
    assert t.loc["work", "demand"] == pytest.approx(
        t.loc["work", "population"] * keten.standard_demand_rates()["work"] / 1000)
    near = keten.gaps(national, reach_km=3).table().to_pandas()["reach"]
    far = g.table().to_pandas()["reach"]
    assert (far.to_numpy() >= near.to_numpy()).all() and far.sum() > near.sum()


def _coverage(table, sites, radius):
    """Independent count: a site reaches itself and every municipality in scope whose point is
    within `radius` km of its point."""
    money = table[table["form"] == "money"].set_index("code")
    total = 0.0
    for code, row in money.iterrows():
        if any(code == s or keten.distance_km(
                (money.loc[s, "lat"], money.loc[s, "lon"]), (row["lat"], row["lon"])) <= radius
               for s in sites):
            total += row["shortfall"]
    return total


def test_new_teams_against_exhaustive_search(national, national_gaps):
    scope = {"provinces": ["Zeeland"]}
    table = national_gaps.table(**scope).to_pandas()
    codes = list(dict.fromkeys(table["code"]))
    assert len(codes) == 13
    for k in (1, 2, 3):
        for radius in (10.0, 25.0):
            plan = national_gaps.plan_teams("money", teams=k, team_radius_km=radius, **scope)
            assert plan.form == "money"
            assert len(plan.sites) <= k
            covered = _coverage(table, plan.sites, radius)
            assert plan.covered == pytest.approx(covered)
            assert sum(plan.gains) == pytest.approx(plan.covered)
            best = max(_coverage(table, s, radius) for s in itertools.combinations(codes, k))
            assert plan.covered <= best + 1e-9
            assert plan.covered >= (1 - 1 / math.e) * best - 1e-9
            assert plan.shortfall_before == pytest.approx(
                table[table["form"] == "money"]["shortfall"].sum())
            assert 0 <= plan.shortfall_after <= plan.shortfall_before
            assert plan.shortfall_before - plan.shortfall_after <= k * plan.team_capacity + 1e-9


def test_unmet_evidence_and_demand_from_cases(example):
    cases = keten.load_cases(CASES, example)
    alloc = keten.allocate(example, cases)
    unmet = alloc.unmet().to_pandas()
    g = keten.gaps(example, cases)
    assert g.rounds == 1 and not g.demand_from_cases
    t = g.table().to_pandas()
    reasons = [c for c in t.columns if c.startswith("unmet_")]
    counted = int(t[reasons].to_numpy().sum())
    # every unmet need of a case with a municipality or a point; the example has one with a PC4
    # alone, which no municipality can be given
    placed = {c.id for c in cases if c.municipality or c.point}
    assert counted == int(unmet["case"].isin(placed).sum())
    assert counted > 0
    by_reason = unmet[unmet["case"].isin(placed)].groupby("reason").size()
    for reason, n in by_reason.items():
        assert t[f"unmet_{reason}"].sum() == n
    # the same cases twice: rounds 2, counts doubled
    g2 = keten.gaps(example, cases, rounds=[cases])
    assert g2.rounds == 2
    assert int(g2.table().to_pandas()[reasons].to_numpy().sum()) == 2 * counted
    # demand from the cases, scaled from 1 day to a year
    d = keten.gaps(example, cases, demand="cases", cases_period_days=1)
    assert d.demand_from_cases and d.cases_without_place == len(cases) - len(placed)
    needs = sum(len(c.needs) for c in cases if c.id in placed)
    assert d.table().to_pandas()["demand"].sum() == pytest.approx(365 * needs)


def test_json_equals_the_cli(national_gaps):
    cli = os.environ.get("KETEN_CLI")
    if not cli:
        pytest.skip("KETEN_CLI is not set")
    plan = national_gaps.plan_teams("youth", teams=2, provinces=["Drenthe"])
    ours = json.loads(national_gaps.to_json(provinces=["Drenthe"], plans=[plan]))
    out = subprocess.run([cli, "gaps", "-p", "Drenthe", "--teams", "2", "--form", "youth",
                          "--json"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ours
    assert ours["format"] == "keten.gaps" and len(ours["municipalities"]) == 12
    assert ours["teams"][0]["sites"][0]["code"] == plan.sites[0]


def test_errors_are_typed(national, national_gaps):
    with pytest.raises(keten.ValidationError, match="reach"):
        keten.gaps(national, reach_km=0)
    with pytest.raises(ValueError, match="unknown help forms"):
        keten.gaps(national, rates={"cash": 1.0})
    with pytest.raises(keten.NotFoundError, match="GM9999"):
        national_gaps.table(municipalities=["GM9999"])
    with pytest.raises(keten.NotFoundError, match="Atlantis"):
        national_gaps.totals(provinces=["Atlantis"])
    with pytest.raises(keten.ValidationError, match="help form"):
        national_gaps.plan_teams("cash")
    with pytest.raises(keten.ValidationError, match="at least one"):
        national_gaps.plan_teams("money", teams=0)
    with pytest.raises(ValueError, match="needs cases"):
        keten.gaps(national, demand="cases")


def test_chain_dot(example):
    members = keten.chain_members(example).to_pandas()
    dot = keten.chain_dot(example, "keten-gm0193")
    assert dot.startswith("graph G {")
    for p in members["partner"]:
        assert f'tooltip="{p}"' in dot
    report = keten.cooperation(SCAN, example)
    rated = keten.chain_dot(example, "keten-gm0193", report)
    pairs = report.pairs().to_pandas()
    assert f'label="{pairs["strength"].iloc[0]:.2f}"' in rated
    with pytest.raises(keten.NotFoundError):
        keten.chain_dot(example, "keten-nowhere")
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=rated, capture_output=True, text=True,
                             check=True).stdout
        assert "<svg" in svg and "SchuldHulpMaatje Zwolle" in svg
