r"""The Terrain Explorer: roll a ball down a convex bowl or a wobbly, non-convex terrain.

The two terrains share the box :math:`[-1.5, 1.5]^2`:

* the **bowl** :math:`f(x, y) = x^2 + y^2` — convex, one minimum, every start rolls to it;
* the **wobbly** terrain :math:`f(x, y) = x^2 + y^2 - A(\cos 3\pi x + \cos 3\pi y)` — the same bowl
  with ripples of amplitude :math:`A`; for :math:`A > 0` it has many local minima and where the ball
  stops depends on where it starts (at :math:`A = 0` it *is* the bowl).

The ball is gradient descent (``optimizers.run(obj, optimizers.gd(), ...)``) from the start point
``(x0, y0)`` with learning rate η for a number of steps. The surface is shown in 3-D with the path drawn on
it — a plotly WebGL view (:mod:`course_utils.widgets.surface3d`) that rotates in the browser when dragged, without
a round trip to the kernel — and the contour map (matplotlib) beside it; the message line says where the ball
came to rest — the global minimum, a local one and how high it is,
still rolling, or "diverged at step k".

Examples
--------
>>> from course_utils.widgets import TerrainExplorer
>>> e = TerrainExplorer(terrain="wobbly", amplitude=1.0, x0=0.9, y0=0.8)
>>> e.state.outcome
'local minimum'
>>> e.controls["terrain"].value = "bowl"; e.controls["lr"].value = 0.2
>>> e.state.outcome
'global minimum'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..plotting import fmt
from .base import Explorer, choice, float_slider, int_slider, log_slider
from .cache import LRUCache

__all__ = ["TerrainExplorer", "TerrainState", "terrain_objective"]

#: The box both terrains are shown on, ((xmin, xmax), (ymin, ymax)).
BOUNDS = ((-1.5, 1.5), (-1.5, 1.5))
_RESOLUTION = 61
# Filled contour bands of the map (21 levels: ~3 bands per ripple at A = 1; the image per new amplitude stays
# under the 60 kB budget, 25 levels came to 53–59 kB).
_LEVELS = 21
# The 3-D surface uses every second grid line (31 × 31 points, ~7 per ripple period of cos 3πx): smooth at the
# view's size, ~20 kB per terrain sent to the page (61 × 61 would be ~80 kB); the contour map keeps the full grid.
_SURFACE_STRIDE = 2
# Terrains (surface + contour map) and ball runs remembered per explorer: dragging a slider back and forth
# shows cached settings at once.
TERRAIN_CACHE_SIZE, RUN_CACHE_SIZE = 12, 64
# A ball whose gradient norm is below this has come to rest (GD steps are then ≤ η·1e-3).
_REST_GRAD = 1e-3
# A rest point within this distance of a known minimum is that minimum.
_SAME_POINT = 0.05


def _remove_terrain_artists(key, entry) -> None:
    """Remove an evicted terrain's artists (``entry`` is ``(contour, lines, zmin, zmax)``)."""
    *artists, _, _ = entry
    for artist in artists:
        artist.remove()


def terrain_objective(terrain: str, amplitude: float = 1.0):
    """The objective for ``terrain`` ("bowl" or "wobbly") from :mod:`course_utils.functions`.

    ``"bowl"`` is :math:`x^2 + y^2`, i.e. ``functions.get("wobbly", amplitude=0)``.

    Parameters
    ----------
    terrain : {"bowl", "wobbly"}
        Which terrain.
    amplitude : float, default 1.0
        Ripple amplitude ``A`` of the wobbly terrain, in [0, 10]; ignored for the bowl.

    Returns
    -------
    Objective
        The 2-D landscape ``functions.get("wobbly", amplitude=...)``, with its known ``minima``.

    """
    from .. import functions
    from ..validation import check_option, check_scalar

    terrain = check_option(terrain, "terrain", ("bowl", "wobbly"))
    amplitude = check_scalar(amplitude, "amplitude", low=0, high=10)
    # The bowl is the wobbly terrain without ripples, x² + y² (functions' "bowl" is ½(x² + κy²)): the
    # toggle then changes one thing only, and heights and learning rates compare across it.
    return functions.get("wobbly", amplitude=0.0 if terrain == "bowl" else float(amplitude))


@lru_cache(maxsize=32)
def _terrain_grid(terrain: str, amplitude: float):
    """Surface grid and minima of a terrain, cached: moving the ball must not recompute the surface."""
    from ..plotting import grid_values

    obj = terrain_objective(terrain, amplitude)
    X, Y, Z = grid_values(obj, BOUNDS, _RESOLUTION)
    minima = np.asarray(getattr(obj, "minima", np.zeros((0, 2))), dtype=float).reshape(-1, 2)
    for array in (X, Y, Z, minima):
        array.flags.writeable = False
    return X, Y, Z, minima


@lru_cache(maxsize=2)
def _height_range(terrain: str) -> tuple[float, float]:
    """The 3-D view's height axis for ``terrain``: fixed per terrain, the range of its tallest version.

    The wobbly terrain's box is the one of the largest amplitude (A = 2), so the student sees the ripples grow
    in a box that stays put as A moves — and the axis depends on the terrain alone, never on the settings
    visited before (``tests/test_widgets_path_independence.py``).
    """
    from .limits import nice_limits

    _, _, Z, _ = _terrain_grid(terrain, 0.0 if terrain == "bowl" else 2.0)
    return nice_limits(float(np.nanmin(Z)), float(np.nanmax(Z)), headroom=0.05)


@dataclass(frozen=True)
class TerrainState:
    """What the Terrain Explorer shows for one setting of its controls.

    Parameters
    ----------
    terrain : str
        ``"bowl"`` or ``"wobbly"``.
    amplitude : float
        Ripple amplitude ``A`` (ignored by the bowl, recorded as 0 there).
    X, Y, Z : ndarray, shape (61, 61)
        The surface on the box ``BOUNDS`` (``Z[i, j] = f(X[i, j], Y[i, j])``).
    minima : ndarray, shape (k, 2)
        The terrain's known minima inside its bounds.
    trajectory : Trajectory
        The gradient-descent run; ``trajectory.thetas[0]`` is the start point.
    rest_point : ndarray, shape (2,)
        Where the ball ended (the last finite point if it diverged).
    rest_loss : float
        The height there.
    outcome : str
        ``"global minimum"``, ``"local minimum"``, ``"saddle point"``, ``"still rolling"`` (going
        downhill but not yet at rest), ``"bouncing"`` (the height rose on a recent step: η too large),
        ``"not moved"`` (0 steps) or ``"diverged"``.
    message : str
        One line for the student.
    """

    terrain: str
    amplitude: float
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    minima: np.ndarray
    trajectory: object
    rest_point: np.ndarray
    rest_loss: float
    outcome: str
    message: str

    @property
    def path(self) -> np.ndarray:
        """The ball's positions, shape (T+1, 2)."""
        return self.trajectory.thetas


def _describe_rest(obj, traj, minima, zmin_grid) -> tuple[str, str]:
    """Classify where the ball stopped: (outcome, message)."""
    point, height = traj.final_theta, traj.final_loss
    where = f"({fmt(point[0], '+.3f')}, {fmt(point[1], '+.3f')})"
    if traj.diverged:
        return "diverged", (f"Diverged at step {traj.diverged_at}: the learning rate is too large for this "
                            "terrain's curvature — the ball is thrown out of the valley. Lower η.")
    if traj.steps == 0:
        return "not moved", f"0 steps: the ball has not moved; it sits at {where}, height {fmt(height, '.4f')}."
    slope = float(traj.grad_norms[-1])
    recent = np.diff(traj.losses[-11:])
    outside = bool(np.any(np.abs(point) > np.asarray(BOUNDS)[:, 1]))
    moves = np.diff(traj.thetas[-6:], axis=0)
    zigzag = len(moves) >= 2 and bool(np.all(np.sum(moves[1:] * moves[:-1], axis=1) < 0))
    rising = bool(np.any(recent > 1e-12 * max(1.0, abs(height))))
    if slope > _REST_GRAD and (outside or rising or zigzag):
        # The steps overshoot the valley floor: η is too large for the curvature there.
        off = " — outside the box shown" if outside else ""
        how = "the height rose on recent steps" if rising else "each step jumps across the valley"
        return "bouncing", (f"Bouncing after {traj.steps} steps: {how}, so η overshoots the valley floor. "
                            f"Now at {where}{off}, height {fmt(height, '.4f')}. Lower η.")
    if slope > _REST_GRAD:
        return "still rolling", (f"Still rolling after {traj.steps} steps: at {where}, height {fmt(height, '.4f')}, "
                                 f"slope |∇f| = {fmt(slope, '.2g')}. Add steps or raise η.")
    eigenvalues = np.linalg.eigvalsh(obj.hessian(point))
    if eigenvalues.min() <= 0:
        return "saddle point", (f"Stopped after {traj.steps} steps at {where}, height {fmt(height, '.4f')}: a flat "
                                "point that is not a minimum (a saddle); a nudge would send it downhill.")
    # The lowest known minimum (the grid minimum is an upper bound on the global one, a fallback).
    global_height = min([float(obj.loss(m)) for m in minima] + [float(zmin_grid)])
    if height <= global_height + 1e-6 * max(1.0, abs(global_height)):
        return "global minimum", (f"At rest after {traj.steps} steps in the global minimum {where}, "
                                  f"height {fmt(height, '.4f')}.")
    return "local minimum", (f"At rest after {traj.steps} steps in a local minimum at {where}, height {fmt(height, '.4f')} "
                             f"— {fmt(height - global_height, '.3f')} above the global minimum ({fmt(global_height, '.4f')}).")


class TerrainExplorer(Explorer):
    """Roll a gradient-descent ball on a convex bowl or a wobbly non-convex terrain.

    Controls: ``terrain`` ("bowl"/"wobbly"), ``amplitude`` (A, 0–2), ``x0``, ``y0`` (start point),
    ``lr`` (η, 10⁻³–1.58, log scale), ``steps`` (0–200). See :class:`TerrainState` for the state.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts for projector demos.
    **values
        Initial control values by name (the controls above).
    """


    title = "Terrain Explorer — where does the ball come to rest?"
    controls_position = "top"

    def _make_controls(self):
        return {
            "terrain": choice("terrain", [("convex bowl", "bowl"), ("wobbly (non-convex)", "wobbly")],
                              value="wobbly", tooltips=["f = x² + y²", "f = x² + y² − A(cos 3πx + cos 3πy)"]),
            "amplitude": float_slider("wobble amplitude A", 0.0, 2.0, 0.05, 1.0),
            "x0": float_slider("start x₀", BOUNDS[0][0], BOUNDS[0][1], 0.01, 0.9),
            "y0": float_slider("start y₀", BOUNDS[1][0], BOUNDS[1][1], 0.01, 0.8),
            "lr": log_slider("learning rate η", 1e-3, 10**0.2, 0.01),
            "steps": int_slider("steps", 0, 200, value=60),
        }

    def _sync_controls(self, params):
        self.controls["amplitude"].disabled = params["terrain"] == "bowl"

    # --- compute: pure ----------------------------------------------------------------------------
    def compute(self, params) -> TerrainState:
        """Pure: the control values → the :class:`TerrainState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``terrain`` (``"bowl"`` or ``"wobbly"``), ``amplitude`` (A, 0 … 2; ignored by the bowl), ``x0`` and ``y0`` (the start, in [-1.5, 1.5]), ``lr`` (η, 0.001 … 1.58), ``steps`` (0 … 200).

        Returns
        -------
        TerrainState
        """
        from .. import optimizers

        terrain = params["terrain"]
        amplitude = 0.0 if terrain == "bowl" else float(params["amplitude"])
        obj = terrain_objective(terrain, amplitude)
        X, Y, Z, minima = _terrain_grid(terrain, amplitude)
        key = (terrain, amplitude, float(params["x0"]), float(params["y0"]), float(params["lr"]), int(params["steps"]))
        traj = self._runs.get(key)
        if traj is None:
            traj = optimizers.run(obj, optimizers.gd(), [params["x0"], params["y0"]], steps=int(params["steps"]),
                                  lr=float(params["lr"]))
            self._runs.put(key, traj)
        outcome, message = _describe_rest(obj, traj, minima, np.nanmin(Z))
        finite = np.all(np.isfinite(traj.thetas), axis=1) & np.isfinite(traj.losses)
        last = np.flatnonzero(finite)[-1]
        return TerrainState(terrain=terrain, amplitude=amplitude, X=X, Y=Y, Z=Z, minima=minima, trajectory=traj,
                            rest_point=traj.thetas[last].copy(), rest_loss=float(traj.losses[last]),
                            outcome=outcome, message=message)

    # --- figure: built once, updated in place -------------------------------------------------------
    def _build_figure(self):
        from ..plotting import CMAP, OKABE_ITO, PathArtists, colormap_bar, label_axes
        from .blitting import keep_in_background, keep_redrawing
        from .surface3d import SurfaceView

        # The 3-D surface rotates in the browser (plotly, WebGL); matplotlib draws the contour map and its colour
        # bar only — a smaller canvas, so a smaller image per key press.
        colour = OKABE_ITO[3]  # vermilion: stands out on viridis
        self.view3d = SurfaceView(xlabel="x", ylabel="y", zlabel="height f", colorbar_title="height f",
                                  presentation=self.presentation, path_colour=colour,
                                  label="3-D view of the terrain and the ball's path (drag to rotate)")
        # plotly draws a 3-D circle larger than a square of the same size: 5 looks like the map's start marker
        self.view3d.add_marker("start", symbol="circle", size=5, colour="white", edge="black")
        self.view3d.add_marker("ball", symbol="square", size=7, colour=colour, edge="black")
        self.view3d.set_xyrange(BOUNDS[0], BOUNDS[1])
        self.views = [self.view3d.widget]
        # On a projector the larger texts leave the square map less height, so the figure is narrower: at 4.4 in a
        # third of it was empty beside the map
        self.fig, (self.ax2d, self.cax) = self.new_figure(
            1, 2, figsize=(3.2 if self.presentation else 4.4, 4.0), gridspec_kw={"width_ratios": [1, 0.05]})
        # The contour map's colour bar (plotting.colormap_bar): linear, because the heights reach 0 and below.
        colormap_bar(self.cax, CMAP)
        self.cax.set_ylabel("height f", fontsize=self.font(9))
        # its ticks change with the terrain: redrawn by each blit from the start, so the first new amplitude is a
        # blit, not the full draw that noticing them would cost (measured: the first key press 0.6–2.2 s in
        # Chromium at load 2.6–5, a full render of the figure); its colours never change
        keep_redrawing(self.cax.yaxis)
        keep_in_background(*self.cax.images)
        self.ax2d.set_aspect("equal")
        self.ax2d.set_anchor("E")  # a square map in a wider box: beside its colour bar, not adrift in the middle
        line_kw = {"color": colour, "linewidth": 2.0, "marker": "o", "markersize": 3, "zorder": 10}
        (self.path2d,) = self.ax2d.plot([], [], **line_kw, label="gradient-descent path")
        (self.start2d,) = self.ax2d.plot([], [], linestyle="none", marker="o", markersize=9, markerfacecolor="white",
                                         markeredgecolor="k", zorder=11, label="start")
        (self.end2d,) = self.ax2d.plot([], [], linestyle="none", marker="s", markersize=8, color=colour,
                                       markeredgecolor="k", zorder=11, label="ball (end)")
        (self.minima2d,) = self.ax2d.plot([], [], linestyle="none", marker="*", markersize=8,
                                          markerfacecolor="white", markeredgecolor="k", zorder=9,
                                          label="minima")
        self._path2d = PathArtists(self.ax2d, artists=(self.path2d, self.start2d, self.end2d))
        self.ax2d.set_xlim(*BOUNDS[0])
        self.ax2d.set_ylim(*BOUNDS[1])
        self.ax2d.set_xticks([-1, 0, 1])
        self.ax2d.set_yticks([-1, 0, 1])
        label_axes(self.ax2d, title="contour map (top view)", xlabel="x", ylabel="y")
        # below the map, outside it (constrained layout makes room under the x label at every font size)
        self.fig.legend(handles=[self.path2d, self.start2d, self.end2d, self.minima2d], loc="outside lower center",
                        ncols=2, fontsize=self.font(8), frameon=False)
        self._contour = self._contour_lines = None
        # The height axis keeps its range while a new amplitude's surface fits it and fills a fair share of it:
        # the student sees the surface grow in a fixed box.
        self._drawn_terrain = None
        # (terrain, amplitude) -> its contour artists, hidden when not shown; an evicted terrain's are removed
        self._terrains = LRUCache(TERRAIN_CACHE_SIZE, on_evict=_remove_terrain_artists)
        self._runs = LRUCache(RUN_CACHE_SIZE)

    def draw(self, state: TerrainState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : TerrainState
            The explorer's current state (see :class:`TerrainState`), from :meth:`compute`.
        """
        from ..plotting import window_path

        with self.view3d.batch():  # one message to the page per update: one WebGL redraw there
            key = (state.terrain, state.amplitude)
            if key != self._drawn_terrain:
                self._draw_terrain(state)
                self._drawn_terrain = key
            # The path clipped to the box; the ball's true end is marked where it is, or (outside the box) by an
            # arrow on the box's edge with its coordinates — never at the point where the drawing was cut.
            # 3 %: above the 31 × 31 facets, which cut under the true surface's ripple tops by up to ~1.3 % at A = 1
            lift = 0.03 * (self._zmax - self._zmin)
            pts = np.column_stack([state.path, state.trajectory.losses])
            shown = window_path(pts, BOUNDS, diverged=state.outcome == "diverged")
            self._path2d.update(shown)
            # the 3-D path: the same clipped points, on the surface — the height at each shown point (a point where the
            # path crosses the box's edge is interpolated in x, y: its height is the terrain's there, not the
            # interpolated loss) — lifted just above it and clipped to the height axis
            obj = terrain_objective(state.terrain, state.amplitude)

            def lifted(points):
                points = np.asarray(points, dtype=float).reshape(-1, 3).copy()
                ok = np.all(np.isfinite(points[:, :2]), axis=1)
                if ok.any():
                    points[ok, 2] = np.clip(obj.loss_batch(points[ok, :2]), self._zmin, self._zmax) + lift
                return points

            self.view3d.set_path(lifted(shown.xy))
            self.view3d.set_points("start", lifted(shown.start if shown.start is not None else np.zeros((0, 3))))
            self.view3d.set_points("ball", lifted(shown.end if shown.end_inside else np.zeros((0, 3))),
                                   symbol="x" if shown.diverged else "square")
            names = {"bowl": "convex bowl  f = x² + y²",
                     "wobbly": f"wobbly terrain, A = {state.amplitude:.2f}"}
            self.view3d.set_title(f"{names[state.terrain]}<br>ball: {state.outcome}")

    def _draw_terrain(self, state: TerrainState):
        """Show the surface (3-D view) and the contour set of ``state``'s terrain (all that depends on it).

        Each terrain's contour artists are made once and kept, hidden, while another is shown (at most
        ``TERRAIN_CACHE_SIZE``; older ones are removed): returning to a terrain only swaps visibility. The 3-D
        view is sent the terrain's surface (31 × 31 points) once per change of terrain.
        """
        for artist in (self._contour, self._contour_lines):
            if artist is not None:
                artist.set_visible(False)
        key = (state.terrain, state.amplitude)
        entry = self._terrains.get(key)
        if entry is None:
            entry = self._make_terrain(state)
            self._terrains.put(key, entry)
        self._contour, self._contour_lines, self._zmin, self._zmax = entry
        for artist in (self._contour, self._contour_lines):
            artist.set_visible(True)
        k = _SURFACE_STRIDE
        # state.Z[i, j] = f(X[0, j], Y[i, 0]) (matplotlib's "xy" grid); the view takes z[i, j] = f(x[i], y[j])
        self.view3d.set_surface(state.X[0, ::k], state.Y[::k, 0], state.Z[::k, ::k].T, cmin=self._zmin,
                                cmax=self._zmax)
        self.view3d.set_zrange(*_height_range(state.terrain))
        # every amplitude's surface and path lie in the terrain's box (the tallest version's, with headroom); a
        # hair wider in x and y, where a path clipped at the box's edge may land an ulp outside it
        low, high = _height_range(state.terrain)
        pad = 1e-9
        self.view3d.set_extent((BOUNDS[0][0] - pad, BOUNDS[1][0] - pad, low), (BOUNDS[0][1] + pad, BOUNDS[1][1] + pad, high))
        self.minima2d.set_data(state.minima[:, 0], state.minima[:, 1])
        self._draw_colour_bar(self._zmin, self._zmax)

    def _draw_colour_bar(self, zmin: float, zmax: float) -> None:
        """Tick the colour bar for contour colours running linearly from ``zmin`` to ``zmax``.

        Linear, not log: both terrains reach height 0 or below (the bowl's minimum is 0, the wobbly terrain's
        −2A), so a log scale does not apply; on the box the heights run from there to about max(2 + 2A, 4.5), which the
        contours' 20 even bands resolve dip by dip.

        Parameters
        ----------
        zmin, zmax : float
            The lowest and highest height of the terrain on its grid (the contour levels' range).
        """
        from matplotlib.colors import Normalize

        from ..plotting import colormap_bar_ticks

        colormap_bar_ticks(self.cax, Normalize(zmin, zmax))

    def _make_terrain(self, state: TerrainState) -> tuple:
        """``(filled contours, contour lines, zmin, zmax)`` for one terrain."""
        from ..plotting import CMAP

        finite = state.Z[np.isfinite(state.Z)]
        zmin, zmax = float(finite.min()), float(finite.max())
        if zmax - zmin < 1e-9:  # a flat terrain still needs a non-empty z range
            zmax = zmin + 1.0
        levels = np.linspace(zmin, zmax, _LEVELS)
        contour = self.ax2d.contourf(state.X, state.Y, state.Z, levels=levels, cmap=CMAP, zorder=0)
        # Level lines one pixel wide, not antialiased (and fainter, to read as the thin antialiased ones did): every
        # pixel of a line then has one colour per band, so ipympl's PNG of a new amplitude's map is ~50 kB instead
        # of ~200 kB (the blended colours of antialiased lines were three quarters of the bytes; measured in Python
        # with ipympl's diff rule, 440 × 400 px).
        lines = self.ax2d.contour(state.X, state.Y, state.Z, levels=levels, colors="k", linewidths=0.3, alpha=0.2,
                                  zorder=1, antialiased=False)
        return contour, lines, zmin, zmax
