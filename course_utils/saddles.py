r"""Saddle points and plateaus: how long gradient methods linger near them, and what gets them out.

Near a strict saddle :math:`s` (Hessian eigenvalue :math:`\lambda_{\min} < 0`), gradient descent is a linear
map: the component along the escape direction grows by :math:`(1 + \eta|\lambda_{\min}|)` per step, so from
an initial component :math:`\varepsilon` it needs

.. math:: k_{\text{escape}} \approx \frac{\ln(R/\varepsilon)}{\ln(1 + \eta|\lambda_{\min}|)}
          \approx \frac{\ln(R/\varepsilon)}{\eta|\lambda_{\min}|}

steps to reach distance :math:`R` — logarithmic in :math:`1/\varepsilon`: slow, never infinite, except from
exactly :math:`\varepsilon = 0`. This module measures escape times, says where a run ended (which minimum,
a saddle, or "diverged at step k") and compares optimizers started at a saddle. Momentum's (learning rate,
momentum) map is :mod:`course_utils.momentum`; the plateau experiments (an :math:`n`-dimensional saddle,
deep linear networks) are :mod:`course_utils.plateaus`.

Everything vectorizable is vectorized: :func:`gd_quadratic_paths` runs gradient descent from a batch of
starts at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import optimizers
from .critical import classify_hessian
from .formatting import fmt
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

    Parameters
    ----------
    eps : float or array_like
        Initial component(s) :math:`\varepsilon` along the escape direction, any shape; non-zero and finite
        (the sign is ignored).
    lr : float
        Learning rate :math:`\eta > 0`.
    lam_min : float
        The saddle's most negative Hessian eigenvalue, :math:`\lambda_{\min} < 0`.
    radius : float, default 1.0
        Escape distance :math:`R > 0`.

    Returns
    -------
    float or ndarray
        Same shape as ``eps``, in steps, not rounded (negative when :math:`|\varepsilon| > R`: already out).
    """
    eps = _check_eps(eps)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    lam_min = check_scalar(lam_min, "lam_min", high=0, high_inclusive=False)
    radius = check_scalar(radius, "radius", low=0, low_inclusive=False)
    return np.log(radius / np.abs(eps)) / np.log1p(lr * abs(lam_min))


def escape_time_continuous(eps, lr: float, lam_min: float, radius: float = 1.0):
    r"""Gradient-flow approximation :math:`\ln(R/\varepsilon)/(\eta|\lambda_{\min}|)` (small :math:`\eta|\lambda|`).

    For :math:`|\varepsilon| < R` it is shorter than :func:`escape_time_theory`, since :math:`\ln(1 + x) < x`;
    the two agree as :math:`\eta|\lambda_{\min}| \to 0`.

    Parameters
    ----------
    eps : float or array_like
        Initial component(s) :math:`\varepsilon` along the escape direction, any shape; non-zero and finite
        (the sign is ignored).
    lr : float
        Learning rate :math:`\eta > 0`.
    lam_min : float
        The saddle's most negative Hessian eigenvalue, :math:`\lambda_{\min} < 0`.
    radius : float, default 1.0
        Escape distance :math:`R > 0`.

    Returns
    -------
    float or ndarray
        Same shape as ``eps``, in steps, not rounded (negative when :math:`|\varepsilon| > R`: already out).
    """
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

    The paths come from :func:`gd_quadratic_paths`.

    Parameters
    ----------
    A : array_like, shape (P, P)
        Symmetric (it is symmetrised); indefinite for a saddle.
    starts : array_like, shape (B, P)
        One start per row.
    lr : float
        Learning rate :math:`\eta > 0`.
    radius : float, default 1.0
        Escape distance :math:`R > 0` from the origin.
    max_steps : int, default 1000
        Number of steps run, at least 1.
    direction : array_like, shape (P,), optional
        Measure the distance along this non-zero direction only (normalised here); default the Euclidean
        distance.

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

    The result of :func:`fit_escape_times`.

    Parameters
    ----------
    eps : ndarray (n,)
        Initial escape components, as given.
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

        Parameters
        ----------
        level : float, default 0.95
            Confidence level, in (0, 1).

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

    Built by :func:`locate_endpoint`.

    Parameters
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
    # formatting.fmt: a coordinate of −1e-9 prints "0", not "-0" (a sign on a value shown as zero)
    return "(" + ", ".join(fmt(v, ".3g") for v in np.asarray(point)[:3]) + (", …" if np.size(point) > 3 else "") + ")"


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
    """One optimizer's run from near a saddle: its path, when it escaped, where it ended.

    Built by :func:`compare_at_saddle`.

    Parameters
    ----------
    name : str
        The run's label (its key in ``runs``).
    trajectory : Trajectory
        The run.
    escape_step : int or None
        First step at least ``radius`` from the saddle (:func:`escape_step`), or None if it never escaped.
    endpoint : Endpoint
        Where the run ended (:func:`locate_endpoint`).
    """

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
        ``{label: (optimizer, lr)}``, ``{label: (optimizer, lr, steps)}`` to give one run its own length
        (Newton's method needs a handful of steps, and each costs a dense Hessian), or
        ``{label: (optimizer, lr, steps, tol)}`` to give it its own stopping tolerance as well (``steps`` may
        be ``None`` for the common ``steps``).
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
        if not isinstance(spec, (tuple, list)) or not 2 <= len(spec) <= 4:
            raise TypeError(f"`runs[{label!r}]` must be a tuple (optimizer, lr[, steps[, tol]]), got {spec!r}")
        opt, lr = spec[0], spec[1]
        n = spec[2] if len(spec) > 2 and spec[2] is not None else steps
        run_tol = spec[3] if len(spec) > 3 else tol
        traj = optimizers.run(objective, opt, start, steps=n, lr=lr, tol=run_tol, rng=rng.spawn(1)[0])
        out[label] = SaddleOutcome(label, traj, escape_step(traj.thetas, saddle, radius),
                                   locate_endpoint(objective, traj))
    return out
