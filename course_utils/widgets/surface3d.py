r"""A 3-D surface view that rotates in the browser: plotly's WebGL surface in a ``FigureWidget``.

Why not matplotlib: a ``projection="3d"`` axes shown through ipympl re-renders the whole figure in the kernel on
every mouse move of a rotation and sends a ~280 kB PNG each time — 5.3 frames/s (Terrain Explorer) and 7.6
(Critical Point Gallery) in JupyterLab in Chromium, against a target of 15. plotly.js draws the surface with WebGL
in the page: a rotation never reaches the kernel (15.8 frames/s in the same headless Chromium with software WebGL
at ``plotGlPixelRatio = 1``; far more on a laptop's GPU). The data reach the page once: the surface only when it
changes, a moving ball only its path (a few kB).

:class:`SurfaceView` wraps a :class:`plotly.graph_objects.FigureWidget` (an anywidget since plotly 6; its
JavaScript ships in the wheel, so it works offline) with one surface trace, a path and named markers
(``Scatter3d``), and an API the explorers use: :meth:`~SurfaceView.set_surface`, :meth:`~SurfaceView.set_path`,
:meth:`~SurfaceView.set_points` (markers and lines added with :meth:`~SurfaceView.add_marker` and
:meth:`~SurfaceView.add_line`), :meth:`~SurfaceView.set_title`, :meth:`~SurfaceView.set_zlabel`, :meth:`~SurfaceView.set_zrange`,
:meth:`~SurfaceView.set_extent`. Every change is
one message (``batch_update``; :meth:`~SurfaceView.batch` makes several changes one message, so the page redraws
once per key press), and a value equal to the one shown is not sent again.

A key press's cost in the page (measured in headless Chromium, software WebGL, load 3–4; Critical Point Gallery):
plotly.js's ``Plotly.update`` of the scene takes 25–60 ms of JavaScript on the page's one main thread, and the
frame that shows it then waits 45–75 ms in the compositor for the WebGL picture (``ReadPixels`` of the drawing
buffer: software compositing reads every WebGL frame back for the CPU; a GPU composites it without that wait —
not measurable here). One press makes one WebGL frame. Hence: explorers send the 3-D update after the canvas
image has had time to be drawn (``Explorer.update`` wrapped in :meth:`~SurfaceView.batch`, which sends
:data:`SEND_AFTER` s later), so the image is not queued behind it; and
:meth:`~SurfaceView.set_extent` keeps the scene's data extent fixed, without which plotly.js laid out the axes
again on every new surface (a new WebGL program linked per press).

:attr:`~SurfaceView.widget` is the box an explorer puts in its layout (``Explorer.extra_views``); its CSS class
``course-surface3d`` lets :mod:`course_utils.widgets.keyboard` give it an accessible name (``role="group"``,
``aria-label`` = ``label``); the only thing in it that takes the keyboard focus is plotly's named "reset camera"
button, and Tab moves on past it (no focus trap). The information is not in colour alone: the explorers' message
lines say where the ball is, and paths differ by line style. Without a
widget front end (nbval, scripts) the view simply holds its data: :attr:`~SurfaceView.figure` is an ordinary
plotly figure that tests read.

Examples
--------
>>> import numpy as np
>>> from course_utils.widgets.surface3d import SurfaceView
>>> view = SurfaceView(xlabel="x", ylabel="y", zlabel="height f")
>>> t = np.linspace(-1, 1, 5)
>>> view.set_surface(t, t, np.add.outer(t**2, t**2))
>>> view.set_path(np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]]))
>>> view.figure.data[1].x
(0.5, 0.0)
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from ..validation import check_array, check_bool, check_scalar, check_str

__all__: list[str] = []  # explorers build their own views; students never do

#: Pixels of the view in a notebook, (width, height): beside a 4.4 in contour map it fits JupyterLab's 934 px
#: output column at 1366×768 with the file browser open.
SIZE = (440, 380)
#: Presentation mode: larger, but short enough that controls, view and message fit a 1280×720 projector together.
PRESENTATION_SIZE = (540, 410)
#: The camera of the matplotlib panels this view replaced: ``view_init(elev=38, azim=-60)``.
ELEVATION, AZIMUTH = 38.0, -60.0
_CAMERA_DISTANCE = 2.6  # the whole box and its tick labels inside the view
_BASE_FONT = 12
#: Seconds the 3-D changes of an update wait after the canvas image (:meth:`SurfaceView.batch`). The page decodes an
#: image off its main thread and draws it in a later task; a plotly update arriving meanwhile runs first, and its
#: WebGL frame with it, so the image waited (Chromium, software WebGL, load 1–1.6: the canvas drawn 120 ms after
#: the key in the Critical Point Gallery, 130 in the Terrain Explorer). Image arrival → drawn took 8–12 ms there;
#: 25 ms leaves room at higher load. Measured with it: the canvas 57 and 100 ms, the 3-D view ~25 ms later than
#: before. Key presses faster than this send one 3-D update.
SEND_AFTER = 0.025
#: plotly.js draws WebGL at the device pixel ratio times this; plotly's default of 2 renders 4× the pixels — with
#: software WebGL (SwiftShader, headless Chromium) 11–13 frames/s against 15.8 at 1 (measured, 440×360 px).
CONFIG = {
    "plotGlPixelRatio": 1,
    "displaylogo": False,
    # one button: back to the starting view (a student who rotated too far)
    "modeBarButtons": [["resetCameraDefault3d"]],
    "displayModeBar": "hover",
    "scrollZoom": False,
    "responsive": False,
}


def camera_eye(elevation: float = ELEVATION, azimuth: float = AZIMUTH, distance: float = _CAMERA_DISTANCE) -> dict:
    r"""plotly's ``scene.camera.eye`` for matplotlib's ``view_init(elev, azim)`` at ``distance``.

    Parameters
    ----------
    elevation, azimuth : float
        Degrees, as matplotlib's ``elev`` and ``azim``.
    distance : float
        Distance of the eye from the box's centre, in plotly's normalised units (the box is ~2 wide).

    Returns
    -------
    dict
        ``{"x": ..., "y": ..., "z": ...}``: :math:`d(\cos e\cos a, \cos e\sin a, \sin e)`.
    """
    e, a = np.deg2rad(elevation), np.deg2rad(azimuth)
    return {"x": float(distance * np.cos(e) * np.cos(a)), "y": float(distance * np.cos(e) * np.sin(a)),
            "z": float(distance * np.sin(e))}


def plotly_colorscale(cmap: str, n: int = 11) -> list:
    """A matplotlib colour map as a plotly colour scale, ``[[0, "rgb(...)"], ..., [1, "rgb(...)"]]``.

    Parameters
    ----------
    cmap : str
        A matplotlib colour-map name (the course's :data:`course_utils.plotting.CMAP`).
    n : int
        Number of stops (plotly interpolates linearly between them).

    Returns
    -------
    list of [float, str]
    """
    import matplotlib

    colours = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, n))
    return [[float(t), "rgb({:.0f},{:.0f},{:.0f})".format(*(255 * c[:3]))]
            for t, c in zip(np.linspace(0.0, 1.0, n), colours)]


def _vector(values) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


class SurfaceView:
    """One surface, one path and a few markers in a 3-D scene that rotates in the browser.

    Parameters
    ----------
    xlabel, ylabel, zlabel : str
        Axis titles.
    colorbar_title : str
        The colour bar's title (what the colours mean).
    cmap : str
        matplotlib colour-map name for the surface (default: the course's ``plotting.CMAP``).
    presentation : bool
        Larger view and fonts, for projector demos.
    label : str
        The view's accessible name (read by screen readers; ``role="group"``).
    path_colour : str
        Colour of the path line and its markers.
    colorbar : bool
        Whether plotly draws its own colour bar (False when a matplotlib colour bar beside the view reads for it).

    Attributes
    ----------
    figure : plotly.graph_objects.Figure or FigureWidget
        The plotly figure; ``figure.data`` are ``[surface, path, extent anchor, marker 1, marker 2, ...]``. A plain ``Figure`` until
        the view is first displayed, then the ``FigureWidget`` the page shows.
    widget : ipywidgets.Box
        The figure in a box with the CSS class ``course-surface3d`` (what an explorer lays out).
    """

    def __init__(self, *, xlabel: str = "x", ylabel: str = "y", zlabel: str = "z", colorbar_title: str = "",
                 cmap: str | None = None, presentation: bool = False, label: str = "3-D surface",
                 path_colour: str = "#D55E00", colorbar: bool = True):
        import ipywidgets as W
        import plotly.graph_objects as go

        from ..plotting import CMAP, PRESENTATION_FONT_SCALE

        self.presentation = check_bool(presentation, "presentation")
        self.label = check_str(label, "label")
        scale = PRESENTATION_FONT_SCALE if self.presentation else 1.0
        self.font_size = round(_BASE_FONT * scale, 1)
        width, height = PRESENTATION_SIZE if self.presentation else SIZE
        axis = {"showspikes": False, "nticks": 5, "title": {"font": {"size": self.font_size}},
                "tickfont": {"size": round(self.font_size * 0.85, 1)}}
        surface = go.Surface(
            # slightly see-through, as the matplotlib surface was (alpha 0.85): WebGL draws by depth, and on the
            # wobbly terrain the ripples in front would otherwise hide the ball's path in the valleys behind them
            x=[], y=[], z=[], colorscale=plotly_colorscale(cmap or CMAP),
            showscale=check_bool(colorbar, "colorbar"), hoverinfo="skip", opacity=0.85,
            contours={"x": {"highlight": False}, "y": {"highlight": False}, "z": {"highlight": False}},
            colorbar={"title": {"text": colorbar_title, "side": "right", "font": {"size": self.font_size}},
                      "thickness": 14, "len": 0.75, "tickfont": {"size": round(self.font_size * 0.85, 1)}},
            name="surface")
        path = go.Scatter3d(x=[], y=[], z=[], mode="lines+markers", hoverinfo="skip", name="path",
                            line={"color": path_colour, "width": 5}, marker={"size": 2.5, "color": path_colour})
        # the data extent's anchor (set_extent): drawn, so that plotly counts it, but with nothing to see
        extent = go.Scatter3d(x=[], y=[], z=[], mode="markers", hoverinfo="skip", name="extent", showlegend=False,
                              marker={"size": 1, "opacity": 0, "color": "rgba(0,0,0,0)"})
        # A plain figure until the view is first displayed (before_display): building a FigureWidget sends plotly's
        # 4.9 MB ES module to the page, which explorers driven only from code (chapter 0 builds three) never need.
        self.figure = go.Figure(
            data=[surface, path, extent],
            layout={
                "width": width, "height": height, "autosize": False, "hovermode": False, "showlegend": False,
                "margin": {"l": 8, "r": 0, "t": int(46 * scale), "b": 4},
                "title": {"text": "", "x": 0.5, "xanchor": "center", "y": 0.965, "yanchor": "top",
                          "font": {"size": self.font_size}},
                "font": {"size": self.font_size},
                "scene": {"xaxis": {**axis, "title": {**axis["title"], "text": xlabel}},
                          "yaxis": {**axis, "title": {**axis["title"], "text": ylabel}},
                          "zaxis": {**axis, "title": {**axis["title"], "text": zlabel}},
                          "aspectmode": "cube", "camera": {"eye": camera_eye()}, "dragmode": "turntable"},
                "uirevision": "keep",  # a data update keeps the student's rotation
            })
        self._markers: dict[str, int] = {}
        self._displayed = False  # before_display was called: the explorer is on a page
        self._page_made = False  # the FigureWidget exists (made by before_display)
        self._shown: dict = {}  # what was last sent, by key: an equal value is not sent again
        self._held = None  # plotly's batch_update while changes wait to be sent (batch, _send)
        self._timer_since = 0.0
        self._depth = 0  # batch() nesting
        self._timer = None  # the event loop's handle of the pending send
        import html

        # the accessible name, read by course_utils.widgets.keyboard (which sets role="group" and aria-label)
        name = W.HTML(f'<span class="course-surface3d-label">{html.escape(self.label)}</span>',
                      layout={"display": "none"})
        self._name = name
        self.widget = W.Box([name], layout={"width": f"{width}px", "height": f"{height}px",
                                                   "flex": "0 0 auto", "overflow": "hidden"})
        self.widget.add_class("course-surface3d")
        self.widget.before_display = self.before_display  # called by Explorer when it is displayed
        self.widget.batch = self.batch  # entered by Explorer.update: the 3-D changes follow the canvas image

    def before_display(self) -> None:
        """Make the page view: the first time, the plotly ``FigureWidget`` (from the data shown now); later, bring
        the state a new page view starts from up to date.

        plotly's ``FigureWidget`` refreshes that state (``_widget_data``, ``_widget_layout``) only when it is itself
        displayed; inside a box it is not, so a page that connects after updates were sent (Voilà runs the whole
        notebook first) would start from older data (measured: an empty surface in Voilà).
        :class:`~course_utils.widgets.base.Explorer` calls this each time it is displayed.

        A hidden view (``widget.layout.display == "none"``, see :meth:`show`) makes nothing yet: plotly's
        ``FigureWidget`` costs ~2.5 s of imports in a fresh kernel, which a view that is never shown need not pay.
        """
        self._displayed = True
        if self.widget.layout.display == "none":  # hidden: the page widget is made when shown (see show)
            return
        import plotly.graph_objects as go

        if not isinstance(self.figure, go.FigureWidget):
            widget = go.FigureWidget(self.figure)
            widget._config = dict(CONFIG)
            self.figure = widget
            self._page_made = True
            self.widget.children = (widget, self._name)
            return
        from copy import deepcopy

        self.figure._widget_layout = deepcopy(self.figure._layout_obj._props)
        self.figure._widget_data = deepcopy(self.figure._data)

    def show(self, visible: bool = True) -> None:
        """Show or hide the view (its box's CSS ``display``); shown for the first time after the explorer was
        displayed, the view makes its page widget then (:meth:`before_display`).

        Parameters
        ----------
        visible : bool
            True to show the view, False to hide it (its data are kept).
        """
        visible = check_bool(visible, "visible")
        building = visible and self._displayed and not self._page_made
        if building:  # plotly's first import takes seconds in a fresh kernel: say so in the box meanwhile
            import ipywidgets as W

            note = W.HTML("<i>Drawing the 3-D view…</i>", layout={"margin": "8px"})
            self.widget.children = (note, self._name)
        self.widget.layout.display = "" if visible else "none"
        if building:
            self.before_display()
            note.close()

    # --- updates: each one message, nothing sent when nothing changed ----------------------------
    @contextlib.contextmanager
    def batch(self):
        """A context manager: every change inside it reaches the page as one message (one redraw there)::

            with view.batch():
                view.set_path(points)
                view.set_title("...")

        Shown in a page, the message leaves :data:`SEND_AFTER` seconds after the outermost ``batch`` ends, when the
        kernel is next idle: the canvas image sent just before it is drawn first (see :data:`SEND_AFTER`), and the
        changes of key presses that come faster than that are one message. A change made while the kernel is busy
        (a cell driving the explorer in a loop) sends the changes held longer than that at once. Without a running
        event loop (scripts, tests) or before the view is on a page, the message leaves when ``batch`` ends. Until
        it leaves, :attr:`figure` reads the values sent before (plotly applies a batch's edits when it sends them).
        """
        if self._held is None:
            self._held = self.figure.batch_update()
            self._held.__enter__()  # plotly's batch mode: edits are kept and reach the figure and page at _send
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._send_soon()

    def _send_soon(self) -> None:
        """Send the held changes after :data:`SEND_AFTER` s on the kernel's event loop, or now (see :meth:`batch`)."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop runs (a script, a test): nothing would send them later
            loop = None
        if loop is None or not self._page_made:
            self._send()
        elif self._timer is None:
            self._timer = loop.call_later(SEND_AFTER, self._send)
            self._timer_since = time.monotonic()
        elif time.monotonic() - self._timer_since >= SEND_AFTER:  # the timer is late: the kernel is busy
            self._send()

    def _send(self) -> None:
        """Send the held changes (one ``plotly_update`` message; none when nothing changed)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)

    def _changed(self, key: str, value) -> bool:
        old = self._shown.get(key)
        same = old is not None and type(old) is type(value) and (
            all(np.array_equal(a, b, equal_nan=True) for a, b in zip(old, value)) and len(old) == len(value)
            if isinstance(value, tuple) else old == value)
        if not same:
            self._shown[key] = value
        return not same

    def set_surface(self, x, y, z, *, cmin: float | None = None, cmax: float | None = None,
                    surfacecolor=None) -> None:
        """Show the surface ``z[i, j]`` over ``(x[i], y[j])`` (one message; nothing if it is the one shown).

        Parameters
        ----------
        x : array_like, shape (n,)
            Grid coordinates along the first axis of ``z`` (the scene's x axis).
        y : array_like, shape (m,)
            Grid coordinates along the second axis of ``z``.
        z : array_like, shape (n, m)
            Heights, ``z[i, j] = f(x[i], y[j])``; non-finite values are gaps.
        cmin, cmax : float, optional
            The colour scale's range; the finite range of the colours (``surfacecolor``, else ``z``) when None.
        surfacecolor : array_like, shape (n, m), optional
            The value each point is coloured by, ``c[i, j]`` at ``(x[i], y[j])`` (default: the height ``z``). E.g.
            ``log10(z)`` for a colour scale that is logarithmic in the height while the heights stay
            linear; non-finite values are gaps.
        """
        x, y = _vector(x), _vector(y)
        z = check_array(z, "z", ndim=2, finite=False)
        if z.shape != (len(x), len(y)):
            raise ValueError(f"`z` must have shape (len(x), len(y)) = ({len(x)}, {len(y)}), got {z.shape}")
        colour = z
        if surfacecolor is not None:
            colour = check_array(surfacecolor, "surfacecolor", ndim=2, finite=False)
            if colour.shape != z.shape:
                raise ValueError(f"`surfacecolor` must have the shape of `z`, {z.shape}, got {colour.shape}")
        finite = colour[np.isfinite(colour)]
        lo = float(finite.min()) if cmin is None and finite.size else cmin
        hi = float(finite.max()) if cmax is None and finite.size else cmax
        limits = np.array([np.nan if lo is None else lo, np.nan if hi is None else hi])
        key = (x, y, z, limits) if surfacecolor is None else (x, y, z, limits, colour)
        if not self._changed("surface", key):
            return
        # plotly's surface: z[row][column] over y[row], x[column]; our z is indexed [x, y], hence the transpose
        with self.figure.batch_update():
            trace = self.figure.data[0]
            trace.x, trace.y, trace.z = x, y, np.where(np.isfinite(z), z, np.nan).T
            if surfacecolor is not None:
                trace.surfacecolor = np.where(np.isfinite(colour), colour, np.nan).T
            elif trace.surfacecolor is not None:
                trace.surfacecolor = None
            trace.cmin, trace.cmax = lo, hi

    def set_zlabel(self, text: str) -> None:
        """Set the height axis's title (nothing sent if unchanged).

        Parameters
        ----------
        text : str
            The title, e.g. ``"loss (log colour scale)"``.
        """
        text = check_str(text, "text")
        if self._changed("zlabel", text):
            self.figure.layout.scene.zaxis.title.text = text

    def set_zrange(self, low: float, high: float) -> None:
        """Fix the height axis to ``[low, high]`` (nothing sent if unchanged).

        Parameters
        ----------
        low, high : float
            The range, ``low < high``.
        """
        low, high = check_scalar(low, "low"), check_scalar(high, "high")
        if not low < high:
            raise ValueError(f"`low` must be smaller than `high`, got low={low} and high={high}")
        if self._changed("zrange", (low, high)):
            self.figure.layout.scene.zaxis.range = [low, high]

    def set_xyrange(self, xrange, yrange) -> None:
        """Fix the x and y axes to ``xrange`` and ``yrange``, each ``(low, high)``.

        Parameters
        ----------
        xrange, yrange : (float, float)
            The ranges shown.
        """
        xrange = [float(v) for v in check_array(xrange, "xrange", shape=(2,))]
        yrange = [float(v) for v in check_array(yrange, "yrange", shape=(2,))]
        if self._changed("xyrange", (tuple(xrange), tuple(yrange))):
            with self.figure.batch_update():
                self.figure.layout.scene.xaxis.range = xrange
                self.figure.layout.scene.yaxis.range = yrange

    def set_extent(self, lower, upper) -> None:
        """Hold the scene's data extent at the box from ``lower`` to ``upper`` (an invisible two-point trace).

        plotly.js scales a 3-D scene by the extent of its *data*, not by the axis ranges: when a new surface
        reaches higher or lower than the last, every axis is laid out again — new tick geometry with a new WebGL
        shader program (compiled and linked in the page on each key press; measured in Chromium: 2 programs
        linked per press of the Critical Point Gallery's λ₁). An anchor at the corners of a box that holds every
        value the view will show keeps the extent, so a new surface only replaces the surface. The picture is
        unchanged (the aspect ratio is ``"cube"``: the box is drawn the same at any data scale).

        Parameters
        ----------
        lower, upper : array_like, shape (3,)
            Opposite corners ``(x, y, z)`` of a box holding all the data shown (nothing sent if unchanged).
        """
        lower = check_array(lower, "lower", shape=(3,))
        upper = check_array(upper, "upper", shape=(3,))
        if not np.all(lower < upper):
            raise ValueError(f"`lower` must be below `upper` in every coordinate, got lower={lower} and upper={upper}")
        if self._changed("extent", (lower, upper)):
            with self.figure.batch_update():
                trace = self.figure.data[2]
                trace.x, trace.y, trace.z = [lower[0], upper[0]], [lower[1], upper[1]], [lower[2], upper[2]]

    def set_path(self, points) -> None:
        """Show the path through ``points`` (one message; nothing if unchanged).

        Parameters
        ----------
        points : array_like, shape (k, 3)
            The path's points ``(x, y, z)``; ``k = 0`` hides it. Non-finite points are gaps.
        """
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        if not self._changed("path", (points,)):
            return
        with self.figure.batch_update():
            trace = self.figure.data[1]
            trace.x, trace.y, trace.z = points[:, 0], points[:, 1], points[:, 2]

    def add_marker(self, name: str, *, symbol: str = "circle", size: float = 7, colour: str = "white",
                   edge: str = "black") -> None:
        """Add an (empty) marker trace called ``name``; :meth:`set_points` places it.

        Parameters
        ----------
        name : str
            The marker's name (unique in this view).
        symbol : str
            plotly 3-D marker symbol: ``"circle"``, ``"square"``, ``"diamond"``, ``"cross"``, ``"x"`` ...
        size : float
            Marker size in pixels (scaled in presentation mode).
        colour, edge : str
            Fill and outline colours.
        """
        import plotly.graph_objects as go

        name = check_str(name, "name")
        if name in self._markers:
            raise ValueError(f"`name` must be a new marker name, got {name!r} (already added)")
        scale = 1.3 if self.presentation else 1.0
        self.figure.add_trace(go.Scatter3d(
            x=[], y=[], z=[], mode="markers", hoverinfo="skip", name=name,
            marker={"symbol": symbol, "size": size * scale, "color": colour, "line": {"color": edge, "width": 2}}))
        self._markers[name] = len(self.figure.data) - 1

    def add_line(self, name: str, *, colour: str, dash: str = "solid", width: float = 5) -> None:
        """Add an (empty) line trace called ``name``; :meth:`set_points` draws it.

        Parameters
        ----------
        name : str
            The line's name (unique in this view).
        colour : str
            Its colour.
        dash : str
            ``"solid"``, ``"dash"``, ``"dot"`` ... (so lines differ by more than colour).
        width : float
            Line width in pixels.
        """
        import plotly.graph_objects as go

        name = check_str(name, "name")
        if name in self._markers:
            raise ValueError(f"`name` must be a new trace name, got {name!r} (already added)")
        self.figure.add_trace(go.Scatter3d(x=[], y=[], z=[], mode="lines", hoverinfo="skip", name=name,
                                           line={"color": colour, "width": width, "dash": dash}))
        self._markers[name] = len(self.figure.data) - 1

    def set_points(self, name: str, points, *, symbol: str | None = None) -> None:
        """Place marker (or line) ``name`` at ``points`` (shape (k, 3); ``k = 0`` hides it), optionally a new symbol.

        Parameters
        ----------
        name : str
            A name given to :meth:`add_marker` or :meth:`add_line`.
        points : array_like, shape (k, 3)
            Where to draw it.
        symbol : str, optional
            A new marker symbol (e.g. ``"x"`` for a ball that diverged).
        """
        if name not in self._markers:
            raise ValueError(f"`name` must be one of the traces {sorted(self._markers)}, got {name!r}")
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        changed_points = self._changed(f"marker:{name}", (points,))
        changed_symbol = symbol is not None and self._changed(f"symbol:{name}", symbol)
        if not (changed_points or changed_symbol):
            return
        with self.figure.batch_update():
            trace = self.figure.data[self._markers[name]]
            if changed_points:
                trace.x, trace.y, trace.z = points[:, 0], points[:, 1], points[:, 2]
            if changed_symbol:
                trace.marker.symbol = symbol

    def set_title(self, text: str) -> None:
        """Set the title above the scene (``<br>`` breaks a line; nothing sent if unchanged).

        Parameters
        ----------
        text : str
            The title.
        """
        text = check_str(text, "text")
        if self._changed("title", text):
            self.figure.layout.title.text = text

    def close(self) -> None:
        """Send what is held, then close the plotly widget (if it was made) and its box."""
        import plotly.graph_objects as go

        if not self._depth:
            self._send()

        if isinstance(self.figure, go.FigureWidget):
            self.figure.close()
        self._name.close()
        self.widget.close()
