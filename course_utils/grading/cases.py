"""Case builders shared by the exercises' checks (``grading/exercises/chNN.py``).

Matrices with known spectra and the "did the answer change its input?" case are built here once, so every
chapter draws them the same way. Each builder is deterministic in its ``seed`` or ``rng``: moving a check onto
these helpers keeps its cases, and so its verdicts, bit for bit.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import numpy as np

from ..validation import (
    check_array,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_rng,
    check_scalar,
    check_str,
    check_vector,
)
from .registry import Tester

__all__ = ["random_symmetric", "with_eigenvalues", "same_arrays", "check_input_unchanged", "hidden_rng", "hidden_seed", "diagnose",
           "GRADER_SEED_VARIABLE", "DEFAULT_HIDDEN_SEED", "HIDDEN_NOTE", "as_float_array", "watched",
           "sphere_uniformity_pvalue"]

#: Appended to the description of a hidden case: its inputs differ on every ``check`` call.
HIDDEN_NOTE = "(drawn afresh on every check: your function must work for any input, not only the printed ones)"


def as_float_array(value: Any, shape: tuple[int, ...] | None = None, *, finite: bool = True) -> np.ndarray | None:
    """An answer's value as a new float array, or None when it cannot be one.

    Checks compare what an answer returned as plain data: whatever it is (a list, a tuple, an array, a subclass
    with a clever ``__eq__``), its numbers are copied into a float64 array first.

    Parameters
    ----------
    value : object
        What the answer returned (anything; it is never trusted).
    shape : tuple of int, optional
        The required shape; another shape gives None. Default None: any shape.
    finite : bool
        Whether NaN or infinite entries give None (default True). Pass False where a non-finite value is itself
        something the check reports (a diverging run).

    Returns
    -------
    ndarray or None
        A float64 copy of ``value``; None if ``value`` is not numbers, has another shape than ``shape``, or (with
        ``finite``) holds NaN or inf.

    Raises
    ------
    TypeError
        If ``shape`` is not None or a tuple of integers ≥ 0, or ``finite`` is not a bool.
    """
    if shape is not None:
        if not isinstance(shape, tuple):
            raise TypeError(f"`shape` must be None or a tuple of integers >= 0, got {shape!r} of type "
                            f"{type(shape).__name__}")
        shape = tuple(check_int(n, "shape", low=0) for n in shape)
    finite = check_bool(finite, "finite")
    try:
        out = np.array(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    if shape is not None and out.shape != shape:
        return None
    if finite and not np.all(np.isfinite(out)):
        return None
    return out


def watched(fn: Any, log: list) -> Any:
    """``fn`` wrapped so that every point it is called at is recorded in ``log``.

    A check hands the wrapper to the answer (as the loss, the gradient or the Hessian-vector product) and reads
    ``log`` afterwards: where the answer evaluated, how often, in which directions. Each call's argument is
    copied as a float array into ``log``, and ``fn`` receives another copy, so neither the answer nor ``fn``
    can change what was recorded.

    Parameters
    ----------
    fn : callable
        One array -> the value at that point.
    log : list
        Receives a float64 copy of each argument, in call order.

    Returns
    -------
    callable
        ``x -> fn(x)``, recording ``x``.

    Raises
    ------
    TypeError
        If ``fn`` is not callable or ``log`` is not a list.
    """
    fn = check_callable(fn, "fn")
    log = check_instance(log, "log", list, "a list")

    def call(x):
        point = np.array(x, dtype=float)
        log.append(point)
        return fn(point.copy())

    return call


def _projection_cdf(P: int):
    r"""CDF of :math:`w^\top u` for :math:`u` uniform on the unit sphere in ``P`` dimensions, :math:`w` a unit vector.

    :math:`(w^\top u)^2` follows Beta(1/2, (P − 1)/2); the projection is symmetric about 0.
    """
    from scipy import stats

    def cdf(x):
        x = np.asarray(x, dtype=float)
        return 0.5 + 0.5 * np.sign(x) * stats.beta.cdf(x * x, 0.5, (P - 1) / 2)

    return cdf


def sphere_uniformity_pvalue(directions: Any, axes: Any) -> float:
    r"""Smallest p-value of Kolmogorov–Smirnov tests that ``directions`` are uniform on the unit sphere.

    For each unit vector :math:`a` in ``axes`` the projections :math:`a^\top u_k` are compared with their law
    under uniformity: :math:`(a^\top u)^2 \sim \mathrm{Beta}(\tfrac12, \tfrac{P-1}{2})`, symmetric about 0 (in
    3-D, uniform on [−1, 1]: Archimedes). Axis-aligned, one-orthant or cube-normalised directions fail along a
    coordinate axis or the diagonal. With ``m`` axes, compare the result with ``alpha / m`` for a combined
    false-alarm rate of at most ``alpha`` (Bonferroni).

    Parameters
    ----------
    directions : array_like, shape (n, P)
        The directions to test, one per row (unit vectors if the answer is right), n ≥ 1, P ≥ 2.
    axes : array_like, shape (m, P)
        Unit vectors to project on, m ≥ 1.

    Returns
    -------
    float
        The smallest of the ``m`` asymptotic p-values.

    Raises
    ------
    ValueError, TypeError
        If ``directions`` or ``axes`` is not a finite 2-D array of numbers, their columns differ, P < 2, or a
        row of ``axes`` is not a unit vector.
    """
    from scipy import stats

    u = check_array(directions, "directions", ndim=2)
    if u.shape[1] < 2:
        raise ValueError(f"`directions` must have at least 2 columns (the dimension P), got shape {u.shape}")
    a = check_array(axes, "axes", ndim=2)
    if a.shape[1] != u.shape[1]:
        raise ValueError(f"`axes` must have as many columns as `directions` ({u.shape[1]}), got shape {a.shape}")
    norms = np.linalg.norm(a, axis=1)
    if not np.allclose(norms, 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"every row of `axes` must be a unit vector, got norms {np.round(norms, 6).tolist()}")
    cdf = _projection_cdf(u.shape[1])
    return min(float(stats.kstest(u @ v, cdf, method="asymp").pvalue) for v in a)


def random_symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    r"""A random symmetric, diagonally shifted matrix :math:`\tfrac12(M + M^\top) + nI`, shape ``(n, n)``.

    ``M`` has standard-normal entries drawn from ``rng`` (which advances by ``n * n`` draws); the shift by
    :math:`n` makes it positive definite in all but rare draws (its eigenvalues are about :math:`n \pm \sqrt{2n}`).

    Parameters
    ----------
    rng : Generator or int
        Source of the entries; a Generator is used (and advanced) as is, an integer is a seed.
    n : int
        Size of the matrix, at least 1.

    Returns
    -------
    ndarray, shape (n, n)
    """
    rng, n = check_rng(rng), check_int(n, "n", low=1)  # a Generator passes through unchanged: the same draws
    m = rng.standard_normal((n, n))
    return (m + m.T) / 2 + n * np.eye(n)


def with_eigenvalues(eigenvalues, seed: int, *, symmetrize: bool = True) -> np.ndarray:
    r"""A matrix :math:`Q \,\mathrm{diag}(\lambda)\, Q^\top` with the given eigenvalues and random eigenvectors.

    ``Q`` is the orthogonal factor of the QR decomposition of a standard-normal ``(n, n)`` matrix drawn from
    ``numpy.random.default_rng(seed)``. With ``symmetrize`` the result is :math:`\tfrac12(H + H^\top)`, exactly
    symmetric; without, it is the product as computed (symmetric up to rounding).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The eigenvalues :math:`\lambda`, in any order.
    seed : int
        Seed (at least 0) of the random eigenvectors.
    symmetrize : bool
        Whether to return the exactly symmetric :math:`\tfrac12(H + H^\top)` (default True).

    Returns
    -------
    ndarray, shape (n, n)
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    # numpy's own generator, not the course's check_rng: the suite's seed switches must not change a check's case
    seed, symmetrize = check_int(seed, "seed", low=0), check_bool(symmetrize, "symmetrize")
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((lam.size, lam.size)))
    H = (Q * lam) @ Q.T
    return 0.5 * (H + H.T) if symmetrize else H


def same_arrays(before: Any, after: Any) -> bool:
    """Whether ``after`` holds exactly the values of ``before``: arrays compared element by element, lists and
    tuples (of arrays, of pairs ``(W, b)``, …) entry by entry.

    Parameters
    ----------
    before : array_like, or list or tuple of them
        The values expected (a copy taken before the call).
    after : array_like, or list or tuple of them
        The values found; a list where ``before`` has a tuple (or the reverse) is fine, another length is not.

    Returns
    -------
    bool
    """
    if isinstance(before, (list, tuple)):
        return (isinstance(after, (list, tuple)) and len(after) == len(before)
                and all(same_arrays(b, a) for b, a in zip(before, after)))
    return bool(np.array_equal(after, before))


def check_input_unchanged(t, before: Any, after: Any, *, case: str, message: str, hint: str) -> bool:
    """Record the case "the caller's input is the same after the call" on the tester ``t``.

    ``before`` is a copy taken before calling the answer, ``after`` the object the answer was given (or the part
    of it the exercise says must not change); see :func:`same_arrays`.

    Parameters
    ----------
    t : Tester
        The check's tester, on which the case is recorded.
    before : array_like, or list or tuple of them
        Copy of the input taken before the call.
    after : array_like, or list or tuple of them
        The input object after the call.
    case : str
        Description of the case, shown in the verdict.
    message : str
        What is wrong when the input changed.
    hint : str
        A hint shown when the input changed.

    Returns
    -------
    bool
        Whether the case passed.
    """

    check_instance(t, "t", Tester, "the check's Tester")
    return t.true(same_arrays(before, after), case=case, message=message, hint=hint)


#: Environment variable holding the batch grader's own seed of the hidden cases (an integer ≥ 0). The grader
#: draws it per batch and records it; students never see it before their work is graded.
GRADER_SEED_VARIABLE = "COURSE_GRADER_SEED"
#: The hidden cases' seed in a student's own kernel: fixed, so that Restart & Run All prints the same verdicts.
DEFAULT_HIDDEN_SEED = 20_261_205
_hidden_calls = itertools.count()


def hidden_seed() -> int:
    """The seed of the hidden cases in this process: ``$COURSE_GRADER_SEED`` when set, else the course's fixed one.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``COURSE_GRADER_SEED`` is set to something other than an integer ≥ 0.
    """
    text = os.environ.get(GRADER_SEED_VARIABLE, "").strip()
    if not text:
        return DEFAULT_HIDDEN_SEED
    if not text.isdigit():
        raise ValueError(f"{GRADER_SEED_VARIABLE} must be an integer >= 0, got {text!r}")
    return int(text)


def hidden_rng() -> np.random.Generator:
    """A generator for a check's hidden cases, new on every call: stream ``k`` of :func:`hidden_seed` at the
    ``k``-th call in this process.

    Printed cases teach; hidden cases differ on every ``check`` call, so an answer that tabulates the printed
    inputs (or the inputs of an earlier call) cannot pass. The draws are still reproducible: a fresh kernel
    that runs the same cells in the same order draws the same cases (Restart & Run All prints the same
    verdicts), and the batch grader's own seed (:data:`GRADER_SEED_VARIABLE`) makes its cases unknown in
    advance yet the same when a batch is graded again. Use it only for properties that hold for every draw.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([hidden_seed(), next(_hidden_calls)])


def _matches(actual: Any, candidate: Any, rtol: float, atol: float) -> bool:
    try:
        a = np.asarray(actual, dtype=float)
        c = np.asarray(candidate, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != c.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(c))):
        return False
    return bool(np.allclose(a, c, rtol=rtol, atol=atol))


def diagnose(actual: Any, mistakes, default: str, *, expected: Any = None, rtol: float = 1e-6,
             atol: float = 1e-12) -> str:
    """The hint of the first known mistake whose output ``actual`` reproduces, else ``default``.

    A check computes, on the failing case, what each misconception would return; when the student's value
    matches one of them, the hint names that mistake (and where to look) instead of a generic remark.

    Parameters
    ----------
    actual : object
        The student's value on this case.
    mistakes : iterable of (value, hint)
        What a misconception returns on this case, and the hint naming it. A value that cannot be computed
        may be given as None (skipped).
    default : str
        The hint when no known mistake matches.
    expected : object, optional
        The right value on this case: a mistake that gives the same value here cannot be told apart, so it is
        skipped.
    rtol, atol : float
        Tolerances of the match.

    Returns
    -------
    str
    """
    default = check_str(default, "default")
    rtol, atol = check_scalar(rtol, "rtol", low=0), check_scalar(atol, "atol", low=0)
    if isinstance(mistakes, (str, bytes, dict)) or not hasattr(mistakes, "__iter__"):
        raise TypeError(f"`mistakes` must be an iterable of (value, hint) pairs, got {mistakes!r}")
    mistakes = list(mistakes)
    for pair in mistakes:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], str)):
            raise TypeError(f"`mistakes` must hold (value, hint) pairs with a str hint, got the entry {pair!r}")
    for value, hint in mistakes:
        if value is None or (expected is not None and _matches(expected, value, rtol, atol)):
            continue
        if _matches(actual, value, rtol, atol):
            return hint
    return default
