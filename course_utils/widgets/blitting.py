"""Redraw only what changed: blitting for the explorers.

A full matplotlib draw of an explorer costs 50–250 ms, and more than half of it is axes furniture — ticks,
tick labels, spines, axis labels — rendered glyph by glyph, although a slider move rarely changes any of it.
:class:`Blitter` keeps that furniture as a cached background image and, on each update, restores it and draws
only the data artists (lines, images, contour sets, titles, legends) on top: a few milliseconds.

The background is valid for one *layout signature* (figure size, axes positions, limits, scales, ticks,
axis labels, 3-D view angles). When the signature changes — an explorer rescaled an axis, the student rotated
a 3-D plot — the next refresh is a full draw, which recaptures the background. A 3-D axes is redrawn whole:
its projection and depth sorting happen inside its own ``draw``.

Text is expensive too (matplotlib renders it glyph by glyph, ~0.1 ms a character), and most titles and
annotations never change. So texts start in the background, with their content part of the signature; one that
changes triggers a full draw and is redrawn on every refresh from then on. Legends are always redrawn: they
must stay on top of the data.

This is matplotlib's blitting recipe (``restore_region`` / ``draw_artist`` / ``blit``) made automatic; ipympl
sends a blitted canvas to the browser as an image diff.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Blitter"]


def _is_3d(ax) -> bool:
    return getattr(ax, "name", "") == "3d"


def _furniture(ax) -> set:
    """The artists of a 2-D axes that belong to the background."""
    return {ax.patch, ax.xaxis, ax.yaxis, *ax.spines.values()}


def _text_key(artist):
    """What a text shows, or None for other artists (legends included: they sit over the data, which a
    background cannot do, so they are redrawn on every refresh)."""
    from matplotlib.text import Text

    if isinstance(artist, Text):
        return ("text", artist.get_visible(), artist.get_text(), tuple(artist.get_position()),
                str(artist.get_color()), artist.get_fontsize())
    return None


class Blitter:
    """Draw a figure's data artists over a cached background of its axes furniture.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Notes
    -----
    Call :meth:`refresh` after updating artists. Any full draw of the canvas (by the backend, a resize, a 3-D
    rotation, or :meth:`refresh` itself) recaptures the background through a ``draw_event`` callback.
    """

    def __init__(self, fig):
        from matplotlib.figure import Figure

        from ..validation import check_instance

        self.fig = check_instance(fig, "fig", Figure, "a matplotlib Figure")
        self.background = None
        self._signature = None
        self.full_draws = 0
        self.blits = 0
        self._text_keys: dict = {}  # id -> (artist, what it showed at the last full draw), for static texts
        self._volatile: set = set()  # ids of texts seen to change: redrawn on every refresh
        fig.canvas.mpl_connect("draw_event", self._on_draw)

    # --- what is dynamic ----------------------------------------------------------------------
    def dynamic_artists(self) -> list:
        """Artists redrawn on every refresh, in drawing order (and marked ``animated``)."""
        out = []
        for ax in self.fig.axes:
            if not ax.get_visible():
                continue
            if _is_3d(ax):
                out.append(ax)
                continue
            furniture = _furniture(ax)
            children = [c for c in ax.get_children() if c not in furniture]
            out.extend(sorted(children, key=lambda a: a.get_zorder()))
        fig = self.fig
        out.extend([*fig.texts, *fig.legends, *fig.lines, *fig.patches, *fig.images])
        dynamic = []
        for artist in out:
            if _text_key(artist) is not None and id(artist) not in self._volatile:
                if artist.get_animated():  # a static text: part of the background
                    artist.set_animated(False)
                continue
            if not artist.get_animated():
                artist.set_animated(True)
            if artist.get_visible():
                dynamic.append(artist)
        return dynamic

    def _static_texts(self) -> list:
        out = []
        for ax in self.fig.axes:
            if not _is_3d(ax):
                out.extend(c for c in ax.get_children() if _text_key(c) is not None and id(c) not in self._volatile)
        out.extend(a for a in self.fig.texts if id(a) not in self._volatile)
        return out

    def _texts_changed(self) -> bool:
        """Whether a static text now shows something else (it becomes dynamic from now on)."""
        changed = False
        for artist in self._static_texts():
            seen = self._text_keys.get(id(artist))
            if seen is None or seen[0] is not artist or seen[1] != _text_key(artist):
                self._volatile.add(id(artist))
                changed = True
        return changed

    def signature(self) -> tuple:
        """What the cached background depends on."""
        fig = self.fig
        parts = [tuple(fig.get_size_inches()), fig.dpi]
        for ax in fig.axes:
            if _is_3d(ax):
                parts.append(("3d", tuple(ax.get_position().bounds)))
                continue
            parts.append((
                ax.get_visible(), tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(),
                ax.get_xscale(), ax.get_yscale(), tuple(ax.get_xticks()), tuple(ax.get_yticks()),
                ax.get_xlabel(), ax.get_ylabel(), ax.xaxis.get_visible(), ax.yaxis.get_visible(),
                tuple(t.get_text() for t in ax.get_xticklabels()), tuple(t.get_text() for t in ax.get_yticklabels()),
            ))
        return tuple(parts)

    # --- drawing --------------------------------------------------------------------------------
    def _on_draw(self, event) -> None:
        # A full draw skipped the animated artists: keep what it drew as the background (when it drew on the
        # canvas itself), then complete the picture with the dynamic artists on the same renderer — so
        # `savefig` to any format still shows everything.
        canvas = self.fig.canvas
        on_canvas = event.renderer is getattr(canvas, "renderer", None) and hasattr(canvas, "copy_from_bbox")
        if on_canvas:
            self.background = canvas.copy_from_bbox(self.fig.bbox)
            self._signature = self.signature()
            self._text_keys = {id(a): (a, _text_key(a)) for a in self._static_texts()}
        for artist in self.dynamic_artists():
            artist.draw(event.renderer)
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
        texts_changed = self._texts_changed()
        dynamic = self.dynamic_artists()
        if texts_changed or self.signature() != self._signature:
            self.full_draws += 1
            full_draw()
            return "full"
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in dynamic:
            self.fig.draw_artist(artist)
        self._settle()
        canvas.blit(self.fig.bbox)
        self.blits += 1
        return "blit"

    def image(self) -> np.ndarray:
        """The canvas as an RGBA array (for tests)."""
        return np.asarray(self.fig.canvas.buffer_rgba()).copy()
