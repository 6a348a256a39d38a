r"""The Sharpness Explorer: every sharpness measure at trained minima, as a function of the radius.

For each given minimum it draws the loss along the top Hessian eigenvector and along a random direction (left:
the worst direction rises like :math:`\tfrac12\lambda_{\max}t^2`, a random one like
:math:`\tfrac12(\operatorname{tr}H/P)\,t^2`), in units of the radius — distance :math:`t/\rho`, increase
:math:`\Delta L/\rho^2` — so that the quadratic regime looks the same at every :math:`\rho` and only a departure
from it (third-order terms, saturation) changes the picture; and the measures at the chosen radius :math:`\rho` and Keskar
box :math:`\varepsilon` (right, log scale): Keskar's worst case in the box, the worst and the average over
random directions of length :math:`\rho`, and SAM's :math:`L(\theta + \rho g/\|g\|) - L(\theta)`.

Examples
--------
>>> from course_utils.models import Quadratic
>>> q = Quadratic(np.diag([1.0, 10.0]))
>>> e = SharpnessExplorer(q, {"minimum": np.zeros(2)}, rho=0.1)
>>> round(e.state.worst_random[0] / (0.5 * 0.1**2 * 10), 2) <= 1.0
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import curvature, sharpness
from ..validation import check_rng
from .base import Explorer, log_slider
from .limits import nice_limits

__all__ = ["SharpnessExplorer", "SharpnessState"]

_TS = np.linspace(-1.0, 1.0, 61)
#: Bar-chart limits are reset (to the data's range padded by this many decades) only when a bar leaves them:
#: a full redraw every few ρ steps instead of on every one.
_BAR_PAD_DECADES = 1.5
_MEASURES = ("Keskar (box ε)", "worst random", "average random", "SAM")


@dataclass(frozen=True)
class SharpnessState:
    """Measures per minimum at the current ``rho`` and ``eps``.

    Parameters
    ----------
    rho, eps : float
        The radius ρ (random directions, SAM, slices) and the half-width ε of Keskar's box.
    names : tuple of str
        The minima's names, in the order of the arrays' first axis.
    keskar, worst_random, average_random, sam : ndarray, shape (M,)
        Raw loss increases (Keskar's is the raw increase, not the ×100/(1+L) score).
    ts : ndarray, shape (T,)
        Distances along the directions, ``2ρ·[-1, 1]``.
    top_slices, random_slices : ndarray, shape (M, T)
        Loss increase along the top eigenvector and along one random unit direction.
    message : str
        The message line: SAM, worst and average random sharpness per minimum, and the worst/average ratio.
    """

    rho: float
    eps: float
    names: tuple
    keskar: np.ndarray
    worst_random: np.ndarray
    average_random: np.ndarray
    sam: np.ndarray
    ts: np.ndarray
    top_slices: np.ndarray
    random_slices: np.ndarray
    message: str


def _span(values) -> str:
    """``'4.7×'`` for one value (or several that print alike), ``'3.1–4.7×'`` for a range."""
    lo, hi = f"{np.min(values):.1f}", f"{np.max(values):.1f}"
    return f"{lo}×" if lo == hi else f"{lo}–{hi}×"


class SharpnessExplorer(Explorer):
    """Sharpness measures at one or more minima of one objective.

    Parameters
    ----------
    objective : Objective
        The loss (the course's objective protocol: ``loss``, ``loss_batch``, ``grad``, ``hvp``, ``dim``).
    minima : dict[str, ndarray]

        Named parameter vectors (e.g. ``{"small batch": θ_sb, "full batch": θ_lb}``), at most 4.
    **values
        ``rho`` (1e-3–1, log) and ``eps`` (1e-4–1e-1, log).
    """

    title = "Measuring sharpness: worst case, random directions, SAM"

    def __init__(self, objective, minima: dict, **values):
        if not isinstance(minima, dict) or not 1 <= len(minima) <= 4:
            raise ValueError(f"`minima` must be a dict of 1 to 4 named parameter vectors, got {minima!r:.60}")
        self.objective = objective
        self.names = tuple(minima)
        self.minima = [np.asarray(minima[n], dtype=float) for n in self.names]
        rng = check_rng(0)
        self.top = [curvature.hessian_top_eigenpairs(objective, t, k=1, rng=0).vectors[:, -1] for t in self.minima]
        self.random_dir = rng.standard_normal(objective.dim)
        self.random_dir /= np.linalg.norm(self.random_dir)
        self._keskar_cache: dict[float, list[float]] = {}   # Keskar's box search depends on ε only, not on ρ
        super().__init__(**values)

    def _keskar(self, eps: float) -> list[float]:
        if eps not in self._keskar_cache:
            if len(self._keskar_cache) >= 64:
                self._keskar_cache.clear()
            self._keskar_cache[eps] = [sharpness.keskar_sharpness(self.objective, theta, eps, maxiter=10, rng=0).increase
                                       for theta in self.minima]
        return self._keskar_cache[eps]

    def _make_controls(self):
        return {
            "rho": log_slider("radius ρ", 1e-3, 1.0, 0.05, heavy=True),
            "eps": log_slider("Keskar box ε", 1e-4, 1e-1, 1e-3, heavy=True),
        }

    def compute(self, params) -> SharpnessState:
        """Pure: the control values → the :class:`SharpnessState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``rho`` (the radius ρ, 0.001 … 1), ``eps`` (the Keskar box ε, 1e-4 … 0.1).

        Returns
        -------
        SharpnessState
        """
        rho, eps = float(params["rho"]), float(params["eps"])
        obj = self.objective
        worst, avg, sam, tops, rands = [], [], [], [], []
        kes = self._keskar(eps)
        ts = 2 * rho * _TS
        for theta, top in zip(self.minima, self.top):
            base = obj.loss(theta)
            r = sharpness.random_direction_sharpness(obj, theta, rho, n_directions=100, rng=0)
            worst.append(r.worst)
            avg.append(r.average)
            sam.append(sharpness.sam_sharpness(obj, theta, rho))
            tops.append(obj.loss_batch(theta + ts[:, None] * top) - base)
            rands.append(obj.loss_batch(theta + ts[:, None] * self.random_dir) - base)
        arr = [np.array(v) for v in (kes, worst, avg, sam)]
        ratio = arr[1] / np.maximum(arr[2], 1e-300)
        msg = (f"ρ = {rho:.3g}: " + "; ".join(
            f"{n}: SAM {s:.3g}, worst random {w:.3g}, average {a:.3g}"
            for n, s, w, a in zip(self.names, arr[3], arr[1], arr[2])) +
            ". Worst/average over random directions: " + _span(ratio) + ".")
        return SharpnessState(rho, eps, self.names, *arr, ts, np.array(tops), np.array(rands), msg)

    def _build_figure(self):
        from ..plotting import label_axes, series_styles

        self.fig, (self.ax_slice, self.ax_bar) = self.new_figure(1, 2, figsize=(10.5, 4.0))
        styles = series_styles(len(self.names))
        self.top_lines, self.rand_lines = [], []
        for name, style in zip(self.names, styles):
            (a,) = self.ax_slice.plot([], [], color=style["color"], linestyle="-", label=f"{name}: top eigenvector")
            (b,) = self.ax_slice.plot([], [], color=style["color"], linestyle=":", label=f"{name}: random direction")
            self.top_lines.append(a)
            self.rand_lines.append(b)
        # In units of ρ the x range is fixed (the slices span ±2ρ) and the ±ρ marks never move.
        for x in (-1.0, 1.0):
            self.ax_slice.axvline(x, color="0.3", linestyle="--", linewidth=0.8)
        self.ax_slice.set_xlim(2 * _TS[0], 2 * _TS[-1])
        self.ax_slice.set_ylim(-0.05, 1.0)
        self.ax_slice.legend(fontsize=self.font(8), loc="upper center")
        # (a shorter title: wider than its axes, the longer one ran into the top tick label on a projector)
        label_axes(self.ax_slice, "Loss increase along two directions", "distance t / ρ (dashed: ±ρ)",
                   "[L(θ + t·u) − L(θ)] / ρ²")
        width = 0.8 / len(self.names)
        x = np.arange(len(_MEASURES))
        hatches = ("", "//", "..", "xx")
        self.bars = [self.ax_bar.bar(x + (i - (len(self.names) - 1) / 2) * width, np.ones(len(_MEASURES)), width,
                                     color=style["color"], hatch=hatches[i], edgecolor="black", label=name)
                     for i, (name, style) in enumerate(zip(self.names, styles))]
        self.ax_bar.set_yscale("log")
        self.ax_bar.set_xticks(x, [m.replace(" ", "\n", 1) for m in _MEASURES], fontsize=self.font(8))  # two lines: no overlap
        self.ax_bar.legend(fontsize=self.font(8))
        label_axes(self.ax_bar, "Sharpness measures (loss increase)", None, "increase (log scale)")

    def draw(self, state: SharpnessState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : SharpnessState
            The explorer's current state (see :class:`SharpnessState`), from :meth:`compute`.
        """
        for i in range(len(self.names)):
            self.top_lines[i].set_data(state.ts / state.rho, state.top_slices[i] / state.rho**2)
            self.rand_lines[i].set_data(state.ts / state.rho, state.random_slices[i] / state.rho**2)
            values = (state.keskar[i], state.worst_random[i], state.average_random[i], state.sam[i])
            for bar, v in zip(self.bars[i], values):
                bar.set_height(max(float(v), 1e-12))
        self._fit_slice_limits(state)
        heights = np.r_[state.keskar, state.worst_random, state.average_random, state.sam]
        heights = heights[heights > 0]
        if heights.size:
            a, b = max(float(heights.min()), 1e-12), float(heights.max())
            # whole decades with room either way: the limits change only when a bar crosses a decade, and they
            # depend on the bars alone (the same axes however a setting was reached)
            lo = 10.0 ** np.floor(np.log10(a) - _BAR_PAD_DECADES)
            hi = 10.0 ** np.ceil(np.log10(b) + _BAR_PAD_DECADES)
            if (max(lo, 1e-13), hi) != tuple(self.ax_bar.get_ylim()):
                self.ax_bar.set_ylim(max(lo, 1e-13), hi)

    def _fit_slice_limits(self, state: SharpnessState) -> None:
        """The normalized slices' y range: snapped to a coarse grid (it changes only when a curve crosses a grid
        cell), a function of the curves alone (the same axes however a setting was reached)."""
        ys = np.r_[state.top_slices.ravel(), state.random_slices.ravel()] / state.rho**2
        ys = ys[np.isfinite(ys)]
        if not ys.size:
            return
        top, bottom = max(float(ys.max()), 1e-12), min(float(ys.min()), 0.0)
        top = nice_limits(0.0, 1.3 * top, headroom=0.0)[1]
        bottom = -nice_limits(0.0, max(-1.1 * bottom, 0.05 * top), headroom=0.0)[1]
        if (bottom, top) != tuple(self.ax_slice.get_ylim()):
            self.ax_slice.set_ylim(bottom, top)
