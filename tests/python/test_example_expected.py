"""Cross-checks the hand computation of data/example/expected.json.

data/example/README.md works out by hand which offerings are eligible and reachable for every need of every
case in data/example/cases.json; expected.json holds the result. This test recomputes it from
landscape.json and cases.json with an implementation of the rules in pure Python that shares no code with
keten (docs/formats.md, "Area" and "Eligibility"):

- an offering is a candidate for a need if it covers the need's category,
- its service area serves the case's location (a listed municipality, a listed PC4, or the circle tested
  against the case's point, else the case's municipality's point),
- the case's profile passes its eligibility rules (unknown attributes pass; a known age band must lie inside
  the offering's; languages pass if they share one; a professional referrer where required),
- and its partner is not one the person excluded.

Capacity (free units) and consent are ignored, as in expected.json.
"""

import csv
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = ROOT / "data" / "example"
EARTH_RADIUS_KM = 6371.0088
MAX_AGE = 130


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def present(obj, key):
    """The reader treats an optional member given as null as absent."""
    return obj is not None and obj.get(key) is not None


def haversine_km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def municipality_points():
    with open(ROOT / "data" / "nl_municipalities.csv", encoding="utf-8", newline="") as f:
        return {row["code"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(f)}


def age_band(obj):
    return (obj.get("min") if present(obj, "min") else 0,
            obj.get("max") if present(obj, "max") else MAX_AGE)


def location_point(location, points):
    """The point a circle is tested against, or None."""
    if present(location, "point"):
        return (location["point"]["lat"], location["point"]["lon"])
    if location.get("municipality"):
        return points[location["municipality"]]
    return None


def serves(area, location, points):
    municipality = location.get("municipality") or None
    if municipality and municipality in (area.get("municipalities") or []):
        return True
    postcode = location.get("postcode")
    if postcode is not None and postcode in (area.get("postcodes") or []):
        return True
    circle = area.get("radius")
    if circle is not None:
        point = location_point(location, points)
        if point is not None:
            return haversine_km((circle["lat"], circle["lon"]), point) <= circle["km"]
    return False


def eligible(rules, profile):
    rules = rules or {}
    profile = profile or {}
    if present(profile, "age"):
        lo, hi = age_band(profile["age"])
        rule_lo, rule_hi = age_band(rules["age"]) if present(rules, "age") else (0, MAX_AGE)
        if not (rule_lo <= lo and hi <= rule_hi):
            return False
    households = rules.get("households") or []
    if present(profile, "household") and households and profile["household"] not in households:
        return False
    spoken = profile.get("languages") or []
    offered = rules.get("languages") or []
    if spoken and offered and not set(spoken) & set(offered):
        return False
    referrer = profile.get("referrer") or "self"
    if rules.get("professional_referrer") and referrer != "professional":
        return False
    return True


def recompute(landscape, cases, points):
    result = {}
    for case in cases["cases"]:
        excluded = set(case.get("excluded_partners") or [])
        per_need = {}
        for need in case["needs"]:
            per_need[need["category"]] = sorted(
                offering["id"]
                for offering in landscape["offerings"]
                if need["category"] in offering["categories"]
                and serves(offering["area"], case["location"], points)
                and eligible(offering.get("eligibility"), case.get("profile"))
                and offering["partner"] not in excluded)
        result[case["id"]] = per_need
    return result


@pytest.fixture(scope="module")
def example():
    return (load(EXAMPLE_DIR / "landscape.json"), load(EXAMPLE_DIR / "cases.json"),
            load(EXAMPLE_DIR / "expected.json"), municipality_points())


def test_expected_covers_every_case_and_need(example):
    _, cases, expected, _ = example
    assert list(expected) == [c["id"] for c in cases["cases"]]
    for case in cases["cases"]:
        assert list(expected[case["id"]]) == [n["category"] for n in case["needs"]], case["id"]


def test_expected_lists_are_ascending_and_name_real_offerings(example):
    landscape, _, expected, _ = example
    ids = {o["id"] for o in landscape["offerings"]}
    for case_id, per_need in expected.items():
        for category, offerings in per_need.items():
            assert offerings == sorted(set(offerings)), (case_id, category)
            assert set(offerings) <= ids, (case_id, category)


def test_offerings_are_listed_in_id_order(example):
    """So that keten's offering indexes ascend in the same order as the ids in expected.json."""
    landscape, _, _, _ = example
    ids = [o["id"] for o in landscape["offerings"]]
    assert ids == sorted(ids)


def test_hand_computation_matches_independent_recomputation(example):
    landscape, cases, expected, points = example
    assert recompute(landscape, cases, points) == expected


def test_no_case_lies_near_a_circle_edge(example):
    """Every distance tested against a circle is at least 100 m from its edge, so that rounding in
    another implementation cannot flip a result."""
    landscape, cases, _, points = example
    for case in cases["cases"]:
        point = location_point(case["location"], points)
        if point is None:
            continue
        for offering in landscape["offerings"]:
            circle = offering["area"].get("radius")
            if circle is None:
                continue
            distance = haversine_km((circle["lat"], circle["lon"]), point)
            assert abs(distance - circle["km"]) > 0.1, (case["id"], offering["id"], distance)


def test_readme_discusses_every_case(example):
    _, cases, _, _ = example
    text = (EXAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for case in cases["cases"]:
        assert f"### {case['id']}" in text, case["id"]


def test_example_exercises_the_rules(example):
    """The example keeps its teaching value: each rule excludes something somewhere."""
    landscape, cases, expected, points = example
    offerings = {o["id"]: o for o in landscape["offerings"]}
    reasons = set()
    for case in cases["cases"]:
        for need in case["needs"]:
            for offering in offerings.values():
                if need["category"] not in offering["categories"]:
                    continue
                if not serves(offering["area"], case["location"], points):
                    reasons.add("area")
                elif not eligible(offering.get("eligibility"), case.get("profile")):
                    reasons.add("eligibility")
                elif offering["partner"] in (case.get("excluded_partners") or []):
                    reasons.add("excluded")
    assert reasons == {"area", "eligibility", "excluded"}
    assert any(not c.get("consent", False) for c in cases["cases"])
    assert any(o["capacity"]["free_units"] == 0 for o in offerings.values())
    assert any(len(v) > 1 for per_need in expected.values() for v in per_need.values())
