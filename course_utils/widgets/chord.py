r"""Chord Explorer: the definition of convexity, live.

Pick a function and two points ``x``, ``y`` and a weight ``t``; the explorer draws the graph, the chord
between :math:`(x, f(x))` and :math:`(y, f(y))`, the point :math:`z = tx + (1-t)y` on the graph and on the
chord, and the gap :math:`f(z) - [t f(x) + (1-t) f(y)]` along the whole segment. A violation (graph above
the chord) is flagged in words, by marker shape and by colour. The message line also reports a chord test
of the function over the whole window (:func:`course_utils.convexity.chord_test`).

Examples
--------
>>> from course_utils.widgets import ChordExplorer
>>> e = ChordExplorer(function="x⁴ − x²", x=-0.8, y=0.8, t=0.5)
>>> e.state.point.violated
True
>>> ChordExplorer(f=lambda x: x**3, f_label="x³")      # your own function (vectorized or not)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import Formatter, MaxNLocator

from .. import convexity
from ..plotting import OKABE_ITO, fmt, label_axes
from ..validation import check_callable
from .base import Explorer, choice, float_slider
from .blitting import keep_redrawing
from .limits import nice_limits

__all__ = ["ChordExplorer", "ChordState", "CHORD_FUNCTIONS"]

WINDOW = (-3.0, 3.0)

#: The built-in functions: label -> (f, note on convexity shown in titles).
CHORD_FUNCTIONS: dict[str, Callable] = {
    "x²": lambda x: x**2,
    "|x|": np.abs,
    "eˣ": np.exp,
    "x⁴ − x²": lambda x: x**4 - x**2,
    "sin x": np.sin,
    "log(1 + eˣ)": lambda x: np.logaddexp(0.0, x),
    "−log x": lambda x: -np.log(x),  # undefined for x <= 0: the explorer says so
}

_OK, _BAD = OKABE_ITO[2], OKABE_ITO[3]  # bluish green / vermillion, always paired with marker and text

#: The y tick labels the layout makes room for (graph panel, gap panel): the widest shown over every built-in
#: function with x and y on a 0.25 grid of the window (4375 settings; "−0.045" and "−0.0016" were the widest but
#: for 6 settings of the gap panel, "−0.00030" and "−0.00012").
_WIDEST_TICK_LABELS = ("−1.05", "−0.016")


class _AtLeastAsWide(Formatter):
    """The tick labels of ``inner``, each no narrower than ``widest`` (for laying the figure out only)."""

    def __init__(self, inner: Formatter, widest: str):
        self.inner, self.widest = inner, widest

    def set_axis(self, axis) -> None:
        self.axis = axis
        self.inner.set_axis(axis)

    def set_locs(self, locs) -> None:
        self.inner.set_locs(locs)

    def format_ticks(self, values) -> list:
        return [label if len(label) >= len(self.widest) else self.widest for label in self.inner.format_ticks(values)]

    def __call__(self, x, pos=None) -> str:
        label = self.inner(x, pos)
        return label if len(label) >= len(self.widest) else self.widest

    def get_offset(self) -> str:
        return self.inner.get_offset()


@dataclass(frozen=True)
class ChordState:
    """What the Chord Explorer shows.

    Parameters
    ----------
    function : str
        Label of the function.
    grid, graph : ndarray, shape (n,)
        The graph of f over the window (NaN outside its domain).
    point : convexity.ChordPoint
        The chord inequality at the chosen ``(x, y, t)``.
    profile : convexity.ChordProfile
        Graph and chord along the whole segment.
    window_test : convexity.ChordTest
        Chord test of f over the window (is f convex there?).
    message : str
        The message line: the verdict at the chosen point and over the window [-3, 3].
    """

    function: str
    grid: np.ndarray
    graph: np.ndarray
    point: convexity.ChordPoint
    profile: convexity.ChordProfile
    window_test: convexity.ChordTest
    message: str


class ChordExplorer(Explorer):
    """The chord inequality :math:`f(tx + (1-t)y) \\le t f(x) + (1-t) f(y)` with sliders.

    Parameters
    ----------
    f : callable, optional
        Your own function of one real variable (vectorized like ``np.exp`` or not, like ``math.exp``); it is
        added to the menu as ``f_label`` and selected.
    f_label : str
        Its label in the menu.
    presentation : bool
        Larger figure and fonts for projector demos.
    **values

        Initial control values: ``function``, ``x``, ``y``, ``t``.
    """

    title = "Chord Explorer — is the graph ever above a chord?"

    def __init__(self, *, f: Callable | None = None, f_label: str = "your f", presentation: bool = False, **values):
        self.functions = dict(CHORD_FUNCTIONS)
        if f is not None:
            check_callable(f, "f")
            label = str(f_label)
            self.functions[label] = f
            values.setdefault("function", label)
        self._window_tests: dict[str, convexity.ChordTest] = {}
        super().__init__(presentation=presentation, **values)

    def _make_controls(self):
        return {
            "function": choice("f(x)", list(self.functions), value="x⁴ − x²", buttons=False),
            "x": float_slider("x", *WINDOW, step=0.05, value=-1.0),
            "y": float_slider("y", *WINDOW, step=0.05, value=0.5),
            "t": float_slider("t (weight of x)", 0.0, 1.0, step=0.01, value=0.5),
        }

    def compute(self, params):
        """Pure: the control values → the :class:`ChordState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``function`` (a label of the menu), ``x`` and ``y`` (the two points, in [-3, 3]), ``t`` (the weight of ``x``, in [0, 1]).

        Returns
        -------
        ChordState
        """
        name = params["function"]
        f = self.functions[name]
        point = convexity.chord(f, params["x"], params["y"], params["t"])
        profile = convexity.chord_profile(f, params["x"], params["y"], n=101)
        grid = np.linspace(*WINDOW, 301)
        graph = convexity.chord_profile(f, WINDOW[1], WINDOW[0], n=301).f_z  # t runs from y=lo to x=hi
        if name not in self._window_tests:  # the function's own verdict does not depend on the sliders
            self._window_tests[name] = convexity.chord_test(f, np.linspace(*WINDOW, 61), n_segments=2000)
        test = self._window_tests[name]
        return ChordState(name, grid, graph, point, profile, test, self._message(name, point, profile, test))

    @staticmethod
    def _message(name, point, profile, test) -> str:
        if not (np.isfinite(point.f_x) and np.isfinite(point.f_y)):
            here = f"{name} is not defined at x or y (outside its domain) — move them"
        elif not np.isfinite(point.f_z):
            here = f"{name} is not defined at z = {fmt(point.z[0], '.3g')}"
        elif point.violated:
            here = f"VIOLATION at t = {fmt(point.t, '.2f')}: f(z) is {fmt(point.gap, '.3g')} above the chord"
        else:
            here = f"OK at t = {fmt(point.t, '.2f')}: f(z) is {fmt(-point.gap, '.3g')} below (or on) the chord"
        worst = np.nanmax(profile.gaps) if np.isfinite(profile.gaps).any() else np.nan
        along = ""
        if np.isfinite(worst) and worst > 1e-9 * (1 + np.nanmax(np.abs(profile.chord_values))) and not point.violated:
            along = f"; elsewhere on this segment the graph rises {fmt(worst, '.3g')} above the chord"
        if test.violated:
            verdict = f"Over [{WINDOW[0]:g}, {WINDOW[1]:g}] {name} is NOT convex ({test.n_violations} of {test.n_tested} chords violated)"
        else:
            verdict = f"Over [{WINDOW[0]:g}, {WINDOW[1]:g}] no chord of {name} is violated ({test.n_tested} tested)"
        return f"{here}{along}. {verdict}."

    def _build_figure(self):
        self.fig, (self.ax, self.ax_gap) = self.new_figure(1, 2, figsize=(9.6, 4.0),
                                                           gridspec_kw={"width_ratios": [3, 2]})
        ax = self.ax
        (self.graph_line,) = ax.plot([], [], color="k", linewidth=1.8, label="graph of f")
        (self.chord_line,) = ax.plot([], [], color=OKABE_ITO[4], linestyle="--", linewidth=1.6, label="chord")
        (self.ends,) = ax.plot([], [], linestyle="none", marker="o", markersize=7, color=OKABE_ITO[4],
                               label="(x, f(x)), (y, f(y))")
        (self.on_chord,) = ax.plot([], [], linestyle="none", marker="s", markersize=8, markerfacecolor="white",
                                   markeredgecolor=OKABE_ITO[4], markeredgewidth=2, label="chord at z")
        (self.on_graph,) = ax.plot([], [], linestyle="none", marker="o", markersize=8, color=_OK,
                                   markeredgecolor="k", label="graph at z")
        (self.gap_bar,) = ax.plot([], [], linewidth=2.5, color=_OK)
        self.verdict = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", ha="left", fontsize=self.font(10),
                               bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
        ax.set_xlim(*WINDOW)
        label_axes(ax, title="f and one of its chords", xlabel="x", ylabel="f(x)")
        gx = self.ax_gap
        gx.axhline(0.0, color="0.4", linewidth=1)
        (self.gap_curve,) = gx.plot([], [], color="k", linewidth=1.6, label="f(z) − chord")
        self.gap_fill = None
        (self.gap_marker,) = gx.plot([], [], linestyle="none", marker="o", markersize=8, color=_OK,
                                     markeredgecolor="k", label="current t")
        gx.set_xlim(0, 1)
        # Limits snapped to a coarse grid (course_utils.widgets.limits.nice_limits): they change only when the data
        # cross a grid cell, so most updates are a cheap blit, and they are a function of the state — the same
        # axes however the student reached a setting (hysteresis here showed two pictures for one setting).
        # These two y axes are redrawn whenever their limits change, at ~1 ms a tick label: five or six
        # ticks read as well as ten.
        for axis in (ax.yaxis, gx.yaxis):
            axis.set_major_locator(MaxNLocator(nbins=5))
        # they change with x and y (and the verdict with the point): redrawn by each blit from the start, so the
        # first key press is a blit too, not the full draw that noticing them would cost
        keep_redrawing(ax.yaxis, gx.yaxis, self.verdict)
        self.fig.legend(handles=[self.graph_line, self.chord_line, self.ends, self.on_chord, self.on_graph,
                                 self.gap_curve], loc="outside lower center", ncols=6, fontsize=self.font(8), frameon=False)
        label_axes(gx, title="gap along the segment\n(> 0 = violation)", xlabel="t  (z = t·x + (1 − t)·y)",
                   ylabel="f(z) − [t f(x) + (1 − t) f(y)]")

    def _freeze_layout(self) -> None:
        """Lay the figure out with room for the widest y tick labels a setting commonly shows, then freeze it.

        Both y axes follow the data (``nice_limits``), so their tick labels change width as x and y move ("0.5",
        "−0.24", "−0.0016"). Laid out for the labels of the moment, the figure outgrew its layout at most limit
        changes: a new constrained layout (~50 ms), a full draw and a whole new image per key press — 136 ms a
        press in the browser. Laid out once for :data:`_WIDEST_TICK_LABELS` (the widest labels over a sweep of
        every function and x, y on a 0.25 grid, all but 0.1 % of settings), it keeps its place while the student
        drags: a limit change redraws the axis alone. Wider labels still get a new layout (see
        :meth:`Explorer._relayout`), computed the same way.
        """
        axes = [(self.ax.yaxis, _WIDEST_TICK_LABELS[0]), (self.ax_gap.yaxis, _WIDEST_TICK_LABELS[1])]
        real = [axis.major.formatter for axis, _ in axes]
        try:
            for (axis, widest), formatter in zip(axes, real):
                axis.major.formatter = _AtLeastAsWide(formatter, widest)
            super()._freeze_layout()
        finally:
            for (axis, _), formatter in zip(axes, real):
                axis.major.formatter = formatter
                axis.stale = True

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : ChordState
            The explorer's current state (see :class:`ChordState`), from :meth:`compute`.
        """
        p = state.point
        ok_graph = np.isfinite(state.graph)
        self.graph_line.set_data(state.grid, state.graph)
        fx, fy = p.f_x, p.f_y
        self.chord_line.set_data([p.x[0], p.y[0]], [fx, fy])
        self.ends.set_data([p.x[0], p.y[0]], [fx, fy])
        self.on_chord.set_data([p.z[0]], [p.chord_value])
        colour = _BAD if p.violated else _OK
        self.on_graph.set_data([p.z[0]], [p.f_z])
        self.on_graph.set_color(colour)
        self.on_graph.set_marker("X" if p.violated else "o")
        self.on_graph.set_markeredgecolor("k")
        self.gap_bar.set_data([p.z[0], p.z[0]], [p.f_z, p.chord_value])
        self.gap_bar.set_color(colour)
        self.verdict.set_text(("✗ graph ABOVE chord" if p.violated else "✓ graph below chord")
                              if np.isfinite(p.gap) else "outside the domain")
        self.verdict.set_color(colour if np.isfinite(p.gap) else "k")
        # y-limits from the graph near the segment and the chord (ignoring infinities), so the chord is legible
        margin = 0.2 * abs(p.x[0] - p.y[0]) + 0.2
        lo_x, hi_x = min(p.x[0], p.y[0]) - margin, max(p.x[0], p.y[0]) + margin
        near = ok_graph & (state.grid >= lo_x) & (state.grid <= hi_x)
        vals = np.concatenate([state.graph[near], [v for v in (fx, fy, p.f_z) if np.isfinite(v)]])
        lo, hi = (float(np.min(vals)), float(np.max(vals))) if vals.size else (-1.0, 1.0)
        self.ax.set_ylim(*nice_limits(max(lo, -50.0), min(hi, 50.0), headroom=0.1, top_room=0.15))  # room: verdict box
        prof = state.profile
        self.gap_curve.set_data(prof.ts, prof.gaps)
        if self.gap_fill is not None:
            self.gap_fill.remove()
        finite = np.isfinite(prof.gaps)
        self.gap_fill = self.ax_gap.fill_between(prof.ts, 0, np.where(finite & (prof.gaps > 0), prof.gaps, 0),
                                                 color=_BAD, alpha=0.35, hatch="//", linewidth=0,
                                                 label="graph above chord")
        self.gap_marker.set_data([p.t], [p.gap])
        self.gap_marker.set_color(colour)
        self.gap_marker.set_marker("X" if p.violated else "o")
        self.gap_marker.set_markeredgecolor("k")
        g = prof.gaps[finite]
        glo, ghi = (min(float(g.min()), 0.0), max(float(g.max()), 0.0)) if g.size else (-1.0, 1.0)
        # A gap that is zero all along (x = y, or a linear f) gets a span of 1 % of the graph panel's, not ±1e-10
        # with a "1e-10" offset label over the title: nothing to see there, at the graph's own scale.
        f_lo, f_hi = self.ax.get_ylim()
        floor = 0.01 * (f_hi - f_lo)
        if ghi - glo < floor:
            glo, ghi = min(glo, -floor / 2), max(ghi, floor / 2)
        self.ax_gap.set_ylim(*nice_limits(max(glo, -100.0), min(ghi, 100.0), headroom=0.1))
