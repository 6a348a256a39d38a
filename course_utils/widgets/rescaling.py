r"""The Rescaling Explorer: why slices need filter normalization.

A ReLU unit satisfies :math:`\mathrm{relu}(a z) = a\,\mathrm{relu}(z)` for :math:`a > 0`, so the
reparametrization :math:`(W_1, b_1, W_2) \to (a W_1, a b_1, W_2 / a)` of a one-hidden-layer ReLU network
computes exactly the same function and has exactly the same loss (Dinh et al. 2017). A *raw* Gaussian
direction, however, moves the small weights by as much as the large ones, so the loss along it — what a
landscape picture shows — changes shape with :math:`a`. Filter-normalized directions (Li et al. 2018)
scale with each unit's weights and give the same slice for every :math:`a`.

The explorer draws the 1-D slice :math:`L(\theta_a + t\,d)` for the original network (:math:`a = 1`, grey
dashed) and for the rescaled one (solid), along a raw direction (left) and a filter-normalized one (right),
with the same random draw for both networks.

Examples
--------
>>> from course_utils.widgets import RescalingExplorer
>>> e = RescalingExplorer(scale=4.0)
>>> e.state.loss_change < 1e-12, e.state.filter_change < 1e-9, e.state.raw_change > 0.01
(True, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..plotting import font_sizes
from ..problems import moons_problem
from ..rescaling import rescaled_slices
from ..sharpness import rescale_relu_network
from .base import Explorer, int_slider, log_slider
from .limits import nice_limits

__all__ = ["RescalingExplorer", "RescalingState"]

# The rescaling and its slices are analysis, not widget code: course_utils.rescaling (chapter 5's
# ReparameterizationExplorer calls the same function).

_TS = np.linspace(-1.0, 1.0, 81)


@dataclass(frozen=True)
class RescalingState:
    r"""The four slices and how much the rescaling changed each.

    Parameters
    ----------
    scale : float
        The scale :math:`a` of the first layer (the second is divided by it).
    ts : ndarray, shape (T,)
        Steps along the direction (81 points in [-1, 1]).
    raw, raw_ref, filt, filt_ref : ndarray, shape (T,)
        Losses along the raw / filter-normalized direction for the rescaled network and for ``a = 1``.
    loss_change : float
        :math:`|L(\theta_a) - L(\theta_1)|` (0 up to rounding).
    raw_change, filter_change : float
        Largest difference between the rescaled and the reference slice.
    message : str
        The message line: how much the loss and each slice changed.
    """

    scale: float
    ts: np.ndarray
    raw: np.ndarray
    raw_ref: np.ndarray
    filt: np.ndarray
    filt_ref: np.ndarray
    loss_change: float
    raw_change: float
    filter_change: float
    message: str


class RescalingExplorer(Explorer):
    """Rescale a ReLU network's layers and watch raw vs filter-normalized slices.

    Parameters
    ----------
    model : MLP, optional
        A one-hidden-layer-or-more ReLU MLP (default: the chapter network).
    theta : array_like, shape (P,), optional
        Parameters of ``model``; with ``model=None``, default the chapter network's trained θ*.
    **values

        ``scale`` (a, 0.25–4, log scale), ``seed`` (direction draw, 0–20).
    """

    title = "Rescaling a ReLU network: same function, different raw slice"
    controls_position = "top"

    def __init__(self, model=None, theta=None, **values):
        if model is None:
            problem = moons_problem()
            model, theta = problem.model, problem.theta if theta is None else theta
        rescale_relu_network(model, theta, 1.0)  # validates model and theta
        self.model, self.theta = model, np.asarray(theta, dtype=float).copy()
        super().__init__(**values)

    def _make_controls(self):
        return {
            "scale": log_slider("layer-1 scale a", 0.25, 4.0, 1.0, readout_format=".2f"),
            "seed": int_slider("direction seed", 0, 20, value=0),
        }

    def compute(self, params) -> RescalingState:
        """Pure: the control values → the :class:`RescalingState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``scale`` (the layer-1 scale a, 0.25 … 4), ``seed`` (seed of the raw direction, 0 … 20).

        Returns
        -------
        RescalingState
        """
        from .. import surfaces

        a, seed = float(params["scale"]), int(params["seed"])
        raw = surfaces.gaussian_direction(self.model.dim, seed)
        ref, new = (rescaled_slices(self.model, self.theta, alpha, raw, _TS) for alpha in (1.0, a))
        curves = {"raw_ref": ref.raw, "filt_ref": ref.filter, "raw_new": new.raw, "filt_new": new.filter}
        loss_change = new.loss_change
        raw_change = float(np.max(np.abs(curves["raw_new"] - curves["raw_ref"])))
        filter_change = float(np.max(np.abs(curves["filt_new"] - curves["filt_ref"])))
        message = (f"a = {a:.2f}: the loss at the centre changed by {loss_change:.1e} (same function). "
                   f"Raw slice changed by up to {raw_change:.3g}; filter-normalized slice by {filter_change:.1e}.")
        return RescalingState(scale=a, ts=_TS, raw=curves["raw_new"], raw_ref=curves["raw_ref"],
                              filt=curves["filt_new"], filt_ref=curves["filt_ref"], loss_change=loss_change,
                              raw_change=raw_change, filter_change=filter_change, message=message)

    def _build_figure(self):
        from ..plotting import OKABE_ITO, label_axes

        self.fig, axes = self.new_figure(1, 2, figsize=(10.0, 4.0))
        self.ax_raw, self.ax_filt = axes
        self.lines = {}
        for key, ax, title in (("raw", self.ax_raw, "raw Gaussian direction"),
                               ("filt", self.ax_filt, "filter-normalized direction")):
            label_axes(ax, title=title, xlabel="step t along the direction", ylabel="loss L(θ + t·d)")
            (self.lines[key + "_ref"],) = ax.plot([], [], color="0.45", linestyle="--", linewidth=2.2,
                                                  label="original network (a = 1)")
            (self.lines[key],) = ax.plot([], [], color=OKABE_ITO[4], linestyle="-", marker="o", markevery=10,
                                         markersize=4, label="rescaled network")
            ax.legend(loc="upper center", fontsize=self.font(8))
            ax.set_xlim(_TS[0], _TS[-1])
            ax.set_xticks(np.linspace(_TS[0], _TS[-1], 5))  # steps of 0.5: at 0.25 the labels ran together
        # The loss axis starts at 0; its top is snapped to a coarse grid (course_utils.widgets.limits.nice_limits):
        # it changes only when the curves cross a grid cell (the axes furniture stays a cached background: cheap
        # blits), and it is a function of the state — the same axes however the student reached a setting.

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : RescalingState
            The explorer's current state (see :class:`RescalingState`), from :meth:`compute`.
        """
        for key, ax in (("raw", self.ax_raw), ("filt", self.ax_filt)):
            new, ref = getattr(state, key), getattr(state, key + "_ref")
            self.lines[key].set_data(state.ts, new)
            self.lines[key + "_ref"].set_data(state.ts, ref)
            both = np.concatenate([new, ref])
            both = both[np.isfinite(both)]
            top = float(np.percentile(both, 99)) if both.size else 1.0
            ax.set_ylim(0.0, nice_limits(0.0, max(top, 1e-6), headroom=0.25)[1])
        # the titles at the figure's title size (presentation-aware), like every other text of the figure
        size = font_sizes(self.fig)["title"]
        self.ax_raw.set_title(f"raw Gaussian direction (a = {state.scale:.2f})", fontsize=size)
        self.ax_filt.set_title(f"filter-normalized direction (a = {state.scale:.2f})", fontsize=size)
