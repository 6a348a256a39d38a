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

from .formatting import fmt  # re-exported: plotting.fmt predates formatting.fmt
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
    "fmt",
    "WindowedPath",
    "window_path",
    "PathArtists",
    "plot_loss_curves",
    "is_widget_canvas",
    "request_full_frame",
    "scale_default_fonts",
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
          True: {"title": 15, "label": 13.5, "tick": 12, "legend": 12}}
#: Presentation mode's figure scale: 8.5 in × 1.35 = 1,148 px, plus ipympl's 40 px toolbar, fits a 1280×720
#: projector's page (at 1.6 a 1,472 px figure overflowed it); fonts and controls grow by about as much.
_PRESENTATION_SCALE = 1.35
#: How much larger a legend's or a text's font is in presentation mode (as the styles' legend sizes).
PRESENTATION_FONT_SCALE = _FONTS[True]["legend"] / _FONTS[False]["legend"]
#: Widest figure (inches) in a notebook column, before presentation scaling: 850 px at 100 dpi, plus ipympl's
#: 40 px toolbar beside it, fits the 934 px that JupyterLab's output column has at 1366×768 with the file browser
#: open (measured in Chromium; a 920 px figure was cut on the right and scrolled its controls off on the left).
_NOTEBOOK_MAX_WIDTH = 8.5


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
        Size in inches; default ``(4.8·ncols + 1.2, 4·nrows)``. The width is capped at 8.5 inches (850 px,
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


#: Width (CSS px) of ipympl's vertical toolbar: its buttons are 34 px wide with a 3 px margin each side.
TOOLBAR_WIDTH_PX = 40


def _style_canvas(fig) -> None:
    """Turn off matplotlib's keyboard shortcuts; hide ipympl's header and footer (widget canvases only).

    The shortcuts would act on a student's key presses in a focused figure: ``q`` closes it (the explorer then
    freezes while its sliders go on moving), ``s`` opens a save dialog, ``l``/``k`` flip an axis to a log scale
    the explorer does not expect (issue 23).
    """
    canvas = fig.canvas
    manager = getattr(canvas, "manager", None)
    if manager is not None and getattr(manager, "key_press_handler_id", None) is not None:
        canvas.mpl_disconnect(manager.key_press_handler_id)
        manager.key_press_handler_id = None
    if is_widget_canvas(canvas):
        canvas.header_visible = False
        canvas.footer_visible = False
        # ipympl positions its toolbar absolutely, over the figure's left edge (it hid tick labels and y-labels):
        # a left padding as wide as the toolbar gives it a place of its own beside the figure
        canvas.toolbar_position = "left"
        canvas.layout.padding = f"0px 0px 0px {TOOLBAR_WIDTH_PX}px"
        # the browser view says it is ready: once the first images have settled, send one complete image
        canvas.on_msg(lambda _widget, content, _buffers: content.get("type") == "initialized"
                      and request_full_frame(fig))


#: Seconds of quiet after which a widget figure is sent once more as one complete image (:func:`request_full_frame`).
FULL_FRAME_DELAY = 0.35


def request_full_frame(fig, delay: float = FULL_FRAME_DELAY) -> bool:
    """Send the browser one complete image of ``fig`` after ``delay`` seconds of quiet.

    ipympl sends *diff* images: only the pixels that changed since the last image it sent, composited over what
    the browser shows. When images arrive faster than the browser decodes them it drops one (a new image replaces
    the one still loading) and reads the image mode late, so every later diff lands on a picture the kernel never
    drew: a figure that came up incomplete after Run All, or ghost text after a fast drag, and stayed so (measured
    in the browser against a full render: ``tests/browser/test_render_truth_browser.py``). One complete image
    repairs whatever the browser shows. A later request within ``delay`` replaces this one, so a drag is sent as
    cheap diffs and completed once, when it stops.

    The request is the one the browser itself sends for a complete image (``{"type": "refresh"}``), handled by
    matplotlib's web backend; it is scheduled on the kernel's running event loop.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure on an ipympl canvas; any other canvas is left alone.
    delay : float
        Seconds of quiet before the image is sent (≥ 0).

    Returns
    -------
    bool
        Whether an image was scheduled (False for a non-widget canvas, or with no running event loop).
    """
    import asyncio

    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"`fig` must be a matplotlib Figure, got {type(fig).__name__} {fig!r:.60}")
    delay = check_scalar(delay, "delay", low=0.0)
    canvas = fig.canvas
    if not is_widget_canvas(canvas):
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no kernel event loop (a script, a test): nobody is watching
        return False
    pending = getattr(canvas, "_course_full_frame", None)
    if pending is not None:
        pending.cancel()
    canvas._course_full_frame = loop.call_later(delay, _send_full_frame, canvas)
    return True


def _send_full_frame(canvas) -> None:
    canvas._course_full_frame = None
    if getattr(canvas, "manager", None) is not None:
        canvas.manager.handle_json({"type": "refresh"})


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


def scale_default_fonts(fig) -> int:
    """Give the texts a presentation figure left at matplotlib's default size their presentation size.

    :func:`label_axes` and the explorers size the texts they write; tick labels and axis labels made elsewhere
    (colour bars above all) keep matplotlib's default 10 pt, which stayed small on a projector while everything
    else grew. Tick labels get the presentation ``tick`` size, axis labels the ``label`` size. A figure not made
    with ``presentation=True`` is left alone.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    int
        How many axes had texts resized.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    if not isinstance(fig, Figure):
        raise TypeError(f"`fig` must be a matplotlib Figure, got {type(fig).__name__}")
    if not getattr(fig, "course_presentation", False):
        return 0
    sizes = _FONTS[True]
    default = FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points()
    changed = 0
    for ax in fig.axes:
        touched = False
        for axis in (ax.xaxis, ax.yaxis) + ((ax.zaxis,) if hasattr(ax, "zaxis") else ()):  # 3-D: the height too
            labels = axis.get_ticklabels()
            if labels and all(t.get_fontsize() == default for t in labels):
                axis.set_tick_params(labelsize=sizes["tick"], **_tick_pad(ax))  # also for ticks made later
                touched = True
            if axis.label.get_text() and axis.label.get_fontsize() == default:
                axis.label.set_fontsize(sizes["label"])
                touched = True
        changed += touched
    return changed


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
    ax.tick_params(labelsize=fonts["tick"], **_tick_pad(ax))


def _tick_pad(ax) -> dict:
    """``{"pad": ...}`` for a presentation figure's 2-D axes: the gap between ticks and their labels grows with the
    labels (at matplotlib's 3.5 pt the x and y tick labels at an axes' corner overlapped); ``{}`` otherwise."""
    import matplotlib as mpl

    if getattr(ax, "name", "") == "3d" or font_sizes(ax) is not _FONTS[True]:
        return {}
    return {"pad": mpl.rcParams["xtick.major.pad"] * _PRESENTATION_SCALE}


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


# --------------------------------------------------------------------------------------------
# Paths in a window: clipped, with the true end always shown
# --------------------------------------------------------------------------------------------
class WindowedPath:
    """An optimization path as a window shows it (made by :func:`window_path`).

    Parameters
    ----------
    xy : numpy.ndarray, shape (m, d)
        The path clipped to the window: every segment between consecutive finite points, cut at the window's
        edges (all ``d`` coordinates interpolated linearly along the segment), pieces separated by a row of
        NaN (matplotlib breaks a line there). Empty when no part of the path is inside.
    start : numpy.ndarray, shape (d,), or None
        The first point, None when it lies outside the window.
    end : numpy.ndarray, shape (d,)
        The true end: the last finite point of the path (of a diverged run, the last point before divergence).
    end_inside : bool
        Whether ``end`` lies in the window (boundary included); then a marker is drawn at ``end`` itself —
        even when the path left the window and came back.
    edge : numpy.ndarray, shape (2,), or None
        For an end outside: where the segment from the last path point inside the window (the window's
        centre if there is none) toward ``end`` crosses the window's boundary. None when ``end_inside``.
    direction : numpy.ndarray, shape (2,), or None
        For an end outside: the unit vector from ``edge`` toward ``end`` in window-fraction units (x and y
        divided by the window's width and height), the direction an arrow at ``edge`` points in.
    diverged : bool
        Whether the run diverged (non-finite points, or a trajectory's ``diverged_at``).
    bounds : numpy.ndarray, shape (2, 2)
        The window, ``((xmin, xmax), (ymin, ymax))``.
    """

    __slots__ = ("xy", "start", "end", "end_inside", "edge", "direction", "diverged", "bounds")

    def __init__(self, xy, start, end, end_inside, edge, direction, diverged, bounds):
        self.xy, self.start, self.end, self.end_inside = xy, start, end, end_inside
        self.edge, self.direction, self.diverged, self.bounds = edge, direction, diverged, bounds

    def end_text(self, name: str | None = None, digits: int = 3) -> str:
        """The label of an end outside the window, e.g. ``"ends off-screen\nat (-1.23, 9.83)"`` (two lines).

        Parameters
        ----------
        name : str, optional
            The run's name, put in front (``"Newton: end off-screen ..."``).
        digits : int
            Significant digits of the coordinates. Default 3.

        Returns
        -------
        str
            Empty when the end is inside the window.
        """
        if self.end_inside:
            return ""
        digits = check_int(digits, "digits", low=1)
        where = ", ".join(fmt(v, f".{digits}g") for v in self.end[:2])
        head = f"{name}: " if name else ""
        if self.diverged:
            return f"{head}diverged off-screen\nlast finite point ({where})"
        return f"{head}ends off-screen\nat ({where})"


def _clip_segment(p, q, lo, hi):
    """Liang–Barsky: the parameters ``(t0, t1)`` of the part of ``p + t (q − p)``, t ∈ [0, 1], inside the box
    ``lo ≤ x ≤ hi`` (first two coordinates), or None when the segment misses the box."""
    t0, t1 = 0.0, 1.0
    d = q[:2] - p[:2]
    for k in range(2):
        if d[k] == 0.0:
            if p[k] < lo[k] or p[k] > hi[k]:
                return None
            continue
        ta, tb = (lo[k] - p[k]) / d[k], (hi[k] - p[k]) / d[k]
        if ta > tb:
            ta, tb = tb, ta
        t0, t1 = max(t0, ta), min(t1, tb)
        if t0 > t1:
            return None
    return t0, t1


def window_path(points, bounds, *, diverged: bool = False) -> WindowedPath:
    """Clip a path to a window and say where it truly ends (see :class:`WindowedPath`).

    A run that leaves the window must not have its end drawn where it was cut (at the start, or where it
    left): the drawn path is clipped at the window's edges, a path that leaves and returns is drawn in
    pieces, an end inside the window is drawn where it is, and an end outside gets the point on the
    boundary toward it (for an arrow "off-screen →") and its coordinates (:meth:`WindowedPath.end_text`).
    A diverged run is drawn up to its last finite point.

    Parameters
    ----------
    points : array_like, shape (n, d)
        The path, one point per row, ``d ≥ 2``; the window applies to the first two coordinates, further
        ones (a height, say) are interpolated along each clipped segment. Non-finite rows end the path
        (a diverged run). At least one finite leading point.
    bounds : ((xmin, xmax), (ymin, ymax))
        The window.
    diverged : bool
        Whether the run diverged (a trajectory's ``diverged_at is not None``); a non-finite point also counts.

    Returns
    -------
    WindowedPath
    """
    pts = check_array(points, "points", ndim=2, finite=False, min_size=1)
    if pts.shape[1] < 2:
        raise ValueError(f"`points` must have shape (n, d) with d ≥ 2 (x and y first), got shape {pts.shape}")
    b = _check_bounds(bounds)
    diverged = check_bool(diverged, "diverged")
    finite = np.all(np.isfinite(pts), axis=1)
    bad = np.flatnonzero(~finite)
    n_ok = int(bad[0]) if bad.size else len(pts)
    if n_ok == 0:
        raise ValueError("`points` must start with a finite point (the start of the run), got a non-finite first row")
    diverged = diverged or n_ok < len(pts)
    path = pts[:n_ok]
    lo, hi = b[:, 0], b[:, 1]
    inside = np.all((path[:, :2] >= lo) & (path[:, :2] <= hi), axis=1)
    gap = np.full(pts.shape[1], np.nan)
    rows: list[np.ndarray] = []
    if n_ok == 1 and inside[0]:
        rows.append(path[0])
    for i in range(n_ok - 1):
        p, q = path[i], path[i + 1]
        ts = _clip_segment(p, q, lo, hi)
        if ts is None:
            continue
        a, c = p + ts[0] * (q - p), p + ts[1] * (q - p)
        if rows and ts[0] == 0.0 and inside[i]:
            rows.append(c)  # continues the piece that ended at p
        else:
            if rows:
                rows.append(gap)
            rows += [a, c]
    xy = np.array(rows) if rows else np.zeros((0, pts.shape[1]))
    end = path[-1].copy()
    end_inside = bool(inside[-1])
    edge = direction = None
    if not end_inside:
        size = hi - lo
        last_in = np.flatnonzero(inside)
        anchor = path[last_in[-1], :2] if last_in.size else (lo + hi) / 2
        ts = _clip_segment(np.r_[anchor], end[:2], lo, hi)
        t_exit = ts[1] if ts is not None else 0.0
        edge = anchor + t_exit * (end[:2] - anchor)
        edge = np.clip(edge, lo, hi)  # rounding must not put it a hair outside
        u = (end[:2] - edge) / size
        norm = float(np.hypot(*u))
        direction = u / norm if norm > 0 else np.array([1.0, 0.0])
    start = path[0].copy() if inside[0] else None
    return WindowedPath(xy, start, end, end_inside, edge, direction, diverged, b)


class PathArtists:
    """The artists that show one path on 2-D axes, updated in place from a :class:`WindowedPath`.

    A line (the clipped path), a hollow circle at the start, a square at the end (a cross when the run
    diverged) — drawn only where they really are — and, for an end outside the window, an arrow at the
    window's edge pointing toward it with the end's coordinates as its label.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        2-D axes whose limits are the window.
    style : dict, optional
        ``color``, ``linestyle``, ``marker`` of the path (e.g. one entry of :func:`series_styles`).
    name : str, optional
        The run's name, in front of the off-screen label (for several runs on one axes).
    label : str, optional
        Legend label of the path line.
    show_start : bool
        Draw the start marker. Default True.
    zorder : float
        Drawing order of the path; markers and the arrow go just above it. Default 5.
    markers : int
        About how many markers along the path. Default 12.
    artists : (Line2D, Line2D, Line2D), optional
        An explorer's own ``(path line, start marker, end marker)`` on ``ax`` (styled and labelled for its
        legend) to update instead of new ones; ``style`` and ``label`` are then ignored.
    """

    def __init__(self, ax, style: Mapping[str, Any] | None = None, *, name: str | None = None,
                 label: str | None = None, show_start: bool = True, zorder: float = 5, markers: int = 12,
                 artists=None):
        check_axes(ax)
        if style is not None and not isinstance(style, Mapping):
            raise TypeError(f"`style` must be a dict of line properties (e.g. series_styles(1)[0]), got {type(style).__name__}")
        self.name = check_str(name, "name", allow_none=True)
        check_str(label, "label", allow_none=True)
        self.show_start = check_bool(show_start, "show_start")
        zorder = check_scalar(zorder, "zorder")
        self.markers = check_int(markers, "markers", low=1)
        self.ax = ax
        st = dict(series_styles(1)[0] if style is None else style)
        st.setdefault("color", OKABE_ITO[0])
        self.colour = st["color"]
        if artists is not None:
            if not isinstance(artists, (tuple, list)):
                raise TypeError(f"`artists` must be None or a tuple (path line, start marker, end marker), got "
                                f"{type(artists).__name__}")
            if len(artists) != 3 or not all(hasattr(a, "set_data") and getattr(a, "axes", None) is ax for a in artists):
                raise ValueError("`artists` must be (path line, start marker, end marker): three Line2D on `ax`")
            self.line, self.start, self.end = artists
            self.colour = self.line.get_color()
            zorder = self.end.get_zorder()
        else:
            (self.line,) = ax.plot([], [], markersize=4, linewidth=1.6, zorder=zorder,
                                   label=label if label is not None else "_path", **st)
            (self.start,) = ax.plot([], [], marker="o", markersize=8, markerfacecolor="none",
                                    markeredgecolor=self.colour, markeredgewidth=1.8, linestyle="none",
                                    zorder=zorder + 0.1, label="_start")
            (self.end,) = ax.plot([], [], marker="s", markersize=8, color=self.colour, markeredgecolor="k",
                                  linestyle="none", zorder=zorder + 0.1, label="_end")
        fs = font_sizes(ax)["legend"] - 1
        # The arrow: from a point inside the window to the edge, pointing out toward the true end.
        self.arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0), zorder=zorder + 0.2, fontsize=fs, color="k",
                                 arrowprops={"arrowstyle": "-|>", "color": self.colour, "linewidth": 2.2,
                                             "mutation_scale": 16, "shrinkA": 0, "shrinkB": 0,
                                             "path_effects": _outline()},
                                 bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.85,
                                       "edgecolor": self.colour},
                                 annotation_clip=False)
        self.arrow.set_visible(False)
        self.windowed: WindowedPath | None = None
        #: The stacking slot of the off-screen label (set by an explorer drawing several runs; 0 by default).
        self.slot = 0
        #: One-line off-screen labels ("GD: diverged ↗"), for an explorer that spells the ends out elsewhere (its
        #: message line): several two-line labels with coordinates covered a small map (set by the explorer).
        self.brief = False

    def update(self, windowed: WindowedPath, visible: bool = True) -> None:
        """Show ``windowed`` (or hide everything when ``visible`` is False).

        Parameters
        ----------
        windowed : WindowedPath
            From :func:`window_path` with this axes' window.
        visible : bool
            False hides the path, its markers and the arrow.
        """
        if not isinstance(windowed, WindowedPath):
            raise TypeError(f"`windowed` must be a WindowedPath from window_path(), got {type(windowed).__name__}")
        self.windowed = windowed
        xy = windowed.xy
        self.line.set_data(xy[:, 0], xy[:, 1])
        n = int(np.sum(np.isfinite(xy[:, 0]))) if len(xy) else 0
        self.line.set_markevery(max(1, n // self.markers))
        if self.show_start and windowed.start is not None:
            self.start.set_data([windowed.start[0]], [windowed.start[1]])
        else:
            self.start.set_data([], [])
        self.end.set_marker("X" if windowed.diverged else "s")
        if windowed.end_inside:
            self.end.set_data([windowed.end[0]], [windowed.end[1]])
            self.arrow.set_visible(False)
        else:
            self.end.set_data([], [])
            self._place_arrow(windowed)
            self.arrow.set_visible(visible)
            if visible:  # (an invisible text has no size to measure)
                self._keep_label_inside()
        for artist in (self.line, self.start, self.end):
            artist.set_visible(visible)

    def _place_arrow(self, windowed: WindowedPath) -> None:
        (x0, x1), (y0, y1) = windowed.bounds
        size = np.array([x1 - x0, y1 - y0])
        tail = windowed.edge - 0.12 * windowed.direction * size
        fx, fy = (tail - np.array([x0, y0])) / size
        # Several runs leaving at one place: their labels are stacked (slot k moves k label heights inward).
        tail = tail + np.array([0.0, (1 if fy < 0.5 else -1) * 0.16 * self.slot * size[1]])
        self.arrow.xy = tuple(windowed.edge)
        self.arrow.set_position(tuple(tail))
        if self.brief:
            self.arrow.set_text(f"{self.name + ': ' if self.name else ''}{'diverged' if windowed.diverged else 'off-screen'}")
        else:
            self.arrow.set_text(windowed.end_text(self.name))
        # The label sits inside the window: on the side away from the edge the arrow points at, and along
        # that edge on the side with room (a label centred near a corner would stick out of the axes).
        ux, uy = windowed.direction
        ha = "right" if ux > 0.5 else "left" if ux < -0.5 else ("left" if fx < 0.5 else "right")
        va = "top" if uy > 0.5 else "bottom" if uy < -0.5 else ("bottom" if fy < 0.5 else "top")
        self.arrow.set_horizontalalignment(ha)
        self.arrow.set_verticalalignment(va)

    def _keep_label_inside(self) -> None:
        """Slide the label along x until its box lies within the axes: a long label ("… diverged off-screen")
        next to an edge stuck out over the colour bar beside the axes (measured in the Optimizer Race)."""
        canvas = self.ax.figure.canvas
        # only once the x-limits are fixed (an explorer sets them before it updates): with autoscaling on, the
        # pixel place of the label is not known until the figure is drawn
        if not hasattr(canvas, "get_renderer") or self.ax.get_autoscalex_on():
            return
        from matplotlib.text import Text

        # The label's width (an annotation places its text only when drawn, so take the size, not the place)
        width = Text.get_window_extent(self.arrow, canvas.get_renderer()).width
        to_data = self.ax.transData
        x, y = to_data.transform(self.arrow.get_position())  # the text's anchor, in pixels
        ha = self.arrow.get_horizontalalignment()
        x0 = x - width if ha == "right" else x - width / 2 if ha == "center" else x
        frame = self.ax.get_window_extent()
        shift = frame.x0 - x0 if x0 < frame.x0 else min(frame.x1 - (x0 + width), 0.0)
        if shift:
            self.arrow.set_position(tuple(to_data.inverted().transform((x + shift, y))))

    def remove(self) -> None:
        """Remove every artist from the axes."""
        for artist in (self.line, self.start, self.end, self.arrow):
            artist.remove()


def _outline():
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=3.6, foreground="k")]


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
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        The window: the path is clipped to it (drawn in pieces if it leaves and comes back), and an end
        outside it is shown by an arrow on the window's edge labelled with the end's coordinates
        (:func:`window_path`). Default: no window, every finite point is drawn.
    markevery : int, optional
        Marker spacing; default about 12 markers along the path.
    show_ends : bool
        Mark the start (hollow circle) and the true end (filled square, or a cross at the last finite point if
        diverged; an arrow at the window's edge if the end lies outside ``bounds``).
    zorder : float
        Drawing order of the path (default 5, above contours); the end markers go just above it.

    Returns
    -------
    matplotlib.lines.Line2D
        The path line; its :class:`PathArtists` (line, markers, arrow) is ``line.course_path``, to update them
        all with ``line.course_path.update(window_path(...))``.
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
    style = dict(series_styles(1)[0] if style is None else style)
    style.setdefault("color", OKABE_ITO[0])
    if label is not None and diverged_at is not None:
        label = f"{label} (diverged at step {diverged_at})"
    finite = pts[: np.flatnonzero(~np.all(np.isfinite(pts), axis=1))[0]] if not np.all(np.isfinite(pts)) else pts
    if len(finite) == 0:  # nothing finite to draw: an empty line keeps the legend entry
        (line,) = ax.plot([], [], label=label, zorder=zorder, **style)
        return line
    if bounds is None:  # no window: everything finite is shown
        lo, hi = finite[:, :2].min(axis=0), finite[:, :2].max(axis=0)
        window = np.column_stack([lo, np.maximum(hi, lo + 1e-12)])
    else:
        window = _check_bounds(bounds)
    artists = PathArtists(ax, style, name=label if bounds is not None else None, label=label, zorder=zorder,
                          show_start=show_ends)
    artists.update(window_path(pts, window, diverged=diverged_at is not None))
    if markevery is not None:
        artists.line.set_markevery(markevery)
    if not show_ends:
        artists.end.set_data([], [])
        artists.arrow.set_visible(False)
    line = artists.line
    line.course_path = artists
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


# --- colour bars in plain axes ----------------------------------------------------------------------------------
# The explorers' colour bars are no matplotlib Colorbar: a Colorbar's axes cannot float and its long axis is
# re-laid out with the mappable, so every new range would be a full draw. Instead the colours are an image in plain
# axes of their own that the layout manages, with fixed limits; when the range changes only the tick labels change
# (a blit, not a full draw). These three functions are the one implementation; explorers never draw bars by hand.

def _bar_frame(cax, top: float) -> None:
    """Limits ``[0, 1] × [0, top]``, no x ticks, y ticks and label on the right: the frame every bar shares."""
    cax.set_xlim(0.0, 1.0)
    cax.set_ylim(0.0, top)
    cax.set_xticks([])
    cax.yaxis.tick_right()
    cax.yaxis.set_label_position("right")


def colormap_bar(cax, cmap: str = CMAP) -> None:
    """Draw a continuous colour map on ``[0, 1]`` (the colours' positions) in the plain axes ``cax``, once.

    Shared by the explorers whose colours follow a :class:`~matplotlib.colors.Normalize` (Terrain, Landscape); the
    ticks, set by :func:`colormap_bar_ticks` whenever the range changes, sit at ``norm(value)``. Not part of the
    chapters' API.

    Parameters
    ----------
    cax : matplotlib.axes.Axes
        The plain axes to draw the bar in.
    cmap : str
        The colour map's name (the course's ``CMAP`` by default).
    """
    cax.imshow(np.linspace(0.0, 1.0, 256)[:, None], extent=(0.0, 1.0, 0.0, 1.0), origin="lower", aspect="auto",
               cmap=cmap)
    _bar_frame(cax, 1.0)


def colormap_bar_ticks(cax, norm, *, log: bool = False, digits: str = ".3g") -> None:
    """Label a :func:`colormap_bar` for the values ``norm`` maps onto ``[0, 1]``.

    Ticks at ``norm(v)`` for round values ``v`` in ``[norm.vmin, norm.vmax]``: when ``log``, 1, 2, 5 × 10^k over a
    few decades, powers of ten beyond, 1 … 9 × 10^k within a decade; else about six round values. The bar's limits stay ``[0, 1]``.

    Parameters
    ----------
    cax : matplotlib.axes.Axes
        The bar's axes (drawn by :func:`colormap_bar`).
    norm : matplotlib.colors.Normalize
        The colours' normalisation, with finite ``vmin < vmax`` (``vmin > 0`` when ``log``).
    log : bool
        Logarithmic tick values (use with a ``LogNorm``).
    digits : str
        The tick labels' format (:func:`fmt`).
    """
    from matplotlib.ticker import LogLocator, MaxNLocator

    zmin, zmax = float(norm.vmin), float(norm.vmax)
    if log:
        # 1, 2, 5 × 10^k over a few decades, powers of ten beyond, every 1…9 × 10^k within one decade: always
        # at least three labelled ticks
        decades = np.log10(zmax / zmin)
        subs = (1.0,) if decades >= 3.5 else (1.0, 2.0, 5.0) if decades >= 1.0 else tuple(np.arange(1.0, 10.0))
        values = LogLocator(subs=subs).tick_values(zmin, zmax)
        inside = (values >= zmin * (1 - 1e-9)) & (values <= zmax * (1 + 1e-9))
    else:
        values = MaxNLocator(6).tick_values(zmin, zmax)
        slack = 1e-9 * abs(zmax - zmin)
        inside = (values >= zmin - slack) & (values <= zmax + slack)
    values = values[inside]
    cax.set_yticks(np.asarray(norm(values), dtype=float), labels=[fmt(v, digits) for v in values])
    cax.set_ylim(0.0, 1.0)


def level_bar(cax, cs, label: str) -> None:
    """A colour bar for the filled contour set ``cs`` in the plain axes ``cax`` (no matplotlib Colorbar).

    Shared by the explorers' contour maps (Optimizer Race, Saddle Escape); not part of the chapters' API.

    One band per contour layer, in the layer's own colour, bands of equal height (so geometrically spaced levels
    read as a log scale); ticks on a few level boundaries, labelled with their loss values. It changes only when
    the landscape does (together with the contour set): moving a slider leaves it in the cached background, so the
    explorer still blits.

    Parameters
    ----------
    cax : matplotlib.axes.Axes
        The plain axes to draw the bar in (its images are replaced).
    cs : matplotlib.contour.QuadContourSet
        The filled contour set whose layers the bar shows.
    label : str
        The bar's axis label.
    """

    levels = np.asarray(cs.levels, dtype=float)
    colors = cs.to_rgba(np.asarray(cs.cvalues, dtype=float))
    for image in list(cax.images):
        image.remove()
    n = len(colors)
    cax.imshow(colors[:, None, :], extent=(0.0, 1.0, 0.0, float(n)), origin="lower", aspect="auto",
               interpolation="nearest")
    _bar_frame(cax, float(n))
    idx = np.unique(np.round(np.linspace(0, n, 6)).astype(int))
    # three significant digits, more where two ticks would read the same: log-spaced levels crowd above the
    # minimum (the six-hump camel's bar read "-1.03" on two ticks)
    for digits in range(3, 8):
        labels = [fmt(v, f".{digits}g") for v in levels[idx]]
        if len(set(labels)) == len(labels):
            break
    cax.set_yticks(idx.astype(float), labels=labels)
    cax.set_ylabel(label)
