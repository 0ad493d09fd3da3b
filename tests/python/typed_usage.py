"""A small typed use of the keten package; test_stubs.py runs mypy --strict on it."""

from typing import Optional

import numpy as np
import numpy.typing as npt

import keten


def best_score(landscape: keten.Landscape, case: keten.Case) -> Optional[float]:
    result: keten.MatchResult = keten.match(landscape, case, top_k=1)
    best: Optional[keten.Bundle] = result.best
    return None if best is None else best.score


def covered_offerings(result: keten.MatchResult) -> list[str]:
    return [a.offering for b in result.bundles for a in b.assignments if a.offering is not None]


def capacity_per_form(landscape: keten.Landscape) -> npt.NDArray[np.float64]:
    matrix = landscape.capacity_by_municipality()
    totals: npt.NDArray[np.float64] = matrix.sum(axis=0)
    return totals


def main() -> None:
    landscape: keten.Landscape = keten.example_landscape()
    summary: keten.Summary = landscape.summary()
    served: int = summary.municipalities_served
    case = keten.Case(
        "typed-1",
        ["money.debts", ("work.job_search", 4)],
        municipality="GM0193",
        age=(30, 39),
        consent=True,
    )
    score = best_score(landscape, case)
    batch: keten.BatchResult = keten.match_batch(landscape, keten.example_cases(landscape), top_k=2)
    table: keten.Table = batch.table("assignments")
    ids: list[str] = batch.case_ids
    names: list[str] = table.columns
    forms: list[keten.HelpForm] = keten.help_forms()
    label: str = keten.help_form_label(forms[0], "en")
    try:
        landscape.offering_index("nothing")
    except keten.NotFoundError as e:
        where: Optional[str] = e.object_id
        print(where)
    print(served, score, ids[:1], names, label, capacity_per_form(landscape), covered_offerings(batch[0]))


if __name__ == "__main__":
    main()
