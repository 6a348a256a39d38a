"""Figures a chapter states from a census too slow to run in the chapter, recomputed here (issue 17).

A chapter computes its claims live wherever a cell can afford it. A few figures summarize a census over many
seeds that would take minutes on the page — "over 100 seeds, 93 lines were strictly downhill". The chapter states
those figures in its text; each test below reruns the census with the same library calls the chapter's cells make,
reads the figures from the chapter's ``.py`` and fails when the text and the computation disagree, with the
computed figures in the message so that the text can be corrected.

Every census runs with the course's own seeds (``COURSE_SEED`` and ``COURSE_PERTURB`` unset), so its counts are
exact. The figures are far from any rounding-level tie: the closest calls move by whole grid steps or whole grid
points of a slice, which a 1e-12 jitter of the data and initial weights (``COURSE_PERTURB``) and another BLAS
thread count were measured not to flip.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from course_utils import surfaces
from course_utils.problems import moons_problem

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_2 = ROOT / "notebooks" / "02_loss_geometry.py"

def _train(**kwargs):
    """The chapter network, trained afresh: a cached entry could come from another COURSE_SEED/COURSE_PERTURB."""
    moons_problem.cache_clear()
    return moons_problem(**kwargs)


def _course_seeds(monkeypatch):
    for variable in ("COURSE_SEED", "COURSE_PERTURB"):
        monkeypatch.delenv(variable, raising=False)


def _prose(path: Path) -> str:
    """The chapter's comment lines (its markdown cells among them), markers stripped, joined into one line."""
    lines = [line.lstrip("#").strip() for line in path.read_text().splitlines() if line.lstrip().startswith("#")]
    return " ".join(line for line in lines if line)


def _stated(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    assert match, f"the chapter no longer states a figure matching {pattern!r}: update the text and this test together"
    return match.groups()


def test_the_prose_reader_joins_wrapped_sentences():
    text = _prose(CHAPTER_2)
    assert "over 100 data/initialization seeds" in text and "\n" not in text  # a sentence wrapped over two lines


@pytest.mark.slow
def test_chapter_2_line_from_initialization_census(monkeypatch):
    """§4: how many initialization-to-solution lines are strictly downhill, and how tall the others' bumps are."""
    _course_seeds(monkeypatch)
    text = _prose(CHAPTER_2)
    n, first, last, downhill = map(int, _stated(
        r"over (\d+) data/initialization seeds \((\d+) to (\d+)\), (\d+) lines were strictly downhill", text))
    others, rise = _stated(r"In the other (\d+) the loss rose somewhere on the way, by at most (\d+(?:\.\d+)?) %", text)
    assert (last - first + 1, int(others)) == (n, n - downhill), "the census's counts do not add up in the text"

    shapes = []
    for seed in range(first, last + 1):  # as the chapter's census cell: seed → data and initialization
        p = _train(seed=seed)
        shapes.append(surfaces.line_monotonicity(surfaces.interpolate(p.model, p.theta0, p.theta,
                                                                      np.linspace(0, 1, 41))))
    bumpy = {seed: m for seed, m in zip(range(first, last + 1), shapes) if not m.strictly_decreasing}
    computed = {
        "downhill": n - len(bumpy),
        "tallest rise %": round(100 * max(m.largest_rise for m in shapes), 1),
        "dips before θ*": sum(m.argmin < 1.0 for m in bumpy.values()),
        "bumpy seeds": {seed: (round(m.largest_rise, 5), m.argmin) for seed, m in bumpy.items()},
    }
    assert computed["downhill"] == downhill, computed
    assert computed["tallest rise %"] == float(rise), computed
    assert computed["dips before θ*"] > len(bumpy) / 2, computed  # "in most of them the rise is a dip below L(θ*)"
