"""Tests for course_utils.curvature: every estimator against the dense Hessian or a closed form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import curvature as cv
from course_utils.models import MLP, Quadratic


def _random_symmetric(n, rng, spectrum=None):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = rng.standard_normal(n) if spectrum is None else np.asarray(spectrum, float)
    return (Q * lam) @ Q.T, np.sort(lam)


@pytest.fixture(scope="module")
def mlp_point():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    model = MLP(X, y, hidden=(8,), activation="tanh", loss="cross_entropy")
    theta = model.init(rng)
    return model, theta, np.linalg.eigvalsh(model.hessian(theta))


def test_hessian_spectrum_matches_quadratic_eigenvalues():
    rng = np.random.default_rng(1)
    A, lam = _random_symmetric(7, rng)
    spec = cv.hessian_spectrum(Quadratic(A), rng.standard_normal(7))
    np.testing.assert_allclose(spec.values, lam, atol=1e-10)
    # the vectors really are eigenvectors
    np.testing.assert_allclose(A @ spec.vectors, spec.vectors * spec.values, atol=1e-10)


def test_lanczos_top_and_bottom_match_dense_on_mlp(mlp_point):
    model, theta, exact = mlp_point
    assert model.dim >= 20  # exercises the ARPACK path, not the dense fallback
    top = cv.hessian_top_eigenpairs(model, theta, k=4, which="LA")
    bottom = cv.hessian_top_eigenpairs(model, theta, k=3, which="SA")
    np.testing.assert_allclose(top.values, exact[-4:], atol=1e-8)
    np.testing.assert_allclose(bottom.values, exact[:3], atol=1e-8)
    H = model.hessian(theta)
    np.testing.assert_allclose(H @ top.vectors, top.vectors * top.values, atol=1e-7)
    assert cv.lambda_max(model, theta) == pytest.approx(exact[-1], abs=1e-8)
    assert cv.lambda_min(model, theta) == pytest.approx(exact[0], abs=1e-8)


def test_largest_magnitude_selects_by_absolute_value():
    rng = np.random.default_rng(2)
    A, _ = _random_symmetric(30, rng, spectrum=np.r_[-9.0, 5.0, np.linspace(-1, 1, 28)])
    lm = cv.lanczos_eigenpairs(lambda v: A @ v, 30, k=2, which="LM")
    np.testing.assert_allclose(lm.values, [-9.0, 5.0], atol=1e-9)


@pytest.mark.parametrize("n", [8, 30])  # dense fallback and ARPACK
def test_both_ends_in_one_run_and_values_without_vectors(n):
    rng = np.random.default_rng(n)
    A, lam = _random_symmetric(n, rng)
    for k in (2, 3):
        be = cv.lanczos_eigenpairs(lambda v: A @ v, n, k=k, which="BE", v0=np.ones(n))
        expected = np.r_[lam[: k // 2], lam[n - (k - k // 2):]]
        np.testing.assert_allclose(be.values, expected, atol=1e-9)
        np.testing.assert_allclose(A @ be.vectors, be.vectors * be.values, atol=1e-7)
        values = cv.lanczos_eigenvalues(lambda v: A @ v, n, k=k, which="BE", v0=np.ones(n))
        np.testing.assert_allclose(values, expected, atol=1e-9)


def test_a_given_start_vector_replaces_the_random_one():
    rng = np.random.default_rng(3)
    A, _ = _random_symmetric(30, rng)
    v0 = np.random.default_rng(5).standard_normal(30)
    given = cv.lanczos_eigenpairs(lambda v: A @ v, 30, k=2, v0=v0, rng=0)
    drawn = cv.lanczos_eigenpairs(lambda v: A @ v, 30, k=2, rng=5)  # draws the same v0
    np.testing.assert_array_equal(given.values, drawn.values)


@pytest.mark.parametrize("n", [2, 5, 12])
def test_small_dimensions_use_dense_fallback_correctly(n):
    rng = np.random.default_rng(n)
    A, lam = _random_symmetric(n, rng)
    res = cv.lanczos_eigenpairs(lambda v: A @ v, n, k=min(2, n), which="SA")
    np.testing.assert_allclose(res.values, lam[: min(2, n)], atol=1e-10)


def test_power_iteration_finds_largest_magnitude_even_when_negative():
    A = np.diag([-5.0, 3.0, 1.0, 0.5])
    res = cv.power_iteration(lambda v: A @ v, 4, rng=0, iters=500, tol=1e-12)
    assert res.converged
    assert res.eigenvalue == pytest.approx(-5.0, abs=1e-8)  # not λ_max = 3
    assert abs(res.eigenvector[0]) == pytest.approx(1.0, abs=1e-6)
    assert res.iterations == res.history.size


def test_power_iteration_rate_follows_eigenvalue_ratio():
    # error of the Rayleigh quotient shrinks like (λ2/λ1)^(2t); a ratio of 0.5 converges far faster than 0.95
    fast = cv.power_iteration(lambda v: np.diag([1.0, 0.5, 0.1]) @ v, 3, rng=0, iters=1000, tol=1e-12)
    slow = cv.power_iteration(lambda v: np.diag([1.0, 0.95, 0.1]) @ v, 3, rng=0, iters=1000, tol=1e-12)
    assert fast.iterations < slow.iterations / 3


def test_lanczos_basis_orthonormal_and_tridiagonal(mlp_point):
    model, theta, exact = mlp_point
    hvp = model.make_hvp(theta)
    res = cv.lanczos(hvp, model.dim, steps=30, rng=3)
    Q = res.basis
    np.testing.assert_allclose(Q.T @ Q, np.eye(res.steps), atol=1e-10)
    H = model.hessian(theta)
    np.testing.assert_allclose(Q.T @ H @ Q, res.tridiagonal(), atol=1e-9)
    nodes, weights = res.ritz()
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    # Ritz values interlace within the spectrum (Cauchy interlacing)
    assert nodes.min() >= exact[0] - 1e-10 and nodes.max() <= exact[-1] + 1e-10


def test_full_lanczos_recovers_every_eigenvalue():
    rng = np.random.default_rng(4)
    A, lam = _random_symmetric(25, rng)
    res = cv.lanczos(lambda v: A @ v, 25, steps=25, rng=5)
    np.testing.assert_allclose(res.ritz()[0], lam, atol=1e-9)


def test_lanczos_stops_early_on_invariant_subspace():
    A = np.diag([1.0, 2.0, 3.0, 4.0, 5.0])
    v0 = np.array([1.0, 1.0, 0.0, 0.0, 0.0])  # lives in a 2-D invariant subspace
    res = cv.lanczos(lambda v: A @ v, 5, steps=5, v0=v0)
    assert res.steps == 2
    np.testing.assert_allclose(res.ritz()[0], [1.0, 2.0], atol=1e-12)


def test_gauss_quadrature_is_exact_for_low_moments():
    rng = np.random.default_rng(6)
    A, _ = _random_symmetric(40, rng)
    v = rng.standard_normal(40)
    v /= np.linalg.norm(v)
    nodes, weights = cv.lanczos(lambda x: A @ x, 40, steps=6, v0=v).ritz()
    for p in range(2 * 6):  # degree < 2m
        assert np.sum(weights * nodes**p) == pytest.approx(v @ np.linalg.matrix_power(A, p) @ v, abs=1e-9)


def test_hutchinson_is_exact_for_diagonal_with_rademacher():
    # z_i^2 = 1, so every sample equals the trace for a diagonal matrix: zero variance
    D = np.diag(np.arange(1.0, 11.0))
    est = cv.hutchinson_trace(lambda v: D @ v, 10, rng=0, n_probes=5)
    assert est.estimate == pytest.approx(55.0)
    assert est.stderr == pytest.approx(0.0, abs=1e-12)


def test_hutchinson_variance_matches_formula():
    rng = np.random.default_rng(8)
    A, _ = _random_symmetric(20, rng)
    est = cv.hutchinson_trace(lambda v: A @ v, 20, rng=9, n_probes=4000)
    predicted = 2 * (np.sum(A**2) - np.sum(np.diag(A) ** 2))
    assert est.samples.var(ddof=1) == pytest.approx(predicted, rel=0.1)


def test_hutchinson_on_mlp_uses_real_hvps(mlp_point):
    model, theta, exact = mlp_point
    est = cv.hutchinson_trace(model.make_hvp(theta), model.dim, rng=1, n_probes=300)
    assert est.contains(exact.sum())
    assert est.ci_high - est.ci_low < 0.5 * np.abs(exact).sum()


def test_slq_moments_and_cdf_match_dense(mlp_point):
    model, theta, exact = mlp_point
    dens = cv.slq_density(model.make_hvp(theta), model.dim, rng=2, steps=30, n_starts=30, sigma2=1e-3)
    # first two moments of the spectral density are estimated (random starts) to within a few per cent
    assert dens.moment(0) == pytest.approx(1.0, abs=1e-10)
    assert dens.moment(2) == pytest.approx(np.mean(exact**2), rel=0.2)
    # the quadrature CDF follows the empirical CDF of the exact eigenvalues
    grid = np.linspace(exact[0], exact[-1], 50)
    empirical = (exact[None, :] <= grid[:, None]).mean(axis=1)
    assert np.max(np.abs(dens.cdf(grid) - empirical)) < 0.15
    area = np.sum(dens.density) * (dens.grid[1] - dens.grid[0])
    assert area == pytest.approx(1.0, abs=0.02)


def test_slq_with_full_steps_finds_exact_nodes():
    A = np.diag(np.linspace(-1.0, 3.0, 15))
    dens = cv.slq_density(lambda v: A @ v, 15, rng=0, steps=15, n_starts=3)
    for row in dens.nodes:
        np.testing.assert_allclose(row, np.linspace(-1.0, 3.0, 15), atol=1e-8)
    assert dens.sigma2 == pytest.approx(1e-5 * 4.0)


def test_gaussian_broadening_integrates_to_total_weight():
    grid = np.linspace(-10, 10, 4001)
    out = cv.gaussian_broadening([0.0, 1.0], [0.25, 0.5], grid, 0.1)
    assert np.sum(out) * (grid[1] - grid[0]) == pytest.approx(0.75, abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=20, max_value=40), st.integers(min_value=0, max_value=10_000))
def test_property_lanczos_agrees_with_eigh(n, seed):
    rng = np.random.default_rng(seed)
    A, lam = _random_symmetric(n, rng)
    top = cv.lanczos_eigenpairs(lambda v: A @ v, n, k=3, which="LA", rng=seed)
    np.testing.assert_allclose(top.values, lam[-3:], atol=1e-8)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cv.lanczos_eigenpairs(lambda v: v, 5, k=0), "`k`"),
        (lambda: cv.lanczos_eigenpairs(lambda v: v, 5, which="XX"), "`which`"),
        (lambda: cv.lanczos_eigenpairs(3.0, 5), "`hvp`"),
        (lambda: cv.lanczos_eigenpairs(lambda v: v, 30, v0=np.zeros(30)), "`v0`"),
        (lambda: cv.lanczos_eigenvalues(lambda v: v, 30, v0=np.ones(29)), "`v0`"),
        (lambda: cv.lanczos_eigenvalues(lambda v: v, 5, which="XX"), "`which`"),
        (lambda: cv.power_iteration(lambda v: v, 0), "`dim`"),
        (lambda: cv.hutchinson_trace(lambda v: v, 5, n_probes=1), "`n_probes`"),
        (lambda: cv.hutchinson_trace(lambda v: v, 5, distribution="normal"), "`distribution`"),
        (lambda: cv.slq_density(lambda v: v, 5, sigma2=-1.0), "`sigma2`"),
        (lambda: cv.lanczos(lambda v: v, 3, steps=2, v0=np.zeros(3)), "`v0`"),
        (lambda: cv.power_iteration(lambda v: v, 3, rng=None), "`rng`"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
