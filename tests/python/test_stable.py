"""Stable matching (docs/stable.md): keten.stable_match against the `matching` package from PyPI
on random hospital-resident instances, the checker, errors, keten.allocate_stable on the example."""

import random

import pytest

import keten


def random_instance(rng, residents, hospitals, density=0.6, max_capacity=3):
    """Mutually consistent lists (a pair is listed by both sides or by neither) and capacities of
    at least 1, as the `matching` package expects (it over-fills a hospital of capacity 0)."""
    pairs = [(r, h) for r in range(residents) for h in range(hospitals) if rng.random() < density]
    resident_prefs = [[h for (rr, h) in pairs if rr == r] for r in range(residents)]
    hospital_prefs = [[r for (r, hh) in pairs if hh == h] for h in range(hospitals)]
    for lst in resident_prefs + hospital_prefs:
        rng.shuffle(lst)
    capacities = [rng.randint(1, max_capacity) for _ in range(hospitals)]
    return resident_prefs, hospital_prefs, capacities


def solve_with_matching_package(resident_prefs, hospital_prefs, capacities, optimal):
    """Per resident its hospital index or None, by matching.games.HospitalResident."""
    games = pytest.importorskip("matching.games")
    residents = {f"r{r}": [f"h{h}" for h in prefs] for r, prefs in enumerate(resident_prefs)}
    hospitals = {f"h{h}": [f"r{r}" for r in prefs] for h, prefs in enumerate(hospital_prefs)}
    caps = {f"h{h}": c for h, c in enumerate(capacities)}
    # The package drops players with empty lists; keep only those that rank someone.
    residents = {k: v for k, v in residents.items() if v}
    hospitals = {k: v for k, v in hospitals.items() if v}
    caps = {k: caps[k] for k in hospitals}
    out = [None] * len(resident_prefs)
    if not residents or not hospitals:
        return out
    game = games.HospitalResident.create_from_dictionaries(residents, hospitals, caps)
    solution = game.solve(optimal=optimal)
    assert game.check_validity() and game.check_stability()
    for hospital, matched in solution.items():
        for resident in matched:
            out[int(resident.name[1:])] = int(hospital.name[1:])
    return out


@pytest.mark.parametrize("optimal", ["resident", "hospital"])
def test_same_optimal_matching_as_the_matching_package(optimal):
    pytest.importorskip("matching")
    rng = random.Random(2024 if optimal == "resident" else 2025)
    compared = 0
    for _ in range(150):
        instance = random_instance(rng, rng.randint(1, 30), rng.randint(1, 8))
        ours = keten.stable_match(*instance, optimal=optimal + "s")
        theirs = solve_with_matching_package(*instance, optimal)
        assert ours == theirs, instance
        assert keten.is_stable(*instance, ours)
        assert keten.find_blocking_pair(*instance, ours) is None
        compared += 1
    assert compared == 150


def test_textbook_instance_and_the_checker():
    residents = [[0, 1], [0, 1], [0], [1, 0]]
    hospitals = [[3, 2, 1, 0], [0, 1, 3]]
    assert keten.stable_match(residents, hospitals, [2, 1]) == [1, None, 0, 0]
    assert keten.stable_match(residents, hospitals, [2, 1], optimal="hospitals") == [1, None, 0, 0]
    cyclic_r = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    cyclic_h = [[1, 2, 0], [2, 0, 1], [0, 1, 2]]
    assert keten.stable_match(cyclic_r, cyclic_h, [1, 1, 1]) == [0, 1, 2]
    assert keten.stable_match(cyclic_r, cyclic_h, [1, 1, 1], optimal="hospitals") == [2, 0, 1]
    assert keten.find_blocking_pair(residents, hospitals, [2, 1], [1, 0, None, 0]) == (2, 0)
    assert not keten.is_stable(residents, hospitals, [2, 1], [1, 0, None, 0])
    assert not keten.is_stable(residents, hospitals, [2, 1], [0, 0, 0, None])  # over capacity


def test_errors_name_the_field_and_the_index():
    with pytest.raises(keten.ValidationError) as e:
        keten.stable_match([[0]], [[0], []], [1, -1])
    assert (e.value.field, e.value.object_id) == ("capacities", "hospital 1")
    with pytest.raises(keten.ValidationError) as e:
        keten.stable_match([[0, 0]], [[0]], [1])
    assert (e.value.field, e.value.object_id) == ("resident_prefs", "resident 0")
    with pytest.raises(keten.ValidationError) as e:
        keten.stable_match([[0]], [[1]], [1])
    assert (e.value.field, e.value.object_id) == ("hospital_prefs", "hospital 0")
    with pytest.raises(keten.ValidationError) as e:
        keten.stable_match([[0]], [[0]], [1], optimal="both")
    assert e.value.field == "optimal"
    with pytest.raises(keten.ValidationError) as e:
        keten.find_blocking_pair([[0]], [[0]], [1], [5])
    assert (e.value.field, e.value.object_id) == ("matching", "resident 0")


def test_allocate_stable_on_the_example_day():
    landscape = keten.example_landscape()
    cases = keten.example_cases(landscape)
    for optimal in ("needs", "offerings"):
        table = keten.allocate_stable(landscape, cases, optimal=optimal)
        columns = table.to_dict()
        assert len(table) == sum(len(c.needs) for c in cases)
        used = {}
        for offering, reason in zip(columns["offering"], columns["reason"]):
            assert (offering is None) != (reason is None)
            if offering is not None:
                used[offering] = used.get(offering, 0) + 1
        free = dict(zip(landscape.offerings()["id"], landscape.offerings()["free_units"]))
        assert all(n <= free[o] for o, n in used.items())
        assert used  # the example day assigns needs
    with pytest.raises(keten.ValidationError):
        keten.allocate_stable(landscape, cases, optimal="volunteers")
    with pytest.raises(keten.ValidationError):
        keten.allocate_stable(landscape, cases, days_waiting=[1, 2])
