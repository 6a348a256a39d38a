"""Overparameterization: flat directions at a zero-loss minimum, counted against independent oracles.

Oracles: central finite differences of the network's outputs (the Jacobian and its rank), the closed-form
Hessian of a linear model, the network's own predictions (for a zero of the loss), numpy's variance.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import connectivity, models
from course_utils import overparameterization as op


def _memorisation(h, n=8, seed=0):
    rng = np.random.default_rng(seed)
    return models.MLP(rng.standard_normal((n, 2)), rng.standard_normal(n), hidden=(h,), activation="tanh")


def _fd_jacobian(model, theta, eps=1e-6):
    """Central differences of the outputs, column by column: shape (N*K, P)."""
    cols = []
    for j in range(model.dim):
        e = np.zeros(model.dim)
        e[j] = eps
        diff = model.forward_batch((theta + e)[None])[0] - model.forward_batch((theta - e)[None])[0]
        cols.append(diff.ravel() / (2 * eps))
    return np.array(cols).T


@pytest.fixture(scope="module")
def interpolant():
    model = _memorisation(6)  # P = 25 > N = 8
    start = connectivity.train_lockstep(model, model.init(np.random.default_rng(1))[None], steps=800, lr=0.05)[0]
    return model, op.fit_interpolant(model, start)


def test_output_jacobian_matches_finite_differences(interpolant):
    model, theta = interpolant
    J = op.output_jacobian(model, theta)
    assert J.shape == (model.n_examples, model.dim)
    np.testing.assert_allclose(J, _fd_jacobian(model, theta), atol=1e-7)


def test_output_jacobian_rows_are_example_major_for_several_outputs():
    rng = np.random.default_rng(3)
    model = models.MLP(rng.standard_normal((4, 2)), rng.standard_normal((4, 3)), hidden=(3,))
    theta = model.init(rng)
    np.testing.assert_allclose(op.output_jacobian(model, theta), _fd_jacobian(model, theta), atol=1e-7)


def test_fit_interpolant_fits_every_example(interpolant):
    model, theta = interpolant
    # oracle: the network's own predictions against the targets, not the loss the optimizer minimised
    np.testing.assert_allclose(model.forward_batch(theta[None])[0, :, 0], model.y, atol=1e-9)


def test_flat_directions_equal_p_minus_rank_of_finite_difference_jacobian(interpolant):
    model, theta = interpolant
    fd = op.minimum_flat_directions(model, theta)
    s = np.linalg.svd(_fd_jacobian(model, theta), compute_uv=False)
    fd_rank = int(np.sum(s > 1e-4 * s[0]))
    assert fd.loss < 1e-16
    assert fd.n_flat == model.dim - fd_rank == model.dim - model.n_examples == fd.bound == 17
    assert fd.jacobian_rank == fd_rank
    # the non-zero eigenvalues are those of the Gauss-Newton matrix (2/N) JᵀJ, with J from finite differences
    J = _fd_jacobian(model, theta)
    gn = np.sort(np.linalg.eigvalsh(2 / model.n_examples * J.T @ J))[::-1][: model.n_examples]
    np.testing.assert_allclose(fd.eigenvalues[: model.n_examples], gn, rtol=1e-5)


def test_flat_directions_of_a_linear_model_match_the_closed_form():
    # a linear model (no hidden layer) with a duplicated input column: H = (2/N) AᵀA with A = [X, 1], rank 3 of 4
    rng = np.random.default_rng(2)
    x = rng.standard_normal((10, 2))
    X = np.c_[x, x[:, 0]]
    model = models.MLP(X, rng.standard_normal(10), hidden=())
    fd = op.minimum_flat_directions(model, model.init(rng))
    A = np.c_[X, np.ones(10)]
    np.testing.assert_allclose(np.sort(fd.eigenvalues), np.sort(np.linalg.eigvalsh(2 / 10 * A.T @ A)), atol=1e-10)
    assert fd.n_flat == 4 - np.linalg.matrix_rank(A) == 1 and fd.jacobian_rank == 3
    assert fd.bound == 0  # P = 4 < N = 10: no zero-loss manifold is promised
    assert fd.loss > 0.01  # and none is reached: the count describes the quadratic, not a minimum manifold


def test_fit_from_starts_scores_against_the_best_constant():
    model = _memorisation(3, n=6, seed=4)
    starts = np.stack([model.init(np.random.default_rng(s)) for s in range(3)])
    fit = op.fit_from_starts(model, starts, steps=5, lr=0.01)
    assert fit.thetas.shape == (3, model.dim)
    expected = np.array([model.loss(t) for t in fit.thetas]) / np.var(model.y)
    np.testing.assert_allclose(fit.relative_losses, expected, rtol=1e-12)
    assert fit.fraction_below(1e300) == 1.0 and fit.fraction_below(1e-300) == 0.0
    # zero steps: the starts themselves
    np.testing.assert_array_equal(op.fit_from_starts(model, starts, steps=0).thetas, starts)


def test_wide_networks_fit_random_targets_narrow_ones_cannot():
    narrow, wide = _memorisation(1, n=8, seed=5), _memorisation(8, n=8, seed=5)  # P = 5 and 33 against N = 8
    fits = [op.fit_from_starts(m, np.stack([m.init(np.random.default_rng(s)) for s in range(6)]), steps=800)
            for m in (narrow, wide)]
    assert fits[0].fraction_below(0.01) == 0.0 and fits[1].fraction_below(0.01) >= 0.5


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": "cross_entropy"}, "squared loss"),
    ({"weight_decay": 0.1}, "weight decay"),
])
def test_refuses_losses_without_a_zero_minimum(kwargs, message):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 2)), np.array([0, 1, 0, 1, 1, 0])
    model = models.MLP(X, y, hidden=(3,), **kwargs)
    with pytest.raises(ValueError, match=message):
        op.minimum_flat_directions(model, model.init(rng))


def test_validation_names_the_argument(interpolant):
    model, theta = interpolant
    with pytest.raises(TypeError, match="model"):
        op.output_jacobian("not a model", theta)
    with pytest.raises(ValueError, match="rtol"):
        op.minimum_flat_directions(model, theta, rtol=2.0)
    with pytest.raises(ValueError, match="theta"):
        op.minimum_flat_directions(model, theta[:-1])
    with pytest.raises(ValueError, match="starts"):
        op.fit_from_starts(model, theta)
    with pytest.raises(ValueError, match="threshold"):
        op.fit_from_starts(model, theta[None], steps=0).fraction_below(-1.0)
