"""Tests of course_utils.convexity against closed forms, dense references and the optimizers module."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import basins, functions, jensen, models, optimizers
from course_utils import convexity as cv
from course_utils.objective import FunctionObjective

finite = st.floats(-5, 5, allow_nan=False)


# --------------------------------------------------------------------------------------------
# chord
# --------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(finite, finite, st.floats(0, 1))
def test_chord_gap_of_square_is_minus_t_one_minus_t_distance_squared(x, y, t):
    # (tx + (1-t)y)^2 - (t x^2 + (1-t) y^2) = -t(1-t)(x-y)^2
    c = cv.chord(lambda u: u**2, x, y, t)
    assert c.gap == pytest.approx(-t * (1 - t) * (x - y) ** 2, abs=1e-9)
    assert not c.violated
    assert c.z[0] == pytest.approx(t * x + (1 - t) * y)


def test_chord_on_concave_function_is_violated_and_says_so():
    c = cv.chord(np.sin, 0.5, 2.5, 0.5)  # sin is concave on [0, pi]
    assert c.violated and c.gap > 0
    assert "not convex" in c.message


def test_chord_on_objective_in_n_dimensions():
    q = models.Quadratic(np.diag([1.0, -1.0]))
    c = cv.chord(q, [0.0, -1.0], [0.0, 1.0], 0.5)  # along y the quadratic is -y^2/2: concave
    assert c.violated
    assert c.gap == pytest.approx(0.5)


def test_chord_rejects_bad_t_and_mismatched_points():
    with pytest.raises(ValueError, match="`t`"):
        cv.chord(np.exp, 0.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="coordinate"):
        cv.chord(models.Quadratic(np.eye(2)), [0.0, 1.0, 2.0], [1.0, 2.0, 3.0], 0.5)


# --------------------------------------------------------------------------------------------
# chord_test
# --------------------------------------------------------------------------------------------
CONVEX_1D = {
    "x^2": lambda x: x**2,
    "|x|": np.abs,
    "exp": np.exp,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "x^4": lambda x: x**4,
}
NONCONVEX_1D = {
    "x^4 - x^2": lambda x: x**4 - x**2,
    "sin": np.sin,
    "-x^2": lambda x: -(x**2),
    "sqrt|x|": lambda x: np.sqrt(np.abs(x)),
}


@pytest.mark.parametrize("name", CONVEX_1D)
def test_chord_test_finds_no_violation_for_convex_functions(name):
    result = cv.chord_test(CONVEX_1D[name], np.linspace(-3, 3, 41))
    assert not result.violated
    assert result.witness is None
    assert result.max_gap <= 0
    assert "no violation" in result.message


@pytest.mark.parametrize("name", NONCONVEX_1D)
def test_chord_test_witness_really_violates_the_inequality(name):
    f = NONCONVEX_1D[name]
    result = cv.chord_test(f, np.linspace(-3, 3, 41))
    assert result.violated and result.n_violations > 0
    x, y, t = result.witness
    x, y = float(x[0]), float(y[0])
    # recompute independently of the module
    assert f(t * x + (1 - t) * y) > t * f(x) + (1 - t) * f(y) + 1e-9
    assert "not convex" in result.message


def test_worst_witness_is_the_largest_gap_among_all_pairs():
    f = NONCONVEX_1D["x^4 - x^2"]
    pts = np.linspace(-1.5, 1.5, 13)
    result = cv.chord_test(f, pts, n_t=3)
    ts = np.array([0.25, 0.5, 0.75])
    best = max(f(t * a + (1 - t) * b) - t * f(a) - (1 - t) * f(b) for a in pts for b in pts for t in ts)
    assert result.max_gap == pytest.approx(best, rel=1e-12)
    assert result.n_segments == 13 * 12 // 2  # all pairs when there are few


def test_non_vectorized_lambda_gives_the_same_answer_as_vectorized():
    pts = np.linspace(-2, 2, 21)
    vec = cv.chord_test(lambda x: np.maximum(x, 0.0) ** 3 - x, pts)
    loop = cv.chord_test(lambda x: max(x, 0.0) ** 3 - x, pts)  # raises on arrays: point by point
    assert vec.max_gap == pytest.approx(loop.max_gap, rel=1e-12)
    assert vec.violated == loop.violated
    assert cv.chord_test(math.exp, pts).max_gap == pytest.approx(cv.chord_test(np.exp, pts).max_gap, rel=1e-12)


def test_points_outside_the_domain_are_skipped_not_counted_as_violations():
    for f in (lambda x: -np.log(x), lambda x: -math.log(x)):
        result = cv.chord_test(f, np.linspace(-1, 3, 41))
        assert result.n_skipped > 0
        assert not result.violated


def test_chord_test_random_pairs_are_reproducible_and_bounded():
    pts = np.linspace(-3, 3, 200)
    a = cv.chord_test(np.sin, pts, n_segments=50, rng=3)
    b = cv.chord_test(np.sin, pts, n_segments=50, rng=3)
    assert a.n_segments == 50 and a.max_gap == b.max_gap
    assert np.array_equal(a.worst.x, b.worst.x)
    assert not np.array_equal(a.worst.x, a.worst.y)  # never a degenerate segment


def test_chord_test_on_objectives():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(40, 3))
    psd = models.Quadratic(np.diag([0.0, 1.0, 3.0]))
    indefinite = models.Quadratic(np.diag([1.0, -0.1, 3.0]))
    assert not cv.chord_test(psd, pts).violated
    result = cv.chord_test(indefinite, pts)
    assert result.violated
    x, y, t = result.witness
    assert indefinite.loss(t * x + (1 - t) * y) > t * indefinite.loss(x) + (1 - t) * indefinite.loss(y)


def test_logistic_regression_cross_entropy_convex_mse_not():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)
    pts = rng.normal(scale=4.0, size=(50, 3))
    assert not cv.chord_test(models.LogisticRegression(X, y), pts).violated
    assert cv.chord_test(models.LogisticRegression(X, y, loss="mse"), pts).violated


def test_chord_test_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        cv.chord_test(np.exp, [1.0])
    with pytest.raises(TypeError, match="`f`"):
        cv.chord_test(3.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="n_t"):
        cv.chord_test(np.exp, [1.0, 2.0], n_t=0)


# --------------------------------------------------------------------------------------------
# Hessian tests
# --------------------------------------------------------------------------------------------
def _dense_min_eigs(obj, pts):
    return np.array([np.linalg.eigvalsh(obj.hessian(p))[0] for p in pts])


def test_batched_min_eigenvalues_match_dense_hessians():
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1.5, 1.5, size=(25, 2))
    for obj in (functions.get("wobbly", amplitude=0.7), functions.get("rosenbrock"), functions.get("himmelblau")):
        np.testing.assert_allclose(cv.hessian_min_eigenvalues(obj, pts), _dense_min_eigs(obj, pts),
                                   rtol=1e-9, atol=1e-9)


def test_min_eigenvalues_for_an_mlp_and_a_non_batched_objective():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    mlp = models.MLP(X, y, hidden=(3,))
    thetas = np.stack([mlp.init(rng) for _ in range(3)])
    np.testing.assert_allclose(cv.hessian_min_eigenvalues(mlp, thetas), _dense_min_eigs(mlp, thetas), atol=1e-9)
    looped = FunctionObjective(lambda t: t[0] ** 2 * t[1] + t[1] ** 4, 2)  # default looping _loss_batch
    pts = rng.normal(size=(5, 2))
    np.testing.assert_allclose(cv.hessian_min_eigenvalues(looped, pts), _dense_min_eigs(looped, pts), atol=1e-9)


def test_hessian_map_of_bowl_is_psd_and_of_saddle_is_negative():
    bowl = functions.get("bowl", condition=4.0)
    hm = cv.hessian_eigenvalue_map(bowl, ((-1, 1), (-2, 2)), resolution=11)
    assert hm.min_eigenvalue.shape == (11, 11)
    np.testing.assert_allclose(hm.min_eigenvalue, 1.0)  # Hessian diag(1, 4) everywhere
    assert not hm.negative.any() and "PSD" in hm.message
    saddle = cv.hessian_eigenvalue_map(models.Quadratic(np.diag([10.0, -2.0])), ((-1, 1), (-1, 1)), 5)
    np.testing.assert_allclose(saddle.min_eigenvalue, -2.0)
    assert saddle.fraction_negative == 1.0


def test_hessian_map_orientation_rows_are_y():
    # f = x^2 + y^4/12 - ...: lambda_min = min(2, y^2) depends on y only
    obj = FunctionObjective(lambda t: t[..., 0] ** 2 + t[..., 1] ** 4 / 12, 2, batched=True)
    hm = cv.hessian_eigenvalue_map(obj, ((-1, 1), (0, 1)), resolution=6)
    np.testing.assert_allclose(hm.min_eigenvalue, np.minimum(2.0, hm.ys**2)[:, None] * np.ones((1, 6)), atol=1e-12)


def test_hessian_map_rejects_bad_bounds():
    with pytest.raises(ValueError, match="bounds"):
        cv.hessian_eigenvalue_map(functions.get("bowl"), ((1, -1), (0, 1)))


# --------------------------------------------------------------------------------------------
# Jensen
# --------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=8), st.integers(0, 1000))
def test_jensen_gap_of_square_is_the_variance(values, seed):
    probs = np.random.default_rng(seed).uniform(0.1, 1.0, len(values))
    d = jensen.discrete(values, probs)
    gap = jensen.jensen_gap(lambda x: x**2, d)
    p = probs / probs.sum()
    mean = p @ np.array(values)
    assert gap.method == "exact" and gap.stderr == 0
    assert gap.gap == pytest.approx(p @ (np.array(values) - mean) ** 2, abs=1e-9)
    assert gap.gap >= -1e-9


def test_jensen_gap_of_exp_under_gaussian_closed_form():
    mu, s = 0.3, 0.8
    exact = math.exp(mu + s**2 / 2) - math.exp(mu)  # log-normal mean
    quad = jensen.jensen_gap(np.exp, jensen.gaussian(mu, s), method="quadrature")
    assert quad.gap == pytest.approx(exact, rel=1e-10)
    mc = jensen.jensen_gap(np.exp, jensen.gaussian(mu, s), n=20_000, rng=0)
    assert mc.method == "monte_carlo" and mc.stderr > 0
    assert abs(mc.gap - exact) < 4 * mc.stderr
    assert "±" in mc.message


def test_jensen_gap_uniform_and_concave_log_amgm():
    u = jensen.jensen_gap(lambda x: x**2, jensen.uniform(1.0, 4.0), method="quadrature")
    assert u.gap == pytest.approx(9 / 12, rel=1e-12)
    values = np.array([1.0, 4.0, 16.0])
    g = jensen.jensen_gap(np.log, jensen.discrete(values))
    assert g.gap < 0  # concave: E[log X] <= log E[X]
    am, gm = values.mean(), np.prod(values) ** (1 / 3)
    assert -g.gap == pytest.approx(math.log(am / gm), rel=1e-12)  # AM-GM as Jensen for log


def test_jensen_monte_carlo_is_reproducible_and_vector_valued_discrete():
    a = jensen.jensen_gap(np.abs, jensen.uniform(-1, 2), rng=5)
    b = jensen.jensen_gap(np.abs, jensen.uniform(-1, 2), rng=5)
    assert a.gap == b.gap
    q = models.Quadratic(np.diag([2.0, 4.0]))  # f = x^2 + 2 y^2; gap = Var x + 2 Var y
    pts = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    assert jensen.jensen_gap(q, jensen.discrete(pts)).gap == pytest.approx(1.0 + 2.0)


def test_distribution_moments_and_validation():
    assert jensen.gaussian(1.0, 2.0).std == 2.0
    assert jensen.uniform(0.0, 6.0).std == pytest.approx(6 / math.sqrt(12))
    assert jensen.discrete([0.0, 1.0], [1.0, 3.0]).mean == pytest.approx(0.75)
    samples = jensen.gaussian(1.0, 2.0).sample(50_000, rng=0)
    assert abs(samples.mean() - 1.0) < 0.05 and abs(samples.std() - 2.0) < 0.05
    with pytest.raises(ValueError, match="std"):
        jensen.gaussian(0.0, -1.0)
    with pytest.raises(ValueError, match="high"):
        jensen.uniform(2.0, 1.0)
    with pytest.raises(ValueError, match="probabilities"):
        jensen.discrete([0.0, 1.0], [-1.0, 2.0])
    with pytest.raises(ValueError, match="exact"):
        jensen.jensen_gap(np.exp, jensen.gaussian(0, 1), method="exact")
    with pytest.raises(TypeError, match="distribution"):
        jensen.jensen_gap(np.exp, [1.0, 2.0])


# --------------------------------------------------------------------------------------------
# Quadratic constants
# --------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 5), st.floats(1, 200), st.floats(0, math.pi))
def test_constants_of_rotated_quadratic(mu, kappa, angle):
    L = mu * kappa
    q = models.Quadratic.from_eigenvalues([mu, L], angle=angle)
    c = cv.quadratic_constants(q.A)
    assert c.mu == pytest.approx(mu) and c.L == pytest.approx(L) and c.kappa == pytest.approx(kappa, rel=1e-8)
    assert c.best_step == pytest.approx(2 / (mu + L))
    assert c.rate == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-9)
    # the best step is optimal: no step on a fine grid contracts faster
    grid = np.linspace(1e-4, 2 / L, 400)
    assert c.rate <= min(cv.gd_contraction_factor(c.eigenvalues, s) for s in grid) + 1e-9


def test_rate_predicts_gradient_descent_and_two_over_L_is_the_edge():
    q = models.Quadratic.from_eigenvalues([1.0, 10.0], angle=0.4)
    c = cv.quadratic_constants(q)
    traj = optimizers.run(q, optimizers.gd(), [1.0, 1.0], steps=40, lr=c.best_step)
    dist = np.linalg.norm(traj.thetas, axis=1)
    assert np.all(dist[1:] <= c.rate * dist[:-1] * (1 + 1e-9))
    assert optimizers.run(q, optimizers.gd(), [1.0, 1.0], steps=300, lr=0.99 * c.max_stable_step).final_loss < 1e-3
    assert optimizers.run(q, optimizers.gd(), [1.0, 1.0], steps=600, lr=1.01 * c.max_stable_step).diverged


def test_constants_of_degenerate_and_indefinite_hessians():
    flat = cv.quadratic_constants(np.diag([0.0, 2.0]))
    assert flat.psd and not flat.strongly_convex and flat.kappa == math.inf and flat.rate == pytest.approx(1.0)
    bad = cv.quadratic_constants([[1.0, 0.0], [0.0, -0.5]])
    assert not bad.psd and bad.rate > 1
    eig = cv.quadratic_constants(np.array([3.0, 1.0]))  # eigenvalues given directly
    assert eig.kappa == pytest.approx(3.0)
    with pytest.raises(ValueError, match="symmetric"):
        cv.quadratic_constants([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        cv.quadratic_constants(np.ones((2, 3)))
    with pytest.raises(ValueError, match="lr"):
        cv.gd_contraction_factor([1.0, 2.0], 0.0)


# --------------------------------------------------------------------------------------------
# Batched gradient descent and basin maps
# --------------------------------------------------------------------------------------------
def test_batched_gradient_descent_matches_optimizers_run():
    obj = functions.get("wobbly", amplitude=0.6)
    starts = np.random.default_rng(0).uniform(-1.5, 1.5, size=(6, 2))
    batch = basins.gradient_descent_batch(obj, starts, lr=0.01, steps=120)
    for s, final in zip(starts, batch.finals):
        ref = optimizers.run(obj, optimizers.gd(), s, steps=120, lr=0.01).final_theta
        np.testing.assert_allclose(final, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(batch.final_losses, obj.loss_batch(batch.finals))


def test_batched_gradient_descent_marks_divergence():
    bowl = functions.get("bowl", condition=10.0)  # L = 10: lr 0.3 > 2/L diverges
    out = basins.gradient_descent_batch(bowl, [[1.0, 1.0], [1.0, 0.0]], lr=0.3, steps=200)
    assert out.diverged.tolist() == [True, False]
    assert np.all(np.isfinite(out.finals))


def test_basin_map_bowl_has_one_minimum_wobbly_several():
    bounds = ((-1.5, 1.5), (-1.5, 1.5))
    bowl = basins.basin_map(functions.get("bowl"), bounds, 15, lr=0.02, steps=800)
    assert bowl.n_minima == 1 and bowl.n_unconverged == 0
    np.testing.assert_allclose(bowl.minima[0], 0.0, atol=1e-4)
    wob_obj = functions.get("wobbly", amplitude=0.5)
    wob = basins.basin_map(wob_obj, bounds, 21, lr=0.02, steps=600)
    assert wob.n_minima > 1
    assert np.all(np.diff(wob.minima_losses) >= 0)  # label 0 is the lowest
    assert wob.counts.sum() + wob.n_unconverged == 21 * 21
    for m in wob.minima:  # every end point is a local minimum: zero gradient, PSD Hessian
        assert np.linalg.norm(wob_obj.grad(m)) < 1e-4
        assert np.linalg.eigvalsh(wob_obj.hessian(m))[0] > 0
    np.testing.assert_allclose(wob.minima[0], 0.0, atol=1e-4)  # the global minimum
    # labels point at the minimum the start actually reached
    i, j = 3, 17
    reached = wob.descent.finals[i * 21 + j]
    assert np.linalg.norm(reached - wob.minima[wob.labels[i, j]]) < 0.05


def test_basin_map_validation():
    with pytest.raises(TypeError, match="2-D"):
        basins.basin_map(models.Quadratic(np.eye(3)), ((-1, 1), (-1, 1)))
    with pytest.raises(ValueError, match="lr"):
        basins.basin_map(functions.get("bowl"), ((-1, 1), (-1, 1)), lr=-1.0)
