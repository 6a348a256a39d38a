r"""A map of convergence for heavy-ball momentum on a quadratic (after Goh 2017, "Why Momentum Really Works").

The heat map shows the steps momentum needs to shrink the gradient of
:math:`\tfrac12(\mu x_1^2 + L x_2^2)` (with :math:`L = 1`, :math:`\mu = 1/\kappa`) by a factor ``1e-6``, over a
grid of learning rate :math:`\eta` and momentum :math:`\beta` — every cell iterated at once
(:func:`course_utils.momentum.momentum_convergence_map`). Marked: the fastest cell (circle), the theoretical
optimum :math:`\eta^\star = (2/(\sqrt L + \sqrt\mu))^2`, :math:`\beta^\star = ((\sqrt\kappa-1)/(\sqrt\kappa+1))^2`
(star), and the divergence boundary :math:`\eta L = 2(1 + \beta)` (dashed); diverged cells are hatched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..momentum import MomentumMap, momentum_convergence_map
from ..plotting import CMAP, OKABE_ITO, font_sizes, label_axes
from .base import Explorer, int_slider, log_slider
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
    message : str
        The message line: the fastest cell against the theory and the best plain gradient descent.
    """

    kappa: float
    result: MomentumMap
    message: str


class MomentumMapExplorer(Explorer):
    """Steps-to-converge of momentum over (η, β) for a quadratic of condition number κ.

    Parameters
    ----------
    **values
        Initial control values: ``kappa`` (1 … 1000), ``max_steps`` (100 … 2000); also ``presentation=True``
        for larger figure and fonts (see :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "A map of convergence: momentum on a quadratic"

    def _make_controls(self):
        return {
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
            result = momentum_convergence_map([1.0 / kappa, 1.0], _LRS, _BETAS, rtol=1e-6, max_steps=max_steps)
            self._maps.put(key, result)
        return result

    def compute(self, params) -> MomentumMapState:
        """Pure: the control values → the :class:`MomentumMapState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``kappa`` (the condition number κ, 1 … 1000), ``max_steps`` (the step budget per cell, 100 … 2000).

        Returns
        -------
        MomentumMapState
        """
        kappa = float(params["kappa"])
        result = self._map(kappa, int(params["max_steps"]))
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
        return MomentumMapState(kappa, result, message)

    def _build_figure(self):
        self.fig, self.ax = self.new_figure(figsize=(7.0, 4.8))
        extent = (_LRS[0], _LRS[-1], _BETAS[0], _BETAS[-1])
        cmap = __import__("matplotlib").colormaps[CMAP].with_extremes(bad="0.85")
        self._image = self.ax.imshow(np.full((_BETAS.size, _LRS.size), np.nan), origin="lower", aspect="auto",
                                     extent=extent, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
        cb = self.fig.colorbar(self._image, ax=self.ax)
        cb.set_label("log₁₀(steps to converge); grey = not within max steps", fontsize=self.font(9))
        self._hatch = None
        (self._boundary,) = self.ax.plot([], [], color="k", linestyle="--", linewidth=1.5,
                                         label="divergence boundary ηL = 2(1 + β)")
        (self._best,) = self.ax.plot([], [], marker="o", markersize=11, markerfacecolor="none", markeredgecolor="white",
                                     markeredgewidth=2.2, linestyle="none", label="fastest cell (measured)")
        (self._opt,) = self.ax.plot([], [], marker="*", markersize=15, color=OKABE_ITO[0], markeredgecolor="k",
                                    linestyle="none", label="theoretical optimum (η*, β*)")
        self.ax.set_xlim(_LRS[0], _LRS[-1])
        self.ax.set_ylim(_BETAS[0], _BETAS[-1])
        label_axes(self.ax, title="steps for momentum to converge", xlabel="learning rate η (L = 1)",
                            ylabel="momentum β")

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
        self._image.set_clim(0, np.log10(r.max_steps))
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
        self.ax.set_title(f"steps for momentum to converge (κ = {state.kappa:.3g}; hatched: diverged)",
                          fontsize=font_sizes(self.ax)["title"])
        legend = self.ax.get_legend()
        if legend is None:
            self.ax.legend(fontsize=self.font(8), loc="lower left", framealpha=0.85)
