"""keten.scale: scenarios x seeds x region shards on Dask distributed (docs/scale.md). The test
starts a LocalCluster with two worker processes itself and checks that the cluster's results
equal the same tasks run serially, and that the shards of a run are the national run's arrivals."""

import pytest

import keten
from keten import scale

pd = pytest.importorskip("pandas")
distributed = pytest.importorskip("distributed")

CHEAPER = {
    "format": "keten.scenario",
    "version": 1,
    "name": "weekly rounds and fewer debt buddies",
    "changes": [{"round_days": 7}, {"offering": "shm-gm0363-maatje", "scale_units": 0.5}],
}


@pytest.fixture(scope="module")
def national():
    return keten.default_landscape()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c, distributed.Client(c) as client:
        yield client


def frames(run):
    return [run.needs().to_pandas(), run.weeks().to_pandas(), run.offerings().to_pandas(),
            run.referrals().to_pandas()]  # fmt: skip


def test_cluster_results_equal_serial_runs(national, cluster):
    options = dict(weeks=3, policy="allocate")
    on_cluster = scale.run_scenarios(
        national, {"weekly": CHEAPER}, seeds=2, shards=3, client=cluster, **options
    )
    serial = scale.run_scenarios(national, {"weekly": CHEAPER}, seeds=2, shards=3, **options)
    assert on_cluster.tasks == serial.tasks == 2 * 2 * 3
    assert len(cluster.scheduler_info()["workers"]) == 2
    for name in ("baseline", "weekly"):
        for a, b in zip(on_cluster.runs[name], serial.runs[name]):
            assert a.seed == b.seed
            for x, y in zip(frames(a), frames(b)):
                pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(on_cluster.compare("weekly"), serial.compare("weekly"))
    diff = on_cluster.compare("weekly", by="total").set_index("metric")
    assert diff.loc["arrived", "difference"] == 0  # common random numbers across the shards too
    assert diff.loc["wait_mean", "difference"] > 0  # weekly rounds: longer waits


def test_summaries_reduced_on_the_workers_compare_as_the_runs(national, cluster):
    options = dict(weeks=3)
    small = scale.run_scenarios(national, {"weekly": CHEAPER}, seeds=3, shards=2, client=cluster,
                                keep="summary", by="help_form", **options)  # fmt: skip
    full = scale.run_scenarios(national, {"weekly": CHEAPER}, seeds=3, shards=2, **options)
    assert not small.runs and len(small.summaries["weekly"]) == 3
    key = ["municipality", "help_form", "metric"]

    def tidy(frame):
        frame = frame.copy()
        frame["municipality"] = frame["municipality"].astype(object).where(frame["municipality"].notna(), "")
        return frame.sort_values(key).reset_index(drop=True)

    a, b = tidy(small.compare("weekly")), tidy(full.compare("weekly"))
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    pd.testing.assert_frame_equal(tidy(small.summary("weekly")), tidy(full.summary("weekly")),
                                  check_dtype=False)  # fmt: skip


def test_shards_together_are_the_national_arrivals(national):
    runs = scale.run_scenarios(national, {}, seeds=[5], shards=4, weeks=2)
    merged = runs.runs["baseline"][0].needs().to_pandas()
    whole = keten.simulate(national, weeks=2, seed=5).needs().to_pandas()
    key = ["municipality", "category", "arrived"]
    pd.testing.assert_frame_equal(
        merged[key].sort_values(key).reset_index(drop=True),
        whole[key].sort_values(key).reset_index(drop=True),
    )


def test_bad_scenario_fails_before_any_task(national):
    with pytest.raises(keten.NotFoundError) as e:
        scale.run_scenarios(
            national, {"bad": {"format": "keten.scenario", "version": 1, "changes": [{"close": "x"}]}},
            seeds=1,
        )  # fmt: skip
    assert e.value.pointer == "/changes/0/close"
    with pytest.raises(ValueError, match="baseline"):
        scale.run_scenarios(national, {"baseline": CHEAPER}, seeds=1)
