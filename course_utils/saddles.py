r"""Saddle points and plateaus: how long gradient methods linger near them, and what gets them out.

Near a strict saddle :math:`s` (Hessian eigenvalue :math:`\lambda_{\min} < 0`), gradient descent is a linear
map: the component along the escape direction grows by :math:`(1 + \eta|\lambda_{\min}|)` per step, so from
an initial component :math:`\varepsilon` it needs

.. math:: k_{\text{escape}} \approx \frac{\ln(R/\varepsilon)}{\ln(1 + \eta|\lambda_{\min}|)}
          \approx \frac{\ln(R/\varepsilon)}{\eta|\lambda_{\min}|}

steps to reach distance :math:`R` — logarithmic in :math:`1/\varepsilon`: slow, never infinite, except from
exactly :math:`\varepsilon = 0`. This module measures escape times, says where a run ended (which minimum,
a saddle, or "diverged at step k"), maps steps-to-converge of heavy-ball momentum over
(learning rate, momentum) for a quadratic, and runs the two plateau experiments of chapter 4: an
:math:`n`-dimensional saddle with one negative direction, and a deep *linear* network learning its target's
singular values one at a time (Saxe, McClelland & Ganguli 2014).

Everything vectorizable is vectorized: :func:`gd_quadratic_paths` runs gradient descent from a batch of
starts at once, :func:`momentum_convergence_map` iterates a whole (η, β) grid at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import optimizers
from .critical import classify_hessian
from .derivatives import anp
from .objective import Objective, as_objective
from .validation import (
    check_array,
    check_instance,
    check_int,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = [
    "escape_step",
    "escape_time_theory",
    "escape_time_continuous",
    "gd_quadratic_paths",
    "gd_escape_steps_quadratic",
    "gd_escape_steps",
    "EscapeFit",
    "fit_escape_times",
    "Endpoint",
    "locate_endpoint",
    "SaddleOutcome",
    "compare_at_saddle",
    "momentum_rate",
    "optimal_momentum",
    "MomentumMap",
    "momentum_convergence_map",
    "SaddlePlateau",
    "first_step_below",
    "DeepLinearResult",
    "deep_linear_experiment",
    "mode_strengths",
    "saxe_mode_strength",
    "saxe_half_time",
]


# --------------------------------------------------------------------------------------------
# Escape times
# --------------------------------------------------------------------------------------------
def escape_step(thetas, saddle, radius: float, direction=None) -> int | None:
    r"""First index at which a path is at least ``radius`` away from ``saddle``.

    Parameters
    ----------
    thetas : array_like, shape (T + 1, P)
        A path (``Trajectory.thetas``).
    saddle : array_like, shape (P,)
    radius : float
        :math:`R`.
    direction : array_like, shape (P,), optional
        If given, distance is measured *along* this (unit) direction, :math:`|\langle\theta - s, u\rangle|`
        — the escape coordinate; otherwise the Euclidean distance :math:`\|\theta - s\|`.

    Returns
    -------
    int or None
        The step index, or ``None`` if the path never gets that far (non-finite points count as escaped).
    """
    pts = check_array(thetas, "thetas", ndim=2, finite=False)
    s = check_vector(saddle, "saddle", pts.shape[1])
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    delta = pts - s
    if direction is None:
        dist = np.linalg.norm(delta, axis=1)
    else:
        u = check_vector(direction, "direction", pts.shape[1])
        dist = np.abs(delta @ (u / np.linalg.norm(u)))
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(~(dist < radius))  # NaN counts as "gone"
    return int(hit[0]) if hit.size else None


def _check_eps(eps) -> np.ndarray:
    """Initial distances from the saddle: positive and finite (a start exactly on the saddle never leaves)."""
    eps = check_array(eps, "eps", ndim=range(0, 33))
    if np.any(eps == 0):
        raise ValueError("`eps` must be non-zero: GD started exactly on the saddle never leaves it")
    return eps


def escape_time_theory(eps, lr: float, lam_min: float, radius: float = 1.0):
    r"""Steps for GD to grow an escape component from ``eps`` to ``radius``: :math:`\ln(R/\varepsilon)/\ln(1 + \eta|\lambda_{\min}|)`.

    Exact (up to rounding up to an integer) for a quadratic saddle, whose coordinates decouple.
    Vectorized over ``eps``.
    """
    eps = _check_eps(eps)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    lam_min = check_scalar(lam_min, "lam_min", high=0, high_inclusive=False)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    return np.log(radius / np.abs(eps)) / np.log1p(lr * abs(lam_min))


def escape_time_continuous(eps, lr: float, lam_min: float, radius: float = 1.0):
    r"""Gradient-flow approximation :math:`\ln(R/\varepsilon)/(\eta|\lambda_{\min}|)` (small :math:`\eta|\lambda|`)."""
    eps = _check_eps(eps)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    lam_min = check_scalar(lam_min, "lam_min", high=0, high_inclusive=False)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    return np.log(radius / np.abs(eps)) / (lr * abs(lam_min))


def gd_quadratic_paths(A, starts, lr: float, steps: int, b=None) -> np.ndarray:
    r"""Gradient descent on :math:`f(\theta) = \tfrac12\theta^\top A\theta - b^\top\theta` from many starts at once.

    Each step is :math:`\theta \leftarrow \theta - \eta(A\theta - b)`, applied to the whole batch with one
    matrix product — the same numbers as :func:`course_utils.optimizers.run` with ``gd()`` on
    :class:`~course_utils.models.Quadratic` (the tests check), without the per-run overhead.

    Parameters
    ----------
    A : array_like, shape (P, P)
        Symmetric; may be indefinite (a saddle).
    starts : array_like, shape (B, P)
    lr : float
    steps : int
    b : array_like, shape (P,), optional

    Returns
    -------
    ndarray, shape (steps + 1, B, P)
        Paths; values may overflow to ±inf when GD diverges (no warnings are raised). A coordinate left
        undefined by the overflow (inf − inf) is reported as +inf, never NaN: it diverged.
    """
    A = check_array(A, "A", ndim=2)
    starts = check_array(starts, "starts", ndim=2)
    if A.shape[0] != A.shape[1] or starts.shape[1] != A.shape[0]:
        raise ValueError(f"`A` must be (P, P) and `starts` (B, P); got {A.shape} and {starts.shape}")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    steps = check_int(steps, "steps", low=0)
    b = np.zeros(A.shape[0]) if b is None else check_vector(b, "b", A.shape[0])
    A = 0.5 * (A + A.T)
    out = np.empty((steps + 1, *starts.shape))
    out[0] = starts
    with np.errstate(all="ignore"):
        for k in range(steps):
            out[k + 1] = out[k] - lr * (out[k] @ A - b)
    np.nan_to_num(out, copy=False, nan=np.inf, posinf=np.inf, neginf=-np.inf)
    return out


def gd_escape_steps_quadratic(A, starts, lr: float, radius: float = 1.0, *, max_steps: int = 1000,
                              direction=None) -> np.ndarray:
    r"""Escape step of GD from the saddle at the origin of :math:`\tfrac12\theta^\top A\theta`, for a batch of starts.

    Returns
    -------
    ndarray, shape (B,)
        First step at which the distance (along ``direction`` if given) reaches ``radius``; ``inf`` when
        the run had not escaped after ``max_steps`` (it may never: a start exactly on the saddle stays).
    """
    paths = gd_quadratic_paths(A, starts, lr, check_int(max_steps, "max_steps", low=1))
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    if direction is not None:
        u = check_vector(direction, "direction", paths.shape[2])
        if not np.any(u):
            raise ValueError("`direction` must be a non-zero vector")
    with np.errstate(all="ignore"):  # diverged paths hold inf: their distance is inf (escaped), never a warning
        dist = np.linalg.norm(paths, axis=2) if direction is None else np.abs(paths @ (u / np.linalg.norm(u)))
        gone = ~(dist < radius)
    first = np.argmax(gone, axis=0).astype(float)
    first[~gone.any(axis=0)] = np.inf
    return first


def gd_escape_steps(objective: Objective, saddle, starts, *, lr: float, radius: float = 1.0,
                    max_steps: int = 1000, direction=None) -> np.ndarray:
    r"""Escape step of plain gradient descent from ``saddle`` on any objective, for a batch of starts.

    Every row of ``starts`` follows :math:`\theta \leftarrow \theta - \eta\nabla f(\theta)` — the rule of
    ``optimizers.run(objective, optimizers.gd(), start, lr=lr)`` — and one batched gradient
    (:meth:`Objective.grad_batch`) per step serves all the starts still inside the ball, so measuring the
    escape times of hundreds of random starts costs about as much as one run. It is the general-landscape
    sibling of :func:`gd_escape_steps_quadratic`.

    Parameters
    ----------
    objective : Objective
    saddle : array_like, shape (P,)
        :math:`s`.
    starts : array_like, shape (B, P)
    lr : float
        :math:`\eta > 0`.
    radius : float
        :math:`R`: a run has escaped at the first step with :math:`\|\theta_k - s\| \ge R` (or
        :math:`|\langle\theta_k - s, u\rangle| \ge R` along ``direction``). Non-finite iterates count as escaped.
    max_steps : int
    direction : array_like, shape (P,), optional
        Measure the distance along this direction only (normalised here).

    Returns
    -------
    ndarray, shape (B,)
        The escape step of each start (0 if it starts outside the ball), as floats; ``inf`` when the run was
        still inside after ``max_steps`` steps — as from exactly the saddle, where the gradient is zero.
    """
    objective = as_objective(objective)
    s = check_vector(saddle, "saddle", objective.dim)
    theta = check_array(starts, "starts", ndim=2).copy()
    if theta.shape[1] != objective.dim:
        raise ValueError(f"`starts` must have shape (B, {objective.dim}), got {theta.shape}")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", low=0)
    u = None
    if direction is not None:
        u = check_vector(direction, "direction", objective.dim)
        if not np.any(u):
            raise ValueError("`direction` must be a non-zero vector")
        u = u / np.linalg.norm(u)

    def inside(points):
        delta = points - s
        with np.errstate(all="ignore"):  # inf/nan rows are far away: "not inside", never a warning
            dist = np.linalg.norm(delta, axis=1) if u is None else np.abs(delta @ u)
            return dist < radius

    out = np.full(theta.shape[0], np.inf)
    alive = inside(theta)
    out[~alive] = 0.0
    with np.errstate(all="ignore"):
        for k in range(1, max_steps + 1):
            idx = np.flatnonzero(alive)
            if idx.size == 0:
                break
            theta[idx] = theta[idx] - lr * objective.grad_batch(theta[idx])
            left = idx[~inside(theta[idx])]
            out[left] = k
            alive[left] = False
    return out


@dataclass(frozen=True)
class EscapeFit:
    r"""Escape steps measured against :math:`\ln(1/\varepsilon)` and the theory's slope.

    Attributes
    ----------
    eps : ndarray (n,)
    measured : ndarray (n,)
        Measured escape steps (``inf`` or ``nan`` = did not escape).
    theory : ndarray (n,)
        :func:`escape_time_theory` at each ``eps``.
    slope, intercept : float
        Least-squares line ``measured ≈ slope · ln(1/eps) + intercept`` over the escaped runs.
    slope_theory : float
        :math:`1/\ln(1 + \eta|\lambda_{\min}|)`.
    slope_stderr : float
        Standard error of ``slope`` from the residuals, :math:`\sqrt{\hat\sigma^2 / \sum_i (x_i - \bar x)^2}`
        with :math:`\hat\sigma^2 = \sum_i r_i^2/(m-2)` over the :math:`m` escaped runs (``nan`` when
        :math:`m = 2`). It measures scatter around a line — from random starts or from rounding escape steps up
        to integers — and is what :meth:`slope_interval` turns into a confidence interval.
    n_fitted : int
        :math:`m`, the number of escaped runs the line was fitted to.
    """

    eps: np.ndarray
    measured: np.ndarray
    theory: np.ndarray
    slope: float
    intercept: float
    slope_theory: float
    slope_stderr: float = float("nan")
    n_fitted: int = 0

    @property
    def relative_slope_error(self) -> float:
        return abs(self.slope - self.slope_theory) / self.slope_theory

    def slope_interval(self, level: float = 0.95) -> tuple[float, float]:
        r"""Confidence interval for the slope: :math:`\hat b \pm t_{m-2,\,(1+\text{level})/2}\cdot\mathrm{SE}`.

        Student's t with :math:`m - 2` degrees of freedom (ordinary least squares with independent scatter
        of equal size). With the theory right, an interval at ``level`` misses ``slope_theory`` in a fraction
        ``1 - level`` of independent experiments — so a claim asserted on every seed should use a level such as
        ``0.9999``, not ``0.95``.

        Returns
        -------
        (float, float)
            ``(low, high)``; ``(nan, nan)`` when only two runs were fitted.
        """
        from scipy import stats

        level = check_scalar(level, "level", low=0, high=1, low_inclusive=False, high_inclusive=False)
        if not (self.n_fitted > 2 and np.isfinite(self.slope_stderr)):
            return (float("nan"), float("nan"))
        half = float(stats.t.ppf(0.5 + level / 2, self.n_fitted - 2)) * self.slope_stderr
        return (self.slope - half, self.slope + half)


def fit_escape_times(eps, measured, lr: float, lam_min: float, radius: float = 1.0) -> EscapeFit:
    r"""Fit a line to measured escape steps against ``ln(1/eps)`` and compare it with the theory.

    Parameters
    ----------
    eps : array_like, shape (n,)
        Initial component of each run along the escape direction (its sign is ignored).
    measured : array_like, shape (n,)
        Escape steps; runs that did not escape (``inf``/``nan``) are left out of the fit.
    lr, lam_min, radius : float
        :math:`\eta`, :math:`\lambda_{\min} < 0` and :math:`R` of :func:`escape_time_theory`.

    Returns
    -------
    EscapeFit
        With the slope's standard error and :meth:`EscapeFit.slope_interval`.
    """
    eps = check_vector(eps, "eps")
    measured = check_vector(measured, "measured", eps.size, finite=False)
    ok = np.isfinite(measured)
    m = int(ok.sum())
    if m < 2:
        raise ValueError("`measured` needs at least two finite escape times to fit a line")
    x, y = np.log(1 / np.abs(eps[ok])), measured[ok]
    sxx = float(np.sum((x - x.mean()) ** 2))
    if sxx == 0.0:
        raise ValueError("`eps` must take at least two different sizes among the escaped runs to fit a slope")
    slope = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * x.mean())
    residuals = y - (intercept + slope * x)
    stderr = float(np.sqrt(np.sum(residuals**2) / (m - 2) / sxx)) if m > 2 else float("nan")
    theory = escape_time_theory(eps, lr, lam_min, radius)
    return EscapeFit(eps, measured, theory, slope, intercept, float(1 / np.log1p(lr * abs(lam_min))), stderr, m)


# --------------------------------------------------------------------------------------------
# Where did a run end?
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """Where an optimization run ended.

    Attributes
    ----------
    kind : str
        ``"global minimum"``, ``"minimum"`` (local), ``"saddle"``, ``"maximum"``, ``"degenerate"``
        (a critical point the second-derivative test cannot classify), ``"diverged"``, ``"unbounded"``
        (left the window of a landscape that is unbounded below, see :func:`course_utils.race.race_one`) or
        ``"moving"`` (not near any critical point yet).
    point : ndarray (P,)
        The final parameters (or the matched critical point).
    label : str
        One line for legends and messages, e.g. ``"saddle at (0, 0)"``, ``"diverged at step 12"``.
    """

    kind: str
    point: np.ndarray
    label: str

    @property
    def is_critical(self) -> bool:
        return self.kind not in ("diverged", "unbounded", "moving")


def _fmt(point) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in np.asarray(point)[:3]) + (", …" if np.size(point) > 3 else "") + ")"


def locate_endpoint(objective: Objective, trajectory, *, tol: float = 5e-2, grad_tol: float = 1e-3) -> Endpoint:
    """Say where a run ended: a known critical point of the landscape, a classified critical point, or neither.

    The final point is matched to the nearest of the objective's known ``critical_points`` (the 2-D
    landscapes of :mod:`course_utils.functions` carry them) within ``tol``; otherwise, if the gradient there
    is below ``grad_tol``, the Hessian is classified with :func:`course_utils.critical.classify_hessian`;
    otherwise the run is still "moving".

    Parameters
    ----------
    objective : Objective
    trajectory : Trajectory
    tol : float
        Distance within which the final point counts as "at" a known critical point.
    grad_tol : float
        Gradient norm below which an unknown point counts as critical.
    """
    objective = as_objective(objective)
    check_instance(trajectory, "trajectory", optimizers.Trajectory, "a Trajectory (the result of optimizers.run)")
    if trajectory.thetas.shape[-1] != objective.dim:
        raise ValueError(f"`trajectory` has parameters of size {trajectory.thetas.shape[-1]}, "
                         f"but `objective` has dim = {objective.dim}")
    tol = check_scalar(tol, "tol", low=0, low_inclusive=False)
    grad_tol = check_scalar(grad_tol, "grad_tol", low=0, low_inclusive=False)
    theta = np.asarray(trajectory.final_theta, dtype=float)
    if trajectory.diverged_at is not None:
        return Endpoint("diverged", theta, f"diverged at step {trajectory.diverged_at}")
    known = list(getattr(objective, "critical_points", ()) or ())
    if known:
        points = np.array([cp.point for cp in known])
        dist = np.linalg.norm(points - theta, axis=1)
        i = int(np.argmin(dist))
        if dist[i] <= tol:
            cp = known[i]
            kind = cp.kind
            if kind == "minimum":
                values = [c.value for c in known if c.kind == "minimum"]
                if cp.value <= min(values) + 1e-9 * max(1.0, abs(min(values))):
                    kind = "global minimum"
            return Endpoint(kind, np.array(cp.point), f"{kind} at {_fmt(cp.point)}")
    g = objective.grad(theta)
    if np.linalg.norm(g) <= grad_tol and np.all(np.isfinite(g)):
        kind = classify_hessian(objective.hessian(theta), tol=1e-6).kind
        return Endpoint(kind, theta, f"{kind} at {_fmt(theta)}")
    return Endpoint("moving", theta, f"still moving at {_fmt(theta)} (loss {trajectory.final_loss:.3g})")


@dataclass(frozen=True)
class SaddleOutcome:
    """One optimizer's run from near a saddle: its path, when it escaped, where it ended."""

    name: str
    trajectory: optimizers.Trajectory
    escape_step: int | None
    endpoint: Endpoint

    @property
    def escaped(self) -> bool:
        return self.escape_step is not None


def compare_at_saddle(objective: Objective, saddle, start, runs: dict, *, steps: int = 300,
                      radius: float = 0.3, tol: float | None = None, rng=0) -> dict[str, SaddleOutcome]:
    """Run several optimizers from ``start`` near ``saddle`` and report escape step and endpoint of each.

    Parameters
    ----------
    objective : Objective
    saddle : array_like (P,)
    start : array_like (P,)
    runs : dict
        ``{label: (optimizer, lr)}`` or ``{label: (optimizer, lr, steps)}`` to give one run its own length
        (Newton's method needs a handful of steps, and each costs a dense Hessian).
    steps : int
    radius : float
        A run has escaped once it is ``radius`` away from the saddle.
    tol : float or None
        Stop a run once its gradient norm is below ``tol``. Leave it ``None`` when a rule acts *because* the
        gradient is small (perturbed GD at an exact saddle would otherwise stop at step 0).
    rng : int or Generator
        Seed for rules that draw (each run gets its own child generator, in order).
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError("`runs` must be a non-empty dict {label: (optimizer, lr)}")
    rng = check_rng(rng)
    out = {}
    for label, spec in runs.items():
        opt, lr = spec[0], spec[1]
        n = spec[2] if len(spec) > 2 else steps
        traj = optimizers.run(objective, opt, start, steps=n, lr=lr, tol=tol, rng=rng.spawn(1)[0])
        out[label] = SaddleOutcome(label, traj, escape_step(traj.thetas, saddle, radius),
                                   locate_endpoint(objective, traj))
    return out


# --------------------------------------------------------------------------------------------
# Momentum on a quadratic: the (learning rate, momentum) map
# --------------------------------------------------------------------------------------------
def momentum_rate(lr, beta, eigenvalues):
    r"""Linear convergence rate of heavy-ball momentum on a quadratic with the given Hessian eigenvalues.

    Per eigen-direction the iteration :math:`(x_{k+1}, x_k) = M (x_k, x_{k-1})` has
    :math:`M = \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0\end{pmatrix}`, whose eigenvalues solve
    :math:`z^2 - (1 + \beta - \eta\lambda) z + \beta = 0`. The rate is the largest :math:`|z|` over all
    :math:`\lambda` (Polyak 1964; Goh 2017, "Why Momentum Really Works"); ``≥ 1`` means no convergence.

    Parameters
    ----------
    lr, beta : array_like
        Broadcastable (e.g. a meshgrid).
    eigenvalues : array_like, shape (P,)

    Returns
    -------
    ndarray
        Broadcast shape of ``lr`` and ``beta``.
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    lr = check_array(lr, "lr", ndim=range(0, 32))
    beta = check_array(beta, "beta", ndim=range(0, 32))
    if np.any(lr <= 0) or np.any(lr > 1e150):
        raise ValueError(f"`lr` must contain positive step sizes (at most 1e150), got values in [{lr.min():g}, {lr.max():g}]")
    if np.any(beta < 0) or np.any(beta > 1):
        raise ValueError(f"`beta` must contain momentum coefficients in [0, 1], got values in [{beta.min():g}, {beta.max():g}]")
    lr, beta = lr[..., None], beta[..., None]
    tr = 1 + beta - lr * lam
    disc = np.sqrt((tr**2 - 4 * beta).astype(complex))
    z = np.maximum(np.abs((tr + disc) / 2), np.abs((tr - disc) / 2))
    return z.max(axis=-1)


def optimal_momentum(mu: float, L: float) -> tuple[float, float, float]:
    r"""The best heavy-ball parameters for eigenvalues in :math:`[\mu, L]`.

    :math:`\eta^\star = \left(\frac{2}{\sqrt L + \sqrt\mu}\right)^2`,
    :math:`\beta^\star = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2`, rate
    :math:`\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}` with :math:`\kappa = L/\mu` — against
    :math:`\frac{\kappa - 1}{\kappa + 1}` for the best plain GD.

    Returns
    -------
    (lr, beta, rate)
    """
    mu = check_scalar(mu, "mu", low=0, low_inclusive=False)
    L = check_scalar(L, "L", low=mu)
    sk = np.sqrt(L / mu)
    return float((2 / (np.sqrt(L) + np.sqrt(mu))) ** 2), float(((sk - 1) / (sk + 1)) ** 2), float((sk - 1) / (sk + 1))


@dataclass(frozen=True)
class MomentumMap:
    """Steps for heavy-ball momentum to converge, over a grid of (learning rate, momentum).

    Attributes
    ----------
    lrs : ndarray (n_lr,)
    betas : ndarray (n_beta,)
    steps : ndarray (n_beta, n_lr)
        First step with :math:`\\|\\nabla f\\| \\le` rtol·:math:`\\|\\nabla f(\\theta_0)\\|`; ``nan`` if not
        converged (see ``diverged``).
    diverged : ndarray of bool (n_beta, n_lr)
        The iterates blew up (norm above ``explode`` times the start).
    rate : ndarray (n_beta, n_lr)
        :func:`momentum_rate` on the grid (theory).
    eigenvalues : ndarray (P,)
    max_steps : int
    """

    lrs: np.ndarray
    betas: np.ndarray
    steps: np.ndarray
    diverged: np.ndarray
    rate: np.ndarray
    eigenvalues: np.ndarray
    max_steps: int

    @property
    def best(self) -> tuple[float, float, float]:
        """``(lr, beta, steps)`` of the fastest cell of the grid."""
        filled = np.where(np.isfinite(self.steps), self.steps, np.inf)
        i, j = np.unravel_index(np.argmin(filled), filled.shape)
        return float(self.lrs[j]), float(self.betas[i]), float(self.steps[i, j])

    @property
    def optimum(self) -> tuple[float, float, float]:
        """The theoretical optimum ``(lr*, beta*, rate*)`` (:func:`optimal_momentum`)."""
        return optimal_momentum(float(self.eigenvalues.min()), float(self.eigenvalues.max()))


_MAP_CHUNK = 32


def momentum_convergence_map(eigenvalues, lrs, betas, *, rtol: float = 1e-6, max_steps: int = 1000,
                             explode: float = 1e6, start=None) -> MomentumMap:
    r"""Run heavy-ball momentum on :math:`\tfrac12\sum_i \lambda_i x_i^2` for every (η, β) of a grid at once.

    The update is the one of :func:`course_utils.optimizers.momentum`: :math:`v \leftarrow \beta v + \nabla f`,
    :math:`x \leftarrow x - \eta v`, applied to an array of shape (n_beta, n_lr, P) per step — no Python
    loop over grid points. The quadratic is written in its eigenbasis (rotations change nothing).

    Parameters
    ----------
    eigenvalues : array_like (P,)
        Positive Hessian eigenvalues.
    lrs, betas : array_like (n_lr,), (n_beta,)
        Grid axes; ``betas`` in [0, 1).
    rtol : float
        Converged when the gradient norm is below ``rtol`` times the initial one.
    max_steps : int
    explode : float
        Diverged when :math:`\|x\|` exceeds ``explode`` times its initial value.
    start : array_like (P,), optional
        Initial point in the eigenbasis (default: all ones).
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    if np.any(lam <= 0):
        raise ValueError(f"`eigenvalues` must be positive (a convex quadratic), got {lam}")
    lrs = check_vector(lrs, "lrs")
    betas = check_vector(betas, "betas")
    if np.any(lrs <= 0):
        raise ValueError("`lrs` must be positive")
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError("`betas` must lie in [0, 1)")
    rtol = check_scalar(rtol, "rtol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", low=1)
    explode = check_scalar(explode, "explode", low=1, low_inclusive=False)
    x0 = np.ones(lam.size) if start is None else check_vector(start, "start", lam.size)
    g0 = np.linalg.norm(lam * x0)
    if g0 == 0:
        raise ValueError("`start` is the minimum already: the gradient there is zero")

    # Only the cells still running are iterated, as rows (P, n_active) — one contiguous row per coordinate —
    # shrinking as cells finish. Steps run in chunks: each step stores the squared gradient and iterate norms,
    # and the chunk is then searched for every cell's first converged / blown-up step at once. The arithmetic
    # is the per-step update's, so the counts are exact; a cell iterates at most one chunk past its finish
    # (harmlessly: its count is already taken). ~3x faster than bookkeeping after every step.
    eta_grid, beta_grid = np.meshgrid(lrs, betas)  # (n_beta, n_lr)
    idx = np.arange(eta_grid.size)
    eta, beta = eta_grid.ravel(), beta_grid.ravel()
    x = np.repeat(x0[:, None], idx.size, axis=1)
    v = np.zeros_like(x)
    steps = np.full(eta_grid.size, np.nan)
    diverged = np.zeros(eta_grid.size, dtype=bool)
    limit2 = (explode * np.linalg.norm(x0)) ** 2
    goal2 = (rtol * g0) ** 2
    lam_col, lam2, ones = lam[:, None], lam**2, np.ones(lam.size)
    done_steps = 0
    with np.errstate(all="ignore"):
        while done_steps < max_steps and idx.size:
            chunk = min(_MAP_CHUNK, max_steps - done_steps)
            grad2, norm2 = np.empty((chunk, idx.size)), np.empty((chunk, idx.size))
            tmp = np.empty_like(x)
            for j in range(chunk):
                v *= beta                                   # v <- beta v + lam x
                v += np.multiply(lam_col, x, out=tmp)
                x -= np.multiply(eta, v, out=tmp)           # x <- x - eta v
                np.multiply(x, x, out=tmp)
                np.dot(lam2, tmp, out=grad2[j])             # ||grad||^2
                np.dot(ones, tmp, out=norm2[j])             # ||x||^2
            done = grad2 <= goal2
            event = done | ~(norm2 <= limit2)  # NaN counts as blown up
            hit = np.flatnonzero(event.any(axis=0))
            if hit.size:
                first = np.argmax(event[:, hit], axis=0)
                converged = done[first, hit]
                steps[idx[hit[converged]]] = done_steps + 1 + first[converged]
                diverged[idx[hit[~converged]]] = True
                keep = np.ones(idx.size, dtype=bool)
                keep[hit] = False
                idx, x, v, eta, beta = idx[keep], x[:, keep], v[:, keep], eta[keep], beta[keep]
            done_steps += chunk
    steps = steps.reshape(eta_grid.shape)
    diverged = diverged.reshape(eta_grid.shape)
    rate = momentum_rate(lrs[None, :], betas[:, None], lam)
    return MomentumMap(lrs, betas, steps, diverged, rate, lam, max_steps)


# --------------------------------------------------------------------------------------------
# Plateaus
# --------------------------------------------------------------------------------------------
class SaddlePlateau(Objective):
    r"""An :math:`n`-dimensional landscape with one strict saddle and one escape direction.

    .. math:: f(\theta) = \tfrac12 \sum_{i < n} \theta_i^2 + \tfrac14(\theta_n^2 - 1)^2

    The origin is a saddle (Hessian :math:`\mathrm{diag}(1, \dots, 1, -1)`, loss :math:`\tfrac14`); the minima
    are :math:`\pm e_n` (loss 0). From a start with a tiny component :math:`\varepsilon` along :math:`e_n`,
    gradient descent first slides down to the saddle's level and sits there — a plateau — until the
    escape coordinate has grown by :math:`1/\varepsilon`.
    """

    saddle_value = 0.25

    def __init__(self, n: int):
        self.dim = check_int(n, "n", low=1)
        self.name = f"saddle plateau (n={self.dim})"

    def _loss(self, theta):
        return 0.5 * anp.sum(theta[:-1] ** 2) + 0.25 * (theta[-1] ** 2 - 1) ** 2

    def _loss_batch(self, thetas):
        return 0.5 * np.sum(thetas[:, :-1] ** 2, axis=1) + 0.25 * (thetas[:, -1] ** 2 - 1) ** 2

    @property
    def saddle(self) -> np.ndarray:
        return np.zeros(self.dim)

    @property
    def escape_direction(self) -> np.ndarray:
        e = np.zeros(self.dim)
        e[-1] = 1.0
        return e

    def start(self, eps: float, rng=0) -> np.ndarray:
        """A start at distance 1 from the saddle in the stable directions (random) with component ``eps`` along :math:`e_n`."""
        eps = check_scalar(eps, "eps")
        rng = check_rng(rng)
        theta = np.zeros(self.dim)
        if self.dim > 1:
            u = rng.standard_normal(self.dim - 1)
            theta[:-1] = u / np.linalg.norm(u)
        theta[-1] = eps
        return theta


def first_step_below(losses, threshold: float) -> int | None:
    """First index at which ``losses`` drops below ``threshold`` (``None`` if it never does): the end of a plateau."""
    losses = check_vector(losses, "losses", finite=False)
    threshold = check_scalar(threshold, "threshold")
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(losses < threshold)
    return int(hit[0]) if hit.size else None


# --------------------------------------------------------------------------------------------
# Deep linear networks (Saxe et al. 2014)
# --------------------------------------------------------------------------------------------
def saxe_mode_strength(t, s: float, a0: float, tau: float):
    r"""Saxe et al.'s closed form for one mode of a two-layer linear network (balanced, decoupled start).

    Under gradient flow :math:`\tau \dot a = 2a(s - a)`, the mode strength follows the logistic curve

    .. math:: a(t) = \frac{s\, e^{2st/\tau}}{e^{2st/\tau} - 1 + s/a_0},

    a long plateau near :math:`a_0` then a sharp rise to :math:`s`. For the MSE loss of
    :class:`~course_utils.models.MLP` with whitened inputs and :math:`K` outputs, :math:`\tau = K/(2\eta)`
    (in steps).
    """
    s = check_scalar(s, "s", low=0, low_inclusive=False)
    a0 = check_scalar(a0, "a0", low=0, low_inclusive=False)
    tau = check_scalar(tau, "tau", low=0, low_inclusive=False)
    e = np.exp(2 * s * np.asarray(t, dtype=float) / tau)
    return s * e / (e - 1 + s / a0)


def saxe_half_time(s: float, a0: float, tau: float) -> float:
    r"""Time for :func:`saxe_mode_strength` to reach :math:`s/2`: :math:`\frac{\tau}{2s}\ln(s/a_0 - 1)`."""
    s = check_scalar(s, "s", low=0, low_inclusive=False)
    a0 = check_scalar(a0, "a0", low=0, high=s, low_inclusive=False, high_inclusive=False)
    tau = check_scalar(tau, "tau", low=0, low_inclusive=False)
    return float(tau / (2 * s) * np.log(s / a0 - 1))


def mode_strengths(model, thetas, U, V) -> np.ndarray:
    r"""Strength of each target mode in a two-layer linear network: :math:`a_i = u_i^\top W_1 W_2 v_i`.

    Parameters
    ----------
    model : MLP
        ``activation="linear"``, ``bias=False``, one hidden layer.
    thetas : array_like, shape (T, P)
    U : array_like, shape (d_in, r)
        Input singular vectors of the target map.
    V : array_like, shape (d_out, r)
        Output singular vectors.

    Returns
    -------
    ndarray, shape (T, r)
    """
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    if model.activation != "linear" or model.bias or len(model.layer_shapes) != 2:
        raise ValueError("`model` must be a two-layer linear network: MLP(..., hidden=(h,), activation=\"linear\", "
                         f"bias=False), got activation={model.activation!r}, bias={model.bias}, "
                         f"{len(model.layer_shapes) - 1} hidden layer(s)")
    thetas = check_array(thetas, "thetas", ndim=2, finite=False)
    if thetas.shape[1] != model.dim:
        raise ValueError(f"`thetas` must have shape (T, {model.dim}), got {thetas.shape}")
    (d_in, _), _ = model.layer_shapes[0]
    (_, d_out), _ = model.layer_shapes[1]
    U = check_array(U, "U", shape=(d_in, None))
    V = check_array(V, "V", shape=(d_out, U.shape[1]))
    (W1, _), (W2, _) = model.unflatten(thetas)
    with np.errstate(all="ignore"):  # a diverged run's last points are inf: their strengths are inf/nan too
        W = W1 @ W2  # (T, d_in, d_out): the end-to-end linear map
        return np.einsum("ir,tij,jr->tr", U, W, V)


@dataclass(frozen=True)
class DeepLinearResult:
    """A two-layer linear network trained by GD from a small initialisation.

    Attributes
    ----------
    model : MLP
    trajectory : Trajectory
    singular_values : ndarray (r,)
        Target singular values, descending.
    U, V : ndarray (d_in, r), (d_out, r)
        Target singular vectors: the target map is :math:`T = U\\,\\mathrm{diag}(s)\\,V^\\top`.
    strengths : ndarray (T + 1, r)
        :func:`mode_strengths` along the run.
    learned_at : ndarray (r,)
        First step at which each mode reached half its target (``nan`` if never).
    tau : float
        Time constant :math:`K/(2\\eta)` in steps.
    """

    model: object
    trajectory: optimizers.Trajectory
    singular_values: np.ndarray
    U: np.ndarray
    V: np.ndarray
    strengths: np.ndarray
    learned_at: np.ndarray
    tau: float

    def plateau_loss(self, k: int) -> float:
        """The loss once the ``k`` strongest modes are learned and the rest are not: :math:`\\sum_{i > k} s_i^2 / K`."""
        return float(np.sum(self.singular_values[k:] ** 2) / self.V.shape[0])


def deep_linear_experiment(singular_values=(3.0, 1.5, 0.75), *, d: int = 4, hidden: int = 4, n_samples: int = 64,
                           init_scale: float = 1e-3, lr: float = 0.1, steps: int = 400, rng=0) -> DeepLinearResult:
    r"""Train a two-layer linear network on a target map with distinct singular values (Saxe et al. 2014).

    Inputs are whitened (:math:`X^\top X / N = I`), targets are :math:`Y = X T` with
    :math:`T = U\,\mathrm{diag}(s)\,V^\top`; the model is ``MLP(X, Y, hidden=(hidden,), activation="linear",
    bias=False)`` initialised with ``init(rng, scheme="normal", scale=init_scale)``. From a small start the
    network sits near the saddle at zero, then learns the modes one at a time, strongest first: the loss
    falls in stages, each plateau being a saddle where the weaker modes are still unlearned.

    Parameters
    ----------
    singular_values : sequence of float
        Distinct and positive; at most ``d`` of them.
    d : int
        Input and output width.
    hidden : int
    n_samples : int
        At least ``d``.
    init_scale : float
        Standard deviation of the initial weights.
    lr : float
    steps : int
    rng : int or Generator
    """
    from .models import MLP

    s = np.sort(check_vector(singular_values, "singular_values"))[::-1]
    d = check_int(d, "d", low=1)
    if s.size > d or np.any(s <= 0) or np.unique(s).size != s.size:
        raise ValueError(f"`singular_values` must be distinct, positive and at most d = {d} of them, got {s}")
    hidden = check_int(hidden, "hidden", low=1)
    n_samples = check_int(n_samples, "n_samples", low=d)
    init_scale = check_scalar(init_scale, "init_scale", low=0, low_inclusive=False)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    rng = check_rng(rng)
    Q, _ = np.linalg.qr(rng.standard_normal((n_samples, d)))
    X = np.sqrt(n_samples) * Q
    U, _ = np.linalg.qr(rng.standard_normal((d, s.size)))
    V, _ = np.linalg.qr(rng.standard_normal((d, s.size)))
    T = U @ np.diag(s) @ V.T
    model = MLP(X, X @ T, hidden=(hidden,), activation="linear", bias=False)
    theta0 = model.init(rng, scheme="normal", scale=init_scale)
    traj = optimizers.run(model, optimizers.gd(), theta0, steps=steps, lr=lr, rng=rng)
    strengths = mode_strengths(model, traj.thetas, U, V)
    learned = np.full(s.size, np.nan)
    for i in range(s.size):
        hit = np.flatnonzero(strengths[:, i] >= s[i] / 2)
        if hit.size:
            learned[i] = hit[0]
    return DeepLinearResult(model, traj, s, U, V, strengths, learned, float(d / (2 * lr)))
