"""Checks for chapter 3 (Critical points and the Hessian's spectrum).

Exercises: classify a critical point from its Hessian (3.1), its index (3.2), a saddle's escape direction
(3.3), one Newton step on ∇f = 0 (3.4), λ_max by power iteration from Hessian-vector products only (3.5),
and Hutchinson's trace estimator (3.6). Every check builds fresh inputs from a fixed seed, compares with
properties (eigen-equations, descent, unbiasedness) where it can, and never reveals the expected value.
"""

from __future__ import annotations

import numpy as np

from ..cases import with_eigenvalues
from ..registry import exercise


_CLASSIFY_CASES = [
    ([2.0, 3.0], "minimum", "H with eigenvalues (2, 3)"),
    ([-1.0, -4.0], "maximum", "H with eigenvalues (−1, −4)"),
    ([10.0, -2.0], "saddle", "H = Hessian of 5x² − y² (eigenvalues 10, −2)"),
    ([0.0, 0.0], "degenerate", "H = 0 (the monkey saddle at the origin)"),
    ([1e-12, 5.0], "degenerate", "eigenvalues (1e-12, 5): the first is zero up to rounding"),
    ([-3.0, 0.0, 2.0], "degenerate", "3×3 with eigenvalues (−3, 0, 2)"),
    ([1.0, -1.0, 1.0, 1.0], "saddle", "4×4 with one negative eigenvalue"),
]


@exercise("3.1", title="Classify a critical point", budget=5.0)
def check_classify(answer, t):
    """answer(H, tol=1e-8) -> "minimum" | "maximum" | "saddle" | "degenerate"."""
    for k, (eigs, expected, case) in enumerate(_CLASSIFY_CASES):
        H = with_eigenvalues(eigs, seed=k) if any(eigs) else np.zeros((len(eigs), len(eigs)))
        hint = {
            "degenerate": "Check for eigenvalues with |λ| ≤ tol first: a zero eigenvalue makes the test silent "
                          "(never call such a point a minimum).",
            "saddle": "Eigenvalues of both signs make a saddle; use np.linalg.eigvalsh (H is symmetric).",
        }.get(expected, "Read the signs of all eigenvalues (np.linalg.eigvalsh), not the diagonal entries of H.")
        t.equal(answer(H.copy(), 1e-8), expected, case=case, hint=hint)
    # the diagonal is not the spectrum: a rotated saddle with positive diagonal
    H = np.array([[1.0, 3.0], [3.0, 1.0]])
    t.equal(answer(H.copy(), 1e-8), "saddle", case="H = [[1, 3], [3, 1]] (positive diagonal)",
            hint="A positive diagonal does not make a minimum: the eigenvalues are what count.")


@exercise("3.2", title="The index of a critical point", budget=5.0)
def check_index(answer, t):
    """answer(H, tol=1e-8) -> int, the number of eigenvalues below −tol."""
    cases = [([1.0, 2.0], 0), ([10.0, -2.0], 1), ([-1.0, -2.0, -3.0], 3), ([-1.0, 0.0, 2.0], 1),
             ([-1e-12, 1.0], 0), ([-5.0, -0.5, 0.5, 5.0, 3.0], 2)]
    for k, (eigs, expected) in enumerate(cases):
        out = answer(with_eigenvalues(eigs, seed=10 + k), 1e-8)
        t.true(isinstance(out, (int, np.integer)) and not isinstance(out, bool),
               case=f"eigenvalues {tuple(eigs)}: the result is an integer",
               message=f"got {type(out).__name__}", hint="Return an int, e.g. int(np.sum(...)).")
        t.equal(int(out) if isinstance(out, (int, np.integer, float, np.floating)) else out, expected,
                case=f"eigenvalues {tuple(eigs)}",
                hint="Count the eigenvalues strictly below −tol; rounding noise like −1e-12 is zero, not negative.")


@exercise("3.3", title="The escape direction of a saddle", budget=5.0)
def check_escape(answer, t):
    """answer(H, tol=1e-8) -> unit vector u of the most negative eigenvalue, or None if λ_min ≥ −tol."""
    for k, eigs in enumerate([[2.0, -1.0], [3.0, -0.5, -2.0], [1.0, 1.0, -4.0, 0.5]]):
        H = with_eigenvalues(eigs, seed=20 + k)
        u = answer(H.copy(), 1e-8)
        case = f"saddle with eigenvalues {tuple(eigs)}"
        if u is None:
            t.fail("returned None for a saddle", case=case, hint="A saddle always has an escape direction.")
            continue
        u = np.asarray(u, dtype=float)
        if u.shape != (len(eigs),):
            t.fail(f"shape {u.shape}, expected ({len(eigs)},)", case=case,
                   hint="Return one column of the eigenvector matrix: vectors[:, i], not a row.")
            continue
        t.close(np.linalg.norm(u), 1.0, rtol=1e-8, case=case + ": unit length",
                hint="np.linalg.eigh returns unit eigenvectors; do not rescale them.")
        t.close(u @ H @ u, min(eigs), rtol=1e-8, atol=1e-10, case=case + ": curvature uᵀHu along u",
                hint="Take the eigenvector of the MOST NEGATIVE eigenvalue (eigh sorts them ascending), and a "
                     "column vectors[:, 0], not a row vectors[0].")
    H = with_eigenvalues([1.0, 2.0], seed=30)
    t.true(answer(H.copy(), 1e-8) is None, case="a minimum (eigenvalues 1, 2)", message="did not return None",
           hint="There is no escape direction when no eigenvalue is below −tol.")


@exercise("3.4", title="One Newton step on ∇f = 0", budget=5.0)
def check_newton(answer, t):
    """answer(grad, H) -> step Δ (n,), solving H Δ = −grad."""
    rng = np.random.default_rng(40)
    A = with_eigenvalues([4.0, -1.0, 2.0], seed=41)
    b = rng.standard_normal(3)
    x = rng.standard_normal(3)
    g = A @ x - b
    step = answer(g.copy(), A.copy())
    t.close(A @ (x + np.asarray(step, dtype=float)) - b, np.zeros(3), atol=1e-9,
            case="quadratic ½xᵀAx − bᵀx with an indefinite A: the gradient after one step",
            hint="On a quadratic one Newton step lands exactly on the critical point: solve H Δ = −∇f "
                 "(np.linalg.solve), mind the minus sign.")
    from ...functions import get

    f = get("himmelblau")
    x0 = np.array([-0.2, -0.9])
    x1 = x0 + np.asarray(answer(f.grad(x0), f.hessian(x0)), dtype=float)
    t.true(np.linalg.norm(f.grad(x1)) < 0.1 * np.linalg.norm(f.grad(x0)),
           case="Himmelblau near its maximum, from (−0.2, −0.9)", message="the gradient did not shrink tenfold",
           hint="Newton is attracted to every critical point, maxima included: do not flip the sign "
                "when H is negative definite.")


@exercise("3.5", title="λ_max by power iteration", budget=10.0)
def check_power(answer, t):
    """answer(hvp, dim, iters, rng) -> float, the dominant eigenvalue from products v -> Hv only."""
    calls = {"n": 0}
    H = with_eigenvalues([5.0, 2.0, 1.0, 0.5, -1.0, 0.1], seed=50)

    def hvp(v):
        calls["n"] += 1
        return H @ np.asarray(v, dtype=float)

    t.close(answer(hvp, 6, 300, np.random.default_rng(0)), 5.0, rtol=1e-6,
            case="6×6 symmetric H, dominant eigenvalue positive, 300 iterations",
            hint="Normalise v after each product and return the Rayleigh quotient vᵀHv (not ‖Hv‖, which loses "
                 "the sign).")
    t.true(0 < calls["n"] <= 301, case="uses at most one product per iteration",
           message=f"{calls['n']} products for 300 iterations", hint="One hvp call per iteration is enough.")
    G = with_eigenvalues([-6.0, 2.0, 1.0, 0.5], seed=51)
    t.close(answer(lambda v: G @ np.asarray(v, dtype=float), 4, 400, np.random.default_rng(1)), -6.0, rtol=1e-6,
            case="4×4 H whose largest-magnitude eigenvalue is negative",
            hint="Power iteration finds the largest |λ|; return vᵀHv so its sign survives.")


@exercise("3.6", title="Hutchinson's trace estimator", budget=10.0)
def check_hutchinson(answer, t):
    """answer(hvp, dim, n_probes, rng) -> float, the mean of zᵀHz over Rademacher probes z."""
    D = np.diag(np.arange(1.0, 9.0))
    est = answer(lambda v: D @ np.asarray(v, dtype=float), 8, 3, np.random.default_rng(0))
    t.close(est, 36.0, rtol=1e-10, case="diagonal H = diag(1 … 8), 3 probes",
            hint="With ±1 probes zᵢ² = 1, so zᵀDz equals the trace exactly for a diagonal D — use "
                 "rng.choice([-1.0, 1.0], size=dim), not Gaussian or 0/1 probes.")
    H = with_eigenvalues([3.0, -2.0, 1.0, 0.5, -0.5, 2.0, 1.5, -1.0, 0.2, 0.3], seed=60)
    estimates = np.array([answer(lambda v: H @ np.asarray(v, dtype=float), 10, 50, np.random.default_rng(s))
                          for s in range(60)])
    sd = np.sqrt(2 * (np.sum(H**2) - np.sum(np.diag(H) ** 2)) / 50)
    t.true(abs(estimates.mean() - np.trace(H)) < 4 * sd / np.sqrt(60),
           case="random 10×10 indefinite H, 60 runs of 50 probes: unbiased",
           message="the average of your estimates is far from the trace",
           hint="Average zᵀHz over the probes (divide by n_probes), with a fresh z for every probe.")
    t.true(estimates.std() < 2 * sd, case="random 10×10 indefinite H: spread of the estimates",
           message="your estimates vary much more than Rademacher probes would",
           hint="Draw z with entries ±1 (Rademacher): Gaussian probes have a larger variance.")
