"""Perturbed GD's termination rule (Jin et al. 2017, Algorithm 2): stop where a jump buys no descent.

Oracles: a hand-written loop of Algorithm 2 on a quadratic (the closed-form gradient ``A θ``), the known
critical points of the six-hump camel, and the loss curve the Optimizer Race draws.
"""

import numpy as np
import pytest

from course_utils import functions, optimizers
from course_utils.models import Quadratic
from course_utils.race import race_one


def _algorithm2(A, theta0, lr, steps, radius, g_thres, t_thres, f_thres, seed):
    """Jin et al.'s Algorithm 2 written out (loss ½θᵀAθ, gradient Aθ); returns the points visited."""
    rng = np.random.default_rng(seed)
    loss = lambda th: 0.5 * th @ A @ th  # noqa: E731
    x, t_noise, anchor, path = np.array(theta0, float), -(t_thres + 1), None, [np.array(theta0, float)]
    for t in range(steps):
        if anchor is not None and t - t_noise == t_thres and loss(x) - loss(anchor) > -f_thres:
            path.append(anchor.copy())
            return np.array(path), t + 1
        if np.linalg.norm(A @ x) <= g_thres and t - t_noise > t_thres:
            anchor, t_noise = x.copy(), t
            x = x + optimizers.uniform_ball(rng, x.size, radius)
        x = x - lr * (A @ x)
        path.append(x.copy())
    return np.array(path), None


def test_at_a_minimum_it_jumps_once_then_returns_to_the_anchor_and_stops():
    A = np.diag([1.0, 3.0])
    traj = optimizers.run(Quadratic(A), optimizers.perturbed_gd(radius=0.1, g_thres=1e-3, t_thres=15, f_thres=1e-4),
                          [1.0, -1.0], steps=400, lr=0.1, rng=4)
    path, stop = _algorithm2(A, [1.0, -1.0], 0.1, 400, 0.1, 1e-3, 15, 1e-4, seed=4)
    assert stop is not None and traj.converged_at == stop          # stopped, at the step Algorithm 2 returns
    np.testing.assert_allclose(traj.thetas, path, rtol=0, atol=1e-14)
    # it returned to the point it jumped from: the first point with a gradient below g_thres
    first_small = int(np.flatnonzero(np.linalg.norm(path @ A, axis=1) <= 1e-3)[0])
    np.testing.assert_allclose(traj.final_theta, traj.thetas[first_small], rtol=0, atol=1e-15)  # θ + (θ̃ − θ)
    assert traj.steps < 400


def test_without_f_thres_it_jumps_forever_at_a_minimum():
    A = np.diag([1.0, 3.0])
    traj = optimizers.run(Quadratic(A), optimizers.perturbed_gd(radius=0.1, g_thres=1e-3, t_thres=15),
                          [1.0, -1.0], steps=400, lr=0.1, rng=4)
    jumps_up = np.flatnonzero(np.diff(traj.losses) > 1e-6)       # GD alone never raises this loss
    assert traj.converged_at is None and traj.steps == 400
    assert jumps_up.size >= 5                                      # the sawtooth the rule removes


def test_after_stopping_every_update_is_zero():
    A = np.diag([1.0, 3.0])
    tx = optimizers.perturbed_gd(radius=0.1, g_thres=1e-3, t_thres=5, f_thres=1e-4, learning_rate=0.1)
    q, theta, state = Quadratic(A), np.zeros(2), None
    state = tx.init(theta)
    rng = np.random.default_rng(0)
    for t in range(7):
        update, state = tx.update(q.grad(theta), state, theta, None, optimizers.Oracle(q, t, rng))
        theta = theta + update
    assert state.stopped and state.n_perturbations == 1
    np.testing.assert_allclose(theta, 0.0, rtol=0, atol=1e-15)     # back at the minimum it jumped from
    update, state = tx.update(np.ones(2), state, theta, None, optimizers.Oracle(q, 7, rng))
    np.testing.assert_array_equal(update, 0.0)


@pytest.mark.parametrize("seed", range(6))
def test_at_the_camels_saddle_the_jump_buys_descent_so_it_goes_on_to_a_minimum(seed):
    camel = functions.get("six_hump_camel")
    traj = optimizers.run(camel, optimizers.perturbed_gd(radius=0.01, g_thres=1e-3, t_thres=100, f_thres=1e-4),
                          [0.0, 0.0], steps=1000, lr=0.02, rng=seed)
    assert traj.converged_at is not None and traj.converged_at > 100     # it did not stop at the saddle
    minima = np.array([cp.point for cp in camel.critical_points if cp.kind == "minimum"])
    assert np.min(np.linalg.norm(minima - traj.final_theta, axis=1)) < 1e-2
    assert camel.loss(traj.final_theta) < -1.0                            # a global minimum (−1.0316)


@pytest.mark.parametrize("start", [(0.05, 0.05), (0.0, 0.0)])
def test_the_race_loss_curve_has_no_sawtooth(start):
    camel = functions.get("six_hump_camel")
    entry = race_one(camel, "perturbed_gd", start, steps=1000, lr=0.02, radius=0.01)
    traj = entry.trajectory
    assert entry.endpoint.kind == "global minimum"
    assert traj.converged_at is not None and traj.steps < 1000
    # after reaching the minimum: at most one jump (the test jump), and the run ends where it was before it
    at_min = int(np.flatnonzero(traj.losses < camel.loss(np.array([0.0898, -0.7126])) + 1e-6)[0])
    ups = at_min + np.flatnonzero(np.diff(traj.losses[at_min:]) > 1e-12)
    jumps = ups[ups != traj.steps - 1]          # the last step goes back to θ̃, a hair above where GD had got to
    assert jumps.size == 1
    np.testing.assert_allclose(traj.final_theta, traj.thetas[jumps[0]], rtol=0, atol=1e-14)   # θ̃, the anchor
