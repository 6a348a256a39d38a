r"""The optimizers a chapter calls by name, each a :func:`~.transforms.chain` that fits on one screen.

Every alias takes its hyper-parameters and, keyword-only, ``learning_rate``:

- ``adam()`` leaves the rate to the caller: :func:`~.run.run` passes its ``lr`` (a number or a schedule) to
  ``update`` at every step, as ``update(grad, state, theta, lr, oracle)``;
- ``adam(learning_rate=0.01)`` (or a schedule) is a complete rule: it counts its own steps and ``run`` is
  called without ``lr``.

The wrappers :func:`sam` and :func:`clip_by_norm` take the rule they wrap (``sam(adam())``), which brings
its own learning-rate arrangement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..validation import check_bool, check_scalar
from .schedules import LearningRate
from .transforms import (
    GradientTransformation,
    _check_transformation,
    add_noise,
    chain,
    clip_by_global_norm,
    perturb_near_saddles,
    sam_gradient,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_momentum,
    scale_by_nesterov,
    scale_by_newton,
    scale_by_rms,
    scale_by_saddle_free_newton,
)

__all__ = [
    "gd",
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "newton",
    "perturbed_gd",
    "noisy_gd",
    "saddle_free_newton",
    "sam",
    "clip_by_norm",
    "OPTIMIZERS",
]

#: A named rule: hyper-parameters (and, keyword-only, ``learning_rate``) -> GradientTransformation.
Alias = Callable[..., GradientTransformation]


def gd(*, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Gradient descent: :math:`\theta \leftarrow \theta - \eta \nabla L(\theta)`.

    ``chain(scale_by_learning_rate(learning_rate))``. With ``batch_size`` set in :func:`~.run.run`, the gradient
    is a minibatch gradient: this *is* SGD.

    Parameters
    ----------
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    return chain(scale_by_learning_rate(learning_rate), name="GD")


def sgd(*, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Stochastic gradient descent: :math:`\theta \leftarrow \theta - \eta \nabla L_B(\theta)`.

    :func:`gd` run with minibatches (``run(..., batch_size=B)``). The rule is :func:`gd`'s, named "SGD".

    Parameters
    ----------
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    return gd(learning_rate=learning_rate)._replace(name="SGD")


def momentum(beta: float = 0.9, *, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Heavy-ball momentum (Polyak): :math:`v \leftarrow \beta v + \nabla L`, :math:`\theta \leftarrow \theta - \eta v`.

    ``chain(scale_by_momentum(beta), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    beta : float
        The momentum coefficient :math:`\beta`, in ``[0, 1)``. Default 0.9.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = scale_by_momentum(beta)
    beta = check_scalar(beta, "beta")
    return chain(tx, scale_by_learning_rate(learning_rate), name=f"momentum (β={beta:g})")


def nesterov(beta: float = 0.9, *, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Nesterov momentum in the look-ahead form used by most libraries.

    :math:`v \leftarrow \beta v + \nabla L(\theta)`, :math:`\theta \leftarrow \theta - \eta(\nabla L(\theta) + \beta v)`.
    ``chain(scale_by_nesterov(beta), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    beta : float
        The momentum coefficient :math:`\beta`, in ``[0, 1)``. Default 0.9.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = scale_by_nesterov(beta)
    beta = check_scalar(beta, "beta")
    return chain(tx, scale_by_learning_rate(learning_rate), name=f"Nesterov (β={beta:g})")


def adagrad(eps: float = 1e-8, *, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Adagrad: :math:`s \leftarrow s + g^2`, :math:`\theta \leftarrow \theta - \eta g / (\sqrt{s} + \epsilon)`.

    ``chain(scale_by_adagrad(eps), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{s}`. Default ``1e-8``.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    return chain(scale_by_adagrad(eps), scale_by_learning_rate(learning_rate), name="Adagrad")


def rmsprop(decay: float = 0.9, eps: float = 1e-8, *,
            learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""RMSProp: :math:`s \leftarrow \rho s + (1-\rho) g^2`, :math:`\theta \leftarrow \theta - \eta g/(\sqrt{s}+\epsilon)`.

    ``chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    decay : float
        The averaging coefficient :math:`\rho`, in ``[0, 1)``. Default 0.9.
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{s}`. Default ``1e-8``.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate), name="RMSProp")


def adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *,
         learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Adam (Kingma & Ba 2015) with bias correction.

    :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)` with
    :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.
    ``chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    b1 : float
        :math:`\beta_1`, the first-moment decay, in ``[0, 1)``. Default 0.9.
    b2 : float
        :math:`\beta_2`, the second-moment decay, in ``[0, 1)``. Default 0.999.
    eps : float
        :math:`\epsilon > 0` added to :math:`\sqrt{\hat v}`. Default ``1e-8``.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate), name="Adam")


def newton(damping: float = 0.0, *, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Damped Newton: :math:`\theta \leftarrow \theta - \eta (H + \lambda I)^{-1} \nabla L`.

    With ``lr = 1`` and no damping this is the pure Newton step, which is attracted to *any* critical
    point — saddles included (chapter 4). Dense Hessian: for small ``P``. A singular system falls back
    to the least-squares solution. ``chain(scale_by_newton(damping), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    damping : float
        :math:`\lambda \ge 0` added to the Hessian's diagonal. Default 0: the pure Newton step.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = scale_by_newton(damping)
    damping = check_scalar(damping, "damping")
    name = "Newton" if damping == 0 else f"Newton (λ={damping:g})"
    return chain(tx, scale_by_learning_rate(learning_rate), name=name)


def perturbed_gd(radius: float = 0.1, g_thres: float = 1e-3, t_thres: int = 10, f_thres: float | None = None, *,
                 learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Perturbed gradient descent (Jin et al. 2017, "How to escape saddle points efficiently").

    When the gradient is small, :math:`\|\nabla L(\theta_t)\| \le g_{\text{thres}}`, and no perturbation
    happened in the last :math:`t_{\text{thres}}` steps, jump to :math:`\tilde\theta = \theta_t + \xi` with
    :math:`\xi` uniform in the ball of radius :math:`r`; then take a gradient step from where you are:
    :math:`\theta_{t+1} = \tilde\theta - \eta \nabla L(\tilde\theta)`. Otherwise
    :math:`\theta_{t+1} = \theta_t - \eta \nabla L(\theta_t)`.

    Near a strict saddle the draw has, with probability close to one, a component along the negative-curvature
    direction, which gradient descent then amplifies by :math:`(1 + \eta|\lambda_{\min}|)` per step — so
    perturbed GD leaves even from *exactly* the saddle, where plain GD stays forever. Draws come from
    ``oracle.rng`` (reproducible with ``run(..., rng=seed)``).
    With ``f_thres`` the run also *ends* as in Jin et al.'s Algorithm 2: if, :math:`t_{\text{thres}}` steps after
    a jump from :math:`\tilde\theta`, the loss has not fallen by ``f_thres`` below :math:`L(\tilde\theta)`,
    the rule returns to :math:`\tilde\theta` and stops (at a minimum every jump comes back, so without this
    rule perturbed GD keeps jumping there forever). Equivalent to
    ``perturb_near_saddles(gd(learning_rate=learning_rate), radius, g_thres, t_thres, f_thres)``.

    Parameters
    ----------
    radius : float
        :math:`r`, the radius of the perturbation ball.
    g_thres : float
        Gradient norm below which the iterate counts as "possibly at a saddle".
    t_thres : int
        Minimum number of steps between two perturbations, and the wait before the termination test.
    f_thres : float or None, default None
        Loss decrease, ``>= 0``, a jump must buy within ``t_thres`` steps, or the run stops at the point it
        jumped from; ``None`` never stops (the jumps repeat every ``t_thres + 1`` steps where the gradient is small).
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = perturb_near_saddles(gd(learning_rate=learning_rate), radius, g_thres, t_thres, f_thres)
    return tx._replace(name=f"perturbed GD (r={check_scalar(radius, 'radius'):g})")


def noisy_gd(sigma: float = 0.01, *, learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Gradient descent with isotropic Gaussian gradient noise: :math:`\theta \leftarrow \theta - \eta(\nabla L + \sigma \xi)`.

    :math:`\xi \sim \mathcal N(0, I)` is drawn from ``oracle.rng`` at every step — a caricature of
    minibatch noise (real SGD noise is anisotropic and shrinks where the per-example gradients agree).
    ``chain(add_noise(sigma), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    sigma : float
        The noise's standard deviation :math:`\sigma \ge 0` per coordinate. Default 0.01; 0 is plain GD.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = add_noise(sigma)
    sigma = check_scalar(sigma, "sigma")
    return chain(tx, scale_by_learning_rate(learning_rate), name=f"noisy GD (σ={sigma:g})")


def saddle_free_newton(damping: float = 1e-3, *,
                       learning_rate: LearningRate | None = None) -> GradientTransformation:
    r"""Saddle-free Newton (Dauphin et al. 2014): :math:`\theta \leftarrow \theta - \eta (|H| + \lambda I)^{-1} \nabla L`.

    With :math:`H = Q \Lambda Q^\top`, :math:`|H| = Q |\Lambda| Q^\top`: along positive-curvature directions
    this is Newton's step; along negative-curvature directions the sign flips, so the step goes *downhill*
    (away from the saddle) instead of towards it, rescaled by :math:`1/|\lambda|`. ``damping`` keeps the step
    finite where an eigenvalue is near zero. Dense ``eigh`` of the Hessian: for small ``P``.
    ``chain(scale_by_saddle_free_newton(damping), scale_by_learning_rate(learning_rate))``.

    Parameters
    ----------
    damping : float
        :math:`\lambda > 0` added to :math:`|\Lambda|`. Default ``1e-3``.
    learning_rate : float, schedule, or None, optional
        Keyword-only. ``None`` (the default): the rate comes from the caller, ``run(..., lr=...)``. A positive
        number or a schedule ``t -> lr`` (see :mod:`~course_utils.optimizers.schedules`) makes the rule
        complete: it counts its own steps and ``run`` is then called without ``lr``.
    """
    tx = scale_by_saddle_free_newton(damping)
    damping = check_scalar(damping, "damping")
    return chain(tx, scale_by_learning_rate(learning_rate), name=f"saddle-free Newton (λ={damping:g})")


def sam(base: GradientTransformation | None = None, rho: float = 0.05, adaptive: bool = False, eta: float = 0.01,
        m: int | None = None, scale_mask: Any = None) -> GradientTransformation:
    r"""Sharpness-aware minimization (Foret et al. 2021) around any base rule.

    SAM minimises :math:`\max_{\|\varepsilon\| \le \rho} L(\theta + \varepsilon)`. Each step takes the
    first-order worst case :math:`\hat\varepsilon` (:func:`~.transforms.sam_perturbation`), evaluates the
    gradient there and hands it to the base rule as if it were the gradient at :math:`\theta`:

    .. math::
        \hat\varepsilon = \rho \frac{\nabla L(\theta)}{\|\nabla L(\theta)\|}, \qquad
        g_{\text{SAM}} = \nabla L(\theta + \hat\varepsilon), \qquad
        \theta \leftarrow \theta + \text{base.update}(g_{\text{SAM}}).

    ``chain(sam_gradient(rho, adaptive, eta, m), base)``. The dependence of :math:`\hat\varepsilon` on
    :math:`\theta` is ignored (as in the paper): two gradient evaluations per step. With ``m`` (m-sharpness)
    each chunk of ``m`` examples of the minibatch gets its own perturbation (see
    :func:`~.transforms.sam_gradient`). ``rho = 0`` recovers the base rule exactly.

    Parameters
    ----------
    base : GradientTransformation, optional
        The rule that consumes the SAM gradient (default :func:`gd`; ``sam(adam())`` works too).
    rho : float
        Neighbourhood radius :math:`\rho \ge 0` (the paper's default 0.05).
    adaptive : bool
        ASAM's scale-invariant perturbation (see :func:`~.transforms.sam_perturbation`).
    eta : float
        ASAM's offset in :math:`|\theta| + \eta`.
    m : int, optional
        Chunk size for m-sharpness; needs an objective with data (``subset``). ``None``: one perturbation for
        the whole (mini)batch.
    scale_mask : array_like of bool, shape (P,), optional
        ASAM only: which coordinates are scaled by :math:`|\theta_i| + \eta`; the others keep the factor 1.
        Kwon et al.'s code scales the weights and not the biases: for an MLP pass
        :func:`course_utils.sharpness.weights_only_mask` (default None: every coordinate is scaled).

    Examples
    --------
    >>> import numpy as np
    >>> from course_utils.models import Quadratic
    >>> from course_utils.optimizers import run
    >>> q = Quadratic(np.diag([1.0, 10.0]))
    >>> traj = run(q, sam(gd(), rho=0.05), [1.0, 1.0], steps=200, lr=0.05)
    """
    base = gd() if base is None else _check_transformation(base, "base")
    tx = sam_gradient(rho, adaptive, eta, m, scale_mask)
    kind = "ASAM" if check_bool(adaptive, "adaptive") else "SAM"
    extra = (f", m={m}" if m is not None else "") + (", masked" if scale_mask is not None else "")
    return chain(tx, base, name=f"{kind}-{base.name} (ρ={check_scalar(rho, 'rho'):g}{extra})")


def clip_by_norm(base: GradientTransformation | None = None, max_norm: float = 1.0) -> GradientTransformation:
    r"""Clip the gradient to norm at most ``max_norm``, then apply ``base`` (Pascanu et al. 2013).

    .. math::
        \tilde g = g \cdot \min\!\left(1, \frac{c}{\|g\|_2}\right), \qquad
        \theta \leftarrow \theta + \text{base.update}(\tilde g).

    ``chain(clip_by_global_norm(max_norm), base)``. The direction is kept, only the length is bounded: at a
    cliff, where :math:`\|g\|` is hundreds of times its usual size, plain gradient descent is thrown far away,
    while the clipped step is at most :math:`\eta c` long. Where :math:`\|g\| \le c` the base rule runs
    unchanged, bit for bit. A zero gradient stays zero.

    Parameters
    ----------
    base : GradientTransformation, optional
        The rule that consumes the clipped gradient (default :func:`gd`; ``clip_by_norm(adam(), 1.0)`` works).
    max_norm : float
        The threshold :math:`c > 0`.

    Examples
    --------
    >>> import numpy as np
    >>> from course_utils.models import Quadratic
    >>> from course_utils.optimizers import run
    >>> q = Quadratic(np.diag([1.0, 100.0]))
    >>> traj = run(q, clip_by_norm(gd(), max_norm=1.0), [1.0, 1.0], steps=50, lr=0.01)
    >>> bool(np.all(np.linalg.norm(np.diff(traj.thetas, axis=0), axis=1) <= 0.01 + 1e-12))
    True
    """
    base = gd() if base is None else _check_transformation(base, "base")
    tx = clip_by_global_norm(max_norm)
    return chain(tx, base, name=f"clipped {base.name} (c={check_scalar(max_norm, 'max_norm'):g})")


#: The optimizers by short name, for explorers and pickers.
OPTIMIZERS: dict[str, Alias] = {
    "gd": gd,
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "newton": newton,
    # escaping saddles (chapter 4)
    "perturbed_gd": perturbed_gd,
    "noisy_gd": noisy_gd,
    "saddle_free_newton": saddle_free_newton,
    # sharpness-aware minimization (chapter 5)
    "sam": sam,
    # gradient clipping (chapter 7)
    "clip_by_norm": clip_by_norm,
}
