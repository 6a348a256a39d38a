"""The spherical p-spin glass: energies, sphere derivatives and the critical-point search, each against an
independent oracle — brute-force sums, finite differences along great circles, ``numpy.linalg.eigh`` for the
spherical 2-spin (whose critical points are known in closed form) and SciPy's minimizer for the lowest point."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.linalg import null_space
from scipy.optimize import minimize

from course_utils.spin_glass import (
    find_pspin_critical_points,
    pspin_couplings,
    pspin_energy,
    pspin_sphere_derivatives,
    threshold_energy,
)


def _on_sphere(rng, b, n):
    s = rng.standard_normal((b, n))
    return s * np.sqrt(n) / np.linalg.norm(s, axis=1, keepdims=True)


def _brute_energy(J, s):
    """H(σ) by summing every term of the definition, one index tuple at a time."""
    n, p = J.shape[0], J.ndim
    total = 0.0
    for idx in itertools.product(range(n), repeat=p):
        total += J[idx] * np.prod(s[list(idx)])
    return total * n ** (-(p - 1) / 2)


def _great_circle(s, xi, t):
    """The geodesic of the sphere ‖σ‖² = N through s with unit tangent xi, at arc length t."""
    r = np.sqrt(s.size)
    return np.cos(t / r) * s + r * np.sin(t / r) * xi


@pytest.mark.parametrize("p", [2, 3, 4])
def test_energy_matches_the_brute_force_sum(p):
    rng = np.random.default_rng(p)
    J = pspin_couplings(4, p=p, rng=p)
    S = _on_sphere(rng, 3, 4)
    assert np.allclose(pspin_energy(J, S), [_brute_energy(J, s) for s in S], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("p", [2, 3, 4])
def test_sphere_derivatives_match_finite_differences_along_great_circles(p):
    rng = np.random.default_rng(10 + p)
    n = 6
    J = pspin_couplings(n, p=p, rng=p)
    S = _on_sphere(rng, 4, n)
    energy, grad, hess, Q = pspin_sphere_derivatives(J, S)
    assert np.allclose(energy, pspin_energy(J, S), rtol=1e-12)
    for s, g, h, q in zip(S, grad, hess, Q):
        assert abs(g @ s) < 1e-10 and np.allclose(q.T @ q, np.eye(n - 1), atol=1e-12) and np.allclose(s @ q, 0, atol=1e-12)
        for xi in [q[:, 0], q @ rng.standard_normal(n - 1)]:
            xi = xi / np.linalg.norm(xi)
            dt = 1e-4
            f = [float(pspin_energy(J, _great_circle(s, xi, t))) for t in (-dt, 0.0, dt)]
            assert abs((f[2] - f[0]) / (2 * dt) - g @ xi) < 1e-6 * max(1.0, np.abs(g).max())
            # along a geodesic the second derivative is the Riemannian Hessian's quadratic form (any point)
            second = (f[2] - 2 * f[1] + f[0]) / dt**2
            c = q.T @ xi
            assert abs(second - c @ h @ c) < 1e-4 * max(1.0, np.abs(h).max())


def test_two_spin_critical_points_are_the_eigenvectors_with_index_by_rank():
    n = 7
    J = pspin_couplings(n, p=2, rng=3)
    a, V = np.linalg.eigh((J + J.T) / 2 / np.sqrt(n))  # H(σ) = σᵀAσ, A = sym(J)/√N
    energy, grad, hess, _ = pspin_sphere_derivatives(J, np.sqrt(n) * V.T)
    assert np.abs(grad).max() < 1e-10
    assert np.allclose(energy / n, a, rtol=1e-12)
    for k in range(n):
        # the tangent Hessian at eigenvector k has eigenvalues 2(a_j − a_k), j ≠ k
        expected = np.sort(2 * (np.delete(a, k) - a[k]))
        assert np.allclose(np.linalg.eigvalsh(hess[k]), expected, atol=1e-10)
    found = find_pspin_critical_points(J, n_starts=256, rng=0)
    # every point found is some ±√N v_k, with index k (its rank from the bottom) …
    for s, e, k in zip(found.points, found.energies, found.indices):
        j = np.argmin(np.abs(a - e))
        assert abs(abs(s @ V[:, j]) - np.sqrt(n)) < 1e-8 and k == j
    # … and 256 starts find all 2N of them
    assert len(found.energies) == 2 * n
    assert np.allclose(found.energies, np.repeat(a, 2), atol=1e-10)
    assert np.array_equal(found.indices, np.repeat(np.arange(n), 2))


def test_found_points_are_critical_with_the_index_of_an_independent_hessian():
    n = 8
    J = pspin_couplings(n, p=3, rng=5)
    found = find_pspin_critical_points(J, n_starts=64, rng=1)
    assert len(found.energies) >= 10
    assert np.all(np.diff(found.energies) >= 0)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(found.energies), size=3, replace=False):
        s = found.points[i]
        assert abs(s @ s - n) < 1e-9
        assert np.isclose(found.energies[i], _brute_energy(J, s) / n, rtol=0, atol=1e-12)
        basis = null_space(s[None])  # (N, N-1), from SciPy, not the module's Householder basis

        def f(a, s=s, basis=basis):
            x = s + basis @ a
            return _brute_energy(J, np.sqrt(n) * x / np.linalg.norm(x))

        h = 1e-3
        eye = np.eye(n - 1)
        grad_fd = np.array([(f(h * e) - f(-h * e)) / (2 * h) for e in eye])
        assert np.abs(grad_fd).max() < 1e-6  # critical: no slope in any tangent direction
        # at a critical point the Hessian of H ∘ (any retraction) is the Riemannian Hessian
        H_fd = np.array([[(f(h * (ei + ej)) - f(h * (ei - ej)) - f(h * (ej - ei)) + f(-h * (ei + ej))) / (4 * h * h)
                          for ej in eye] for ei in eye])
        lam_fd = np.linalg.eigvalsh(0.5 * (H_fd + H_fd.T))
        assert np.allclose(lam_fd, found.eigenvalues[i], atol=1e-4 * max(1.0, np.abs(lam_fd).max()))
        assert found.indices[i] == np.sum(lam_fd < 0)


def test_odd_p_mirror_symmetry_and_distinct_points():
    n = 8
    J = pspin_couplings(n, p=3, rng=2)
    found = find_pspin_critical_points(J, n_starts=64, rng=3)
    P = found.points
    dist = np.linalg.norm(P[:, None] - P[None], axis=-1) + np.eye(len(P)) * 1e9
    assert dist.min() > 1e-6  # merged: no point twice
    for s, e, k in zip(P, found.energies, found.indices):
        j = np.argmin(np.linalg.norm(P + s, axis=1))  # -σ is in the set …
        assert np.linalg.norm(P[j] + s) < 1e-6
        assert np.isclose(found.energies[j], -e, atol=1e-12) and found.indices[j] == n - 1 - k  # … mirrored


def test_the_lowest_point_found_is_as_low_as_scipy_finds():
    n = 8
    J = pspin_couplings(n, p=3, rng=7)
    found = find_pspin_critical_points(J, n_starts=128, rng=0)

    def energy_of(x):
        return float(pspin_energy(J, np.sqrt(n) * x / np.linalg.norm(x)))

    rng = np.random.default_rng(1)
    best = min(minimize(energy_of, rng.standard_normal(n), method="BFGS").fun for _ in range(40))
    assert found.energies[0] * n <= best + 1e-7
    assert found.indices[0] == 0 and found.ground == found.energies[0]


def test_threshold_energy_and_errors():
    assert threshold_energy(3) == pytest.approx(2 * np.sqrt(2 / 3))
    assert threshold_energy(2) == pytest.approx(np.sqrt(2))
    J = pspin_couplings(4, p=3, rng=0)
    with pytest.raises(ValueError, match="`sigma`"):
        pspin_energy(J, np.ones(4) * 3)  # off the sphere
    with pytest.raises(ValueError, match="`sigma`"):
        pspin_energy(J, np.ones(5))
    with pytest.raises(ValueError, match="`J`"):
        pspin_energy(np.ones((4, 3, 4)), np.ones(4))
    with pytest.raises(ValueError, match="`n`"):
        pspin_couplings(200, p=3)
    with pytest.raises(ValueError, match="`p`"):
        pspin_couplings(4, p=1)
    with pytest.raises(ValueError, match="`n_starts`"):
        find_pspin_critical_points(J, n_starts=1)
