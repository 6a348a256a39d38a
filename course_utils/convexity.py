r"""Tests of convexity and the facts that follow from it: chords, Hessians, condition numbers.

A function :math:`f` is convex when every chord lies on or above the graph:

.. math:: f(t x + (1-t) y) \le t f(x) + (1-t) f(y) \qquad \text{for all } x, y \text{ and } t \in [0, 1].

This module tests that definition numerically and computes the consequences the course uses:

* :func:`chord` and :func:`chord_test` — the chord inequality at one ``(x, y, t)``, and the worst violation
  over many random segments, with its witness (or none). A *found* violation is a proof of non-convexity;
  finding none is evidence, not proof.
* :func:`hessian_min_eigenvalues` and :func:`hessian_eigenvalue_map` — the second-order test: a twice
  differentiable ``f`` is convex on a convex set iff its Hessian is positive semi-definite there.
* Jensen's inequality, its consequence for expectations, has a module of its own: :mod:`course_utils.jensen`.
* :func:`quadratic_constants` and :func:`gd_contraction_factor` — :math:`\mu, L, \kappa`, the best fixed step
  :math:`2/(\mu+L)` and gradient descent's contraction factor :math:`(\kappa-1)/(\kappa+1)`.
* Where gradient descent goes from many starts at once (basins of attraction) is :mod:`course_utils.basins`.

Functions accept either a course :class:`~course_utils.objective.Objective` (any dimension) or a plain
callable of one real variable (vectorized like ``np.exp`` or not, like ``math.exp``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import derivatives
from .formatting import fmt
from .objective import Objective, as_objective, batch_loss_function
from .validation import (
    check_array,
    check_bounds_2d,
    check_int,
    check_points,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = [
    "ChordPoint",
    "ChordTest",
    "chord",
    "ChordProfile",
    "chord_profile",
    "chord_test",
    "hessian_min_eigenvalues",
    "HessianMap",
    "hessian_eigenvalue_map",
    "QuadraticConstants",
    "quadratic_constants",
    "gd_contraction_factor",
]


def _tolerance(tol: float, fx, fy, t) -> np.ndarray:
    """Rounding allowance for the chord inequality, relative to the size of the values compared."""
    return tol * (1.0 + np.abs(t * fx) + np.abs((1 - t) * fy))


# --------------------------------------------------------------------------------------------
# The chord test
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChordPoint:
    r"""The chord inequality at one ``(x, y, t)``.

    Parameters
    ----------
    x, y : ndarray, shape (P,)
        The endpoints.
    t : float
        The weight of ``x``: the point is :math:`z = t x + (1-t) y`.
    z : ndarray, shape (P,)
        That point, on the segment between ``x`` and ``y``.
    f_x, f_y : float
        :math:`f(x)` and :math:`f(y)`.
    f_z : float
        :math:`f(z)`, the graph.
    chord_value : float
        :math:`t f(x) + (1-t) f(y)`, the chord.
    gap : float
        ``f_z - chord_value``; positive means the graph is above the chord (a violation).
    violated : bool
        ``gap`` exceeds the rounding tolerance.
    """

    x: np.ndarray
    y: np.ndarray
    t: float
    z: np.ndarray
    f_x: float
    f_y: float
    f_z: float
    chord_value: float
    gap: float
    violated: bool

    @property
    def message(self) -> str:
        if not np.isfinite(self.gap):
            return "f is not defined at one of these points (outside its domain)"
        if self.violated:
            return f"violation: the graph is {self.gap:.3g} above the chord — f is not convex"
        return f"no violation here: the graph is {-self.gap:.3g} below (or on) the chord"


def chord(f, x, y, t: float, *, tol: float = 1e-9) -> ChordPoint:
    r"""Evaluate the chord inequality :math:`f(tx + (1-t)y) \le t f(x) + (1-t) f(y)` once.

    Parameters
    ----------
    f : Objective or callable
        An objective (``x``, ``y`` of shape ``(P,)``) or a function of one real variable.
    x, y : float or array_like, shape (P,)
    t : float in [0, 1]
    tol : float
        Relative rounding allowance: a gap counts as a violation only above
        ``tol · (1 + |t f(x)| + |(1-t) f(y)|)``.

    Examples
    --------
    >>> chord(lambda x: x**2, -1.0, 3.0, 0.5).gap      # f(1) - (1 + 9)/2
    -4.0
    """
    dim = (f.dim if isinstance(f, Objective) else None)
    xs = check_points(np.atleast_1d(check_array(x, "x")), "x", dim)
    ys = check_points(np.atleast_1d(check_array(y, "y")), "y", dim)
    if xs.shape != ys.shape or xs.shape[0] != 1:
        raise ValueError(f"`x` and `y` must be single points of the same shape, got {np.shape(x)} and {np.shape(y)}")
    t = check_scalar(t, "t", low=0, high=1)
    tol = check_scalar(tol, "tol", low=0)
    g, _ = batch_loss_function(f, xs.shape[1])
    z = t * xs + (1 - t) * ys
    fx, fy, fz = g(np.vstack([xs, ys, z]))
    with np.errstate(all="ignore"):  # f = inf at an end makes the chord inf and the gap NaN: not violated
        chord_value = t * fx + (1 - t) * fy
        gap = fz - chord_value
    violated = bool(np.isfinite(gap) and gap > _tolerance(tol, fx, fy, t))
    return ChordPoint(xs[0], ys[0], t, z[0], float(fx), float(fy), float(fz), float(chord_value), float(gap), violated)


@dataclass(frozen=True)
class ChordProfile:
    r"""The graph and the chord along one segment, for plots.

    Parameters
    ----------
    ts : ndarray, shape (n,)
        Weights of ``x`` from 0 to 1 (``z = t x + (1-t) y``, so ``t = 0`` is ``y``).
    zs : ndarray, shape (n, P)
        The points :math:`z = t x + (1-t) y` for each ``t``.
    f_z : ndarray, shape (n,)
        The graph along the segment.
    chord_values : ndarray, shape (n,)
        The chord :math:`t f(x) + (1-t) f(y)`.
    gaps : ndarray, shape (n,)
        ``f_z - chord_values``: positive where the graph is above the chord.
    """

    ts: np.ndarray
    zs: np.ndarray
    f_z: np.ndarray
    chord_values: np.ndarray
    gaps: np.ndarray


def chord_profile(f, x, y, n: int = 101) -> ChordProfile:
    r"""Graph and chord at ``n`` equally spaced weights :math:`t \in [0, 1]` along the segment from ``y`` to ``x``.

    Parameters
    ----------
    f : Objective or callable
    x, y : float or array_like, shape (P,)
    n : int >= 2
    """
    dim = (f.dim if isinstance(f, Objective) else None)
    xs = check_points(np.atleast_1d(check_array(x, "x")), "x", dim)
    ys = check_points(np.atleast_1d(check_array(y, "y")), "y", dim)
    if xs.shape != ys.shape or xs.shape[0] != 1:
        raise ValueError(f"`x` and `y` must be single points of the same shape, got {np.shape(x)} and {np.shape(y)}")
    n = check_int(n, "n", low=2, high=100_000)
    g, _ = batch_loss_function(f, xs.shape[1])
    ts = np.linspace(0.0, 1.0, n)
    zs = ts[:, None] * xs + (1 - ts)[:, None] * ys
    f_z = g(zs)
    with np.errstate(all="ignore"):
        chord_values = ts * f_z[-1] + (1 - ts) * f_z[0]
        gaps = f_z - chord_values
    return ChordProfile(ts, zs, f_z, chord_values, gaps)


@dataclass(frozen=True)
class ChordTest:
    r"""The result of :func:`chord_test`.

    Parameters
    ----------
    violated : bool
        Some tested chord had the graph above it (beyond rounding): a proof that f is not convex.
    worst : ChordPoint or None
        The tested ``(x, y, t)`` with the largest gap :math:`f(z) - [t f(x) + (1-t) f(y)]` — the witness
        when ``violated``; ``None`` if nothing could be evaluated.
    max_gap : float
        ``worst.gap`` (NaN when nothing was evaluated).
    n_segments, n_tested : int
        Segments drawn and (segment, t) pairs evaluated with finite values.
    n_violations : int
        How many tested pairs violated the inequality.
    n_skipped : int
        Pairs skipped because f was not finite at an endpoint or at ``z`` (outside its domain).
    """

    violated: bool
    worst: ChordPoint | None
    max_gap: float
    n_segments: int
    n_tested: int
    n_violations: int
    n_skipped: int

    @property
    def witness(self) -> tuple[np.ndarray, np.ndarray, float] | None:
        """``(x, y, t)`` of the worst violation, or ``None`` when no chord was violated."""
        if not self.violated:
            return None
        return self.worst.x, self.worst.y, self.worst.t

    @property
    def message(self) -> str:
        if self.worst is None:
            return "no chord could be evaluated (f is not finite on these points)"
        if self.violated:
            w = self.worst
            where = _fmt(w.x), _fmt(w.y)
            return (f"not convex: {self.n_violations} of {self.n_tested} chords violated; worst at x = {where[0]}, "
                    f"y = {where[1]}, t = {w.t:.3g} (graph {w.gap:.3g} above the chord)")
        return f"no violation in {self.n_tested} chords on {self.n_segments} segments (consistent with convexity)"


def _fmt(p: np.ndarray) -> str:
    p = np.asarray(p)
    # formatting.fmt: a coordinate of −1e-9 prints "0", not "-0" (a sign on a value shown as zero)
    if p.size == 1:
        return fmt(float(p.reshape(-1)[0]), ".3g")
    if p.size <= 4:
        return "(" + ", ".join(fmt(v, ".3g") for v in p) + ")"
    return f"a point in R^{p.size}"


def chord_test(f, points, *, n_segments: int = 500, n_t: int = 9, rng=0, tol: float = 1e-9) -> ChordTest:
    r"""Search for the worst violation of the chord inequality among segments between given points.

    For segments :math:`[x_i, x_j]` between pairs of ``points`` and weights
    :math:`t_k = k/(n_t+1)`, :math:`k = 1..n_t`, compute the gap

    .. math:: \Delta = f(t x_i + (1-t) x_j) - \big(t f(x_i) + (1-t) f(x_j)\big)

    and return the largest. ``Δ > 0`` (beyond rounding) proves ``f`` is not convex on the hull of the points;
    ``Δ ≤ 0`` everywhere is consistent with convexity but proves nothing about untested segments.

    All ``n(n-1)/2`` pairs are used when there are at most ``n_segments`` of them, otherwise ``n_segments``
    random pairs drawn from ``rng``. All ``n_segments · n_t`` evaluations happen in one batched call.

    Parameters
    ----------
    f : Objective or callable
        An objective over ``(P,)`` vectors, or a function of one real variable (vectorized or not).
    points : array_like, shape (n,) for a 1-D function or (n, P)
        Candidate endpoints, ``n >= 2``.
    n_segments : int
        Maximum number of segments.
    n_t : int
        Interior weights per segment.
    rng : numpy.random.Generator or int
        Source of the random pairs.
    tol : float
        Relative rounding allowance (see :func:`chord`).

    Returns
    -------
    ChordTest

    Examples
    --------
    >>> chord_test(lambda x: x**4 - x**2, np.linspace(-1.5, 1.5, 31)).violated
    True
    >>> chord_test(np.exp, np.linspace(-3, 3, 31)).violated
    False
    """
    dim = (f.dim if isinstance(f, Objective) else None)
    pts = check_points(points, "points", dim)
    n = pts.shape[0]
    if n < 2:
        raise ValueError(f"`points` must contain at least 2 points, got {n}")
    n_segments = check_int(n_segments, "n_segments", low=1)
    n_t = check_int(n_t, "n_t", low=1)
    tol = check_scalar(tol, "tol", low=0)
    rng = check_rng(rng)
    g, _ = batch_loss_function(f, pts.shape[1])

    if n * (n - 1) // 2 <= n_segments:
        i, j = np.triu_indices(n, k=1)
    else:
        i = rng.integers(0, n, size=n_segments)
        j = (i + rng.integers(1, n, size=n_segments)) % n  # j != i
    ts = np.arange(1, n_t + 1) / (n_t + 1)

    f_pts = g(pts)
    z = ts[None, :, None] * pts[i][:, None, :] + (1 - ts)[None, :, None] * pts[j][:, None, :]
    f_z = g(z.reshape(-1, pts.shape[1])).reshape(len(i), n_t)
    fx, fy = f_pts[i][:, None], f_pts[j][:, None]
    with np.errstate(all="ignore"):
        chord_values = ts * fx + (1 - ts) * fy
        gaps = f_z - chord_values
        finite = np.isfinite(gaps) & np.isfinite(fx) & np.isfinite(fy)
        allowance = _tolerance(tol, fx, fy, ts)
    n_tested = int(finite.sum())
    if n_tested == 0:
        return ChordTest(False, None, math.nan, len(i), 0, 0, int(gaps.size))
    masked = np.where(finite, gaps, -np.inf)
    a, k = np.unravel_index(int(np.argmax(masked)), masked.shape)
    violations = finite & (gaps > allowance)
    worst = ChordPoint(
        pts[i[a]].copy(), pts[j[a]].copy(), float(ts[k]), z[a, k].copy(), float(fx[a, 0]), float(fy[a, 0]),
        float(f_z[a, k]), float(chord_values[a, k]), float(gaps[a, k]), bool(violations[a, k]),
    )
    return ChordTest(
        violated=bool(violations.any()),
        worst=worst,
        max_gap=float(gaps[a, k]),
        n_segments=len(i),
        n_tested=n_tested,
        n_violations=int(violations.sum()),
        n_skipped=int(gaps.size - n_tested),
    )


# --------------------------------------------------------------------------------------------
# Batched derivatives (one autograd pass for a whole stack of points)
# --------------------------------------------------------------------------------------------
def hessian_min_eigenvalues(objective: Objective, thetas) -> np.ndarray:
    r"""The smallest Hessian eigenvalue :math:`\lambda_{\min}(\nabla^2 f(\theta))` at each point.

    Parameters
    ----------
    objective : Objective
    thetas : array_like, shape (n, P) (or (P,) for one point)

    Returns
    -------
    ndarray, shape (n,)
        Negative entries are points where ``f`` curves down in some direction: it is not convex there.

    Notes
    -----
    The Hessians of all points are computed together: ``P`` reverse passes through the batched gradient
    (row ``i`` of the batch only depends on point ``i``), then ``numpy.linalg.eigvalsh`` on the stack
    ``(n, P, P)``. Objectives without an autograd-traceable ``_loss_batch`` fall back to a loop of
    :meth:`Objective.hessian`.
    """
    objective = as_objective(objective)
    T = check_array(thetas, "thetas", ndim=(1, 2))
    T = T.reshape(-1, objective.dim) if T.ndim == 1 else T
    if T.shape[1] != objective.dim:
        raise ValueError(f"`thetas` must have shape (n, {objective.dim}), got {T.shape}")
    return np.linalg.eigvalsh(_batched_hessians(objective, T))[:, 0]


def _batched_hessians(objective: Objective, T: np.ndarray) -> np.ndarray:
    """Symmetrized Hessians ``(n, P, P)`` at the rows of ``T``: :func:`derivatives.batched_hessian`, verified on
    the first rows against :meth:`Objective.hessian` (else a loop of it)."""
    both = derivatives.batched_hessian(objective.unchecked_loss_batch, objective.grad, objective.hessian, T[:2])
    return both(T)[1]


@dataclass(frozen=True)
class HessianMap:
    r"""The smallest Hessian eigenvalue of a 2-D objective on a grid.

    Parameters
    ----------
    xs : ndarray, shape (nx,)
        Grid coordinates along the first parameter.
    ys : ndarray, shape (ny,)
        Grid coordinates along the second parameter.
    min_eigenvalue : ndarray, shape (ny, nx)
        :math:`\lambda_{\min}` at ``(xs[j], ys[i])`` — row index is ``y`` so ``imshow``/``contourf`` draw it
        upright.
    negative : ndarray of bool, shape (ny, nx)
        Where :math:`\lambda_{\min} < -\text{tol}`: the function is locally not convex there.
    """

    xs: np.ndarray
    ys: np.ndarray
    min_eigenvalue: np.ndarray
    negative: np.ndarray

    @property
    def fraction_negative(self) -> float:
        return float(self.negative.mean())

    @property
    def message(self) -> str:
        if not self.negative.any():
            return f"Hessian PSD at every grid point (smallest eigenvalue {self.min_eigenvalue.min():.3g})"
        return (f"Hessian has a negative eigenvalue on {100 * self.fraction_negative:.1f}% of the grid "
                f"(down to {self.min_eigenvalue.min():.3g}): not convex")


def hessian_eigenvalue_map(objective: Objective, bounds, resolution: int = 41, *, tol: float = 1e-9) -> HessianMap:
    r"""Second-order convexity test of a 2-D objective: :math:`\lambda_{\min}(\nabla^2 f)` on a grid.

    A twice-differentiable function is convex on a convex region iff its Hessian is positive semi-definite at
    every point of it. The map shows where that fails.

    Parameters
    ----------
    objective : Objective with ``dim == 2``
    bounds : ((xmin, xmax), (ymin, ymax))
    resolution : int
        Grid points per axis.
    tol : float
        Eigenvalues above ``-tol · (1 + max|λ|)`` count as non-negative (rounding).
    """
    objective = as_objective(objective)
    if objective.dim != 2:
        raise TypeError(f"`objective` must be a 2-D objective, got {objective!r}")
    (x0, x1), (y0, y1) = check_bounds_2d(bounds)
    resolution = check_int(resolution, "resolution", low=2, high=401)
    tol = check_scalar(tol, "tol", low=0)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)  # (ny, nx): rows are y
    lam = hessian_min_eigenvalues(objective, np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    scale = 1.0 + np.nanmax(np.abs(lam)) if np.isfinite(lam).any() else 1.0
    return HessianMap(xs, ys, lam, lam < -tol * scale)



# --------------------------------------------------------------------------------------------
# Quadratics: strong convexity, smoothness, the best step
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuadraticConstants:
    r"""Curvature constants of :math:`f(\theta) = \tfrac12\theta^\top A\theta - b^\top\theta` (or of a Hessian).

    Parameters
    ----------
    eigenvalues : ndarray, shape (P,)
        Eigenvalues of ``A``, ascending.
    mu : float
        :math:`\mu = \lambda_{\min}`; ``f`` is :math:`\mu`-strongly convex when it is positive.
    L : float
        :math:`L = \lambda_{\max}`: the gradient is L-Lipschitz (``f`` is L-smooth).
    kappa : float
        Condition number :math:`\kappa = L/\mu` (``inf`` unless strongly convex).
    psd, strongly_convex : bool
        :math:`\mu \ge 0` / :math:`\mu > 0` (up to rounding).
    best_step : float
        The fixed step minimising gradient descent's worst-case contraction: :math:`2/(\mu+L)` when strongly
        convex; :math:`1/L` otherwise (no step contracts a flat or downward direction).
    rate : float
        The contraction factor at ``best_step``, :math:`\max_i |1 - \eta\lambda_i|` — equal to
        :math:`(\kappa-1)/(\kappa+1)` when strongly convex, 1 when merely convex, > 1 (expansion) otherwise.
        The distance to the minimiser shrinks by at least this factor per step.
    max_stable_step : float
        :math:`2/L`: any larger fixed step makes gradient descent diverge along the top eigenvector.
    """

    eigenvalues: np.ndarray
    mu: float
    L: float
    kappa: float
    psd: bool
    strongly_convex: bool
    best_step: float
    rate: float
    max_stable_step: float


def quadratic_constants(A, *, tol: float = 1e-12) -> QuadraticConstants:
    r""":math:`\mu`, :math:`L`, :math:`\kappa`, the best fixed step and its rate for a quadratic.

    Parameters
    ----------
    A : array_like, shape (P, P), or a ``models.Quadratic`` (its ``A``), or eigenvalues shape (P,)
        A symmetric matrix — the Hessian of the quadratic.
    tol : float
        Eigenvalues within ``tol · max|λ|`` of 0 count as 0.

    Examples
    --------
    >>> c = quadratic_constants(np.diag([2.0, 20.0]))      # x² + 10 y²
    >>> c.kappa, c.best_step, round(c.rate, 6)
    (10.0, 0.09090909090909091, 0.818182)
    """
    if hasattr(A, "A") and isinstance(A, Objective):
        A = A.A
    arr = check_array(A, "A", ndim=(1, 2))
    if arr.ndim == 1:
        eig = np.sort(arr)
    else:
        if arr.shape[0] != arr.shape[1]:
            raise ValueError(f"`A` must be a square matrix, got shape {arr.shape}")
        if not np.allclose(arr, arr.T, rtol=1e-10, atol=1e-12 * (1 + np.abs(arr).max())):
            raise ValueError("`A` must be symmetric (a Hessian is); symmetrize it with (A + A.T) / 2")
        eig = np.linalg.eigvalsh(0.5 * (arr + arr.T))
    tol = check_scalar(tol, "tol", low=0)
    scale = max(float(np.abs(eig).max()), np.finfo(float).tiny)
    mu, L = float(eig[0]), float(eig[-1])
    zero = tol * scale
    psd = mu >= -zero
    strongly = mu > zero
    if strongly:
        kappa = L / mu
        best = 2.0 / (mu + L)
    else:
        kappa = math.inf
        best = 1.0 / L if L > zero else math.nan
    rate = gd_contraction_factor(eig, best) if np.isfinite(best) else math.nan
    max_stable = 2.0 / L if L > zero else math.inf
    return QuadraticConstants(eig, mu, L, kappa, bool(psd), bool(strongly), best, rate, max_stable)


def gd_contraction_factor(eigenvalues, lr: float) -> float:
    r"""Gradient descent's per-step contraction on a quadratic: :math:`\rho(\eta) = \max_i |1 - \eta\lambda_i|`.

    GD on :math:`\tfrac12\theta^\top A\theta - b^\top\theta` moves the error :math:`e = \theta - \theta^*` by
    :math:`e \leftarrow (I - \eta A)e`, so each eigen-component is multiplied by :math:`1 - \eta\lambda_i`:
    :math:`\|e_t\| \le \rho^t \|e_0\|`, and the loss gap :math:`f(\theta_t) - f^*` shrinks like :math:`\rho^{2t}`.
    :math:`\rho < 1` iff :math:`0 < \eta < 2/L` (and :math:`\mu > 0`).

    Parameters
    ----------
    eigenvalues : array_like, shape (P,)
    lr : float > 0
    """
    eig = check_vector(eigenvalues, "eigenvalues")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    return float(np.max(np.abs(1.0 - lr * eig)))
