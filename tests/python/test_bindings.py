"""The Python package over the C++ core: loading, summaries, errors as Python exceptions."""

import json
from pathlib import Path

import pytest

import keten

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example" / "landscape.json"
NATIONAL = ROOT / "data" / "national_landscape.json"


def minimal(offering_capacity):
    return json.dumps(
        {
            "format": "keten.landscape",
            "version": 1,
            "name": "mini",
            "partners": [{"id": "p1", "member": "SchuldHulpMaatje", "municipality": "GM0193"}],
            "offerings": [
                {
                    "id": "o1",
                    "partner": "p1",
                    "categories": ["money.debts"],
                    "area": {"municipalities": ["GM0193"]},
                    "capacity": offering_capacity,
                }
            ],
        }
    )


def test_version_matches_the_header():
    header = (ROOT / "include" / "keten" / "version.hpp").read_text()
    assert f'version_string = "{keten.__version__}"' in header


def test_help_forms_and_labels():
    assert [f.name for f in keten.HelpForm.__members__.values()] == [
        "money",
        "neighbour",
        "work",
        "group",
        "youth",
    ]
    assert keten.help_form_label(keten.HelpForm.money) == "Hulp bij geldzorgen"
    assert keten.help_form_label(keten.HelpForm.group, "en") == "helping as a group"
    assert keten.member_organisation(keten.HelpForm.youth) == "TijdVoorActie"
    with pytest.raises(ValueError):
        keten.help_form_label(keten.HelpForm.money, "fr")


def test_standard_categories():
    ids = [c.id for c in keten.standard_categories()]
    assert "money.debts" in ids and "group.home_cleanup" in ids
    assert len(ids) == len(set(ids))
    for c in keten.standard_categories():
        assert c.id.startswith(c.help_form.name + ".")


def test_parse_and_summarise():
    landscape = keten.parse_landscape(minimal({"units_per_period": 10, "free_units": 4}))
    summary = landscape.summary().to_dict()
    assert landscape.name == "mini"
    assert landscape.partner_ids == ["p1"] and landscape.offering_ids == ["o1"]
    assert summary["municipalities_served"] == 1
    assert summary["help_forms"]["money"]["free_units"] == 4
    assert summary["help_forms"]["money"]["units_per_year"] == pytest.approx(10.0)
    assert summary["help_forms"]["work"]["offerings"] == 0


def test_json_round_trip():
    landscape = keten.parse_landscape(minimal({"units_per_period": 10, "free_units": 4}))
    assert keten.parse_landscape(landscape.to_json()) == landscape


def test_validation_error_is_a_value_error_with_position():
    with pytest.raises(keten.ValidationError) as caught:
        keten.parse_landscape(minimal({"units_per_period": 10, "free_units": -3}), "mini.json")
    e = caught.value
    assert isinstance(e, ValueError) and isinstance(e, keten.Error)
    assert e.code == 205
    assert e.file == "mini.json"
    assert e.pointer == "/offerings/0/capacity/free_units"
    assert e.field == "capacity.free_units"
    assert e.object_id == "o1"
    assert "must not be negative" in str(e)


def test_syntax_error_has_line_and_column():
    with pytest.raises(keten.ParseError) as caught:
        keten.parse_landscape('{\n  "format": "keten.landscape",,\n}', "bad.json")
    assert caught.value.line == 2
    assert caught.value.column is not None and caught.value.column > 1
    assert caught.value.code == 101


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError) as caught:
        keten.load_landscape(tmp_path / "nope.json")
    assert isinstance(caught.value, keten.Error)
    assert caught.value.file.endswith("nope.json")


def test_example_and_national_landscapes_load():
    example = keten.load_landscape(EXAMPLE)
    national = keten.load_landscape(NATIONAL)
    assert example.partner_count > 0
    assert national.summary().municipalities_served >= 200


def test_national_file_is_the_generators_output():
    assert keten.load_landscape(NATIONAL) == keten.generate_national_landscape()


def test_validate_cases_returns_ids():
    example = keten.load_landscape(EXAMPLE)
    ids = keten.validate_cases(ROOT / "data" / "example" / "cases.json", example)
    assert len(ids) >= 10 and len(set(ids)) == len(ids)


def test_match_example_case():
    example = keten.load_landscape(EXAMPLE)
    cases = keten.load_cases(ROOT / "data" / "example" / "cases.json", example)
    by_id = {c.id: c for c in cases}
    result = keten.match(example, by_id["zw-0020"], top_k=3).to_dict()
    assert result["status"] == "ok"
    assert 1 <= len(result["bundles"]) <= 3
    scores = [b["score"] for b in result["bundles"]]
    assert scores == sorted(scores, reverse=True)
    assert result == keten.match(example, by_id["zw-0020"], top_k=3, exhaustive=True).to_dict()


def test_match_without_consent_proposes_nothing():
    example = keten.load_landscape(EXAMPLE)
    cases = keten.load_cases(ROOT / "data" / "example" / "cases.json", example)
    no_consent = [c for c in cases if c.id == "zw-0009"][0]
    result = keten.match(example, no_consent)
    assert result.status == "no_consent" and result.bundles == ()


def test_match_rejects_bad_options():
    example = keten.load_landscape(EXAMPLE)
    case = keten.load_cases(ROOT / "data" / "example" / "cases.json", example)[0]
    with pytest.raises(keten.ValidationError) as caught:
        keten.match(example, case, top_k=0)
    assert caught.value.field == "top_k"
