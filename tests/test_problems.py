"""The chapters' ready-made problems (course_utils.problems): trained where promised, cached, seeded."""

import numpy as np
import pytest

from course_utils.problems import BLOB_LOSSES, blob_classification, moons_problem


def test_moons_problem_is_trained_and_cached():
    problem = moons_problem()
    assert moons_problem() is problem
    m = problem.model
    assert m.name.startswith("MLP 2-16-1 (relu, mse")
    assert m.loss(problem.theta) < 0.1 * m.loss(problem.theta0)
    assert m.accuracy(problem.theta) >= 0.97
    np.testing.assert_array_equal(problem.theta, problem.trajectory.final_theta)


def test_blob_classification_data_and_label_noise():
    clean = blob_classification(3.0, 0.0, n=200, seed=1)
    assert tuple(clean) == BLOB_LOSSES
    X, y = clean["mse"].X, clean["mse"].y
    np.testing.assert_array_equal(X, clean["cross_entropy"].X)
    assert clean["mse"].dim == 2  # no intercept: the loss lives on the (w1, w2) plane
    # class means near ±(1.5, 0)
    np.testing.assert_allclose(X[y == 1].mean(0), [1.5, 0.0], atol=0.3)
    noisy = blob_classification(3.0, 0.5, n=200, seed=1)
    flipped = np.mean(noisy["mse"].y != y)
    assert 0.35 < flipped < 0.65
    with pytest.raises(ValueError, match="label_noise"):
        blob_classification(3.0, 1.5)
    with pytest.raises(ValueError, match="separation"):
        blob_classification(-1.0, 0.1)


def test_blob_classification_is_reproducible_from_its_seed():
    a, b = blob_classification(2.0, 0.2, seed=3), blob_classification(2.0, 0.2, seed=3)
    np.testing.assert_array_equal(a["mse"].X, b["mse"].X)
    np.testing.assert_array_equal(a["mse"].y, b["mse"].y)
    assert not np.array_equal(a["mse"].X, blob_classification(2.0, 0.2, seed=4)["mse"].X)
