r"""Same model, two losses: logistic regression under cross-entropy and under MSE.

Two Gaussian blobs centred at :math:`\pm(s/2, 0)` (labels 0 and 1, a fraction of them flipped) are
classified by :math:`p = \sigma(w_1 x_1 + w_2 x_2)` — no intercept, so the whole loss lives on the
:math:`(w_1, w_2)` plane and is drawn exactly, not sliced. Two panels share that plane:

* **cross-entropy** :math:`\frac1N\sum \log(1 + e^{z_i}) - y_i z_i` — convex (its Hessian
  :math:`\frac1N X^\top \mathrm{diag}(p_i(1-p_i)) X` is positive semi-definite); on separable data it keeps
  decreasing towards infinity along the separating directions — flat asymptotic directions, no finite minimum;
* **MSE on the sigmoid** :math:`\frac1N\sum (\sigma(z_i) - y_i)^2` — not convex.

Both Hessians have the form :math:`H(w) = \frac1N\sum_i \ell''(z_i)\, x_i x_i^\top`, where :math:`\ell''` is the
per-example curvature in the logit :math:`z = w^\top x`: :math:`\sigma(1-\sigma) > 0` for
cross-entropy; for MSE :math:`2\sigma(1-\sigma)^2(3\sigma - 1)` (label 1) or :math:`2\sigma^2(1-\sigma)(2 - 3\sigma)`
(label 0), negative exactly where the prediction is confidently wrong (:math:`\sigma < 1/3` for label 1,
:math:`> 2/3` for label 0). The explorer hatches the grid points where this exact 2×2 Hessian **of the drawn
surface** has a negative eigenvalue; that can only happen where at least one example is confidently wrong.
Colours show the loss on a log scale (colour bars beside the panels).

Examples
--------
>>> from course_utils.widgets import TwoLossesExplorer
>>> e = TwoLossesExplorer(separation=3.0, label_noise=0.0)
>>> e.state.negative_fraction["cross_entropy"] == 0.0 < e.state.negative_fraction["mse"]
True
>>> e.state.negative["mse"].shape  # the hatched grid points, indexed like the slices (w1, w2)
(61, 61)
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
#: Eigenvalues below −_ROUNDING·max|λ| over the grid count as negative: a PSD Hessian's computed λ_min can come out
#: a few ulps below 0, while MSE's negative curvature on this box is never smaller than ~1e-6 of the largest.
_ROUNDING = 1e-10


def _logit_curvature(z, y, loss: str) -> np.ndarray:
    r"""Per-example curvature :math:`\ell''(z)` of a logistic loss in the logit :math:`z`.

    With :math:`\sigma' = \sigma(1-\sigma)` and :math:`\sigma'' = \sigma(1-\sigma)(1-2\sigma)`:

    * cross-entropy :math:`\ell(z) = \log(1+e^z) - yz`: :math:`\ell'' = \sigma(1-\sigma)`, whatever the label;
    * MSE :math:`\ell(z) = (\sigma(z)-y)^2`: :math:`\ell'' = 2[\sigma'^2 + (\sigma - y)\sigma'']`, which is
      :math:`2\sigma(1-\sigma)^2(3\sigma-1)` for :math:`y = 1` and :math:`2\sigma^2(1-\sigma)(2-3\sigma)` for
      :math:`y = 0`.

    Parameters
    ----------
    z : array_like
        Logits, any shape.
    y : array_like
        Labels 0 or 1, broadcastable against ``z``.
    loss : {"cross_entropy", "mse"}

    Returns
    -------
    ndarray
        :math:`\ell''(z)`, the broadcast shape of ``z`` and ``y``.
    """
    from scipy.special import expit

    from ..validation import check_option

    loss = check_option(loss, "loss", list(_LOSSES))
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("`y` must hold labels 0 or 1")
    p, q = expit(z), expit(-z)  # σ and 1 − σ, each accurate in its own tail
    if loss == "cross_entropy":
        return p * q
    # the two closed forms, chosen per label (factored, so the sign is exact where σ is tiny or close to 1)
    return np.where(y == 1, 2 * p * q**2 * (3 * p - 1), 2 * p**2 * q * (2 - 3 * p))


def _hessian_min_eigenvalues(X, y, losses, w1, w2) -> dict:
    r"""Smallest eigenvalue of the exact Hessian :math:`\frac1N\sum_i \ell''(z_i)\, x_i x_i^\top` over a grid.

    The logits :math:`z_i = w^\top x_i` and :math:`\sigma(z_i)`, :math:`1 - \sigma(z_i)` over the grid are
    computed once and shared by every loss in ``losses``; the examples are grouped by label, so each label's
    closed form for :math:`\ell''` (:func:`_logit_curvature`) is evaluated on its own examples only. The three
    Hessian entries are one matrix product of :math:`\ell''` with the columns :math:`x_{i1}^2, x_{i2}^2,
    x_{i1}x_{i2}` (divided by :math:`N`).

    Parameters
    ----------
    X : array_like, shape (N, 2)
        Inputs (no intercept column: the model is :math:`\sigma(w^\top x)`).
    y : array_like, shape (N,)
        Labels 0 or 1.
    losses : sequence of {"cross_entropy", "mse"}
    w1, w2 : array_like, shapes (A,) and (B,)
        Grid values of the two weights.

    Returns
    -------
    dict
        Per loss, an ndarray of shape (A, B): :math:`\lambda_{\min}` at :math:`(w_{1,a}, w_{2,b})`
        (``indexing="ij"``, like a :class:`Slice2D`).
    """
    from ..validation import check_option

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"`X` must have shape (N, 2) and `y` shape (N,), got {X.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("`y` must hold labels 0 or 1")
    losses = [check_option(loss, "losses", list(_LOSSES)) for loss in losses]
    W = np.stack(np.meshgrid(np.asarray(w1, float), np.asarray(w2, float), indexing="ij"), axis=-1)  # (A, B, 2)
    return _grid_quantities(X, y, W @ X.T, losses)[0]


def _grid_quantities(X, y, z, losses) -> tuple[dict, dict]:
    r"""From the logits ``z`` (shape (A, B, N)) of the examples ``X``, ``y`` over a grid: :math:`\lambda_{\min}` of
    each loss's Hessian (see :func:`_hessian_min_eigenvalues`) and each loss itself, sharing one
    :math:`\sigma(z)` and one :math:`1 - \sigma(z)` (each accurate in its own tail).

    The losses are :math:`\frac1N\sum_i \mathrm{softplus}(z_i) - y_i z_i` with
    :math:`\mathrm{softplus}(z) = \max(z, 0) - \log\max(\sigma(z), 1 - \sigma(z))` (that is
    :math:`\max(z, 0) + \log(1 + e^{-|z|})`, to an absolute :math:`\sim 10^{-16}`), and
    :math:`\frac1N\sum_i (\sigma(z_i) - y_i)^2` — the model's own losses (:class:`~course_utils.models.
    LogisticRegression`) to rounding (tests/test_widgets_two_losses.py compares them with ``slice_2d``), without
    their separate passes over the grid (``logaddexp`` alone cost as much as both sigmoids).

    Returns
    -------
    tuple of dict
        ``({loss: lam_min (A, B)}, {loss: losses (A, B)})``.
    """
    from scipy.special import expit

    order = np.argsort(y, kind="stable")  # label 0 first, then label 1: each label's examples a contiguous block
    X, y, z, n0 = X[order], y[order], z[..., order], int(np.sum(y == 0))
    p, q = expit(z), expit(-z)  # σ and 1 − σ, each accurate in its own tail
    features = np.stack([X[:, 0] ** 2, X[:, 1] ** 2, X[:, 0] * X[:, 1]], axis=1) / X.shape[0]  # (N, 3)
    found, values = {}, {}
    for loss in losses:
        if loss == "cross_entropy":
            c = p * q
            values[loss] = np.mean(np.maximum(z, 0.0) - np.log(np.maximum(p, q)) - y * z, axis=-1)
        else:  # the two closed forms of _logit_curvature, each on its own label's examples
            c = np.empty_like(z)
            p0, q0, p1, q1 = p[..., :n0], q[..., :n0], p[..., n0:], q[..., n0:]
            c[..., :n0] = 2 * p0**2 * q0 * (2 - 3 * p0)
            c[..., n0:] = 2 * p1 * q1**2 * (3 * p1 - 1)
            values[loss] = np.mean((p - y) ** 2, axis=-1)
        haa, hbb, hab = np.moveaxis(c @ features, -1, 0)
        # eigenvalues of [[haa, hab], [hab, hbb]]: mean ± radius
        found[loss] = 0.5 * (haa + hbb) - np.sqrt(0.25 * (haa - hbb) ** 2 + hab**2)
    return found, values


@dataclass(frozen=True)
class TwoLossesState:
    """What the two panels show.

    Parameters
    ----------
    slices : dict
        ``{"cross_entropy": Slice2D, "mse": Slice2D}`` over ``w1, w2`` in ``[-W_MAX, W_MAX]``.
    lam_min : dict
        Per loss, shape (61, 61): the smallest eigenvalue of the exact Hessian of the drawn surface at each grid
        point.
    negative : dict
        Per loss, boolean (61, 61): ``lam_min`` is negative beyond rounding — the hatched points.
    negative_fraction : dict
        Share of grid points in ``negative``, per loss.
    best : dict
        Grid point ``(w1, w2)`` of lowest loss, per loss.
    on_edge : dict
        Per loss: its lowest grid point lies on the box's edge (the loss may keep falling beyond the box; on
        separable data neither loss has a finite minimiser).
    message : str
        The message line: the share of negative curvature under each loss, and the edge note.
    """

    slices: dict
    lam_min: dict
    negative: dict
    negative_fraction: dict
    best: dict
    on_edge: dict
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
        from ..surfaces import Slice2D

        objectives = blob_classification(params["separation"], params["label_noise"], seed=int(params["seed"]))
        grid = np.linspace(-W_MAX, W_MAX, _RESOLUTION)
        slices, negative, fraction, best, on_edge = {}, {}, {}, {}, {}
        first = next(iter(objectives.values()))  # the two objectives share one data set
        # the plane (w1, w2) through 0, as surfaces.slice_2d lays it out; the logits, σ and 1 − σ once for both
        # losses and both Hessians (slice_2d's two passes and the Hessians' own cost three times as much)
        origin, d1, d2 = np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0])
        A, B = np.meshgrid(grid, grid, indexing="ij")
        lam_min, values = _grid_quantities(first.X, first.y, (A[..., None] * d1 + B[..., None] * d2) @ first.X.T,
                                           list(objectives))
        for loss in objectives:
            s = Slice2D(alphas=grid, betas=grid, losses=values[loss], center=origin, d1=d1, d2=d2)
            slices[loss] = s
            negative[loss] = lam_min[loss] < -_ROUNDING * np.max(np.abs(lam_min[loss]))
            fraction[loss] = float(np.mean(negative[loss]))
            i, j = np.unravel_index(np.argmin(s.losses), s.losses.shape)
            best[loss] = np.array([grid[i], grid[j]])
            on_edge[loss] = bool(np.max(np.abs(best[loss])) >= W_MAX)
        edged = [name for loss, name in (("cross_entropy", "cross-entropy"), ("mse", "MSE")) if on_edge[loss]]
        edge = (f" Lowest grid point on the box's edge for {' and '.join(edged)}: the loss still falls beyond the "
                "box (on separable data it keeps falling towards infinity)." if edged else "")
        message = (f"Hatched, negative curvature: {_percent(fraction['cross_entropy'])} of the grid for "
                   f"cross-entropy, {_percent(fraction['mse'])} for MSE.{edge}")
        return TwoLossesState(slices=slices, lam_min=lam_min, negative=negative, negative_fraction=fraction,
                              best=best, on_edge=on_edge, message=message)

    def _build_figure(self):
        from matplotlib.patches import Patch

        from ..plotting import CMAP, colormap_bar, label_axes
        from .blitting import keep_in_background, keep_redrawing

        # Each map's colour bar sits in plain axes of its own layout column (plotting.colormap_bar), not a
        # matplotlib Colorbar: a new setting changes only the bars' tick labels, so moving a slider is a blit.
        self.fig, axes = self.new_figure(1, 4, figsize=(10.0, 4.8),
                                         gridspec_kw={"width_ratios": [1.0, 0.045, 1.0, 0.045]})
        self.axes = dict(zip(_LOSSES, axes[0::2]))
        self._bars = dict(zip(_LOSSES, axes[1::2]))
        self._contours, self._hatches, self._best = {}, {}, {}
        for loss, ax in self.axes.items():
            label_axes(ax, title=_TITLES[loss], xlabel="weight $w_1$", ylabel="weight $w_2$")
            ax.set_xlim(-W_MAX, W_MAX)
            ax.set_ylim(-W_MAX, W_MAX)
            ax.set_aspect("equal")
            (self._best[loss],) = ax.plot([], [], marker="*", markersize=13, markerfacecolor="white",
                                          markeredgecolor="k", linestyle="none", label="lowest grid point", zorder=5,
                                          clip_on=False)  # on the edge when the loss falls beyond the box
            hatch_key = Patch(facecolor="white", edgecolor="k", hatch="///",
                              label=r"curves downward ($\lambda_{\min} < 0$)")
            ax.legend(handles=[self._best[loss], hatch_key], loc="lower left", fontsize=self.font(8), framealpha=0.9)
            colormap_bar(self._bars[loss], CMAP)
            self._bars[loss].set_box_aspect(18)  # about 0.8 of the square map's height, as a shrunk Colorbar
            self._bars[loss].set_ylabel(f"{'cross-entropy' if loss == 'cross_entropy' else 'MSE'} loss (log scale)",
                                        fontsize=self.font(9))
            # every setting changes the title (the hatched share) and the bar's ticks: redrawn by each blit from
            # the start, so the first key press is a blit, not the full draw that noticing them would cost
            keep_redrawing(ax.title, self._bars[loss].yaxis)
            keep_in_background(*self._bars[loss].images)  # the bar's colours never change, only its ticks

    def draw(self, state):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : TwoLossesState
            The explorer's current state (see :class:`TwoLossesState`), from :meth:`compute`.
        """
        from matplotlib import patheffects
        from matplotlib.collections import PathCollection
        from matplotlib.colors import LogNorm

        from ..plotting import CMAP, colormap_bar_ticks

        for loss, ax in self.axes.items():
            s = state.slices[loss]
            for old in (self._contours.get(loss), self._hatches.get(loss)):
                if old is not None:
                    old.remove()
                    for extra in getattr(old, "course_extras", ()):
                        extra.remove()
            # both losses span decades on separable data (MSE 1e-6 … 1): colours on a log scale
            lo, hi = float(s.losses.min()), float(s.losses.max())
            levels = np.geomspace(lo, hi * (1 + 1e-9), 13)  # 12 bands: the image per step ≤ 60 kB (21: 91 kB)
            cs = ax.contourf(s.alphas, s.betas, s.losses.T, levels=levels, norm=LogNorm(lo, hi), cmap=CMAP)
            # level lines one pixel wide, not antialiased: one colour per band, so ipympl's PNG of the changed
            # pixels compresses far better (the antialiased lines' blended colours were a third of the bytes)
            cs.course_extras = [ax.contour(s.alphas, s.betas, s.losses.T, levels=levels, colors="k",
                                           linewidths=0.3, alpha=0.3, antialiased=False)]
            self._contours[loss] = cs
            colormap_bar_ticks(self._bars[loss], LogNorm(lo, hi), log=True)
            # hatching in black over a white-edged boundary line, so it reads on dark and light cells alike
            self._hatches[loss] = None
            if state.negative[loss].any():  # (cross-entropy never: nothing to hatch, and no empty contour set)
                mask = state.negative[loss].T.astype(float)
                # black hatching over a wider white one, so that it reads on dark and on light cells alike: the
                # region is traced once (the white layer); the black one reuses its paths, added after it so that
                # it is drawn over it (one ContourSet fewer per panel and key press; the picture is pixel-identical)
                halo = ax.contourf(s.alphas, s.betas, mask, levels=[0.5, 1.5], colors="none", hatches=["///"])
                hatch = PathCollection(halo.get_paths(), facecolors="none", zorder=halo.get_zorder())
                ax.add_collection(hatch, autolim=False)
                for layer, colour, width in ((halo, "white", 2.4), (hatch, "k", 0.9)):
                    layer.set_edgecolor(colour)
                    layer.set_hatch("///")
                    layer.set_hatch_linewidth(width)
                    layer.set_linewidth(0.0)
                hatch.course_extras = [halo]
                if not state.negative[loss].all():  # the boundary: a black line with a white halo
                    edge = ax.contour(s.alphas, s.betas, mask, levels=[0.5], colors="k", linewidths=1.0)
                    edge.set_path_effects([patheffects.withStroke(linewidth=2.6, foreground="white")])
                    hatch.course_extras.append(edge)
                self._hatches[loss] = hatch
            self._best[loss].set_data([state.best[loss][0]], [state.best[loss][1]])
            share = _percent(state.negative_fraction[loss])
            # set_text keeps the title's size from label_axes (set_title would reset it to the rc default, smaller
            # than the tick labels on a projector)
            ax.title.set_text(_TITLES[loss] + "\n" + r"$\lambda_{\min} < 0$ (hatched) on " + f"{share} of grid")


def _percent(fraction: float) -> str:
    """A share as a percentage that reads "0%" or "100%" only when it is exactly that."""
    if 0 < fraction < 0.005:
        return "<1%"
    if 0.995 <= fraction < 1:
        return ">99%"
    return f"{100 * fraction:.0f}%"
