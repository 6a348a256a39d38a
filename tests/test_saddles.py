"""Tests of course_utils.saddles: escape times, endpoints, the momentum map, plateaus, deep linear networks."""

import numpy as np
import pytest

from course_utils import functions, momentum, optimizers, plateaus, saddles
from course_utils.models import Quadratic


# --- escape times ---------------------------------------------------------------------------
def test_gd_quadratic_paths_match_the_run_loop():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((3, 3))
    A = M + M.T
    starts = rng.standard_normal((4, 3))
    paths = saddles.gd_quadratic_paths(A, starts, 0.05, 20)
    for i in range(4):
        traj = optimizers.run(Quadratic(A), optimizers.gd(), starts[i], steps=20, lr=0.05)
        np.testing.assert_allclose(paths[:, i, :], traj.thetas, rtol=1e-12, atol=1e-14)


def test_escape_steps_equal_the_closed_form_on_a_quadratic_saddle():
    # y_k = (1 + 2η)^k ε exactly, so the first k with |y_k| >= 1 is ceil(ln(1/ε)/ln(1 + 2η)).
    eps = np.logspace(-1.05, -11.05, 9)  # off-grid values: no ties at integer k
    for lr in (0.01, 0.1, 0.3):
        starts = np.column_stack([np.ones_like(eps), eps])
        measured = saddles.gd_escape_steps_quadratic(np.diag([2.0, -2.0]), starts, lr, 1.0,
                                                     max_steps=5000, direction=[0, 1])
        np.testing.assert_array_equal(measured, np.ceil(saddles.escape_time_theory(eps, lr, -2.0)))


def test_fit_recovers_the_theoretical_slope():
    eps = np.logspace(-2, -10, 9)
    starts = np.column_stack([np.ones_like(eps), eps])
    measured = saddles.gd_escape_steps_quadratic(np.diag([10.0, -2.0]), starts, 0.05, 1.0, direction=[0, 1])
    fit = saddles.fit_escape_times(eps, measured, 0.05, -2.0)
    assert fit.relative_slope_error < 0.01
    # gradient flow underestimates discrete GD by the factor ln(1+ηλ)/(ηλ) < 1, which tends to 1 as η -> 0
    ratio = saddles.escape_time_continuous(1e-6, 0.05, -2.0) / saddles.escape_time_theory(1e-6, 0.05, -2.0)
    assert abs(ratio - np.log1p(0.1) / 0.1) < 1e-12


def test_escape_step_counts_distance_and_projection():
    path = np.array([[1.0, 0.0], [0.5, 0.2], [0.1, 0.6], [0.0, 1.2]])
    assert saddles.escape_step(path, [0, 0], 1.0) == 0  # starts at distance 1
    assert saddles.escape_step(path, [0, 0], 1.0, direction=[0, 1]) == 3
    assert saddles.escape_step(path, [0, 0], 5.0) is None
    assert saddles.escape_step(np.array([[0.0, 0.0], [np.nan, 0.0]]), [0, 0], 1.0) == 1


def test_unescaped_runs_are_inf_and_bad_inputs_raise():
    out = saddles.gd_escape_steps_quadratic(np.diag([2.0, -2.0]), [[1.0, 0.0]], 0.1, 1.0, max_steps=50,
                                            direction=[0, 1])
    assert np.isposinf(out[0])  # never escaped: an infinite escape time, not a NaN
    with pytest.raises(ValueError, match="lam_min"):
        saddles.escape_time_theory(1e-3, 0.1, 2.0)
    with pytest.raises(ValueError, match="at least two"):
        saddles.fit_escape_times([1e-2, 1e-3], [np.nan, 5.0], 0.1, -2.0)


def test_gd_escape_steps_equal_the_run_loop_on_the_six_hump_camel():
    # oracle: one optimizers.run trajectory per start, read by escape_step (a different loop and a different reader)
    cam = functions.get("six_hump_camel")
    starts = np.array([[0.004, -0.003], [-0.002, 0.0005], [1e-5, 1e-5], [0.0, 0.0], [0.5, 0.1]])
    out = saddles.gd_escape_steps(cam, [0, 0], starts, lr=0.02, radius=0.3, max_steps=150)
    for start, k in zip(starts, out):
        traj = optimizers.run(cam, optimizers.gd(), start, steps=150, lr=0.02)
        expected = saddles.escape_step(traj.thetas, [0, 0], 0.3)
        assert k == (np.inf if expected is None else expected)
    assert out[3] == np.inf and out[4] == 0  # exactly on the saddle: never; outside the ball: at once


def test_gd_escape_steps_equal_the_quadratic_closed_form_along_a_direction():
    eps = np.logspace(-1.05, -9.05, 7)
    starts = np.column_stack([np.ones_like(eps), eps])
    A = np.diag([2.0, -2.0])
    out = saddles.gd_escape_steps(Quadratic(A), [0, 0], starts, lr=0.05, radius=1.0, max_steps=1000,
                                  direction=[0, 3.0])  # not a unit vector: normalised inside
    np.testing.assert_array_equal(out, np.ceil(saddles.escape_time_theory(eps, 0.05, -2.0)))


def test_gd_escape_steps_reject_bad_arguments():
    cam = functions.get("six_hump_camel")
    with pytest.raises(ValueError, match="starts"):
        saddles.gd_escape_steps(cam, [0, 0], np.zeros((3, 3)), lr=0.02)
    with pytest.raises(ValueError, match="direction"):
        saddles.gd_escape_steps(cam, [0, 0], np.zeros((3, 2)), lr=0.02, direction=[0, 0])
    with pytest.raises(ValueError, match="lr"):
        saddles.gd_escape_steps(cam, [0, 0], np.zeros((3, 2)), lr=-0.02)


def test_fit_escape_times_matches_scipy_linregress():
    from scipy import stats

    rng = np.random.default_rng(3)
    eps = np.exp(-rng.uniform(2, 12, size=40))
    measured = 4.0 + 6.7 * np.log(1 / eps) + rng.normal(0, 1.5, size=40)
    measured[[3, 17]] = [np.inf, np.nan]  # not escaped: left out
    fit = saddles.fit_escape_times(eps, measured, 0.02, -8.0)
    ok = np.isfinite(measured)
    ref = stats.linregress(np.log(1 / eps[ok]), measured[ok])
    assert fit.n_fitted == 38
    np.testing.assert_allclose([fit.slope, fit.intercept, fit.slope_stderr], [ref.slope, ref.intercept, ref.stderr],
                               rtol=1e-12)
    lo, hi = fit.slope_interval(0.95)
    np.testing.assert_allclose(hi - lo, 2 * stats.t.ppf(0.975, 36) * ref.stderr, rtol=1e-12)


def test_slope_interval_has_its_nominal_coverage():
    # Six runs per experiment: Student's t with 4 degrees of freedom (a normal quantile would cover only ~88 %).
    rng = np.random.default_rng(7)
    reps, true_slope = 2000, 6.7
    x = np.linspace(2.0, 12.0, 6)
    covered = {0.95: 0, 0.5: 0}
    for _ in range(reps):
        measured = 3.0 + true_slope * x + rng.normal(0, 2.0, size=x.size)
        fit = saddles.fit_escape_times(np.exp(-x), measured, 0.02, -8.0)
        for level in covered:
            lo, hi = fit.slope_interval(level)
            covered[level] += lo <= true_slope <= hi
    # binomial s.d. of the coverage over 2000 experiments: 0.005 at 95 %, 0.011 at 50 %
    assert abs(covered[0.95] / reps - 0.95) < 0.015
    assert abs(covered[0.5] / reps - 0.5) < 0.035


def test_fit_escape_times_degenerate_inputs():
    two = saddles.fit_escape_times([1e-2, 1e-4], [10.0, 20.0], 0.05, -2.0)
    assert two.n_fitted == 2 and np.isnan(two.slope_stderr) and np.all(np.isnan(two.slope_interval()))
    exact = saddles.fit_escape_times([1e-2, 1e-3, 1e-4], [1.0, 2.0, 3.0], 0.05, -2.0)
    assert exact.slope_stderr < 1e-12  # points on a line: no scatter
    with pytest.raises(ValueError, match="different sizes"):
        saddles.fit_escape_times([1e-3, 1e-3, 1e-3], [5.0, 6.0, 7.0], 0.05, -2.0)
    with pytest.raises(ValueError, match="level"):
        exact.slope_interval(1.0)


def test_perturbed_start_escape_slope_matches_the_discrete_rate_on_the_camel():
    # Chapter 4's claim, on a fixed draw: from starts uniform in a ball of radius 0.01 around the camel's saddle,
    # GD's escape steps grow like ln(1/|c|)/ln(1 + η|λ_min|), c = the start's component along the escape direction.
    cam = functions.get("six_hump_camel")
    lam, vecs = np.linalg.eigh(cam.hessian(np.zeros(2)))
    rng = np.random.default_rng(11)
    starts = np.array([optimizers.uniform_ball(rng, 2, 0.01) for _ in range(300)])
    steps = saddles.gd_escape_steps(cam, [0, 0], starts, lr=0.02, radius=0.3, max_steps=300)
    fit = saddles.fit_escape_times(starts @ vecs[:, 0], steps, 0.02, lam[0], radius=0.3)
    assert abs(fit.slope_theory - 1 / np.log1p(0.02 * np.sqrt(65))) < 1e-12
    lo, hi = fit.slope_interval(0.9999)
    assert lo < fit.slope_theory < hi and hi - lo < 0.05 * fit.slope_theory


# --- endpoints ------------------------------------------------------------------------------
def test_compare_at_saddle_on_the_six_hump_camel():
    cam = functions.get("six_hump_camel")
    runs = {"Newton": (optimizers.newton(), 1.0, 30), "GD": (optimizers.gd(), 0.02),
            "momentum": (optimizers.momentum(0.9), 0.02), "SFN": (optimizers.saddle_free_newton(), 1.0)}
    out = saddles.compare_at_saddle(cam, [0, 0], [0.05, 0.05], runs, steps=300)
    assert out["Newton"].endpoint.kind == "saddle" and not out["Newton"].escaped
    assert out["GD"].endpoint.kind == "global minimum"
    assert out["momentum"].escape_step < out["GD"].escape_step
    assert out["SFN"].escape_step <= 5 and out["SFN"].endpoint.kind in ("minimum", "global minimum")
    exact = saddles.compare_at_saddle(cam, [0, 0], [0.0, 0.0], {"GD": (optimizers.gd(), 0.02),
                                      "PGD": (optimizers.perturbed_gd(0.01), 0.02)}, steps=300, rng=0)
    assert exact["GD"].endpoint.kind == "saddle" and exact["PGD"].endpoint.kind == "global minimum"


def test_locate_endpoint_kinds():
    him = functions.get("himmelblau")
    maximum = [cp for cp in him.critical_points if cp.kind == "maximum"][0]
    traj = optimizers.run(him, optimizers.gd(), maximum.point + 1e-3, steps=0, lr=0.01)
    assert saddles.locate_endpoint(him, traj).kind == "maximum"
    far = optimizers.run(him, optimizers.gd(), [4.5, -4.5], steps=0, lr=0.01)
    assert saddles.locate_endpoint(him, far).kind == "moving"
    blown = optimizers.run(him, optimizers.gd(), [4.0, 4.0], steps=50, lr=1.0)
    assert saddles.locate_endpoint(him, blown).label == f"diverged at step {blown.diverged_at}"
    # No known critical points: classify the Hessian where the gradient vanishes.
    q = Quadratic(np.diag([1.0, -3.0]))
    at = optimizers.run(q, optimizers.gd(), [0.0, 0.0], steps=0, lr=0.1)
    assert saddles.locate_endpoint(q, at).kind == "saddle"


# --- momentum map ---------------------------------------------------------------------------
def test_momentum_map_agrees_with_the_run_loop():
    lam = np.array([0.05, 1.0])
    lrs, betas = np.array([0.3, 1.0, 2.5, 4.5]), np.array([0.0, 0.5, 0.9])
    mm = momentum.momentum_convergence_map(lam, lrs, betas, rtol=1e-6, max_steps=800)
    q = Quadratic(np.diag(lam))
    g0 = np.linalg.norm(q.grad(np.ones(2)))
    for i, b in enumerate(betas):
        for j, lr in enumerate(lrs):
            traj = optimizers.run(q, optimizers.momentum(b), np.ones(2), steps=800, lr=lr, tol=1e-6 * g0,
                                  explode_factor=1e10)
            if traj.converged_at is not None:
                assert mm.steps[i, j] == traj.converged_at
            else:
                assert np.isnan(mm.steps[i, j])
            assert mm.diverged[i, j] == (traj.diverged_at is not None or np.linalg.norm(traj.final_theta) > 1e6 * np.sqrt(2))


def test_momentum_rate_matches_companion_matrix_eigenvalues():
    rng = np.random.default_rng(0)
    lam = np.array([0.1, 0.7, 2.0])
    for _ in range(10):
        lr, b = rng.uniform(0.01, 1.5), rng.uniform(0, 0.99)
        dense = max(np.abs(np.linalg.eigvals(np.array([[1 + b - lr * l, -b], [1, 0]]))).max() for l in lam)
        assert abs(momentum.momentum_rate(lr, b, lam) - dense) < 1e-10


def test_optimal_momentum_minimises_the_rate():
    mu, L = 0.01, 1.0
    lr, beta, rate = momentum.optimal_momentum(mu, L)
    assert abs(momentum.momentum_rate(lr, beta, [mu, L]) - rate) < 1e-6
    grid = momentum.momentum_rate(*np.meshgrid(np.linspace(0.1, 3.9, 60), np.linspace(0, 0.95, 60)), [mu, L])
    assert rate <= grid.min() + 1e-9
    assert rate < (L / mu - 1) / (L / mu + 1)  # beats the best plain GD


def test_momentum_map_landmarks():
    mm = momentum.momentum_convergence_map([0.01, 1.0], np.linspace(0.05, 4.0, 40), np.linspace(0, 0.95, 20),
                                          max_steps=800)
    # divergence exactly beyond ηL = 2(1 + β) (plus a cell of slack where growth is too slow to see)
    lr_grid, beta_grid = np.meshgrid(mm.lrs, mm.betas)
    assert not mm.diverged[lr_grid < 2 * (1 + beta_grid) - 0.05].any()
    assert mm.diverged[lr_grid > 2 * (1 + beta_grid) + 0.2].all()
    lr_b, beta_b, steps_b = mm.best
    assert beta_b > 0.4 and steps_b < np.nanmin(mm.steps[0]) / 3
    with pytest.raises(ValueError, match="betas"):
        momentum.momentum_convergence_map([1.0], [0.1], [1.0])


# --- plateaus -------------------------------------------------------------------------------
def test_saddle_plateau_structure_and_length():
    obj = plateaus.SaddlePlateau(5)
    np.testing.assert_allclose(np.linalg.eigvalsh(obj.hessian(obj.saddle)), [-1, 1, 1, 1, 1], atol=1e-12)
    assert obj.loss(obj.saddle) == 0.25 and obj.loss(obj.escape_direction) == 0.0
    np.testing.assert_allclose(obj.loss_batch(np.stack([obj.saddle, obj.start(0.3)])),
                               [obj.loss(obj.saddle), obj.loss(obj.start(0.3))], rtol=1e-14)
    lengths = []
    for eps in (1e-3, 1e-6):
        traj = optimizers.run(obj, optimizers.gd(), obj.start(eps), steps=300, lr=0.1)
        lengths.append(plateaus.first_step_below(traj.losses, 0.125))
    # three more decades of ε cost ln(1e3)/ln(1.1) ≈ 72.5 more steps
    assert abs((lengths[1] - lengths[0]) - np.log(1e3) / np.log(1.1)) < 2


def test_first_step_below():
    assert plateaus.first_step_below([3.0, 2.0, 1.0], 1.5) == 2
    assert plateaus.first_step_below([3.0, 2.0], 0.5) is None


# --- deep linear networks -------------------------------------------------------------------
def test_saxe_closed_form_solves_its_ode():
    s, a0, tau = 2.0, 1e-3, 5.0
    t = np.linspace(0, 20, 2001)
    a = plateaus.saxe_mode_strength(t, s, a0, tau)
    da = np.gradient(a, t)
    np.testing.assert_allclose(tau * da[5:-5], (2 * a * (s - a))[5:-5], atol=2e-3)
    assert abs(plateaus.saxe_mode_strength(plateaus.saxe_half_time(s, a0, tau), s, a0, tau) - s / 2) < 1e-12


def test_balanced_scalar_network_follows_the_closed_form():
    # A 1-1-1 linear network started balanced (w1 = w2) is exactly one mode: GD with a small step tracks the ODE.
    from course_utils.models import MLP

    X = np.array([[1.0], [-1.0]])
    s, a0, lr = 1.5, 1e-4, 0.01
    model = MLP(X, X[:, 0] * s, hidden=(1,), activation="linear", bias=False)
    traj = optimizers.run(model, optimizers.gd(), np.full(2, np.sqrt(a0)), steps=1500, lr=lr)
    a = traj.thetas[:, 0] * traj.thetas[:, 1]
    t_half = np.flatnonzero(a >= s / 2)[0]
    assert abs(t_half - plateaus.saxe_half_time(s, a0, 1 / (2 * lr))) < 0.03 * t_half


def test_deep_linear_network_learns_modes_in_order():
    res = plateaus.deep_linear_experiment((3.0, 1.5, 0.75), lr=0.2, steps=200, rng=0)
    assert np.all(np.isfinite(res.learned_at))
    assert np.all(np.diff(res.learned_at) > 10)  # strongest first, well separated
    np.testing.assert_allclose(res.strengths[-1], res.singular_values, rtol=0.02)
    losses = res.trajectory.losses
    mid = ((res.learned_at[:-1] + res.learned_at[1:]) / 2).astype(int)
    for k, m in enumerate(mid, start=1):  # plateaus at the partially-learned saddles
        assert abs(losses[m] - res.plateau_loss(k)) < 0.15 * res.plateau_loss(k - 1)


def test_saxe_mode_strength_reaches_s_where_the_closed_form_overflows():
    from course_utils.plateaus import saxe_mode_strength

    t = np.array([0.0, 10.0, 1e4])  # at t = 1e4, e^{2st/τ} overflows and the formula would read inf/inf
    a = saxe_mode_strength(t, 2.0, 1e-3, 1.0)
    assert a[0] == pytest.approx(1e-3) and a[-1] == 2.0 and np.all(np.isfinite(a))
    assert saxe_mode_strength(1e4, 2.0, 1e-3, 1.0) == 2.0
    with pytest.raises(ValueError, match="`t`"):
        saxe_mode_strength(np.array([0.0, np.nan]), 2.0, 1e-3, 1.0)


def test_racer_key_names_a_missing_hyperparameter():
    from course_utils.race import racer_key

    assert racer_key("momentum", lr=0.01, beta=0.9, radius=0.1, newton_lr=1.0) == ("momentum", 0.01, 0.9)
    with pytest.raises(TypeError, match="`lr` is required"):
        racer_key("gd")
