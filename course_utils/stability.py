r"""Stability to SGD noise and the spawn step (Frankle, Dziugaite, Roy & Carbin 2020).

*Instability analysis*: train one network for :math:`k` steps of minibatch SGD, then **spawn** two copies of it
that finish training with different minibatch orders (different data-order seeds) and the same schedule, and
measure the **error barrier** of the straight line between the two final networks,

.. math:: B = \max_{\alpha \in [0, 1]} \mathcal E\big((1-\alpha)\,\theta_1 + \alpha\,\theta_2\big)
          - \tfrac12\big(\mathcal E(\theta_1) + \mathcal E(\theta_2)\big),

with :math:`\mathcal E` the test error (Frankle et al. call :math:`B` the *instability*; they count a network
as stable when it is below 2 %). :func:`spawn_copies` trains the copies; :func:`spawn_stability` runs the whole
experiment on the digits for several spawn steps :math:`k` and caches it per kernel (chapter 8, section 5, and its
explorer).

Examples
--------
>>> result = spawn_stability(spawn_steps=(0, 50), steps=100, batch_size=32, lr=0.1)
>>> result.barriers.shape, result.errors.shape
((2,), (2, 21))
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from . import optimizers
from .connectivity import Path, barrier_height, error_batch
from .objective import as_objective
from .randomness import default_rng
from .real_data import digits_task
from .validation import check_int, check_layer_widths, check_scalar, check_vector

__all__ = ["cosine_learning_rate", "spawn_copies", "SpawnStability", "spawn_stability"]

MAX_LR = 10.0  # SGD rates beyond this only diverge on these networks: refused rather than trained


def cosine_learning_rate(lr: float, total_steps: int, offset: int = 0):
    r"""The cosine-decay schedule :math:`\eta_t = \tfrac{\eta}2\,\big(1 + \cos(\pi\,\min(t + o, T)/T)\big)`, shifted.

    A copy spawned at step :math:`k` of a run of :math:`T` steps continues the parent's schedule: its own step
    :math:`t` is the run's step :math:`t + k`, hence ``offset = k``.

    Parameters
    ----------
    lr : float
        The initial rate :math:`\eta > 0`.
    total_steps : int
        The run's length :math:`T \ge 1`; the rate reaches 0 at step :math:`T`.
    offset : int, default 0
        The run's step at the schedule's step 0, :math:`0 \le o \le T`.

    Returns
    -------
    callable
        ``t -> float``, for :func:`course_utils.optimizers.run`'s ``lr``.
    """
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    total_steps = check_int(total_steps, "total_steps", low=1)
    offset = check_int(offset, "offset", low=0, high=total_steps)

    def schedule(t):
        return lr * 0.5 * (1.0 + np.cos(np.pi * min(t + offset, total_steps) / total_steps))

    return schedule


def spawn_copies(objective, theta, seeds, *, steps: int, lr, batch_size: int) -> np.ndarray:
    r"""Train copies of ``theta`` with minibatch SGD, each with its own minibatch order.

    Copy :math:`i` starts at ``theta`` and takes ``steps`` SGD steps whose minibatches are drawn from
    ``default_rng(seeds[i])``: the copies differ only in the order of the data — Frankle et al.'s "SGD noise".

    Parameters
    ----------
    objective : Objective
        The training loss; it must offer ``subset`` and ``n_examples`` (an MLP does).
    theta : array_like, shape (P,)
        The common starting point (the parent at its spawn step).
    seeds : sequence of int
        One data-order seed per copy (distinct seeds give distinct orders).
    steps : int
        SGD steps per copy, at least 0.
    lr : float or callable
        A constant rate in ``(0, 10]`` or a schedule ``t -> rate`` (e.g. :func:`cosine_learning_rate` with the spawn step as offset).
    batch_size : int
        Examples per minibatch, at least 1.

    Returns
    -------
    ndarray, shape (len(seeds), P)
        The copies' final parameters.
    """
    objective = as_objective(objective)
    theta = check_vector(theta, "theta", objective.dim)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") or len(seeds) == 0:
        raise TypeError(f"`seeds` must be a non-empty sequence of integer seeds, got {seeds!r}")
    seeds = [check_int(s, "seeds", low=0) for s in seeds]
    steps = check_int(steps, "steps", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    if not callable(lr):
        lr = check_scalar(lr, "lr", low=0, high=MAX_LR, low_inclusive=False)
    ends = [optimizers.run(objective, optimizers.sgd(), theta, steps=steps, lr=lr, batch_size=batch_size,
                           rng=default_rng(s), record_every=max(steps, 1)).thetas[-1] for s in seeds]
    return np.stack(ends)


class SpawnStability(NamedTuple):
    """Everything section 5 of chapter 8 draws: the instability of copies spawned at each step ``k``.

    Parameters
    ----------
    spawn_steps : tuple of int
        The spawn steps :math:`k`, increasing.
    alphas : ndarray, shape (A,)
        Positions along the line between the two copies, from 0 to 1.
    errors : ndarray, shape (K, A)
        Test error at each position, for each spawn step.
    barriers : ndarray, shape (K,)
        The error barrier (instability) for each spawn step: ``max(errors[i]) − mean(errors[i, [0, -1]])``.
    parent_errors : ndarray, shape (K,)
        The parent's test error at each spawn step.
    settings : dict
        The experiment's settings (hidden, n_train, batch_size, lr, steps, seed).
    """

    spawn_steps: tuple
    alphas: np.ndarray
    errors: np.ndarray
    barriers: np.ndarray
    parent_errors: np.ndarray
    settings: dict


def spawn_stability(hidden=(32,), *, n_train: int = 500, batch_size: int = 4, lr: float = 1.0, steps: int = 300,
                    spawn_steps=(0, 5, 20, 100), n_points: int = 21, seed: int = 0) -> SpawnStability:
    r"""Instability analysis on the digits: copies spawned at each step :math:`k` and the barrier between them.

    A tanh network (64-``hidden``-10, cross-entropy, ``n_train`` training images) starts from ``init(seed)`` and
    takes :math:`\max k` steps of minibatch SGD under the cosine schedule of a ``steps``-step run
    (:func:`cosine_learning_rate`). At each spawn step :math:`k` two copies of the parent finish the run
    (``steps − k`` more steps, the schedule continued) with their own data orders (:func:`spawn_copies`); the
    test error is evaluated at ``n_points`` points of the line between them, and the barrier is
    :func:`~course_utils.connectivity.barrier_height` of those errors. Memoised per kernel: the explorer redraws
    from the cache.

    Parameters
    ----------
    hidden : int or tuple of int, default (32,)
        Hidden layer widths.
    n_train : int, default 500
        Training images (a class-balanced subset).
    batch_size : int, default 4
        Minibatch size: smaller batches mean more SGD noise.
    lr : float, default 1.0
        Peak learning rate of the cosine schedule, in ``(0, 10]``.
    steps : int, default 300
        Length :math:`T` of every run (parent steps plus copy steps).
    spawn_steps : tuple of int, default (0, 5, 20, 100)
        Increasing spawn steps, each in ``[0, steps]``.
    n_points : int, default 21
        Points on each line (endpoints included).
    seed : int, default 0
        Seed of the initialisation; the data orders use seeds derived from it.

    Returns
    -------
    SpawnStability
    """
    hidden = tuple(check_layer_widths(hidden))
    n_train = check_int(n_train, "n_train", low=10)
    batch_size = check_int(batch_size, "batch_size", low=1)
    lr = check_scalar(lr, "lr", low=0, high=MAX_LR, low_inclusive=False)
    steps = check_int(steps, "steps", low=1)
    if isinstance(spawn_steps, (str, bytes)) or not hasattr(spawn_steps, "__len__") or len(spawn_steps) == 0:
        raise TypeError(f"`spawn_steps` must be a non-empty tuple of ints, got {spawn_steps!r}")
    spawn_steps = tuple(check_int(k, "spawn_steps", low=0, high=steps) for k in spawn_steps)
    if any(b <= a for a, b in zip(spawn_steps, spawn_steps[1:])):
        raise ValueError(f"`spawn_steps` must be increasing, got {spawn_steps}")
    n_points = check_int(n_points, "n_points", low=2)
    seed = check_int(seed, "seed", low=0)
    return _spawn_stability(hidden, n_train, batch_size, float(lr), steps, spawn_steps, n_points, seed)


@lru_cache(maxsize=32)
def _spawn_stability(hidden, n_train, batch_size, lr, steps, spawn_steps, n_points, seed) -> SpawnStability:
    task = digits_task(hidden=hidden, n_train=n_train)
    model = task.model
    parent = optimizers.run(model, optimizers.sgd(), model.init(default_rng(seed)), steps=spawn_steps[-1],
                            lr=cosine_learning_rate(lr, steps), batch_size=batch_size, rng=default_rng(seed + 1))
    alphas = np.linspace(0.0, 1.0, n_points)
    errors, parent_errors = [], []
    for k in spawn_steps:
        start = parent.thetas[k]
        ends = spawn_copies(model, start, [1000 * (seed + 1) + 2 * k + c for c in (0, 1)], steps=steps - k,
                            lr=cosine_learning_rate(lr, steps, k), batch_size=batch_size)
        errors.append(error_batch(model, Path.line(*ends).points(alphas), task.X_test, task.y_test))
        parent_errors.append(float(error_batch(model, start, task.X_test, task.y_test)))
    errors = np.array(errors)
    barriers = np.array([barrier_height(e) for e in errors])
    settings = dict(hidden=hidden, n_train=n_train, batch_size=batch_size, lr=lr, steps=steps, seed=seed)
    return SpawnStability(spawn_steps, alphas, errors, barriers, np.array(parent_errors), settings)
