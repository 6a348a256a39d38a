"""The derivative backend's batched passes: every row's gradient and Hessian against closed forms, and the
fallback to the loop when the batched pass would be wrong (rows that interact) or cannot run."""

from __future__ import annotations

import numpy as np

from course_utils import derivatives
from course_utils.derivatives import anp


def _rosenbrock_rows(T):
    x, y = T[:, 0], T[:, 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(t):  # closed form, written out by hand: the oracle
    x, y = t
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _rosenbrock_hessian(t):
    x, y = t
    return np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]])


POINTS = np.array([[-1.2, 1.0], [0.0, 0.0], [1.0, 1.0], [0.5, -0.3], [2.0, 3.9]])


def test_batched_grad_matches_the_closed_form_at_every_row():
    g = derivatives.batched_grad(_rosenbrock_rows, _rosenbrock_grad, POINTS[:2])
    assert np.allclose(g(POINTS), [_rosenbrock_grad(t) for t in POINTS], rtol=1e-12, atol=1e-12)


def test_batched_hessian_matches_the_closed_form_at_every_row():
    both = derivatives.batched_hessian(_rosenbrock_rows, _rosenbrock_grad, _rosenbrock_hessian, POINTS[:2])
    G, H = both(POINTS)
    assert np.allclose(G, [_rosenbrock_grad(t) for t in POINTS], rtol=1e-12, atol=1e-12)
    assert np.allclose(H, [_rosenbrock_hessian(t) for t in POINTS], rtol=1e-12, atol=1e-10)


def test_rows_that_interact_fall_back_to_the_loop():
    # each output depends on the batch mean: the gradient of the summed outputs is NOT the per-row gradient
    def mixing(T):
        return anp.sum((T - anp.mean(T, axis=0)) ** 2, axis=1) + anp.sum(T**2, axis=1)

    def one(t):  # what the loop computes for a batch of one row: the mean is the row itself
        return 2 * t

    g = derivatives.batched_grad(mixing, one, POINTS[:3])
    assert np.allclose(g(POINTS), 2 * POINTS)


def test_a_loss_autograd_cannot_trace_falls_back_to_the_loop():
    def untraceable(T):
        return np.asarray(T, dtype=float).sum(axis=1) ** 2  # np.asarray on a traced box fails

    def one(t):
        return np.full(t.shape, 2 * t.sum())

    g = derivatives.batched_grad(untraceable, one, POINTS[:2])
    assert np.allclose(g(POINTS), [one(t) for t in POINTS])


def test_grad_and_value_and_grad_return_float_arrays():
    f = lambda t: anp.sum(t**3)  # noqa: E731
    t = np.array([1.0, -2.0, 0.5])
    assert np.allclose(derivatives.grad(f)(t), 3 * t**2) and derivatives.grad(f)(t).dtype == np.float64
    value, g = derivatives.value_and_grad(f)(t)
    assert isinstance(value, float) and value == np.sum(t**3) and np.allclose(g, 3 * t**2)
