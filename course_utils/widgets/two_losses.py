r"""Same model, two losses: logistic regression under cross-entropy and under MSE.

Two Gaussian blobs centred at :math:`\pm(s/2, 0)` (labels 0 and 1, a fraction of them flipped) are
classified by :math:`p = \sigma(w_1 x_1 + w_2 x_2)` — no intercept, so the whole loss lives on the
:math:`(w_1, w_2)` plane and is drawn exactly, not sliced. Two panels share that plane:

* **cross-entropy** :math:`\frac1N\sum \log(1 + e^{z_i}) - y_i z_i` — convex (its Hessian
  :math:`\frac1N X^\top \mathrm{diag}(p_i(1-p_i)) X` is positive semi-definite); on separable data it keeps
  decreasing towards infinity along the separating directions — flat asymptotic directions, no finite minimum;
* **MSE on the sigmoid** :math:`\frac1N\sum (\sigma(z_i) - y_i)^2` — plateaus where the sigmoid saturates
  and regions of negative curvature: not convex.

The explorer measures non-convexity on the drawn grid as the share of points whose 2×2 Hessian (finite
differences, :func:`course_utils.surfaces.slice_curvature`) has a clearly negative eigenvalue.

Examples
--------
>>> from course_utils.widgets import TwoLossesExplorer
>>> e = TwoLossesExplorer(separation=3.0, label_noise=0.0)
>>> e.state.negative_fraction["cross_entropy"] == 0.0 < e.state.negative_fraction["mse"]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problems import BLOB_LOSSES, blob_classification
from .base import Explorer, float_slider, int_slider
from .cache import LRUCache

__all__ = ["TwoLossesExplorer", "TwoLossesState"]

#: Half-width of the (w₁, w₂) box shown.
W_MAX = 6.0
_RESOLUTION = 61
_LOSSES = BLOB_LOSSES
_TITLES = {"cross_entropy": "cross-entropy (convex)", "mse": "MSE on σ(z) (not convex)"}


@dataclass(frozen=True)
class TwoLossesState:
    """What the two panels show.

    Parameters
    ----------
    slices : dict
        ``{"cross_entropy": Slice2D, "mse": Slice2D}`` over ``w1, w2`` in ``[-W_MAX, W_MAX]``.
    negative_fraction : dict
        Share of grid points with clearly negative curvature, per loss.
    best : dict
        Grid point ``(w1, w2)`` of lowest loss, per loss.
    on_edge : bool
        The cross-entropy grid minimum lies on the box's edge (its infimum is at infinity: separable data).
    message : str
        The message line: the share of negative curvature under each loss, and the edge warning.
    """

    slices: dict
    negative_fraction: dict
    best: dict
    on_edge: bool
    message: str


class TwoLossesExplorer(Explorer):
    """Cross-entropy vs MSE for one logistic-regression model, side by side.

    Controls: ``separation`` (distance between the blob centres, 0–6), ``label_noise`` (fraction of labels
    flipped, 0–0.5), ``seed`` (data draw).

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts for projector demos.
    **values
        Initial control values: ``separation``, ``label_noise``, ``seed`` (0 … 9).
    """

    title = "Same model, two losses: logistic regression on two blobs"
    controls_position = "top"

    def _make_controls(self):
        return {
            "separation": float_slider("class separation", 0.0, 6.0, 0.25, 3.0),
            "label_noise": float_slider("label noise (flipped)", 0.0, 0.5, 0.05, 0.1),
            "seed": int_slider("data seed", 0, 9, value=0),
        }

    #: How many settings :meth:`compute` remembers (a state is ~70 kB).
    cache_size = 64

    def compute(self, params) -> TwoLossesState:
        """The two slices for ``params``; a setting seen before is returned from a cache (compute is pure and
        its 2 × 61² loss evaluations over the data dominate an update, so dragging a slider back is instant).

        Parameters
        ----------
        params : dict
            Control values by name: ``separation`` (distance between the blob centres, 0 … 6), ``label_noise``
            (fraction of labels flipped, 0 … 0.5), ``seed`` (data draw, 0 … 9).

        Returns
        -------
        TwoLossesState
        """

        key = (float(params["separation"]), float(params["label_noise"]), int(params["seed"]))
        cache = self.__dict__.get("_states")
        if cache is None:  # compute first runs inside Explorer.__init__
            cache = self._states = LRUCache(self.cache_size)
        state = cache.get(key)
        if state is None:
            state = self._compute(params)
            cache.put(key, state)
        return state

    def _compute(self, params) -> TwoLossesState:
        from .. import surfaces

        objectives = blob_classification(params["separation"], params["label_noise"], seed=int(params["seed"]))
        grid = np.linspace(-W_MAX, W_MAX, _RESOLUTION)
        slices, neg, best = {}, {}, {}
        for loss, obj in objectives.items():
            s = surfaces.slice_2d(obj, np.zeros(2), [1.0, 0.0], [0.0, 1.0], grid, grid)
            slices[loss] = s
            neg[loss] = surfaces.slice_curvature(s).negative_fraction
            i, j = np.unravel_index(np.argmin(s.losses), s.losses.shape)
            best[loss] = np.array([grid[i], grid[j]])
        on_edge = bool(np.max(np.abs(best["cross_entropy"])) >= W_MAX)
        edge = (" Its lowest grid point is on the box's edge: the data are (nearly) separable and cross-entropy "
                "keeps falling towards infinity." if on_edge else "")
        message = (f"Negative curvature on {100 * neg['cross_entropy']:.0f}% of the grid for cross-entropy, "
                   f"{100 * neg['mse']:.0f}% for MSE.{edge}")
        return TwoLossesState(slices=slices, negative_fraction=neg, best=best, on_edge=on_edge, message=message)

    def _build_figure(self):
        from ..plotting import label_axes

        self.fig, axes = self.new_figure(1, 2, figsize=(10.0, 4.4))
        self.axes = dict(zip(_LOSSES, axes))
        self._contours = {}
        self._best = {}
        for loss, ax in self.axes.items():
            label_axes(ax, title=_TITLES[loss], xlabel="weight $w_1$", ylabel="weight $w_2$")
            ax.set_xlim(-W_MAX, W_MAX)
            ax.set_ylim(-W_MAX, W_MAX)
            ax.set_aspect("equal")
            (self._best[loss],) = ax.plot([], [], marker="*", markersize=13, markerfacecolor="white",
                                          markeredgecolor="k", linestyle="none", label="lowest grid point", zorder=5)
            ax.legend(loc="lower left", fontsize=self.font(8))

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : TwoLossesState
            The explorer's current state (see :class:`TwoLossesState`), from :meth:`compute`.
        """
        from ..plotting import CMAP

        for loss, ax in self.axes.items():
            s = state.slices[loss]
            old = self._contours.get(loss)
            if old is not None:
                old.remove()
                old.course_lines.remove()
            cs = ax.contourf(s.alphas, s.betas, s.losses.T, levels=20, cmap=CMAP)
            cs.course_lines = ax.contour(s.alphas, s.betas, s.losses.T, levels=cs.levels, colors="k",
                                         linewidths=0.3, alpha=0.5)
            self._contours[loss] = cs
            self._best[loss].set_data([state.best[loss][0]], [state.best[loss][1]])
            ax.set_title(f"{_TITLES[loss]}\nnegative curvature on {100 * state.negative_fraction[loss]:.0f}% of grid")
