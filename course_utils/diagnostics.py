r"""Diagnosing training through the landscape: the learning-rate range test, per-layer gradient norms, mystery runs.

When training fails, the loss curve is a symptom; the landscape is the cause. This module measures the
symptoms that point to causes:

* :func:`lr_range_test` — one run in which the learning rate grows exponentially from ``lr_min`` to ``lr_max``
  (Smith's range test, 2017, in the exponential form of fastai's learning-rate finder); the loss falls, bottoms
  out and blows up. A good learning rate sits about a decade below the bottom (fastai's rule of thumb). On a quadratic the blow-up follows :math:`\eta > 2/\lambda_{\max}`, *late*: the unstable mode has to
  grow back from the small amplitude earlier steps left it;
* :func:`stable_lr_sweep` — constant-rate runs side by side on a grid of learning rates, and the largest rate
  below which every run ends finite and below its starting loss (on a quadratic: the last grid rate under
  :math:`2/\lambda_{\max}`);
* :func:`layer_gradient_norms` — :math:`\|\partial L/\partial W_\ell\|_F` for each layer of an
  :class:`~course_utils.models.MLP`: vanishing gradients shrink geometrically from the output to the input,
  exploding ones grow; :func:`gradient_flow` builds a deep MLP at a given depth and initialization and measures
  them together with the spread of each hidden layer's activations;
* relative diagnostics that carry over to a real network, where no absolute threshold does: the ratio of the
  first to the last layer's gradient norm and the growth of the activations' spread across layers
  (:attr:`GradientFlow.verdict`), per-layer :func:`activation_stats` with the fraction of dead ReLUs, and the
  per-layer update/weight ratio :func:`update_ratios` (rule of thumb ~1e-3);
* :func:`mystery_runs` — four deterministic training runs that fail in four different ways, for the chapter's
  diagnosis exercise, with the vocabulary of diagnoses and remedies (:data:`DIAGNOSES`, :data:`REMEDIES`) and
  :func:`validate_diagnoses`, which checks an answer's spelling with "did you mean" suggestions.

Gradient clipping lives with the update rules (:func:`course_utils.optimizers.clip_by_norm`) and the cliff it
tames with the landscapes (:class:`course_utils.functions.Cliff`).

Examples
--------
>>> import numpy as np
>>> from course_utils.models import Quadratic
>>> q = Quadratic(np.diag([0.1, 1.0, 10.0]))
>>> r = lr_range_test(q, np.ones(3), lr_min=1e-3, lr_max=10.0, steps=100)
>>> bool(r.lr_at_min > 2 / 10.0)      # the sweep overshoots the stability limit 2/λ_max
True
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import optimizers
from .curvature import lanczos_eigenvalues
from .models import MLP
from .objective import as_objective
from .validation import check_bool, check_int, check_option, check_rng, check_scalar, check_vector

__all__ = [
    "range_schedule",
    "LRRangeTest",
    "lr_range_test",
    "StableLRSweep",
    "stable_lr_sweep",
    "layer_gradient_norms",
    "GradientFlow",
    "gradient_flow",
    "ActivationStats",
    "activation_stats",
    "update_ratios",
    "RELATIVE_LIMIT",
    "UPDATE_RATIO_TARGET",
    "flow_data",
    "DIAGNOSES",
    "REMEDIES",
    "MysteryRun",
    "mystery_runs",
    "validate_diagnoses",
]


def _check_mlp(model) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"`model` must be a course_utils.models.MLP, got {type(model).__name__}")
    return model


# --------------------------------------------------------------------------------------------
# The learning-rate range test
# --------------------------------------------------------------------------------------------
def range_schedule(lr_min: float, lr_max: float, steps: int) -> Callable:
    r"""The exponential sweep :math:`\eta_t = \eta_{\min} (\eta_{\max}/\eta_{\min})^{t/(T-1)}`, ``t = 0 … T-1``.

    Equal numbers of steps per decade, so the test spends as long between 0.001 and 0.01 as between 1 and 10.

    Parameters
    ----------
    lr_min : float
        :math:`\eta_{\min} > 0`, the rate at step 0.
    lr_max : float
        :math:`\eta_{\max} > \eta_{\min}`, the rate at step ``steps - 1`` (later steps stay there).
    steps : int
        :math:`T \ge 2`, the length of the sweep.

    Returns
    -------
    callable
        ``schedule(t)`` for a step (or array of steps) ``t``.
    """
    lr_min = check_scalar(lr_min, "lr_min", low=0, low_inclusive=False)
    lr_max = check_scalar(lr_max, "lr_max", low=0, low_inclusive=False)
    if lr_max <= lr_min:
        raise ValueError(f"`lr_max` must be greater than `lr_min` = {lr_min:g}, got {lr_max:g}")
    steps = check_int(steps, "steps", low=2)
    ratio = np.log(lr_max / lr_min)
    return lambda t: lr_min * np.exp(ratio * np.minimum(np.asarray(t, dtype=float), steps - 1) / (steps - 1))


@dataclass(frozen=True)
class LRRangeTest:
    """The result of :func:`lr_range_test`.

    Parameters
    ----------
    lrs : ndarray, shape (T,)
        Learning rate of each step taken.
    losses : ndarray, shape (T,)
        Loss after each step (``losses[t]`` was reached with ``lrs[t]``).
    smoothed : ndarray, shape (T,)
        Bias-corrected exponential moving average of ``losses`` (equal to them for ``smoothing=0``).
    initial_loss : float
        Loss before the first step.
    stopped_at : int or None
        Step at which the smoothed loss exceeded ``stop_factor`` times its best value (the test stopped), or
        where the loss became non-finite; the arrays end just before it.
    lr_at_min : float
        Learning rate at the lowest smoothed loss.
    steepest_lr : float
        Learning rate where the smoothed loss fell fastest per decade of learning rate (before its minimum).
    stop_lr : float or None
        Learning rate of the step at which the test stopped.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    initial_loss: float
    stopped_at: int | None
    lr_at_min: float
    steepest_lr: float
    stop_lr: float | None = None

    @property
    def suggested_lr(self) -> float:
        """A decade below the bottom of the curve, ``lr_at_min / 10`` (the rule of thumb of fastai's finder)."""
        return self.lr_at_min / 10.0

    @property
    def message(self) -> str:
        end = f"blew up at η = {self.stop_lr:.3g}" if self.stop_lr is not None else "never blew up"
        return (f"lowest loss {self.smoothed.min():.3g} at η = {self.lr_at_min:.3g}; {end}; "
                f"suggested η ≈ {self.suggested_lr:.3g}")


def lr_range_test(objective, theta0, *, lr_min: float = 1e-4, lr_max: float = 10.0, steps: int = 100,
                  optimizer: optimizers.Optimizer | None = None, batch_size: int | None = None, rng=0,
                  smoothing: float = 0.0, stop_factor: float = 4.0) -> LRRangeTest:
    r"""The learning-rate range test (Smith 2017, "Cyclical learning rates"): one run, the rate growing each step.

    Smith raised the rate linearly over a few epochs; like fastai's learning-rate finder, this test raises it
    exponentially, following :func:`range_schedule`, so that every decade gets as many steps. At first it is too small to matter and the loss barely
    moves; then the loss falls fastest; then the steps become too large for the curvature, the loss bottoms out
    and blows up. The test stops once the smoothed loss exceeds ``stop_factor`` times its best value.

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (P,)
    lr_min, lr_max : float
        The sweep's range, ``0 < lr_min < lr_max``.
    steps : int
        Length of the sweep (at least 2).
    optimizer : Optimizer, optional
        Update rule (default :func:`~course_utils.optimizers.gd`).
    batch_size : int, optional
        Minibatch size (the loss recorded is still the full loss).
    rng : Generator or int
        Minibatch order and any randomness of the rule.
    smoothing : float
        :math:`\beta \in [0, 1)` of the moving average :math:`s_t = \beta s_{t-1} + (1-\beta) L_t`, divided by
        :math:`1 - \beta^{t+1}` (fastai uses 0.98 with noisy minibatch losses).
    stop_factor : float
        Stop when the smoothed loss exceeds this multiple of its best value (> 1).

    Returns
    -------
    LRRangeTest
    """
    objective = as_objective(objective)
    theta0 = check_vector(theta0, "theta0", objective.dim)
    schedule = range_schedule(lr_min, lr_max, steps)
    smoothing = check_scalar(smoothing, "smoothing", low=0, high=1, high_inclusive=False)
    stop_factor = check_scalar(stop_factor, "stop_factor", low=1, low_inclusive=False)
    optimizer = optimizers.gd() if optimizer is None else optimizer
    traj = optimizers.run(objective, optimizer, theta0, steps=steps, lr=schedule, batch_size=batch_size, rng=rng,
                          explode_factor=1e12)
    losses, lrs = traj.losses[1:], traj.lrs
    smoothed = np.empty_like(losses)
    avg = 0.0
    for t, loss in enumerate(losses):
        avg = smoothing * avg + (1 - smoothing) * loss
        smoothed[t] = avg / (1 - smoothing ** (t + 1))
    best = np.minimum.accumulate(np.where(np.isfinite(smoothed), smoothed, np.inf))
    # a loss compared with "4 × best" needs a positive best; shift by the initial loss scale otherwise
    bad = ~np.isfinite(smoothed) | (smoothed > stop_factor * best + 1e-12 * max(1.0, abs(traj.losses[0])))
    stopped_at = int(np.flatnonzero(bad)[0]) if bad.any() else traj.diverged_at
    end = len(losses) if stopped_at is None else stopped_at
    stop_lr = None if stopped_at is None or stopped_at >= len(lrs) else float(lrs[stopped_at])
    end = max(end, 1)
    lrs, losses, smoothed = lrs[:end], losses[:end], smoothed[:end]
    i_min = int(np.argmin(smoothed))
    # steepest descent per decade, measured between consecutive steps up to the minimum
    if i_min >= 1:
        slopes = np.diff(smoothed[: i_min + 1]) / np.diff(np.log10(lrs[: i_min + 1]))
        steepest = float(lrs[int(np.argmin(slopes)) + 1])
    else:
        steepest = float(lrs[0])
    return LRRangeTest(lrs=lrs, losses=losses, smoothed=smoothed, initial_loss=float(traj.losses[0]),
                       stopped_at=stopped_at, lr_at_min=float(lrs[i_min]), steepest_lr=steepest,
                       stop_lr=stop_lr)


@dataclass(frozen=True)
class StableLRSweep:
    """The result of :func:`stable_lr_sweep`.

    Parameters
    ----------
    lrs : ndarray, shape (R,)
        The learning rates tried, ascending.
    final_losses : ndarray, shape (R,)
        Each run's loss after ``steps`` steps (``inf`` where it became non-finite or exploded).
    initial_loss : float
        The loss at the common start.
    largest_stable_lr : float
        The largest grid rate such that it and every smaller one ended finite and below ``initial_loss``;
        0 when the smallest already failed.
    """

    lrs: np.ndarray
    final_losses: np.ndarray
    initial_loss: float
    largest_stable_lr: float


def _gd_final_losses(objective, theta0: np.ndarray, lrs: np.ndarray, steps: int) -> np.ndarray:
    """Loss after ``steps`` GD steps at each rate, ``inf`` for runs whose parameters stopped being finite."""
    thetas = np.tile(theta0, (lrs.size, 1))
    alive = np.ones(lrs.size, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            rows = np.flatnonzero(alive)
            if rows.size == 0:
                break
            thetas[rows] -= lrs[rows, None] * objective.grad_batch(thetas[rows])
            alive[rows] = np.isfinite(thetas[rows]).all(axis=1)
        final = np.full(lrs.size, np.inf)
        if alive.any():
            final[alive] = objective.loss_batch(thetas[alive])
    return np.where(np.isfinite(final), final, np.inf)


def stable_lr_sweep(objective, theta0, lrs, *, steps: int = 20,
                    optimizer: optimizers.Optimizer | None = None) -> StableLRSweep:
    r"""Runs at constant learning rates, side by side, and the largest rate below which all of them made progress.

    A rate :math:`\eta` counts as stable when the loss after ``steps`` steps is finite and below the starting loss
    :math:`L(\theta_0)`. The answer is the largest grid rate :math:`\eta_j` with every :math:`\eta_i \le \eta_j`
    stable (the first failure ends the stable range even if a larger rate happens to succeed). On a quadratic,
    gradient descent from a start with a component along the top eigenvector is stable exactly for
    :math:`\eta < 2/\lambda_{\max}` once ``steps`` is large enough for that component's growth
    :math:`|1 - \eta\lambda_{\max}|^{2T}` to dominate.

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (P,)
        The common start.
    lrs : array_like, shape (R,)
        Positive finite learning rates, strictly increasing.
    steps : int
        Steps per run, at least 1. Default 20.
    optimizer : Optimizer, optional
        Update rule. Default None: plain gradient descent on every rate at once, one batched gradient per step
        (a run whose parameters stop being finite is dropped and scored ``inf``); an explicit rule runs through
        :func:`~course_utils.optimizers.run_many`, whose explosion test also scores a loss above
        :math:`10^8 \max(1, |L(\theta_0)|)` as ``inf``.

    Returns
    -------
    StableLRSweep
    """
    objective = as_objective(objective)
    theta0 = check_vector(theta0, "theta0", objective.dim)
    lrs = check_vector(lrs, "lrs")
    if lrs.size == 0 or np.any(lrs <= 0) or np.any(np.diff(lrs) <= 0):
        raise ValueError(f"`lrs` must be non-empty, positive and strictly increasing, got {lrs!r}")
    steps = check_int(steps, "steps", low=1)
    initial = float(objective.loss(theta0))
    if optimizer is None:  # plain GD on all rates at once: one batched gradient per step, no per-run bookkeeping
        final = _gd_final_losses(objective, theta0, lrs, steps)
    else:
        if not isinstance(optimizer, optimizers.Optimizer):
            raise TypeError(f"`optimizer` must be an Optimizer (e.g. optimizers.gd()), got {type(optimizer).__name__}")
        runs = optimizers.run_many(objective, [optimizer] * lrs.size, theta0, steps=steps, lrs=[float(v) for v in lrs])
        final = np.array([r.final_loss if r.diverged_at is None and np.isfinite(r.final_loss) else np.inf
                          for r in runs])
    failed = np.flatnonzero(~(final < initial))
    k = int(failed[0]) if failed.size else lrs.size
    return StableLRSweep(lrs=lrs, final_losses=final, initial_loss=initial,
                         largest_stable_lr=float(lrs[k - 1]) if k else 0.0)


# --------------------------------------------------------------------------------------------
# Gradient norms per layer
# --------------------------------------------------------------------------------------------
def layer_gradient_norms(model, theta, *, include_bias: bool = False) -> np.ndarray:
    r"""Frobenius norms of the gradient with respect to each layer's weights, input layer first.

    .. math:: g_\ell = \left\| \frac{\partial L}{\partial W_\ell} \right\|_F, \qquad \ell = 1, \dots, D + 1.

    In a deep network with small weights the backpropagated signal is multiplied by
    :math:`W_\ell^\top \operatorname{diag}(\phi'(z_\ell))` at every layer, so :math:`g_\ell` shrinks geometrically
    towards the input (vanishing gradients); with large weights it grows (exploding gradients).

    Parameters
    ----------
    model : MLP
    theta : array_like, shape (P,)
    include_bias : bool
        Include each layer's bias in its norm.

    Returns
    -------
    ndarray, shape (n_layers,)
    """
    model = _check_mlp(model)
    theta = check_vector(theta, "theta", model.dim)
    include_bias = check_bool(include_bias, "include_bias")
    grad = model.grad(theta)
    norms = []
    for W, b in model.unflatten(grad):
        sq = float(np.sum(W**2))
        if include_bias and b is not None:
            sq += float(np.sum(b**2))
        norms.append(np.sqrt(sq))
    return np.array(norms)


@lru_cache(maxsize=4)
def _flow_data(n: int, seed: int):
    from .data import standardize, two_moons

    X, y = two_moons(n, noise=0.1, rng=seed)
    return standardize(X)[0], y


def flow_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The small standardized two-moons set used by :func:`gradient_flow` (copies; cached per ``(n, seed)``).

    Parameters
    ----------
    n : int, default 64
        Number of points, at least 4.
    seed : int, default 0
        Seed of the draw (noise 0.1), ``>= 0``.

    Returns
    -------
    X : ndarray, shape (n, 2)
        Standardized inputs.
    y : ndarray, shape (n,)
        Class labels 0/1.
    """
    n = check_int(n, "n", low=4)
    seed = check_int(seed, "seed", low=0)
    X, y = _flow_data(n, seed)
    return X.copy(), y.copy()


#: How far (as a factor either way) the relative diagnostics may drift before :attr:`GradientFlow.verdict` calls it.
RELATIVE_LIMIT = 1e3

#: The usual rule of thumb for :func:`update_ratios`: a step changes each layer's weights by about this fraction.
UPDATE_RATIO_TARGET = 1e-3


@dataclass(frozen=True)
class ActivationStats:
    """Per-hidden-layer statistics of a network's activations on a data set (:func:`activation_stats`).

    Parameters
    ----------
    mean, std : ndarray, shape (n_hidden_layers,)
        Mean and standard deviation of each hidden layer's outputs over the examples and units.
    dead_fraction : ndarray, shape (n_hidden_layers,)
        Fraction of each layer's units whose output is exactly zero on every example (a dead ReLU passes no
        gradient to its weights, and nothing brings it back).
    """

    mean: np.ndarray
    std: np.ndarray
    dead_fraction: np.ndarray


def activation_stats(model, theta, X=None) -> ActivationStats:
    r"""Mean, spread and fraction of dead units of every hidden layer of an MLP.

    A healthy network keeps :math:`\operatorname{std}(h_\ell)` of the same order across layers (a steady fall
    means a vanishing signal, a steady rise an exploding one) and few dead units. A unit is dead when its output
    is 0 for every example: for ReLU, :math:`z < 0` everywhere, so its incoming weights get no gradient.

    Parameters
    ----------
    model : MLP
    theta : array_like, shape (P,)
        Finite parameters.
    X : array_like, shape (M, d), optional
        Inputs (default: the model's training inputs).

    Returns
    -------
    ActivationStats
    """
    model = _check_mlp(model)
    theta = check_vector(theta, "theta", model.dim)
    hidden = model.hidden_activations(theta, X)
    return ActivationStats(mean=np.array([float(np.mean(h)) for h in hidden]),
                           std=np.array([float(np.std(h)) for h in hidden]),
                           dead_fraction=np.array([float(np.mean(np.all(h == 0, axis=0))) for h in hidden]))


def update_ratios(model, theta, reference) -> np.ndarray:
    r"""Per-layer size of an update relative to the weights: :math:`\|W_\ell - W^{\text{ref}}_\ell\|_F / \|W^{\text{ref}}_\ell\|_F`.

    A scale-free check of the learning rate layer by layer: ``reference`` holds the weights before a step,
    ``theta`` after it. The common rule of thumb (folklore from practice, e.g. Karpathy's CS231n notes, not a
    theorem) is a ratio of about :data:`UPDATE_RATIO_TARGET` = 1e-3 per step for large networks trained with
    minibatches: far below, that layer barely learns; near or above 1, each step rewrites it.

    Parameters
    ----------
    model : MLP
    theta : array_like, shape (P,)
        Parameters after the update(s).
    reference : array_like, shape (P,)
        Parameters before them.

    Returns
    -------
    ndarray, shape (n_layers,)
        Input layer first; ``inf`` for a layer whose reference weights are all zero and changed, 0 if neither.
    """
    model = _check_mlp(model)
    after = check_vector(theta, "theta", model.dim)
    before = check_vector(reference, "reference", model.dim)
    out = []
    for (W0, _), (W1, _) in zip(model.unflatten(before), model.unflatten(after)):
        num, den = float(np.linalg.norm(W1 - W0)), float(np.linalg.norm(W0))
        out.append(num / den if den > 0 else (np.inf if num > 0 else 0.0))
    return np.array(out)


@dataclass(frozen=True)
class GradientFlow:
    """Per-layer gradient norms and activation spreads of a freshly initialized deep MLP.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    grad_norms : ndarray, shape (depth + 1,)
        :func:`layer_gradient_norms`, input layer first.
    activation_std : ndarray, shape (depth,)
        Standard deviation of each hidden layer's outputs over the data set and units.
    loss : float
        Loss at initialization.
    model : MLP
        The network (on the :func:`flow_data` set).
    theta : ndarray, shape (P,)
        Its initial parameters, at which everything above was measured.
    """

    depth: int
    grad_norms: np.ndarray
    activation_std: np.ndarray
    loss: float
    model: MLP = field(repr=False)
    theta: np.ndarray = field(repr=False)

    @property
    def ratio(self) -> float:
        """``grad_norms[0] / grad_norms[-1]``: how much of the output layer's gradient reaches the input layer."""
        last = self.grad_norms[-1]
        return float(self.grad_norms[0] / last) if last > 0 else float("nan")

    @property
    def activation_growth(self) -> float:
        """``activation_std[-1] / activation_std[0]``: how much the forward signal grew from the first hidden layer
        to the last (nan when the first layer outputs nothing)."""
        first = self.activation_std[0]
        return float(self.activation_std[-1] / first) if first > 0 else float("nan")

    @property
    def verdict(self) -> str:
        """"vanishing", "exploding" or "healthy", from *relative* measures a practitioner can carry to any network.

        "exploding": something is not finite, or the activations' spread grows more than
        :data:`RELATIVE_LIMIT`-fold from the first hidden layer to the last, or the first layer's gradient is more
        than that many times the output layer's. "vanishing": the same ratios below ``1 / RELATIVE_LIMIT``, or no
        signal at all. No absolute size enters: a gradient of 1e-5 is healthy if every layer has about that much.
        """
        g, a = self.grad_norms, self.activation_std
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(a))):
            return "exploding"
        if a[0] == 0 or g[-1] == 0:
            return "vanishing"
        growth, ratio = a[-1] / a[0], g[0] / g[-1]
        if growth > RELATIVE_LIMIT or ratio > RELATIVE_LIMIT:
            return "exploding"
        if growth < 1 / RELATIVE_LIMIT or ratio < 1 / RELATIVE_LIMIT:
            return "vanishing"
        return "healthy"

    @property
    def message(self) -> str:
        g = self.grad_norms
        return (f"{self.depth} hidden layers: ‖∂L/∂W‖ from {g[0]:.2g} (input layer) to {g[-1]:.2g} (output layer), "
                f"ratio {self.ratio:.2g}; activation spread {self.activation_std[0]:.2g} → "
                f"{self.activation_std[-1]:.2g}, growth {self.activation_growth:.2g} — {self.verdict}")


def gradient_flow(depth: int, *, width: int = 16, scheme: str = "xavier", scale: float = 1.0,
                  activation: str = "tanh", residual: bool = False, branch_scale: float = 1.0,
                  zero_branches: bool = False, layer_norm: bool = False, n: int = 64, rng=0) -> GradientFlow:
    r"""Build a ``depth``-hidden-layer MLP on :func:`flow_data`, initialize it and measure its gradient flow.

    Parameters
    ----------
    depth : int
        Hidden layers (1–64).
    width : int
        Units per hidden layer.
    scheme : {"normal", "xavier", "he"}
        Initialization (:meth:`~course_utils.models.MLP.init`): "normal" is :math:`\mathcal N(0, 1)` — the naive
        choice, too large for any width above one.
    scale : float
        Multiplies the standard deviation of every weight.
    activation : {"tanh", "relu", "linear"}
    residual : bool
        Skip connections :math:`h_\ell = h_{\ell-1} + \alpha\,\phi(h_{\ell-1}W_\ell + b_\ell)` between hidden
        layers (the first hidden layer changes the width and has none: ``depth - 1`` residual blocks).
    branch_scale : float
        :math:`\alpha \ge 0` on every residual branch (only with ``residual``); :math:`1/\sqrt{\text{depth}-1}`
        keeps the activations' variance of order one at any depth. Default 1.
    zero_branches : bool
        Initialize every residual branch's weights at zero (only with ``residual``): each block starts as the
        identity. Default False.
    layer_norm : bool
        Normalize every hidden layer's pre-activation per example (:class:`~course_utils.models.MLP`'s
        ``layer_norm``). Default False.
    n : int
        Number of examples.
    rng : Generator or int
        Draws the weights.

    Returns
    -------
    GradientFlow
    """
    depth = check_int(depth, "depth", low=1, high=64)
    width = check_int(width, "width", low=1, high=512)
    scheme = check_option(scheme, "scheme", ["normal", "xavier", "he"])
    scale = check_scalar(scale, "scale", low=0)
    X, y = _flow_data(check_int(n, "n", low=4), 0)
    residual = check_bool(residual, "residual")
    zero_branches = check_bool(zero_branches, "zero_branches")
    if zero_branches and not residual:
        raise ValueError("`zero_branches` = True needs `residual` = True (a plain network has no branches)")
    model = MLP(X, y, hidden=(width,) * depth, activation=activation, loss="cross_entropy", residual=residual,
                branch_scale=branch_scale, layer_norm=check_bool(layer_norm, "layer_norm"))
    theta = model.init(check_rng(rng), scheme=scheme, scale=scale, zero_branches=zero_branches)
    with np.errstate(all="ignore"):
        norms = layer_gradient_norms(model, theta)
        stds = np.array([float(np.std(h)) for h in model.hidden_activations(theta)])
        loss = model.loss(theta)
    return GradientFlow(depth=depth, grad_norms=norms, activation_std=stds, loss=loss, model=model, theta=theta)


# --------------------------------------------------------------------------------------------
# The mystery runs
# --------------------------------------------------------------------------------------------
#: The diagnoses a mystery run can be given, with what each means on the landscape.
DIAGNOSES: dict[str, str] = {
    "lr_too_large": "the step is too large for the curvature (η > 2/λ_max): the loss oscillates or blows up",
    "saddle": "stuck near a saddle point: tiny gradient everywhere, negative curvature, a loss plateau",
    "vanishing_gradients": "vanishing gradients: the layers near the input barely receive any gradient",
    "overfitting": "overfitting: the training set is fitted (training loss near zero) but the held-out loss and "
                   "accuracy stay far worse — the model has memorized a small or noisy training set",
    "ill_conditioning": "ill-conditioned curvature: steady but very slow progress along flat directions",
    "exploding_gradients": "exploding gradients at a cliff: rare huge steps that undo progress",
}

#: The remedies a mystery run can be given.
REMEDIES: dict[str, str] = {
    "lower_lr": "lower the learning rate (below 2/λ_max), or use a schedule with warm-up",
    "add_noise": "add noise (SGD minibatches, perturbed gradient descent) to leave the saddle",
    "second_order": "use curvature (saddle-free Newton) to step along negative-curvature directions",
    "better_init": "initialize with Xavier/He scaling so the signal keeps its size through the layers",
    "skip_connections": "add skip (residual) connections so the gradient has a short path to every layer",
    "more_data": "more training examples (or data augmentation, which manufactures them)",
    "weight_decay": "weight decay: penalize large weights, so the data are fitted by a smoother function",
    "clip_gradients": "clip the gradient's norm",
    "standardize_inputs": "standardize the inputs to improve the conditioning",
    "momentum": "use momentum or Adam to move faster along flat directions",
}

# The remedies that address each diagnosis. Where the course demonstrates them: lower_lr (ch5 §4, ch7 §1, and the
# warm-up its description mentions in ch7 §1's warm-up subsection), add_noise and second_order (ch4), better_init and skip_connections (ch7 §2, skips with
# scaled or zero-initialized branches), clip_gradients (ch7 §3), standardize_inputs (ch7 §5), momentum (ch4 §4),
# more_data and weight_decay (ch7's checklist, on mystery run A's set-up; the data augmentation more_data's
# description mentions is not demonstrated).
ACCEPTED_REMEDIES: dict[str, frozenset] = {
    "lr_too_large": frozenset({"lower_lr"}),
    "saddle": frozenset({"add_noise", "second_order"}),
    "vanishing_gradients": frozenset({"better_init", "skip_connections"}),
    "overfitting": frozenset({"more_data", "weight_decay"}),
    "ill_conditioning": frozenset({"standardize_inputs", "momentum"}),
    "exploding_gradients": frozenset({"clip_gradients"}),
}


@dataclass(frozen=True)
class MysteryRun:
    """One prepared training run, with everything a diagnosis needs.

    Parameters
    ----------
    name : str
        "A", "B", "C" or "D".
    description : str
        The model and the optimizer settings (not the diagnosis).
    losses : ndarray, shape (T + 1,)
        Training loss at every step.
    grad_norms : ndarray, shape (T + 1,)
        Norm of the full gradient at every step.
    lr : float
        The (constant) learning rate.
    record_steps : ndarray, shape (R,)
        Steps at which ``layer_grad_norms`` and ``test_losses`` were recorded.
    layer_grad_norms : ndarray, shape (R, n_layers)
        :func:`layer_gradient_norms` at those steps, input layer first.
    test_losses : ndarray, shape (R,)
        Loss on a held-out test set at those steps.
    train_accuracy, test_accuracy : float
        At the end of the run.
    lambda_max, lambda_min : float
        Largest and smallest Hessian eigenvalues of the training loss at the end of the run (Lanczos).
    activation_std : ndarray, shape (n_hidden_layers,)
        Spread (standard deviation) of each hidden layer's outputs at the end of the run.
    diverged_at : int or None, default None
        Step at which the loss became non-finite or exploded (the run stopped there), None if it did not.
    """

    name: str
    description: str
    losses: np.ndarray
    grad_norms: np.ndarray
    lr: float
    record_steps: np.ndarray
    layer_grad_norms: np.ndarray
    test_losses: np.ndarray
    train_accuracy: float
    test_accuracy: float
    lambda_max: float
    lambda_min: float
    activation_std: np.ndarray
    diverged_at: int | None = None

    @property
    def summary(self) -> str:
        """A one-paragraph lab report of the run's numbers (no diagnosis)."""
        end = f"diverged at step {self.diverged_at}" if self.diverged_at is not None else (
            f"{len(self.losses) - 1} steps")
        return (f"run {self.name} ({self.description}): {end}; loss {self.losses[0]:.3g} → {self.losses[-1]:.3g} "
                f"(test loss {self.test_losses[-1]:.3g}); final ‖∇L‖ {self.grad_norms[-1]:.2g}; "
                f"λ_max {self.lambda_max:.3g}, λ_min {self.lambda_min:.2g}; "
                f"accuracy train {self.train_accuracy:.2f} / test {self.test_accuracy:.2f}")


def _extreme_eigenvalues(model, theta) -> tuple[float, float]:
    """(λ_min, λ_max) of the Hessian: dense for small models, else one Lanczos run for both ends."""
    if model.dim <= 300:
        values = np.linalg.eigvalsh(model.hessian(theta))
        return float(values[0]), float(values[-1])
    # A fixed start vector and a loose tolerance: the runs are cached lab data, λ to 4 digits is plenty.
    values = lanczos_eigenvalues(model.make_hvp(theta), model.dim, k=2, which="BE", tol=1e-4, v0=np.ones(model.dim))
    return float(values[0]), float(values[-1])


def _record(name, description, model, test_model, traj, every, lr):
    thetas = traj.thetas
    finite = [k for k in range(0, len(thetas), every) if np.all(np.isfinite(thetas[k]))]
    steps = np.array(finite)
    layer = np.array([layer_gradient_norms(model, thetas[k]) for k in finite])
    test = np.array([test_model.loss(thetas[k]) for k in finite])
    last = thetas[finite[-1]]
    lam_min, lam_max = _extreme_eigenvalues(model, last)
    return MysteryRun(
        name=name, description=description, losses=traj.losses, grad_norms=traj.grad_norms, lr=lr,
        record_steps=steps, layer_grad_norms=layer, test_losses=test,
        train_accuracy=model.accuracy(last), test_accuracy=test_model.accuracy(last),
        lambda_max=lam_max, lambda_min=lam_min,
        activation_std=np.array([float(np.std(h)) for h in model.hidden_activations(last)]),
        diverged_at=traj.diverged_at,
    )


def _freeze(run: MysteryRun) -> MysteryRun:
    for value in vars(run).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return run


@lru_cache(maxsize=2)
def _mystery_runs(seed: int) -> dict:
    from .data import standardize, train_test_split, two_moons

    X, y = two_moons(200, noise=0.25, rng=seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_frac=0.5, rng=seed)
    Xtr, mean, std = standardize(Xtr)
    Xte = standardize(Xte, mean, std)[0]
    runs = {}
    with np.errstate(all="ignore"):
        # A — overfitting: 16 noisy training examples, a wide net with large weights, trained to zero loss. Its
        # λ_max is large too, but λ_max compared across different models and data says nothing (ch5, Dinh et al.)
        small = MLP(Xtr[:16], ytr[:16], hidden=(64,), activation="tanh", loss="mse")
        theta = small.init(seed + 1, scheme="normal", scale=1.0)
        traj = optimizers.run(small, optimizers.momentum(0.9), theta, steps=150, lr=0.006)
        runs["A"] = _record("A", "2-64-1 tanh MLP, 16 training examples, momentum 0.9, η = 0.006", small,
                            small.with_data(Xte, yte), traj, 10, 0.006)
        # B — step too large: a linear model (no hidden layer), η 10 % above the stability limit 2/λ_max
        linear = MLP(Xtr, ytr, hidden=(), loss="mse")
        lr = float(np.round(1.1 * 2 / np.linalg.eigvalsh(linear.hessian(np.zeros(linear.dim)))[-1], 3))
        traj = optimizers.run(linear, optimizers.gd(), linear.init(seed + 2), steps=150, lr=lr, explode_factor=1e3)
        runs["B"] = _record("B", f"2-1 linear model, gradient descent, η = {lr:g}", linear,
                            linear.with_data(Xte, yte), traj, 5, lr)
        # C — vanishing gradients: eight ReLU layers initialized at half the Xavier scale
        deep = MLP(Xtr, ytr, hidden=(8,) * 8, activation="relu", loss="mse")
        theta = deep.init(seed + 3, scheme="xavier", scale=0.5)
        traj = optimizers.run(deep, optimizers.gd(), theta, steps=60, lr=0.5)
        runs["C"] = _record("C", "2-8×8-1 ReLU MLP, gradient descent, η = 0.5", deep, deep.with_data(Xte, yte),
                            traj, 5, 0.5)
        # D — a saddle: a one-hidden-layer net started at (almost) zero weights, where every hidden unit is the same
        model = MLP(Xtr, ytr, hidden=(16,), activation="tanh", loss="mse")
        theta = model.init(seed + 4, scheme="xavier", scale=1e-6)
        traj = optimizers.run(model, optimizers.gd(), theta, steps=100, lr=0.1)
        runs["D"] = _record("D", "2-16-1 tanh MLP, gradient descent, η = 0.1", model, model.with_data(Xte, yte),
                            traj, 5, 0.1)
    return {k: _freeze(v) for k, v in runs.items()}


def mystery_runs(seed: int = 0) -> dict[str, MysteryRun]:
    """Four training runs on two moons that fail in four different ways, named "A" to "D".

    Deterministic for a given ``seed`` (cached; the arrays are read-only). One run stepped too far for the
    curvature, one sits at a saddle, one suffers vanishing gradients, and one overfits its tiny training set — which is which is for the student to find from the curves, the per-layer gradient
    norms, the curvature at the end and the accuracies (:attr:`MysteryRun.summary`).

    Parameters
    ----------
    seed : int
        Seeds the data and the initializations.

    Returns
    -------
    dict of str → MysteryRun
    """
    seed = check_int(seed, "seed", low=0)
    return dict(_mystery_runs(seed))


def validate_diagnoses(answers, runs=("A", "B", "C", "D")) -> dict[str, tuple[str, str]]:
    """Check the form and spelling of a diagnosis answer; return it normalized (lower case, stripped).

    Parameters
    ----------
    answers : dict
        ``{run: (diagnosis, remedy)}`` for every run, with ``diagnosis`` a key of :data:`DIAGNOSES` and
        ``remedy`` a key of :data:`REMEDIES`.
    runs : sequence of str
        The run names expected.

    Raises
    ------
    TypeError, ValueError
        With a message that names the run and suggests the closest valid word.
    """
    if not isinstance(answers, dict):
        raise TypeError(f"`answers` must be a dict {{run: (diagnosis, remedy)}}, got {type(answers).__name__}")
    if isinstance(runs, str) or not all(isinstance(r, str) for r in np.atleast_1d(np.asarray(runs, dtype=object))):
        raise TypeError(f"`runs` must be a sequence of run names such as ('A', 'B'), got {runs!r}")
    keys = {str(k).strip().upper(): v for k, v in answers.items()}
    missing = [r for r in runs if r not in keys]
    extra = sorted(set(keys) - set(runs))
    if missing or extra:
        raise ValueError(f"`answers` must have exactly the runs {list(runs)}; "
                         + (f"missing {missing}" if missing else "") + ("; " if missing and extra else "")
                         + (f"unknown {extra}" if extra else ""))
    out = {}
    for run in runs:
        value = keys[run]
        if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise TypeError(f"run {run}: expected a pair of strings (diagnosis, remedy), got {value!r}")
        diagnosis, remedy = (v.strip().lower().replace(" ", "_").replace("-", "_") for v in value)
        for word, vocab, kind in ((diagnosis, DIAGNOSES, "diagnosis"), (remedy, REMEDIES, "remedy")):
            if word not in vocab:
                close = difflib.get_close_matches(word, list(vocab), n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"run {run}: {word!r} is not a known {kind}{hint} Choose from {sorted(vocab)}")
        out[run] = (diagnosis, remedy)
    return out
