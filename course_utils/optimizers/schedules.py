r"""Learning-rate schedules: callables ``t -> lr``, vectorized over integer arrays of steps.

A schedule is what :func:`~course_utils.optimizers.transforms.scale_by_learning_rate` evaluates at its step
``count`` (0, 1, 2, …), and what :func:`~course_utils.optimizers.run.run` accepts as ``lr``::

    >>> s = cosine_schedule(0.1, total_steps=100)
    >>> float(s(0)), float(s(100))
    (0.1, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..validation import check_int, check_scalar

__all__ = [
    "Schedule",
    "as_schedule",
    "constant_schedule",
    "step_schedule",
    "cosine_schedule",
    "cosine_restarts_schedule",
    "one_cycle_schedule",
]

#: A learning-rate schedule: step ``t`` (int or integer array) -> learning rate (float or array).
Schedule = Callable[[Any], Any]
#: What a learning rate may be: a positive number, or a schedule.
LearningRate = float | Schedule


def as_schedule(lr: Any, name: str = "lr") -> Schedule:
    """A schedule from a positive number (constant) or a schedule (returned as is); ``name`` is for errors.

    Parameters
    ----------
    lr : float or callable
        A positive finite learning rate, turned into :func:`constant_schedule`, or any callable
        ``t -> lr``, returned unchanged (not checked).
    name : str
        The argument's name, used in the error message. Default ``"lr"``.

    Returns
    -------
    callable
        The schedule ``t -> lr``.
    """
    if callable(lr):
        return lr
    return constant_schedule(check_scalar(lr, name, low=0, low_inclusive=False))


def constant_schedule(lr: float) -> Schedule:
    """:math:`\\eta_t = \\eta`.

    Parameters
    ----------
    lr : float
        The learning rate :math:`\\eta > 0`.

    Returns
    -------
    callable
        ``t -> lr``, as a float array of ``t``'s shape.
    """
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    return lambda t: lr + 0.0 * np.asarray(t, dtype=float)


def step_schedule(lr: float, every: int, factor: float = 0.1) -> Schedule:
    r""":math:`\eta_t = \eta \cdot \text{factor}^{\lfloor t / \text{every} \rfloor}`.

    Parameters
    ----------
    lr : float
        The initial learning rate :math:`\eta > 0`, used for steps ``0 … every - 1``.
    every : int
        The number of steps between two drops, at least 1.
    factor : float
        The multiplier applied at each drop, in ``(0, 1]``. Default 0.1 (a tenfold drop).
    """
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    every = check_int(every, "every", low=1)
    factor = check_scalar(factor, "factor", low=0, high=1, low_inclusive=False)
    return lambda t: lr * factor ** np.floor_divide(np.asarray(t), every)


def cosine_schedule(lr: float, total_steps: int, final_lr: float = 0.0) -> Schedule:
    r"""Cosine decay: :math:`\eta_t = \eta_f + \tfrac12(\eta - \eta_f)(1 + \cos(\pi \min(t, T)/T))`.

    Parameters
    ----------
    lr : float
        The initial learning rate :math:`\eta > 0`.
    total_steps : int
        :math:`T`, at least 1: the step at which the rate reaches ``final_lr``; it stays there afterwards.
    final_lr : float
        :math:`\eta_f`, in ``[0, lr]``. Default 0.
    """
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    total_steps = check_int(total_steps, "total_steps", low=1)
    final_lr = check_scalar(final_lr, "final_lr", low=0, high=lr)

    def schedule(t: Any) -> Any:
        frac = np.minimum(np.asarray(t, dtype=float), total_steps) / total_steps
        return final_lr + 0.5 * (lr - final_lr) * (1 + np.cos(np.pi * frac))

    return schedule


def cosine_restarts_schedule(lr: float, period: int, mult: int = 1, final_lr: float = 0.0) -> Schedule:
    r"""SGDR (Loshchilov & Hutter 2017): cosine decay restarted every period, periods growing by ``mult``.

    Parameters
    ----------
    lr : float
        The rate :math:`\eta > 0` at the start of every cycle.
    period : int
        The length of the first cycle in steps, at least 1.
    mult : int
        The factor by which each cycle is longer than the previous one, at least 1. Default 1: equal cycles.
    final_lr : float
        The rate approached at the end of every cycle, in ``[0, lr]``. Default 0.
    """
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    period = check_int(period, "period", low=1)
    mult = check_int(mult, "mult", low=1)
    final_lr = check_scalar(final_lr, "final_lr", low=0, high=lr)

    def position(t: Any) -> Any:
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
                       div_factor: float = 25.0, final_div_factor: float = 1e4) -> Schedule:
    r"""One-cycle (Smith 2018): cosine warm-up from ``max_lr/div`` to ``max_lr`` then cosine decay to ``max_lr/(div·final_div)``.

    Parameters
    ----------
    max_lr : float
        The peak learning rate, positive.
    total_steps : int
        The length of the cycle, at least 2; after it the rate stays at its final value.
    warmup_frac : float
        The fraction of ``total_steps`` spent warming up, strictly between 0 and 1. Default 0.3.
    div_factor : float
        The starting rate is ``max_lr / div_factor``; at least 1. Default 25.
    final_div_factor : float
        The final rate is ``max_lr / (div_factor * final_div_factor)``; at least 1. Default ``1e4``.
    """
    max_lr = check_scalar(max_lr, "max_lr", low=0, low_inclusive=False)
    total_steps = check_int(total_steps, "total_steps", low=2)
    warmup_frac = check_scalar(warmup_frac, "warmup_frac", low=0, high=1, low_inclusive=False, high_inclusive=False)
    div_factor = check_scalar(div_factor, "div_factor", low=1)
    final_div_factor = check_scalar(final_div_factor, "final_div_factor", low=1)
    start, end = max_lr / div_factor, max_lr / (div_factor * final_div_factor)
    peak = warmup_frac * total_steps

    def anneal(a: Any, b: Any, frac: Any) -> Any:
        return b + 0.5 * (a - b) * (1 + np.cos(np.pi * frac))

    def schedule(t: Any) -> Any:
        t = np.minimum(np.asarray(t, dtype=float), total_steps)
        up = anneal(start, max_lr, np.clip(t / peak, 0, 1))
        down = anneal(max_lr, end, np.clip((t - peak) / (total_steps - peak), 0, 1))
        return np.where(t <= peak, up, down)

    return schedule
