"""Tests of the saddle-escaping update rules: perturbed GD, noisy GD, saddle-free Newton."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import functions, optimizers
from course_utils.models import Quadratic


def saddle():
    return Quadratic(np.diag([2.0, -2.0]))


@given(dim=st.integers(1, 6), radius=st.floats(0.01, 10.0), seed=st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_uniform_ball_draws_lie_inside_the_ball(dim, radius, seed):
    xi = optimizers.uniform_ball(np.random.default_rng(seed), dim, radius)
    assert xi.shape == (dim,)
    assert np.linalg.norm(xi) <= radius * (1 + 1e-12)


def test_uniform_ball_radius_distribution_matches_volume_law():
    # For a uniform draw in a d-ball, P(|xi| <= r t) = t^d.
    rng = np.random.default_rng(0)
    norms = np.array([np.linalg.norm(optimizers.uniform_ball(rng, 3, 2.0)) for _ in range(4000)])
    for t in (0.5, 0.8):
        assert abs(np.mean(norms <= 2.0 * t) - t**3) < 0.03


def test_perturbed_gd_leaves_an_exact_saddle_where_gd_stays():
    obj = saddle()
    stuck = optimizers.run(obj, optimizers.gd(), [0.0, 0.0], steps=50, lr=0.1)
    assert np.all(stuck.thetas == 0.0)
    free = optimizers.run(obj, optimizers.perturbed_gd(radius=1e-3), [0.0, 0.0], steps=60, lr=0.1, rng=0)
    assert abs(free.final_theta[1]) > 0.5  # grew along the negative-curvature axis
    assert abs(free.final_theta[0]) < 1e-3


def test_perturbed_gd_equals_gd_when_the_gradient_is_large():
    obj = Quadratic(np.diag([1.0, 3.0]))
    a = optimizers.run(obj, optimizers.perturbed_gd(radius=0.5, g_thres=1e-6), [1.0, 1.0], steps=5, lr=0.1)
    b = optimizers.run(obj, optimizers.gd(), [1.0, 1.0], steps=5, lr=0.1)
    np.testing.assert_allclose(a.thetas, b.thetas, rtol=0, atol=0)


def test_perturbed_gd_waits_t_thres_steps_between_perturbations():
    # On a flat function the gradient is always zero: perturbations happen every t_thres + 1 steps exactly.
    from course_utils.objective import FunctionObjective

    flat = FunctionObjective(lambda th: 0.0 * th[0], 2)
    traj = optimizers.run(flat, optimizers.perturbed_gd(radius=0.1, t_thres=4), [0.0, 0.0], steps=20, lr=0.1, rng=0)
    moved = np.flatnonzero(np.linalg.norm(np.diff(traj.thetas, axis=0), axis=1) > 0)
    np.testing.assert_array_equal(moved, [0, 5, 10, 15])


def test_perturbed_gd_is_reproducible_with_a_seed():
    obj = saddle()
    a = optimizers.run(obj, optimizers.perturbed_gd(0.01), [0.0, 0.0], steps=30, lr=0.1, rng=3)
    b = optimizers.run(obj, optimizers.perturbed_gd(0.01), [0.0, 0.0], steps=30, lr=0.1, rng=3)
    np.testing.assert_array_equal(a.thetas, b.thetas)


def test_noisy_gd_noise_has_the_stated_scale():
    from course_utils.objective import FunctionObjective

    flat = FunctionObjective(lambda th: 0.0 * th[0], 2)
    traj = optimizers.run(flat, optimizers.noisy_gd(sigma=2.0), [0.0, 0.0], steps=4000, lr=0.5, rng=0)
    steps = np.diff(traj.thetas, axis=0)
    assert abs(steps.std() - 0.5 * 2.0) < 0.05
    zero = optimizers.run(saddle(), optimizers.noisy_gd(sigma=0.0), [0.3, 0.2], steps=5, lr=0.1)
    plain = optimizers.run(saddle(), optimizers.gd(), [0.3, 0.2], steps=5, lr=0.1)
    np.testing.assert_array_equal(zero.thetas, plain.thetas)


def test_saddle_free_newton_step_matches_the_absolute_hessian_formula():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((4, 4))
    A = M + M.T  # indefinite
    obj = Quadratic(A)
    theta = rng.standard_normal(4)
    opt = optimizers.saddle_free_newton(damping=1e-2)
    step, _ = opt.update(obj.grad(theta), opt.init(theta), theta, 1.0, optimizers.Oracle(obj, 0, rng))
    w, V = np.linalg.eigh(A)
    absH = V @ np.diag(np.abs(w) + 1e-2) @ V.T
    np.testing.assert_allclose(step, -np.linalg.solve(absH, A @ theta), rtol=1e-10)


def test_newton_goes_to_the_saddle_and_saddle_free_newton_goes_away():
    obj = saddle()
    newton = optimizers.run(obj, optimizers.newton(), [0.5, 0.1], steps=3, lr=1.0)
    np.testing.assert_allclose(newton.thetas[1], [0.0, 0.0], atol=1e-12)  # one step lands on the saddle
    sfn = optimizers.run(obj, optimizers.saddle_free_newton(1e-6), [0.5, 0.1], steps=1, lr=1.0)
    # Positive direction: Newton's step (x -> 0); negative direction: y doubles (moves away).
    np.testing.assert_allclose(sfn.thetas[1], [0.0, 0.2], atol=1e-6)


def test_six_hump_camel_field_note():
    cam = functions.get("six_hump_camel")
    newton = optimizers.run(cam, optimizers.newton(), [0.05, 0.05], steps=20, lr=1.0)
    assert np.linalg.norm(newton.final_theta) < 1e-8
    gd = optimizers.run(cam, optimizers.gd(), [0.05, 0.05], steps=300, lr=0.02)
    assert abs(gd.final_loss - cam.critical_points[0].value) < 1e-8


def test_registered_by_short_name():
    for name in ("perturbed_gd", "noisy_gd", "saddle_free_newton"):
        assert isinstance(optimizers.OPTIMIZERS[name](), optimizers.Optimizer)


@pytest.mark.parametrize("call", [
    lambda: optimizers.perturbed_gd(radius=-1.0),
    lambda: optimizers.perturbed_gd(t_thres=-1),
    lambda: optimizers.noisy_gd(sigma=float("nan")),
    lambda: optimizers.saddle_free_newton(damping=0.0),
])
def test_invalid_arguments_raise_value_errors(call):
    with pytest.raises(ValueError):
        call()
