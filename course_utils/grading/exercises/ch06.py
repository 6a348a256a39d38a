"""Checks for chapter 6 (Mode connectivity): barriers, Bézier curves, hidden-unit permutations, weight matching.

Conventions (as in :mod:`course_utils.connectivity`): a one-hidden-layer network is ``(W1 (d, h), b1 (h,),
W2 (h, k), b2 (k,))`` and computes ``tanh(X @ W1 + b1) @ W2 + b2``.

Every check runs printed cases and hidden ones drawn afresh on each call (a table of the printed inputs cannot
pass), computes its expected values before calling the answer, requires the documented types (a tuple of
arrays, a permutation of ints), checks that the answer leaves its inputs unchanged, and picks each hint by
recognising the mistake (:func:`~course_utils.grading.cases.diagnose`); no hint states the formula, the code or
the expected value.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng
from ..registry import exercise

_IN_PLACE = ("Your function changed the arrays it was given (an in-place operation such as +=, *= or a slice "
             "assignment on an argument, or an alias of it): work on new arrays and leave the caller's alone.")


def _net(rng, d=2, h=5, k=1):
    return (rng.standard_normal((d, h)), rng.standard_normal(h), rng.standard_normal((h, k)), rng.standard_normal(k))


def _forward(W1, b1, W2, b2, X):
    return np.tanh(X @ W1 + b1) @ W2 + b2


def _is_array_of(value, shape) -> bool:
    return (isinstance(value, np.ndarray) and value.shape == shape and value.dtype.kind in "fiu"
            and bool(np.all(np.isfinite(value))))


# ---------------------------------------------------------------------------------------------------------------
# 6.1


def _segment_losses(loss, a, b, s):
    return np.array([loss((1 - si) * a + si * b) for si in s])


def _losses_hint(losses, loss, a, b, n, expected):
    try:
        value = np.asarray(losses, dtype=float)
    except (TypeError, ValueError):
        value = None
    if value is None or value.shape != (n,):
        return "Return one loss per point: n points from θ_a to θ_b, both endpoints included."
    s = np.linspace(0.0, 1.0, n)
    return diagnose(value, [
        (_segment_losses(loss, b, a, s), "Your path runs backwards: at s = 0 the path is at θ_a, at s = 1 at θ_b."),
        (_segment_losses(loss, a, b, np.linspace(0.0, 1.0, n, endpoint=False)),
         "Your s values stop short of 1: the path must end exactly at θ_b (look at linspace's endpoint)."),
        (_segment_losses(loss, a, b, np.arange(1, n + 1) / n),
         "Your s values start after 0: the path must start exactly at θ_a."),
        (np.array([loss(a + si * b) for si in s]),
         "Your points are θ_a + s·θ_b: that is not on the segment — the weights of θ_a and θ_b must sum to 1."),
        (np.array([loss(si * a + si * b) for si in s]),
         "Your points do not start at θ_a: reread how θ(s) weighs the two endpoints."),
    ], "Evaluate the loss at the n points of the segment as the exercise defines them, endpoints included.",
        expected=expected, rtol=1e-9, atol=1e-12)


def _barrier_hint(barrier, losses_ref):
    la, lb, top = losses_ref[0], losses_ref[-1], losses_ref.max()
    return diagnose(barrier, [
        *((v, "Your barrier is measured from one endpoint only (the lower, the higher or the first one); reread "
               "the definition: it refers to both endpoint losses.") for v in (top - min(la, lb), top - max(la, lb),
                                                                               top - la)),
        (top, "You returned the highest loss on the path; the barrier is a height above the endpoints."),
        (top - losses_ref.min(), "You measured from the lowest loss anywhere on the path; the barrier is a height "
                                 "above the endpoints."),
        (top - losses_ref.mean(), "You measured from the mean over the whole path; the barrier refers to the "
                                  "endpoints only."),
        (la + lb - top, "Your barrier has the wrong sign: a bump between the endpoints must give a positive one."),
    ], "Compute the barrier from your losses exactly as the exercise defines it.", expected=top - 0.5 * (la + lb),
        rtol=1e-9, atol=1e-12)


def _sin_loss(th):
    return float(np.sin(th).sum())


def _hidden_loss(rng, P):
    """A random smooth loss on ℝ^P: a random quadratic plus a cosine ripple."""
    M = rng.standard_normal((P, P))
    A = M @ M.T / P
    w, c = rng.standard_normal(P), rng.uniform(0.5, 2.0)

    def loss(th):
        th = np.asarray(th, dtype=float)
        return float(0.5 * th @ A @ th + c * np.cos(w @ th))

    return loss


@exercise("6.1", title="Loss along a straight path and its barrier", budget=5.0)
def check_line_barrier(answer, t):
    """answer(loss, theta_a, theta_b, n) -> (losses (n,) array, barrier float) along (1 - s) θ_a + s θ_b."""
    rng = np.random.default_rng(6)
    a4, b4 = rng.standard_normal(4), rng.standard_normal(4)
    hidden = hidden_rng()
    cases = [
        (lambda th: float((th[0] ** 2 + th[1] ** 2 - 1) ** 2), np.array([-1.0, 0.0]), np.array([1.0, 0.0]), 5,
         "ring (x² + y² − 1)², (−1, 0) → (1, 0), n = 5"),
        (lambda th: float(th @ th), np.zeros(3), np.ones(3), 11, "L(θ) = ‖θ‖², from 0 to (1, 1, 1), n = 11"),
        (_sin_loss, a4, b4, 7, "L(θ) = Σ sin θᵢ between two random points in ℝ⁴, n = 7"),
    ]
    for _ in range(2):
        P = int(hidden.integers(2, 7))
        a, b = hidden.standard_normal(P) * 2, hidden.standard_normal(P) * 2
        cases.append((_hidden_loss(hidden, P), a, b, int(hidden.integers(5, 16)),
                      f"a random smooth loss on ℝ^{P} between two random points {HIDDEN_NOTE}"))
    for loss, a, b, n, case in cases:
        s = np.linspace(0.0, 1.0, n)
        expected = _segment_losses(loss, a, b, s)  # computed before the answer runs
        barrier_ref = float(expected.max() - 0.5 * (expected[0] + expected[-1]))
        before = [a.copy(), b.copy()]
        ga, gb = a.copy(), b.copy()
        out = answer(loss, ga, gb, n)
        check_input_unchanged(t, before, [ga, gb], case=case + ": θ_a and θ_b after the call",
                              message="your function modified theta_a or theta_b", hint=_IN_PLACE)
        if not (type(out) is tuple and len(out) == 2):
            t.fail(f"expected a tuple (losses, barrier), got {type(out).__name__}", case=case,
                   hint="Return a tuple of two things: the array of losses and the barrier as a float.")
            continue
        losses, barrier = out
        if not _is_array_of(losses, (n,)):
            t.fail("the losses must be a NumPy array of n finite floats" if not isinstance(losses, np.ndarray)
                   else f"the losses have shape {losses.shape} (or are not finite); expected shape ({n},)",
                   case=case + ": the losses",
                   hint=(_losses_hint(losses, loss, a, b, n, expected) if isinstance(losses, np.ndarray) else
                         "Return the losses as a NumPy array (np.array(...)), not a list."))
        else:
            t.close(losses, expected, rtol=1e-9, atol=1e-12, case=case + ": the losses",
                    hint=_losses_hint(losses, loss, a, b, n, expected))
        if not (isinstance(barrier, (float, np.floating)) and np.ndim(barrier) == 0):
            t.fail(f"the barrier must be one float, got {type(barrier).__name__}", case=case + ": the barrier",
                   hint="Return the barrier as a single float (float(...)), not an array or a list.")
        else:
            t.close(float(barrier), barrier_ref, rtol=1e-9, atol=1e-12, case=case + ": the barrier",
                    hint=_barrier_hint(float(barrier), expected))


# ---------------------------------------------------------------------------------------------------------------
# 6.2


def _bezier(a, m, b, s):
    return (1 - s) ** 2 * a + 2 * s * (1 - s) * m + s**2 * b


def _bezier_velocity(a, m, b, s, h=1e-4):
    # central differences are exact (to rounding) on a quadratic: an oracle independent of the closed form
    return (_bezier(a, m, b, s + h) - _bezier(a, m, b, s - h)) / (2 * h)


def _point_hint(point, a, m, b, s, expected):
    return diagnose(point, [
        ((1 - s) ** 2 * a + s * (1 - s) * m + s**2 * b,
         "Your bend's weight is too small: the three weights of a point on the curve must sum to 1 for every s."),
        ((1 - s) * a + s * b, "Your point ignores the bend: that is the straight segment, not the curve."),
        ((1 - s) ** 2 * b + 2 * s * (1 - s) * m + s**2 * a, "Your curve runs backwards: θ(0) is θ_a, θ(1) is θ_b."),
        ((1 - s) ** 2 * a + 2 * s * (1 - s) * m + s * b,
         "The weight of θ_b is wrong: the three weights must sum to 1 for every s, and θ_b's mirrors θ_a's."),
    ], "Compute θ(s) exactly as the exercise defines the curve.", expected=expected, rtol=1e-9, atol=1e-12)


def _tangent_hint(tangent, a, m, b, s, expected, point):
    return diagnose(tangent, [
        (-expected, "Your tangent points backwards: along increasing s the curve leaves θ_a towards the bend."),
        (0.5 * expected, "Your tangent is half as long as it should be: differentiate each weight of the curve "
                         "completely (the chain rule on the squares)."),
        (expected / np.linalg.norm(expected) if np.linalg.norm(expected) > 0 else None,
         "You normalised the tangent: the exercise asks for the velocity dθ/ds, whose length matters."),
        *((v, "Your tangent does not depend on s: it is the direction at s = 0 only.") for v in (m - a, 2 * (m - a))),
        (b - a, "Your tangent is the direction of the straight segment: the curve bends, so its velocity changes "
                "with s."),
        (point, "You returned the point twice: the second value is its derivative with respect to s."),
    ], "Differentiate θ(s) with respect to s, weight by weight, and compare with finite differences.",
        expected=expected, rtol=1e-7, atol=1e-9)


@exercise("6.2", title="A point and the tangent on a Bézier curve", budget=5.0)
def check_bezier(answer, t):
    """answer(theta_a, bend, theta_b, s) -> (point, tangent) of the quadratic Bézier curve at s."""
    rng = np.random.default_rng(2)
    a, m, b = rng.standard_normal((3, 4))
    hidden = hidden_rng()
    cases = [(a, m, b, s, f"random points in ℝ⁴, s = {s}") for s in (0.0, 1.0, 0.5, 0.3)]
    for _ in range(2):
        P = int(hidden.integers(2, 7))
        ha, hm, hb = hidden.standard_normal((3, P)) * 3
        cases.append((ha, hm, hb, float(hidden.uniform(0.05, 0.95)), f"random points in ℝ^{P}, a random s {HIDDEN_NOTE}"))
    for a, m, b, s, case in cases:
        expected_point, expected_tangent = _bezier(a, m, b, s), _bezier_velocity(a, m, b, s)
        before = [a.copy(), m.copy(), b.copy()]
        args = [a.copy(), m.copy(), b.copy()]
        out = answer(*args, s)
        check_input_unchanged(t, before, args, case=case + ": the inputs after the call",
                              message="your function modified theta_a, bend or theta_b", hint=_IN_PLACE)
        if not (type(out) is tuple and len(out) == 2):
            t.fail(f"expected a tuple (point, tangent), got {type(out).__name__}", case=case,
                   hint="Return a tuple of two arrays: the point θ(s) and its derivative dθ/ds.")
            continue
        point, tangent = out
        t.close(point, expected_point, rtol=1e-9, atol=1e-12, case=case + " (the point)",
                hint=_point_hint(point, a, m, b, s, expected_point))
        t.close(tangent, expected_tangent, rtol=1e-6, atol=1e-8, case=case + " (the tangent vs finite differences)",
                hint=_tangent_hint(tangent, a, m, b, s, expected_tangent, expected_point))


# ---------------------------------------------------------------------------------------------------------------
# 6.3


def _permute_hint(out, W1, b1, W2, b2, perm):
    inv = np.argsort(perm)
    P1, c1, P2, c2 = out
    parts = [("W1", P1, W1, W1[:, perm], W1[:, inv]), ("b1", c1, b1, b1[perm], b1[inv]),
             ("W2", P2, W2, W2[perm], W2[inv])]
    for name, got, old, right, inverse in parts:
        got = np.asarray(got, dtype=float)
        if got.shape != right.shape:
            return f"Your {name} has another shape than the one given: a permutation only reorders hidden units."
        if np.array_equal(got, right):
            continue
        if np.array_equal(got, inverse):
            return (f"Your {name} uses the inverse permutation (scattering unit j to position perm[j]): new unit j "
                    "must be old unit perm[j] — gather, do not scatter.")
        if np.array_equal(got, old):
            what = {"W1": "incoming weights", "b1": "biases", "W2": "outgoing weights"}[name]
            return (f"Your {name} is not permuted: the hidden units' {what} must move with the units, or the "
                    "network computes another function.")
        return f"Your {name} is not the hidden units reordered; reread which axis of {name} indexes the hidden units."
    if not np.array_equal(np.asarray(c2, dtype=float), b2):
        return "The output layer's units are not hidden units: b2 stays as it is."
    return "Reorder every array that has one entry per hidden unit, with the same permutation."


@exercise("6.3", title="Permuting the hidden units of a one-hidden-layer network", budget=5.0)
def check_permute(answer, t):
    """answer(W1, b1, W2, b2, perm) -> tuple (W1', b1', W2', b2'): new unit j is old unit perm[j]; same function."""
    rng = np.random.default_rng(3)
    hidden = hidden_rng()
    cases = [(_net(rng), np.array([3, 0, 4, 1, 2]), rng.standard_normal((20, 2)),
              "2-5-1 network, perm = [3, 0, 4, 1, 2]")]
    net = _net(rng, d=3, h=6, k=2)
    cases.append((net, rng.permutation(6), rng.standard_normal((10, 3)), "3-6-2 network, a random permutation"))
    for _ in range(2):
        d, h, k = (int(v) for v in hidden.integers([1, 3, 1], [5, 9, 4]))
        perm = hidden.permutation(h)
        while np.array_equal(perm, np.arange(h)) or np.array_equal(np.argsort(perm), perm):
            perm = hidden.permutation(h)  # neither the identity nor its own inverse
        cases.append((_net(hidden, d, h, k), perm, hidden.standard_normal((10, d)),
                      f"a random {d}-{h}-{k} network and permutation {HIDDEN_NOTE}"))
    for (W1, b1, W2, b2), perm, X, case in cases:
        expected = (W1[:, perm], b1[perm], W2[perm], b2)  # before the answer runs
        f_ref = _forward(W1, b1, W2, b2, X)
        args = [W1.copy(), b1.copy(), W2.copy(), b2.copy(), perm.copy()]
        before = [a.copy() for a in args]
        out = answer(*args)
        check_input_unchanged(t, before, args, case=case + ": the inputs after the call",
                              message="your function modified its input arrays", hint=_IN_PLACE)
        if not (type(out) is tuple and len(out) == 4 and all(isinstance(v, np.ndarray) for v in out)):
            t.fail(f"expected a tuple of four NumPy arrays, got {type(out).__name__}", case=case,
                   hint="Return a tuple (W1, b1, W2, b2) of NumPy arrays — a tuple, not a list.")
            continue
        hint = _permute_hint(out, W1, b1, W2, b2, perm)
        shapes = all(np.shape(o) == np.shape(e) for o, e in zip(out, expected))
        t.close(_forward(*out, X) if shapes else np.full(f_ref.shape, np.nan), f_ref, rtol=1e-10, atol=1e-12,
                case=case + ": outputs on random inputs", hint=hint)
        t.true(shapes and all(np.array_equal(o, e) for o, e in zip(out, expected)),
               case=case + ": new unit j is old unit perm[j]",
               message="the arrays are not the hidden units reordered by perm", hint=hint)


# ---------------------------------------------------------------------------------------------------------------
# 6.4


def _scores(W1r, W2r, W1, W2):
    return W1r.T @ W1 + W2r @ W2.T


def _row_greedy(S):
    taken, out = set(), []
    for j in range(S.shape[0]):
        k = max((k for k in range(S.shape[1]) if k not in taken), key=lambda k: S[j, k])
        taken.add(k)
        out.append(k)
    return np.array(out)


def _global_greedy(S):
    S = S.astype(float).copy()
    out = np.zeros(S.shape[0], dtype=int)
    for _ in range(S.shape[0]):
        j, k = np.unravel_index(np.argmax(S), S.shape)
        out[j] = k
        S[j, :] = -np.inf
        S[:, k] = -np.inf
    return out


def _trap(rng, h, *, d=None, k=2):
    """Two networks whose score matrix defeats greedy matching (row by row and largest-first): the optimum wins."""
    while True:
        S = rng.standard_normal((h, h))
        cols = linear_sum_assignment(S, maximize=True)[1]
        best = S[np.arange(h), cols].sum()
        if all(S[np.arange(h), g(S)].sum() < best - 0.1 for g in (_row_greedy, _global_greedy)):
            break
    d = h if d is None else d
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    W2r, W2 = rng.standard_normal((h, k)), rng.standard_normal((h, k))
    W1r = Q[:, :h]
    W1 = W1r @ (S - W2r @ W2.T)  # so that W1r.T @ W1 + W2r @ W2.T = S
    return W1r, W2r, W1, W2


def _matching_hint(perm, W1r, W2r, W1, W2, optimum):
    S = _scores(W1r, W2r, W1, W2)
    return diagnose(perm, [
        (_row_greedy(S), "Your matching is greedy (each unit takes its best partner still free, in turn): an early "
                         "choice can force a bad one later. Solve the assignment problem over all pairs at once."),
        (_global_greedy(S), "Your matching is greedy (the largest score first, then the next): that can force bad "
                            "pairs later. Solve the assignment problem over all pairs at once."),
        (linear_sum_assignment(S)[1], "Your matching minimises the similarity: linear_sum_assignment minimises by "
                                      "default, and here a larger score means more alike."),
        (linear_sum_assignment(W1r.T @ W1, maximize=True)[1],
         "Your score uses the incoming weights only: a hidden unit is also defined by its outgoing weights."),
        (linear_sum_assignment(W2r @ W2.T, maximize=True)[1],
         "Your score uses the outgoing weights only: a hidden unit is also defined by its incoming weights."),
        (np.argsort(optimum), "Your permutation is the inverse one: new unit j must be the second network's unit "
                              "perm[j] (as in 6.3), i.e. index its units with perm."),
        (linear_sum_assignment((W1r.T @ W1 + W2r @ W2.T).T, maximize=True)[1],
         "Your score matrix is transposed: rows must be the reference's units, columns the second network's."),
    ], "Score every pair (reference unit, unit of the second network) and choose the permutation with the best "
       "total score, not unit by unit.", expected=optimum, atol=0.0)


@exercise("6.4", title="Weight matching for one layer", budget=5.0)
def check_weight_matching(answer, t):
    """answer(W1_ref, W2_ref, W1, W2) -> perm maximising Σ_j <W1_ref[:, j], W1[:, perm[j]]> + <W2_ref[j], W2[perm[j]]>."""
    rng = np.random.default_rng(4)
    hidden = hidden_rng()
    cases = []
    W1, _, W2, _ = _net(rng, d=3, h=6, k=2)
    true = rng.permutation(6)
    inverse = np.argsort(true)
    cases.append(((W1, W2, W1[:, inverse], W2[inverse]), "3-6-2 network and a relabelled copy of it"))
    cases.append((_trap(rng, 4, d=5), "5-4-2 networks on which greedy matching goes wrong"))
    cases.append((_trap(rng, 6), "6-6-2 networks on which greedy matching goes wrong"))
    h = int(hidden.integers(5, 9))
    cases.append((_trap(hidden, h, d=h + int(hidden.integers(0, 3))),
                  f"a random pair of {h}-unit networks on which greedy matching goes wrong {HIDDEN_NOTE}"))
    d, h, k = (int(v) for v in hidden.integers([2, 4, 1], [6, 9, 4]))
    cases.append(((*_net(hidden, d, h, k)[0::2], *_net(hidden, d, h, k)[0::2]),
                  f"two random {d}-{h}-{k} networks {HIDDEN_NOTE}"))
    for (W1r, W2r, W1, W2), case in cases:
        S = _scores(W1r, W2r, W1, W2)
        optimum = linear_sum_assignment(S, maximize=True)[1]  # before the answer runs
        best = float(S[np.arange(len(optimum)), optimum].sum())
        n = S.shape[0]
        args = [W1r.copy(), W2r.copy(), W1.copy(), W2.copy()]
        before = [a.copy() for a in args]
        out = answer(*args)
        check_input_unchanged(t, before, args, case=case + ": the inputs after the call",
                              message="your function modified its input arrays", hint=_IN_PLACE)
        try:
            perm = np.asarray(out)
        except Exception:  # an exotic object
            perm = np.asarray([])
        if not (perm.shape == (n,) and perm.dtype.kind in "iu" and np.array_equal(np.sort(perm), np.arange(n))):
            t.fail(f"the answer is not an integer permutation of range({n})", case=case,
                   hint=("Return the column indices of the assignment (a permutation of the hidden units as ints), "
                         "not the score matrix, the row indices or a score."))
            continue
        perm = np.array([int(p) for p in perm])  # plain data from here on
        hint = _matching_hint(perm, W1r, W2r, W1, W2, optimum)
        t.true(bool(S[np.arange(n), perm].sum() >= best - 1e-9 * max(1.0, abs(best))),
               case=case + ": total similarity of your matching",
               message="applying your permutation does not reach the best total similarity", hint=hint)
