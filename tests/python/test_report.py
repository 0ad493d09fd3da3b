"""The HTML report (keten.report, keten report): self-contained, the same from the C++ program and
from Python, and rendered by headless Chromium with no console errors and every image loaded. The
screenshot is kept as a test artifact ($KETEN_ARTIFACTS, default build/test-artifacts)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import keten
from keten.report import write_report

ROOT = Path(os.environ.get("KETEN_ROOT", Path(__file__).resolve().parents[2]))
EXAMPLE = ROOT / "data" / "example" / "landscape.json"
CASES = ROOT / "data" / "example" / "cases.json"
SCAN = ROOT / "data" / "example" / "scan.csv"
ARTIFACTS = Path(os.environ.get("KETEN_ARTIFACTS", ROOT / "build" / "test-artifacts"))


@pytest.fixture(scope="module")
def example_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(EXAMPLE, out, cases=[CASES], scan=SCAN, municipalities=["GM0193"])


def test_report_is_self_contained(example_report):
    text = example_report.html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched: every image is a data URI, and no address points outside the page
    sources = re.findall(r'<img src="([^"]+)"', text)
    assert len(sources) == example_report.images == 4  # bars, map, chain, five conditions
    assert all(s.startswith("data:image/") for s in sources)
    assert not re.search(r'(src|href)="(https?:)?//', text)
    # what it shows: the scope, the chain, the five conditions, the teams and the unmet needs
    for needle in ("GM0193 Zwolle", "keten-gm0193", "The five conditions of cooperation",
                   "building relationships", "Where a new local team would help most",
                   "Needs left unmet by the allocations"):
        assert needle in text, needle
    # no case ids reach the page (people's data stays minimal)
    for c in keten.load_cases(CASES, keten.load_landscape(EXAMPLE)):
        assert c.id not in text
    doc = json.loads(example_report.gaps_json.read_text())
    assert doc["format"] == "keten.gaps" and doc["rounds"] == 1
    assert [m["code"] for m in doc["municipalities"]] == ["GM0193"]


def test_keten_report_from_the_cli_equals_python(example_report, tmp_path):
    cli = os.environ.get("KETEN_CLI")
    if not cli:
        pytest.skip("KETEN_CLI is not set")
    env = dict(os.environ, KETEN_PYTHON=sys.executable)
    done = subprocess.run([cli, "report", "-l", str(EXAMPLE), "-c", str(CASES), "-s", str(SCAN),
                           "-m", "GM0193", "--out", str(tmp_path)], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == f"report: {(tmp_path / 'index.html').resolve()}"
    assert json.loads((tmp_path / "gaps.json").read_text()) == json.loads(
        example_report.gaps_json.read_text())
    # a bad argument is the Python program's usage error; a bad file a clear error, exit 1
    bad = subprocess.run([cli, "report", "-l", str(EXAMPLE), "-m", "GM9999", "--out",
                          str(tmp_path)], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "GM9999" in bad.stderr
    usage = subprocess.run([cli, "report"], env=env, capture_output=True, text=True)
    assert usage.returncode == 2 and "--out" in usage.stderr
    missing = subprocess.run([cli, "report", "--out", str(tmp_path)], capture_output=True,
                             text=True, env=dict(os.environ, KETEN_PYTHON="/nonexistent/python"))
    assert missing.returncode == 4 and "KETEN_PYTHON" in missing.stderr


def _browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("KETEN_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and chromedriver are required (make installs them)")
        pytest.skip("chromium or chromedriver is not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=driver)
    return webdriver.Chrome(options=options, service=service)


def test_report_renders_in_headless_chromium(example_report):
    browser = _browser()
    try:
        browser.get(example_report.html.resolve().as_uri())
        assert browser.execute_script("return document.readyState") == "complete"
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
        assert len(images) == example_report.images
        broken = [alt for alt, complete, width in images if not complete or width == 0]
        assert not broken, f"images that did not load: {broken}"
        errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert not errors, errors
        height = browser.execute_script("return document.documentElement.scrollHeight")
        assert height > 2000  # the whole report, not an empty page
        browser.set_window_size(1280, height)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "report-gm0193.png"
        assert browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 50_000
    finally:
        browser.quit()


def test_a_broken_image_is_noticed(tmp_path):
    """The browser check itself can fail: a page with a broken image and a script error."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA" alt="x">'
                    "<script>undefinedFunction()</script></body></html>")
    browser = _browser()
    try:
        browser.get(page.as_uri())
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert images == [[True, 0]]
        assert any(e["level"] == "SEVERE" for e in browser.get_log("browser"))
    finally:
        browser.quit()
