r"""Hessian Estimator Explorer: Lanczos, Hutchinson and SLQ converging to the dense truth.

For a model small enough to form its Hessian once (the ground truth), three panels show what the
matrix-free estimators recover from Hessian-vector products alone:

* **SLQ density** against the histogram of exact eigenvalues (sliders: Lanczos steps, random starts,
  Gaussian broadening);
* **Lanczos**: the error of the top and bottom Ritz values against the number of steps (log scale);
* **Hutchinson**: the running trace estimate with its 95 % interval against the number of probes, and
  the exact trace.

The estimators receive ``v -> H v`` with the dense ``H`` precomputed, so a slider tick costs
milliseconds; they are the same functions that the chapter runs on autograd HVPs.

Examples
--------
>>> from course_utils.widgets import SpectrumExplorer
>>> e = SpectrumExplorer(H=np.diag(np.linspace(-1, 5, 60)), steps=60)
>>> e.state.lanczos_error[-1] < 1e-8
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import curvature as cv
from ..plotting import OKABE_ITO, label_axes
from .base import Explorer, int_slider, log_slider

__all__ = ["SpectrumExplorer", "SpectrumState"]


@dataclass(frozen=True)
class SpectrumState:
    """What the estimator explorer shows.

    Parameters
    ----------
    density : curvature.Density
        SLQ estimate.
    steps : ndarray, shape (m,)
        1 … m Lanczos steps.
    lanczos_error : ndarray, shape (m,)
        ``max(|θ_max − λ_max|, |θ_min − λ_min|)`` after each step.
    probes : ndarray, shape (n,)
        1 … n: the number of probes behind each running estimate.
    running_trace, ci_low, ci_high : ndarray, shape (n,)
        Hutchinson's running mean and its 95 % interval (NaN for a single probe).
    trace : curvature.TraceEstimate
        The estimate with all probes.
    message : str
        The message line: the Lanczos error, the Hutchinson estimate against the exact trace, the SLQ setting.
    """

    density: cv.Density
    steps: np.ndarray
    lanczos_error: np.ndarray
    probes: np.ndarray
    running_trace: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    trace: cv.TraceEstimate
    message: str


class SpectrumExplorer(Explorer):
    """Matrix-free Hessian estimators against the dense spectrum.

    Parameters
    ----------
    objective, theta : Objective and array (P,), optional
        The model and the point; its dense Hessian is formed once.
    H : array_like (P, P), optional
        A symmetric matrix instead of ``objective``/``theta``.
    label : str
        Shown in titles ("trained MLP").
    presentation : bool
        Larger figure and fonts for projector demos.

    **values
        Initial controls: ``steps`` (Lanczos steps, 2 … min(P, 100)), ``n_starts`` (1 … 30),
        ``sigma2`` (broadening variance, relative to the squared spectral width), ``probes`` (2 … 1000).
    """

    title = "Hessian Estimator Explorer"
    controls_position = "top"

    def __init__(self, objective=None, theta=None, *, H=None, label: str = "", presentation: bool = False,
                 **values):
        from ..validation import check_symmetric

        if H is None:
            if objective is None or theta is None:
                raise ValueError("give either `objective` and `theta`, or a symmetric matrix `H`")
            H = objective.hessian(theta)
            label = label or objective.name
        self.H = check_symmetric(H, "H")
        self.exact = np.linalg.eigvalsh(self.H)
        self.label = label or f"{self.H.shape[0]} × {self.H.shape[0]} Hessian"
        self.width = float(self.exact[-1] - self.exact[0]) or 1.0
        super().__init__(presentation=presentation, **values)

    def _make_controls(self):
        P = self.H.shape[0]
        return {
            "steps": int_slider("Lanczos steps", 2, min(P, 100), value=min(P, 30)),
            "n_starts": int_slider("SLQ starts", 1, 30, value=10),
            "sigma2": log_slider("broadening σ²/width²", 1e-6, 1e-2, 1e-4),
            "probes": int_slider("Hutchinson probes", 2, 1000, value=100, step=2),
        }

    def compute(self, params) -> SpectrumState:
        """Pure: the control values → the :class:`SpectrumState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``steps`` (Lanczos steps, 2 … min(P, 100)), ``n_starts`` (SLQ random starts, 1 … 30), ``sigma2`` (the broadening variance relative to the squared spectral width, 1e-6 … 1e-2), ``probes`` (Hutchinson probes, 2 … 1000).

        Returns
        -------
        SpectrumState
        """
        H, P = self.H, self.H.shape[0]

        def hvp(v):
            return H @ v

        m = params["steps"]
        sigma2 = params["sigma2"] * self.width**2
        grid = np.linspace(self.exact[0] - 0.1 * self.width, self.exact[-1] + 0.1 * self.width, 400)
        density = cv.slq_density(hvp, P, rng=1, steps=m, n_starts=params["n_starts"], sigma2=sigma2, grid=grid)
        lz = cv.lanczos(hvp, P, m, rng=2)
        T = lz.tridiagonal()
        err = []
        for j in range(1, lz.steps + 1):
            ritz = np.linalg.eigvalsh(T[:j, :j])
            err.append(max(abs(ritz[-1] - self.exact[-1]), abs(ritz[0] - self.exact[0])))
        trace = cv.hutchinson_trace(hvp, P, rng=3, n_probes=params["probes"])
        n = np.arange(1, trace.samples.size + 1)
        mean = np.cumsum(trace.samples) / n
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (np.cumsum(trace.samples**2) - n * mean**2) / (n - 1)
            half = 1.96 * np.sqrt(np.clip(var, 0, None) / n)
        exact_trace = float(self.exact.sum())
        verdict = "inside" if trace.contains(exact_trace) else "OUTSIDE"
        message = (f"Lanczos: {lz.steps} steps → extreme eigenvalues within {err[-1]:.1e}. "
                   f"Hutchinson: {trace.estimate:.3f} ± {trace.ci_high - trace.estimate:.3f} with "
                   f"{trace.samples.size} probes; exact trace {exact_trace:.3f} is {verdict} the 95 % interval. "
                   f"SLQ: {params['n_starts']} starts × {density.nodes.shape[1]} steps.")
        return SpectrumState(density, np.arange(1, lz.steps + 1), np.array(err), n, mean, mean - half, mean + half,
                             trace, message)

    def _build_figure(self):
        self.fig, axes = self.new_figure(1, 3, figsize=(13, 4))
        self.ax_d, self.ax_l, self.ax_h = axes
        self.ax_d.hist(self.exact, bins=40, density=True, color="0.75", edgecolor="0.4", label="exact eigenvalues")
        (self.density_line,) = self.ax_d.plot([], [], color=OKABE_ITO[4], linewidth=2, label="SLQ density")
        self.ax_d.set_yscale("symlog", linthresh=0.1)
        self.ax_d.legend(fontsize=self.font(8))
        label_axes(self.ax_d, f"density: {self.label}", "eigenvalue λ", "density (symlog)")
        self.ax_l.set_yscale("log")
        self.ax_l.set_ylim(1e-16, 10.0)  # fixed before any data: autoscaling an empty log axis warns
        self.ax_l.set_xlim(0, 10)
        (self.error_line,) = self.ax_l.plot([np.nan], [np.nan], marker="o", markersize=3, color=OKABE_ITO[3],
                                                label="Lanczos (extreme Ritz values)")
        self.ax_l.axhline(1e-8, color="k", linestyle=":", label="1e-8")
        self.ax_l.legend(fontsize=self.font(8))
        label_axes(self.ax_l, "Lanczos: edges first", "Lanczos steps", "error of λ_max, λ_min")
        self.band = None
        (self.trace_line,) = self.ax_h.plot([], [], color=OKABE_ITO[0], label="running estimate")
        self.ax_h.axhline(float(self.exact.sum()), color="k", linestyle="--", label="exact trace")
        self.ax_h.legend(fontsize=self.font(8))
        label_axes(self.ax_h, "Hutchinson trace ± 95 %", "number of probes", "trace estimate")

    def draw(self, state: SpectrumState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : SpectrumState
            The explorer's current state (see :class:`SpectrumState`), from :meth:`compute`.
        """
        self.density_line.set_data(state.density.grid, state.density.density)
        self.ax_d.set_xlim(state.density.grid[0], state.density.grid[-1])
        # The density's peak grows as the broadening shrinks. The y-limit is a power of ten above it and changes
        # only when the peak leaves the view or falls a decade below it (hysteresis), so most σ² moves keep the
        # axes — and the cached background — as they are (a changed limit means a full redraw).
        top = 10.0 ** np.ceil(np.log10(1.5 * max(float(np.max(state.density.density)), 1.0)))
        current = self.ax_d.get_ylim()[1]
        if not (top <= current <= 10 * top) or self.ax_d.get_ylim()[0] != 0:
            self.ax_d.set_ylim(0, top)
        err = np.maximum(state.lanczos_error, 1e-16)
        self.error_line.set_data(state.steps, err)
        self.ax_l.set_ylim(1e-16, max(10 * err.max(), 1.0))
        self.ax_l.set_xlim(0, max(state.steps[-1] + 1, 5))
        if self.band is not None:
            self.band.remove()
        ok = np.isfinite(state.ci_low)
        self.band = self.ax_h.fill_between(state.probes[ok], state.ci_low[ok], state.ci_high[ok], color=OKABE_ITO[0],
                                           alpha=0.25, label="95 % interval")
        self.trace_line.set_data(state.probes, state.running_trace)
        self.ax_h.set_xlim(1, state.probes[-1])
        lo = np.nanmin(state.ci_low[ok][len(state.ci_low[ok]) // 10:]) if ok.sum() > 10 else np.nanmin(state.running_trace)
        hi = np.nanmax(state.ci_high[ok][len(state.ci_high[ok]) // 10:]) if ok.sum() > 10 else np.nanmax(state.running_trace)
        pad = 0.1 * (hi - lo) + 1e-9
        self.ax_h.set_ylim(min(lo, self.exact.sum()) - pad, max(hi, self.exact.sum()) + pad)
