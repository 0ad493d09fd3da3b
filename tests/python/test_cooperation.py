"""Local chains and cooperation scans from Python: the tables, the report recomputed with pandas
from the raw answers, the trend test against scipy, and cooperation steering match and allocate."""

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import keten

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example" / "landscape.json"
SCAN = ROOT / "data" / "example" / "scan.csv"


@pytest.fixture(scope="module")
def example():
    return keten.load_landscape(EXAMPLE)


@pytest.fixture(scope="module")
def national():
    return keten.default_landscape()


def test_chains_tables(example, national):
    t = keten.chains(example).to_pandas()
    assert list(t["chain"]) == ["keten-gm0193"]
    assert t.loc[0, "form"] == "shared_intake"
    assert t.loc[0, "started"] == "2023-03-15"
    assert t.loc[0, "initiators"] == "shm-gm0193 role:council_of_churches"
    members = keten.chain_members(example).to_pandas()
    assert len(members) == t.loc[0, "partners"] == 7
    assert members["initiator"].sum() == 1
    n = keten.chains(national).to_pandas()
    assert len(n) > 50 and n["chain"].is_unique
    assert (n["partners"] >= 2).all()
    # Every member of a national chain is a partner of the landscape in a municipality of it.
    nm = keten.chain_members(national).to_pandas()
    covered = dict(zip(n["chain"], n["municipalities"].str.split()))
    assert all(m in covered[c] for c, m in zip(nm["chain"], nm["municipality"]))


def test_scan_io_round_trip_and_errors(example, tmp_path):
    scan = keten.load_scan(SCAN, example)
    assert len(scan) == len(scan.answers())
    assert scan.dates("keten-gm0193") == sorted(scan.dates("keten-gm0193"))
    assert len(scan.dates("keten-gm0193")) == 2
    # JSON groups the answers by scan and respondent: the same answers, perhaps in another order.
    def rows(s):
        return sorted(s.to_csv().splitlines())

    again = keten.parse_scan(scan.to_json(), example)
    assert rows(again) == rows(scan)
    scan.save(tmp_path / "s.json")
    assert rows(keten.load_scan(tmp_path / "s.json", example)) == rows(scan)
    lines = scan.to_csv().splitlines()
    bad = "\n".join(lines[:3] + ["keten-gm0193,2025-01-10,shm-gm0193,r77,ambition.1,9"]) + "\n"
    with pytest.raises(keten.ValidationError) as e:
        keten.parse_scan(bad, example, "bad.csv")
    assert e.value.line == 4 and e.value.field == "value" and e.value.file == "bad.csv"
    with pytest.raises(keten.NotFoundError):
        scan.dates("nope")


def recomputed_conditions(answers: pd.DataFrame) -> pd.DataFrame:
    """The report's per-chain, per-condition figures of each scan, from the raw answers."""
    a = answers.copy()
    q = keten.questionnaire().to_pandas()
    reversed_ = set(q.loc[q["reversed"], "statement"])
    a["meaning"] = np.where(a["statement"].isin(reversed_), 6 - a["value"], a["value"])
    respondent = a.groupby(["chain", "date", "condition", "partner", "respondent"])["meaning"].mean()
    partner = respondent.groupby(["chain", "date", "condition", "partner"]).mean()
    g = partner.groupby(["chain", "date", "condition"])
    out = pd.DataFrame(
        {
            "mean": g.mean(),
            "spread": g.max() - g.min(),
            "sd": g.std(ddof=0),
            "partners": g.size(),
        }
    )
    return out, respondent


def test_report_agrees_with_pandas_and_scipy(national):
    scan = keten.load_scan(keten.data_dir() / "national_scan.json", national)
    report = keten.cooperation(scan)
    c = report.conditions().to_pandas()
    assert len(c) == 5 * len(keten.chains(national))
    answers = scan.answers().to_pandas()
    expected, respondent = recomputed_conditions(answers)
    checked_exact = checked_normal = 0
    for row in c.itertuples():
        e = expected.loc[(row.chain, row.scanned, row.condition)]
        assert row.mean == pytest.approx(e["mean"], abs=1e-12)
        assert row.spread == pytest.approx(e["spread"], abs=1e-12)
        assert row.sd == pytest.approx(e["sd"], abs=1e-12)
        assert row.partners == e["partners"]
        # The trend: the respondent scores of the two scans, against scipy.
        before = respondent.loc[(row.chain, row.baseline, row.condition)].to_numpy()
        after = respondent.loc[(row.chain, row.scanned, row.condition)].to_numpy()
        u = scipy.stats.mannwhitneyu(after, before, method="asymptotic", use_continuity=True)
        assert row.superiority == pytest.approx(u.statistic / (len(before) * len(after)))
        if row.exact:
            checked_exact += 1
        else:
            assert row.p_value == pytest.approx(u.pvalue, rel=1e-9)
            checked_normal += 1
    assert checked_exact > 100
    # Weakest: the lowest mean of each chain.
    for chain, rows in c.groupby("chain"):
        assert rows["weakest"].sum() == 1
        assert rows.loc[rows["weakest"], "mean"].iloc[0] == rows["mean"].min()
    # Pairs: every pair of answering partners of each chain, strengths in [0, 1].
    pairs = report.pairs().to_pandas()
    assert pairs["strength"].between(0, 1).all()
    assert len(report.strengths) > 0 and report.strengths.max() <= 1.0


def exhaustive_p(before, after):
    """Two-sided exact permutation p of |U - E[U]|, by enumerating every labelling."""
    pooled = np.concatenate([before, after])
    ranks = scipy.stats.rankdata(pooled)
    n2 = len(after)
    expected = n2 * (len(pooled) + 1) / 2
    observed = abs(ranks[len(before) :].sum() - expected)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), n2):
        total += 1
        hits += abs(ranks[list(chosen)].sum() - expected) >= observed - 1e-9
    return hits / total


def test_rank_sum_exact_against_enumeration_and_scipy_permutation():
    rng = np.random.default_rng(5)
    for _ in range(40):
        before = rng.integers(1, 6, rng.integers(2, 7)).astype(float)
        after = rng.integers(1, 6, rng.integers(2, 7)).astype(float)
        a, p, exact = keten._ext.rank_sum_test(before, after)
        assert exact
        assert p == pytest.approx(exhaustive_p(before, after), rel=1e-12)
        res = scipy.stats.permutation_test(
            (after, before),
            lambda x, y: abs(
                scipy.stats.rankdata(np.concatenate([x, y]))[: len(x)].sum()
                - len(x) * (len(x) + len(y) + 1) / 2
            ),
            permutation_type="independent",
            alternative="greater",
            n_resamples=np.inf,
        )
        assert p == pytest.approx(res.pvalue, rel=1e-9)
    # Large samples: scipy's asymptotic test with tie and continuity correction.
    before = rng.integers(1, 6, 60).astype(float)
    after = rng.integers(2, 6, 50).astype(float)
    a, p, exact = keten._ext.rank_sum_test(before, after)
    assert not exact
    u = scipy.stats.mannwhitneyu(after, before, method="asymptotic", use_continuity=True)
    assert p == pytest.approx(u.pvalue, rel=1e-9)
    assert a == pytest.approx(u.statistic / (60 * 50))


def test_cooperation_steers_match_and_allocate(example):
    # A crisis need (two partners offer it: the diaconie and the food bank) and debts.
    case = keten.Case(
        "steer",
        [keten.Need("money.crisis", urgency=4), keten.Need("money.debts", urgency=3)],
        municipality="GM0193",
        postcode="8025",
        consent=True,
        referrer="professional",
    )
    statements = keten.questionnaire().to_pandas()
    assert len(statements) == 25 and statements["reversed"].sum() == 5

    def scan_favouring(strong):
        rows = ["chain,date,partner,respondent,statement,value"]
        members = keten.chain_members(example).to_pandas()["partner"]
        for k, p in enumerate(members):
            v = 5 if p in strong else 1
            for stmt, rev in zip(statements["statement"], statements["reversed"]):
                written = 6 - v if rev else v
                rows.append(f"keten-gm0193,2025-03-01,{p},r{k + 1},{stmt},{written}")
        return keten.cooperation(keten.parse_scan("\n".join(rows) + "\n", example))

    weights = keten.MatchWeights(collaboration=400.0)

    def best_partners(result):
        return {a.partner for a in result.bundles[0].assignments if a.offering}

    results = {}
    for strong in ({"shm-gm0193", "diaconie-gm0193"}, {"shm-gm0193", "voedselbank-gm0193"}):
        report = scan_favouring(strong)
        m = keten.match(example, case, weights=weights, cooperation=report)
        slow = keten.match(example, case, weights=weights, cooperation=report, exhaustive=True)
        assert m.bundles[0].score == pytest.approx(slow.bundles[0].score)
        results[frozenset(strong)] = best_partners(m)
        assert best_partners(m) == strong
        a = keten.allocate(example, [case], weights=weights, cooperation=report.strengths)
        assert a.collaboration > 0
        assert set(a.assigned().to_pandas()["partner"]) == strong
    assert len(set(map(frozenset, results.values()))) == 2
    with pytest.raises(TypeError):
        keten.match(example, case, cooperation="strong")
