"""Redraw only what changed: blitting for the explorers.

A full matplotlib draw of an explorer costs 50–250 ms, and most of it is text — tick labels, titles, axis labels,
legends — which matplotlib lays out and renders at about a millisecond a string, although a slider move rarely
changes any of it. :class:`Blitter` keeps the axes furniture as a cached background image and, on each update,
restores it and draws only what is dynamic on top: a few milliseconds.

The background is valid for one *layout signature* (figure size and resolution, axes positions, and for each
axis its limits, scale, tick locator and formatter, and label; 3-D view angles). When the signature changes —
a figure was resized, the student rotated a 3-D plot (the backend then draws in full anyway) — the next refresh
is a full draw, which recaptures the background.

A 3-D axes keeps its panes, grid, ticks and labels in the background too; a refresh runs the axes' own ``draw``
(projection, depth sorting) with that furniture switched off, so only its data are drawn. A 3-D axes whose
furniture keeps changing (limits rescaled at three of the last eight refreshes) is redrawn whole instead, and
cached again once it has been still for eight refreshes.

Two kinds of artists start in the background and are *promoted* to the redrawn set the first time they change
(one full draw then, cheap refreshes after):

- **texts** (titles, annotations): most never change;
- **axes** (ticks, tick labels and label of the x or y axis of a 2-D axes): an explorer that rescales an axis as
  the data move then pays for that axis, not for a full draw. This is exact when no layout engine runs at draw
  time — the explorers freeze their layout after the first draw (``Explorer.freeze_layout``) — so a full draw
  places everything where the blit does. Axes with a fixed aspect ratio or spines placed in data coordinates
  keep their limits in the signature (their geometry depends on them). When a redrawn axis outgrows the room
  the layout gave it (wider tick labels), the ``relayout`` callback lays the figure out again.

**Over the data.** The background lies under everything blitted onto it, so a static artist that a full
draw paints over a dynamic one (by zorder) cannot be background: the spines (the frame's inner half lies over
a filled contour or an image), an axis whose gridlines or inward ticks reach into the axes, and static texts
inside the axes (annotations) are drawn with the dynamic artists, in zorder. Before this, 17 of 20 explorers
showed up to 1.3 % of pixels wrong against ``savefig`` — frames missing, SAM's "sharp"/"flat" labels
hidden under the contour fill (tests/test_widgets_render_truth.py).

**Declared background.** Data artists that never change once drawn (a fixed contour map under moving paths) can
be declared with :func:`keep_in_background`: they are then drawn into the cached background instead of on every
refresh, as long as every artist redrawn over them lies above them in drawing order (higher zorder, or the same
zorder and added later) — otherwise a full draw would paint them over a moving artist, and they stay dynamic.
When the set of background data changes (one removed, hidden, or no longer below the moving artists), the next
refresh is a full draw.

**Sprites.** Legends must stay on top of the data, so they are redrawn on every refresh; promoted axes are too.
Both are drawn from a cached image of their own pixels (rendered alone on a transparent canvas, composited with
``draw_image``) as long as they show the same thing at the same place, and rendered again when they change
(the last few looks of each are kept, for a slider dragged back and forth). A
sprite differs from a direct draw by at most one level in 255 (rounding in the compositing); a blit and a full
draw use the same sprites, so they agree pixel for pixel.

This is matplotlib's blitting recipe (``restore_region`` / ``draw_artist`` / ``blit``) made automatic; ipympl
sends a blitted canvas to the browser as an image diff. ``savefig`` is unaffected: every artist is drawn once,
directly.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["Blitter", "keep_in_background", "keep_redrawing"]

#: A 3-D axes whose furniture changed at this many of the last ``WINDOW_3D`` refreshes is redrawn whole (a
#: full draw each time would cost more); one unchanged for a whole window has its furniture cached again.
PROMOTE_3D, WINDOW_3D = 3, 8
#: How many looks of one legend or axis are kept as sprites (an axis's is ~100 kB).
_SPRITES_PER_ARTIST = 16


def _is_3d(ax) -> bool:
    return getattr(ax, "name", "") == "3d"


def _axes_can_float(ax) -> bool:
    """Whether an axis of this 2-D axes can change its limits without moving anything else: no fixed aspect
    (which resizes the axes box with the limits), not a colorbar, and every spine a plain edge placed relative
    to the axes, not the data."""
    if ax.get_aspect() != "auto" or getattr(ax, "_colorbar", None) is not None:
        return False
    for spine in ax.spines.values():
        if spine.spine_type not in ("left", "right", "top", "bottom"):
            return False
        position = spine.get_position()
        kind = position if isinstance(position, str) else position[0]
        if kind not in ("outward", "axes"):
            return False
    return True


def _layout_is_fixed(fig) -> bool:
    """Whether a full draw leaves the axes where they are (no layout engine runs at draw time)."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    return engine is None or isinstance(engine, PlaceHolderLayoutEngine)


def _axis_key(axis) -> tuple:
    """What an axis draws: its ticks and tick labels follow from the view interval, the scale and the locator
    and formatter objects (kept here by reference, so a replaced one compares unequal), plus its label.

    Cheap by design: asking for the tick labels themselves formats them (~1 ms an axis). The label's position
    is left out: drawing the axis sets it (beside the tick labels).
    """
    return (axis.get_visible(), axis.get_scale(), tuple(axis.get_view_interval()),
            axis.get_major_locator(), axis.get_major_formatter(), axis.get_minor_locator(),
            axis.get_minor_formatter(), _text_key(axis.label)[:3] + _text_key(axis.label)[4:])


def _text_key(artist):
    """What a text shows, or None for other artists."""
    from matplotlib.text import Text

    if isinstance(artist, Text):
        return ("text", artist.get_visible(), artist.get_text(), tuple(artist.get_position()),
                str(artist.get_color()), artist.get_fontsize())
    return None


_STYLE_GETTERS = ("get_visible", "get_color", "get_facecolor", "get_edgecolor", "get_linestyle", "get_linewidth",
                  "get_marker", "get_markersize", "get_markerfacecolor", "get_markeredgecolor", "get_hatch",
                  "get_alpha", "get_sizes")


def _frozen(value):
    """``value`` in a form whose ``==`` is a plain bool (arrays as bytes, lists as tuples)."""
    if isinstance(value, np.ndarray):
        return (value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _style_key(artist) -> tuple:
    return (type(artist),) + tuple(_frozen(getattr(artist, name)()) for name in _STYLE_GETTERS
                                   if hasattr(artist, name))


def _legend_key(legend) -> tuple:
    """What a legend shows: visibility, title, entry texts, handle and frame styles."""
    texts = tuple(_text_key(t) for t in legend.get_texts())
    handles = tuple(_style_key(h) for h in getattr(legend, "legend_handles", ()) if h is not None)
    return (legend.get_visible(), _text_key(legend.get_title()), texts, handles, _style_key(legend.get_frame()))


class _Sprite:
    """An artist's pixels (RGBA, rows bottom-up as ``draw_image`` wants them) and where they go on the canvas."""

    __slots__ = ("artist", "key", "image", "x", "y", "label_xy")

    def __init__(self, artist, key, image, x, y, label_xy=None):
        self.artist, self.key, self.image, self.x, self.y = artist, key, image, x, y
        # an axis's sprite holds its ticks and tick labels; its label (placed beside the tick labels when the axis
        # is drawn) is a sprite of its own, drawn at the place this look gave it
        self.label_xy = label_xy


def keep_in_background(*artists):
    """Declare data artists that never change once drawn: a :class:`Blitter` keeps them in its cached background.

    Only a promise about the artists themselves: the blitter still redraws them on every refresh when an artist
    that moves lies below them in drawing order (see the module's "Declared background"). Replace such an
    artist (``remove`` it and add a new one) rather than changing it.

    Parameters
    ----------
    *artists : matplotlib.artist.Artist
        Data artists of 2-D axes (lines, collections, contour sets, images).

    Returns
    -------
    tuple
        The artists, each marked with ``course_background = True``.
    """
    from matplotlib.artist import Artist

    from ..validation import check_instance

    for i, artist in enumerate(artists):
        check_instance(artist, f"artists[{i}]", Artist, "a matplotlib Artist")
        artist.course_background = True
    return artists


def keep_redrawing(*artists):
    """Declare texts and axes (``ax.xaxis``, ``ax.yaxis``) that change with the controls: a :class:`Blitter`
    redraws them on every refresh from the start, as it would once it saw them change (see "promoted" in the
    module's notes). The first change then is a blit too, not the full draw a promotion costs (the first
    key press a student makes).

    Parameters
    ----------
    *artists : matplotlib.text.Text or matplotlib.axis.Axis
        Titles, annotations, or the x or y axis of a 2-D axes.

    Returns
    -------
    tuple
        The artists, each marked with ``course_moving = True``.
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    from ..validation import check_instance

    for i, artist in enumerate(artists):
        check_instance(artist, f"artists[{i}]", (Text, Axis), "a matplotlib Text or Axis")
        artist.course_moving = True
    return artists


def _in_background(children, is_moving) -> set:
    """Ids of the declared background artists among ``children`` (one 2-D axes' non-furniture children) that
    a full draw paints before every moving child: lower zorder, or the same zorder and earlier in the list."""
    declared = [(c.get_zorder(), i, c) for i, c in enumerate(children)
                if getattr(c, "course_background", False) and c.get_visible()]
    if not declared:
        return set()
    moving = [(c.get_zorder(), i) for i, c in enumerate(children)
              if not getattr(c, "course_background", False) and is_moving(c)]
    first = min(moving) if moving else (np.inf, np.inf)
    return {id(c) for z, i, c in declared if (z, i) < first}


class Blitter:
    """Draw a figure's data artists over a cached background of its axes furniture.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    relayout : callable, optional
        Lays the figure out again (and calls :meth:`note_layout`). Called when an axis that is redrawn on each
        refresh outgrows the room the layout gave it — tick labels grew wider, say — followed by a full draw.
        Without it such an axis may run off the figure or into its neighbour.

    Attributes
    ----------
    full_draws, blits : int
        How many refreshes were full draws, resp. blits.
    sprites_rendered : int
        How many times a legend or an axis was rendered into its cached image.
    relayouts : int
        How many times ``relayout`` was called.

    Notes
    -----
    Call :meth:`refresh` after updating artists. Any full draw of the canvas (by the backend, a resize, a 3-D
    rotation, or :meth:`refresh` itself) recaptures the background through a ``draw_event`` callback.
    """

    def __init__(self, fig, *, relayout=None):
        from matplotlib.figure import Figure

        from ..validation import check_callable, check_instance

        self.fig = check_instance(fig, "fig", Figure, "a matplotlib Figure")
        self.relayout = None if relayout is None else check_callable(relayout, "relayout")
        self.relayouts = 0
        self._rooms: dict = {}  # id(axis) -> (axis, (x0, y0, x1, y1)): the pixels the layout gave it
        self._outgrown = False
        self.background = None
        self._signature = None
        self.full_draws = 0
        self.blits = 0
        self.sprites_rendered = 0
        self._text_keys: dict = {}  # id -> (artist, what it showed at the last full draw), for static texts
        self._axis_keys: dict = {}  # id -> (axis, its key at the last full draw), for static axes that may float
        self._volatile: set = set()  # ids of texts and axes seen to change: redrawn on every refresh
        self._overlay_ids: tuple = ()  # ids of static artists drawn over the dynamic ones (see _overlay)
        self._background_ids: tuple = ()  # ids of declared data artists kept in the background (keep_in_background)
        self._sprites: dict = {}  # id(legend or axis) -> its last _Sprites, most recent first
        self._data_3d: dict = {}  # id(3-D axes) -> its dynamic children
        self._last_3d: dict = {}  # id(3-D axes) -> (axes, its furniture key at the last refresh)
        self._history_3d: dict = {}  # id(3-D axes) -> whether that key changed, over the last refreshes
        fig.canvas.mpl_connect("draw_event", self._on_draw)

    # --- what is dynamic ----------------------------------------------------------------------
    def _furniture(self, ax) -> set:
        """The artists of a 2-D axes that belong to the background."""
        axes = {a for a in (ax.xaxis, ax.yaxis) if id(a) not in self._volatile}
        return {ax.patch, *axes, *ax.spines.values()}

    def dynamic_artists(self) -> list:
        """Artists redrawn on every refresh, in drawing order (and marked ``animated``).

        A 3-D axes appears as itself: its furniture (panes, grid, ticks, labels) is background, and drawing it
        here draws only its dynamic children, projected and depth-sorted by its own ``draw``.
        """
        out = []
        overlay: set = set()
        background: set = set()
        self._data_3d = {}
        for ax in self.fig.axes:  # declared moving (keep_redrawing): promoted from the start
            self._volatile.update(id(c) for c in ax.get_children() if getattr(c, "course_moving", False))
        get_renderer = getattr(self.fig.canvas, "get_renderer", None)
        renderer = get_renderer() if get_renderer is not None else None
        for ax in self.fig.axes:
            if not ax.get_visible():
                continue
            if _is_3d(ax):
                if id(ax) in self._volatile or not hasattr(ax, "_axis3don"):
                    # its furniture changes (limits, ticks), or an mplot3d without the switch: redrawn whole
                    for child in ax.get_children():
                        if child.get_animated():
                            child.set_animated(False)
                    out.extend(self._mark([ax]))
                    continue
                if ax.get_animated():
                    ax.set_animated(False)
                furniture = {ax.patch, ax.xaxis, ax.yaxis, ax.zaxis, *ax.spines.values()}
                self._data_3d[id(ax)] = self._mark([c for c in ax.get_children() if c not in furniture])
                out.append(ax)
                continue
            furniture = self._furniture(ax)
            children = [c for c in ax.get_children() if c not in furniture]
            kept = _in_background(children, lambda c: _text_key(c) is None or id(c) in self._volatile)
            if kept:
                for artist in children:
                    if id(artist) in kept and artist.get_animated():
                        artist.set_animated(False)
                children = [c for c in children if id(c) not in kept]
                background.update(kept)
            drawn = {id(a) for a in self._mark(children)}
            for artist in self._overlay(ax, furniture, children, renderer):
                if not artist.get_animated():
                    artist.set_animated(True)
                overlay.add(id(artist))
                drawn.add(id(artist))
            # in the order a full draw uses: by zorder, ties in the order of the axes' children
            out.extend(sorted((c for c in ax.get_children() if id(c) in drawn), key=lambda a: a.get_zorder()))
        fig = self.fig
        out.extend(self._mark([*fig.texts, *fig.legends, *fig.lines, *fig.patches, *fig.images]))
        for ax in fig.axes:  # static furniture is background (an axis promoted earlier may be back in it)
            if not _is_3d(ax):
                for artist in self._furniture(ax) - {ax.patch}:
                    if artist.get_animated() and id(artist) not in overlay:
                        artist.set_animated(False)
        self._overlay_ids = tuple(sorted(overlay))
        self._background_ids = tuple(sorted(background))
        return out

    def _overlay(self, ax, furniture, children, renderer) -> list:
        """Static artists of a 2-D axes that a full draw paints *over* some of its dynamic artists.

        The background lies under everything drawn on it, so a static artist whose zorder is above a dynamic
        one's would end up under it — the axes frame hidden by a filled contour, an annotation by an image. These
        are drawn with the dynamic artists instead, in zorder: the spines (the frame's inner half lies over the
        data), an axis whose gridlines or inward ticks reach into the axes, and static texts placed inside the
        axes. Titles, labels and outward ticks lie outside the data area and stay in the background.
        """
        moving = [c for c in children if _text_key(c) is None or id(c) in self._volatile]
        if not moving:
            return []
        lowest = min(a.get_zorder() for a in moving)
        out = [s for s in ax.spines.values() if s.get_visible() and s.get_zorder() > lowest]
        for axis in furniture & {ax.xaxis, ax.yaxis}:
            ticks = axis.get_tick_params(which="major")
            reaches_in = ticks.get("gridOn", False) or ticks.get("tickdir", "out") in ("in", "inout")
            if axis.get_visible() and axis.get_zorder() > lowest and reaches_in:
                out.append(axis)
        if renderer is not None:
            box = ax.bbox
            for text in children:
                if (_text_key(text) is not None and id(text) not in self._volatile and text.get_visible()
                        and text.get_zorder() > lowest and text.get_text()
                        and text.get_window_extent(renderer).overlaps(box)):
                    out.append(text)
        return out

    def _mark(self, artists) -> list:
        """Mark ``artists`` animated (dynamic) or not (static texts: background); return the visible dynamic."""
        dynamic = []
        for artist in artists:
            if _text_key(artist) is not None and id(artist) not in self._volatile:
                if artist.get_animated():  # a static text: part of the background
                    artist.set_animated(False)
                continue
            if not artist.get_animated():
                artist.set_animated(True)
            if artist.get_visible():
                dynamic.append(artist)
        return dynamic

    def _draw_3d_data(self, ax, renderer) -> None:
        """Draw a 3-D axes' dynamic children only: its own ``draw`` (projection, depth sorting) with the
        furniture switched off and every other child hidden for the moment."""
        data = self._data_3d.get(id(ax), [])
        keep = {id(a) for a in data}
        hidden = [c for c in ax.get_children() if id(c) not in keep and c.get_visible()]
        # (setter, value while drawing, value after)
        switches = [(a.set_visible, False, True) for a in hidden] + [(a.set_animated, False, True) for a in data]
        axis_on = ax._axis3don
        try:
            ax._axis3don = False
            for setter, during, _ in switches:
                setter(during)
            ax.draw(renderer)
        finally:
            ax._axis3don = axis_on
            for setter, _, after in switches:
                setter(after)

    @staticmethod
    def _key_3d(ax) -> tuple:
        """What a 3-D axes' furniture depends on: view, limits, box, and its three axes' ticks and labels."""
        return (("3d", ax.get_visible(), tuple(ax.get_position().bounds), ax.elev, ax.azim, ax.roll,
                 ax.get_xlim3d(), ax.get_ylim3d(), ax.get_zlim3d(), tuple(ax.get_box_aspect())),
                *(_axis_key(axis) for axis in (ax.xaxis, ax.yaxis, ax.zaxis)))

    def _static_texts(self) -> list:
        out = []
        for ax in self.fig.axes:
            out.extend(c for c in ax.get_children() if _text_key(c) is not None and id(c) not in self._volatile)
        out.extend(a for a in self.fig.texts if id(a) not in self._volatile)
        return out

    def _floating_axes(self) -> list:
        """The x and y axes that may be promoted to dynamic (not yet promoted)."""
        if not _layout_is_fixed(self.fig):
            return []
        return [axis for ax in self.fig.axes if not _is_3d(ax) and ax.get_visible() and _axes_can_float(ax)
                for axis in (ax.xaxis, ax.yaxis) if id(axis) not in self._volatile]

    def _promote_changed(self) -> bool:
        """Promote the static texts and axes that now show something else (redrawn from now on)."""
        changed = False
        for artist in self._static_texts():
            seen = self._text_keys.get(id(artist))
            if seen is None or seen[0] is not artist or seen[1] != _text_key(artist):
                self._volatile.add(id(artist))
                changed = True
        for axis in self._floating_axes():
            seen = self._axis_keys.get(id(axis))
            if seen is None or seen[0] is not axis or seen[1] != _axis_key(axis):
                self._volatile.add(id(axis))
                changed = True
        return self._update_3d_modes() or changed

    def _update_3d_modes(self) -> bool:
        """Switch 3-D axes between a cached furniture (split) and a whole redraw, by how often their furniture
        (limits, ticks, view) changed over the last refreshes. Returns whether a switch needs a full draw."""
        switched = False
        for ax in self.fig.axes:
            if not _is_3d(ax) or not hasattr(ax, "_axis3don"):
                continue
            key = self._key_3d(ax)
            seen = self._last_3d.get(id(ax))
            history = self._history_3d.setdefault(id(ax), deque(maxlen=WINDOW_3D))
            history.append(seen is None or seen[0] is not ax or seen[1] != key)
            self._last_3d[id(ax)] = (ax, key)
            whole = id(ax) in self._volatile
            if not whole and sum(history) >= PROMOTE_3D:  # changes often: a full draw each time costs more
                self._volatile.add(id(ax))
                switched = True
            elif whole and len(history) == history.maxlen and not any(history):  # settled: cache it again
                self._volatile.discard(id(ax))
                switched = True
        return switched

    def signature(self) -> tuple:
        """What the cached background depends on."""
        fig = self.fig
        parts = [tuple(fig.get_size_inches()), fig.dpi, self._overlay_ids, self._background_ids]
        fixed = _layout_is_fixed(fig)
        for ax in fig.axes:
            if _is_3d(ax):
                whole = id(ax) in self._volatile or not hasattr(ax, "_axis3don")
                parts.append(("3d", tuple(ax.get_position().bounds)) if whole else self._key_3d(ax))
                continue
            floats = fixed and _axes_can_float(ax)
            parts.append((ax.get_visible(), tuple(ax.get_position().bounds), floats))
            parts.extend(_axis_key(axis) for axis in (ax.xaxis, ax.yaxis)
                         if not (floats and id(axis) in self._volatile))
        return tuple(parts)

    # --- room for the axes ------------------------------------------------------------------------
    def note_layout(self) -> None:
        """Record the room the layout gave each axis: its ticks, tick labels and label, and the axes box.

        Call right after a layout engine placed the axes (the explorers do, when they freeze their layout).
        """
        from matplotlib.transforms import Bbox

        get_renderer = getattr(self.fig.canvas, "get_renderer", None)
        self._rooms = {}
        if get_renderer is None:
            return
        renderer = get_renderer()
        width, height = self.fig.bbox.width, self.fig.bbox.height
        for ax in self.fig.axes:
            if _is_3d(ax) or not ax.get_visible():
                continue
            for axis in (ax.xaxis, ax.yaxis):
                box = axis.get_tightbbox(renderer)
                room = Bbox.union([ax.bbox] + ([box] if box is not None else []))
                # in figure fractions (a change of resolution keeps it), with two pixels of slack
                self._rooms[id(axis)] = (axis, ((room.x0 - 2) / width, (room.y0 - 2) / height,
                                                (room.x1 + 2) / width, (room.y1 + 2) / height))

    def _check_room(self, axis, x0, y0, x1, y1, width, height) -> None:
        """Note whether the pixels ``[x0, x1) × [y0, y1)`` of a ``width × height`` canvas fit ``axis``'s room,
        across the axis: a y axis's labels grow sideways, an x axis's up or down (a tick label at the end of an
        axis may stick out along it by half its size: the layout leaves that much)."""
        seen = self._rooms.get(id(axis))
        if seen is not None and seen[0] is axis:
            rx0, ry0, rx1, ry1 = seen[1]
            if axis.axis_name == "y":
                outgrown = x0 / width < rx0 or x1 / width > rx1
            else:
                outgrown = y0 / height < ry0 or y1 / height > ry1
            self._outgrown = self._outgrown or outgrown

    # --- sprites: cached pixels of legends and axes -------------------------------------------------
    def _sprite_key(self, artist, renderer):
        """What a legend, an axis or a plain text looks like and where it goes (None for other artists: drawn
        directly)."""
        from matplotlib.axis import Axis
        from matplotlib.legend import Legend
        from matplotlib.text import Text

        if isinstance(artist, Legend):
            # where it goes now: "best" placement follows the data
            where = tuple(artist.get_window_extent(renderer).bounds)
            what = _legend_key(artist)
        elif isinstance(artist, Axis):
            where = tuple(artist.axes.get_position().bounds)
            what = _axis_key(artist) + tuple(_frozen(sorted(artist.get_tick_params(which=which).items()))
                                             for which in ("major", "minor"))
        elif type(artist) is Text and artist.get_bbox_patch() is None:
            # Titles and labels (not annotations: their arrows follow other points; not texts in a box: a
            # translucent box composited from a sprite over the data rounded twice, 2 levels off). A title that
            # shows the same text at the same place (a setting that changes another one) is not rendered again:
            # its mathtext cost ~3 ms a blit (Two losses: two titles, one of them "… on 0% of grid" for every
            # setting).
            where = tuple(artist.get_transform().transform(artist.get_unitless_position()))
            what = (_text_key(artist), artist.get_rotation(), artist.get_horizontalalignment(),
                    artist.get_verticalalignment(), getattr(artist, "_multialignment", None),
                    getattr(artist, "_linespacing", None),
                    hash(artist.get_fontproperties()), artist.get_alpha(), artist.get_usetex(),
                    tuple(id(e) for e in artist.get_path_effects()), artist.get_clip_on())
        else:
            return None
        return (what, where, renderer.width, renderer.height, renderer.dpi)

    def _draw_dynamic(self, artist, renderer) -> None:
        """Draw ``artist``: from its cached image if it is a legend or an axis that has not changed since."""
        from matplotlib.backends.backend_agg import RendererAgg

        if _is_3d(artist) and id(artist) in self._data_3d:
            self._draw_3d_data(artist, renderer)
            return
        key = self._sprite_key(artist, renderer) if isinstance(renderer, RendererAgg) else None
        if key is None:
            artist.draw(renderer)
            return
        # the few last looks of each artist are kept: a slider dragged back and forth revisits them
        cached = self._sprites.setdefault(id(artist), [])
        sprite = next((c for c in cached if c.artist is artist and c.key == key), None)
        if sprite is None:
            sprite = self._render_sprite(artist, key, renderer)
        else:
            cached.remove(sprite)
            if self._is_axis(artist):
                # a look seen before must fit the room of the layout now in place, as a new one must: without
                # this, labels that had outgrown the first layout (and got a new one) were later drawn from the
                # cache into the first layout again, overflowing it — the picture then depended on the path
                # taken to a setting (the Chord Explorer's order-dependent failure of
                # tests/test_widgets_path_independence.py)
                self._check_sprite_room(artist, sprite, renderer)
            if sprite.label_xy is not None:
                artist.label.set_position(sprite.label_xy)
        cached.insert(0, sprite)
        del cached[_SPRITES_PER_ARTIST:]
        self._composite(sprite, renderer)
        if sprite.label_xy is not None and artist.label.get_visible():
            self._draw_label(artist, renderer)

    @staticmethod
    def _composite(sprite, renderer) -> None:
        if sprite.image is not None:
            gc = renderer.new_gc()
            renderer.draw_image(gc, sprite.x, sprite.y, sprite.image)
            gc.restore()

    def _draw_label(self, axis, renderer) -> None:
        """Draw an axis's label from a sprite of its own: the label's text and place change far less often than
        the ticks (a rotated label cost ~2 ms of each ~9 ms axis sprite of the Two-losses colour bars)."""
        label = axis.label
        key = ("label", _text_key(label), label.get_rotation(), label.get_horizontalalignment(),
               label.get_verticalalignment(), label.get_fontfamily(), renderer.width, renderer.height, renderer.dpi)
        cached = self._sprites.setdefault(("label", id(axis)), [])
        sprite = next((c for c in cached if c.artist is label and c.key == key), None)
        if sprite is None:
            sprite = self._render_sprite(label, key, renderer, room_of=axis)
        else:
            cached.remove(sprite)
            self._check_sprite_room(axis, sprite, renderer)
        cached.insert(0, sprite)
        del cached[_SPRITES_PER_ARTIST:]
        self._composite(sprite, renderer)

    def _check_sprite_room(self, axis, sprite, renderer) -> None:
        if sprite.image is not None:
            h, w = sprite.image.shape[:2]
            self._check_room(axis, sprite.x, sprite.y, sprite.x + w, sprite.y + h, renderer.width, renderer.height)

    def _draw_all(self, dynamic, renderer) -> None:
        for artist in dynamic:
            self._draw_dynamic(artist, renderer)
        # forget the sprites of artists no longer shown (a legend replaced by a new one, ...)
        shown = {id(a) for a in dynamic}
        self._sprites = {k: cached for k, cached in self._sprites.items()
                         if (k[1] if isinstance(k, tuple) else k) in shown}

    @staticmethod
    def _is_axis(artist) -> bool:
        """Whether ``artist`` is the x or y axis of its (2-D) axes."""
        return artist in (getattr(artist.axes, "xaxis", None), getattr(artist.axes, "yaxis", None))

    def _render_sprite(self, artist, key, renderer, room_of=None) -> _Sprite:
        # Render the artist alone on a transparent canvas of the same size and resolution, so its pixels are
        # those of a direct draw at the same place; keep the smallest box holding them. Composited over the
        # background, they differ from a direct draw by at most one level of 255 (rounding). An axis is rendered
        # without its label (drawn from a sprite of its own, see _draw_label), whose place its drawing sets.
        from matplotlib.backends.backend_agg import RendererAgg

        scratch = RendererAgg(renderer.width, renderer.height, renderer.dpi)
        axis = artist if self._is_axis(artist) else None
        hide = axis is not None and axis.label.get_visible()
        if hide:
            axis.label.set_visible(False)
        try:
            artist.draw(scratch)
        finally:
            if hide:
                axis.label.set_visible(True)
        label_xy = tuple(axis.label.get_position()) if axis is not None else None
        pixels = np.asarray(scratch.buffer_rgba())
        rows = np.flatnonzero(pixels[..., 3].any(axis=1))
        self.sprites_rendered += 1
        if rows.size == 0:
            return _Sprite(artist, key, None, 0, 0, label_xy)
        cols = np.flatnonzero(pixels[rows[0]:rows[-1] + 1, :, 3].any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        image = np.ascontiguousarray(pixels[r0:r1, c0:c1][::-1])
        sprite = _Sprite(artist, key, image, int(c0), int(renderer.height - r1), label_xy)
        if axis is not None or room_of is not None:
            self._check_sprite_room(axis if axis is not None else room_of, sprite, renderer)
        return sprite

    # --- drawing --------------------------------------------------------------------------------
    def _on_draw(self, event) -> None:
        # A full draw skipped the animated artists: keep what it drew as the background (when it drew on the
        # canvas itself), then complete the picture with the dynamic artists on the same renderer.
        canvas = self.fig.canvas
        renderer = event.renderer
        if canvas.is_saving():
            # savefig: the axes drew their animated children themselves; only the figure skipped its own
            # (3-D axes, figure legends and texts), which complete the picture here.
            for artist in self.dynamic_artists():
                if artist.axes is None or (artist is artist.axes and artist.get_animated()):
                    artist.draw(renderer)
            return
        on_canvas = renderer is getattr(canvas, "renderer", None) and hasattr(canvas, "copy_from_bbox")
        if on_canvas:
            self.background = canvas.copy_from_bbox(self.fig.bbox)
            self._signature = self.signature()
            self._text_keys = {id(a): (a, _text_key(a)) for a in self._static_texts()}
            self._axis_keys = {id(a): (a, _axis_key(a)) for a in self._floating_axes()}
            # the view may have changed by a rotation: that full draw is the new reference
            self._last_3d.update({id(ax): (ax, self._key_3d(ax)) for ax in self.fig.axes
                                  if _is_3d(ax) and hasattr(ax, "_axis3don")})
        self._draw_all(self.dynamic_artists(), renderer)
        self._settle()

    def _settle(self) -> None:
        # Drawing can mark artists stale (legends re-place their boxes, ...); what we just drew is current, and a
        # stale figure would ask its backend for yet another draw.
        for ax in self.fig.axes:
            ax.stale = False
        self.fig.stale = False

    def refresh(self, *, full_draw) -> str:
        """Show the current artists: a blit when the background is valid, else ``full_draw()``.

        Parameters
        ----------
        full_draw : callable
            How this canvas draws everything (``canvas.draw`` for Agg, ``canvas.draw_idle`` for ipympl).

        Returns
        -------
        str
            ``"blit"``, ``"full"`` or ``"none"`` (never drawn yet: nothing on screen to update).
        """
        if self.background is None:
            self.dynamic_artists()  # mark the animated artists before the first full draw
            return "none"
        done = None
        if not (self._outgrown and self.relayout is not None):
            done = "full" if self._promote_changed() else None
            dynamic = self.dynamic_artists()
            if done or self.signature() != self._signature:
                self.full_draws += 1
                full_draw()
                done = "full"
            else:
                canvas = self.fig.canvas
                canvas.restore_region(self.background)
                self._draw_all(dynamic, canvas.get_renderer())
                self._settle()
                canvas.blit(self.fig.bbox)
                self.blits += 1
                done = "blit"
        if self._outgrown and self.relayout is not None:
            # an axis drawn on each refresh grew past its room (wider tick labels): lay out again, draw all
            self._outgrown = False
            self.relayouts += 1
            self.relayout()
            self.full_draws += 1
            full_draw()
            return "full"
        self._outgrown = False
        return done

    def image(self) -> np.ndarray:
        """The canvas as an RGBA array (for tests)."""
        return np.asarray(self.fig.canvas.buffer_rgba()).copy()
