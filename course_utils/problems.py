r"""The chapters' ready-made problems: a data set, a model on it and (where the lesson needs one) a trained point.

Each builder is deterministic in its arguments (randomness comes from ``seed``), so a notebook, an explorer
and a test that ask for the same problem get the same numbers.

* :func:`moons_problem` — chapter 2's running example: a small ReLU MLP trained on two moons (cached);
* :func:`blob_classification` — chapter 2's "same model, two losses": logistic regression on two Gaussian
  blobs, once under cross-entropy and once under MSE on the sigmoid.

Examples
--------
>>> from course_utils.problems import blob_classification
>>> objectives = blob_classification(3.0, 0.1, n=50)
>>> sorted(objectives), objectives["mse"].dim
(['cross_entropy', 'mse'], 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import optimizers
from .data import blobs, two_moons
from .models import MLP, LogisticRegression
from .validation import check_bool, check_int, check_layer_widths, check_rng, check_scalar

__all__ = ["BLOB_LOSSES", "MoonsProblem", "blob_classification", "moons_problem"]

#: The two losses of :func:`blob_classification`, in the order the chapter shows them.
BLOB_LOSSES = ("cross_entropy", "mse")


@dataclass(frozen=True)
class MoonsProblem:
    r"""A small ReLU MLP trained on two moons: the running example of chapter 2.

    Built (and cached) by :func:`moons_problem`.

    Parameters
    ----------
    model : MLP
        The objective (data, architecture and loss).
    theta0 : ndarray, shape (P,)
        The (He) initialization.
    trajectory : Trajectory
        Adam from ``theta0``; ``trajectory.final_theta`` is :math:`\theta^*`.
    """

    model: object
    theta0: np.ndarray
    trajectory: object

    @property
    def theta(self) -> np.ndarray:
        r"""The trained parameters :math:`\theta^*`, shape ``(P,)``."""
        return self.trajectory.final_theta


def moons_problem(hidden: tuple = (16,), residual: bool = False, n: int = 200, steps: int = 300, lr: float = 0.05,
                  seed: int = 0) -> MoonsProblem:
    """Train the chapter's network (cached): ``MLP(two_moons(n, 0.15, seed), hidden, "relu", "mse")``.

    He initialization from ``seed``, then ``steps`` of Adam at learning rate ``lr`` (full batch). The result is
    cached on the arguments, so every caller with the same arguments shares one trained network (treat it as
    read-only); ``moons_problem.cache_clear()`` empties the cache.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers (default one layer of 16 units).
    residual : bool
        Skip connections between hidden layers of equal width.
    n : int
        Number of two-moons points.
    steps : int
        Adam steps.
    lr : float
        Adam's learning rate.
    seed : int
        Seed of both the data draw and the initialization.

    Returns
    -------
    MoonsProblem
        ``model``, ``theta0`` (shape ``(P,)``), ``trajectory`` and the trained ``theta`` (shape ``(P,)``).

    Examples
    --------
    >>> p = moons_problem()
    >>> p.model.loss(p.theta) < 0.1 * p.model.loss(p.theta0)
    True
    """
    # validated before the cache, which needs hashable arguments and would otherwise name its own
    hidden = check_layer_widths(hidden)
    residual = check_bool(residual, "residual")
    n = check_int(n, "n", low=1)
    steps = check_int(steps, "steps", low=0)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    seed = check_int(seed, "seed", low=0)
    return _moons_problem(hidden, residual, n, steps, lr, seed)


@lru_cache(maxsize=8)
def _moons_problem(hidden: tuple, residual: bool, n: int, steps: int, lr: float, seed: int) -> MoonsProblem:
    X, y = two_moons(n, noise=0.15, rng=seed)
    model = MLP(X, y, hidden=hidden, activation="relu", loss="mse", residual=residual)
    theta0 = model.init(check_rng(seed), "he")
    traj = optimizers.run(model, optimizers.adam(), theta0, steps=steps, lr=lr)
    return MoonsProblem(model=model, theta0=theta0, trajectory=traj)


# The cache keys on the arguments only, not on COURSE_SEED/COURSE_PERTURB: whoever changes those mid-process
# (the claims tests do) clears it first.
moons_problem.cache_clear = _moons_problem.cache_clear  # type: ignore[attr-defined]


def blob_classification(separation: float, label_noise: float, n: int = 100, seed: int = 0) -> dict:
    r"""Logistic regression on two Gaussian blobs, under cross-entropy and under MSE on the sigmoid.

    Two unit-variance blobs centred at :math:`\pm(s/2, 0)` (labels 0 and 1); a ``label_noise`` fraction of the
    labels is flipped. The model is :math:`p = \sigma(w_1 x_1 + w_2 x_2)` without intercept, so
    ``theta = (w1, w2)`` and the whole loss lives on a plane.

    Parameters
    ----------
    separation : float
        Distance :math:`s \ge 0` between the blob centres.
    label_noise : float
        Fraction of labels flipped, in ``[0, 1]``.
    n : int
        Number of points.
    seed : int
        Seed of the data draw and of the flips.

    Returns
    -------
    dict
        ``{"cross_entropy": LogisticRegression, "mse": LogisticRegression}`` on the same data ``X`` (shape
        ``(n, 2)``) and labels ``y`` (shape ``(n,)``).

    Raises
    ------
    ValueError
        If ``separation`` is negative or ``label_noise`` lies outside ``[0, 1]``.
    """
    separation = check_scalar(separation, "separation", low=0)
    label_noise = check_scalar(label_noise, "label_noise", low=0, high=1)
    rng = check_rng(seed, "seed")
    X, y = blobs(n, noise=1.0, rng=rng, centers=[[-separation / 2, 0.0], [separation / 2, 0.0]])
    flip = rng.random(n) < label_noise
    y = np.where(flip, 1 - y, y).astype(float)
    return {loss: LogisticRegression(X, y, fit_intercept=False, loss=loss) for loss in BLOB_LOSSES}
