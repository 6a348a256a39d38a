r"""A map of convergence for heavy-ball momentum on a quadratic (after Goh 2017, "Why Momentum Really Works").

The heat map shows the steps momentum needs to shrink the gradient of
:math:`\tfrac12(\mu x_1^2 + L x_2^2)` (with :math:`L = 1`, :math:`\mu = 1/\kappa`) by a factor ``1e-6``, over a
grid of learning rate :math:`\eta` and momentum :math:`\beta` — every cell iterated at once
(:func:`course_utils.momentum.momentum_convergence_map`). Marked: the fastest cell (circle), the theoretical
optimum :math:`\eta^\star = (2/(\sqrt L + \sqrt\mu))^2`, :math:`\beta^\star = ((\sqrt\kappa-1)/(\sqrt\kappa+1))^2`
(star), and the divergence boundary :math:`\eta L = 2(1 + \beta)` (dashed); diverged cells are hatched.
A cell's count is the step from which the gradient *stays* below the tolerance (a one-step dip as an
oscillating component crosses zero does not count; ``settled=True``).

As in Distill's article, a point of the map can be opened: the η and β sliders move a cross on the map, and
the right-hand panels draw that run — its path in the eigenbasis over the loss's level sets, and the error
along each eigen-direction on a log scale beside the envelope :math:`\rho_i^k` of each direction's
iteration-matrix spectral radius (:func:`course_utils.momentum.heavy_ball_run`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..momentum import HeavyBallRun, MomentumMap, heavy_ball_run, momentum_convergence_map, momentum_rate
from ..plotting import CMAP, OKABE_ITO, font_sizes, label_axes
from .base import Explorer, float_slider, int_slider, log_slider
from .cache import LRUCache

__all__ = ["MomentumMapExplorer", "MomentumMapState"]

_LRS = np.linspace(0.02, 4.0, 67)
_BETAS = np.linspace(0.0, 0.98, 50)
_CACHE_SIZE = 64  # maps of 50 × 67 cells: ~60 kB each


@dataclass(frozen=True)
class MomentumMapState:
    """The map and its landmarks.

    Parameters
    ----------
    kappa : float
        The condition number κ: the quadratic has curvatures :math:`\\mu = 1/\\kappa` and :math:`L = 1`.
    result : MomentumMap
        Steps to converge on the (η, β) grid (67 learning rates in [0.02, 4], 50 momenta in [0, 0.98]), with
        the fastest cell and the theoretical optimum.
    run : HeavyBallRun
        The run at the sliders' (η, β), ``max_steps`` steps from (1, 1) (cut where it blew up).
    radii : ndarray (2,)
        The spectral radius of each eigen-direction's iteration matrix at (η, β) (closed form).
    message : str
        The message line: the fastest cell against the theory and the best plain gradient descent, then the
        chosen run.
    """

    kappa: float
    result: MomentumMap
    run: HeavyBallRun
    radii: np.ndarray
    message: str


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _pos=None) -> str:
    """A log-axis tick label ``10⁻⁹`` in plain unicode (no mathtext to lay out)."""
    if not value > 0:
        return ""
    return "10" + str(int(round(np.log10(value)))).translate(_SUPERSCRIPT)


class MomentumMapExplorer(Explorer):
    """Steps-to-converge of momentum over (η, β) for a quadratic of condition number κ, and one run of it.

    Parameters
    ----------
    **values
        Initial control values: ``kappa`` (1 … 1000), ``max_steps`` (100 … 2000), ``lr`` (0.02 … 4) and
        ``beta`` (0 … 0.98), the run opened on the map; also ``presentation=True`` for larger figure and fonts
        (see :class:`~course_utils.widgets.base.Explorer`).
    """

    title = "A map of convergence: momentum on a quadratic"

    def _make_controls(self):
        # The run's sliders first: they are the light, continuously updated ones (a blit per move). κ and the
        # budget recompute the map and rescale its colour bar on release (a full draw).
        return {
            "lr": float_slider("run: learning rate η", float(_LRS[0]), float(_LRS[-1]), step=0.02, value=3.3,
                               tooltip="the run drawn on the right; its cell is the cross on the map"),
            "beta": float_slider("run: momentum β", float(_BETAS[0]), float(_BETAS[-1]), step=0.01, value=0.67,
                                 tooltip="the run drawn on the right; its cell is the cross on the map"),
            "kappa": log_slider("condition number κ", 1.0, 1000.0, value=100.0, steps_per_decade=8, heavy=True,
                                readout_format=".3g"),
            "max_steps": int_slider("max steps", 100, 2000, step=100, value=600, heavy=True),
        }

    def __init__(self, **values):
        #: Maps already computed, by (κ, max steps): dragging back to a κ seen before costs nothing.
        self._maps = LRUCache(_CACHE_SIZE)
        super().__init__(**values)

    def _map(self, kappa: float, max_steps: int) -> MomentumMap:
        key = (kappa, max_steps)
        result = self._maps.get(key)
        if result is None:
            result = momentum_convergence_map([1.0 / kappa, 1.0], _LRS, _BETAS, rtol=1e-6, max_steps=max_steps,
                                              settled=True)
            self._maps.put(key, result)
        return result

    def compute(self, params) -> MomentumMapState:
        """Pure: the control values → the :class:`MomentumMapState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``kappa`` (the condition number κ, 1 … 1000), ``max_steps`` (the step
            budget per cell, 100 … 2000), ``lr`` and ``beta`` (the run to open, 0.02 … 4 and 0 … 0.98).

        Returns
        -------
        MomentumMapState
        """
        kappa = float(params["kappa"])
        max_steps = int(params["max_steps"])
        result = self._map(kappa, max_steps)
        lr_star, beta_star, rate_star = result.optimum
        lr_b, beta_b, steps_b = result.best
        gd = result.steps[0]
        gd_best = np.nanmin(gd) if np.isfinite(gd).any() else np.nan
        if np.isfinite(steps_b):
            message = (f"κ = {kappa:.3g}: fastest cell η = {lr_b:.2f}, β = {beta_b:.2f} ({steps_b:.0f} steps); "
                       f"theory η* = {lr_star:.2f}, β* = {beta_star:.2f} (rate {rate_star:.3f}); "
                       + (f"best plain GD (β = 0): {gd_best:.0f} steps" if np.isfinite(gd_best)
                          else f"plain GD (β = 0) does not converge within {result.max_steps} steps"))
        else:
            message = f"κ = {kappa:.3g}: no cell converged within {result.max_steps} steps — raise max steps"
        lr, beta = float(params["lr"]), float(params["beta"])
        lam = result.eigenvalues
        run = heavy_ball_run(lam, lr, beta, max_steps)
        radii = np.array([float(momentum_rate(lr, beta, [mu])) for mu in lam])
        where = (f"diverges (|x| above 10⁶ at step {run.diverged_at})" if run.diverged_at is not None
                 else f"error after {max_steps} steps {np.abs(run.iterates[-1]).max():.1e}")
        message += (f". Run η = {lr:.2f}, β = {beta:.2f}: radius per direction ρ = {radii[0]:.3f} (μ), "
                    f"{radii[1]:.3f} (L); {where}")
        return MomentumMapState(kappa, result, run, radii, message)

    def _build_figure(self):
        import matplotlib as mpl
        import matplotlib.ticker  # noqa: F401  (mpl.ticker below)
        from matplotlib import patheffects

        # The map, the run's path and its error side by side, each the full height of the figure: stacked in a
        # notebook column, the two right-hand panels were squeezed to ~70 px each (their ticks ran together), and
        # on a projector the figure is short (it shares 720 px with the controls and the message).
        short = True  # legend texts short enough for three panels side by side
        self.fig, (self.ax, self.ax_path, self.ax_err) = self.new_figure(
            1, 3, figsize=(8.5, 4.75), gridspec_kw={"width_ratios": (1.4, 1.0, 1.0)})
        extent = (_LRS[0], _LRS[-1], _BETAS[0], _BETAS[-1])
        cmap = mpl.colormaps[CMAP].with_extremes(bad="0.85")
        self._image = self.ax.imshow(np.full((_BETAS.size, _LRS.size), np.nan), origin="lower", aspect="auto",
                                     extent=extent, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
        cb = self.fig.colorbar(self._image, ax=self.ax, location="bottom", shrink=0.9, pad=0.02)
        cb.set_label("log₁₀(steps until the gradient stays below 10⁻⁶ of its start)\ngrey: not within max steps",
                     fontsize=self.font(8))
        self._hatch = None
        halo = [patheffects.withStroke(linewidth=4, foreground="white")]
        (self._boundary,) = self.ax.plot([], [], color="k", linestyle="--", linewidth=1.5,
                                         label="boundary ηL = 2(1 + β)" if short else "divergence boundary ηL = 2(1 + β)")
        # Black marks with a white halo: visible on the dark (fast) and the light (slow) end of the map, and
        # in the legend on its white background.
        (self._best,) = self.ax.plot([], [], marker="o", markersize=11, markerfacecolor="none", markeredgecolor="k",
                                     markeredgewidth=2.0, linestyle="none", path_effects=halo,
                                     label="fastest cell" if short else "fastest cell (measured)")
        (self._opt,) = self.ax.plot([], [], marker="*", markersize=15, color=OKABE_ITO[0], markeredgecolor="k",
                                    linestyle="none", label="optimum (η*, β*)" if short else "theoretical optimum (η*, β*)")
        (self._pick,) = self.ax.plot([], [], marker="X", markersize=11, color=OKABE_ITO[5], markeredgecolor="k",
                                     linestyle="none", label="the run (sliders)" if short else "the run on the right (sliders)")
        self.ax.set_xlim(_LRS[0], _LRS[-1])
        self.ax.set_ylim(_BETAS[0], _BETAS[-1])
        label_axes(self.ax, title="steps for momentum to converge\n", xlabel="learning rate η (L = 1)",
                   ylabel="momentum β")
        # The legend sits above the map, outside it: no landmark can hide under it (at κ = 1 the optimum is
        # at the map's lower edge, η* = 1, β* = 0).
        # Its offset is in points (above the two-line title), not a share of the axes height: in a shorter
        # (presentation) figure a share of the height left the legend over the title.
        from matplotlib.transforms import ScaledTranslation

        above_title = (2 * 1.2 * font_sizes(self.fig)["title"] + 8) / 72  # inches
        self.ax.legend(fontsize=self.font(7.5), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
                       bbox_transform=self.ax.transAxes + ScaledTranslation(0, above_title, self.fig.dpi_scale_trans),
                       framealpha=1.0, borderaxespad=0.0)
        # the run: its path in the eigenbasis over the level sets of f, and its error per eigen-direction
        self._contours = None
        (self._path,) = self.ax_path.plot([], [], color=OKABE_ITO[4], marker=".", markersize=3, linewidth=0.8,
                                          label="iterates x_k")
        (self._path_start,) = self.ax_path.plot([1.0], [1.0], marker="s", color="k", linestyle="none",
                                                label="start (1, 1)")
        (self._path_min,) = self.ax_path.plot([0.0], [0.0], marker="*", color=OKABE_ITO[0], markeredgecolor="k",
                                              markersize=11, linestyle="none", label="minimum")
        self.ax_path.set_xlim(-1.6, 1.6)
        self.ax_path.set_ylim(-3.2, 3.2)  # the first step overshoots to x₂ = 1 − η ≥ −3
        # the right-hand legends sit above their panels (in place of titles): nothing of the run is hidden
        label_axes(self.ax_path, xlabel="x₁ (curvature μ = 1/κ)", ylabel="x₂ (curvature L = 1)")
        self.ax_path.legend(fontsize=self.font(7), loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
                            title="the run over the level sets of f" if short else "the run's path over the level sets of f", title_fontsize=self.font(8),
                            borderaxespad=0.2)
        styles = [dict(color=OKABE_ITO[3], linestyle="-"), dict(color=OKABE_ITO[4], linestyle="-")]
        self._err = [self.ax_err.plot([], [], linewidth=1.0, **st, label=lab)[0]
                     for st, lab in zip(styles, ("|x₁| (μ)", "|x₂| (L)") if short else ("|x₁| (μ direction)", "|x₂| (L direction)"))]
        self._env = [self.ax_err.plot([], [], linewidth=1.6, color="k", linestyle=ls, label=lab, zorder=3)[0]
                     for st, ls, lab in zip(styles, ("--", ":"), ("ρ₁ᵏ (μ)", "ρ₂ᵏ (L)") if short else ("ρ₁ᵏ (spectral radius, μ)", "ρ₂ᵏ (spectral radius, L)"))]
        self.ax_err.set_yscale("log")
        self.ax_err.set_ylim(1e-12, 1e4)
        # every third decade, labelled 10⁻⁹ in plain text: mathtext labels made the layout several times slower
        self.ax_err.yaxis.set_major_locator(mpl.ticker.LogLocator(base=1000.0, numticks=8))
        self.ax_err.yaxis.set_minor_locator(mpl.ticker.NullLocator())
        self.ax_err.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(_power_of_ten))
        label_axes(self.ax_err, xlabel="step k", ylabel="error |x_k,i| (log scale)")
        self.ax_err.legend(fontsize=self.font(7), loc="lower center", bbox_to_anchor=(0.5, 1.0),
                           ncol=2,
                           title="error per direction" if short else "the run's error per eigen-direction", title_fontsize=self.font(8),
                           borderaxespad=0.2)

    def draw(self, state: MomentumMapState) -> None:
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : MomentumMapState
            The explorer's current state (see :class:`MomentumMapState`), from :meth:`compute`.
        """
        r = state.result
        with np.errstate(divide="ignore", invalid="ignore"):
            self._image.set_data(np.log10(r.steps))
        # the colour range spans the steps actually seen (at κ = 1000 they range over 200 … 2000 only)
        low = np.log10(np.nanmin(r.steps)) if np.isfinite(r.steps).any() else 0.0
        self._image.set_clim(min(np.floor(low * 4) / 4, np.log10(r.max_steps) - 0.25), np.log10(r.max_steps))
        if self._hatch is not None:
            self._hatch.remove()
            self._hatch = None
        if r.diverged.any():
            self._hatch = self.ax.contourf(_LRS, _BETAS, r.diverged.astype(float), levels=[0.5, 1.5], colors="none",
                                           hatches=["///"])
        betas = np.linspace(0, _BETAS[-1], 50)
        self._boundary.set_data(2 * (1 + betas), betas)
        lr_b, beta_b, steps_b = r.best
        self._best.set_data(*(([lr_b], [beta_b]) if np.isfinite(steps_b) else ([], [])))
        lr_star, beta_star, _ = r.optimum
        self._opt.set_data([lr_star], [beta_star])
        run = state.run
        self._pick.set_data([run.lr], [run.beta])
        self.ax.set_title(f"steps for momentum to converge\n(κ = {state.kappa:.3g}; hatched: diverged)",
                          fontsize=font_sizes(self.ax)["title"])
        # path: level sets of f = (μ x₁² + L x₂²)/2 through the start's loss and below
        if self._contours is None or getattr(self, "_contour_kappa", None) != state.kappa:
            if self._contours is not None:
                self._contours.remove()
            X1, X2 = np.meshgrid(np.linspace(-1.6, 1.6, 81), np.linspace(-3.2, 3.2, 81))
            lam = r.eigenvalues
            F = 0.5 * (lam[0] * X1**2 + lam[1] * X2**2)
            f0 = 0.5 * lam.sum()
            self._contours = self.ax_path.contour(X1, X2, F, levels=f0 * np.geomspace(1e-3, 1.0, 6), colors="0.6",
                                                  linewidths=0.7)
            self._contour_kappa = state.kappa
        it = run.iterates
        shown = np.clip(it, -1e3, 1e3)  # a blown-up run: clip far outside the window (the axes crop it)
        self._path.set_data(shown[:, 0], shown[:, 1])
        k = np.arange(it.shape[0])
        tiny = 1e-300  # an exact zero has no logarithm
        for i in range(2):
            self._err[i].set_data(k, np.clip(np.abs(it[:, i]), tiny, 1e300))
            with np.errstate(under="ignore"):
                env = np.clip(state.radii[i] ** k.astype(float), tiny, 1e300)
            self._env[i].set_data(k, env)
        self.ax_err.set_xlim(0, r.max_steps)
