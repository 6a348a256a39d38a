"""Chapter 8's edge-of-stability runs, checked against a bare gradient-descent loop and dense Hessians."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.edge_of_stability import edge_of_stability_runs
from course_utils.real_data import digits_task

SETTING = dict(steps=30, every=10, n_train=30, hidden=3, init_scale=0.5, seed=2)
LRS = (0.5, 1.5)


@pytest.fixture(scope="module")
def runs():
    return edge_of_stability_runs(LRS, **SETTING)


@pytest.fixture(scope="module")
def model():
    return digits_task((SETTING["hidden"],), loss="mse", n_train=SETTING["n_train"]).model


def test_each_trace_is_plain_gradient_descent_at_its_step_size(runs, model):
    assert runs.lrs == LRS and runs.n_train == SETTING["n_train"]
    starts = {tuple(tr.trajectory.thetas[0]) for tr in runs.traces}
    assert len(starts) == 1                                    # one start for every step size
    for lr, tr in zip(LRS, runs.traces):
        assert tr.lr == lr
        theta = tr.trajectory.thetas[0].copy()
        losses = [model.loss(theta)]
        for _ in range(SETTING["steps"]):
            theta = theta - lr * model.grad(theta)
            losses.append(model.loss(theta))
        np.testing.assert_allclose(tr.trajectory.losses, losses, rtol=1e-10)
    np.testing.assert_allclose(runs.thresholds, [2 / lr for lr in LRS])


def test_lambda_max_matches_the_dense_hessian_at_every_sample(runs, model):
    for tr in runs.traces:
        np.testing.assert_array_equal(tr.steps, [0, 10, 20, 30])
        for step, lam in zip(tr.steps, tr.lambda_max):
            H = model.hessian(tr.trajectory.thetas[step])
            assert lam == pytest.approx(np.linalg.eigvalsh(0.5 * (H + H.T))[-1], rel=1e-5)


def test_summaries_by_hand(runs):
    for tr, ratio, rises in zip(runs.traces, runs.late_ratios(), runs.loss_rises()):
        late = tr.lambda_max[tr.steps >= 15]                  # the second half of 30 steps
        assert ratio == pytest.approx(np.median(late) * tr.lr / 2)
        assert rises == sum(b > a for a, b in zip(tr.trajectory.losses[:-1], tr.trajectory.losses[1:]))


def test_memoised_and_validated():
    assert edge_of_stability_runs(LRS, **SETTING) is edge_of_stability_runs(LRS, **SETTING)
    with pytest.raises(ValueError, match="lrs"):
        edge_of_stability_runs((1.0, 1.0))
    with pytest.raises(ValueError, match="lrs"):
        edge_of_stability_runs((0.0,))
    with pytest.raises(TypeError, match="lrs"):
        edge_of_stability_runs(2.0)
