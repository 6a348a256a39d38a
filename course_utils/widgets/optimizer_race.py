r"""The Optimizer Race: nine update rules from one start on one landscape — paths, loss curves, finish lines.

Controls: the landscape, a tick box per optimizer, the learning rate (first-order and adaptive rules),
the Newton step size (Newton and saddle-free Newton), momentum β, the perturbation radius of perturbed
GD, the number of steps and the start point. The contour shows every ticked optimizer's path in its own
colour *and* line style *and* marker; the right panel shows the loss curves on a log scale (the gap to
the global minimum where it is known); the legend and the message line say where each run ended —
which minimum, a saddle, "diverged at step k", or still moving.

Speed: each optimizer's run is cached under the hyperparameters it actually uses
(:func:`course_utils.race.racer_key`), so ticking one optimizer or moving β reruns only what changed, and
shortening the run truncates cached trajectories instead of recomputing. Sliders that rerun several
optimizers recompute on release (``continuous_update=False``).

>>> race = OptimizerRace(landscape="himmelblau")          # doctest: +SKIP
>>> race.controls["show_adam"].value = True
>>> race.state.entries["adam"].endpoint.kind
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import numpy as np

from .. import functions
from ..plotting import PathArtists, label_axes, level_bar, plot_contour, series_styles, window_path
from ..race import RACER_LABELS, RACERS, RaceEntry, race, racer_key, truncate
from ..saddles import locate_endpoint
from .base import Explorer, float_slider, int_slider, log_slider
from .cache import LRUCache
from .limits import nice_limits

__all__ = ["OptimizerRace", "RaceState", "LANDSCAPE_PRESETS"]

#: Landscapes of the race with a start point and a learning rate that make an interesting race.
LANDSCAPE_PRESETS = {
    "rosenbrock": {"label": "Rosenbrock", "start": (-1.5, 2.0), "lr": 1e-3},
    "himmelblau": {"label": "Himmelblau", "start": (-0.2, -0.8), "lr": 0.01},
    "six_hump_camel": {"label": "six-hump camel", "start": (0.05, 0.05), "lr": 0.02},
    "saddle": {"label": "saddle x² − y²", "start": (1.5, 0.01), "lr": 0.05},
    "monkey_saddle": {"label": "monkey saddle", "start": (0.6, 0.05), "lr": 0.05},
    "rastrigin": {"label": "Rastrigin", "start": (2.3, 1.7), "lr": 2e-3},
    # η = 0.02 < 2/λ_max ≈ 0.022 (every minimum of the wobbly terrain has curvature 2 + 9π² ≈ 90.8): at the
    # former 0.05 no minimum was stable for GD, so GD and perturbed GD bounced for ever ("still moving";
    # perturbed GD never even jumped, its gradient never fell below g_thres).
    "wobbly": {"label": "wobbly", "start": (1.2, 1.0), "lr": 0.02},
}
_DEFAULT_TICKED = ("gd", "momentum", "adam", "newton", "saddle_free_newton", "perturbed_gd")
_CACHE_SIZE = 256
_TOL = 1e-10


@dataclass(frozen=True)
class RaceState:
    """What the race shows: the landscape, one :class:`~course_utils.race.RaceEntry` per ticked optimizer.

    Parameters
    ----------
    landscape : str
        Registry key of the landscape, a key of :data:`LANDSCAPE_PRESETS`.
    start : tuple of float
        The start point ``(x0, y0)``.
    entries : dict of str to RaceEntry
        Optimizer key -> its run and where it ended, for the ticked optimizers only, in the order of
        :data:`course_utils.race.RACERS`.
    f_ref : float or None
        The lowest loss among the landscape's known minima (the loss curves then show the gap to it); None when
        no minimum is known.
    message : str
        The message line: one summary per ticked optimizer, or a prompt to tick one.
    steps : int, default 0
        Steps of the race.
    """

    landscape: str
    start: tuple
    entries: dict
    f_ref: float | None
    message: str
    steps: int = 0


#: Entries per row of the legend under the panels, at most (rows balanced: six racers in two rows of three).
_LEGEND_COLUMNS = 5


class OptimizerRace(Explorer):
    """Race the course's optimizers on a 2-D landscape (see the module docstring).

    Parameters
    ----------
    **values
        Initial control values: ``landscape``, ``show_<optimizer key>``, ``lr`` (1e-4 … 1), ``newton_lr``
        (0.05 … 1.5), ``beta`` (0 … 0.99), ``radius`` (1e-4 … 1), ``steps`` (10 … 1000), ``x0`` and ``y0`` (the
        start; at construction their sliders span [-2, 2] and [-1, 1]); also ``presentation=True`` for larger
        figure and fonts (see :class:`~course_utils.widgets.base.Explorer`).

    """


    title = "The Optimizer Race"

    def __init__(self, **values):
        self._cache = LRUCache(_CACHE_SIZE)
        self._landscapes: dict = {}
        self.cache_hits = 0
        self.cache_misses = 0
        # The landscape chosen at construction brings its preset (window, start, learning rate) as a later choice
        # in the dropdown does; values given explicitly for x0, y0 or lr are applied on top of it.
        landscape = values.get("landscape", "six_hump_camel")
        self._initial_landscape = landscape if landscape in LANDSCAPE_PRESETS else "six_hump_camel"
        super().__init__(**values)

    # --- controls ---------------------------------------------------------------------------
    def _make_controls(self):
        key = self._initial_landscape
        preset = LANDSCAPE_PRESETS[key]
        (x_lo, x_hi), (y_lo, y_hi) = self._landscape(key).bounds
        controls = {
            "landscape": W.Dropdown(options=[(p["label"], k) for k, p in LANDSCAPE_PRESETS.items()],
                                    value=key, description="landscape",
                                    style={"description_width": "initial"}, layout={"width": "305px"}),
        }
        for key in RACERS:
            controls[f"show_{key}"] = W.Checkbox(value=key in _DEFAULT_TICKED, description=RACER_LABELS[key],
                                                 indent=False, layout={"width": "auto", "margin": "2px 14px 2px 2px"})
        controls.update({
            "lr": log_slider("learning rate η", 1e-4, 1.0, value=preset["lr"], heavy=True,
                             tooltip="step size of GD, momentum, Nesterov, Adagrad, RMSProp, Adam, perturbed GD"),
            "newton_lr": float_slider("Newton step size", 0.05, 1.5, 0.05, 1.0, heavy=True,
                                      tooltip="step size of Newton and saddle-free Newton (1 = full step)"),
            "beta": float_slider("momentum β", 0.0, 0.99, 0.01, 0.9, heavy=True),
            "radius": log_slider("perturbation radius r", 1e-4, 1.0, value=0.01, heavy=True,
                                 tooltip="radius of the ball perturbed GD draws from"),
            "steps": int_slider("steps", 10, 1000, step=10, value=200, heavy=True),
            "x0": float_slider("start x", x_lo, x_hi, 0.01, preset["start"][0], heavy=True),
            "y0": float_slider("start y", y_lo, y_hi, 0.01, preset["start"][1], heavy=True),
        })
        return controls

    def _on_change(self, change):
        # A new landscape brings its own window, start point and learning rate: one recomputation for all.
        if change.get("owner") is self.controls["landscape"]:
            with self.hold():
                self._retarget(change["new"])
                self._pending = True
            return
        super()._on_change(change)

    def _retarget(self, key: str) -> None:
        land = self._landscape(key)
        preset = LANDSCAPE_PRESETS[key]
        (x_lo, x_hi), (y_lo, y_hi) = land.bounds
        for name, lo, hi, value in (("x0", x_lo, x_hi, preset["start"][0]), ("y0", y_lo, y_hi, preset["start"][1])):
            slider = self.controls[name]
            slider.max = max(slider.max, hi)  # widen first so min <= max holds at every moment
            slider.min = lo
            slider.max = hi
            slider.value = value
        self.controls["lr"].value = preset["lr"]

    def _landscape(self, key: str):
        if key not in self._landscapes:
            self._landscapes[key] = functions.get(key)
        return self._landscapes[key]

    def starting_state(self) -> RaceState:
        """The race at the settings it was built with, whatever the controls show now.

        Pure (changes no control, draws nothing); the runs come from the explorer's cache when those settings
        were raced already, as they are right after construction — a notebook can check the starting race
        without building a second explorer.

        Returns
        -------
        RaceState
        """
        return self.compute(dict(self._defaults))

    # --- compute ----------------------------------------------------------------------------
    def _cache_key(self, land_key: str, key: str, params: dict) -> tuple:
        start = (float(params["x0"]), float(params["y0"]))
        hyper = {k: params[k] for k in ("lr", "newton_lr", "beta", "radius")}
        return (land_key, start, racer_key(key, **hyper))

    def _from_cache(self, land, ckey: tuple, steps: int) -> RaceEntry | None:
        cached = self._cache.peek(ckey)
        if cached is None:
            return None
        traj = cached.trajectory
        complete = traj.diverged_at is not None or traj.converged_at is not None
        if not (complete or traj.steps >= steps):
            return None
        self._cache.get(ckey)  # used: now the most recent entry
        self.cache_hits += 1
        short = truncate(traj, steps)
        if short is traj:
            return cached
        return RaceEntry(cached.key, cached.label, short, locate_endpoint(land, short))

    def _run_cached(self, land_key: str, keys: list[str], params: dict) -> dict[str, RaceEntry]:
        """Entries for ``keys``: from the cache where possible, the rest raced together in one lockstep run."""
        land = self._landscape(land_key)
        steps = int(params["steps"])
        entries, missing = {}, []
        for key in keys:
            entry = self._from_cache(land, self._cache_key(land_key, key, params), steps)
            if entry is None:
                missing.append(key)
            else:
                entries[key] = entry
        if missing:
            self.cache_misses += len(missing)
            hyper = {k: params[k] for k in ("lr", "newton_lr", "beta", "radius")}
            fresh = race(land, missing, (float(params["x0"]), float(params["y0"])), steps=steps, seed=0, **hyper)
            for key, entry in fresh.items():
                self._cache.put(self._cache_key(land_key, key, params), entry)
            entries.update(fresh)
        return {key: entries[key] for key in keys}

    def compute(self, params) -> RaceState:
        """Pure: the control values → the :class:`RaceState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``landscape`` (a key of :data:`LANDSCAPE_PRESETS`), ``show_<key>`` (bool) for each optimizer key of :data:`course_utils.race.RACERS`, ``lr``, ``newton_lr``, ``beta``, ``radius``, ``steps``, and the start ``x0``, ``y0``.

        Returns
        -------
        RaceState
        """
        land_key = params["landscape"]
        land = self._landscape(land_key)
        ticked = [k for k in RACERS if params[f"show_{k}"]]
        entries = self._run_cached(land_key, ticked, params)
        minima = land.minima
        f_ref = float(np.min(land.f(minima[:, 0], minima[:, 1]))) if len(minima) else None
        if not entries:
            message = "Tick at least one optimizer to start the race."
        else:
            message = " · ".join(e.summary for e in entries.values())
        return RaceState(land_key, (params["x0"], params["y0"]), entries, f_ref, message, int(params["steps"]))

    # --- figure -----------------------------------------------------------------------------
    def _build_figure(self):
        # a narrow third column holds the contour map's colour bar (plain axes: see plotting.level_bar)
        self.fig, (self.ax, self.cax, self.ax_loss) = self.new_figure(
            1, 3, figsize=(11.6, 4.0), gridspec_kw={"width_ratios": [1.0, 0.035, 1.0]})
        # room between the bar's label and the right panel's axis label (they face each other)
        self.fig.get_layout_engine().set(w_pad=0.12)
        styles = series_styles(len(RACERS))
        self._styles = dict(zip(RACERS, styles))
        self._paths, self._ends, self._curves, self._drawn = {}, {}, {}, {}
        for key in RACERS:
            st = self._styles[key]
            (self._paths[key],) = self.ax.plot([], [], linewidth=1.6, markersize=4, zorder=5, **st)
            (self._ends[key],) = self.ax.plot([], [], marker="s", markersize=9, color=st["color"],
                                              markeredgecolor="k", linestyle="none", zorder=6)
            (no_start,) = self.ax.plot([], [], linestyle="none")  # the shared start marker is drawn once
            self._drawn[key] = PathArtists(self.ax, name=key,
                                           artists=(self._paths[key], no_start, self._ends[key]), show_start=False)
            # one-line off-screen labels: the message line says where each run ended (several two-line labels
            # with coordinates piled up over the map on the saddle landscapes)
            self._drawn[key].brief = True
            (self._curves[key],) = self.ax_loss.plot([], [], linewidth=1.6, markersize=4, **st)
        (self._start,) = self.ax.plot([], [], marker="o", markersize=10, markerfacecolor="none",
                                      markeredgecolor="white", markeredgewidth=2, linestyle="none", zorder=7,
                                      label="start")
        self._landscape_artists: list = []
        self._shown_landscape = None
        label_axes(self.ax_loss, title="loss during the race", xlabel="step", ylabel="loss")

    def _draw_landscape(self, key: str) -> None:
        for artist in self._landscape_artists:
            artist.remove()
        land = self._landscape(key)
        log = key in ("rosenbrock", "himmelblau")
        cs = plot_contour(self.ax, land, levels=25, log=log, minima=land.global_minima, title=f"{land.name}: paths")
        # (a short label: on a projector the bar is shorter than "loss (contour levels, log-spaced)")
        level_bar(self.cax, cs, "loss (log-spaced levels)" if log else "loss (contour levels)")
        # the bar's tick labels change width with the landscape ("4.5" → "2.51e+03"): lay the figure out again
        # (a new landscape is a full redraw anyway)
        self._relayout()
        artists = [cs] + ([cs.course_lines] if hasattr(cs, "course_lines") else [])
        # plot_contour marked the global minima; add the saddles (and other minima) where there are few.
        points = land.critical_points
        if len(points) <= 16:
            saddles = np.array([cp.point for cp in points if cp.kind in ("saddle", "degenerate")]).reshape(-1, 2)
            if len(saddles):
                (s,) = self.ax.plot(saddles[:, 0], saddles[:, 1], linestyle="none", marker="P", markersize=9,
                                    markerfacecolor="white", markeredgecolor="k", zorder=4, label="saddles")
                artists.append(s)
        artists += [line for line in self.ax.lines if line.get_label() == "minima" and line not in artists]
        self._landscape_artists = artists
        self._shown_landscape = key

    def _set_loss_ylim(self, ymin: float, ymax: float, log: bool) -> None:
        """Fit the loss axis to the curves with limits that change in coarse steps and depend on the curves
        alone (the same axes however a setting was reached; a hysteresis here showed two pictures for one setting).

        A new limit means new tick labels, i.e. a full redraw instead of a blit, so on the log scale the bottom
        is fixed and the top snaps to whole decades; on the symmetric-log scale the limits snap to a coarse grid
        (:func:`course_utils.widgets.limits.nice_limits`).
        """
        if log:
            # the bottom is the floor of the gap (1e-16, where converged runs end): one scale for every run
            lo, hi = 1e-17, 10.0 ** np.ceil(np.log10(max(ymax, 1e-15) * 3))
        else:
            lo, hi = nice_limits(ymin, ymax, headroom=0.1, min_span=1.0)
        if (lo, hi) != tuple(self.ax_loss.get_ylim()) or self._fresh_loss_axis:
            self.ax_loss.set_ylim(lo, hi)
            self._fresh_loss_axis = False

    def draw(self, state: RaceState) -> None:
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : RaceState
            The explorer's current state (see :class:`RaceState`), from :meth:`compute`.
        """
        if state.landscape != self._shown_landscape:
            self._fresh_loss_axis = True
        if state.landscape != self._shown_landscape:
            self._draw_landscape(state.landscape)
        land = self._landscape(state.landscape)
        bounds = np.asarray(land.bounds, dtype=float)
        self._start.set_data([state.start[0]], [state.start[1]])
        ymin, ymax = np.inf, -np.inf
        n_max = 1
        use_gap = state.f_ref is not None
        off_screen = 0  # runs whose end is off-screen so far: their labels are stacked
        for key in RACERS:
            entry = state.entries.get(key)
            visible = entry is not None
            for artist in (self._paths[key], self._ends[key], self._curves[key], self._drawn[key].arrow):
                artist.set_visible(visible)
            if not visible:
                self._paths[key].set_label(f"_{key}")
                self._curves[key].set_label(f"_{key}")
                continue
            traj = entry.trajectory
            # clipped to the window; the true end drawn where it is, or an arrow on the edge toward it
            windowed = window_path(traj.thetas, bounds, diverged=traj.diverged)
            self._drawn[key].name = entry.label
            self._drawn[key].slot = off_screen
            off_screen += not windowed.end_inside
            self._drawn[key].update(windowed)
            losses = traj.losses
            y = losses - state.f_ref if use_gap else losses
            finite = np.isfinite(y)
            cut = np.flatnonzero(~finite)
            y = y[: cut[0]] if cut.size else y
            if use_gap:
                y = np.maximum(y, 1e-16)
            self._curves[key].set_data(np.arange(y.size), y)
            self._curves[key].set_markevery(max(1, y.size // 10))
            # short labels: where each run ended is spelled out on the message line under the figure
            self._curves[key].set_label(entry.label)
            self._paths[key].set_label(f"_{key}")
            if y.size:
                ymin, ymax = min(ymin, float(np.min(y))), max(ymax, float(np.max(y)))
                n_max = max(n_max, y.size)
        scale = "log" if use_gap else "symlog"
        if self.ax_loss.get_yscale() != scale:
            if use_gap:
                self.ax_loss.set_yscale("log")
            else:
                from matplotlib.ticker import SymmetricalLogLocator

                # the linear part (|loss| < 10⁻²) two decades tall, and a tick every other decade: a tick per decade
                # ran together on a projector (−10⁴ over −10³ ..., and −10⁻² over 0 over 10⁻²)
                self.ax_loss.set_yscale("symlog", linthresh=1e-2, linscale=2.0)
                self.ax_loss.yaxis.set_major_locator(SymmetricalLogLocator(linthresh=1e-2, base=100))
            # (on a projector the panel is shorter than the long label: a short one)
            long_label = "loss − global minimum (log scale)" if use_gap else "loss (symmetric log scale)"
            short_label = "loss − global min. (log)" if use_gap else "loss (symlog)"
            label_axes(self.ax_loss, ylabel=short_label if self.presentation else long_label)
        if np.isfinite(ymin):
            self._set_loss_ylim(ymin, ymax, use_gap)
        # the whole run fits: the x-axis follows the steps slider, not where the curves happen to stop
        self.ax_loss.set_xlim(0, max(state.steps, n_max - 1, 1))
        # A new legend only when the racers change: rebuilding one costs ~10 ms, and the blitter keeps an
        # unchanged legend as a cached image.
        # The legend is the key of both panels (a run's path and its loss curve share colour, line and marker),
        # below them: in the loss panel it lay over the curves' first steps, where the losses are highest.
        labels = [self._curves[key].get_label() for key in RACERS if key in state.entries]
        legend = self.fig.legends[0] if self.fig.legends else None
        shown = [t.get_text() for t in legend.get_texts()] if legend is not None else []
        if legend is None or shown != labels:
            if legend is not None:
                legend.remove()
            if labels:
                # on a projector the figure is short and wide: the legend in a column on the right
                place = {"loc": "outside right upper", "ncols": 1} if self.presentation else \
                    {"loc": "outside lower center", "ncols": -(-len(labels) // -(-len(labels) // _LEGEND_COLUMNS))}
                self.fig.legend(handles=[self._curves[key] for key in RACERS if key in state.entries],
                                fontsize=self.font(8), frameon=False, **place)
            if legend is not None and self._layout_engine is not None:
                self._relayout()  # other racers, another legend: the panels get the room it frees or takes
