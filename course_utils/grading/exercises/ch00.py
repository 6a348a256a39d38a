"""Checks for chapter 0 (Start here): gradients and gradient descent on quadratics.

The loss is :math:`f(x) = \\tfrac12 x^\\top A x - b^\\top x` with ``A`` symmetric; its gradient is
:math:`Ax - b`, one gradient-descent step is :math:`x - \\eta \\nabla f(x)`, and on the 1-D quadratic
:math:`f(x) = \\tfrac12 a x^2` GD gives :math:`x_k = (1 - \\eta a)^k x_0`, stable iff :math:`0 < \\eta < 2/a`.
"""

from __future__ import annotations

import numpy as np

from ...derivatives import finite_difference_gradient
from ..cases import check_input_unchanged, random_symmetric
from ..registry import exercise


@exercise("0.1", title="Gradient of a quadratic", budget=5.0)
def check_quadratic_gradient(answer, t):
    """answer(A, b, x) -> ∇f(x) for f(x) = ½xᵀAx − bᵀx, A symmetric; shapes (n, n), (n,), (n,) -> (n,)."""
    A, b, x = np.diag([1.0, 10.0]), np.zeros(2), np.ones(2)
    t.close(answer(A, b.copy(), x.copy()), A @ x - b, case="A = diag(1, 10), b = 0, x = (1, 1)", rtol=1e-8,
            hint="The gradient of ½xᵀAx is Ax when A is symmetric: the ½ cancels the 2 from differentiating x².")

    A, b = np.diag([1.0, 10.0]), np.array([1.0, -2.0])
    t.close(answer(A.copy(), b.copy(), np.zeros(2)), -b, case="A = diag(1, 10), b = (1, −2), x = 0", rtol=1e-8,
            hint="At x = 0 only the linear term −bᵀx contributes: its gradient is −b, not +b.")

    # The defining property: it agrees with finite differences of the loss on a random symmetric problem.
    rng = np.random.default_rng(0)
    A, b, x = random_symmetric(rng, 3), rng.standard_normal(3), rng.standard_normal(3)

    def loss(z):
        return 0.5 * z @ A @ z - b @ z

    t.close(answer(A.copy(), b.copy(), x.copy()), finite_difference_gradient(loss, x), rtol=1e-6, atol=1e-8,
            case="random symmetric 3×3 A, random b and x (compared with finite differences of f)",
            hint="Differentiate both terms: ∇(½xᵀAx) = Ax and ∇(bᵀx) = b.")

    # Zero exactly at the minimiser x* = A⁻¹b (A positive definite).
    A, b = random_symmetric(rng, 5), rng.standard_normal(5)
    t.close(answer(A.copy(), b.copy(), np.linalg.solve(A, b)), np.zeros(5), atol=1e-9,
            case="5×5 A at the minimiser x* = A⁻¹b (the gradient must vanish there)",
            hint="The gradient vanishes where Ax = b; check the sign of the b term and the shape (n,) of the result.")


@exercise("0.2", title="One gradient-descent step", budget=5.0)
def check_gd_step(answer, t):
    """answer(grad, x, lr) -> x − lr·grad(x), a new array of shape (n,); x must not be modified."""
    A, b = np.diag([1.0, 10.0]), np.array([1.0, 1.0])

    def grad(z):
        return A @ z - b

    x = np.array([1.0, 1.0])
    t.close(answer(grad, x.copy(), 0.1), x - 0.1 * grad(x), rtol=1e-10,
            case="∇f(x) = diag(1, 10)x − (1, 1), x = (1, 1), lr = 0.1",
            hint="A step goes against the gradient: x_new = x − lr · ∇f(x).")

    t.close(answer(grad, x.copy(), 0.0), x, rtol=0.0, atol=0.0, case="lr = 0 (the point must not move)",
            hint="With lr = 0 the step is zero: return x − 0 · ∇f(x).")

    # A nonlinear gradient catches steps that evaluate the gradient somewhere other than x.
    def grad_cubic(z):
        return z**3 - z

    x = np.array([2.0, -0.5, 0.3])
    t.close(answer(grad_cubic, x.copy(), 0.05), x - 0.05 * grad_cubic(x), rtol=1e-10,
            case="∇f(x) = x³ − x, x = (2, −0.5, 0.3), lr = 0.05",
            hint="Evaluate the gradient once, at the current point x, then step: x − lr · grad(x).")

    x = np.array([1.0, 1.0])
    before = x.copy()
    answer(grad, x, 0.1)
    check_input_unchanged(t, before, x, case="the input x after the call (it must be unchanged)",
                          message="your function changed the caller's x in place",
                          hint="`x -= lr * g` modifies the caller's array; return a new one with `x - lr * g`.")


@exercise("0.3", title="Loss after k gradient-descent steps", budget=5.0)
def check_loss_after_k_steps(answer, t):
    """answer(a, x0, lr, k) -> f(x_k) for f(x) = ½ a x², GD from x0 with step lr (x_k = (1 − lr·a)^k x0)."""

    def expected(a, x0, lr, k):
        return 0.5 * a * ((1 - lr * a) ** k * x0) ** 2

    t.close(answer(2.0, 3.0, 0.1, 0), expected(2.0, 3.0, 0.1, 0), rtol=1e-10, case="a = 2, x0 = 3, lr = 0.1, k = 0",
            hint="After 0 steps the loss is f(x0) = ½ a x0², not x0 itself.")
    t.close(answer(2.0, 3.0, 0.1, 1), expected(2.0, 3.0, 0.1, 1), rtol=1e-10, case="a = 2, x0 = 3, lr = 0.1, k = 1",
            hint="f'(x) = a x, so one step maps x to x − lr · a · x = (1 − lr·a) x; the loss is ½ a x².")
    t.close(answer(2.0, 3.0, 0.1, 25), expected(2.0, 3.0, 0.1, 25), rtol=1e-8, case="a = 2, x0 = 3, lr = 0.1, k = 25",
            hint="Repeat the same step k times (a loop), or use x_k = (1 − lr·a)^k x0.")
    t.close(answer(4.0, 1.0, 0.6, 10), expected(4.0, 1.0, 0.6, 10), rtol=1e-8,
            case="a = 4, x0 = 1, lr = 0.6 > 2/a, k = 10 (GD diverges: the loss must grow)",
            hint="When |1 − lr·a| > 1 each step overshoots further; do not clip or stop early.")
    # Property: with lr = 1/a GD lands on the minimiser in one step, from any start.
    t.close(answer(5.0, -7.0, 0.2, 1), 0.0, atol=1e-12, case="a = 5, x0 = −7, lr = 1/a = 0.2, k = 1",
            hint="With lr = 1/a one step reaches x = 0 exactly, where the loss is 0.")
