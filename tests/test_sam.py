"""SAM and ASAM as update rules: hand-computed steps on quadratics, m-sharpness, composition."""

import numpy as np
import pytest

from course_utils import data, optimizers
from course_utils.models import MLP, Quadratic
from course_utils.optimizers import OPTIMIZERS, gd, momentum, run, sam, sam_perturbation

A = np.diag([1.0, 10.0])


def test_one_sam_step_matches_hand_computation():
    q = Quadratic(A)
    theta = np.array([1.0, 1.0])
    g = A @ theta                                   # (1, 10)
    eps = 0.1 * g / np.sqrt(101.0)                   # rho g / |g|
    expected = theta - 0.05 * (A @ (theta + eps))    # GD step with the gradient at theta + eps
    traj = run(q, sam(gd(), rho=0.1), theta, steps=1, lr=0.05)
    np.testing.assert_allclose(traj.thetas[1], expected, rtol=1e-12)


def test_asam_step_matches_hand_computation():
    q = Quadratic(A)
    theta = np.array([2.0, -0.5])
    g = A @ theta
    t = np.abs(theta) + 0.01
    eps = 0.2 * t**2 * g / np.linalg.norm(t * g)
    expected = theta - 0.03 * (A @ (theta + eps))
    traj = run(q, sam(rho=0.2, adaptive=True, eta=0.01), theta, steps=1, lr=0.03)
    np.testing.assert_allclose(traj.thetas[1], expected, rtol=1e-12)


def test_sam_perturbation_is_the_linearised_worst_case():
    rng = np.random.default_rng(0)
    g = rng.standard_normal(7)
    eps = sam_perturbation(g, 0.3)
    assert np.isclose(np.linalg.norm(eps), 0.3)
    # no other vector of norm rho increases the linearised loss g·eps more
    others = rng.standard_normal((500, 7))
    others = 0.3 * others / np.linalg.norm(others, axis=1, keepdims=True)
    assert np.all(others @ g <= eps @ g + 1e-12)
    np.testing.assert_array_equal(sam_perturbation(np.zeros(3), 0.5), np.zeros(3))


def test_asam_perturbation_lies_on_the_scaled_sphere():
    rng = np.random.default_rng(1)
    g, theta = rng.standard_normal(5), rng.standard_normal(5)
    eps = sam_perturbation(g, 0.4, theta, adaptive=True, eta=0.1)
    t = np.abs(theta) + 0.1
    assert np.isclose(np.linalg.norm(eps / t), 0.4)


def test_rho_zero_is_the_base_rule():
    q = Quadratic(A)
    a = run(q, sam(momentum(0.9), rho=0.0), [1.0, -1.0], steps=30, lr=0.05)
    b = run(q, momentum(0.9), [1.0, -1.0], steps=30, lr=0.05)
    np.testing.assert_allclose(a.thetas, b.thetas, rtol=0, atol=0)


def test_sam_wraps_the_base_state():
    """sam(momentum) feeds the SAM gradient into momentum's velocity."""
    q = Quadratic(A)
    theta0 = np.array([1.0, 1.0])
    traj = run(q, sam(momentum(0.5), rho=0.1), theta0, steps=2, lr=0.01)
    v, theta = np.zeros(2), theta0.copy()
    for _ in range(2):
        g = A @ theta
        g_sam = A @ (theta + 0.1 * g / np.linalg.norm(g))
        v = 0.5 * v + g_sam
        theta = theta - 0.01 * v
    np.testing.assert_allclose(traj.final_theta, theta, rtol=1e-12)


def _mlp():
    X, y = data.two_moons(24, noise=0.2, rng=0)
    return MLP(X, y, hidden=(4,), loss="cross_entropy")


def test_m_sharpness_averages_per_chunk_perturbed_gradients():
    model = _mlp()
    theta = model.init(0)
    rho, lr, m = 0.1, 0.2, 8
    traj = run(model, sam(rho=rho, m=m), theta, steps=1, lr=lr)
    g_sam = np.zeros_like(theta)
    for start in range(0, 24, m):
        chunk = model.subset(np.arange(start, start + m))
        g = chunk.grad(theta)
        g_sam += chunk.grad(theta + rho * g / np.linalg.norm(g)) / 3
    np.testing.assert_allclose(traj.thetas[1], theta - lr * g_sam, rtol=1e-10)
    # m >= batch size is plain SAM
    a = run(model, sam(rho=rho, m=100), theta, steps=3, lr=lr)
    b = run(model, sam(rho=rho), theta, steps=3, lr=lr)
    np.testing.assert_allclose(a.thetas, b.thetas, rtol=1e-12)


def test_m_sharpness_with_unequal_chunks_weights_by_size():
    model = _mlp()
    theta = model.init(1)
    traj = run(model, sam(rho=0.0, m=10), theta, steps=1, lr=0.1)   # chunks 10, 10, 4; rho = 0: full gradient
    np.testing.assert_allclose(traj.thetas[1], theta - 0.1 * model.grad(theta), rtol=1e-10)


def test_sam_runs_with_minibatches_and_reduces_loss():
    model = _mlp()
    traj = run(model, sam(rho=0.05), model.init(0), steps=60, lr=0.5, batch_size=8, rng=0)
    assert traj.final_loss < 0.8 * traj.losses[0]


def test_sam_is_registered_and_validates():
    assert OPTIMIZERS["sam"] is optimizers.sam
    assert sam().name == "SAM-GD (ρ=0.05)"
    assert "ASAM" in sam(adaptive=True, m=4).name
    with pytest.raises(ValueError, match="rho"):
        sam(rho=-1)
    with pytest.raises(ValueError, match="m"):
        sam(m=0)
    with pytest.raises(TypeError, match="base"):
        sam(base="gd")
    with pytest.raises(TypeError, match="m-sharpness"):
        run(Quadratic(A), sam(m=2), [1.0, 1.0], steps=1, lr=0.1)


def test_sam_perturbation_keeps_the_direction_of_huge_gradients_without_warnings():
    g = np.array([3e300, -4e300])
    eps = sam_perturbation(g, rho=0.5)
    np.testing.assert_allclose(eps, 0.5 * np.array([0.6, -0.8]), rtol=1e-12)


def test_sam_passes_the_notch_for_a_window_of_radii():
    """The chapter's and ``SharpFlatLandscape``'s claim: from a start whose GD path grazes the notch, a radius far
    below the notch's width already carries SAM to the flat minimum, and too large a radius stalls it."""
    from course_utils.sharpness import SharpFlatLandscape

    land = SharpFlatLandscape(dim=2, sharp_width=0.25)
    rhos = [0.0, 0.02, 0.03, 0.1, 0.25, 0.35, 0.5]   # the window: about 0.026 to 0.305
    runs = optimizers.run_many(land, [sam(rho=r) for r in rhos], [-2.0, -1.1], steps=300, lrs=1 / 32)
    ends = [land.basin(t.final_theta, tol=0.15) for t in runs]
    assert ends == ["sharp", "sharp", "flat", "flat", "flat", "neither", "neither"]
