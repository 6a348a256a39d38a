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

import math
from dataclasses import dataclass

import numpy as np

from .. import optimizers
from ..optimizers import Trajectory
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

        Each run is :func:`_fast_run` (the same trajectory as :func:`optimizers.run` with ``optimizers.gd()``,
        resp. ``optimizers.sam(optimizers.gd(), rho=rho)``, number for number, in a tenth of the time).
        """
        keys = [("gd", lr, steps), ("sam", rho, lr, steps)]
        found = [self._cache.get(k) for k in keys]
        for i, key in enumerate(keys):
            if found[i] is None:
                found[i] = _fast_run(self.landscape, None if i == 0 else rho, lr, steps)
                self._cache.put(key, found[i])
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
        from ..plotting import PathArtists, label_axes, level_bar, plot_contour, series_styles
        from .blitting import keep_in_background

        # the contour map's colour bar in a narrow column of its own (the colours are loss values)
        self.fig, (self.ax, self.cax) = self.new_figure(1, 2, figsize=(6.4, 4.4),
                                                        gridspec_kw={"width_ratios": [1.0, 0.04]})
        L = self.landscape
        contours = plot_contour(self.ax, L, _BOUNDS, levels=25, log=True, resolution=161)
        level_bar(self.cax, contours, "loss (contour levels, log-spaced)")
        # the landscape never changes: cached with the axes furniture, so a new ρ redraws only the paths
        keep_in_background(contours, contours.course_lines, *self.cax.images)
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
        off_screen = 0  # runs whose end is off-screen so far: their labels are stacked
        for artists, path, diverged in ((self._runs[0], state.gd_path, state.gd_diverged),
                                        (self._runs[1], state.sam_path, state.sam_diverged)):
            windowed = self._window(path, diverged)
            artists.slot = off_screen
            off_screen += not windowed.end_inside
            artists.update(windowed)

    def _window(self, path: np.ndarray, diverged: bool):
        """:func:`~course_utils.plotting.window_path` of ``path``, remembered for the last paths seen (GD's path
        stays the same object while ρ moves), and vectorised for a path that never leaves the window."""
        from ..plotting import WindowedPath, window_path

        memo = self.__dict__.setdefault("_windowed", {})
        key = (id(path), diverged)
        seen = memo.get(key)
        if seen is not None and seen[0] is path:
            return seen[1]
        lo, hi = np.array(_BOUNDS)[:, 0], np.array(_BOUNDS)[:, 1]
        if len(path) > 1 and np.all(np.isfinite(path)) and np.all((path >= lo) & (path <= hi)):
            # what window_path's segment loop gives for a path inside the window: the start, then each segment's
            # end computed as p + 1·(q − p), bit for bit
            xy = np.vstack([path[:1], path[:-1] + 1.0 * (path[1:] - path[:-1])])
            windowed = WindowedPath(xy, path[0].copy(), path[-1].copy(), True, None, None, bool(diverged),
                                    np.array(_BOUNDS, dtype=float))
        else:
            windowed = window_path(path, _BOUNDS, diverged=diverged)
        if len(memo) >= 8:
            memo.clear()
        memo[key] = (path, windowed)
        return windowed


def _fast_run(landscape: SharpFlatLandscape, rho: float | None, lr: float, steps: int) -> Trajectory:
    r"""Gradient descent (``rho=None``) or SAM with radius ``rho`` on a 2-D :class:`SharpFlatLandscape`, from
    :data:`SAM_START`: the :class:`~course_utils.optimizers.Trajectory` that :func:`optimizers.run` gives, fast.

    The generic loop (a chain of transforms, an oracle, a recorder, numpy on 2-vectors) spends ~60 µs a step on
    bookkeeping; a ρ key press reran 300 SAM steps in ~20 ms. Here each step is scalar arithmetic in the same
    order as the generic path — :math:`\hat\varepsilon = \rho\, u/\|u\|` with :math:`u = g/\max|g_i|`
    (:func:`optimizers.sam_perturbation`), the closed-form gradient at :math:`\theta + \hat\varepsilon`,
    :math:`\theta \leftarrow \theta - \eta\, g_{\mathrm{SAM}}`, the loss and the gradient at the new point —
    so the iterates, losses and gradient norms are the generic run's bit for bit (tests/test_widgets_sharpness.py
    compares them). A run that leaves the finite numbers or explodes (the generic divergence test) is handed to
    :func:`optimizers.run`, which records how it ended.

    Parameters
    ----------
    landscape : SharpFlatLandscape
        The explorer's landscape (``dim=2``).
    rho : float or None
        SAM's radius :math:`\rho \ge 0`; None for plain gradient descent.
    lr : float
        The learning rate :math:`\eta`.
    steps : int
        Number of steps.

    Returns
    -------
    Trajectory
    """
    optimizer = optimizers.gd() if rho is None else optimizers.sam(optimizers.gd(), rho=rho)
    L = landscape
    (cs0, cs1), (cf0, cf1) = (float(v) for v in L.sharp_minimum), (float(v) for v in L.flat_minimum)
    # the constants exactly as SharpFlatLandscape computes them
    g_exp, g_bowl = -0.5 / L.sharp_width**2, 0.5 / L.flat_width**2
    g_f, g_s = 1 / L.flat_width**2, 1 / L.sharp_width**2
    l_f, l_s = 2 * L.flat_width**2, 2 * L.sharp_width**2
    exp = np.exp  # numpy's exp, as the generic path's (it may differ from math.exp in the last bit)

    def grad(a, b):
        sa, sb, fa, fb = a - cs0, b - cs1, a - cf0, b - cf1
        gauss = float(exp((sa * sa + sb * sb) * g_exp))
        bowl = (fa * fa + fb * fb) * g_bowl
        return (1 - gauss) * fa * g_f + bowl * gauss * sa * g_s, (1 - gauss) * fb * g_f + bowl * gauss * sb * g_s

    def loss(a, b):
        sa, sb, fa, fb = a - cs0, b - cs1, a - cf0, b - cf1
        return ((fa * fa + fb * fb) / l_f) * (1 - float(exp(-(sa * sa + sb * sb) / l_s)))

    a, b = (float(v) for v in SAM_START)
    loss0 = loss(a, b)
    limit = 1e8 * max(1.0, abs(loss0))  # optimizers.run's default explode_factor
    g0, g1 = grad(a, b)
    thetas, losses, norms = [(a, b)], [loss0], [math.sqrt(g0 * g0 + g1 * g1)]
    finite = math.isfinite
    for _ in range(steps):
        if rho is None:
            u0, u1 = g0, g1
        else:
            top = max(abs(g0), abs(g1))
            if top == 0 or not finite(top):
                e0 = e1 = 0.0
            else:
                w0, w1 = g0 / top, g1 / top
                n = math.sqrt(w0 * w0 + w1 * w1)
                e0, e1 = rho * (w0 / n), rho * (w1 / n)
            u0, u1 = grad(a + e0, b + e1)
        a, b = a + -lr * u0, b + -lr * u1
        value = loss(a, b)
        if not (finite(a) and finite(b) and finite(value) and abs(value) <= limit):
            return optimizers.run(L, optimizer, SAM_START, steps=steps, lr=lr)  # it records the divergence
        g0, g1 = grad(a, b)
        if not (finite(g0) and finite(g1)):
            return optimizers.run(L, optimizer, SAM_START, steps=steps, lr=lr)
        thetas.append((a, b))
        losses.append(value)
        norms.append(math.sqrt(g0 * g0 + g1 * g1))
    return Trajectory(thetas=np.array(thetas), losses=np.array(losses), grad_norms=np.array(norms),
                      lrs=np.full(steps, float(lr)), optimizer=optimizer.name)
