"""Checks for chapter 0 (Start here): gradients and gradient descent on quadratics (0.1–0.3), and the largest
stable step at the wobbly terrain's minimum, derived (0.4).

The loss is :math:`f(x) = \\tfrac12 x^\\top A x - b^\\top x` with ``A`` symmetric. Every check runs printed
cases (they teach), a hidden case drawn afresh on each call (a table of the printed inputs cannot pass), and a
case that the caller's arrays are unchanged. Hints are chosen by recognising the mistake — the student's value
is compared with what each known misconception returns on the failing case — and never state the formula.
"""

from __future__ import annotations

import numpy as np

from ...derivatives import finite_difference_gradient
from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng, random_symmetric
from ..registry import exercise


def _vector_shape_hint(actual, n: int) -> str | None:
    shape = np.shape(actual) if actual is not None else None
    if shape in ((n, 1), (1, n)):
        return "Your result is a 2-D column or row; return a flat vector of shape (n,)."
    if shape == (n, n):
        return ("Your result is an n×n matrix: `*` multiplies entry by entry (and broadcasts) — it is not the "
                "matrix–vector product.")
    if shape == ():
        return ("Your function returns a single number: that looks like the loss f(x) itself; the gradient has "
                "one partial derivative per coordinate.")
    return None


# ---------------------------------------------------------------------------------------------------------------
# 0.1


def _gradient_hint(actual, A, b, x, default):
    shape = _vector_shape_hint(actual, x.size)
    if shape:
        return shape
    return diagnose(actual, [
        (A @ x + b, "The linear term has the wrong sign: differentiate −bᵀx again, minus sign included."),
        (-(A @ x - b), "Your vector has the opposite sign: the gradient points uphill, towards larger f."),
        (2 * (A @ x) - b, "The quadratic part is twice too large: differentiating gives a factor 2 — what does the "
                          "½ in front of xᵀAx do to it?"),
        (A @ x, "The b term is missing: the linear part −bᵀx contributes to the gradient too."),
        (np.diag(A) * x - b, "Only the diagonal of A is used: an off-diagonal entry A_ij couples x_i and x_j, so it "
                             "contributes to both partial derivatives."),
        (0.5 * (A @ x) - b, "The quadratic part is half its size: differentiating xᵀAx produces a factor 2 "
                            "(A symmetric) that cancels the ½."),
    ], default, expected=A @ x - b)


@exercise("0.1", title="Gradient of a quadratic", budget=5.0)
def check_quadratic_gradient(answer, t):
    """answer(A, b, x) -> ∇f(x) for f(x) = ½xᵀAx − bᵀx, A symmetric; shapes (n, n), (n,), (n,) -> (n,)."""
    # printed cases: a diagonal A, then a non-diagonal one
    A, b, x = np.diag([1.0, 10.0]), np.zeros(2), np.ones(2)
    expected = A @ x - b
    got = answer(A.copy(), b.copy(), x.copy())
    t.close(got, expected, case="A = diag(1, 10), b = 0, x = (1, 1)", rtol=1e-8,
            hint=_gradient_hint(got, A, b, x, "Differentiate ½xᵀAx coordinate by coordinate; A is symmetric."))

    A, b, x = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, -2.0]), np.array([1.0, -1.0])
    expected = A @ x - b
    got = answer(A.copy(), b.copy(), x.copy())
    t.close(got, expected, case="A = [[2, 1], [1, 3]], b = (1, −2), x = (1, −1)", rtol=1e-8,
            hint=_gradient_hint(got, A, b, x, "Differentiate both terms of f, each coordinate of x in turn."))

    # The defining property: it agrees with finite differences of the loss on a random symmetric problem.
    rng = np.random.default_rng(0)
    A, b, x = random_symmetric(rng, 3), rng.standard_normal(3), rng.standard_normal(3)

    def loss(z):
        return 0.5 * z @ A @ z - b @ z

    expected = finite_difference_gradient(loss, x)
    got = answer(A.copy(), b.copy(), x.copy())
    t.close(got, expected, rtol=1e-6, atol=1e-8,
            case="random symmetric 3×3 A, random b and x (compared with finite differences of f)",
            hint=_gradient_hint(got, A, b, x, "Compare your vector with finite differences of f in each coordinate."))

    # hidden: a fresh random problem of random size on every call; the caller's arrays must not change
    rng = hidden_rng()
    n = int(rng.integers(3, 7))
    A, b, x = random_symmetric(rng, n), rng.standard_normal(n), rng.standard_normal(n)
    expected = A @ x - b
    inputs = (A.copy(), b.copy(), x.copy())
    got = answer(*inputs)
    t.close(got, expected, rtol=1e-8, atol=1e-12, case=f"a random symmetric {n}×{n} problem {HIDDEN_NOTE}",
            hint=_gradient_hint(got, A, b, x, "Your function must work for any symmetric A and any size n."))
    check_input_unchanged(t, [A, b, x], list(inputs), case="A, b and x after the call (they must be unchanged)",
                          message="your function changed the caller's A, b or x in place",
                          hint="An in-place operation (`x[:] = …`, `-=`, `+=`) wrote into the caller's array; "
                               "build the result in a new array.")


# ---------------------------------------------------------------------------------------------------------------
# 0.2


def _step_hint(actual, grad, x, lr, default):
    g = grad(x)
    x1 = x - lr * g
    norm = np.linalg.norm(g)
    return diagnose(actual, [
        (x + lr * g, "Your step goes uphill: gradient descent moves against the gradient — check the sign."),
        (-lr * g, "You returned the step (the displacement), not the new point."),
        (x - g, "The learning rate is not applied: the gradient must be scaled by lr."),
        (x - lr * g / norm if norm > 0 else None,
         "You normalised the gradient: plain gradient descent uses the gradient as it is, its length included."),
        (x1 - lr * grad(x1), "You took two steps: one call is one step."),
        (x - lr * lr * g, "The learning rate is applied twice."),
    ], default, expected=x1)


@exercise("0.2", title="One gradient-descent step", budget=5.0)
def check_gd_step(answer, t):
    """answer(grad, x, lr) -> x − lr·grad(x), a new array of shape (n,); x must not be modified."""
    A, b = np.diag([1.0, 10.0]), np.array([1.0, 1.0])

    def grad(z):
        return A @ z - b

    x = np.array([1.0, 1.0])
    expected = x - 0.1 * grad(x)
    got = answer(grad, x.copy(), 0.1)
    t.close(got, expected, rtol=1e-10, case="∇f(x) = diag(1, 10)x − (1, 1), x = (1, 1), lr = 0.1",
            hint=_step_hint(got, grad, x, 0.1, "Move from x by lr times the gradient, in the right direction."))

    got = answer(grad, x.copy(), 0.0)
    t.close(got, x, rtol=0.0, atol=0.0, case="lr = 0 (the point must not move)",
            hint=_step_hint(got, grad, x, 0.0, "With lr = 0 the point must stay where it is: how does lr enter "
                                               "your step?"))

    # A nonlinear gradient catches steps that evaluate the gradient somewhere other than x.
    def grad_cubic(z):
        return z**3 - z

    x = np.array([2.0, -0.5, 0.3])
    expected = x - 0.05 * grad_cubic(x)
    got = answer(grad_cubic, x.copy(), 0.05)
    t.close(got, expected, rtol=1e-10, case="∇f(x) = x³ − x, x = (2, −0.5, 0.3), lr = 0.05",
            hint=_step_hint(got, grad_cubic, x, 0.05,
                            "With a nonlinear gradient it matters where you evaluate it: once, at the current x."))

    # hidden: a random nonlinear gradient, point and learning rate on every call
    rng = hidden_rng()
    n = int(rng.integers(2, 6))
    c, x, lr = rng.uniform(0.5, 2.0, n), rng.standard_normal(n), float(rng.uniform(0.01, 0.3))

    def grad_hidden(z):
        return c * np.tanh(z) + z**3

    expected = x - lr * grad_hidden(x)
    got = answer(grad_hidden, x.copy(), lr)
    t.close(got, expected, rtol=1e-10, atol=1e-14, case=f"a random nonlinear gradient in {n} dimensions {HIDDEN_NOTE}",
            hint=_step_hint(got, grad_hidden, x, lr, "Your function must work for any grad, x and lr."))

    x = np.array([1.0, 1.0])
    before = x.copy()
    answer(grad, x, 0.1)
    check_input_unchanged(t, before, x, case="the input x after the call (it must be unchanged)",
                          message="your function changed the caller's x in place",
                          hint="An in-place update (`-=`, `x[:] = …`) modifies the caller's array: the caller's x "
                               "must keep its values, so return a new array.")


# ---------------------------------------------------------------------------------------------------------------
# 0.3


def _loss_after(a, x0, lr, k, factor=None):
    factor = (1 - lr * a) if factor is None else factor
    return 0.5 * a * (factor ** k * x0) ** 2


def _steps_hint(actual, a, x0, lr, k, default):
    xk = (1 - lr * a) ** k * x0
    mistakes = [
        (xk, "You returned the point x_k; the exercise asks for the loss at that point."),
        (a * xk**2, "Your loss is twice too large: f has a ½ in front."),
        (_loss_after(a, x0, lr, k + 1), "Your value is the loss after k + 1 steps: one step too many — count how "
                                         "often your loop runs (k = 0 must give the loss at x0)."),
        (_loss_after(a, x0, lr, k, 1 + lr * a), "Your steps go uphill: the update must move against f'(x)."),
        (_loss_after(a, x0, lr, k, 1 - lr), "Your step ignores the curvature: the derivative of ½ a x² depends on a."),
        (min(_loss_after(a, x0, lr, k), 0.5 * a * x0**2),
         "Your loss never exceeds the starting loss: when GD diverges the loss must grow — do not clip or stop."),
    ]
    if k >= 1:
        mistakes.insert(2, (_loss_after(a, x0, lr, k - 1), "Your value is the loss after k − 1 steps: one step too "
                                                           "few — count how often your loop runs."))
    return diagnose(actual, mistakes, default, expected=_loss_after(a, x0, lr, k), rtol=1e-7, atol=0.0)


@exercise("0.3", title="Loss after k gradient-descent steps", budget=5.0)
def check_loss_after_k_steps(answer, t):
    """answer(a, x0, lr, k) -> f(x_k) for f(x) = ½ a x², GD from x0 with step lr."""
    printed = [
        ((2.0, 3.0, 0.1, 0), "a = 2, x0 = 3, lr = 0.1, k = 0 (no step: the loss at x0)", 1e-10),
        ((2.0, 3.0, 0.1, 1), "a = 2, x0 = 3, lr = 0.1, k = 1", 1e-10),
        ((2.0, 3.0, 0.1, 25), "a = 2, x0 = 3, lr = 0.1, k = 25", 1e-8),
        ((4.0, 1.0, 0.6, 10), "a = 4, x0 = 1, lr = 0.6 > 2/a, k = 10 (GD diverges: the loss must grow)", 1e-8),
        ((5.0, -7.0, 0.2, 1), "a = 5, x0 = −7, lr = 1/a = 0.2, k = 1 (one step lands on the minimum)", None),
    ]
    rng = hidden_rng()
    a = float(rng.uniform(0.5, 3.0))
    ratio = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 0.95))  # 1 − lr·a, away from 0 and ±1
    hidden = (a, float(rng.uniform(0.5, 3.0) * rng.choice([-1.0, 1.0])), (1 - ratio) / a, int(rng.integers(2, 12)))
    printed.append((hidden, f"a = {hidden[0]:.4g}, x0 = {hidden[1]:.4g}, lr = {hidden[2]:.4g}, k = {hidden[3]} "
                            f"{HIDDEN_NOTE}", 1e-8))
    for args, case, rtol in printed:
        expected = _loss_after(*args)
        got = answer(*args)
        default = ("Your function must work for any a, x0, lr and k, not only the printed ones." if args is hidden
                   else "Run exactly k steps of gradient descent on f and return f at the last point.")
        hint = _steps_hint(got, *args, default)
        if rtol is None:
            t.close(got, 0.0, atol=1e-12, case=case, hint=hint)
        else:
            t.close(got, expected, rtol=rtol, case=case, hint=hint)


# ---------------------------------------------------------------------------------------------------------------
# 0.4


_RIPPLE = 3 * np.pi  # the wobbly terrain's ripple frequency: cos(3πx) + cos(3πy)


def _wobbly_loss(amplitude: float):
    """f(x, y) = x² + y² − A(cos 3πx + cos 3πy): the chapter's wobbly terrain, written out (the oracle)."""

    def loss(z):
        return float(z[0] ** 2 + z[1] ** 2 - amplitude * (np.cos(_RIPPLE * z[0]) + np.cos(_RIPPLE * z[1])))

    return loss


def _step_limit_reference(amplitude: float) -> float:
    """2/λ_max with λ_max the curvature of f at the origin, checked against second differences of f."""
    curvature = 2 + _RIPPLE**2 * amplitude
    f, h = _wobbly_loss(amplitude), 1e-4
    for e in (np.array([h, 0.0]), np.array([0.0, h]), np.array([h, h]) / np.sqrt(2)):  # both axes and a diagonal
        second = (f(e) - 2 * f(np.zeros(2)) + f(-e)) / h**2
        assert abs(second - curvature) <= 1e-5 * curvature, "0.4: the reference curvature disagrees with f"
    return 2 / curvature


def _step_limit_hint(got, amplitude: float, default: str) -> str:
    A, k2 = amplitude, _RIPPLE**2
    return diagnose(got, [
        (1 / (2 + k2 * A), "Your value is half the limit: a step of 1/λ lands on the minimum of a quadratic of "
                           "curvature λ in one step — the fastest step, not the largest one that still converges. "
                           "How far past 1/λ can a step overshoot and still shrink the distance?"),
        (1.0, "Your value ignores the ripples: it is the round bowl's limit. At the origin the cosine terms curve the "
              "terrain too — differentiate them twice as well."),
        (2 / (k2 * A) if A > 0 else None,
         "You kept only the ripples' curvature: the round-bowl part x² + y² curves the terrain at the origin as well."),
        (2 / (2 + 3 * np.pi * A), "The ripples' curvature is too small by a factor 3π: differentiating cos 3πx brings "
                                  "out 3π, and differentiating twice brings it out twice (chain rule)."),
        (2 / (2 - k2 * A), "Your ripple curvature has the wrong sign: at x = 0 the term −A cos 3πx is at its lowest, "
                           "so it curves upward there — check the sign of cos''."),
        (2 / (1 + k2 * A), "Your bowl curvature is 1, the curvature of ½x² (chapter 1's stretched bowl). This terrain "
                           "has x² itself: what is its second derivative?"),
        (2 / (2 + 9 * A), "The π is missing from the ripples' curvature: the ripple is cos(3πx), whose frequency is "
                          "3π, not 3."),
        (2 / (2 + 2 * k2 * A), "You added both ripple terms' curvatures in one direction: cos 3πx depends on x only "
                               "and cos 3πy on y only, so the Hessian at the origin is diagonal and each direction "
                               "feels one ripple term."),
    ], default, expected=2 / (2 + k2 * A), rtol=1e-6)


def _settles(amplitude: float, lrs) -> np.ndarray:
    """GD on the terrain from just beside the origin, 300 steps, one run per learning rate in ``lrs`` (side by
    side): whether each settled at the origin (within 1e-6).

    The runs use the terrain's gradient written out, 2z + 3πA sin 3πz per coordinate, checked here against
    central differences of the terrain itself. Not ``optimizers.run`` on ``functions.get("wobbly")``: importing
    ``functions`` (autograd) took 6 s and four such runs 5 s more on a loaded machine, past the check's budget.
    """
    start = np.array([0.01, -0.02])

    def grad(z):
        return 2 * z + _RIPPLE * amplitude * np.sin(_RIPPLE * z)

    f, h = _wobbly_loss(amplitude), 1e-6
    central = np.array([(f(start + e) - f(start - e)) / (2 * h) for e in np.eye(2) * h])
    assert np.allclose(grad(start), central, rtol=1e-6, atol=1e-6), "0.4: the written-out gradient disagrees with f"
    lrs = np.asarray(lrs, dtype=float)[:, None]
    z = np.tile(start, (len(lrs), 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(300):
            z = z - lrs * grad(z)
        distance = np.linalg.norm(z, axis=1)
    return np.isfinite(distance) & (distance < 1e-6)


@exercise("0.4", title="The largest stable step at the wobbly terrain's minimum", budget=10.0)
def check_wobbly_step_limit(answer, t):
    """answer(amplitude) -> the largest learning rate for which GD converges to the minimum (0, 0) of
    x² + y² − A(cos 3πx + cos 3πy) from nearby starts (a float)."""
    hidden = hidden_rng()
    A_hidden = float(hidden.uniform(0.05, 2.0))
    cases = [
        ("A = 1 (the chapter's wobbly terrain)", 1.0),
        ("A = 0.25", 0.25),
        ("A = 0 (no ripples: the round bowl)", 0.0),
        (f"A = {A_hidden:.4g} {HIDDEN_NOTE}", A_hidden),
    ]
    default = ("Use the chapter's step-size rule at the global minimum: it needs the largest curvature of f at "
               "(0, 0) — take the second derivatives of f there.")
    answers = {}
    for name, A in cases:
        expected = _step_limit_reference(A)
        got = answer(A)
        answers[A] = got
        t.close(got, expected, rtol=1e-5, case=name,
                hint=_step_limit_hint(got, A, default + (" Your function must work for any A ≥ 0." if A == A_hidden
                                                         else "")))
    # The numerical meaning of the answer: just below it GD settles at the origin, just above it does not.
    for A in (1.0, A_hidden):
        got = answers[A]
        name = (f"A = {A:.4g}: gradient descent from (0.01, −0.02), 300 steps, at 0.95 × and at 1.05 × your "
                "largest step (it must settle at the origin below your value and fail to settle above it)")
        try:
            value = float(got)
        except (TypeError, ValueError):
            value = float("nan")
        if not (np.isfinite(value) and value > 0):
            t.fail("your value is not a positive learning rate", case=name,
                   hint=_step_limit_hint(got, A, default))
            continue
        below, above = _settles(A, [0.95 * value, 1.05 * value])
        t.true(below and not above, case=name,
               message=("GD did not settle at the origin just below your value" if not below else
                        "GD still settled at the origin just above your value: the true limit is larger"),
               hint=_step_limit_hint(got, A, default))
