"""Checks for chapter 1 (Convexity and Jensen's inequality).

1.1 a chord-violation finder · 1.2 Jensen's gap of a sample · 1.3 the curvature constants of a Hessian ·
1.4 the best fixed step and its rate · 1.5 a non-convexity witness for a small network (permutation symmetry).
References come from :mod:`course_utils.convexity` and :mod:`course_utils.jensen`; messages never show them.
"""

from __future__ import annotations

import math

import numpy as np

from ... import convexity, data, jensen, models, optimizers
from ..registry import exercise


def _ts(n: int) -> np.ndarray:
    return np.arange(1, n + 1) / (n + 1)


def _violates(f, triple) -> bool:
    x, y, t = (float(np.asarray(v).reshape(-1)[0]) for v in triple)
    return f(t * x + (1 - t) * y) > t * f(x) + (1 - t) * f(y) + 1e-12


@exercise("1.1", title="A chord-violation finder", budget=10.0)
def check_chord_violation(answer, t):
    """answer(f, points, ts) -> (x, y, t) of the largest chord gap among all pairs, or None if no violation."""
    cases = [
        ("x⁴ − x²", lambda x: x**4 - x**2, np.linspace(-1.5, 1.5, 13), 3),
        ("sin x", np.sin, np.linspace(-3.0, 3.0, 21), 5),
        ("−√|x|", lambda x: np.sqrt(np.abs(x)), np.linspace(-2.0, 2.0, 9), 4),
    ]
    for name, f, pts, n_t in cases:
        got = answer(f, pts.copy(), _ts(n_t))
        case = f"f = {name}, {len(pts)} points in [{pts[0]:g}, {pts[-1]:g}], {n_t} weights t"
        if got is None or not hasattr(got, "__len__") or len(got) != 3:
            t.fail(f"expected a triple (x, y, t), got {got!r:.60}", case=case,
                   hint="f is not convex here, so some chord must be violated: return its (x, y, t).")
            continue
        ok = t.true(_violates(f, got), case=case + ": your triple violates the chord inequality",
                    hint="Check the inequality direction: a violation is f(tx + (1−t)y) > t f(x) + (1−t) f(y).")
        if ok:
            x, y, w = (float(np.asarray(v).reshape(-1)[0]) for v in got)
            gap = f(w * x + (1 - w) * y) - (w * f(x) + (1 - w) * f(y))
            best = convexity.chord_test(f, pts, n_t=n_t, n_segments=10**6).max_gap
            t.close(gap, best, rtol=1e-9, case=case + ": it is the worst violation",
                    hint="Try every pair of points (i < j) and every t, and keep the largest gap, not the first one.")
    for name, f in (("x²", lambda x: x**2), ("eˣ", np.exp), ("|x|", np.abs)):
        got = answer(f, np.linspace(-2.0, 2.0, 11), _ts(4))
        t.true(got is None, case=f"f = {name} (convex): no violation exists",
               message=f"you returned {got!r:.60} for a convex function",
               hint="Only a strictly positive gap (above ~1e-9 for rounding) is a violation; return None otherwise.")


@exercise("1.2", title="Jensen's gap of a sample", budget=5.0)
def check_jensen_gap(answer, t):
    """answer(f, samples) -> mean of f(samples) − f(mean of samples)."""
    rng = np.random.default_rng(11)
    s = rng.normal(1.0, 2.0, size=50)
    t.close(answer(lambda x: x**2, s.copy()), s.var(), rtol=1e-9, case="f = x², 50 Gaussian samples",
            hint="For f = x² the gap is E[X²] − (E X)², the (biased, 1/n) variance of the sample.")
    pos = rng.uniform(0.5, 5.0, size=20)
    expected = jensen.jensen_gap(np.log, jensen.discrete(pos)).gap
    t.close(answer(np.log, pos.copy()), expected, rtol=1e-9, case="f = log x, 20 positive samples",
            hint="Average f over the samples, then subtract f evaluated at the average sample — in that order.")
    t.close(answer(np.exp, np.array([0.0, 0.0, 0.0])), 0.0, atol=1e-12, case="f = eˣ, all samples equal",
            hint="With no spread, E f(X) = f(E X): the gap must be 0.")
    t.close(answer(lambda x: 3 * x + 1, s.copy()), 0.0, atol=1e-9, case="f affine, 50 samples",
            hint="For an affine f, E f(X) = f(E X) exactly.")


@exercise("1.3", title="Curvature constants of a Hessian", budget=5.0)
def check_constants(answer, t):
    """answer(H) -> (mu, L, kappa) with kappa = inf unless mu > 0."""
    H = np.diag([2.0, 20.0])
    got = answer(H.copy())
    t.close(np.asarray(got, dtype=float), [2.0, 20.0, 10.0], rtol=1e-9, case="H = diag(2, 20)",
            hint="μ and L are the smallest and largest eigenvalues; κ = L/μ.")
    R = np.array([[math.cos(0.7), -math.sin(0.7)], [math.sin(0.7), math.cos(0.7)]])
    H = R @ np.diag([0.5, 4.0]) @ R.T
    t.close(np.asarray(answer(H.copy()), dtype=float), [0.5, 4.0, 8.0], rtol=1e-9,
            case="a rotated Hessian with eigenvalues 0.5 and 4",
            hint="Use the eigenvalues (np.linalg.eigvalsh), not the diagonal entries: they differ after a rotation.")
    rng = np.random.default_rng(5)
    M = rng.normal(size=(4, 4))
    H = M @ M.T + 0.1 * np.eye(4)
    c = convexity.quadratic_constants(H)
    t.close(np.asarray(answer(H.copy()), dtype=float), [c.mu, c.L, c.kappa], rtol=1e-8, case="a random 4×4 PSD H",
            hint="μ and L are the extreme eigenvalues of the symmetric matrix H.")
    for name, H in (("diag(0, 3) (convex, not strongly)", np.diag([0.0, 3.0])),
                    ("diag(−1, 3) (indefinite)", np.diag([-1.0, 3.0]))):
        got = answer(H.copy())
        try:
            kappa = float(got[2])
        except Exception:
            kappa = math.nan
        t.true(math.isinf(kappa) and kappa > 0, case=f"H = {name}: κ", message=f"your κ is {kappa!r}",
               hint="Without strong convexity (μ ≤ 0) there is no finite condition number: return math.inf.")


@exercise("1.4", title="Best step size and predicted rate", budget=5.0)
def check_best_step(answer, t):
    """answer(A) -> (step, rate): the step 2/(μ+L) and the contraction factor (κ−1)/(κ+1) of GD on ½xᵀAx."""
    for name, A in (("diag(1, 10)", np.diag([1.0, 10.0])), ("diag(3, 3)", np.diag([3.0, 3.0])),
                    ("rotated, eigenvalues 0.2 and 5", models.Quadratic.from_eigenvalues([0.2, 5.0], angle=0.4).A)):
        c = convexity.quadratic_constants(A)
        got = answer(A.copy())
        t.close(np.asarray(got, dtype=float), [c.best_step, c.rate], rtol=1e-8, case=f"A = {name}",
                hint="Balance the flattest and steepest directions: |1 − ημ| = |1 − ηL| gives η = 2/(μ+L).")
    A = models.Quadratic.from_eigenvalues([0.5, 8.0], angle=1.0)
    try:
        step, rate = (float(v) for v in answer(A.A.copy()))
    except Exception:
        t.fail("your function must return two numbers (step, rate)", case="GD run with your step")
        return
    if not (math.isfinite(step) and step > 0):
        t.fail(f"your step {step!r} is not a positive number", case="GD run with your step")
        return
    traj = optimizers.run(A, optimizers.gd(), [1.0, -1.0], steps=30, lr=step)
    dist = np.linalg.norm(traj.thetas, axis=1)
    t.true(np.all(dist[1:] <= rate * dist[:-1] * (1 + 1e-9) + 1e-300),
           case="GD with your step on a rotated quadratic (eigenvalues 0.5, 8) contracts by your rate each step",
           message="the distance to the minimum shrank by less than your predicted rate",
           hint="The rate at step η is max over eigenvalues of |1 − ηλ|.")


def _trained_network():
    X, y = data.two_moons(60, noise=0.15, rng=4)
    mlp = models.MLP(X, y, hidden=(5,), activation="tanh", loss="cross_entropy")
    theta = optimizers.run(mlp, optimizers.adam(), mlp.init(np.random.default_rng(4)), steps=80, lr=0.1).final_theta
    return mlp, theta


@exercise("1.5", title="A non-convexity witness for a network", budget=15.0)
def check_witness(answer, t):
    """answer(mlp, theta) -> (theta_a, theta_b): equal losses, but the midpoint is worse."""
    mlp, theta = _trained_network()
    got = answer(mlp, theta.copy())
    case = "a trained 2-5-1 tanh network on two moons"
    try:
        a, b = (np.asarray(v, dtype=float) for v in got)
    except Exception:
        t.fail(f"expected two parameter vectors (theta_a, theta_b), got {type(got).__name__}", case=case)
        return
    if not t.true(a.shape == (mlp.dim,) and b.shape == (mlp.dim,), case=case + ": shapes",
                  message=f"got shapes {a.shape} and {b.shape}", hint="Return two flat vectors like theta."):
        return
    la, lb, lm = mlp.loss(a), mlp.loss(b), mlp.loss(0.5 * (a + b))
    t.true(not np.allclose(a, b), case=case + ": the two vectors differ",
           hint="Two identical vectors prove nothing; permute the hidden units to get a different θ'.")
    t.true(math.isclose(la, lb, rel_tol=1e-9, abs_tol=1e-12), case=case + ": equal losses",
           message=f"your losses differ: {la:.6g} vs {lb:.6g}",
           hint="Swap the columns of W1, the entries of b1 AND the rows of W2 — otherwise the function changes.")
    t.true(lm > max(la, lb) + 1e-6, case=case + ": the midpoint has a higher loss (the chord is violated)",
           message=f"midpoint loss {lm:.6g} is not above {max(la, lb):.6g}",
           hint="Use the trained θ you were given and a permutation that actually moves units.")
