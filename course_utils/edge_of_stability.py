r"""The edge of stability on real data: full-batch gradient descent on the digits at several step sizes.

Cohen et al. (2021, "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability") trained
networks with full-batch gradient descent and measured the sharpness :math:`\lambda_{\max}` of the training loss's
Hessian along the way: it first rises (*progressive sharpening*) until it reaches :math:`2/\eta` — where the
quadratic model says GD turns unstable — and then hovers around :math:`2/\eta` while the loss keeps falling over
long stretches, though not monotonically. :func:`edge_of_stability_runs` runs that experiment on chapter 8's
digits network with the squared loss (their main setting) and returns what the chapter's figure draws, memoised
per kernel; the work is done by :func:`course_utils.sharpness.sharpness_during_training_at`.

Examples
--------
>>> from course_utils.edge_of_stability import edge_of_stability_runs
>>> runs = edge_of_stability_runs((2.0,), steps=40, every=20, n_train=50, hidden=8)
>>> runs.traces[0].steps.tolist(), runs.thresholds.tolist()
([0, 20, 40], [1.0])
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .randomness import default_rng
from .real_data import digits_task
from .sharpness import SharpnessTrace, sharpness_during_training_at
from .validation import check_int, check_scalar

__all__ = ["EdgeOfStability", "edge_of_stability_runs"]


class EdgeOfStability(NamedTuple):
    r"""Full-batch GD on the digits from one start at several step sizes (:func:`edge_of_stability_runs`).

    Parameters
    ----------
    lrs : tuple of float
        The step sizes :math:`\eta`, in the order given.
    traces : tuple of SharpnessTrace
        One per step size: ``steps`` and ``lambda_max`` (shape ``(K,)``), the full ``trajectory`` (losses at
        every step, shape ``(T + 1,)``), ``threshold`` :math:`= 2/\eta`, ``late_median()``, ``first_crossing()``.
    n_train : int
        Training images (the full batch).
    """

    lrs: tuple
    traces: tuple
    n_train: int

    @property
    def thresholds(self) -> np.ndarray:
        r"""The stability thresholds :math:`2/\eta`, shape ``(len(lrs),)``."""
        return np.array([t.threshold for t in self.traces])

    def late_ratios(self, start: float = 0.5) -> np.ndarray:
        r"""Median :math:`\lambda_{\max}` over the late phase, divided by :math:`2/\eta`, per run, shape ``(len(lrs),)``.

        Parameters
        ----------
        start : float
            Where the late phase begins, as a fraction of the run, in :math:`[0, 1]`. Default 0.5.
        """
        start = check_scalar(start, "start", low=0, high=1)
        return np.array([t.late_median(start) / t.threshold for t in self.traces])

    def loss_rises(self) -> np.ndarray:
        """Number of steps at which the training loss went up, per run, shape ``(len(lrs),)``."""
        return np.array([int(np.sum(np.diff(t.trajectory.losses) > 0)) for t in self.traces])


def edge_of_stability_runs(lrs=(2.0, 2.5, 3.0), *, steps: int = 500, every: int = 20, n_train: int = 200,
                           hidden: int = 32, init_scale: float = 0.25, seed: int = 0) -> EdgeOfStability:
    r"""Full-batch gradient descent with the squared loss on the digits, at several step sizes from one start.

    The network is 64-``hidden``-10 with tanh (:func:`course_utils.real_data.digits_task`, ``loss="mse"``:
    :math:`L = \frac{1}{10N}\sum_i \|f(x_i) - e_{y_i}\|^2`), initialised at ``init_scale`` times the Xavier
    scale, so that its sharpness starts well below :math:`2/\eta` and the rise is visible. :math:`\lambda_{\max}`
    is measured every ``every`` steps by batched Lanczos to a relative residual of :math:`10^{-3}` (the Ritz value
    is then within about :math:`10^{-6}` relative of :math:`\lambda_{\max}` — far below the swings shown).

    Memoised per kernel (a least-recently-used cache of 8 settings), so chapter 8's explorer can switch between
    the step sizes the chapter ran without recomputing them.

    Parameters
    ----------
    lrs : tuple of float
        Distinct step sizes :math:`\eta > 0`. Default ``(2.0, 2.5, 3.0)`` (thresholds 1, 0.8, 0.67).
    steps : int
        Gradient-descent steps per run. Default 500.
    every : int
        Measure :math:`\lambda_{\max}` every ``every`` steps (and at the last). Default 20.
    n_train : int
        Class-balanced training subset (at least 10): the full batch. Default 200.
    hidden : int
        Hidden width. Default 32.
    init_scale : float
        Factor on the Xavier standard deviation of the initial weights, :math:`> 0`. Default 0.25.
    seed : int
        Seed of the initial weights and the Lanczos starts. Default 0.

    Returns
    -------
    EdgeOfStability
    """
    if isinstance(lrs, (str, bytes)) or not hasattr(lrs, "__iter__"):
        raise TypeError(f"`lrs` must be a tuple of step sizes, got {lrs!r}")
    lrs = tuple(check_scalar(lr, "lrs", low=0, low_inclusive=False) for lr in lrs)
    if not lrs or len(set(lrs)) != len(lrs):
        raise ValueError(f"`lrs` must hold at least one step size and no repeats, got {lrs}")
    steps = check_int(steps, "steps", low=1)
    every = check_int(every, "every", low=1)
    n_train = check_int(n_train, "n_train", low=10)
    hidden = check_int(hidden, "hidden", low=1)
    init_scale = check_scalar(init_scale, "init_scale", low=0, low_inclusive=False)
    seed = check_int(seed, "seed", low=0)
    return _edge_of_stability_runs(lrs, steps, every, n_train, hidden, init_scale, seed)


@lru_cache(maxsize=8)
def _edge_of_stability_runs(lrs, steps, every, n_train, hidden, init_scale, seed) -> EdgeOfStability:
    model = digits_task((hidden,), loss="mse", n_train=n_train).model
    rng = default_rng(seed)
    theta0 = model.init(rng, scale=init_scale)
    runs = sharpness_during_training_at(model, theta0, lrs, steps=steps, every=every, rng=rng, tol=1e-3, chunk=16)
    traces: tuple[SharpnessTrace, ...] = tuple(runs[lr] for lr in lrs)
    return EdgeOfStability(lrs=lrs, traces=traces, n_train=model.n_examples)
