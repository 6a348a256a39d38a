"""Every notebook is a jupytext pair (.ipynb + py:percent) in sync, and committed .ipynb carry no outputs."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("notebooks", "solutions", "exercises", "demos")
IPYNBS = sorted(p for d in NOTEBOOK_DIRS for p in (REPO / d).glob("*.ipynb"))
SCRIPTS = sorted(p for d in NOTEBOOK_DIRS for p in (REPO / d).glob("*.py")
                 if p.read_text(encoding="utf-8").startswith("# ---\n# jupyter:"))


def _ids(paths):
    return [str(p.relative_to(REPO)) for p in paths]


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in jupytext.read(path).cells]


@pytest.mark.parametrize("ipynb", IPYNBS, ids=_ids(IPYNBS))
def test_ipynb_has_its_py_pair_in_sync(ipynb):
    script = ipynb.with_suffix(".py")
    assert script.exists(), f"{ipynb.name} has no py:percent pair; run `jupytext --set-formats ipynb,py:percent {ipynb}`"
    assert _cells(ipynb) == _cells(script), (
        f"{ipynb.name} and {script.name} differ; run `jupytext --sync {script}` (or `make sync`)")


@pytest.mark.parametrize("script", SCRIPTS, ids=_ids(SCRIPTS))
def test_py_notebook_has_its_ipynb_pair(script):
    assert script.with_suffix(".ipynb").exists(), f"run `jupytext --set-formats ipynb,py:percent {script}`"


@pytest.mark.parametrize("ipynb", IPYNBS, ids=_ids(IPYNBS))
def test_committed_ipynb_has_no_outputs(ipynb):
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{ipynb.name}: cells {dirty} carry outputs or execution counts; strip them before committing"
    assert "widgets" not in nb.get("metadata", {}), f"{ipynb.name} stores widget state; strip it"
