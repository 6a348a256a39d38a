r"""Checks for chapter 8 (The landmark figures, live on real data).

Each check combines property cases with the cases that catch the usual misconceptions, each with a hint that
diagnoses without giving the answer (see :mod:`course_utils.grading`); the misconception corpus is
``tests/misconceptions/ch08.py``.

Exercise 8.1: ``answer(eigenvalues, k)`` counts the outliers of a spectrum: among the ``k`` largest eigenvalues in
descending order, the ``c`` that maximises :math:`\lambda_c/\lambda_{c+1}`. Exercise 8.2: ``answer(thetas, k)`` is the
share of a path's squared displacement from its final point along its first ``k`` principal directions.
Exercise 8.3: the late-phase plateau of :math:`\lambda_{\max}` in units of :math:`2/\eta`. Exercise 8.4: the expected
squared error of a minibatch gradient, batches drawn without replacement. Exercise 8.5: the error barrier of a path (Frankle et al. 2020). Exercise 8.6: the
spawn step from which training is stable.
"""

from __future__ import annotations

import numpy as np

from ..cases import HIDDEN_NOTE, as_float_array, check_input_unchanged, diagnose, hidden_rng
from ..registry import exercise

# ===== exercises 8.1–8.2: bulk and outliers, the trajectory's PCA plane =====

_IN_PLACE_8 = ("Your function changed the array it was given (an in-place sort, `-=` or a slice assignment on the "
               "argument): work on a copy and leave the caller's array alone.")


# ---------------------------------------------------------------------------------------------------------------
# 8.1


def _gap_count(values: np.ndarray, k: int) -> int:
    """The reference: among the k largest of ``values`` (descending), the c maximising λ_c/λ_(c+1)."""
    top = np.sort(values)[::-1][:k]
    return int(np.argmax(top[:-1] / top[1:])) + 1


def _outliers_hint(value, values: np.ndarray, k: int, expected: int) -> str:
    top = np.sort(values)[::-1][:k]
    by_magnitude = values[np.argsort(-np.abs(values))][:k]
    with np.errstate(divide="ignore", invalid="ignore"):
        unsorted = values[:k]
        mistakes = [
            (int(np.argmax(-np.diff(top))) + 1,
             "Your count follows the largest *difference* λ_c − λ_(c+1). Outliers and bulk live on different scales: "
             "a gap is a jump by a large factor, and a difference is dominated by the largest eigenvalues."),
            (expected - 1, "Your count is one short: the answer is how many eigenvalues lie above the gap, "
                           "not the position of the gap in a list that starts at 0."),
            (int(np.argmax(unsorted[:-1] / unsorted[1:])) + 1,
             "Your function read the eigenvalues in the order given: they come in any order, as an eigensolver or "
             "a list may return them."),
            (int(np.argmax(np.abs(by_magnitude[:-1] / by_magnitude[1:]))) + 1,
             "Your function ranked the eigenvalues by size |λ|: a large *negative* eigenvalue is not an outlier of "
             "the right edge; the exercise asks for the k algebraically largest."),
        ]
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        return "Return the count as one int (for instance `int(...)`), not a float, an array or a list."
    return diagnose(value, mistakes, "Look again at the definition above: the k largest, in descending order, and "
                                     "the largest ratio between neighbours.", expected=expected, rtol=0, atol=0)


def _spectrum(rng: np.random.Generator, n_out: int, n_bulk: int, *, negative: float = 0.0) -> np.ndarray:
    """Outliers well above a bulk: ratios ≤ 1.5 between neighbours inside each group, a factor ≥ 4 between them."""
    outliers = 40.0 * np.cumprod(np.r_[1.0, rng.uniform(1.05, 1.5, n_out - 1)])
    bulk = np.sort(np.abs(rng.normal(0, 1, n_bulk)))[::-1]
    bulk = np.concatenate([bulk * 10.0 / rng.uniform(4.0, 8.0) / max(bulk[0], 1e-12), rng.normal(0, 0.01, 30)])
    values = np.concatenate([outliers, bulk, [-negative] if negative else []])
    return rng.permutation(values)


@exercise("8.1", title="Count the outliers of a spectrum", budget=2.0)
def check_count_outliers(answer, t):
    """answer(eigenvalues (P,), k) -> int c: among the k largest (descending), the c maximising λ_c / λ_(c+1)."""
    # printed cases
    bulk = np.linspace(1.0, 0.3, 12)
    cases = [
        (np.concatenate([[100.0, 40.0, 25.0, 20.0], bulk, np.zeros(20)]), 10,
         "outliers 100, 40, 25, 20 over a bulk from 1 down to 0.3 and 20 zeros, k = 10"),
        (np.random.default_rng(8).permutation(np.concatenate([[9.0, 8.0, 7.5], bulk, -bulk[:5]])), 8,
         "the same kind of spectrum, three outliers, shuffled and with small negative eigenvalues, k = 8"),
        (np.concatenate([[-300.0], [12.0, 11.0, 10.0, 9.0, 8.0], bulk]), 9,
         "five outliers from 12 down to 8, a bulk below 1, and one eigenvalue −300, k = 9"),
        (_spectrum(np.random.default_rng(81), 10, 500), 20,
         "ten outliers (one per class of the digits) over a bulk of 530 eigenvalues, shuffled, k = 20"),
    ]
    hidden = hidden_rng()
    for _ in range(3):
        n_out = int(hidden.integers(1, 12))
        k = int(hidden.integers(n_out + 2, n_out + 15))
        cases.append((_spectrum(hidden, n_out, int(hidden.integers(100, 300)), negative=float(hidden.uniform(0, 500))),
                      k, f"a random spectrum with a random number of outliers, random k {HIDDEN_NOTE}"))
    for values, k, case in cases:
        expected = _gap_count(values, k)  # before the answer runs
        before = values.copy()
        given = values.copy()
        value = answer(given, k)
        check_input_unchanged(t, before, given, case=case + ": the eigenvalues after the call",
                              message="your function modified the eigenvalues it was given", hint=_IN_PLACE_8)
        t.equal(value, expected, case=case, hint=_outliers_hint(value, before, k, expected))


# ---------------------------------------------------------------------------------------------------------------
# 8.2


def _explained(thetas: np.ndarray, k: int, center=None, square: bool = True, total: str = "all",
               M=None) -> float | None:
    """Fraction of Σ‖θ_t − c‖² in the first k principal directions (oracle: eigenvalues of the Gram matrix)."""
    if M is None:
        M = thetas - (thetas[-1] if center is None else center)
    w = np.clip(np.linalg.eigvalsh(M @ M.T)[::-1], 0, None)  # squared singular values of M, descending
    s = w if square else np.sqrt(w)
    denominator = {"all": s.sum(), "top": s[:k].sum(), "count": float(M.shape[0])}[total]
    return float(s[:k].sum() / denominator) if denominator > 0 else None


def _explained_hint(value, thetas: np.ndarray, k: int, expected: float) -> str:
    x = _as_number(value)
    if x is None:
        return "Return one float (for instance `float(...)`), not an array, a list or None."
    M = thetas - thetas[-1]
    w = np.clip(np.linalg.eigvalsh(M @ M.T)[::-1], 0, None)
    return diagnose(x, [
        (_explained(thetas, k, center=thetas.mean(axis=0)),
         "Your directions are taken about the mean iterate. Li et al. (and the exercise) measure the path as "
         "displacements from its *final* point."),
        (_explained(thetas, k, center=np.zeros(thetas.shape[1])),
         "You decomposed the iterates themselves: the path is the set of displacements from its final point."),
        (_explained(thetas, k, square=False),
         "Your fraction uses the singular values themselves; a share of squared length (variance) is a share of "
         "their squares."),
        (float(w[k - 1] / w.sum()) if w.sum() > 0 else None,
         "Your fraction is that of the k-th direction alone: the exercise asks for the first k together."),
        (_explained(thetas, k, total="count"),
         "Your denominator is not the path's total squared length (over all directions)."),
        (_explained(thetas, k, M=thetas - thetas.mean(axis=1, keepdims=True)),
         "You centred each iterate over its own coordinates: rows are iterates, columns are parameters."),
    ], "Reread the definition above: displacements from the final point, all of them, and a share of squared "
       "length.", expected=expected, rtol=1e-6, atol=1e-12)


def _as_number(value) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(x) if x.shape == () and np.isfinite(x) else None


def _path(rng: np.random.Generator, T: int, P: int, curl: float) -> np.ndarray:
    """A path that starts far out and curls in: a decaying drift along two random directions plus noise."""
    t = np.linspace(0.0, 1.0, T)[:, None]
    d1, d2 = rng.standard_normal((2, P))
    return rng.standard_normal(P) + np.exp(-3 * t) * d1 * 5 + curl * np.sin(np.pi * t) * d2 + 0.2 * rng.standard_normal((T, P))


@exercise("8.2", title="How much of a path two directions hold", budget=2.0)
def check_explained_fraction(answer, t):
    """answer(thetas (T, P), k) -> float: share of Σ‖θ_t − θ_T‖² along the first k principal directions."""
    line = np.outer(np.linspace(3.0, 0.0, 6), [1.0, 2.0, 2.0])  # a straight path into the origin
    cases = [
        (line, 1, "a straight path of 6 points from (3, 6, 6) to the origin, k = 1"),
        (np.array([[2.0, 1.0], [1.0, 2.0], [0.0, 0.0], [1.0, 1.0]]), 1,
         "4 points in the plane ending at (1, 1), k = 1"),
        (_path(np.random.default_rng(82), 20, 8, 2.0), 2, "a 20-step path in ℝ⁸ that curls in, k = 2"),
        (_path(np.random.default_rng(83), 12, 30, 0.5), 3, "a 12-step path in ℝ³⁰, k = 3"),
    ]
    hidden = hidden_rng()
    for _ in range(3):
        T, P = int(hidden.integers(6, 30)), int(hidden.integers(3, 40))
        k = int(hidden.integers(1, min(T - 1, P, 4) + 1))
        cases.append((_path(hidden, T, P, float(hidden.uniform(0.5, 3.0))), k,
                      f"a random {T}-step path in ℝ^{P}, k = {k} {HIDDEN_NOTE}"))
    for thetas, k, case in cases:
        expected = _explained(thetas, k)  # before the answer runs
        before = thetas.copy()
        given = thetas.copy()
        value = answer(given, k)
        check_input_unchanged(t, before, given, case=case + ": the iterates after the call",
                              message="your function modified the iterates it was given", hint=_IN_PLACE_8)
        x = _as_number(value)
        if x is None:
            t.fail(f"expected one float, got {type(value).__name__}", case=case,
                   hint="Return one float (for instance `float(...)`), not an array, a list or None.")
            continue
        t.close(x, expected, rtol=1e-6, atol=1e-12, case=case, hint=_explained_hint(x, before, k, expected))


# ===== exercises 8.3–8.4: batch size, edge of stability =====

# ---------------------------------------------------------------------------------------------------------------
# 8.3 plateau_ratio(steps, lambda_max, lr): the late-phase median of the sharpness, in units of 2/η

_PLATEAU_IN_PLACE = ("Your function changed the arrays it was given (np.ndarray.sort, an in-place operation or a "
                     "slice assignment on an argument): work on copies and leave the caller's arrays alone.")
_PLATEAU_NUMBER = "Return one finite float (for instance `float(...)`), not an array, a list or None."
_PLATEAU_THRESHOLD = ("Your ratio is off by a constant factor: compare with the stability threshold of gradient "
                      "descent on a quadratic — for which step sizes does |1 − ηλ| stay below 1?")
_PLATEAU_MEAN = ("Your value is pulled by single spikes and dips: at the edge of stability one sample can sit far "
                 "above or below the level the run hovers at. Use a statistic that a few outliers cannot move.")
_PLATEAU_WHOLE = ("Your value includes the early samples, taken while the sharpness was still rising: the plateau is "
                  "what the run does in its late phase only.")
_PLATEAU_LAST = "A single sample (the last one) swings at the edge of stability: summarise the whole late phase."
_PLATEAU_INDEX = ("The late phase is defined by the training step, not by the sample's position in the array: here "
                  "the samples are not evenly spaced in steps.")
_PLATEAU_DEFAULT = ("Select the samples of the late phase (steps ≥ half the last step), summarise them robustly, and "
                    "express the result in units of the stability threshold.")


def _late(steps, lam):
    return lam[steps >= 0.5 * steps[-1]]


def _plateau_mistakes(steps, lam, lr):
    thr = 2.0 / lr
    late = _late(steps, lam)
    return [
        (np.median(late) * lr, _PLATEAU_THRESHOLD), (np.median(late) / (4.0 / lr), _PLATEAU_THRESHOLD),
        (np.median(late) * thr, _PLATEAU_THRESHOLD), (np.median(late), _PLATEAU_THRESHOLD),
        (np.mean(late) / thr, _PLATEAU_MEAN),
        (np.median(lam) / thr, _PLATEAU_WHOLE), (np.mean(lam) / thr, _PLATEAU_WHOLE),
        (lam[-1] / thr, _PLATEAU_LAST),
        (np.median(lam[len(lam) // 2:]) / thr, _PLATEAU_INDEX), (np.median(lam[(len(lam) - 1) // 2:]) / thr, _PLATEAU_INDEX),
    ]


def _eos_trace(rng, lr, steps):
    """A made-up edge-of-stability trace: a linear rise to 2/η, then noise around 1.04·2/η with a spike and a dip."""
    thr = 2.0 / lr
    T = steps[-1]
    rise = np.minimum(1.0, 0.35 + steps / (0.35 * T))
    lam = thr * (rise + (steps > 0.35 * T) * (0.04 + 0.02 * rng.standard_normal(steps.size)))
    late = np.nonzero(steps >= 0.5 * T)[0]
    lam[late[1]] = 1.8 * thr        # a spike ...
    lam[late[-3]] = 0.4 * thr       # ... and a catapult dip
    return lam


@exercise("8.3", title="Where the sharpness hovers, in units of 2/η", budget=2.0)
def check_plateau_ratio(answer, t):
    """answer(steps, lambda_max, lr) -> float: median of lambda_max over steps >= steps[-1]/2, divided by 2/lr."""
    hidden = hidden_rng()
    cases = []
    steps = np.arange(0, 501, 20)
    cases.append((steps, _eos_trace(np.random.default_rng(0), 2.0, steps), 2.0,
                  "η = 2, λ_max sampled every 20 steps up to 500 (a rise, then a spike and a dip late)"))
    steps = np.r_[np.arange(0, 100, 2), np.arange(100, 601, 50)]  # dense early, sparse late
    lam = _eos_trace(np.random.default_rng(1), 0.5, steps)
    lam[:50] = np.linspace(0.3, 0.95, 50) * 4.0                     # the early samples rise to 0.95·2/η
    cases.append((steps, lam, 0.5, "η = 0.5, sampled every 2 steps up to 100, then every 50 up to 600"))
    for _ in range(2):
        lr = float(hidden.uniform(0.05, 3.0))
        every = int(hidden.integers(3, 12))
        steps = np.arange(0, every * int(hidden.integers(20, 40)) + 1, every)
        cases.append((steps, _eos_trace(hidden, lr, steps), lr,
                      f"η = {lr:.3f}, sampled every {every} steps {HIDDEN_NOTE}"))
    for steps, lam, lr, case in cases:
        expected = float(np.median(_late(steps, lam)) / (2.0 / lr))
        args = [steps.copy(), lam.copy(), lr]
        before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        value = answer(*args)
        check_input_unchanged(t, before[:2], args[:2], case=case + ": the inputs after the call",
                              message="your function modified its input arrays", hint=_PLATEAU_IN_PLACE)
        x = as_float_array(value, ())
        if x is None:
            t.fail(f"expected one finite number, got {type(value).__name__}", case=case, hint=_PLATEAU_NUMBER)
            continue
        t.close(float(x), expected, case=case, rtol=1e-9,
                hint=diagnose(float(x), _plateau_mistakes(steps, lam, lr), _PLATEAU_DEFAULT, expected=expected,
                              rtol=1e-9))


# ---------------------------------------------------------------------------------------------------------------
# 8.4 minibatch_noise(grads, batch_size): E‖ĝ_B − g‖² for a batch drawn without replacement

_NOISE_IN_PLACE = ("Your function changed the array it was given (an in-place -=, /= or slice assignment on "
                   "`grads`): work on a copy and leave the caller's array alone.")
_NOISE_NUMBER = "Return one finite float (for instance `float(...)`), not an array, a list or None."
_NOISE_REPLACEMENT = ("Your formula treats the B examples as drawn with replacement. Within an epoch a batch holds B "
                      "different examples: what must your value be at B = N, when the batch is the whole data set?")
_NOISE_B2 = ("Your value falls like 1/B²: averaging B examples divides the spread of their sum by B², but the sum's "
             "spread itself grows with B.")
_NOISE_UNCENTRED = ("You measured the per-example gradients' size around zero: the noise is their spread around "
                    "the full-batch gradient g, the mean of the rows.")
_NOISE_ALL_ENTRIES = ("You centred every entry on one overall mean: the full gradient g is a vector, one mean per "
                      "coordinate (per column of `grads`).")
_NOISE_N_MINUS_1 = ("Your value is off by a factor N/(N − 1): the finite-population factor of sampling without "
                    "replacement is (N − B)/(N − 1), with the spread of the N rows averaged over N.")
_NOISE_DEFAULT = ("Start from the spread of the N per-example gradients around their mean g, then ask how much of it "
                  "is left in an average of B distinct examples, B = 1 … N.")


def _noise_exact(G: np.ndarray, B: int) -> float:
    """The oracle: the mean of ‖ĝ_S − g‖² over every subset S of B rows (enumerated; small N only)."""
    from itertools import combinations

    g = G.mean(axis=0)
    return float(np.mean([np.sum((G[list(S)].mean(axis=0) - g) ** 2) for S in combinations(range(len(G)), B)]))


def _noise_mistakes(G, B):
    N = len(G)
    g = G.mean(axis=0)
    spread = float(np.mean(np.sum((G - g) ** 2, axis=1)))
    raw = float(np.mean(np.sum(G ** 2, axis=1)))
    entries = float(np.mean(np.sum((G - G.mean()) ** 2, axis=1)))
    fpc = (N - B) / (N - 1) if N > 1 else 0.0
    return [(spread / B, _NOISE_REPLACEMENT), (spread * fpc / B ** 2, _NOISE_B2), (spread / B ** 2, _NOISE_B2),
            (raw * fpc / B, _NOISE_UNCENTRED), (raw / B, _NOISE_UNCENTRED),
            (entries * fpc / B, _NOISE_ALL_ENTRIES), (spread * (N - B) / (B * N), _NOISE_N_MINUS_1)]


@exercise("8.4", title="How noisy is a minibatch gradient?", budget=2.0)
def check_minibatch_noise(answer, t):
    """answer(grads (N, P), batch_size B) -> E‖mean of B distinct rows − mean of all rows‖², a float."""
    hidden = hidden_rng()
    base = np.random.default_rng(8)
    G6 = base.standard_normal((6, 3)) + np.array([2.0, -1.0, 0.5])  # the rows share a mean far from 0
    cases = [(G6, 1, "6 per-example gradients in 3-D, B = 1"), (G6, 3, "the same 6 gradients, B = 3"),
             (G6, 6, "the same 6 gradients, B = 6 (the whole data set)")]
    G9 = base.standard_normal((9, 5)) * np.array([1.0, 3.0, 0.1, 1.0, 2.0]) + 1.0
    cases.append((G9, 4, "9 per-example gradients in 5-D with unequal spreads, B = 4"))
    N = int(hidden.integers(5, 10))
    Gh = hidden.standard_normal((N, int(hidden.integers(2, 6)))) + hidden.standard_normal()
    cases.append((Gh, int(hidden.integers(2, N)), f"{N} random per-example gradients {HIDDEN_NOTE}"))
    for G, B, case in cases:
        expected = _noise_exact(G, B)
        arg = G.copy()
        value = answer(arg, B)
        check_input_unchanged(t, [G], [arg], case=case + ": `grads` after the call",
                              message="your function modified `grads`", hint=_NOISE_IN_PLACE)
        x = as_float_array(value, ())
        if x is None:
            t.fail(f"expected one finite number, got {type(value).__name__}", case=case, hint=_NOISE_NUMBER)
            continue
        t.close(float(x), expected, case=case, rtol=1e-9, atol=1e-12,
                hint=diagnose(float(x), _noise_mistakes(G, B), _NOISE_DEFAULT, expected=expected, rtol=1e-9))


# ===== exercises 8.5–8.6: mode connectivity, spawn step =====
# 8.5 — the error barrier of a straight path (Frankle et al. 2020), from a function that returns class scores.
# 8.6 — the spawn step: the earliest spawn step from which the instability stays below a threshold.


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
    return _every_fitting_hint(value, [
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
       "exercise defines it.", expected)


def _every_fitting_hint(value, mistakes, default, expected):
    """The hints of *every* known mistake that reproduces ``value`` (not only the first), joined.

    On some inputs two mistakes give the same number — the accuracy "barrier" and the barrier of the two networks'
    mixed outputs are both 0 when the two networks compute the same function — so naming only the first would
    misdiagnose the other on that case (it did, depending on the hidden draw).
    """
    fitting = []
    for mistake, hint in mistakes:
        if mistake is None or np.isclose(mistake, expected, rtol=1e-9, atol=1e-12):
            continue  # a mistake that gives the right value here cannot be told apart
        if np.isclose(value, mistake, rtol=1e-9, atol=1e-12) and hint not in fitting:
            fitting.append(hint)
    return " Or: ".join(fitting) if fitting else default


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


