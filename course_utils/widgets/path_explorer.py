r"""Path Explorer: walk from one trained network to another along a path in parameter space.

A ``t`` slider moves the point :math:`\theta(t)` along the chosen path (the straight line, a trained Bézier
curve, an aligned line ...). The left panel shows the network's decision boundary at :math:`\theta(t)` over
the data; the right panel shows the loss along every path, with a marker at the current ``t`` on the chosen
one. Loss profiles are computed once (:func:`course_utils.connectivity.path_profile`); each slider tick
evaluates the network at one parameter vector on a grid of inputs.

Examples
--------
>>> from course_utils import connectivity
>>> from course_utils.widgets import PathExplorer
>>> curve = connectivity.train_curve(model, theta_1, theta_2).path
>>> e = PathExplorer(model, {"straight line": connectivity.Path.line(theta_1, theta_2), "trained curve": curve})
>>> e.controls["t"].value = 0.5
>>> e.state.accuracy, e.state.loss
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import connectivity
from ..plotting import CMAP, OKABE_ITO, label_axes, series_styles
from .base import Explorer, choice, float_slider

__all__ = ["PathExplorer", "PathState"]


@dataclass(frozen=True)
class PathState:
    """What the Path Explorer shows.

    Parameters
    ----------
    path_name : str
        Name of the chosen path.
    t : float
        Position along the path, in [0, 1].
    theta : ndarray, shape (P,)
        The parameter vector :math:`\\theta(t)` on the chosen path.
    loss : float
        Training loss at ``theta``.
    accuracy : float
        Training accuracy at ``theta``.
    probabilities : ndarray, shape (R, R)
        Predicted probability of class 1 on the input grid (``indexing="xy"``, for ``imshow``).
    others : dict
        ``{path name: (loss, accuracy)}`` at the same ``t`` on every path, for comparison.
    message : str
        The message line: loss and accuracy at ``t`` on the chosen path and on the others.
    """

    path_name: str
    t: float
    theta: np.ndarray
    loss: float
    accuracy: float
    probabilities: np.ndarray
    others: dict
    message: str


class PathExplorer(Explorer):
    """Move along paths between two networks; see the decision boundary and the loss along each path.

    Parameters
    ----------
    model : course_utils.models.MLP
        A binary cross-entropy MLP on 2-D inputs (its training data is drawn).
    paths : dict[str, connectivity.Path] or connectivity.Path
        The paths to offer, by name (all with the same endpoints, ideally).
    resolution : int
        Input-grid resolution of the decision-boundary panel (points per axis, 5 … 400; default 60).
    n : int
        Points per loss profile (at least 2; default 61).
    presentation : bool
        Larger figure and fonts for projector demos.
    **values

        Initial control values: ``t`` (0–1), ``path`` (a name).
    """

    title = "Path Explorer: from one trained network to another"

    def __init__(self, model, paths, *, resolution: int = 60, n: int = 61, presentation: bool = False, **values):
        from ..models import MLP
        from ..validation import check_int

        if not isinstance(model, MLP) or model.loss_name != "cross_entropy" or model.n_outputs != 1 \
                or model.X.shape[1] != 2:
            raise TypeError("`model` must be a binary cross-entropy MLP on 2-D inputs")
        if isinstance(paths, connectivity.Path):
            paths = {"path": paths}
        if not isinstance(paths, dict) or not paths:
            raise TypeError(f"`paths` must be a non-empty dict of name -> connectivity.Path, got {type(paths).__name__}")
        for name, p in paths.items():
            if not isinstance(p, connectivity.Path) or p.dim != model.dim:
                raise ValueError(f"path {name!r} must be a connectivity.Path in dimension {model.dim}")
        self.model = model
        self.paths = dict(paths)
        self.resolution = check_int(resolution, "resolution", low=5, high=400)
        # Loss profiles do not depend on the controls: compute them once.
        self.profiles = {name: connectivity.path_profile(model, p, n=check_int(n, "n", low=2))
                         for name, p in self.paths.items()}
        X = model.X
        pad = 0.15 * (X.max(axis=0) - X.min(axis=0))
        self.extent = (X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], X[:, 1].min() - pad[1], X[:, 1].max() + pad[1])
        gx, gy = np.meshgrid(np.linspace(*self.extent[:2], self.resolution),
                             np.linspace(*self.extent[2:], self.resolution), indexing="xy")
        self._grid_shape = gx.shape
        self._grid = np.c_[gx.ravel(), gy.ravel()]
        super().__init__(presentation=presentation, **values)

    # --- controls ------------------------------------------------------------------------------
    def _make_controls(self):
        names = list(self.paths)
        # the explorer's one slider, wider than the others and with a short label: "position t along the path"
        # left its track ~50 px for a hundred steps
        t = float_slider("position t", 0.0, 1.0, 0.01, 0.5,
                         tooltip="position t along the path: t = 0 is the first network, t = 1 the second")
        t.layout.width = "400px"
        return {"t": t, "path": choice("path", names, names[-1], buttons=len(names) <= 4)}

    # --- compute -------------------------------------------------------------------------------
    def compute(self, params) -> PathState:
        """Pure: the control values → the :class:`PathState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``t`` (position along the path, 0 … 1; 0 is the first network, 1 the second), ``path`` (a name of ``paths``).

        Returns
        -------
        PathState
        """
        name, t = params["path"], float(np.clip(params["t"], 0.0, 1.0))
        theta = self.paths[name].points(t)
        loss = self.model.loss(theta)
        acc = self.model.accuracy(theta)
        probs = self.model.predict(theta, self._grid).reshape(self._grid_shape)
        others = {}
        for other, path in self.paths.items():
            pt = path.points(t)
            others[other] = (self.model.loss(pt), self.model.accuracy(pt))
        rest = "; ".join(f"{k}: loss {v[0]:.3f}, accuracy {100 * v[1]:.1f} %" for k, v in others.items() if k != name)
        message = f"t = {t:.2f} on the {name}: loss {loss:.3f}, accuracy {100 * acc:.1f} %" + \
            (f" (at the same t — {rest})" if rest else "")
        return PathState(path_name=name, t=t, theta=theta, loss=loss, accuracy=acc, probabilities=probs,
                         others=others, message=message)

    # --- figure --------------------------------------------------------------------------------
    def _build_figure(self):
        self.fig, (self.ax_data, self.ax_loss) = self.new_figure(1, 2, figsize=(10.5, 4.2))
        ax = self.ax_data
        blank = np.full(self._grid_shape, 0.5)
        self.image = ax.imshow(blank, origin="lower", extent=self.extent, cmap=CMAP, vmin=0, vmax=1,
                               aspect="auto", alpha=0.75)
        self.fig.colorbar(self.image, ax=ax, label="P(class 1)", shrink=0.85)
        X, y = self.model.X, np.round(self.model.y).astype(int)
        ax.scatter(*X[y == 0].T, marker="o", s=14, facecolor="white", edgecolor="black", linewidth=0.6,
                   label="class 0")
        ax.scatter(*X[y == 1].T, marker="^", s=16, facecolor="black", edgecolor="white", linewidth=0.4,
                   label="class 1")
        ax.set_xlim(self.extent[:2])
        ax.set_ylim(self.extent[2:])
        ax.legend(loc="lower left", fontsize=self.font(8), framealpha=0.8)
        self.boundary = None
        label_axes(ax, "decision boundary at θ(t)", "x₁", "x₂")

        ax = self.ax_loss
        styles = series_styles(len(self.profiles))
        self.markers = {}
        for (name, prof), style in zip(self.profiles.items(), styles):
            ax.plot(prof.t, prof.losses, color=style["color"], linestyle=style["linestyle"],
                    label=f"{name} (barrier {prof.barrier:.3f})")
            (self.markers[name],) = ax.plot([], [], linestyle="none", marker=style["marker"], markersize=9,
                                            color=style["color"], markeredgecolor="black")
        self.cursor = ax.axvline(0.5, color="0.4", linewidth=1, linestyle=":")
        ax.set_yscale("log")
        ax.set_xlim(0, 1)
        # Headroom above the highest profile (a third of the log range) holds the legend, so it never covers
        # the low, flat profiles at the bottom — the aligned line and the trained curve are the interesting ones.
        lo = min(float(np.min(p.losses)) for p in self.profiles.values())
        hi = max(float(np.max(p.losses)) for p in self.profiles.values())
        lo, hi = max(lo, 1e-12), max(hi, 1e-12)
        span = max(hi / lo, 10.0)
        ax.set_ylim(lo / span**0.05, hi * span**0.5)
        ax.legend(fontsize=self.font(8), loc="upper left")
        label_axes(ax, "training loss along each path", "t (0 = network 1, 1 = network 2)", "loss (log scale)")

    def draw(self, state: PathState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : PathState
            The explorer's current state (see :class:`PathState`), from :meth:`compute`.
        """
        self.image.set_data(state.probabilities)
        if self.boundary is not None:
            self.boundary.remove()
            self.boundary = None
        p = state.probabilities
        if p.min() < 0.5 < p.max():  # a boundary exists inside the window
            gx = np.linspace(*self.extent[:2], self.resolution)
            gy = np.linspace(*self.extent[2:], self.resolution)
            self.boundary = self.ax_data.contour(gx, gy, p, levels=[0.5], colors=[OKABE_ITO[3]], linewidths=2)
        label_axes(self.ax_data, f"decision boundary at θ({state.t:.2f}) on the {state.path_name}\n"
                                 f"training accuracy {100 * state.accuracy:.1f} %")
        for name, marker in self.markers.items():
            if name == state.path_name:
                marker.set_data([state.t], [state.loss])
            else:
                marker.set_data([], [])
        self.cursor.set_xdata([state.t, state.t])
