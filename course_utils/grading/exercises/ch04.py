"""Checks for chapter 4 (Saddle points): perturbed GD, a saddle-free Newton step, escape times, momentum.

Every check builds fresh inputs, draws randomness from fixed seeds, and compares the student's answer with
properties or with independent references (the closed form of GD on a quadratic saddle, the dense
:math:`|H|` formula, :func:`course_utils.optimizers.run` with the course's momentum rule) — never printing
the expected value.
"""

from __future__ import annotations

import numpy as np

from ... import optimizers
from ...models import Quadratic
from ..registry import exercise


def _saddle_grad(theta):
    return np.array([2.0, -2.0]) * theta  # f = x² − y²


@exercise("4.1", title="Perturbed gradient descent", budget=10.0)
def check_perturbed_gd(answer, t):
    """answer(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng) -> iterates, shape (steps + 1, P)."""
    rng = np.random.default_rng(0)
    path = answer(_saddle_grad, np.zeros(2), 0.1, 80, 1e-3, 1e-3, 10, rng)
    path = np.asarray(path, dtype=float) if path is not None else None
    if not t.true(path is not None and path.shape == (81, 2), case="x² − y² from the saddle (0, 0), 80 steps",
                  message=f"the result should have shape (steps + 1, P) = (81, 2); got "
                          f"{None if path is None else np.shape(path)}",
                  hint="Return every iterate, the start included: np.array(list_of_thetas)."):
        return
    t.true(np.allclose(path[0], 0.0), case="x² − y² from (0, 0): the first row is the start",
           hint="Record theta0 before the first step.")
    t.true(abs(path[-1, 1]) > 0.5, case="x² − y² from exactly the saddle (0, 0), lr 0.1, r = 1e-3, 80 steps",
           message="the iterate did not leave the saddle along y",
           hint="At the saddle the gradient is 0 ≤ g_thres: add a uniform draw from the ball of radius r, then "
                "take the gradient step; GD grows the y-component by (1 + 2·lr) per step.")
    first_move = np.flatnonzero(np.linalg.norm(np.diff(path, axis=0), axis=1) > 0)
    t.true(first_move.size > 0 and first_move[0] == 0 and np.linalg.norm(path[1]) <= 1e-3 * (1 + 0.2) + 1e-12,
           case="the first step from the saddle (a perturbation of radius ≤ r, then a GD step)",
           hint="The perturbation xi must satisfy ‖xi‖ ≤ r: draw a direction on the unit sphere and a radius r·U^(1/d).")

    # Far from critical points the rule is plain GD, bit for bit.
    A = np.diag([1.0, 3.0])
    gd = [np.array([1.0, -1.0])]
    for _ in range(10):
        gd.append(gd[-1] - 0.1 * (A @ gd[-1]))
    ours = np.asarray(answer(lambda th: A @ th, np.array([1.0, -1.0]), 0.1, 10, 0.5, 1e-8, 5,
                             np.random.default_rng(1)), dtype=float)
    t.close(ours, np.array(gd), rtol=1e-12, atol=1e-15,
            case="bowl diag(1, 3) from (1, −1), g_thres = 1e-8 (the gradient is never small)",
            hint="Perturb only when ‖∇f‖ ≤ g_thres; otherwise take the ordinary step theta − lr·∇f(theta).")

    # On a flat function the gradient is always 0: perturbations every t_thres + 1 steps, each within radius r.
    flat = np.asarray(answer(lambda th: np.zeros_like(th), np.zeros(3), 0.1, 20, 0.2, 1e-3, 4,
                             np.random.default_rng(2)), dtype=float)
    jumps = np.linalg.norm(np.diff(flat, axis=0), axis=1)
    moved = np.flatnonzero(jumps > 0)
    t.true(moved.tolist() == [0, 5, 10, 15], case="a flat function in 3-D, t_thres = 4, 20 steps",
           message=f"perturbations happened at steps {moved.tolist()}",
           hint="After a perturbation at step k, wait until step k + t_thres + 1 before the next one "
                "(start with the counter 'long ago' so the first step may perturb).")
    t.true(np.all(jumps <= 0.2 + 1e-12), case="a flat function in 3-D, radius 0.2 (every jump within the ball)",
           hint="Scale the unit direction by r·U^(1/d), never by more than r.")
    many = [np.linalg.norm(np.asarray(answer(lambda th: np.zeros_like(th), np.zeros(2), 0.1, 1, 1.0, 1e-3, 0,
                                             np.random.default_rng(s)), dtype=float)[1]) for s in range(400)]
    t.true(abs(np.mean(np.array(many) <= 0.5) - 0.25) < 0.07,
           case="400 perturbations in 2-D, radius 1: the fraction inside radius 0.5 (a uniform ball gives 1/4)",
           hint="Uniform in the ball is not a uniform radius: use r·U^(1/d) so that area grows like radius^d.")


@exercise("4.2", title="One saddle-free Newton step", budget=5.0)
def check_saddle_free_newton_step(answer, t):
    """answer(grad, hessian, damping) -> the step Δ = −(|H| + damping·I)⁻¹ grad, shape (P,)."""
    H, g = np.diag([2.0, -2.0]), np.array([1.0, 0.4])
    t.close(answer(g.copy(), H.copy(), 0.0), np.array([-0.5, -0.2]), rtol=1e-10,
            case="H = diag(2, −2), grad = (1, 0.4), damping 0",
            hint="Replace each eigenvalue λ by |λ|: along y the step is −g_y/|λ_y|, downhill, not Newton's +g_y/2.")
    t.close(answer(g.copy(), H.copy(), 1.0), np.array([-1 / 3, -0.4 / 3]), rtol=1e-10,
            case="H = diag(2, −2), grad = (1, 0.4), damping 1",
            hint="The damping is added to |λ|: divide by |λ| + damping.")
    rng = np.random.default_rng(0)
    M = rng.standard_normal((4, 4))
    H = M + M.T
    g = rng.standard_normal(4)
    w, V = np.linalg.eigh(H)
    expected = -V @ ((V.T @ g) / (np.abs(w) + 1e-3))
    t.close(answer(g.copy(), H.copy(), 1e-3), expected, rtol=1e-8,
            case="a random indefinite symmetric 4 × 4 Hessian (rotated eigenvectors)",
            hint="Work in the eigenbasis: H = Q Λ Qᵀ (np.linalg.eigh), then Δ = −Q diag(1/(|λ| + damping)) Qᵀ g.")
    step = answer(g.copy(), H.copy(), 1e-3)
    t.true(float(np.dot(g, step)) < 0, case="the same Hessian: is the step a descent direction (gᵀΔ < 0)?",
           message="the step points uphill",
           hint="|H| + damping·I is positive definite, so −(|H| + δI)⁻¹g always descends; check the sign.")


@exercise("4.3", title="Measured escape time against the theory", budget=5.0)
def check_escape_steps(answer, t):
    """answer(eps, lr, lam_min, radius) -> steps of GD on ½λ_min y² from y = eps until |y| ≥ radius (an int)."""
    cases = [(1e-3, 0.05, -2.0, 1.0), (1e-8, 0.1, -1.0, 1.0), (0.3, 0.01, -4.0, 0.5), (1e-6, 0.5, -2.0, 1.0)]
    for eps, lr, lam, radius in cases:
        y, k = eps, 0
        while abs(y) < radius:
            y, k = y - lr * lam * y, k + 1
        t.equal(int(answer(eps, lr, lam, radius)), k,
                case=f"eps = {eps:g}, lr = {lr:g}, λ_min = {lam:g}, radius = {radius:g}",
                hint="Count the steps y ← y − lr·λ_min·y (y grows by (1 + lr·|λ_min|) each time) until |y| ≥ radius.")
    t.equal(int(answer(2.0, 0.1, -1.0, 1.0)), 0, case="eps = 2 > radius = 1 (already escaped)",
            hint="Test the condition before the first step: zero steps if |eps| ≥ radius already.")
    theory = np.log(1 / 1e-10) / np.log1p(0.1 * 3.0)
    t.true(abs(int(answer(1e-10, 0.1, -3.0, 1.0)) - theory) <= 1,
           case="eps = 1e-10, lr = 0.1, λ_min = −3: within one step of ln(1/ε)/ln(1 + η|λ_min|)",
           hint="The count must be the exact discrete one, not the continuous-time ln(1/ε)/(η|λ|).")


@exercise("4.4", title="Momentum with divergence detection", budget=10.0)
def check_momentum_run(answer, t):
    """answer(grad_fn, theta0, lr, beta, steps, explode) -> (iterates (k + 1, P), diverged_at or None)."""
    A = np.diag([0.1, 1.0])
    q = Quadratic(A)
    ref = optimizers.run(q, optimizers.momentum(0.8), [1.0, 1.0], steps=30, lr=0.5)
    out = answer(lambda th: A @ th, np.array([1.0, 1.0]), 0.5, 0.8, 30, 1e6)
    if not t.true(isinstance(out, tuple) and len(out) == 2, case="return type",
                  message=f"expected a tuple (iterates, diverged_at), got {type(out).__name__}",
                  hint="return np.array(path), diverged_at"):
        return
    path, diverged = out
    t.close(np.asarray(path, dtype=float), ref.thetas, rtol=1e-10, atol=1e-14,
            case="diag(0.1, 1) from (1, 1), lr 0.5, β 0.8, 30 steps (stable)",
            hint="v ← β·v + ∇f(θ); θ ← θ − lr·v, with v starting at zero.")
    t.true(diverged is None, case="the same stable run: diverged_at", message=f"diverged_at = {diverged!r}",
           hint="Report None when no iterate blew up.")
    # lr·L = 4.2 > 2(1 + β) = 3.6: diverges; the norm passes 1e6·‖θ0‖ at a definite step.
    path, diverged = answer(lambda th: A @ th, np.array([1.0, 1.0]), 4.2, 0.8, 500, 1e6)
    path = np.asarray(path, dtype=float)
    x, v, k, limit = np.array([1.0, 1.0]), np.zeros(2), 0, 1e6 * np.sqrt(2)
    while k < 500:
        v = 0.8 * v + A @ x
        x = x - 4.2 * v
        k += 1
        if not np.linalg.norm(x) <= limit:
            break
    t.equal(diverged, k, case="diag(0.1, 1), lr 4.2 > 2(1 + β)/L with β 0.8, explode 1e6",
            hint="Stop at the first step where ‖θ‖ > explode·‖θ0‖ (or θ is not finite) and return that step number.")
    t.true(path.shape[0] == k + 1 and np.all(np.isfinite(path)), case="the same diverging run: the iterates",
           message=f"got {path.shape[0]} rows",
           hint="Stop the loop at divergence: return the iterates up to and including the step that blew up.")
    out = answer(lambda th: A @ th, np.array([1.0, 1.0]), 50.0, 0.0, 2000, 1e6)
    t.true(out[1] is not None and out[1] < 20 and np.all(np.isfinite(np.asarray(out[0], dtype=float))),
           case="lr 50, β 0 (wildly unstable), 2000 steps", message="no prompt divergence report",
           hint="Check after every step; never let overflowing values (inf, nan) into the result.")
