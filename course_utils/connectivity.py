r"""Mode connectivity: paths between minima, their barriers, curve training and the permutation symmetry.

Two networks trained from different seeds reach different parameter vectors :math:`\theta_1, \theta_2`
with the same low loss. Are they in one valley? This module answers with paths:

* **paths** — the straight line, a Bézier curve through bends, a polygonal chain (:class:`Path`); every
  path is :math:`\theta(t) = \sum_k w_k(t)\,\text{node}_k` for basis weights :math:`w_k(t)`, so its points
  are one matrix product and the loss along it is one batched call (:func:`path_profile`);
* **barriers** — :math:`\max_t L(\theta(t)) - \tfrac12\,(L(\theta_1) + L(\theta_2))` for the loss and for
  the error (:func:`barrier_height`; Frankle et al. 2020 use the error);
* **curve training** (Garipov et al. 2018) — :func:`train_curve` minimises
  :math:`\mathbb E_{t \sim U(0,1)}\, L(\theta(t))` over the bends with the endpoints fixed, one ``t`` per
  step, gradients by autograd;
* **the numerical-gradient path search**, the straightforward approach, re-implemented for comparison
  (:func:`numerical_gradient_path_search`): forward differences of the maximum loss on a polygonal path, one
  coordinate at a time — its cost per step grows with the number of parameters;
* **the plane** through three parameter vectors and the loss on it (:func:`plane_grid`);
* **permutation symmetry** of hidden units (:func:`permute_hidden_units`) and **weight matching**
  (:func:`weight_matching`, Ainsworth et al. 2023) with ``scipy.optimize.linear_sum_assignment``.

Everything works on flat parameter vectors and any :class:`~course_utils.objective.Objective`; the error and
the permutations need an :class:`~course_utils.models.MLP`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb

import numpy as np

from .objective import as_objective
from .validation import (
    check_array,
    check_batch,
    check_callable,
    check_int,
    check_option,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = [
    "Path",
    "line_points",
    "bezier_points",
    "bezier_tangent",
    "chain_points",
    "barrier_height",
    "error_batch",
    "PathProfile",
    "path_profile",
    "aligned_line",
    "train_lockstep",
    "CurveTraining",
    "train_curve",
    "path_search_loss_evaluations",
    "numerical_gradient_path_search",
    "PlaneGrid",
    "plane_basis",
    "plane_grid",
    "permute_hidden_units",
    "random_permutations",
    "weight_matching",
    "Alignment",
    "ensemble_accuracy",
]

PATH_KINDS = ("line", "bezier", "chain")


def _check_t(t) -> np.ndarray:
    t_arr = check_array(t, "t", ndim=(0, 1))
    if np.any(t_arr < 0) or np.any(t_arr > 1):
        raise ValueError(f"`t` must lie in [0, 1], got values from {t_arr.min():g} to {t_arr.max():g}")
    return t_arr


def _check_model(model) -> None:
    from .models import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"`model` must be a course_utils.models.MLP, got {type(model).__name__}")


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------
def _basis(kind: str, n_nodes: int, t: np.ndarray) -> np.ndarray:
    r"""Weights :math:`w_k(t)`, shape ``(T, K)``, such that :math:`\theta(t) = \sum_k w_k(t)\,\text{node}_k`."""
    t = np.atleast_1d(t)[:, None]
    k = np.arange(n_nodes)[None, :]
    if kind == "bezier" or n_nodes == 2:
        # Bernstein polynomials of degree K - 1: C(n, k) t^k (1 - t)^(n - k).
        n = n_nodes - 1
        binom = np.array([comb(n, j) for j in range(n_nodes)], dtype=float)[None, :]
        return binom * t**k * (1.0 - t) ** (n - k)
    # Polygonal chain: the nodes sit at t = k / (K - 1); the weights are hat functions.
    return np.maximum(0.0, 1.0 - np.abs(t * (n_nodes - 1) - k))


def _basis_derivative(kind: str, n_nodes: int, t: np.ndarray) -> np.ndarray:
    """:math:`dw_k/dt`, shape ``(T, K)``."""
    t = np.atleast_1d(t)
    n = n_nodes - 1
    if kind == "bezier" or n_nodes == 2:
        lower = _basis("bezier", n_nodes - 1, t)  # Bernstein polynomials of degree n - 1
        out = np.zeros((t.size, n_nodes))
        out[:, 1:] += n * lower
        out[:, :-1] -= n * lower
        return out
    # The chain moves along segment s = floor(t (K-1)) (the last segment at t = 1) at speed K - 1.
    seg = np.minimum(np.floor(t * n).astype(int), n - 1)
    out = np.zeros((t.size, n_nodes))
    out[np.arange(t.size), seg] = -n
    out[np.arange(t.size), seg + 1] = n
    return out


@dataclass(frozen=True)
class Path:
    r"""A path :math:`\theta(t)`, :math:`t \in [0, 1]`, between ``nodes[0]`` and ``nodes[-1]``.

    ``kind="line"`` has two nodes; ``"bezier"`` is the Bézier curve with the inner nodes as control points
    ("bends": one bend gives Garipov et al.'s quadratic curve
    :math:`(1-t)^2\theta_1 + 2t(1-t)\theta_b + t^2\theta_2`); ``"chain"`` is the polygonal chain through the
    nodes, node ``k`` at :math:`t = k/(K-1)`.

    Parameters
    ----------
    kind : {"line", "bezier", "chain"}
        The shape of the path between the nodes (see above); a ``"line"`` must have exactly 2 nodes.
    nodes : array_like, shape (K, P)
        Endpoints and bends, in order, ``K >= 2``; stored as a read-only copy.
    """

    kind: str
    nodes: np.ndarray

    def __post_init__(self):
        kind = check_option(self.kind, "kind", PATH_KINDS)
        nodes = check_array(self.nodes, "nodes", ndim=2)
        if nodes.shape[0] < 2:
            raise ValueError(f"`nodes` must hold at least the two endpoints, got {nodes.shape[0]} node(s)")
        if kind == "line" and nodes.shape[0] != 2:
            raise ValueError(f"a 'line' path has exactly 2 nodes, got {nodes.shape[0]}")
        nodes = nodes.copy()
        nodes.setflags(write=False)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "nodes", nodes)

    @classmethod
    def line(cls, theta_a, theta_b) -> Path:
        """The straight segment from ``theta_a`` to ``theta_b``."""
        a = check_vector(theta_a, "theta_a")
        b = check_vector(theta_b, "theta_b", a.size)
        return cls("line", np.stack([a, b]))

    @classmethod
    def bezier(cls, theta_a, bends, theta_b) -> Path:
        """A Bézier curve; ``bends`` has shape ``(P,)`` (one bend, quadratic) or ``(n, P)``."""
        a = check_vector(theta_a, "theta_a")
        b = check_vector(theta_b, "theta_b", a.size)
        bends = check_array(bends, "bends", ndim=(1, 2))
        if bends.shape[-1] != a.size:
            raise ValueError(f"`bends` must have shape ({a.size},) or (n, {a.size}), got {bends.shape}")
        return cls("bezier", np.vstack([a, bends.reshape(-1, a.size), b]))

    @classmethod
    def chain(cls, nodes) -> Path:
        """The polygonal chain through ``nodes`` (shape ``(K, P)``, endpoints included)."""
        return cls("chain", nodes)

    @property
    def dim(self) -> int:
        return self.nodes.shape[1]

    @property
    def bends(self) -> np.ndarray:
        """The inner nodes, shape ``(K - 2, P)``."""
        return self.nodes[1:-1]

    def with_bends(self, bends) -> Path:
        """The same kind of path with new inner nodes (endpoints kept).

        Parameters
        ----------
        bends : array_like
            The new inner nodes, reshaped to ``(n, P)`` (e.g. the flattened bends of an optimizer); ``n`` may
            differ from the current number of bends (a ``"line"`` path accepts none).

        Returns
        -------
        Path
        """
        bends = np.asarray(bends, dtype=float).reshape(-1, self.dim)
        return Path(self.kind, np.vstack([self.nodes[:1], bends, self.nodes[-1:]]))

    def weights(self, t) -> np.ndarray:
        """Basis weights :math:`w_k(t)`, shape ``(T, K)``; they sum to 1 for every ``t``.

        Parameters
        ----------
        t : float or array_like, shape (T,)
            Position(s) along the path, each in :math:`[0, 1]` (0 is ``nodes[0]``, 1 is ``nodes[-1]``).
            A scalar gives one row, shape ``(1, K)``.
        """
        return _basis(self.kind, self.nodes.shape[0], _check_t(t))

    def points(self, t) -> np.ndarray:
        """:math:`\\theta(t)`: shape ``(P,)`` for a scalar ``t``, ``(T, P)`` for ``t`` of shape ``(T,)``.

        Parameters
        ----------
        t : float or array_like, shape (T,)
            Position(s) along the path, each in :math:`[0, 1]` (0 is ``nodes[0]``, 1 is ``nodes[-1]``).
        """
        t = _check_t(t)
        out = _basis(self.kind, self.nodes.shape[0], t) @ self.nodes
        return out[0] if t.ndim == 0 else out

    def tangent(self, t) -> np.ndarray:
        """:math:`d\\theta/dt`: shape ``(P,)`` or ``(T, P)`` like :meth:`points`.

        Parameters
        ----------
        t : float or array_like, shape (T,)
            Position(s) along the path, each in :math:`[0, 1]` (0 is ``nodes[0]``, 1 is ``nodes[-1]``).
            A chain's velocity jumps at the nodes; at a node the segment that starts there is used (the last
            segment at ``t = 1``).
        """
        t = _check_t(t)
        out = _basis_derivative(self.kind, self.nodes.shape[0], t) @ self.nodes
        return out[0] if t.ndim == 0 else out

    def length(self, n: int = 201) -> float:
        """Euclidean length of the path (trapezoidal rule on ``n`` points of the speed).

        Parameters
        ----------
        n : int, default 201
            Number of equally spaced ``t`` at which the speed :math:`\\|d\\theta/dt\\|` is evaluated; at least 2.
        """
        n = check_int(n, "n", low=2)
        t = np.linspace(0.0, 1.0, n)
        speed = np.linalg.norm(self.tangent(t), axis=1)
        return float(np.sum(0.5 * (speed[1:] + speed[:-1]) * np.diff(t)))


def line_points(theta_a, theta_b, t) -> np.ndarray:
    r""":math:`(1-t)\,\theta_a + t\,\theta_b`; shape ``(P,)`` for scalar ``t``, ``(T, P)`` for ``(T,)``.

    Parameters
    ----------
    theta_a, theta_b : array_like, shape (P,)
        The endpoints, at ``t = 0`` and ``t = 1``.
    t : float or array_like, shape (T,)
        Position(s) along the path, each in :math:`[0, 1]`.
    """
    return Path.line(theta_a, theta_b).points(t)


def bezier_points(theta_a, bend, theta_b, t) -> np.ndarray:
    r"""The quadratic Bézier curve :math:`(1-t)^2\theta_a + 2t(1-t)\theta_b' + t^2\theta_b` (``bend`` = θ_b').

    Parameters
    ----------
    theta_a : array_like, shape (P,)
        The start, at ``t = 0``.
    bend : array_like, shape (P,)
        The control point (one bend, so the curve is quadratic); the curve passes near it, not through it.
    theta_b : array_like, shape (P,)
        The end, at ``t = 1``.
    t : float or array_like, shape (T,)
        Position(s) along the path, each in :math:`[0, 1]`.

    Returns
    -------
    ndarray, shape (P,) or (T, P)
    """
    return Path.bezier(theta_a, check_vector(bend, "bend"), theta_b).points(t)


def bezier_tangent(theta_a, bend, theta_b, t) -> np.ndarray:
    r"""Its velocity :math:`2(1-t)(\text{bend} - \theta_a) + 2t(\theta_b - \text{bend})`.

    The derivative :math:`d\theta/dt` of :func:`bezier_points`.

    Parameters
    ----------
    theta_a : array_like, shape (P,)
        The start, at ``t = 0``.
    bend : array_like, shape (P,)
        The control point (one bend, so the curve is quadratic); the curve passes near it, not through it.
    theta_b : array_like, shape (P,)
        The end, at ``t = 1``.
    t : float or array_like, shape (T,)
        Position(s) along the path, each in :math:`[0, 1]`.

    Returns
    -------
    ndarray, shape (P,) or (T, P)
    """
    return Path.bezier(theta_a, check_vector(bend, "bend"), theta_b).tangent(t)


def chain_points(nodes, t) -> np.ndarray:
    """Points on the polygonal chain through ``nodes`` (shape ``(K, P)``), node ``k`` at ``t = k/(K-1)``.

    Parameters
    ----------
    nodes : array_like, shape (K, P)
        The chain's corners in order, endpoints included (``K >= 2``).
    t : float or array_like, shape (T,)
        Position(s) along the path, each in :math:`[0, 1]`.

    Returns
    -------
    ndarray, shape (P,) or (T, P)
    """
    return Path.chain(nodes).points(t)


# --------------------------------------------------------------------------------------------
# Loss and error along a path
# --------------------------------------------------------------------------------------------
def barrier_height(values) -> float:
    r"""The barrier :math:`\max_t v(t) - \tfrac12\,(v(0) + v(1))` of values along a path.

    ``values`` (shape ``(T,)``) are ordered from one endpoint to the other. It is at least
    :math:`\tfrac12|v(1) - v(0)|` (the maximum includes the higher endpoint) and measures how far the path
    climbs above its ends: near zero for "linearly connected" minima.

    Parameters
    ----------
    values : array_like, shape (T,)
        Loss (or error) values at points along the path, ``T >= 2``, endpoints first and last.

    Returns
    -------
    float
    """
    v = check_array(values, "values", ndim=1, min_size=2)
    return float(v.max() - 0.5 * (v[0] + v[-1]))


def error_batch(model, thetas, X=None, y=None) -> np.ndarray:
    """Classification error (fraction wrong) at parameter vectors ``(..., P)`` → ``(...)``, batched.

    Matches ``1 - model.accuracy(theta, X, y)`` for each vector: binary cross-entropy and single-output
    MSE predict class 1 when the probability (output) exceeds 0.5; multi-class takes the argmax.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` (any other type raises ``TypeError``).
    thetas : array_like, shape (..., P)
        Parameter vectors, any leading batch shape.
    X : array_like, shape (N, d), optional
        Inputs to classify (default: the model's own training inputs).
    y : array_like, shape (N,), optional
        Class labels of ``X``, rounded to integers (default: the model's own targets ``model.y``).

    Returns
    -------
    ndarray, shape (...)
        The fraction of misclassified examples for each parameter vector.
    """
    _check_model(model)
    thetas = check_batch(thetas, "thetas", model.dim)
    lead = thetas.shape[:-1]
    y = model.y if y is None else check_array(y, "y", ndim=1)
    out = model.forward_batch(thetas.reshape(-1, model.dim), X)  # (B, N, K)
    if out.shape[-1] > 1:
        labels = np.argmax(out, axis=-1)
    elif model.loss_name == "cross_entropy":
        labels = (out[..., 0] > 0).astype(int)
    else:
        labels = (out[..., 0] > 0.5).astype(int)
    wrong = labels != np.round(y).astype(int)[None, :]
    return wrong.mean(axis=-1).reshape(lead)


@dataclass(frozen=True)
class PathProfile:
    """Loss (and error) along a path at equally spaced ``t``.

    The result of :func:`path_profile`.

    Parameters
    ----------
    t : ndarray, shape (T,)
        The positions along the path, from 0 to 1.
    losses : ndarray, shape (T,)
        The loss at each point.
    errors : ndarray of shape (T,) or None
        Classification error, for MLP classifiers.
    points : ndarray, shape (T, P)
        The parameter vectors :math:`\\theta(t)`.
    """

    t: np.ndarray
    losses: np.ndarray
    errors: np.ndarray | None
    points: np.ndarray

    @property
    def barrier(self) -> float:
        """Loss barrier: :math:`\\max_t L - \\tfrac12(L(0) + L(1))`."""
        return barrier_height(self.losses)

    @property
    def error_barrier(self) -> float | None:
        """Error barrier (Frankle et al. 2020), or None without errors."""
        return None if self.errors is None else barrier_height(self.errors)

    @property
    def t_max(self) -> float:
        """Where the loss along the path peaks."""
        return float(self.t[np.argmax(self.losses)])


def path_profile(objective, path: Path, n: int = 61, *, errors: bool | None = None) -> PathProfile:
    """Evaluate the loss (one batched call) and, for MLP classifiers, the error at ``n`` equally spaced ``t``.

    Parameters
    ----------
    objective : Objective
        Its ``loss_batch`` is used; pass ``model.with_data(X_test, y_test)`` for test loss.
    path : Path
    n : int
        Number of points (Garipov et al. evaluate 61).
    errors : bool, optional
        Compute the error too (default: when ``objective`` is an MLP with cross-entropy loss).
    """
    from .models import MLP

    objective = as_objective(objective)
    if not isinstance(path, Path):
        raise TypeError(f"`path` must be a connectivity.Path, got {type(path).__name__}")
    if path.dim != objective.dim:
        raise ValueError(f"`path` lives in dimension {path.dim}, but the objective has {objective.dim} parameters")
    n = check_int(n, "n", low=2)
    t = np.linspace(0.0, 1.0, n)
    pts = path.points(t)
    losses = objective.loss_batch(pts)
    if errors is None:
        errors = isinstance(objective, MLP) and objective.loss_name == "cross_entropy"
    errs = error_batch(objective, pts) if errors else None
    return PathProfile(t=t, losses=losses, errors=errs, points=pts)


# --------------------------------------------------------------------------------------------
# Curve training (Garipov et al. 2018)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CurveTraining:
    """The result of :func:`train_curve` or :func:`numerical_gradient_path_search`.

    Parameters
    ----------
    path : Path
        The final path (endpoints unchanged).
    initial_path : Path
        The path before the first step (bends equally spaced on the straight line unless given).
    losses : ndarray, shape (S,)
        The training signal at each step (curve training: :math:`L(\\theta(t_s))` at the sampled ``t`` on
        the step's examples, before the step;
        path search: the maximum sampled loss on the path before the step).
    history : dict of ndarrays
        Barrier checkpoints: ``"step"``, ``"barrier"`` (loss barrier on 61 points), ``"loss_evaluations"``
        (cumulative loss-evaluation count, gradients counted as in :func:`path_search_loss_evaluations`) and
        ``"seconds"`` (wall time, evaluation excluded) — for time-to-threshold measurements.
    method : str
        ``"curve training"`` or ``"numerical-gradient path search"``.
    stopped_at : int or None
        Number of steps taken when a stop condition fired: ``target_barrier`` reached, the callback returned
        True, or a non-finite gradient (see ``message``); None when none fired.
    message : str
        A one-line summary for the student (steps, barrier before → after, or why it stopped).
    """

    path: Path
    initial_path: Path
    losses: np.ndarray
    history: dict = field(default_factory=dict)
    method: str = ""
    stopped_at: int | None = None
    message: str = ""

    @property
    def barriers(self) -> np.ndarray:
        return self.history["barrier"]


class _BarrierLog:
    """Records barrier checkpoints; time spent evaluating them is excluded from ``seconds``."""

    def __init__(self, objective, n_eval, eval_every, target, callback):
        self.objective, self.n_eval, self.eval_every = objective, n_eval, eval_every
        self.target, self.callback = target, callback
        self.rows = {"step": [], "barrier": [], "loss_evaluations": [], "seconds": []}
        self.excluded = 0.0
        self.start = time.perf_counter()

    def __call__(self, step, path, evaluations, force=False) -> bool:
        """Log at checkpoints; True when the run should stop (target reached or callback says so)."""
        if not force and step % self.eval_every:
            return False
        pause = time.perf_counter()
        barrier = barrier_height(self.objective.loss_batch(path.points(np.linspace(0, 1, self.n_eval))))
        elapsed = pause - self.start - self.excluded
        for key, value in zip(self.rows, (step, barrier, evaluations, elapsed)):
            self.rows[key].append(value)
        stop = self.target is not None and barrier <= self.target
        if self.callback is not None and self.callback(step, path, barrier):
            stop = True
        self.excluded += time.perf_counter() - pause
        return stop

    def history(self):
        return {k: np.array(v) for k, v in self.rows.items()}


def _common_path_args(objective, theta_a, theta_b, steps, lr, n_eval, eval_every, target_barrier, callback,
                      lr_optional=False):
    objective = as_objective(objective)
    a = check_vector(theta_a, "theta_a", objective.dim)
    b = check_vector(theta_b, "theta_b", objective.dim)
    steps = check_int(steps, "steps", low=0)
    if lr is not None or not lr_optional:  # optional: the update rule may hold its own rate (train_curve)
        lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    n_eval = check_int(n_eval, "n_eval", low=2)
    eval_every = check_int(eval_every, "eval_every", low=1)
    if target_barrier is not None:
        target_barrier = check_scalar(target_barrier, "target_barrier")
    if callback is not None:
        check_callable(callback, "callback")
    return objective, a, b, steps, lr, n_eval, eval_every, target_barrier


def train_curve(
    objective,
    theta_a,
    theta_b,
    *,
    kind: str = "bezier",
    n_bends: int = 1,
    steps: int = 500,
    lr: float | None = None,
    optimizer=None,
    batch_size: int | None = None,
    rng=0,
    bends0=None,
    eval_every: int = 25,
    n_eval: int = 61,
    target_barrier: float | None = None,
    callback: Callable | None = None,
) -> CurveTraining:
    r"""Train a curve between two minima with the endpoints fixed (Garipov et al. 2018).

    Minimises :math:`\mathbb E_{t\sim U(0,1)}\,L(\theta(t))` over the bends by stochastic gradients:
    each step draws one :math:`t`, and autograd differentiates :math:`L(\theta(t))` with respect to the
    bends through :math:`\theta(t) = \sum_k w_k(t)\,\text{node}_k`, which gives
    :math:`\partial L(\theta(t))/\partial\,\text{bend}_j = w_j(t)\,\nabla L(\theta(t))` — for the quadratic
    Bézier :math:`2t(1-t)\,\nabla L(\theta(t))`. One step costs one forward and one backward pass,
    whatever the number of parameters.

    Parameters
    ----------
    objective : Objective
        The training loss; with ``batch_size`` it must offer ``subset`` (an MLP does).
    theta_a, theta_b : array_like, shape (P,)
        The two minima (fixed).
    kind : {"bezier", "chain"}
    n_bends : int
        Number of bends, initialised equally spaced on the straight line (the curve then *is* the line).
    steps : int
        Number of stochastic gradient steps.
    lr : float, optional
        Learning rate handed to the update rule at every step (default 0.01). Leave it out when the rule holds
        its own rate — a constant or a schedule, e.g. ``optimizers.adam(learning_rate=optimizers.cosine_schedule(0.05, total_steps=500))``
        — as :func:`course_utils.optimizers.run` does.
    optimizer : course_utils.optimizers.Optimizer, optional
        Update rule (default ``optimizers.adam()``); it sees the flattened bends as its parameters.
    batch_size : int, optional
        Minibatch of examples per step (None: all examples).
    rng : Generator or int
        Draws ``t`` (and minibatches).
    bends0 : array_like, shape (n_bends, P), optional
        Initial bends instead of the straight line.
    eval_every, n_eval : int
        Log the loss barrier on ``n_eval`` points every ``eval_every`` steps (and at the start and end).
    target_barrier : float, optional
        Stop once the logged barrier is at or below this value.
    callback : callable, optional
        ``callback(step, path, barrier)`` at each checkpoint; return True to stop.

    Returns
    -------
    CurveTraining
    """
    from . import optimizers
    from .optimizers.run import take_step  # the optimizers' one step (an unchecked helper)

    objective, a, b, steps, lr, n_eval, eval_every, target_barrier = _common_path_args(
        objective, theta_a, theta_b, steps, lr, n_eval, eval_every, target_barrier, callback, lr_optional=True)
    kind = check_option(kind, "kind", ["bezier", "chain"])
    n_bends = check_int(n_bends, "n_bends", low=1)
    rng = check_rng(rng)
    opt = optimizers.adam() if optimizer is None else optimizer
    if not isinstance(opt, optimizers.Optimizer):
        raise TypeError(f"`optimizer` must be an Optimizer (e.g. optimizers.adam()), got {type(opt).__name__}")
    if opt.learning_rate is not None:  # a complete rule counts its own steps: update() gets lr=None
        if lr is not None:
            raise ValueError(f"`lr` was given but {opt.name!r} holds its own learning rate: leave `lr` out")
    elif lr is None:
        lr = 0.01
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
        if not hasattr(objective, "subset"):
            raise TypeError(f"`batch_size` needs an objective with data; {objective.name!r} has none")
        batch_size = min(batch_size, objective.n_examples)
    P = objective.dim
    if bends0 is None:
        # Control points equally spaced on the segment: the Bézier curve (and the chain) is the line itself.
        s = np.arange(1, n_bends + 1)[:, None] / (n_bends + 1)
        bends = (1 - s) * a + s * b
    else:
        bends = check_array(bends0, "bends0", ndim=(1, 2))
        if bends.shape[-1] != P or bends.size != n_bends * P:
            raise ValueError(f"`bends0` must have shape ({n_bends}, {P}), got {bends.shape}")
        bends = bends.reshape(n_bends, P)
    path0 = Path(kind, np.vstack([a, bends, b]))
    n_nodes = n_bends + 2

    def grad_fn(flat_bends, t, obj):
        # theta(t) is linear in the bends, theta = w_0 a + sum_k w_k beta_k + w_K b, so by the chain rule
        # dL/dbeta_k = w_k grad L(theta(t)): one loss and one gradient of the objective, whatever computes them
        # (autograd for the course's models, a student's own `grad` method for theirs).
        w = _basis(kind, n_nodes, np.array([t]))[0]  # (K,)
        theta = w[0] * a + w[-1] * b + w[1:-1] @ flat_bends.reshape(n_bends, P)
        return obj.unchecked_loss(theta), np.outer(w[1:-1], obj.unchecked_grad(theta)).ravel()

    flat = bends.ravel().copy()
    state = opt.init(flat)
    log = _BarrierLog(objective, n_eval, eval_every, target_barrier, callback)
    losses, stopped_at = [], None
    # the minibatch sampler of optimizers.run, on the same generator as the curve parameter t (drawn first)
    sampler = None if batch_size is None else optimizers.MinibatchSampler(objective.n_examples, batch_size, rng)
    # A gradient step costs one forward and one backward pass: counted as 2 loss evaluations per example
    # set, and checkpoints are free (they are measurement, not method).
    evaluations = 0
    stop = log(0, path0, evaluations, force=True)
    stopped_at = 0 if stop else None
    message = ""
    with np.errstate(all="ignore"):
        for step in range(steps if not stop else 0):
            t = float(rng.random())
            obj = objective if sampler is None else objective.subset(sampler.next())
            value, g = grad_fn(flat, t, obj)
            g = np.asarray(g, dtype=float)
            evaluations += 2
            losses.append(float(value))
            if not np.all(np.isfinite(g)):
                message = f"curve training: gradient not finite at step {step + 1}; stopped"
                stopped_at = step
                break
            flat, state = take_step(opt, g, state, flat, lr, optimizers.Oracle(obj, step, rng))
            if log(step + 1, path0.with_bends(flat), evaluations, force=step + 1 == steps):
                stopped_at = step + 1
                break
    path = path0.with_bends(flat)
    if not message:
        barrier = log.rows["barrier"][-1]
        message = f"curve training ({kind}, {n_bends} bend{'s' * (n_bends > 1)}): {len(losses)} steps, " \
                  f"barrier {log.rows['barrier'][0]:.3g} → {barrier:.3g}"
    return CurveTraining(path=path, initial_path=path0, losses=np.array(losses), history=log.history(),
                         method="curve training", stopped_at=stopped_at, message=message)


# --------------------------------------------------------------------------------------------
# The straightforward approach: numerical gradients of the path's maximum loss
# --------------------------------------------------------------------------------------------
def path_search_loss_evaluations(dim: int, n_bends: int = 1, samples_per_segment: int = 10) -> int:
    r"""Loss evaluations one step of :func:`numerical_gradient_path_search` costs.

    One evaluation of the path's maximum samples ``samples_per_segment`` points on each of the
    ``n_bends + 1`` segments; a forward-difference gradient needs it once at the current bends and once per
    coordinate of the bends: :math:`(n_\text{bends}\,P + 1)(n_\text{bends}+1)\,s`. Curve training needs one
    forward and one backward pass (≈ 2 evaluations) per step, independent of :math:`P`.

    Parameters
    ----------
    dim : int
        Number of parameters :math:`P` of the model, at least 1.
    n_bends : int, default 1
        Number of bends of the chain, at least 1.
    samples_per_segment : int, default 10
        Points sampled per segment, at least 2.

    Returns
    -------
    int
    """
    dim = check_int(dim, "dim", low=1)
    n_bends = check_int(n_bends, "n_bends", low=1)
    samples_per_segment = check_int(samples_per_segment, "samples_per_segment", low=2)
    return (n_bends * dim + 1) * (n_bends + 1) * samples_per_segment


def numerical_gradient_path_search(
    objective,
    theta_a,
    theta_b,
    *,
    n_bends: int = 1,
    steps: int = 100,
    lr: float = 0.01,
    eps: float = 1e-5,
    samples_per_segment: int = 10,
    eval_every: int = 1,
    n_eval: int = 61,
    target_barrier: float | None = None,
    callback: Callable | None = None,
) -> CurveTraining:
    r"""A path search by numerical gradients, for comparison with curve training: gradient descent on the
    path's maximum loss, gradient by forward differences, one coordinate at a time.

    The path is the polygonal chain through the bends (initialised equally spaced on the straight line); its
    cost is :math:`c(\beta) = \max_{s} L(\theta_s)` over ``samples_per_segment`` points per segment, and a
    step is :math:`\beta \leftarrow \beta - \eta\,\hat g` with
    :math:`\hat g_i = (c(\beta + \varepsilon e_i) - c(\beta))/\varepsilon`. Each step costs
    :func:`path_search_loss_evaluations` loss evaluations — :math:`P` times more than curve training — and
    the maximum is not differentiable, so :math:`\hat g` only sees the single worst sample. (The perturbed
    costs are evaluated in batches here, which is kinder to this method than a Python loop.)

    Parameters are as in :func:`train_curve`; ``eps`` is the finite-difference step.

    Parameters
    ----------
    objective : Objective
        The loss; its ``loss_batch`` evaluates the sampled points.
    theta_a, theta_b : array_like, shape (P,)
        The two minima (fixed).
    n_bends : int, default 1
        Number of inner nodes of the chain, at least 1.
    steps : int, default 100
        Number of gradient steps, at least 0.
    lr : float, default 0.01
        Learning rate :math:`\eta`, positive.
    eps : float, default 1e-5
        Forward-difference step :math:`\varepsilon`, positive.
    samples_per_segment : int, default 10
        Points sampled on each segment (endpoints of the segment included) to estimate the maximum; at least 2.
    eval_every : int, default 1
        Log the loss barrier every ``eval_every`` steps (and at the start and end); at least 1.
    n_eval : int, default 61
        Number of equally spaced points on which the logged barrier is measured; at least 2.
    target_barrier : float, optional
        Stop once the logged barrier is at or below this value.
    callback : callable, optional
        ``callback(step, path, barrier)`` at each checkpoint; return True to stop.

    Returns
    -------
    CurveTraining
        ``losses`` holds :math:`c(\beta)` before each step; ``history`` the logged barriers (on ``n_eval``
        points of the chain) and cumulative loss evaluations.
    """
    objective, a, b, steps, lr, n_eval, eval_every, target_barrier = _common_path_args(
        objective, theta_a, theta_b, steps, lr, n_eval, eval_every, target_barrier, callback)
    n_bends = check_int(n_bends, "n_bends", low=1)
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)
    samples_per_segment = check_int(samples_per_segment, "samples_per_segment", low=2)
    P = objective.dim
    s = np.arange(1, n_bends + 1)[:, None] / (n_bends + 1)
    path0 = Path.chain(np.vstack([a, (1 - s) * a + s * b, b]))
    alphas = np.linspace(0.0, 1.0, samples_per_segment)
    per_cost = (n_bends + 1) * samples_per_segment
    n_coords = n_bends * P
    chunk = max(1, 2048 // per_cost)  # perturbed bend vectors per batched call

    def samples(nodes):
        """Sample points on every segment of chains ``nodes`` (B, K, P) -> (B, S, P)."""
        start, end = nodes[:, :-1, None, :], nodes[:, 1:, None, :]
        pts = (1 - alphas)[None, None, :, None] * start + alphas[None, None, :, None] * end
        return pts.reshape(nodes.shape[0], -1, P)

    def costs(flat_batch):
        """Max sampled loss for a batch of flattened bends (B, n_bends·P) -> (B,)."""
        B = flat_batch.shape[0]
        nodes = np.concatenate([np.broadcast_to(a, (B, 1, P)), flat_batch.reshape(B, n_bends, P),
                                np.broadcast_to(b, (B, 1, P))], axis=1)
        return objective.loss_batch(samples(nodes)).max(axis=1)

    flat = path0.bends.ravel().copy()
    log = _BarrierLog(objective, n_eval, eval_every, target_barrier, callback)
    evaluations, losses, stopped_at, message = 0, [], None, ""
    stop = log(0, path0, 0, force=True)
    stopped_at = 0 if stop else None
    with np.errstate(all="ignore"):
        for step in range(steps if not stop else 0):
            f0 = costs(flat[None, :])[0]
            g = np.empty(n_coords)
            for start in range(0, n_coords, chunk):
                idx = np.arange(start, min(n_coords, start + chunk))
                batch = np.repeat(flat[None, :], idx.size, axis=0)
                batch[np.arange(idx.size), idx] += eps
                g[idx] = (costs(batch) - f0) / eps
            evaluations += (n_coords + 1) * per_cost
            losses.append(float(f0))
            if not np.all(np.isfinite(g)):
                message = f"numerical-gradient path search: gradient not finite at step {step + 1}; stopped"
                stopped_at = step
                break
            flat = flat - lr * g
            if log(step + 1, path0.with_bends(flat), evaluations, force=step + 1 == steps):
                stopped_at = step + 1
                break
    path = path0.with_bends(flat)
    if not message:
        message = f"numerical-gradient path search: {len(losses)} steps, {evaluations} loss evaluations, " \
                  f"barrier {log.rows['barrier'][0]:.3g} → {log.rows['barrier'][-1]:.3g}"
    return CurveTraining(path=path, initial_path=path0, losses=np.array(losses), history=log.history(),
                         method="numerical-gradient path search", stopped_at=stopped_at, message=message)


# --------------------------------------------------------------------------------------------
# The plane through three parameter vectors
# --------------------------------------------------------------------------------------------
def plane_basis(theta_a, theta_b, theta_c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Origin and orthonormal basis of the plane through three points (Garipov et al.'s figure).

    ``origin = theta_a``, :math:`u = (\theta_b - \theta_a)/\|\cdot\|`, and :math:`v` is
    :math:`\theta_c - \theta_a` with its :math:`u` component removed, normalised. Returns
    ``(origin (P,), u (P,), v (P,))``; a point with plane coordinates :math:`(x, y)` is
    :math:`\text{origin} + x u + y v`.

    Parameters
    ----------
    theta_a : array_like, shape (P,)
        The origin of the plane.
    theta_b : array_like, shape (P,)
        Fixes the first axis :math:`u`; must differ from ``theta_a``.
    theta_c : array_like, shape (P,)
        Fixes the second axis :math:`v`; must not be (nearly) collinear with the other two.
    """
    a = check_vector(theta_a, "theta_a")
    b = check_vector(theta_b, "theta_b", a.size)
    c = check_vector(theta_c, "theta_c", a.size)
    u = b - a
    nu = np.linalg.norm(u)
    if nu == 0:
        raise ValueError("`theta_a` and `theta_b` coincide; they do not span a direction")
    u = u / nu
    v = (c - a) - ((c - a) @ u) * u
    nv = np.linalg.norm(v)
    if nv <= 1e-12 * max(1.0, np.linalg.norm(c - a)):
        raise ValueError("the three points are (nearly) collinear; they do not span a plane")
    return a, u, v / nv


@dataclass(frozen=True)
class PlaneGrid:
    """The loss on the plane through three parameter vectors.

    Parameters
    ----------
    x, y : ndarray, shape (R,), (C,)
        Plane coordinates (in parameter-space distance units).
    losses : ndarray, shape (R, C)
        ``losses[i, j]`` at ``origin + x[i] u + y[j] v`` (``indexing="ij"``).
    origin, u, v : ndarray, shape (P,)
        The plane's origin and orthonormal axes, as returned by :func:`plane_basis`.
    anchors : ndarray, shape (3, 2)
        Plane coordinates of the three points that defined the plane.
    """

    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray
    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    anchors: np.ndarray

    def project(self, points) -> np.ndarray:
        """Plane coordinates of parameter vectors ``(..., P)`` → ``(..., 2)`` (orthogonal projection).

        Parameters
        ----------
        points : array_like, shape (..., P)
            Parameter vectors, e.g. the points of a trained path to draw on the plane.
        """
        d = np.asarray(points, dtype=float) - self.origin
        return np.stack([d @ self.u, d @ self.v], axis=-1)

    def lift(self, coords) -> np.ndarray:
        """Parameter vectors at plane coordinates ``(..., 2)`` → ``(..., P)``.

        Parameters
        ----------
        coords : array_like, shape (..., 2)
            Plane coordinates :math:`(x, y)`; the result is ``origin + x u + y v``.
        """
        c = np.asarray(coords, dtype=float)
        return self.origin + c[..., :1] * self.u + c[..., 1:2] * self.v


def plane_grid(objective, theta_a, theta_b, theta_c, *, resolution: int = 41, margin: float = 0.2) -> PlaneGrid:
    """Evaluate the loss on a grid over the plane through three points (batched, one call).

    The grid covers the three points' plane coordinates plus ``margin`` times the extent on every side.

    Parameters
    ----------
    objective : Objective
        Its ``loss_batch`` is evaluated on the whole grid.
    theta_a, theta_b, theta_c : array_like, shape (P,)
        The three points that define the plane, as for :func:`plane_basis` (``theta_a`` is the origin).
    resolution : int, default 41
        Grid points along each axis, at least 2.
    margin : float, default 0.2
        Padding on each side as a fraction of the points' extent along that axis, at least 0.

    Returns
    -------
    PlaneGrid
    """
    objective = as_objective(objective)
    resolution = check_int(resolution, "resolution", low=2)
    margin = check_scalar(margin, "margin", low=0)
    origin, u, v = plane_basis(theta_a, theta_b, theta_c)
    pts = np.stack([origin, np.asarray(theta_b, float), np.asarray(theta_c, float)])
    anchors = np.stack([(pts - origin) @ u, (pts - origin) @ v], axis=1)
    lo, hi = anchors.min(axis=0), anchors.max(axis=0)
    pad = margin * (hi - lo)
    x = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    y = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(x, y, indexing="ij")
    grid = origin + gx[..., None] * u + gy[..., None] * v
    return PlaneGrid(x=x, y=y, losses=objective.loss_batch(grid), origin=origin, u=u, v=v, anchors=anchors)


# --------------------------------------------------------------------------------------------
# Permutation symmetry and weight matching
# --------------------------------------------------------------------------------------------
def _check_transform(model, perms, signs):
    for name, value in (("perms", perms), ("signs", signs)):
        if (value is not None or name == "perms") and (isinstance(value, (str, bytes)) or not hasattr(value, "__len__")):
            raise TypeError(f"`{name}` must be a list with one array per hidden layer ({len(model.hidden)}), "
                            f"got {type(value).__name__}")
    if len(perms) != len(model.hidden):
        raise ValueError(f"`perms` must hold one permutation per hidden layer ({len(model.hidden)}), got {len(perms)}")
    checked_p, checked_s = [], []
    for i, (p, width) in enumerate(zip(perms, model.hidden)):
        p = np.asarray(p)
        if p.shape != (width,) or not np.issubdtype(p.dtype, np.integer) or \
                not np.array_equal(np.sort(p), np.arange(width)):
            raise ValueError(f"`perms[{i}]` must be a permutation of range({width}), got {p!r}")
        checked_p.append(p.astype(int))
    if signs is None:
        checked_s = [np.ones(w) for w in model.hidden]
    else:
        if len(signs) != len(model.hidden):
            raise ValueError(f"`signs` must hold one sign vector per hidden layer ({len(model.hidden)}), "
                             f"got {len(signs)}")
        for i, (sg, width) in enumerate(zip(signs, model.hidden)):
            sg = np.asarray(sg, dtype=float)
            if sg.shape != (width,) or not np.all(np.abs(sg) == 1):
                raise ValueError(f"`signs[{i}]` must be {width} entries of ±1, got {signs[i]!r}")
            checked_s.append(sg)
        if model.activation == "relu" and any(np.any(sg < 0) for sg in checked_s):
            raise ValueError("sign flips preserve the function only for odd activations (tanh, linear), "
                             "not for relu")
    return checked_p, checked_s


def permute_hidden_units(model, theta, perms: Sequence, signs: Sequence | None = None) -> np.ndarray:
    r"""Reorder (and, for odd activations, sign-flip) hidden units; the network computes the same function.

    For hidden layer :math:`\ell` with permutation :math:`\pi_\ell`, unit :math:`j` of the new network is
    unit :math:`\pi_\ell(j)` of the old one: the columns of :math:`W_\ell` and the entries of :math:`b_\ell`
    are taken in the order :math:`\pi_\ell`, and so are the rows of :math:`W_{\ell+1}`, which undoes it
    downstream. With ``signs`` :math:`s_\ell \in \{\pm1\}^{h_\ell}` the new unit :math:`j` is also
    multiplied by :math:`s_{\ell j}` on both sides — the function is unchanged when the activation is odd
    (:math:`\tanh(-z) = -\tanh z`).

    Parameters
    ----------
    model : MLP
    theta : array_like, shape (P,)
    perms : sequence of array_like
        One permutation of ``range(width)`` per hidden layer.
    signs : sequence of array_like, optional
        One vector of ±1 per hidden layer (odd activations only).

    Returns
    -------
    ndarray, shape (P,)
    """
    _check_model(model)
    theta = check_vector(theta, "theta", model.dim)
    perms, signs = _check_transform(model, perms, signs)
    if model.residual and any(W.shape[0] == W.shape[1] for W, _ in model.unflatten(theta)[1:-1]):
        raise ValueError("permuting a residual MLP needs the same permutation on skip-connected layers; "
                         "use residual=False")
    layers = [(W.copy(), None if b is None else b.copy()) for W, b in model.unflatten(theta)]
    for i, (p, sg) in enumerate(zip(perms, signs)):
        W, b = layers[i]
        layers[i] = (W[:, p] * sg, None if b is None else b[p] * sg)
        W_next, b_next = layers[i + 1]
        layers[i + 1] = (W_next[p, :] * sg[:, None], b_next)
    return model.flatten(layers)


def random_permutations(model, rng) -> list[np.ndarray]:
    """One random permutation per hidden layer of ``model``.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` (any other type raises ``TypeError``).
    rng : Generator or int
        Source of randomness, or an integer seed (``None`` is refused).

    Returns
    -------
    list of ndarray
        One permutation of ``range(width)`` per hidden layer, ready for :func:`permute_hidden_units`.
    """
    _check_model(model)
    rng = check_rng(rng)
    return [rng.permutation(width) for width in model.hidden]


@dataclass(frozen=True)
class Alignment:
    r"""The result of :func:`weight_matching`.

    Parameters
    ----------
    theta : ndarray, shape (P,)
        The second network with its hidden units permuted (and sign-flipped) to match the reference; it
        computes the same function as before.
    perms, signs : list of ndarray
        The transform of each hidden layer (as for :func:`permute_hidden_units`).
    distance_before, distance_after : float
        :math:`\|\theta_\text{ref} - \theta\|` before and after alignment.
    sweeps : int
        Coordinate-descent sweeps over the layers until no permutation changed.
    """

    theta: np.ndarray
    perms: list
    signs: list
    distance_before: float
    distance_after: float
    sweeps: int


def weight_matching(model, theta_ref, theta, *, flip_signs: bool | None = None, max_sweeps: int = 20) -> Alignment:
    r"""Permute the hidden units of ``theta`` to bring it as close as possible to ``theta_ref``.

    Ainsworth et al. (2023), "Git Re-Basin": maximise :math:`\sum_\ell \langle W^\text{ref}_\ell,
    P_\ell W_\ell P_{\ell-1}^\top\rangle` over permutation matrices. For hidden layer :math:`\ell` with the
    other permutations fixed this is a linear assignment problem: unit :math:`j` of the reference and unit
    :math:`k` of ``theta`` score the inner product of their incoming weights and bias plus that of their
    outgoing weights,

    .. math:: S_{jk} = \langle W^\text{ref}_{\ell}[:, j], W_{\ell}[:, k]\rangle + b^\text{ref}_j b_k
              + \langle W^\text{ref}_{\ell+1}[j, :], W_{\ell+1}[k, :]\rangle,

    solved by ``scipy.optimize.linear_sum_assignment``. With one hidden layer one solve is exact; with more,
    the layers are swept until nothing changes (coordinate descent).

    For an odd activation (tanh), flipping the sign of a unit's incoming and outgoing weights is a second
    symmetry; with ``flip_signs`` (default: on for tanh and linear) a pair scores :math:`|S_{jk}|` and the
    unit is flipped when :math:`S_{jk} < 0`.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` (any other type raises ``TypeError``).
    theta_ref : array_like, shape (P,)
        The reference network, left unchanged.
    theta : array_like, shape (P,)
        The network whose hidden units are permuted.
    flip_signs : bool, optional
        Also allow sign flips. None (default) means True for tanh and linear activations, False for relu;
        True with relu raises ``ValueError``.
    max_sweeps : int, default 20
        Maximum number of sweeps over the hidden layers, at least 1.

    Returns
    -------
    Alignment
    """
    from scipy.optimize import linear_sum_assignment

    _check_model(model)
    ref = check_vector(theta_ref, "theta_ref", model.dim)
    theta = check_vector(theta, "theta", model.dim)
    if flip_signs is None:
        flip_signs = model.activation != "relu"
    elif not isinstance(flip_signs, (bool, np.bool_)):
        raise TypeError(f"`flip_signs` must be True, False or None, got {flip_signs!r}")
    if flip_signs and model.activation == "relu":
        raise ValueError("`flip_signs` = True needs an odd activation (tanh, linear); relu(-z) ≠ -relu(z)")
    max_sweeps = check_int(max_sweeps, "max_sweeps", low=1)
    ref_layers = model.unflatten(ref)
    perms = [np.arange(w) for w in model.hidden]
    signs = [np.ones(w) for w in model.hidden]
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        changed = False
        for i in range(len(model.hidden)):
            cur = model.unflatten(permute_hidden_units(model, theta, perms, signs))
            (Wr, br), (Wr_next, _) = ref_layers[i], ref_layers[i + 1]
            (Wc, bc), (Wc_next, _) = cur[i], cur[i + 1]
            S = Wr.T @ Wc + Wr_next @ Wc_next.T
            if br is not None:
                S = S + np.outer(br, bc)
            rows, cols = linear_sum_assignment(np.abs(S) if flip_signs else S, maximize=True)
            flips = np.where(S[rows, cols] < 0, -1.0, 1.0) if flip_signs else np.ones(cols.size)
            if not np.array_equal(cols, np.arange(cols.size)) or np.any(flips < 0):
                # Compose with the transform so far: new unit j = flips_j · (current unit cols_j).
                perms[i], signs[i] = perms[i][cols], signs[i][cols] * flips
                changed = True
        if not changed:
            break
    aligned = permute_hidden_units(model, theta, perms, signs)
    return Alignment(theta=aligned, perms=perms, signs=signs, distance_before=float(np.linalg.norm(ref - theta)),
                     distance_after=float(np.linalg.norm(ref - aligned)), sweeps=sweeps)


def aligned_line(model, theta_a, theta_b, *, flip_signs: bool | None = None) -> Path:
    r"""The straight line from ``theta_a`` to ``theta_b`` after weight matching ``theta_b`` to ``theta_a``.

    :math:`\theta(t) = (1-t)\,\theta_a + t\,\pi(\theta_b)`, where :math:`\pi(\theta_b)` is
    :func:`weight_matching`'s relabelling of ``theta_b`` (same function, hidden units permuted and, for tanh,
    sign-flipped to be closest to ``theta_a``). Ainsworth et al. (2023) found this line nearly free of a barrier
    for wide enough networks; its end point is a different vector from ``theta_b`` but the same network.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP`.
    theta_a, theta_b : array_like, shape (P,)
        The two networks; ``theta_a`` stays fixed, ``theta_b`` is relabelled.
    flip_signs : bool, optional
        As in :func:`weight_matching`.

    Returns
    -------
    Path
        A straight line (no bends) from ``theta_a`` to the aligned ``theta_b``.
    """
    _check_model(model)
    theta_a = check_vector(theta_a, "theta_a", model.dim)
    theta_b = check_vector(theta_b, "theta_b", model.dim)
    return Path.line(theta_a, weight_matching(model, theta_a, theta_b, flip_signs=flip_signs).theta)


def train_lockstep(objective, starts, *, steps: int = 400, lr: float = 0.02, noise: float = 0.0,
                   anneal_noise: bool = False, rng=None) -> np.ndarray:
    r"""Train several networks side by side with full-batch Adam, one batched gradient per step.

    Each row of ``starts`` follows its own Adam trajectory (:math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`,
    :math:`\epsilon = 10^{-8}`, bias-corrected, as :func:`course_utils.optimizers.adam`), so row ``k`` ends where
    a separate full-batch run from ``starts[k]`` would; the rows share only the call to ``grad_batch``. That is
    what makes the chapter's many small trainings cheap: the per-call overhead is paid once per step.

    With ``noise`` > 0 every gradient gets independent Gaussian noise, :math:`g_k + \sigma\,\xi_k`,
    :math:`\xi_k \sim \mathcal N(0, I)` — a stand-in for minibatch noise: rows that start at the same point
    then follow different noisy trajectories. With ``anneal_noise`` the scale falls linearly,
    :math:`\sigma_t = \sigma\,(1 - (t-1)/T)` at step :math:`t` of :math:`T`, so the last steps are nearly
    noise-free and each row settles into the minimum it has reached (as minibatch noise fades when every
    example is fitted).

    Parameters
    ----------
    objective : Objective
        Its ``grad_batch`` gives the gradients of all rows at once.
    starts : array_like, shape (K, P)
        The K starting points (finite).
    steps : int or array_like of int, default 400
        Number of Adam steps, at least 0: one for all rows, or one per row (shape ``(K,)``; a row stops
        moving after its own count, e.g. copies spawned at step :math:`k` train :math:`T - k` more steps).
    lr : float, default 0.02
        Learning rate, positive.
    noise : float, default 0
        Standard deviation :math:`\sigma` of the gradient noise, at least 0.
    anneal_noise : bool, default False
        Let the noise scale fall linearly from ``noise`` at the first step to 0 after the last.
    rng : numpy.random.Generator or int, optional
        Source of the noise; required when ``noise`` > 0.

    Returns
    -------
    ndarray, shape (K, P)
        The K trained parameter vectors.
    """
    objective = as_objective(objective)
    thetas = check_array(starts, "starts", shape=(None, objective.dim)).astype(float).copy()
    if np.ndim(steps) == 0:
        row_steps = np.full(thetas.shape[0], check_int(steps, "steps", low=0))
    else:
        row_steps = np.array([check_int(n, "steps", low=0) for n in np.asarray(steps).ravel()])
        if np.shape(steps) != (thetas.shape[0],):
            raise ValueError(f"`steps` has shape {np.shape(steps)}; expected one count per row of `starts`, "
                             f"shape ({thetas.shape[0]},)")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    noise = check_scalar(noise, "noise", low=0)
    if not isinstance(anneal_noise, (bool, np.bool_)):
        raise TypeError(f"`anneal_noise` must be True or False, got {anneal_noise!r}")
    if noise > 0:
        if rng is None:
            raise ValueError("`rng` is None, but `noise` > 0 needs a source of random numbers")
        rng = check_rng(rng)
    b1, b2, eps = 0.9, 0.999, 1e-8
    m, v = np.zeros_like(thetas), np.zeros_like(thetas)
    for t in range(1, int(row_steps.max(initial=0)) + 1):
        g = objective.grad_batch(thetas)
        if noise > 0:
            # each row's noise falls over its own run; rows that have stopped draw too (and ignore it), so the
            # draws of a row do not depend on the other rows' step counts
            scale = noise * np.clip(1 - (t - 1) / np.maximum(row_steps, 1), 0, 1) if anneal_noise else \
                np.full(row_steps.shape, noise)
            g = g + scale[:, None] * rng.standard_normal(g.shape)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        moving = (t <= row_steps)[:, None]
        thetas = np.where(moving, thetas - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), thetas)
    return thetas


# --------------------------------------------------------------------------------------------
# Ensembles along a path
# --------------------------------------------------------------------------------------------
def ensemble_accuracy(model, thetas, X=None, y=None) -> float:
    """Accuracy of the ensemble that averages the predicted probabilities of ``thetas`` (shape ``(M, P)``).

    For binary cross-entropy the class-1 probabilities are averaged; for multi-class the softmax vectors.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` with cross-entropy loss (otherwise ``TypeError``/``ValueError``).
    thetas : array_like, shape (M, P)
        The ensemble members' parameter vectors, e.g. points along a trained curve.
    X : array_like, shape (N, d), optional
        Inputs to classify (default: the model's own training inputs).
    y : array_like, shape (N,), optional
        Class labels of ``X``, rounded to integers (default: the model's own targets ``model.y``).

    Returns
    -------
    float
        Fraction of examples classified correctly.
    """
    _check_model(model)
    if model.loss_name != "cross_entropy":
        raise ValueError("`ensemble_accuracy` averages probabilities; it needs a cross-entropy MLP")
    thetas = check_array(thetas, "thetas", ndim=2, shape=(None, model.dim))
    y = model.y if y is None else check_array(y, "y", ndim=1)
    probs = np.mean([model.predict(t, X) for t in thetas], axis=0)
    labels = np.argmax(probs, axis=1) if probs.ndim == 2 else (probs > 0.5).astype(int)
    if labels.shape[0] != y.shape[0]:
        raise ValueError(f"`y` must have {labels.shape[0]} entries, got {y.shape[0]}")
    return float(np.mean(labels == np.round(y).astype(int)))
