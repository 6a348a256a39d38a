r"""Jensen's inequality: for convex :math:`f`, :math:`\mathbb E[f(X)] \ge f(\mathbb E[X])`.

* :class:`Distribution` (:func:`discrete`, :func:`gaussian`, :func:`uniform`) — the random variable :math:`X`.
* :func:`jensen_gap` — :math:`\mathbb E[f(X)] - f(\mathbb E[X])`, exact for discrete distributions, Gauss
  quadrature or Monte Carlo with a standard error otherwise. For convex ``f`` the gap is :math:`\ge 0`; its
  sign is the lesson (averaging losses is not the loss of the average).

``f`` is a course :class:`~course_utils.objective.Objective` (any dimension) or a plain callable of one real
variable (vectorized like ``np.exp`` or not, like ``math.exp``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .objective import Objective, batch_loss_function
from .validation import check_array, check_int, check_option, check_points, check_rng, check_scalar, check_vector

__all__ = ["Distribution", "discrete", "gaussian", "uniform", "JensenGap", "jensen_gap"]


# --------------------------------------------------------------------------------------------
# Jensen's inequality
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    r"""A distribution of a real random variable (or of a vector, for discrete ones).

    Build one with :func:`discrete`, :func:`gaussian` or :func:`uniform` (they check the parameters; the
    constructor does not).

    Parameters
    ----------
    kind : {"discrete", "gaussian", "uniform"}
        The family.
    params : tuple
        ``(values (n, P), probabilities (n,))``, ``(mean, std)`` or ``(low, high)``.
    """

    kind: str
    params: tuple

    @property
    def mean(self) -> np.ndarray | float:
        r""":math:`\mathbb E[X]` (exact)."""
        if self.kind == "discrete":
            values, probs = self.params
            mean = probs @ values
            return float(mean[0]) if values.shape[1] == 1 else mean
        if self.kind == "gaussian":
            return self.params[0]
        low, high = self.params
        return 0.5 * (low + high)

    @property
    def std(self) -> float:
        """Standard deviation of a scalar distribution."""
        if self.kind == "discrete":
            values, probs = self.params
            return float(np.sqrt(probs @ (values[:, 0] - self.mean) ** 2)) if values.shape[1] == 1 else math.nan
        if self.kind == "gaussian":
            return self.params[1]
        low, high = self.params
        return (high - low) / math.sqrt(12.0)

    def pdf(self, x) -> np.ndarray:
        """Density at ``x`` (continuous distributions; a point mass ``std = 0`` or ``low = high`` has none).

        Parameters
        ----------
        x : float or array_like
            Where to evaluate, any shape.

        Returns
        -------
        ndarray
            Same shape as ``x``; ``ValueError`` for a discrete distribution or a point mass.
        """
        x = np.asarray(x, dtype=float)
        if self.kind == "discrete":
            raise ValueError("a discrete distribution has no density; use its params (values, probabilities)")
        if self.kind == "gaussian":
            mean, std = self.params
            if std == 0:
                raise ValueError("a Gaussian with std = 0 is a point mass and has no density")
            return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        low, high = self.params
        if high == low:
            raise ValueError("a uniform distribution with low = high is a point mass and has no density")
        return np.where((x >= low) & (x <= high), 1.0 / (high - low), 0.0)

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` independent draws, shape ``(n,)`` (scalars) or ``(n, P)``.

        Parameters
        ----------
        n : int
            Number of draws, at least 1.
        rng : Generator or int
            Source of randomness, or an integer seed.
        """
        n = check_int(n, "n", low=1)
        rng = check_rng(rng)
        if self.kind == "discrete":
            values, probs = self.params
            draws = values[rng.choice(len(probs), size=n, p=probs)]
            return draws[:, 0] if values.shape[1] == 1 else draws
        if self.kind == "gaussian":
            return rng.normal(self.params[0], self.params[1], size=n)
        return rng.uniform(self.params[0], self.params[1], size=n)

    def quadrature(self, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Nodes ``(m,)`` and weights ``(m,)`` summing to 1 with :math:`\\mathbb E[f(X)] \\approx \\sum w_i f(x_i)`.

        Discrete: the support itself (exact). Gaussian: Gauss–Hermite (probabilists'). Uniform: Gauss–Legendre.
        With ``n`` nodes the rule is exact for polynomials of degree ``2n − 1``.

        Parameters
        ----------
        n : int, default 64
            Number of Gauss nodes, from 1 to 200 (checked, but ignored for a discrete distribution, whose
            support is returned as it is).
        """
        n = check_int(n, "n", low=1, high=200)
        if self.kind == "discrete":
            values, probs = self.params
            return (values[:, 0] if values.shape[1] == 1 else values), probs
        if self.kind == "gaussian":
            nodes, weights = np.polynomial.hermite_e.hermegauss(n)
            return self.params[0] + self.params[1] * nodes, weights / weights.sum()
        nodes, weights = np.polynomial.legendre.leggauss(n)
        low, high = self.params
        return low + (high - low) * (nodes + 1) / 2, weights / weights.sum()

    def __str__(self) -> str:
        if self.kind == "discrete":
            values, probs = self.params
            return f"discrete on {len(probs)} point(s)"
        if self.kind == "gaussian":
            return f"Gaussian(mean {self.params[0]:.3g}, std {self.params[1]:.3g})"
        return f"Uniform[{self.params[0]:.3g}, {self.params[1]:.3g}]"


def discrete(values, probabilities=None) -> Distribution:
    r"""A discrete distribution on ``values`` (shape ``(n,)`` or ``(n, P)``) with the given probabilities.

    Without ``probabilities`` every value has weight ``1/n`` — the empirical distribution of a sample, so
    ``jensen_gap(f, discrete(samples))`` is :math:`\frac1n\sum f(x_i) - f(\bar x)`. Probabilities must be
    non-negative; they are normalised to sum to 1.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, P)
        The support: ``n`` real values, or ``n`` vectors of dimension ``P``.
    probabilities : array_like, shape (n,), optional
        Non-negative weights with a positive sum (need not sum to 1); default uniform.

    Returns
    -------
    Distribution
    """
    vals = check_array(values, "values", ndim=(1, 2))
    vals = vals[:, None] if vals.ndim == 1 else vals
    if probabilities is None:
        probs = np.full(vals.shape[0], 1.0 / vals.shape[0])
    else:
        probs = check_vector(probabilities, "probabilities", vals.shape[0])
        if (probs < 0).any() or probs.sum() <= 0:
            raise ValueError(f"`probabilities` must be non-negative with a positive sum, got {probs.tolist()[:6]}")
        probs = probs / probs.sum()
    return Distribution("discrete", (vals, probs))


def gaussian(mean: float, std: float) -> Distribution:
    """A normal distribution :math:`\\mathcal N(\\text{mean}, \\text{std}^2)` (``std >= 0``).

    Parameters
    ----------
    mean : float
        The centre, finite.
    std : float
        Standard deviation, ``>= 0`` (0 is a point mass at ``mean``).

    Returns
    -------
    Distribution
    """
    return Distribution("gaussian", (check_scalar(mean, "mean"), check_scalar(std, "std", low=0)))


def uniform(low: float, high: float) -> Distribution:
    """The uniform distribution on ``[low, high]`` (``low <= high``).

    Parameters
    ----------
    low : float
        Left end, finite.
    high : float
        Right end, finite, ``>= low`` (equal ends give a point mass).

    Returns
    -------
    Distribution
    """
    low, high = check_scalar(low, "low"), check_scalar(high, "high")
    if high < low:
        raise ValueError(f"`high` must be >= `low`, got low={low:g}, high={high:g}")
    return Distribution("uniform", (low, high))


@dataclass(frozen=True)
class JensenGap:
    r"""Jensen's gap :math:`\mathbb E[f(X)] - f(\mathbb E[X])` (non-negative for convex ``f``).

    The result of :func:`jensen_gap`.

    Parameters
    ----------
    mean : float or ndarray
        :math:`\mathbb E[X]`.
    mean_of_f : float
        :math:`\mathbb E[f(X)]` (exact, quadrature or Monte Carlo estimate).
    f_of_mean : float
        :math:`f(\mathbb E[X])` (exact).
    gap : float
        ``mean_of_f - f_of_mean``.
    stderr : float
        Standard error of ``gap`` (0 for the exact and quadrature methods; ``inf`` for Monte Carlo with one
        sample).
    method : {"exact", "quadrature", "monte_carlo"}
        How ``mean_of_f`` was computed.
    n : int
        Support points, quadrature nodes or samples used.
    """

    mean: float | np.ndarray
    mean_of_f: float
    f_of_mean: float
    gap: float
    stderr: float
    method: str
    n: int

    @property
    def message(self) -> str:
        if not np.isfinite(self.gap):
            return "E[f(X)] is not finite: f is undefined or infinite on part of the distribution"
        pm = f" ± {self.stderr:.2g}" if self.stderr > 0 else ""
        return f"E[f(X)] = {self.mean_of_f:.4g}, f(E[X]) = {self.f_of_mean:.4g}, gap = {self.gap:.4g}{pm} ({self.method})"


def jensen_gap(f, distribution: Distribution, *, method: str = "auto", n: int | None = None, rng=0) -> JensenGap:
    r"""Jensen's gap :math:`\mathbb E[f(X)] - f(\mathbb E[X])` for a function and a distribution.

    For convex ``f`` the gap is :math:`\ge 0` (Jensen's inequality), for concave ``f`` it is :math:`\le 0`,
    and it is 0 for affine ``f`` or a point mass. For :math:`f(x) = x^2` it equals :math:`\mathrm{Var}(X)`.

    Parameters
    ----------
    f : Objective or callable
        A function of one real variable (vectorized or not), or an objective for vector-valued discrete ``X``.
    distribution : Distribution
        From :func:`discrete`, :func:`gaussian` or :func:`uniform`.
    method : {"auto", "exact", "quadrature", "monte_carlo"}
        ``"auto"``: exact for discrete distributions, Monte Carlo otherwise. ``"quadrature"`` uses ``n``
        Gauss nodes (deterministic; accurate for smooth ``f``); ``"monte_carlo"`` draws ``n`` samples from
        ``rng`` and reports the standard error :math:`s/\sqrt n` of the sample mean of ``f(X)``.
    n : int, optional
        Samples (Monte Carlo, default 20 000) or Gauss nodes (quadrature, default 64, at most 200).
    rng : numpy.random.Generator or int

    Examples
    --------
    >>> jensen_gap(lambda x: x**2, discrete([0.0, 2.0])).gap     # Var = 1
    1.0
    """
    if not isinstance(distribution, Distribution):
        raise TypeError(f"`distribution` must be a Distribution (discrete/gaussian/uniform), got {type(distribution).__name__}")
    method = check_option(method, "method", ["auto", "exact", "quadrature", "monte_carlo"])
    if method == "auto":
        method = "exact" if distribution.kind == "discrete" else "monte_carlo"
    if method == "exact" and distribution.kind != "discrete":
        raise ValueError(f"method='exact' needs a discrete distribution, got {distribution}; use 'quadrature' or 'monte_carlo'")
    if n is None:
        n = 20_000 if method == "monte_carlo" else 64
    n = check_int(n, "n", low=1, high=200 if method == "quadrature" else None)
    mean = distribution.mean
    g, _ = batch_loss_function(f, None if np.ndim(mean) == 0 else np.size(mean))
    f_of_mean = float(g(np.atleast_1d(mean).reshape(1, -1))[0])
    if method == "monte_carlo":
        xs = distribution.sample(n, rng)
        values = g(check_points(xs, "samples", (f.dim if isinstance(f, Objective) else None)))
        with np.errstate(all="ignore"):
            mean_of_f = float(values.mean())
            stderr = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
        used = n
    else:
        nodes, weights = distribution.quadrature(n) if method == "quadrature" else distribution.quadrature()
        values = g(check_points(nodes, "nodes", (f.dim if isinstance(f, Objective) else None)))
        with np.errstate(all="ignore"):
            keep = weights > 0  # a zero-weight point outside f's domain must not poison the sum
            mean_of_f = float(weights[keep] @ values[keep])
        stderr, used = 0.0, len(weights)
    return JensenGap(mean, mean_of_f, f_of_mean, mean_of_f - f_of_mean, stderr, method, used)
