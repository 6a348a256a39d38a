"""Tests for course_utils.diagnostics: range test, per-layer gradient norms, gradient flow, mystery runs."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import diagnostics as D
from course_utils.derivatives import finite_difference_gradient
from course_utils.models import MLP, Quadratic


# --------------------------------------------------------------------------------------------
# Learning-rate range test
# --------------------------------------------------------------------------------------------
def test_range_schedule_is_geometric_from_min_to_max():
    s = D.range_schedule(1e-3, 10.0, 5)
    lrs = s(np.arange(5))
    np.testing.assert_allclose(lrs, [1e-3, 1e-2, 1e-1, 1.0, 10.0], rtol=1e-12)
    assert s(100) == pytest.approx(10.0)  # held at lr_max beyond the sweep
    with pytest.raises(ValueError, match="lr_max"):
        D.range_schedule(1.0, 0.5, 10)


def test_range_test_on_a_quadratic_blows_up_after_the_stability_limit():
    q = Quadratic(np.diag(np.logspace(-1, 1, 8)))           # λ_max = 10, 2/λ_max = 0.2
    r = D.lr_range_test(q, np.ones(8), lr_min=1e-3, lr_max=1e3, steps=150)
    assert r.stopped_at is not None
    # the loss only rises once η has passed 2/λ_max …
    assert r.lr_at_min > 0.2
    # … and the rule "a decade below the bottom" lands below the limit
    assert r.suggested_lr < 0.2
    # the recorded loss is the loss after each step of the sweep (independent recomputation)
    theta = np.ones(8)
    for t in range(5):
        theta = theta - r.lrs[t] * q.grad(theta)
        assert r.losses[t] == pytest.approx(q.loss(theta), rel=1e-12)
    # the test stopped at the first smoothed value above 4 × the best so far
    s = r.smoothed
    assert np.all(s[:-1] <= 4 * np.minimum.accumulate(s)[:-1] + 1e-9)
    assert r.stop_lr > r.lr_at_min and "blew up" in r.message and len(r.lrs) == r.stopped_at


def test_range_test_smoothing_is_a_bias_corrected_moving_average():
    q = Quadratic(np.diag([1.0, 3.0]))
    r = D.lr_range_test(q, [1.0, 1.0], lr_min=1e-3, lr_max=0.3, steps=30, smoothing=0.9)
    expected, avg = [], 0.0
    for t, loss in enumerate(r.losses):
        avg = 0.9 * avg + 0.1 * loss
        expected.append(avg / (1 - 0.9 ** (t + 1)))
    np.testing.assert_allclose(r.smoothed, expected, rtol=1e-12)
    assert r.stopped_at is None  # 0.3 < 2/3: never unstable
    assert r.lr_at_min == pytest.approx(r.lrs[int(np.argmin(r.smoothed))])


def test_range_test_rejects_bad_arguments():
    q = Quadratic(np.eye(2))
    with pytest.raises(ValueError, match="smoothing"):
        D.lr_range_test(q, [1.0, 1.0], smoothing=1.0)
    with pytest.raises(ValueError, match="stop_factor"):
        D.lr_range_test(q, [1.0, 1.0], stop_factor=1.0)
    with pytest.raises(TypeError, match="objective"):
        D.lr_range_test(lambda t: 0.0, [1.0])


# --------------------------------------------------------------------------------------------
# Per-layer gradient norms and gradient flow
# --------------------------------------------------------------------------------------------
def test_layer_gradient_norms_match_finite_differences_layer_by_layer():
    X, y = D.flow_data(24)
    model = MLP(X, y, hidden=(5, 4), activation="tanh", loss="cross_entropy")
    theta = model.init(0)
    g_fd = finite_difference_gradient(model.loss, theta, h=1e-6)
    expected = [np.linalg.norm(W) for W, _ in model.unflatten(g_fd)]
    np.testing.assert_allclose(D.layer_gradient_norms(model, theta), expected, rtol=1e-6)
    with_bias = [np.sqrt(np.sum(W**2) + np.sum(b**2)) for W, b in model.unflatten(g_fd)]
    np.testing.assert_allclose(D.layer_gradient_norms(model, theta, include_bias=True), with_bias, rtol=1e-6)
    with pytest.raises(TypeError, match="MLP"):
        D.layer_gradient_norms(Quadratic(np.eye(2)), np.zeros(2))


def test_gradient_flow_reproduces_he_et_al_for_deep_relu_networks():
    he = D.gradient_flow(20, scheme="he", activation="relu")
    xavier = D.gradient_flow(20, scheme="xavier", activation="relu")
    naive = D.gradient_flow(20, scheme="normal", activation="relu")
    # Xavier halves the variance of a ReLU layer: after 20 layers the signal is ~2^-10 of He's
    assert xavier.activation_std[-1] < 1e-2 * he.activation_std[-1]
    assert xavier.verdict == "vanishing" and naive.verdict == "exploding" and he.verdict == "healthy"
    assert he.activation_std[-1] > 0.1 * he.activation_std[0]
    assert xavier.grad_norms.max() < 1e-3 * he.grad_norms.max() < naive.grad_norms.min()
    assert he.grad_norms.shape == (21,) and he.activation_std.shape == (20,)
    assert "vanishing" in xavier.message


def test_gradient_flow_depth_makes_it_worse_and_skip_connections_help():
    shallow = D.gradient_flow(2, scheme="xavier", activation="relu")
    deep = D.gradient_flow(30, scheme="xavier", activation="relu")
    assert deep.grad_norms[0] < 1e-3 * shallow.grad_norms[0]
    residual = D.gradient_flow(30, scheme="xavier", activation="relu", residual=True)
    assert residual.grad_norms[0] > 1e3 * deep.grad_norms[0]
    # scale 0: every weight is zero, no gradient reaches the hidden layers
    zero = D.gradient_flow(3, scale=0.0)
    assert zero.verdict == "vanishing" and np.all(zero.grad_norms[:-1] == 0)


def test_gradient_flow_validates_and_is_reproducible():
    a = D.gradient_flow(4, rng=3)
    b = D.gradient_flow(4, rng=3)
    np.testing.assert_array_equal(a.grad_norms, b.grad_norms)
    with pytest.raises(ValueError, match="depth"):
        D.gradient_flow(0)
    with pytest.raises(ValueError, match="scheme"):
        D.gradient_flow(3, scheme="kaiming")


# --------------------------------------------------------------------------------------------
# Mystery runs
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs():
    return D.mystery_runs(0)


def test_mystery_runs_have_the_signatures_of_their_failures(runs):
    assert sorted(runs) == ["A", "B", "C", "D"]
    A, B, C, D_ = runs["A"], runs["B"], runs["C"], runs["D"]
    # A: overfitting — trained to (almost) zero loss on 16 points, a generalization gap in loss and accuracy
    assert A.losses[-1] < 0.05 and A.train_accuracy == 1.0
    assert A.lambda_max > 10 * max(B.lambda_max, C.lambda_max, D_.lambda_max)
    assert A.test_accuracy < A.train_accuracy - 0.1 and A.test_losses[-1] > 5 * A.losses[-1]
    # B: step too large — η λ_max > 2, the loss explodes
    assert B.lr * B.lambda_max > 2 and B.diverged_at is not None and B.losses[-1] > 100 * B.losses[0]
    # C: vanishing gradients — every layer's gradient tiny, the deep activations have died
    assert C.layer_grad_norms[-1].max() < 1e-3 and C.activation_std[-1] < 0.25 * C.activation_std[0]
    assert abs(C.lambda_min) < 1e-2 * C.lambda_max            # flat, not a strict saddle
    # D: a strict saddle — tiny gradient, a plateau, a clearly negative eigenvalue
    assert D_.grad_norms[-1] < 1e-2 and abs(D_.losses[-1] - D_.losses[20]) < 1e-4
    assert D_.lambda_min < -0.2 * D_.lambda_max
    for run in runs.values():
        assert run.layer_grad_norms.shape == (len(run.record_steps), len(run.layer_grad_norms[0]))
        assert run.name in run.summary
        assert "2/λ" not in run.summary   # the summary reports numbers, it does not make the comparison for the student
        assert not run.losses.flags.writeable


def test_mystery_runs_are_deterministic_and_cached(runs):
    again = D.mystery_runs(0)
    assert again["A"] is runs["A"]
    with pytest.raises(ValueError, match="seed"):
        D.mystery_runs(-1)


def test_validate_diagnoses_normalizes_and_explains():
    ok = D.validate_diagnoses({"a": ("Overfitting", "more data"), "B": ("lr_too_large", "lower-lr"),
                               "C": ("vanishing_gradients", "better_init"), "D": ("saddle", "add_noise")})
    assert ok["A"] == ("overfitting", "more_data") and ok["B"] == ("lr_too_large", "lower_lr")
    with pytest.raises(ValueError, match="did you mean 'saddle'"):
        D.validate_diagnoses({"A": ("sadle", "add_noise"), "B": ("saddle", "add_noise"),
                              "C": ("saddle", "add_noise"), "D": ("saddle", "add_noise")})
    with pytest.raises(ValueError, match="missing"):
        D.validate_diagnoses({"A": ("saddle", "add_noise")})
    with pytest.raises(TypeError, match="pair"):
        D.validate_diagnoses({k: "saddle" for k in "ABCD"})
    with pytest.raises(TypeError, match="`answers` must be a dict"):
        D.validate_diagnoses([("saddle", "add_noise")])
    # every diagnosis has at least one accepted remedy from the vocabulary
    for diagnosis, remedies in D.ACCEPTED_REMEDIES.items():
        assert diagnosis in D.DIAGNOSES and remedies and remedies <= set(D.REMEDIES)


# --- stable_lr_sweep: oracle 2/λ_max of a quadratic ---------------------------------------------------------
def test_stable_lr_sweep_stops_at_two_over_lambda_max_on_a_quadratic():
    from course_utils.models import Quadratic

    for top in (3.0, 30.0):  # 2/λ_max = 0.67, 0.067: between grid points, not on one
        q = Quadratic(np.diag([0.5, 2.0, top]))
        lrs = np.geomspace(1e-3, 10.0, 41)
        sweep = D.stable_lr_sweep(q, np.ones(3), lrs, steps=40)
        assert sweep.largest_stable_lr == lrs[lrs < 2.0 / top].max()   # the last grid rate under 2/λ_max
        assert np.isinf(sweep.final_losses[lrs > 2.5 / top]).any() or (sweep.final_losses[lrs > 2.0 / top]
                                                                        > sweep.initial_loss).all()


def test_stable_lr_sweep_validates_its_grid():
    from course_utils.models import Quadratic

    with pytest.raises(ValueError, match="lrs"):
        D.stable_lr_sweep(Quadratic(np.eye(2)), np.ones(2), [0.1, 0.05])


def test_stable_lr_sweep_batched_gd_agrees_with_the_run_loop():
    """The default (all rates in one batched GD) and an explicit optimizer (``run_many``) give the same sweep."""
    from course_utils import data, optimizers

    X, y = data.two_moons(40, noise=0.15, rng=0)
    net = MLP(X, y, hidden=(6, 6), activation="tanh", loss="cross_entropy", batch_norm=True)
    theta = net.init(1)
    lrs = np.geomspace(0.1, 300.0, 9)
    fast = D.stable_lr_sweep(net, theta, lrs, steps=15)
    loop = D.stable_lr_sweep(net, theta, lrs, steps=15, optimizer=optimizers.gd())
    finite = np.isfinite(loop.final_losses)
    assert np.allclose(fast.final_losses[finite], loop.final_losses[finite], rtol=1e-9)
    assert fast.largest_stable_lr == loop.largest_stable_lr
