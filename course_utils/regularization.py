r"""Regularization and the landscape: what weight decay and label smoothing do to a loss's minimum.

On linearly separable data the logistic loss has no minimiser: along a separating direction every example's
loss keeps falling, so :math:`\inf L = 0` is approached only as :math:`\|w\| \to \infty`, and gradient descent's
weights grow without bound — like :math:`\log t`, turning towards the hard-margin SVM direction (Soudry et al.
2018, "The implicit bias of gradient descent on separable data", JMLR 19). Two regularizers move that minimum
from infinity to a finite point:

* **weight decay**, :math:`L_\lambda(\theta) = L(\theta) + \tfrac{\lambda}{2}\|\theta\|^2`
  (:class:`WeightDecay`). Its Hessian is :math:`\nabla^2 L + \lambda I`: every curvature rises by
  :math:`\lambda`, so a convex :math:`L` becomes :math:`\lambda`-strongly convex, with exactly one, finite
  minimiser — the minimum is moved and rounded;
* **label smoothing** (``LogisticRegression(..., label_smoothing=ε)`` in :mod:`course_utils.models`): the
  soft target :math:`(1-\varepsilon)y + \varepsilon/2` is matched at a finite logit, and past it the loss grows
  linearly in every direction.

:func:`max_margin_direction` gives the hard-margin direction, the independent oracle for gradient descent's
implicit bias.
"""

from __future__ import annotations

import numpy as np

from .derivatives import anp
from .objective import Objective, as_objective
from .validation import check_array, check_scalar

__all__ = ["WeightDecay", "max_margin_direction"]


class WeightDecay(Objective):
    r"""An objective plus an L2 penalty: :math:`L_\lambda(\theta) = L(\theta) + \tfrac{\lambda}{2}\|\theta\|^2`.

    Gradient :math:`\nabla L + \lambda\theta`; Hessian :math:`\nabla^2 L + \lambda I`, so every eigenvalue of the
    Hessian rises by :math:`\lambda` and a convex :math:`L` becomes :math:`\lambda`-strongly convex (one finite
    minimiser). Losses are batched when the inner objective's are; the gradient uses the inner objective's own
    gradient (backpropagation for an MLP); Hessian-vector products differentiate the inner loss with autograd.

    Parameters
    ----------
    objective : Objective
        The unregularized loss :math:`L` over ``(P,)`` parameter vectors, written with autograd.numpy (every
        course model is).
    strength : float
        :math:`\lambda \ge 0`, finite.

    Attributes
    ----------
    inner : Objective
        The unregularized objective.
    strength : float
        :math:`\lambda`.
    """

    def __init__(self, objective, strength: float):
        self.inner = as_objective(objective, "objective")
        self.strength = check_scalar(strength, "strength", low=0)
        self.dim = self.inner.dim
        self.name = f"{self.inner.name} + weight decay λ = {self.strength:g}"
        self._traceable_batch = self.inner.batch_is_traceable

    def _loss(self, theta):
        # the inner loss through its public, traceable fast path: autograd differentiates the sum (HVPs, Hessian)
        return self.inner.unchecked_loss(theta) + 0.5 * self.strength * anp.sum(theta * theta)

    def _loss_batch(self, thetas):
        return self.inner.unchecked_loss_batch(thetas) + 0.5 * self.strength * anp.sum(thetas * thetas, axis=-1)

    def _grad_fn(self):
        # the inner objective's own gradient (backpropagation for an MLP) plus the penalty's
        inner, lam = self.inner.unchecked_grad, self.strength
        return lambda theta: inner(theta) + lam * theta


def max_margin_direction(X, y) -> np.ndarray:
    r"""The hard-margin SVM weights through the origin: :math:`\hat w = \arg\min \|w\|^2` s.t. :math:`s_i w^\top x_i \ge 1`.

    :math:`s_i = 2y_i - 1 \in \{-1, +1\}`. Solved as the dual quadratic program
    :math:`\max_{\alpha \ge 0} \sum_i \alpha_i - \tfrac12\|\sum_i \alpha_i s_i x_i\|^2` with SciPy's L-BFGS-B
    (box constraints only), then :math:`\hat w = \sum_i \alpha_i s_i x_i`. On separable data gradient descent on
    the logistic loss follows :math:`w(t) = \hat w \log t + \rho(t)` with :math:`\rho` bounded (Soudry et al. 2018), so
    :math:`\|w\|` grows by about :math:`\|\hat w\|\ln 10` per decade of steps and its direction tends to
    :math:`\hat w`'s.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The inputs (finite).
    y : array_like, shape (N,)
        Labels 0 or 1, linearly separable by a hyperplane through the origin.

    Returns
    -------
    numpy.ndarray, shape (d,)
        :math:`\hat w`; its margin :math:`\min_i s_i \hat w^\top x_i` is 1 (up to the solver's tolerance).

    Raises
    ------
    ValueError
        If the shapes disagree, a label is not 0 or 1, or the data are not separable through the origin (the
        dual is then unbounded: the message says so).
    """
    from scipy.optimize import minimize

    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", shape=(X.shape[0],))
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("`y` must hold 0/1 labels")
    Z = (2 * y - 1)[:, None] * X  # rows s_i x_i
    G = Z @ Z.T

    def negative_dual(alpha):
        v = G @ alpha
        return 0.5 * alpha @ v - alpha.sum(), v - 1.0

    res = minimize(negative_dual, np.zeros(len(y)), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * len(y), options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    w = Z.T @ res.x
    margins = Z @ w
    if not np.isfinite(w).all() or margins.min() < 1 - 1e-3:
        raise ValueError(f"the data are not separable through the origin (best margin {margins.min():.3g} < 1): "
                         "no hard-margin direction exists")
    return w
