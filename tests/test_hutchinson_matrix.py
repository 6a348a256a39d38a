"""``hutchinson_trace`` given the dense matrix instead of a product function: same probes, same estimate."""

import numpy as np
import pytest

from course_utils import curvature as cv


def test_matrix_form_matches_the_function_form_probe_for_probe():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((30, 30))
    H = A + A.T
    for distribution in ("rademacher", "gaussian"):
        by_matrix = cv.hutchinson_trace(H, 30, rng=7, n_probes=50, distribution=distribution)
        by_function = cv.hutchinson_trace(lambda v: H @ v, 30, rng=7, n_probes=50, distribution=distribution)
        np.testing.assert_allclose(by_matrix.samples, by_function.samples, rtol=1e-12, atol=1e-12)
        assert np.isclose(by_matrix.ci_low, by_function.ci_low) and np.isclose(by_matrix.ci_high, by_function.ci_high)


def test_matrix_form_is_exact_on_a_diagonal_with_rademacher_probes():
    est = cv.hutchinson_trace(np.diag(np.arange(1.0, 11.0)), 10, rng=0, n_probes=5)
    assert est.estimate == 55.0 and est.ci_low == 55.0 and est.ci_high == 55.0   # z_i^2 = 1: sum of the diagonal


def test_matrix_form_is_validated():
    with pytest.raises(ValueError, match="symmetric"):
        cv.hutchinson_trace(np.array([[1.0, 2.0], [0.0, 1.0]]), 2)
    with pytest.raises(ValueError, match=r"shape \(3, 3,?\)"):
        cv.hutchinson_trace(np.eye(2), 3)
