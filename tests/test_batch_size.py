"""Chapter 8's small- against large-batch comparison, checked against plain loops and dense Hessians."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.batch_size import small_vs_large_batch
from course_utils.real_data import digits_task

SETTING = dict(batch_size=10, lr=0.5, epochs=2, n_train=40, hidden=3, n_directions=2, seed=1)


@pytest.fixture(scope="module")
def result():
    return small_vs_large_batch(**SETTING)


@pytest.fixture(scope="module")
def model():
    return digits_task((SETTING["hidden"],), n_train=SETTING["n_train"]).model


def _plain_gd(model, theta, lr, steps):
    """Full-batch gradient descent as a bare loop: the points and their losses."""
    points, losses = [theta], [model.loss(theta)]
    for _ in range(steps):
        theta = theta - lr * model.grad(theta)
        points.append(theta)
        losses.append(model.loss(theta))
    return np.array(points), np.array(losses)


def test_the_full_batch_run_stops_at_the_first_step_at_the_matched_loss(result, model):
    # a bare gradient-descent loop from the common start (the seed's Xavier draw) finds the same stopping step
    theta0 = _start(model)
    points, losses = _plain_gd(model, theta0, SETTING["lr"], result.steps_large + 1)
    first = int(np.argmax(losses <= result.train_loss_small))
    assert losses[first] <= result.train_loss_small < losses[first - 1]
    assert result.steps_large == first
    np.testing.assert_allclose(result.theta_large, points[first], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result.train_loss_large, model.loss(result.theta_large), rtol=1e-12)
    np.testing.assert_allclose(result.train_loss_small, model.loss(result.theta_small), rtol=1e-12)


def _start(model):
    from course_utils.randomness import default_rng

    return model.init(default_rng(SETTING["seed"]))


def test_lambda_max_matches_the_dense_hessian(result, model):
    for theta, lam in ((result.theta_small, result.lambda_max_small), (result.theta_large, result.lambda_max_large)):
        H = model.hessian(theta)
        np.testing.assert_allclose(lam, np.linalg.eigvalsh(0.5 * (H + H.T))[-1], rtol=1e-6)
    assert result.sharpness_ratio == pytest.approx(result.lambda_max_large / result.lambda_max_small)


def test_the_line_and_its_accuracies_match_pointwise_evaluation(result, model):
    task = digits_task((SETTING["hidden"],), n_train=SETTING["n_train"])
    test_model = model.with_data(task.X_test, task.y_test)
    for i in (0, 10, 20, 40):
        a = result.alphas[i]
        theta = (1 - a) * result.theta_small + a * result.theta_large
        assert result.line_train_loss[i] == pytest.approx(model.loss(theta), rel=1e-10)
        assert result.line_test_loss[i] == pytest.approx(test_model.loss(theta), rel=1e-10)
        # accuracy by hand: the largest output of the network's own forward pass
        for X, y, acc in ((model.X, model.y, result.line_train_accuracy[i]),
                          (task.X_test, task.y_test, result.line_test_accuracy[i])):
            W1, b1, W2, b2 = (p for layer in model.unflatten(theta) for p in layer)
            logits = np.tanh(X @ W1 + b1) @ W2 + b2
            assert acc == pytest.approx(np.mean(np.argmax(logits, axis=1) == y))
    np.testing.assert_allclose(result.alphas[[0, 10, 30, 40]], [-0.5, 0.0, 1.0, 1.5], atol=1e-12)


def test_the_filter_normalised_slices(result, model):
    assert result.slice_train_small.shape == result.slice_train_large.shape == (SETTING["n_directions"], 21)
    centre = int(np.argmin(np.abs(result.slice_alphas)))
    np.testing.assert_allclose(result.slice_train_small[:, centre], model.loss(result.theta_small), rtol=1e-12)
    np.testing.assert_allclose(result.slice_train_large[:, centre], model.loss(result.theta_large), rtol=1e-12)
    # slice_rise by hand, at α = ±1 (the ends of the grid)
    for s, rise in zip((result.slice_train_small, result.slice_train_large), result.slice_rise(1.0)):
        assert rise == pytest.approx(0.5 * (s[:, 0].mean() + s[:, -1].mean()) - s[:, centre].mean())


def test_memoised_and_validated():
    assert small_vs_large_batch(**SETTING) is small_vs_large_batch(**SETTING)
    with pytest.raises(ValueError, match="batch_size"):
        small_vs_large_batch(40, n_train=40)
    with pytest.raises(ValueError, match="lr"):
        small_vs_large_batch(8, lr=-1.0)


def test_the_planes_agree_with_the_slices_along_their_axes(result, model):
    # the plane is evaluated by surfaces' MLP grid code, the slices by loss_batch: two routes to the same numbers
    centre = int(np.argmin(np.abs(result.plane_alphas)))
    np.testing.assert_allclose(result.plane_alphas, result.slice_alphas, atol=1e-12)
    for plane, slices, theta in ((result.plane_train_small, result.slice_train_small, result.theta_small),
                                 (result.plane_train_large, result.slice_train_large, result.theta_large)):
        assert plane.shape == (21, 21)
        assert plane[centre, centre] == pytest.approx(model.loss(theta), rel=1e-12)
        np.testing.assert_allclose(plane[:, centre], slices[0], rtol=1e-9)    # along d1, β = 0
        np.testing.assert_allclose(plane[centre, :], slices[1], rtol=1e-9)    # along d2, α = 0
