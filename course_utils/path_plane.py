r"""The path of training in its own plane (chapter 8, §6; Li et al. 2018, "Visualizing the loss landscape of neural
nets", §7).

:func:`digits_path_plane` trains a digits network (:func:`~.real_data.digits_task`), takes the principal directions
of the recorded path's displacements from its end point (:func:`~.surfaces.trajectory_pca`) and evaluates the
training loss on the plane they span through the end point (:func:`~.surfaces.slice_2d`). Cached per kernel, so the
chapter's explorer redraws settings the chapter already computed without recomputing them.

Examples
--------
>>> p = digits_path_plane(hidden=(4,), n_train=100, steps=40, record_every=4, resolution=5)
>>> p.coords.shape, p.losses.shape
((11, 2), (5, 5))
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .optimizers import adam, gd, momentum, run
from .randomness import default_rng
from .real_data import N_CLASSES, digits_task, held_out_accuracy
from .surfaces import slice_2d, trajectory_pca
from .validation import check_int, check_layer_widths, check_option, check_scalar

__all__ = ["PathPlane", "digits_path_plane"]

_RULES = {"gd": gd, "momentum": momentum, "adam": adam}


class PathPlane(NamedTuple):
    """A training path and the loss on the plane of its first two principal directions.

    Parameters
    ----------
    coords : ndarray, shape (T, 2)
        The recorded iterates projected on the two directions, relative to the end point (last row = (0, 0)).
    explained : ndarray, shape (2,)
        Fraction of the path's squared displacement from the end point along each direction.
    path_losses : ndarray, shape (T,)
        Training loss at each recorded iterate (the real path, not its projection).
    alphas, betas : ndarray, shape (G,)
        The plane's grid coordinates (a margin around the path).
    losses : ndarray, shape (G, G)
        Training loss at ``end + alphas[i] d1 + betas[j] d2`` (plot ``losses.T``).
    test_accuracy : float
        Held-out accuracy at the end point.
    """

    coords: np.ndarray
    explained: np.ndarray
    path_losses: np.ndarray
    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    test_accuracy: float


def digits_path_plane(optimizer: str = "gd", lr: float = 0.5, steps: int = 300, seed: int = 0, hidden=(16,),
                      n_train: int | None = 500, record_every: int = 5, resolution: int = 41) -> PathPlane:
    r"""Train a 64-``hidden``-10 tanh cross-entropy digits network; the loss on its path's PCA plane.

    Full-batch training from the Xavier initialisation drawn with ``seed`` (through ``COURSE_SEED``), recording
    every ``record_every``-th iterate; then :func:`~.surfaces.trajectory_pca` of the recorded path (displacements
    :math:`\theta_t - \theta_T` from the end point, as Li et al. do) and the loss on a ``resolution`` ×
    ``resolution`` grid covering the projected path with a 25 % margin. Cached per kernel.

    Parameters
    ----------
    optimizer : {"gd", "momentum", "adam"}
        The update rule (momentum with :math:`\beta = 0.9`; Adam with its defaults). Default ``"gd"``.
    lr : float
        Learning rate, ``> 0``. Default 0.5 (use about 0.05 for momentum and 0.005 for Adam).
    steps : int
        Training steps, ``>= 2``. Default 300.
    seed : int
        Initialisation seed. Default 0.
    hidden : int or sequence of int
        Hidden widths. Default ``(16,)``.
    n_train : int, optional
        Class-balanced training subset (``None``: all 1,343 images). Default 500.
    record_every : int
        Keep every ``record_every``-th iterate (and the last). Default 5.
    resolution : int
        Grid points per axis, ``>= 3``. Default 41.

    Returns
    -------
    PathPlane
    """
    optimizer = check_option(optimizer, "optimizer", list(_RULES))
    lr = float(check_scalar(lr, "lr", low=0, low_inclusive=False))
    steps = check_int(steps, "steps", low=2)
    seed = check_int(seed, "seed", low=0)
    hidden = tuple(check_layer_widths(hidden))
    if n_train is not None:
        n_train = check_int(n_train, "n_train", low=N_CLASSES)
    record_every = check_int(record_every, "record_every", low=1, high=steps // 2)
    resolution = check_int(resolution, "resolution", low=3)
    return _digits_path_plane(optimizer, lr, steps, seed, hidden, n_train, record_every, resolution)


@lru_cache(maxsize=16)
def _digits_path_plane(optimizer, lr, steps, seed, hidden, n_train, record_every, resolution) -> PathPlane:
    task = digits_task(hidden=hidden, n_train=n_train)
    model = task.model
    trajectory = run(model, _RULES[optimizer](), model.init(default_rng(seed)), steps=steps, lr=lr,
                     record_every=record_every)
    pca = trajectory_pca(trajectory, n_components=2)
    lo, hi = pca.coords.min(axis=0), pca.coords.max(axis=0)
    pad = 0.25 * (hi - lo)
    alphas = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    betas = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    plane = slice_2d(model, pca.center, pca.directions[0], pca.directions[1], alphas, betas)
    return PathPlane(coords=pca.coords, explained=pca.explained_variance_ratio, path_losses=trajectory.losses[:len(pca.coords)],
                     alphas=alphas, betas=betas, losses=plane.losses,
                     test_accuracy=held_out_accuracy(task, trajectory.final_theta))
