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
    "constant_schedule",
    "step_schedule",
    "cosine_schedule",
    "cosine_restarts_schedule",
    "one_cycle_schedule",
    "run",
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
    from .objective import Objective

    if not isinstance(objective, Objective):
        raise TypeError(f"`objective` must be a course_utils Objective, got {type(objective).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"`optimizer` must be an Optimizer (e.g. optimizers.gd()), got {type(optimizer).__name__}")
    theta = check_vector(theta0, "theta0", objective.dim).copy()
    steps = check_int(steps, "steps", low=0)
    if callable(lr):
        schedule = lr
    else:
        schedule = constant_schedule(check_scalar(lr, "lr", low=0, low_inclusive=False))
    rng = check_rng(rng)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
        if not hasattr(objective, "subset"):
            raise TypeError(f"`batch_size` needs an objective with data; {objective.name!r} has none")
        n = objective.n_examples
        batch_size = min(batch_size, n)
    if tol is not None:
        tol = check_scalar(tol, "tol", low=0, low_inclusive=False)
    explode_factor = check_scalar(explode_factor, "explode_factor", low=1, low_inclusive=False)
    record_every = check_int(record_every, "record_every", low=1)

    full_grad = objective._grad_fn()
    with np.errstate(all="ignore"):
        loss0 = float(objective._loss(theta))
    if not np.isfinite(loss0):
        raise ValueError(f"the loss at `theta0` is not finite ({loss0}); choose another starting point")
    limit = explode_factor * max(1.0, abs(loss0))

    thetas, losses, grad_norms, lrs = [theta.copy()], [loss0], [], []
    diverged_at = converged_at = None
    state = optimizer.init(theta)
    order, cursor = None, 0
    with np.errstate(all="ignore"):
        g_full = full_grad(theta)
        grad_norms.append(float(np.linalg.norm(g_full)))
        if tol is not None and grad_norms[0] < tol:
            converged_at = 0
        for t in range(steps if converged_at is None else 0):
            eta = float(np.asarray(schedule(t)))
            if batch_size is None:
                step_obj, g = objective, g_full
            else:
                if order is None or cursor + batch_size > n:
                    order, cursor = rng.permutation(n), 0
                step_obj = objective.subset(order[cursor : cursor + batch_size])
                cursor += batch_size
                g = step_obj._grad_fn()(theta)
            update, state = optimizer.update(g, state, theta, eta, Oracle(step_obj, t, rng))
            theta = theta + update
            loss = float(objective._loss(theta))
            lrs.append(eta)
            bad = not (np.isfinite(loss) and np.all(np.isfinite(theta))) or abs(loss) > limit
            if not bad:
                g_full = full_grad(theta)
                bad = not np.all(np.isfinite(g_full))
            last = t == steps - 1
            if bad:
                diverged_at = t + 1
                thetas.append(theta.copy())
                losses.append(loss)
                grad_norms.append(float("nan"))
                break
            gnorm = float(np.linalg.norm(g_full))
            done = tol is not None and gnorm < tol
            if (t + 1) % record_every == 0 or last or done:
                thetas.append(theta.copy())
                losses.append(loss)
                grad_norms.append(gnorm)
            if done:
                converged_at = t + 1
                break
    return Trajectory(
        thetas=np.array(thetas),
        losses=np.array(losses),
        grad_norms=np.array(grad_norms),
        lrs=np.array(lrs),
        diverged_at=diverged_at,
        converged_at=converged_at,
        optimizer=optimizer.name,
    )


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
}
