"""Checks for chapter 5 (Sharpness and SAM): a SAM step, random-direction sharpness, the 2/η threshold,
and Dinh et al.'s reparameterization of a ReLU network.
"""

from __future__ import annotations

import numpy as np

from ..cases import check_input_unchanged, with_eigenvalues
from ..registry import exercise


@exercise("5.1", title="One SAM step", budget=5.0)
def check_sam_step(answer, t):
    """answer(grad, theta, lr, rho) -> theta − lr·grad(theta + rho·g/‖g‖), g = grad(theta)."""
    A = np.diag([1.0, 10.0])

    def grad(z):
        return A @ z

    theta = np.array([1.0, 1.0])
    g = grad(theta)
    expected = theta - 0.05 * grad(theta + 0.1 * g / np.linalg.norm(g))
    t.close(answer(grad, theta.copy(), 0.05, 0.1), expected, rtol=1e-10,
            case="L = ½θᵀdiag(1, 10)θ, θ = (1, 1), lr = 0.05, ρ = 0.1",
            hint="Perturb along the *normalized* gradient, ε = ρ g/‖g‖, then step with the gradient at θ + ε.")

    def grad_cubic(z):
        return z**3 - z

    theta = np.array([1.5, -0.4, 0.2])
    g = grad_cubic(theta)
    expected = theta - 0.02 * grad_cubic(theta + 0.3 * g / np.linalg.norm(g))
    t.close(answer(grad_cubic, theta.copy(), 0.02, 0.3), expected, rtol=1e-10,
            case="∇L(θ) = θ³ − θ, θ = (1.5, −0.4, 0.2), lr = 0.02, ρ = 0.3",
            hint="The step starts from θ (not from θ + ε): θ_new = θ − lr·∇L(θ + ε).")
    t.close(answer(grad, np.array([0.3, -0.2]), 0.05, 0.0), np.array([0.3, -0.2]) - 0.05 * grad(np.array([0.3, -0.2])),
            rtol=1e-12, case="ρ = 0 (SAM must reduce to a gradient-descent step)",
            hint="With ρ = 0 the perturbation vanishes.")
    out = answer(grad, np.zeros(2), 0.1, 0.1)
    t.true(out is not None and np.all(np.isfinite(out)) and np.allclose(out, 0.0),
           case="θ = 0, where the gradient is exactly zero", message="the result is not θ = 0 (or is not finite)",
           hint="g/‖g‖ is 0/0 at a critical point: use ε = 0 when ‖g‖ = 0.")
    theta = np.array([1.0, 1.0])
    answer(grad, theta, 0.05, 0.1)
    check_input_unchanged(t, np.array([1.0, 1.0]), theta, case="the input θ after the call",
                          message="θ was modified in place", hint="Return a new array; do not use `theta -= ...`.")


@exercise("5.2", title="Sharpness by random directions", budget=10.0)
def check_random_sharpness(answer, t):
    """answer(loss, theta, radius, n, rng) -> (worst, average) of loss(θ + r·u) − loss(θ), u uniform unit vectors."""
    def iso(z):
        return 0.5 * float(z @ z)

    res = answer(iso, np.zeros(5), 0.3, 50, np.random.default_rng(0))
    ok = isinstance(res, tuple) and len(res) == 2
    t.true(ok, case="return type", message="expected a tuple (worst, average)", hint="Return `worst, average`.")
    if not ok:
        return
    t.close(res, (0.045, 0.045), rtol=1e-8, case="L = ½‖θ‖² at θ = 0, radius 0.3 (every direction gives ½r²)",
            hint="Each direction must have length exactly `radius`: normalize u to a unit vector, then scale by r.")
    H = with_eigenvalues([0.2, 0.5, 1.0, 3.0, 8.0], seed=1, symmetrize=False)

    def quad(z):
        return 0.5 * float(z @ H @ z)

    r = 0.2
    worst, avg = answer(quad, np.zeros(5), r, 3000, np.random.default_rng(1))
    mean_curv = 0.5 * r**2 * np.trace(H) / 5
    t.close(avg, mean_curv, rtol=0.1, case="quadratic with eigenvalues (0.2, 0.5, 1, 3, 8), r = 0.2, n = 3000",
            hint="Uniform directions on the sphere: normalize Gaussian vectors (not uniform cubes), and average the "
                 "increases L(θ + r u) − L(θ).")
    t.true(avg <= worst <= 0.5 * r**2 * 8.0 + 1e-12, case="same quadratic: average ≤ worst ≤ ½r²λ_max",
           message="the worst increase is outside [average, ½r²λ_max]",
           hint="Subtract L(θ) from every perturbed loss and take the max and the mean of those differences.")
    b = np.array([1.0, -1.0, 0.5, 0.0, 2.0])
    theta = np.linalg.solve(H, b)

    def shifted(z):
        return 0.5 * float(z @ H @ z) - float(b @ z)

    w2, a2 = answer(shifted, theta.copy(), r, 3000, np.random.default_rng(1))
    t.close(a2, mean_curv, rtol=0.1, case="the same curvature around a minimum θ* ≠ 0",
            hint="Perturb around θ (θ + r u), and subtract L(θ), not L(0).")


@exercise("5.3", title="The stability threshold 2/λ_max", budget=5.0)
def check_threshold(answer, t):
    """answer(H) -> the largest learning rate for which GD on ½θᵀHθ converges: 2/λ_max(H)."""
    t.close(answer(np.diag([1.0, 4.0])), 0.5, rtol=1e-10, case="H = diag(1, 4)",
            hint="GD multiplies each eigen-component by 1 − ηλ; it must stay in (−1, 1) for the largest λ.")
    H = with_eigenvalues([0.5, 2.0, 9.0], seed=2, symmetrize=False)
    thr = answer(H.copy())
    t.close(thr, 2 / 9.0, rtol=1e-8, case="a non-diagonal 3×3 H with eigenvalues (0.5, 2, 9)",
            hint="Use the eigenvalues (np.linalg.eigvalsh), not the diagonal entries.")
    if thr is not None and np.isfinite(thr):
        theta = np.ones(3)
        for _ in range(300):
            theta = theta - 0.99 * thr * (H @ theta)
        t.true(np.linalg.norm(theta) < 1e-2, case="GD at 0.99 × your threshold converges", message="it does not",
               hint="The threshold is 2/λ_max, not 1/λ_max or 2/λ_min.")
    t.close(answer(np.array([[3.0, 1.0], [1.0, 3.0]])), 0.5, rtol=1e-10, case="H = [[3, 1], [1, 3]] (eigenvalues 2, 4)",
            hint="The largest eigenvalue of [[3, 1], [1, 3]] is 4, not 3.")


@exercise("5.4", title="A reparameterized ReLU network", budget=5.0)
def check_rescale(answer, t):
    """answer(layers, alpha) -> [(αW1, αb1), (W2/α, b2)] for layers [(W1, b1), (W2, b2)]; a new list."""
    rng = np.random.default_rng(3)
    layers = [(rng.standard_normal((2, 5)), rng.standard_normal(5)), (rng.standard_normal((5, 1)), rng.standard_normal(1))]
    X = rng.standard_normal((20, 2))

    def net(ls, X):
        h = np.maximum(X @ ls[0][0] + ls[0][1], 0.0)
        return h @ ls[1][0] + ls[1][1]

    copy = [(W.copy(), b.copy()) for W, b in layers]
    out = answer(copy, 3.0)
    ok = isinstance(out, (list, tuple)) and len(out) == 2 and all(len(p) == 2 for p in out)
    t.true(ok, case="return type", message="expected a list of two (W, b) pairs", hint="Return [(W1', b1'), (W2', b2')].")
    if not ok:
        return
    t.close(net(out, X), net(layers, X), rtol=1e-10, atol=1e-12, case="predictions on 20 random inputs, α = 3",
            hint="relu(αz) = α relu(z): scale W1 *and* b1 by α, and divide W2 (not b2) by α.")
    t.true(not np.allclose(out[0][0], layers[0][0]), case="the first layer's weights, α = 3",
           message="W1 did not change", hint="The point is new weights with the same function: multiply W1 by α.")
    t.close(out[1][0], layers[1][0] / 3.0, rtol=1e-12, case="the second layer's weights, α = 3",
            hint="W2 must be divided by α to undo the first layer's scale.")
    check_input_unchanged(t, layers, copy, case="the input layers after the call",
                          message="the input arrays were modified in place", hint="Build new arrays (alpha * W) instead of `W *= alpha`.")
    out = answer([(W.copy(), b.copy()) for W, b in layers], 0.2)
    t.close(net(out, X), net(layers, X), rtol=1e-10, atol=1e-12, case="predictions, α = 0.2",
            hint="Any α > 0 must give the same function.")
