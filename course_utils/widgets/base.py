r"""The pattern every explorer of the course follows: controls → compute → draw.

An explorer is a small class with four parts:

``_make_controls()``
    returns a dict of ipywidgets controls, built with :func:`float_slider`, :func:`log_slider`,
    :func:`int_slider`, :func:`option_slider` and :func:`choice` (each has a description, a sensible range and
    step, a readout).
``compute(params) -> State``
    a *pure* function of the control values (a dict) that calls the analysis layer and returns a small
    frozen dataclass. It draws nothing, so tests can call it directly.
``_build_figure()``
    runs once: creates ``self.fig`` (use :meth:`Explorer.new_figure`), its axes and empty artists.
``draw(state)``
    updates those artists in place (``set_data``, ``set_array``, remove-and-replace one contour set or
    surface) — never ``ax.clear()`` on every tick.

The base class wires ``observe`` callbacks so that setting ``explorer.controls["lr"].value = 0.3`` recomputes
and redraws synchronously (in JupyterLab, in Voilà, and in plain pytest with the Agg backend);
``explorer.state`` always belongs to the control values shown (``explorer.state_params == explorer.params``).
Exceptions raised by ``compute`` are caught and shown on the message line — an explorer never crashes
and never sprays warnings: floating-point warnings are silenced with ``np.errstate`` (divergence is a
result, reported in words) and any other warning is captured into :attr:`Explorer.caught_warnings`
(tests assert it stays empty).

A notebook cell ending with ``explorer`` shows the assembled layout (controls, canvas, message line).
Under ``%matplotlib widget`` the canvas is the interactive ipympl canvas (3-D axes rotate with the
mouse); under any other backend the figure is shown in an ``Output`` widget and refreshed on update.

Examples
--------
A complete explorer, in the style every chapter uses::

    from dataclasses import dataclass
    import numpy as np
    from course_utils import functions, optimizers, plotting
    from course_utils.widgets.base import Explorer, float_slider, log_slider, int_slider

    @dataclass(frozen=True)
    class GDState:
        path: np.ndarray        # (T+1, 2)
        message: str

    class GDExplorer(Explorer):
        title = "Gradient descent on the Rosenbrock valley"

        def _make_controls(self):
            return {
                "lr": log_slider("learning rate η", 1e-4, 1e-2, value=1e-3),
                "steps": int_slider("steps", 0, 2000, step=50, value=500, heavy=True),
            }

        def compute(self, params):
            obj = functions.get("rosenbrock")
            traj = optimizers.run(obj, optimizers.gd(), [-1.5, 2.0], steps=params["steps"], lr=params["lr"])
            return GDState(path=traj.thetas, message=traj.message)

        def _build_figure(self):
            self.fig, self.ax = self.new_figure()
            plotting.plot_contour(self.ax, functions.get("rosenbrock"), log=True)
            # path, start and end markers, and an arrow on the edge for an end outside the window
            self.path = plotting.PathArtists(self.ax, plotting.series_styles(1)[0])

        def draw(self, state):
            self.path.update(plotting.window_path(state.path, functions.get("rosenbrock").bounds))

    GDExplorer()           # last line of a cell: shows it
    e = GDExplorer(lr=5e-3)
    e.controls["steps"].value = 100     # recomputes and redraws now
    e.state.message
"""

from __future__ import annotations

import contextlib
import difflib
import html
import time
import warnings
from typing import Any

import ipywidgets as W
import numpy as np

from ..plotting import request_full_frame
from ..validation import check_bool, check_int, check_option, check_scalar, check_str
from .blitting import Blitter
from .full_frame_on_view import FullFrameOnView
from .keyboard import KeyboardAccess

__all__ = ["Explorer", "float_slider", "log_slider", "int_slider", "choice", "option_slider"]

_DESCRIPTION_STYLE = {"description_width": "initial"}
#: Presentation mode: controls, readouts and buttons as much larger as the figure's fonts, so the back of the room
#: can read which slider moves and its value (they stayed 13 px while the figure grew). ipywidgets sizes its
#: controls with these CSS variables; set on the explorer's box, they reach every control in it and nothing else.
_PRESENTATION_CONTROL_SCALE = 1.35
_PRESENTATION_CSS = """<style>
.course-presentation {
  --jp-widgets-font-size: 18px;
  --jp-widgets-inline-height: 38px;
  --jp-widgets-slider-handle-size: 22px;
  --jp-widgets-slider-track-thickness: 6px;
  --jp-ui-font-size1: 18px;
  --jp-content-font-size1: 18px;
  font-size: 18px;
}
.course-presentation .widget-label, .course-presentation .widget-readout, .course-presentation button,
.course-presentation select, .course-presentation .widget-html-content, .course-presentation .widget-checkbox label {
  font-size: 18px;
}
.course-presentation .widget-readout {
  min-width: 96px;
  max-width: none;
}
</style>"""
#: Presentation mode fits a 1280×720 projector: controls, figure and message visible together without scrolling
#: (a presenter cannot scroll mid-sentence). The figure keeps its width and gets shorter (fonts stay large: a figure
#: scaled down as a whole crammed its legends and titles) until the whole explorer fits :data:`_PRESENTATION_VIEW`:
#: Voilà's page width holds the controls' rows (estimated from their widths, as the flex box wraps them), each
#: :data:`_PRESENTATION_ROW_PX` tall (a toggle row twice: its label sits above its buttons); the title and a message
#: of up to three lines take :data:`_PRESENTATION_FIXED_PX`. Measured in Chromium at 1280×720 (tests/browser/
#: test_voila_demos.py): explorers were 649–899 px tall before.
_PRESENTATION_VIEW = (1280, 720)
_PRESENTATION_ROW_PX = 42
_PRESENTATION_FIXED_PX = 178
_PRESENTATION_ROW_WIDTH_PX = 1230
# 305 px: three controls to a row in JupyterLab's 934 px output column at 1366×768 with the file browser open
# (at 340 px only two fitted, and the Optimizer Race, Jensen and Landscape explorers grew taller than the window)
_CONTROL_LAYOUT = {"width": "305px"}


# --------------------------------------------------------------------------------------------
# Control factories: every slider gets a description, a range, a step and a readout
# --------------------------------------------------------------------------------------------
def float_slider(description: str, min: float, max: float, step: float, value: float, *,
                 readout_format: str = ".2f", heavy: bool = False, tooltip: str | None = None) -> W.FloatSlider:
    """A labelled ``FloatSlider``; ``heavy=True`` recomputes on release only (``continuous_update=False``).

    Parameters
    ----------
    description : str
        The label shown left of the slider (with units where they help).
    min : float
        Smallest value; must be below ``max``.
    max : float
        Largest value.
    step : float
        Slider step, positive.
    value : float
        Initial value, in ``[min, max]``.
    readout_format : str, default ".2f"
        Python number format of the readout, such as ``".2f"`` or ``".3g"``.
    heavy : bool, default False
        True for expensive recomputations: update on release instead of while dragging.
    tooltip : str, optional
        Text shown on hover; the ``description`` when None.

    Returns
    -------
    ipywidgets.FloatSlider
    """
    description, readout_format, heavy, tooltip = _check_labels(description, readout_format, heavy, tooltip)
    min, max, value = _check_range(min, max, value, check_scalar)
    step = check_scalar(step, "step", low=0, low_inclusive=False)
    return W.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                         readout=True, readout_format=readout_format, continuous_update=not heavy,
                         style=_DESCRIPTION_STYLE, layout=_CONTROL_LAYOUT, tooltip=tooltip or description)


def log_slider(description: str, min: float, max: float, value: float, *, steps_per_decade: int = 20,
               readout_format: str = ".3g", heavy: bool = False, tooltip: str | None = None) -> W.FloatLogSlider:
    """A labelled log-scale slider between ``min`` and ``max`` (values, not exponents).

    Parameters
    ----------
    description : str
        The label shown left of the slider.
    min : float
        Smallest value, positive and below ``max``.
    max : float
        Largest value.
    value : float
        Initial value, in ``[min, max]``.
    steps_per_decade : int, default 20
        Slider positions per factor of 10; at least 1.
    readout_format : str, default ".3g"
        Python number format of the readout.
    heavy : bool, default False
        True for expensive recomputations: update on release instead of while dragging.
    tooltip : str, optional
        Text shown on hover; the ``description`` when None.

    Returns
    -------
    ipywidgets.FloatLogSlider
    """
    description, readout_format, heavy, tooltip = _check_labels(description, readout_format, heavy, tooltip)
    min = check_scalar(min, "min", low=0, low_inclusive=False)
    min, max, value = _check_range(min, max, value, check_scalar)
    steps_per_decade = check_int(steps_per_decade, "steps_per_decade", low=1)
    lo, hi = np.log10(min), np.log10(max)
    return W.FloatLogSlider(value=value, base=10, min=lo, max=hi, step=1.0 / steps_per_decade,
                            description=description, readout=True, readout_format=readout_format,
                            continuous_update=not heavy, style=_DESCRIPTION_STYLE, layout=_CONTROL_LAYOUT,
                            tooltip=tooltip or description)


def int_slider(description: str, min: int, max: int, *, value: int, step: int = 1, heavy: bool = False,
               tooltip: str | None = None) -> W.IntSlider:
    """A labelled ``IntSlider``.

    Parameters
    ----------
    description : str
        The label shown left of the slider.
    min : int
        Smallest value; must be below ``max``.
    max : int
        Largest value.
    value : int
        Initial value, in ``[min, max]``.
    step : int, default 1
        Slider step, at least 1.
    heavy : bool, default False
        True for expensive recomputations: update on release instead of while dragging.
    tooltip : str, optional
        Text shown on hover; the ``description`` when None.

    Returns
    -------
    ipywidgets.IntSlider
    """
    description, _, heavy, tooltip = _check_labels(description, ".0f", heavy, tooltip)
    min, max, value = _check_range(min, max, value, check_int)
    step = check_int(step, "step", low=1)
    return W.IntSlider(value=value, min=min, max=max, step=step, description=description, readout=True,
                       continuous_update=not heavy, style=_DESCRIPTION_STYLE, layout=_CONTROL_LAYOUT,
                       tooltip=tooltip or description)


def choice(description: str, options, value=None, *, buttons: bool = True, tooltips=None):
    """A labelled choice: ``ToggleButtons`` (few options) or a ``Dropdown``.

    ``options`` is a list of values or of ``(label, value)`` pairs.

    Parameters
    ----------
    description : str
        The label shown left of the choice.
    options : list
        The values, or ``(label, value)`` pairs; not empty (a ``str`` or ``dict`` is refused).
    value : object, optional
        Initial value, one of the options' values; the first option when None.
    buttons : bool, default True
        ``ToggleButtons`` when True, a ``Dropdown`` when False.
    tooltips : list of str, optional
        One tooltip per option (used by ``ToggleButtons`` only).

    Returns
    -------
    ipywidgets.ToggleButtons or ipywidgets.Dropdown
    """
    description = check_str(description, "description")
    buttons = check_bool(buttons, "buttons")
    options, _ = _check_options(options, value)
    if tooltips is not None and (isinstance(tooltips, (str, bytes)) or not hasattr(tooltips, "__iter__")
                                 or not all(isinstance(t, str) for t in tooltips)):
        raise TypeError(f"`tooltips` must be a list of strings (one per option), got {tooltips!r}")
    kwargs = {"options": options, "description": description, "style": _DESCRIPTION_STYLE}
    if value is not None:
        kwargs["value"] = value
    if buttons:
        # each button as wide as its label: the fixed default width cut "wobbly (non-convex)" to "wobbly (non-con…"
        kwargs["style"] = {**_DESCRIPTION_STYLE, "button_width": "auto"}
        # a gap after the buttons: a toggle's label can be wider than its buttons ("skip connections" over
        # "off | on"), and two toggles side by side ran together ("skip connectionsresidual branches")
        return W.ToggleButtons(tooltips=[] if tooltips is None else list(tooltips),
                               layout=W.Layout(margin="2px 24px 2px 2px"), **kwargs)
    return W.Dropdown(layout=_CONTROL_LAYOUT, **kwargs)


def option_slider(description: str, options, value=None, *, tooltip: str | None = None) -> W.SelectionSlider:
    """A slider over a few labelled values: a knob whose positions are runs computed in advance.

    Moved like any slider (arrow keys, drag); its readout shows the position's label (``"η = 2.5"``), which is also
    what a screen reader announces (:mod:`course_utils.widgets.keyboard`).

    Parameters
    ----------
    description : str
        The label shown left of the slider.
    options : list
        The values, or ``(label, value)`` pairs, in slider order; not empty (a ``str`` or ``dict`` is refused).
    value : object, optional
        Initial value, one of the options' values; the first option when None.
    tooltip : str, optional
        Text shown on hover; the ``description`` when None.

    Returns
    -------
    ipywidgets.SelectionSlider
    """
    description = check_str(description, "description")
    options, values = _check_options(options, value)
    tooltip = description if tooltip is None else check_str(tooltip, "tooltip")
    labelled = [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]
    return W.SelectionSlider(options=labelled, value=values[0] if value is None else value,
                             description=description, readout=True, continuous_update=True,
                             style=_DESCRIPTION_STYLE, layout=_CONTROL_LAYOUT, tooltip=tooltip)


def _check_options(options, value) -> tuple[list, list]:
    """``options`` as a list and their values (the second of each ``(label, value)`` pair); ``value`` one of them."""
    if isinstance(options, (str, bytes, dict)) or not hasattr(options, "__iter__"):
        raise TypeError(f"`options` must be a list of values or of (label, value) pairs, got {options!r}")
    options = list(options)
    if not options:
        raise ValueError("`options` must not be empty")
    values = [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in options]
    if value is not None and not any(value is v or _same(value, v) for v in values):
        raise ValueError(f"`value` must be one of the `options` {values}, got {value!r}")
    return options, values


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # arrays and other values without a plain truth value are not options
        return False


def _check_labels(description, readout_format, heavy, tooltip):
    readout_format = check_str(readout_format, "readout_format")
    try:
        format(1.5, readout_format)
    except ValueError:
        raise ValueError(f"`readout_format` must be a Python number format such as '.2f' or '.3g', "
                         f"got {readout_format!r}") from None
    return (check_str(description, "description"), readout_format,
            check_bool(heavy, "heavy"), check_str(tooltip, "tooltip", allow_none=True))


def _check_range(min, max, value, check):
    """``min < max`` and ``min <= value <= max``, each checked with ``check`` (check_scalar or check_int)."""
    min, max = check(min, "min"), check(max, "max")
    if not min < max:
        raise ValueError(f"`min` must be smaller than `max`, got min={min} and max={max}")
    return min, max, check(value, "value", low=min, high=max)


# --------------------------------------------------------------------------------------------
# The base class
# --------------------------------------------------------------------------------------------
class Explorer:
    """Base class of every explorer: controls → pure ``compute`` → in-place ``draw``.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts for projector demos.
    **values
        Initial control values by control name (``TerrainExplorer(lr=0.05)``); unknown names raise.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The controls by name; setting ``controls[name].value`` recomputes and redraws at once.
    state : frozen dataclass or None
        The result of ``compute`` for the control values shown (``None`` if ``compute`` raised).
    state_params : dict or None
        The control values ``state`` was computed from.
    error : str or None
        The error shown on the message line, if ``compute`` or ``draw`` raised.
    message : ipywidgets.HTML
        The message line under the figure; :attr:`message_text` holds its plain text.
    caught_warnings : list of str
        Warnings raised (and kept from the student) during the last update.
    last_update_ms : float
        Wall time of the last compute + draw, in milliseconds.
    """

    #: Title shown above the controls.
    title: str = ""
    #: Controls on the ``"left"`` of the figure, on ``"top"`` of it, or ``"auto"``: on top when the figure is
    #: wider than :attr:`_SIDE_BY_SIDE_MAX_WIDTH` inches, so controls and figure fit a notebook's ~1000 px.
    controls_position: str = "auto"
    #: 350 px of controls + the figure + ipympl's 40 px toolbar within JupyterLab's 934 px output column at
    #: 1366×768 with the file browser open (a 6.4 in figure beside its controls was cut off, measured in Chromium).
    _SIDE_BY_SIDE_MAX_WIDTH = 5.4
    #: Whether to add a reset button under the controls.
    reset: bool = True
    #: Widgets shown beside the figure's canvas, after it (e.g. a 3-D view that rotates in the browser,
    #: :class:`course_utils.widgets.surface3d.SurfaceView`); ``_build_figure`` fills it, the layout places it
    #: and :meth:`close` closes it. Each must have a fixed size (the row wraps when the column is too narrow); a
    #: view's ``before_display()``, if it has one, is called each time the explorer is displayed, and its
    #: ``batch()``, if it has one, holds its changes during :meth:`update` until the canvas image is sent.
    views: list
    #: Lay the figure out once (constrained layout) after the first draw, then keep it: re-running the
    #: layout engine on every tick costs more than drawing the data (~110 of ~300 ms for the terrain).
    #: It is laid out again when an axis's tick labels outgrow the room they were given.
    freeze_layout: bool = True
    #: Redraw only the data artists over a cached background of axes furniture (see
    #: :mod:`course_utils.widgets.blitting`): ~5–20 ms per update instead of a 50–250 ms full draw.
    blit: bool = True

    def __init__(self, *, presentation: bool = False, **values: Any):
        if type(self) is Explorer:
            raise TypeError("`Explorer` is the base class of the explorers: subclass it and implement _make_controls, "
                            "compute, _build_figure and draw (see course_utils.widgets.base)")
        self.presentation = check_bool(presentation, "presentation")
        self.controls: dict[str, W.Widget] = dict(self._make_controls())
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            close = {n: difflib.get_close_matches(n, list(self.controls), n=1, cutoff=0.5) for n in unknown}
            hints = "".join(f"; did you mean {c[0]!r} for {n!r}?" for n, c in close.items() if c)
            raise ValueError(f"unknown control(s) {unknown}; {type(self).__name__} has {sorted(self.controls)}{hints}")
        for name, value in values.items():
            self._set_initial(name, value)
        self._defaults = self.params
        self.message = W.HTML(value="", layout={"min_height": "1.6em"})
        self.message_text = ""
        self.state = None
        self.state_params: dict | None = None
        self.error: str | None = None
        self.caught_warnings: list[str] = []
        self.last_update_ms = float("nan")
        self._hold_depth = 0
        self._pending = False
        self._widget = None
        self._output = None
        self.fig = None
        self.views: list[W.Widget] = []
        self._build_figure()
        if self.fig is None:
            raise RuntimeError(f"{type(self).__name__}._build_figure must set self.fig")
        if self.presentation:
            self._fit_presentation_figure()
        self._layout_engine = None  # the engine that laid the figure out, kept to lay it out again
        self._blitter = Blitter(self.fig, relayout=self._relayout if self.freeze_layout else None) if self.blit else None
        if self.blit:
            # The explorer redraws itself (a blit, or a full draw when needed). pyplot's auto-draw would request
            # a full draw after every artist change — and after the blitter's own drawing, a draw loop.
            self.fig.stale_callback = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()
        if self.presentation:  # colour-bar ticks and labels grow with the rest (before the layout is frozen)
            from ..plotting import scale_default_fonts

            scale_default_fonts(self.fig)
        if self.freeze_layout:
            self._freeze_layout()

    def _set_initial(self, name: str, value: Any) -> None:
        """Set control ``name`` from a constructor keyword, refusing values the control cannot show."""
        import traitlets

        control = self.controls[name]
        options = getattr(control, "options", None)
        if options is not None:
            values = [o[1] if isinstance(o, tuple) else o for o in options]
            if not any(_same(value, v) for v in values):
                close = difflib.get_close_matches(str(value), [str(v) for v in values], n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"`{name}` must be one of {values}, got {value!r}{hint}")
        elif hasattr(control, "min") and hasattr(control, "max"):
            if isinstance(control, W.IntSlider):
                value = check_int(value, name)
            else:
                value = check_scalar(value, name)
            # FloatLogSlider keeps exponents in min/max; the value range is base**min .. base**max
            lo, hi = control.min, control.max
            if isinstance(control, W.FloatLogSlider):
                lo, hi = control.base ** lo, control.base ** hi
            if not lo - 1e-12 * abs(lo) <= value <= hi + 1e-12 * abs(hi):
                raise ValueError(f"`{name}` must be in [{lo:g}, {hi:g}] (the slider's range), got {value:g}")
        try:
            control.value = value
        except traitlets.TraitError as exc:
            raise TypeError(f"`{name}`: {exc}") from None

    # --- to implement ---------------------------------------------------------------------------
    def _make_controls(self) -> dict[str, W.Widget]:
        """Return the controls by name (use the factories of this module)."""
        raise NotImplementedError

    def compute(self, params: dict) -> Any:
        """Pure: control values → a frozen dataclass (calls the analysis layer, draws nothing).

        Parameters
        ----------
        params : dict
            The control values by name, as in :attr:`params`.

        Returns
        -------
        frozen dataclass
            The explorer's state.
        """
        raise NotImplementedError

    def _build_figure(self) -> None:
        """Create ``self.fig``, its axes and empty artists, once (use :meth:`new_figure`)."""
        raise NotImplementedError

    def draw(self, state) -> None:
        """Update the artists in place to show ``state``.

        Parameters
        ----------
        state : frozen dataclass
            A state returned by :meth:`compute`.
        """
        raise NotImplementedError

    def describe(self, state) -> str:
        """The message-line text for ``state`` (default: its ``message`` field).

        Parameters
        ----------
        state : frozen dataclass
            A state returned by :meth:`compute`.

        Returns
        -------
        str
        """
        return str(getattr(state, "message", ""))

    def _sync_controls(self, params: dict) -> None:
        """Hook run before ``compute``: enable/disable controls that do not apply (default: nothing)."""

    # --- helpers for subclasses -----------------------------------------------------------------
    def font(self, points: float) -> float:
        """A font size of ``points`` for this explorer's legends and texts, scaled up in presentation mode like
        its titles and labels (:data:`course_utils.plotting.PRESENTATION_FONT_SCALE`).

        Parameters
        ----------
        points : float
            Font size in points at normal scale, positive.

        Returns
        -------
        float
        """
        from ..plotting import PRESENTATION_FONT_SCALE

        points = check_scalar(points, "points", low=0, low_inclusive=False)
        return points * PRESENTATION_FONT_SCALE if self.presentation else points

    def new_figure(self, nrows: int = 1, ncols: int = 1, **kwargs):
        """:func:`course_utils.plotting.new_figure` with this explorer's presentation setting.

        Parameters
        ----------
        nrows : int, default 1
            Rows of axes, as for ``plt.subplots``.
        ncols : int, default 1
            Columns of axes.
        **kwargs
            Passed to :func:`course_utils.plotting.new_figure` (``figsize``, ``projection``, ``plt.subplots``
            keywords).

        Returns
        -------
        tuple
            ``(fig, axes)`` as returned by :func:`course_utils.plotting.new_figure`.
        """
        from ..plotting import new_figure

        return new_figure(nrows, ncols, presentation=self.presentation, **kwargs)

    @property
    def params(self) -> dict:
        """The current control values, ``{name: value}``."""
        return {name: control.value for name, control in self.controls.items()}

    # --- updating -------------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        if self._hold_depth:
            self._pending = True
            return
        self.update()

    @contextlib.contextmanager
    def hold(self):
        """Change several controls with one recomputation at the end::

            with explorer.hold():
                explorer.controls["x0"].value = 0.5
                explorer.controls["y0"].value = -0.5
        """
        self._hold_depth += 1
        try:
            yield self
        finally:
            self._hold_depth -= 1
            if self._hold_depth == 0 and self._pending:
                self._pending = False
                self.update()

    def set(self, **values) -> Explorer:
        """Set several controls at once (one recomputation); returns the explorer.

        Parameters
        ----------
        **values
            New control values by control name; unknown names raise ``ValueError``.

        Returns
        -------
        Explorer
            ``self``, so calls can be chained.
        """

        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; {type(self).__name__} has {sorted(self.controls)}")
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
            self._pending = True
        return self

    def reset_controls(self) -> None:
        """Put every control back to its initial value (one recomputation)."""
        self.set(**self._defaults)

    def update(self) -> None:
        """Recompute the state from the controls and redraw; errors become the message.

        A view with a ``batch()`` (:class:`course_utils.widgets.surface3d.SurfaceView`) holds its changes until the
        canvas image has been sent (a ``SurfaceView`` sends them ``surface3d.SEND_AFTER`` later, once the page had
        time to draw the image): the page handles both on its one main thread, and an image that arrives while
        plotly redraws its WebGL scene waits (measured in Chromium: ~100 ms behind a plotly update sent first).
        """
        with contextlib.ExitStack() as held:
            for view in self.views:
                batch = getattr(view, "batch", None)
                if batch is not None:
                    held.enter_context(batch())
            self._update()

    def _update(self) -> None:
        params = self.params
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(all="ignore"):
                self._sync_controls(params)
                try:
                    state = self.compute(params)
                except Exception as exc:  # an explorer shows errors, it does not raise them
                    self.state, self.state_params = None, params
                    self._show_error("could not compute this setting", exc)
                else:
                    self.state, self.state_params, self.error = state, params, None
                    try:
                        self.draw(state)
                        self._show_message(self.describe(state))
                    except Exception as exc:
                        self._show_error("could not draw this setting", exc)
                self._return_to_first_layout()
                self._keep_labels_in_room()
                self._refresh_canvas()
                request_full_frame(self.fig)  # repairs what the browser shows once the controls are still
        self.caught_warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        self.last_update_ms = 1000 * (time.perf_counter() - start)

    def _presentation_control_rows(self) -> list[float]:
        """Heights (CSS px) of the rows the controls wrap into in presentation mode (estimated from their widths;
        an item without a width in px from its text at 18 px: ~10.5 px a character; checked in Chromium by
        tests/browser/test_voila_demos.py)."""
        items = list(self.controls.values())
        widths, heights = [], []
        for item in items:
            width = str(item.layout.width or "")
            texts = [str(getattr(item, "description", "") or "")]
            if isinstance(item, W.ToggleButtons):
                labels = [str(o[0] if isinstance(o, tuple) else o) for o in item.options]
                # its label sits above its buttons (each ~9.5 px a character plus 30 px of padding)
                buttons = sum(9.5 * len(t) + 30 for t in labels)
                widths.append(max(buttons, 10.5 * len(texts[0]) + 12))
            elif width.endswith("px"):
                widths.append(float(width[:-2]) * _PRESENTATION_CONTROL_SCALE + 4)
            else:
                widths.append(10.5 * len(texts[0]) + 60)
            heights.append(2 * _PRESENTATION_ROW_PX if isinstance(item, W.ToggleButtons) else _PRESENTATION_ROW_PX)
        if self.reset:
            widths.append(110 * _PRESENTATION_CONTROL_SCALE + 4)
            heights.append(_PRESENTATION_ROW_PX)
        rows: list[float] = []
        used = _PRESENTATION_ROW_WIDTH_PX + 1
        for width, height in zip(widths, heights):
            width = min(width, _PRESENTATION_ROW_WIDTH_PX)
            if used + width > _PRESENTATION_ROW_WIDTH_PX:  # flex-wrap starts a new row
                rows.append(height)
                used = 0.0
            used += width
            rows[-1] = max(rows[-1], height)
        return rows

    def _fit_presentation_figure(self) -> None:
        """Make the figure shorter (its width and fonts kept) so title, controls, figure and message fit the
        projector's :data:`_PRESENTATION_VIEW` (see there); a figure that fits is left alone, and so is a figure
        placed by hand (no layout engine: its margins are shares of its size, and a shorter figure cut its labels)."""
        if self.fig.get_layout_engine() is None:
            return
        width_in, height_in = self.fig.get_size_inches()
        dpi = self.fig.dpi
        room = _PRESENTATION_VIEW[1] - _PRESENTATION_FIXED_PX - sum(self._presentation_control_rows())
        width = min(width_in, (_PRESENTATION_VIEW[0] - 90) / dpi)
        height = min(height_in, max(room, 200) / dpi)
        if (width, height) != (width_in, height_in):
            self.fig.set_size_inches(width, height)

    def _freeze_layout(self) -> None:
        from matplotlib.layout_engine import PlaceHolderLayoutEngine

        engine = self.fig.get_layout_engine()
        if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
            return
        self._layout_engine = engine
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            engine.execute(self.fig)
            self.fig.set_layout_engine("none")
        self.caught_warnings += [f"{w.category.__name__}: {w.message}" for w in caught]
        if self._blitter is not None:
            self._blitter.note_layout()
        self._rooms = self._measure_rooms()
        if getattr(self, "_first_layout", None) is None:
            # kept to come back to (see _return_to_first_layout): where each axes sits, and each axis's room
            self._first_layout = {
                "positions": [(ax, ax.get_position(original=True).frozen(), ax.get_position().frozen())
                              for ax in self.fig.axes],
                "rooms": list(self._rooms),
                "margins": self._margins(self._rooms),
                "blitter": None if self._blitter is None else dict(self._blitter._rooms),
            }
            self._relaid = False
        else:
            self._relaid = True

    @staticmethod
    def _margins(rooms) -> list:
        """``[(axis, (before, after)), ...]``: how far each room reaches past its axes box across the axis, in
        pixels (left and right of a y axis, below and above an x axis)."""
        out = []
        for axis, (x0, y0, x1, y1) in rooms:
            box = axis.axes.bbox
            out.append((axis, (box.x0 - x0, x1 - box.x1) if axis.axis_name == "y" else (box.y0 - y0, y1 - box.y1)))
        return out

    def _return_to_first_layout(self) -> None:
        """Go back to the first layout once the tick labels fit its rooms again.

        A figure laid out again for wider tick labels ("−12.5" where "0.5" was) kept that layout for good, so a
        setting showed its axes at different places depending on the settings visited before (issue 23: axes
        must not depend on the path taken to a value). Now the first layout is the figure's layout whenever the
        labels fit it, and a new layout is always computed from it (:meth:`_relayout`).
        """
        first = getattr(self, "_first_layout", None)
        if first is None or not getattr(self, "_relaid", False):
            return
        # Measuring every axis's labels costs more than most updates (~40 ms on the Chord Explorer): only when
        # what they show changed since the last look — the limits, the tick labels or an axis label.
        shown = self._labels_shown()
        if shown == getattr(self, "_labels_seen", None):
            return
        self._labels_seen = shown
        get_renderer = getattr(self.fig.canvas, "get_renderer", None)
        if get_renderer is None:
            return
        renderer = get_renderer()
        fits, needs = True, []
        for axis, (before, after) in first["margins"]:
            if not axis.axes.get_visible():
                continue
            tight = axis.get_tightbbox(renderer)
            if tight is None:
                continue
            box = axis.axes.bbox
            need = (box.x0 - tight.x0, tight.x1 - box.x1) if axis.axis_name == "y" else \
                (box.y0 - tight.y0, tight.y1 - box.y1)
            needs.append((round(need[0]), round(need[1])))
            fits = fits and need[0] <= before and need[1] <= after
        if not fits:
            # still too wide for the first layout: the layout these labels get from the first one (not the one
            # that labels seen earlier got), computed again only when the labels' extents change
            needs = tuple(needs)
            if needs != getattr(self, "_relaid_for", None):
                # a layout is computed once per set of label extents and remembered (a slider sweep revisits the
                # same few widths: constrained layout costs ~50 ms, putting the axes back a fraction of that)
                known = self.__dict__.setdefault("_layouts_for", {})
                if needs in known:
                    self._apply_layout(known[needs])
                else:
                    self._relayout()
                    known[needs] = self._layout_snapshot()
                self._relaid_for = needs
            return
        self._relaid_for = None
        self._apply_layout(first)
        self._relaid = False

    def _layout_snapshot(self) -> dict:
        """Where each axes sits now, and each axis's room (what :meth:`_apply_layout` puts back)."""
        return {"positions": [(ax, ax.get_position(original=True).frozen(), ax.get_position().frozen())
                              for ax in self.fig.axes],
                "rooms": list(self._rooms),
                "blitter": None if self._blitter is None else dict(self._blitter._rooms)}

    def _apply_layout(self, layout: dict) -> None:
        """Put the axes where ``layout`` (a :meth:`_layout_snapshot`) had them, with its rooms."""
        for ax, original, active in layout["positions"]:
            in_layout = ax.get_in_layout()
            ax.set_position(original, which="original")
            ax.set_position(active, which="active")
            ax.set_in_layout(in_layout)  # (set_position takes an axes out of the layout engine's hands)
        self._rooms = list(layout["rooms"])
        if self._blitter is not None:
            self._blitter.note_layout()
            if layout["blitter"] is not None:
                self._blitter._rooms = dict(layout["blitter"])

    def _labels_shown(self) -> tuple:
        """What decides the room the visible 2-D axes' labels need: limits, tick label texts, axis labels."""
        shown = []
        for ax in self.fig.axes:
            if getattr(ax, "name", "") == "3d" or not ax.get_visible():
                continue
            for axis in (ax.xaxis, ax.yaxis):
                shown.append((tuple(axis.get_view_interval()), tuple(t.get_text() for t in axis.get_ticklabels()),
                              axis.label.get_text(), axis.label.get_fontsize()))
        return tuple(shown)

    def _restore_first_positions(self) -> None:
        for ax, original, active in self._first_layout["positions"]:
            in_layout = ax.get_in_layout()
            ax.set_position(original, which="original")
            ax.set_position(active, which="active")
            ax.set_in_layout(in_layout)  # (set_position takes an axes out of the layout engine's hands)

    def _measure_rooms(self) -> list:
        """``[(axis, (x0, y0, x1, y1)), ...]``: the room (in pixels, two of slack) the layout gave each axis of
        every visible 2-D axes — the axes box with the axis's ticks, tick labels and label."""
        from matplotlib.transforms import Bbox

        get_renderer = getattr(self.fig.canvas, "get_renderer", None)
        if get_renderer is None:
            return []
        renderer = get_renderer()
        rooms = []
        for ax in self.fig.axes:
            if getattr(ax, "name", "") == "3d" or not ax.get_visible():
                continue
            for axis in (ax.xaxis, ax.yaxis):
                box = axis.get_tightbbox(renderer)
                room = Bbox.union([ax.bbox] + ([box] if box is not None else []))
                rooms.append((axis, (room.x0 - 2, room.y0 - 2, room.x1 + 2, room.y1 + 2)))
        return rooms

    def _keep_labels_in_room(self) -> None:
        """Lay the frozen figure out again if an axis's tick labels (or label) grew past the room the layout gave
        them — "−12.5" where "0.5" was — so nothing is clipped at the figure's edge or overlaps its neighbour.

        The blitter notices this itself when it redraws an already drawn canvas; this covers every other way
        the figure reaches the screen: a ``savefig``, the static backends' ``display``, a first draw.
        """
        if not self.freeze_layout or self._layout_engine is None or not getattr(self, "_rooms", None):
            return
        blitting = self._blitter is not None and self._blitter.background is not None and self._output is None
        if blitting:
            return
        renderer = self.fig.canvas.get_renderer()
        for axis, (x0, y0, x1, y1) in self._rooms:
            if not axis.axes.get_visible():
                continue
            box = axis.get_tightbbox(renderer)
            if box is None:
                continue
            # across the axis only: a tick label at an end of an axis may stick out along it (the layout allows it)
            grown = (box.x0 < x0 or box.x1 > x1) if axis.axis_name == "y" else (box.y0 < y0 or box.y1 > y1)
            if grown:
                self._relayout()
                return

    def _relayout(self) -> None:
        """Lay the figure out again with the current tick labels (they outgrew their room), and keep it."""
        if self._layout_engine is not None:
            if getattr(self, "_first_layout", None) is not None:
                self._restore_first_positions()  # a new layout starts from the first one, never from the last
            self.fig.set_layout_engine(self._layout_engine)
            self._freeze_layout()

    def _refresh_canvas(self) -> None:
        from ..plotting import is_widget_canvas

        canvas = self.fig.canvas
        if is_widget_canvas(canvas):
            # ipympl: blit the data artists over the cached furniture; a full (asynchronous) draw when the
            # layout changed or nothing has been drawn yet.
            if self._blitter is None or self._blitter.refresh(full_draw=canvas.draw_idle) == "none":
                canvas.draw_idle()
        elif self._output is None:
            # Agg without a display (tests, benchmarks): keep an already-rendered canvas current, cheaply.
            if self._blitter is not None:
                self._blitter.refresh(full_draw=canvas.draw)
        else:
            # A static backend (inline, Agg): re-display the figure inside the Output widget.
            from IPython.display import display

            with self._output:
                self._output.clear_output(wait=True)
                display(self.fig)

    def _show_message(self, text: str, *, kind: str = "info") -> None:
        self.message_text = text
        size = "1.25em" if self.presentation else "1em"
        if kind == "error":
            from ..plotting import ERROR_COLOUR

            style = f"color:{ERROR_COLOUR};font-size:{size}"
            text = "⚠ " + text
        else:
            style = f"font-size:{size}"
        self.message.value = f'<span style="{style}">{html.escape(text)}</span>'

    def _show_error(self, what: str, exc: Exception) -> None:
        self.error = f"{what}: {exc}" if str(exc) else f"{what}: {type(exc).__name__}"
        self._show_message(self.error, kind="error")

    # --- display --------------------------------------------------------------------------------
    def reset_button(self) -> W.Button:
        """A button that puts every control back to its initial value."""
        button = W.Button(description="Reset", icon="undo", tooltip="Reset all controls",
                          layout={"width": "110px"})
        button.on_click(lambda _: self.reset_controls())
        return button

    @property
    def widget(self) -> W.Box:
        """The assembled layout: title, controls (+ reset), the figure canvas, the message line."""
        if self._widget is None:
            from ..plotting import is_widget_canvas

            for view in self.views:  # a view that makes its page widget when first shown (surface3d)
                getattr(view, "before_display", lambda: None)()

            items = list(self.controls.values()) + ([self.reset_button()] if self.reset else [])
            if is_widget_canvas(self.fig.canvas):
                canvas = self.fig.canvas
            else:
                from IPython.display import display

                self._output = W.Output()
                with self._output:
                    display(self.fig)
                canvas = self._output
            # extra views beside the canvas, after it (a row that wraps when it must): the canvas keeps its place
            # when a view is shown or hidden (the Landscape Explorer's "3-D surface")
            if self.views:
                # the figure at its own width: ipympl's canvas widget grows into the row by default (flex 1 1 auto),
                # which left a gap as wide as the slack between the figure and the view (220 px on a projector)
                canvas.layout.flex = "0 0 auto"
                canvas = W.Box([canvas] + list(self.views),
                               layout={"display": "flex", "flex_flow": "row wrap", "align_items": "flex-start"})
            # On a projector the figure needs the width: presentation mode puts the controls on top.
            position = check_option(self.controls_position, "controls_position", ["auto", "left", "top"])
            if position == "auto":
                position = "top" if self.fig.get_figwidth() > self._SIDE_BY_SIDE_MAX_WIDTH else "left"
            if position == "top" or self.presentation:
                controls = W.Box(items, layout={"display": "flex", "flex_flow": "row wrap"})
                body = W.VBox([controls, canvas])
            else:
                controls = W.VBox(items, layout={"min_width": "350px"})
                body = W.HBox([controls, canvas])
            header = [W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
            # keyboard and screen-reader access, done in the browser (see course_utils.widgets.keyboard)
            self._keyboard = KeyboardAccess(self.title)
            # one complete image whenever the browser shows the figure (see course_utils.widgets.full_frame_on_view)
            self._full_frame_on_view = FullFrameOnView(self.fig)
            extra = []
            if self.presentation:  # the controls grow with the figure and its fonts (see _PRESENTATION_CSS)
                for item in items:
                    width = str(item.layout.width or "")
                    if width.endswith("px"):
                        item.layout.width = f"{round(float(width[:-2]) * _PRESENTATION_CONTROL_SCALE)}px"
                extra = [W.HTML(_PRESENTATION_CSS, layout={"display": "none"})]
            self._widget = W.VBox(header + [body, self.message, self._keyboard, self._full_frame_on_view] + extra)
            # A stable hook for the browser tests and for styling (e.g. the Voila demos).
            self._widget.add_class("course-explorer")
            if self.presentation:
                self._widget.add_class("course-presentation")
        return self._widget

    def show(self) -> None:
        """Display the explorer (same as ending a cell with it)."""
        from IPython.display import display

        display(self)

    def _repr_mimebundle_(self, **kwargs):
        for view in self.views:  # a view whose page state must be brought up to date first (surface3d)
            getattr(view, "before_display", lambda: None)()
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the figure and the widgets (frees the figure from pyplot's registry)."""
        import matplotlib.pyplot as plt

        plt.close(self.fig)
        for control in self.controls.values():
            control.close()
        self.message.close()
        for view in self.views:
            for child in getattr(view, "children", ()):  # e.g. the plotly figure inside a view's box
                child.close()
            view.close()
        if self._widget is not None:
            self._keyboard.close()
            self._full_frame_on_view.close()
            self._widget.close()

    def __enter__(self) -> Explorer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
