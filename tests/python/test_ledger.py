"""keten.Ledger: the referral ledger through the binding (docs/ledger.md)."""

import pytest

import keten


@pytest.fixture
def land():
    return keten.load_landscape(keten.data_dir() / "example" / "landscape.json")


def test_lifecycle_history_as_dataframe(tmp_path, land):
    ledger = keten.Ledger(tmp_path / "l.ktl")
    assert ledger.add_offerings(land) == 12
    assert ledger.add_offerings(land) == 0
    rid = ledger.refer("zw-0100", "money.debts", "shm-gm0193-maatje", at=1_700_000_000.0)
    before = {c["offering"]: c["held"] for c in ledger.capacities()}["shm-gm0193-maatje"]
    ledger.update(rid, "accepted", actor="partner", at=1_700_000_100.0)
    ledger.update(rid, "in-progress", actor="partner")
    ledger.update(rid, "completed", actor="partner")
    h = ledger.history(rid)
    assert list(h["to_state"]) == ["requested", "accepted", "in-progress", "completed"]
    assert list(h["actor"]) == ["referrer", "partner", "partner", "partner"]
    assert h["from_state"].isna().iloc[0]
    assert str(h["at"].iloc[1]) == "2023-11-14 22:15:00+00:00"
    after = {c["offering"]: c["held"] for c in ledger.capacities()}["shm-gm0193-maatje"]
    assert (before, after) == (1, 0)
    assert ledger.referral(rid)["state"] == "completed"
    assert ledger.check() == []


def test_refused_transitions_change_nothing(tmp_path, land):
    ledger = keten.Ledger(tmp_path / "l.ktl")
    ledger.add_offerings(land)
    rid = ledger.refer("zw-0100", "money.debts", "shm-gm0193-maatje")
    with pytest.raises(keten.ValidationError, match="requested → accepted by referrer"):
        ledger.update(rid, "accepted", actor="referrer")
    with pytest.raises(keten.ValidationError, match="needs a reason"):
        ledger.update(rid, "rejected", actor="partner")
    with pytest.raises(keten.NotFoundError):
        ledger.update(999, "accepted", actor="partner")
    assert len(ledger.history(rid)) == 1
    ledger.update(rid, "rejected", actor="partner", reason="no-capacity")
    d = ledger.declines()
    assert list(d["reason"]) == ["no-capacity"]
    assert list(d["partner"]) == ["shm-gm0193"]


def test_seed_from_allocation(tmp_path, land):
    cases = keten.example_cases(land)
    allocation = keten.allocate(land, cases)
    ledger = keten.Ledger(tmp_path / "l.ktl", synchronous="normal")
    ledger.add_offerings(land)
    ids = ledger.seed(allocation)
    assert len(ids) > 0
    assert all(r["state"] == "requested" for r in ledger.referrals())
    assert sum(c["held"] for c in ledger.capacities()) == len(ids)
    assert ledger.expire(older_than_days=0) == len(ids)
    assert ledger.referrals(open_only=True) == []
    assert ledger.check() == []


def test_foreign_file_is_refused(tmp_path):
    p = tmp_path / "x.ktl"
    p.write_bytes(b"not a database" * 500)
    with pytest.raises(keten.ParseError, match="not a keten ledger"):
        keten.Ledger(p)
    with pytest.raises(keten.KetenIOError):
        keten.Ledger(tmp_path / "missing.ktl", create=False)
