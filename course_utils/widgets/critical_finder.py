r"""Critical Point Finder: every critical point of a 2-D landscape, found and marked by type.

Pick a landscape, the number of starts and how they are placed; :func:`course_utils.critical.find_critical_points`
runs Newton from every start and the contour plot marks each verified critical point by type — minima as
circles, saddles as crosses, maxima as triangles, degenerate points as squares (shape and colour both
encode the type). The message line counts them and compares with the known census where there is one.

Examples
--------
>>> from course_utils.widgets import CriticalFinder
>>> f = CriticalFinder(function="himmelblau", n_starts=64)
>>> f.state.counts
{'minimum': 4, 'maximum': 1, 'saddle': 4, 'degenerate': 0}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import functions
from ..critical import KINDS, CriticalPoint, CriticalSearch
from ..plotting import OKABE_ITO, label_axes, level_bar, plot_contour
from .base import Explorer, choice, int_slider

__all__ = ["CriticalFinder", "FinderState"]

#: Marker and colour of each kind of critical point, and the plural used in the legend and the message.
KIND_MARKERS = {"minimum": ("o", OKABE_ITO[2]), "saddle": ("X", OKABE_ITO[3]), "maximum": ("^", OKABE_ITO[0]),
                "degenerate": ("s", OKABE_ITO[5])}
KIND_PLURALS = {"minimum": "minima", "maximum": "maxima", "saddle": "saddles", "degenerate": "degenerate"}
_FUNCTIONS = ["himmelblau", "six_hump_camel", "rosenbrock", "monkey_saddle", "quartic_bowl", "quartic_saddle",
              "wobbly", "multimodal", "rastrigin", "saddle", "bowl"]


@dataclass(frozen=True)
class FinderState:
    """What the finder shows.

    Parameters
    ----------
    function : str
        Registry key of the landscape.
    starts : ndarray, shape (S, 2)
        Where Newton started.
    points : tuple of CriticalPoint
        Verified critical points, sorted by loss.
    counts : dict
        Number of points of each kind.
    known : int or None
        Number of known critical points in the window (None when not known).
    message : str
        The message line: how many points of each kind were found, against the known number.
    """

    function: str
    starts: np.ndarray
    points: tuple[CriticalPoint, ...]
    counts: dict
    known: int | None
    message: str


class CriticalFinder(Explorer):
    """Multi-start critical point search on a 2-D landscape of the student's choice.

    Parameters
    ----------
    **values
        Initial control values: ``function`` (the landscape's registry key, e.g. ``"himmelblau"``),
        ``n_starts`` (1 … 256), ``method`` (``"sobol"``, ``"grid"`` or ``"halton"``); also
        ``presentation=True`` for larger figure and fonts (see :class:`~course_utils.widgets.base.Explorer`).
    """

    title = "Critical Point Finder"
    controls_position = "top"

    def _make_controls(self):
        return {
            "function": choice("landscape", _FUNCTIONS, "himmelblau", buttons=False),
            "n_starts": int_slider("number of starts", 1, 256, value=64, heavy=True),
            "method": choice("starts", ["sobol", "grid", "halton"], "sobol"),
        }

    def __init__(self, **values):
        #: One search per (landscape, start method): Newton runs once from the starts of the slider's largest
        #: count, and every count is then a prefix — moving the slider only merges and reads cached points.
        self._searches: dict[tuple[str, str], CriticalSearch] = {}
        super().__init__(**values)

    def search(self, function: str, method: str) -> CriticalSearch:
        """The (cached, prepared) :class:`~course_utils.critical.CriticalSearch` for a landscape and start method.

        Parameters
        ----------
        function : str
            Registry key of the landscape (:func:`course_utils.functions.get`); the search covers its ``bounds``.
        method : {"sobol", "grid", "halton"}
            How the starts are placed.

        Returns
        -------
        CriticalSearch
            Prepared for the slider's largest number of starts, with ``rng=0``.
        """

        key = (function, method)
        if key not in self._searches:
            f = functions.get(function)
            search = CriticalSearch(f, np.array(f.bounds, dtype=float), method=method, rng=0)
            search.prepare(self.controls["n_starts"].max)
            self._searches[key] = search
        return self._searches[key]

    def compute(self, params) -> FinderState:
        """Pure: the control values → the :class:`FinderState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``function`` (a landscape key of :mod:`course_utils.functions`), ``n_starts`` (1 … 256), ``method`` (``"sobol"``, ``"grid"`` or ``"halton"``).

        Returns
        -------
        FinderState
        """
        f = functions.get(params["function"])
        search = self.search(params["function"], params["method"])
        points = tuple(search.find(params["n_starts"]))  # = find_critical_points(f, f.bounds, n_starts, rng=0)
        starts = search.starts(params["n_starts"])
        counts = {k: sum(p.kind == k for p in points) for k in KINDS}
        known = len(f.critical_points) or None
        found = ", ".join(f"{n} {KIND_PLURALS[k] if n != 1 else k}" for k, n in counts.items() if n) or "none"
        message = f"{f.name}: {len(points)} critical point{'s' if len(points) != 1 else ''} found ({found})"
        if known is not None:
            message += f"; {known} known in this window"
            if len(points) < known:
                message += " — some basins were missed: add starts"
        message += f". Starts: {params['n_starts']} ({params['method']})."
        return FinderState(params["function"], starts, points, counts, known, message)

    def _build_figure(self):
        # the colour bar has an axes of its own, made once: a new function redraws the bar in it (plotting.level_bar),
        # so the layout — and the picture at a setting — never depends on the functions shown before
        self.fig, (self.ax, self.cax) = self.new_figure(1, 2, figsize=(6.2, 4.8),
                                                        gridspec_kw={"width_ratios": [1, 0.045]})
        self.contours = None
        self._function = None
        (self.start_dots,) = self.ax.plot([], [], linestyle="none", marker=".", color="0.85", markersize=3,
                                          label="starts")
        self.markers = {}
        for kind, (marker, color) in KIND_MARKERS.items():
            (self.markers[kind],) = self.ax.plot([], [], linestyle="none", marker=marker, color=color,
                                                 markeredgecolor="k", markersize=10, label=KIND_PLURALS[kind], zorder=5)

    def draw(self, state: FinderState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : FinderState
            The explorer's current state (see :class:`FinderState`), from :meth:`compute`.
        """
        if state.function != self._function:
            if self.contours is not None:
                self.contours.remove()
                self.contours.course_lines.remove()
            f = functions.get(state.function)
            log = state.function in ("rosenbrock", "himmelblau", "six_hump_camel")
            self.contours = plot_contour(self.ax, f, levels=30, log=log, minima=[], resolution=101)
            level_bar(self.cax, self.contours, f"f(θ){' (contour levels, log-spaced)' if log else ' (contour levels)'}")
            self.cax.yaxis.label.set_fontsize(self.font(9))
            self._function = state.function
        self.start_dots.set_data(state.starts[:, 0], state.starts[:, 1])
        for kind, line in self.markers.items():
            pts = np.array([p.point for p in state.points if p.kind == kind]).reshape(-1, 2)
            line.set_data(pts[:, 0], pts[:, 1])
            # only the kinds present get a legend entry: every glyph of the legend is redrawn on each update
            line.set_label(f"{KIND_PLURALS[kind]} ({len(pts)})" if len(pts) else f"_{kind}")
        # a new legend only when its entries change (the blitter keeps an unchanged one as a cached image); one
        # row below the axes, never over the map: starts fill the whole window and the critical points can lie
        # anywhere in it (a legend in the upper right hid a saddle of the six-hump camel)
        shown = [line for line in (self.start_dots, *self.markers.values()) if not line.get_label().startswith("_")]
        labels = [line.get_label() for line in shown]
        legend = self.fig.legends[0] if self.fig.legends else None
        if legend is None or [t.get_text() for t in legend.get_texts()] != labels:
            if legend is not None:
                legend.remove()
            self.fig.legend(handles=shown, loc="outside lower center", ncols=len(shown), fontsize=self.font(8),
                            frameon=False, handletextpad=0.3, columnspacing=1.2)
        label_axes(self.ax, f"{functions.get(state.function).name}: {len(state.points)} critical point{'' if len(state.points) == 1 else 's'}")
