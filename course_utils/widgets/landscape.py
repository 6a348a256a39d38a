r"""The Landscape Explorer: 2-D slices of a network's loss along random directions.

The slice :math:`f(\alpha, \beta) = L(\theta^* + \alpha d_1 + \beta d_2)` through a trained network
:math:`\theta^*`, with Gaussian directions drawn from a seed and normalized per filter, per layer or not at
all (:mod:`course_utils.surfaces`). Controls: direction seed, range of α and β, grid resolution,
normalization, and the view: the filled contour map alone, or with a 3-D surface beside it that rotates with
the mouse in the browser (:class:`~course_utils.widgets.surface3d.SurfaceView`, plotly's WebGL: a rotation never
reaches the kernel; the surface is sent only while it is shown, and only when it changes). Both views colour the
losses alike, so the one colour bar reads for both. The message line reports the loss at the centre, the grid's range of losses and,
for raw directions, how much larger the step is than the weights.

By default it shows the chapter-2 network (:func:`course_utils.problems.moons_problem`): a 2-16-1 ReLU MLP with MSE loss trained
on 200 two-moons points. The grid is evaluated batched (:func:`course_utils.surfaces.slice_2d` exploits that
the layers are affine in α and β), so a 61×61 slice redraws while you drag.

Examples
--------
>>> from course_utils.widgets import LandscapeExplorer
>>> e = LandscapeExplorer(resolution=21)
>>> e.state.slice.losses.shape
(21, 21)
>>> e.controls["normalization"].value = "none"
>>> e.state.normalization
'none'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problems import moons_problem
from .base import Explorer, choice, float_slider, int_slider

__all__ = ["LandscapeExplorer", "LandscapeState"]


@dataclass(frozen=True)
class LandscapeState:
    """What the Landscape Explorer shows.

    Parameters
    ----------
    slice : Slice2D
        ``slice.losses[i, j]`` at ``(alphas[i], betas[j])``.
    normalization : str
        How the directions were normalized: ``"filter"``, ``"layer"`` or ``"none"``.
    seed : int
        Seed the two random directions were drawn from.
    view : str
        ``"contour"`` or ``"surface"``.
    step_ratio : float
        :math:`\\|d_1\\| / \\|\\theta^*\\|`: how long a unit step is relative to the weights.
    message : str
        The message line: the loss at the centre, the range of losses on the grid, the step ratio.
    """


    slice: object
    normalization: str
    seed: int
    view: str
    step_ratio: float
    message: str


class LandscapeExplorer(Explorer):
    """Slice a network's loss along two random directions.

    Parameters
    ----------
    model : MLP or Objective, optional
        Default: the chapter network of :func:`course_utils.problems.moons_problem`.
    theta : array_like, shape (P,), optional
        Centre of the slice (default: the trained :math:`\\theta^*`).
    **values
        Initial control values: ``seed`` (0–20), ``span`` (0.1–2), ``resolution`` (11–81),
        ``normalization`` ("filter"/"layer"/"none"), ``view`` ("contour"/"surface").
    """

    title = "Landscape Explorer — a 2-D slice through a network's loss"
    controls_position = "top"
    freeze_layout = False

    def __init__(self, model=None, theta=None, **values):
        from ..validation import check_vector

        if model is None:
            problem = moons_problem()
            model, theta = problem.model, problem.theta if theta is None else theta
        if theta is None:
            raise ValueError("`theta` is required when `model` is given")
        self.model = model
        self.theta = check_vector(theta, "theta", model.dim)
        self._center_loss = model.loss(self.theta)
        super().__init__(**values)

    def _make_controls(self):
        return {
            "seed": int_slider("direction seed", 0, 20, value=0),
            "span": float_slider("range ±", 0.1, 2.0, 0.1, 1.0, readout_format=".1f"),
            "resolution": int_slider("grid points per axis", 11, 81, step=10, value=41),
            "normalization": choice("normalization", [("filter", "filter"), ("layer", "layer"), ("none", "none")],
                                    value="filter", tooltips=["Li et al. 2018: per output unit, biases zeroed",
                                                              "per weight matrix", "raw Gaussian direction"]),
            "view": choice("view", [("contour", "contour"), ("3-D surface", "surface")], value="contour"),
        }

    def compute(self, params) -> LandscapeState:
        """Pure: the control values → the :class:`LandscapeState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``seed`` (direction seed, 0 … 20), ``span`` (the range r: α and β run over [−r, r], 0.1 … 2), ``resolution`` (grid points per axis, 11 … 81), ``normalization`` (``"filter"``, ``"layer"`` or ``"none"``), ``view`` (``"contour"`` or ``"surface"``).

        Returns
        -------
        LandscapeState
        """
        from .. import surfaces
        from ..plotting import fmt

        seed, norm = int(params["seed"]), params["normalization"]
        d1, d2 = surfaces.random_directions(self.model, self.theta, seed, n=2, norm=norm)
        grid = np.linspace(-params["span"], params["span"], int(params["resolution"]))
        s = surfaces.slice_2d(self.model, self.theta, d1, d2, grid, grid)
        ratio = float(np.linalg.norm(d1) / np.linalg.norm(self.theta))
        finite = s.losses[np.isfinite(s.losses)]
        kind = {"none": "raw (not normalized)"}.get(norm, f"{norm}-normalized")
        message = (f"{kind} directions, seed {seed}: loss {fmt(self._center_loss, '.4f')} at the centre, "
                   f"{fmt(finite.min(), '.4f')} to {fmt(finite.max(), '.3g')} on the grid; "
                   f"‖d₁‖/‖θ*‖ = {ratio:.2f}.")
        if finite.size < s.losses.size:
            message += f" {s.losses.size - finite.size} grid points overflowed (shown blank)."
        return LandscapeState(slice=s, normalization=norm, seed=seed, view=params["view"], step_ratio=ratio,
                              message=message)

    def _build_figure(self):
        from matplotlib import colormaps

        from ..plotting import CMAP, colormap_bar, font_sizes, label_axes
        from .blitting import keep_in_background, keep_redrawing
        from .surface3d import SurfaceView

        # The 3-D surface rotates in the browser (plotly, WebGL), beside the contour map, shown only in the
        # "3-D surface" view; matplotlib draws the contour map and its colour bar only, always shown. Both fit side
        # by side: a 440 px view + this 4.4 in figure + ipympl's toolbar in JupyterLab's 934 px column at 1366×768
        # (as the Terrain Explorer's); on a projector 540 px + 594 px in 1280 px.
        # The colour bar has a place of its own (fixed margins); on a projector the figure is shorter (its fonts
        # are larger), so controls, figure and message fit a 1280×720 screen together; its margins, shares of its
        # size, grow to keep the labels inside.
        height, bottom, top = (3.7, 0.15, 0.86) if self.presentation else (4.2, 0.11, 0.87)
        self.fig, self.ax2d = self.new_figure(figsize=(4.4, height), layout="none")
        self.fig.subplots_adjust(left=0.16, right=0.76, bottom=bottom, top=top)
        self.view3d = SurfaceView(xlabel="α", ylabel="β", zlabel="loss", presentation=self.presentation,
                                  colorbar=False,  # the contour's colour bar reads for both views
                                  label="3-D view of the loss slice (drag to rotate)")
        # θ* (the centre), as the contour map's star: plotly's 3-D markers have no star, a white diamond instead
        self.view3d.add_marker("centre", symbol="diamond", size=7, colour="white", edge="black")
        # shown by the "3-D surface" view; hidden, it makes no page widget (plotly's imports: ~2.5 s of the chapter)
        self.view3d.show(False)
        self.views = [self.view3d.widget]
        self.cax = self.fig.add_axes((0.81, bottom, 0.035, top - bottom - 0.04))
        colormap_bar(self.cax, CMAP)
        # the cap: a triangle in the top colour over the bar, as a Colorbar's extend arrow
        from matplotlib.patches import Polygon

        self._cap = Polygon([(0.0, 1.0), (1.0, 1.0), (0.5, 1.06)], closed=True, transform=self.cax.transAxes,
                            facecolor=colormaps[CMAP](1.0), edgecolor="k", linewidth=0.8, clip_on=False)
        self.cax.add_patch(self._cap)
        self.color_norm = None
        # The contour view is drawn in units of the range r (α/r, β/r ∈ [−1, 1]) with fixed ticks labelled
        # −r … r, and r is printed in the title: changing the range then changes neither limits nor tick labels,
        # so the axes furniture stays a cached background and an update is a blit, not a full draw.
        label_axes(self.ax2d, title="", xlabel="α (direction 1), in units of r",
                   ylabel="β (direction 2), in units of r")
        # clear of the top tick label "r" (larger on a projector)
        self.ax2d.set_title("", fontsize=font_sizes(self.ax2d)["title"], pad=font_sizes(self.ax2d)["tick"] + 2)
        ticks, labels = [-1.0, -0.5, 0.0, 0.5, 1.0], ["−r", "−r/2", "0", "r/2", "r"]
        for axis in (self.ax2d.xaxis, self.ax2d.yaxis):
            axis.set_ticks(ticks, labels=labels)
        self.ax2d.set_xlim(-1.0, 1.0)
        self.ax2d.set_ylim(-1.0, 1.0)
        self._contour = None
        (self._centre,) = self.ax2d.plot([0], [0], marker="*", markersize=13, markerfacecolor="white",
                                         markeredgecolor="k", linestyle="none", label="θ* (centre)", zorder=5)
        self.ax2d.legend(loc="upper right")
        # the title (seed, range) and the colour bar's ticks change with most settings: redrawn by each blit from
        # the start, so the first key press is a blit, not the full draw that noticing them would cost
        keep_redrawing(self.ax2d.title, self.cax.yaxis)
        keep_in_background(*self.cax.images)  # the bar's colours never change, only its ticks

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : LandscapeState
            The explorer's current state (see :class:`LandscapeState`), from :meth:`compute`.
        """
        from matplotlib.colors import LogNorm, Normalize

        from ..plotting import CMAP, font_sizes

        s = state.slice
        Z = np.ma.masked_invalid(s.losses.T)  # rows follow betas for matplotlib
        finite = s.losses[np.isfinite(s.losses)]
        zmin = float(finite.min())
        # The top 2 % of the grid (the walls far out) would squash the valley's colours: colours stop at the
        # 98th percentile and the colour bar's arrow says so.
        zmax = max(float(np.percentile(finite, 98)), zmin * (1 + 1e-9) + 1e-12)
        # Losses spanning decades (0.01 at θ* to ~30 on the walls) read as one dark blob on a linear scale: a log
        # colour scale when every loss is positive and the range covers more than a decade.
        log = zmin > 0 and zmax / zmin > 10
        norm = LogNorm(zmin, zmax) if log else Normalize(zmin, zmax)
        levels = np.geomspace(zmin, zmax, 25) if log else np.linspace(zmin, zmax, 25)
        clipped = bool(finite.max() > zmax)
        span = float(s.alphas[-1])
        kind = {"filter": "filter-normalized", "layer": "layer-normalized", "none": "raw (not normalized)"}
        title = (f"{self.model.name}, seed {state.seed}\n"
                 f"{kind.get(state.normalization, state.normalization)} directions")
        if self._contour is not None:
            for artist in (self._contour, getattr(self._contour, "course_lines", None)):
                if artist is not None:
                    artist.remove()
        a, b = s.alphas / span, s.betas / span  # in units of r (see _build_figure)
        self._contour = self.ax2d.contourf(a, b, Z, levels=levels, cmap=CMAP, norm=norm,
                                           extend="max" if clipped else "neither")
        # Level lines one pixel wide, not antialiased: every pixel of a line then has one colour per band,
        # which ipympl's PNG of the changed pixels compresses ~2.3× better (95 → 40 kB per seed step; the
        # antialiased lines' blended colours were two thirds of the bytes) and reads as crisply.
        self._contour.course_lines = self.ax2d.contour(a, b, Z, levels=levels, colors="k", linewidths=0.3,
                                                       alpha=0.3, antialiased=False)
        # set_text keeps the title's size and pad (set_title would reset its size to the rc default)
        self.ax2d.title.set_text(f"{title}, range r = {span:.2g}")
        surface = state.view == "surface"
        self.view3d.show(surface)
        if surface:  # sent only while shown (and by SurfaceView only when it changed)
            self._draw_surface(state, zmin, zmax, log, f"{title}, range r = {span:.2g}")
        # The colour bar (plotting.colormap_bar_ticks): only its tick labels change with the range, a blit.
        from ..plotting import colormap_bar_ticks

        self.color_norm = norm
        colormap_bar_ticks(self.cax, norm, log=log, digits=".4g")
        self._cap.set_visible(clipped)
        self.cax.set_ylabel("loss" + (" (log scale)" if log else "") + ("; ▲ = top 2 % capped" if clipped else ""),
                            fontsize=font_sizes(self.ax2d)["label"])

    def _draw_surface(self, state: LandscapeState, zmin: float, zmax: float, log: bool, title: str) -> None:
        """Send the 3-D view the slice: heights capped at ``zmax``, coloured as the contour map (log10 of the
        loss when ``log``), with the data extent fixed to the box [−r, r]² × [zmin, zmax] and θ* marked."""
        s = state.slice
        # the losses over (α, β), capped at the colours' cap (as the contour's top band); overflows are gaps
        Z = np.minimum(np.where(np.isfinite(s.losses), s.losses, np.nan), zmax)
        # a flat slice still needs a non-empty height range
        top = zmax if zmax > zmin else zmin + max(abs(zmin) * 1e-6, 1e-9)
        if log:  # LogNorm(zmin, zmax): colour by log10(loss), from log10(zmin) to log10(zmax)
            self.view3d.set_surface(s.alphas, s.betas, Z, surfacecolor=np.log10(Z), cmin=float(np.log10(zmin)),
                                    cmax=float(np.log10(top)))
        else:
            self.view3d.set_surface(s.alphas, s.betas, Z, cmin=zmin, cmax=top)
        self.view3d.set_zrange(zmin, top)
        span = float(s.alphas[-1])
        self.view3d.set_extent((-span, -span, zmin), (span, span, top))
        # θ* on the surface, lifted 2 % of the height range so that the surface does not cut it in half
        self.view3d.set_points("centre", [[0.0, 0.0, min(self._center_loss, top) + 0.02 * (top - zmin)]])
        self.view3d.set_zlabel("loss (log colour scale)" if log else "loss")
        self.view3d.set_title(title.replace("\n", "<br>"))
