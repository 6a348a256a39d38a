r"""Mode connectivity on the digits: the line, the trained curve, the plane, and weight matching against width.

Chapter 8, section 4, repeats chapter 6's experiments on real images with the tools of
:mod:`course_utils.connectivity`: two networks trained from different initialisations, the straight line between
them (a barrier), a quadratic Bézier curve trained between them (Garipov et al. 2018, no barrier), the loss on the
plane through the two ends and the curve's bend, and the straight line after weight matching (Ainsworth et al. 2023)
for several widths. Each experiment is one cached function of hashable settings, so that the chapter's explorer
can redraw from the cache.

Examples
--------
>>> pair = digits_mode_connectivity(hidden=16, steps=100, curve_steps=50, resolution=5)
>>> pair.line_errors.shape, pair.plane_losses.shape
((21,), (5, 5))
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

import numpy as np

from .connectivity import Path, aligned_line, barrier_height, error_batch, plane_grid, train_curve, train_lockstep
from .randomness import default_rng
from .real_data import digits_task
from .validation import check_int, check_scalar

__all__ = ["PairConnectivity", "digits_mode_connectivity", "WidthAlignment", "aligned_barriers_by_width"]

N_POINTS = 21  # points on each path: the barriers here are smooth at this resolution (Garipov et al. use 61)


def _train_nets(width: int, n_nets: int, n_train: int, steps: int, lr: float, seed: int):
    """``n_nets`` networks 64-width-10 trained side by side with full-batch Adam from their own initialisations."""
    task = digits_task(hidden=(width,), n_train=n_train)
    model = task.model
    starts = np.stack([model.init(default_rng(1000 * seed + 100 * i + width)) for i in range(n_nets)])
    return task, train_lockstep(model, starts, steps=steps, lr=lr)


class PairConnectivity(NamedTuple):
    """Everything section 4's first figures draw: two trained networks and three paths between them.

    Parameters
    ----------
    alphas : ndarray, shape (A,)
        Positions along every path, from 0 to 1.
    ends : ndarray, shape (2, P)
        The two trained networks :math:`\\theta_1, \\theta_2`.
    bend : ndarray, shape (P,)
        The trained Bézier curve's control point :math:`\\theta_b`.
    line_losses, curve_losses, aligned_losses : ndarray, shape (A,)
        Training loss along the straight line, the trained curve and the straight line after weight matching.
    line_errors, curve_errors, aligned_errors : ndarray, shape (A,)
        Test error along the same paths.
    plane_x, plane_y : ndarray, shape (R,)
        Coordinates of the grid on the plane through :math:`\\theta_1, \\theta_2, \\theta_b` (origin
        :math:`\\theta_1`, first axis towards :math:`\\theta_2`; parameter-space distances).
    plane_losses : ndarray, shape (R, R)
        Training loss on that grid, ``plane_losses[i, j]`` at ``(plane_x[i], plane_y[j])``.
    line_xy, curve_xy : ndarray, shape (A, 2)
        The line and the curve in plane coordinates (both lie in the plane).
    anchors : ndarray, shape (3, 2)
        Plane coordinates of :math:`\\theta_1, \\theta_2, \\theta_b`.
    """

    alphas: np.ndarray
    ends: np.ndarray
    bend: np.ndarray
    line_losses: np.ndarray
    curve_losses: np.ndarray
    aligned_losses: np.ndarray
    line_errors: np.ndarray
    curve_errors: np.ndarray
    aligned_errors: np.ndarray
    plane_x: np.ndarray
    plane_y: np.ndarray
    plane_losses: np.ndarray
    line_xy: np.ndarray
    curve_xy: np.ndarray
    anchors: np.ndarray


def digits_mode_connectivity(hidden: int = 32, *, n_train: int = 500, steps: int = 300, lr: float = 0.01,
                             curve_steps: int = 300, curve_lr: float = 0.05, resolution: int = 21,
                             seed: int = 0) -> PairConnectivity:
    r"""Two digits networks, the straight line, a trained Bézier curve, the aligned line, and the plane.

    Two 64-``hidden``-10 tanh networks (cross-entropy, ``n_train`` training images) are trained with full-batch
    Adam from their own initialisations (:func:`~course_utils.connectivity.train_lockstep`). Between them:
    the straight line; the quadratic Bézier curve
    :math:`\theta(t) = (1-t)^2\theta_1 + 2t(1-t)\theta_b + t^2\theta_2` trained with Adam on minibatches of 64
    (:func:`~course_utils.connectivity.train_curve`); and the line to :math:`\theta_2` after weight matching
    (:func:`~course_utils.connectivity.aligned_line`). The training loss is evaluated on a
    ``resolution`` × ``resolution`` grid over the plane through :math:`\theta_1, \theta_2, \theta_b`
    (:func:`~course_utils.connectivity.plane_grid`, 25 % margin). Memoised per kernel.

    Parameters
    ----------
    hidden : int, default 32
        Width of the one hidden layer.
    n_train : int, default 500
        Training images (a class-balanced subset).
    steps : int, default 300
        Adam steps for each network.
    lr : float, default 0.01
        Adam's learning rate for the networks, in ``(0, 1]``.
    curve_steps : int, default 300
        Adam steps for the curve's bend, at least 1 (untrained, the bend lies on the line and spans no plane).
    curve_lr : float, default 0.05
        Adam's learning rate for the bend, in ``(0, 1]``.
    resolution : int, default 21
        Grid points along each axis of the plane.
    seed : int, default 0
        Seed of the two initialisations and of the curve's minibatches.

    Returns
    -------
    PairConnectivity
    """
    hidden = check_int(hidden, "hidden", low=1)
    n_train = check_int(n_train, "n_train", low=10)
    steps = check_int(steps, "steps", low=0)
    lr = check_scalar(lr, "lr", low=0, high=1, low_inclusive=False)
    curve_steps = check_int(curve_steps, "curve_steps", low=1)
    curve_lr = check_scalar(curve_lr, "curve_lr", low=0, high=1, low_inclusive=False)
    resolution = check_int(resolution, "resolution", low=2)
    seed = check_int(seed, "seed", low=0)
    return _digits_mode_connectivity(hidden, n_train, steps, float(lr), curve_steps, float(curve_lr), resolution,
                                     seed)


@lru_cache(maxsize=16)
def _digits_mode_connectivity(hidden, n_train, steps, lr, curve_steps, curve_lr, resolution, seed):
    task, (a, b) = _train_nets(hidden, 2, n_train, steps, lr, seed)
    model = task.model
    curve = train_curve(model, a, b, steps=curve_steps, lr=curve_lr, batch_size=64, rng=default_rng(seed + 77),
                        eval_every=max(curve_steps, 1), n_eval=N_POINTS).path
    paths = [Path.line(a, b), curve, aligned_line(model, a, b)]
    alphas = np.linspace(0.0, 1.0, N_POINTS)
    points = np.stack([p.points(alphas) for p in paths])  # (3, A, P)
    losses = model.loss_batch(points)
    errors = error_batch(model, points, task.X_test, task.y_test)
    bend = curve.bends[0]
    grid = plane_grid(model, a, b, bend, resolution=resolution, margin=0.25)
    return PairConnectivity(alphas, np.stack([a, b]), bend, *losses, *errors, grid.x, grid.y, grid.losses,
                            grid.project(points[0]), grid.project(points[1]), grid.anchors)


class WidthAlignment(NamedTuple):
    """Straight-line barriers between independently trained networks, before and after weight matching, by width.

    Parameters
    ----------
    widths : tuple of int
        Hidden-layer widths.
    raw_barriers, aligned_barriers : ndarray, shape (W, Q)
        Loss barrier (training loss) of the straight line between each of the ``Q`` pairs of networks, as trained
        and after weight matching the second to the first.
    raw_error_barriers, aligned_error_barriers : ndarray, shape (W, Q)
        The same for the test error.
    end_losses : ndarray, shape (W, n_nets)
        The trained networks' training losses.
    """

    widths: tuple
    raw_barriers: np.ndarray
    aligned_barriers: np.ndarray
    raw_error_barriers: np.ndarray
    aligned_error_barriers: np.ndarray
    end_losses: np.ndarray


def aligned_barriers_by_width(widths=(8, 16, 32, 64), *, n_nets: int = 3, n_train: int = 500, steps: int = 300,
                              lr: float = 0.01, seed: int = 0) -> WidthAlignment:
    r"""Barriers of the straight line between trained networks, as trained and after weight matching, per width.

    For each width, ``n_nets`` networks 64-width-10 are trained as in :func:`digits_mode_connectivity`; for every
    pair :math:`(i, j)`, :math:`i < j`, the loss barrier and the test-error barrier
    (:func:`~course_utils.connectivity.barrier_height` over 21 points) are measured on the line
    :math:`\theta_i \to \theta_j` and on the line :math:`\theta_i \to \pi(\theta_j)` after weight matching
    (:func:`~course_utils.connectivity.aligned_line`). Memoised per kernel.

    Parameters
    ----------
    widths : tuple of int, default (8, 16, 32, 64)
        Hidden-layer widths, each at least 1.
    n_nets : int, default 3
        Networks per width, at least 2 (:math:`n(n-1)/2` pairs).
    n_train : int, default 500
        Training images.
    steps : int, default 300
        Adam steps per network.
    lr : float, default 0.01
        Adam's learning rate, in ``(0, 1]``.
    seed : int, default 0
        Seed of the initialisations.

    Returns
    -------
    WidthAlignment
    """
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) == 0:
        raise TypeError(f"`widths` must be a non-empty tuple of ints, got {widths!r}")
    widths = tuple(check_int(w, "widths", low=1) for w in widths)
    n_nets = check_int(n_nets, "n_nets", low=2)
    n_train = check_int(n_train, "n_train", low=10)
    steps = check_int(steps, "steps", low=0)
    lr = check_scalar(lr, "lr", low=0, high=1, low_inclusive=False)
    seed = check_int(seed, "seed", low=0)
    return _aligned_barriers_by_width(widths, n_nets, n_train, steps, float(lr), seed)


@lru_cache(maxsize=16)
def _aligned_barriers_by_width(widths, n_nets, n_train, steps, lr, seed):
    alphas = np.linspace(0.0, 1.0, N_POINTS)
    rows = {"raw": [], "aligned": [], "raw_err": [], "aligned_err": [], "ends": []}
    for width in widths:
        task, nets = _train_nets(width, n_nets, n_train, steps, lr, seed)
        model = task.model
        pairs = list(combinations(range(n_nets), 2))
        lines = [Path.line(nets[i], nets[j]) for i, j in pairs] + [aligned_line(model, nets[i], nets[j])
                                                                   for i, j in pairs]
        points = np.stack([p.points(alphas) for p in lines])  # (2Q, A, P)
        losses = model.loss_batch(points)
        errors = error_batch(model, points, task.X_test, task.y_test)
        loss_b = np.array([barrier_height(v) for v in losses])
        err_b = np.array([barrier_height(v) for v in errors])
        q = len(pairs)
        rows["raw"].append(loss_b[:q])
        rows["aligned"].append(loss_b[q:])
        rows["raw_err"].append(err_b[:q])
        rows["aligned_err"].append(err_b[q:])
        rows["ends"].append(model.loss_batch(nets))
    return WidthAlignment(widths, *(np.array(rows[key]) for key in ("raw", "aligned", "raw_err", "aligned_err",
                                                                     "ends")))
