r"""Plateaus: where gradient descent lingers for a long time at nearly constant loss.

* :class:`SaddlePlateau` — an :math:`n`-dimensional landscape with one strict saddle and one escape
  direction: the plateau's length grows like :math:`\ln(1/\varepsilon)` in the start's escape component.
* Deep *linear* networks (Saxe, McClelland & Ganguli 2014) learn their target's singular values one at a
  time, each mode following a sigmoid :math:`a(t)` (:func:`saxe_mode_strength`) whose half time grows like
  :math:`1/s`: :func:`deep_linear_experiment` trains one and measures :func:`mode_strengths` along the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import optimizers
from .derivatives import anp
from .objective import Objective
from .validation import check_array, check_instance, check_int, check_rng, check_scalar, check_vector

__all__ = ["SaddlePlateau", "first_step_below", "DeepLinearResult", "deep_linear_experiment", "mode_strengths",
           "saxe_mode_strength", "saxe_half_time"]


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

    Parameters
    ----------
    n : int
        Dimension :math:`n \ge 1`; the last coordinate is the escape direction, the other :math:`n - 1` are
        stable.
    """

    saddle_value = 0.25

    def __init__(self, n: int):
        self.dim = check_int(n, "n", low=1)
        self.name = f"saddle plateau (n={self.dim})"

    def _loss(self, theta):
        return 0.5 * anp.sum(theta[:-1] ** 2) + 0.25 * (theta[-1] ** 2 - 1) ** 2

    def _loss_batch(self, thetas):
        return 0.5 * np.sum(thetas[:, :-1] ** 2, axis=1) + 0.25 * (thetas[:, -1] ** 2 - 1) ** 2

    def _grad_fn(self):
        # The closed form (θ_1, …, θ_{n-1}, θ_n(θ_n² − 1)): the plateau runs take hundreds of steps, and
        # autograd's per-call tracing cost them ~10x more than the arithmetic (tests compare it with
        # finite differences).
        def grad(theta):
            g = np.array(theta, dtype=float)
            g[-1] = theta[-1] * (theta[-1] ** 2 - 1)
            return g

        return grad

    @property
    def saddle(self) -> np.ndarray:
        return np.zeros(self.dim)

    @property
    def escape_direction(self) -> np.ndarray:
        e = np.zeros(self.dim)
        e[-1] = 1.0
        return e

    def start(self, eps: float, rng=0) -> np.ndarray:
        """A start at distance 1 from the saddle in the stable directions (random) with component ``eps`` along :math:`e_n`.

        Parameters
        ----------
        eps : float
            The escape component :math:`\\varepsilon` (any finite number; 0 starts on the saddle's stable
            manifold, from which gradient descent never escapes).
        rng : Generator or int, default 0
            Draws the direction in the stable subspace (unused when ``n = 1``).

        Returns
        -------
        ndarray, shape (n,)
        """
        eps = check_scalar(eps, "eps")
        rng = check_rng(rng)
        theta = np.zeros(self.dim)
        if self.dim > 1:
            u = rng.standard_normal(self.dim - 1)
            theta[:-1] = u / np.linalg.norm(u)
        theta[-1] = eps
        return theta


def first_step_below(losses, threshold: float) -> int | None:
    """First index at which ``losses`` drops below ``threshold`` (``None`` if it never does): the end of a plateau.

    Parameters
    ----------
    losses : array_like, shape (T,)
        Loss per step, e.g. ``trajectory.losses``; non-finite values are allowed (they never count as below).
    threshold : float
        The level, finite; strictly below it counts.

    Returns
    -------
    int or None
    """
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

    Parameters
    ----------
    t : float or array_like
        Time(s), in the units of ``tau`` (steps for the formula above); any shape.
    s : float
        The target singular value :math:`s > 0` (where the mode ends up).
    a0 : float
        The initial strength :math:`a_0 > 0`.
    tau : float
        Time constant :math:`\tau > 0`.

    Returns
    -------
    float or ndarray
        :math:`a(t)`, same shape as ``t``.
    """
    s = check_scalar(s, "s", low=0, low_inclusive=False)
    a0 = check_scalar(a0, "a0", low=0, low_inclusive=False)
    tau = check_scalar(tau, "tau", low=0, low_inclusive=False)
    t = check_array(t, "t")
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(2 * s * t / tau)
        a = s * e / (e - 1 + s / a0)
    # long after the rise e overflows and the formula reads inf/inf: the mode has reached s
    return np.where(np.isinf(e), s, a) if np.ndim(a) else (s if np.isinf(e) else a)


def saxe_half_time(s: float, a0: float, tau: float) -> float:
    r"""Time for :func:`saxe_mode_strength` to reach :math:`s/2`: :math:`\frac{\tau}{2s}\ln(s/a_0 - 1)`.

    Parameters
    ----------
    s : float
        The target singular value :math:`s > 0` (where the mode ends up).
    a0 : float
        The initial strength :math:`a_0 > 0`, below :math:`s`.
    tau : float
        Time constant :math:`\tau > 0`.

    Returns
    -------
    float
        In the units of ``tau``; negative when :math:`a_0 > s/2` (the mode started past half).
    """
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

    The result of :func:`deep_linear_experiment`.

    Parameters
    ----------
    model : MLP
        The network, with the whitened inputs and the targets as its data.
    trajectory : Trajectory
        The gradient-descent run.
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
        """The loss once the ``k`` strongest modes are learned and the rest are not: :math:`\\sum_{i > k} s_i^2 / K`.

        Parameters
        ----------
        k : int
            Number of modes learned, from 0 (the starting plateau) to ``r`` (loss 0).

        Returns
        -------
        float
        """
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
    with np.errstate(all="ignore"):
        loss0 = model.unchecked_loss(theta0)
    if not np.isfinite(loss0):  # theta0 is ours, drawn at `init_scale`: name the argument that put it there
        raise ValueError(f"`init_scale` = {init_scale:g} starts the network where the loss is not finite ({loss0}); "
                         "use a smaller `init_scale`")
    traj = optimizers.run(model, optimizers.gd(), theta0, steps=steps, lr=lr, rng=rng)
    strengths = mode_strengths(model, traj.thetas, U, V)
    learned = np.full(s.size, np.nan)
    for i in range(s.size):
        hit = np.flatnonzero(strengths[:, i] >= s[i] / 2)
        if hit.size:
            learned[i] = hit[0]
    return DeepLinearResult(model, traj, s, U, V, strengths, learned, float(d / (2 * lr)))
