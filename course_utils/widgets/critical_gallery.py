r"""Critical Point Gallery: the quadratic form :math:`\tfrac12\theta^\top H\theta` for any 2 × 2 Hessian.

Two sliders set the Hessian's eigenvalues (−2 … 2) and a third rotates its eigenvectors; the surface morphs
between bowl, saddle, dome and trough (a zero eigenvalue), and the second-derivative test's verdict —
with the index and the escape direction of a saddle — is shown live in the title and the message line.
The surface is a 3-D view that rotates in the browser (plotly, :mod:`course_utils.widgets.surface3d`), with the
eigenvector directions drawn on it; beside it, the level sets with the eigenvectors (matplotlib).

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
        Grid points per axis of the surface and the level sets. 31 draws a smooth quadratic (its 31 × 31 heights
        are ~20 kB sent to the 3-D view per change). Between 5 and 201.
    presentation : bool
        Larger figure and fonts for projector demos.

    **values
        Initial control values: ``lam1``, ``lam2`` (−2 … 2), ``angle`` (degrees, 0 … 180).
    """

    title = "Critical Point Gallery — f(θ) = ½ θᵀHθ"
    controls_position = "top"  # the 3-D view and the level-set map side by side need the column's width

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
        from ..plotting import CMAP
        from .surface3d import SurfaceView

        # The surface rotates in the browser (plotly, WebGL; see course_utils.widgets.surface3d); matplotlib draws
        # the level sets, the eigenvectors and the colour bar. The 3-D view shows the same eigenvector directions
        # as curves on the surface, f(s·v) = ½λs², styled like their 2-D lines (colour and dash).
        self.view3d = SurfaceView(xlabel="θ₁", ylabel="θ₂", zlabel="f", presentation=self.presentation,
                                  colorbar_title="f (clipped at ±2.3)",
                                  label="3-D view of the surface f(θ) = ½ θᵀHθ (drag to rotate)")
        self.view3d.set_xyrange((-_HALF_WIDTH, _HALF_WIDTH), (-_HALF_WIDTH, _HALF_WIDTH))
        self.view3d.set_zrange(-2.3, 2.3)
        # every surface lies in this box: |f| = ½|θᵀHθ| ≤ ½ · 2 · |θ|² ≤ 2 · 1.5² = 4.5 for |λ| ≤ 2 on the square
        reach = 0.5 * 2.0 * 2 * _HALF_WIDTH**2
        self.view3d.set_extent((-_HALF_WIDTH, -_HALF_WIDTH, -reach), (_HALF_WIDTH, _HALF_WIDTH, reach))
        self._styles = [(OKABE_ITO[3], "-", "solid"), (OKABE_ITO[0], "--", "dash")]
        for i, (colour, _, dash) in enumerate(self._styles):
            self.view3d.add_line(f"eigenvector {i + 1}", colour=colour, dash=dash, width=6)
        self.view3d.add_marker("critical point", symbol="circle", size=5, colour="black", edge="black")
        self.view3d.set_points("critical point", np.zeros((1, 3)))
        self.views = [self.view3d.widget]
        self.fig, self.ax = self.new_figure(1, 1, figsize=(4.4, 4.0))
        self.contours = None
        self.axis_lines = []
        for i, (colour, style, _) in enumerate(self._styles):
            (line,) = self.ax.plot([], [], color=colour, linestyle=style, linewidth=2.5,
                                   label=f"eigenvector {i + 1}")
            self.axis_lines.append(line)
        self.ax.plot([0], [0], marker="o", color="k", linestyle="none", label="critical point")
        self.ax.set_xlim(-_HALF_WIDTH, _HALF_WIDTH)
        self.ax.set_ylim(-_HALF_WIDTH, _HALF_WIDTH)
        self.ax.set_aspect("equal")
        self.ax.legend(loc="lower left", fontsize=self.font(8))
        # one colourbar for the whole life of the figure: the colour levels are fixed at ±2.3 whatever the sliders
        # say, and values beyond them are clipped — the arrows at both ends say so
        mappable = plt.cm.ScalarMappable(norm=plt.Normalize(-2.3, 2.3), cmap=CMAP)
        self.colorbar = self.fig.colorbar(mappable, ax=self.ax, extend="both", shrink=0.9)
        self.colorbar.set_label(r"$f(\theta) = \frac{1}{2}\theta^\top H\theta$ (clipped at $\pm 2.3$)", fontsize=self.font(9))
        label_axes(self.ax, "level sets and eigenvectors", r"$\theta_1$", r"$\theta_2$")

    def draw(self, state: GalleryState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : GalleryState
            The explorer's current state (see :class:`GalleryState`), from :meth:`compute`.
        """
        from ..plotting import CMAP

        with self.view3d.batch():  # one message to the page per update: one WebGL redraw there
            if self.contours is not None:
                self.contours.remove()
            # the grid is "ij" (X[i, j] = t[i], Y[i, j] = t[j]): z[i, j] over (x[i], y[j]) as the view takes it
            self.view3d.set_surface(state.X[:, 0], state.Y[0, :], state.Z, cmin=-2.3, cmax=2.3)
            self.view3d.set_title(state.classification.describe())
            self.contours = self.ax.contourf(state.X, state.Y, state.Z, levels=np.linspace(-2.3, 2.3, 24),
                                             cmap=CMAP, extend="both")
            legend = self.ax.get_legend()
            s = np.linspace(-1.3, 1.3, 27)
            for i, (line, lam, v) in enumerate(zip(self.axis_lines, state.classification.eigenvalues,
                                                   state.eigenvectors.T)):
                ends = np.array([-1.3, 1.3])
                line.set_data(ends * v[0], ends * v[1])
                line.set_label(f"eigenvector, λ = {lam:+.2f}")
                legend.texts[i].set_text(line.get_label())  # the legend is kept; only its numbers change
                # on the surface: f(s·v) = ½λs² (v a unit eigenvector), shown where it is inside the ±2.3 box
                z = 0.5 * lam * s**2
                curve = np.column_stack([s * v[0], s * v[1], np.where(np.abs(z) <= 2.3, z, np.nan)])
                self.view3d.set_points(f"eigenvector {i + 1}", curve)
