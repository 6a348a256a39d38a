r"""The loop that runs any rule on any objective: a minibatch sampler, one step, and a recorder.

:func:`run` drives one rule, :func:`run_many` several in lockstep (one batched gradient call per step);
both return :class:`Trajectory` records. Divergence is a result (``diverged_at``), never a crash or a warning.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..objective import Objective, as_objective
from ..validation import check_array, check_int, check_rng, check_scalar, check_vector
from .schedules import LearningRate, Schedule, as_schedule
from .transforms import GradientTransformation, Oracle

__all__ = ["Trajectory", "MinibatchSampler", "run", "run_many"]


@dataclass(frozen=True)
class Trajectory:
    """The record of one optimization run.

    Built by :func:`run` and :func:`run_many`; the fields are read as attributes of the same names. ``T`` is
    the number of steps taken. With ``record_every = k > 1`` only every k-th point (and the last) is
    recorded, so ``thetas``, ``losses`` and ``grad_norms`` then hold fewer than ``T + 1`` entries.

    Parameters
    ----------
    thetas : ndarray, shape (T + 1, P)
        Parameters before the first step and after each step taken.
    losses : ndarray, shape (T + 1,)
        Full-objective loss at each recorded parameter vector.
    grad_norms : ndarray, shape (T + 1,)
        Norm of the full-objective gradient at each recorded parameter vector (NaN at the point where a run
        diverged).
    lrs : ndarray, shape (T,)
        Learning rate used at each step.
    diverged_at : int or None
        Step at which the loss became non-finite or exploded (the run stopped there).
    converged_at : int or None
        Step at which the gradient norm fell below ``tol``, or at which the update rule stopped itself
        (perturbed GD's termination test); the run stopped there.
    optimizer : str
        Name of the update rule.
    extras : dict
        Room for additional per-run records; the runners leave it empty (default ``{}``).
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


# --------------------------------------------------------------------------------------------
# The three pieces: where the examples come from, one step, what is written down
# --------------------------------------------------------------------------------------------
class MinibatchSampler:
    """Consecutive minibatches of example indices; each epoch is a fresh permutation drawn from ``rng``.

    Every example appears once per epoch; when ``batch_size`` does not divide ``n_examples`` the last
    ``n_examples % batch_size`` of each permutation are left out of that epoch (a new permutation starts).

    Parameters
    ----------
    n_examples : int
        Number of examples ``n``.
    batch_size : int
        Examples per minibatch, ``1 <= batch_size <= n``.
    rng : numpy.random.Generator or int
    """

    def __init__(self, n_examples: int, batch_size: int, rng: Any = 0):
        self.n_examples = check_int(n_examples, "n_examples", low=1)
        self.batch_size = check_int(batch_size, "batch_size", low=1, high=self.n_examples)
        self.rng = check_rng(rng)
        self._order: np.ndarray | None = None
        self._cursor = 0

    def next(self) -> np.ndarray:
        """The indices of the next minibatch, shape (batch_size,)."""
        if self._order is None or self._cursor + self.batch_size > self.n_examples:
            self._order, self._cursor = self.rng.permutation(self.n_examples), 0
        batch = self._order[self._cursor: self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return batch


def take_step(optimizer: GradientTransformation, grad: np.ndarray, state: Any, theta: np.ndarray,
              lr: float | None, oracle: Oracle) -> tuple[np.ndarray, Any]:
    """One step of ``optimizer``: ``(theta + update, new_state)``."""
    update, state = optimizer.update(grad, state, theta, lr, oracle)
    return theta + update, state


class Recorder:
    """What one racer's run writes down: points, learning rates, and how it ended; builds the Trajectory."""

    def __init__(self, theta0: np.ndarray, loss0: float, grad_norm0: float):
        self.thetas = [theta0.copy()]
        self.losses = [loss0]
        self.grad_norms = [grad_norm0]
        self.lrs: list[float] = []
        self.diverged_at: int | None = None
        self.converged_at: int | None = None

    def point(self, theta: np.ndarray, loss: float, grad_norm: float) -> None:
        self.thetas.append(theta.copy())
        self.losses.append(loss)
        self.grad_norms.append(grad_norm)

    def trajectory(self, name: str) -> Trajectory:
        return Trajectory(thetas=np.array(self.thetas), losses=np.array(self.losses),
                          grad_norms=np.array(self.grad_norms), lrs=np.array(self.lrs),
                          diverged_at=self.diverged_at, converged_at=self.converged_at, optimizer=name)


# --------------------------------------------------------------------------------------------
# Checking the arguments
# --------------------------------------------------------------------------------------------
def _per_racer(value: Any, name: str, k: int) -> list:
    """Broadcast one setting to ``k`` racers, or check a list of ``k`` settings."""
    if isinstance(value, (list, tuple)):
        if len(value) != k:
            raise ValueError(f"`{name}` must hold one entry per optimizer ({k}), got {len(value)}")
        return list(value)
    return [value] * k


def _check_racers(objective: Any, optimizers: Any) -> tuple[Objective, list[GradientTransformation]]:
    objective = as_objective(objective)  # a course objective, or a student's own class with dim, loss and grad
    if isinstance(optimizers, GradientTransformation) or not isinstance(optimizers, (list, tuple)) or not optimizers:
        raise TypeError("`optimizers` must be a non-empty list of Optimizer (e.g. [optimizers.gd()])")
    for i, o in enumerate(optimizers):
        if not isinstance(o, GradientTransformation):
            raise TypeError(f"`optimizers[{i}]` must be an Optimizer (e.g. optimizers.gd()), got {type(o).__name__}")
    return objective, list(optimizers)


def _starts(theta0: Any, k: int, p: int) -> np.ndarray:
    starts = check_array(theta0, "theta0", ndim=(1, 2))
    if starts.ndim == 1:
        return np.tile(check_vector(starts, "theta0", p), (k, 1))
    if starts.shape != (k, p):
        raise ValueError(f"`theta0` must have shape ({p},) or ({k}, {p}), got {starts.shape}")
    return starts.copy()


def _schedules(optimizers: list[GradientTransformation], lrs: Any) -> tuple[list[Schedule], list[bool]]:
    """Each racer's schedule, and whether ``run`` passes it to ``update`` (False: the rule holds its own rate)."""
    k = len(optimizers)
    schedules, passed = [], []
    for i, (opt, lr) in enumerate(zip(optimizers, _per_racer(lrs, "lrs", k), strict=True)):
        name = "lr" if k == 1 else f"lrs[{i}]"
        if opt.learning_rate is not None:
            if lr is not None:
                raise ValueError(f"`{name}` was given but {opt.name!r} holds its own learning rate: leave `{name}` out")
            schedules.append(as_schedule(opt.learning_rate, "learning_rate"))
            passed.append(False)
        else:
            schedules.append(as_schedule(0.1 if lr is None else lr, name))
            passed.append(True)
    return schedules, passed


def _losses(objective: Any, thetas: np.ndarray) -> np.ndarray:
    # One racer keeps the exact single-vector code path (bitwise the numbers `run` always gave).
    return (np.array([float(objective.unchecked_loss(thetas[0]))]) if len(thetas) == 1
            else objective.unchecked_loss_batch(thetas))


def _grads(objective: Any, thetas: np.ndarray) -> np.ndarray:
    return (objective.unchecked_grad(thetas[0])[None, :] if len(thetas) == 1
            else objective.unchecked_grad_batch(thetas))


# --------------------------------------------------------------------------------------------
# The loops
# --------------------------------------------------------------------------------------------
def run(
    objective: Any,
    optimizer: GradientTransformation,
    theta0: Any,
    *,
    steps: int,
    lr: LearningRate | None = None,
    batch_size: int | None = None,
    rng: Any = 0,
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
    optimizer : GradientTransformation
        An update rule such as :func:`~.aliases.gd`, :func:`~.aliases.adam` or a SAM wrapper.
    theta0 : array_like, shape (P,)
        Starting point.
    steps : int
        Maximum number of steps.
    lr : float or callable, optional
        A constant learning rate or a schedule ``t -> lr`` (see ``*_schedule``), passed to the rule's
        ``update`` at every step; default 0.1. Leave it out when the rule holds its own rate
        (``adam(learning_rate=0.01)``).
    batch_size : int, optional
        Minibatch size; ``None`` for full-batch gradients. Each epoch is a fresh permutation drawn
        from ``rng`` (:class:`MinibatchSampler`).
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
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"`optimizer` must be an Optimizer (e.g. optimizers.gd()), got {type(optimizer).__name__}")
    return run_many(objective, [optimizer], theta0, steps=steps, lrs=[lr], batch_size=batch_size, rng=rng,
                    tol=[tol], explode_factor=explode_factor, record_every=record_every)[0]


def run_many(
    objective: Any,
    optimizers: list[GradientTransformation],
    theta0: Any,
    *,
    steps: int,
    lrs: LearningRate | None | list = None,
    batch_size: int | None = None,
    rng: Any = 0,
    tol: float | None | list = None,
    explode_factor: float = 1e8,
    record_every: int = 1,
    monitor_every: int = 1,
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
    optimizers : list of GradientTransformation
    theta0 : array_like, shape (P,) or (K, P)
        One start for all, or one start per optimizer.
    steps, batch_size, explode_factor, record_every
        As in :func:`run`.
    lrs : float, callable, None, or list of them
        One learning rate (or schedule) for all, or one per optimizer (default 0.1; ``None`` for a rule that
        holds its own rate).
    rng : numpy.random.Generator or int
        Racer 0 draws from this generator (and so do minibatch orders); the others from independent copies
        of it, so each racer sees the random numbers it would see alone.
    tol : float, None, or list
        Convergence tolerance for all, or per optimizer (``None`` disables it).
    monitor_every : int
        Evaluate the full training loss — the divergence test (``explode_factor``) — after every
        ``monitor_every``-th step and at every recorded one (default: every step). In between, only non-finite
        parameters stop a run. On a minibatch run that full loss costs more than the step itself (measured:
        4.4× for the lottery tickets of chapter 8), so a run that records only its end can skip it; the steps
        taken are the same (a test asserts it).

    Returns
    -------
    list of Trajectory, one per optimizer, in order.
    """
    objective, optimizers = _check_racers(objective, optimizers)
    K, P = len(optimizers), objective.dim
    thetas = _starts(theta0, K, P)
    steps = check_int(steps, "steps", low=0)
    schedules, passes_lr = _schedules(optimizers, lrs)
    tols: list[float | None] = [None if t is None else check_scalar(t, "tol", low=0, low_inclusive=False) for t in _per_racer(tol, "tol", K)]
    rng = check_rng(rng)
    rngs = [rng] + [copy.deepcopy(rng) for _ in range(K - 1)]
    sampler = None
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
        if not hasattr(objective, "subset"):
            raise TypeError(f"`batch_size` needs an objective with data; {objective.name!r} has none")
        sampler = MinibatchSampler(objective.n_examples, min(batch_size, objective.n_examples), rng)
    explode_factor = check_scalar(explode_factor, "explode_factor", low=1, low_inclusive=False)
    record_every = check_int(record_every, "record_every", low=1)
    monitor_every = check_int(monitor_every, "monitor_every", low=1)

    with np.errstate(all="ignore"):
        loss0 = _losses(objective, thetas)
        for k in range(K):
            if not np.isfinite(loss0[k]):
                raise ValueError(f"the loss at `theta0` is not finite ({loss0[k]}); choose another starting point")
        limits = explode_factor * np.maximum(1.0, np.abs(loss0))
        g_full = _grads(objective, thetas)
    recs = [Recorder(thetas[k], float(loss0[k]), float(np.linalg.norm(g_full[k]))) for k in range(K)]
    states = [opt.init(thetas[k]) for k, opt in enumerate(optimizers)]
    active = []
    for k in range(K):
        tol_k = tols[k]
        if tol_k is not None and recs[k].grad_norms[0] < tol_k:
            recs[k].converged_at = 0
        else:
            active.append(k)
    with np.errstate(all="ignore"):
        for t in range(steps):
            if not active:
                break
            if sampler is None:
                step_obj, G = objective, g_full[active]
            else:
                step_obj = objective.subset(sampler.next())
                G = _grads(step_obj, thetas[active])
            etas = {}
            for row, k in enumerate(active):
                etas[k] = float(np.asarray(schedules[k](t)))
                thetas[k], states[k] = take_step(optimizers[k], G[row], states[k], thetas[k],
                                                 etas[k] if passes_lr[k] else None, Oracle(step_obj, t, rngs[k]))
            record = (t + 1) % record_every == 0 or t == steps - 1
            monitor = record or (t + 1) % monitor_every == 0
            losses = _losses(objective, thetas[active]) if monitor else np.full(len(active), np.nan)
            # Full-batch runs reuse the full gradient as the next step's; minibatch runs need it only to
            # record the gradient norm or test convergence (computing it every step would double their cost).
            ok = [bool(np.all(np.isfinite(thetas[k]))
                       and (not monitor or (np.isfinite(losses[r]) and abs(losses[r]) <= limits[k])))
                  for r, k in enumerate(active)]
            need = [k for r, k in enumerate(active) if ok[r] and (sampler is None or tols[k] is not None or record)]
            if need:
                g_new = _grads(objective, thetas[need])
                for r, k in enumerate(need):
                    g_full[k] = g_new[r]
            still = []
            for r, k in enumerate(active):
                rec = recs[k]
                rec.lrs.append(etas[k])
                if not ok[r] or (k in need and not np.all(np.isfinite(g_full[k]))):
                    rec.diverged_at = t + 1
                    rec.point(thetas[k], float(losses[r]), float("nan"))
                    continue
                gnorm = float(np.linalg.norm(g_full[k])) if k in need else float("nan")
                tol_k = tols[k]
                # A rule may end its own run (perturbed GD's termination test): its state then says `stopped`.
                done = (tol_k is not None and gnorm < tol_k) or bool(getattr(states[k], "stopped", False))
                if record or done:
                    rec.point(thetas[k], float(losses[r]), gnorm)
                if done:
                    rec.converged_at = t + 1
                else:
                    still.append(k)
            active = still
    return [rec.trajectory(optimizers[k].name) for k, rec in enumerate(recs)]
