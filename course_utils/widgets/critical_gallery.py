r"""Critical Point Gallery: the quadratic form :math:`\tfrac12\theta^\top H\theta` for any 2 × 2 Hessian.

Two sliders set the Hessian's eigenvalues (−2 … 2) and a third rotates its eigenvectors; the surface morphs
between bowl, saddle, dome and trough (a zero eigenvalue), and the second-derivative test's verdict —
with the index and the escape direction of a saddle — is shown live in the title and the message line.

Examples
--------
>>> from course_utils.widgets import CriticalGallery
>>> g = CriticalGallery(lam1=1.0, lam2=-1.0)
>>> g.state.classification.kind
'saddle'
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from ..critical import Classification, classify_hessian
from ..models import Quadratic
from ..plotting import OKABE_ITO, label_axes
from .base import Explorer, float_slider

__all__ = ["CriticalGallery", "GalleryState"]

_HALF_WIDTH = 1.5
_SHAPES = {"minimum": "a bowl", "maximum": "a dome", "saddle": "a saddle", "degenerate": "a trough or a flat plane"}


@dataclass(frozen=True)
class GalleryState:
    """What the gallery shows.

    Parameters
    ----------
    hessian : ndarray, shape (2, 2)
        The Hessian :math:`H` with the chosen eigenvalues and rotation.
    classification : Classification
        The second-derivative test's verdict on :math:`H` (kind, eigenvalues, index, escape direction).
    eigenvectors : ndarray, shape (2, 2)
        Columns match ``classification.eigenvalues`` (ascending).
    X, Y, Z : ndarray, shape (n, n)
        The surface on a grid (``indexing="ij"``).
    message : str
        The message line: the verdict, the shape of the surface and, for a saddle, its escape direction.
    """

    hessian: np.ndarray
    classification: Classification
    eigenvectors: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    message: str


class CriticalGallery(Explorer):
    """Sliders for the two Hessian eigenvalues and the rotation of the eigenvectors.

    Parameters
    ----------
    resolution : int
        Grid points per axis of the surface and the level sets. 31 draws a smooth quadratic; the 3-D axes is
        redrawn whole on every tick, so its cost grows with the number of facets (41 × 41 costs ~20 % more).
        Between 5 and 201.
    presentation : bool
        Larger figure and fonts for projector demos.

    **values
        Initial control values: ``lam1``, ``lam2`` (−2 … 2), ``angle`` (degrees, 0 … 180).
    """

    title = "Critical Point Gallery — f(θ) = ½ θᵀHθ"

    def __init__(self, *, resolution: int = 31, presentation: bool = False, **values):
        from ..validation import check_int

        self.resolution = check_int(resolution, "resolution", low=5, high=201)
        super().__init__(presentation=presentation, **values)

    def _make_controls(self):
        return {
            "lam1": float_slider("eigenvalue λ₁", -2.0, 2.0, 0.05, 1.0),
            "lam2": float_slider("eigenvalue λ₂", -2.0, 2.0, 0.05, -1.0),
            "angle": float_slider("rotation (degrees)", 0.0, 180.0, 5.0, 30.0, readout_format=".0f"),
        }

    def compute(self, params) -> GalleryState:
        """Pure: the control values → the :class:`GalleryState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``lam1`` and ``lam2`` (the Hessian eigenvalues, −2 … 2), ``angle`` (rotation of the eigenvectors in degrees, 0 … 180).

        Returns
        -------
        GalleryState
        """
        q = Quadratic.from_eigenvalues([params["lam1"], params["lam2"]], angle=np.deg2rad(params["angle"]))
        H = q.hessian(np.zeros(2))
        c = classify_hessian(H, tol=1e-9)
        _, vectors = np.linalg.eigh(H)
        t = np.linspace(-_HALF_WIDTH, _HALF_WIDTH, self.resolution)
        X, Y = np.meshgrid(t, t, indexing="ij")
        Z = q.loss_batch(np.stack([X, Y], axis=-1))
        if c.kind == "saddle":
            u = c.escape_direction
            extra = f" Escape direction ±({u[0]:.2f}, {u[1]:.2f}): f falls like ½λ₁t² = {c.eigenvalues[0] / 2:.2f}·t²."
        elif c.kind == "degenerate":
            extra = " A zero eigenvalue: the Hessian test is silent — here f is flat along that direction."
        else:
            extra = ""
        message = f"{c.describe()} — the surface is {_SHAPES[c.kind]}.{extra}"
        return GalleryState(H, c, vectors, X, Y, Z, message)

    def _build_figure(self):
        self.fig = self.new_figure(1, 2, figsize=(10, 4.3), projection=["3d", None])[0]
        self.ax3d, self.ax = self.fig.axes
        self.surface = None
        self.contours = None
        self.axis_lines = []
        for i, style in enumerate(["-", "--"]):
            (line,) = self.ax.plot([], [], color=OKABE_ITO[3 - 3 * i], linestyle=style, linewidth=2.5,
                                   label=f"eigenvector {i + 1}")
            self.axis_lines.append(line)
        self.ax.plot([0], [0], marker="o", color="k", linestyle="none", label="critical point")
        self.ax.set_xlim(-_HALF_WIDTH, _HALF_WIDTH)
        self.ax.set_ylim(-_HALF_WIDTH, _HALF_WIDTH)
        self.ax.set_aspect("equal")
        self.ax.legend(loc="lower left", fontsize=self.font(8))
        # one colourbar for the whole life of the figure: the colour levels are fixed at ±2.3 whatever the sliders
        # say, and values beyond them are clipped — the arrows at both ends say so
        mappable = plt.cm.ScalarMappable(norm=plt.Normalize(-2.3, 2.3), cmap="viridis")
        self.colorbar = self.fig.colorbar(mappable, ax=self.ax, extend="both", shrink=0.9)
        self.colorbar.set_label(r"$f(\theta) = \frac{1}{2}\theta^\top H\theta$ (clipped at $\pm 2.3$)", fontsize=self.font(9))
        label_axes(self.ax, "level sets and eigenvectors", r"$\theta_1$", r"$\theta_2$")
        label_axes(self.ax3d, None, r"$\theta_1$", r"$\theta_2$", "f")
        self.ax3d.set_zlim(-2.3, 2.3)
        # A 3-D axes is redrawn whole on every update, tick labels included (each glyph costs): three ticks
        # per axis say enough about a surface whose scale the level-set panel shows in detail.
        self.ax3d.set_xticks([-1.0, 0.0, 1.0])
        self.ax3d.set_yticks([-1.0, 0.0, 1.0])
        self.ax3d.set_zticks([-2.0, 0.0, 2.0])

    def draw(self, state: GalleryState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : GalleryState
            The explorer's current state (see :class:`GalleryState`), from :meth:`compute`.
        """
        if self.surface is not None:
            self.surface.remove()
            self.contours.remove()
        self.surface = self.ax3d.plot_surface(state.X, state.Y, state.Z, cmap="viridis", vmin=-2.3, vmax=2.3,
                                              linewidth=0, antialiased=False, alpha=0.95)
        self.contours = self.ax.contourf(state.X, state.Y, state.Z, levels=np.linspace(-2.3, 2.3, 24),
                                         cmap="viridis", extend="both")
        legend = self.ax.get_legend()
        for i, (line, lam, v) in enumerate(zip(self.axis_lines, state.classification.eigenvalues,
                                               state.eigenvectors.T)):
            s = np.array([-1.3, 1.3])
            line.set_data(s * v[0], s * v[1])
            line.set_label(f"eigenvector, λ = {lam:+.2f}")
            legend.texts[i].set_text(line.get_label())  # the legend is kept; only its numbers change
        label_axes(self.ax3d, state.classification.describe())
