"""The Monte Carlo probabilities of chapter 3 carry an honest interval (issue 17, statistical honesty).

``critical.probability_all_positive`` counts GOE matrices whose eigenvalues are all positive. The count is
binomial, so the estimate comes with a Clopper–Pearson interval (``ProbabilityEstimate.ci_low``/``ci_high``),
which must (a) be the well-known exact interval — checked against ``scipy.stats.binomtest`` — and (b) contain the
true probability in at least its nominal share of runs. (b) is checked twice: exactly, by summing the binomial
probabilities of the counts whose interval contains ``p``, and end to end, by counting over real runs at the two
sizes where the probability is known in closed form: ``n = 1`` (1/2) and ``n = 2`` ((2 - √2)/4).
"""

import numpy as np
import pytest
from scipy import stats

from course_utils import critical as cr

P_EXACT = {1: 0.5, 2: (2 - np.sqrt(2)) / 4}


def _exact_coverage(p, trials, confidence=0.95):
    """P(interval contains p) under Binomial(trials, p), summed over every count that has any weight."""
    counts = np.arange(trials + 1)
    pmf = stats.binom.pmf(counts, trials, p)
    keep = pmf > 1e-15
    covered = [cr.ProbabilityEstimate.from_count(int(k), trials, confidence).contains(p) for k in counts[keep]]
    return float(np.sum(pmf[keep] * np.array(covered)))


@pytest.mark.parametrize("count, trials", [(0, 1), (1, 1), (0, 20_000), (1, 20_000), (37, 20_000),
                                           (2_921, 20_000), (20_000, 20_000), (5, 7), (0, 3)])
@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_interval_is_clopper_pearson_as_scipy_computes_it(count, trials, confidence):
    e = cr.ProbabilityEstimate.from_count(count, trials, confidence)
    reference = stats.binomtest(count, trials).proportion_ci(confidence_level=confidence, method="exact")
    # binomtest finds the ends by root-finding, to ~1e-7 relative (ours are closer: see the closed forms below)
    assert e.ci_low == pytest.approx(reference.low, rel=1e-6, abs=1e-14)
    assert e.ci_high == pytest.approx(reference.high, rel=1e-6, abs=1e-14)
    assert e.probability == count / trials and e.confidence == confidence
    assert e.stderr == pytest.approx(np.sqrt(e.probability * (1 - e.probability) / trials), abs=1e-15)
    assert e.ci_low <= e.probability <= e.ci_high


def test_no_hit_is_an_upper_bound_not_zero():
    e = cr.ProbabilityEstimate.from_count(0, 20_000)
    assert e.probability == 0.0 and e.stderr == 0.0  # the standard error says nothing here …
    assert e.ci_low == 0.0 and e.ci_high == pytest.approx(1 - 0.025 ** (1 / 20_000), rel=1e-12)  # … the interval does
    assert 3.6 / 20_000 < e.ci_high < 3.8 / 20_000  # the "rule of three" at 97.5 %: about 3.7 / trials
    one = cr.ProbabilityEstimate.from_count(1, 20_000)  # P(X >= 1) = 1 - (1 - p)^n = 2.5 % at the lower end
    assert one.ci_low == pytest.approx(-np.expm1(np.log1p(-0.025) / 20_000), rel=1e-12)
    full = cr.ProbabilityEstimate.from_count(20, 20)
    assert full.ci_high == 1.0 and full.ci_low == pytest.approx(0.025 ** (1 / 20), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("trials", [50, 400])
def test_interval_covers_the_exact_probability_at_least_at_its_level(n, trials):
    # Clopper–Pearson is conservative by construction: its coverage is >= the level for every p and trials
    assert _exact_coverage(P_EXACT[n], trials) >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2])
def test_runs_of_the_estimator_cover_the_known_probability(n):
    """End to end: 1500 independent runs of 300 GOE draws each, against the closed-form probability."""
    runs, trials = 1500, 300
    covered = sum(cr.probability_all_positive(n, trials=trials, rng=seed).contains(P_EXACT[n])
                  for seed in range(runs))
    expected = _exact_coverage(P_EXACT[n], trials)  # what the interval's construction promises (>= 0.95)
    se = np.sqrt(expected * (1 - expected) / runs)  # ~0.5 %: a 4-SE miss happens once in 16 000 test runs
    assert abs(covered / runs - expected) < 4 * se, f"covered {covered} of {runs}; exact coverage {expected:.4f}"
    assert covered / runs > 0.95 - 4 * se


def test_estimate_counts_are_the_estimators_own():
    e = cr.probability_all_positive(2, trials=5_000, rng=3, chunk=700)  # chunking does not change the count
    assert e == cr.probability_all_positive(2, trials=5_000, rng=3)
    assert e.trials == 5_000 and e.probability == e.count / 5_000 and e.contains(e.probability)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cr.ProbabilityEstimate.from_count(5, 4), "`count`"),
        (lambda: cr.ProbabilityEstimate.from_count(-1, 4), "`count`"),
        (lambda: cr.ProbabilityEstimate.from_count(1.5, 4), "`count`"),
        (lambda: cr.ProbabilityEstimate.from_count(1, 0), "`trials`"),
        (lambda: cr.ProbabilityEstimate.from_count(1, 4, confidence=1.0), "`confidence`"),
        (lambda: cr.probability_all_positive(2, trials=10, confidence=0.0), "`confidence`"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
