r"""Axis limits that stay put while a slider moves: autoscaling with hysteresis.

An explorer that autoscales an axis on every update changes its tick labels on every update, and then the
cached background of :mod:`course_utils.widgets.blitting` is useless: each tick costs a full draw (50–250 ms)
instead of a blit (a few ms). :class:`StableRange` keeps the limits it chose while the data still fit inside
them and still fill a fair share of them; only when the data leave the view, or shrink to a small part of it,
does it choose new limits — with headroom, so the next small move fits again. The picture stays as legible as
plain autoscaling (the data never leave the view and never become a speck), but it rescales a few times per
sweep of a slider instead of on every tick.

Examples
--------
>>> r = StableRange(headroom=0.25)
>>> r.fit(0.0, 1.0)            # first call: limits with headroom
(-0.25, 1.25)
>>> r.fit(0.1, 1.1)            # still fits and fills the view: unchanged
(-0.25, 1.25)
>>> r.fit(0.0, 10.0)[1] > 10   # left the view: new limits
True
"""

from __future__ import annotations

import numpy as np

from ..validation import check_bool, check_scalar

__all__ = ["StableRange"]


class StableRange:
    r"""Limits for one axis, changed only when the data need it.

    Parameters
    ----------
    headroom : float
        When new limits are chosen, the data span :math:`s` is padded by ``headroom * s`` on each side.
    fill : float
        New limits are also chosen when the data fill less than this share of the current span (zoom back
        in after a large excursion). Must be below :math:`1 / (1 + 2\,\mathrm{headroom})`, the share the data
        fill right after a rescale, or every update would rescale.
    top_room : float
        Extra space above the data, as a share of the data span (room for a text box in a corner).
    log : bool
        Work in :math:`\log_{10}` of the values (for a log-scaled axis; non-positive values are ignored).
    min_span : float
        Smallest span chosen (in the axis units, or decades when ``log``): a constant curve gets a readable view.
    margin : float, optional
        Share of the current span that must stay free at each end for the limits to be kept, so a marker at
        the data's extreme is never cut by the edge. Default: a quarter of the room a rescale leaves,
        :math:`\mathrm{headroom} / (4 (1 + 2\,\mathrm{headroom}))` (0 when ``headroom`` is 0).

    Attributes
    ----------
    limits : tuple of float or None
        The current limits (``None`` before the first :meth:`fit`).
    changes : int
        How many times :meth:`fit` chose new limits.
    """

    def __init__(self, *, headroom: float = 0.2, fill: float = 0.3, top_room: float = 0.0, log: bool = False,
                 min_span: float = 1e-9, margin: float | None = None):
        self.headroom = check_scalar(headroom, "headroom", low=0)
        self.fill = check_scalar(fill, "fill", low=0, high=1)
        if self.fill * (1 + 2 * self.headroom) >= 1:
            raise ValueError(f"`fill` must be below 1 / (1 + 2 `headroom`) = {1 / (1 + 2 * self.headroom):.3g}, "
                             f"got {fill}")
        self.top_room = check_scalar(top_room, "top_room", low=0)
        self.log = check_bool(log, "log")
        self.min_span = check_scalar(min_span, "min_span", low=0, low_inclusive=False)
        room = self.headroom / (1 + 2 * self.headroom)  # free share at each end right after a rescale
        if margin is None:
            margin = room / 4
        self.margin = check_scalar(margin, "margin", low=0)
        if self.margin > 0 and self.margin >= room:
            raise ValueError(f"`margin` must be below headroom / (1 + 2 headroom) = {room:.3g} (the free share "
                             f"at each end after a rescale), or every update would rescale; got {margin}")
        self.limits: tuple[float, float] | None = None
        self.changes = 0

    def fit(self, lo: float, hi: float) -> tuple[float, float]:
        """Limits that show the data range ``[lo, hi]``: the current ones if they still serve.

        Non-finite bounds (no data) keep the current limits (or ``(0, 1)``, resp. ``(0.1, 10)`` on a log axis).

        Parameters
        ----------
        lo : float
            Smallest data value on this axis (on a log axis a non-positive value counts as no data).
        hi : float
            Largest data value; ``hi < lo`` counts as no data.

        Returns
        -------
        tuple of float
            The limits ``(low, high)`` to set on the axis (in data units, also on a log axis).
        """

        lo, hi = float(lo), float(hi)
        if self.log:
            lo = np.log10(lo) if lo > 0 else np.nan
            hi = np.log10(hi) if hi > 0 else np.nan
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi < lo:
            if self.limits is None:
                self.limits = (0.1, 10.0) if self.log else (0.0, 1.0)
            return self.limits
        span = max(hi - lo, self.min_span)
        need_hi = hi + self.top_room * span  # the text box needs its room too
        if self.limits is not None:
            cur_lo, cur_hi = self._internal(self.limits)
            slack = self.margin * (cur_hi - cur_lo)
            fits = cur_lo + slack <= lo and need_hi <= cur_hi - slack
            if fits and (need_hi - lo) >= self.fill * (cur_hi - cur_lo):
                return self.limits
        pad = self.headroom * span
        new = (lo - pad, need_hi + pad)
        self.limits = (10 ** new[0], 10 ** new[1]) if self.log else new
        self.changes += 1
        return self.limits

    def _internal(self, limits):
        return (np.log10(limits[0]), np.log10(limits[1])) if self.log else limits

    def reset(self) -> None:
        """Forget the current limits (the next :meth:`fit` chooses new ones), e.g. when the function changes."""
        self.limits = None
