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
# 8.5 — the error barrier of a straight path (Frankle et al. 2020), from a function that returns class scores.
# 8.6 — the spawn step: the earliest spawn step from which the instability stays below a threshold.

from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng  # noqa: E402  (this region's helpers)


def _tanh_scores(theta, X, h=4, C=3):
    """Class scores of a small tanh network 2-h-C whose flat parameters are ``[W1 (2, h), W2 (h, C)]``."""
    theta = np.asarray(theta, dtype=float)
    W1, W2 = theta[: 2 * h].reshape(2, h), theta[2 * h:].reshape(h, C)
    return np.tanh(X @ W1) @ W2


def _line_errors(predict, a, b, X, y, alphas):
    return np.array([np.mean(np.argmax(predict((1 - s) * a + s * b, X), axis=1) != y) for s in alphas])


def _error_barrier_hint(value, predict, a, b, X, y, n, expected):
    alphas = np.linspace(0.0, 1.0, n)
    errors = _line_errors(predict, a, b, X, y, alphas)
    top, e0, e1 = errors.max(), errors[0], errors[-1]
    fa, fb = predict(a, X), predict(b, X)
    mixed = np.array([np.mean(np.argmax((1 - s) * fa + s * fb, axis=1) != y) for s in alphas])
    acc = 1 - errors
    return diagnose(value, [
        (top, "You returned the highest error on the path; the barrier is how far it rises above the endpoints."),
        *((v, "Your barrier is measured from one endpoint only (the lower, the higher or the first); reread the "
              "definition: it refers to both endpoints' errors.") for v in (top - min(e0, e1), top - max(e0, e1),
                                                                         top - e0)),
        (top - errors.mean(), "You measured from the mean error over the whole path; the barrier refers to the "
                              "endpoints only."),
        (mixed.max() - 0.5 * (mixed[0] + mixed[-1]),
         "You mixed the two networks' outputs (that is an ensemble of the two): the path runs through parameter "
         "space — evaluate the network at each mixed parameter vector."),
        (acc.max() - 0.5 * (acc[0] + acc[-1]), "You measured accuracy (the fraction right); the barrier is about "
                                               "the error, which climbs where accuracy falls."),
        (100 * (top - 0.5 * (e0 + e1)), "Your barrier is in per cent; return it as a fraction of the examples."),
        (len(y) * (top - 0.5 * (e0 + e1)), "You counted misclassified examples; return the fraction of them."),
    ], "Compute the errors at the n points of the segment, endpoints included, and the barrier exactly as the "
       "exercise defines it.", expected=expected, rtol=1e-9, atol=1e-12)


def _error_barrier_cases():
    rng = np.random.default_rng(85)
    X = rng.standard_normal((200, 2))
    a = rng.standard_normal(20) * 1.5
    y = np.argmax(_tanh_scores(a, X), axis=1)
    W1, W2 = a[:8].reshape(2, 4), a[8:].reshape(4, 3)
    perm, signs = np.array([2, 0, 3, 1]), np.array([1.0, -1.0, 1.0, -1.0])
    twin = np.concatenate([(W1[:, perm] * signs).ravel(), (W2[perm] * signs[:, None]).ravel()])  # same function
    other = rng.standard_normal(20) * 1.5
    noisy_y = np.where(rng.random(200) < 0.1, (y + 1) % 3, y)
    cases = [
        (_tanh_scores, a, twin, X, y, 11, "a tanh network 2-4-3 and a relabelled copy (the same function), "
                                          "200 points labelled by it, n = 11"),
        (_tanh_scores, a, other, X, noisy_y, 21, "two different tanh networks 2-4-3 (endpoint errors differ), "
                                                 "200 points with 10 % of the labels changed, n = 21"),
        (_tanh_scores, a, other, X, noisy_y, 2, "the same two networks, n = 2 (the endpoints only)"),
    ]
    hidden = hidden_rng()
    for _ in range(2):
        Xh = hidden.standard_normal((int(hidden.integers(50, 150)), 2))
        ah, bh = hidden.standard_normal((2, 20)) * 1.5
        yh = np.argmax(_tanh_scores(ah, Xh) + 0.5 * _tanh_scores(bh, Xh), axis=1)
        cases.append((_tanh_scores, ah, bh, Xh, yh, int(hidden.integers(5, 16)),
                      f"two random tanh networks on {len(yh)} points {HIDDEN_NOTE}"))
    return cases


@exercise("8.5", title="The error barrier of a straight path", budget=2.0)
def check_error_barrier(answer, t):
    """answer(predict, theta_a, theta_b, X, y, n) -> float: max error on the segment − mean of the end errors."""
    for predict, a, b, X, y, n, case in _error_barrier_cases():
        errors = _line_errors(predict, a, b, X, y, np.linspace(0.0, 1.0, n))
        expected = float(errors.max() - 0.5 * (errors[0] + errors[-1]))  # computed before the answer runs
        before = [a.copy(), b.copy(), X.copy(), y.copy()]
        ga, gb, gX, gy = a.copy(), b.copy(), X.copy(), y.copy()
        value = answer(predict, ga, gb, gX, gy, n)
        check_input_unchanged(t, before, [ga, gb, gX, gy], case=case + ": the inputs after the call",
                              message="your function modified theta_a, theta_b, X or y",
                              hint="Your function changed the arrays it was given (an in-place operation such as += "
                                   "on an argument, or an alias of it): work on new arrays, leave the caller's alone.")
        if not (isinstance(value, (float, np.floating)) and np.ndim(value) == 0):
            t.fail(f"expected one float, got {type(value).__name__}", case=case,
                   hint="Return the barrier as a single float (float(...)), not an array, a list or a tuple.")
            continue
        t.close(float(value), expected, rtol=1e-9, atol=1e-12, case=case,
                hint=_error_barrier_hint(float(value), predict, a, b, X, y, n, expected))


def _stable_from(steps, barriers, threshold):
    """Reference: the earliest spawn step from which every barrier (at that step and later) is below threshold."""
    order = np.argsort(steps, kind="stable")
    steps, barriers = np.asarray(steps)[order], np.asarray(barriers, dtype=float)[order]
    start = None
    for k, b in zip(steps[::-1], barriers[::-1]):
        if b < threshold:
            start = int(k)
        else:
            break
    return start


def _spawn_hint(value, steps, barriers, threshold, expected):
    order = np.argsort(steps, kind="stable")
    s_sorted, b_sorted = np.asarray(steps)[order], np.asarray(barriers, dtype=float)[order]
    below = np.flatnonzero(b_sorted < threshold)
    first_below = int(s_sorted[below[0]]) if below.size else None
    listed = np.asarray(barriers, dtype=float)  # the measurements in the order given, taken as sorted
    unstable_listed = np.flatnonzero(listed >= threshold)
    start = 0 if unstable_listed.size == 0 else unstable_listed[-1] + 1
    as_listed = int(np.asarray(steps)[start]) if start < len(steps) else None
    unsorted_first = next((int(k) for k, b in zip(steps, barriers) if b < threshold), None)
    not_sorted = ("Your answer depends on the order the measurements are listed in: the spawn steps are not "
                  "sorted.")
    at_or_below = _stable_from(steps, np.where(np.asarray(barriers) == threshold, threshold - 1, barriers),
                               threshold)
    above = np.flatnonzero(b_sorted >= threshold)
    last_above = int(s_sorted[above[-1]]) if above.size else None
    index = None if expected is None else int(np.flatnonzero(np.asarray(steps) == expected)[0])
    mistakes = [
        (first_below, "That is the first spawn step with a barrier below the threshold, but a later one rises "
                      "above it again: the barrier must stay below from your spawn step on."),
        (as_listed, not_sorted),
        (unsorted_first, not_sorted),
        (at_or_below, "A barrier exactly at the threshold is not below it: reread the comparison."),
        (last_above, "That is the last spawn step that is still unstable; the answer is the first of the stable "
                     "ones after it."),
        (index, "You returned a position in the array; return the spawn step itself."),
    ]
    if value is None:
        if as_listed is None and not np.array_equal(np.asarray(steps), s_sorted):
            return not_sorted
        return "Your function returned None, but the barrier does stay below the threshold from some spawn step on."
    if expected is None:
        return ("Even the last (largest) spawn step is not below the threshold here: there is no stable spawn "
                "step, so return None.")
    return diagnose(value, [(v, h) for v, h in mistakes if v is not None and v != expected],
                    "Find the spawn steps whose barrier is below the threshold and stays below it for every "
                    "later spawn step.", expected=expected)


@exercise("8.6", title="The spawn step", budget=2.0)
def check_stable_spawn_step(answer, t):
    """answer(spawn_steps, barriers, threshold) -> int or None: earliest k from which every barrier is < threshold."""
    cases = [
        ([0, 5, 20, 100], [0.09, 0.05, 0.012, 0.003], 0.02, "barriers falling with k (as in section 5's noisy run)"),
        ([0, 5, 20, 100], [0.001, 0.002, 0.0, 0.001], 0.02, "stable already at k = 0 (as the gentle run)"),
        ([0, 10, 50, 200, 400], [0.08, 0.01, 0.03, 0.015, 0.004], 0.02,
         "a barrier dips below the threshold at k = 10, then rises again at k = 50"),
        ([100, 0, 20, 5], [0.004, 0.09, 0.012, 0.05], 0.02, "the falling barriers of the first case, listed in "
                                                             "another order"),
        ([0, 5, 20, 100], [0.09, 0.05, 0.02, 0.003], 0.02, "a barrier exactly at the threshold at k = 20"),
        ([0, 5, 20, 100], [0.2, 0.1, 0.05, 0.03], 0.02, "never below the threshold"),
    ]
    hidden = hidden_rng()
    for _ in range(2):
        m = int(hidden.integers(4, 9))
        steps = np.sort(hidden.choice(np.arange(0, 500), size=m, replace=False))
        barriers = np.round(np.abs(0.1 * np.exp(-steps / 60.0) + 0.02 * hidden.standard_normal(m)), 4)
        perm = hidden.permutation(m)
        cases.append((steps[perm].tolist(), barriers[perm].tolist(), 0.02,
                      f"{m} noisy barriers falling with k, in random order {HIDDEN_NOTE}"))
    for steps, barriers, threshold, case in cases:
        expected = _stable_from(steps, barriers, threshold)
        s_arr, b_arr = np.array(steps), np.array(barriers, dtype=float)
        before = [s_arr.copy(), b_arr.copy()]
        value = answer(s_arr, b_arr, threshold)
        check_input_unchanged(t, before, [s_arr, b_arr], case=case + ": the inputs after the call",
                              message="your function modified spawn_steps or barriers (sorted them in place?)",
                              hint="Sort copies (np.argsort, or np.sort on a copy); leave the caller's arrays alone.")
        case = f"{case}: spawn steps {list(steps)}, barriers {list(barriers)}, threshold {threshold}"
        if expected is None:
            t.true(value is None, case=case, message=f"expected None, got {value!r}",
                   hint=_spawn_hint(value, steps, barriers, threshold, None))
        elif value is None or isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            t.fail(f"expected an int, got {value!r}", case=case,
                   hint=_spawn_hint(None, steps, barriers, threshold, expected) if value is None else
                   "Return the spawn step as an int (one of the given spawn steps).")
        else:
            t.equal(int(value), expected, case=case, hint=_spawn_hint(int(value), steps, barriers, threshold,
                                                                       expected))


# ===== end of exercises 8.5–8.6 =====
