r"""How sharp is a minimum? Every common measure at one point, and the caveats that come with them.

"Sharp" means the loss rises quickly when the parameters move. Each measure below makes "move" precise in a
different way:

* :func:`keskar_sharpness` — the worst loss increase in a box :math:`|z_i| \le \varepsilon(|\theta_i| + 1)`,
  found with a few L-BFGS-B iterations and reported as :math:`100 \cdot \Delta L / (1 + L)` (Keskar et al. 2017);
* :func:`random_direction_sharpness` — the worst and the average increase over random directions of length
  :math:`r`; at a minimum the average is :math:`\approx \tfrac12 r^2 \operatorname{tr}H / P`, which is why
  random probing badly underestimates the worst case in high dimension;
* :func:`sam_sharpness` — :math:`L(\theta + \rho g/\|g\|) - L(\theta)`, the quantity SAM minimises
  (Foret et al. 2021); it needs a gradient, so it vanishes at an exact critical point;
* :func:`hessian_trace` and :func:`course_utils.curvature.lambda_max` — curvature at the point:
  :math:`\lambda_{\max}` governs the worst direction (:math:`\tfrac12 r^2\lambda_{\max}`), the trace the average;
* :func:`hessian_frobenius` — :math:`\|H\|_F = \sqrt{\sum_i\lambda_i^2}`, between the two: for a positive
  semi-definite :math:`H` the three are the :math:`\ell_\infty`, :math:`\ell_2` and :math:`\ell_1` norms of the
  spectrum, so they can rank two minima three different ways; :func:`hutchinson_frobenius` estimates
  :math:`\|H\|_F^2 = \mathbb E\|Hz\|^2` from Hessian-vector products alone.

:func:`sharpness_report` returns them all for one point. Two more ideas of the chapter live here:
:func:`sharpness_during_training` and :func:`sharpness_during_training_at` (the edge of stability of Cohen et
al. 2021: under full-batch GD, :math:`\lambda_{\max}` rises to about :math:`2/\eta` and hovers there) and :func:`rescale_relu_network`
(Dinh et al. 2017: the same function with other weights — and another sharpness). :class:`SharpFlatLandscape`
is a small test landscape with one sharp and one flat minimum of exactly equal depth.

Examples
--------
>>> import numpy as np
>>> from course_utils.models import Quadratic
>>> q = Quadratic(np.diag([1.0, 10.0]))
>>> r = sharpness_report(q, np.zeros(2), eps=1e-2, rho=0.1)
>>> round(r.lambda_max, 6), round(r.trace, 6)
(10.0, 11.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import curvature
from .derivatives import anp
from .objective import Objective, as_objective
from .optimizers import Optimizer, Trajectory, gd, run, run_many, sam_perturbation
from .validation import (
    check_array,
    check_bool,
    check_instance,
    check_int,
    check_option,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = [
    "KeskarSharpness",
    "RandomSharpness",
    "SharpnessReport",
    "SharpnessTrace",
    "SharpFlatLandscape",
    "keskar_sharpness",
    "random_direction_sharpness",
    "sam_sharpness",
    "hessian_trace",
    "hessian_frobenius",
    "hutchinson_frobenius",
    "sharpness_report",
    "gd_stability_threshold",
    "sharpness_during_training",
    "sharpness_during_training_at",
    "lambda_max_batch",
    "rescale_relu_network",
    "weights_only_mask",
]

# Below this many parameters the trace is computed exactly from P Hessian-vector products.
_EXACT_TRACE_BELOW = 400


def _finite_increase(new_loss, loss0: float, name: str, value: float) -> float:
    """``new_loss - loss0``, or a ``ValueError`` naming the size argument when the loss there is not finite.

    A radius far beyond the landscape's scale sends the perturbed point where the loss overflows; that is a
    setting to change, not a sharpness to report.
    """
    new_loss = np.asarray(new_loss, dtype=float)
    if not np.all(np.isfinite(new_loss)):
        raise ValueError(f"`{name}` = {value:g} moves theta so far that the loss is not finite there; "
                         f"use a smaller `{name}`")
    with np.errstate(over="ignore"):
        out = new_loss - loss0
    if not np.all(np.isfinite(out)):
        raise ValueError(f"`{name}` = {value:g} moves theta so far that the loss increase overflows; "
                         f"use a smaller `{name}`")
    return out


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeskarSharpness:
    r"""Outcome of :func:`keskar_sharpness`.

    Parameters
    ----------
    value : float
        :math:`100 \cdot (\max_z L(\theta + z) - L(\theta)) / (1 + L(\theta))`, Keskar et al.'s metric.
    increase : float
        The raw worst increase :math:`\max_z L(\theta + z) - L(\theta)` found.
    loss : float
        :math:`L(\theta)`.
    perturbation : ndarray, shape (P,)
        The maximising :math:`z` (inside the box).
    iterations : int
        L-BFGS-B iterations used.
    """

    value: float
    increase: float
    loss: float
    perturbation: np.ndarray
    iterations: int


@dataclass(frozen=True)
class RandomSharpness:
    """Outcome of :func:`random_direction_sharpness`.

    Parameters
    ----------
    worst, average : float
        Largest and mean loss increase over the sampled directions.
    increases : ndarray, shape (n_directions,)
        :math:`L(\\theta + r u_k) - L(\\theta)` for each unit direction :math:`u_k`.
    radius : float
        The length :math:`r` of the directions.
    stderr : float, default nan
        Standard error of ``average`` as an estimate of the mean over *all* directions,
        :math:`s/\\sqrt{n}` with :math:`s` the sample standard deviation (ddof 1) of ``increases``;
        ``nan`` for a single direction.
    """

    worst: float
    average: float
    increases: np.ndarray
    radius: float
    stderr: float = float("nan")


@dataclass(frozen=True)
class SharpnessReport:
    """Every sharpness measure at one point (see :func:`sharpness_report`).

    Parameters
    ----------
    loss, grad_norm : float
        :math:`L(\\theta)` and :math:`\\|\\nabla L(\\theta)\\|`.
    eps, radius, rho : float
        Keskar box size, random-direction radius, SAM radius.
    keskar : float
        Keskar et al.'s ε-sharpness (×100 / (1 + L)).
    keskar_increase : float
        The raw worst increase in the box.
    worst_random, average_random : float
        Worst and mean increase over random directions of length ``radius``.
    average_random_stderr : float
        Standard error of ``average_random`` over the sampled directions (see :class:`RandomSharpness`).
    sam : float
        :math:`L(\\theta + \\rho g/\\|g\\|) - L(\\theta)`.
    lambda_max : float
        Largest Hessian eigenvalue (Lanczos).
    trace : float
        Hessian trace (exact for small P, Hutchinson otherwise).
    trace_stderr : float
        Standard error of the trace (0 when exact).
    """

    loss: float
    grad_norm: float
    eps: float
    radius: float
    rho: float
    keskar: float
    keskar_increase: float
    worst_random: float
    average_random: float
    average_random_stderr: float
    sam: float
    lambda_max: float
    trace: float
    trace_stderr: float

    def as_dict(self) -> dict:
        """The fields as a plain dict (for tables)."""
        return asdict(self)


@dataclass(frozen=True)
class SharpnessTrace:
    r"""Sharpness along a training run (:func:`sharpness_during_training`).

    Parameters
    ----------
    steps : ndarray of int, shape (K,)
        Steps at which :math:`\lambda_{\max}` was measured (increasing).
    lambda_max : ndarray, shape (K,)
        The largest Hessian eigenvalue at each of those steps.
    trajectory : Trajectory
        The full run (losses at every step).
    lr : float
        The learning rate :math:`\eta` of the run; :attr:`threshold` is :math:`2/\eta`.
    """

    steps: np.ndarray
    lambda_max: np.ndarray
    trajectory: Trajectory
    lr: float

    @property
    def threshold(self) -> float:
        r"""The stability threshold :math:`2/\eta` of gradient descent."""
        return 2.0 / self.lr

    def first_crossing(self, fraction: float = 0.9, start: int = 0) -> int | None:
        """First measured step ``>= start`` with :math:`\\lambda_{\\max} \\ge` ``fraction`` · 2/η (``None`` if never).

        ``start`` skips the first steps, where a large initial sharpness is typically shed at once.

        Parameters
        ----------
        fraction : float, default 0.9
            The level, as a fraction of the stability threshold :math:`2/\\eta` (1 is the threshold itself).
        start : int, default 0
            The first training step (not sample index) that counts.

        Returns
        -------
        int or None
            The training step of the first such measurement.
        """
        hit = np.nonzero((self.lambda_max >= fraction * self.threshold) & (self.steps >= start))[0]
        return int(self.steps[hit[0]]) if hit.size else None

    def late_phase(self, start: float = 0.5) -> np.ndarray:
        r"""Which samples belong to the late phase: a boolean mask, shape ``(K,)``.

        The late phase is every sample taken at a step :math:`\ge` ``start`` :math:`\cdot T`, where
        :math:`T` is the last measured step; ``start = 0.5`` is the second half of the run.

        Parameters
        ----------
        start : float
            Where the late phase begins, as a fraction of the run, :math:`0 \le` ``start`` :math:`\le 1`.
        """
        start = check_scalar(start, "start", low=0, high=1)
        return self.steps >= start * self.steps[-1]

    def late_median(self, start: float = 0.5) -> float:
        r"""The median of :math:`\lambda_{\max}` over the late phase (see :meth:`late_phase`).

        At the edge of stability single samples swing well above and below :math:`2/\eta` (a spike, then a
        catapult dip); the theory (Cohen et al. 2021) predicts where they *hover*, which the median of a window
        long enough to hold several swings estimates stably. Compare it with :attr:`threshold`.

        Parameters
        ----------
        start : float, default 0.5
            Where the late phase begins, as a fraction of the run, :math:`0 \le` ``start`` :math:`\le 1`
            (see :meth:`late_phase`).
        """
        return float(np.median(self.lambda_max[self.late_phase(start)]))


# --------------------------------------------------------------------------------------------
# The measures
# --------------------------------------------------------------------------------------------
def keskar_sharpness(objective, theta, eps: float = 1e-3, *, maxiter: int = 10, rng=0) -> KeskarSharpness:
    r"""ε-sharpness of Keskar et al. (2017): the worst loss increase in a box around ``theta``.

    .. math::
        \phi_\varepsilon(\theta) = 100 \cdot \frac{\max_{z \in C_\varepsilon} L(\theta + z) - L(\theta)}{1 + L(\theta)},
        \qquad C_\varepsilon = \{z : |z_i| \le \varepsilon(|\theta_i| + 1)\}.

    The box is relative to each weight's size (plus one, so zero weights may move too). The inner maximum is
    found, as in the paper, with a few L-BFGS-B iterations on :math:`-L(\theta + z)`; it is a lower bound on
    the true maximum (maximising a non-concave function over a box is hard in general). The search starts at a
    random point of the box drawn from ``rng`` — at a minimum the gradient vanishes, so starting at
    :math:`z = 0` would stop at once.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (P,)
    eps : float
        Relative box size :math:`0 < \varepsilon \le 1` (the paper uses 1e-3 and 5e-4; beyond 1 a weight could
        move by more than its own size, which no longer measures a neighbourhood).
    maxiter : int
        L-BFGS-B iterations (the paper: 10).
    rng : Generator or int
        Source of the random start.
    """
    from scipy.optimize import minimize

    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    eps = check_scalar(eps, "eps", low=0, high=1, low_inclusive=False)
    maxiter = check_int(maxiter, "maxiter", low=1)
    rng = check_rng(rng)
    half = eps * (np.abs(theta) + 1.0)
    if not np.all(np.isfinite(half)):
        raise ValueError("`theta` is too large for a relative box: eps * (|theta| + 1) overflows")
    loss0 = float(objective.unchecked_loss(theta))
    if not np.isfinite(loss0):
        raise ValueError(f"the loss at `theta` must be finite, got {loss0}")
    grad_fn = objective.unchecked_grad

    def negative(z):
        return -float(objective.unchecked_loss(theta + z)), -grad_fn(theta + z)

    z0 = rng.uniform(-half, half)
    with np.errstate(all="ignore"):  # a box reaching where the loss overflows is reported below, by name
        res = minimize(negative, z0, jac=True, method="L-BFGS-B", bounds=list(zip(-half, half)),
                       options={"maxiter": maxiter})
        z = np.clip(res.x, -half, half)
        if not np.all(np.isfinite(z)):
            z = z0
        new_loss = objective.unchecked_loss(theta + z)
    increase = max(float(_finite_increase(new_loss, loss0, "eps", eps)), 0.0)
    return KeskarSharpness(100.0 * increase / (1.0 + loss0), increase, loss0, z, int(res.nit))


def random_direction_sharpness(objective, theta, radius: float = 0.05, *, n_directions: int = 100,
                               rng=0) -> RandomSharpness:
    r"""Worst and average loss increase over ``n_directions`` random directions of length ``radius``.

    Directions :math:`u_k` are uniform on the unit sphere; the increases
    :math:`L(\theta + r u_k) - L(\theta)` are evaluated in one batched call. By Taylor,

    .. math::
        \Delta L(u) = r\, g^\top u + \tfrac12 r^2 u^\top H u + O(r^3), \qquad
        \mathbb E_u[\Delta L] = \tfrac12 r^2 \operatorname{tr}H / P + O(r^4)

    at *any* point: :math:`u` and :math:`-u` are equally likely, so the odd orders average out and
    ``average`` estimates the *average* curvature. Away from a minimum the first-order term
    :math:`r\,g^\top u` (standard deviation :math:`r\|g\|/\sqrt P`) adds spread but no bias — which
    ``stderr`` measures. The worst direction gives :math:`\tfrac12 r^2 \lambda_{\max}` at a minimum; in high
    dimension a random direction is almost orthogonal to any fixed direction (overlap
    :math:`\sim 1/\sqrt P`), so even the worst of many samples stays far below the true worst case.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (P,)
    radius : float
        :math:`r > 0`.
    n_directions : int
    rng : Generator or int
    """
    return _random_direction_sharpness(objective, theta, radius, n_directions, rng, "radius")


def _random_direction_sharpness(objective, theta, radius, n_directions, rng, name: str) -> RandomSharpness:
    """:func:`random_direction_sharpness`, its errors naming ``radius`` as the caller called it (``name``)."""
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    radius = check_scalar(radius, name, low=0, low_inclusive=False)
    n_directions = check_int(n_directions, "n_directions", low=1)
    rng = check_rng(rng)
    u = rng.standard_normal((n_directions, objective.dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        new_losses = objective.loss_batch(theta + radius * u)
    increases = _finite_increase(new_losses, float(objective.unchecked_loss(theta)), name, radius)
    stderr = float(increases.std(ddof=1) / np.sqrt(n_directions)) if n_directions > 1 else float("nan")
    return RandomSharpness(float(increases.max()), float(increases.mean()), increases, radius, stderr)


def sam_sharpness(objective, theta, rho: float = 0.05, *, adaptive: bool = False, eta: float = 0.01,
                  scale_mask=None) -> float:
    r"""SAM's sharpness :math:`L(\theta + \hat\varepsilon) - L(\theta)` with :math:`\hat\varepsilon = \rho g/\|g\|`.

    The first-order worst case in a ball of radius :math:`\rho` (ASAM's scaled ball with ``adaptive=True``;
    see :func:`course_utils.optimizers.sam_perturbation`). Away from a critical point it is
    :math:`\approx \rho\|g\| + \tfrac12\rho^2 \hat g^\top H \hat g`; at an exact critical point
    :math:`g = 0` and it is 0 — the linearisation sees no direction to climb.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (P,)
        The point; the gradient there must be finite.
    rho : float, default 0.05
        Radius :math:`\rho \ge 0` of the ball (0 gives 0).
    adaptive : bool, default False
        Use ASAM's scaled ball (:math:`\hat\varepsilon = \rho\, T^2 g / \|T g\|` with
        :math:`T = \operatorname{diag}(|\theta| + \eta)`) instead of the Euclidean one.
    eta : float, default 0.01
        ASAM's offset :math:`\eta \ge 0` in :math:`|\theta| + \eta` (not a learning rate); ignored unless
        ``adaptive``.
    scale_mask : array_like of bool, shape (P,), optional
        ASAM only: the coordinates scaled by :math:`|\theta_i| + \eta`, the others keep the factor 1 (Kwon et
        al.'s code scales weights, not biases: :func:`weights_only_mask`). Default None: all of them.

    Returns
    -------
    float
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    rho = check_scalar(rho, "rho", low=0)
    adaptive = check_bool(adaptive, "adaptive")
    eta = check_scalar(eta, "eta", low=0)
    g = objective.unchecked_grad(theta)
    if not np.all(np.isfinite(g)):
        raise ValueError("the gradient at `theta` must be finite")
    eps_hat = sam_perturbation(g, rho, theta, adaptive=adaptive, eta=eta, scale_mask=scale_mask)
    with np.errstate(all="ignore"):
        new_loss = objective.unchecked_loss(theta + eps_hat)
    return float(_finite_increase(new_loss, float(objective.unchecked_loss(theta)), "rho", rho))


def hessian_trace(objective, theta, *, method: str = "auto", n_probes: int = 100, rng=0) -> tuple[float, float]:
    r"""The Hessian trace :math:`\operatorname{tr}\nabla^2 L(\theta)` and its standard error.

    ``method="exact"`` sums :math:`e_i^\top H e_i` over the ``P`` unit vectors (``P`` cached Hessian-vector
    products); ``"hutchinson"`` uses :func:`course_utils.curvature.hutchinson_trace` with ``n_probes``
    Rademacher probes; ``"auto"`` is exact below 400 parameters.

    Parameters
    ----------
    objective : Objective
        Needs Hessian-vector products (``make_hvp``).
    theta : array_like, shape (P,)
        The point at which the Hessian is taken.
    method : {"auto", "exact", "hutchinson"}
        As described above.
    n_probes : int, default 100
        Number of Hutchinson probes, at least 2 (used only by the Hutchinson estimate).
    rng : Generator or int, default 0
        Source of the probes (used only by the Hutchinson estimate).

    Returns
    -------
    (trace, stderr) : (float, float)
        ``stderr`` is 0 for the exact method.
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    method = check_option(method, "method", ["auto", "exact", "hutchinson"])
    # validated on every path: a bad value is a mistake even when the exact sum does not use it
    n_probes = check_int(n_probes, "n_probes", low=2)
    rng = check_rng(rng)
    hvp = objective.make_hvp(theta)
    if method == "exact" or (method == "auto" and objective.dim < _EXACT_TRACE_BELOW):
        eye = np.eye(objective.dim)
        return float(sum(eye[i] @ hvp(eye[i]) for i in range(objective.dim))), 0.0
    est = curvature.hutchinson_trace(hvp, objective.dim, rng=rng, n_probes=n_probes)
    return est.estimate, est.stderr


def hutchinson_frobenius(hvp, dim: int, rng=0, n_probes: int = 100, *,
                         confidence: float = 0.95) -> curvature.TraceEstimate:
    r"""A Hutchinson-style estimate of :math:`\|H\|_F^2 = \operatorname{tr}(H^2) = \mathbb E_z\|Hz\|^2`.

    For probes with :math:`\mathbb E[zz^\top] = I` (Rademacher entries ±1 here),
    :math:`\mathbb E\|Hz\|^2 = \mathbb E[z^\top H^2 z] = \operatorname{tr}(H^2) = \sum_i \lambda_i^2`, so each
    sample :math:`\|Hz_k\|^2` is unbiased for the squared Frobenius norm and costs one Hessian-vector product —
    Hutchinson's trace estimator applied to :math:`H^2` (:func:`course_utils.curvature.hutchinson_trace`). Its
    per-sample variance is :math:`2(\|H^2\|_F^2 - \sum_i (H^2)_{ii}^2)`; when one eigenvalue dominates
    (:math:`H \approx \lambda uu^\top`) that is about :math:`2\lambda^4`, a relative standard deviation of
    :math:`\sqrt2` per probe, and the samples are skewed like :math:`\chi^2_1` — so the estimate comes with
    :func:`course_utils.curvature.mean_confidence_interval`'s skewness-corrected interval. :math:`\|H\|_F` itself is
    the square root (biased low by Jensen's inequality; the square is the unbiased quantity).

    Parameters
    ----------
    hvp : callable or ndarray of shape (P, P)
        ``v (P,) -> H v (P,)`` for a symmetric ``H``, or ``H`` itself (dense and symmetric: all probes in one
        matrix product, the same numbers up to rounding).
    dim : int
        ``P``.
    rng : Generator or int
        Source of the probes.
    n_probes : int
        Number of probes, at least 2 (for an interval).
    confidence : float
        Level of the two-sided interval, in (0, 1).

    Returns
    -------
    course_utils.curvature.TraceEstimate
        ``estimate``, ``stderr``, ``ci_low``, ``ci_high`` of :math:`\|H\|_F^2`; ``samples`` ``(n_probes,)`` are the
        :math:`\|Hz_k\|^2`.

    Examples
    --------
    >>> D = np.diag([3.0, 4.0])  # Rademacher probes are exact on a diagonal matrix: ‖Dz‖² = 9 + 16
    >>> hutchinson_frobenius(lambda v: D @ v, 2, n_probes=4).estimate
    25.0
    """
    confidence = check_scalar(confidence, "confidence", low=0, high=1, low_inclusive=False, high_inclusive=False)
    Z, HZ = curvature._probe_products(hvp, dim, rng, n_probes)  # the trace estimator's probes, validated there
    return curvature._estimate(np.einsum("ij,ij->i", HZ, HZ), confidence)  # ‖Hz_k‖² per probe


def hessian_frobenius(objective, theta, *, method: str = "auto", n_probes: int = 100,
                      rng=0) -> tuple[float, float]:
    r"""The Hessian's Frobenius norm :math:`\|\nabla^2 L(\theta)\|_F = \sqrt{\sum_{ij} H_{ij}^2} = \sqrt{\sum_i \lambda_i^2}`.

    A sharpness measure between :math:`\lambda_{\max}` and the trace: for :math:`H \succeq 0` with eigenvalues
    :math:`\lambda_i`, :math:`\lambda_{\max} \le \|H\|_F \le \operatorname{tr}H`, the :math:`\ell_\infty`,
    :math:`\ell_2` and :math:`\ell_1` norms of the spectrum. One large eigenvalue counts fully in all three; many
    moderate ones count little in :math:`\lambda_{\max}`, more in :math:`\|H\|_F`, most in the trace.

    ``method="exact"`` sums :math:`\|He_i\|^2` over the ``P`` unit vectors (``P`` cached Hessian-vector
    products, the same ones :func:`hessian_trace` uses); ``"hutchinson"`` takes :func:`hutchinson_frobenius` with
    ``n_probes`` probes and returns the square root of its estimate of :math:`\|H\|_F^2`; ``"auto"`` is exact
    below 400 parameters.

    Parameters
    ----------
    objective : Objective
        Needs Hessian-vector products (``make_hvp``).
    theta : array_like, shape (P,)
        The point at which the Hessian is taken.
    method : {"auto", "exact", "hutchinson"}
        As described above.
    n_probes : int, default 100
        Probes of the Hutchinson estimate, at least 2 (validated on every path).
    rng : Generator or int, default 0
        Source of the probes (used only by the Hutchinson estimate).

    Returns
    -------
    (norm, stderr) : (float, float)
        ``stderr`` is 0 for the exact method; for the estimate, the standard error of :math:`\|H\|_F^2` carried
        to the root by the delta method, :math:`\mathrm{se}/(2\|H\|_F)`.
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    method = check_option(method, "method", ["auto", "exact", "hutchinson"])
    n_probes = check_int(n_probes, "n_probes", low=2)
    rng = check_rng(rng)
    hvp = objective.make_hvp(theta)
    if method == "exact" or (method == "auto" and objective.dim < _EXACT_TRACE_BELOW):
        eye = np.eye(objective.dim)
        return float(np.sqrt(sum(float(np.sum(hvp(eye[i]) ** 2)) for i in range(objective.dim)))), 0.0
    est = hutchinson_frobenius(hvp, objective.dim, rng=rng, n_probes=n_probes)
    norm = float(np.sqrt(max(est.estimate, 0.0)))
    return norm, (est.stderr / (2 * norm) if norm > 0 else float("inf"))


def sharpness_report(objective, theta, *, eps: float = 1e-3, radius: float | None = None, rho: float = 0.05,
                     n_directions: int = 100, maxiter: int = 10, trace_method: str = "auto",
                     rng=0) -> SharpnessReport:
    r"""Every sharpness measure of this module at ``theta``, in one call.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (P,)
    eps : float
        Keskar box size (relative).
    radius : float, optional
        Length of the random directions; default ``rho``, so the random and the SAM measures probe the same
        sphere (and differ only in the direction).
    rho : float
        SAM radius.
    n_directions : int
        Random directions sampled.
    maxiter : int
        L-BFGS-B iterations for the Keskar measure.
    trace_method : {"auto", "exact", "hutchinson"}
    rng : Generator or int
        One generator feeds every random draw, so the report is reproducible.
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    rho = check_scalar(rho, "rho", low=0)
    radius_name = "rho" if radius is None else "radius"  # name the argument the radius came from in errors
    radius = rho if radius is None else check_scalar(radius, "radius", low=0, low_inclusive=False)
    if radius == 0:
        raise ValueError("`radius` (default: `rho`) must be > 0 for the random-direction measure, got 0")
    eps = check_scalar(eps, "eps", low=0, high=1, low_inclusive=False)
    trace_method = check_option(trace_method, "trace_method", ["auto", "exact", "hutchinson"])
    rng = check_rng(rng)
    loss, g = objective.value_and_grad(theta)
    kes = keskar_sharpness(objective, theta, eps, maxiter=maxiter, rng=rng)
    rand = _random_direction_sharpness(objective, theta, radius, n_directions, rng, radius_name)
    lam = curvature.lambda_max(objective, theta, rng=rng)
    trace, stderr = hessian_trace(objective, theta, method=trace_method, rng=rng)
    return SharpnessReport(
        loss=loss, grad_norm=float(np.linalg.norm(g)), eps=eps, radius=radius, rho=rho, keskar=kes.value,
        keskar_increase=kes.increase, worst_random=rand.worst, average_random=rand.average,
        average_random_stderr=rand.stderr, sam=sam_sharpness(objective, theta, rho), lambda_max=lam, trace=trace, trace_stderr=stderr,
    )


# --------------------------------------------------------------------------------------------
# Stability and the edge of stability
# --------------------------------------------------------------------------------------------
def gd_stability_threshold(hessian) -> float:
    r"""The largest stable learning rate of gradient descent on a quadratic: :math:`2/\lambda_{\max}(H)`.

    On :math:`L = \tfrac12\theta^\top H\theta`, GD multiplies the component along eigenvector :math:`i` by
    :math:`1 - \eta\lambda_i` each step; it diverges exactly when some :math:`|1 - \eta\lambda_i| > 1`, i.e.
    :math:`\eta > 2/\lambda_{\max}` (for :math:`\lambda_{\max} > 0`; ``inf`` when no curvature is positive).

    Parameters
    ----------
    hessian : array_like, shape (P, P)
        Symmetric.
    """
    H = check_array(hessian, "hessian", ndim=2)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"`hessian` must be a square matrix, got shape {H.shape}")
    top = float(np.linalg.eigvalsh(0.5 * H + 0.5 * H.T)[-1])  # halves first: H + Hᵀ could overflow
    return 2.0 / top if top > 0 else float("inf")


def _traceable_batch_loss(objective):
    """The objective's loss over a stack of parameter vectors, ``(B, P) -> (B,)``, written with autograd.numpy
    and with independent rows — or ``None`` when it has none (then the caller loops over points)."""
    if objective.batch_is_traceable:
        return objective.unchecked_loss_batch
    from .models import MLP

    if isinstance(objective, MLP):
        # MLP._forward broadcasts over a leading batch axis of theta (its chunked _loss_batch is not traceable)
        return objective.unchecked_loss
    return None


def lambda_max_batch(objective, thetas, *, rng=0, tol: float = 1e-8, max_steps: int = 40,
                     chunk: int = 128) -> np.ndarray:
    r""":math:`\lambda_{\max}(\nabla^2 L(\theta_s))` at many points at once, shape ``(S,)``.

    Lanczos with full re-orthogonalisation runs on all points side by side: each Lanczos step is **one**
    Hessian-vector product of the batched loss :math:`\sum_s L(\theta_s)`, whose Hessian is block-diagonal,
    so autograd's per-call overhead is paid once per step for the whole stack instead of once per point. A
    point is done when the residual of its top Ritz pair, :math:`\beta_j |y_j|` (exact with full
    re-orthogonalisation), is at most ``tol`` :math:`\cdot|\theta|`; for a symmetric matrix some eigenvalue then
    lies within that residual of the Ritz value :math:`\theta`, and Ritz values approach :math:`\lambda_{\max}`
    from below. Points not done after ``max_steps`` steps, and objectives without a traceable batched loss,
    fall back to :func:`course_utils.curvature.lambda_max` (ARPACK) point by point.

    Measured on the chapter's 2-16-1 MLP (P = 65, N = 100): ~1.5 ms per point, 12 steps to machine precision,
    against ~20 ms per point for ARPACK (whose Krylov space has at least 20 vectors).

    Parameters
    ----------
    objective : Objective
    thetas : array_like, shape (S, P)
        Finite parameter vectors.
    rng : Generator or int
        Source of the random start vectors.
    tol : float
        Relative residual at which a point's top Ritz value is accepted, :math:`0 < \text{tol} < 1`.
    max_steps : int
        Lanczos steps at most (capped at ``P``, where the Krylov space is the whole space).
    chunk : int
        Points per batched product (bounds memory: an MLP's activations cost chunk·N·width·8 bytes).

    Returns
    -------
    ndarray, shape (S,)
    """
    from .derivatives import make_hvp

    objective = as_objective(objective)
    thetas = check_array(thetas, "thetas", ndim=2, min_size=0)
    if thetas.shape[1] != objective.dim:
        raise ValueError(f"`thetas` must have shape (S, {objective.dim}), got {thetas.shape}")
    rng = check_rng(rng)
    tol = check_scalar(tol, "tol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", low=1)
    chunk = check_int(chunk, "chunk", low=1)
    S, P = thetas.shape
    out = np.full(S, np.nan)
    batch_loss = _traceable_batch_loss(objective)
    if batch_loss is not None and S:

        m = min(max_steps, P)
        for lo in range(0, S, chunk):
            block = thetas[lo : lo + chunk]
            b = block.shape[0]

            def total(z, b=b):
                return anp.sum(batch_loss(anp.reshape(z, (b, P))))

            hvp_flat = make_hvp(total, block.ravel())
            out[lo : lo + b] = _block_lanczos_top(lambda V, h=hvp_flat, b=b: h(V.ravel()).reshape(b, P),
                                                  rng.standard_normal((b, P)), m, tol)
    for i in np.nonzero(~np.isfinite(out))[0]:  # not converged, or no batched loss: ARPACK, one point at a time
        out[i] = curvature.lambda_max(objective, thetas[i], rng=rng)
    return out


def _block_lanczos_top(hvp_rows, start: np.ndarray, m: int, tol: float) -> np.ndarray:
    """Top Ritz value of ``m`` Lanczos steps run on ``b`` independent symmetric operators at once.

    ``hvp_rows(V)`` maps ``(b, P)`` to the rows :math:`H_r v_r`; ``start`` ``(b, P)`` holds the start vectors.
    Rows whose top Ritz pair has relative residual ``<= tol`` get their value; the others ``nan``.
    """
    b, P = start.shape
    Q = np.zeros((b, m, P))
    alpha = np.zeros((b, m))
    beta = np.zeros((b, m))
    q = start / np.linalg.norm(start, axis=1, keepdims=True)
    result = np.full(b, np.nan)
    done = np.zeros(b, dtype=bool)
    for j in range(m):
        Q[:, j] = q
        w = hvp_rows(q)
        alpha[:, j] = np.einsum("bp,bp->b", w, q)
        basis = Q[:, : j + 1]
        for _ in range(2):  # full re-orthogonalisation, twice ("twice is enough"): Ritz residuals stay exact
            w = w - np.einsum("bjp,bj->bp", basis, np.einsum("bjp,bp->bj", basis, w))
        beta[:, j] = np.linalg.norm(w, axis=1)
        T = np.zeros((b, j + 1, j + 1))
        k = np.arange(j + 1)
        T[:, k, k] = alpha[:, : j + 1]
        T[:, k[:-1], k[1:]] = T[:, k[1:], k[:-1]] = beta[:, :j]
        values, vectors = np.linalg.eigh(T)
        top = values[:, -1]
        residual = np.abs(beta[:, j] * vectors[:, -1, -1])
        scale = np.maximum(np.abs(top), np.finfo(float).tiny)
        newly = ~done & (residual <= tol * scale)   # a breakdown (beta = 0) is an exact, invariant subspace
        result[newly] = top[newly]
        done |= newly
        if done.all():
            break
        q = w / np.where(beta[:, j] > 0, beta[:, j], 1.0)[:, None]   # rows already done keep their result
    return result


def sharpness_during_training(objective, theta0, *, steps: int, lr: float, every: int = 10,
                              optimizer: Optimizer | None = None, batch_size: int | None = None,
                              rng=0) -> SharpnessTrace:
    r""":math:`\lambda_{\max}` of the Hessian measured every ``every`` steps of a training run.

    Cohen et al. (2021, "Gradient descent on neural networks typically occurs at the edge of stability"):
    under full-batch GD with step :math:`\eta` the sharpness first rises (*progressive sharpening*) until it
    reaches about :math:`2/\eta`, then hovers there while the loss keeps decreasing, non-monotonically — the
    quadratic model says GD should diverge, yet it does not. The hovering is not still: the sharpness climbs a
    little past :math:`2/\eta`, GD becomes unstable along the top eigenvector, the loss spikes and the iterate
    is thrown to a flatter region (a *catapult*, Lewkowycz et al. 2020) from which it sharpens again. Single
    samples therefore say little; :meth:`SharpnessTrace.late_median` is the statistic to compare with
    :math:`2/\eta`.

    The run is recorded first; then :func:`lambda_max_batch` measures every sampled point in one batched Lanczos,
    so dense sampling (``every`` of a few steps) is affordable.

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (P,)
    steps : int
    lr : float
        Constant learning rate :math:`\eta`.
    every : int
        Measure :math:`\lambda_{\max}` every ``every`` steps, and at the last one.
    optimizer : Optimizer, optional
        Default :func:`course_utils.optimizers.gd`.
    batch_size : int, optional
        Minibatches (SGD); ``None`` for full batch.
    rng : Generator or int
        Minibatch order, then the Lanczos start vectors.
    """
    objective = as_objective(objective)
    steps = check_int(steps, "steps", low=1)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    every = check_int(every, "every", low=1)
    rng = check_rng(rng)
    traj = run(objective, gd() if optimizer is None else optimizer, theta0, steps=steps, lr=lr,
               batch_size=batch_size, rng=rng)
    idx = np.unique(np.r_[np.arange(0, traj.thetas.shape[0], every), traj.thetas.shape[0] - 1])
    if traj.diverged:
        idx = idx[idx < traj.thetas.shape[0] - 1]  # the last point is the non-finite one
    return SharpnessTrace(idx, lambda_max_batch(objective, traj.thetas[idx], rng=rng), traj, lr)


def sharpness_during_training_at(objective, theta0, lrs, *, steps: int, every: int = 10,
                                 rng=0, tol: float = 1e-8, chunk: int = 128) -> dict[float, SharpnessTrace]:
    r""":func:`sharpness_during_training` under full-batch GD at several step sizes from one start, side by side.

    The runs step in lockstep (:func:`course_utils.optimizers.run_many`: one batched gradient per step serves
    every step size, and each run is the one :func:`~course_utils.optimizers.run` gives alone); then one
    :func:`lambda_max_batch` measures the sampled points of all of them. What this saves is autograd's per-call
    overhead, which dominates on small networks (on the chapter's 2-16-1 MLP, 10–30 % of the time of one
    :func:`sharpness_during_training` per step size). It is Cohen et al.'s Fig. 1 — one start, several step
    sizes — in one call.

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (P,)
        The common start.
    lrs : sequence of float
        Distinct positive step sizes :math:`\eta`.
    steps : int
    every : int
        Measure :math:`\lambda_{\max}` every ``every`` steps, and at the last one.
    rng : Generator or int
        Source of the Lanczos start vectors.
    tol : float
        Relative residual at which :func:`lambda_max_batch` accepts a top Ritz value, in (0, 1). The error of
        the Ritz value is of the order of the residual squared over the spectral gap: ``1e-6`` already gives
        :math:`\lambda_{\max}` to about twelve digits on the chapter's network, in fewer Lanczos steps.
    chunk : int
        Points per batched Hessian-vector product of :func:`lambda_max_batch`. Default 128; on chapter 8's
        digits network (P = 2,410, 200 images) 16 is about twice as fast.

    Returns
    -------
    dict[float, SharpnessTrace]
        One trace per step size, keyed by it, in the order given.
    """
    objective = as_objective(objective)
    steps = check_int(steps, "steps", low=1)
    every = check_int(every, "every", low=1)
    tol = check_scalar(tol, "tol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    chunk = check_int(chunk, "chunk", low=1)
    rng = check_rng(rng)
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise TypeError(f"`lrs` must be a sequence of step sizes, got {lrs!r}")
    lrs = [check_scalar(lr, "lrs", low=0, low_inclusive=False) for lr in lrs]
    if not lrs or len(set(lrs)) != len(lrs):
        raise ValueError(f"`lrs` must hold at least one step size and no repeats, got {lrs}")
    trajs = run_many(objective, [gd() for _ in lrs], theta0, steps=steps, lrs=lrs, rng=rng)
    picks = []
    for traj in trajs:
        idx = np.unique(np.r_[np.arange(0, traj.thetas.shape[0], every), traj.thetas.shape[0] - 1])
        picks.append(idx[idx < traj.thetas.shape[0] - 1] if traj.diverged else idx)  # a diverged run's last is not finite
    lam = lambda_max_batch(objective, np.concatenate([t.thetas[i] for t, i in zip(trajs, picks)]), rng=rng, tol=tol,
                           chunk=chunk)
    bounds = np.cumsum([0] + [i.size for i in picks])
    return {lr: SharpnessTrace(i, lam[a:b], t, lr) for lr, t, i, a, b in zip(lrs, trajs, picks, bounds[:-1], bounds[1:])}


# --------------------------------------------------------------------------------------------
# Reparameterization (Dinh et al. 2017)
# --------------------------------------------------------------------------------------------
def weights_only_mask(model) -> np.ndarray:
    r"""The boolean mask of an MLP's weight-matrix entries in its flat parameter vector (biases False).

    ASAM's reference code (Kwon et al. 2021, github.com/SamsungLabs/ASAM) scales the perturbation of the
    weight tensors by :math:`|w| + \eta` and leaves the biases' factor at 1; pass this mask as ``scale_mask``
    to :func:`course_utils.optimizers.sam` or :func:`sam_sharpness` to do the same.

    Parameters
    ----------
    model : MLP
        Any :class:`course_utils.models.MLP` (without biases every entry is a weight).

    Returns
    -------
    ndarray of bool, shape (P,)
        True at the entries of the :math:`W_\ell`, False at those of the :math:`b_\ell`.
    """
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    # flatten puts each layer's W then b where unflatten reads them: ones on the weights, zeros on the biases
    layers = model.unflatten(np.zeros(model.dim))
    return model.flatten([(np.ones_like(W), None if b is None else np.zeros_like(b)) for W, b in layers]) > 0


def rescale_relu_network(model, theta, alpha: float) -> np.ndarray:
    r"""Dinh et al.'s reparameterization :math:`(W_1, b_1, W_2) \to (\alpha W_1, \alpha b_1, W_2/\alpha)`.

    A ReLU is positively homogeneous, :math:`\mathrm{relu}(\alpha z) = \alpha\,\mathrm{relu}(z)` for
    :math:`\alpha > 0`, so the second layer undoes the first layer's scale: the network computes *exactly* the
    same function, with the same loss on every data set. Its Hessian does not stay the same: the curvature along
    :math:`W_1` scales like :math:`1/\alpha^2` and along :math:`W_2` like :math:`\alpha^2`, so
    :math:`\lambda_{\max}` and the trace can be made as large as we like without changing a single prediction —
    "sharp minima can generalize" (Dinh et al. 2017).

    Parameters
    ----------
    model : MLP
        With ``activation`` "relu" or "linear", at least one hidden layer and no residual connections.
    theta : array_like, shape (P,)
    alpha : float
        Scale :math:`\alpha > 0`.

    Returns
    -------
    ndarray, shape (P,)
        A new parameter vector; layers beyond the second are unchanged.
    """
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    if model.activation not in ("relu", "linear") or model.residual or len(model.hidden) < 1:
        raise ValueError("`model` must be a ReLU (or linear) MLP with a hidden layer and no residual connections "
                         f"for the rescaling to keep its function; got {model.name}")
    theta = check_vector(theta, "theta", model.dim)
    alpha = check_scalar(alpha, "alpha", low=0, low_inclusive=False)
    out = theta.copy()
    (W1, b1), (W2, _) = model.unflatten(out)[:2]
    with np.errstate(over="ignore", under="ignore"):
        W1 *= alpha
        if b1 is not None:
            b1 *= alpha
        W2 /= alpha
    if not np.all(np.isfinite(out)):
        raise ValueError(f"`alpha` = {alpha:g} overflows the rescaled weights; use a scale nearer 1")
    return out


# --------------------------------------------------------------------------------------------
# A landscape with a sharp and a flat minimum of equal depth
# --------------------------------------------------------------------------------------------
class SharpFlatLandscape(Objective):
    r"""A loss with one sharp and one flat minimum, both exactly at :math:`L = 0`.

    .. math::
        L(\theta) = \underbrace{\frac{\|\theta - c_f\|^2}{2 s_f^2}}_{\text{wide bowl}}
        \;\underbrace{\Bigl(1 - e^{-\|\theta - c_s\|^2 / 2 s_s^2}\Bigr)}_{\text{narrow notch}}

    A wide bowl centred at :math:`c_f` with a narrow Gaussian notch cut into its side at :math:`c_s`. The
    product vanishes at both centres, so the two minima have exactly equal depth. The Hessian is a multiple of
    the identity at each, in closed form (the tests use it):

    .. math::
        \nabla^2 L(c_s) = \frac{\|c_s - c_f\|^2}{2 s_f^2 s_s^2} I, \qquad
        \nabla^2 L(c_f) = \frac{1 - e^{-\|c_s - c_f\|^2 / 2 s_s^2}}{s_f^2} I.

    The notch is surrounded by a low rim (where the bowl's slope meets the notch's wall): gradient descent
    started near the notch falls in. SAM's look-ahead point :math:`\theta + \rho g/\|g\|` lies uphill of
    :math:`\theta` — on the notch's wall, away from the notch, where its pull is weaker — so SAM can pass the
    notch and follow the bowl. How large a :math:`\rho` that takes depends on the path: from the SAM explorer's
    start, whose gradient-descent path only grazes the notch, with :math:`\eta = 1/32`, every
    :math:`\rho` from 0.03 to 0.3 reaches the flat minimum (far below the notch's width, 0.25 there); beyond
    that SAM stalls near the rim.

    Parameters
    ----------
    dim : int
        1 or 2 (``P``): a curve for the "test-time shift" picture, a plane for SAM's trajectories.
    sharp_center, flat_center : float
        First coordinates of the two minima (the others are 0).
    sharp_width, flat_width : float
        :math:`s_s < s_f`.
    """

    def __init__(self, dim: int = 1, sharp_center: float = -1.0, flat_center: float = 1.0,
                 sharp_width: float = 0.2, flat_width: float = 1.0):
        self.dim = check_int(dim, "dim", low=1, high=2)
        sharp_center = check_scalar(sharp_center, "sharp_center")
        flat_center = check_scalar(flat_center, "flat_center")
        self.sharp_width = check_scalar(sharp_width, "sharp_width", low=0, low_inclusive=False)
        self.flat_width = check_scalar(flat_width, "flat_width", low=0, low_inclusive=False)
        if self.sharp_width >= self.flat_width:
            raise ValueError(f"`sharp_width` ({sharp_width}) must be smaller than `flat_width` ({flat_width})")
        if sharp_center == flat_center:
            raise ValueError("`sharp_center` and `flat_center` must differ")
        self.sharp_minimum = np.zeros(self.dim)
        self.sharp_minimum[0] = sharp_center
        self.flat_minimum = np.zeros(self.dim)
        self.flat_minimum[0] = flat_center
        self.name = f"sharp (s={sharp_width:g}) and flat (s={flat_width:g}) minima"

    def _factors(self, theta, xp):
        ds = xp.sum((theta - self.sharp_minimum) ** 2, axis=-1)
        df = xp.sum((theta - self.flat_minimum) ** 2, axis=-1)
        return df / (2 * self.flat_width**2), 1 - xp.exp(-ds / (2 * self.sharp_width**2))

    def _loss(self, theta):

        bowl, notch = self._factors(theta, anp)
        return bowl * notch

    def _loss_batch(self, thetas):
        bowl, notch = self._factors(thetas, np)
        return bowl * notch

    def _closed_form_grad(self, thetas: np.ndarray) -> np.ndarray:
        r"""The gradient in closed form, rows of ``thetas`` (..., P) -> (..., P) (product rule):

        .. math::
            \nabla L = \Bigl(1 - e^{-d_s / 2 s_s^2}\Bigr) \frac{\theta - c_f}{s_f^2}
                       + \frac{d_f}{2 s_f^2} e^{-d_s / 2 s_s^2} \frac{\theta - c_s}{s_s^2},

        with :math:`d_s = \|\theta - c_s\|^2`, :math:`d_f = \|\theta - c_f\|^2`. The SAM explorer takes
        ~900 gradient steps per slider move; autograd's tracing costs ~0.6 ms per call on this 2-D loss, this
        ~15 µs (the tests check it against autograd to 1e-12).
        """
        to_s, to_f = thetas - self.sharp_minimum, thetas - self.flat_minimum
        # ndarray methods rather than np.sum: this runs on one 2-vector per call, where call overhead dominates
        gauss = np.exp((to_s * to_s).sum(axis=-1, keepdims=True) * (-0.5 / self.sharp_width**2))
        bowl = (to_f * to_f).sum(axis=-1, keepdims=True) * (0.5 / self.flat_width**2)
        return (1 - gauss) * to_f * (1 / self.flat_width**2) + bowl * gauss * to_s * (1 / self.sharp_width**2)

    def _grad_fn(self):
        # Optimizers (GD, SAM's look-ahead) call this once per step: the closed form instead of autograd.
        return lambda theta: self._closed_form_grad(np.asarray(theta, dtype=float))

    def _grad_batch(self, thetas):
        return self._closed_form_grad(np.asarray(thetas, dtype=float))

    def curvatures(self) -> tuple[float, float]:
        """The Hessian eigenvalue (all equal) at the sharp and at the flat minimum, in closed form."""
        d2 = float(np.sum((self.sharp_minimum - self.flat_minimum) ** 2))
        sharp = d2 / (2 * self.flat_width**2 * self.sharp_width**2)
        flat = (1 - np.exp(-d2 / (2 * self.sharp_width**2))) / self.flat_width**2
        return float(sharp), float(flat)

    def basin(self, theta, tol: float = 0.1) -> str:
        """``"sharp"``, ``"flat"`` or ``"neither"``: which minimum ``theta`` is within ``tol`` of.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A point, e.g. the end of a run; non-finite entries are allowed (a diverged run is "neither").
        tol : float, default 0.1
            Euclidean distance to a minimum within which ``theta`` counts as in it, ``> 0``. When both are
            within ``tol``, "sharp" wins.

        Returns
        -------
        str
        """
        theta = check_vector(theta, "theta", self.dim, finite=False)
        tol = check_scalar(tol, "tol", low=0, low_inclusive=False)
        if np.linalg.norm(theta - self.sharp_minimum) <= tol:
            return "sharp"
        if np.linalg.norm(theta - self.flat_minimum) <= tol:
            return "flat"
        return "neither"
