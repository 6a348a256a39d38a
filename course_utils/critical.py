r"""Critical points: find them, classify them, and see why saddles outnumber minima.

A critical point is where the gradient vanishes, :math:`\nabla f(\theta^*) = 0`. The second-derivative test
reads the Hessian's eigenvalues :math:`\lambda_1 \le \dots \le \lambda_P` there:

* all :math:`> 0` — a strict local **minimum**; all :math:`< 0` — a strict local **maximum**;
* both signs — a **saddle** of *index* :math:`k` = the number of negative eigenvalues, with an escape
  direction along the eigenvector of :math:`\lambda_1`;
* any :math:`|\lambda_i| \le` tol — **degenerate**: the test is silent and higher-order terms decide
  (the monkey saddle :math:`x^3 - 3xy^2`, :math:`x^4 + y^4` and :math:`x^4 - y^4` all have :math:`H = 0`).

:func:`find_critical_points` solves :math:`\nabla f = 0` from a low-discrepancy set of starts in a box
(Newton's method with a pseudo-inverse, vectorized over the starts), keeps the verified roots and merges
duplicates. :func:`minimize_gradient_norm` finds critical points of a network by minimizing
:math:`\tfrac12\|\nabla L\|^2` (Dauphin et al. 2014 style). The random-matrix helpers test the claim that a
critical point is a minimum with probability :math:`2^{-n}` against the Gaussian Orthogonal Ensemble.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .validation import (
    check_array,
    check_int,
    check_objective,
    check_option,
    check_rng,
    check_scalar,
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
    "goe_matrices",
    "ProbabilityEstimate",
    "probability_all_positive",
    "semicircle_density",
    "semicircle_index_fraction",
]

KINDS = ("minimum", "maximum", "saddle", "degenerate")


@dataclass(frozen=True)
class Classification:
    """What the second-derivative test says about a symmetric Hessian.

    Attributes
    ----------
    kind : {"minimum", "maximum", "saddle", "degenerate"}
    index : int
        Number of eigenvalues below ``-tol`` (directions of negative curvature).
    n_zero : int
        Number of eigenvalues with ``|λ| <= tol``.
    eigenvalues : ndarray, shape (P,)
        Ascending.
    escape_direction : ndarray of shape (P,) or None
        Unit eigenvector of the most negative eigenvalue when it is below ``-tol``.
    """

    kind: str
    index: int
    n_zero: int
    eigenvalues: np.ndarray
    escape_direction: np.ndarray | None

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
            head = f"degenerate ({self.n_zero} zero eigenvalue{'s' if self.n_zero > 1 else ''}: test is silent)"
        else:
            head = self.kind
        return f"{head}: λ = {lam}"


@dataclass(frozen=True)
class CriticalPoint:
    r"""A verified critical point of an objective.

    Attributes
    ----------
    point : ndarray, shape (P,)
    value : float
        Loss at ``point``.
    grad_norm : float
        :math:`\|\nabla f\|` at ``point`` (below the finder's tolerance).
    classification : Classification
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


def _symmetric(H, name="hessian") -> np.ndarray:
    H = check_array(H, name, ndim=2)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"`{name}` must be a square matrix, got shape {H.shape}")
    scale = max(np.abs(H).max(), 1.0)
    if not np.allclose(H, H.T, rtol=0, atol=1e-8 * scale):
        raise ValueError(f"`{name}` must be symmetric (a Hessian); got max |H - Hᵀ| = {np.abs(H - H.T).max():.3g}")
    return 0.5 * (H + H.T)


def _sign_fixed(v: np.ndarray) -> np.ndarray:
    """Eigenvectors are defined up to sign: make the largest-magnitude entry positive, for reproducibility."""
    return v if v[np.argmax(np.abs(v))] >= 0 else -v


def classify_hessian(hessian, tol: float = 1e-6) -> Classification:
    """Classify a critical point from its Hessian's eigenvalues.

    Parameters
    ----------
    hessian : array_like, shape (P, P)
        Symmetric.
    tol : float
        Eigenvalues with ``|λ| <= tol`` count as zero. Any zero eigenvalue makes the point "degenerate",
        even when other eigenvalues are negative (then it is not a minimum, but the test cannot say more).

    Returns
    -------
    Classification

    Examples
    --------
    >>> classify_hessian(np.diag([10.0, -2.0])).describe()
    'saddle (index 1): λ = -2, 10'
    >>> classify_hessian(np.zeros((2, 2))).kind
    'degenerate'
    """
    H = _symmetric(hessian)
    tol = check_scalar(tol, "tol", low=0)
    values, vectors = np.linalg.eigh(H)
    index = int(np.sum(values < -tol))
    n_zero = int(np.sum(np.abs(values) <= tol))
    if n_zero:
        kind = "degenerate"
    elif index == 0:
        kind = "minimum"
    elif index == values.size:
        kind = "maximum"
    else:
        kind = "saddle"
    escape = _sign_fixed(vectors[:, 0]) if values[0] < -tol else None
    return Classification(kind, index, n_zero, values, escape)


def escape_direction(hessian, tol: float = 1e-6) -> np.ndarray | None:
    r"""Unit eigenvector of the most negative Hessian eigenvalue, or ``None`` when :math:`\lambda_{\min} \ge -`tol.

    Along :math:`\pm u` the loss falls like :math:`\tfrac12 \lambda_{\min} t^2`; both signs descend.
    The sign is fixed so that the largest-magnitude entry is positive.
    """
    return classify_hessian(hessian, tol).escape_direction


def _objective(objective, *needs: str):
    """``check_objective`` plus the extra members (``hessian``, ``_loss``...) this module's algorithms call."""
    objective = check_objective(objective)
    missing = [m for m in needs if not hasattr(objective, m)]
    if missing:
        raise TypeError(f"`objective` must provide {', '.join(missing)} (a course_utils Objective does); "
                        f"got {type(objective).__name__}")
    return objective


def critical_point_at(objective, theta, tol: float = 1e-6) -> CriticalPoint:
    """Evaluate and classify ``objective`` at ``theta`` (no check that the gradient vanishes; see ``grad_norm``)."""
    objective = _objective(objective, "value_and_grad", "hessian")
    theta = check_vector(theta, "theta", objective.dim)
    tol = check_scalar(tol, "tol", low=0)
    value, g = objective.value_and_grad(theta)
    return CriticalPoint(theta.copy(), value, float(np.linalg.norm(g)), classify_hessian(objective.hessian(theta), tol))


def newton_step(grad, hessian) -> np.ndarray:
    r"""The Newton step for :math:`\nabla f = 0`: :math:`\Delta = -H^{+} g` (pseudo-inverse for singular ``H``).

    Newton treats every critical point alike — it is attracted to saddles and maxima as much as to minima.

    Parameters
    ----------
    grad : array_like, shape (P,)
    hessian : array_like, shape (P, P)
    """
    g = check_vector(grad, "grad")
    H = _symmetric(hessian)
    if H.shape[0] != g.size:
        raise ValueError(f"`hessian` must have shape ({g.size}, {g.size}) to match `grad`, got {H.shape}")
    return -np.linalg.lstsq(H, g, rcond=None)[0]


def _starts(bounds: np.ndarray, n_starts: int, method: str, rng) -> np.ndarray:
    seed = int(rng.integers(2**31)) if method == "sobol" else None
    return _seeded_starts(bounds, n_starts, method, seed)


def _seeded_starts(bounds: np.ndarray, n_starts: int, method: str, seed: int | None) -> np.ndarray:
    lo, hi = bounds[:, 0], bounds[:, 1]
    dim = lo.size
    if method == "grid":
        per_axis = max(2, int(round(n_starts ** (1.0 / dim))))
        # cell centres, so no start sits exactly on the boundary (or on a symmetric critical point)
        axes = [lo[i] + (np.arange(per_axis) + 0.5) / per_axis * (hi[i] - lo[i]) for i in range(dim)]
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    from scipy.stats import qmc

    if method == "sobol":
        # Sobol points are balanced in blocks of 2**m; drawing the whole block and keeping the first n gives the
        # same points as `random(n)` without SciPy's balance warning for n not a power of two.
        u = qmc.Sobol(dim, scramble=True, rng=seed).random_base2(max(int(np.ceil(np.log2(n_starts))), 0))[:n_starts]
    else:
        u = qmc.Halton(dim, scramble=False).random(n_starts)
    return lo + u * (hi - lo)


def _batched_derivatives(objective, probe: np.ndarray):
    """``T (B, P) -> (G (B, P), H (B, P, P))`` for all starts at once.

    Differentiates the vectorized ``_loss_batch`` with autograd (rows are independent, so the gradient of the
    summed losses is the stack of per-row gradients). Objectives whose batch loss is not differentiable that
    way fall back to a loop of ``grad``/``hessian``; ``probe`` (a few rows) decides which applies.
    """
    import autograd.numpy as anp
    from autograd import elementwise_grad

    P = objective.dim

    def grad_rows(T):
        return elementwise_grad(lambda S: anp.sum(objective._loss_batch(S)))(T)

    def batched(T):
        G = np.asarray(grad_rows(T), dtype=float)
        H = np.stack(
            [np.asarray(elementwise_grad(lambda S, i=i: anp.sum(grad_rows(S)[:, i]))(T), dtype=float) for i in range(P)],
            axis=1,
        )
        return G, 0.5 * (H + np.swapaxes(H, 1, 2))

    def looped(T):
        return np.array([objective.grad(t) for t in T]), np.array([objective.hessian(t) for t in T])

    try:
        with np.errstate(all="ignore"):
            G, H = batched(probe)
        G0, H0 = looped(probe)
        if np.allclose(G, G0, rtol=1e-8, atol=1e-10) and np.allclose(H, H0, rtol=1e-8, atol=1e-10):
            return batched
    except Exception:  # a loss that autograd cannot trace in batch form: the loop is always right
        pass
    return looped


def _newton_all(derivatives, X: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Newton on :math:`\nabla f = 0` from every row of ``X`` at once: :math:`x \leftarrow x - H^{+}\nabla f`.

    Rows stop when the Newton step reaches the rounding floor; rows that blow up become NaN. Near a degenerate
    root Newton converges only linearly (the error shrinks by 1/2 per step for a cubic, 2/3 for a quartic), hence
    the generous step count: stopping early would leave the point where the Hessian is small but not zero.
    Returns the points and their gradient norms.
    """
    X = X.copy()
    active = np.ones(X.shape[0], dtype=bool)
    gnorm = np.full(X.shape[0], np.inf)
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
            step = -(np.linalg.pinv(H, rcond=1e-13) @ G[:, :, None])[:, :, 0]
            X[idx] = X[idx] + step
            tiny = np.linalg.norm(step, axis=1) <= 1e-15 * (1 + np.linalg.norm(X[idx], axis=1))
            active[idx[tiny]] = False
        G, _ = derivatives(X[np.all(np.isfinite(X), axis=1)]) if np.any(np.all(np.isfinite(X), axis=1)) else (None, None)
    out = np.full(X.shape[0], np.inf)
    ok = np.all(np.isfinite(X), axis=1)
    if G is not None:
        out[ok] = np.linalg.norm(G, axis=1)
    return X, out


def find_critical_points(
    objective,
    bounds,
    n_starts: int = 64,
    *,
    method: str = "sobol",
    rng=0,
    grad_tol: float = 1e-8,
    merge_tol: float | None = None,
    eig_tol: float = 1e-6,
    max_steps: int = 120,
) -> list[CriticalPoint]:
    r"""All critical points of ``objective`` that multi-start Newton reaches inside a box.

    1. ``n_starts`` starts fill the box (scrambled Sobol points, a Halton sequence or a grid of cell centres);
    2. from every start at once (vectorized over starts with autograd when the objective's batch loss allows,
       else a loop), Newton's method for :math:`\nabla f(\theta) = 0`:
       :math:`\theta \leftarrow \theta - H^{+}\nabla f` with the pseudo-inverse, so singular Hessians at
       degenerate points do not break it — Newton treats minima, saddles and maxima alike, which is what a
       *finder* needs;
    3. a root is kept when it lies in the box and :math:`\|\nabla f\| \le` ``grad_tol`` (re-checked with the
       objective's own gradient);
    4. roots closer than ``merge_tol`` are one point (the one with the smallest gradient is kept);
    5. the points are sorted by loss, then by coordinates, and classified by :func:`classify_hessian`.

    A box without critical points gives an empty list. Multi-start is a search, not a proof: a critical point
    whose basin of attraction (for Newton) misses every start is not found; more starts help.

    Parameters
    ----------
    objective : Objective
    bounds : array_like, shape (P, 2)
        ``[(low, high), ...]`` per coordinate, ``low < high``.
    n_starts : int
        Number of starts (``"grid"`` rounds it to a full grid).
    method : {"sobol", "halton", "grid"}
    rng : Generator or int
        Scrambling seed for Sobol starts.
    grad_tol : float
        Verification threshold on the gradient norm.
    merge_tol : float, optional
        Distance under which two roots are merged; default ``1e-4`` times the box diagonal.
    eig_tol : float
        Zero-eigenvalue tolerance for the classification.
    max_steps : int
        Newton iterations per start.

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
    return CriticalSearch(objective, bounds, method=method, rng=rng, grad_tol=grad_tol, merge_tol=merge_tol,
                          eig_tol=eig_tol, max_steps=max_steps).find(n_starts)


class CriticalSearch:
    r""":func:`find_critical_points` for many start counts on one box, sharing the work between them.

    Newton's run from a start does not depend on the other starts, so its root is kept per start; and the Sobol
    and Halton starts for ``n`` are the first ``n`` of those for any larger count. After :meth:`prepare` with the
    largest count (one batched Newton run), :meth:`find` for any smaller count only merges and reads cached,
    verified points — the result is the one :func:`find_critical_points` returns for that count (it is this
    class, used once). An explorer with a "number of starts" slider keeps one search per landscape.

    Parameters
    ----------
    objective, bounds, method, rng, grad_tol, merge_tol, eig_tol, max_steps
        As in :func:`find_critical_points`.
    """

    def __init__(self, objective, bounds, *, method: str = "sobol", rng=0, grad_tol: float = 1e-8,
                 merge_tol: float | None = None, eig_tol: float = 1e-6, max_steps: int = 120):
        self.objective = _objective(objective, "hessian")
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
        self._roots: dict[bytes, tuple[np.ndarray, float]] = {}  # start -> (Newton's end point, its |grad|)
        self._verified: dict[bytes, CriticalPoint | None] = {}  # end point -> verified point (None: rejected)

    def starts(self, n_starts: int) -> np.ndarray:
        """The starts used for ``n_starts``, shape (S, P) (``"grid"`` rounds to a full grid)."""
        n_starts = check_int(n_starts, "n_starts", low=1)
        return _seeded_starts(self.bounds, n_starts, self.method, self._seed)

    def prepare(self, n_max: int) -> None:
        """Run Newton (one batched run) from the starts of every count up to ``n_max``."""
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
        if self._derivatives is None:
            self._derivatives = _batched_derivatives(self.objective, rows[:2])
        X, gnorms = _newton_all(self._derivatives, rows, self.max_steps)
        for key, x, g in zip(new, X, gnorms):
            self._roots[key] = (x, float(g))

    def _verify(self, x: np.ndarray) -> CriticalPoint | None:
        key = x.tobytes()
        if key not in self._verified:
            gnorm = float(np.linalg.norm(self.objective.grad(x)))  # re-checked with the objective's own gradient
            self._verified[key] = (CriticalPoint(x.copy(), self.objective.loss(x), gnorm,
                                                 classify_hessian(self.objective.hessian(x), self.eig_tol))
                                   if gnorm <= self.grad_tol else None)
        return self._verified[key]

    def find(self, n_starts: int) -> list[CriticalPoint]:
        """The critical points reached from the starts for ``n_starts`` (see :func:`find_critical_points`)."""
        starts = self.starts(n_starts)
        self._newton(starts)
        found = [self._roots[row.tobytes()] for row in starts]
        X = np.array([x for x, _ in found])
        gnorms = np.array([g for _, g in found])
        lo, hi = self.bounds[:, 0] - self._slack, self.bounds[:, 1] + self._slack
        inside = np.all(np.isfinite(X), axis=1) & np.all((X >= lo) & (X <= hi), axis=1)
        candidates = np.flatnonzero(inside & (gnorms <= self.grad_tol))
        kept: list[CriticalPoint] = []
        for i in candidates[np.argsort(gnorms[candidates], kind="stable")]:  # best-verified represents its cluster
            if kept and np.min(np.linalg.norm(np.array([c.point for c in kept]) - X[i], axis=1)) <= self.merge_tol:
                continue
            point = self._verify(X[i])
            if point is not None:
                kept.append(point)
        return sorted(kept, key=lambda c: (round(c.value, 10), *np.round(c.point, 8)))


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
        Classified at the final point with a tolerance of ``1e-6``.
    """
    from autograd import make_hvp
    from scipy.optimize import minimize

    objective = _objective(objective, "hessian", "_loss")
    theta0 = check_vector(theta0, "theta0", objective.dim)
    maxiter = check_int(maxiter, "maxiter", low=1)
    newton_steps = check_int(newton_steps, "newton_steps", low=0)
    hvp_and_grad = make_hvp(objective._loss)  # one forward/backward pass gives ∇L and v -> Hv at theta

    def q_and_grad(theta):
        hvp_at, g = hvp_and_grad(theta)
        g = np.asarray(g, dtype=float)
        return 0.5 * float(g @ g), np.asarray(hvp_at(g), dtype=float)

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
# why saddles dominate: random symmetric matrices
# --------------------------------------------------------------------------------------------
def goe_matrices(n: int, size: int, rng=0) -> np.ndarray:
    r"""Draw ``size`` matrices from the Gaussian Orthogonal Ensemble, shape ``(size, n, n)``.

    :math:`A = (G + G^\top)/2` with :math:`G_{ij}` i.i.d. standard normal: diagonal entries have variance 1,
    off-diagonal ones 1/2. For large ``n`` the eigenvalues fill Wigner's semicircle of radius :math:`\sqrt{2n}`.
    """
    n = check_int(n, "n", low=1)
    size = check_int(size, "size", low=1)
    rng = check_rng(rng)
    G = rng.standard_normal((size, n, n))
    return 0.5 * (G + np.swapaxes(G, -1, -2))


@dataclass(frozen=True)
class ProbabilityEstimate:
    """A Monte Carlo frequency with its binomial standard error."""

    probability: float
    stderr: float
    count: int
    trials: int


def probability_all_positive(n: int, trials: int = 100_000, rng=0, chunk: int = 20_000) -> ProbabilityEstimate:
    r"""Monte Carlo estimate of :math:`P(\text{all eigenvalues} > 0)` for an ``n × n`` GOE matrix.

    The coin-flip argument predicts :math:`2^{-n}`. Eigenvalues of random symmetric matrices are not
    independent — they repel — and the true probability falls like :math:`e^{-\theta n^2}` with
    :math:`\theta = \ln 3 / 4` (Dean & Majumdar 2006): much faster.
    """
    n = check_int(n, "n", low=1)
    trials = check_int(trials, "trials", low=1)
    rng = check_rng(rng)
    chunk = check_int(chunk, "chunk", low=1)
    count = 0
    done = 0
    while done < trials:
        b = min(chunk, trials - done)
        lam_min = np.linalg.eigvalsh(goe_matrices(n, b, rng))[:, 0]
        count += int(np.sum(lam_min > 0))
        done += b
    p = count / trials
    return ProbabilityEstimate(p, float(np.sqrt(max(p * (1 - p), 0.0) / trials)), count, trials)


def semicircle_density(x, radius: float = 2.0) -> np.ndarray:
    r"""Wigner's semicircle :math:`\rho(x) = \frac{2}{\pi R^2}\sqrt{R^2 - x^2}` on :math:`[-R, R]` (0 outside)."""
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
    """
    shift = check_array(shift, "shift", min_size=0)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    with np.errstate(over="ignore", under="ignore"):
        u = np.clip(-shift / radius, -1.0, 1.0)
    return 0.5 + (u * np.sqrt(1 - u**2) + np.arcsin(u)) / np.pi
