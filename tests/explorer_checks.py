"""Assertions shared by the explorer tests."""

import io

import numpy as np


def assert_healthy(explorer) -> None:
    """The explorer computed and drew without an error or a warning, and its state matches its controls."""
    assert explorer.error is None, explorer.error
    assert explorer.caught_warnings == []
    assert explorer.state_params == explorer.params


def labels_outside_the_figure(fig) -> list:
    """Tick labels (of ticks in view) and axis labels whose drawn extent is not inside the figure."""
    fig.savefig(io.BytesIO(), format="png")  # a full draw, as a saved or static figure gets
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    bad = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * (hi - lo)
            texts = [t.label1 for t in axis.get_major_ticks() if lo - pad <= t.get_loc() <= hi + pad] + [axis.label]
            for text in texts:
                if text.get_visible() and text.get_text():
                    box = text.get_window_extent(renderer)
                    if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
                        bad.append((text.get_text(), tuple(np.round(box.extents))))
    return bad


# --------------------------------------------------------------------------------------------
# Legibility of a drawn figure: texts that collide, data hidden under a legend
# --------------------------------------------------------------------------------------------
def _in_view(axis, tick) -> bool:
    """Whether a tick lies in the axis's view (compared on the axis's scale: a log axis's 1e-18 is not inside
    [1e-16, 10] although it is within 1e-9 of the span)."""
    scale = axis.get_transform()
    lo, hi = sorted(scale.transform(np.asarray(axis.get_view_interval(), float).reshape(-1, 1)).ravel())
    loc = scale.transform(np.array([[tick.get_loc()]], float)).item()
    pad = 1e-9 * (hi - lo)
    return bool(np.isfinite(loc)) and lo - pad <= loc <= hi + pad


def shown_texts(fig, renderer) -> list:
    """``(what, Text)`` for every text a reader must read on the 2-D axes and the figure: the axes' titles, axis
    labels, offset texts ("1e−5"), tick labels of ticks in view, texts placed on the axes, and the figure's texts.
    3-D axes are left out (their labels are placed by the projection, not by the layout)."""
    out = []
    for ax in fig.axes:
        if not ax.get_visible() or getattr(ax, "name", "") == "3d":
            continue
        name = ax.get_title() or ax.get_label() or f"axes {fig.axes.index(ax)}"
        out += [(f"{name!r} title", t) for t in (ax.title, ax._left_title, ax._right_title)]
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            out.append((f"{name!r} {axis.axis_name}-label", axis.label))
            out.append((f"{name!r} {axis.axis_name} offset", axis.offsetText))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if _in_view(axis, tick) and tick.get_visible():
                    out += [(f"{name!r} {axis.axis_name} tick", t) for t in (tick.label1, tick.label2) if t.get_visible()]
        out += [(f"{name!r} text", t) for t in ax.texts]
    out += [("figure text", t) for t in fig.texts]
    if fig._suptitle is not None:
        out.append(("suptitle", fig._suptitle))
    return [(what, t) for what, t in out if t.get_visible() and t.get_text().strip()]


def _text_box(text, renderer):
    """The drawn extent of a text itself (an annotation's extent would include its arrow)."""
    from matplotlib.text import Text

    return Text.get_window_extent(text, renderer)


def _legends(fig) -> list:
    return [lg for lg in [*(ax.get_legend() for ax in fig.axes if ax.get_visible()), *fig.legends]
            if lg is not None and lg.get_visible()]


#: Pixels two texts must keep between them: closer, they read as one ("…edges firstHutchinson trace…").
MIN_GAP = 3.0
#: Pixels between neighbouring tick labels of one axis (their boxes include the font's descent): closer, they run
#: together ("−1.00−0.75"). Tick labels of different axes (x and y at an axes' corner) only must not overlap.
TICK_GAP = 2.5


def _overlap(a, b, gap: float = MIN_GAP) -> bool:
    """Whether two display boxes come closer than ``gap`` pixels in both directions (they overlap or touch)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > -gap) and (min(a.y1, b.y1) - max(a.y0, b.y0) > -gap)


def _gap(what_a: str, what_b: str, em: float) -> float:
    """The gap two texts must keep (see :data:`MIN_GAP`, :data:`TICK_GAP`); two titles side by side keep one em
    (``em``: the larger font's size in pixels) — closer, they read as one line ("…edges first  Hutchinson…")."""
    if what_a.endswith(" tick") and what_b.endswith(" tick"):
        return TICK_GAP if what_a == what_b else 0.0
    if what_a.endswith(" title") and what_b.endswith(" title"):
        return max(em, MIN_GAP)
    return MIN_GAP


def colliding_texts(fig) -> list:
    """Pairs of texts (and legends) whose drawn boxes overlap or touch: titles that run into each other or into
    the tick labels below them, tick labels that run together, a legend over a text. Each pair as
    ``(what, text, what, text)``; empty when all is legible.

    Texts keep :data:`MIN_GAP` pixels apart, the tick labels of one axis :data:`TICK_GAP`, two titles one em; tick
    labels of two axes only must not overlap (at an axes' corner matplotlib sets the x and y tick labels close
    together).
    """
    fig.savefig(io.BytesIO(), format="png")  # a full draw, as a saved or static figure gets
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72
    boxes = [(what, t.get_text(), _text_box(t, renderer), t.get_fontsize() * px)
             for what, t in shown_texts(fig, renderer)]
    boxes += [("legend", "", lg.get_window_extent(renderer), 0.0) for lg in _legends(fig)]
    found = []
    for i, (what_a, text_a, a, em_a) in enumerate(boxes):
        for what_b, text_b, b, em_b in boxes[i + 1:]:
            if _overlap(a, b, gap=_gap(what_a, what_b, max(em_a, em_b))):
                found.append((what_a, text_a, what_b, text_b))
    return found


def texts_outside_the_figure(fig) -> list:
    """Like :func:`labels_outside_the_figure`, for every shown text (titles included) and every legend."""
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    items = [(what, t.get_text(), _text_box(t, renderer)) for what, t in shown_texts(fig, renderer)]
    items += [("legend", "", lg.get_window_extent(renderer)) for lg in _legends(fig)]
    return [(what, text, tuple(np.round(box.extents))) for what, text, box in items
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5]


def markers_under_legends(fig) -> list:
    """Data markers (points of a line drawn with a marker, scatter points) that a legend covers: ``(legend's
    axes title, artist label, (x, y))``. The oracle is the drawn figure: the legend's box in display coordinates
    against each marker's position there."""
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D

    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    found = []
    for legend in _legends(fig):
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not ax.get_visible() or getattr(ax, "name", "") == "3d":
                continue
            for artist in ax.get_children():
                if not artist.get_visible() or artist.get_alpha() == 0:
                    continue
                if isinstance(artist, Line2D) and artist.get_marker() not in (None, "", " ", "None", "none"):
                    xy = np.column_stack([np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)])
                    points = artist.get_transform().transform(xy) if xy.size else xy
                elif isinstance(artist, PathCollection) and len(artist.get_offsets()):
                    points = artist.get_offset_transform().transform(np.asarray(artist.get_offsets(), float))
                else:
                    continue
                inside_axes = [p for p in points if np.all(np.isfinite(p)) and ax.bbox.contains(*p)]
                for p in inside_axes:
                    if box.x0 + 1 < p[0] < box.x1 - 1 and box.y0 + 1 < p[1] < box.y1 - 1:
                        found.append((ax.get_title(), artist.get_label(), tuple(np.round(p))))
                        break
    return found


#: The plotly widget's messages that change what the page draws (not its bookkeeping messages).
PLOTLY_EDITS = ("_py2js_update", "_py2js_restyle", "_py2js_relayout")


def record_page_order(explorer) -> list:
    """Spy on what an explorer with a 3-D view (``explorer.view3d``) sends the page, in order: ``"canvas"`` for each
    canvas image, ``"3-D"`` for each plotly edit. Returns the list the spies append to; clear it before each step.

    The page has one main thread: an image sent after a WebGL update waits for it (measured in Chromium: ~100 ms),
    so the explorers' tests check that the canvas comes first."""
    order: list = []
    refresh = explorer._refresh_canvas

    def canvas():
        order.append("canvas")
        refresh()

    explorer._refresh_canvas = canvas
    widget = explorer.view3d.figure
    original = widget._send

    def spy(msg, buffers=None):
        if any(msg.get("state", {}).get(k) for k in PLOTLY_EDITS):  # (not plotly's reset of the edit to {})
            order.append("3-D")
        return original(msg, buffers)

    widget._send = spy
    return order
