"""Checks for chapter 3 (Critical points and the Hessian's spectrum).

Exercises: classify a critical point from its Hessian (3.1), its index (3.2), a saddle's escape direction
(3.3), one Newton step on ∇f = 0 (3.4), the dominant (largest |λ|) eigenvalue by power iteration from Hessian-vector products only (3.5),
Hutchinson's trace estimator (3.6), and a derivation: the factor by which one gradient-descent step multiplies
the escape component at a 2-D quadratic saddle (3.7, checked against a run of gradient descent), and the gradient on
a sphere (3.8, the Riemannian gradient of the chapter's spin glass). Every check runs printed cases and hidden ones drawn afresh on each call
(a table of the printed inputs cannot pass), watches how the answer uses its ``hvp`` and ``rng`` where the
exercise prescribes a method, and picks each hint by recognising the mistake; no hint states the formula, the
code or the expected value.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..cases import HIDDEN_NOTE, diagnose, hidden_rng, watched, with_eigenvalues
from ..registry import exercise
from ..remote import watching

_LABELS = ("minimum", "maximum", "saddle", "degenerate")


def _random_spectrum(rng, n, *, negatives=None, low=0.5, high=5.0):
    """n eigenvalues of magnitude in [low, high], `negatives` of them negative (random count if None)."""
    k = int(rng.integers(0, n + 1)) if negatives is None else negatives
    mags = rng.uniform(low, high, n)
    signs = np.r_[-np.ones(k), np.ones(n - k)]
    return rng.permutation(mags * signs)


# ---------------------------------------------------------------------------------------------------------------
# 3.1


def _label(eigs, tol=1e-8):
    lam = np.asarray(eigs, dtype=float)
    if np.any(lam < -tol) and np.any(lam > tol):  # both signs decide, whatever the zero eigenvalues do
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if np.all(lam > 0) else "maximum"


def _label_any_zero(eigs, tol=1e-8):
    """A common misconception: any zero eigenvalue makes the test silent, even beside both signs."""
    lam = np.asarray(eigs, dtype=float)
    return "degenerate" if np.any(np.abs(lam) <= tol) else _label(lam, tol)


def _classify_hint(got, H, expected):
    if type(got) is not str:
        return "Return one of the four labels as a plain str (not another type, not a str subclass)."
    if got not in _LABELS:
        if got.strip().lower() in _LABELS or got.strip().lower().split(" ")[0] in _LABELS:
            return "Spell the label exactly as the exercise does: lower case, one word, no extra text."
        return "Return one of the four labels of the exercise."
    lam = np.linalg.eigvalsh(H)
    if expected == "saddle" and got == "degenerate" and got == _label_any_zero(lam):
        return ("This H curves up along some directions and down along others: that decides the point, zero "
                "eigenvalues or not. The test is silent only when the non-zero eigenvalues all share one sign.")
    if expected == "degenerate" and np.all(np.abs(lam) > 0) and got == _label(lam, tol=0.0):
        return ("An eigenvalue that is zero up to rounding (|λ| ≤ tol) counts as zero: compare with the tolerance, "
                "not with exactly 0, and test for it before the signs.")
    d = np.diag(H)
    if got == _label(d) and got != expected:
        return "Your label follows the diagonal entries of H: those are curvatures along the axes only."
    if H.shape[0] > 2 and got == {True: "degenerate"}.get(abs(np.linalg.det(H)) < 1e-12,
                                                        "saddle" if np.linalg.det(H) < 0 else
                                                        "minimum" if np.trace(H) > 0 else "maximum"):
        return ("Your rule works for 2×2 matrices only: with three or more eigenvalues, a positive determinant can "
                "hide an even number of negative ones — decide from every eigenvalue.")
    if {got, expected} == {"minimum", "maximum"}:
        return "Minimum and maximum are swapped: at a minimum the curvature is positive in every direction."
    if expected == "saddle" and got in ("minimum", "maximum"):
        return "Some eigenvalues have the other sign: look at all of them, not only the first or the largest."
    return "Decide from the signs of all eigenvalues, counting |λ| ≤ tol as zero."


@exercise("3.1", title="Classify a critical point", budget=5.0)
def check_classify(answer, t):
    """answer(H, tol=1e-8) -> "minimum" | "maximum" | "saddle" | "degenerate" (a plain str)."""
    rng = hidden_rng()
    hidden_cases = []
    # one hidden matrix of each kind, and a saddle with a flat direction, in a random order
    for label in rng.permutation([*_LABELS, "flat saddle"]):
        n = int(rng.integers(3, 6))
        negatives = {"minimum": 0, "maximum": n, "degenerate": int(rng.choice([0, n]))}.get(
            str(label), int(rng.integers(1, n)))
        eigs = _random_spectrum(rng, n, negatives=negatives)
        if label == "degenerate":  # a zero beside one sign only: the test is silent
            eigs[int(rng.integers(n))] = float(rng.choice([0.0, 1e-12, -1e-12]))
        elif label == "flat saddle":  # a zero beside both signs: a saddle all the same
            eigs = rng.permutation(np.r_[-rng.uniform(0.5, 5.0), rng.uniform(0.5, 5.0), rng.choice([0.0, 1e-12]),
                                         eigs[: n - 3]])
        hidden_cases.append((list(eigs), f"a random {n}×{n} H {HIDDEN_NOTE}"))
    cases = [
        ([2.0, 3.0], "H with eigenvalues (2, 3)"),
        ([-1.0, -4.0], "H with eigenvalues (−1, −4)"),
        ([10.0, -2.0], "H = Hessian of 5x² − y² (eigenvalues 10, −2)"),
        ([0.0, 0.0], "H = 0 (the monkey saddle at the origin)"),
        ([1e-12, 5.0], "eigenvalues (1e-12, 5): the first is zero up to rounding"),
        ([-3.0, 0.0, 2.0], "3×3 with eigenvalues (−3, 0, 2): a zero beside both signs"),
        ([0.0, 1.0, 3.0], "3×3 with eigenvalues (0, 1, 3): a trough"),
        ([1.0, -1.0, 1.0, 1.0], "4×4 with one negative eigenvalue"),
        ([-1.0, -2.0, 4.0], "3×3 with eigenvalues (−1, −2, 4): positive determinant and trace"),
        *hidden_cases,
    ]
    for k, (eigs, case) in enumerate(cases):
        H = with_eigenvalues(eigs, seed=k) if any(eigs) else np.zeros((len(eigs), len(eigs)))
        expected = _label(eigs)
        got = answer(H.copy(), 1e-8)
        t.equal(got, expected, case=case, hint=_classify_hint(got, H, expected))
    # the diagonal is not the spectrum: a rotated saddle with positive diagonal
    H = np.array([[1.0, 3.0], [3.0, 1.0]])
    got = answer(H.copy(), 1e-8)
    t.equal(got, "saddle", case="H = [[1, 3], [3, 1]] (positive diagonal)", hint=_classify_hint(got, H, "saddle"))


# ---------------------------------------------------------------------------------------------------------------
# 3.2


def _index_hint(got, H, expected):
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return "Return a count as an int (not a float, a bool or an array)."
    lam = np.linalg.eigvalsh(H)
    got = int(got)
    return diagnose(got, [
        (int(np.sum(lam < 0)), "Rounding noise such as −1e-12 is zero, not negative: compare with −tol, not 0."),
        (int(np.sum(lam > 1e-8)), "You counted the positive eigenvalues; the index counts descent directions."),
        (int(np.sum(np.diag(H) < -1e-8)), "You counted negative diagonal entries: those are curvatures along the "
                                          "axes only, not the eigenvalues."),
        (int(np.sum(np.abs(lam) > 1e-8)), "You counted all nonzero eigenvalues (the rank), whatever their sign."),
        (int(np.sum(lam <= 1e-8)), "You counted eigenvalues that are zero up to rounding as negative too."),
    ], "Count the eigenvalues of H below −tol.", expected=expected, atol=0.0)


@exercise("3.2", title="The index of a critical point", budget=5.0)
def check_index(answer, t):
    """answer(H, tol=1e-8) -> int, the number of eigenvalues below −tol."""
    rng = hidden_rng()
    hidden = []
    for k in rng.permutation(2):  # two hidden matrices, one with few and one with many negative eigenvalues
        n = int(rng.integers(4, 7))
        negatives = int(rng.integers(1, n // 2 + 1)) if k == 0 else int(rng.integers(n // 2 + 1, n + 1))
        eigs = list(_random_spectrum(rng, n, negatives=negatives))
        hidden.append((eigs, negatives))
    cases = [([1.0, 2.0], 0), ([10.0, -2.0], 1), ([-1.0, -2.0, -3.0], 3), ([-1.0, 0.0, 2.0], 1),
             ([-1e-12, 1.0], 0), ([-5.0, -0.5, 0.5, 5.0, 3.0], 2), *hidden]
    for k, (eigs, expected) in enumerate(cases):
        H = with_eigenvalues(eigs, seed=10 + k)
        out = answer(H.copy(), 1e-8)
        case = (f"eigenvalues {tuple(eigs)}" if k < len(cases) - len(hidden)
                else f"a random {len(eigs)}×{len(eigs)} H {HIDDEN_NOTE}")
        t.equal(out, expected, case=case, hint=_index_hint(out, H, expected))


# ---------------------------------------------------------------------------------------------------------------
# 3.3


def _escape_hint(u, H):
    lam, V = np.linalg.eigh(H)
    if u is None:
        return ("You returned None although an eigenvalue is below −tol: check the comparison that decides when "
                "there is no escape direction.")
    u = np.asarray(u, dtype=float)
    if u.shape != (H.shape[0],):
        if u.shape == ():
            return "You returned a number (an eigenvalue?); the escape direction is a vector."
        return "Return a flat vector of shape (n,)."
    for candidate, hint in (
            (V[0], "You returned a ROW of the eigenvector matrix: eigenvectors are its columns."),
            (V[:, -1], "That is the eigenvector of the LARGEST eigenvalue: the escape direction has the most "
                       "negative curvature."),
            (V[:, np.argmin(np.abs(lam))], "That is the eigenvector of the eigenvalue smallest in magnitude; the "
                                           "escape direction has the most negative one."),
            (np.eye(H.shape[0])[np.argmin(np.diag(H))], "You returned a coordinate axis (the most negative diagonal "
                                                        "entry): the eigenvectors of a rotated H are not the axes."),
    ):
        if np.allclose(u, candidate, atol=1e-8) or np.allclose(u, -candidate, atol=1e-8):
            return hint
    if abs(np.linalg.norm(u) - 1) > 1e-6 and np.allclose(u / np.linalg.norm(u), V[:, 0], atol=1e-6) | \
            np.allclose(u / np.linalg.norm(u), -V[:, 0], atol=1e-6):
        return "Your vector points the right way but is not of unit length."
    return "Return the unit eigenvector of the most negative eigenvalue."


@exercise("3.3", title="The escape direction of a saddle", budget=5.0)
def check_escape(answer, t):
    """answer(H, tol=1e-8) -> unit vector u of the most negative eigenvalue, or None if λ_min ≥ −tol."""
    rng = hidden_rng()
    n = int(rng.integers(3, 6))
    hidden = list(_random_spectrum(rng, n, negatives=int(rng.integers(1, n))))
    spectra = [([2.0, -1.0], False), ([3.0, -0.5, -2.0], False), ([1.0, 1.0, -4.0, 0.5], False), (hidden, True)]
    for k, (eigs, is_hidden) in enumerate(spectra):
        H = with_eigenvalues(eigs, seed=20 + k)
        u = answer(H.copy(), 1e-8)
        case = f"saddle with eigenvalues {tuple(eigs)}" if not is_hidden else f"a random {n}×{n} saddle {HIDDEN_NOTE}"
        hint = _escape_hint(u, H)
        try:
            value = np.asarray(u, dtype=float)
        except (TypeError, ValueError):
            value = None
        if u is None or value is None or value.shape != (len(eigs),):
            t.fail("returned None for a saddle" if u is None else f"expected a vector of shape ({len(eigs)},)",
                   case=case, hint=hint)
            t.fail("no vector to check", case=case + ": curvature along u", hint=hint)
            continue
        t.close(np.linalg.norm(value), 1.0, rtol=1e-8, case=case + ": unit length", hint=hint)
        t.close(value @ H @ value, min(eigs), rtol=1e-8, atol=1e-10, case=case + ": curvature uᵀHu along u",
                hint=hint)
    for eigs, case in (([1.0, 2.0], "a minimum (eigenvalues 1, 2)"),
                       ([-1e-12, 1.0], "eigenvalues (−1e-12, 1): no eigenvalue below −tol")):
        got = answer(with_eigenvalues(eigs, seed=30).copy(), 1e-8)
        t.true(got is None, case=case, message="did not return None",
               hint="No eigenvalue is below −tol here, so there is no escape direction: compare with −tol, not 0.")


# ---------------------------------------------------------------------------------------------------------------
# 3.4


@contextlib.contextmanager
def _watch_inverses(calls, answer):
    """Count calls of the matrix-inverse functions while the answer runs (the exercise says not to invert); in
    the student's kernel when the batch grader calls the answer there."""
    import scipy.linalg

    targets = [(np.linalg, "inv"), (np.linalg, "pinv"), (scipy.linalg, "inv"), (scipy.linalg, "pinv")]
    with watching(answer, count=[f"{mod.__name__}:{name}" for mod, name in targets]) as remote:
        if remote:
            yield
            calls.extend(label for label, n in answer.counts.items() for _ in range(n))
            return
    saved = [(mod, name, getattr(mod, name)) for mod, name in targets]

    def spy(original, label):
        def wrapper(*args, **kwargs):
            calls.append(label)
            return original(*args, **kwargs)
        return wrapper

    try:
        for mod, name, original in saved:
            setattr(mod, name, spy(original, f"{mod.__name__}.{name}"))
        yield
    finally:
        for mod, name, original in saved:
            setattr(mod, name, original)


def _newton_hint(step, g, H, default):
    try:
        step = np.asarray(step, dtype=float)
    except (TypeError, ValueError):
        return "Return the step as an array of shape (n,)."
    if step.shape != g.shape:
        return "Return the step as a flat array of shape (n,)."
    lam, V = np.linalg.eigh(H)
    right = np.linalg.solve(H, -g)
    return diagnose(step, [
        (-right, "Your step has the wrong sign: the step must cancel the gradient, not double it."),
        (-g, "That is a plain gradient step: Newton's step also accounts for the curvature H."),
        (-g / np.diag(H), "You divided by the diagonal of H only: its off-diagonal entries couple the coordinates."),
        (-H @ g, "You multiplied by H; Newton's step undoes H (a linear system), it does not apply it."),
        (-(V / np.abs(lam)) @ (V.T @ g), "You flipped the negative curvatures (|λ|): that steers away from maxima "
                                         "and saddles, but Newton's step on ∇f = 0 goes to the nearest critical "
                                         "point, whatever its kind."),
    ], default, expected=right)


@exercise("3.4", title="One Newton step on ∇f = 0", budget=5.0)
def check_newton(answer, t):
    """answer(grad, H) -> step Δ (n,), solving H Δ = −grad, without forming H⁻¹."""
    rng = np.random.default_rng(40)
    hidden = hidden_rng()
    n = int(hidden.integers(3, 7))
    problems = [
        (with_eigenvalues([4.0, -1.0, 2.0], seed=41), rng.standard_normal(3), rng.standard_normal(3),
         "quadratic ½xᵀAx − bᵀx with an indefinite 3×3 A: the gradient after one step"),
        (with_eigenvalues(_random_spectrum(hidden, n), seed=int(hidden.integers(2**31))),
         hidden.standard_normal(n), hidden.standard_normal(n), f"a random indefinite {n}×{n} quadratic {HIDDEN_NOTE}"),
    ]
    inverses: list[str] = []
    for A, b, x, case in problems:
        g = A @ x - b
        with _watch_inverses(inverses, answer):
            step = answer(g.copy(), A.copy())
        try:
            after = A @ (x + np.asarray(step, dtype=float)) - b
        except (TypeError, ValueError):
            after = step
        t.close(after, np.zeros(len(x)), atol=1e-9, case=case,
                hint=_newton_hint(step, g, A, "On a quadratic one Newton step lands exactly on the critical point."))
    from ...functions import get

    f = get("himmelblau")
    x0 = np.array([-0.2, -0.9])
    with _watch_inverses(inverses, answer):
        step = answer(f.grad(x0), f.hessian(x0))
    x1 = x0 + np.asarray(step, dtype=float)
    t.true(np.linalg.norm(f.grad(x1)) < 0.1 * np.linalg.norm(f.grad(x0)),
           case="Himmelblau near its maximum, from (−0.2, −0.9)", message="the gradient did not shrink tenfold",
           hint=_newton_hint(step, f.grad(x0), f.hessian(x0), "Newton's step goes to the nearby critical point, "
                                                               "a maximum included."))
    t.true(not inverses, case="solves the linear system without forming the inverse of H",
           message=f"your function called {', '.join(sorted(set(inverses)))}",
           hint="You formed the inverse of H: the exercise asks you to solve the linear system instead — an inverse "
                "costs more and loses accuracy when H is ill-conditioned.")


# ---------------------------------------------------------------------------------------------------------------
# 3.5


def _recording(H, log):
    return watched(lambda v: H @ v, log)


def _power_hint(value, H, log, iters, default):
    lam = np.linalg.eigvalsh(H)
    dim = H.shape[0]
    if len(log) >= dim and all(np.count_nonzero(v) == 1 for v in log[:dim]):
        return ("You built the whole matrix from products with the unit vectors: that costs dim products and "
                "memory dim², which power iteration avoids — iterate on one vector instead.")
    if len(log) < iters:
        return (f"Your function made only {len(log)} products for iters = {iters}: run all the iterations "
                "(one product each).")
    return diagnose(value, [
        (abs(lam[np.argmax(np.abs(lam))]), "Your value has lost the sign of the eigenvalue: ‖Hv‖ is a length, "
                                           "always positive — use the Rayleigh quotient."),
        (lam[-1], "That is the largest eigenvalue algebraically; power iteration finds the largest in magnitude."),
    ], default, expected=lam[np.argmax(np.abs(lam))])


@exercise("3.5", title="The dominant eigenvalue by power iteration", budget=10.0)
def check_power(answer, t):
    """answer(hvp, dim, iters, rng) -> float, the dominant eigenvalue from products v -> Hv only."""
    hidden = hidden_rng()
    n = int(hidden.integers(5, 9))
    top = float(hidden.choice([-1.0, 1.0]) * hidden.uniform(3.0, 6.0))
    rest = hidden.uniform(-0.5, 0.5, n - 1) * abs(top)
    problems = [
        ([5.0, 2.0, 1.0, 0.5, -1.0, 0.1], 50, 300, 0, "6×6 symmetric H, dominant eigenvalue positive, 300 iterations"),
        ([-6.0, 2.0, 1.0, 0.5], 51, 400, 1, "4×4 H whose largest-magnitude eigenvalue is negative, 400 iterations"),
        (list(np.r_[top, rest]), int(hidden.integers(2**31)), 200, int(hidden.integers(2**31)),
         f"a random {n}×{n} H, 200 iterations {HIDDEN_NOTE}"),
    ]
    for eigs, seed, iters, rng_seed, case in problems:
        H = with_eigenvalues(eigs, seed=seed)
        log: list[np.ndarray] = []
        value = answer(_recording(H, log), len(eigs), iters, np.random.default_rng(rng_seed))
        target = float(eigs[int(np.argmax(np.abs(eigs)))])
        hint = _power_hint(value, H, log, iters, "Iterate with the products, normalising as you go, and return the "
                                                  "Rayleigh quotient at the end.")
        t.close(value, target, rtol=1e-6, case=case, hint=hint)
        t.true(iters <= len(log) <= iters + 1, case=case + ": one product per iteration",
               message=f"{len(log)} products for {iters} iterations", hint=hint)
    # the start must come from rng: two different generators give two different starting vectors
    H = with_eigenvalues([3.0, 1.0, -0.5, 0.2], seed=52)
    starts = []
    for seed in (7, 8):
        log = []
        answer(_recording(H, log), 4, 20, np.random.default_rng(seed))
        starts.append(log[0] / np.linalg.norm(log[0]) if log and np.linalg.norm(log[0]) > 0 else None)
    differ = starts[0] is not None and starts[1] is not None and not np.allclose(starts[0], starts[1])
    t.true(differ, case="the start vector with two different generators rng",
           message="your first product used the same vector for both generators",
           hint="Your starting vector does not depend on rng: draw it from the generator you are given (a fixed "
                "start can be orthogonal to the dominant eigenvector and never find it).")


# ---------------------------------------------------------------------------------------------------------------
# 3.6


def _probe_hint(log, n_probes, dim, value=None, total=None):
    if len(log) == dim and n_probes != dim and all(np.count_nonzero(v) == 1 for v in log):
        return ("You used the unit vectors: that computes the exact trace with dim products, not an estimate "
                "from n_probes random probes.")
    if log and all(set(np.unique(v)) <= {0.0, 1.0} for v in log):
        return "Your probes have entries 0 and 1: their mean is not zero, so zᵀHz is biased — the entries are ±1."
    if log and not all(np.all(np.abs(np.abs(v) - 1) < 1e-12) for v in log):
        return ("Your probes are not ±1 vectors (Gaussian?): the exercise uses Rademacher probes, and other "
                "distributions have a larger variance.")
    if len(log) != n_probes:
        return f"Your function made {len(log)} products for n_probes = {n_probes}: one product per probe."
    if len(log) > 1 and all(np.array_equal(v, log[0]) for v in log):
        return "Every probe is the same vector: draw a fresh z for every probe, otherwise nothing is averaged."
    if value is not None and total is not None and np.isclose(value, total * n_probes):
        return "You summed zᵀHz over the probes; the estimate is their average."
    return None


@exercise("3.6", title="Hutchinson's trace estimator", budget=10.0)
def check_hutchinson(answer, t):
    """answer(hvp, dim, n_probes, rng) -> float, the mean of zᵀHz over Rademacher probes z."""
    D = np.diag(np.arange(1.0, 9.0))
    log: list[np.ndarray] = []
    est = answer(_recording(D, log), 8, 3, np.random.default_rng(0))
    hint = _probe_hint(log, 3, 8, est, 36.0) or "With ±1 probes, zᵀDz equals the trace exactly for a diagonal D."
    t.close(est, 36.0, rtol=1e-10, case="diagonal H = diag(1 … 8), 3 probes", hint=hint)
    t.true(len(log) == 3 and all(np.all(np.abs(np.abs(v) - 1) < 1e-12) for v in log),
           case="diagonal H, 3 probes: three products with ±1 probes", message=f"{len(log)} products, see the hint",
           hint=hint)
    H = with_eigenvalues([3.0, -2.0, 1.0, 0.5, -0.5, 2.0, 1.5, -1.0, 0.2, 0.3], seed=60)
    estimates, logs = [], []
    for s in range(60):
        log = []
        estimates.append(answer(_recording(H, log), 10, 50, np.random.default_rng(s)))
        logs.append(log)
    estimates = np.asarray(estimates, dtype=float)
    sd = np.sqrt(2 * (np.sum(H**2) - np.sum(np.diag(H) ** 2)) / 50)
    hint = (_probe_hint(logs[0], 50, 10, estimates[0], float(np.mean([z @ H @ z for z in logs[0]])))
            or "Average zᵀHz over the probes, with a fresh z for every probe.")
    t.true(abs(estimates.mean() - np.trace(H)) < 4 * sd / np.sqrt(60),
           case="random 10×10 indefinite H, 60 runs of 50 probes: unbiased",
           message="the average of your estimates is far from the trace", hint=hint)
    t.true(estimates.std() < 2 * sd, case="random 10×10 indefinite H: spread of the estimates",
           message="your estimates vary much more than Rademacher probes would", hint=hint)
    spread = len({round(float(e), 12) for e in estimates}) > 1
    t.true(spread, case="random 10×10 H with 60 different generators rng",
           message="your estimate is the same for every generator",
           hint=hint if _probe_hint(logs[0], 50, 10) else
           "Your estimate does not depend on rng: draw the probes from the generator you are given.")


# ---------------------------------------------------------------------------------------------------------------
# 3.7


def _saddle_hessian(a, b, c):
    return np.array([[2.0 * a, c], [c, 2.0 * b]])


def _escape_factor(a, b, c, eta):
    return float(1.0 - eta * np.linalg.eigvalsh(_saddle_hessian(a, b, c))[0])


def _escape_by_gd(a, b, c, eta, steps=12):
    """The factor measured by running gradient descent: a tiny push along the escape direction, `steps` steps."""
    H = _saddle_hessian(a, b, c)
    u = np.linalg.eigh(H)[1][:, 0]
    x = 1e-9 * u
    for _ in range(steps):
        x = x - eta * (H @ x)  # the gradient of a x² + b y² + c xy is H (x, y)
    return float((x @ u / 1e-9) ** (1.0 / steps))


def _escape_factor_hint(got, a, b, c, eta, expected):
    try:
        got = float(got)
    except (TypeError, ValueError):
        return "Return one number (a float): the factor per step."
    lam = np.linalg.eigvalsh(_saddle_hessian(a, b, c))
    half = np.linalg.eigvalsh(np.array([[a, c / 2.0], [c / 2.0, b]]))
    return diagnose(got, [
        (1.0 + eta * lam[0], "Your factor shrinks the escape component: along a direction of negative curvature a "
                             "step against the gradient pushes the point further out. Check the sign of your update."),
        (1.0 - eta * np.linalg.eigvalsh(np.array([[a, c], [c, b]]))[0],
         "Your curvatures are half the true ones: differentiate a·x² twice — the second derivative is not a."),
        (1.0 - eta * np.linalg.eigvalsh(np.array([[2 * a, c / 2], [c / 2, 2 * b]]))[0],
         "Your off-diagonal Hessian entry is off by a factor 2: differentiate c·xy once in x and once in y."),
        (1.0 - eta * half[0], "Both your diagonal and your off-diagonal entries are half the true ones: the Hessian is "
                              "the matrix of second derivatives, not the matrix of the quadratic form."),
        (1.0 - eta * min(2 * a, 2 * b), "You read the curvature off the diagonal: the cross term c·xy turns the "
                                        "eigenvectors away from the axes, and the escape direction with them."),
        (1.0 - eta * lam[1], "That factor belongs to the direction of positive curvature, which shrinks; the escape "
                             "direction is the eigenvector of the other eigenvalue."),
        (float(np.exp(-eta * lam[0])), "That is gradient flow (continuous time) run for a time η: gradient descent "
                                       "takes one discrete step of size η, and its factor is not an exponential."),
        (lam[0], "You returned a curvature (an eigenvalue of the Hessian); the exercise asks for the factor that one "
                 "step of gradient descent multiplies the escape component by."),
        (-eta * lam[0], "You returned how much the escape component GROWS per step relative to its size, not the "
                        "factor it is multiplied by."),
    ], "Write one gradient-descent step near the saddle as a matrix acting on (x, y), and follow the component "
       "along the eigenvector of the most negative eigenvalue.", expected=expected)


@exercise("3.7", title="The escape factor of gradient descent at a saddle, derived", budget=5.0)
def check_escape_factor(answer, t):
    """answer(a, b, c, eta) -> float, the factor by which one GD step multiplies the escape component of
    f = a x² + b y² + c xy near its saddle at the origin."""
    rng = hidden_rng()
    hidden = []
    for _ in range(2):  # two hidden saddles with a cross term: a·b < c²/4 makes the Hessian indefinite
        a, b = float(rng.uniform(-2.0, 3.0)), float(rng.uniform(-3.0, 2.0))
        c = float(rng.choice([-1.0, 1.0]) * np.sqrt(max(4 * a * b, 0.0) + rng.uniform(0.5, 4.0)))
        hidden.append((a, b, c, float(rng.uniform(0.02, 0.2)), f"a random saddle a x² + b y² + c xy {HIDDEN_NOTE}"))
    cases = [
        (1.0, -1.0, 1.0, 0.1, "f = x² − y² + xy, η = 0.1"),
        (5.0, -1.0, 0.0, 0.1, "f = 5x² − y² (no cross term), η = 0.1"),
        (0.0, 0.0, 1.0, 0.5, "f = xy (the saddle turned by 45°), η = 0.5"),
        (2.0, 1.0, 4.0, 0.05, "f = 2x² + y² + 4xy: positive diagonal, still a saddle; η = 0.05"),
        *hidden,
    ]
    for a, b, c, eta, case in cases:
        expected = _escape_factor(a, b, c, eta)
        assert abs(_escape_by_gd(a, b, c, eta) - expected) < 1e-9 * expected, "3.7: reference disagrees with GD"
        got = answer(a, b, c, eta)
        try:
            value = float(got)
        except (TypeError, ValueError):
            value = float("nan")
        t.close(value, expected, rtol=1e-9, atol=1e-12, case=case, hint=_escape_factor_hint(got, a, b, c, eta, expected))


# ---------------------------------------------------------------------------------------------------------------
# 3.8


def _sphere_gradient_hint(got, g, s):
    try:
        value = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return "Return a vector of the same shape as `grad`."
    if value.shape != g.shape:
        return "Return a flat vector of the same shape as `grad`."
    along = (g @ s) / (s @ s) * s
    r = np.linalg.norm(s)
    return diagnose(value, [
        (g, "You returned the Euclidean gradient unchanged: part of it points off the sphere, along σ."),
        (along, "You returned the component ALONG σ — the part that leaves the sphere, which is the part to drop."),
        (g + along, "You added the component along σ instead of removing it."),
        (g - (g @ s) / r * s, "Check the normalisation of the projection onto σ: σ is not a unit vector, and "
                              "dividing by its length once is not enough."),
        (g - (g @ s) * s, "σ is not a unit vector here: projecting onto it needs a normalisation."),
        (g - (g @ s) / len(s) * s, "That normalisation only fits the sphere ‖σ‖² = N; here the radius is "
                                   "different — use σ itself."),
    ], "Keep the part of ∇f that is orthogonal to σ (the tangent part).", expected=g - along, atol=1e-9)


@exercise("3.8", title="The gradient on a sphere", budget=5.0)
def check_sphere_gradient(answer, t):
    """answer(grad, sigma) -> the Riemannian gradient on the sphere through sigma: grad minus its part along sigma."""
    rng = hidden_rng()
    n = int(rng.integers(4, 9))
    hidden = (rng.standard_normal(n), rng.standard_normal(n) * rng.uniform(0.5, 3.0))
    cases = [((1.0, 2.0, 3.0), (2.0, 0.0, 0.0), "σ = (2, 0, 0)"),
             ((1.0, -1.0, 0.5, 2.0), (1.0, 1.0, 1.0, 1.0), "σ = (1, 1, 1, 1), on ‖σ‖² = N"),
             ((0.0, 3.0, -1.0), (0.0, 0.6, 0.8), "a unit σ"),
             ((1.0, 2.0), (3.0, -1.0), "σ = (3, −1)"),
             (*hidden, f"a random σ of dimension {n} {HIDDEN_NOTE}")]
    for g, s, case in cases:
        g, s = np.asarray(g, dtype=float), np.asarray(s, dtype=float)
        expected = g - (g @ s) / (s @ s) * s
        out = answer(g.copy(), s.copy())
        label = case if "random" in case else f"grad {tuple(float(x) for x in g)}, {case}"
        t.close(out, expected, rtol=1e-8, atol=1e-10, case=label, hint=_sphere_gradient_hint(out, g, s))
