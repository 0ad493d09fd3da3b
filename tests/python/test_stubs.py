"""The type stubs of keten._ext are generated from the module and checked in; mypy reads them."""

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keten

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("KETEN_ROOT", HERE.parents[1]))
COMMITTED = ROOT / "bindings" / "python" / "keten" / "_ext.pyi"
REGENERATE = (
    "pybind11-stubgen keten._ext -o /tmp/stubs && "
    "cp /tmp/stubs/keten/_ext.pyi bindings/python/keten/_ext.pyi"
)


def test_package_ships_stubs_and_py_typed():
    package = Path(keten.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_ext.pyi").exists()


def test_committed_stubs_match_the_installed_module(tmp_path):
    pytest.importorskip("pybind11_stubgen")
    run = subprocess.run(
        [sys.executable, "-m", "pybind11_stubgen", "keten._ext", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    generated = (tmp_path / "keten" / "_ext.pyi").read_text()
    committed = COMMITTED.read_text()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), generated.splitlines(True), "committed", "generated", n=1
        )
    )
    assert generated == committed, f"stale stubs; regenerate with: {REGENERATE}\n{diff[:4000]}"
    installed = Path(keten.__file__).parent / "_ext.pyi"
    assert installed.read_text() == committed, "the installed package has other stubs: reinstall"


def test_mypy_strict_accepts_a_typed_usage_example(tmp_path):
    pytest.importorskip("mypy")
    run = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
            "--cache-dir", str(tmp_path / "mypy-cache"), str(HERE / "typed_usage.py"),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_rejects_a_wrong_use(tmp_path):
    pytest.importorskip("mypy")
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import keten\n"
        "landscape = keten.example_landscape()\n"
        "served: str = landscape.summary().municipalities_served\n"
        "keten.match(landscape, 'not a case')\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c"), str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "bad.py:3" in run.stdout and "bad.py:4" in run.stdout


def test_the_usage_example_runs():
    run = subprocess.run([sys.executable, str(HERE / "typed_usage.py")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
