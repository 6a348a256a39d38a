"""Tests for course_utils.derivatives and the Objective protocol (FunctionObjective)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import derivatives as d
from course_utils.objective import FunctionObjective, Objective

FAST = settings(max_examples=25, deadline=None)
A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -1.0], [0.0, -1.0, 4.0]])


def f(theta):
    r"""½θᵀAθ + sin(θ₀)·θ₁ + θ₂³."""
    return 0.5 * anp.dot(theta, anp.dot(A, theta)) + anp.sin(theta[0]) * theta[1] + theta[2] ** 3


def grad_f(t):
    return A @ t + np.array([np.cos(t[0]) * t[1], np.sin(t[0]), 3 * t[2] ** 2])


def hess_f(t):
    extra = np.array([[-np.sin(t[0]) * t[1], np.cos(t[0]), 0.0], [np.cos(t[0]), 0.0, 0.0], [0.0, 0.0, 6 * t[2]]])
    return A + extra


vectors = st.lists(st.floats(-3, 3), min_size=3, max_size=3).map(np.array)


@FAST
@given(theta=vectors, v=vectors)
def test_autograd_helpers_match_analytic_derivatives(theta, v):
    np.testing.assert_allclose(d.gradient(f, theta), grad_f(theta), rtol=1e-13, atol=1e-13)
    H = d.hessian(f, theta)
    np.testing.assert_allclose(H, hess_f(theta), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(d.hvp(f, theta, v), hess_f(theta) @ v, rtol=1e-12, atol=1e-12)
    # make_hvp caches the forward pass once and serves many products
    product = d.make_hvp(f, theta)
    for e in np.eye(3):
        np.testing.assert_allclose(product(e), hess_f(theta) @ e, rtol=1e-12, atol=1e-12)


@FAST
@given(theta=vectors, v=vectors)
def test_finite_differences_agree_with_analytic(theta, v):
    np.testing.assert_allclose(d.finite_difference_gradient(f, theta), grad_f(theta), atol=1e-6)
    np.testing.assert_allclose(d.finite_difference_hvp(grad_f, theta, v), hess_f(theta) @ v, atol=1e-6)
    # the relative errors are only meaningful away from zero (the FD rounding noise is ~1e-10 absolute)
    if np.linalg.norm(grad_f(theta)) > 1e-3:
        assert d.gradient_error(f, grad_f, theta) < 1e-6
    if np.linalg.norm(hess_f(theta) @ v) > 1e-3:
        assert d.hvp_error(grad_f, lambda t, u: hess_f(t) @ u, theta, v) < 1e-6


def test_central_difference_error_is_h_squared():
    # for x³ the central difference is exactly 3x² + h²: the O(h²) truncation term, measured
    cube = lambda t: t[0] ** 3  # noqa: E731
    for h in (1e-1, 1e-2):
        est = d.finite_difference_gradient(cube, np.array([2.0]), h=h)[0]
        assert est - 12.0 == pytest.approx(h**2, rel=1e-6)
    # a quadratic's gradient is linear, so the HVP difference is exact up to rounding
    v = np.array([1.0, -2.0, 0.5])
    quad_grad = lambda t: A @ t  # noqa: E731
    np.testing.assert_allclose(d.finite_difference_hvp(quad_grad, np.ones(3), v, h=0.1), A @ v, atol=1e-12)


def test_error_checkers_flag_wrong_derivatives():
    theta = np.array([0.3, -1.2, 0.8])
    assert d.gradient_error(f, lambda t: 2 * grad_f(t), theta) == pytest.approx(0.5, abs=1e-6)
    assert d.gradient_error(f, lambda t: grad_f(t) + np.array([0, 0, 1.0]), theta) > 1e-2
    v = np.array([1.0, 0.0, 0.0])
    assert d.hvp_error(grad_f, lambda t, u: A @ u, theta, v) > 1e-2  # forgot the sin/cos/cube terms


def test_derivative_helpers_validate():
    with pytest.raises(TypeError, match="`f` must be callable.*3"):
        d.gradient(3, np.zeros(2))
    with pytest.raises(ValueError, match="`theta` must have 1 dimension"):
        d.hessian(f, np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"`v` must have shape \(3,\), got \(2,\)"):
        d.hvp(f, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="`h` must be a finite number in \\(0, 1\\], got 0"):
        d.finite_difference_gradient(f, np.zeros(3), h=0.0)
    with pytest.raises(ValueError, match="`theta` must contain only finite values"):
        d.gradient(f, np.array([0.0, np.nan, 1.0]))


# ------------------------------------------------------------------------------------------------
# Objective / FunctionObjective
# ------------------------------------------------------------------------------------------------
def test_function_objective_protocol():
    obj = FunctionObjective(f, dim=3, name="test")
    assert isinstance(obj, Objective) and obj.dim == 3 and obj.name == "test"
    theta = np.array([0.4, -0.7, 1.1])
    assert obj.loss(theta) == pytest.approx(float(f(theta)), rel=1e-15)
    assert obj(theta) == obj.loss(theta)
    np.testing.assert_allclose(obj.grad(theta), grad_f(theta), rtol=1e-13)
    value, g = obj.value_and_grad(theta)
    assert value == pytest.approx(obj.loss(theta), rel=1e-15)
    np.testing.assert_allclose(g, grad_f(theta), rtol=1e-13)
    np.testing.assert_allclose(obj.hessian(theta), hess_f(theta), rtol=1e-13, atol=1e-13)
    v = np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(obj.hvp(theta, v), hess_f(theta) @ v, rtol=1e-12)
    np.testing.assert_allclose(obj.make_hvp(theta)(v), hess_f(theta) @ v, rtol=1e-12)
    assert "test" in repr(obj)


@FAST
@given(shape=st.lists(st.integers(0, 3), max_size=3), seed=st.integers(0, 1000))
def test_loss_batch_shapes_and_values(shape, seed):
    thetas = np.random.default_rng(seed).normal(size=(*shape, 3))
    looped = FunctionObjective(f, 3)
    batched = FunctionObjective(lambda T: 0.5 * np.einsum("...i,ij,...j->...", T, A, T)
                                + np.sin(T[..., 0]) * T[..., 1] + T[..., 2] ** 3, 3, batched=True)
    expected = np.array([float(f(t)) for t in thetas.reshape(-1, 3)]).reshape(shape)
    for obj in (looped, batched):
        out = obj.loss_batch(thetas)
        assert out.shape == tuple(shape)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_objective_validates_arguments():
    obj = FunctionObjective(f, dim=3)
    with pytest.raises(ValueError, match=r"`theta` must have shape \(3,\), got \(2,\)"):
        obj.loss(np.zeros(2))
    with pytest.raises(ValueError, match=r"`thetas` must have shape \(\.\.\., 3\), got \(4, 2\)"):
        obj.loss_batch(np.zeros((4, 2)))
    with pytest.raises(TypeError, match="`f` must be callable"):
        FunctionObjective("x**2", dim=1)
    with pytest.raises(ValueError, match="`dim` must be an integer >= 1, got 0"):
        FunctionObjective(f, dim=0)
    with pytest.raises(TypeError, match="`batched` must be True or False"):
        FunctionObjective(f, dim=3, batched=1)
    # a loss may be evaluated at non-finite points (divergence is a result), derivatives may not
    assert np.isinf(FunctionObjective(lambda t: t[0] ** 2, 1).loss([np.inf]))
    with pytest.raises(ValueError, match="`theta` must contain only finite"):
        obj.hessian(np.array([np.inf, 0.0, 0.0]))
    class Bare(Objective):
        dim = 1

    with pytest.raises(NotImplementedError):
        Bare().loss([1.0])


def test_gradient_error_is_small_for_a_correct_gradient_at_a_critical_point():
    # the true gradient is 0 at the minimum: a purely relative error would report ~100 % from rounding noise
    from course_utils.derivatives import gradient_error

    def f(t):
        return (t[0] - 1.0) ** 2 + 3.0 * (t[1] + 2.0) ** 2

    def g(t):
        return np.array([2 * (t[0] - 1.0), 6 * (t[1] + 2.0)])

    assert gradient_error(f, g, np.array([1.0, -2.0])) < 1e-8
    assert gradient_error(f, lambda t: g(t) + 0.1, np.array([1.0, -2.0])) > 0.05
