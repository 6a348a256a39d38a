"""Tests for course_utils.optimizers: rates, divergence, schedules, hand-computed steps, the run loop."""

from __future__ import annotations

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest

from course_utils import optimizers as O
from course_utils.objective import FunctionObjective


def rotated_quadratic(eigs, angle=0.4):
    r"""½θᵀAθ with A = R diag(eigs) Rᵀ (R a rotation by ``angle``); returns (objective, A, R)."""
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag(eigs) @ R.T
    obj = FunctionObjective(lambda t: 0.5 * anp.dot(t, anp.dot(A, t)), 2, name="quadratic")
    return obj, A, R


@pytest.mark.parametrize("lr", [0.05, 0.15, 0.19])
def test_gd_converges_at_the_theoretical_rate(lr):
    eigs = np.array([1.0, 10.0])
    obj, A, R = rotated_quadratic(eigs)
    rho = np.abs(1 - lr * eigs).max()
    theta0 = R @ np.array([1.0, 1.0])  # both eigen-directions excited
    traj = O.run(obj, O.gd(), theta0, steps=60, lr=lr)
    assert traj.steps == 60 and traj.diverged_at is None and traj.converged_at is None
    # closed form: in the eigenbasis each coordinate is multiplied by (1 - ηλ_i) per step
    t = np.arange(61)[:, None]
    np.testing.assert_allclose(traj.thetas @ R, (1 - lr * eigs) ** t, rtol=1e-9, atol=1e-15)
    # the measured per-step contraction never exceeds max|1 - ηλ| and approaches it
    ratios = np.linalg.norm(traj.thetas[1:], axis=1) / np.linalg.norm(traj.thetas[:-1], axis=1)
    assert np.all(ratios <= rho + 1e-12)
    assert ratios[-1] == pytest.approx(rho, rel=1e-6)
    loss_ratios = traj.losses[1:] / traj.losses[:-1]
    assert np.all(loss_ratios <= rho**2 + 1e-12)
    assert loss_ratios[-1] == pytest.approx(rho**2, rel=1e-6)
    np.testing.assert_allclose(traj.grad_norms, np.linalg.norm(traj.thetas @ A, axis=1), rtol=1e-12)
    np.testing.assert_allclose(traj.lrs, lr)


def test_gd_diverges_above_two_over_lambda_max_without_warnings():
    eigs = np.array([1.0, 10.0])
    obj, A, R = rotated_quadratic(eigs)
    lr = 2.2 / eigs.max()  # |1 - ηλ_max| = 1.2
    theta0 = R @ np.array([0.0, 1.0])  # along the stiff direction: L_t = 5 · 1.44^t exactly
    loss0 = 5.0
    expected = next(t for t in range(1, 1000) if loss0 * 1.44**t > 1e8 * loss0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = O.run(obj, O.gd(), theta0, steps=500, lr=lr)
    assert traj.diverged and traj.diverged_at == expected
    assert traj.steps == expected and len(traj.thetas) == expected + 1
    assert traj.message == f"GD: diverged at step {expected}"
    # just below the threshold it converges
    assert not O.run(obj, O.gd(), theta0, steps=500, lr=1.9 / eigs.max()).diverged


def test_overflow_to_inf_is_reported_as_divergence():
    obj = FunctionObjective(lambda t: anp.sum(t**4), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = O.run(obj, O.gd(), np.array([1.0, -1.0]), steps=50, lr=10.0, explode_factor=1e300)
    assert traj.diverged_at is not None and traj.diverged_at < 10
    assert not np.isfinite(traj.final_loss) or traj.final_loss > 1e300
    assert np.isnan(traj.grad_norms[-1])


def test_tol_stops_at_the_predicted_step():
    obj, A, R = rotated_quadratic(np.array([1.0, 4.0]), angle=0.0)
    lr, tol = 0.1, 1e-3
    traj = O.run(obj, O.gd(), np.array([1.0, 1.0]), steps=1000, lr=lr, tol=tol)
    # gradient after t steps: (0.9^t, 4 · 0.6^t)
    norms = [math.hypot(0.9**t, 4 * 0.6**t) for t in range(1000)]
    expected = next(t for t, g in enumerate(norms) if g < tol)
    assert traj.converged_at == expected and traj.grad_norms[-1] < tol <= traj.grad_norms[-2]
    assert traj.message.startswith(f"GD: converged at step {expected}")


def test_record_every_keeps_the_final_point():
    obj, _, _ = rotated_quadratic(np.array([1.0, 2.0]))
    full = O.run(obj, O.gd(), np.array([1.0, 1.0]), steps=10, lr=0.1)
    sparse = O.run(obj, O.gd(), np.array([1.0, 1.0]), steps=10, lr=0.1, record_every=3)
    np.testing.assert_array_equal(sparse.thetas, full.thetas[[0, 3, 6, 9, 10]])
    np.testing.assert_array_equal(sparse.losses, full.losses[[0, 3, 6, 9, 10]])
    assert len(sparse.lrs) == 10


# ------------------------------------------------------------------------------------------------
# Hand-computed first two steps on f = ½(x² + 4y²) from (1, 1): g(θ) = (x, 4y)
# ------------------------------------------------------------------------------------------------
BOWL = FunctionObjective(lambda t: 0.5 * (t[0] ** 2 + 4 * t[1] ** 2), 2)
START = np.array([1.0, 1.0])


def two_steps(opt, lr=0.1):
    return O.run(BOWL, opt, START, steps=2, lr=lr).thetas


def test_momentum_first_two_steps():
    # v1 = g0 = (1, 4); θ1 = (0.9, 0.6); g1 = (0.9, 2.4); v2 = 0.9·(1, 4) + g1 = (1.8, 6.0); θ2 = θ1 − 0.1 v2
    np.testing.assert_allclose(two_steps(O.momentum(0.9)), [[1, 1], [0.9, 0.6], [0.72, 0.0]], atol=1e-15)


def test_nesterov_first_two_steps():
    # v1 = (1, 4); θ1 = θ0 − 0.1·(g0 + 0.9 v1) = (0.81, 0.24); g1 = (0.81, 0.96)
    # v2 = 0.9 v1 + g1 = (1.71, 4.56); θ2 = θ1 − 0.1·(g1 + 0.9 v2) = (0.5751, −0.2664)
    np.testing.assert_allclose(two_steps(O.nesterov(0.9)), [[1, 1], [0.81, 0.24], [0.5751, -0.2664]], atol=1e-14)


def test_adam_first_two_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    g0 = np.array([1.0, 4.0])
    # step 1: m̂ = g0, v̂ = g0², so the step is −η g0/(|g0| + ε) ≈ −η sign(g0)
    theta1 = START - lr * g0 / (np.abs(g0) + eps)
    g1 = np.array([theta1[0], 4 * theta1[1]])
    m = b1 * (1 - b1) * g0 + (1 - b1) * g1
    v = b2 * (1 - b2) * g0**2 + (1 - b2) * g1**2
    theta2 = theta1 - lr * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    got = two_steps(O.adam(b1, b2, eps), lr)
    np.testing.assert_allclose(got[1], [0.9, 0.9], atol=1e-8)
    np.testing.assert_allclose(got, [START, theta1, theta2], rtol=1e-13)


def test_adagrad_and_rmsprop_first_step():
    np.testing.assert_allclose(two_steps(O.adagrad())[1], [0.9, 0.9], atol=1e-8)
    # RMSProp: s = 0.1 g², step = −η g/(√0.1 |g|) = −η/√0.1 · sign(g)
    np.testing.assert_allclose(two_steps(O.rmsprop(0.9))[1], 1 - 0.1 / math.sqrt(0.1), atol=1e-8)


def test_sgd_is_gd_and_gd_step_is_minus_lr_grad():
    np.testing.assert_allclose(two_steps(O.gd()), [[1, 1], [0.9, 0.6], [0.81, 0.36]], atol=1e-15)
    np.testing.assert_array_equal(two_steps(O.sgd()), two_steps(O.gd()))
    assert O.sgd().name == "SGD"


def test_newton_solves_a_quadratic_in_one_step():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    obj = FunctionObjective(lambda t: 0.5 * anp.dot(t, anp.dot(A, t)) - anp.dot(b, t), 2)
    traj = O.run(obj, O.newton(), np.array([5.0, -7.0]), steps=1, lr=1.0)
    np.testing.assert_allclose(traj.final_theta, np.linalg.solve(A, b), atol=1e-12)
    assert traj.grad_norms[-1] < 1e-12
    # damping λ: θ1 = θ0 − (A + λI)⁻¹ ∇L(θ0)
    theta0 = np.array([5.0, -7.0])
    damped = O.run(obj, O.newton(damping=2.0), theta0, steps=1, lr=1.0)
    expected = theta0 - np.linalg.solve(A + 2 * np.eye(2), A @ theta0 - b)
    np.testing.assert_allclose(damped.final_theta, expected, atol=1e-12)


def test_newton_is_attracted_to_a_saddle():
    # 5x² − y²: the Newton step lands exactly on the saddle at the origin
    obj = FunctionObjective(lambda t: 5 * t[0] ** 2 - t[1] ** 2, 2)
    traj = O.run(obj, O.newton(), np.array([0.3, -0.4]), steps=1, lr=1.0)
    np.testing.assert_allclose(traj.final_theta, [0.0, 0.0], atol=1e-15)


# ------------------------------------------------------------------------------------------------
# Schedules
# ------------------------------------------------------------------------------------------------
def test_schedules_closed_forms():
    t = np.arange(0, 25)
    np.testing.assert_allclose(O.constant_schedule(0.3)(t), 0.3)
    step = O.step_schedule(1.0, every=10, factor=0.5)
    np.testing.assert_allclose(step(np.array([0, 9, 10, 19, 20, 24])), [1, 1, 0.5, 0.5, 0.25, 0.25])
    cos = O.cosine_schedule(1.0, total_steps=20, final_lr=0.1)
    np.testing.assert_allclose(cos(np.array([0, 10, 20, 30])), [1.0, 0.55, 0.1, 0.1], atol=1e-15)
    assert cos(5) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi / 4)))
    restarts = O.cosine_restarts_schedule(1.0, period=10)
    np.testing.assert_allclose(restarts(np.array([0, 5, 10, 15, 20])), [1.0, 0.5, 1.0, 0.5, 1.0], atol=1e-15)
    # mult=2: cycles start at 0, 10, 30, 70 with lengths 10, 20, 40
    grow = O.cosine_restarts_schedule(1.0, period=10, mult=2)
    np.testing.assert_allclose(grow(np.array([0, 5, 10, 20, 30, 50, 70])), [1, 0.5, 1, 0.5, 1, 0.5, 1], atol=1e-12)
    assert grow(29) < 0.01  # end of the second cycle
    one = O.one_cycle_schedule(1.0, total_steps=100, warmup_frac=0.3, div_factor=25, final_div_factor=1e4)
    np.testing.assert_allclose(one(np.array([0, 15, 30, 65, 100])),
                               [1 / 25, (1 + 1 / 25) / 2, 1.0, (1 + 1 / 25e4) / 2, 1 / 25e4], rtol=1e-12)
    assert np.all(np.diff(one(np.arange(0, 31))) > 0) and np.all(np.diff(one(np.arange(30, 101))) < 0)


def test_run_uses_the_schedule():
    sched = O.step_schedule(0.1, every=2, factor=0.5)
    traj = O.run(BOWL, O.gd(), START, steps=5, lr=sched)
    np.testing.assert_allclose(traj.lrs, [0.1, 0.1, 0.05, 0.05, 0.025])
    x = np.prod(1 - traj.lrs)  # x-coordinate contracts by (1 − η_t) each step
    assert traj.final_theta[0] == pytest.approx(x, rel=1e-14)


# ------------------------------------------------------------------------------------------------
# Minibatches
# ------------------------------------------------------------------------------------------------
def test_minibatch_runs_are_reproducible_per_rng():
    models = pytest.importorskip("course_utils.models")
    from course_utils.data import regression_1d

    X, y = regression_1d(64, noise=0.1, rng=0, kind="poly")
    obj = models.LinearRegression(X, y)
    kw = dict(steps=40, lr=0.05, batch_size=8)
    a = O.run(obj, O.sgd(), np.zeros(2), rng=3, **kw)
    b = O.run(obj, O.sgd(), np.zeros(2), rng=np.random.default_rng(3), **kw)
    c = O.run(obj, O.sgd(), np.zeros(2), rng=4, **kw)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert not np.allclose(a.thetas, c.thetas)
    assert a.final_loss < a.losses[0]
    # a batch as large as the data set is full-batch GD
    full = O.run(obj, O.gd(), np.zeros(2), steps=10, lr=0.05)
    big = O.run(obj, O.sgd(), np.zeros(2), steps=10, lr=0.05, batch_size=1000, rng=1)
    np.testing.assert_allclose(big.thetas, full.thetas, rtol=1e-12, atol=1e-15)


def test_run_validates_arguments():
    with pytest.raises(TypeError, match="`objective` must be an objective: .* lacks dim, loss, grad"):
        O.run(lambda t: t, O.gd(), START, steps=1)
    with pytest.raises(TypeError, match="`optimizer` must be an Optimizer"):
        O.run(BOWL, O.gd, START, steps=1)
    with pytest.raises(ValueError, match="`lr` must be a finite number > 0, got -0.1"):
        O.run(BOWL, O.gd(), START, steps=1, lr=-0.1)
    with pytest.raises(ValueError, match="`steps` must be an integer >= 0, got -1"):
        O.run(BOWL, O.gd(), START, steps=-1)
    with pytest.raises(TypeError, match="`batch_size` needs an objective with data"):
        O.run(BOWL, O.gd(), START, steps=1, batch_size=4)
    with pytest.raises(ValueError, match="`theta0` must have shape"):
        O.run(BOWL, O.gd(), np.zeros(3), steps=1)
    with pytest.raises(ValueError, match="`beta` must be a finite number in"):
        O.momentum(beta=1.0)
    with pytest.raises(ValueError, match="`damping`"):
        O.newton(damping=-1.0)
    assert set(O.OPTIMIZERS) >= {"gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton"}


def test_minibatch_run_records_full_gradient_norms_only_where_recorded():
    from course_utils import models

    calls = {"n": 0}

    class CountingRegression(models.LinearRegression):
        """Counts the full-data gradients the loop asks for through the objective's public unchecked path."""

        def unchecked_grad(self, theta):
            if self is model:  # the minibatch objectives (model.subset(…)) are other instances
                calls["n"] += 1
            return super().unchecked_grad(theta)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    model = CountingRegression(X, X @ [1.0, -1.0, 2.0] + 0.1 * rng.standard_normal(64))
    traj = O.run(model, O.sgd(), np.zeros(4), steps=40, lr=0.05, batch_size=8, rng=1, record_every=10)
    assert len(traj.thetas) == 5 and traj.steps == 40
    assert calls["n"] == 5  # the initial point and the 4 recorded steps, not all 40
    for theta, gnorm in zip(traj.thetas, traj.grad_norms):
        assert gnorm == pytest.approx(np.linalg.norm(model.grad(theta)), rel=1e-12)


@pytest.mark.parametrize("landscape", ["six_hump_camel", "rosenbrock", "himmelblau"])
def test_run_many_gives_each_racer_the_trajectory_it_gets_alone(landscape):
    from course_utils import functions

    f = functions.get(landscape)
    racers = [O.gd(), O.momentum(0.9), O.adam(), O.newton(), O.perturbed_gd(radius=0.1), O.nesterov(0.5)]
    lrs = [0.01, 0.01, 0.05, 1.0, 0.01, 0.02]
    tols = [1e-8, None, None, 1e-10, None, 1e-8]
    together = O.run_many(f, racers, [0.05, 0.05], steps=120, lrs=lrs, rng=3, tol=tols)
    for opt, lr, tol, traj in zip(racers, lrs, tols, together):
        alone = O.run(f, opt, [0.05, 0.05], steps=120, lr=lr, rng=3, tol=tol)
        assert traj.optimizer == alone.optimizer
        assert (traj.diverged_at, traj.converged_at) == (alone.diverged_at, alone.converged_at)
        np.testing.assert_allclose(traj.thetas, alone.thetas, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(traj.losses, alone.losses, rtol=1e-9, atol=1e-12)


def test_run_many_lets_one_racer_diverge_without_stopping_the_others():
    q = FunctionObjective(lambda t: 0.5 * (t[0] ** 2 + 10 * t[1] ** 2), 2)
    slow, fast = O.run_many(q, [O.gd(), O.gd()], [1.0, 1.0], steps=300, lrs=[0.05, 0.25])
    assert fast.diverged_at is not None and slow.diverged_at is None
    assert slow.steps == 300 and slow.final_loss < 1e-10


def test_run_many_monitoring_the_loss_less_often_takes_the_same_steps_and_still_stops_a_divergence():
    # GD on f = ½(x² + 10y²): η = 0.25 > 2/10 diverges along y by a factor 1.5 per step; the oracle is that
    # closed form (|y_t| = 1.5^t), not the other run
    q = FunctionObjective(lambda t: 0.5 * (t[0] ** 2 + 10 * t[1] ** 2), 2)
    every, sparse = (O.run_many(q, [O.gd(), O.gd()], [1.0, 1.0], steps=300, lrs=[0.05, 0.25], record_every=m,
                                monitor_every=m) for m in (1, 7))
    np.testing.assert_array_equal(sparse[0].final_theta, every[0].final_theta)  # the converging run: same steps
    assert sparse[0].diverged_at is None and sparse[0].steps == 300
    # the loss passes explode_factor · f(θ0) = 1e8 · 5.5 when 5·1.5^(2t) > 5.5e8: t ≥ 24, seen at once with
    # monitor_every=1 and at the next multiple of 7 (28) without it
    first = next(t for t in range(1, 100) if 5 * 1.5 ** (2 * t) > 5.5e8)
    assert every[1].diverged_at == first
    assert sparse[1].diverged_at == -(-first // 7) * 7
    with pytest.raises(ValueError, match="monitor_every"):
        O.run_many(q, [O.gd()], [1.0, 1.0], steps=3, monitor_every=0)


def test_grad_batch_matches_single_gradients_for_traceable_and_looped_objectives():
    from course_utils import functions, models

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    for obj in [functions.get("six_hump_camel"), models.Quadratic(np.diag([1.0, 5.0])),
                models.LinearRegression(X, X[:, 0]), models.MLP(X, X[:, 1], hidden=(3,))]:
        thetas = rng.standard_normal((2, 3, obj.dim))
        expected = np.array([[obj.grad(t) for t in row] for row in thetas])
        np.testing.assert_allclose(obj.grad_batch(thetas), expected, rtol=1e-12, atol=1e-12)


def test_run_many_validates_its_lists():
    q = FunctionObjective(lambda t: t @ t, 2)
    with pytest.raises(ValueError, match="lrs"):
        O.run_many(q, [O.gd(), O.adam()], [1.0, 1.0], steps=3, lrs=[0.1])
    with pytest.raises(TypeError, match="optimizers"):
        O.run_many(q, O.gd(), [1.0, 1.0], steps=3)
    with pytest.raises(ValueError, match="theta0"):
        O.run_many(q, [O.gd(), O.adam()], np.zeros((3, 2)), steps=3)
