"""The JSON Schemas of docs/schema/ against the data files and against documents they must reject.

The schemas describe the formats of docs/formats.md. They must accept every document keten's reader
accepts (the example data, the national landscape), and they reject what is malformed in form or range.
Checks across values (known references, unique ids, min <= max, acyclic precedence) are the reader's alone.
"""

import copy
import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="the schema tests need the jsonschema package")

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "docs" / "schema"
EXAMPLE_DIR = ROOT / "data" / "example"
NATIONAL = ROOT / "data" / "national_landscape.json"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def landscape_validator():
    schema = load(SCHEMA_DIR / "landscape.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def cases_validator():
    schema = load(SCHEMA_DIR / "cases.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def example_landscape():
    return load(EXAMPLE_DIR / "landscape.json")


@pytest.fixture(scope="module")
def example_cases():
    return load(EXAMPLE_DIR / "cases.json")


def errors(validator, document):
    return sorted(e.message for e in validator.iter_errors(document))


# --- the data files are valid -------------------------------------------------------------------

def test_schemas_are_valid_draft_2020_12():
    for name in ("landscape", "cases"):
        schema = load(SCHEMA_DIR / f"{name}.schema.json")
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_example_landscape_is_valid(landscape_validator, example_landscape):
    assert errors(landscape_validator, example_landscape) == []


def test_example_cases_are_valid(cases_validator, example_cases):
    assert errors(cases_validator, example_cases) == []


def test_national_landscape_is_valid(landscape_validator):
    if not NATIONAL.exists():
        pytest.skip("data/national_landscape.json is not present")
    assert errors(landscape_validator, load(NATIONAL)) == []


def test_minimal_documents_are_valid(landscape_validator, cases_validator):
    assert landscape_validator.is_valid({"format": "keten.landscape", "version": 1})
    assert cases_validator.is_valid({"format": "keten.cases", "version": 1, "cases": []})


def test_null_counts_as_absent(landscape_validator, cases_validator, example_landscape, example_cases):
    """The reader treats an optional member given as null as absent; so does the schema."""
    land = copy.deepcopy(example_landscape)
    land["name"] = None
    land["precedence"] = None
    offering = land["offerings"][0]
    offering["name"] = None
    offering["eligibility"] = None
    offering["area"]["postcodes"] = None
    offering["area"]["radius"] = None
    offering["capacity"]["period_days"] = None
    land["partners"][0]["branch"] = None
    assert errors(landscape_validator, land) == []

    cases = copy.deepcopy(example_cases)
    case = cases["cases"][0]
    case["profile"] = None
    case["consent"] = None
    case["excluded_partners"] = None
    case["needs"][0]["urgency"] = None
    case["needs"][0]["weight"] = None
    case["location"]["postcode"] = None
    case["location"]["point"] = None
    assert errors(cases_validator, cases) == []


# --- bad landscapes are rejected ----------------------------------------------------------------

def offering_of(doc, offering_id):
    return next(o for o in doc["offerings"] if o["id"] == offering_id)


def set_path(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def delete_path(doc, path):
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


BAD_LANDSCAPES = {
    "unknown top-level field (typo)": lambda d: d.update(offering=[]),
    "missing format": lambda d: d.pop("format"),
    "missing version": lambda d: d.pop("version"),
    "cases format": lambda d: d.update(format="keten.cases"),
    "version 3": lambda d: d.update(version=3),
    "version as string": lambda d: d.update(version="1"),
    "not an object": None,  # handled below
    "partner without member": lambda d: d["partners"][0].pop("member"),
    "partner with empty id": lambda d: d["partners"][0].update(id=""),
    "partner with municipality name instead of code": lambda d: d["partners"][0].update(municipality="Zwolle"),
    "partner with lower-case code": lambda d: d["partners"][0].update(municipality="gm0193"),
    "partner with unknown field": lambda d: d["partners"][0].update(website="https://example.org"),
    "offering without capacity": lambda d: d["offerings"][0].pop("capacity"),
    "offering capacity typo": lambda d: d["offerings"][0].update(capcity=d["offerings"][0].pop("capacity")),
    "offering without categories": lambda d: d["offerings"][0].update(categories=[]),
    "offering category repeated": lambda d: d["offerings"][0].update(categories=["money.crisis", "money.crisis"]),
    "category id upper case": lambda d: d["offerings"][0].update(categories=["Money.crisis"]),
    "category of an unknown help form": lambda d: d["offerings"][0].update(categories=["care.visits"]),
    "empty area": lambda d: d["offerings"][0].update(area={}),
    "area with only empty lists": lambda d: d["offerings"][0].update(area={"municipalities": [], "postcodes": []}),
    "postcode as number": lambda d: offering_of(d, "shm-gm0193-budgetcursus")["area"].update(postcodes=[8021]),
    "postcode with leading zero": lambda d: offering_of(d, "shm-gm0193-budgetcursus")["area"].update(postcodes=["0821"]),
    "postcode with letters (PC6)": lambda d: offering_of(d, "shm-gm0193-budgetcursus")["area"].update(postcodes=["8021AB"]),
    "radius of 0 km": lambda d: offering_of(d, "hip-gm0193-burenhulp")["area"]["radius"].update(km=0),
    "radius over 1000 km": lambda d: offering_of(d, "hip-gm0193-burenhulp")["area"]["radius"].update(km=1000.5),
    "radius without lon": lambda d: offering_of(d, "hip-gm0193-burenhulp")["area"]["radius"].pop("lon"),
    "radius latitude 91": lambda d: offering_of(d, "hip-gm0193-burenhulp")["area"]["radius"].update(lat=91),
    "age above 130": lambda d: offering_of(d, "shm-gm0193-maatje")["eligibility"]["age"].update(max=131),
    "negative age": lambda d: offering_of(d, "shm-gm0193-maatje")["eligibility"]["age"].update(min=-1),
    "age as a fraction": lambda d: offering_of(d, "shm-gm0193-maatje")["eligibility"]["age"].update(min=17.5),
    "age band with unknown field": lambda d: offering_of(d, "shm-gm0193-maatje")["eligibility"]["age"].update(years=18),
    "unknown household": lambda d: offering_of(d, "tva-gm0193-uitjes")["eligibility"].update(households=["alone"]),
    "language in upper case": lambda d: offering_of(d, "jhm-gm0193-jobgroup-en")["eligibility"].update(languages=["EN"]),
    "language as a word": lambda d: offering_of(d, "jhm-gm0193-jobgroup-en")["eligibility"].update(languages=["english"]),
    "professional_referrer as string": lambda d: offering_of(d, "present-gm0193-groepsklus")["eligibility"].update(professional_referrer="yes"),
    "eligibility typo": lambda d: offering_of(d, "present-gm0193-groepsklus")["eligibility"].update(professional_referer=True),
    "negative free units": lambda d: d["offerings"][0]["capacity"].update(free_units=-1),
    "free units missing": lambda d: d["offerings"][0]["capacity"].pop("free_units"),
    "period of 0 days": lambda d: d["offerings"][0]["capacity"].update(period_days=0),
    "capacity as a fraction": lambda d: d["offerings"][0]["capacity"].update(units_per_period=2.5),
    "capacity beyond 32 bits": lambda d: d["offerings"][0]["capacity"].update(units_per_period=3_000_000_000),
    "complementarity weight 0": lambda d: d["complementarity"][0].update(weight=0),
    "complementarity weight above 1": lambda d: d["complementarity"][0].update(weight=1.5),
    "complementarity without weight": lambda d: d["complementarity"][0].pop("weight"),
    "complementarity given twice": lambda d: d["complementarity"].append(copy.deepcopy(d["complementarity"][0])),
    "precedence given twice": lambda d: d["precedence"].append(copy.deepcopy(d["precedence"][0])),
    "precedence with unknown field": lambda d: d["precedence"][0].update(strict=True),
    "custom category with wrong prefix": lambda d: d["categories"][0].update(help_form="money"),
    "custom category repeating a standard id": lambda d: d["categories"].append(
        {"id": "money.debts", "help_form": "money"}),
    "custom category with unknown help form": lambda d: d["categories"].append({"id": "care.visits", "help_form": "care"}),
}


@pytest.mark.parametrize("name", sorted(BAD_LANDSCAPES))
def test_bad_landscape_is_rejected(landscape_validator, example_landscape, name):
    if BAD_LANDSCAPES[name] is None:
        document = [example_landscape]
    else:
        document = copy.deepcopy(example_landscape)
        BAD_LANDSCAPES[name](document)
    assert not landscape_validator.is_valid(document), name


# --- bad cases are rejected ---------------------------------------------------------------------

BAD_CASES = {
    "missing cases": lambda d: d.pop("cases"),
    "landscape format": lambda d: d.update(format="keten.landscape"),
    "unknown top-level field": lambda d: d.update(landscape="data/example/landscape.json"),
    "a name on a case (privacy)": lambda d: d["cases"][0].update(name="J. Jansen"),
    "a citizen number on a case (privacy)": lambda d: d["cases"][0].update(bsn="123456782"),
    "empty case id": lambda d: d["cases"][0].update(id=""),
    "no needs": lambda d: d["cases"][0].update(needs=[]),
    "need without category": lambda d: d["cases"][0]["needs"][0].pop("category"),
    "urgency 0": lambda d: d["cases"][0]["needs"][0].update(urgency=0),
    "urgency 6": lambda d: d["cases"][0]["needs"][0].update(urgency=6),
    "urgency as a fraction": lambda d: d["cases"][0]["needs"][0].update(urgency=2.5),
    "weight 0": lambda d: d["cases"][0]["needs"][0].update(weight=0),
    "negative weight": lambda d: d["cases"][0]["needs"][0].update(weight=-0.5),
    "missing location": lambda d: d["cases"][0].pop("location"),
    "empty location": lambda d: d["cases"][0].update(location={}),
    "location with only an empty municipality": lambda d: d["cases"][0].update(location={"municipality": ""}),
    "location with an address": lambda d: d["cases"][0]["location"].update(street="Grote Markt 1"),
    "municipality without GM": lambda d: d["cases"][0]["location"].update(municipality="0193"),
    "postcode as number": lambda d: d["cases"][0]["location"].update(postcode=8012),
    "PC6 postcode": lambda d: d["cases"][0]["location"].update(postcode="8012AB"),
    "point out of range": lambda d: d["cases"][0]["location"].update(point={"lat": 52.5, "lon": 200}),
    "point without lat": lambda d: d["cases"][0]["location"].update(point={"lon": 6.1}),
    "age above 130": lambda d: d["cases"][0]["profile"].update(age={"min": 120, "max": 140}),
    "age as a number": lambda d: d["cases"][0]["profile"].update(age=37),
    "unknown household": lambda d: d["cases"][0]["profile"].update(household="alone"),
    "unknown referrer": lambda d: d["cases"][0]["profile"].update(referrer="gp"),
    "language not a code": lambda d: d["cases"][0]["profile"].update(languages=["Nederlands"]),
    "profile with date of birth": lambda d: d["cases"][0]["profile"].update(birth_date="1988-04-01"),
    "consent as string": lambda d: d["cases"][0].update(consent="yes"),
    "empty excluded partner": lambda d: d["cases"][0].update(excluded_partners=[""]),
    "excluded partners as string": lambda d: d["cases"][0].update(excluded_partners="shm-gm0193"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_cases_are_rejected(cases_validator, example_cases, name):
    document = copy.deepcopy(example_cases)
    BAD_CASES[name](document)
    assert not cases_validator.is_valid(document), name


# --- the schema and docs/formats.md agree on the standard categories -----------------------------

def test_standard_categories_match_the_documentation():
    """The landscape schema forbids redefining a standard category; its list must be the documented one."""
    schema = load(SCHEMA_DIR / "landscape.schema.json")
    forbidden = schema["$defs"]["category"]["properties"]["id"]["allOf"][1]["not"]["enum"]
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text.split("### Standard need categories", 1)[1].split("###", 1)[0]
    documented = [line.split("|")[1].strip().strip("`") for line in section.splitlines()
                  if line.startswith("| `")]
    assert sorted(forbidden) == sorted(documented)
    assert len(documented) == 18


# --- simulation scenarios (docs/simulation.md) ---------------------------------------------------

@pytest.fixture(scope="module")
def scenario_validator():
    schema = load(SCHEMA_DIR / "scenario.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_scenario_schema_accepts_what_the_reader_accepts(scenario_validator):
    import keten

    example = load(EXAMPLE_DIR / "scenario.json")
    assert errors(scenario_validator, example) == []
    keten.load_scenario(EXAMPLE_DIR / "scenario.json", keten.example_landscape())  # the reader too
    every_kind = {"format": "keten.scenario", "version": 1, "changes": [
        {"week": 2, "offering": "x", "units": 50}, {"offering": "x", "add_units": -5},
        {"week": 1.5, "offering": "x", "scale_units": 1.5}, {"week": 10, "close": "x"},
        {"round_days": 7}, {"week": 4, "referral": "match"}, {"demand": 1.2},
        {"demand": 2, "help_form": "youth"}]}  # fmt: skip
    assert errors(scenario_validator, every_kind) == []


@pytest.mark.parametrize("change", [
    {"round_days": 7, "demand": 2},          # two actions
    {"week": -1, "round_days": 7},           # a negative week
    {"referral": "lottery"},                 # an unknown policy
    {"offering": "x", "units": "ten"},       # a wrong type
    {"round_days": 7, "colour": "red"},      # an unknown field
    {"week": 3},                             # no action
])  # fmt: skip
def test_scenario_schema_rejects_what_the_reader_rejects(scenario_validator, change):
    import keten

    doc = {"format": "keten.scenario", "version": 1, "changes": [change]}
    assert errors(scenario_validator, doc) != []
    with pytest.raises(keten.Error):
        keten.parse_scenario(doc, keten.example_landscape())
