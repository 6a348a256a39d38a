r"""The SAM Explorer: gradient descent and SAM on a landscape with a sharp and a flat minimum.

Both start from the same point. Gradient descent follows the slope into the narrow notch (the sharp
minimum); SAM evaluates the gradient at the look-ahead point :math:`\theta + \rho g/\|g\|`, which lies uphill
of :math:`\theta` — on the notch's wall, away from the notch, where its pull is weaker — so SAM can pass the
notch and follow the wide bowl to the flat minimum. From this start, with the default step, a whole window of
radii does so, starting far below the notch's width (see
:class:`~course_utils.sharpness.SharpFlatLandscape`). Too large a :math:`\rho` and SAM stalls near the rim: its
fixed points (where :math:`\nabla L(\theta + \hat\varepsilon) = 0`) are not minima of :math:`L`.

Examples
--------
>>> e = SAMExplorer(rho=0.2)
>>> e.state.gd_basin, e.state.sam_basin
('sharp', 'flat')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import optimizers
from ..sharpness import SharpFlatLandscape
from .base import Explorer, float_slider, int_slider
from .cache import LRUCache

__all__ = ["SAMExplorer", "SAMState", "SAM_START"]

#: The common start (chosen so that GD's path grazes the notch).
SAM_START = (-2.0, -1.1)
_BOUNDS = ((-2.6, 1.8), (-1.5, 1.2))
#: Trajectories remembered per explorer (a slider dragged back and forth revisits its values).
_CACHE_SIZE = 64


@dataclass(frozen=True)
class SAMState:
    """The two trajectories and where they ended.

    Parameters
    ----------
    rho, lr : float
        The SAM radius ρ and the learning rate η (the same for both runs).
    gd_path, sam_path : ndarray, shape (T + 1, 2)
        The iterates of gradient descent and of SAM from :data:`SAM_START` (fewer rows if a run diverged).
    gd_basin, sam_basin : str
        "sharp", "flat" or "neither" (see :meth:`SharpFlatLandscape.basin`).
    gd_loss, sam_loss : float
        Loss at the last iterate of each run.
    message : str
        The message line: where each run ended, and its final loss.
    gd_diverged, sam_diverged : bool
        Whether each run diverged (its path then ends at its last finite point).
    """

    rho: float
    lr: float
    gd_path: np.ndarray
    sam_path: np.ndarray
    gd_basin: str
    sam_basin: str
    gd_loss: float
    sam_loss: float
    message: str
    gd_diverged: bool = False
    sam_diverged: bool = False


class SAMExplorer(Explorer):
    """GD vs SAM on :class:`SharpFlatLandscape` (controls: ``rho`` 0–0.5, ``lr`` 0.005–0.06, ``steps``).

    Parameters
    ----------
    **values
        Initial control values: ``rho``, ``lr``, ``steps`` (10 … 400); also ``presentation=True`` for larger
        figure and fonts (see :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "Gradient descent vs SAM: which minimum?"

    def __init__(self, **values):
        self.landscape = SharpFlatLandscape(dim=2, sharp_width=0.25)
        self._cache = LRUCache(_CACHE_SIZE)
        super().__init__(**values)

    def _make_controls(self):
        return {
            "rho": float_slider("SAM radius ρ", 0.0, 0.5, 0.01, 0.2, heavy=True),
            "lr": float_slider("learning rate η", 0.005, 0.06, 0.001, 1 / 32, readout_format=".3f", heavy=True),
            "steps": int_slider("steps", 10, 400, step=10, value=300, heavy=True),
        }

    def _trajectories(self, rho: float, lr: float, steps: int) -> list:
        """GD's and SAM's runs, memoized: GD's depends on ``(lr, steps)`` only, so moving ρ reruns SAM alone.

        A miss on both runs them in lockstep (:func:`optimizers.run_many`: one batched gradient per step for the
        pair, and the same trajectories as two separate runs); a miss on one (a new ρ) runs it alone with
        :func:`optimizers.run`, which gives the same trajectory with less bookkeeping per step (~20 % faster).
        """
        keys = [("gd", lr, steps), ("sam", rho, lr, steps)]
        makers = [optimizers.gd, lambda: optimizers.sam(optimizers.gd(), rho=rho)]
        found = [self._cache.get(k) for k in keys]
        missing = [i for i, run in enumerate(found) if run is None]
        if missing:
            if len(missing) == 1:
                runs = [optimizers.run(self.landscape, makers[missing[0]](), SAM_START, steps=steps, lr=lr)]
            else:
                runs = optimizers.run_many(self.landscape, [makers[i]() for i in missing], SAM_START, steps=steps,
                                           lrs=lr)
            for i, run in zip(missing, runs):
                self._cache.put(keys[i], run)
                found[i] = run
        return found

    def compute(self, params) -> SAMState:
        """Pure: the control values → the :class:`SAMState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``rho`` (the SAM radius ρ, 0 … 0.5), ``lr`` (the learning rate η, 0.005 … 0.06), ``steps`` (10 … 400).

        Returns
        -------
        SAMState
        """
        L, rho, lr, steps = self.landscape, float(params["rho"]), float(params["lr"]), int(params["steps"])
        runs = self._trajectories(rho, lr, steps)
        basins = [L.basin(t.final_theta, tol=0.15) for t in runs]
        parts = []
        for name, t, b in zip(("GD", f"SAM (ρ = {rho:.2f})"), runs, basins):
            where = {"sharp": "the sharp minimum", "flat": "the flat minimum"}.get(b, "neither minimum")
            parts.append(f"{name}: {t.message.split(': ', 1)[1] if t.diverged else 'ends at ' + where}"
                         f" (loss {t.final_loss:.3g})")
        return SAMState(rho, lr, runs[0].thetas, runs[1].thetas, basins[0], basins[1], runs[0].final_loss,
                        runs[1].final_loss, "; ".join(parts) + ".", gd_diverged=runs[0].diverged,
                        sam_diverged=runs[1].diverged)

    def _build_figure(self):
        from ..plotting import PathArtists, label_axes, plot_contour, series_styles
        from .blitting import keep_in_background

        self.fig, self.ax = self.new_figure(figsize=(6.4, 4.4))
        L = self.landscape
        contours = plot_contour(self.ax, L, _BOUNDS, levels=25, log=True, resolution=161)
        # the landscape never changes: cached with the axes furniture, so a new ρ redraws only the paths
        keep_in_background(contours, contours.course_lines)
        styles = series_styles(2)
        (self.gd_line,) = self.ax.plot([], [], markevery=20, markersize=4, label="GD", **styles[0])
        (self.sam_line,) = self.ax.plot([], [], markevery=20, markersize=4, label="SAM", **styles[1])
        # Each run's path clipped to the window, its end drawn where it is (or an arrow toward it off-screen);
        # the shared start is drawn once below.
        self._runs = []
        for name, line, style in (("GD", self.gd_line, styles[0]), ("SAM", self.sam_line, styles[1])):
            (end,) = self.ax.plot([], [], marker="s", markersize=8, color=style["color"], markeredgecolor="k",
                                  linestyle="none", zorder=6, label=f"_{name} end")
            (no_start,) = self.ax.plot([], [], linestyle="none")
            self._runs.append(PathArtists(self.ax, name=name, artists=(line, no_start, end), show_start=False))
        self.ax.plot(*SAM_START, marker="o", color="white", markeredgecolor="black", linestyle="none", label="start")
        for point, text in ((L.sharp_minimum, "sharp"), (L.flat_minimum, "flat")):
            self.ax.plot(*point, marker="*", color="white", markeredgecolor="black", markersize=12, linestyle="none")
            self.ax.annotate(text, point, xytext=(6, 6), textcoords="offset points", color="white", fontsize=self.font(10))
        self.ax.legend(loc="lower right", fontsize=self.font(8))
        label_axes(self.ax, "Sharp notch in a wide bowl", r"$\theta_1$", r"$\theta_2$")

    def draw(self, state: SAMState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : SAMState
            The explorer's current state (see :class:`SAMState`), from :meth:`compute`.
        """
        from ..plotting import window_path

        off_screen = 0  # runs whose end is off-screen so far: their labels are stacked
        for artists, path, diverged in ((self._runs[0], state.gd_path, state.gd_diverged),
                                        (self._runs[1], state.sam_path, state.sam_diverged)):
            windowed = window_path(path, _BOUNDS, diverged=diverged)
            artists.slot = off_screen
            off_screen += not windowed.end_inside
            artists.update(windowed)
