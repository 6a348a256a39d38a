"""Checks for chapter 1 (Convexity and Jensen's inequality).

1.1 a chord-violation finder · 1.2 Jensen's gap of a sample · 1.3 the curvature constants of a Hessian ·
1.4 the best fixed step and its rate · 1.5 a non-convexity witness for a small network (permutation symmetry).
Every check runs printed cases and hidden ones drawn afresh on each call (a table of the printed inputs cannot
pass); hints are chosen by recognising the mistake (the student's value is compared with what each known
misconception gives on the failing case) and never state the formula or the expected value.
"""

from __future__ import annotations

import math

import numpy as np

from ... import convexity, data, jensen, models, optimizers
from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng, random_symmetric, with_eigenvalues
from ..registry import exercise



def _ts(n: int) -> np.ndarray:
    return np.arange(1, n + 1) / (n + 1)


# ---------------------------------------------------------------------------------------------------------------
# 1.1


def _gap(f, x, y, w) -> float:
    return float(f(w * x + (1 - w) * y) - (w * f(x) + (1 - w) * f(y)))


def _gap_table(f, pts, ts) -> np.ndarray:
    """G[i, j, k]: the chord gap of (points[i], points[j], ts[k]); −inf on the diagonal i = j."""
    x, y, w = pts[:, None, None], pts[None, :, None], ts[None, None, :]
    G = f(w * x + (1 - w) * y) - (w * f(x) + (1 - w) * f(y))
    G = np.asarray(G, dtype=float).copy()
    G[np.arange(len(pts)), np.arange(len(pts)), :] = -np.inf
    return G


def _as_triple(got):
    try:
        if got is None or isinstance(got, (str, bytes)) or len(got) != 3:
            return None
        return tuple(float(np.asarray(v, dtype=float).reshape(-1)[0]) for v in got)
    except Exception:
        return None


def _chord_hint(f, pts, ts, triple, default):
    """Name the mistake behind a triple that is not the worst violation."""
    G = _gap_table(f, pts, ts)
    best = float(G.max())
    x, y, w = triple
    n = len(pts)
    if all(float(v).is_integer() for v in triple) and 0 <= x < n and 0 <= y < n and 0 <= w < len(ts):
        return "You returned indices; the exercise asks for the values (x, y, t) themselves."
    gap = _gap(f, x, y, w)
    if gap < -1e-9 and math.isclose(gap, float(np.where(np.isfinite(G), G, np.inf).min()), rel_tol=1e-6):
        return ("Your triple is where the chord lies furthest ABOVE the graph — that is what convexity allows. A "
                "violation is the other way round: check the direction of your comparison.")
    if math.isclose(_gap(f, y, x, w), best, rel_tol=1e-9):
        return "Your t weights the wrong point: in (x, y, t), t is the weight of x (the point is t·x + (1 − t)·y)."
    adjacent = max(float(G[i, i + 1].max()) for i in range(n - 1))
    if math.isclose(gap, adjacent, rel_tol=1e-9) and adjacent < best - 1e-9:
        return "You only compared neighbouring points: the worst chord may join points far apart — try every pair."
    flat = G.reshape(-1)
    first = flat[np.argmax(flat > 1e-9)] if np.any(flat > 1e-9) else None
    if first is not None and math.isclose(gap, float(first), rel_tol=1e-9) and first < best - 1e-9:
        return "You stopped at the first violation found; the exercise asks for the largest gap over all pairs and t."
    for k in range(len(ts)):
        only = float(G[:, :, k].max())
        if math.isclose(gap, only, rel_tol=1e-9) and only < best - 1e-9:
            return "Your gap is the largest for a single weight t only: search over every t in ts too."
    return default


@exercise("1.1", title="A chord-violation finder", budget=10.0)
def check_chord_violation(answer, t):
    """answer(f, points, ts) -> (x, y, t) of the largest chord gap among all pairs, or None if no violation."""
    rng = hidden_rng()
    c = float(rng.uniform(1.5, 4.0))
    hidden_pts = np.sort(rng.uniform(-2.5, 2.5, int(rng.integers(9, 16))))
    cases = [
        ("x⁴ − x²", lambda x: x**4 - x**2, np.linspace(-1.5, 1.5, 13), 3, False),
        ("sin x", np.sin, np.linspace(-3.0, 3.0, 21), 5, False),
        ("−√|x|", lambda x: np.sqrt(np.abs(x)), np.linspace(-2.0, 2.0, 9), 4, False),
        (f"cos({c:.3g}·x) + x²/4", lambda x: np.cos(c * x) + 0.25 * x**2, hidden_pts, int(rng.integers(3, 7)), True),
    ]
    for name, f, pts, n_t, hidden in cases:
        ts = _ts(n_t)
        best = float(_gap_table(f, pts, ts).max())
        got = answer(f, pts.copy(), ts.copy())
        case = f"f = {name}, {len(pts)} points in [{pts[0]:.3g}, {pts[-1]:.3g}], {n_t} weights t"
        if hidden:
            case += " " + HIDDEN_NOTE
        triple = _as_triple(got)
        if triple is None:
            hint = ("This function is not convex on these points, so some chord is violated: return its (x, y, t)."
                    if got is None else "Return a triple (x, y, t) of numbers.")
            if hidden and got is None:
                hint += " Your function must search the points it is given, not only the printed ones."
            t.fail(f"expected a triple (x, y, t), got {type(got).__name__} {str(got)[:60]}", case=case, hint=hint)
            t.fail("no triple to compare", case=case + ": it is the worst violation", hint=hint)
            continue
        x, y, w = triple
        gap = _gap(f, x, y, w)
        hint = _chord_hint(f, pts, ts, triple, "Compute the gap for every pair of points and every t, and keep the "
                                               "largest." + (" Your function must work on any points." if hidden else ""))
        t.true(gap > 1e-12, case=case + ": your triple violates the chord inequality",
               message="at your (x, y, t) the graph is not above the chord", hint=hint)
        t.close(gap, best, rtol=1e-9, case=case + ": it is the worst violation", hint=hint)
    for name, f in (("x²", lambda x: x**2), ("eˣ", np.exp), ("|x|", np.abs)):
        got = answer(f, np.linspace(-2.0, 2.0, 11), _ts(4))
        t.true(got is None, case=f"f = {name} (convex): no violation exists",
               message=f"you returned {str(got)[:60]} for a convex function",
               hint="No gap here is above the threshold, yet you returned a triple: return None when the largest "
                    "gap is not above 1e-9 (a zero or negative gap is no violation).")


# ---------------------------------------------------------------------------------------------------------------
# 1.2


def _jensen_hint(got, f, s, default):
    n = s.size
    m = float(np.mean(s))
    right = float(np.mean(f(s)) - f(m))
    if np.ndim(got) == 1 and np.shape(got) == s.shape:
        return "You returned one value per sample: average over the samples to get a single number."
    return diagnose(got, [
        (-right, "Your gap has the opposite sign: the order of the two terms is reversed."),
        (float(np.sum(f(s)) / (n - 1) - f(m)) if n > 1 else None,
         "You divided by n − 1: the empirical distribution gives each sample weight 1/n."),
        (float(np.mean(f(s)) - f(np.median(s))), "The second term must be f at the sample MEAN, not the median."),
        (float(np.mean(f(s - m))), "You centred the samples: the gap subtracts f at the mean from the mean of f, "
                                   "it does not evaluate f on centred data."),
        (float(np.var(s)), "Your value is the sample variance whatever f is: that is the gap of x² only — use the "
                           "f you are given."),
        (float(np.mean(f(s)) - np.mean(s)), "The second term is f applied to the mean, not the mean itself."),
    ], default, expected=right, rtol=1e-7)


@exercise("1.2", title="Jensen's gap of a sample", budget=5.0)
def check_jensen_gap(answer, t):
    """answer(f, samples) -> mean of f(samples) − f(mean of samples); samples unchanged."""
    rng = np.random.default_rng(11)
    s = rng.normal(1.0, 2.0, size=50)
    pos = rng.uniform(0.5, 5.0, size=20)
    hidden = hidden_rng()
    c = float(hidden.uniform(0.3, 1.2))
    h = hidden.normal(0.0, 1.0, size=int(hidden.integers(10, 40)))
    cases = [
        (lambda x: x**2, s, "f = x², 50 Gaussian samples", 1e-9, 0.0),
        (np.log, pos, "f = log x, 20 positive samples", 1e-9, 0.0),
        (np.exp, np.array([0.0, 0.0, 0.0]), "f = eˣ, all samples equal", 0.0, 1e-12),
        (lambda x: 3 * x + 1, s, "f affine, 50 samples", 0.0, 1e-9),
        (lambda x: np.exp(c * x), h, f"f = exp({c:.3g}x), {h.size} Gaussian samples {HIDDEN_NOTE}", 1e-9, 0.0),
    ]
    for f, samples, case, rtol, atol in cases:
        expected = float(np.mean(f(samples)) - f(np.mean(samples)))
        given = samples.copy()
        got = answer(f, given)
        default = ("Average f over the samples, then subtract f at the average sample."
                   if "afresh" not in case else "Your function must work for any f and any samples.")
        t.close(got, expected, rtol=rtol, atol=atol, case=case, hint=_jensen_hint(got, f, samples, default))
        if case.startswith("f = log"):
            check_input_unchanged(t, samples, given, case="the samples after the call (they must be unchanged)",
                                  message="your function changed the caller's samples in place",
                                  hint="An in-place operation (`-=`, `samples[:] = …`, `.sort()`) changed the "
                                       "caller's array: work on a copy.")


# ---------------------------------------------------------------------------------------------------------------
# 1.3


def _triple3(got):
    try:
        values = [float(v) for v in got]
    except Exception:
        return None
    return values if len(values) == 3 else None


def _constants_hint(got, H, default):
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    kappa = L / mu if mu > 0 else math.inf
    values = _triple3(got)
    if values is None:
        return "Return three numbers (mu, L, kappa)."
    gmu, gL, gk = values
    d = np.diag(H)
    if math.isclose(gmu, float(d.min()), rel_tol=1e-9) and math.isclose(gL, float(d.max()), rel_tol=1e-9) \
            and not math.isclose(float(d.min()), mu, rel_tol=1e-6):
        return ("Your μ and L are the extreme diagonal entries of H: those are curvatures along the axes only; "
                "after a rotation they are not the extreme curvatures.")
    if math.isclose(gmu, L, rel_tol=1e-9) and math.isclose(gL, mu, rel_tol=1e-9) and mu != L:
        return "μ and L are swapped: μ is the smallest curvature, L the largest."
    absolute = np.sort(np.abs(eig))
    if mu <= 0 < absolute[0] and math.isclose(gmu, float(absolute[0]), rel_tol=1e-9):
        return ("Your μ is positive although H has a negative eigenvalue: absolute values (or singular values) "
                "lose the sign of the curvature.")
    if math.isclose(gmu, mu, rel_tol=1e-9, abs_tol=1e-12) and math.isclose(gL, L, rel_tol=1e-9):
        if mu <= 0 and not (math.isinf(gk) and gk > 0):
            return ("Without strong convexity (μ ≤ 0) no finite condition number exists: κ must be math.inf, "
                    "whatever L/μ evaluates to.")
        if mu > 0 and math.isclose(gk, mu / L, rel_tol=1e-9):
            return "Your κ is upside down: the condition number is at least 1."
        if mu > 0 and math.isclose(gk, L - mu, rel_tol=1e-9):
            return "Your κ is a difference; the condition number is a ratio."
    return default


@exercise("1.3", title="Curvature constants of a Hessian", budget=5.0)
def check_constants(answer, t):
    """answer(H) -> (mu, L, kappa) with kappa = inf unless mu > 0."""
    R = np.array([[math.cos(0.7), -math.sin(0.7)], [math.sin(0.7), math.cos(0.7)]])
    rng = np.random.default_rng(5)
    M = rng.normal(size=(4, 4))
    hidden = hidden_rng()
    n = int(hidden.integers(3, 6))
    cases = [
        ("H = diag(2, 20)", np.diag([2.0, 20.0])),
        ("a rotated Hessian with eigenvalues 0.5 and 4", R @ np.diag([0.5, 4.0]) @ R.T),
        ("a random 4×4 positive definite H", M @ M.T + 0.1 * np.eye(4)),
        ("diag(0, 3) (convex, not strongly)", np.diag([0.0, 3.0])),
        ("a rotated indefinite H with eigenvalues −1 and 3", R @ np.diag([-1.0, 3.0]) @ R.T),
        (f"a random {n}×{n} positive definite H {HIDDEN_NOTE}", random_symmetric(hidden, n)),
    ]
    for name, H in cases:
        eig = np.linalg.eigvalsh(H)
        mu, L = float(eig[0]), float(eig[-1])
        strongly = mu > 1e-12
        got = answer(H.copy())
        values = _triple3(got)
        hint = _constants_hint(got, H, "μ and L are the extreme curvatures of H over all directions; κ = L/μ only "
                                       "when μ > 0." + (" Your function must work for any H." if "afresh" in name else ""))
        if values is None:
            t.fail(f"expected three numbers (mu, L, kappa), got {type(got).__name__}", case=name, hint=hint)
            continue
        if strongly:
            t.close(values, [mu, L, L / mu], rtol=1e-8, case=name, hint=hint)
        else:
            ok = math.isclose(values[0], mu, rel_tol=1e-8, abs_tol=1e-10) and math.isclose(values[1], L, rel_tol=1e-8)
            ok = ok and math.isinf(values[2]) and values[2] > 0
            t.true(ok, case=name, message="your (mu, L, kappa) is not right for this H", hint=hint)


# ---------------------------------------------------------------------------------------------------------------
# 1.4


def _step_rate_hint(got, A, default):
    eig = np.linalg.eigvalsh(A)
    mu, L = float(eig[0]), float(eig[-1])
    kappa = L / mu
    try:
        step, rate = (float(v) for v in got)
    except Exception:
        return "Return two numbers (step, rate)."
    d = np.diag(A)
    dmu, dL = float(d.min()), float(d.max())
    if not math.isclose(dmu, mu, rel_tol=1e-6) and math.isclose(step, 2 / (dmu + dL), rel_tol=1e-8):
        return "You used the diagonal of A: the curvatures that matter are its eigenvalues, not its axis entries."
    best = 2 / (mu + L)
    for value, text in ((1 / L, "Your step is the safe step of the steepest direction alone; the best step balances "
                                "the flattest and the steepest directions."),
                        (2 / L, "Your step is the edge of stability of the steepest direction: there the worst "
                                "factor is 1, the slowest possible."),
                        (1 / (mu + L), "Your step is half the step that balances the flattest and the steepest directions: "
                                        "a factor 2 is missing."),
                        (1 / mu, "Your step follows the flattest direction and overshoots the steepest one.")):
        if math.isclose(step, value, rel_tol=1e-8) and not math.isclose(value, best, rel_tol=1e-8):
            return text
    if math.isclose(step, best, rel_tol=1e-8):
        for value, text in (((kappa - 1) / kappa, "Your rate is the rate of the step 1/L, not of your step: "
                                                 "evaluate the worst factor at the step you return."),
                            ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1),
                             "That √κ rate belongs to accelerated (momentum) methods, not to plain gradient descent."),
                            ((kappa + 1) / (kappa - 1) if kappa > 1 else None, "Your rate is upside down: a "
                                                                               "contraction factor is below 1."),
                            (kappa, "Your rate is the condition number itself; the rate is the worst factor "
                                    "|1 − ηλ| at your step.")):
            if value is not None and math.isclose(rate, value, rel_tol=1e-8):
                return text
    return default


@exercise("1.4", title="Best step size and predicted rate", budget=5.0)
def check_best_step(answer, t):
    """answer(A) -> (step, rate): the step 2/(μ+L) and the contraction factor (κ−1)/(κ+1) of GD on ½xᵀAx."""
    hidden = hidden_rng()
    n = int(hidden.integers(3, 6))
    hidden_A = with_eigenvalues(np.sort(hidden.uniform(0.2, 5.0, n)), seed=int(hidden.integers(2**31)))
    for name, A in (("diag(1, 10)", np.diag([1.0, 10.0])), ("diag(3, 3)", np.diag([3.0, 3.0])),
                    ("rotated, eigenvalues 0.2 and 5", models.Quadratic.from_eigenvalues([0.2, 5.0], angle=0.4).A),
                    (f"a random {n}×{n} positive definite A {HIDDEN_NOTE}", hidden_A)):
        c = convexity.quadratic_constants(A)
        got = answer(A.copy())
        try:
            value = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            value = got
        t.close(value, [c.best_step, c.rate], rtol=1e-8, case=f"A = {name}",
                hint=_step_rate_hint(got, A, "Find the fixed step that minimises the worst factor |1 − ηλ| over A's "
                                             "eigenvalues, and that factor." +
                                             (" Your function must work for any A." if "afresh" in name else "")))
    A = models.Quadratic.from_eigenvalues([0.5, 8.0], angle=1.0)
    try:
        step, rate = (float(v) for v in answer(A.A.copy()))
    except Exception:
        t.fail("your function must return two numbers (step, rate)", case="GD run with your step",
               hint="Return two numbers (step, rate).")
        return
    if not (math.isfinite(step) and step > 0):
        t.fail(f"your step {step!r} is not a positive number", case="GD run with your step",
               hint="The step is a positive learning rate.")
        return
    traj = optimizers.run(A, optimizers.gd(), [1.0, -1.0], steps=30, lr=step)
    dist = np.linalg.norm(traj.thetas, axis=1)
    t.true(np.all(dist[1:] <= rate * dist[:-1] * (1 + 1e-9) + 1e-300),
           case="GD with your step on a rotated quadratic (eigenvalues 0.5, 8) contracts by your rate each step",
           message="the distance to the minimum shrank by less than your predicted rate",
           hint=_step_rate_hint((step, rate), A.A, "Your rate must be the worst factor |1 − ηλ| at your step."))


# ---------------------------------------------------------------------------------------------------------------
# 1.5


def _trained_network():
    X, y = data.two_moons(60, noise=0.15, rng=4)
    mlp = models.MLP(X, y, hidden=(5,), activation="tanh", loss="cross_entropy")
    theta = optimizers.run(mlp, optimizers.adam(), mlp.init(np.random.default_rng(4)), steps=80, lr=0.1).final_theta
    return mlp, theta


def _witness_hint(mlp, a, b, default):
    """Name what the pair (a, b) did to the hidden units when the losses differ."""
    if np.allclose(b, -a):
        return "Negating every parameter changes the function the network computes; look for a symmetry instead."
    (W1a, b1a), (W2a, b2a) = mlp.unflatten(a)
    (W1b, b1b), (W2b, b2b) = mlp.unflatten(b)
    moved = {"W1 columns": not np.array_equal(W1a, W1b), "b1": not np.array_equal(b1a, b1b),
             "W2 rows": not np.array_equal(W2a, W2b)}
    if moved["W1 columns"] and sorted(map(tuple, W1a.T.tolist())) != sorted(map(tuple, W1b.T.tolist())) and \
            sorted(map(tuple, W1a.tolist())) == sorted(map(tuple, W1b.tolist())):
        return ("You permuted the ROWS of W1 — those are the inputs of the layer; a hidden unit is a column of W1.")
    if any(moved.values()) and not all(moved.values()):
        left = [k for k, v in moved.items() if not v]
        return ("You moved only part of each hidden unit: its incoming weights, its bias and its outgoing weights "
                "must move together (not moved: " + ", ".join(left) + ").")
    return default


@exercise("1.5", title="A non-convexity witness for a network", budget=15.0)
def check_witness(answer, t):
    """answer(mlp, theta) -> (theta_a, theta_b): equal losses, but the midpoint is worse; theta unchanged."""
    mlp, theta = _trained_network()
    given = theta.copy()
    got = answer(mlp, given)
    case = "a trained 2-5-1 tanh network on two moons"
    try:
        a, b = (np.asarray(v, dtype=float) for v in got)
    except Exception:
        t.fail(f"expected two parameter vectors (theta_a, theta_b), got {type(got).__name__}", case=case,
               hint="Return two flat parameter vectors like theta (mlp.flatten packs layers into one).")
        return
    if not t.true(a.shape == (mlp.dim,) and b.shape == (mlp.dim,), case=case + ": shapes",
                  message=f"got shapes {a.shape} and {b.shape}",
                  hint="Return two flat parameter vectors like theta (mlp.flatten packs layers into one)."):
        return
    la, lb, lm = mlp.loss(a), mlp.loss(b), mlp.loss(0.5 * (a + b))
    mutated = not np.array_equal(given, theta)
    t.true(not np.allclose(a, b), case=case + ": the two vectors differ",
           hint=("Your two vectors are equal because the swap was done in place on the theta you return as well."
                 if mutated else "Two identical vectors prove nothing: the second must be a different θ with the "
                                 "same loss."))
    t.true(math.isclose(la, lb, rel_tol=1e-9, abs_tol=1e-12), case=case + ": equal losses",
           message=f"your losses differ: {la:.6g} vs {lb:.6g}",
           hint=_witness_hint(mlp, a, b, "Your second vector computes a different function: use a symmetry of the "
                                         "network, which leaves its outputs unchanged."))
    t.true(lm > max(la, lb) + 1e-6, case=case + ": the midpoint has a higher loss (the chord is violated)",
           message=f"midpoint loss {lm:.6g} is not above {max(la, lb):.6g}",
           hint="Use the trained θ you were given and a permutation that actually moves units.")
    check_input_unchanged(t, theta, given, case=case + ": theta after the call (it must be unchanged)",
                          message="your function changed the caller's theta in place",
                          hint="An in-place swap (fancy-indexed assignment into the unflattened views) changed the "
                               "caller's theta: copy before swapping.")
