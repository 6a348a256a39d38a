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

from pathlib import Path

import numpy as np
import pytest
from chapter_text import prose, stated

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






def test_the_prose_reader_joins_wrapped_sentences():
    text = prose(CHAPTER_2)
    assert "over 100 data/initialization seeds" in text and "\n" not in text  # a sentence wrapped over two lines


@pytest.mark.slow
def test_chapter_2_line_from_initialization_census(monkeypatch):
    """§4: how many initialization-to-solution lines are strictly downhill, and how tall the others' bumps are."""
    _course_seeds(monkeypatch)
    text = prose(CHAPTER_2)
    n, first, last, downhill = map(int, stated(
        r"over (\d+) data/initialization seeds \((\d+) to (\d+)\), (\d+) lines were strictly downhill", text))
    others, rise = stated(r"In the other (\d+) the loss rose somewhere on the way, by at most (\d+(?:\.\d+)?) %", text)
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


# --- chapter 3 ------------------------------------------------------------------------------------------------

CHAPTER_3 = ROOT / "notebooks" / "03_critical_points.py"
_CH3_RUNS = [("COURSE_SEED", str(k)) for k in range(13)] + [("COURSE_PERTURB", "1e-12")]  # seed 0 = the page


def _ch3_run(monkeypatch, variable, value):
    _course_seeds(monkeypatch)
    monkeypatch.setenv(variable, value)


def _ch3_shifted_goe():
    """Section 4's shifted-GOE cell: per n, the largest gap to the semicircle and that gap in standard errors."""
    from course_utils import critical

    rel_shifts = np.linspace(-1.25, 1.25, 11)
    out = {}
    for n_h, n_draws in [(25, 800), (100, 200)]:
        radius_h = np.sqrt(2 * n_h)
        lam_h = np.linalg.eigvalsh(critical.goe_matrices(n_h, n_draws, rng=n_h))
        per_draw = (lam_h[:, None, :] + rel_shifts[None, :, None] * radius_h < 0).mean(axis=2)
        mean, se = per_draw.mean(axis=0), per_draw.std(axis=0, ddof=1) / np.sqrt(n_draws)
        gap = np.abs(mean - critical.semicircle_index_fraction(rel_shifts * radius_h, radius_h))
        out[n_h] = (gap.max(), np.max(gap / np.maximum(se, 1e-12)))
    return out


def _ch3_tanh_search():
    """Section 5c's Newton search: (distinct points, Spearman ρ, largest converged and smallest other ‖∇L‖,
    whether the lowest distinct point is a minimum)."""
    from scipy import stats

    from course_utils import critical, data, models
    from course_utils.randomness import default_rng

    Xs, ys = data.two_moons(40, noise=0.2, rng=0)
    ys = ys.astype(float)
    net = models.MLP(Xs, ys, hidden=(4,), activation="tanh", loss="mse")
    derivs = critical.tanh_network_derivatives(Xs, ys, 4, l2=1e-2)
    init_rng = default_rng(0)
    starts = np.stack([net.init(init_rng, scale=s) for s in np.geomspace(0.1, 2.0, 48)])
    search = critical.newton_search(derivs, starts, steps=60, max_step=1.0, grad_tol=1e-8)
    found = [critical.classify_hessian(H) for H in search.hessians[search.converged]]
    frac = np.array([c.index_fraction for c in found])
    distinct, first = np.unique(np.round(np.c_[search.losses[search.converged], frac], 9), axis=0, return_index=True)
    rho = stats.spearmanr(distinct[:, 0], distinct[:, 1]).statistic
    g = search.grad_norms
    return len(distinct), rho, g[search.converged].max(), g[~search.converged].min(), found[first[0]].kind == "minimum"


@pytest.mark.slow
def test_chapter_3_census_of_the_shifted_goe_and_the_tanh_search(monkeypatch):
    goe, tanh = [], []
    for variable, value in _CH3_RUNS:
        _ch3_run(monkeypatch, variable, value)
        goe.append(_ch3_shifted_goe())
        tanh.append(_ch3_tanh_search())
    text = prose(CHAPTER_3)
    # the shifted GOE: "at most 0.28/n", "≥ 10.9" standard errors at n = 25, "a factor 2.0–4.1" from n = 25 to 100
    n_gap = max(max(r[25][0] * 25, r[100][0] * 100) for r in goe)
    z25 = min(r[25][1] for r in goe)
    ratios = [r[25][0] / r[100][0] for r in goe]
    (stated_gap,) = stated(r"at most (\d\.\d+)/n over", text)
    (stated_z,) = stated(r"measured ≥ (\d+\.\d)\)", text)
    low, high = stated(r"by a factor (\d\.\d)–(\d\.\d) from n = 25 to 100", text)
    assert f"{n_gap:.2f}" == stated_gap and f"{z25:.1f}" == stated_z, (n_gap, z25)
    assert (f"{min(ratios):.1f}", f"{max(ratios):.1f}") == (low, high), ratios
    # the tanh search: "4–11 distinct points, ρ between 0.75 and 1", "≤ 3e-10" and "≥ 1.2e-7", "in 13 of 14 runs"
    counts, rhos = [t[0] for t in tanh], [t[1] for t in tanh]
    lo_n, hi_n, lo_rho = stated(r"(\d+)–(\d+) distinct points, ρ between (\d\.\d+) and 1", text)
    assert (min(counts), max(counts), f"{min(rhos):.2f}") == (int(lo_n), int(hi_n), lo_rho), (counts, rhos)
    conv, other = max(t[2] for t in tanh), min(t[3] for t in tanh)
    stated_conv, stated_other = map(float, stated(r"converged starts end at ≤ (\S+), the others at ≥ (\S+) ", text))
    assert stated_conv / 1.2 < conv <= stated_conv and stated_other <= other < 1.2 * stated_other, (conv, other)
    minima = sum(t[4] for t in tanh)
    (stated_minima, stated_runs) = stated(r"in (\d+) of (\d+) runs\) a minimum", text)
    assert (minima, len(tanh)) == (int(stated_minima), int(stated_runs)), minima
