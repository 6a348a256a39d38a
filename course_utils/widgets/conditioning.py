r"""Conditioning Explorer: convex but slow — gradient descent on the bowl :math:`\tfrac12(x^2 + \kappa y^2)`.

Sliders for the condition number :math:`\kappa` and the step size :math:`\eta`. Left: the zig-zag path on
the contours. Right: the loss against the step, on a log scale, beside the theoretical envelope
:math:`\rho^{2t} f(\theta_0)` with :math:`\rho = \max_i|1 - \eta\lambda_i|`
(:func:`course_utils.convexity.gd_contraction_factor`). The message compares :math:`\eta` with the best
step :math:`2/(\mu + L)` and the stability limit :math:`2/L`, and says in words when the run diverges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import convexity, functions, optimizers
from ..plotting import OKABE_ITO, PathArtists, label_axes, plot_contour, window_path
from .base import Explorer, choice, int_slider, log_slider
from .blitting import keep_redrawing
from .limits import nice_limits

__all__ = ["ConditioningExplorer", "ConditioningState"]

START = (-1.8, 0.9)
CONTOUR_GREY = "0.6"
BOUNDS = ((-2.0, 2.0), (-1.2, 1.2))


@dataclass(frozen=True)
class ConditioningState:
    """What the Conditioning Explorer shows.

    Parameters
    ----------
    kappa, lr : float
        The condition number κ of the Hessian diag(1, κ) and the step size η.
    constants : convexity.QuadraticConstants
        μ, L, κ, the best step and its rate for the Hessian diag(1, κ).
    rho : float
        Contraction factor at this ``lr``.
    trajectory : optimizers.Trajectory
        The gradient-descent run from (-1.8, 0.9).
    envelope : ndarray, shape (T + 1,)
        :math:`\\rho^{2t} f(\\theta_0)`: an upper bound on the loss (the loss minimum is 0).
    message : str
        The message line: η against the best and the largest stable step, the rate, or the divergence.
    steps : int
        Steps requested (the run may stop earlier when it diverges; the step axis shows them all).
    """

    kappa: float
    lr: float
    constants: convexity.QuadraticConstants
    rho: float
    trajectory: optimizers.Trajectory
    envelope: np.ndarray
    message: str
    steps: int


class ConditioningExplorer(Explorer):
    r"""Gradient descent on :math:`\tfrac12(x^2 + \kappa y^2)`: the zig-zag, the rate, the edge of stability.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts for projector demos.
    **values
        Initial control values: ``kappa`` (1 … 100), ``lr`` (0.001 … 2.5), ``steps`` (5 … 300), and ``step_rule``:
        ``"slider"`` (η is the slider's value) or ``"best"`` (η = 2/(μ+L) exactly, which a slider of discrete
        positions cannot hit at every κ).
    """


    title = "Conditioning Explorer — convex, yet slow when κ is large"

    def _make_controls(self):
        return {
            "kappa": log_slider("condition number κ", 1.0, 100.0, value=10.0, readout_format=".3g"),
            "lr": log_slider("step size η", 1e-3, 2.5, value=0.15, steps_per_decade=40, readout_format=".3g"),
            "steps": int_slider("steps", 5, 300, value=60, step=5),
            "step_rule": choice("η from", [("the slider", "slider"), ("2/(μ+L) exactly", "best")],
                                tooltips=["the step size slider's value",
                                          "the step that minimises the worst-case rate max|1 − ηλ|"]),
        }

    def compute(self, params):
        """Pure: the control values → the :class:`ConditioningState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``kappa`` (the condition number κ, 1 … 100), ``lr`` (the step size η, 0.001 … 2.5), ``steps`` (5 … 300), ``step_rule`` (``"slider"``, or ``"best"`` for η = 2/(μ+L)).

        Returns
        -------
        ConditioningState
        """
        kappa, lr, steps = float(params["kappa"]), float(params["lr"]), int(params["steps"])
        bowl = functions.get("bowl", condition=kappa)
        consts = convexity.quadratic_constants(np.array([1.0, kappa]))
        if params.get("step_rule", "slider") == "best":
            lr = consts.best_step
        rho = convexity.gd_contraction_factor(consts.eigenvalues, lr)
        traj = optimizers.run(bowl, optimizers.gd(), START, steps=steps, lr=lr)
        t = np.arange(len(traj.losses))
        with np.errstate(over="ignore", under="ignore"):
            envelope = traj.losses[0] * rho ** (2.0 * t)
        return ConditioningState(kappa, lr, consts, rho, traj, envelope, self._message(consts, lr, rho, traj), steps)

    @staticmethod
    def _message(c, lr, rho, traj) -> str:
        where = (f"η = {lr:.3g} (2/(μ+L) = {c.best_step:.3g}, best in the worst case; limit 2/L = "
                 f"{c.max_stable_step:.3g})")
        if traj.diverged:
            return (f"{where}: η > 2/L, so the steep direction overshoots by a factor |1 − ηL| = {rho:.3g} "
                    f"each step — diverged at step {traj.diverged_at}")
        if rho > 1 + 1e-12:
            return (f"{where}: η > 2/L, so the steep direction grows by |1 − ηL| = {rho:.3g} each step — diverging "
                    f"(loss {traj.losses[0]:.3g} → {traj.final_loss:.3g} in {traj.steps} steps)")
        if rho > 1 - 1e-12:
            return (f"{where}: ρ = 1 — on the edge of stability (η = 2/L or a flat direction), the iterates "
                    f"oscillate without converging")
        if rho < 1e-12:
            return f"{where}: ρ = 0 — κ = 1 and η = 1/L: gradient descent lands on the minimum in one step"
        steps_to_1e6 = np.log(1e-6) / (2 * np.log(rho))
        return (f"{where}: ρ = max|1 − ηλ| = {rho:.3g} per step (the best guaranteed rate, over all starts, is (κ−1)/(κ+1) = {c.rate:.3g}); "
                f"loss {traj.final_loss:.3g} after {traj.steps} steps; about {steps_to_1e6:.0f} steps per "
                f"factor 10⁶ in loss")

    def _build_figure(self):
        self.fig, (self.ax, self.ax_loss) = self.new_figure(1, 2, figsize=(10.0, 4.2))
        self._contours = None
        self._contour_kappa = None
        (self.path,) = self.ax.plot([], [], color=OKABE_ITO[3], marker="o", markersize=3, linewidth=1.4,
                                    label="gradient descent")
        self.ax.plot(*START, marker="o", markersize=9, markerfacecolor="none", markeredgecolor="k",
                     markeredgewidth=1.8, linestyle="none", label="start")
        (end,) = self.ax.plot([], [], marker="s", markersize=7, color=OKABE_ITO[3], markeredgecolor="k",
                              linestyle="none", zorder=6, label="end (X: diverged)")
        (no_start,) = self.ax.plot([], [], linestyle="none")  # the start is drawn once, above
        # the path clipped to the window, its end where it is or an arrow toward it off-screen
        self._path = PathArtists(self.ax, artists=(self.path, no_start, end), show_start=False)
        self.ax.plot(0, 0, marker="*", markersize=13, markerfacecolor="white", markeredgecolor="k", linestyle="none",
                     label="minimum", zorder=5)
        self.ax.plot([], [], color=CONTOUR_GREY, linewidth=1.0, label="loss contours (log-spaced)")
        self.ax.set_xlim(*BOUNDS[0])
        self.ax.set_ylim(*BOUNDS[1])
        self.ax.legend(loc="upper right", fontsize=self.font(8), framealpha=0.85)
        label_axes(self.ax, title="stretched bowl ½(x² + κy²)", xlabel="x", ylabel="y")
        keep_redrawing(self.ax.title)  # it shows κ: redrawn by each blit from the start (no full draw on a first κ)
        (self.loss_line,) = self.ax_loss.plot([], [], color=OKABE_ITO[3], marker="o", markersize=3, linewidth=1.6,
                                              label="loss f(θₜ)")
        (self.env_line,) = self.ax_loss.plot([], [], color="k", linestyle="--", linewidth=1.4,
                                             label="theory ρ²ᵗ f(θ₀)")
        (self.div_marker,) = self.ax_loss.plot([], [], marker="X", markersize=11, color=OKABE_ITO[3],
                                               markeredgecolor="k", linestyle="none", label="diverged")
        self.ax_loss.set_yscale("log")
        # Limits change only when the curves leave the view or shrink to a small part of it (not on every
        # tick): the axes furniture then stays a cached background and most updates are a cheap blit.
        self.ax_loss.legend(loc="lower left", fontsize=self.font(8), framealpha=0.85)
        label_axes(self.ax_loss, title="loss against step (log scale)", xlabel="step t", ylabel="loss f(θₜ)")

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : ConditioningState
            The explorer's current state (see :class:`ConditioningState`), from :meth:`compute`.
        """
        if self._contour_kappa != state.kappa:  # replace the one contour set only when κ changes
            if self._contours is not None:
                self._contours.remove()
            bowl = functions.get("bowl", condition=state.kappa)
            # 11 rings (was 14): the rings move with κ, so each one costs bytes per step (ipympl sends the changed
            # pixels as a PNG: 50 → 40 kB per κ step here); log-spaced, ×2–3 in loss from one ring to the next
            levels = np.geomspace(1e-3, 0.5 * (4 + state.kappa * 1.44), 11)
            self._contours = plot_contour(self.ax, bowl, BOUNDS, levels=levels, resolution=81, filled=False,
                                          minima=np.zeros((0, 2)),
                                          title=f"stretched bowl ½(x² + κy²), κ = {state.kappa:.3g}",
                                          xlabel="x", ylabel="y")
            # one grey for every level: the colour carries no number here (the levels are log-spaced heights)
            self._contours.set_edgecolor(CONTOUR_GREY)
            self._contour_kappa = state.kappa
        traj = state.trajectory
        self._path.update(window_path(traj.thetas, BOUNDS, diverged=traj.diverged))
        losses = traj.losses
        ok = np.isfinite(losses) & (losses > 0)
        t = np.arange(len(losses))
        self.loss_line.set_data(t[ok], losses[ok])
        env_ok = np.isfinite(state.envelope) & (state.envelope > 0)
        self.env_line.set_data(t[env_ok], state.envelope[env_ok])
        if traj.diverged and ok.any():
            last = np.flatnonzero(ok)[-1]
            self.div_marker.set_data([t[last]], [losses[last]])
        else:
            self.div_marker.set_data([], [])
        self.ax_loss.set_xlim(0, state.steps)  # the requested horizon: a run that diverges early keeps the axis
        shown = np.concatenate([losses[ok], state.envelope[env_ok]])
        lo = max(float(shown.min()), 1e-30) if shown.size else 1e-6
        hi = float(shown.max()) if shown.size else 1.0
        # limits from the shown data alone, in coarse steps (the same setting shows the same axis however it was
        # reached; a slow drag changes them rarely)
        self.ax_loss.set_ylim(*nice_limits(lo, min(hi, 1e12), log=True, headroom=0.15, min_span=1.0))
