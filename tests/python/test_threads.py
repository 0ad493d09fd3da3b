"""Heavy calls release the GIL: Python threads match in parallel and get the serial results."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import keten


@pytest.fixture(scope="module")
def national():
    return keten.default_landscape()


@pytest.fixture(scope="module")
def day(national):
    return keten.generate_cases(national, count=4000, seed=12)


def test_threads_option_does_not_change_the_results(national, day):
    serial = keten.match_batch(national, day, threads=1)
    assert keten.match_batch(national, day, threads=2).to_json() == serial.to_json()
    assert keten.match_batch(national, day, threads=0).to_json() == serial.to_json()


def test_two_python_threads_match_concurrently_as_serial(national, day):
    halves = [day[:2000], day[2000:]]
    serial = [keten.match_batch(national, h).to_dict()["results"] for h in halves]
    barrier = threading.Barrier(2)

    def run(cases):
        barrier.wait()
        return keten.match_batch(national, cases).to_dict()["results"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(pool.map(run, halves))
    assert concurrent == serial


def test_the_gil_is_released_during_a_batch(national):
    cases = keten.generate_cases(national, count=40_000, seed=5)
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        time.sleep(0.05)
        before = counter[0]
        start = time.perf_counter()
        keten.match_batch(national, cases)
        elapsed = time.perf_counter() - start
        during = counter[0] - before
    finally:
        stop.set()
        thread.join()
    # With the GIL held for the whole call the counter could not move at all; released, a
    # pure-Python loop counts at millions per second beside it.
    assert elapsed > 0.02
    assert during > 1000, f"counter advanced by {during} in {elapsed:.3f} s"
