r"""The Optimizer Race: the same start, the same landscape, nine update rules — who gets where?

One function, :func:`race_one`, runs one named optimizer with the race's shared hyperparameters and says
where it ended (:func:`course_utils.saddles.locate_endpoint`); :func:`race` runs several. The explorer
(:class:`course_utils.widgets.optimizer_race.OptimizerRace`) caches :func:`race_one` per optimizer, keyed
on :func:`racer_key` — the hyperparameters that optimizer actually uses — so moving the momentum slider
reruns only momentum and Nesterov, and shortening the run only truncates (:func:`truncate`).

Hyperparameters shared by the racers:

* ``lr`` — the step size of the first-order and adaptive rules (GD, momentum, Nesterov, Adagrad, RMSProp,
  Adam, perturbed GD);
* ``newton_lr`` — the step size of Newton and saddle-free Newton (1 is the full Newton step);
* ``beta`` — momentum of heavy-ball and Nesterov;
* ``radius`` — perturbation radius of perturbed GD (its gradient threshold is ``1e-3``; see :func:`build_racer`
  for its waiting time and termination test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import optimizers
from .objective import as_objective
from .saddles import Endpoint, locate_endpoint
from .validation import check_instance, check_int, check_option, check_rng, check_scalar, check_vector

#: Perturbed GD's termination threshold in the race: a jump must lower the loss by this much within
#: ``t_thres`` steps, or the run returns to where it jumped from and stops (Jin et al. 2017, Algorithm 2).
PGD_F_THRES = 1e-4
#: Perturbed GD's waiting time in the race, in units of gradient-flow time: ``t_thres = ceil(PGD_FLOW_TIME / lr)``
#: steps (at least 10), so that the wait covers the same stretch of the landscape whatever the learning rate.
PGD_FLOW_TIME = 2.0

__all__ = ["PGD_F_THRES", "PGD_FLOW_TIME", "RACERS", "RACER_LABELS", "racer_key", "build_racer", "RaceEntry", "race_one", "race", "truncate"]

#: Racer keys in display order.
RACERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton", "saddle_free_newton", "perturbed_gd")
#: Short labels for legends and tick boxes.
RACER_LABELS = {
    "gd": "GD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "newton": "Newton",
    "saddle_free_newton": "saddle-free Newton",
    "perturbed_gd": "perturbed GD",
}
# Which shared hyperparameters each racer depends on (for caching).
_USES = {
    "gd": ("lr",),
    "momentum": ("lr", "beta"),
    "nesterov": ("lr", "beta"),
    "adagrad": ("lr",),
    "rmsprop": ("lr",),
    "adam": ("lr",),
    "newton": ("newton_lr",),
    "saddle_free_newton": ("newton_lr",),
    "perturbed_gd": ("lr", "radius"),
}


def _check_key(key: str, name: str = "key") -> str:
    return check_option(key, name, RACERS)


def racer_key(key: str, **hyper) -> tuple:
    """The hyperparameters ``key`` actually uses, as a hashable tuple (a cache key).

    Parameters
    ----------
    key : str
        A racer name from :data:`RACERS` (``"gd"``, ``"momentum"``, ..., ``"perturbed_gd"``).
    **hyper : float
        The shared hyperparameters by name (``lr``, ``newton_lr``, ``beta``, ``radius``); those ``key`` uses are
        required (``TypeError`` otherwise), the others are ignored.

    Returns
    -------
    tuple
        ``(key, value, ...)`` with the values of the hyperparameters ``key`` uses, in a fixed order.
    """
    key = _check_key(key)
    missing = [name for name in _USES[key] if name not in hyper]
    if missing:
        raise TypeError(f"`{missing[0]}` is required: racer {key!r} uses {list(_USES[key])}")
    return (key, *(check_scalar(hyper[name], name) for name in _USES[key]))


def build_racer(key: str, *, lr: float = 0.01, newton_lr: float = 1.0, beta: float = 0.9,
                radius: float = 0.1) -> tuple[optimizers.Optimizer, float]:
    """The optimizer for ``key`` and the step size it runs with.

    Parameters
    ----------
    key : str
        A racer name from :data:`RACERS` (``"gd"``, ``"momentum"``, ..., ``"perturbed_gd"``).
    lr : float, default 0.01
        Step size of the first-order and adaptive rules, ``> 0``.
    newton_lr : float, default 1.0
        Step size of Newton and saddle-free Newton, ``> 0`` (1 is the full Newton step).
    beta : float, default 0.9
        Momentum of heavy-ball and Nesterov, in ``[0, 1)``.
    radius : float, default 0.1
        Perturbation radius of perturbed GD, ``>= 0``. Its other settings: gradient threshold ``1e-3``, waiting
        time ``t_thres = max(10, ceil(PGD_FLOW_TIME / lr))`` steps, and termination threshold
        ``f_thres = PGD_F_THRES``: a run whose jump does not lower the loss by ``f_thres`` within ``t_thres`` steps
        returns to where it jumped from and stops (at a minimum, instead of jumping there forever).

    Returns
    -------
    (Optimizer, float)
    """
    key = _check_key(key)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    newton_lr = check_scalar(newton_lr, "newton_lr", low=0, low_inclusive=False)
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)
    radius = check_scalar(radius, "radius", low=0)
    if key in ("momentum", "nesterov"):
        opt = optimizers.OPTIMIZERS[key](beta)
    elif key == "newton":
        opt = optimizers.newton()
    elif key == "saddle_free_newton":
        opt = optimizers.saddle_free_newton(1e-3)
    elif key == "perturbed_gd":
        # Jin et al.'s t_thres scales like 1/η (their η = c/ℓ): a fixed stretch of gradient-flow time, long enough
        # (ηt = 2 ≫ ln(r-to-window)/|λ| on the race's saddles) for a jump near a strict saddle to buy f_thres.
        t_thres = max(10, int(np.ceil(PGD_FLOW_TIME / lr)))
        opt = optimizers.perturbed_gd(radius=radius, g_thres=1e-3, t_thres=t_thres, f_thres=PGD_F_THRES)
    else:
        opt = optimizers.OPTIMIZERS[key]()
    return opt, (newton_lr if key in ("newton", "saddle_free_newton") else lr)


@dataclass(frozen=True)
class RaceEntry:
    """One racer's result: its key and label, its trajectory, and where it ended.

    Parameters
    ----------
    key : str
        The racer's name in :data:`RACERS`.
    label : str
        Its display label (:data:`RACER_LABELS`).
    trajectory : Trajectory
        The run, cut where it left the window.
    endpoint : Endpoint
        Where it ended (:func:`course_utils.saddles.locate_endpoint`).
    """

    key: str
    label: str
    trajectory: optimizers.Trajectory
    endpoint: Endpoint

    @property
    def summary(self) -> str:
        """``"GD: global minimum at (3, 2)"``, ``"Newton: diverged at step 4"``."""
        return f"{self.label}: {self.endpoint.label}"


def truncate(traj: optimizers.Trajectory, steps: int) -> optimizers.Trajectory:
    """The first ``steps`` steps of a trajectory recorded at every step (the same numbers a shorter run gives).

    Parameters
    ----------
    traj : Trajectory
        A run of :func:`course_utils.optimizers.run` recorded at every step.
    steps : int
        Number of steps to keep, ``>= 0``; a run no longer than that is returned as it is.

    Returns
    -------
    Trajectory
        ``diverged_at``/``converged_at`` are kept only when they fall within the first ``steps`` steps.
    """
    check_instance(traj, "traj", optimizers.Trajectory, "a Trajectory (the result of optimizers.run)")
    steps = check_int(steps, "steps", low=0)
    if steps >= traj.steps:
        return traj
    diverged = traj.diverged_at if traj.diverged_at is not None and traj.diverged_at <= steps else None
    converged = traj.converged_at if traj.converged_at is not None and traj.converged_at <= steps else None
    return optimizers.Trajectory(traj.thetas[: steps + 1], traj.losses[: steps + 1], traj.grad_norms[: steps + 1],
                                 traj.lrs[:steps], diverged, converged, traj.optimizer, dict(traj.extras))


def race_one(landscape, key: str, start, *, steps: int = 200, lr: float = 0.01, newton_lr: float = 1.0,
             beta: float = 0.9, radius: float = 0.1, seed: int = 0, tol: float = 1e-10,
             explode_factor: float = 1e6, window_factor: float = 10.0) -> RaceEntry:
    """Run one racer on a landscape and locate where it ended.

    The run stops early once the gradient norm is below ``tol`` (nothing moves after that) — except perturbed
    GD, which acts precisely when the gradient is small and stops by its own termination test instead
    (:func:`build_racer`). A run that leaves
    a box ``window_factor`` times the landscape's plotting window stops there too: on a landscape with
    minima that is reported as "diverged at step k"; on one that is unbounded below (the saddle, the monkey
    saddle) as "left the window at step k" — escaping to ever lower loss is what it should do there.

    Parameters
    ----------
    landscape : Objective
        A 2-D course landscape; its ``bounds`` (plotting window) and ``minima`` are used when present.
    key : str
        A racer name from :data:`RACERS` (``"gd"``, ``"momentum"``, ..., ``"perturbed_gd"``).
    start : array_like, shape (P,)
        The common starting point.
    steps : int, default 200
        Maximum number of steps, ``>= 0``.
    lr : float, default 0.01
        Step size of the first-order and adaptive rules, ``> 0``.
    newton_lr : float, default 1.0
        Step size of Newton and saddle-free Newton, ``> 0`` (1 is the full Newton step).
    beta : float, default 0.9
        Momentum of heavy-ball and Nesterov, in ``[0, 1)``.
    radius : float, default 0.1
        Perturbation radius of perturbed GD, ``>= 0``.
    seed : int, default 0
        Seed (or Generator) of the random draws, such as perturbed GD's perturbations; every racer gets its own
        copy, so a racer's run does not depend on which others race.
    tol : float, default 1e-10
        Stop once the gradient norm is below ``tol`` (``> 0``); not applied to perturbed GD.
    explode_factor : float, default 1e6
        Report divergence when the loss exceeds ``explode_factor · max(1, |L(start)|)`` (``> 1``) or becomes non-finite
        (see :func:`course_utils.optimizers.run`).
    window_factor : float, default 10.0
        Stop a run that leaves the landscape's plotting window (``bounds``) scaled by this factor about its
        centre, ``>= 1``.

    Returns
    -------
    RaceEntry
    """
    key = _check_key(key)
    return race(landscape, [key], start, steps=steps, lr=lr, newton_lr=newton_lr, beta=beta, radius=radius,
                seed=seed, tol=tol, explode_factor=explode_factor, window_factor=window_factor)[key]


def race(landscape, keys=RACERS, start=(0.0, 0.0), *, steps: int = 200, lr: float = 0.01, newton_lr: float = 1.0,
         beta: float = 0.9, radius: float = 0.1, seed: int = 0, tol: float = 1e-10, explode_factor: float = 1e6,
         window_factor: float = 10.0) -> dict[str, RaceEntry]:
    """Run the racers ``keys`` side by side from ``start``; ``{key: RaceEntry}`` (options as in :func:`race_one`).

    The racers step in lockstep (:func:`course_utils.optimizers.run_many`): one batched gradient call per step
    serves all of them, and each racer's trajectory is the one it gets when it races alone.

    Parameters
    ----------
    landscape : Objective
        A 2-D course landscape; its ``bounds`` (plotting window) and ``minima`` are used when present.
    keys : sequence of str, default RACERS
        Racer names from :data:`RACERS` (a list, not a single string); empty gives ``{}``.
    start : array_like, shape (P,), default (0.0, 0.0)
        The common starting point.
    steps : int, default 200
        Maximum number of steps, ``>= 0``.
    lr : float, default 0.01
        Step size of the first-order and adaptive rules, ``> 0``.
    newton_lr : float, default 1.0
        Step size of Newton and saddle-free Newton, ``> 0`` (1 is the full Newton step).
    beta : float, default 0.9
        Momentum of heavy-ball and Nesterov, in ``[0, 1)``.
    radius : float, default 0.1
        Perturbation radius of perturbed GD, ``>= 0``.
    seed : int, default 0
        Seed (or Generator) of the random draws, such as perturbed GD's perturbations; every racer gets its own
        copy, so a racer's run does not depend on which others race.
    tol : float, default 1e-10
        Stop once the gradient norm is below ``tol`` (``> 0``); not applied to perturbed GD.
    explode_factor : float, default 1e6
        Report divergence when the loss exceeds ``explode_factor · max(1, |L(start)|)`` (``> 1``) or becomes non-finite
        (see :func:`course_utils.optimizers.run`).
    window_factor : float, default 10.0
        Stop a run that leaves the landscape's plotting window (``bounds``) scaled by this factor about its
        centre, ``>= 1``.

    Returns
    -------
    dict of str to RaceEntry
    """
    landscape = as_objective(landscape, "landscape")
    if isinstance(keys, str) or not hasattr(keys, "__iter__"):
        raise TypeError(f"`keys` must be a list of racer names from {list(RACERS)}, got {keys!r}")
    keys = [_check_key(k, "keys") for k in keys]
    check_rng(seed, "seed")  # validated here so that the message names `seed`; run_many draws from it
    start = check_vector(start, "start", landscape.dim)
    steps = check_int(steps, "steps", low=0)
    window_factor = check_scalar(window_factor, "window_factor", low=1)
    if not keys:
        return {}
    built = [build_racer(key, lr=lr, newton_lr=newton_lr, beta=beta, radius=radius) for key in keys]
    trajectories = optimizers.run_many(
        landscape, [opt for opt, _ in built], start, steps=steps, lrs=[step for _, step in built], rng=seed,
        tol=[None if key == "perturbed_gd" else tol for key in keys], explode_factor=explode_factor)
    return {key: _finish(landscape, key, traj, window_factor) for key, traj in zip(keys, trajectories)}


def _finish(landscape, key: str, traj: optimizers.Trajectory, window_factor: float) -> RaceEntry:
    """Cut a run where it left the window and say where it ended."""
    bounds = getattr(landscape, "bounds", None)
    unbounded = len(getattr(landscape, "minima", ())) == 0
    if bounds is not None:
        b = np.asarray(bounds, dtype=float)
        centre, half = b.mean(axis=1), (b[:, 1] - b[:, 0]) / 2
        with np.errstate(invalid="ignore"):
            outside = np.flatnonzero(~np.all(np.abs(traj.thetas - centre) <= window_factor * half, axis=1))
        if outside.size and (traj.diverged_at is None or outside[0] < traj.diverged_at):
            k = int(outside[0])
            traj = optimizers.Trajectory(traj.thetas[: k + 1], traj.losses[: k + 1], traj.grad_norms[: k + 1],
                                         traj.lrs[:k], k, None, traj.optimizer, dict(traj.extras))
    if unbounded and traj.diverged_at is not None:
        endpoint = Endpoint("unbounded", traj.final_theta,
                            f"left the window at step {traj.diverged_at} (the loss falls without bound)")
    else:
        endpoint = locate_endpoint(landscape, traj)
    return RaceEntry(key, RACER_LABELS[key], traj, endpoint)
