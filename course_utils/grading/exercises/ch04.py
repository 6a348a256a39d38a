"""Checks for chapter 4 (Saddle points): perturbed GD, a saddle-free Newton step, escape times, momentum.

Every check runs printed cases and hidden ones drawn afresh on each call (``cases.hidden_rng``: a table of the
printed inputs cannot pass), computes its references before calling the answer, and picks each hint by
recognising the mistake (``cases.diagnose`` or a replay of the answer's own iterates); no hint states the
formula, the code or the expected value.

4.1 replays the student's iterates against the rule (every step is either the plain gradient step or, when the
rule says so, a jump within the ball followed by the gradient step from the jumped-to point, found among the
points the answer evaluated the gradient at), and tests the perturbations for uniformity in the ball with
Kolmogorov–Smirnov tests whose combined false-alarm rate is at most ``_FALSE_ALARM`` (Bonferroni).
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np

from ... import optimizers
from ...models import Quadratic
from ..cases import (
    HIDDEN_NOTE,
    as_float_array,
    check_input_unchanged,
    diagnose,
    hidden_rng,
    sphere_uniformity_pvalue,
    watched,
    with_eigenvalues,
)
from ..registry import exercise
from ..remote import AnswerRaised, LineBudgetExceeded, watching

# ---------------------------------------------------------------------------------------------------------------
# 4.1

_FALSE_ALARM = 1e-6  # the statistical cases together reject a correct answer with probability at most this
_N_DRAWS = 3000  # perturbations drawn for the uniformity tests


def _saddle_grad(theta):
    return np.array([2.0, -2.0]) * theta  # f = x² − y²


_RULE_HINTS = {
    "plain": "Far from critical points (or while waiting) the rule is the plain gradient step: check the ordinary "
             "update and that you do not perturb there.",
    "squared": "You perturbed where the gradient's length is above g_thres but its square is below: the threshold "
               "is on the length of the gradient itself, not on its square.",
    "too_soon": "You perturbed again too soon after the previous perturbation: count the steps since the last "
                "jump as the exercise describes (the next one comes t_thres + 1 steps later at the earliest).",
    "missed": "You did not perturb although the gradient was small and no perturbation happened recently: check "
              "your condition and your counter (the first step may perturb too).",
    "no_step": "On a perturbation step you only jumped: after the jump, take the gradient step from the new point "
               "as well, in the same step.",
    "old_grad": "After the jump you stepped with the gradient of the point you jumped from: the gradient step must "
                "use the gradient at the perturbed point θ + ξ.",
    "radius": "Your jump is longer than the radius r: the perturbation must stay inside the ball.",
    "other": "On a perturbation step: jump by a random ξ inside the ball, then take the gradient step from θ + ξ "
             "with the gradient there.",
}


def _replay(path, grad, log, lr, radius, g_thres, t_thres, *, flat=False):
    """Walk the answer's iterates and return (kind, step) of the first step that breaks the rule, else (None, -1).

    ``grad`` is the check's own gradient; ``log`` holds the points at which the answer evaluated it.
    """
    last = None
    for k in range(len(path) - 1):
        th, nxt = path[k], path[k + 1]
        g = grad(th)
        gn = float(np.linalg.norm(g))
        due = gn <= g_thres and (last is None or k - last > t_thres)
        plain = th - lr * g
        scale = 1e-9 * (1.0 + float(np.linalg.norm(th)))
        if not due:
            if np.linalg.norm(nxt - plain) <= scale:
                continue
            if gn <= g_thres:
                return "too_soon", k
            if gn * gn <= g_thres:
                return "squared", k
            return "plain", k
        if flat:
            jump = float(np.linalg.norm(nxt - th))
            if jump == 0.0:
                return "missed", k
            if jump > radius * (1 + 1e-9):
                return "radius", k
            last = k
            continue
        if np.linalg.norm(nxt - plain) <= scale or np.linalg.norm(nxt - th) == 0.0:
            return "missed", k
        found = [q for q in log if np.linalg.norm(q - th) > 0
                 and np.linalg.norm(nxt - (q - lr * grad(q))) <= 1e-9 * (1.0 + float(np.linalg.norm(q)))]
        if found:
            if min(float(np.linalg.norm(q - th)) for q in found) > radius * (1 + 1e-9):
                return "radius", k
            last = k
            continue
        if np.linalg.norm(nxt - th) <= radius * (1 + 1e-9):
            return "no_step", k
        if np.linalg.norm(nxt + lr * g - th) <= radius * (1 + 1e-9):
            return "old_grad", k
        if np.linalg.norm(nxt - th) > radius + lr * (gn + 10.0 * radius):
            return "radius", k
        return "other", k
    return None, -1


def _run_rule_case(t, answer, grad, theta0, lr, steps, radius, g_thres, t_thres, seed, case, *, flat=False):
    """Run the answer on one problem and record "follows the rule" (and the shape). Returns the path or None."""
    log: list[np.ndarray] = []
    before = np.array(theta0, dtype=float)
    out = answer(watched(grad, log), before.copy(), lr, steps, radius, g_thres, t_thres,
                 np.random.default_rng(seed))
    path = as_float_array(out, (steps + 1, before.size))
    if path is None or not np.all(np.isfinite(path)):
        raw = as_float_array(out, finite=False)
        t.fail(f"expected a finite array of shape (steps + 1, P) = ({steps + 1}, {before.size}); got "
               f"{'a non-numeric value' if raw is None else np.shape(raw)}", case=case,
               hint="Return every iterate, the start included, as one array with a row per iterate.")
        return None
    if not np.array_equal(path[0], before):
        t.fail("the first row is not theta0", case=case, hint="The first row is theta0 itself, before any step.")
        return path
    kind, k = _replay(path, grad, log, lr, radius, g_thres, t_thres, flat=flat)
    t.true(kind is None, case=case, message=f"step {k} does not follow the rule", hint=_RULE_HINTS.get(kind))
    return path


def _ks_pvalue(sample, cdf):
    from scipy import stats

    return float(stats.kstest(sample, cdf, method="asymp").pvalue)


def _direction_hint(u):
    if np.all(np.sum(np.abs(u) > 1e-12, axis=1) == 1):
        return ("Your perturbations only go along the coordinate axes: the direction must be uniform on the whole "
                "sphere, every direction equally likely.")
    if np.all(u >= 0) or np.all(u <= 0):
        return ("Your perturbations all point into one orthant (every coordinate of one sign): a uniform direction "
                "takes either sign in each coordinate.")
    return ("Your perturbation directions are not uniform on the sphere: some directions come up more often than "
            "others — see how the exercise draws a direction.")


def _radius_hint(rho, d):
    if np.allclose(rho, 1.0, atol=1e-9):
        return "Every jump has length exactly r: the draw must fill the ball, not only its surface."
    if _ks_pvalue(rho, "uniform") > 1e-3:
        return ("Your jump lengths are uniform between 0 and r: that crowds the centre of the ball — see in the "
                "exercise how the length is scaled.")
    return (f"Your jump lengths are not those of a uniform draw from the {d}-D ball (their distribution is off) — "
            "see in the exercise how the length is scaled.")


@exercise("4.1", title="Perturbed gradient descent", budget=15.0)
def check_perturbed_gd(answer, t):
    """answer(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng) -> iterates, shape (steps + 1, P)."""
    hidden = hidden_rng()
    # hidden problems, drawn before any call of the answer
    H3 = with_eigenvalues([-hidden.uniform(0.5, 2.0), hidden.uniform(0.5, 2.0), hidden.uniform(2.0, 4.0)],
                          seed=int(hidden.integers(2**31)))
    start3 = hidden.standard_normal(3) * 1e-4
    lr3, r3, t3 = float(hidden.uniform(0.05, 0.15)), float(hidden.uniform(1e-3, 1e-2)), int(hidden.integers(2, 8))
    start_sin = hidden.uniform(-0.5, 0.5, 2)
    r_flat = float(hidden.uniform(0.5, 2.0))
    w = hidden.standard_normal(3)
    w /= np.linalg.norm(w)
    seeds = [int(s) for s in hidden.integers(2**31, size=4)]

    # 1. from exactly the saddle of x² − y²
    path = _run_rule_case(t, answer, _saddle_grad, np.zeros(2), 0.1, 80, 1e-3, 1e-3, 10, 0,
                          "x² − y² from exactly the saddle (0, 0), lr 0.1, r = 1e-3, g_thres = 1e-3, t_thres = 10, "
                          "80 steps: every step follows the rule")
    t.true(path is not None and abs(path[-1, 1]) > 0.5, case="the same run: the iterate leaves the saddle along y",
           message="the last iterate is still near the saddle",
           hint="At the saddle the gradient is zero, so the rule perturbs; gradient descent then carries the "
                "iterate away along the direction of negative curvature.")

    # 2. a bowl where every gradient counts as small: jump, then step with the gradient at the new point
    A = np.diag([1.0, 3.0])
    _run_rule_case(t, answer, lambda th: A @ th, np.array([1.0, -1.0]), 0.1, 12, 0.01, 10.0, 3, 1,
                   "bowl diag(1, 3) from (1, −1), g_thres = 10 (every gradient counts as small), r = 0.01, "
                   "t_thres = 3, 12 steps")
    # 3. the threshold is on the gradient's length: ‖g‖ starts at 0.65, above g_thres = 0.5 but ‖g‖² is not
    _run_rule_case(t, answer, lambda th: A @ th, np.array([0.2, 0.2]), 0.05, 15, 1e-3, 0.5, 100, 2,
                   "bowl diag(1, 3) from (0.2, 0.2), g_thres = 0.5, r = 1e-3, 15 steps")
    # 4. far from critical points the rule is plain GD
    _run_rule_case(t, answer, lambda th: A @ th, np.array([1.0, -1.0]), 0.1, 10, 0.5, 1e-8, 5, 3,
                   "bowl diag(1, 3) from (1, −1), g_thres = 1e-8 (the gradient is never small)")
    # 5–6. hidden: a rotated 3-D saddle, and a non-quadratic saddle
    _run_rule_case(t, answer, lambda th: H3 @ th, start3, lr3, 40, r3, 1e-3, t3, seeds[0],
                   f"a rotated 3-D quadratic saddle near its critical point {HIDDEN_NOTE}")
    _run_rule_case(t, answer, lambda th: np.array([-np.sin(th[0]), th[1] * (1.0 + th[0] ** 2)]), start_sin, 0.2,
                   40, 0.05, 0.3, 2, seeds[1], f"f = cos x + ½y²(1 + x²) from a random start {HIDDEN_NOTE}")
    # 7. the waiting time, on a flat function (the gradient is always zero)
    _run_rule_case(t, answer, lambda th: np.zeros_like(th), np.zeros(3), 0.1, 20, 0.2, 1e-3, 4, 4,
                   "a flat function in 3-D, t_thres = 4, r = 0.2, 20 steps: perturbations and jump lengths",
                   flat=True)

    # 8–9. uniform in the ball: many perturbations on a flat function (t_thres = 0: every step perturbs)
    flat = as_float_array(answer(lambda th: np.zeros_like(th), np.zeros(3), 0.1, _N_DRAWS, r_flat, 1e-3, 0,
                            np.random.default_rng(seeds[2])), (_N_DRAWS + 1, 3))
    alpha = _FALSE_ALARM / 5  # five Kolmogorov–Smirnov tests below, Bonferroni
    case = (f"{_N_DRAWS} perturbations in 3-D on a flat function, random radius {HIDDEN_NOTE}: the jump lengths "
            f"(Kolmogorov–Smirnov test; a correct answer fails with probability below {_FALSE_ALARM:.0e})")
    if flat is None or not np.all(np.isfinite(flat)):
        t.fail("no array of shape (steps + 1, 3) to test", case=case, hint="Return every iterate as one array.")
        t.fail("no array of shape (steps + 1, 3) to test", case=case.replace("lengths", "directions"),
               hint="Return every iterate as one array.")
    else:
        xi = np.diff(flat, axis=0)
        rho = np.linalg.norm(xi, axis=1) / r_flat
        ok = bool(np.all(rho > 0) and np.all(rho <= 1 + 1e-9))
        t.true(ok and _ks_pvalue(np.clip(rho, 0, 1) ** 3, "uniform") > alpha, case=case,
               message="the jump lengths are not those of a uniform draw from the ball",
               hint=_radius_hint(rho, 3) if ok else _RULE_HINTS["radius"] if np.any(rho > 1) else
               _RULE_HINTS["missed"])
        u = xi / np.where(rho > 0, np.linalg.norm(xi, axis=1), 1.0)[:, None]
        # in 3-D the projection of a uniform direction on any unit vector is uniform on [−1, 1] (Archimedes)
        pmin = sphere_uniformity_pvalue(u, np.array([*np.eye(3), w]))
        t.true(ok and pmin > alpha, case=case.replace("jump lengths", "jump directions"),
               message="the directions are not uniform on the sphere", hint=_direction_hint(u))

    # 10. randomness from rng only: the same generator state gives the same run, another state another run
    runs = [as_float_array(answer(lambda th: np.zeros_like(th), np.zeros(2), 0.1, 5, 1.0, 1e-3, 0,
                             np.random.default_rng(s)), (6, 2)) for s in (seeds[3], seeds[3], seeds[3] + 1)]
    same = runs[0] is not None and runs[1] is not None and np.array_equal(runs[0], runs[1])
    other = runs[0] is not None and runs[2] is not None and not np.array_equal(runs[0], runs[2])
    t.true(same and other, case="a flat function twice with the same generator state, once with another",
           message="the runs do not follow the generator rng",
           hint="Draw every random number from the generator rng you are given (not from np.random or another "
                "generator): the same rng state must give the same run.")

    # 11. theta0 unchanged
    theta0 = np.array([0.5, -0.2])
    answer(_saddle_grad, theta0, 0.1, 10, 1e-3, 1e-3, 2, np.random.default_rng(5))
    check_input_unchanged(t, np.array([0.5, -0.2]), theta0, case="theta0 after the call",
                          message="theta0 was modified in place",
                          hint="Your function changed the caller's theta0: work on a copy (an in-place update "
                               "such as `theta -= ...` on theta0 itself changes it).")


# ---------------------------------------------------------------------------------------------------------------
# 4.2


def _sfn(g, H, d):
    w, Q = np.linalg.eigh(H)
    return -Q @ ((Q.T @ g) / (np.abs(w) + d))


def _sfn_hint(step, g, H, d, expected):
    value = as_float_array(step, finite=False)
    if value is None or value.shape != g.shape:
        return "Return the step as a flat array of shape (P,)."
    w, Q = np.linalg.eigh(H)
    n = len(g)
    return diagnose(value, [
        (-expected, "Your step has the wrong sign: the step must go downhill."),
        (np.linalg.solve(H + d * np.eye(n), -g), "That is the plain (damped) Newton step: it is attracted by the "
                                                 "saddle along negative curvature — the exercise changes the "
                                                 "eigenvalues first."),
        (-g / (np.abs(np.diag(H)) + d), "You used the diagonal of H only: its off-diagonal entries couple the "
                                         "coordinates, and the eigenvalues are not the diagonal entries."),
        (np.linalg.solve(np.abs(H) + d * np.eye(n), -g), "You took the absolute value of every entry of H: the "
                                                         "absolute value acts on the eigenvalues, not on the "
                                                         "entries."),
        (-Q @ ((Q.T @ g) / np.abs(w + d)), "You added the damping before taking the absolute value: damping is "
                                           "added to |λ|."),
        (-Q @ ((Q.T @ g) / np.abs(w)), "Your step ignores the damping."),
        (-((Q.T @ g) / (np.abs(w) + d)), "Your step is still in the eigenbasis: rotate it back to the original "
                                         "coordinates."),
        (-Q @ ((Q.T @ g) / (np.maximum(w, 0.0) + d)), "You clipped the negative eigenvalues instead of flipping "
                                                     "their sign."),
    ], "Decompose H into eigenvalues and eigenvectors, change the eigenvalues as the exercise says, and apply the "
       "inverse to the gradient.", expected=expected)


@exercise("4.2", title="One saddle-free Newton step", budget=5.0)
def check_saddle_free_newton_step(answer, t):
    """answer(grad, hessian, damping) -> the step Δ = −(|H| + damping·I)⁻¹ grad, shape (P,)."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((4, 4))
    hidden = hidden_rng()
    n = int(hidden.integers(3, 7))
    k = int(hidden.integers(1, n))
    eigs = np.r_[-hidden.uniform(0.3, 3.0, k), hidden.uniform(0.3, 3.0, n - k)]
    cases = [
        (np.diag([2.0, -2.0]), np.array([1.0, 0.4]), 0.0, "H = diag(2, −2), grad = (1, 0.4), damping 0"),
        (np.diag([2.0, -2.0]), np.array([1.0, 0.4]), 1.0, "H = diag(2, −2), grad = (1, 0.4), damping 1"),
        (M + M.T, rng.standard_normal(4), 1e-3, "a random indefinite symmetric 4 × 4 Hessian, damping 1e-3"),
        (with_eigenvalues([-1.0, 0.5, 2.0], seed=3), np.array([0.3, -1.0, 0.5]), 0.2,
         "a rotated 3 × 3 Hessian with eigenvalues (−1, 0.5, 2), damping 0.2"),
        (with_eigenvalues(eigs, seed=int(hidden.integers(2**31))), hidden.standard_normal(n),
         float(hidden.uniform(0.01, 0.5)), f"a random indefinite {n} × {n} Hessian {HIDDEN_NOTE}"),
    ]
    for H, g, d, case in cases:
        expected = _sfn(g, H, d)
        g_in, H_in = g.copy(), H.copy()
        step = answer(g_in, H_in, d)
        t.close(step, expected, rtol=1e-7, atol=1e-10, case=case, hint=_sfn_hint(step, g, H, d, expected))
    H, g = cases[3][0], cases[3][1]
    g_in, H_in = g.copy(), H.copy()
    step = as_float_array(answer(g_in, H_in, 0.2), g.shape)
    t.true(step is not None and float(g @ step) < 0, case="the rotated 3 × 3 Hessian: the step is a descent direction",
           message="the step does not point downhill", hint=_sfn_hint(step, g, H, 0.2, _sfn(g, H, 0.2)))
    check_input_unchanged(t, (g, H), (g_in, H_in), case="grad and hessian after the call",
                          message="an input array was modified in place",
                          hint="Your function changed the caller's arrays: compute on copies.")


# ---------------------------------------------------------------------------------------------------------------
# 4.3


class _Endless(Exception):
    """Raised inside the answer when it runs far more lines than any escape count needs."""


@contextlib.contextmanager
def _line_budget(limit, answer):
    """Stop the answer (with _Endless) after ``limit`` executed lines of Python: a loop that never ends (counted in
    the student's kernel when the batch grader calls the answer there)."""
    with watching(answer, line_budget=limit) as remote:
        if remote:
            try:
                yield
            except AnswerRaised as exc:
                if exc.type_name == LineBudgetExceeded.__name__:
                    raise _Endless from None
                raise
            return
    count = [0]
    previous = sys.gettrace()

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
            if count[0] > limit:
                raise _Endless
        return local

    sys.settrace(lambda frame, event, arg: local)
    try:
        yield
    finally:
        sys.settrace(previous)


def _escape_count(eps, lr, lam, radius):
    y, k = eps, 0
    while abs(y) < radius:
        y, k = y - lr * lam * y, k + 1
    return k


def _escape_hint(got, eps, lr, lam, radius, expected):
    if got is _Endless:
        if eps < 0:
            return ("Your loop never ended for a negative ε: the iterate moves away from the saddle on its own side, "
                    "so measure how far it is from the saddle, whatever the sign.")
        return ("Your loop never ended: on this saddle |y| must grow every step — check the sign of the update and "
                "the stopping condition.")
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return "Return the count as an int (not a float, a bool or an array)."
    got = int(got)
    y, ge = eps, 0
    while abs(y) <= radius:  # stops at > instead of ≥
        y, ge = y - lr * lam * y, ge + 1
    return diagnose(got, [
        (ge, "Your loop runs one step too many when |y| lands exactly on the radius: the iterate has escaped "
             "once |y| reaches the radius (≥), not only once it passes it."),
        (max(expected, 1), "You took a step before testing the condition: when |ε| is already at least the radius, "
                           "no step is needed."),
        (int(np.ceil(np.log(radius / abs(eps)) / (lr * abs(lam)))) if abs(eps) < radius else None,
         "That is the continuous-time estimate: count the discrete steps instead."),
        (expected + 1, "Your count is one too high: count the updates, not the iterates."),
        (expected - 1, "Your count is one too low: the step at which |y| reaches the radius counts too."),
    ], "Simulate the update on y and count the steps until |y| reaches the radius.", expected=expected, atol=0.0)


def _strict_int(t, got, expected, case, hint):
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return t.fail(f"your function returned {type(got).__name__}; expected an int", case=case, hint=hint)
    return t.equal(got, expected, case=case, hint=hint)


@exercise("4.3", title="Measured escape time against the theory", budget=10.0)
def check_escape_steps(answer, t):
    """answer(eps, lr, lam_min, radius) -> steps of GD on ½λ_min y² from y = eps until |y| ≥ radius (an int)."""
    hidden = hidden_rng()
    m, j = int(hidden.integers(3, 30)), int(hidden.integers(-2, 3))
    cases = [
        (1e-3, 0.05, -2.0, 1.0, "eps = 0.001, lr = 0.05, λ_min = −2, radius = 1"),
        (1e-8, 0.1, -1.0, 1.0, "eps = 1e-8, lr = 0.1, λ_min = −1, radius = 1"),
        (0.3, 0.01, -4.0, 0.5, "eps = 0.3, lr = 0.01, λ_min = −4, radius = 0.5"),
        (-1e-6, 0.5, -2.0, 1.0, "eps = −1e-6 (on the other side of the saddle), lr = 0.5, λ_min = −2, radius = 1"),
        (0.25, 0.5, -2.0, 1.0, "eps = 0.25, lr = 0.5, λ_min = −2, radius = 1 (|y| doubles: it lands exactly on 1)"),
        (1.0, 0.1, -1.0, 1.0, "eps = radius = 1 (already at the radius)"),
        (2.0, 0.1, -1.0, 1.0, "eps = 2 > radius = 1 (already escaped)"),
        (float(hidden.uniform(1e-9, 1e-3)) * float(hidden.choice([-1.0, 1.0])), float(hidden.uniform(0.05, 0.3)),
         -float(hidden.uniform(1.0, 5.0)), float(hidden.uniform(0.5, 2.0)), f"random eps, lr, λ_min, radius {HIDDEN_NOTE}"),
        (float(hidden.choice([-1.0, 1.0])) * 2.0 ** -m, 0.5, -2.0, 2.0 ** j,
         f"random powers of two (|y| lands exactly on the radius) {HIDDEN_NOTE}"),
    ]
    # No case needs more than ~450 steps; an answer that ran away once gets a smaller budget on the next cases.
    budget = 100_000
    for eps, lr, lam, radius, case in cases:
        expected = _escape_count(eps, lr, lam, radius)
        try:
            with _line_budget(budget, answer):
                got = answer(eps, lr, lam, radius)
        except _Endless:
            budget = 30_000
            t.fail("your function did not finish (far more steps than the escape takes)", case=case,
                   hint=_escape_hint(_Endless, eps, lr, lam, radius, expected))
            continue
        _strict_int(t, got, expected, case, _escape_hint(got, eps, lr, lam, radius, expected))


# ---------------------------------------------------------------------------------------------------------------
# 4.4


def _momentum_ref(grad, theta0, lr, beta, steps, explode, *, variant="right"):
    """The heavy-ball run with divergence detection (and the runs of known mistakes)."""
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    limit = explode * (np.linalg.norm(theta) if variant != "absolute" else 1.0)
    path = [theta.copy()]
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            if variant == "ema":
                v = beta * v + (1 - beta) * grad(theta)
                theta = theta - lr * v
            elif variant == "nesterov":
                v = beta * v + grad(theta - lr * beta * v)
                theta = theta - lr * v
            elif variant == "stale":
                theta = theta - lr * v
                v = beta * v + grad(path[-1])
            else:
                v = beta * v + grad(theta)
                theta = theta - lr * v
            path.append(theta.copy())
            n = np.linalg.norm(theta)
            blown = (n > limit) if variant == "no_finite" else (not np.all(np.isfinite(theta)) or n > limit)
            if blown:
                return np.array(path), k
    return np.array(path), None


def _momentum_hint(path, div, grad, theta0, lr, beta, steps, explode, ref):
    ref_path, ref_div = ref
    if path is None:
        return "Return the iterates as one array with a row per iterate, the start included."
    for variant, hint in (
            ("ema", "Your velocity averages the gradients (it scales the new gradient down): in heavy-ball momentum "
                    "the new gradient enters the velocity in full."),
            ("nesterov", "You evaluated the gradient at a look-ahead point (Nesterov): heavy-ball momentum uses the "
                         "gradient at the current iterate."),
            ("stale", "You moved θ with the old velocity and updated the velocity afterwards: update the velocity "
                      "first, then move θ with it."),
            ("absolute", "Your divergence test ignores the size of θ0: the threshold is relative to ‖θ0‖."),
            ("no_finite", "Your run went on after θ stopped being finite: a NaN fails every comparison, so a test "
                          "that only looks for a large norm never sees it — stop when θ is not finite too.")):
        p, d = _momentum_ref(grad, theta0, lr, beta, steps, explode, variant=variant)
        if d == ref_div and p.shape == ref_path.shape and np.allclose(p, ref_path, equal_nan=True):
            continue  # this mistake does not show on this case
        if (p.shape == path.shape and np.allclose(path, p, rtol=1e-9, atol=1e-12, equal_nan=True)
                and (d is None) == (div is None)):
            return hint
    if ref_div is not None and path.shape[0] > ref_path.shape[0]:
        return "Stop the loop at the step that blew up: return the iterates up to and including that step."
    if ref_div is not None and div is not None and path.shape == ref_path.shape:
        return ("Your step number is off: report the step k whose iterate blew up (the path has k + 1 rows, the "
                "start included).")
    return "Update the velocity with the current gradient, then move θ with it, with the velocity starting at zero."


def _nan_outside(A):
    """A gradient with a domain: NaN once ‖θ‖ ≥ 5 (like √ or log of a negative outside theirs)."""
    def grad(th):
        return A @ th if np.linalg.norm(th) < 5.0 else np.full_like(th, np.nan)
    return grad


@exercise("4.4", title="Momentum with divergence detection", budget=10.0)
def check_momentum_run(answer, t):
    """answer(grad_fn, theta0, lr, beta, steps, explode) -> (iterates (k + 1, P), diverged_at or None)."""
    A = np.diag([0.1, 1.0])
    q = Quadratic(A)
    hidden = hidden_rng()
    Hh = with_eigenvalues(hidden.uniform(0.1, 2.0, 3), seed=int(hidden.integers(2**31)))
    th_h = hidden.standard_normal(3) * float(hidden.uniform(0.5, 50.0))
    beta_h = float(hidden.uniform(0.5, 0.9))
    lam = np.linalg.eigvalsh(Hh)[-1]
    lr_stable = float(hidden.uniform(0.3, 0.9)) * 2 * (1 + beta_h) / lam
    lr_unstable = float(hidden.uniform(1.1, 1.5)) * 2 * (1 + beta_h) / lam
    # independent reference for the first case: the course's own optimizer
    course = optimizers.run(q, optimizers.momentum(0.8), [1.0, 1.0], steps=30, lr=0.5).thetas
    problems = [
        (lambda th: A @ th, np.array([1.0, 1.0]), 0.5, 0.8, 30, 1e6,
         "diag(0.1, 1) from (1, 1), lr 0.5, β 0.8, 30 steps (stable)"),
        (lambda th: A @ th, np.array([1.0, 1.0]), 4.2, 0.8, 500, 1e6,
         "diag(0.1, 1) from (1, 1), lr 4.2 > 2(1 + β)/L with β 0.8, explode 1e6"),
        (lambda th: A @ th, np.array([30.0, 40.0]), 4.2, 0.8, 500, 10.0,
         "diag(0.1, 1) from (30, 40) (‖θ0‖ = 50), lr 4.2, β 0.8, explode 10"),
        (_nan_outside(A), np.array([1.0, 1.0]), 4.2, 0.8, 500, 1e6,
         "a gradient that is NaN once ‖θ‖ ≥ 5 (outside its domain), lr 4.2, β 0.8, explode 1e6"),
        (lambda th: A @ th, np.array([1.0, 1.0]), 50.0, 0.0, 2000, 1e6, "lr 50, β 0 (wildly unstable), 2000 steps"),
        (lambda th: Hh @ th, th_h, lr_stable, beta_h, 60, 1e3, f"a random stable 3-D problem {HIDDEN_NOTE}"),
        (lambda th: Hh @ th, th_h, lr_unstable, beta_h, 400, 1e3, f"a random unstable 3-D problem {HIDDEN_NOTE}"),
    ]
    for i, (grad, theta0, lr, beta, steps, explode, case) in enumerate(problems):
        ref = _momentum_ref(grad, theta0, lr, beta, steps, explode)
        if i == 0:
            ref = (course, None)
        theta_in = theta0.copy()
        out = answer(grad, theta_in, lr, beta, steps, explode)
        if not (isinstance(out, tuple) and len(out) == 2):
            t.fail(f"expected a tuple (iterates, diverged_at), got {type(out).__name__}", case=case,
                   hint="Return two things: the array of iterates and the divergence step (or None).")
            continue
        path = as_float_array(out[0], finite=False)
        if path is not None and (path.ndim != 2 or path.shape[1] != theta0.size):
            path = None
        div = out[1]
        hint = _momentum_hint(path, div, grad, theta0, lr, beta, steps, explode, ref)
        ok_path = (path is not None and path.shape == ref[0].shape and np.all(np.isfinite(path[:-1]))
                   and np.allclose(path, ref[0], rtol=1e-9, atol=1e-12, equal_nan=True))
        if ref[1] is None:
            ok_div = div is None
            what = f"diverged_at = {div!r} for a run that never blew up" if not ok_div else ""
        else:
            is_int = type(div) is int or isinstance(div, np.integer)
            ok_div = is_int and int(div) == ref[1]
            what = "diverged_at is not the step at which the run blew up" if div is not None else "diverged_at is None"
            if div is not None and not (type(div) is int or isinstance(div, np.integer)):
                what, hint = (f"diverged_at is a {type(div).__name__}",
                              "Report the divergence step as an int (or None when the run never blew up).")
        if not ok_path:
            t.fail("the iterates differ from heavy-ball momentum's" if path is not None else "no array of iterates",
                   case=case, hint=hint)
        elif not ok_div:
            t.fail(what, case=case, hint=hint)
        else:
            t.passed(case=case)
        if i == 0:
            check_input_unchanged(t, theta0, theta_in, case="theta0 after the call", message="theta0 was modified",
                                  hint="Your function changed the caller's theta0: work on a copy.")
