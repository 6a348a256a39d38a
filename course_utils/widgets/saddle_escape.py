r"""Life near a saddle: gradient descent from :math:`(1, \varepsilon)` on :math:`a x^2 - y^2`.

Left: the path on the contour map, with the lines :math:`|y| = 1` where we call the saddle escaped.
Right: steps to escape against :math:`\varepsilon` (log axis) — measured for a sweep of :math:`\varepsilon`
(vectorized: one batched GD run) and the theory :math:`\ln(1/\varepsilon)/\ln(1 + \eta|\lambda_{\min}|)`,
with the current :math:`\varepsilon` highlighted. Sliders: :math:`\varepsilon`, :math:`\eta`, the landscape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import functions
from ..plotting import PathArtists, label_axes, level_bar, plot_contour, series_styles, window_path
from ..saddles import EscapeFit, escape_time_theory, fit_escape_times, gd_escape_steps_quadratic, gd_quadratic_paths
from .base import Explorer, choice, log_slider

__all__ = ["SaddleEscape", "SaddleEscapeState"]

_EPS_GRID = np.logspace(-12, -1, 23)
#: The window of the path panel, ((xmin, xmax), (ymin, ymax)).
_WINDOW = ((-1.2, 1.2), (-1.5, 1.5))
_MAX_STEPS = 20_000


@dataclass(frozen=True)
class SaddleEscapeState:
    """The sweep, its fit, and the path from the current ε.

    Parameters
    ----------
    a : float
        The landscape :math:`a x^2 - y^2` (1 or 5).
    eps : float
        The start offset ε: gradient descent starts at (1, ε).
    lr : float
        The learning rate η.
    lam_max, lam_min : float
        The Hessian's eigenvalues, 2a and -2.
    fit : EscapeFit or None
        Escape steps measured over a sweep of ε from 1e-12 to 0.1 and their fit against ln(1/ε); None when
        fewer than two runs of the sweep escaped.
    path : ndarray, shape (n, 2)
        The iterates from (1, ε) until the escape (or the step limit).
    escape_step : float
        Steps until :math:`|y| \\ge 1` from the current ε (inf when not within the step limit).
    theory_step : float
        The theory's escape time ln(1/ε)/ln(1 + η|λ_min|).
    stable : bool
        Whether :math:`|1 - \\eta \\lambda_{\\max}| < 1`, i.e. gradient descent does not diverge along x.
    message : str
        The message line: measured against theoretical escape time, or why η is too large.
    """

    a: float
    eps: float
    lr: float
    lam_max: float
    lam_min: float
    fit: EscapeFit | None
    path: np.ndarray
    escape_step: float
    theory_step: float
    stable: bool
    message: str


class SaddleEscape(Explorer):
    """Escape time of gradient descent from the saddle of :math:`a x^2 - y^2`, against ε and η.

    Parameters
    ----------
    **values
        Initial control values: ``landscape`` (``a``: 1.0 or 5.0), ``eps`` (1e-12 … 0.1), ``lr`` (0.001 … 0.5);
        also ``presentation=True`` for larger figure and fonts (see :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "Life near a saddle: how long does gradient descent linger?"

    def _make_controls(self):
        return {
            "landscape": choice("landscape", [("x² − y²", 1.0), ("5x² − y²", 5.0)], value=1.0),
            "eps": log_slider("start offset ε", 1e-12, 1e-1, value=1e-6, steps_per_decade=4, readout_format=".0e"),
            "lr": log_slider("learning rate η", 1e-3, 0.5, value=0.05, steps_per_decade=10),
        }

    def __init__(self, **values):
        self._sweeps: dict = {}  # (a, η) -> EscapeFit | None: the ε sweep does not depend on the current ε
        super().__init__(**values)

    def _sweep(self, a: float, lr: float, H: np.ndarray, lam_min: float, max_steps: int) -> EscapeFit | None:
        """Measured escape times over the ε grid and their fit (cached per landscape and learning rate)."""
        key = (a, lr)
        if key not in self._sweeps:
            starts = np.column_stack([np.ones(_EPS_GRID.size), _EPS_GRID])
            measured = gd_escape_steps_quadratic(H, starts, lr, 1.0, max_steps=max_steps, direction=[0.0, 1.0])
            self._sweeps[key] = (fit_escape_times(_EPS_GRID, measured, lr, lam_min)
                                 if np.isfinite(measured).sum() >= 2 else None)
        return self._sweeps[key]

    def compute(self, params) -> SaddleEscapeState:
        """Pure: the control values → the :class:`SaddleEscapeState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``landscape`` (the curvature ``a`` of :math:`a x^2 - y^2`: 1.0 or 5.0), ``eps`` (the start offset ε, 1e-12 … 0.1), ``lr`` (the learning rate η, 0.001 … 0.5).

        Returns
        -------
        SaddleEscapeState
        """
        a, eps, lr = float(params["landscape"]), float(params["eps"]), float(params["lr"])
        land = functions.get("saddle", a=a, b=1.0)
        H = land.hessian(np.zeros(2))
        lam_max, lam_min = 2 * a, -2.0
        stable = abs(1 - lr * lam_max) < 1
        theory_max = float(escape_time_theory(_EPS_GRID.min(), lr, lam_min))
        max_steps = int(min(_MAX_STEPS, np.ceil(theory_max) + 10))
        fit = self._sweep(a, lr, H, lam_min, max_steps)
        theory = float(escape_time_theory(eps, lr, lam_min))
        current = gd_escape_steps_quadratic(H, [[1.0, eps]], lr, 1.0, max_steps=max_steps, direction=[0.0, 1.0])[0]
        n_path = int(current) if np.isfinite(current) else max_steps
        path = gd_quadratic_paths(H, [[1.0, eps]], lr, n_path)[:, 0, :]
        if not stable:
            message = (f"η = {lr:.3g} ≥ 2/λ_max = {2 / lam_max:.3g}: GD diverges along x (the positive-curvature "
                       f"direction) while it escapes along y — no learning rate this large is usable.")
        else:
            message = (f"from ε = {eps:.0e}: escaped (|y| ≥ 1) after {current:.0f} steps; theory "
                       f"ln(1/ε)/ln(1 + η|λ_min|) = {theory:.1f}")
            if fit is not None:
                message += f"; fitted slope {fit.slope:.2f} vs theory {fit.slope_theory:.2f} steps per unit of ln(1/ε)"
        return SaddleEscapeState(a, eps, lr, lam_max, lam_min, fit, path, float(current), theory, stable, message)

    def _build_figure(self):
        # a narrow middle column holds the contour map's colour bar (plain axes, as in the Optimizer Race)
        self.fig, (self.ax, self.cax, self.ax_t) = self.new_figure(
            1, 3, figsize=(11.0, 4.2), gridspec_kw={"width_ratios": [1.0, 0.035, 1.0]})
        # room between the bar's label and the right panel's axis label (they face each other)
        self.fig.get_layout_engine().set(w_pad=0.12)
        self._contour = None
        self._shown_a = None
        for y in (-1.0, 1.0):
            self.ax.axhline(y, color="white", linestyle="--", linewidth=1.2, zorder=3)
        styles = series_styles(3)
        (self._path,) = self.ax.plot([], [], markersize=3, linewidth=1.5, zorder=5, **styles[0])
        (self._start,) = self.ax.plot([], [], marker="o", markersize=9, markerfacecolor="none",
                                      markeredgecolor=styles[0]["color"], markeredgewidth=2, linestyle="none", zorder=6)
        (self._end,) = self.ax.plot([], [], marker="s", markersize=8, color=styles[0]["color"], markeredgecolor="k",
                                    linestyle="none", zorder=6)
        self._drawn = PathArtists(self.ax, artists=(self._path, self._start, self._end), markers=15)
        (self._theory,) = self.ax_t.plot([], [], color="k", linestyle="--", linewidth=1.5,
                                         label="theory ln(1/ε) / ln(1 + η|λ_min|)")
        (self._measured,) = self.ax_t.plot([], [], linestyle="none", marker="o", markersize=5,
                                           color=styles[1]["color"], label="measured (GD)")
        (self._now,) = self.ax_t.plot([], [], linestyle="none", marker="*", markersize=15, color=styles[3 - 1]["color"],
                                      markeredgecolor="k", label="current ε")
        self.ax_t.set_xscale("log")
        self.ax_t.legend(fontsize=self.font(8), loc="upper right")
        label_axes(self.ax_t, title="steps to escape the saddle", xlabel="start offset ε (log scale)",
                            ylabel="steps until |y| ≥ 1")

    def draw(self, state: SaddleEscapeState) -> None:
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : SaddleEscapeState
            The explorer's current state (see :class:`SaddleEscapeState`), from :meth:`compute`.
        """
        if state.a != self._shown_a:
            if self._contour is not None:
                self._contour.remove()
                if hasattr(self._contour, "course_lines"):
                    self._contour.course_lines.remove()
            land = functions.get("saddle", a=state.a, b=1.0)
            self._contour = plot_contour(self.ax, land, bounds=_WINDOW, levels=25,
                                                  title=f"GD on {land.latex} from (1, ε)", xlabel="x", ylabel="y")
            level_bar(self.cax, self._contour, "loss (contour levels)")
            self._relayout()  # the bar's tick labels may have changed width (a new contour is a full redraw)
            self._shown_a = state.a
        # clipped to the window; the run's true end drawn where it is, or an arrow on the edge toward it
        self._path.set_marker("o")
        self._drawn.update(window_path(state.path, _WINDOW))
        if state.fit is not None:
            ok = np.isfinite(state.fit.measured)
            self._measured.set_data(state.fit.eps[ok], state.fit.measured[ok])
            self._theory.set_data(state.fit.eps, state.fit.theory)
            top = float(np.nanmax(np.r_[state.fit.theory, state.fit.measured[ok]]))
        else:
            self._measured.set_data([], [])
            self._theory.set_data([], [])
            top = 10.0
        if np.isfinite(state.escape_step):
            self._now.set_data([state.eps], [state.escape_step])
        else:
            self._now.set_data([], [])
        self.ax_t.set_xlim(_EPS_GRID.min() / 2, _EPS_GRID.max() * 2)
        self.ax_t.set_ylim(0, 1.1 * max(top, 1.0))
