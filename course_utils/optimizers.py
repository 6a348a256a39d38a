r"""Update rules, learning-rate schedules and the one loop that runs them.

In the spirit of optax, an optimizer is a pair of small pure functions::

    state = opt.init(theta)
    update, state = opt.update(grad, state, theta, lr, oracle)
    theta = theta + update

``grad`` is :math:`\nabla L(\theta)` at the current point (on the current minibatch); ``oracle`` gives
rules that need more than the gradient what they may ask for at this step — the Hessian (Newton),
another gradient (SAM), a random generator (perturbed GD) — so every rule fits the same interface and
wrappers compose (``sam(adam())``). :func:`run` drives any rule on any
:class:`~course_utils.objective.Objective` and returns a :class:`Trajectory`; divergence is a result
(``diverged_at``), never a crash or a warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .validation import (
    check_bool,
    check_int,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = [
    "Optimizer",
    "Oracle",
    "Trajectory",
    "gd",
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "newton",
    "uniform_ball",
    "perturbed_gd",
    "noisy_gd",
    "saddle_free_newton",
    "sam_perturbation",
    "sam",
    "constant_schedule",
    "step_schedule",
    "cosine_schedule",
    "cosine_restarts_schedule",
    "one_cycle_schedule",
    "run",
    "run_many",
    "clip_by_norm",
    "OPTIMIZERS",
]


# --------------------------------------------------------------------------------------------
# The interface
# --------------------------------------------------------------------------------------------
class Optimizer(NamedTuple):
    """An update rule: ``init(theta) -> state`` and ``update(grad, state, theta, lr, oracle) -> (update, state)``.

    ``update`` returns the *step* to add to ``theta`` (already multiplied by the learning rate).
    """

    name: str
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]


class Oracle:
    """What an update rule may ask of the objective at one step.

    Attributes
    ----------
    objective : Objective
        The objective on the current minibatch (the full objective for full-batch runs).
    step : int
        The step number ``t`` (0-based).
    rng : numpy.random.Generator
        The run's generator, for rules that draw (perturbed GD, noisy GD).
    """

    def __init__(self, objective, step: int, rng: np.random.Generator):
        self.objective = objective
        self.step = step
        self.rng = rng

    def loss(self, theta) -> float:
        return float(self.objective._loss(np.asarray(theta, dtype=float)))

    def grad(self, theta) -> np.ndarray:
        return self.objective._grad_fn()(np.asarray(theta, dtype=float))

    def hessian(self, theta) -> np.ndarray:
        return self.objective.hessian(theta)

    def hvp(self, theta, v) -> np.ndarray:
        return self.objective.hvp(theta, v)


# --------------------------------------------------------------------------------------------
# Update rules
# --------------------------------------------------------------------------------------------
def gd() -> Optimizer:
    r"""Gradient descent: :math:`\theta \leftarrow \theta - \eta \nabla L(\theta)`.

    With ``batch_size`` set in :func:`run`, the gradient is a minibatch gradient: this *is* SGD.
    """

    def init(theta):
        return ()

    def update(grad, state, theta, lr, oracle):
        return -lr * grad, state

    return Optimizer("GD", init, update)


def sgd() -> Optimizer:
    """Stochastic gradient descent: :func:`gd` run with minibatches (``run(..., batch_size=B)``)."""
    return gd()._replace(name="SGD")


def momentum(beta: float = 0.9) -> Optimizer:
    r"""Heavy-ball momentum (Polyak): :math:`v \leftarrow \beta v + \nabla L`, :math:`\theta \leftarrow \theta - \eta v`."""
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)

    def init(theta):
        return np.zeros_like(theta)

    def update(grad, velocity, theta, lr, oracle):
        velocity = beta * velocity + grad
        return -lr * velocity, velocity

    return Optimizer(f"momentum (β={beta:g})", init, update)


def nesterov(beta: float = 0.9) -> Optimizer:
    r"""Nesterov momentum in the look-ahead form used by most libraries.

    :math:`v \leftarrow \beta v + \nabla L(\theta)`, :math:`\theta \leftarrow \theta - \eta(\nabla L(\theta) + \beta v)`.
    """
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)

    def init(theta):
        return np.zeros_like(theta)

    def update(grad, velocity, theta, lr, oracle):
        velocity = beta * velocity + grad
        return -lr * (grad + beta * velocity), velocity

    return Optimizer(f"Nesterov (β={beta:g})", init, update)


def adagrad(eps: float = 1e-8) -> Optimizer:
    r"""Adagrad: :math:`s \leftarrow s + g^2`, :math:`\theta \leftarrow \theta - \eta g / (\sqrt{s} + \epsilon)`."""
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(theta):
        return np.zeros_like(theta)

    def update(grad, s, theta, lr, oracle):
        s = s + grad**2
        return -lr * grad / (np.sqrt(s) + eps), s

    return Optimizer("Adagrad", init, update)


def rmsprop(decay: float = 0.9, eps: float = 1e-8) -> Optimizer:
    r"""RMSProp: :math:`s \leftarrow \rho s + (1-\rho) g^2`, :math:`\theta \leftarrow \theta - \eta g/(\sqrt{s}+\epsilon)`."""
    decay = check_scalar(decay, "decay", low=0, high=1, high_inclusive=False)
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(theta):
        return np.zeros_like(theta)

    def update(grad, s, theta, lr, oracle):
        s = decay * s + (1 - decay) * grad**2
        return -lr * grad / (np.sqrt(s) + eps), s

    return Optimizer("RMSProp", init, update)


def adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    r"""Adam (Kingma & Ba 2015) with bias correction.

    :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)` with
    :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.
    """
    b1 = check_scalar(b1, "b1", low=0, high=1, high_inclusive=False)
    b2 = check_scalar(b2, "b2", low=0, high=1, high_inclusive=False)
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(theta):
        return (0, np.zeros_like(theta), np.zeros_like(theta))

    def update(grad, state, theta, lr, oracle):
        t, m, v = state
        t += 1
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return -lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)

    return Optimizer("Adam", init, update)


def newton(damping: float = 0.0) -> Optimizer:
    r"""Damped Newton: :math:`\theta \leftarrow \theta - \eta (H + \lambda I)^{-1} \nabla L`.

    With ``lr = 1`` and no damping this is the pure Newton step, which is attracted to *any* critical
    point — saddles included (chapter 4). Dense Hessian: for small ``P``. A singular system falls back
    to the least-squares solution.
    """
    damping = check_scalar(damping, "damping", low=0)

    def init(theta):
        return ()

    def update(grad, state, theta, lr, oracle):
        H = oracle.hessian(theta) + damping * np.eye(theta.size)
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        return -lr * step, state

    return Optimizer("Newton" if damping == 0 else f"Newton (λ={damping:g})", init, update)


# --------------------------------------------------------------------------------------------
# Escaping saddles (chapter 4): noise and curvature that push iterates off strict saddles
# --------------------------------------------------------------------------------------------
def uniform_ball(rng: np.random.Generator, dim: int, radius: float) -> np.ndarray:
    r"""One draw from the uniform distribution on the ball :math:`\{\xi \in \mathbb R^d : \|\xi\| \le r\}`.

    A Gaussian direction normalised to the unit sphere, scaled by :math:`r U^{1/d}` with
    :math:`U \sim \mathcal U(0, 1)` (the volume of a ball grows like :math:`r^d`).
    """
    rng = check_rng(rng)
    dim = check_int(dim, "dim", low=1)
    radius = check_scalar(radius, "radius", low=0)
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    return radius * rng.uniform() ** (1.0 / dim) * direction


def perturbed_gd(radius: float = 0.1, g_thres: float = 1e-3, t_thres: int = 10) -> Optimizer:
    r"""Perturbed gradient descent (Jin et al. 2017, "How to escape saddle points efficiently").

    When the gradient is small, :math:`\|\nabla L(\theta_t)\| \le g_{\text{thres}}`, and no perturbation
    happened in the last :math:`t_{\text{thres}}` steps, jump to :math:`\tilde\theta = \theta_t + \xi` with
    :math:`\xi` uniform in the ball of radius :math:`r`; then take a gradient step from where you are:
    :math:`\theta_{t+1} = \tilde\theta - \eta \nabla L(\tilde\theta)`.

    Near a strict saddle the draw has, with probability close to one, a component along the negative-curvature
    direction, which gradient descent then amplifies by :math:`(1 + \eta|\lambda_{\min}|)` per step — so
    perturbed GD leaves even from *exactly* the saddle, where plain GD stays forever. Draws come from
    ``oracle.rng`` (reproducible with ``run(..., rng=seed)``).

    Parameters
    ----------
    radius : float
        :math:`r`, the radius of the perturbation ball.
    g_thres : float
        Gradient norm below which the iterate counts as "possibly at a saddle".
    t_thres : int
        Minimum number of steps between two perturbations.
    """
    radius = check_scalar(radius, "radius", low=0)
    g_thres = check_scalar(g_thres, "g_thres", low=0)
    t_thres = check_int(t_thres, "t_thres", low=0)

    def init(theta):
        # (step of the last perturbation, number of perturbations so far)
        return (-(t_thres + 1), 0)

    def update(grad, state, theta, lr, oracle):
        last, count = state
        if radius > 0 and np.linalg.norm(grad) <= g_thres and oracle.step - last > t_thres:
            xi = uniform_ball(oracle.rng, theta.size, radius)
            return xi - lr * oracle.grad(theta + xi), (oracle.step, count + 1)
        return -lr * grad, state

    return Optimizer(f"perturbed GD (r={radius:g})", init, update)


def noisy_gd(sigma: float = 0.01) -> Optimizer:
    r"""Gradient descent with isotropic Gaussian gradient noise: :math:`\theta \leftarrow \theta - \eta(\nabla L + \sigma \xi)`.

    :math:`\xi \sim \mathcal N(0, I)` is drawn from ``oracle.rng`` at every step — a caricature of
    minibatch noise (real SGD noise is anisotropic and shrinks where the per-example gradients agree).
    """
    sigma = check_scalar(sigma, "sigma", low=0)

    def init(theta):
        return ()

    def update(grad, state, theta, lr, oracle):
        noise = sigma * oracle.rng.standard_normal(theta.size) if sigma > 0 else 0.0
        return -lr * (grad + noise), state

    return Optimizer(f"noisy GD (σ={sigma:g})", init, update)


def saddle_free_newton(damping: float = 1e-3) -> Optimizer:
    r"""Saddle-free Newton (Dauphin et al. 2014): :math:`\theta \leftarrow \theta - \eta (|H| + \lambda I)^{-1} \nabla L`.

    With :math:`H = Q \Lambda Q^\top`, :math:`|H| = Q |\Lambda| Q^\top`: along positive-curvature directions
    this is Newton's step; along negative-curvature directions the sign flips, so the step goes *downhill*
    (away from the saddle) instead of towards it, rescaled by :math:`1/|\lambda|`. ``damping`` keeps the step
    finite where an eigenvalue is near zero. Dense ``eigh`` of the Hessian: for small ``P``.
    """
    damping = check_scalar(damping, "damping", low=0, low_inclusive=False)

    def init(theta):
        return ()

    def update(grad, state, theta, lr, oracle):
        values, vectors = np.linalg.eigh(oracle.hessian(theta))
        step = vectors @ ((vectors.T @ grad) / (np.abs(values) + damping))
        return -lr * step, state

    return Optimizer(f"saddle-free Newton (λ={damping:g})", init, update)


# --------------------------------------------------------------------------------------------
# Sharpness-aware minimization (chapter 5): step with the gradient at the worst nearby point
# --------------------------------------------------------------------------------------------
def sam_perturbation(grad, rho: float, theta=None, *, adaptive: bool = False, eta: float = 0.01) -> np.ndarray:
    r"""SAM's ascent step :math:`\hat\varepsilon`, the first-order worst case in a ball of radius :math:`\rho`.

    Plain SAM (Foret et al. 2021): :math:`\hat\varepsilon = \rho\, g / \|g\|_2`, the maximiser of the linearised
    loss :math:`L(\theta) + g^\top\varepsilon` over :math:`\|\varepsilon\|_2 \le \rho`.
    Adaptive SAM (ASAM, Kwon et al. 2021) measures the ball in the scaled coordinates
    :math:`T_\theta^{-1}\varepsilon` with :math:`T_\theta = \operatorname{diag}(|\theta| + \eta)`, which gives
    :math:`\hat\varepsilon = \rho\, T_\theta^2 g / \|T_\theta g\|_2` — large weights get large perturbations, so the
    worst case no longer depends on how the network is scaled.

    A zero gradient gives :math:`\hat\varepsilon = 0` (Foret et al. add :math:`10^{-12}` to the norm for the
    same effect): at an exact critical point first-order SAM sees no ascent direction.

    Parameters
    ----------
    grad : ndarray, shape (P,)
        :math:`g = \nabla L(\theta)` (on the current minibatch).
    rho : float
        Radius :math:`\rho \ge 0`.
    theta : ndarray, shape (P,), optional
        The current parameters; required when ``adaptive=True``.
    adaptive : bool
        ASAM instead of SAM.
    eta : float
        ASAM's offset :math:`\eta` in :math:`|\theta| + \eta` (not the learning rate).

    Returns
    -------
    ndarray, shape (P,)
    """
    g = check_vector(grad, "grad")
    rho = check_scalar(rho, "rho", low=0)
    adaptive = check_bool(adaptive, "adaptive")
    eta = check_scalar(eta, "eta", low=0)
    if theta is None:
        if adaptive:
            raise ValueError("`theta` is required when `adaptive=True` (ASAM scales the ball by |theta| + eta)")
    else:
        theta = check_vector(theta, "theta", g.size)
    return _sam_perturbation(g, rho, theta, adaptive, eta)


def _unit(v: np.ndarray) -> np.ndarray:
    """``v / ||v||`` without overflow for huge entries (scaled by the largest first); 0 for ``v = 0``."""
    top = np.max(np.abs(v))
    if top == 0 or not np.isfinite(top):
        return np.zeros_like(v)
    w = v / top
    return w / np.linalg.norm(w)


def _sam_perturbation(g: np.ndarray, rho: float, theta, adaptive: bool, eta: float) -> np.ndarray:
    r""":func:`sam_perturbation` for trusted inputs (the optimizer's inner loop).

    ASAM's :math:`T^2 g / \|T g\|` is computed as :math:`T \cdot \widehat{T g}` (the unit vector along
    :math:`T g`), which never overflows in between. A non-finite gradient gives no perturbation: the run's own
    divergence check reports it.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if adaptive:
            scale = np.abs(theta) + eta
            return rho * (scale * _unit(scale * _unit(g)))
        return rho * _unit(g)


def sam(base: Optimizer | None = None, rho: float = 0.05, adaptive: bool = False, eta: float = 0.01,
        m: int | None = None) -> Optimizer:
    r"""Sharpness-aware minimization (Foret et al. 2021) around any base rule.

    SAM minimises :math:`\max_{\|\varepsilon\| \le \rho} L(\theta + \varepsilon)`. Each step takes the
    first-order worst case :math:`\hat\varepsilon` (:func:`sam_perturbation`), evaluates the gradient there and
    hands it to the base rule as if it were the gradient at :math:`\theta`:

    .. math::
        \hat\varepsilon = \rho \frac{\nabla L(\theta)}{\|\nabla L(\theta)\|}, \qquad
        g_{\text{SAM}} = \nabla L(\theta + \hat\varepsilon), \qquad
        \theta \leftarrow \theta + \text{base.update}(g_{\text{SAM}}).

    The dependence of :math:`\hat\varepsilon` on :math:`\theta` is ignored (as in the paper): two gradient
    evaluations per step. With ``m`` (m-sharpness), the current minibatch is cut into consecutive chunks of
    ``m`` examples; each chunk gets its own :math:`\hat\varepsilon_c` from its own gradient, and the step
    uses the average of the chunk gradients :math:`\nabla L_c(\theta + \hat\varepsilon_c)`, weighted by chunk
    size (Foret et al. find small ``m`` generalises better). ``rho = 0`` recovers the base rule exactly.

    Parameters
    ----------
    base : Optimizer, optional
        The rule that consumes the SAM gradient (default :func:`gd`; ``sam(adam())`` works too).
    rho : float
        Neighbourhood radius :math:`\rho \ge 0` (the paper's default 0.05).
    adaptive : bool
        ASAM's scale-invariant perturbation (see :func:`sam_perturbation`).
    eta : float
        ASAM's offset in :math:`|\theta| + \eta`.
    m : int, optional
        Chunk size for m-sharpness; needs an objective with data (``subset``). ``None``: one perturbation for
        the whole (mini)batch.

    Examples
    --------
    >>> from course_utils.models import Quadratic
    >>> q = Quadratic(np.diag([1.0, 10.0]))
    >>> traj = run(q, sam(gd(), rho=0.05), [1.0, 1.0], steps=200, lr=0.05)
    """
    if base is None:
        base = gd()
    if not isinstance(base, Optimizer):
        raise TypeError(f"`base` must be an Optimizer such as optimizers.gd(), got {type(base).__name__}")
    rho = check_scalar(rho, "rho", low=0)
    adaptive = check_bool(adaptive, "adaptive")
    eta = check_scalar(eta, "eta", low=0)
    if m is not None:
        m = check_int(m, "m", low=1)

    def perturbed_grad(objective, g, theta):
        return objective._grad_fn()(theta + _sam_perturbation(np.asarray(g, dtype=float), rho, theta, adaptive, eta))

    def update(grad, state, theta, lr, oracle):
        objective = oracle.objective
        if m is None:
            g_sam = perturbed_grad(objective, grad, theta)
        else:
            if not hasattr(objective, "subset"):
                raise TypeError(f"m-sharpness (`m`={m}) needs an objective with data; {objective.name!r} has none")
            n = objective.n_examples
            g_sam = np.zeros_like(theta)
            for start in range(0, n, m):
                chunk = objective.subset(np.arange(start, min(start + m, n)))
                g_chunk = chunk._grad_fn()(theta)
                g_sam += chunk.n_examples / n * perturbed_grad(chunk, g_chunk, theta)
        return base.update(g_sam, state, theta, lr, oracle)

    kind = "ASAM" if adaptive else "SAM"
    extra = f", m={m}" if m is not None else ""
    return Optimizer(f"{kind}-{base.name} (ρ={rho:g}{extra})", base.init, update)


# --------------------------------------------------------------------------------------------
# Schedules: callables t -> learning rate, vectorized over integer arrays of steps
# --------------------------------------------------------------------------------------------
def constant_schedule(lr: float) -> Callable:
    """:math:`\\eta_t = \\eta`."""
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    return lambda t: lr + 0.0 * np.asarray(t, dtype=float)


def step_schedule(lr: float, every: int, factor: float = 0.1) -> Callable:
    r""":math:`\eta_t = \eta \cdot \text{factor}^{\lfloor t / \text{every} \rfloor}`."""
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    every = check_int(every, "every", low=1)
    factor = check_scalar(factor, "factor", low=0, high=1, low_inclusive=False)
    return lambda t: lr * factor ** np.floor_divide(np.asarray(t), every)


def cosine_schedule(lr: float, total_steps: int, final_lr: float = 0.0) -> Callable:
    r"""Cosine decay: :math:`\eta_t = \eta_f + \tfrac12(\eta - \eta_f)(1 + \cos(\pi \min(t, T)/T))`."""
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    total_steps = check_int(total_steps, "total_steps", low=1)
    final_lr = check_scalar(final_lr, "final_lr", low=0, high=lr)

    def schedule(t):
        frac = np.minimum(np.asarray(t, dtype=float), total_steps) / total_steps
        return final_lr + 0.5 * (lr - final_lr) * (1 + np.cos(np.pi * frac))

    return schedule


def cosine_restarts_schedule(lr: float, period: int, mult: int = 1, final_lr: float = 0.0) -> Callable:
    r"""SGDR (Loshchilov & Hutter 2017): cosine decay restarted every period, periods growing by ``mult``."""
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    period = check_int(period, "period", low=1)
    mult = check_int(mult, "mult", low=1)
    final_lr = check_scalar(final_lr, "final_lr", low=0, high=lr)

    def position(t):
        t = np.asarray(t, dtype=float)
        if mult == 1:
            return np.mod(t, period) / period
        # index of the current cycle: start of cycle k is period (mult^k - 1)/(mult - 1)
        k = np.floor(np.log1p(t * (mult - 1) / period) / math.log(mult))
        start = period * (mult**k - 1) / (mult - 1)
        # rounding at cycle boundaries can land a hair past the end; clip to [0, 1)
        return np.clip((t - start) / (period * mult**k), 0.0, 1.0 - 1e-12)

    return lambda t: final_lr + 0.5 * (lr - final_lr) * (1 + np.cos(np.pi * position(t)))


def one_cycle_schedule(max_lr: float, total_steps: int, warmup_frac: float = 0.3,
                       div_factor: float = 25.0, final_div_factor: float = 1e4) -> Callable:
    r"""One-cycle (Smith 2018): cosine warm-up from ``max_lr/div`` to ``max_lr`` then cosine decay to ``max_lr/(div·final_div)``."""
    max_lr = check_scalar(max_lr, "max_lr", low=0, low_inclusive=False)
    total_steps = check_int(total_steps, "total_steps", low=2)
    warmup_frac = check_scalar(warmup_frac, "warmup_frac", low=0, high=1, low_inclusive=False, high_inclusive=False)
    div_factor = check_scalar(div_factor, "div_factor", low=1)
    final_div_factor = check_scalar(final_div_factor, "final_div_factor", low=1)
    start, end = max_lr / div_factor, max_lr / (div_factor * final_div_factor)
    peak = warmup_frac * total_steps

    def anneal(a, b, frac):
        return b + 0.5 * (a - b) * (1 + np.cos(np.pi * frac))

    def schedule(t):
        t = np.minimum(np.asarray(t, dtype=float), total_steps)
        up = anneal(start, max_lr, np.clip(t / peak, 0, 1))
        down = anneal(max_lr, end, np.clip((t - peak) / (total_steps - peak), 0, 1))
        return np.where(t <= peak, up, down)

    return schedule


# --------------------------------------------------------------------------------------------
# The run loop
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trajectory:
    """The record of one optimization run.

    Attributes
    ----------
    thetas : ndarray, shape (T + 1, P)
        Parameters before the first step and after each step taken.
    losses : ndarray, shape (T + 1,)
        Full-objective loss at each recorded parameter vector.
    grad_norms : ndarray, shape (T + 1,)
        Norm of the full-objective gradient at each recorded parameter vector.
    lrs : ndarray, shape (T,)
        Learning rate used at each step.
    diverged_at : int or None
        Step at which the loss became non-finite or exploded (the run stopped there).
    converged_at : int or None
        Step at which the gradient norm fell below ``tol`` (the run stopped there).
    optimizer : str
        Name of the update rule.
    """

    thetas: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    diverged_at: int | None = None
    converged_at: int | None = None
    optimizer: str = ""
    extras: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Number of steps actually taken."""
        return len(self.lrs)

    @property
    def final_theta(self) -> np.ndarray:
        return self.thetas[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def message(self) -> str:
        """One line saying how the run ended, for plots and widgets."""
        if self.diverged_at is not None:
            return f"{self.optimizer}: diverged at step {self.diverged_at}"
        if self.converged_at is not None:
            return f"{self.optimizer}: converged at step {self.converged_at}, loss {self.final_loss:.4g}"
        return f"{self.optimizer}: {self.steps} steps, final loss {self.final_loss:.4g}"


def run(
    objective,
    optimizer: Optimizer,
    theta0,
    *,
    steps: int,
    lr: float | Callable = 0.1,
    batch_size: int | None = None,
    rng=0,
    tol: float | None = None,
    explode_factor: float = 1e8,
    record_every: int = 1,
) -> Trajectory:
    r"""Run ``optimizer`` on ``objective`` from ``theta0`` and record the trajectory.

    Parameters
    ----------
    objective : Objective
        Anything with the course's objective protocol. For minibatch runs it must provide
        ``n_examples`` and ``subset(indices)``.
    optimizer : Optimizer
        An update rule such as :func:`gd`, :func:`adam` or a SAM wrapper.
    theta0 : array_like, shape (P,)
        Starting point.
    steps : int
        Maximum number of steps.
    lr : float or callable
        A constant learning rate or a schedule ``t -> lr`` (see ``*_schedule``).
    batch_size : int, optional
        Minibatch size; ``None`` for full-batch gradients. Each epoch is a fresh permutation drawn
        from ``rng``.
    rng : numpy.random.Generator or int
        Source of minibatch orders and of any randomness in the rule.
    tol : float, optional
        Stop (``converged_at``) once the full gradient norm is below ``tol``.
    explode_factor : float
        Stop (``diverged_at``) when the loss exceeds ``explode_factor · max(1, |L(θ₀)|)`` or any value
        becomes non-finite.
    record_every : int
        Record every k-th step (the final point is always recorded).

    Returns
    -------
    Trajectory
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"`optimizer` must be an Optimizer (e.g. optimizers.gd()), got {type(optimizer).__name__}")
    return run_many(objective, [optimizer], theta0, steps=steps, lrs=[lr], batch_size=batch_size, rng=rng,
                    tol=[tol], explode_factor=explode_factor, record_every=record_every)[0]


def _per_racer(value, name: str, k: int) -> list:
    """Broadcast one setting to ``k`` racers, or check a list of ``k`` settings."""
    if isinstance(value, (list, tuple)):
        if len(value) != k:
            raise ValueError(f"`{name}` must hold one entry per optimizer ({k}), got {len(value)}")
        return list(value)
    return [value] * k


def run_many(
    objective,
    optimizers: list[Optimizer],
    theta0,
    *,
    steps: int,
    lrs: float | Callable | list = 0.1,
    batch_size: int | None = None,
    rng=0,
    tol: float | None | list = None,
    explode_factor: float = 1e8,
    record_every: int = 1,
) -> list[Trajectory]:
    r"""Run several optimizers side by side, in lockstep, and record one :class:`Trajectory` each.

    Each step evaluates the gradients of every racer still running in **one** batched call
    (:meth:`~course_utils.objective.Objective.grad_batch`), which is what makes an optimizer race on a 2-D
    landscape interactive: autograd's per-call overhead (~0.1–0.5 ms) is paid once per step instead of once
    per optimizer. Every racer's trajectory is the one :func:`run` gives it alone (a test asserts this), except
    that with ``batch_size`` all racers see the same minibatches.

    Parameters
    ----------
    objective : Objective
    optimizers : list of Optimizer
    theta0 : array_like, shape (P,) or (K, P)
        One start for all, or one start per optimizer.
    steps, batch_size, explode_factor, record_every
        As in :func:`run`.
    lrs : float, callable, or list of them
        One learning rate (or schedule) for all, or one per optimizer.
    rng : numpy.random.Generator or int
        Racer 0 draws from this generator (and so do minibatch orders); the others from independent copies
        of it, so each racer sees the random numbers it would see alone.
    tol : float, None, or list
        Convergence tolerance for all, or per optimizer (``None`` disables it).

    Returns
    -------
    list of Trajectory, one per optimizer, in order.
    """
    import copy

    from .objective import Objective
    from .validation import check_array

    if not isinstance(objective, Objective):
        raise TypeError(f"`objective` must be a course_utils Objective, got {type(objective).__name__}")
    if isinstance(optimizers, Optimizer) or not isinstance(optimizers, (list, tuple)) or not optimizers:
        raise TypeError("`optimizers` must be a non-empty list of Optimizer (e.g. [optimizers.gd()])")
    for i, o in enumerate(optimizers):
        if not isinstance(o, Optimizer):
            raise TypeError(f"`optimizers[{i}]` must be an Optimizer (e.g. optimizers.gd()), got {type(o).__name__}")
    K, P = len(optimizers), objective.dim
    starts = check_array(theta0, "theta0", ndim=(1, 2))
    if starts.ndim == 1:
        starts = np.tile(check_vector(starts, "theta0", P), (K, 1))
    elif starts.shape != (K, P):
        raise ValueError(f"`theta0` must have shape ({P},) or ({K}, {P}), got {starts.shape}")
    steps = check_int(steps, "steps", low=0)
    schedules = []
    for i, lr in enumerate(_per_racer(lrs, "lrs", K)):
        name = "lr" if K == 1 else f"lrs[{i}]"
        schedules.append(lr if callable(lr) else constant_schedule(check_scalar(lr, name, low=0, low_inclusive=False)))
    tols = [None if t is None else check_scalar(t, "tol", low=0, low_inclusive=False) for t in _per_racer(tol, "tol", K)]
    rng = check_rng(rng)
    rngs = [rng] + [copy.deepcopy(rng) for _ in range(K - 1)]
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
        if not hasattr(objective, "subset"):
            raise TypeError(f"`batch_size` needs an objective with data; {objective.name!r} has none")
        n = objective.n_examples
        batch_size = min(batch_size, n)
    explode_factor = check_scalar(explode_factor, "explode_factor", low=1, low_inclusive=False)
    record_every = check_int(record_every, "record_every", low=1)

    # One racer keeps the exact single-vector code path (bitwise the numbers `run` always gave).
    def losses_of(thetas):
        return np.array([float(objective._loss(thetas[0]))]) if len(thetas) == 1 else objective._loss_batch(thetas)

    def grads_of(obj, thetas):
        return obj._grad_fn()(thetas[0])[None, :] if len(thetas) == 1 else obj._grad_batch(thetas)

    thetas = starts.copy()
    with np.errstate(all="ignore"):
        loss0 = losses_of(thetas)
        for k in range(K):
            if not np.isfinite(loss0[k]):
                raise ValueError(f"the loss at `theta0` is not finite ({loss0[k]}); choose another starting point")
        limits = explode_factor * np.maximum(1.0, np.abs(loss0))
        g_full = grads_of(objective, thetas)
    rec = [dict(thetas=[thetas[k].copy()], losses=[float(loss0[k])], grad_norms=[float(np.linalg.norm(g_full[k]))],
                lrs=[], diverged_at=None, converged_at=None) for k in range(K)]
    states = [opt.init(thetas[k]) for k, opt in enumerate(optimizers)]
    active = [k for k in range(K) if not (tols[k] is not None and rec[k]["grad_norms"][0] < tols[k])]
    for k in set(range(K)) - set(active):
        rec[k]["converged_at"] = 0
    order, cursor = None, 0
    with np.errstate(all="ignore"):
        for t in range(steps):
            if not active:
                break
            if batch_size is None:
                step_obj, G = objective, g_full[active]
            else:
                if order is None or cursor + batch_size > n:
                    order, cursor = rng.permutation(n), 0
                step_obj = objective.subset(order[cursor : cursor + batch_size])
                cursor += batch_size
                G = grads_of(step_obj, thetas[active])
            etas = {}
            for row, k in enumerate(active):
                etas[k] = float(np.asarray(schedules[k](t)))
                update, states[k] = optimizers[k].update(G[row], states[k], thetas[k], etas[k],
                                                         Oracle(step_obj, t, rngs[k]))
                thetas[k] = thetas[k] + update
            losses = losses_of(thetas[active])
            last = t == steps - 1
            record = (t + 1) % record_every == 0 or last
            # Full-batch runs reuse the full gradient as the next step's; minibatch runs need it only to
            # record the gradient norm or test convergence (computing it every step would double their cost).
            ok = [bool(np.isfinite(losses[r]) and np.all(np.isfinite(thetas[k])) and abs(losses[r]) <= limits[k])
                  for r, k in enumerate(active)]
            need = [k for r, k in enumerate(active) if ok[r] and (batch_size is None or tols[k] is not None or record)]
            if need:
                g_new = grads_of(objective, thetas[need])
                for r, k in enumerate(need):
                    g_full[k] = g_new[r]
            still = []
            for r, k in enumerate(active):
                out = rec[k]
                out["lrs"].append(etas[k])
                bad = not ok[r] or (k in need and not np.all(np.isfinite(g_full[k])))
                if bad:
                    out["diverged_at"] = t + 1
                    out["thetas"].append(thetas[k].copy())
                    out["losses"].append(float(losses[r]))
                    out["grad_norms"].append(float("nan"))
                    continue
                gnorm = float(np.linalg.norm(g_full[k])) if k in need else float("nan")
                done = tols[k] is not None and gnorm < tols[k]
                if record or done:
                    out["thetas"].append(thetas[k].copy())
                    out["losses"].append(float(losses[r]))
                    out["grad_norms"].append(gnorm)
                if done:
                    out["converged_at"] = t + 1
                else:
                    still.append(k)
            active = still
    return [
        Trajectory(
            thetas=np.array(r["thetas"]),
            losses=np.array(r["losses"]),
            grad_norms=np.array(r["grad_norms"]),
            lrs=np.array(r["lrs"]),
            diverged_at=r["diverged_at"],
            converged_at=r["converged_at"],
            optimizer=optimizers[k].name,
        )
        for k, r in enumerate(rec)
    ]


# --------------------------------------------------------------------------------------------
# Gradient clipping (chapter 7): a wrapper that bounds the step at cliffs
# --------------------------------------------------------------------------------------------
def clip_by_norm(base: Optimizer | None = None, max_norm: float = 1.0) -> Optimizer:
    r"""Clip the gradient to norm at most ``max_norm``, then apply ``base`` (Pascanu et al. 2013).

    .. math::
        \tilde g = g \cdot \min\!\left(1, \frac{c}{\|g\|_2}\right), \qquad
        \theta \leftarrow \theta + \text{base.update}(\tilde g).

    The direction is kept, only the length is bounded: at a cliff, where :math:`\|g\|` is hundreds of times
    its usual size, plain gradient descent is thrown far away, while the clipped step is at most
    :math:`\eta c` long. Where :math:`\|g\| \le c` the base rule runs unchanged, bit for bit (as optax's
    ``clip_by_global_norm`` followed by a base transformation). A zero gradient stays zero.

    Parameters
    ----------
    base : Optimizer, optional
        The rule that consumes the clipped gradient (default :func:`gd`; ``clip_by_norm(adam(), 1.0)`` works).
    max_norm : float
        The threshold :math:`c > 0`.

    Examples
    --------
    >>> from course_utils.models import Quadratic
    >>> q = Quadratic(np.diag([1.0, 100.0]))
    >>> traj = run(q, clip_by_norm(gd(), max_norm=1.0), [1.0, 1.0], steps=50, lr=0.01)
    >>> bool(np.all(np.linalg.norm(np.diff(traj.thetas, axis=0), axis=1) <= 0.01 + 1e-12))
    True
    """
    if base is None:
        base = gd()
    if not isinstance(base, Optimizer):
        raise TypeError(f"`base` must be an Optimizer such as optimizers.gd(), got {type(base).__name__}")
    max_norm = check_scalar(max_norm, "max_norm", low=0, low_inclusive=False)

    def update(grad, state, theta, lr, oracle):
        norm = float(np.linalg.norm(grad))
        if norm > max_norm:
            grad = grad * (max_norm / norm)
        return base.update(grad, state, theta, lr, oracle)

    return Optimizer(f"clipped {base.name} (c={max_norm:g})", base.init, update)


#: The optimizers by short name, for explorers and pickers.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "newton": newton,
    # escaping saddles (chapter 4)
    "perturbed_gd": perturbed_gd,
    "noisy_gd": noisy_gd,
    "saddle_free_newton": saddle_free_newton,
    # sharpness-aware minimization (chapter 5)
    "sam": sam,
    # gradient clipping (chapter 7)
    "clip_by_norm": clip_by_norm,
}
