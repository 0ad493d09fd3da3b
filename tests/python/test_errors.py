"""C++ keten::error arrives as the right Python exception, with the same message and position."""

import json
import subprocess
import os
from pathlib import Path

import pytest

import keten

ROOT = Path(__file__).resolve().parents[2]


def landscape_text(capacity):
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
                    "capacity": capacity,
                }
            ],
        },
        indent=1,
    )


@pytest.mark.parametrize(
    "cls, bases",
    [
        (keten.ParseError, (ValueError,)),
        (keten.ValidationError, (ValueError,)),
        (keten.NotFoundError, (KeyError, LookupError)),
        (keten.KetenIOError, (OSError,)),
    ],
)
def test_hierarchy(cls, bases):
    assert issubclass(cls, keten.Error) and issubclass(keten.Error, Exception)
    for base in bases:
        assert issubclass(cls, base)


def test_message_is_the_cpp_message_with_its_prefix():
    with pytest.raises(keten.ValidationError) as caught:
        keten.parse_landscape(landscape_text({"units_per_period": 1, "free_units": -1}), "x.json")
    e = caught.value
    assert str(e).startswith("[keten.validation_error.205] ")
    assert str(e).endswith(e.message) and "x.json" in str(e)
    assert e.position == {
        "file": "x.json",
        "pointer": "/offerings/0/capacity/free_units",
        "field": "capacity.free_units",
        "object_id": "o1",
    }


def test_same_message_as_the_cli(tmp_path):
    cli = os.environ.get("KETEN_CLI")
    if not cli or not Path(cli).exists():
        pytest.skip("KETEN_CLI is not set")
    path = tmp_path / "bad.json"
    path.write_text(landscape_text({"units_per_period": 1, "free_units": -1}))
    with pytest.raises(keten.ValidationError) as caught:
        keten.load_landscape(path)
    run = subprocess.run([cli, "info", "--landscape", str(path)], capture_output=True, text=True)
    assert run.returncode != 0
    assert str(caught.value) in run.stderr


def test_unknown_field_is_a_parse_error_with_pointer():
    text = landscape_text({"units_per_period": 1, "free_units": 0, "colour": "red"})
    with pytest.raises(keten.ParseError) as caught:
        keten.parse_landscape(text)
    assert caught.value.code == 112
    assert caught.value.pointer == "/offerings/0/capacity/colour"
    assert caught.value.file == "<string>"


def test_not_found_is_a_key_error_with_a_plain_message():
    landscape = keten.parse_landscape(landscape_text({"units_per_period": 1, "free_units": 0}))
    with pytest.raises(KeyError) as caught:
        landscape.offering_index("o2")
    assert isinstance(caught.value, keten.NotFoundError)
    assert caught.value.code == 301 and caught.value.object_id == "o2"
    assert not str(caught.value).startswith("'")


def test_unreadable_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError) as caught:
        keten.load_snapshot(tmp_path / "none.snap")
    assert isinstance(caught.value, keten.KetenIOError)
    assert caught.value.code == 401 and caught.value.file.endswith("none.snap")


def test_cases_error_names_the_case(tmp_path):
    landscape = keten.parse_landscape(landscape_text({"units_per_period": 1, "free_units": 0}))
    doc = {
        "format": "keten.cases",
        "version": 1,
        "cases": [{"id": "k1", "needs": [{"category": "money.debts", "urgency": 9}],
                   "location": {"municipality": "GM0193"}}],
    }
    with pytest.raises(keten.ValidationError) as caught:
        keten.parse_cases(json.dumps(doc), landscape, "day.json")
    assert caught.value.object_id == "k1" and caught.value.file == "day.json"
