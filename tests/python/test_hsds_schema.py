"""keten's HSDS export against the official Open Referral HSDS 3.0 JSON Schemas (docs/hsds.md).

`keten hsds export` writes DIR/hsds.json (the tabular JSON form: {"organizations.csv": [rows], ...}) and
a data package (CSV files + datapackage.json) into DIR. Every row of the JSON document must validate
against the schema of its table (the schema whose "path" is the table's file name); the schemas refer to
each other by file name ($ref "attribute.json"), resolved through a referencing registry. The HSDS 3.1
tables service_capacity.csv and units.csv validate against tests/data/hsds/schema-3.1/, written from the
published HSDS 3.1 schema reference. The landscapes exported include local chains (keten.chains terms).
The CLI is found through KETEN_CLI (set by the Makefile), the repository through KETEN_ROOT.
"""

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="the HSDS schema test needs jsonschema")
referencing = pytest.importorskip("referencing", reason="the HSDS schema test needs referencing")
from referencing.jsonschema import DRAFT202012  # noqa: E402

ROOT = Path(os.environ.get("KETEN_ROOT", Path(__file__).resolve().parents[2]))
SCHEMA_DIR = ROOT / "tests" / "data" / "hsds" / "schema"
SCHEMA_31_DIR = ROOT / "tests" / "data" / "hsds" / "schema-3.1"
LANDSCAPES = [ROOT / "data" / "example" / "landscape.json", ROOT / "data" / "national_landscape.json"]


def cli():
    path = os.environ.get("KETEN_CLI")
    if not path or not Path(path).exists():
        pytest.skip("set KETEN_CLI to the keten program (make test-python does)")
    return path


def run(*args):
    result = subprocess.run([cli(), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def validators():
    """One validator per table file name, sharing a registry of every 3.0 schema."""
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}
    schemas.update({p.name: json.loads(p.read_text(encoding="utf-8"))
                    for p in SCHEMA_31_DIR.glob("*.json")})
    registry = referencing.Registry().with_resources(
        (name, referencing.Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    out = {}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
        out[schema["path"]] = jsonschema.Draft202012Validator(
            schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
    return out


@pytest.fixture(scope="module", params=LANDSCAPES, ids=lambda p: p.name)
def exported(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("hsds")
    run("hsds", "export", request.param, "-o", out, "--updated", "2024-05-01T12:00:00Z")
    return request.param, out


def test_every_row_validates_against_its_table_schema(exported, validators):
    _, out = exported
    document = json.loads((out / "hsds.json").read_text(encoding="utf-8"))
    checked = 0
    for table, rows in document.items():
        assert table in validators, f"{table} has no HSDS 3.0 or 3.1 schema"
        for i, row in enumerate(rows):
            errors = list(validators[table].iter_errors(row))
            assert not errors, f"{table}[{i}]: {errors[0].message}"
            checked += 1
    assert checked > 0
    for table in ("organizations.csv", "services.csv", "service_areas.csv", "taxonomy_terms.csv",
                  "attributes.csv", "languages.csv", "taxonomies.csv", "service_capacity.csv",
                  "units.csv"):
        assert document[table], f"{table} is empty"


def test_nested_references_resolve(validators):
    """The registry resolves the $refs: a nested attribute with a wrong type is rejected."""
    bad = {"id": "ac148810-d857-441c-9679-408f346de14b", "name": "x", "status": "active",
           "attributes": [{"id": 5}]}
    assert list(validators["services.csv"].iter_errors(bad))


def test_the_3_1_schemas_reject_what_the_spec_forbids(validators):
    """The hand-written 3.1 schemas are not vacuous: a row without updated, a text capacity and an
    unknown field are rejected; a minimal row is accepted."""
    good = {"id": "ac148810-d857-441c-9679-408f346de14b",
            "service_id": "ac148810-d857-441c-9679-408f346de14b",
            "unit_id": "ac148810-d857-441c-9679-408f346de14b", "available": 3,
            "updated": "2024-05-01T12:00:00Z"}
    capacity = validators["service_capacity.csv"]
    assert not list(capacity.iter_errors(good))
    assert list(capacity.iter_errors({k: v for k, v in good.items() if k != "updated"}))
    assert list(capacity.iter_errors({**good, "available": "3"}))
    assert list(capacity.iter_errors({**good, "free": 3}))
    assert list(validators["units.csv"].iter_errors({"id": good["id"]}))


def test_chains_are_exported_as_terms_and_attributes(exported):
    original, out = exported
    source = json.loads(original.read_text(encoding="utf-8"))
    document = json.loads((out / "hsds.json").read_text(encoding="utf-8"))
    chain_terms = [t for t in document["taxonomy_terms.csv"] if t["taxonomy"] == "keten.chains"]
    assert [t["code"] for t in chain_terms] == [c["id"] for c in source.get("chains", [])]
    members = [a for a in document["attributes.csv"] if a["link_type"] == "chain_member"]
    assert len(members) == sum(len(c["partners"]) for c in source.get("chains", []))


def test_official_example_imports_with_the_shipped_crosswalk(tmp_path, validators):
    """The official data package imports with data/hsds/crosswalk-examples.csv; its re-export
    validates against the schemas too."""
    out = tmp_path / "official.json"
    result = run("hsds", "import", "-q", ROOT / "tests" / "data" / "hsds" / "examples" / "csv",
                 "--crosswalk", ROOT / "data" / "hsds" / "crosswalk-examples.csv", "-o", out)
    assert "(1 partners, 1 offerings)" in result.stdout
    landscape = json.loads(out.read_text(encoding="utf-8"))
    assert landscape["offerings"][0]["categories"] == ["neighbour.company"]
    run("hsds", "export", out, "-o", tmp_path / "again", "--updated", "2024-05-01T12:00:00Z")
    document = json.loads((tmp_path / "again" / "hsds.json").read_text(encoding="utf-8"))
    for table, rows in document.items():
        for i, row in enumerate(rows):
            errors = list(validators[table].iter_errors(row))
            assert not errors, f"{table}[{i}]: {errors[0].message}"


def test_capacity_tables_have_the_hsds_3_1_fields(exported):
    _, out = exported
    document = json.loads((out / "hsds.json").read_text(encoding="utf-8"))
    units = {u["id"] for u in document["units.csv"]}
    services = {s["id"] for s in document["services.csv"]}
    assert len(document["service_capacity.csv"]) == len(services)
    for row in document["service_capacity.csv"]:
        for field in ("id", "service_id", "unit_id", "available", "updated"):
            assert field in row
        assert row["unit_id"] in units and row["service_id"] in services
        assert 0 <= row["available"] <= row["maximum"]
    for unit in document["units.csv"]:
        assert unit["name"] and unit["scheme"] == "keten"


def test_package_matches_the_document(exported, validators):
    _, out = exported
    document = json.loads((out / "hsds.json").read_text(encoding="utf-8"))
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        with open(out / resource["path"], newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        names = [field["name"] for field in resource["schema"]["fields"]]
        assert rows == [] or list(rows[0].keys()) == names
        assert len(rows) == len(document[resource["path"]])
        if resource["path"] in validators:
            properties = validators[resource["path"]].schema["properties"]
            assert all(name in properties for name in names), resource["path"]


def test_import_of_both_forms_gives_the_landscape_back(exported, tmp_path):
    original, out = exported
    run("hsds", "import", out / "hsds.json", "-o", tmp_path / "from_json.json")
    run("hsds", "import", out, "-o", tmp_path / "from_package.json")
    from_json = json.loads((tmp_path / "from_json.json").read_text(encoding="utf-8"))
    from_package = json.loads((tmp_path / "from_package.json").read_text(encoding="utf-8"))
    assert from_json == from_package
    source = json.loads(original.read_text(encoding="utf-8"))
    assert [p["id"] for p in from_json["partners"]] == [p["id"] for p in source["partners"]]
    assert [o["id"] for o in from_json["offerings"]] == [o["id"] for o in source["offerings"]]
