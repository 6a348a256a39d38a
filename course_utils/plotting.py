r"""Matplotlib helpers with one consistent, accessible style for every figure of the course.

Every helper draws on axes it is given (or that :func:`new_figure` made) and returns the artists it
created, so explorers can update them in place. Colour maps are perceptually uniform and colour-blind
safe (``viridis`` for landscapes, ``cividis`` as the alternative); lines for several optimizers differ in
colour *and* line style *and* marker (:func:`series_styles`), so nothing is conveyed by colour alone.

matplotlib is imported inside the functions: ``import course_utils`` stays light.

Examples
--------
>>> from course_utils import functions, optimizers, plotting
>>> obj = functions.get("rosenbrock")
>>> fig, ax = plotting.new_figure()
>>> cs = plotting.plot_contour(ax, obj, obj.bounds, levels=30, log=True)
>>> traj = optimizers.run(obj, optimizers.adam(), [-1.5, 2.0], steps=300, lr=0.05)
>>> line = plotting.plot_trajectory(ax, traj, label="Adam")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .validation import check_array, check_axes, check_bool, check_int, check_option, check_scalar, check_str

__all__ = [
    "CMAP",
    "ALT_CMAP",
    "OKABE_ITO",
    "ERROR_COLOUR",
    "PRESENTATION_FONT_SCALE",
    "new_figure",
    "label_axes",
    "font_sizes",
    "series_styles",
    "grid_values",
    "plot_contour",
    "plot_surface",
    "plot_trajectory",
    "finite_prefix",
    "plot_loss_curves",
    "is_widget_canvas",
]

#: Default colour map for landscapes (perceptually uniform, colour-blind safe).
CMAP = "viridis"
#: Alternative colour map, designed for colour-vision deficiency.
ALT_CMAP = "cividis"
#: Okabe & Ito (2008) colour-blind-safe palette, black last (it is the colour of annotations).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442", "#000000")
#: Beyond eight series: grey, wine and teal from Paul Tol's colour-blind-safe "muted" scheme, so a ninth
#: optimizer does not reuse the first one's colour.
_MORE_COLOURS = ("#888888", "#882255", "#44AA99")
#: The explorers' error messages (a deep red, readable on white and apart from the data colours).
ERROR_COLOUR = "#B00020"
_COLOURS = OKABE_ITO + _MORE_COLOURS
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

# Font sizes (points) for the normal and the projector ("presentation") styles.
_FONTS = {False: {"title": 11, "label": 10, "tick": 9, "legend": 9},
          True: {"title": 17, "label": 15, "tick": 13, "legend": 13}}
_PRESENTATION_SCALE = 1.6
#: How much larger a legend's or a text's font is in presentation mode (as the styles' legend sizes).
PRESENTATION_FONT_SCALE = _FONTS[True]["legend"] / _FONTS[False]["legend"]
#: Widest figure (inches) in a notebook column, before presentation scaling.
_NOTEBOOK_MAX_WIDTH = 9.2


# --------------------------------------------------------------------------------------------
# Figures and labels
# --------------------------------------------------------------------------------------------
def is_widget_canvas(canvas) -> bool:
    """True if ``canvas`` is an ipywidgets DOM widget (the ipympl canvas), False for Agg and friends.

    Parameters
    ----------
    canvas : object
        A figure's canvas, ``fig.canvas``. Any object is accepted (False when ipywidgets is not installed).

    Returns
    -------
    bool
    """
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        return False
    return isinstance(canvas, ipywidgets.DOMWidget)


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float] | None = None,
    presentation: bool = False,
    projection: str | Sequence[str | None] | None = None,
    **subplots_kw: Any,
):
    """Create a figure and its axes without showing it twice.

    The figure is created inside ``plt.ioff()`` so that, under ``%matplotlib widget``, it appears only
    where it is displayed (an explorer's layout, or the end of a cell), and with the ipympl header
    (the "Figure 1" title bar) hidden.

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes, as for ``plt.subplots``.
    figsize : (float, float), optional
        Size in inches; default ``(4.8·ncols + 1.2, 4·nrows)``. The width is capped at 9.2 inches (about 920 px,
        what a notebook column shows without scrolling); presentation mode then scales it up.
    presentation : bool
        Larger figure and fonts, for projector demos. Stored on the figure so :func:`label_axes`
        and the plotting helpers pick matching font sizes.
    projection : str or list, optional
        ``"3d"`` for surface plots (applies to every axes), or one entry per axes (``["3d", None]``).
    **subplots_kw
        Passed to ``plt.subplots`` (``sharex``, ``gridspec_kw``, ``squeeze`` ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes or ndarray of Axes
    """
    import matplotlib.pyplot as plt

    nrows = check_int(nrows, "nrows", low=1)
    ncols = check_int(ncols, "ncols", low=1)
    presentation = check_bool(presentation, "presentation")
    if figsize is not None:
        size = check_array(figsize, "figsize", shape=(2,))
        if np.any(size <= 0) or np.any(size > 100):
            raise ValueError(f"`figsize` must be (width, height) in inches, each in (0, 100], got {tuple(size)}")
        figsize = (float(size[0]), float(size[1]))
    if projection is not None and not isinstance(projection, str) and (
            not isinstance(projection, Sequence) or not all(p is None or isinstance(p, str) for p in projection)):
        raise TypeError(f"`projection` must be a str such as '3d', or a list of str/None (one per axes), got {projection!r}")
    if projection is not None:
        from matplotlib.projections import get_projection_names

        for p in [projection] if isinstance(projection, str) else projection:
            if p is not None:
                check_option(p, "projection", get_projection_names())
    if figsize is None:
        figsize = (4.8 * ncols + 1.2, 4.0 * nrows)
    # A JupyterLab notebook column is ~950 px wide on a laptop: wider figures get a horizontal scroll bar and
    # hide their right-hand panel, so cap the width (constrained layout re-flows the axes).
    figsize = (min(figsize[0], _NOTEBOOK_MAX_WIDTH), figsize[1])
    if presentation:
        figsize = (figsize[0] * _PRESENTATION_SCALE, figsize[1] * _PRESENTATION_SCALE)
    subplot_kw = dict(subplots_kw.pop("subplot_kw", None) or {})
    subplots_kw.setdefault("layout", "constrained")
    if projection is None or isinstance(projection, str):
        if projection is not None:
            subplot_kw["projection"] = projection
        with plt.ioff():
            fig, axes = plt.subplots(nrows, ncols, figsize=figsize, subplot_kw=subplot_kw, **subplots_kw)
    else:
        # one projection per axes, e.g. ["3d", None] for a surface beside its contour map
        projection = list(projection)
        if len(projection) != nrows * ncols:
            raise ValueError(f"`projection` must be a str or a list of {nrows * ncols} entries, got {projection!r}")
        gridspec_kw = subplots_kw.pop("gridspec_kw", None) or {}
        squeeze = subplots_kw.pop("squeeze", True)
        with plt.ioff():
            fig = plt.figure(figsize=figsize, **subplots_kw)
            grid = fig.add_gridspec(nrows, ncols, **gridspec_kw)
            axes = np.array([fig.add_subplot(grid[i // ncols, i % ncols], projection=p, **subplot_kw)
                             for i, p in enumerate(projection)], dtype=object).reshape(nrows, ncols)
        if squeeze:
            axes = axes.squeeze()
            axes = axes.item() if axes.ndim == 0 else axes
    fig.course_presentation = presentation
    _style_canvas(fig)
    return fig, axes


def _style_canvas(fig) -> None:
    """Hide ipympl's header and footer (no-ops on non-widget canvases)."""
    canvas = fig.canvas
    if is_widget_canvas(canvas):
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_position = "left"


def font_sizes(ax_or_fig) -> dict:
    """Font sizes (points) for ``title``, ``label``, ``tick`` and ``legend`` of an axes' or figure's style.

    Figures made with ``new_figure(presentation=True)`` get the larger projector sizes.

    Parameters
    ----------
    ax_or_fig : matplotlib.axes.Axes or matplotlib.figure.Figure
        An axes (its figure is used) or a figure; a subfigure resolves to its root figure.

    Returns
    -------
    dict
        ``{"title": ..., "label": ..., "tick": ..., "legend": ...}`` in points.
    """
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    fig = fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig
    return _FONTS[bool(getattr(fig, "course_presentation", False))]


def label_axes(ax, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
               zlabel: str | None = None) -> None:
    """Set title and axis labels with the figure's font sizes (presentation-aware).

    Tick labels are resized too. A label given as None is left as it is.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    title : str, optional
        The axes' title.
    xlabel, ylabel : str, optional
        The x- and y-axis labels.
    zlabel : str, optional
        The z-axis label; ignored on 2-D axes.
    """
    check_axes(ax)
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel), ("zlabel", zlabel)):
        check_str(text, name, allow_none=True)
    fonts = font_sizes(ax)
    if title is not None:
        ax.set_title(title, fontsize=fonts["title"])
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=fonts["label"])
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=fonts["label"])
    if zlabel is not None and hasattr(ax, "set_zlabel"):
        ax.set_zlabel(zlabel, fontsize=fonts["label"])
    ax.tick_params(labelsize=fonts["tick"])


def series_styles(n: int) -> list[dict]:
    """``n`` distinct, colour-blind-safe line styles for several optimizers on one plot.

    Entry ``i`` differs from every other in colour (Okabe-Ito palette, then three colours of Paul Tol's
    muted scheme) and, for ``n ≤ 8``, also in marker; line styles cycle through solid, dashed, dash-dot and dotted, so the series stay
    distinguishable in greyscale and for readers who cannot tell the colours apart. Up to 32 entries
    are pairwise distinct as (colour, line style, marker) triples.

    Parameters
    ----------
    n : int
        The number of styles, at least 0.

    Returns
    -------
    list of dict
        Keyword arguments for ``ax.plot``: ``color``, ``linestyle``, ``marker``.
    """
    n = check_int(n, "n", low=0)
    styles = []
    for i in range(n):
        k = len(_COLOURS)
        styles.append({
            "color": _COLOURS[i % k],
            "linestyle": _LINESTYLES[(i + i // k) % len(_LINESTYLES)],
            "marker": _MARKERS[(i + 3 * (i // k)) % len(_MARKERS)],
        })
    return styles


# --------------------------------------------------------------------------------------------
# Landscapes
# --------------------------------------------------------------------------------------------
def _as_grid_function(objective_or_f) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Turn an objective (P = 2) or a function ``f(X, Y)`` into a vectorized ``f(X, Y)``."""
    if hasattr(objective_or_f, "loss_batch"):  # an Objective: its vectorized loss_batch
        if getattr(objective_or_f, "dim", 2) != 2:
            raise ValueError(f"`objective_or_f` must be a 2-D objective (dim = 2), got dim = {objective_or_f.dim}")
        return lambda X, Y: objective_or_f.loss_batch(np.stack([X, Y], axis=-1))
    if callable(objective_or_f):
        return objective_or_f
    raise TypeError(f"`objective_or_f` must be a 2-D objective or a function f(X, Y), got {type(objective_or_f).__name__}")


def _check_bounds(bounds, objective_or_f=None):
    if bounds is None:
        bounds = getattr(objective_or_f, "bounds", None)
        if bounds is None:
            raise ValueError("`bounds` is required: ((xmin, xmax), (ymin, ymax))")
    b = check_array(bounds, "bounds", finite=False)
    if b.shape != (2, 2) or not np.all(np.isfinite(b)) or np.any(b[:, 1] <= b[:, 0]):
        raise ValueError(f"`bounds` must be ((xmin, xmax), (ymin, ymax)) with min < max, got {bounds!r}")
    return b


def grid_values(objective_or_f, bounds=None, resolution: int = 101):
    """Evaluate a 2-D landscape on a regular grid.

    Parameters
    ----------
    objective_or_f : Objective (dim 2) or callable
        A course objective (its vectorized ``loss_batch`` is used) or a vectorized ``f(X, Y)``.
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Default: the objective's ``.bounds``.
    resolution : int
        Points per axis.

    Returns
    -------
    X, Y, Z : ndarray, shape (resolution, resolution)
        ``meshgrid(xs, ys, indexing="xy")`` so that ``Z[i, j] = f(xs[j], ys[i])`` (matplotlib's convention).
    """
    b = _check_bounds(bounds, objective_or_f)
    resolution = check_int(resolution, "resolution", low=2)
    f = _as_grid_function(objective_or_f)
    X, Y = np.meshgrid(np.linspace(*b[0], resolution), np.linspace(*b[1], resolution))
    with np.errstate(all="ignore"):
        Z = np.asarray(f(X, Y), dtype=float)
    return X, Y, np.broadcast_to(Z, X.shape).copy()


def _log_levels(Z, levels: int):
    """Levels equally spaced in log of (Z - min + small), so valleys show detail."""
    finite = Z[np.isfinite(Z)]
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-12)
    return lo + np.geomspace(span * 1e-4, span, levels) - span * 1e-4


def plot_contour(
    ax,
    objective_or_f,
    bounds=None,
    levels: int | Sequence[float] = 30,
    *,
    resolution: int = 121,
    filled: bool = True,
    lines: bool = True,
    log: bool = False,
    cmap: str = CMAP,
    colorbar: bool = False,
    title: str | None = None,
    xlabel: str = r"$\theta_1$",
    ylabel: str = r"$\theta_2$",
    minima=None,
):
    """Contour plot of a 2-D landscape, labelled and styled.

    Parameters
    ----------
    ax : Axes
    objective_or_f : Objective (dim 2) or callable ``f(X, Y)``
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Default: the objective's ``.bounds``.
    levels : int or sequence of float
        Number of levels or the levels themselves.
    resolution : int
        Grid points per axis.
    filled : bool
        Filled contours (``contourf``); thin grey contour lines are added on top when ``lines``.
    lines : bool
        With ``filled``, draw thin black, half-transparent contour lines on the filled levels (default True);
        ignored when ``filled`` is False (the contours are then coloured lines).
    log : bool
        Space the levels geometrically above the minimum (valleys such as Rosenbrock's show detail).
    cmap : str
        ``"viridis"`` (default) or ``"cividis"``.
    colorbar : bool
        Add a colour bar labelled "loss".
    title, xlabel, ylabel : str
        Labels; the title defaults to the objective's name.
    minima : array_like (k, 2), optional
        Points to mark with a white star (default: the objective's ``.minima`` if it has them).

    Returns
    -------
    matplotlib.contour.QuadContourSet
        The filled (or line) contour set. Remove and replace it to update the landscape.
    """
    check_axes(ax)
    levels_arg = (check_int(levels, "levels", low=2) if np.ndim(levels) == 0
                  else check_array(levels, "levels", ndim=1, min_size=2))
    cmap = check_option(cmap, "cmap", ["viridis", "cividis", "magma", "plasma", "inferno"])
    X, Y, Z = grid_values(objective_or_f, bounds, resolution)
    if np.ndim(levels_arg) == 0 and log:
        levels_arg = _log_levels(Z, levels_arg)
    Zm = np.ma.masked_invalid(Z)
    if filled:
        cs = ax.contourf(X, Y, Zm, levels=levels_arg, cmap=cmap)
        if lines:
            cs.course_lines = ax.contour(X, Y, Zm, levels=cs.levels, colors="k", linewidths=0.3, alpha=0.5)
    else:
        cs = ax.contour(X, Y, Zm, levels=levels_arg, cmap=cmap, linewidths=1.0)
    if colorbar:
        cb = ax.figure.colorbar(cs, ax=ax)
        cb.set_label("loss", fontsize=font_sizes(ax)["label"])
    if minima is None:
        minima = getattr(objective_or_f, "minima", None)
    if minima is not None and len(minima):
        m = np.asarray(minima, dtype=float).reshape(-1, 2)
        ax.plot(m[:, 0], m[:, 1], linestyle="none", marker="*", markersize=11, markerfacecolor="white",
                markeredgecolor="k", label="minima", zorder=4)
    b = _check_bounds(bounds, objective_or_f)
    ax.set_xlim(*b[0])
    ax.set_ylim(*b[1])
    if title is None:
        title = getattr(objective_or_f, "name", None) or "loss landscape"
    label_axes(ax, title=title, xlabel=xlabel, ylabel=ylabel)
    return cs


def plot_surface(
    ax,
    objective_or_f,
    bounds=None,
    *,
    resolution: int = 61,
    cmap: str = CMAP,
    alpha: float = 0.9,
    title: str | None = None,
    xlabel: str = r"$\theta_1$",
    ylabel: str = r"$\theta_2$",
    zlabel: str = "loss",
    zclip: float | None = None,
):
    """3-D surface of a 2-D landscape on 3-D axes (``new_figure(projection="3d")``).

    Non-finite heights are drawn at the largest finite height.

    Parameters
    ----------
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D
        3-D axes, e.g. from ``new_figure(projection="3d")``.
    objective_or_f : Objective (dim 2) or callable ``f(X, Y)``
        A course objective (its vectorized ``loss_batch`` is used) or a vectorized ``f(X, Y)``.
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Default: the objective's ``.bounds``.
    resolution : int
        Grid points per axis, at least 2. Default 61.
    cmap : {"viridis", "cividis", "magma", "plasma", "inferno"}
        The colour map. Default ``"viridis"``.
    alpha : float
        The surface's opacity, in ``[0, 1]``. Default 0.9.
    title : str, optional
        Default: the objective's name, or "loss surface".
    xlabel, ylabel, zlabel : str
        Axis labels. Default :math:`\\theta_1`, :math:`\\theta_2` and "loss".
    zclip : float, optional
        Clip heights above this value (steep walls otherwise flatten the interesting part).

    Returns
    -------
    mpl_toolkits.mplot3d.art3d.Poly3DCollection
        The surface. To change the landscape, ``surface.remove()`` and call this again.
    """
    if getattr(ax, "name", "") != "3d":
        raise ValueError("`ax` must be 3-D axes: create them with new_figure(projection='3d')")
    check_axes(ax)
    if not hasattr(ax, "plot_surface"):
        raise TypeError("`ax` must be 3-D axes: create them with new_figure(projection=\"3d\")")
    cmap = check_option(cmap, "cmap", ["viridis", "cividis", "magma", "plasma", "inferno"])
    alpha = check_scalar(alpha, "alpha", low=0, high=1)
    X, Y, Z = grid_values(objective_or_f, bounds, resolution)
    if zclip is not None:
        Z = np.minimum(Z, check_scalar(zclip, "zclip"))
    Z = np.where(np.isfinite(Z), Z, np.nanmax(np.where(np.isfinite(Z), Z, -np.inf)))
    surface = ax.plot_surface(X, Y, Z, cmap=cmap, alpha=alpha, linewidth=0, antialiased=False,
                              rcount=resolution, ccount=resolution)
    if title is None:
        title = getattr(objective_or_f, "name", None) or "loss surface"
    label_axes(ax, title=title, xlabel=xlabel, ylabel=ylabel, zlabel=zlabel)
    return surface


# --------------------------------------------------------------------------------------------
# Trajectories and loss curves
# --------------------------------------------------------------------------------------------
def _trajectory_points(traj) -> tuple[np.ndarray, int | None]:
    """``(thetas (T+1, P), diverged_at)`` from a Trajectory or an array of points."""
    if hasattr(traj, "thetas"):
        return np.asarray(traj.thetas, dtype=float), getattr(traj, "diverged_at", None)
    pts = check_array(traj, "traj", finite=False, min_size=0)
    if pts.ndim != 2 or pts.shape[1] < 2:
        raise ValueError(f"`traj` must be a Trajectory or an array of shape (T, 2), got shape {pts.shape}")
    return pts, None


def finite_prefix(points: np.ndarray, bounds=None, margin: float = 0.5) -> np.ndarray:
    """The leading run of points that are finite (and, with ``bounds``, inside the enlarged box).

    A diverging path leaves the picture in a few steps; drawing its far-away points would rescale the
    axes and hide the landscape. ``margin`` enlarges the box by that fraction of its size.

    Parameters
    ----------
    points : array_like, shape (n, d)
        The path, one point per row; non-finite entries are allowed (they end the prefix). With ``bounds``
        only the first two coordinates are compared with the box, so ``d`` must then be at least 2.
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        The box; default None keeps every leading finite point.
    margin : float
        The enlargement of the box on each side, as a fraction of its width and height, at least 0.
        Default 0.5.

    Returns
    -------
    numpy.ndarray, shape (m, d)
        The first ``m`` points, up to (not including) the first one that is non-finite or outside.
    """
    pts = check_array(points, "points", ndim=2, finite=False, min_size=0)
    margin = check_scalar(margin, "margin", low=0)
    ok = np.all(np.isfinite(pts), axis=1)
    if bounds is not None:
        b = _check_bounds(bounds)
        pad = margin * (b[:, 1] - b[:, 0])
        with np.errstate(invalid="ignore"):
            ok &= np.all((pts[:, :2] >= b[:, 0] - pad) & (pts[:, :2] <= b[:, 1] + pad), axis=1)
    bad = np.flatnonzero(~ok)
    return pts[: bad[0]] if bad.size else pts


def plot_trajectory(
    ax,
    traj,
    label: str | None = None,
    style: Mapping[str, Any] | None = None,
    *,
    bounds=None,
    markevery: int | None = None,
    show_ends: bool = True,
    zorder: float = 5,
):
    """Draw an optimization path (first two coordinates) on contour axes.

    Parameters
    ----------
    ax : Axes
    traj : Trajectory or array_like (T, 2)
    label : str, optional
        Legend label; for a diverged trajectory " (diverged at step k)" is appended.
    style : dict, optional
        ``color``, ``linestyle``, ``marker`` (e.g. one entry of :func:`series_styles`).
    bounds : optional
        Only the part of the path before it first leaves these bounds (enlarged by half) is drawn.
    markevery : int, optional
        Marker spacing; default about 12 markers along the path.
    show_ends : bool
        Mark the start (hollow circle) and the end (filled square, or a cross if diverged).
    zorder : float
        Drawing order of the path (default 5, above contours); the end markers go just above it.

    Returns
    -------
    matplotlib.lines.Line2D
        The path line; update it with ``line.set_data(xs, ys)``.
    """
    check_axes(ax)
    check_str(label, "label", allow_none=True)
    if style is not None and not isinstance(style, Mapping):
        raise TypeError(f"`style` must be a dict of line properties (e.g. series_styles(1)[0]), got {type(style).__name__}")
    if markevery is not None:
        markevery = check_int(markevery, "markevery", low=1)
    show_ends = check_bool(show_ends, "show_ends")
    zorder = check_scalar(zorder, "zorder")
    pts, diverged_at = _trajectory_points(traj)
    shown = finite_prefix(pts, bounds if bounds is not None else None)
    style = dict(series_styles(1)[0] if style is None else style)
    style.setdefault("color", OKABE_ITO[0])
    if markevery is None:
        markevery = max(1, len(shown) // 12)
    if label is not None and diverged_at is not None:
        label = f"{label} (diverged at step {diverged_at})"
    (line,) = ax.plot(shown[:, 0], shown[:, 1], label=label, markevery=markevery, markersize=4,
                      linewidth=1.6, zorder=zorder, **style)
    if show_ends and len(shown):
        ax.plot(*shown[0, :2], marker="o", markersize=8, markerfacecolor="none", markeredgecolor=style["color"],
                markeredgewidth=1.8, linestyle="none", zorder=zorder + 0.1)
        end_marker = "X" if diverged_at is not None else "s"
        ax.plot(*shown[-1, :2], marker=end_marker, markersize=8, color=style["color"], markeredgecolor="k",
                linestyle="none", zorder=zorder + 0.1)
    return line


def plot_loss_curves(
    ax,
    curves,
    *,
    labels: Sequence[str] | None = None,
    log: bool = True,
    styles: Sequence[Mapping[str, Any]] | None = None,
    title: str = "loss during training",
    xlabel: str = "step",
    ylabel: str = "loss",
):
    """Loss against step for one or several runs, on a log scale by default.

    Non-positive losses cannot sit on a log axis: the axis then becomes symmetric-log (linear near 0)
    and a note on the plot says so. Diverged runs (a ``Trajectory`` with ``diverged_at``, or values
    that become non-finite) are drawn up to their last finite value, marked with a cross and labelled
    "diverged at step k".

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    curves : Trajectory, array_like, or a sequence / dict of them
        A dict maps labels to curves.
    labels : sequence of str, optional
        Labels when ``curves`` is a sequence (default: the trajectories' optimizer names).
    log : bool
        Logarithmic y axis.
    styles : sequence of dict, optional
        Line styles (default :func:`series_styles`).
    title : str
        The axes' title. Default "loss during training".
    xlabel : str
        The x-axis label (the x values are the indices of the losses). Default "step".
    ylabel : str
        The y-axis label; " (log scale)" is appended when ``log``. Default "loss".

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per curve.
    """
    check_axes(ax)
    log = check_bool(log, "log")
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        check_str(text, name)
    if curves is None or isinstance(curves, (str, bytes)) or not (
            isinstance(curves, Mapping) or hasattr(curves, "losses") or hasattr(curves, "__len__")):
        raise TypeError("`curves` must be a Trajectory, an array of losses, or a list / dict of them, "
                        f"got {type(curves).__name__}")
    if isinstance(curves, Mapping):
        labels, items = list(curves.keys()), list(curves.values())
    elif hasattr(curves, "losses") or (np.ndim(curves) == 1 and len(curves) and np.isscalar(curves[0])):
        items = [curves]
    else:
        items = list(curves)
    if labels is None:
        labels = [getattr(c, "optimizer", "") or f"run {i + 1}" for i, c in enumerate(items)]
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise TypeError(f"`labels` must be a list of str (one per curve), got {type(labels).__name__}")
    labels = [str(label) for label in labels]
    if len(labels) != len(items):
        raise ValueError(f"`labels` has {len(labels)} entries for {len(items)} curves")
    if styles is not None and (isinstance(styles, (str, bytes, Mapping)) or not hasattr(styles, "__len__")
                               or not len(styles) or not all(isinstance(st, Mapping) for st in styles)):
        raise TypeError(f"`styles` must be a non-empty list of dicts of line properties, got {styles!r}"[:200])
    styles = list(styles) if styles is not None else series_styles(len(items))
    lines, notes, any_nonpositive, smallest_pos = [], [], False, np.inf
    for i, (curve, label) in enumerate(zip(items, labels)):
        losses = check_array(getattr(curve, "losses", curve), f"curves[{labels[i]!r}]", finite=False, min_size=0).ravel()
        steps = np.arange(losses.size)
        diverged_at = getattr(curve, "diverged_at", None)
        finite = np.isfinite(losses)
        if diverged_at is None and not finite.all():
            diverged_at = int(np.flatnonzero(~finite)[0])
        cut = np.flatnonzero(~finite)
        n_ok = cut[0] if cut.size else losses.size
        y, x = losses[:n_ok], steps[:n_ok]
        if diverged_at is not None:
            label = f"{label} (diverged at step {diverged_at})"
            notes.append(f"{labels[i]} diverged at step {diverged_at}")
        st = dict(styles[i % len(styles)])
        (line,) = ax.plot(x, y, label=label, markevery=max(1, n_ok // 10), markersize=4, linewidth=1.6, **st)
        if diverged_at is not None and n_ok:
            ax.plot(x[-1], y[-1], marker="X", markersize=10, color=st.get("color"), markeredgecolor="k",
                    linestyle="none", zorder=5)
        lines.append(line)
        if y.size:
            any_nonpositive |= bool(np.any(y <= 0))
            pos = np.abs(y[y != 0])
            if pos.size:
                smallest_pos = min(smallest_pos, float(pos.min()))
    if log:
        if any_nonpositive:
            linthresh = smallest_pos if np.isfinite(smallest_pos) else 1.0
            ax.set_yscale("symlog", linthresh=max(linthresh, 1e-12))
            notes.append("some losses ≤ 0: symmetric-log axis (linear near 0)")
        else:
            ax.set_yscale("log")
    label_axes(ax, title=title, xlabel=xlabel, ylabel=ylabel + (" (log scale)" if log else ""))
    if any(line.get_label() and not line.get_label().startswith("_") for line in lines):
        ax.legend(fontsize=font_sizes(ax)["legend"])
    if notes:
        ax.text(0.02, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=font_sizes(ax)["legend"],
                va="bottom", ha="left", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "0.6"})
    ax.course_notes = notes
    return lines

