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

import ast
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


def _chapter_assignment(path: Path, name: str):
    """The value of the chapter's top-level ``name = <expression>`` (our own file; only literals and arithmetic)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return eval(compile(ast.Expression(node.value), str(path), "eval"), {"__builtins__": {}})
    raise AssertionError(f"{path.name} no longer assigns `{name}`")


def test_the_prose_reader_joins_wrapped_sentences():
    text = _prose(CHAPTER_2)
    assert "no consistent order either way" in text and "\n" not in text  # a sentence wrapped over two lines


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


@pytest.mark.slow
def test_chapter_2_width_and_skip_connection_census(monkeypatch):
    """§6: training losses and slice roughness of the four architectures, over the seeds the text names."""
    _course_seeds(monkeypatch)
    text = _prose(CHAPTER_2)
    n, first, last = map(int, _stated(r"for (\d+) data/initialization/direction seeds \((\d+) to (\d+);", text))
    all_n, factor = _stated(r"reached the lower training loss in all (\d+), by a factor of at least (\d+(?:\.\d+)?)", text)
    more, fewer = map(int, _stated(
        r"more downward-curving grid points than the narrow one's in (\d+) and fewer in (\d+)", text))
    less, more_plain = map(int, _stated(
        r"deep plain net's slice had less negative curvature than the residual one's in (\d+) and more in (\d+)", text))
    lowest, lowest_high, lowest_of = map(int, _stated(
        r"lowest training loss of the four in (\d+) or (\d+) of the (\d+) seeds", text))
    (stuck,) = map(int, _stated(r"although in (\d+) of them it did not train at all", text))
    assert last - first + 1 == n == int(all_n) == lowest_of == more + fewer == less + more_plain

    variants = _chapter_assignment(CHAPTER_2, "variants")  # the chapter's own table of architectures
    names = list(variants)
    narrow, wide, plain, residual = (next(k for k in names if k.startswith(prefix))
                                     for prefix in ("narrow", "wide", "deep plain", "deep residual"))
    grid = np.linspace(-1, 1, 41)
    loss, negative = {}, {}
    for seed in range(first, last + 1):  # as the chapter's cell, with every seed set to `seed`
        for name, (hidden, skip) in variants.items():
            p = _train(hidden=hidden, residual=skip, seed=seed)
            d1, d2 = surfaces.random_directions(p.model, p.theta, seed, n=2, norm="filter")
            curvature = surfaces.slice_curvature(surfaces.slice_2d(p.model, p.theta, d1, d2, grid, grid))
            loss[seed, name], negative[seed, name] = p.model.loss(p.theta), curvature.negative_fraction
    seeds = range(first, last + 1)
    ratio = [loss[s, narrow] / loss[s, wide] for s in seeds]
    # A seed whose two fractions nearly tie can flip with another CPU's rounding: the text's counts must match up
    # to such seeds, and only those (within 3 grid points of the 41 x 41 slice). Which net trains lowest is not a
    # near-tie but can still move: the text states the two counts we have measured under different rounding.
    def curvature_ties(a, b):
        return sum(abs(negative[s, a] - negative[s, b]) <= 3 / grid.size**2 for s in seeds)
    computed = {
        "wide fits better": sum(r > 1 for r in ratio),
        "least factor": min(ratio),
        "wide more negative": sum(negative[s, wide] > negative[s, narrow] for s in seeds),
        "wide less negative": sum(negative[s, wide] < negative[s, narrow] for s in seeds),
        "plain less negative": sum(negative[s, plain] < negative[s, residual] for s in seeds),
        "plain more negative": sum(negative[s, plain] > negative[s, residual] for s in seeds),
        "plain lowest loss": sum(min(names, key=lambda k, s=s: loss[s, k]) == plain for s in seeds),
        "plain stuck at 0.25": sum(round(loss[s, plain], 2) == 0.25 for s in seeds),
    }
    assert computed["wide fits better"] == n and computed["least factor"] >= float(factor), computed
    assert abs(computed["wide more negative"] - more) <= curvature_ties(wide, narrow), computed
    assert abs(computed["wide less negative"] - fewer) <= curvature_ties(wide, narrow), computed
    assert abs(computed["plain less negative"] - less) <= curvature_ties(plain, residual), computed
    assert abs(computed["plain more negative"] - more_plain) <= curvature_ties(plain, residual), computed
    assert lowest_high == lowest + 1 and computed["plain lowest loss"] in (lowest, lowest_high), computed
    assert computed["plain stuck at 0.25"] == stuck, computed
