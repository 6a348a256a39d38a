r"""The same ReLU network under a function-preserving rescaling: what changes and what does not.

:func:`course_utils.sharpness.rescale_relu_network` maps :math:`\theta` to :math:`\theta_\alpha`, i.e.
:math:`(W_1, b_1, W_2) \to (\alpha W_1, \alpha b_1, W_2/\alpha)`: the predictions and the loss stay the same
(Dinh et al. 2017). This module measures the consequences shown in chapters 2 and 5:

* :func:`rescaled_slices` — the loss along a raw direction and along its filter-normalized version
  (Li et al. 2018) through :math:`\theta_\alpha`, with how much the loss and the predictions moved;
* :class:`RescaledCurvature` — :math:`\lambda_{\max}` and the trace of the Hessian at :math:`\theta_\alpha`.

Examples
--------
>>> from course_utils import data, models
>>> X, y = data.two_moons(40, 0.15, rng=0)
>>> m = models.MLP(X, y, hidden=(4,), activation="relu", loss="mse")
>>> theta = m.init(0, "he")
>>> s = rescaled_slices(m, theta, 3.0, m.init(1, "he"), [-0.5, 0.0, 0.5])
>>> s.loss_change < 1e-12, s.filter.shape
(True, (3,))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import curvature, sharpness, surfaces
from .validation import check_array, check_int

__all__ = ["RescaledCurvature", "RescaledSlices", "rescaled_slices"]


@dataclass(frozen=True)
class RescaledSlices:
    r"""1-D slices through the rescaled network :math:`\theta_\alpha`.

    The result of :func:`rescaled_slices`.

    Parameters
    ----------
    alpha : float
        The scale :math:`\alpha` of the first layer (the second is divided by it).
    theta : ndarray, shape (P,)
        :math:`\theta_\alpha`.
    ts : ndarray, shape (T,)
        Steps along the direction.
    filter : ndarray, shape (T,)
        :math:`L(\theta_\alpha + t\,d_F)` with :math:`d_F` the direction filter-normalized at :math:`\theta_\alpha`
        (the same curve for every :math:`\alpha`).
    raw : ndarray, shape (T,)
        :math:`L(\theta_\alpha + t\,d)` along the raw direction (changes with :math:`\alpha`).
    loss_change : float
        :math:`|L(\theta_\alpha) - L(\theta)|`: rounding only.
    prediction_change : float
        Largest :math:`|f_{\theta_\alpha}(x_i) - f_\theta(x_i)|` over the model's data: rounding only.
    """

    alpha: float
    theta: np.ndarray
    ts: np.ndarray
    filter: np.ndarray
    raw: np.ndarray
    loss_change: float
    prediction_change: float


def rescaled_slices(model, theta, alpha: float, direction, ts) -> RescaledSlices:
    r"""Slices through :math:`\theta_\alpha` along ``direction`` (raw) and its filter-normalized version.

    Parameters
    ----------
    model : MLP
        ReLU (or linear) activation, a hidden layer, no residual connections.
    theta : array_like, shape (P,)
    alpha : float
        Scale :math:`\alpha > 0` of the first layer (the second is divided by it).
    direction : array_like, shape (P,)
        The raw direction :math:`d`, used as given for the raw slice.
    ts : array_like, shape (T,)
        Steps :math:`t`.

    Returns
    -------
    RescaledSlices

    Raises
    ------
    ValueError, TypeError
        From :func:`course_utils.sharpness.rescale_relu_network` (model, ``theta``, ``alpha``) and the slicers.
    """
    theta_a = sharpness.rescale_relu_network(model, theta, alpha)
    with np.errstate(over="ignore"):
        in_range = np.isfinite(theta_a @ theta_a)  # the filter normalization takes norms of theta_a's weights
    if not in_range:
        raise ValueError(f"`alpha` = {float(alpha):g} scales the weights beyond floating-point range (their squares "
                         "overflow); use a moderate `alpha`, such as 0.1 to 10")
    theta = np.asarray(theta, dtype=float)
    ts = check_array(ts, "ts", ndim=1)
    filtered = surfaces.filter_normalize(direction, theta_a, model)
    filt = surfaces.slice_1d(model, theta_a, filtered, ts).losses
    raw = surfaces.slice_1d(model, theta_a, direction, ts).losses
    loss_change = abs(float(model.loss(theta_a)) - float(model.loss(theta)))
    prediction_change = float(np.max(np.abs(model.predict(theta_a) - model.predict(theta))))
    return RescaledSlices(alpha=float(alpha), theta=theta_a, ts=ts, filter=filt, raw=raw, loss_change=loss_change,
                          prediction_change=prediction_change)


class RescaledCurvature:
    r""":math:`\lambda_{\max}` and the trace of the Hessian at the rescaled network :math:`\theta_\alpha`.

    The rescaling is :math:`\theta_\alpha = D_\alpha \theta` with a diagonal :math:`D_\alpha`, and
    :math:`L(D_\alpha \theta) = L(\theta)` for every :math:`\theta` (same function); differentiating twice gives
    :math:`H(\theta_\alpha) = D_\alpha^{-1} H(\theta) D_\alpha^{-1}`. Up to ``dense_max_p`` parameters, one dense
    Hessian at :math:`\alpha = 1` therefore gives both measures at every :math:`\alpha` exactly (~0.1 ms instead
    of ~150 ms each). Weight decay breaks the invariance, and a large ``P`` makes ``eigvalsh`` slow: then each
    :math:`\alpha` is measured at :math:`\theta_\alpha` (Lanczos and the exact trace), and remembered.

    Parameters
    ----------
    model : MLP
        ReLU (or linear) activation, a hidden layer, no residual connections.
    theta : array_like, shape (P,)
    dense_max_p : int
        Largest ``P`` for the closed form.

    Attributes
    ----------
    hessian : ndarray, shape (P, P) or None
        :math:`H(\theta)` when the closed form is used.
    """

    def __init__(self, model, theta, *, dense_max_p: int = 300):
        sharpness.rescale_relu_network(model, theta, 1.0)  # validates model and theta
        dense_max_p = check_int(dense_max_p, "dense_max_p", low=0)
        self.model, self.theta = model, np.asarray(theta, dtype=float).copy()
        self.hessian = (model.hessian(self.theta) if model.dim <= dense_max_p and not model.weight_decay
                        else None)
        self._measured: dict[float, tuple[float, float]] = {}

    def __call__(self, alpha: float) -> tuple[float, float]:
        """``(λ_max, trace)`` of the Hessian at the network rescaled by ``alpha``."""
        if self.hessian is not None:
            d = sharpness.rescale_relu_network(self.model, np.ones(self.model.dim), alpha)  # the diagonal of D_α
            h = self.hessian / np.outer(d, d)
            return float(np.linalg.eigvalsh(h)[-1]), float(np.trace(h))
        alpha = float(alpha)
        if alpha not in self._measured:
            t = sharpness.rescale_relu_network(self.model, self.theta, alpha)
            self._measured[alpha] = (curvature.lambda_max(self.model, t, rng=0),
                                     sharpness.hessian_trace(self.model, t)[0])
        return self._measured[alpha]
