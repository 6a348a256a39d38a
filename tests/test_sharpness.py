"""Sharpness measures against closed forms on quadratics; edge of stability; Dinh et al.'s rescaling."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import curvature, data, sharpness
from course_utils.models import MLP, Quadratic
from course_utils.optimizers import gd, run

EIGS = np.array([0.5, 1.0, 3.0, 7.0])
Q = Quadratic(np.diag(EIGS))


def test_keskar_sharpness_on_a_diagonal_quadratic_reaches_the_box_corner():
    eps = 0.01
    res = sharpness.keskar_sharpness(Q, np.zeros(4), eps, maxiter=10, rng=0)
    expected = 0.5 * eps**2 * EIGS.sum()          # max of ½ Σ a_i z_i² over |z_i| <= eps: a corner
    assert np.isclose(res.increase, expected, rtol=1e-8)
    assert np.isclose(res.value, 100 * expected)   # L(0) = 0: the ×100/(1+L) normalisation is ×100
    assert np.all(np.abs(res.perturbation) <= eps + 1e-15)


def test_keskar_box_is_relative_to_the_weights():
    theta = np.array([1.0, -3.0, 0.0, 2.0])
    b = np.diag(EIGS) @ theta                      # the minimum of ½θᵀAθ − bᵀθ sits at theta
    q = Quadratic(np.diag(EIGS), b)
    eps = 1e-3
    res = sharpness.keskar_sharpness(q, theta, eps, rng=1)
    half = eps * (np.abs(theta) + 1)
    assert np.isclose(res.increase, 0.5 * np.sum(EIGS * half**2), rtol=1e-8)
    assert np.isclose(res.value, 100 * res.increase / (1 + q.loss(theta)))


def test_random_directions_average_is_the_mean_curvature():
    r = 0.1
    res = sharpness.random_direction_sharpness(Q, np.zeros(4), r, n_directions=20000, rng=0)
    # E[uᵀAu] = tr A / P for u uniform on the sphere
    assert np.isclose(res.average, 0.5 * r**2 * EIGS.mean(), rtol=0.02)
    assert res.worst <= 0.5 * r**2 * EIGS.max() + 1e-15
    assert res.worst > res.average
    assert res.increases.shape == (20000,)


def test_random_directions_standard_error_has_its_coverage():
    # Off the minimum the increase is r gᵀu + ½r² uᵀAu exactly (a quadratic); its mean over the sphere is
    # ½r² tr A / P — the first-order term averages to zero but dominates the spread. A ±2 standard-error
    # interval around the average must cover that closed form in about 95 % of 400 independent draws.
    theta = np.array([1.0, -0.5, 0.3, 0.8])
    r = 0.1
    truth = 0.5 * r**2 * EIGS.mean()
    z = []
    for seed in range(400):
        res = sharpness.random_direction_sharpness(Q, theta, r, n_directions=100, rng=seed)
        z.append((res.average - truth) / res.stderr)
    coverage = np.mean(np.abs(z) < 2)
    assert 0.92 <= coverage <= 0.98                  # binomial s.d. of the coverage over 400 draws: 0.011
    assert np.isnan(sharpness.random_direction_sharpness(Q, theta, r, n_directions=1).stderr)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.01, 1.0))
def test_random_directions_never_beat_the_top_eigenvalue(seed, r):
    res = sharpness.random_direction_sharpness(Q, np.zeros(4), r, n_directions=50, rng=seed)
    assert 0.5 * r**2 * EIGS.min() - 1e-12 <= res.worst <= 0.5 * r**2 * EIGS.max() + 1e-12


def test_sam_sharpness_closed_form_off_the_minimum():
    theta = np.array([1.0, 0.5, -0.2, 0.1])
    rho = 0.05
    g = EIGS * theta
    u = g / np.linalg.norm(g)
    expected = rho * np.linalg.norm(g) + 0.5 * rho**2 * u @ (EIGS * u)   # exact for a quadratic
    assert np.isclose(sharpness.sam_sharpness(Q, theta, rho), expected, rtol=1e-10)


def test_sam_sharpness_is_zero_at_an_exact_minimum():
    assert sharpness.sam_sharpness(Q, np.zeros(4), 0.5) == 0.0


def test_hessian_trace_exact_and_hutchinson():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((30, 30))
    q = Quadratic(M @ M.T)
    tr, se = sharpness.hessian_trace(q, np.zeros(30), method="exact")
    assert np.isclose(tr, np.trace(M @ M.T)) and se == 0.0
    est, se = sharpness.hessian_trace(q, np.zeros(30), method="hutchinson", n_probes=400, rng=1)
    assert abs(est - np.trace(M @ M.T)) < 4 * se


def test_report_collects_every_measure():
    rep = sharpness.sharpness_report(Q, np.zeros(4), eps=1e-2, rho=0.1, n_directions=200, rng=0)
    assert np.isclose(rep.lambda_max, 7.0) and np.isclose(rep.trace, EIGS.sum())
    assert np.isclose(rep.keskar_increase, 0.5 * 1e-4 * EIGS.sum(), rtol=1e-8)
    assert rep.radius == rep.rho == 0.1
    assert rep.sam == 0.0 and rep.grad_norm == 0.0
    assert rep.average_random <= rep.worst_random <= 0.5 * 0.01 * 7.0 + 1e-15
    # the average estimates ½ρ² tr A / P; its standard error is the spread of the 200 increases over √200
    assert abs(rep.average_random - 0.5 * 0.01 * EIGS.mean()) < 4 * rep.average_random_stderr
    assert 0 < rep.average_random_stderr < rep.average_random
    assert set(rep.as_dict()) >= {"keskar", "sam", "lambda_max", "trace", "worst_random", "average_random"}


def test_gd_stability_threshold_is_exact_on_a_quadratic():
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    thr = sharpness.gd_stability_threshold(H)
    assert np.isclose(thr, 2 / np.linalg.eigvalsh(H).max())
    q = Quadratic(H)
    below = run(q, gd(), [1.0, 1.0], steps=400, lr=0.99 * thr)
    above = run(q, gd(), [1.0, 1.0], steps=400, lr=1.01 * thr)
    assert below.final_loss < 1e-3 * below.losses[0]      # |1 - ηλ| = 0.98: shrinks
    assert above.final_loss > 1e3 * above.losses[0]       # |1 - ηλ| = 1.02: grows
    assert sharpness.gd_stability_threshold(-np.eye(2)) == np.inf
    with pytest.raises(ValueError, match="hessian"):
        sharpness.gd_stability_threshold(np.ones(3))


def test_sharpness_during_training_on_a_quadratic_is_constant():
    tr = sharpness.sharpness_during_training(Q, np.ones(4), steps=20, lr=0.1, every=5)
    np.testing.assert_array_equal(tr.steps, [0, 5, 10, 15, 20])
    np.testing.assert_allclose(tr.lambda_max, 7.0)
    assert tr.threshold == 20.0
    assert tr.first_crossing(0.3) == 0 and tr.first_crossing(0.5) is None


def test_stable_gd_on_a_quadratic_stays_below_the_threshold():
    # the oracle: on ½θᵀAθ the sharpness is λ_max(A) = 7 at every step, and GD with η < 2/7 converges monotonically
    lr = 0.9 * 2 / 7.0
    tr = sharpness.sharpness_during_training(Q, np.ones(4), steps=200, lr=lr, every=3)
    assert tr.late_median() == pytest.approx(7.0, rel=1e-12)
    assert tr.late_median() < tr.threshold
    assert not tr.trajectory.diverged and np.all(np.diff(tr.trajectory.losses) <= 0)


def test_sharpness_during_training_at_several_step_sizes_equals_one_run_each():
    # the side-by-side form must give every step size the run and the sharpness it gets alone
    X, y = data.two_moons(40, noise=0.2, rng=0)
    net = MLP(X, 2.0 * y - 1.0, hidden=(6,), activation="tanh", loss="mse")
    theta0 = net.init(0, scale=0.5)
    lrs = (0.3, 0.5, 4.0)                                  # the last one diverges: its non-finite point is left out
    together = sharpness.sharpness_during_training_at(net, theta0, lrs, steps=40, every=7, rng=0)
    assert list(together) == list(lrs)
    for lr in lrs:
        alone = sharpness.sharpness_during_training(net, theta0, steps=40, lr=lr, every=7, rng=0)
        tr = together[lr]
        assert tr.lr == lr and tr.trajectory.diverged == alone.trajectory.diverged
        np.testing.assert_array_equal(tr.steps, alone.steps)
        np.testing.assert_array_equal(tr.trajectory.thetas, alone.trajectory.thetas)
        np.testing.assert_allclose(tr.lambda_max, alone.lambda_max, rtol=1e-8)
    assert together[4.0].trajectory.diverged and np.all(np.isfinite(together[4.0].lambda_max))


def test_sharpness_during_training_at_validates_the_step_sizes():
    for bad, error in ((0.1, TypeError), ("0.1", TypeError), ([], ValueError), ([0.1, 0.1], ValueError),
                       ([0.1, -1.0], ValueError)):
        with pytest.raises(error, match="lrs"):
            sharpness.sharpness_during_training_at(Q, np.ones(4), bad, steps=5)


def _trace(steps, values, lr=0.5):
    steps = np.asarray(steps)
    traj = run(Q, gd(), np.zeros(4), steps=int(steps[-1]), lr=0.1)   # any run: the helpers read steps and values
    return sharpness.SharpnessTrace(steps, np.asarray(values, dtype=float), traj, lr)


def test_late_median_is_the_median_of_the_last_part_of_the_run():
    steps = np.arange(0, 101, 10)                             # 0, 10, …, 100
    values = [9.0, 1.0, 1.0, 1.0, 1.0, 4.0, 3.0, 5.0, 100.0, 2.0, 6.0]
    tr = _trace(steps, values)
    np.testing.assert_array_equal(tr.late_phase(), steps >= 50)
    assert tr.late_median() == 4.5                            # median of 4, 3, 5, 100, 2, 6: the outlier does not pull
    assert tr.late_median(0.8) == 6.0                         # median of 100, 2, 6
    assert tr.late_median(0.0) == 3.0                         # the whole run
    assert tr.late_median(1.0) == 6.0                         # the last sample alone
    with pytest.raises(ValueError, match="start"):
        tr.late_phase(1.5)


def _quartic(batched):
    """L = Σ a_i θ_i⁴ / 12, Hessian diag(a_i θ_i²): λ_max = max_i a_i θ_i² in closed form."""
    import autograd.numpy as anp

    from course_utils.objective import Objective

    a = np.array([3.0, -1.0, 0.5, 2.0, 1.5, -4.0, 0.25, 1.0, 2.5, 0.75, -0.5, 1.25, 3.5, 0.1, 0.2, 0.3,
                  0.4, 0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3, 1.4])

    class Quartic(Objective):
        dim = a.size
        name = "quartic"
        _traceable_batch = batched

        def _loss(self, theta):
            return anp.sum(a * theta**4) / 12

        def _loss_batch(self, thetas):
            return anp.sum(a * thetas**4, axis=-1) / 12

    return Quartic(), a


def _forbid_fallback(monkeypatch):
    """Make the point-by-point ARPACK fallback raise: the batched Lanczos must converge on its own."""
    def refuse(*args, **kwargs):
        raise AssertionError("lambda_max_batch fell back to ARPACK")

    monkeypatch.setattr(curvature, "lambda_max", refuse)


@pytest.mark.parametrize("batched", [True, False])
def test_lambda_max_batch_matches_the_closed_form(batched, monkeypatch):
    obj, a = _quartic(batched)
    if batched:
        _forbid_fallback(monkeypatch)      # the batched path alone; unbatched objectives go point by point
    thetas = np.random.default_rng(3).normal(size=(37, a.size))
    expected = np.max(a * thetas**2, axis=1)
    np.testing.assert_allclose(sharpness.lambda_max_batch(obj, thetas, rng=1, chunk=8), expected, rtol=1e-9)


def test_lambda_max_batch_matches_dense_hessians_along_an_mlp_run(monkeypatch):
    X, y = data.two_moons(60, noise=0.2, rng=0)
    net = MLP(X, y.astype(float), hidden=(8,), activation="tanh", loss="mse", weight_decay=1e-3)
    thetas = run(net, gd(), net.init(0), steps=60, lr=0.5).thetas[::6]
    dense = np.array([np.linalg.eigvalsh(net.hessian(t))[-1] for t in thetas])   # autograd's full Hessian
    _forbid_fallback(monkeypatch)
    # 20 steps of 33 possible: the values must come from the residual test stopping early, not from a full Krylov space
    np.testing.assert_allclose(sharpness.lambda_max_batch(net, thetas, rng=0, max_steps=20), dense, rtol=1e-9)


def test_lambda_max_batch_handles_negative_repeated_and_zero_spectra(monkeypatch):
    _forbid_fallback(monkeypatch)
    neg = Quadratic(np.diag([-5.0, -3.0, -1.0, -2.0]))      # top eigenvalue negative: a padded 0 would be wrong
    np.testing.assert_allclose(sharpness.lambda_max_batch(neg, np.ones((3, 4))), -1.0, rtol=1e-12)
    flat = Quadratic(2.0 * np.eye(30))                       # Krylov space of dimension 1: breakdown at step 1
    np.testing.assert_allclose(sharpness.lambda_max_batch(flat, np.ones((2, 30))), 2.0, rtol=1e-12)
    zero = Quadratic(np.zeros((5, 5)))
    np.testing.assert_array_equal(sharpness.lambda_max_batch(zero, np.ones((2, 5))), 0.0)
    assert sharpness.lambda_max_batch(Q, np.zeros((0, 4))).shape == (0,)


def test_lambda_max_batch_falls_back_to_arpack_when_lanczos_is_cut_short(monkeypatch):
    M = np.random.default_rng(0).standard_normal((40, 40))
    q = Quadratic(M @ M.T)
    calls = []
    real = curvature.lambda_max
    monkeypatch.setattr(curvature, "lambda_max", lambda *a, **k: calls.append(1) or real(*a, **k))
    out = sharpness.lambda_max_batch(q, np.zeros((3, 40)), max_steps=2)   # two steps cannot converge
    np.testing.assert_allclose(out, np.linalg.eigvalsh(M @ M.T)[-1], rtol=1e-10)
    assert len(calls) == 3


def test_lambda_max_batch_validates():
    with pytest.raises(ValueError, match="thetas"):
        sharpness.lambda_max_batch(Q, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="tol"):
        sharpness.lambda_max_batch(Q, np.zeros((2, 4)), tol=0.0)
    with pytest.raises(ValueError, match="max_steps"):
        sharpness.lambda_max_batch(Q, np.zeros((2, 4)), max_steps=0)


def _relu_mlp():
    X, y = data.two_moons(40, noise=0.2, rng=0)
    return MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")


def test_rescaling_keeps_the_function_and_changes_the_curvature():
    model = _relu_mlp()
    theta = run(model, gd(), model.init(0, scheme="he"), steps=50, lr=0.5).final_theta
    scaled = sharpness.rescale_relu_network(model, theta, 4.0)
    np.testing.assert_allclose(model.predict(scaled), model.predict(theta), rtol=1e-12, atol=1e-14)
    assert np.isclose(model.loss(scaled), model.loss(theta), rtol=1e-12)
    lam1, lam4 = curvature.lambda_max(model, theta), curvature.lambda_max(model, scaled)
    assert abs(lam4 - lam1) > 0.2 * lam1
    (W1, b1), (W2, b2) = model.unflatten(scaled)
    (V1, c1), (V2, c2) = model.unflatten(theta)
    np.testing.assert_allclose(W1, 4 * V1)
    np.testing.assert_allclose(b1, 4 * c1)
    np.testing.assert_allclose(W2, V2 / 4)
    np.testing.assert_allclose(b2, c2)
    # rescaling back recovers the original
    np.testing.assert_allclose(sharpness.rescale_relu_network(model, scaled, 0.25), theta, rtol=1e-12)


def test_rescaling_rejects_what_it_cannot_rescale():
    X, y = data.two_moons(20, rng=0)
    with pytest.raises(ValueError, match="ReLU"):
        sharpness.rescale_relu_network(MLP(X, y, activation="tanh"), np.zeros(MLP(X, y).dim), 2.0)
    model = _relu_mlp()
    with pytest.raises(ValueError, match="alpha"):
        sharpness.rescale_relu_network(model, model.init(0), 0.0)
    with pytest.raises(TypeError, match="MLP"):
        sharpness.rescale_relu_network(Q, np.zeros(4), 2.0)


@pytest.mark.parametrize("dim", [1, 2])
def test_sharp_flat_landscape_closed_forms(dim):
    L = sharpness.SharpFlatLandscape(dim=dim)
    assert L.loss(L.sharp_minimum) == 0.0 and L.loss(L.flat_minimum) == 0.0
    np.testing.assert_allclose(L.grad(L.sharp_minimum), 0, atol=1e-14)
    np.testing.assert_allclose(L.grad(L.flat_minimum), 0, atol=1e-14)
    sharp, flat = L.curvatures()
    np.testing.assert_allclose(np.linalg.eigvalsh(L.hessian(L.sharp_minimum)), sharp, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.eigvalsh(L.hessian(L.flat_minimum)), flat, rtol=1e-10)
    assert sharp > 10 * flat
    pts = np.random.default_rng(0).normal(size=(7, dim))
    np.testing.assert_allclose(L.loss_batch(pts), [L.loss(p) for p in pts], rtol=1e-12)
    assert L.basin(L.sharp_minimum) == "sharp" and L.basin(L.flat_minimum) == "flat"
    assert L.basin(np.full(dim, 5.0)) == "neither"


def test_sharp_flat_landscape_validates():
    with pytest.raises(ValueError, match="sharp_width"):
        sharpness.SharpFlatLandscape(sharp_width=2.0, flat_width=1.0)
    with pytest.raises(ValueError, match="dim"):
        sharpness.SharpFlatLandscape(dim=3)


def test_measures_validate_their_arguments():
    with pytest.raises(ValueError, match="eps"):
        sharpness.keskar_sharpness(Q, np.zeros(4), -1.0)
    with pytest.raises(ValueError, match="radius"):
        sharpness.random_direction_sharpness(Q, np.zeros(4), 0.0)
    with pytest.raises(ValueError, match="theta"):
        sharpness.sam_sharpness(Q, np.zeros(3))
    with pytest.raises(TypeError, match="objective"):
        sharpness.sharpness_report("loss", np.zeros(4))
    with pytest.raises(ValueError, match="method"):
        sharpness.hessian_trace(Q, np.zeros(4), method="magic")
