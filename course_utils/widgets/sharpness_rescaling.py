r"""The Reparameterization Explorer: the same network, a different sharpness (Dinh et al. 2017).

:func:`course_utils.sharpness.rescale_relu_network` maps :math:`(W_1, b_1, W_2)` to
:math:`(\alpha W_1, \alpha b_1, W_2/\alpha)`. The predictions and the loss do not change (the message says by
how much: rounding only), yet :math:`\lambda_{\max}` and the trace of the Hessian do (left, log–log, the current
:math:`\alpha` marked). The loss along a filter-normalized direction (right, solid) is the same for every
:math:`\alpha`; along a raw direction (dashed) it is not.

Examples
--------
>>> e = ReparameterizationExplorer(alpha=4.0)            # doctest: +SKIP
>>> e.state.loss_change < 1e-12 and e.state.lambda_max != e.state.lambda_max_ref
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import sharpness, surfaces
from ..rescaling import RescaledCurvature, rescaled_slices
from .base import Explorer, log_slider

__all__ = ["ReparameterizationExplorer", "ReparameterizationState"]

_ALPHAS = np.geomspace(0.1, 10.0, 9)
_TS = np.linspace(-1.0, 1.0, 61)
#: Up to this many parameters, λ_max and the trace at every α come from one dense Hessian
#: (:class:`course_utils.rescaling.RescaledCurvature`).
_DENSE_HESSIAN_MAX_P = 300


@dataclass(frozen=True)
class ReparameterizationState:
    """Measures at the rescaled network and the slices through it.

    Parameters
    ----------
    alpha : float
        The scale α: :math:`(W_1, b_1, W_2) \\to (\\alpha W_1, \\alpha b_1, W_2/\\alpha)`.
    loss_change, prediction_change : float
        :math:`|L(\\theta_\\alpha) - L(\\theta)|` and the largest change of a prediction.
    lambda_max, trace : float
        At :math:`\\theta_\\alpha`.
    lambda_max_ref, trace_ref : float
        At :math:`\\theta` (:math:`\\alpha = 1`).
    filter_slice, raw_slice, filter_ref, raw_ref : ndarray, shape (T,)
        Loss along a filter-normalized and along a raw direction, for :math:`t` in [-1, 1] (61 points),
        through :math:`\\theta_\\alpha` and through :math:`\\theta`.
    message : str
        The message line: how little the loss and the predictions changed, how much λ_max and the trace did.
    """

    alpha: float
    loss_change: float
    prediction_change: float
    lambda_max: float
    trace: float
    lambda_max_ref: float
    trace_ref: float
    filter_slice: np.ndarray
    raw_slice: np.ndarray
    filter_ref: np.ndarray
    raw_ref: np.ndarray
    message: str


class ReparameterizationExplorer(Explorer):
    """Rescale a trained ReLU MLP by α (0.1–10, log scale) and watch which sharpness measures move.

    Parameters
    ----------
    model : MLP
        ReLU (or linear) activation.
    theta : array_like, shape (P,)
        A trained parameter vector.
    **values
        Initial control value ``alpha`` (0.1 … 10); also ``presentation=True`` for larger figure and fonts
        (see :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "Sharpness depends on the parameterization"

    def __init__(self, model, theta, **values):
        sharpness.rescale_relu_network(model, theta, 1.0)  # validates model and theta
        self.model, self.theta = model, np.asarray(theta, dtype=float).copy()
        # One dense Hessian at α = 1 gives λ_max and the trace at every α exactly when P is small (see
        # RescaledCurvature; the tests compare with measuring at θ_α).
        self._curvature = RescaledCurvature(model, self.theta, dense_max_p=_DENSE_HESSIAN_MAX_P)
        self._hessian = self._curvature.hessian
        self.curve = np.array([self._measures(a) for a in _ALPHAS])  # (A, 2): lambda_max, trace
        self.raw_direction = surfaces.gaussian_direction(model.dim, 0)
        self.raw_direction *= 0.5 * np.linalg.norm(self.theta) / np.linalg.norm(self.raw_direction)
        self._ref_slices = self._slices(1.0)  # shown on every setting
        super().__init__(**values)

    def _measures(self, alpha) -> tuple[float, float]:
        """``(λ_max, trace)`` of the Hessian at the network rescaled by ``alpha``."""
        return self._curvature(alpha)

    def _slices(self, alpha: float):
        """``(filter-normalized, raw)`` slices through the network rescaled by ``alpha``."""
        s = rescaled_slices(self.model, self.theta, alpha, self.raw_direction, _TS)
        return s.filter, s.raw

    def _make_controls(self):
        return {"alpha": log_slider("layer scale α", 0.1, 10.0, 1.0, readout_format=".2f")}

    def compute(self, params) -> ReparameterizationState:
        """Pure: the control values → the :class:`ReparameterizationState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``alpha`` (the layer scale α, 0.1 … 10).

        Returns
        -------
        ReparameterizationState
        """
        a = float(params["alpha"])
        lam, tr = self._measures(a)
        lam1, tr1 = self._measures(1.0)
        s = rescaled_slices(self.model, self.theta, a, self.raw_direction, _TS)
        filt, raw = s.filter, s.raw
        filt1, raw1 = self._ref_slices
        dl, dp = s.loss_change, s.prediction_change
        msg = (f"α = {a:.2f}: loss changed by {dl:.1e}, predictions by {dp:.1e} (the same function); "
               f"λ_max {lam:.3g} (was {lam1:.3g}), trace {tr:.3g} (was {tr1:.3g}).")
        return ReparameterizationState(a, dl, dp, lam, tr, lam1, tr1, filt, raw, filt1, raw1, msg)

    def _build_figure(self):
        from ..plotting import OKABE_ITO, label_axes

        self.fig, (self.ax_m, self.ax_s) = self.new_figure(1, 2, figsize=(10.0, 3.9))
        self.ax_m.loglog(_ALPHAS, self.curve[:, 0], color=OKABE_ITO[3], linestyle="-", marker="o", markersize=3,
                         label="λ_max")
        self.ax_m.loglog(_ALPHAS, self.curve[:, 1], color=OKABE_ITO[4], linestyle="--", marker="s", markersize=3,
                         label="trace")
        (self.mark_lam,) = self.ax_m.plot([], [], marker="o", color=OKABE_ITO[3], markersize=10, markeredgecolor="k",
                                          linestyle="none")
        (self.mark_tr,) = self.ax_m.plot([], [], marker="s", color=OKABE_ITO[4], markersize=10, markeredgecolor="k",
                                         linestyle="none")
        # the curves are U-shaped (λ_max, trace ∝ α² on one side, 1/α² on the other), lowest near α = 1: the top
        # centre stays clear of them, and of the markers that ride on them, at every α ("best" placement, chosen
        # once before any marker is drawn, could put the legend over the α ≥ 8 end)
        self.ax_m.legend(fontsize=self.font(8), loc="upper center")
        lo, hi = np.nanmin(self.curve), np.nanmax(self.curve)
        self.ax_m.set_ylim(lo / 1.5, hi * 4)   # room above the arms for the legend (log axis)
        label_axes(self.ax_m, "Hessian measures vs α (same function!)", "α", "value")
        (self.f_ref,) = self.ax_s.plot(_TS, np.zeros_like(_TS), color="0.6", linewidth=4, label="filter-norm., α = 1")
        (self.f_line,) = self.ax_s.plot([], [], color=OKABE_ITO[2], linestyle="-", label="filter-normalized, α")
        (self.r_ref,) = self.ax_s.plot(_TS, np.zeros_like(_TS), color="0.6", linestyle=":", label="raw, α = 1")
        (self.r_line,) = self.ax_s.plot([], [], color=OKABE_ITO[5], linestyle="--", label="raw direction, α")
        self.ax_s.legend(fontsize=self.font(8))
        label_axes(self.ax_s, "1-D slices through the rescaled network", "t", "loss L(θ_α + t·d)")
        self.ax_s.set_xticks(np.linspace(_TS[0], _TS[-1], 5))  # steps of 0.5: at 0.25 the labels ran together
        self.ax_s.set_ylim(*self._slice_limits())

    def _slice_limits(self) -> tuple[float, float]:
        """Fixed y limits: every slice over the slider's α values fits (so moving α never rescales the axes).

        The raw slice shoots up at extreme α (to ~10× the α = 1 slice's height): the view is capped at three times
        that height, so the invariant filter-normalized curve stays readable and a runaway raw slice leaves the
        top of the plot.
        """
        c = self.controls["alpha"]
        alphas = c.base ** np.arange(c.min, c.max + c.step / 2, c.step)
        vals = np.concatenate([np.r_[self._slices(a)]
                               for a in alphas] + [np.r_[self._ref_slices].ravel()], axis=None)
        vals = vals[np.isfinite(vals)]
        hi = min(float(vals.max()), 3 * float(np.max(self._ref_slices[0])))
        return float(vals.min()) - 0.05, hi * 1.05

    def draw(self, state: ReparameterizationState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : ReparameterizationState
            The explorer's current state (see :class:`ReparameterizationState`), from :meth:`compute`.
        """
        self.mark_lam.set_data([state.alpha], [state.lambda_max])
        self.mark_tr.set_data([state.alpha], [state.trace])
        self.f_ref.set_ydata(state.filter_ref)
        self.r_ref.set_ydata(state.raw_ref)
        self.f_line.set_data(_TS, state.filter_slice)
        self.r_line.set_data(_TS, state.raw_slice)
