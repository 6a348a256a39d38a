r"""Overparameterization: more parameters than constraints, and what it does to the minima of a network.

A network :math:`f(\theta; x) \in \mathbb R^K` with :math:`P` parameters, trained with the squared loss on
:math:`N` examples,

.. math:: L(\theta) = \frac{1}{NK} \sum_{i=1}^N \|f(\theta; x_i) - y_i\|^2 ,

reaches :math:`L = 0` exactly when it satisfies the :math:`NK` equations :math:`f(\theta; x_i) = y_i`. Its
Hessian is

.. math:: \nabla^2 L(\theta) = \frac{2}{NK}\Big(J^\top J + \sum_{i,k} r_{ik}\,\nabla^2 f_k(\theta; x_i)\Big),
   \qquad J = \frac{\partial f}{\partial \theta} \in \mathbb R^{NK \times P}, \quad r = f - y ,

and at an interpolating minimum the residuals :math:`r` vanish, leaving the Gauss–Newton matrix
:math:`\frac{2}{NK} J^\top J`: its rank is :math:`\operatorname{rank} J \le NK`, so at least :math:`P - NK`
eigenvalues are exactly zero. When :math:`J` has full rank :math:`NK` there, the zero set of :math:`L` is, near
that point, a manifold of dimension :math:`P - NK` (the implicit-function theorem; Cooper 2018, "The loss
landscape of overparameterized neural networks", proves that this is the generic case).

For cross-entropy on separable data there is no such finite minimum: the loss only approaches 0 as the weights
grow without bound (see :mod:`course_utils.regularization`), so the count is made for the squared loss.

:func:`minimum_flat_directions` counts the zero eigenvalues of the dense Hessian and, as the independent
reading, the rank of :func:`output_jacobian`; :func:`fit_interpolant` polishes a network to a zero of the loss
(Gauss–Newton least squares); :func:`fit_from_starts` trains many initialisations side by side and reports how close each gets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from .connectivity import train_lockstep
from .derivatives import gradient
from .validation import check_batch, check_instance, check_int, check_scalar, check_vector

__all__ = ["FlatDirections", "FitFromStarts", "output_jacobian", "fit_interpolant", "minimum_flat_directions",
           "fit_from_starts"]


def _check_mse_mlp(model):
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    if model.loss_name != "mse":
        raise ValueError("`model` must use the squared loss (loss='mse'): with cross-entropy on separable data "
                         f"the loss has no finite minimum; got loss={model.loss_name!r}")
    if model.weight_decay:
        raise ValueError(f"`model` must have no weight decay (the count is for the unregularized loss), "
                         f"got weight_decay={model.weight_decay:g}")
    return model


def output_jacobian(model, theta) -> np.ndarray:
    r"""The Jacobian :math:`J = \partial f / \partial \theta` of a network's outputs on its training inputs.

    Row :math:`iK + k` is :math:`\nabla_\theta f_k(\theta; x_i)`, computed exactly by autograd (one reverse pass
    per output).

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` with the squared loss and no weight decay.
    theta : array_like, shape (P,)
        The parameters (finite).

    Returns
    -------
    ndarray, shape (N * K, P)
        :math:`J`, example-major: the :math:`K` outputs of example 0, then of example 1, …
    """
    model = _check_mse_mlp(model)
    theta = check_vector(theta, "theta", model.dim)
    N, K = model.n_examples, model.n_outputs
    # MLP._forward is traceable (written with autograd.numpy); the public forward_batch converts to ndarray
    return np.array([gradient(lambda th, i=i, k=k: model._forward(th, model.X)[i, k], theta)
                     for i in range(N) for k in range(K)])


def fit_interpolant(model, theta0, *, max_evaluations: int = 200) -> np.ndarray:
    r"""Polish ``theta0`` towards a zero of the squared loss: solve :math:`f(\theta; x_i) = y_i` by least squares.

    A trust-region Gauss–Newton method (``scipy.optimize.least_squares``, ``method="trf"``) on the residuals
    :math:`r(\theta) = f(\theta; X) - Y` with the exact Jacobian of :func:`output_jacobian`. On a zero-residual
    problem Gauss–Newton converges fast, so from a point already in an interpolating valley the result has a loss
    at the limit of double precision (measured :math:`10^{-31}` to :math:`10^{-30}` on the chapter's networks, in
    about 50 residual evaluations) — the residual term of the Hessian (see the module docstring) is then
    negligible and the Hessian is its Gauss–Newton part.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` with the squared loss and no weight decay.
    theta0 : array_like, shape (P,)
        The starting point (finite), e.g. the end of a short Adam run.
    max_evaluations : int, default 200
        Most residual evaluations, at least 1.

    Returns
    -------
    ndarray, shape (P,)
        The polished parameters (a zero of the loss only if ``model`` can interpolate its data from there: check
        ``model.loss`` of the result).
    """
    model = _check_mse_mlp(model)
    theta0 = check_vector(theta0, "theta0", model.dim)
    max_evaluations = check_int(max_evaluations, "max_evaluations", low=1)
    targets = model.y.reshape(model.n_examples, -1)

    def residuals(theta):
        return (model.forward_batch(theta[None])[0] - targets).ravel()

    result = least_squares(residuals, theta0, jac=lambda theta: output_jacobian(model, theta), method="trf",
                           xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=max_evaluations)
    return np.asarray(result.x, dtype=float)


@dataclass(frozen=True)
class FlatDirections:
    r"""The flat directions of the loss at a point, counted twice: from the Hessian and from the Jacobian.

    The result of :func:`minimum_flat_directions`.

    Parameters
    ----------
    eigenvalues : ndarray, shape (P,)
        Eigenvalues of the dense Hessian, descending.
    n_flat : int
        Eigenvalues with :math:`|\lambda| \le` ``rtol`` :math:`\cdot \max|\lambda|` (the flat directions).
    jacobian_rank : int
        Rank of the output Jacobian :math:`J` (singular values above :math:`\sqrt{\text{rtol}}\cdot\sigma_{\max}`,
        the same relative cut as for :math:`J^\top J`).
    n_constraints : int
        :math:`NK`, the number of equations :math:`f(\theta; x_i) = y_i`.
    loss : float
        The loss at the point (the counts describe a minimum manifold only when it is ≈ 0).
    rtol : float
        The relative threshold used.
    """

    eigenvalues: np.ndarray
    n_flat: int
    jacobian_rank: int
    n_constraints: int
    loss: float
    rtol: float

    @property
    def dim(self) -> int:
        """:math:`P`, the number of parameters."""
        return int(self.eigenvalues.shape[0])

    @property
    def bound(self) -> int:
        r""":math:`\max(P - NK, 0)`: the fewest zero eigenvalues a zero-loss minimum can have."""
        return max(self.dim - self.n_constraints, 0)


def minimum_flat_directions(model, theta, *, rtol: float = 1e-8) -> FlatDirections:
    r"""Count the zero eigenvalues of the Hessian at ``theta`` and the rank of the output Jacobian there.

    At a zero of the squared loss, :math:`\nabla^2 L = \frac{2}{NK} J^\top J`, so
    ``n_flat`` :math:`= P - \operatorname{rank} J \ge P - NK`. The two counts come from different objects (a
    dense ``eigvalsh`` of the autograd Hessian, an SVD of :math:`J`), so their agreement checks the algebra.

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` with the squared loss and no weight decay.
    theta : array_like, shape (P,)
        The point, normally a zero of the loss from :func:`fit_interpolant`.
    rtol : float, default 1e-8
        Relative threshold in :math:`(0, 1)` for an eigenvalue to count as zero.

    Returns
    -------
    FlatDirections
    """
    model = _check_mse_mlp(model)
    theta = check_vector(theta, "theta", model.dim)
    rtol = check_scalar(rtol, "rtol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    eigenvalues = np.linalg.eigvalsh(model.hessian(theta))[::-1]
    n_flat = int(np.sum(np.abs(eigenvalues) <= rtol * np.abs(eigenvalues).max()))
    singular = np.linalg.svd(output_jacobian(model, theta), compute_uv=False)
    rank = int(np.sum(singular > np.sqrt(rtol) * singular.max())) if singular.size and singular.max() > 0 else 0
    return FlatDirections(eigenvalues, n_flat, rank, model.n_examples * model.n_outputs, float(model.loss(theta)),
                          rtol)


@dataclass(frozen=True)
class FitFromStarts:
    r"""Many trainings of one network from different starts, and how close each came to interpolating.

    The result of :func:`fit_from_starts`.

    Parameters
    ----------
    thetas : ndarray, shape (S, P)
        The trained parameter vectors.
    losses : ndarray, shape (S,)
        Their training losses.
    relative_losses : ndarray, shape (S,)
        The losses divided by the loss of the best constant predictor (the variance of the targets,
        :math:`\frac{1}{NK}\sum\|y_i - \bar y\|^2`): 1 means "learned nothing", 0 "fits every example".
    """

    thetas: np.ndarray
    losses: np.ndarray
    relative_losses: np.ndarray

    def fraction_below(self, threshold: float) -> float:
        """The fraction of starts whose relative loss is below ``threshold``.

        Parameters
        ----------
        threshold : float
            A positive finite number, e.g. 0.01 for "below 1 % of the targets' variance".

        Returns
        -------
        float
            A fraction in [0, 1].
        """
        threshold = check_scalar(threshold, "threshold", low=0, low_inclusive=False)
        return float(np.mean(self.relative_losses < threshold))


def fit_from_starts(model, starts, *, steps: int = 1000, lr: float = 0.05) -> FitFromStarts:
    r"""Train a network from every row of ``starts`` with full-batch Adam, side by side, and score each end.

    The training is :func:`course_utils.connectivity.train_lockstep` (one batched gradient per step); the score
    is the final loss relative to the best constant predictor's (see :class:`FitFromStarts`).

    Parameters
    ----------
    model : MLP
        A :class:`~course_utils.models.MLP` with the squared loss and no weight decay.
    starts : array_like, shape (S, P)
        Initialisations (finite), e.g. ``np.stack([model.init(default_rng(s)) for s in range(16)])``.
    steps : int, default 1000
        Adam steps, at least 0.
    lr : float, default 0.05
        Adam's learning rate, in :math:`(0, 10]`: each Adam step moves a coordinate by about ``lr`` at most, so
        larger rates only overflow.

    Returns
    -------
    FitFromStarts
    """
    model = _check_mse_mlp(model)
    starts = check_batch(starts, "starts", model.dim)
    if starts.ndim != 2:
        raise ValueError(f"`starts` must have shape (S, {model.dim}), got {starts.shape}")
    lr = check_scalar(lr, "lr", low=0, high=10, low_inclusive=False)
    thetas = train_lockstep(model, starts, steps=steps, lr=lr)
    losses = model.loss_batch(thetas)
    targets = model.y.reshape(model.n_examples, -1)
    baseline = float(np.mean((targets - targets.mean(axis=0)) ** 2))
    return FitFromStarts(thetas, losses, losses / baseline if baseline > 0 else np.where(losses > 0, np.inf, 0.0))
