r"""Checks for chapter 8 (The landmark figures, live on real data).

Scaffold: ``make new-chapter`` wrote this module with the check of the placeholder exercise 8.1. Replace it with
your chapter's checks — one ``@exercise("8.k", …)`` per exercise, built from property cases plus the cases that
catch the usual misconceptions, each with a hint that diagnoses without giving the answer (see
:mod:`course_utils.grading`).

Exercise 8.1: ``answer(A)`` for a symmetric positive-definite ``A`` of shape (n, n) returns the largest stable
learning rate of gradient descent on :math:`f(\theta) = \tfrac12 \theta^\top A \theta`, :math:`2/\lambda_{\max}(A)`.
"""

from __future__ import annotations

import numpy as np

from ..registry import exercise

# ===== exercises 8.1–8.2 (helper A: bulk and outliers, the trajectory's PCA plane) =====
# (8.1 below is the scaffold's placeholder: replace it)

_EIGEN_HINT = ("Each step multiplies the component of θ along an eigenvector of A by (1 − ηλ). Gradient descent "
               "converges from every start only if every such factor is smaller than 1 in size: which eigenvalue "
               "limits η?")
_ONE_OVER_HINT = ("At η = 1/λ the sharpest component is zeroed in one step, but larger steps converge too: they "
                  "overshoot and oscillate with a shrinking amplitude. For which η does |1 − ηλ| reach 1?")
_DIAGONAL_HINT = ("The diagonal entries of A are its curvatures along the coordinate axes only; the sharpest "
                  "direction of a non-diagonal A lies elsewhere (along an eigenvector).")
_NUMBER_HINT = "Return one positive float (for instance `float(...)`), not an array, a list or None."


def _one_number(value) -> float | None:
    """``value`` as a float if it is one finite positive number, else None."""
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(x) if x.shape == () and np.isfinite(x) and x > 0 else None


def _hint(value, A: np.ndarray) -> str:
    """The hint for a wrong ``value``: which misconception it looks like."""
    x = _one_number(value)
    if x is None:
        return _NUMBER_HINT
    lam_max = np.linalg.eigvalsh(A)[-1]
    if np.isclose(x, 1.0 / lam_max, rtol=1e-3):
        return _ONE_OVER_HINT
    if np.isclose(x, 2.0 / np.max(np.diag(A)), rtol=1e-3):
        return _DIAGONAL_HINT
    return _EIGEN_HINT


def _loss_ratio(A: np.ndarray, theta0: np.ndarray, lr: float, steps: int = 500) -> float:
    """f(θ_steps) / f(θ_0) for gradient descent with step ``lr`` (inf or nan once it has blown up)."""
    theta = theta0.copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta = theta - lr * (A @ theta)
        return float((theta @ A @ theta) / (theta0 @ A @ theta0))


def _random_spd(rng: np.random.Generator, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(rng.uniform(1.0, 10.0, size=n)) @ q.T


@exercise("8.1", title="The largest stable learning rate", budget=5.0)
def check_largest_stable_lr(answer, t):
    """answer(A) -> η* = 2/λ_max(A) for A symmetric positive definite, shape (n, n) -> float; A unchanged."""
    A = np.diag([1.0, 10.0])
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10)", rtol=1e-6, hint=_hint(value, A))

    c = np.sqrt(0.5)
    R = np.array([[c, -c], [c, c]])
    A = R @ np.diag([1.0, 10.0]) @ R.T  # its diagonal is (5.5, 5.5): the sharp direction is off the axes
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10) rotated by 45° (diagonal entries 5.5 and 5.5)", rtol=1e-6,
            hint=_hint(value, A))

    # The defining property, whatever the formula: just below η* GD converges, just above it diverges.
    rng = np.random.default_rng(0)
    for k in range(3):
        A, theta0 = _random_spd(rng, 4), rng.standard_normal(4)
        value = answer(A.copy())
        lr = _one_number(value)
        case = f"random 4×4 symmetric positive-definite A #{k + 1}, 500 steps of gradient descent from a random start"
        if lr is None:
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            continue
        ratio = _loss_ratio(A, theta0, 0.99 * lr)
        t.true(ratio < 1e-6, case=case + ", at 0.99 × your η (it must converge)",
               message=("gradient descent diverges just below your learning rate: it is too large" if not ratio <= 1
                        else "gradient descent has not converged after 500 steps just below your learning rate"),
               hint=_hint(value, A))
        t.true(_loss_ratio(A, theta0, 1.01 * lr) > 1, case=case + ", at 1.01 × your η (it must diverge)",
               message="gradient descent still converges just above your learning rate: it is not the largest",
               hint=_hint(value, A))

    A = np.diag([2.0, 5.0])
    before = A.copy()
    answer(A)
    t.true(np.array_equal(A, before), case="the input A after the call (it must be unchanged)",
           message="your function changed the caller's A in place",
           hint="Work on a copy (`A.copy()`) if you need to modify the matrix.")


# ===== end of exercises 8.1–8.2 =====


# ===== exercises 8.3–8.4 (helper B: batch size, edge of stability) =====


# ===== end of exercises 8.3–8.4 =====


# ===== exercises 8.5–8.6 (helper C: mode connectivity, spawn step) =====


# ===== end of exercises 8.5–8.6 =====
