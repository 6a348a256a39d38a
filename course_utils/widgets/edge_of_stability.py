r"""The Stability Explorer: gradient descent on a quadratic diverges exactly when :math:`\eta > 2/\lambda_{\max}`.

On :math:`L(\theta) = \tfrac12\theta^\top H\theta`, each eigen-component of :math:`\theta` is multiplied by
:math:`1 - \eta\lambda_i` per step. The learning-rate slider crosses :math:`2/\lambda_{\max}`: below it the loss
falls (oscillating along the sharp direction once :math:`\eta > 1/\lambda_{\max}`), above it the loss grows
geometrically.

Examples
--------
>>> e = StabilityExplorer(lr=0.21)
>>> e.state.stable
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import optimizers
from ..models import Quadratic
from ..sharpness import gd_stability_threshold
from .base import Explorer, float_slider

__all__ = ["StabilityExplorer", "StabilityState"]

_EIGS = (1.0, 10.0)
_START = (1.5, 0.6)
_STEPS = 40
_BOUNDS = ((-2.0, 2.0), (-1.2, 1.2))


@dataclass(frozen=True)
class StabilityState:
    """One GD run on the quadratic and the verdict.

    Parameters
    ----------
    lr, threshold : float
        :math:`\\eta` and :math:`2/\\lambda_{\\max}`.
    multiplier : float
        :math:`\\max_i |1 - \\eta\\lambda_i|`; the run is stable iff it is < 1.
    stable : bool
        Whether ``multiplier < 1``: gradient descent converges at this η.
    path : ndarray, shape (T + 1, 2)
        The iterates, start included (``T`` is 40, or fewer when the run diverged).
    losses : ndarray, shape (T + 1,)
        The loss at each iterate.
    message : str
        The message line: η against :math:`2/\\lambda_{\\max}`, the multiplier and the outcome.
    diverged : bool
        Whether the run diverged (stopped at its last finite point).
    """

    lr: float
    threshold: float
    multiplier: float
    stable: bool
    path: np.ndarray
    losses: np.ndarray
    message: str
    diverged: bool = False


class StabilityExplorer(Explorer):
    """GD on ½θᵀHθ with eigenvalues 1 and 10 (control: ``lr`` from 0.01 to 0.25; 2/λ_max = 0.2).

    Parameters
    ----------
    **values
        Initial control value ``lr``; also ``presentation=True`` for larger figure and fonts (see
        :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "The stability threshold η = 2/λ_max"

    def __init__(self, **values):
        self.quadratic = Quadratic.from_eigenvalues(_EIGS, angle=np.pi / 6)
        self.threshold = gd_stability_threshold(self.quadratic.hessian(np.zeros(2)))
        super().__init__(**values)

    def _make_controls(self):
        return {"lr": float_slider("learning rate η", 0.01, 0.25, 0.005, 0.1, readout_format=".3f")}

    def compute(self, params) -> StabilityState:
        """Pure: the control values → the :class:`StabilityState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``lr`` (the learning rate η, 0.01 … 0.25).

        Returns
        -------
        StabilityState
        """
        lr = float(params["lr"])
        traj = optimizers.run(self.quadratic, optimizers.gd(), _START, steps=_STEPS, lr=lr)
        mult = float(np.max(np.abs(1 - lr * np.array(_EIGS))))
        stable = mult < 1
        verdict = "converges" if stable else ("neither converges nor diverges" if mult == 1 else "diverges")
        msg = (f"η = {lr:.3f} {'<' if lr < self.threshold else ('=' if lr == self.threshold else '>')} "
               f"2/λ_max = {self.threshold:.3f}: max|1 − ηλ| = {mult:.2f}, so GD {verdict}"
               + (f" ({traj.message.split(': ', 1)[1]})" if traj.diverged else
                  f"; loss after {traj.steps} steps {traj.final_loss:.3g}") + ".")
        return StabilityState(lr, self.threshold, mult, stable, traj.thetas, traj.losses, msg,
                              diverged=traj.diverged)

    def _build_figure(self):
        from ..plotting import OKABE_ITO, PathArtists, label_axes, level_bar, plot_contour

        # the contour map's colour bar in a narrow column of its own (the colours are loss values)
        self.fig, (self.ax_path, self.cax, self.ax_loss) = self.new_figure(
            1, 3, figsize=(9.6, 3.8), gridspec_kw={"width_ratios": [1.0, 0.045, 1.0]})
        # room between the bar's label and the loss panel's axis label (they face each other)
        self.fig.get_layout_engine().set(w_pad=0.12)
        cs = plot_contour(self.ax_path, self.quadratic, _BOUNDS, levels=20)
        level_bar(self.cax, cs, "loss (contour levels)")
        (self.path_line,) = self.ax_path.plot([], [], color=OKABE_ITO[3], marker="o", markersize=3, linewidth=1,
                                              label="GD iterates")
        (start,) = self.ax_path.plot([], [], marker="o", markersize=8, markerfacecolor="none", markeredgecolor="k",
                                     markeredgewidth=1.6, linestyle="none", zorder=6, label="start")
        (end,) = self.ax_path.plot([], [], marker="s", markersize=7, color=OKABE_ITO[3], markeredgecolor="k",
                                   linestyle="none", zorder=6, label="end (X: diverged)")
        # the path clipped to the window, its end where it is or an arrow toward it off-screen
        self._path = PathArtists(self.ax_path, artists=(self.path_line, start, end))
        self.ax_path.legend(loc="lower left", fontsize=self.font(8), framealpha=0.85)
        label_axes(self.ax_path, "GD iterates", r"$\theta_1$", r"$\theta_2$")
        (self.loss_line,) = self.ax_loss.semilogy([], [], color=OKABE_ITO[4], marker=".", linestyle="-")
        self.ax_loss.set_xlim(0, _STEPS)
        self.ax_loss.set_ylim(1e-12, 1e6)
        label_axes(self.ax_loss, "Loss (log scale)", "step", "loss")

    def draw(self, state: StabilityState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : StabilityState
            The explorer's current state (see :class:`StabilityState`), from :meth:`compute`.
        """
        from ..plotting import window_path

        self._path.update(window_path(state.path, _BOUNDS, diverged=state.diverged))
        losses = np.where(np.isfinite(state.losses), state.losses, np.nan)
        self.loss_line.set_data(np.arange(losses.size), np.clip(losses, 1e-12, 1e6))
