"""Checks for chapter 1 (Convexity and Jensen's inequality).

1.1 a chord-violation finder · 1.2 Jensen's gap of a sample · 1.3 the curvature constants of ridge regression,
derived by hand (checked against second differences of the loss) · 1.4 the number of gradient-descent steps to a
tolerance, predicted from the eigen-decomposition (checked against gradient descent itself) · 1.5 a non-convexity
witness for any one-hidden-layer network (twins and near-copies of units make a fixed exchange fail).
Every check runs printed cases and hidden ones drawn afresh on each call (a table of the printed inputs cannot
pass); hints are chosen by recognising the mistake (the student's value is compared with what each known
misconception gives on the failing case) and never state the formula or the expected value. Answers are called
with plain data and with callables the check defines (no model objects).
"""

from __future__ import annotations

import math

import numpy as np

from ... import data, models, optimizers
from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng, with_eigenvalues
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


def _ridge_loss(X, y, lam):
    n = X.shape[0]
    return lambda w: float(np.sum((X @ w - y) ** 2) / n + lam * (w @ w))


def _ridge_hessian(X, lam, *, data_factor=2.0, per_sample=True, penalty_factor=2.0, gram="XtX"):
    """The ridge loss's Hessian, and (with other arguments) what the known mistakes compute instead."""
    n, d = X.shape
    G = X.T @ X if gram == "XtX" else X @ X.T
    return data_factor * G / (n if per_sample else 1) + penalty_factor * lam * np.eye(G.shape[0])


def _fd_hessian(loss, d, scale):
    """Central second differences of a quadratic (exact up to rounding): the check's own reference."""
    h = 1e-2 * scale
    E = np.eye(d) * h
    w0 = np.zeros(d)
    H = np.empty((d, d))
    for i in range(d):
        for j in range(d):
            H[i, j] = (loss(w0 + E[i] + E[j]) - loss(w0 + E[i] - E[j]) - loss(w0 - E[i] + E[j])
                       + loss(w0 - E[i] - E[j])) / (4 * h * h)
    return 0.5 * (H + H.T)


def _constants_of(H):
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 1e-12 * L else math.inf)


def _triple3(got):
    if got is None or isinstance(got, (str, bytes)):
        return None
    try:
        values = [float(v) for v in got]
    except Exception:
        return None
    return values if len(values) == 3 else None


def _ridge_hint(got, X, lam, default):
    values = _triple3(got)
    if values is None:
        return "Return three numbers (mu, L, kappa)."
    mu, L, kappa = _constants_of(_ridge_hessian(X, lam))
    gmu, gL, gk = values
    if math.isclose(gmu, mu, rel_tol=1e-6, abs_tol=1e-9 * L) and math.isclose(gL, L, rel_tol=1e-6):
        if math.isinf(kappa) and not (math.isinf(gk) and gk > 0):
            return ("Your μ and L are right, but μ is zero (up to rounding): the loss is not strongly convex and no "
                    "finite condition number exists — the exercise says what κ must be then.")
        if math.isfinite(kappa) and math.isclose(gk, 1 / kappa, rel_tol=1e-6):
            return "Your κ is upside down: the condition number is at least 1."
        return "Your μ and L are right; κ is their ratio as the exercise defines it."
    d = np.diag(_ridge_hessian(X, lam))
    pairs = [
        (_ridge_hessian(X, lam, data_factor=1.0, penalty_factor=1.0),
         "Every curvature you return is half the true one: differentiating a square twice leaves a factor you "
         "dropped (in both terms)."),
        (_ridge_hessian(X, lam, data_factor=1.0),
         "The data term's curvature is half what it should be: differentiating the square twice leaves a factor "
         "you dropped."),
        (_ridge_hessian(X, lam, penalty_factor=1.0),
         "The penalty's curvature is off by a factor 2: differentiate λ‖w‖² twice, not once."),
        (_ridge_hessian(X, lam, penalty_factor=0.0),
         "You left out the penalty: its curvature adds to every direction (that is what makes ridge strongly "
         "convex)."),
        (_ridge_hessian(X, lam, per_sample=False),
         "Your curvatures grow with the number of samples: the data term is an AVERAGE over the N rows, not a sum."),
        (_ridge_hessian(X, lam, gram="XXt"),
         "Your matrix is N×N (one row and column per sample): the Hessian lives in parameter space, one row and "
         "column per weight — check which way round the product of X with itself goes."),
    ]
    for H, text in pairs:
        cmu, cL, _ = _constants_of(H)
        same = math.isclose(cmu, mu, rel_tol=1e-9, abs_tol=1e-9 * L) and math.isclose(cL, L, rel_tol=1e-9)
        if not same and math.isclose(gmu, cmu, rel_tol=1e-6, abs_tol=1e-9 * abs(cL)) and \
                math.isclose(gL, cL, rel_tol=1e-6):
            return text
    if math.isclose(gmu, float(d.min()), rel_tol=1e-9) and math.isclose(gL, float(d.max()), rel_tol=1e-9):
        return ("Your μ and L are extreme DIAGONAL entries of the Hessian: those are curvatures along the axes "
                "only; correlated features curve the loss most (and least) along other directions.")
    if math.isclose(gL, L, rel_tol=1e-6) and mu <= 1e-12 * L + 2 * lam + 1e-12 and \
            not math.isclose(gmu, mu, rel_tol=1e-6, abs_tol=1e-9 * L):
        return ("Your L is right but your μ is not: with collinear features (or fewer samples than weights) some "
                "direction leaves the data term flat — what curvature is left along it?")
    return default


@exercise("1.3", title="Curvature constants of a ridge regression", budget=10.0)
def check_ridge_constants(answer, t):
    """answer(X, y, lam) -> (mu, L, kappa) of (1/N)‖Xw − y‖² + lam‖w‖² (kappa = inf unless mu > 1e-12·L)."""
    from ...data import regression_1d

    Xr, yr = regression_1d(50, noise=0.1, rng=0)
    design = np.hstack([Xr, np.ones((50, 1))])
    twin = np.hstack([Xr, Xr, np.ones((50, 1))])
    rng = np.random.default_rng(13)
    wide = rng.normal(size=(4, 6))
    corr = rng.normal(size=(30, 3)) @ np.array([[1.0, 0.9, 0.0], [0.0, 0.3, 0.5], [0.0, 0.0, 0.2]])
    hidden = hidden_rng()
    n_h, d_h = int(hidden.integers(8, 31)), int(hidden.integers(2, 6))
    X_h = hidden.normal(size=(n_h, d_h)) @ hidden.normal(size=(d_h, d_h))
    lam_h = float(hidden.choice([0.0, hidden.uniform(0.01, 1.0)]))
    d_def = int(hidden.integers(3, 6))
    X_def = hidden.normal(size=(int(hidden.integers(2, d_def)), d_def))  # fewer samples than weights
    cases = [
        ("the chapter's design (x and a column of ones, 50 rows), λ = 0", design, yr, 0.0),
        ("three correlated features, 30 rows, λ = 0", corr, rng.normal(size=30), 0.0),
        ("the same feature twice and a column of ones, λ = 0", twin, yr, 0.0),
        ("the same feature twice and a column of ones, λ = 0.1", twin, yr, 0.1),
        ("4 rows and 6 features, λ = 0.5", wide, rng.normal(size=4), 0.5),
        (f"random X with {n_h} rows and {d_h} features, λ = {lam_h:.3g} {HIDDEN_NOTE}", X_h, hidden.normal(size=n_h),
         lam_h),
        (f"random X with {X_def.shape[0]} rows and {d_def} features, λ = 0 {HIDDEN_NOTE}", X_def,
         hidden.normal(size=X_def.shape[0]), 0.0),
    ]
    for k, (name, X, y, lam) in enumerate(cases):
        H = _ridge_hessian(X, lam)
        fd = _fd_hessian(_ridge_loss(X, y, lam), X.shape[1], 1.0)  # the closed form, checked by differences
        assert np.allclose(fd, H, rtol=1e-6, atol=1e-6 * np.abs(H).max()), "1.3: reference Hessian disagrees"
        mu, L, kappa = _constants_of(H)
        given_X, given_y = X.copy(), y.copy()
        got = answer(given_X, given_y, lam)
        values = _triple3(got)
        hint = _ridge_hint(got, X, lam, "Differentiate the loss twice (by hand, for any X); its Hessian's extreme "
                                        "eigenvalues are μ and L." + (" Your function must work for any X and λ."
                                                                      if "afresh" in name else ""))
        if values is None:
            t.fail(f"expected three numbers (mu, L, kappa), got {type(got).__name__}", case=name, hint=hint)
        else:
            ok = (math.isclose(values[0], mu, rel_tol=1e-8, abs_tol=1e-10 * L)
                  and math.isclose(values[1], L, rel_tol=1e-8)
                  and (math.isclose(values[2], kappa, rel_tol=1e-6) if math.isfinite(kappa)
                       else math.isinf(values[2]) and values[2] > 0))
            t.true(ok, case=name, message="your (mu, L, kappa) is not right for this loss", hint=hint)
        if k in (1, 5):
            check_input_unchanged(t, [X, y], [given_X, given_y], case=name + ": X and y after the call",
                                  message="your function changed the caller's X or y",
                                  hint="An in-place operation (`-=`, `*=`, `[:] =`) changed the caller's array: "
                                       "work on a copy.")


# ---------------------------------------------------------------------------------------------------------------
# 1.4


def _ratio_curve(lam, c, lr, t_max, *, weights=True, power=2):
    """r(t) = Σ wᵢcᵢ²(1 − ηλᵢ)^{power·t} / Σ wᵢcᵢ² for t = 0 … t_max (wᵢ = λᵢ: the loss; 1: squared distance)."""
    w = lam * c**2 if weights else c**2
    ts = np.arange(t_max + 1)[:, None]
    with np.errstate(under="ignore"):
        terms = w * np.abs(1 - lr * lam) ** (power * ts)
    return terms.sum(axis=1) / w.sum()


def _first_below(r, eps):
    below = np.nonzero(r <= eps)[0]
    return int(below[0]) if below.size else None


def _steps_reference(A, x0, lr, eps, t_max=5000):
    lam, V = np.linalg.eigh(A)
    return _first_below(_ratio_curve(lam, V.T @ x0, lr, t_max), eps)


def _steps_by_gd(A, x0, lr, t):
    """Losses f(x_0) … f(x_t) of plain gradient descent on ½xᵀAx: the check's own numerical reference."""
    x = np.array(x0, dtype=float)
    losses = [0.5 * x @ A @ x]
    for _ in range(t):
        x = x - lr * (A @ x)
        losses.append(0.5 * x @ A @ x)
    return np.array(losses)


def _steps_hint(got, A, x0, lr, eps, expected, default):
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return "Return the number of steps as an int (not a float, a bool or an array)."
    lam, V = np.linalg.eigh(A)
    c = V.T @ x0
    t_max = 20000
    rho = float(np.max(np.abs(1 - lr * lam)))
    mu, L = float(lam[0]), float(lam[-1])
    mistakes = [
        (_first_below(np.sqrt(_ratio_curve(lam, c, lr, t_max, weights=False)), eps),
         "You predicted when the DISTANCE to the minimum falls to eps times its start; the exercise compares the "
         "loss, which is quadratic in the distance (and weighs each direction by its curvature)."),
        (_first_below(_ratio_curve(lam, c, lr, t_max, weights=False), eps),
         "Your count treats every eigen-direction alike (a squared distance): the loss weighs each component of "
         "the error by its own curvature."),
        (_first_below(_ratio_curve(lam, c, lr, t_max, power=1), eps),
         "Each step multiplies every component by its factor, and the loss is quadratic in the components: your "
         "count applies the factors once per step where the loss feels them twice."),
        (int(math.ceil(math.log(eps) / (2 * math.log(rho)))) if 0 < rho < 1 else None,
         "You used the guaranteed rate of the worst start: this start's components each shrink at their own rate, "
         "so its loss can reach the tolerance sooner than the bound says. Follow this start's components."),
        (int(math.ceil(math.log(eps) / math.log(rho))) if 0 < rho < 1 else None,
         "You used one worst-case factor per step for the loss: this start's components each shrink at their own "
         "rate, and the loss feels each factor twice per step."),
        (_first_below(_ratio_curve(np.diag(A).copy(), x0, lr, t_max), eps),
         "You read the curvatures off the diagonal of A and the components off the coordinates of x0: for a "
         "rotated A the eigen-directions are not the axes."),
        (_first_below(_ratio_curve(lam, c, 2 / (mu + L), t_max), eps),
         "Your count is for the best fixed step, not for the step lr you are given."),
        (expected + 1 if expected is not None else None,
         "Off by one: t counts gradient steps from the start (t = 0 is x0 itself); return the FIRST t at which the "
         "loss is at or below eps times the starting loss."),
        (expected - 1 if expected else None,
         "Off by one: at your t the loss is still above the tolerance — return the first t at which it is at or "
         "below eps times the starting loss."),
    ]
    return diagnose(int(got), mistakes, default, expected=expected, atol=0.0, rtol=0.0)


def _steps_case(A, x0, lr, rng):
    """A tolerance in [1e-12, 0.1] between the loss ratios after T − 1 and T steps, T drawn from rng (a margin no
    rounding can cross)."""
    lam, V = np.linalg.eigh(A)
    r = _ratio_curve(lam, V.T @ x0, lr, 2000)
    candidates = np.nonzero((r[1:] >= 1e-12) & (r[1:] <= 0.1))[0] + 1
    T = int(rng.choice(candidates)) if candidates.size else 1
    return float(math.sqrt(r[T - 1] * r[T]))


@exercise("1.4", title="Steps to a tolerance, predicted before running", budget=10.0)
def check_steps_to_tolerance(answer, t):
    """answer(A, x0, lr, eps) -> int, the first t with f(x_t) ≤ eps·f(x0) for GD on ½xᵀAx, predicted."""
    R3 = with_eigenvalues([0.5, 2.0, 8.0], seed=7)
    lam3, V3 = np.linalg.eigh(R3)
    R2 = models.Quadratic.from_eigenvalues([1.0, 4.0], angle=0.6).A
    lam2, V2 = np.linalg.eigh(R2)
    hidden = hidden_rng()
    hidden_cases = []
    for kind in ("lr", "best"):
        n = int(hidden.integers(3, 6))
        spectrum = np.sort(hidden.uniform(0.2, 5.0, n))
        A = with_eigenvalues(spectrum, seed=int(hidden.integers(2**31)))
        x0 = hidden.normal(size=n)
        lr = (float(hidden.uniform(0.3, 1.9)) / spectrum[-1] if kind == "lr"
              else 2 / (spectrum[0] + spectrum[-1]))
        step = "a random step" if kind == "lr" else "the best step"
        hidden_cases.append((f"a random {n}×{n} A, a random start, {step} {HIDDEN_NOTE}", A, x0, lr,
                             _steps_case(A, x0, lr, hidden)))
    cases = [
        ("the chapter's stretched bowl at κ = 10: A = diag(1, 10), x0 = (−1.8, 0.9), lr = 2/11, eps = 1e-6", np.diag([1.0, 10.0]),
         np.array([-1.8, 0.9]), 2 / 11, 1e-6),
        ("rotated 3×3 A (eigenvalues 0.5, 2, 8), a start almost without a slow component, lr = 0.2, eps = 1e-4",
         R3, V3 @ np.array([0.01, 1.0, 1.0]), 0.2, 1e-4),
        ("rotated 3×3 A (eigenvalues 0.5, 2, 8), a start mostly along the slow direction, lr = 0.2, eps = 1e-3",
         R3, V3 @ np.array([1.0, 0.3, 0.3]), 0.2, 1e-3),
        ("rotated 2×2 A (eigenvalues 1, 4), a start on the steep eigenvector, lr = 1/4, eps = 1e-8", R2,
         2.0 * V2[:, 1], 0.25, 1e-8),
        *hidden_cases,
    ]
    for k, (name, A, x0, lr, eps) in enumerate(cases):
        expected = _steps_reference(A, x0, lr, eps)
        losses = _steps_by_gd(A, x0, lr, expected)  # the prediction agrees with running gradient descent
        assert losses[-1] <= eps * losses[0] and np.all(losses[:-1] > eps * losses[0]), "1.4: reference disagrees"
        given_A, given_x0 = A.copy(), x0.copy()
        got = answer(given_A, given_x0, lr, eps)
        t.equal(got, expected, case=name,
                hint=_steps_hint(got, A, x0, lr, eps, expected,
                                 "Write the loss after t steps through this start's eigen-components, and find the "
                                 "first t at which it is at or below eps times the start's loss." +
                                 (" Your function must work for any A, start and step." if "afresh" in name else "")))
        if k in (1, 4):
            check_input_unchanged(t, [A, x0], [given_A, given_x0], case=name + ": A and x0 after the call",
                                  message="your function changed the caller's A or x0",
                                  hint="An in-place operation (`-=`, `*=`) changed the caller's array: work on a "
                                       "copy (or build new arrays).")


# ---------------------------------------------------------------------------------------------------------------
# 1.5


def _trained_network(seed: int, hidden: int):
    X, y = data.two_moons(60, noise=0.15, rng=seed)
    mlp = models.MLP(X, y, hidden=(hidden,), activation="tanh", loss="cross_entropy")
    theta = optimizers.run(mlp, optimizers.adam(), mlp.init(np.random.default_rng(seed)), steps=80,
                           lr=0.1).final_theta
    return mlp, [(W.copy(), b.copy()) for W, b in mlp.unflatten(theta)]


def _network_loss(mlp):
    """loss(layers) for the check's network: the callable handed to the answer."""
    shapes = [(tuple(W.shape), tuple(b.shape)) for W, b in mlp.unflatten(np.zeros(mlp.dim))]

    def loss(layers):
        pairs = _as_layers(layers, shapes)
        if pairs is None:
            raise ValueError("loss(layers) expects a list [(W1, b1), (W2, b2)] shaped like the layers you were "
                             f"given: {shapes}")
        return float(mlp.loss(mlp.flatten(pairs)))

    return loss, shapes


def _as_layers(value, shapes):
    """The answer's layers as fresh float arrays [(W1, b1), (W2, b2)], or None when they are not shaped so."""
    try:
        if len(value) != len(shapes):
            return None
        out = []
        for pair, (ws, bs) in zip(value, shapes):
            if len(pair) != 2:
                return None
            W, b = (np.array(v, dtype=float) for v in pair)
            if W.shape != ws or b.shape != bs:
                return None
            out.append((W, b))
        return out
    except Exception:
        return None


def _midpoint(a, b):
    return [(0.5 * (Wa + Wb), 0.5 * (ba + bb)) for (Wa, ba), (Wb, bb) in zip(a, b)]


def _flat_layers(layers):
    return np.concatenate([np.ravel(v) for pair in layers for v in pair])


def _unit_swap(layers, i, j):
    (W1, b1), (W2, b2) = layers
    order = np.arange(W1.shape[1])
    order[[i, j]] = [j, i]
    return [(W1[:, order], b1[order]), (W2[order, :], b2.copy())]


def _best_swap_excess(loss, layers):
    h = layers[0][0].shape[1]
    base = loss(layers)
    return max(loss(_midpoint(layers, _unit_swap(layers, i, j))) - base
               for i in range(h) for j in range(i + 1, h))


def _twin_pairs(layers):
    (W1, b1), _ = layers
    h = W1.shape[1]
    return [(i, j) for i in range(h) for j in range(i + 1, h)
            if np.array_equal(W1[:, i], W1[:, j]) and b1[i] == b1[j]]


def _witness_hint(a, b, layers, default):
    """Name what the pair (a, b) did to the hidden units."""
    fa, fb = _flat_layers(a), _flat_layers(b)
    if np.allclose(fb, -fa):
        return "Negating every parameter changes the function the network computes; look for a symmetry instead."
    for one, other in ((a, b), (b, a)):
        for i, j in _twin_pairs(layers):
            if np.array_equal(_flat_layers(_unit_swap(one, i, j)), _flat_layers(other)):
                return ("The two units you exchanged are twins (the same incoming weights and bias): they compute "
                        "the same thing, so the midpoint computes the same function and this chord is not violated. "
                        "Not every swap is a witness — make your function find units whose exchange costs the "
                        "midpoint something.")
    (W1a, b1a), (W2a, _) = a
    (W1b, b1b), (W2b, _) = b
    if not np.array_equal(W1a, W1b) and sorted(map(tuple, W1a.tolist())) == sorted(map(tuple, W1b.tolist())) and \
            sorted(map(tuple, W1a.T.tolist())) != sorted(map(tuple, W1b.T.tolist())):
        return "You permuted the ROWS of W1 — those are the inputs of the layer; a hidden unit is a column of W1."
    moved = {"W1 columns": not np.array_equal(W1a, W1b), "b1": not np.array_equal(b1a, b1b),
             "W2 rows": not np.array_equal(W2a, W2b)}
    if any(moved.values()) and not all(moved.values()):
        left = [k for k, v in moved.items() if not v]
        return ("You moved only part of a hidden unit: its incoming weights, its bias and its outgoing weights "
                "must change together (not changed: " + ", ".join(left) + ").")
    return default


@exercise("1.5", title="A non-convexity witness for any network", budget=20.0)
def check_witness(answer, t):
    """answer(loss, layers) -> (layers_a, layers_b): equal losses, midpoint worse by > 1e-6; layers unchanged."""
    hidden = hidden_rng()
    mlp, layers = _trained_network(4, 5)
    twin_mlp, twins = _trained_network(4, 5)
    (W1, b1), _ = twins
    W1[:, 1], b1[1] = W1[:, 0], b1[0]  # units 1 and 2 receive the same inputs (their outgoing weights differ)
    networks = [("a trained 2-5-1 tanh network on two moons", mlp, layers),
                ("a 2-5-1 tanh network whose units 1 and 2 are twins (the same incoming weights and bias)", twin_mlp,
                 twins)]
    for _ in range(20):  # a hidden trained network (redrawn in the rare case that no swap is a witness)
        h = int(hidden.integers(4, 8))
        mlp, layers = _trained_network(int(hidden.integers(10_000)), h)
        if _best_swap_excess(_network_loss(mlp)[0], layers) > 1e-2:
            break
    networks.append((f"a trained 2-{h}-1 tanh network {HIDDEN_NOTE}", mlp, layers))
    for _ in range(20):  # hidden: every unit a copy of one trained unit but one, so most exchanges swap twins
        h = int(hidden.integers(4, 8))
        small, ((V1, c1), (V2, c2)) = _trained_network(int(hidden.integers(10_000)), 2)
        k = int(hidden.integers(h))
        others = np.arange(h) != k
        W1, b1, W2 = np.repeat(V1[:, :1], h, axis=1), np.repeat(c1[:1], h), np.empty((h, 1))
        W2[others, 0] = hidden.dirichlet(np.ones(h - 1)) * V2[0, 0]  # the copies share the outgoing weight
        W1[:, k], b1[k], W2[k, 0] = V1[:, 1], c1[1], V2[1, 0]
        mlp = models.MLP(small.X, small.y, hidden=(h,), activation="tanh", loss="cross_entropy")
        layers = [(W1, b1), (W2, c2.copy())]
        if _best_swap_excess(_network_loss(mlp)[0], layers) > 1e-2:
            break
    networks.append((f"a 2-{h}-1 tanh network whose hidden units are copies of one unit but one {HIDDEN_NOTE}", mlp,
                     layers))
    for name, mlp, layers in networks:
        loss, shapes = _network_loss(mlp)
        before = [(W.copy(), b.copy()) for W, b in layers]
        given = [(W.copy(), b.copy()) for W, b in layers]
        got = answer(loss, given)
        shape_hint = ("Return two networks (layers_a, layers_b), each a list [(W1, b1), (W2, b2)] shaped like the "
                      "layers you were given.")
        try:
            a_raw, b_raw = got
        except Exception:
            a_raw = b_raw = None
        a, b = _as_layers(a_raw, shapes), _as_layers(b_raw, shapes)
        if a is None or b is None:
            t.fail(f"expected two networks (layers_a, layers_b), got {type(got).__name__} {str(got)[:50]}",
                   case=name, hint=shape_hint)
            continue
        la, lb, lm = loss(a), loss(b), loss(_midpoint(a, b))
        mutated = not all(np.array_equal(x, y) for p, q in zip(before, given) for x, y in zip(p, q))
        if not t.true(not np.array_equal(_flat_layers(a), _flat_layers(b)), case=name + ": the two networks differ",
                      message="your two networks are identical",
                      hint=("Your two networks are equal because the exchange was done in place on the layers you "
                            "return as well." if mutated else "Two identical networks prove nothing: the second "
                                                              "must be a different θ with the same loss.")):
            continue
        same = t.true(math.isclose(la, lb, rel_tol=1e-9, abs_tol=1e-12), case=name + ": equal losses",
                      message="your two networks have different losses",
                      hint=_witness_hint(a, b, layers, "Your second network computes a different function: use a "
                                                       "symmetry of the network, which leaves its outputs "
                                                       "unchanged."))
        t.true(same and lm > max(la, lb) + 1e-6, case=name + ": the midpoint has a higher loss (the chord is violated)",
               message="the midpoint's loss is not above the ends'" if same else "no chord to test (losses differ)",
               hint=_witness_hint(a, b, layers, "Your two networks compute the same function, but their midpoint is "
                                                "no worse: not every exchange is a witness — make your function "
                                                "measure the midpoint and find one that is worse."))
        check_input_unchanged(t, before, given, case=name + ": the layers after the call (they must be unchanged)",
                              message="your function changed the caller's layers in place",
                              hint="An in-place exchange (fancy-indexed assignment into W1, b1 or W2) changed the "
                                   "caller's arrays: copy before exchanging.")
