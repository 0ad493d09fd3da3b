"""The typed Python API over the C++ core: taxonomy, geography, landscapes as tables and arrays,
cases from keyword arguments and from tables, typed match results and their tables."""

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

import keten

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example" / "landscape.json"
CASES = ROOT / "data" / "example" / "cases.json"


@pytest.fixture(scope="module")
def example():
    return keten.load_landscape(EXAMPLE)


@pytest.fixture(scope="module")
def example_cases(example):
    return keten.load_cases(CASES, example)


@pytest.fixture(scope="module")
def national():
    return keten.default_landscape()


# --- taxonomy and geography -------------------------------------------------------------------


def test_help_forms_in_order():
    assert [f.name for f in keten.help_forms()] == ["money", "neighbour", "work", "group", "youth"]
    assert keten.help_form_label(keten.HelpForm.work, language="en") == "help for job seekers"


def test_landscape_categories_include_the_standard_ones(example):
    ids = [c.id for c in example.categories()]
    assert ids[: len(keten.standard_categories())] == [c.id for c in keten.standard_categories()]
    for i, c in enumerate(example.categories()):
        assert example.category_index(c.id) == i
        assert c.label_nl and c.label_en
    with pytest.raises(keten.NotFoundError) as caught:
        example.category_index("money.nothing")
    assert isinstance(caught.value, KeyError)


def test_municipalities_table():
    t = keten.municipalities()
    assert len(t) == 342
    assert t.columns == ["code", "name", "province", "population", "area_km2", "lat", "lon"]
    codes = list(t["code"])
    amsterdam = codes.index("GM0363")
    assert t["name"][amsterdam] == "Amsterdam"
    assert t["population"].dtype == np.uint32 and t["population"][amsterdam] > 800_000
    assert t["lat"].dtype == np.float64 and 52 < t["lat"][amsterdam] < 53
    assert "code" in t and "nope" not in t and list(t) == t.columns
    with pytest.raises(KeyError):
        t["nope"]


def test_distance_km():
    assert keten.distance_km((52.0, 5.0), (52.0, 5.0)) == 0
    assert 50 < keten.distance_km((52.37, 4.9), (51.92, 4.48)) < 65  # Amsterdam–Rotterdam


# --- landscapes -------------------------------------------------------------------------------


def test_summary_is_typed(national):
    s = national.summary()
    assert isinstance(s, keten.Summary)
    assert (s.partners, s.offerings) == (national.partner_count, national.offering_count)
    assert s.municipalities_served >= 200 and s.municipalities_with_all_forms <= s.municipalities_served
    forms = s.help_forms()
    assert list(forms["help_form"]) == ["money", "neighbour", "work", "group", "youth"]
    d = s.to_dict()
    assert d["municipalities_served"] == s.municipalities_served
    assert d["help_forms"]["group"]["offerings"] == forms["offerings"][3]
    assert "help form" in str(s)


def test_partner_and_offering_tables(example):
    partners = example.partners()
    offerings = example.offerings()
    assert list(partners["id"]) == example.partner_ids
    assert list(offerings["id"]) == example.offering_ids
    assert partners["offerings"].sum() == example.offering_count
    debts = example.offering_index("shm-gm0193-maatje")
    assert "money.debts" in offerings["categories"][debts]
    assert offerings["help_forms"][debts] == ["money"]
    assert offerings["partner"][debts] == "shm-gm0193"
    assert offerings["free_units"].dtype == np.int32
    assert (offerings["free_units"] <= offerings["units_per_period"]).all()
    has_circle = ~np.isnan(offerings["radius_km"])
    assert (offerings["radius_km"][has_circle] > 0).all()
    with pytest.raises(keten.NotFoundError):
        example.partner_index("nobody")


def test_relations(example):
    comp = example.complementarities()
    m = example.complementarity_matrix
    assert m.shape == (len(example.categories()),) * 2
    assert np.allclose(m, m.T)
    for a, b, w in zip(comp["a"], comp["b"], comp["weight"]):
        assert m[example.category_index(a), example.category_index(b)] == pytest.approx(w)
    prec = example.precedences()
    assert len(prec) > 0 and prec.columns == ["before", "after"]


def test_complementarity_matrix_is_a_read_only_view_that_keeps_the_landscape(example):
    landscape = keten.load_landscape(EXAMPLE)
    m = landscape.complementarity_matrix
    assert not m.flags.writeable and not m.flags.owndata
    expected = m.copy()
    del landscape
    assert np.array_equal(m, expected)  # still valid: the view holds the landscape


def test_capacity_by_municipality_is_returned_without_a_copy(national):
    c = national.capacity_by_municipality()
    assert c.shape == (342, 5) and c.dtype == np.float64
    assert c.flags.f_contiguous and not c.flags.owndata  # the Eigen buffer, moved
    summary = national.summary().help_forms()
    assert np.allclose(c.sum(axis=0), summary["units_per_year"])
    t = national.capacity_table()
    assert t.columns[-5:] == ["money", "neighbour", "work", "group", "youth"]
    assert np.array_equal(t["work"], c[:, 2])
    assert not t["work"].flags.owndata and not t["work"].flags.writeable
    assert t["money"].base is t["youth"].base  # one matrix behind all five columns


def test_json_and_snapshot_round_trips(example, tmp_path):
    example.save_json(tmp_path / "l.json")
    example.save_snapshot(tmp_path / "l.snap")
    assert keten.load_landscape(tmp_path / "l.json") == example
    assert keten.load_landscape(tmp_path / "l.snap") == example  # sniffed
    assert keten.load_snapshot(tmp_path / "l.snap") == example
    data = example.to_snapshot()
    assert data[:8] == b"KETENSNP"
    assert keten.landscape_from_snapshot(data) == example
    assert pickle.loads(pickle.dumps(example)) == example


def test_corrupt_snapshot_is_a_parse_error(example):
    data = bytearray(example.to_snapshot())
    data[-1] ^= 0xFF
    with pytest.raises(keten.ParseError) as caught:
        keten.landscape_from_snapshot(bytes(data), "broken.snap")
    assert caught.value.code == 114 and caught.value.file == "broken.snap"


def test_saving_into_a_missing_directory_is_an_os_error(example, tmp_path):
    with pytest.raises(OSError) as caught:
        example.save_json(tmp_path / "missing" / "l.json")
    assert isinstance(caught.value, keten.KetenIOError) and caught.value.code == 402


# --- cases ------------------------------------------------------------------------------------


def test_case_from_keyword_arguments(example):
    case = keten.Case(
        "c-1",
        ["money.debts", ("work.job_search", 4), keten.Need("money.admin", urgency=2, weight=0.5)],
        municipality="GM0193",
        postcode="8011",
        point=(52.51, 6.09),
        age=(30, 39),
        household="single_parent",
        languages=["nl", "en"],
        referrer="professional",
        consent=True,
    )
    assert case.categories == ["money.debts", "work.job_search", "money.admin"]
    assert case.needs[1] == keten.Need("work.job_search", 4)
    assert case.needs[2].weight == 0.5
    assert (case.postcode, case.age, case.household) == (8011, (30, 39), "single_parent")
    assert case.point == (52.51, 6.09) and case.referrer == "professional"
    case.validate(example)
    assert keten.Case(**case.to_dict()) == case
    assert pickle.loads(pickle.dumps(case)) == case


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"postcode": 123}, "location.postcode"),
        ({"postcode": "08011"}, "location.postcode"),
        ({"age": (40, 30)}, "profile.age"),
        ({"household": "castle"}, "profile.household"),
        ({"referrer": "mayor"}, "profile.referrer"),
    ],
)
def test_malformed_case_arguments_are_validation_errors(kwargs, field):
    with pytest.raises(keten.ValidationError) as caught:
        keten.Case("c-1", ["money.debts"], municipality="GM0193", **kwargs)
    assert caught.value.field == field and caught.value.object_id == "c-1"


def test_case_that_does_not_fit_the_landscape(example):
    case = keten.Case("c-9", ["money.nothing"], municipality="GM0193", consent=True)
    with pytest.raises(keten.ValidationError) as caught:
        case.validate(example)
    assert caught.value.object_id == "c-9"
    with pytest.raises(keten.ValidationError):
        keten.match(example, case)


def test_cases_batch(example_cases):
    assert len(example_cases) >= 10
    assert example_cases[-1] == list(example_cases)[-1]
    assert example_cases.ids == [c.id for c in example_cases]
    with pytest.raises(IndexError):
        example_cases[len(example_cases)]
    assert keten.Cases(list(example_cases)) == example_cases
    assert isinstance(example_cases[1:4], keten.Cases)
    assert example_cases[1:4].ids == example_cases.ids[1:4]
    assert example_cases[::-2].ids == example_cases.ids[::-2]


def test_cases_json_round_trip(example, example_cases, tmp_path):
    example_cases.save(tmp_path / "cases.json")
    assert keten.load_cases(tmp_path / "cases.json", example) == example_cases
    assert keten.parse_cases(example_cases.to_json(), example) == example_cases


def test_generate_cases_is_deterministic(national):
    a = keten.generate_cases(national, count=200, seed=7)
    assert len(a) == 200 and a.ids[0] == "case-000001"
    assert a == keten.generate_cases(national, count=200, seed=7)
    assert a != keten.generate_cases(national, count=200, seed=8)
    a.validate(national)
    zwolle = keten.generate_cases(national, count=20, municipalities=["GM0193"], id_prefix="zw-")
    assert {c.municipality for c in zwolle} == {"GM0193"} and zwolle.ids[0].startswith("zw-")
    with pytest.raises(keten.NotFoundError):
        keten.generate_cases(national, count=1, municipalities=["GM9999"])


def test_case_table_round_trips_through_a_dict_of_columns(national):
    cases = keten.generate_cases(national, count=300, seed=3)
    table = cases.to_table()
    assert len(table) == 300 and table["consent"].dtype == np.bool_
    assert keten.cases_from_frame(table) == cases
    assert keten.cases_from_frame(table.to_dict()) == cases


def test_cases_from_a_minimal_mapping():
    cases = keten.cases_from_frame(
        {
            "id": ["a", "b"],
            "needs": ["money.debts;work.job_search", ["neighbour.chores"]],
            "urgency": [5, None],
            "municipality": ["GM0193", "GM0363"],
            "consent": [True, False],
        }
    )
    assert cases[0].needs == [keten.Need("money.debts", 5), keten.Need("work.job_search", 5)]
    assert cases[1].needs == [keten.Need("neighbour.chores", 3)]
    assert cases[0].consent and not cases[1].consent
    with pytest.raises(ValueError):
        keten.cases_from_frame({"id": ["a"]})


# --- matching ---------------------------------------------------------------------------------


def test_match_result_is_typed(example, example_cases):
    case = [c for c in example_cases if c.id == "zw-0020"][0]
    result = keten.match(example, case, top_k=3)
    assert isinstance(result, keten.MatchResult)
    assert result.case == "zw-0020" and result.status == "ok"
    assert [n.category for n in result.needs] == case.categories
    best = result.best
    assert best is not None and best.rank == 1
    assert best.score == pytest.approx(best.breakdown.total)
    assert len(best.assignments) == len(case.needs)
    for a in best.assignments:
        if a.covered:
            assert a.terms is not None and a.partner is not None
            assert a.offering in result.needs[a.need].candidates
        else:
            assert a.uncovered is not None
    steps = best.pathway.steps
    assert [s.stage for s in steps] == sorted(s.stage for s in steps)
    assert {s.offering for s in steps} == {o for o in best.offerings if o is not None}
    assert keten.MatchResult.from_dict(result.to_dict()) == result


def test_match_weights_change_the_score(example, example_cases):
    case = [c for c in example_cases if c.id == "zw-0020"][0]
    default = keten.match(example, case, top_k=1).best
    double = keten.match(example, case, top_k=1, weights=keten.MatchWeights(cover=200.0)).best
    assert default is not None and double is not None
    assert double.breakdown.cover == pytest.approx(2 * default.breakdown.cover)
    with pytest.raises(keten.ValidationError):
        keten.match(example, case, weights=keten.MatchWeights(wait=-1.0))


def test_batch_equals_one_by_one(example, example_cases):
    batch = keten.match_batch(example, example_cases, top_k=3, allow_waitlist=True)
    assert len(batch) == len(example_cases) and batch.case_ids == example_cases.ids
    for case, result in zip(example_cases, batch):
        assert result == keten.match(example, case, top_k=3, allow_waitlist=True)
    doc = batch.to_dict()
    assert doc["format"] == "keten.matches"
    assert doc["results"] == [r.to_dict() for r in batch]
    assert list(batch.bundle_counts) == [len(r.bundles) for r in batch]


def test_batch_tables_agree_with_the_typed_results(example, example_cases):
    batch = keten.match_batch(example, example_cases, top_k=2)
    bundles = batch.table("bundles")
    assignments = batch.table("assignments")
    needs = batch.table("needs")
    rows = [(r.case, b.rank, b.score) for r in batch for b in r.bundles]
    assert list(zip(bundles["case"], bundles["rank"], bundles["score"])) == rows
    expected = [
        (r.case, b.rank, a.need, a.offering, a.uncovered)
        for r in batch
        for b in r.bundles
        for a in b.assignments
    ]
    got = zip(
        assignments["case"], assignments["rank"], assignments["need"],
        assignments["offering"], assignments["uncovered"],
    )  # fmt: skip
    assert list(got) == expected
    assert list(needs["candidates"]) == [len(n.candidates) for r in batch for n in r.needs]
    one = batch[3].table("assignments")
    assert set(one["case"]) <= {batch.case_ids[3]}
    with pytest.raises(ValueError):
        batch.table("nothing")


def test_batch_from_case_objects_and_from_a_data_frame(example, example_cases):
    pd = pytest.importorskip("pandas")
    reference = keten.match_batch(example, example_cases)
    assert keten.match_batch(example, list(example_cases)).to_dict() == reference.to_dict()
    frame = example_cases.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(example_cases)
    assert keten.match_batch(example, frame).to_dict() == reference.to_dict()


def test_to_pandas(example, example_cases):
    pd = pytest.importorskip("pandas")
    batch = keten.match_batch(example, example_cases)
    frame = batch.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame["score"].dtype == np.float64 and len(frame) == batch.bundle_counts.sum()
    assert list(batch.to_pandas("assignments").columns) == batch.table("assignments").columns
    assert len(batch[0].to_pandas("bundles")) == len(batch[0].bundles)
    assert list(example.offerings().to_pandas()["id"]) == example.offering_ids


def test_to_pandas_without_pandas_says_so(example, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match="pandas"):
        example.partners().to_pandas()
    assert len(example.partners().to_dict()["id"]) == example.partner_count


def test_bad_top_k_in_a_batch(example, example_cases):
    with pytest.raises(keten.ValidationError) as caught:
        keten.match_batch(example, example_cases, top_k=0)
    assert caught.value.field == "top_k"


def test_first_bad_case_of_a_batch_is_reported(example, example_cases):
    bad = keten.Case("bad-1", ["money.nothing"], municipality="GM0193", consent=True)
    cases = keten.Cases(list(example_cases)[:100] * 3 + [bad] + list(example_cases))
    with pytest.raises(keten.ValidationError) as caught:
        keten.match_batch(example, cases, threads=2)
    assert caught.value.object_id == "bad-1"


# --- building a landscape from rows -----------------------------------------------------------


def extra_categories(landscape):
    standard = {c.id for c in keten.standard_categories()}
    return [c for c in landscape.categories() if c.id not in standard]


@pytest.mark.parametrize("which", ["example", "national"])
def test_build_landscape_from_its_own_tables_gives_it_back(which, example, national):
    landscape = {"example": example, "national": national}[which]
    rebuilt = keten.build_landscape(
        landscape.name,
        landscape.partners(),
        landscape.offerings(),
        complementarities=landscape.complementarities(),
        precedences=landscape.precedences(),
        categories=extra_categories(landscape),
    )
    # build_landscape takes no local chains (yet): everything else comes back.
    assert len(keten.chains(rebuilt)) == 0 < len(keten.chains(landscape))
    for table in ("partners", "offerings", "complementarities", "precedences"):
        a = getattr(rebuilt, table)().to_pandas()
        b = getattr(landscape, table)().to_pandas()
        assert a.astype(str).equals(b.astype(str)), table
    assert repr(rebuilt.summary()) == repr(landscape.summary())


def test_build_landscape_from_data_frames(example):
    pytest.importorskip("pandas")
    rebuilt = keten.build_landscape(
        example.name,
        example.partners().to_pandas(),
        example.offerings().to_pandas(),
        complementarities=example.complementarities().to_pandas(),
        precedences=example.precedences().to_pandas(),
        categories=extra_categories(example),
    )
    assert len(keten.chains(rebuilt)) == 0  # build_landscape takes no chains (yet)
    assert repr(rebuilt.summary()) == repr(example.summary())


def test_build_landscape_from_records():
    landscape = keten.build_landscape(
        "mini",
        [{"id": "p1", "member": "SchuldHulpMaatje", "branch": "SHM Zwolle", "municipality": "GM0193"}],
        [
            {
                "id": "o1",
                "partner": "p1",
                "categories": ["money.debts"],
                "area": {"municipalities": ["GM0193"]},
                "capacity": {"units_per_period": 10, "free_units": 2},
            }
        ],
    )
    assert landscape.offering_ids == ["o1"] and landscape.summary().municipalities_served == 1


def test_build_landscape_errors_name_the_row():
    with pytest.raises(keten.ValidationError) as caught:
        keten.build_landscape(
            "mini",
            {"id": ["p1"], "member": ["SchuldHulpMaatje"], "branch": ["b"], "municipality": ["GM0193"]},
            {
                "id": ["o1", "o2"],
                "partner": ["p1", "p1"],
                "categories": [["money.debts"], ["money.admin"]],
                "municipalities": [["GM0193"], ["GM0193"]],
                "units_per_period": [5, 5],
                "free_units": [1, -1],
            },
        )
    assert caught.value.pointer == "/offerings/1/capacity/free_units"
    assert caught.value.object_id == "o2"
