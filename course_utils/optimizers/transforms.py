r"""Gradient transformations: small pure ``init``/``update`` pairs that compose (in optax's shape).

A :class:`GradientTransformation` turns the incoming *updates* (at the start of a chain: the gradient) into
new updates, carrying a state of its own::

    state = tx.init(theta)
    updates, state = tx.update(grad, state, theta, lr, oracle)

:func:`chain` runs several in order, each feeding the next, e.g. Adam is
``chain(scale_by_adam(), scale_by_learning_rate())``. States are NamedTuples with named fields
(``ScaleByAdamState(count, mu, nu)``), so ``print(state)`` tells a student what the rule remembers.

The last two arguments of ``update`` are the course's additions to optax's shape:

``lr``
    the learning rate the *caller* supplies (``run(..., lr=0.1)``), consumed by a
    ``scale_by_learning_rate()`` built without a rate of its own. A chain whose ``scale_by_learning_rate``
    holds its rate (``scale_by_learning_rate(0.1)``) must be called with ``lr=None``: the rate comes from
    exactly one place (see the package docstring).
``oracle``
    an :class:`Oracle` for what a rule may ask beyond the gradient at this step: the Hessian
    (:func:`scale_by_newton`), a gradient elsewhere (:func:`sam_gradient`, :func:`perturb_near_saddles`),
    random numbers (:func:`add_noise`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..validation import check_bool, check_int, check_rng, check_scalar, check_str, check_vector, short_repr
from .schedules import LearningRate, as_schedule

__all__ = [
    "GradientTransformation",
    "Oracle",
    "EmptyState",
    "TraceState",
    "ScaleByRmsState",
    "ScaleByAdagradState",
    "ScaleByAdamState",
    "ScaleByLearningRateState",
    "PerturbNearSaddlesState",
    "chain",
    "scale_by_learning_rate",
    "scale_by_momentum",
    "scale_by_nesterov",
    "scale_by_rms",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_newton",
    "scale_by_saddle_free_newton",
    "add_noise",
    "add_decayed_weights",
    "clip_by_global_norm",
    "sam_gradient",
    "perturb_near_saddles",
    "uniform_ball",
    "sam_perturbation",
]

#: ``update(updates, state, params=None, lr=None, oracle=None) -> (updates, state)``
UpdateFn = Callable[..., tuple[np.ndarray, Any]]
InitFn = Callable[[np.ndarray], Any]


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init(params) -> state`` and ``update(updates, state, params, lr, oracle)``.

    ``update`` returns ``(new_updates, new_state)``; at the end of a chain the updates are the step to add
    to ``theta`` (already multiplied by the learning rate, sign included).

    Parameters
    ----------
    init, update : callable
        As above; ``params``, ``lr`` and ``oracle`` of ``update`` default to ``None``.
    name : str
        What plots and messages call the rule ("Adam", "momentum (β=0.9)"). Default ``""``.
    learning_rate : float, schedule, or None
        The rate the transformation applies itself (set by ``scale_by_learning_rate(rate)`` and carried by
        :func:`chain`); ``None`` (the default) when the rate comes from the caller's ``lr`` or is not used
        at all.
    """

    init: InitFn
    update: UpdateFn
    name: str = ""
    learning_rate: LearningRate | None = None


class Oracle:
    """What an update rule may ask of the objective at one step.

    Built by the optimizer loop at every step; the arguments are stored as attributes of the same names and
    are not validated.

    Parameters
    ----------
    objective : Objective
        The objective on the current minibatch (the full objective for full-batch runs).
    step : int
        The step number ``t`` (0-based).
    rng : numpy.random.Generator
        The run's generator, for rules that draw (perturbed GD, noisy GD).
    """

    def __init__(self, objective: Any, step: int, rng: np.random.Generator):
        self.objective = objective
        self.step = step
        self.rng = rng

    def loss(self, theta: Any) -> float:
        """The loss of :attr:`objective` at ``theta``, unvalidated (converted to a float64 array).

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector of the objective's dimension; its shape and finiteness are not checked.

        Returns
        -------
        float
        """
        return float(self.objective.unchecked_loss(np.asarray(theta, dtype=float)))

    def grad(self, theta: Any) -> np.ndarray:
        """The gradient of :attr:`objective` at ``theta``, shape ``(P,)``, unvalidated.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector of the objective's dimension; its shape and finiteness are not checked.
        """
        return self.objective.unchecked_grad(np.asarray(theta, dtype=float))

    def hessian(self, theta: Any) -> np.ndarray:
        """The dense Hessian of :attr:`objective` at ``theta``, shape ``(P, P)`` (validated by the objective).

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P`` finite entries, ``P`` the objective's dimension.
        """
        return self.objective.hessian(theta)

    def hvp(self, theta: Any, v: Any) -> np.ndarray:
        """The Hessian-vector product of :attr:`objective` at ``theta``, shape ``(P,)`` (validated).

        Parameters
        ----------
        theta : array_like, shape (P,)
            Where the Hessian is taken: ``P`` finite entries, ``P`` the objective's dimension.
        v : array_like, shape (P,)
            The vector the Hessian multiplies.
        """
        return self.objective.hvp(theta, v)


# --------------------------------------------------------------------------------------------
# States: NamedTuples a student can print
# --------------------------------------------------------------------------------------------
class EmptyState(NamedTuple):
    """The state of a stateless transformation; equal to ``()``."""


class TraceState(NamedTuple):
    """Momentum's velocity :math:`v` (``trace``), shape (P,).

    Parameters
    ----------
    trace : numpy.ndarray, shape (P,)
        The velocity after the last update (zeros after ``init``).
    """

    trace: np.ndarray


class ScaleByRmsState(NamedTuple):
    r"""RMSProp's running mean of squared gradients :math:`s` (``nu``), shape (P,).

    Parameters
    ----------
    nu : numpy.ndarray, shape (P,)
        The exponential moving average of the squared updates, per coordinate (zeros after ``init``).
    """

    nu: np.ndarray


class ScaleByAdagradState(NamedTuple):
    r"""Adagrad's sum of squared gradients :math:`s` (``sum_of_squares``), shape (P,).

    Parameters
    ----------
    sum_of_squares : numpy.ndarray, shape (P,)
        The sum of the squared updates seen so far, per coordinate (zeros after ``init``).
    """

    sum_of_squares: np.ndarray


class ScaleByAdamState(NamedTuple):
    r"""Adam's step ``count`` :math:`t` and moment estimates ``mu`` (:math:`m`) and ``nu`` (:math:`v`), shape (P,).

    Parameters
    ----------
    count : int
        The number of updates taken, :math:`t` (0 after ``init``); it sets the bias corrections.
    mu : numpy.ndarray, shape (P,)
        The first-moment estimate :math:`m`, before bias correction.
    nu : numpy.ndarray, shape (P,)
        The second-moment estimate :math:`v` (of the squared updates), before bias correction.
    """

    count: int  # type: ignore[assignment]  # optax's field name; shadows tuple.count, as in optax
    mu: np.ndarray
    nu: np.ndarray


class ScaleByLearningRateState(NamedTuple):
    """The number of steps taken (``count``): the schedule is evaluated at ``count`` 0, 1, 2, …

    Parameters
    ----------
    count : int
        The number of updates taken so far (0 after ``init``): the step at which the schedule is evaluated next.
    """

    count: int  # type: ignore[assignment]  # optax's field name; shadows tuple.count, as in optax


class PerturbNearSaddlesState(NamedTuple):
    r"""Perturbed GD's bookkeeping: when it last jumped, from where, and whether it has stopped.

    Parameters
    ----------
    last_perturbation : int
        The step (``oracle.step``) of the last jump; ``-(t_thres + 1)`` after ``init``, so a jump may come at once.
    n_perturbations : int
        How many jumps have been made so far.
    inner : Any
        The state of the wrapped rule.
    anchor : ndarray of shape (P,) or None, default None
        :math:`\tilde\theta`, the point the last jump was made from (``None`` before the first jump).
    anchor_loss : float, default nan
        :math:`L(\tilde\theta)`, the loss there.
    stopped : bool, default False
        True once the termination rule has fired: the run returned to :math:`\tilde\theta` and every later
        update is zero. :func:`~course_utils.optimizers.run` ends a run whose state says ``stopped`` (it is
        recorded as ``converged_at``).
    """

    last_perturbation: int
    n_perturbations: int
    inner: Any
    anchor: Any = None
    anchor_loss: float = float("nan")
    stopped: bool = False


def _is_empty(state: Any) -> bool:
    return isinstance(state, tuple) and len(state) == 0


def _check_transformation(value: Any, name: str) -> GradientTransformation:
    if not isinstance(value, GradientTransformation):
        raise TypeError(f"`{name}` must be a GradientTransformation such as optimizers.gd() or "
                        f"optimizers.scale_by_adam(), got {type(value).__name__}")
    return value


def _stateless(fn: Callable[[np.ndarray, Any, Any], np.ndarray], name: str) -> GradientTransformation:
    """A transformation without state from ``fn(updates, params, oracle) -> updates``."""

    def init(params: np.ndarray) -> EmptyState:
        return EmptyState()

    def update(updates: np.ndarray, state: Any, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, Any]:
        return fn(updates, params, oracle), state

    return GradientTransformation(init, update, name)


# --------------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------------
def chain(*transforms: GradientTransformation, name: str | None = None) -> GradientTransformation:
    r"""Apply ``transforms`` one after the other: each one's output updates are the next one's input.

    The state is the tuple of the members' states, in order — except that a chain of stateless members is
    itself stateless (its state is :class:`EmptyState`, equal to ``()``). At most one member may hold a
    learning rate; the chain carries it as ``learning_rate``.

    Parameters
    ----------
    *transforms : GradientTransformation
    name : str, optional
        The chain's name (default: the members' names joined by " → ").

    Examples
    --------
    >>> adam = chain(scale_by_adam(), scale_by_learning_rate(0.01))
    >>> state = adam.init(np.zeros(2))
    >>> state[0].count, state[1].count
    (0, 0)
    """
    for i, t in enumerate(transforms):
        _check_transformation(t, f"transforms[{i}]")
    name = check_str(name, "name", allow_none=True)
    rates = [t.learning_rate for t in transforms if t.learning_rate is not None]
    if len(rates) > 1:
        raise ValueError(f"`transforms` may hold at most one learning rate (the step's size comes from one place), "
                         f"got {len(rates)}")
    members = tuple(transforms)

    def init(params: np.ndarray) -> Any:
        states = tuple(t.init(params) for t in members)
        return EmptyState() if all(_is_empty(s) for s in states) else states

    def update(updates: np.ndarray, state: Any, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, Any]:
        inner = state if len(state) else (EmptyState(),) * len(members)
        new_states = []
        for t, s in zip(members, inner, strict=True):
            updates, s = t.update(updates, s, params, lr, oracle)
            new_states.append(s)
        return updates, (EmptyState() if all(_is_empty(s) for s in new_states) else tuple(new_states))

    if name is None:
        name = " → ".join(t.name for t in members)
    return GradientTransformation(init, update, name, rates[0] if rates else None)


# --------------------------------------------------------------------------------------------
# The learning rate
# --------------------------------------------------------------------------------------------
def scale_by_learning_rate(learning_rate: LearningRate | None = None, *,
                           flip_sign: bool = True) -> GradientTransformation:
    r"""Multiply the updates by :math:`-\eta_t` (by :math:`+\eta_t` with ``flip_sign=False``).

    With a rate (a number or a schedule ``t -> lr``) the state counts the steps and :math:`\eta_t` is the
    schedule at ``count`` 0, 1, 2, …; ``update`` must then be called with ``lr=None``. Without one,
    :math:`\eta_t` is the ``lr`` argument of ``update`` — what :func:`~course_utils.optimizers.run.run` passes
    from its own ``lr``.

    Parameters
    ----------
    learning_rate : float, schedule, or None
        :math:`\eta > 0`, or a schedule (see :mod:`~course_utils.optimizers.schedules`).
    flip_sign : bool
        Descend (the default): the update is :math:`-\eta_t u`.
    """
    flip_sign = check_bool(flip_sign, "flip_sign")
    sign = -1.0 if flip_sign else 1.0
    if learning_rate is None:
        def init(params: np.ndarray) -> EmptyState:
            return EmptyState()

        def update(updates: np.ndarray, state: Any, params: Any = None, lr: Any = None,
                   oracle: Any = None) -> tuple[np.ndarray, Any]:
            if lr is None:
                raise ValueError("no learning rate: pass `lr` to update (run(..., lr=0.1) does) or build the "
                                 "rule with one, e.g. scale_by_learning_rate(0.1) or adam(learning_rate=0.1)")
            return (-lr if flip_sign else lr) * updates, state

        return GradientTransformation(init, update, "scale_by_learning_rate")

    schedule = as_schedule(learning_rate, "learning_rate")

    def init_counted(params: np.ndarray) -> ScaleByLearningRateState:
        return ScaleByLearningRateState(count=0)

    def update_counted(updates: np.ndarray, state: ScaleByLearningRateState, params: Any = None, lr: Any = None,
                       oracle: Any = None) -> tuple[np.ndarray, ScaleByLearningRateState]:
        if lr is not None:
            raise ValueError(f"`lr` was given ({lr!r}) to a rule that holds its own learning rate; pass lr=None")
        eta = float(np.asarray(schedule(state.count)))
        return (sign * eta) * updates, ScaleByLearningRateState(count=state.count + 1)

    return GradientTransformation(init_counted, update_counted, "scale_by_learning_rate", learning_rate)


# --------------------------------------------------------------------------------------------
# Rescaling by first and second moments
# --------------------------------------------------------------------------------------------
def scale_by_momentum(beta: float = 0.9) -> GradientTransformation:
    r"""Heavy-ball momentum (Polyak): :math:`v \leftarrow \beta v + u`, output :math:`v`. State: :class:`TraceState`.

    Parameters
    ----------
    beta : float
        The momentum coefficient :math:`\beta`, in ``[0, 1)``. Default 0.9; 0 passes the updates through.
    """
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)

    def init(params: np.ndarray) -> TraceState:
        return TraceState(trace=np.zeros_like(params))

    def update(updates: np.ndarray, state: TraceState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, TraceState]:
        velocity = beta * state.trace + updates
        return velocity, TraceState(trace=velocity)

    return GradientTransformation(init, update, "scale_by_momentum")


def scale_by_nesterov(beta: float = 0.9) -> GradientTransformation:
    r"""Nesterov momentum, look-ahead form: :math:`v \leftarrow \beta v + u`, output :math:`u + \beta v`.

    State: :class:`TraceState` (the output uses the new :math:`v`).

    Parameters
    ----------
    beta : float
        The momentum coefficient :math:`\beta`, in ``[0, 1)``. Default 0.9.
    """
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)

    def init(params: np.ndarray) -> TraceState:
        return TraceState(trace=np.zeros_like(params))

    def update(updates: np.ndarray, state: TraceState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, TraceState]:
        velocity = beta * state.trace + updates
        return updates + beta * velocity, TraceState(trace=velocity)

    return GradientTransformation(init, update, "scale_by_nesterov")


def scale_by_adagrad(eps: float = 1e-8) -> GradientTransformation:
    r"""Adagrad: :math:`s \leftarrow s + u^2`, output :math:`u / (\sqrt{s} + \epsilon)`. State: :class:`ScaleByAdagradState`.

    Parameters
    ----------
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{s}`, which keeps the division finite. Default ``1e-8``.
    """
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(params: np.ndarray) -> ScaleByAdagradState:
        return ScaleByAdagradState(sum_of_squares=np.zeros_like(params))

    def update(updates: np.ndarray, state: ScaleByAdagradState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, ScaleByAdagradState]:
        s = state.sum_of_squares + updates**2
        return updates / (np.sqrt(s) + eps), ScaleByAdagradState(sum_of_squares=s)

    return GradientTransformation(init, update, "scale_by_adagrad")


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> GradientTransformation:
    r"""RMSProp: :math:`s \leftarrow \rho s + (1-\rho) u^2`, output :math:`u/(\sqrt{s}+\epsilon)`. State: :class:`ScaleByRmsState`.

    Parameters
    ----------
    decay : float
        The averaging coefficient :math:`\rho`, in ``[0, 1)``. Default 0.9.
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{s}`. Default ``1e-8``.
    """
    decay = check_scalar(decay, "decay", low=0, high=1, high_inclusive=False)
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(params: np.ndarray) -> ScaleByRmsState:
        return ScaleByRmsState(nu=np.zeros_like(params))

    def update(updates: np.ndarray, state: ScaleByRmsState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, ScaleByRmsState]:
        nu = decay * state.nu + (1 - decay) * updates**2
        return updates / (np.sqrt(nu) + eps), ScaleByRmsState(nu=nu)

    return GradientTransformation(init, update, "scale_by_rms")


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    r"""Adam's rescaling (Kingma & Ba 2015) with bias correction. State: :class:`ScaleByAdamState`.

    :math:`t \leftarrow t + 1`, :math:`m \leftarrow \beta_1 m + (1-\beta_1) u`,
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) u^2`, output :math:`\hat m / (\sqrt{\hat v} + \epsilon)` with
    :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.

    Parameters
    ----------
    b1 : float
        :math:`\beta_1`, the first-moment decay, in ``[0, 1)``. Default 0.9.
    b2 : float
        :math:`\beta_2`, the second-moment decay, in ``[0, 1)``. Default 0.999.
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{\hat v}`. Default ``1e-8``.
    """
    b1 = check_scalar(b1, "b1", low=0, high=1, high_inclusive=False)
    b2 = check_scalar(b2, "b2", low=0, high=1, high_inclusive=False)
    eps = check_scalar(eps, "eps", low=0, low_inclusive=False)

    def init(params: np.ndarray) -> ScaleByAdamState:
        return ScaleByAdamState(count=0, mu=np.zeros_like(params), nu=np.zeros_like(params))

    def update(updates: np.ndarray, state: ScaleByAdamState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, ScaleByAdamState]:
        t = state.count + 1
        mu = b1 * state.mu + (1 - b1) * updates
        nu = b2 * state.nu + (1 - b2) * updates**2
        mu_hat = mu / (1 - b1**t)
        nu_hat = nu / (1 - b2**t)
        return mu_hat / (np.sqrt(nu_hat) + eps), ScaleByAdamState(count=t, mu=mu, nu=nu)

    return GradientTransformation(init, update, "scale_by_adam")


# --------------------------------------------------------------------------------------------
# Curvature (chapter 4): rules that ask the oracle for the Hessian
# --------------------------------------------------------------------------------------------
def scale_by_newton(damping: float = 0.0) -> GradientTransformation:
    r"""Newton's rescaling: output :math:`(H + \lambda I)^{-1} u` with :math:`H` the Hessian at ``params``.

    Dense Hessian from ``oracle.hessian``: for small ``P``. A singular system falls back to least squares.

    Parameters
    ----------
    damping : float
        :math:`\lambda \ge 0` added to the diagonal. Default 0: the pure Newton step.
    """
    damping = check_scalar(damping, "damping", low=0)

    def direction(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        H = oracle.hessian(params) + damping * np.eye(params.size)
        try:
            return np.linalg.solve(H, updates)
        except np.linalg.LinAlgError:
            return np.linalg.lstsq(H, updates, rcond=None)[0]

    return _stateless(direction, "scale_by_newton")


def scale_by_saddle_free_newton(damping: float = 1e-3) -> GradientTransformation:
    r"""Saddle-free rescaling (Dauphin et al. 2014): output :math:`(|H| + \lambda I)^{-1} u`.

    With :math:`H = Q \Lambda Q^\top`, :math:`|H| = Q |\Lambda| Q^\top` (dense ``eigh`` of ``oracle.hessian``).

    Parameters
    ----------
    damping : float
        :math:`\lambda > 0` added to :math:`|\Lambda|`, which bounds the step along flat directions.
        Default ``1e-3``.
    """
    damping = check_scalar(damping, "damping", low=0, low_inclusive=False)

    def direction(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        values, vectors = np.linalg.eigh(oracle.hessian(params))
        return vectors @ ((vectors.T @ updates) / (np.abs(values) + damping))

    return _stateless(direction, "scale_by_saddle_free_newton")


# --------------------------------------------------------------------------------------------
# Noise and escapes (chapter 4)
# --------------------------------------------------------------------------------------------
def add_noise(sigma: float = 0.01) -> GradientTransformation:
    r"""Add isotropic Gaussian noise: output :math:`u + \sigma \xi`, :math:`\xi \sim \mathcal N(0, I)` from ``oracle.rng``.

    Parameters
    ----------
    sigma : float
        The noise's standard deviation :math:`\sigma \ge 0` per coordinate. Default 0.01; 0 adds nothing.
    """
    sigma = check_scalar(sigma, "sigma", low=0)

    def noisy(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        noise = sigma * oracle.rng.standard_normal(updates.size) if sigma > 0 else 0.0
        return updates + noise

    return _stateless(noisy, "add_noise")


def uniform_ball(rng: np.random.Generator, dim: int, radius: float) -> np.ndarray:
    r"""One draw from the uniform distribution on the ball :math:`\{\xi \in \mathbb R^d : \|\xi\| \le r\}`.

    A Gaussian direction normalised to the unit sphere, scaled by :math:`r U^{1/d}` with
    :math:`U \sim \mathcal U(0, 1)` (the volume of a ball grows like :math:`r^d`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator to draw from.
    dim : int
        The dimension :math:`d`, at least 1.
    radius : float
        The ball's radius :math:`r \ge 0`.

    Returns
    -------
    numpy.ndarray, shape (dim,)
    """
    rng = check_rng(rng)
    dim = check_int(dim, "dim", low=1)
    radius = check_scalar(radius, "radius", low=0)
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    return radius * rng.uniform() ** (1.0 / dim) * direction


def perturb_near_saddles(inner: GradientTransformation | None = None, radius: float = 0.1, g_thres: float = 1e-3,
                         t_thres: int = 10, f_thres: float | None = None) -> GradientTransformation:
    r"""Jump by :math:`\xi` when the gradient is small, then let ``inner`` step from there (Jin et al. 2017).

    A wrapper, like optax's ``apply_if_finite``: when :math:`\|u\| \le g_{\text{thres}}` and no jump happened
    in the last :math:`t_{\text{thres}}` steps, remember :math:`\tilde\theta = \theta` and its loss, draw
    :math:`\xi` uniform in the ball of radius :math:`r` (from ``oracle.rng``) and return
    :math:`\xi + \text{inner}(\nabla L(\tilde\theta + \xi))` — the jump plus the inner rule's step from
    :math:`\tilde\theta + \xi`; otherwise return :math:`\text{inner}(u)`.

    **Termination** (Jin et al. 2017, Algorithm 2, the ``return`` line): with ``f_thres`` given, exactly
    :math:`t_{\text{thres}}` steps after a jump the rule compares losses; if

    .. math:: L(\theta_t) - L(\tilde\theta) > -f_{\text{thres}},

    the jump did not lead downhill by at least :math:`f_{\text{thres}}`: no negative curvature was found near
    :math:`\tilde\theta`, which is then returned as the answer (an approximate second-order stationary point).
    The update moves back to :math:`\tilde\theta`, the state says ``stopped``, and every later update is zero.
    Without it (``f_thres=None``) the rule jumps again every :math:`t_{\text{thres}} + 1` steps forever, also
    at a minimum. The test is only meaningful if :math:`t_{\text{thres}}` steps suffice to escape a saddle
    with a gain of :math:`f_{\text{thres}}`; Jin et al. choose both from the curvature bounds (their
    :math:`t_{\text{thres}} \propto \ell/\sqrt{\rho\varepsilon}` up to logarithms).
    State: :class:`PerturbNearSaddlesState`.

    Parameters
    ----------
    inner : GradientTransformation, optional
        The rule that steps (default ``scale_by_learning_rate()``: gradient descent).
    radius, g_thres, t_thres
        :math:`r`, the small-gradient threshold, and the minimum number of steps between two jumps (also the
        waiting time before the termination test).
    f_thres : float or None, default None
        Minimum loss decrease, ``>= 0``, that a jump must buy within ``t_thres`` steps; ``None`` never stops.
    """
    inner = scale_by_learning_rate() if inner is None else _check_transformation(inner, "inner")
    radius = check_scalar(radius, "radius", low=0)
    g_thres = check_scalar(g_thres, "g_thres", low=0)
    t_thres = check_int(t_thres, "t_thres", low=0)
    if f_thres is not None:
        f_thres = check_scalar(f_thres, "f_thres", low=0)
    base = inner

    def init(params: np.ndarray) -> PerturbNearSaddlesState:
        return PerturbNearSaddlesState(last_perturbation=-(t_thres + 1), n_perturbations=0, inner=base.init(params))

    def update(updates: np.ndarray, state: PerturbNearSaddlesState, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, PerturbNearSaddlesState]:
        if state.stopped:
            return np.zeros_like(updates), state
        if (f_thres is not None and state.anchor is not None
                and oracle.step - state.last_perturbation == t_thres
                and oracle.loss(params) - state.anchor_loss > -f_thres):
            # Algorithm 2's "return x̃": the jump found no descent, so x̃ is the answer; step back to it.
            return state.anchor - params, state._replace(stopped=True)
        if radius > 0 and np.linalg.norm(updates) <= g_thres and oracle.step - state.last_perturbation > t_thres:
            xi = uniform_ball(oracle.rng, params.size, radius)
            # The anchor's loss is only needed by the termination test (one extra evaluation per jump).
            anchor_loss = oracle.loss(params) if f_thres is not None else float("nan")
            step, inner_state = base.update(oracle.grad(params + xi), state.inner, params + xi, lr, oracle)
            return xi + step, PerturbNearSaddlesState(oracle.step, state.n_perturbations + 1, inner_state,
                                                      np.array(params, dtype=float), anchor_loss)
        step, inner_state = base.update(updates, state.inner, params, lr, oracle)
        return step, state._replace(inner=inner_state)

    return GradientTransformation(init, update, "perturb_near_saddles", base.learning_rate)


# --------------------------------------------------------------------------------------------
# Clipping, weight decay, SAM
# --------------------------------------------------------------------------------------------
def clip_by_global_norm(max_norm: float = 1.0) -> GradientTransformation:
    r"""Rescale the updates to norm at most :math:`c`: output :math:`u \cdot \min(1, c / \|u\|_2)` (Pascanu et al. 2013).

    The direction is kept; below the threshold the updates pass unchanged, bit for bit; zero stays zero.

    Parameters
    ----------
    max_norm : float
        The largest Euclidean norm :math:`c > 0` the output may have. Default 1.0.
    """
    max_norm = check_scalar(max_norm, "max_norm", low=0, low_inclusive=False)

    def clip(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        norm = float(np.linalg.norm(updates))
        if norm > max_norm:
            return updates * (max_norm / norm)
        return updates

    return _stateless(clip, "clip_by_global_norm")


def add_decayed_weights(weight_decay: float = 0.0) -> GradientTransformation:
    r"""Add :math:`\lambda\theta` to the updates: output :math:`u + \lambda \theta` (L2 weight decay before the rate).

    Parameters
    ----------
    weight_decay : float
        :math:`\lambda \ge 0`. Default 0: the updates pass unchanged.
    """
    weight_decay = check_scalar(weight_decay, "weight_decay", low=0)

    def decay(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        return updates + weight_decay * params

    return _stateless(decay, "add_decayed_weights")


def sam_perturbation(grad: Any, rho: float, theta: Any = None, *, adaptive: bool = False,
                     eta: float = 0.01, scale_mask: Any = None) -> np.ndarray:
    r"""SAM's ascent step :math:`\hat\varepsilon`, the first-order worst case in a ball of radius :math:`\rho`.

    Plain SAM (Foret et al. 2021): :math:`\hat\varepsilon = \rho\, g / \|g\|_2`, the maximiser of the linearised
    loss :math:`L(\theta) + g^\top\varepsilon` over :math:`\|\varepsilon\|_2 \le \rho`.
    Adaptive SAM (ASAM, Kwon et al. 2021) measures the ball in the scaled coordinates
    :math:`T_\theta^{-1}\varepsilon` with :math:`T_\theta = \operatorname{diag}(|\theta| + \eta)`, which gives
    :math:`\hat\varepsilon = \rho\, T_\theta^2 g / \|T_\theta g\|_2` — large weights get large perturbations, so the
    worst case no longer depends on how the network is scaled.

    Kwon et al.'s reference code (github.com/SamsungLabs/ASAM) scales only the weight tensors: a bias keeps the
    factor 1, :math:`T_{ii} = 1`. ``scale_mask`` selects the scaled coordinates,
    :math:`T_{ii} = |\theta_i| + \eta` where the mask is True and 1 where it is False (for an MLP,
    :func:`course_utils.sharpness.weights_only_mask`); without it every coordinate is scaled.

    A zero gradient gives :math:`\hat\varepsilon = 0` (Foret et al. add :math:`10^{-12}` to the norm for the
    same effect): at an exact critical point first-order SAM sees no ascent direction.

    Parameters
    ----------
    grad : ndarray, shape (P,)
        :math:`g = \nabla L(\theta)` (on the current minibatch).
    rho : float
        Radius :math:`\rho \ge 0`.
    theta : ndarray, shape (P,), optional
        The current parameters; required when ``adaptive=True``.
    adaptive : bool
        ASAM instead of SAM.
    eta : float
        ASAM's offset :math:`\eta` in :math:`|\theta| + \eta` (not the learning rate).
    scale_mask : array_like of bool, shape (P,), optional
        Which coordinates ASAM scales by :math:`|\theta_i| + \eta` (True) and which keep the factor 1 (False);
        only with ``adaptive=True``. Default None: all of them.

    Returns
    -------
    ndarray, shape (P,)
    """
    g = check_vector(grad, "grad")
    rho = check_scalar(rho, "rho", low=0)
    adaptive = check_bool(adaptive, "adaptive")
    eta = check_scalar(eta, "eta", low=0)
    mask = check_scale_mask(scale_mask, adaptive, g.size)
    if theta is None:
        if adaptive:
            raise ValueError("`theta` is required when `adaptive` is True (ASAM scales the ball by |theta| + eta)")
    else:
        theta = check_vector(theta, "theta", g.size)
    return _sam_perturbation(g, rho, theta, adaptive, eta, mask)


def check_scale_mask(scale_mask: Any, adaptive: bool, size: int | None = None) -> np.ndarray | None:
    """Validate ASAM's ``scale_mask``: None, or a 1-D boolean array (of ``size`` entries when given).

    Parameters
    ----------
    scale_mask : array_like of bool, shape (P,), or None
        The candidate mask.
    adaptive : bool
        Whether the perturbation is ASAM's; a mask without it is refused (plain SAM scales nothing).
    size : int, optional
        The required length ``P``; None accepts any length (checked later against the parameters).

    Returns
    -------
    numpy.ndarray of bool, shape (P,), or None
    """
    if scale_mask is None:
        return None
    if not adaptive:
        raise ValueError("`scale_mask` only applies with `adaptive`=True (ASAM's scaled ball); got adaptive=False")
    mask = np.asarray(scale_mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"`scale_mask` must be a boolean array (True: scaled by |theta| + eta), "
                        f"got {short_repr(scale_mask)} of dtype {mask.dtype}")
    if mask.ndim != 1 or mask.size == 0:
        raise ValueError(f"`scale_mask` must be a non-empty 1-D boolean array, got shape {mask.shape}")
    if size is not None and mask.size != size:
        raise ValueError(f"`scale_mask` must have shape ({size},) like the parameters, got {mask.shape}")
    return mask


def _unit(v: np.ndarray) -> np.ndarray:
    """``v / ||v||`` without overflow for huge entries (scaled by the largest first); 0 for ``v = 0``."""
    top = np.max(np.abs(v))
    if top == 0 or not np.isfinite(top):
        return np.zeros_like(v)
    w = v / top
    return w / np.linalg.norm(w)


def _sam_perturbation(g: np.ndarray, rho: float, theta: Any, adaptive: bool, eta: float,
                      mask: np.ndarray | None = None) -> np.ndarray:
    r""":func:`sam_perturbation` for trusted inputs (the optimizer's inner loop).

    ASAM's :math:`T^2 g / \|T g\|` is computed as :math:`T \cdot \widehat{T g}` (the unit vector along
    :math:`T g`), which never overflows in between. A non-finite gradient gives no perturbation: the run's own
    divergence check reports it. ``mask`` (validated, same length): False entries keep :math:`T_{ii} = 1`.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if adaptive:
            scale = np.abs(theta) + eta
            if mask is not None:
                scale = np.where(mask, scale, 1.0)
            return rho * (scale * _unit(scale * _unit(g)))
        return rho * _unit(g)


def sam_gradient(rho: float = 0.05, adaptive: bool = False, eta: float = 0.01,
                 m: int | None = None, scale_mask: Any = None) -> GradientTransformation:
    r"""Replace the gradient by SAM's (Foret et al. 2021): output :math:`\nabla L(\theta + \hat\varepsilon)`.

    :math:`\hat\varepsilon` is :func:`sam_perturbation` of the incoming gradient :math:`u`; the gradient at
    the perturbed point comes from ``oracle.objective`` (the current minibatch). So it goes *first* in a
    chain: ``chain(sam_gradient(0.05), scale_by_momentum(), scale_by_learning_rate())``.

    With ``m`` (m-sharpness) the minibatch is cut into consecutive chunks of ``m`` examples; each chunk gets
    its own :math:`\hat\varepsilon_c` from its own gradient, and the output is the average of the chunk gradients
    :math:`\nabla L_c(\theta + \hat\varepsilon_c)`, weighted by chunk size. ``rho = 0`` gives :math:`u` back.

    Parameters
    ----------
    rho : float
        Neighbourhood radius :math:`\rho \ge 0`.
    adaptive : bool
        ASAM's scale-invariant perturbation.
    eta : float
        ASAM's offset in :math:`|\theta| + \eta`.
    m : int, optional
        Chunk size for m-sharpness (needs an objective with data).
    scale_mask : array_like of bool, shape (P,), optional
        ASAM only: the coordinates scaled by :math:`|\theta_i| + \eta`; the others keep the factor 1 (see
        :func:`sam_perturbation`). Its length is checked against the parameters at the first step.
    """
    rho = check_scalar(rho, "rho", low=0)
    adaptive = check_bool(adaptive, "adaptive")
    eta = check_scalar(eta, "eta", low=0)
    if m is not None:
        m = check_int(m, "m", low=1)
    mask = check_scale_mask(scale_mask, adaptive)

    def perturbed_grad(objective: Any, g: Any, theta: np.ndarray) -> np.ndarray:
        eps = _sam_perturbation(np.asarray(g, dtype=float), rho, theta, adaptive, eta, mask)
        return objective.unchecked_grad(theta + eps)

    def sam_grad(updates: np.ndarray, params: Any, oracle: Any) -> np.ndarray:
        if mask is not None and mask.shape[-1] != np.shape(params)[-1]:
            raise ValueError(f"`scale_mask` has {mask.size} entries but the parameters have {np.shape(params)[-1]}")
        objective = oracle.objective
        if m is None:
            return perturbed_grad(objective, updates, params)
        if not hasattr(objective, "subset"):
            raise TypeError(f"m-sharpness (`m`={m}) needs an objective with data; {objective.name!r} has none")
        n = objective.n_examples
        g_sam = np.zeros_like(params)
        for start in range(0, n, m):
            chunk = objective.subset(np.arange(start, min(start + m, n)))
            g_chunk = chunk.unchecked_grad(params)
            g_sam += chunk.n_examples / n * perturbed_grad(chunk, g_chunk, params)
        return g_sam

    return _stateless(sam_grad, "sam_gradient")

