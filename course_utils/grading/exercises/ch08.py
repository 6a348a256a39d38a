r"""Checks for chapter 8 (The landmark figures, live on real data).

Scaffold: ``make new-chapter`` wrote this module with the check of the placeholder exercise 8.1. Replace it with
your chapter's checks — one ``@exercise("8.k", …)`` per exercise, built from property cases plus the cases that
catch the usual misconceptions, each with a hint that diagnoses without giving the answer (see
:mod:`course_utils.grading`).

Exercise 8.1: ``answer(eigenvalues, k)`` counts the outliers of a spectrum: among the ``k`` largest eigenvalues in
descending order, the ``c`` that maximises :math:`\lambda_c/\lambda_{c+1}`. Exercise 8.2: ``answer(thetas, k)`` is the
share of a path's squared displacement from its final point along its first ``k`` principal directions.
"""

from __future__ import annotations

import numpy as np

from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng
from ..registry import exercise

# ===== exercises 8.1–8.2 (helper A: bulk and outliers, the trajectory's PCA plane) =====

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


# ===== end of exercises 8.1–8.2 =====


# ===== exercises 8.3–8.4 (helper B: batch size, edge of stability) =====


# ===== end of exercises 8.3–8.4 =====


# ===== exercises 8.5–8.6 (helper C: mode connectivity, spawn step) =====


# ===== end of exercises 8.5–8.6 =====
