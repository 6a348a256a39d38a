r"""Jensen Explorer: :math:`\mathbb E[f(X)]` against :math:`f(\mathbb E[X])` for a distribution you shape.

Choose a distribution — two points with a weight, a Gaussian with mean and spread, or a uniform — and a
function. The explorer draws the graph of ``f``, the distribution under it, the point
:math:`(\mathbb E X, f(\mathbb E X))` on the graph and the point :math:`(\mathbb E X, \mathbb E f(X))` above
(convex ``f``) or below (concave ``f``) it; the gap is printed. For two points the second point lies on the
chord — Jensen's inequality is the chord inequality with the weight as probability. With ``log x`` and two
points the message spells out the weighted AM–GM inequality :math:`a^p b^{1-p} \le pa + (1-p)b`.

Exact for two points; Gauss quadrature for the Gaussian and uniform, with a Monte Carlo estimate
(4000 draws, fixed seed) and its standard error beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import convexity, jensen
from ..plotting import OKABE_ITO, fmt, label_axes
from .base import Explorer, choice, float_slider
from .limits import nice_limits

__all__ = ["JensenExplorer", "JensenState", "JENSEN_FUNCTIONS"]

WINDOW = (-3.0, 3.0)

#: label -> (f, shape): "convex", "concave" or "neither" (shown in the message).
JENSEN_FUNCTIONS: dict[str, tuple[Callable, str]] = {
    "x²": (lambda x: x**2, "convex"),
    "eˣ": (np.exp, "convex"),
    "|x|": (np.abs, "convex"),
    "log x": (np.log, "concave"),
    "x⁴ − x²": (lambda x: x**4 - x**2, "neither"),
    "sin x": (np.sin, "neither"),
}
DISTRIBUTIONS = ["two points", "Gaussian", "uniform"]
_MC_DRAWS = 4000
_ABOVE, _BELOW = OKABE_ITO[4], OKABE_ITO[3]  # blue / vermillion, paired with marker shapes and words


@dataclass(frozen=True)
class JensenState:
    """What the Jensen Explorer shows.

    Parameters
    ----------
    function, kind : str
        Function label and distribution kind.
    distribution : jensen.Distribution
        The distribution of X.
    result : jensen.JensenGap
        Exact (two points) or quadrature (continuous).
    monte_carlo : jensen.JensenGap or None
        Monte Carlo estimate for continuous distributions.
    grid, graph : ndarray, shape (n,)
        The graph of f over the window [-3, 3] (NaN outside its domain).
    pdf_x, pdf_y : ndarray
        The distribution for drawing: the density, or stems (NaN-separated) for point masses.
    chord : convexity.ChordPoint or None
        For two points: the chord from ``(a, f(a))`` to ``(b, f(b))`` at weight ``p`` — its ``chord_value`` is
        E[f(X)] and its ``f_z`` is f(E[X]).
    message : str
        The message line: E[f(X)], f(E[X]), the gap and what the shape of f says about its sign.
    """

    function: str
    kind: str
    distribution: jensen.Distribution
    result: jensen.JensenGap
    monte_carlo: jensen.JensenGap | None
    grid: np.ndarray
    graph: np.ndarray
    pdf_x: np.ndarray
    pdf_y: np.ndarray
    chord: convexity.ChordPoint | None
    message: str


class JensenExplorer(Explorer):
    r"""Jensen's inequality :math:`f(\mathbb E X) \le \mathbb E f(X)` for convex ``f``, with sliders.

    Controls: ``distribution``, ``function``, ``a`` and ``b`` (the two points, or the ends of the uniform),
    ``p`` (probability of ``a``), ``mean`` and ``std`` (Gaussian). Controls that do not apply are disabled.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts for projector demos.
    **values
        Initial control values by name (the controls above).
    """


    title = "Jensen Explorer — E[f(X)] versus f(E[X])"

    def _make_controls(self):
        return {
            "distribution": choice("X ~", DISTRIBUTIONS, value="two points"),
            "function": choice("f(x)", list(JENSEN_FUNCTIONS), value="x²", buttons=False),
            # short labels (the tooltips say the rest): the long ones left the tracks ~60 px for 120 steps
            "a": float_slider("point a", *WINDOW, step=0.05, value=-1.0,
                              tooltip="a: the first point (two points) or the lower end (uniform)"),
            "b": float_slider("point b", *WINDOW, step=0.05, value=2.0,
                              tooltip="b: the second point (two points) or the upper end (uniform)"),
            "p": float_slider("p = P(X = a)", 0.0, 1.0, step=0.01, value=0.5),
            "mean": float_slider("mean μ", -2.5, 2.5, step=0.05, value=0.5),
            "std": float_slider("spread σ", 0.0, 1.5, step=0.01, value=0.6),
        }

    def _sync_controls(self, params):
        kind = params["distribution"]
        self.controls["a"].disabled = self.controls["b"].disabled = kind == "Gaussian"
        self.controls["p"].disabled = kind != "two points"
        self.controls["mean"].disabled = self.controls["std"].disabled = kind != "Gaussian"

    def compute(self, params):
        """Pure: the control values → the :class:`JensenState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``distribution`` (``"two points"``, ``"Gaussian"`` or ``"uniform"``), ``function`` (a key of :data:`JENSEN_FUNCTIONS`), ``a`` and ``b`` (in [-3, 3]), ``p`` (in [0, 1]), ``mean`` (in [-2.5, 2.5]) and ``std`` (in [0, 1.5]).

        Returns
        -------
        JensenState
        """
        kind, name = params["distribution"], params["function"]
        f, shape = JENSEN_FUNCTIONS[name]
        a, b, p = params["a"], params["b"], params["p"]
        mc = chord = None
        if kind == "two points":
            chord = convexity.chord(f, a, b, p)
            dist = jensen.discrete([a, b], [p, 1 - p]) if 0 < p < 1 else jensen.discrete([a if p else b])
            result = jensen.jensen_gap(f, dist)
            pdf_x = np.array([a, a, np.nan, b, b])
            pdf_y = np.array([0, p, np.nan, 0, 1 - p])
        else:
            if kind == "Gaussian":
                dist = jensen.gaussian(params["mean"], params["std"])
                lo, hi = params["mean"] - 4 * params["std"], params["mean"] + 4 * params["std"]
            else:
                dist = jensen.uniform(min(a, b), max(a, b))
                lo, hi = min(a, b), max(a, b)
            result = jensen.jensen_gap(f, dist, method="quadrature")
            if dist.std > 0:
                mc = jensen.jensen_gap(f, dist, method="monte_carlo", n=_MC_DRAWS, rng=0)
                pdf_x = np.linspace(lo, hi, 201) if kind == "Gaussian" else np.array([lo, lo, hi, hi])
                pdf_y = dist.pdf(pdf_x) if kind == "Gaussian" else np.array([0, 1, 1, 0]) / (hi - lo)
            else:  # a point mass
                pdf_x, pdf_y = np.array([dist.mean, dist.mean]), np.array([0.0, 1.0])
        grid = np.linspace(*WINDOW, 301)
        graph = convexity.chord_profile(f, WINDOW[1], WINDOW[0], n=301).f_z
        message = self._message(name, shape, kind, dist, result, mc, a, b, p)
        return JensenState(name, kind, dist, result, mc, grid, graph, pdf_x, pdf_y, chord, message)

    @staticmethod
    def _message(name, shape, kind, dist, result, mc, a, b, p) -> str:
        if not np.isfinite(result.gap):
            where = "X ≤ 0" if name == "log x" else "part of the distribution"
            extra = " (a Gaussian always puts mass on X ≤ 0)" if name == "log x" and kind == "Gaussian" else ""
            return f"E[f(X)] is undefined: {name} is not defined for {where}{extra} — move the distribution"
        text = (f"E[f(X)] = {fmt(result.mean_of_f, '.4g')}, f(E[X]) = {fmt(result.f_of_mean, '.4g')}, "
                f"gap E[f(X)] − f(E[X]) = {fmt(result.gap, '.4g')} ({'exact' if result.method == 'exact' else 'quadrature'})")
        if mc is not None and np.isfinite(mc.gap):
            text += f"; Monte Carlo ({mc.n} draws): {fmt(mc.gap, '.4g')} ± {fmt(mc.stderr, '.2g')}"
        scale = 1e-9 * (1 + abs(result.mean_of_f))
        if dist.std == 0:
            text += ". No spread (a point mass): the gap is 0"
        elif abs(result.gap) <= scale and shape in ("convex", "concave"):
            text += (f". The gap is 0 although X is spread: {name} must be affine where X lives (Jensen's gap is 0 "
                     "only then, for a strictly convex or concave f)")
        elif abs(result.gap) <= scale:
            text += (f". The gap is 0 although X is spread and {name} curves: its bends up and down cancel over this "
                     "distribution (for instance by symmetry), which only a non-convex f can do")
        elif shape == "convex":
            text += f". {name} is convex, so the gap is ≥ 0 (Jensen)"
        elif shape == "concave":
            text += f". {name} is concave, so the gap is ≤ 0"
        else:
            text += f". {name} is neither convex nor concave: the sign of the gap depends on the distribution"
        if name == "log x" and kind == "two points" and 0 < p < 1 and min(a, b) > 0:
            gm, am = a**p * b ** (1 - p), p * a + (1 - p) * b
            text += f". Weighted AM–GM: a^p·b^(1−p) = {fmt(gm, '.4g')} ≤ p·a + (1−p)·b = {fmt(am, '.4g')}"
        return text

    def _build_figure(self):
        self.fig, ax = self.new_figure(figsize=(7.5, 4.3))
        self.ax = ax
        self.ax_pdf = ax.twinx()
        (self.graph_line,) = ax.plot([], [], color="k", linewidth=1.8, label="graph of f")
        (self.chord_line,) = ax.plot([], [], color="0.45", linestyle="--", linewidth=1.3, label="chord (two points)")
        self.mean_line = ax.axvline(0.0, color="0.5", linestyle=":", linewidth=1.2, label="E[X]")
        (self.f_of_mean,) = ax.plot([], [], linestyle="none", marker="o", markersize=9, color="k",
                                    markerfacecolor="white", markeredgewidth=2, label="f(E[X])")
        (self.mean_of_f,) = ax.plot([], [], linestyle="none", marker="s", markersize=9, color=_ABOVE,
                                    markeredgecolor="k", label="E[f(X)]")
        (self.gap_bar,) = ax.plot([], [], linewidth=3, color=_ABOVE, label="gap")
        self.readout = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", ha="left", fontsize=self.font(9),
                               family="monospace", bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
        (self.pdf_line,) = self.ax_pdf.plot([], [], color=OKABE_ITO[2], linewidth=2, label="distribution of X")
        self.pdf_fill = None
        self.ax_pdf.set_yticks([])
        # (clear of the x axis's last tick label, which reaches past the right edge: it touched the "3")
        self.ax_pdf.set_ylabel("distribution of X (not to scale)", color=OKABE_ITO[2], labelpad=self.font(9))
        ax.set_xlim(*WINDOW)
        # Limits snapped to a coarse grid (course_utils.widgets.limits.nice_limits): they change only when the data
        # cross a grid cell, so most updates are a cheap blit, and they are a function of the state — the same
        # axes however the student reached a setting (hysteresis here showed two pictures for one setting).
        label_axes(ax, title="Jensen's inequality", xlabel="x", ylabel="f(x)")
        handles = [self.graph_line, self.chord_line, self.mean_line, self.f_of_mean, self.mean_of_f, self.gap_bar,
                   self.pdf_line]
        self.fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=self.font(8), frameon=False)

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : JensenState
            The explorer's current state (see :class:`JensenState`), from :meth:`compute`.
        """
        r = state.result
        m = float(np.asarray(r.mean))
        self.graph_line.set_data(state.grid, state.graph)
        if state.chord is not None:
            c = state.chord
            self.chord_line.set_data([c.x[0], c.y[0]], [c.f_x, c.f_y])
        else:
            self.chord_line.set_data([], [])
        self.mean_line.set_xdata([m, m])
        self.f_of_mean.set_data([m], [r.f_of_mean])
        above = r.gap >= 0
        colour = _ABOVE if above else _BELOW
        self.mean_of_f.set_data([m], [r.mean_of_f])
        self.mean_of_f.set_color(colour)
        self.mean_of_f.set_marker("s" if above else "v")
        self.mean_of_f.set_markeredgecolor("k")
        self.gap_bar.set_data([m, m], [r.f_of_mean, r.mean_of_f])
        self.gap_bar.set_color(colour)
        if np.isfinite(r.gap):
            self.readout.set_text(f"E[f(X)]  = {fmt(r.mean_of_f, '9.4g')}\nf(E[X])  = {fmt(r.f_of_mean, '9.4g')}\n"
                                  f"gap      = {fmt(r.gap, '9.4g')}  ({'≥' if above else '<'} 0)")
        else:
            self.readout.set_text("E[f(X)] undefined:\nf is not defined on\npart of the distribution")
        # y-limits: the graph over the part of the window where the distribution lives, plus both points
        spread = 2 * state.distribution.std if state.kind == "Gaussian" else 0.0
        x_lo = (m - spread if spread else np.nanmin(state.pdf_x)) - 0.5
        x_hi = (m + spread if spread else np.nanmax(state.pdf_x)) + 0.5
        near = np.isfinite(state.graph) & (state.grid >= x_lo) & (state.grid <= x_hi)
        vals = np.concatenate([state.graph[near], [v for v in (r.f_of_mean, r.mean_of_f) if np.isfinite(v)]])
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (-1.0, 1.0)
        self.ax.set_ylim(*nice_limits(max(lo, -30.0), min(hi, 30.0), headroom=0.1, top_room=0.35))  # readout box
        self.pdf_line.set_data(state.pdf_x, state.pdf_y)
        if self.pdf_fill is not None:
            self.pdf_fill.remove()
            self.pdf_fill = None
        if state.kind != "two points" and state.distribution.std > 0:
            self.pdf_fill = self.ax_pdf.fill_between(state.pdf_x, 0, state.pdf_y, color=OKABE_ITO[2], alpha=0.25,
                                                     hatch="..", linewidth=0)
        top = np.nanmax(state.pdf_y) if np.isfinite(state.pdf_y).any() else 1.0
        # the distribution sits in the bottom third (between a third and a sixth of the height)
        self.ax_pdf.set_ylim(0, 3.2 * nice_limits(0.0, max(top, 1e-12), headroom=0.0)[1])
