"""Checks for chapter 6 (Mode connectivity): barriers, Bézier curves, hidden-unit permutations, weight matching.

Conventions (as in :mod:`course_utils.connectivity`): a one-hidden-layer network is ``(W1 (d, h), b1 (h,),
W2 (h, k), b2 (k,))`` and computes ``tanh(X @ W1 + b1) @ W2 + b2``.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from ..registry import exercise


def _net(rng, d=2, h=5, k=1):
    return (rng.standard_normal((d, h)), rng.standard_normal(h), rng.standard_normal((h, k)), rng.standard_normal(k))


def _forward(W1, b1, W2, b2, X):
    return np.tanh(X @ W1 + b1) @ W2 + b2


@exercise("6.1", title="Loss along a straight path and its barrier", budget=5.0)
def check_line_barrier(answer, t):
    """answer(loss, theta_a, theta_b, n) -> (losses (n,), barrier) along (1 - s) θ_a + s θ_b, s = linspace(0, 1, n)."""
    def double_well(th):
        return float((th[0] ** 2 + th[1] ** 2 - 1) ** 2)

    out = answer(double_well, np.array([-1.0, 0.0]), np.array([1.0, 0.0]), 5)
    if not t.true(isinstance(out, tuple) and len(out) == 2, case="ring (x² + y² − 1)², (−1, 0) → (1, 0), n = 5",
                  message="the function must return a pair (losses, barrier)",
                  hint="Return both: the array of losses and the barrier as a float."):
        return
    losses, barrier = out
    t.close(losses, [0.0, 0.5625, 1.0, 0.5625, 0.0], atol=1e-10, case="ring (x² + y² − 1)², (−1, 0) → (1, 0), n = 5",
            hint="Evaluate the loss at (1 − s)·θ_a + s·θ_b for s = linspace(0, 1, n), endpoints included.")
    t.close(barrier, 1.0, atol=1e-10, case="ring (x² + y² − 1)², (−1, 0) → (1, 0), n = 5",
            hint="The barrier is the maximum along the path minus the mean of the two endpoint losses.")

    # Unequal endpoints on a monotone path: the barrier is half the gap, not zero and not the full gap.
    _, barrier = answer(lambda th: float(th @ th), np.zeros(3), np.ones(3), 11)
    t.close(barrier, 1.5, rtol=1e-9, case="L(θ) = ‖θ‖², from 0 to (1, 1, 1), n = 11",
            hint="Subtract the *mean* of L(θ_a) and L(θ_b), not the smaller or the first one.")
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    losses, _ = answer(lambda th: float(np.sin(th).sum()), a.copy(), b.copy(), 7)
    s = np.linspace(0, 1, 7)
    t.close(losses, [np.sin((1 - si) * a + si * b).sum() for si in s], rtol=1e-9,
            case="L(θ) = Σ sin θᵢ between two random points in ℝ⁴, n = 7",
            hint="Go from θ_a at s = 0 to θ_b at s = 1 (not the other way round).")


@exercise("6.2", title="A point and the tangent on a Bézier curve", budget=5.0)
def check_bezier(answer, t):
    """answer(theta_a, bend, theta_b, s) -> (point, tangent) of the quadratic Bézier curve at s."""
    rng = np.random.default_rng(2)
    a, m, b = rng.standard_normal((3, 4))
    for s in (0.0, 1.0, 0.5, 0.3):
        out = answer(a.copy(), m.copy(), b.copy(), s)
        if not t.true(isinstance(out, tuple) and len(out) == 2, case=f"s = {s}",
                      message="the function must return a pair (point, tangent)",
                      hint="Return both the point θ(s) and its derivative dθ/ds."):
            return
        point, tangent = out
        t.close(point, (1 - s) ** 2 * a + 2 * s * (1 - s) * m + s**2 * b, rtol=1e-9, atol=1e-12,
                case=f"random points in ℝ⁴, s = {s} (the point)",
                hint="θ(s) = (1−s)²θ_a + 2s(1−s)·bend + s²θ_b: the weights sum to 1 and the bend is *not* on the curve.")
        h = 1e-6
        lo, hi = max(0.0, s - h), min(1.0, s + h)
        fd = ((1 - hi) ** 2 * a + 2 * hi * (1 - hi) * m + hi**2 * b - (1 - lo) ** 2 * a - 2 * lo * (1 - lo) * m
              - lo**2 * b) / (hi - lo)
        t.close(tangent, fd, rtol=1e-5, atol=1e-6, case=f"random points in ℝ⁴, s = {s} (the tangent vs finite differences)",
                hint="Differentiate each weight: d/ds (1−s)² = −2(1−s), d/ds 2s(1−s) = 2 − 4s, d/ds s² = 2s.")


@exercise("6.3", title="Permuting the hidden units of a one-hidden-layer network", budget=5.0)
def check_permute(answer, t):
    """answer(W1, b1, W2, b2, perm) -> (W1', b1', W2', b2'): new unit j is old unit perm[j]; same function."""
    rng = np.random.default_rng(3)
    W1, b1, W2, b2 = _net(rng)
    X = rng.standard_normal((20, 2))
    perm = np.array([3, 0, 4, 1, 2])
    out = answer(W1.copy(), b1.copy(), W2.copy(), b2.copy(), perm.copy())
    if not t.true(isinstance(out, tuple) and len(out) == 4, case="2-5-1 network, perm = [3, 0, 4, 1, 2]",
                  message="the function must return four arrays (W1, b1, W2, b2)",
                  hint="Return the permuted W1, b1, W2 and the unchanged b2."):
        return
    P1, c1, P2, c2 = out
    t.close(_forward(P1, c1, P2, c2, X), _forward(W1, b1, W2, b2, X), rtol=1e-10, atol=1e-12,
            case="2-5-1 network, perm = [3, 0, 4, 1, 2]: outputs on 20 random inputs",
            hint="Permute the columns of W1, the entries of b1 *and* the rows of W2 with the same permutation.")
    t.close(np.asarray(P1)[:, 0], W1[:, 3], rtol=0, atol=0, case="2-5-1 network, perm = [3, 0, 4, 1, 2]: unit 0",
            hint="New unit j is old unit perm[j]: index with perm (W1[:, perm]), do not scatter into it.")
    t.close(c2, b2, rtol=0, atol=0, case="the output bias",
            hint="The output layer's units are not hidden units: b2 stays as it is.")
    W1, b1, W2, b2 = _net(rng, d=3, h=6, k=2)
    perm = rng.permutation(6)
    X = rng.standard_normal((10, 3))
    P1, c1, P2, c2 = answer(W1.copy(), b1.copy(), W2.copy(), b2.copy(), perm.copy())
    t.close(_forward(P1, c1, P2, c2, X), _forward(W1, b1, W2, b2, X), rtol=1e-10, atol=1e-12,
            case="3-6-2 network, random permutation: outputs on 10 random inputs",
            hint="W2 has one row per hidden unit; with two outputs, permute rows, not columns.")


@exercise("6.4", title="Weight matching for one layer", budget=5.0)
def check_weight_matching(answer, t):
    """answer(W1_ref, W2_ref, W1, W2) -> perm maximising Σ_j <W1_ref[:, j], W1[:, perm[j]]> + <W2_ref[j], W2[perm[j]]>."""
    rng = np.random.default_rng(4)
    W1, _, W2, _ = _net(rng, d=3, h=6, k=2)
    true = rng.permutation(6)
    inverse = np.argsort(true)
    # other = ref with units relabelled: other unit true[j] is ref unit j.
    perm = np.asarray(answer(W1.copy(), W2.copy(), W1[:, inverse].copy(), W2[inverse].copy()))
    if not t.true(perm.shape == (6,) and np.array_equal(np.sort(perm), np.arange(6)),
                  case="3-6-2 network and a relabelled copy", message="the answer is not a permutation of range(6)",
                  hint="Return the column indices from linear_sum_assignment (a permutation), not the score matrix."):
        return
    t.true(np.allclose(W1[:, inverse][:, perm], W1) and np.allclose(W2[inverse][perm], W2),
           case="3-6-2 network and a relabelled copy (exact recovery)",
           message="applying the permutation does not recover the reference network",
           hint="Maximise the similarity (maximize=True), and include both incoming and outgoing weights.")
    # Brute-force optimum for a small, noisy case.
    W1r, _, W2r, _ = _net(rng, d=2, h=4, k=1)
    W1o, _, W2o, _ = _net(rng, d=2, h=4, k=1)

    def score(p):
        p = np.asarray(p)
        return float(np.sum(W1r * W1o[:, p]) + np.sum(W2r * W2o[p]))

    best = max(score(p) for p in permutations(range(4)))
    perm = np.asarray(answer(W1r.copy(), W2r.copy(), W1o.copy(), W2o.copy()))
    t.true(perm.shape == (4,) and np.array_equal(np.sort(perm), np.arange(4)) and abs(score(perm) - best) < 1e-9,
           case="two random 2-4-1 networks (compared with all 24 permutations)",
           message="the matching does not reach the best total similarity",
           hint="Score S[j, k] = <W1_ref[:, j], W1[:, k]> + <W2_ref[j], W2[k]>; solve the assignment on all of S.")
