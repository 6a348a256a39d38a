r"""Critical points: find them, classify them, and see why saddles outnumber minima.

A critical point is where the gradient vanishes, :math:`\nabla f(\theta^*) = 0`. The second-derivative test
reads the Hessian's eigenvalues :math:`\lambda_1 \le \dots \le \lambda_P` there:

* all :math:`> 0` — a strict local **minimum**; all :math:`< 0` — a strict local **maximum**;
* both signs — a **saddle** of *index* :math:`k` = the number of negative eigenvalues, with an escape
  direction along the eigenvector of :math:`\lambda_1`;
* any :math:`|\lambda_i| \le \tau` — **degenerate**: the test is silent and higher-order terms decide
  (the monkey saddle :math:`x^3 - 3xy^2`, :math:`x^4 + y^4` and :math:`x^4 - y^4` all have :math:`H = 0`).

"Zero" has to be relative: multiplying a loss by :math:`c > 0` multiplies every eigenvalue by :math:`c` and changes
nothing about the point. So the threshold is :math:`\tau = \text{tol}\cdot\max(\|H\|_2, s)`, with
:math:`\|H\|_2 = \max_i|\lambda_i|` and :math:`s` the problem's curvature scale (the finder uses the RMS of
:math:`\|H\|_2` over its box); likewise the finder accepts a root when :math:`\|\nabla f\|` is small against the
RMS gradient over the box. Both scale with :math:`c`, so what is found and how it is classified do not.

:func:`find_critical_points` solves :math:`\nabla f = 0` from a low-discrepancy set of starts in a box
(Newton's method with a pseudo-inverse, vectorized over the starts), keeps the verified roots and merges
duplicates. :func:`minimize_gradient_norm` finds critical points of a network by minimizing
:math:`\tfrac12\|\nabla L\|^2` (Dauphin et al. 2014 style). The random-matrix helpers test the claim that a
critical point is a minimum with probability :math:`2^{-n}` against the Gaussian Orthogonal Ensemble.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import numpy as np

from . import derivatives
from .objective import Objective, as_objective
from .validation import (
    check_array,
    check_callable,
    check_int,
    check_option,
    check_rng,
    check_scalar,
    check_symmetric,
    check_vector,
)

__all__ = [
    "KINDS",
    "Classification",
    "CriticalPoint",
    "classify_hessian",
    "escape_direction",
    "critical_point_at",
    "CriticalSearch",
    "newton_step",
    "find_critical_points",
    "minimize_gradient_norm",
    "tanh_network_derivatives",
    "NewtonSearch",
    "newton_search",
    "goe_matrices",
    "ProbabilityEstimate",
    "probability_all_positive",
    "semicircle_density",
    "semicircle_index_fraction",
]

KINDS = ("minimum", "maximum", "saddle", "degenerate")


@dataclass(frozen=True)
class Classification:
    r"""What the second-derivative test says about a symmetric Hessian.

    Built by :func:`classify_hessian`.

    Parameters
    ----------
    kind : {"minimum", "maximum", "saddle", "degenerate"}
        The verdict. "saddle" whenever eigenvalues of both signs exist, zero ones or not (along the positive
        and the negative eigenvectors the loss rises and falls at second order); "degenerate" when some
        eigenvalue counts as zero and the others all share one sign — only then is the test silent.
    index : int
        Number of eigenvalues below :math:`-\tau` (directions of negative curvature).
    n_zero : int
        Number of eigenvalues with :math:`|\lambda| \le \tau`.
    eigenvalues : ndarray, shape (P,)
        Ascending.
    escape_direction : ndarray of shape (P,) or None
        Unit eigenvector of the most negative eigenvalue when it is below :math:`-\tau`.
    threshold : float, default 0.0
        :math:`\tau`, the absolute size under which an eigenvalue counted as zero (see :func:`classify_hessian`).
    """

    kind: str
    index: int
    n_zero: int
    eigenvalues: np.ndarray
    escape_direction: np.ndarray | None
    threshold: float = 0.0

    @property
    def semidefinite(self) -> str | None:
        """For a "degenerate" verdict, which way the non-zero eigenvalues point: ``"positive"`` (no negative
        curvature: a minimum up to the flat directions, if the loss stays constant along them — a network's
        symmetries do that), ``"negative"`` (the mirror image), or ``"zero"`` (every eigenvalue is zero);
        ``None`` for the other verdicts."""
        if self.kind != "degenerate":
            return None
        if self.n_zero == self.eigenvalues.size:
            return "zero"
        return "negative" if self.index else "positive"

    @property
    def index_fraction(self) -> float:
        """``index / P``, the fraction of negative-curvature directions (Dauphin et al.'s α)."""
        return self.index / self.eigenvalues.size

    def describe(self) -> str:
        """One line for titles and messages, e.g. ``"saddle (index 1): λ = -2, 10"``."""
        lam = ", ".join(f"{v:.3g}" for v in self.eigenvalues[:6]) + (", …" if self.eigenvalues.size > 6 else "")
        if self.kind == "saddle":
            head = f"saddle (index {self.index})"
        elif self.kind == "degenerate":
            flat = (f"{self.n_zero} flat direction{'s' if self.n_zero > 1 else ''}: a {{}} if the loss stays flat "
                    f"along {'them' if self.n_zero > 1 else 'it'}")
            head = {"positive": f"degenerate, no negative curvature ({flat.format('minimum')})",
                    "negative": f"degenerate, no positive curvature ({flat.format('maximum')})",
                    "zero": "degenerate (every eigenvalue zero: the test is silent)"}[self.semidefinite]
        else:
            head = self.kind
        return f"{head}: λ = {lam}"


@dataclass(frozen=True)
class CriticalPoint:
    r"""A verified critical point of an objective.

    Parameters
    ----------
    point : ndarray, shape (P,)
        Where the gradient (nearly) vanishes.
    value : float
        Loss at ``point``.
    grad_norm : float
        :math:`\|\nabla f\|` at ``point`` (below the finder's tolerance; :func:`critical_point_at` and
        :func:`minimize_gradient_norm` do not check it).
    classification : Classification
        The second-derivative test at ``point``; ``kind``, ``index`` and ``eigenvalues`` are shortcuts to it.
    """

    point: np.ndarray
    value: float
    grad_norm: float
    classification: Classification

    @property
    def kind(self) -> str:
        return self.classification.kind

    @property
    def index(self) -> int:
        return self.classification.index

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.classification.eigenvalues


def _sign_fixed(v: np.ndarray) -> np.ndarray:
    """Eigenvectors are defined up to sign: make the largest-magnitude entry positive, for reproducibility."""
    return v if v[np.argmax(np.abs(v))] >= 0 else -v


_EPS = np.finfo(float).eps


def _zero_threshold(values: np.ndarray, tol: float, scale: float) -> float:
    """τ = max(tol, Pε) · max(‖H‖₂, scale), from the eigenvalues (see :func:`classify_hessian`)."""
    return max(tol, values.size * _EPS) * max(float(np.abs(values).max(initial=0.0)), scale)


def classify_hessian(hessian, tol: float = 1e-6, *, scale: float = 0.0) -> Classification:
    r"""Classify a critical point from its Hessian's eigenvalues.

    An eigenvalue counts as zero when :math:`|\lambda| \le \tau`, with

    .. math::
        \tau = \max(\text{tol},\ P\varepsilon)\cdot\max\bigl(\|H\|_2,\ s\bigr), \qquad
        \|H\|_2 = \max_i |\lambda_i|,

    :math:`\varepsilon` the float64 machine epsilon and :math:`s` = ``scale``. Both terms scale like the Hessian:
    multiplying the loss by :math:`c > 0` multiplies :math:`\tau` by :math:`c` (when :math:`s` is a scale of the same
    problem), so no verdict changes.

    * :math:`\text{tol}\,\|H\|_2` is the **relative** test: the curvature along that eigenvector is negligible next
      to the strongest one at the same point (``diag(1e-9, 1)`` is degenerate at ``tol = 1e-6``).
    * :math:`\text{tol}\, s` is a floor tied to the **problem**: a Hessian whose every eigenvalue is tiny next to
      the curvature the landscape shows elsewhere is zero. Without it, a point found a hair away from the monkey
      saddle, where :math:`H \approx 10^{-14}\,\mathrm{diag}(1, -1)`, would be called a saddle: relative to itself
      that Hessian is perfectly well conditioned.
    * :math:`P\varepsilon` is the **rounding** floor: eigenvalues within ``eigh``'s backward error of zero are zero
      whatever ``tol`` says (``tol = 0`` still works).

    A zero Hessian has no scale of its own. It is handled on purpose: with ``scale = 0`` the threshold is 0, every
    eigenvalue is exactly 0 and counts as zero (:math:`|0| \le 0`) — "degenerate", never "minimum".

    Parameters
    ----------
    hessian : array_like, shape (P, P)
        Symmetric.
    tol : float
        Relative zero tolerance, ``>= 0``. A zero eigenvalue makes the point "degenerate" only when the non-zero
        eigenvalues all have one sign: eigenvalues (1, −1, 0) are a saddle whatever the third direction does.
    scale : float
        :math:`s \ge 0`, a curvature scale of the problem in the units of the eigenvalues
        (:class:`CriticalSearch` passes the RMS of :math:`\|H\|_2` over its box). The default 0 judges the matrix
        on its own.

    Returns
    -------
    Classification
        Its ``threshold`` is the :math:`\tau` applied.

    Examples
    --------
    >>> classify_hessian(np.diag([10.0, -2.0])).describe()
    'saddle (index 1): λ = -2, 10'
    >>> classify_hessian(np.zeros((2, 2))).kind
    'degenerate'
    >>> classify_hessian(np.diag([1.0, -1.0, 0.0])).kind  # a zero eigenvalue beside both signs: still a saddle
    'saddle'
    >>> classify_hessian(np.diag([0.0, 2.0])).semidefinite  # a trough: a minimum up to its flat direction
    'positive'
    >>> classify_hessian(1e-12 * np.diag([1.0, 2.0])).kind  # relative: a small Hessian is not a zero one...
    'minimum'
    >>> classify_hessian(1e-12 * np.diag([1.0, 2.0]), scale=1.0).kind  # ...unless the problem curves like 1
    'degenerate'
    """
    H = check_symmetric(hessian)
    tol = check_scalar(tol, "tol", low=0)
    scale = check_scalar(scale, "scale", low=0)
    return _classify_stack(H[None], tol, scale)[0]


def _classify_stack(H: np.ndarray, tol: float, scale: float) -> list[Classification]:
    """:func:`classify_hessian` for a stack of symmetric matrices ``(B, P, P)``, with one batched ``eigh``."""
    values, vectors = np.linalg.eigh(H)
    out = []
    for lam, vec in zip(values, vectors):
        threshold = _zero_threshold(lam, tol, scale)
        index = int(np.sum(lam < -threshold))
        n_zero = int(np.sum(np.abs(lam) <= threshold))
        # both signs decide at second order (a saddle), flat directions or not; only a one-signed rest is silent
        if index and index + n_zero < lam.size:
            kind = "saddle"
        elif n_zero:
            kind = "degenerate"
        elif index == 0:
            kind = "minimum"
        elif index == lam.size:
            kind = "maximum"
        else:
            kind = "saddle"
        escape = _sign_fixed(vec[:, 0].copy()) if lam[0] < -threshold else None
        out.append(Classification(kind, index, n_zero, lam.copy(), escape, threshold))
    return out


def escape_direction(hessian, tol: float = 1e-6, *, scale: float = 0.0) -> np.ndarray | None:
    r"""Unit eigenvector of the most negative Hessian eigenvalue, or ``None`` when :math:`\lambda_{\min} \ge -\tau`.

    :math:`\tau` is :func:`classify_hessian`'s relative threshold (``tol`` times :math:`\max(\|H\|_2, s)`).
    Along :math:`\pm u` the loss falls like :math:`\tfrac12 \lambda_{\min} t^2`; both signs descend.
    The sign is fixed so that the largest-magnitude entry is positive.

    Parameters
    ----------
    hessian : array_like, shape (P, P)
        Symmetric Hessian at the point.
    tol : float, default 1e-6
        Relative zero tolerance, ``>= 0``, as in :func:`classify_hessian`.
    scale : float, default 0.0
        Curvature scale :math:`s \ge 0` of the problem, as in :func:`classify_hessian`; 0 judges the matrix on its
        own.

    Returns
    -------
    ndarray of shape (P,) or None
    """
    return classify_hessian(hessian, tol, scale=scale).escape_direction


def critical_point_at(objective, theta, tol: float = 1e-6, *, scale: float = 0.0) -> CriticalPoint:
    """Evaluate and classify ``objective`` at ``theta`` (no check that the gradient vanishes; see ``grad_norm``).

    ``tol`` and ``scale`` are :func:`classify_hessian`'s (relative tolerance, curvature scale of the problem).

    Parameters
    ----------
    objective : Objective
        Needs ``value_and_grad`` and a dense ``hessian``.
    theta : array_like, shape (P,)
        The point to evaluate.
    tol : float, default 1e-6
        Relative zero-eigenvalue tolerance, ``>= 0``.
    scale : float, default 0.0
        Curvature scale of the problem, ``>= 0`` (0: the Hessian is judged on its own).

    Returns
    -------
    CriticalPoint
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    tol = check_scalar(tol, "tol", low=0)
    scale = check_scalar(scale, "scale", low=0)
    value, g = objective.value_and_grad(theta)
    return CriticalPoint(theta.copy(), value, float(np.linalg.norm(g)),
                         classify_hessian(objective.hessian(theta), tol, scale=scale))


def newton_step(grad, hessian) -> np.ndarray:
    r"""The Newton step for :math:`\nabla f = 0`: :math:`\Delta = -H^{+} g` (pseudo-inverse for singular ``H``).

    Newton treats every critical point alike — it is attracted to saddles and maxima as much as to minima.

    Parameters
    ----------
    grad : array_like, shape (P,)
    hessian : array_like, shape (P, P)
    """
    g = check_vector(grad, "grad")
    H = check_symmetric(hessian)
    if H.shape[0] != g.size:
        raise ValueError(f"`hessian` must have shape ({g.size}, {g.size}) to match `grad`, got {H.shape}")
    return -np.linalg.lstsq(H, g, rcond=None)[0]


def _starts(bounds: np.ndarray, n_starts: int, method: str, rng) -> np.ndarray:
    seed = int(rng.integers(2**31)) if method == "sobol" else None
    return _seeded_starts(bounds, n_starts, method, seed)


def _seed_keyword(cls) -> str:
    """The keyword that seeds a ``scipy.stats.qmc`` engine: ``rng`` (SciPy >= 1.15) or ``seed`` (1.11-1.14).

    Read from the signature, not from the version string, so a backport or a rename is followed as it is.
    """
    return "rng" if "rng" in inspect.signature(cls).parameters else "seed"


@functools.cache
def _sobol():
    """``(qmc.Sobol, its seeding keyword)``, looked up once (scipy.stats loads on first use, not on import)."""
    from scipy.stats import qmc

    return qmc.Sobol, _seed_keyword(qmc.Sobol)


def _seeded_starts(bounds: np.ndarray, n_starts: int, method: str, seed: int | None) -> np.ndarray:
    lo, hi = bounds[:, 0], bounds[:, 1]
    dim = lo.size
    if method == "grid":
        per_axis = max(2, int(round(n_starts ** (1.0 / dim))))
        # cell centres, so no start sits exactly on the boundary (or on a symmetric critical point)
        axes = [lo[i] + (np.arange(per_axis) + 0.5) / per_axis * (hi[i] - lo[i]) for i in range(dim)]
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    if method == "sobol":
        # Sobol points are balanced in blocks of 2**m; drawing the whole block and keeping the first n gives the
        # same points as `random(n)` without SciPy's balance warning for n not a power of two.
        # A Generator, not the int: SciPy < 1.15 turns `seed=int` into another stream than `rng=int`, but reads a
        # Generator the same way under either keyword — so the starts are the same on every SciPy we support.
        sobol, keyword = _sobol()
        engine = sobol(dim, scramble=True, **{keyword: np.random.default_rng(seed)})
        u = engine.random_base2(max(int(np.ceil(np.log2(n_starts))), 0))
        u = u[:n_starts]
    else:
        from scipy.stats import qmc

        u = qmc.Halton(dim, scramble=False).random(n_starts)
    return lo + u * (hi - lo)


def _batched_derivatives(objective: Objective, probe: np.ndarray):
    """``T (B, P) -> (G (B, P), H (B, P, P))`` for all starts at once: :func:`derivatives.batched_hessian` on the
    objective's vectorized loss, verified on ``probe`` against ``grad``/``hessian`` (else their loop)."""
    return derivatives.batched_hessian(objective.unchecked_loss_batch, objective.grad, objective.hessian, probe)


def _pinv_steps(H: np.ndarray, G: np.ndarray, rcond: float = 1e-13) -> np.ndarray:
    r"""Newton steps :math:`-H^{+} g` for stacks ``H (B, P, P)`` (symmetric) and ``G (B, P)``.

    The pseudo-inverse from ``eigh`` (for a symmetric matrix the singular values are :math:`|\lambda_i|`):
    eigenvalues with :math:`|\lambda| \le` ``rcond`` :math:`\cdot \max|\lambda|` are dropped, as
    ``np.linalg.pinv(H, rcond)`` does, at less than half its cost for small matrices.
    """
    lam, V = np.linalg.eigh(H)
    keep = np.abs(lam) > rcond * np.abs(lam).max(axis=1, keepdims=True)
    inverse = np.where(keep, 1.0 / np.where(keep, lam, 1.0), 0.0)
    return -np.einsum("bij,bj->bi", V, inverse * np.einsum("bji,bj->bi", V, G))


def _newton_all(derivatives, X: np.ndarray, steps: int, bounds: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    r"""Newton on :math:`\nabla f = 0` from every row of ``X`` at once: :math:`x \leftarrow x - H^{+}\nabla f`.

    A row stops when its step reaches the rounding floor or, with ``bounds``, :math:`10^{-10}` of the box diagonal.
    Near a simple root the next step would be :math:`\sim 10^{-20}` of the box (quadratic convergence). Near a
    degenerate root Newton converges only linearly (the error halves per step for a cubic, shrinks by 2/3 for a
    quartic), hence the generous step count; stopped there, the point is within a few steps' worth,
    :math:`\sim 10^{-10}` of the box, of the root, where the Hessian is :math:`\sim 10^{-10}` of its size across
    the box and reads as zero. Rows that blow up become NaN, and so does a row that has left the box by more than
    the box's own width along some axis: Newton has thrown it away, and a root out there would be discarded
    anyway. Every step is invariant under :math:`f \to c f`: :math:`H^{+}\nabla f` does not change, nor does the
    pseudo-inverse's relative cut-off.

    Returns the points and their gradient norms.
    """
    X = X.copy()
    active = np.ones(X.shape[0], dtype=bool)
    gnorm = np.full(X.shape[0], np.inf)
    small = 0.0
    if bounds is not None:
        width = bounds[:, 1] - bounds[:, 0]
        far_lo, far_hi = bounds[:, 0] - width, bounds[:, 1] + width
        small = 1e-10 * float(np.linalg.norm(width))
    with np.errstate(all="ignore"):
        for _ in range(steps):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            G, H = derivatives(X[idx])
            gnorm[idx] = np.linalg.norm(G, axis=1)
            finite = np.isfinite(gnorm[idx]) & np.all(np.isfinite(H), axis=(1, 2))
            X[idx[~finite]] = np.nan
            active[idx[~finite]] = False
            idx, G, H = idx[finite], G[finite], H[finite]
            done = gnorm[idx] == 0.0
            active[idx[done]] = False
            idx, G, H = idx[~done], G[~done], H[~done]
            if idx.size == 0:
                continue
            step = _pinv_steps(H, G)
            X[idx] = X[idx] + step
            length = np.linalg.norm(step, axis=1)
            tiny = (length <= 1e-15 * (1 + np.linalg.norm(X[idx], axis=1))) | (length <= small)
            active[idx[tiny]] = False
            if bounds is not None:
                gone = np.any((X[idx] < far_lo) | (X[idx] > far_hi), axis=1)
                X[idx[gone]] = np.nan
                active[idx[gone]] = False
        ok = np.all(np.isfinite(X), axis=1)
        G, _ = derivatives(X[ok]) if np.any(ok) else (None, None)
    out = np.full(X.shape[0], np.inf)
    if G is not None:
        out[ok] = np.linalg.norm(G, axis=1)
    return X, out


def _rms(v: np.ndarray) -> float:
    """Root mean square (0 for no values); ``norm`` rescales internally, so 1e200 does not overflow."""
    return float(np.linalg.norm(v) / np.sqrt(v.size)) if v.size else 0.0


def _all_near(A: np.ndarray, B: np.ndarray, radius: float) -> bool:
    """Whether every row of ``A`` lies within ``radius`` of some row of ``B``."""
    from scipy.spatial import cKDTree

    distance, _ = cKDTree(B).query(A, k=1)
    return bool(np.all(distance <= radius))


#: Probe points (a Halton set, the same for every search) on which a search measures its problem's scales.
_N_PROBES = 64
#: The automatic start count: Sobol blocks from 2**_AUTO_FIRST starts, doubled up to ``max_starts``.
_AUTO_FIRST = 9
_DEFAULT_MAX_STARTS = 2**15


def find_critical_points(
    objective,
    bounds,
    n_starts: int | None = None,
    *,
    method: str = "sobol",
    rng=0,
    grad_tol: float = 1e-10,
    merge_tol: float | None = None,
    eig_tol: float = 1e-6,
    max_steps: int = 120,
    max_starts: int = _DEFAULT_MAX_STARTS,
) -> list[CriticalPoint]:
    r"""All critical points of ``objective`` that multi-start Newton reaches inside a box.

    1. ``n_starts`` starts fill the box (scrambled Sobol points, a Halton sequence or a grid of cell centres);
    2. from every start at once (vectorized over starts with autograd when the objective's batch loss allows,
       else a loop), Newton's method for :math:`\nabla f(\theta) = 0`:
       :math:`\theta \leftarrow \theta - H^{+}\nabla f` with the pseudo-inverse, so singular Hessians at
       degenerate points do not break it — Newton treats minima, saddles and maxima alike, which is what a
       *finder* needs;
    3. a root is kept when it lies in the box and its gradient is small against the gradients the landscape
       shows elsewhere, re-checked with the objective's own gradient:

       .. math::
           \|\nabla f(\theta)\| \le \texttt{grad\_tol}\cdot g, \qquad
           g = \Bigl(\tfrac1M \textstyle\sum_{m=1}^{M} \|\nabla f(p_m)\|^2\Bigr)^{1/2},

       the RMS gradient over :math:`M = 64` fixed probe points :math:`p_m` of the box (a Halton set);
    4. roots closer than ``merge_tol`` are one point (the one with the smallest gradient is kept);
    5. each point is classified by :func:`classify_hessian` with tolerance ``eig_tol`` and the problem's
       curvature scale :math:`s = (\tfrac1M \sum_m \|H(p_m)\|_2^2)^{1/2}`, the RMS Hessian norm over the same
       probes: an eigenvalue is zero when :math:`|\lambda| \le \texttt{eig\_tol}\cdot\max(\|H(\theta)\|_2, s)`;
    6. the points are sorted by loss, then by coordinates.

    Every test is relative: :math:`g` and :math:`s` scale with the loss, and Newton's steps do not depend on it,
    so multiplying ``objective`` by any :math:`c > 0` finds the same points with the same kinds (up to rounding).

    With ``n_starts=None`` (the default) the search picks its own count: it runs 512, 1024, 2048, ... starts
    (each set the first half of the next, so no Newton run is repeated) and stops at the first count :math:`n`
    for which the last :math:`n/2` starts found no point that the first :math:`n/2` had missed and every point
    found was reached from at least two starts (Good–Turing's estimate of the chance that one more start finds
    something new, the fraction of points seen once, is then 0) — or at ``max_starts``. Himmelblau's nine
    points stop it at 1024 starts; Rastrigin's 441 at 4096–8192 in its box, its 1681 in a box twice as wide
    at 16384–32768. Every named landscape's known points are all found this way, for 20 of 20 seeds, in boxes
    up to twice its ``bounds`` (``tests/test_critical_scale.py``).

    A box without critical points gives an empty list. Multi-start is a search, not a proof: a critical point
    whose basin of attraction (for Newton) misses every start is not found, and the stopping rule judges only
    from what it has seen; more starts help.

    Parameters
    ----------
    objective : Objective
    bounds : array_like, shape (P, 2)
        ``[(low, high), ...]`` per coordinate, ``low < high``.
    n_starts : int, optional
        Number of starts (``"grid"`` rounds it to a full grid); ``None`` chooses it as described above.
    method : {"sobol", "halton", "grid"}
    rng : Generator or int
        Scrambling seed for Sobol starts.
    grad_tol : float
        Relative verification threshold: a root's :math:`\|\nabla f\|` must be at most ``grad_tol`` times the
        RMS gradient over the box (a converged Newton root sits at about :math:`10^{-15}` of it).
    merge_tol : float, optional
        Distance under which two roots are merged; default ``1e-4`` times the box diagonal.
    eig_tol : float
        Relative zero-eigenvalue tolerance for the classification (see step 5 and :func:`classify_hessian`).
    max_steps : int
        Newton iterations per start.
    max_starts : int
        Cap on the automatic count (ignored when ``n_starts`` is given).

    Returns
    -------
    list of CriticalPoint

    Examples
    --------
    >>> from course_utils import functions
    >>> f = functions.get("himmelblau")
    >>> [c.kind for c in find_critical_points(f, f.bounds)].count("saddle")
    4
    """
    search = CriticalSearch(objective, bounds, method=method, rng=rng, grad_tol=grad_tol, merge_tol=merge_tol,
                            eig_tol=eig_tol, max_steps=max_steps)
    return search.find(n_starts, max_starts=max_starts)


class CriticalSearch:
    r""":func:`find_critical_points` for many start counts on one box, sharing the work between them.

    Newton's run from a start does not depend on the other starts, so its root is kept per start; and the Sobol
    and Halton starts for ``n`` are the first ``n`` of those for any larger count. After :meth:`prepare` with the
    largest count (one batched Newton run), :meth:`find` for any smaller count only merges and reads cached,
    verified points — the result is the one :func:`find_critical_points` returns for that count (it is this
    class, used once). An explorer with a "number of starts" slider keeps one search per landscape.
    ``find(None)`` chooses the count by :func:`find_critical_points`'s stopping rule (:meth:`enough_starts`).

    The tolerances are relative to two scales of the problem, measured once on 64 probe points of the box (a
    Halton set, the same whatever the seed or the count, so :meth:`find` for one count does not depend on which
    other counts were asked for).

    Parameters
    ----------
    objective, bounds, method, rng, grad_tol, merge_tol, eig_tol, max_steps
        As in :func:`find_critical_points`.

    Attributes
    ----------
    grad_scale : float
        :math:`g`, the RMS of :math:`\|\nabla f\|` over the probe points (a root needs
        :math:`\|\nabla f\| \le` ``grad_tol`` :math:`\cdot g`).
    hessian_scale : float
        :math:`s`, the RMS of :math:`\|H\|_2` over the probe points (the classification's curvature scale).
    """

    def __init__(self, objective, bounds, *, method: str = "sobol", rng=0, grad_tol: float = 1e-10,
                 merge_tol: float | None = None, eig_tol: float = 1e-6, max_steps: int = 120):
        self.objective = as_objective(objective)
        bounds = check_array(bounds, "bounds", shape=(self.objective.dim, 2))
        if np.any(bounds[:, 0] >= bounds[:, 1]):
            raise ValueError(f"`bounds` must have low < high in every row, got {bounds.tolist()}")
        self.bounds = bounds
        self.method = check_option(method, "method", ["sobol", "halton", "grid"])
        rng = check_rng(rng)
        self._seed = int(rng.integers(2**31)) if self.method == "sobol" else None  # as _starts draws it
        self.grad_tol = check_scalar(grad_tol, "grad_tol", low=0, low_inclusive=False)
        self.eig_tol = check_scalar(eig_tol, "eig_tol", low=0)
        self.max_steps = check_int(max_steps, "max_steps", low=1)
        diagonal = float(np.linalg.norm(bounds[:, 1] - bounds[:, 0]))
        self.merge_tol = 1e-4 * diagonal if merge_tol is None else check_scalar(merge_tol, "merge_tol", low=0)
        self._slack = 1e-9 * diagonal
        self._derivatives = None
        self._scales: tuple[float, float] | None = None
        self._roots: dict[bytes, tuple[np.ndarray, float]] = {}  # start -> (Newton's end point, its |grad|)
        self._verified: dict[bytes, CriticalPoint | None] = {}  # end point -> verified point (None: rejected)

    # --- the problem's scales ------------------------------------------------------------------------------
    def _derivs(self):
        if self._derivatives is None:
            self._derivatives = _batched_derivatives(self.objective, self._probes()[:2])
        return self._derivatives

    def _probes(self) -> np.ndarray:
        return _seeded_starts(self.bounds, _N_PROBES, "halton", None)

    def _measure_scales(self) -> tuple[float, float]:
        if self._scales is None:
            with np.errstate(all="ignore"):
                G, H = self._derivs()(self._probes())
                ok = np.all(np.isfinite(G), axis=1) & np.all(np.isfinite(H), axis=(1, 2))
                g = np.linalg.norm(G[ok], axis=1)
                h = np.abs(np.linalg.eigvalsh(H[ok])).max(axis=1, initial=0.0) if ok.any() else np.zeros(0)
            self._scales = (_rms(g), _rms(h))
        return self._scales

    @property
    def grad_scale(self) -> float:
        """RMS of the gradient norm over the probe points (measured once, on first use)."""
        return self._measure_scales()[0]

    @property
    def hessian_scale(self) -> float:
        """RMS of the Hessian's spectral norm over the probe points (measured once, on first use)."""
        return self._measure_scales()[1]

    # --- starts and Newton ---------------------------------------------------------------------------------
    def starts(self, n_starts: int) -> np.ndarray:
        """The starts used for ``n_starts``, shape (S, P) (``"grid"`` rounds to a full grid).

        Parameters
        ----------
        n_starts : int
            Number of starts asked for, at least 1; ``S = n_starts`` except for ``"grid"``.
        """
        n_starts = check_int(n_starts, "n_starts", low=1)
        return _seeded_starts(self.bounds, n_starts, self.method, self._seed)

    def prepare(self, n_max: int) -> None:
        """Run Newton (one batched run) from the starts of every count up to ``n_max``.

        Later calls of :meth:`find` with at most ``n_max`` starts then reuse the cached roots.

        Parameters
        ----------
        n_max : int
            The largest start count that will be asked for, at least 1.
        """
        n_max = check_int(n_max, "n_max", low=1)
        if self.method != "grid":
            self._newton(self.starts(n_max))  # every smaller count is a prefix
            return
        dim = self.bounds.shape[0]
        sides = sorted({max(2, int(round(n ** (1.0 / dim)))) for n in range(1, n_max + 1)})
        self._newton(np.concatenate([self.starts(k**dim) for k in sides]))

    def _newton(self, starts: np.ndarray) -> None:
        new = {}
        for row in starts:
            key = row.tobytes()
            if key not in self._roots:
                new.setdefault(key, row)
        if not new:
            return
        rows = np.array(list(new.values()))
        X, gnorms = _newton_all(self._derivs(), rows, self.max_steps, self.bounds)
        for key, x, g in zip(new, X, gnorms):
            self._roots[key] = (x, float(g))

    def _verify(self, X: np.ndarray) -> list[CriticalPoint | None]:
        """The verified critical point at each row of ``X`` (None: rejected), computed in one batch and cached.

        The gradient is re-checked with the objective's own (batched) gradient; loss values and Hessians come
        in one batch too (the batched Hessian agrees with ``objective.hessian``, see ``_batched_derivatives``).
        """
        keys = [x.tobytes() for x in X]
        todo = [i for i, k in enumerate(keys) if k not in self._verified]
        if todo:
            g_scale, h_scale = self._measure_scales()
            T = X[todo]
            with np.errstate(all="ignore"):
                gnorms = np.linalg.norm(self.objective.grad_batch(T), axis=1)
                ok = gnorms <= self.grad_tol * g_scale
                values = self.objective.loss_batch(T[ok]) if ok.any() else np.zeros(0)
                hessians = self._derivs()(T[ok])[1] if ok.any() else np.zeros((0,) + 2 * (T.shape[1],))
            kept = iter(zip(values, _classify_stack(hessians, self.eig_tol, h_scale)))
            for i, x, gnorm, good in zip(todo, T, gnorms, ok):
                if good:
                    value, classification = next(kept)
                    self._verified[keys[i]] = CriticalPoint(x.copy(), float(value), float(gnorm), classification)
                else:
                    self._verified[keys[i]] = None
        return [self._verified[k] for k in keys]

    # --- the census ----------------------------------------------------------------------------------------
    def _census(self, n_starts: int) -> tuple[list[CriticalPoint], np.ndarray]:
        """The points found from the starts for ``n_starts`` (sorted) and how many starts reached each."""
        from scipy.spatial import cKDTree

        starts = self.starts(n_starts)
        self._newton(starts)
        found = [self._roots[row.tobytes()] for row in starts]
        X = np.array([x for x, _ in found])
        gnorms = np.array([g for _, g in found])
        lo, hi = self.bounds[:, 0] - self._slack, self.bounds[:, 1] + self._slack
        inside = np.all(np.isfinite(X), axis=1) & np.all((X >= lo) & (X <= hi), axis=1)
        candidates = np.flatnonzero(inside & (gnorms <= self.grad_tol * self.grad_scale))
        candidates = candidates[np.argsort(gnorms[candidates], kind="stable")]  # best root represents its cluster
        while candidates.size:
            # greedy clusters: each candidate joins the first representative within merge_tol, else founds one
            Y = X[candidates]
            tree = cKDTree(Y)
            owner = np.full(len(Y), -1)
            reps: list[int] = []
            for i in range(len(Y)):
                if owner[i] < 0:
                    near = np.asarray(tree.query_ball_point(Y[i], self.merge_tol), dtype=int)
                    owner[near[owner[near] < 0]] = len(reps)
                    reps.append(i)
            points = self._verify(Y[reps])  # only representatives are verified (one batch, cached)
            rejected = [i for i, p in zip(reps, points) if p is None]
            if not rejected:
                break
            # a rejected root has no say: drop it and cluster again (rare; verification results are cached)
            candidates = np.delete(candidates, rejected)
        else:
            return [], np.zeros(0, dtype=int)
        hits = np.bincount(owner, minlength=len(reps))
        top = max(abs(p.value) for p in points) or 1.0  # ties in loss judged relative to its size
        rank = sorted(range(len(points)),
                      key=lambda k: (round(points[k].value / top, 10), *np.round(points[k].point, 8)))
        return [points[k] for k in rank], hits[rank]

    def enough_starts(self, max_starts: int = _DEFAULT_MAX_STARTS) -> int:
        """The start count :func:`find_critical_points` chooses with ``n_starts=None`` (see its stopping rule).

        Parameters
        ----------
        max_starts : int, default 2**15
            Cap on the count, at least 1; the doubling starts at ``min(512, max_starts)``.

        Returns
        -------
        int
        """
        max_starts = check_int(max_starts, "max_starts", low=1)
        n = min(2**_AUTO_FIRST, max_starts)
        previous, _ = self._census(n)
        while n < max_starts:
            n = min(2 * n, max_starts)
            points, hits = self._census(n)
            if len(points) == len(previous) and np.all(hits >= 2) and (
                    not points or _all_near(np.array([p.point for p in points]),
                                            np.array([q.point for q in previous]), self.merge_tol)):
                break
            previous = points
        return n

    def find(self, n_starts: int | None, *, max_starts: int = _DEFAULT_MAX_STARTS) -> list[CriticalPoint]:
        """The critical points reached from the starts for ``n_starts`` (see :func:`find_critical_points`).

        ``None`` picks the count with :meth:`enough_starts` (at most ``max_starts``).

        Parameters
        ----------
        n_starts : int or None
            Number of starts, at least 1 (``"grid"`` rounds it to a full grid), or None for the automatic count.
        max_starts : int, default 2**15
            Cap on the automatic count, at least 1 (ignored when ``n_starts`` is given).

        Returns
        -------
        list of CriticalPoint
            Sorted by loss, then by coordinates.
        """
        max_starts = check_int(max_starts, "max_starts", low=1)
        if n_starts is None:
            n_starts = self.enough_starts(max_starts)
        return self._census(check_int(n_starts, "n_starts", low=1))[0]


def minimize_gradient_norm(objective, theta0, *, maxiter: int = 100, newton_steps: int = 20) -> CriticalPoint:
    r"""Look for a critical point near ``theta0`` by minimizing :math:`q(\theta) = \tfrac12\|\nabla L(\theta)\|^2`.

    :math:`\nabla q = H\nabla L` is one Hessian-vector product, so L-BFGS on :math:`q` scales to networks.
    Unlike gradient descent on :math:`L` it is attracted to saddles as much as to minima — which is the point
    when we want critical points of every index (Dauphin et al. 2014 sampled them this way). Because :math:`q`
    is badly conditioned (its curvature is :math:`H^2`) and L-BFGS drifts along the flat directions, up to
    ``newton_steps`` Newton steps :math:`\theta \leftarrow \theta - H^{+}\nabla L` on the dense Hessian (each
    kept only if it lowers :math:`\|\nabla L\|`) are tried first and again after L-BFGS. The search can stop at a local minimum of :math:`q` with
    :math:`\nabla L \ne 0`: check ``grad_norm`` of the result.

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (P,)
    maxiter : int
        L-BFGS-B iterations on :math:`q`.
    newton_steps : int
        Newton iterations afterwards (0 to skip; they need the dense ``P × P`` Hessian).

    Returns
    -------
    CriticalPoint
        Classified at the final point by :func:`classify_hessian` (relative tolerance ``1e-6``, judged against
        the Hessian's own norm: there is no box here to give the problem a curvature scale).
    """
    from scipy.optimize import minimize

    objective = as_objective(objective)
    theta0 = check_vector(theta0, "theta0", objective.dim)
    maxiter = check_int(maxiter, "maxiter", low=1)
    newton_steps = check_int(newton_steps, "newton_steps", low=0)

    def q_and_grad(theta):
        hvp_at, g = objective.hvp_and_grad(theta)  # one forward/backward pass gives ∇L and v -> Hv at theta
        return 0.5 * float(g @ g), hvp_at(g)

    def newton(theta):
        g = objective.grad(theta)
        for _ in range(newton_steps):
            candidate = theta - np.linalg.lstsq(objective.hessian(theta), g, rcond=1e-12)[0]
            g_new = objective.grad(candidate)
            if not np.linalg.norm(g_new) < np.linalg.norm(g):
                break
            theta, g = candidate, g_new
        return theta, float(np.linalg.norm(g))

    with np.errstate(all="ignore"):
        theta, gnorm = newton(theta0)  # close to a critical point, Newton alone converges fastest
        if gnorm > 1e-10:
            theta = minimize(q_and_grad, theta, jac=True, method="L-BFGS-B",
                             options={"maxiter": maxiter, "gtol": 0.0, "ftol": 1e-30}).x
            theta, gnorm = newton(theta)
    return critical_point_at(objective, theta)


# --------------------------------------------------------------------------------------------
# critical points of a small nonlinear network (Dauphin et al. 2014 in miniature)
# --------------------------------------------------------------------------------------------
def tanh_network_derivatives(X, y, hidden: int, l2: float = 0.0):
    r"""Loss, gradient and dense Hessian of a one-hidden-layer tanh network, for many parameter vectors at once.

    The network is :math:`f(x) = \sum_{j=1}^{h} a_j \tanh(w_j^\top x + b_j) + c` and the loss

    .. math::
        L(\theta) = \frac1N \sum_{n=1}^{N} \bigl(f(x_n) - y_n\bigr)^2 + \frac{\ell_2}{2}\|\theta\|^2,

    with the penalty on *every* parameter, biases included. (Without it a unit driven into saturation by its bias
    leaves whole flat valleys of "critical points" at any loss; the penalty makes them curve.) The parameter layout
    is the one of ``models.MLP(X, y, hidden=(h,), activation="tanh", loss="mse")``:
    ``[W1 (d, h).ravel(), b1 (h), W2 (h, 1).ravel(), b2 (1)]``, so :math:`P = (d + 2)h + 1`.

    The Hessian is written out, not differentiated twice by autograd (which costs ~100 times more here):
    :math:`\nabla^2 L = \frac2N\sum_n \bigl(J_n J_n^\top + r_n \nabla^2 f(x_n)\bigr) + \ell_2 I` with residuals
    :math:`r_n = f(x_n) - y_n` and :math:`J_n = \nabla_\theta f(x_n)`; :math:`\nabla^2 f` couples only the
    parameters of one unit: :math:`a_j \tanh''(z_{nj})\,\tilde x_n\tilde x_n^\top` between its input weights
    :math:`\tilde w_j = (w_j, b_j)` and :math:`\tanh'(z_{nj})\,\tilde x_n` between :math:`\tilde w_j` and
    :math:`a_j`, where :math:`\tilde x_n = (x_n, 1)`.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    y : array_like, shape (N,)
        Real targets.
    hidden : int
        Number of hidden units :math:`h \ge 1`.
    l2 : float, default 0.0
        :math:`\ell_2 \ge 0`, the weight of the penalty on all parameters.

    Returns
    -------
    callable
        ``derivatives(T)`` for ``T`` of shape ``(B, P)`` returns ``(loss (B,), grad (B, P), hessian (B, P, P))``.
    """
    X = check_array(X, "X", ndim=2)
    y = check_vector(y, "y", X.shape[0])
    h = check_int(hidden, "hidden", low=1)
    l2 = check_scalar(l2, "l2", low=0)
    N, d = X.shape
    P = (d + 2) * h + 1
    Xa = np.concatenate([X, np.ones((N, 1))], axis=1)  # (N, d + 1): the bias is a weight on a constant input
    # where unit j's input weights (w_j, b_j) and output weight a_j sit in the flat vector
    unit_in = np.stack([np.r_[np.arange(d) * h + j, d * h + j] for j in range(h)])  # (h, d + 1)
    unit_out = d * h + h + np.arange(h)

    def derivatives_of(T):
        T = np.asarray(T, dtype=float)
        if T.ndim != 2 or T.shape[1] != P:
            raise ValueError(f"`T` must have shape (B, {P}) for this network, got {T.shape}")
        B = T.shape[0]
        U = T[:, unit_in]  # (B, h, d + 1)
        a, c = T[:, unit_out], T[:, -1]
        s = np.tanh(np.einsum("ni,bji->bnj", Xa, U))  # (B, N, h)
        s1 = 1.0 - s**2  # tanh'
        s2 = -2.0 * s * s1  # tanh''
        r = np.einsum("bnj,bj->bn", s, a) + c[:, None] - y
        J = np.empty((B, N, P))
        J[:, :, unit_in] = (a[:, None, :] * s1)[..., None] * Xa[None, :, None, :]
        J[:, :, unit_out] = s
        J[:, :, -1] = 1.0
        loss = np.mean(r**2, axis=1) + 0.5 * l2 * np.sum(T**2, axis=1)
        G = 2.0 / N * np.einsum("bn,bnp->bp", r, J) + l2 * T
        H = 2.0 / N * np.einsum("bnp,bnq->bpq", J, J) + l2 * np.eye(P)
        inner = 2.0 / N * np.einsum("bn,bj,bnj,ni,nk->bjik", r, a, s2, Xa, Xa)  # (B, h, d + 1, d + 1)
        cross = 2.0 / N * np.einsum("bn,bnj,ni->bji", r, s1, Xa)  # (B, h, d + 1)
        for j in range(h):
            ids = unit_in[j]
            H[:, ids[:, None], ids[None, :]] += inner[:, j]
            H[:, ids, unit_out[j]] += cross[:, j]
            H[:, unit_out[j], ids] += cross[:, j]
        return loss, G, H

    return derivatives_of


@dataclass(frozen=True)
class NewtonSearch:
    r"""Where damped Newton on :math:`\nabla L = 0` ended, for every start (see :func:`newton_search`).

    Parameters
    ----------
    points : ndarray, shape (B, P)
        Final parameter vectors.
    losses : ndarray, shape (B,)
    grad_norms : ndarray, shape (B,)
        :math:`\|\nabla L\|` at the final points.
    hessians : ndarray, shape (B, P, P)
    grad_tol : float
        The threshold below which a point counts as critical.
    """

    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    hessians: np.ndarray
    grad_tol: float

    @property
    def converged(self) -> np.ndarray:
        """Boolean mask ``(B,)``: the starts whose final :math:`\\|\\nabla L\\|` is at most ``grad_tol``."""
        return self.grad_norms <= self.grad_tol


def newton_search(derivatives_of, starts, *, steps: int = 60, max_step: float = 1.0,
                  grad_tol: float = 1e-9) -> NewtonSearch:
    r"""Damped Newton on :math:`\nabla L(\theta) = 0` from many starts at once.

    Each step is the pseudo-inverse Newton step :math:`\delta = -H^{+}\nabla L` (attracted to critical points of
    every index, as a finder must be), shortened to length ``max_step`` when it is longer: far from a critical
    point the quadratic model is poor and a full step can throw the point into the saturated region of a network,
    where the loss is almost flat. Near a non-degenerate critical point the steps are short and convergence is
    quadratic, so ``grad_norms`` falls to rounding level (:math:`\sim 10^{-14}`) within a few steps; a start that
    ends with a gradient far above that is stuck at a *near*-critical point (small gradient, singular Hessian),
    which is why the result keeps the gradient norms and the caller chooses ``grad_tol``.

    Parameters
    ----------
    derivatives_of : callable
        ``T (B, P) -> (loss (B,), grad (B, P), hessian (B, P, P))``, e.g. from :func:`tanh_network_derivatives`.
    starts : array_like, shape (B, P)
    steps : int, default 60
        Newton iterations.
    max_step : float, default 1.0
        Largest step length :math:`\|\delta\|`, > 0.
    grad_tol : float, default 1e-9
        Threshold of :attr:`NewtonSearch.converged`, > 0.

    Returns
    -------
    NewtonSearch
    """
    derivatives_of = check_callable(derivatives_of, "derivatives_of")
    T = check_array(starts, "starts", ndim=2).copy()
    steps = check_int(steps, "steps", low=1)
    max_step = check_scalar(max_step, "max_step", low=0, low_inclusive=False)
    grad_tol = check_scalar(grad_tol, "grad_tol", low=0, low_inclusive=False)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            _, G, H = derivatives_of(T)
            step = _pinv_steps(H, G)
            length = np.linalg.norm(step, axis=1, keepdims=True)
            T = T + step * np.minimum(1.0, max_step / np.maximum(length, 1e-300))
        loss, G, H = derivatives_of(T)
    return NewtonSearch(T, loss, np.linalg.norm(G, axis=1), H, grad_tol)


# --------------------------------------------------------------------------------------------
# why saddles dominate: random symmetric matrices
# --------------------------------------------------------------------------------------------
def goe_matrices(n: int, size: int, rng=0) -> np.ndarray:
    r"""Draw ``size`` matrices from the Gaussian Orthogonal Ensemble, shape ``(size, n, n)``.

    :math:`A = (G + G^\top)/2` with :math:`G_{ij}` i.i.d. standard normal: diagonal entries have variance 1,
    off-diagonal ones 1/2. For large ``n`` the eigenvalues fill Wigner's semicircle of radius :math:`\sqrt{2n}`.

    Parameters
    ----------
    n : int
        Matrix size, at least 1.
    size : int
        Number of matrices, at least 1.
    rng : Generator or int, default 0
        Source of randomness, or an integer seed.

    Returns
    -------
    ndarray, shape (size, n, n)
    """
    n = check_int(n, "n", low=1)
    size = check_int(size, "size", low=1)
    rng = check_rng(rng)
    G = rng.standard_normal((size, n, n))
    return 0.5 * (G + np.swapaxes(G, -1, -2))


@dataclass(frozen=True)
class ProbabilityEstimate:
    r"""A Monte Carlo frequency with its binomial standard error and a confidence interval.

    Usually built by :meth:`from_count`.

    Parameters
    ----------
    probability : float
        ``count / trials``.
    stderr : float
        :math:`\sqrt{\hat p(1 - \hat p)/\text{trials}}`, the plug-in binomial standard error (0 when no trial
        or every trial hit — which is exactly when it is useless: use the interval then).
    count, trials : int
        Number of hits and number of trials.
    ci_low, ci_high : float
        Clopper–Pearson ("exact") interval at level ``confidence``: the set of probabilities :math:`p` for which
        ``count`` is not in either :math:`\tfrac12(1 - \text{confidence})` tail of Binomial(``trials``, :math:`p`).
        Its coverage is at least ``confidence`` for every :math:`p` (it is conservative, never optimistic), and it
        stays honest where the standard error is not: with no hit in ``trials`` the interval is
        :math:`[0,\ 1 - (\tfrac12(1 - \text{confidence}))^{1/\text{trials}}] \approx [0,\ 3.7/\text{trials}]`,
        not the point 0.
    confidence : float, default 0.95
        Level of the interval, in (0, 1).
    """

    probability: float
    stderr: float
    count: int
    trials: int
    ci_low: float
    ci_high: float
    confidence: float = 0.95

    @classmethod
    def from_count(cls, count: int, trials: int, confidence: float = 0.95) -> ProbabilityEstimate:
        """The estimate, standard error and Clopper–Pearson interval for ``count`` hits in ``trials``.

        Examples
        --------
        >>> e = ProbabilityEstimate.from_count(0, 1000)
        >>> e.probability, e.ci_low, round(e.ci_high, 5)   # no hit: P is below ~3.7/1000, not 0
        (0.0, 0.0, 0.00368)
        """
        from scipy.stats import beta

        trials = check_int(trials, "trials", low=1)
        count = check_int(count, "count", low=0, high=trials)
        confidence = check_scalar(confidence, "confidence", low=0, high=1, low_inclusive=False, high_inclusive=False)
        p = count / trials
        tail = 0.5 * (1 - confidence)
        # Clopper–Pearson through the identity P(X >= k; p) = I_p(k, n - k + 1) (regularized incomplete beta): the
        # numbers of scipy.stats.binomtest(...).proportion_ci(method="exact") (tested), without its root-finding,
        # which costs ~50 times more
        low = float(beta.ppf(tail, count, trials - count + 1)) if count > 0 else 0.0
        high = float(beta.ppf(1 - tail, count + 1, trials - count)) if count < trials else 1.0
        return cls(p, float(np.sqrt(p * (1 - p) / trials)), count, trials, low, high, confidence)

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the confidence interval.

        Parameters
        ----------
        value : float
            A probability to test, e.g. the :math:`2^{-n}` of the coin-flip argument; the interval's ends count
            as inside.

        Returns
        -------
        bool
        """
        return bool(self.ci_low <= value <= self.ci_high)


def probability_all_positive(n: int, trials: int = 100_000, rng=0, chunk: int = 20_000, *,
                             confidence: float = 0.95) -> ProbabilityEstimate:
    r"""Monte Carlo estimate of :math:`P(\text{all eigenvalues} > 0)` for an ``n × n`` GOE matrix.

    The coin-flip argument predicts :math:`2^{-n}`. Eigenvalues of random symmetric matrices are not
    independent — they repel — and the true probability falls like :math:`e^{-\theta n^2}` with
    :math:`\theta = \ln 3 / 4` (Dean & Majumdar 2006): much faster. Exact values to test against:
    :math:`1/2` for ``n = 1`` and :math:`(2 - \sqrt2)/4` for ``n = 2``.

    Parameters
    ----------
    n : int
        Matrix size, ``>= 1``.
    trials : int
        Number of matrices drawn.
    rng : Generator or int
    chunk : int
        Matrices drawn per batch (memory only; the result does not depend on it). Only those whose diagonal is
        all positive are diagonalised: :math:`\lambda_{\min} \le A_{ii}` rules the others out.
    confidence : float
        Level of the Clopper–Pearson interval, in (0, 1).

    Returns
    -------
    ProbabilityEstimate
        With ``ci_low``/``ci_high``: for large ``n`` most runs see no hit at all, and then only the interval
        says anything (an upper bound).
    """
    n = check_int(n, "n", low=1)
    trials = check_int(trials, "trials", low=1)
    rng = check_rng(rng)
    chunk = check_int(chunk, "chunk", low=1)
    confidence = check_scalar(confidence, "confidence", low=0, high=1, low_inclusive=False, high_inclusive=False)
    count = 0
    done = 0
    while done < trials:
        b = min(chunk, trials - done)
        A = goe_matrices(n, b, rng)
        # λ_min ≤ e_iᵀ A e_i = A_ii: a matrix with a diagonal entry ≤ 0 is no hit, and only the rest (a fraction
        # ~2⁻ⁿ) need an eigenvalue — the same count, the same draws, a fraction of the work
        A = A[np.all(np.diagonal(A, axis1=1, axis2=2) > 0, axis=1)]
        if len(A):
            count += int(np.sum(np.linalg.eigvalsh(A)[:, 0] > 0))
        done += b
    return ProbabilityEstimate.from_count(count, trials, confidence)


def semicircle_density(x, radius: float = 2.0) -> np.ndarray:
    r"""Wigner's semicircle :math:`\rho(x) = \frac{2}{\pi R^2}\sqrt{R^2 - x^2}` on :math:`[-R, R]` (0 outside).

    Parameters
    ----------
    x : array_like
        Eigenvalue positions, any shape.
    radius : float, default 2.0
        :math:`R > 0`; an ``n × n`` GOE matrix of :func:`goe_matrices` has :math:`R \approx \sqrt{2n}`.

    Returns
    -------
    ndarray
        The density at ``x``, same shape; it integrates to 1 over :math:`[-R, R]`.
    """
    x = check_array(x, "x", min_size=0)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    height = 2.0 / (np.pi * radius)  # the density's peak is 2/(πR); written with u = x/R so nothing overflows
    if not np.isfinite(height):
        raise ValueError(f"`radius` must be a positive number whose semicircle has a finite height, got {radius:g}")
    with np.errstate(over="ignore", under="ignore"):
        u = np.clip(x / radius, -1.0, 1.0)
    return height * np.sqrt(1.0 - u**2)


def semicircle_index_fraction(shift, radius: float = 2.0) -> np.ndarray:
    r"""Fraction of eigenvalues below zero when the semicircle is centred at ``shift``.

    The Bray–Dean picture: at a critical point of a random Gaussian landscape the Hessian is a GOE matrix
    shifted by an amount proportional to the height, so low critical points have the semicircle pushed to the
    right (index 0: minima) and high ones to the left (index → 1: maxima). With :math:`u = -\text{shift}/R`
    clipped to [−1, 1] the fraction is
    :math:`\tfrac12 + \tfrac1\pi\left(u\sqrt{1-u^2} + \arcsin u\right)`.

    Parameters
    ----------
    shift : array_like
        Centre(s) of the semicircle, any shape, in the units of ``radius``; a positive shift gives fewer negative
        eigenvalues.
    radius : float, default 2.0
        :math:`R > 0`, the semicircle's radius.

    Returns
    -------
    ndarray
        The fraction in :math:`[0, 1]`, same shape as ``shift`` (0.5 at ``shift = 0``).
    """
    shift = check_array(shift, "shift", min_size=0)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    with np.errstate(over="ignore", under="ignore"):
        u = np.clip(-shift / radius, -1.0, 1.0)
    return 0.5 + (u * np.sqrt(1 - u**2) + np.arcsin(u)) / np.pi
