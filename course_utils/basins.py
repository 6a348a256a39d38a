r"""Gradient descent from many starts at once, and the basins of attraction it reveals.

* :func:`gradient_descent_batch` — plain gradient descent from a batch of starts ``(n, P)``, one vectorized
  gradient per step for the whole batch; a start whose loss explodes is marked diverged, not raised.
* :func:`basin_map` — for a 2-D objective, which minimum each start on a grid reaches: for a convex function
  every converged start reaches the same minimiser, so ``n_minima == 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import derivatives, optimizers
from .objective import Objective, as_objective
from .optimizers.run import take_step  # the optimizers' one step (an unchecked helper, not in their __all__)
from .validation import check_array, check_bounds_2d, check_int, check_scalar

__all__ = ["BatchDescent", "gradient_descent_batch", "BasinMap", "basin_map"]


# --------------------------------------------------------------------------------------------
# Gradient descent from many starts at once, and basin maps
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchDescent:
    """Gradient descent from a batch of starts.

    Parameters
    ----------
    starts, finals : ndarray, shape (n, P)
        Where each run started and where it ended (or stopped, if it diverged).
    final_losses, final_grad_norms : ndarray, shape (n,)
        Loss and gradient norm at ``finals``.
    diverged : ndarray of bool, shape (n,)
        Starts whose iterates became non-finite or left the ``explode`` radius (frozen where they stopped).
    steps : int
        The number of steps asked for (diverged runs stopped earlier).
    """

    starts: np.ndarray
    finals: np.ndarray
    final_losses: np.ndarray
    final_grad_norms: np.ndarray
    diverged: np.ndarray
    steps: int


def gradient_descent_batch(objective: Objective, starts, *, lr: float, steps: int,
                           explode: float = 1e6) -> BatchDescent:
    r"""Plain gradient descent :math:`\theta \leftarrow \theta - \eta\nabla f(\theta)` from many starts at once.

    The same rule as ``optimizers.run(objective, optimizers.gd(), theta0, ...)`` for every row of ``starts``,
    but one vectorized gradient evaluation per step serves the whole batch (autograd through the objective's
    ``_loss_batch``), which is what makes a basin map of thousands of starts take a fraction of a second.
    It records only the end points; use ``optimizers.run`` for a single trajectory.

    Parameters
    ----------
    objective : Objective
    starts : array_like, shape (n, P)
    lr : float > 0
    steps : int >= 0
    explode : float
        A start whose iterate leaves the ball of this radius, or becomes non-finite, is marked diverged and
        stops moving.
    """
    objective = as_objective(objective)
    X = check_array(starts, "starts", ndim=2)
    if X.shape[1] != objective.dim:
        raise ValueError(f"`starts` must have shape (n, {objective.dim}), got {X.shape}")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    steps = check_int(steps, "steps", low=0)
    explode = check_scalar(explode, "explode", low=0, low_inclusive=False)
    # one vectorized gradient per step for the whole batch, verified once on two probe points
    probe = np.linspace(0.1, 0.3, 2 * objective.dim).reshape(2, objective.dim)
    grad = derivatives.batched_grad(objective.unchecked_loss_batch, objective.grad, probe)
    theta = X.copy()
    alive = np.ones(len(X), dtype=bool)
    # optimizers.gd()'s own step, applied to all live rows at once: the rule is elementwise, so one call moves
    # every start exactly as optimizers.run would move it alone
    rule = optimizers.gd()
    state = rule.init(theta)
    with np.errstate(all="ignore"):
        for step in range(steps):
            if not alive.any():
                break
            idx = np.flatnonzero(alive)
            new, state = take_step(rule, grad(theta[idx]), state, theta[idx], lr,
                                              optimizers.Oracle(objective, step, None))
            bad = ~np.all(np.isfinite(new), axis=1) | (np.linalg.norm(new, axis=1) > explode)
            theta[idx[~bad]] = new[~bad]
            alive[idx[bad]] = False
        losses = objective.loss_batch(theta)
        gnorms = np.linalg.norm(grad(theta), axis=1)
    return BatchDescent(X, theta, losses, gnorms, ~alive, steps)


@dataclass(frozen=True)
class BasinMap:
    r"""Which minimum gradient descent reaches from each start of a grid.

    Parameters
    ----------
    xs, ys : ndarray, shapes (nx,), (ny,)
        The grid coordinates of the starts.
    labels : ndarray of int, shape (ny, nx)
        Index into ``minima`` of the point reached from ``(xs[j], ys[i])``; ``-1`` for starts that diverged
        or had not converged (gradient norm above ``grad_tol``) after the steps allowed.
    minima : ndarray, shape (k, 2)
        The distinct end points, sorted by loss (label 0 is the lowest).
    minima_losses : ndarray, shape (k,)
        The loss at each of ``minima``.
    counts : ndarray of int, shape (k,)
        Starts reaching each minimum.
    n_unconverged : int
        Starts labelled ``-1`` (diverged or not converged).
    descent : BatchDescent
        The underlying batched run, starts in row-major grid order.
    """

    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    minima: np.ndarray
    minima_losses: np.ndarray
    counts: np.ndarray
    n_unconverged: int
    descent: BatchDescent

    @property
    def n_minima(self) -> int:
        """Number of distinct minima reached."""
        return len(self.minima)

    @property
    def message(self) -> str:
        text = f"{self.labels.size} starts reached {self.n_minima} distinct minim{'um' if self.n_minima == 1 else 'a'}"
        if self.n_minima > 1:
            text += f" (losses {self.minima_losses.min():.3g} to {self.minima_losses.max():.3g})"
        if self.n_unconverged:
            text += f"; {self.n_unconverged} did not converge"
        return text


def basin_map(objective: Objective, bounds, resolution: int = 41, *, lr: float = 0.05, steps: int = 500,
              grad_tol: float = 1e-4, merge_radius: float | None = None) -> BasinMap:
    r"""Run gradient descent from every point of a grid and label each start by the minimum it reaches.

    Parameters
    ----------
    objective : Objective with ``dim == 2``
    bounds : ((xmin, xmax), (ymin, ymax))
    resolution : int
        Starts per axis (``resolution²`` runs, batched: see :func:`gradient_descent_batch`).
    lr, steps : float, int
        Gradient descent settings.
    grad_tol : float
        An end point counts as a minimum only when its gradient norm is below this.
    merge_radius : float, optional
        End points closer than this are the same minimum; default 1 % of the box diagonal.

    Returns
    -------
    BasinMap
        For a convex function every converged start reaches the same minimiser, so ``n_minima == 1``.
    """
    objective = as_objective(objective)
    if objective.dim != 2:
        raise TypeError(f"`objective` must be a 2-D objective, got {objective!r}")
    (x0, x1), (y0, y1) = check_bounds_2d(bounds)
    resolution = check_int(resolution, "resolution", low=2, high=401)
    grad_tol = check_scalar(grad_tol, "grad_tol", low=0, low_inclusive=False)
    diag = math.hypot(x1 - x0, y1 - y0)
    radius = 0.01 * diag if merge_radius is None else check_scalar(merge_radius, "merge_radius", low=0,
                                                                   low_inclusive=False)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    run = gradient_descent_batch(objective, np.column_stack([X.ravel(), Y.ravel()]), lr=lr, steps=steps)
    ok = ~run.diverged & (run.final_grad_norms < grad_tol)
    labels = np.full(len(ok), -1)
    centres: list[np.ndarray] = []
    # Greedy clustering of the converged end points, lowest loss first so label 0 is the best minimum.
    order = np.flatnonzero(ok)[np.argsort(run.final_losses[ok], kind="stable")]
    for i in order:
        p = run.finals[i]
        for k, c in enumerate(centres):
            if np.linalg.norm(p - c) < radius:
                labels[i] = k
                break
        else:
            centres.append(p)
            labels[i] = len(centres) - 1
    minima = np.array(centres).reshape(-1, 2)
    minima_losses = objective.loss_batch(minima) if len(minima) else np.zeros(0)
    counts = np.bincount(labels[labels >= 0], minlength=len(minima))
    return BasinMap(xs, ys, labels.reshape(X.shape), minima, minima_losses, counts, int((~ok).sum()), run)
