"""Every ```python block of docs/python.md runs, in order, in one namespace: the walk-through stays true."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("KETEN_ROOT", Path(__file__).resolve().parents[2]))
DOC = ROOT / "docs" / "python.md"


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_doc_has_python_blocks():
    assert len(python_blocks(DOC.read_text())) >= 10


def test_every_python_block_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for number, block in enumerate(python_blocks(DOC.read_text()), 1):
        try:
            exec(compile(block, f"docs/python.md block {number}", "exec"), namespace)
        except Exception as e:  # name the block that broke
            raise AssertionError(f"docs/python.md block {number} failed: {e!r}\n{block}") from e
    assert (tmp_path / "gaps.png").stat().st_size > 0
    assert (tmp_path / "conditions.png").stat().st_size > 0
    assert (tmp_path / "simulation.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "Keten van Hoop" in out
