"""Chapter 3, section 5d: the figures its comments and text state from runs over many seeds, recomputed.

The chapter asserts its claims live for the seed it runs; the ranges beside the asserts ("measured 0.978–0.990
over …") and the finite-N trend in the text come from a census over ``COURSE_SEED = 0 … 12`` and the perturbed
run. This reruns that census with the chapter's own calls and fails when the text and the computation disagree
(the computed figures are in the message). Same pattern as ``test_claims_measured.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from chapter_text import prose, stated
from scipy import stats

from course_utils import spin_glass

CHAPTER_3 = Path(__file__).resolve().parents[1] / "notebooks" / "03_critical_points.py"
RUNS = [("COURSE_SEED", str(k)) for k in range(13)] + [("COURSE_PERTURB", "1e-12")]  # seed 0 = the page






def _set_run(monkeypatch, variable, value):
    for v in ("COURSE_SEED", "COURSE_PERTURB"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv(variable, value)


def _section_5d():
    """The chapter's cell: N = 16, p = 3, couplings from seed 0, 256 starts from seed 1."""
    glass = spin_glass.find_pspin_critical_points(spin_glass.pspin_couplings(16, p=3, rng=0), n_starts=256, rng=1)
    e, k = glass.energies, glass.indices
    m = [np.median(e[k == q]) for q in (0, 1, 2)]
    return stats.spearmanr(e, k).statistic, m[1] - m[0], m[2] - m[1], e[k == 0].max(), np.mean(e < -0.95)


@pytest.mark.slow
def test_chapter_3_spin_glass_census(monkeypatch):
    rows = []
    for variable, value in RUNS:
        _set_run(monkeypatch, variable, value)
        rows.append(_section_5d())
    rho, gap1, gap2, top_min, frac = map(np.array, zip(*rows))
    text = prose(CHAPTER_3)
    claimed = stated(r"Spearman ρ (\d\.\d+)–(\d\.\d+); median gaps index 1 − index 0: (\d\.\d+)–(\d\.\d+), "
                      r"index 2 − index 1: (\d\.\d+)–(\d\.\d+)", text)
    computed = tuple(f"{x:.3f}" for x in (rho.min(), rho.max(), gap1.min(), gap1.max(), gap2.min(), gap2.max()))
    assert computed == claimed, computed
    lo, hi = stated(r"highest minimum measured −(\d\.\d+) … −(\d\.\d+)\)", text)
    assert (f"{-top_min.min():.2f}", f"{-top_min.max():.2f}") == (lo, hi), top_min
    lo_f, hi_f = map(float, stated(r"measured (\d+(?:\.\d)?)–(\d+(?:\.\d)?) % below −0\.95", text))
    assert (round(100 * frac.min(), 1), round(100 * frac.max())) == (lo_f, hi_f), frac


@pytest.mark.slow
def test_chapter_3_spin_glass_band_tightens_with_n(monkeypatch):
    """The text: the minima's median spread falls from about 0.5 (N = 8) to 0.2 (N = 20), their median energy
    from −1.16 to −1.42 (13 disorder draws each, 128/256 starts)."""
    summary = {}
    for n, starts in [(8, 128), (20, 256)]:
        spread, level = [], []
        for seed in range(13):
            found = spin_glass.find_pspin_critical_points(spin_glass.pspin_couplings(n, 3, rng=seed), starts,
                                                          rng=seed + 100)
            minima = found.energies[found.indices == 0]
            spread.append(minima.max() - minima.min())
            level.append(np.median(minima))
        summary[n] = (np.median(spread), np.median(level))
    text = prose(CHAPTER_3)
    s8, s20 = map(float, stated(r"fell from about (\d\.\d) at \$N = 8\$ to (\d\.\d) at \$N = 20\$", text))
    l8, l20 = map(float, stated(r"moved from \$-(\d\.\d+)\$ towards \$-E_\\infty\$ \(\$-(\d\.\d+)\$ at \$N = 20\$\)", text))
    assert (round(summary[8][0], 1), round(summary[20][0], 1)) == (s8, s20), summary
    assert (round(-summary[8][1], 2), round(-summary[20][1], 2)) == (l8, l20), summary
