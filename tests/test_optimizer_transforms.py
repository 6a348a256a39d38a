"""The composable pieces of course_utils.optimizers, each against an oracle written independently of it.

Adam against Kingma & Ba's Algorithm 1 written out by hand; the states' fields; the learning-rate
transformation's step counter; the order of a chain; the minibatch sampler's epochs; complete rules
(``adam(learning_rate=...)``) against the caller-supplied rate (``run(..., lr=...)``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import optimizers as O
from course_utils.models import Quadratic
from course_utils.optimizers.run import MinibatchSampler


def _quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    return Quadratic(A, b=np.array([1.0, -2.0]))


# --------------------------------------------------------------------------------------------
# Adam, from the paper
# --------------------------------------------------------------------------------------------
def _adam_algorithm_1(grad, theta0, alpha, steps, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """Kingma & Ba (2015), Algorithm 1, line by line, in plain Python floats."""
    theta = [float(x) for x in theta0]
    m = [0.0] * len(theta)          # initialize 1st moment vector
    v = [0.0] * len(theta)          # initialize 2nd moment vector
    path = [list(theta)]
    for t in range(1, steps + 1):   # t <- t + 1
        g = [float(x) for x in grad(np.array(theta))]
        for i in range(len(theta)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            theta[i] = theta[i] - alpha * m_hat / (math.sqrt(v_hat) + epsilon)
        path.append(list(theta))
    return np.array(path)


def test_adam_chain_follows_algorithm_1_of_the_paper_for_50_steps():
    q, lr = _quadratic(), 0.05
    theta0 = np.array([2.0, -1.5])
    expected = _adam_algorithm_1(q.grad, theta0, lr, 50)

    tx = O.chain(O.scale_by_adam(), O.scale_by_learning_rate(lr))
    theta, state = theta0.copy(), tx.init(theta0)
    path = [theta.copy()]
    for _ in range(50):
        update, state = tx.update(q.grad(theta), state, theta)
        theta = theta + update
        path.append(theta.copy())
    np.testing.assert_allclose(np.array(path), expected, rtol=1e-12, atol=1e-14)
    # the alias, complete or with the caller's rate, is the same rule
    np.testing.assert_allclose(O.run(q, O.adam(learning_rate=lr), theta0, steps=50).thetas, expected,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(O.run(q, O.adam(), theta0, steps=50, lr=lr).thetas, expected, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------------------------
# States a student can print
# --------------------------------------------------------------------------------------------
def test_states_are_named_tuples_with_the_documented_fields():
    assert O.ScaleByAdamState._fields == ("count", "mu", "nu")
    assert O.TraceState._fields == ("trace",)
    assert O.ScaleByRmsState._fields == ("nu",)
    assert O.ScaleByAdagradState._fields == ("sum_of_squares",)
    assert O.ScaleByLearningRateState._fields == ("count",)
    assert O.PerturbNearSaddlesState._fields == ("last_perturbation", "n_perturbations", "inner", "anchor",
                                                 "anchor_loss", "stopped")
    assert O.EmptyState() == ()

    g, theta = np.array([1.0, -2.0]), np.zeros(2)
    adam = O.adam(b1=0.5, b2=0.75, learning_rate=0.1)
    state = adam.init(theta)
    for _ in range(3):
        _, state = adam.update(g, state, theta)
    moments, rate = state
    assert moments.count == 3 and rate.count == 3
    np.testing.assert_allclose(moments.mu, (1 - 0.5**3) * g)          # m_t of a constant gradient
    np.testing.assert_allclose(moments.nu, (1 - 0.75**3) * g**2)
    assert "mu=" in repr(moments) and "count=3" in repr(rate)

    _, (trace, _) = O.momentum(0.5).update(g, O.momentum(0.5).init(theta), theta, 0.1)
    np.testing.assert_array_equal(trace.trace, g)
    _, (rms, _) = O.rmsprop(decay=0.5).update(g, O.rmsprop(decay=0.5).init(theta), theta, 0.1)
    np.testing.assert_allclose(rms.nu, 0.5 * g**2)
    _, (ada, _) = O.adagrad().update(g, O.adagrad().init(theta), theta, 0.1)
    np.testing.assert_array_equal(ada.sum_of_squares, g**2)
    # a chain of stateless pieces is stateless (the old rules' `()`)
    assert O.gd().init(theta) == () and O.clip_by_norm(O.gd()).init(theta) == ()


# --------------------------------------------------------------------------------------------
# The learning rate: one place, a step counter
# --------------------------------------------------------------------------------------------
def test_scale_by_learning_rate_evaluates_the_schedule_at_count_0_1_2():
    seen = []

    def schedule(t):
        seen.append(int(t))
        return 1.0 / (int(t) + 1)

    tx = O.scale_by_learning_rate(schedule)
    state = tx.init(np.zeros(1))
    outputs = []
    for _ in range(5):
        update, state = tx.update(np.ones(1), state)
        outputs.append(float(update[0]))
    assert seen == [0, 1, 2, 3, 4] and state.count == 5
    np.testing.assert_allclose(outputs, [-1.0, -1 / 2, -1 / 3, -1 / 4, -1 / 5])
    up, _ = O.scale_by_learning_rate(0.5, flip_sign=False).update(np.ones(1), O.ScaleByLearningRateState(0))
    assert up[0] == 0.5


def test_a_rule_with_its_own_schedule_runs_like_the_same_schedule_given_to_run():
    q = _quadratic()
    schedule = O.step_schedule(0.1, every=7, factor=0.5)
    own = O.run(q, O.momentum(0.8, learning_rate=schedule), [1.0, 1.0], steps=30)
    given = O.run(q, O.momentum(0.8), [1.0, 1.0], steps=30, lr=schedule)
    np.testing.assert_array_equal(own.thetas, given.thetas)
    np.testing.assert_array_equal(own.lrs, schedule(np.arange(30)))


def test_the_rate_comes_from_exactly_one_place():
    q = _quadratic()
    with pytest.raises(ValueError, match="holds its own learning rate"):
        O.run(q, O.adam(learning_rate=0.1), [1.0, 1.0], steps=3, lr=0.1)
    with pytest.raises(ValueError, match="`lr` was given"):
        O.adam(learning_rate=0.1).update(np.ones(2), O.adam(learning_rate=0.1).init(np.ones(2)), np.ones(2), 0.1)
    with pytest.raises(ValueError, match="no learning rate"):
        O.gd().update(np.ones(2), (), np.ones(2))
    with pytest.raises(ValueError, match="at most one learning rate"):
        O.chain(O.scale_by_learning_rate(0.1), O.scale_by_learning_rate(0.2))
    with pytest.raises(ValueError, match="learning_rate"):
        O.adam(learning_rate=-1.0)


@pytest.mark.parametrize("name", ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton",
                                  "perturbed_gd", "noisy_gd", "saddle_free_newton"])
def test_every_alias_with_its_own_rate_equals_the_rate_given_to_run(name):
    q = _quadratic()
    alias = O.OPTIMIZERS[name]
    own = O.run(q, alias(learning_rate=0.05), [1.0, 1.0], steps=20, rng=4)
    given = O.run(q, alias(), [1.0, 1.0], steps=20, lr=0.05, rng=4)
    np.testing.assert_array_equal(own.thetas, given.thetas)
    assert own.optimizer == given.optimizer


# --------------------------------------------------------------------------------------------
# chain: in order
# --------------------------------------------------------------------------------------------
def test_chain_applies_its_members_in_order():
    g = np.array([3.0, 4.0])                                        # norm 5
    clip, rate = O.clip_by_global_norm(2.0), O.scale_by_learning_rate(10.0)
    clip_then_scale = O.chain(clip, rate)
    scale_then_clip = O.chain(rate, clip)
    a, _ = clip_then_scale.update(g, clip_then_scale.init(g))
    b, _ = scale_then_clip.update(g, scale_then_clip.init(g))
    np.testing.assert_allclose(a, [-12.0, -16.0])                   # -10 · 2 g/|g|: length 20
    np.testing.assert_allclose(b, [-1.2, -1.6])                     # clip(-10 g): length 2
    assert clip_then_scale.name == "clip_by_global_norm → scale_by_learning_rate"


def test_add_decayed_weights_is_l2_regularisation_before_the_rate():
    q, wd, lr = _quadratic(), 0.3, 0.1
    traj = O.run(q, O.chain(O.add_decayed_weights(wd), O.scale_by_learning_rate(lr)), [1.0, -1.0], steps=25)
    theta = np.array([1.0, -1.0])
    for _ in range(25):
        theta = theta - lr * (q.A @ theta - q.b + wd * theta)
    np.testing.assert_allclose(traj.final_theta, theta, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# The run loop's sampler
# --------------------------------------------------------------------------------------------
def test_the_sampler_visits_every_example_once_per_epoch():
    sampler = MinibatchSampler(12, 4, rng=0)
    epochs = [np.concatenate([sampler.next() for _ in range(3)]) for _ in range(4)]
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(12))
    assert any(not np.array_equal(epochs[0], e) for e in epochs[1:])   # a fresh order each epoch
    # with a remainder: two batches of 4 out of 10, no repeats within an epoch
    ragged = MinibatchSampler(10, 4, rng=1)
    for _ in range(3):
        epoch = np.concatenate([ragged.next(), ragged.next()])
        assert len(np.unique(epoch)) == 8
    with pytest.raises(ValueError, match="batch_size"):
        MinibatchSampler(5, 6)


# --------------------------------------------------------------------------------------------
# Pieces that ask the oracle, and the loop's step and recorder
# --------------------------------------------------------------------------------------------
def test_sam_gradient_then_the_rate_is_sam_by_hand():
    q, rho, lr = _quadratic(), 0.1, 0.05
    traj = O.run(q, O.chain(O.sam_gradient(rho), O.scale_by_learning_rate(lr)), [2.0, 1.0], steps=20)
    theta = np.array([2.0, 1.0])
    for _ in range(20):
        g = q.A @ theta - q.b
        eps = rho * g / np.sqrt(g @ g)                      # Foret et al., eq. 2
        theta = theta - lr * (q.A @ (theta + eps) - q.b)
    np.testing.assert_allclose(traj.final_theta, theta, rtol=1e-12)


def test_perturb_near_saddles_jumps_once_then_waits_t_thres_steps():
    q = Quadratic(np.diag([1.0, -1.0]))                     # a strict saddle at 0
    tx = O.perturb_near_saddles(O.scale_by_learning_rate(0.1), radius=0.5, g_thres=1e-3, t_thres=3)
    theta, state = np.zeros(2), tx.init(np.zeros(2))
    draw = np.random.default_rng(5)
    update, state = tx.update(q.grad(theta), state, theta, None, O.Oracle(q, 0, np.random.default_rng(5)))
    xi = O.uniform_ball(draw, 2, 0.5)
    np.testing.assert_allclose(update, xi - 0.1 * (q.A @ xi), rtol=1e-12)   # jump, then a GD step from there
    assert state.last_perturbation == 0 and state.n_perturbations == 1
    for step in (1, 2, 3):                                  # small gradient again, but within t_thres: plain GD
        g = np.zeros(2)
        update, state = tx.update(g, state, theta, None, O.Oracle(q, step, draw))
        np.testing.assert_array_equal(update, 0.0)
    _, state = tx.update(np.zeros(2), state, theta, None, O.Oracle(q, 4, draw))
    assert state.n_perturbations == 2 and state.last_perturbation == 4


def test_take_step_and_recorder():
    from course_utils.optimizers.run import Recorder, take_step

    theta, state = take_step(O.gd(), np.array([1.0, -2.0]), (), np.array([0.5, 0.5]), 0.25, None)
    np.testing.assert_array_equal(theta, [0.25, 1.0])
    assert state == ()
    rec = Recorder(np.zeros(2), 3.0, 4.0)
    moving = np.ones(2)
    rec.lrs.append(0.1)
    rec.point(moving, 2.0, 1.0)
    moving += 1                                             # the recorder keeps a copy
    rec.diverged_at = 1
    traj = rec.trajectory("GD")
    np.testing.assert_array_equal(traj.thetas, [[0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_array_equal(traj.losses, [3.0, 2.0])
    np.testing.assert_array_equal(traj.grad_norms, [4.0, 1.0])
    assert traj.steps == 1 and traj.diverged and traj.message == "GD: diverged at step 1"
