"""A model's ``subset`` / ``with_data`` must not reuse the parent's cached derivatives.

The parent caches autograd closures (``_cached_grad``, ``_cached_grad_batch``) that close over its own data; a
clone that copied them would return full-data gradients for a minibatch — which made ``run_many(...,
batch_size=...)`` with several racers on a linear model silently full-batch. Oracle: the closed-form gradient of
least squares on the rows, :math:`\\frac{2}{m} X_S^\\top (X_S w - y_S)`, and central differences for the logistic loss.
"""

from __future__ import annotations

import numpy as np

from course_utils import optimizers
from course_utils.derivatives import finite_difference_gradient
from course_utils.models import LinearRegression, LogisticRegression

RNG = np.random.default_rng(3)
X = RNG.standard_normal((30, 4))
Y = RNG.standard_normal(30)


def test_subset_gradients_are_the_subsets_own_after_the_parent_cached_its_own():
    model = LinearRegression(X, Y, fit_intercept=False)
    thetas = RNG.standard_normal((3, 4))
    model.grad_batch(thetas)  # fill the parent's caches first
    model.grad(thetas[0])
    rows = np.array([1, 4, 7, 9])
    part = model.subset(rows)
    Xs, ys = X[rows], Y[rows]
    expected = np.array([2 / rows.size * Xs.T @ (Xs @ t - ys) for t in thetas])
    assert np.allclose(part.grad_batch(thetas), expected, rtol=1e-12, atol=1e-12)
    assert np.allclose(part.grad(thetas[0]), expected[0], rtol=1e-12, atol=1e-12)


def test_with_data_gradients_use_the_new_data():
    labels = (Y > 0).astype(float)
    model = LogisticRegression(X, labels)
    theta = RNG.standard_normal(5)
    model.grad_batch(theta[None])
    other = model.with_data(X[:10] * 2.0, labels[:10])
    reference = finite_difference_gradient(other.loss, theta)
    assert np.allclose(other.grad_batch(theta[None])[0], reference, rtol=1e-6, atol=1e-8)


def test_run_many_minibatches_match_run_alone_on_a_linear_model():
    """The lockstep racers see the minibatches they would see alone (run_many's documented promise)."""
    model = LinearRegression(X, Y, fit_intercept=False)
    lrs = [0.01, 0.05, 0.2]
    together = optimizers.run_many(model, [optimizers.adagrad()] * 3, np.zeros(4), steps=30, lrs=lrs,
                                   batch_size=5, rng=1)
    alone = optimizers.run(model, optimizers.adagrad(), np.zeros(4), steps=30, lr=lrs[0], batch_size=5, rng=1)
    assert np.allclose(together[0].thetas, alone.thetas, rtol=1e-12, atol=1e-14)
