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

:class:`StableRange` remembers: the limits it shows depend on the path the data took (dragged from the left or
from the right, a student saw different axes at one setting). :func:`nice_limits` gets the same stability without
memory: limits snapped to a coarse grid of "nice" spans, a function of the data range alone, so they stay put
while the data move inside one grid cell and are the same however the setting was reached.

>>> nice_limits(0.1, 0.9)
(0.0, 1.0)
>>> nice_limits(0.12, 0.88) == nice_limits(0.1, 0.9)   # a small move: the same limits
True
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validation import check_bool, check_scalar

__all__ = ["StableRange", "nice_limits"]


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


#: The spans :func:`nice_limits` chooses from, per decade: fine enough that the data fill most of the view, coarse
#: enough that a slider's small step seldom changes the limits.
_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)


def nice_limits(lo: float, hi: float, *, headroom: float = 0.1, top_room: float = 0.0, log: bool = False,
                min_span: float = 1e-9, cells: int = 4) -> tuple[float, float]:
    r"""Limits for the data range ``[lo, hi]`` that depend on the range alone and change in coarse steps.

    The data span :math:`s = \max(hi - lo, \mathrm{min\_span})` is padded to
    :math:`[lo - h s,\; hi + (h + t) s]` (:math:`h` = ``headroom``, :math:`t` = ``top_room``). The shown span
    :math:`S` is the smallest of :math:`\{1, 2, 5\} \times 10^k` whose grid of cells :math:`S / \mathrm{cells}`
    has a cell boundary :math:`L = \lfloor (lo - h s) / (S/\mathrm{cells}) \rfloor \, S/\mathrm{cells}` with
    :math:`L + S \ge hi + (h + t) s`; the limits are :math:`(L, L + S)`. So the padded data fill at least about
    half of the view, the limits stay put while the data move within one cell, and — unlike
    :class:`StableRange` — the same data always get the same limits, whatever came before.

    Parameters
    ----------
    lo : float
        Smallest data value (on a log axis a non-positive value counts as no data).
    hi : float
        Largest data value; ``hi < lo`` or a non-finite bound counts as no data: ``(0, 1)``, resp. ``(0.1, 10)``.
    headroom : float, default 0.1
        Padding on each side, as a share of the data span; non-negative.
    top_room : float, default 0.0
        Extra space above the data, as a share of the data span (room for a text box); non-negative.
    log : bool, default False
        Work in :math:`\log_{10}` of the values (for a log-scaled axis).
    min_span : float, default 1e-9
        Smallest data span (axis units, or decades when ``log``), positive.
    cells : int, default 4
        Grid cells per shown span (the lower limit is a multiple of :math:`S / \mathrm{cells}`), at least 1.

    Returns
    -------
    tuple of float
        ``(low, high)`` in data units (also on a log axis).

    Examples
    --------
    >>> nice_limits(0.0, 9.0)
    (-3.75, 11.25)
    >>> nice_limits(0.5, 9.5) == nice_limits(0.0, 9.0)
    True
    """
    from ..validation import check_int

    headroom = check_scalar(headroom, "headroom", low=0)
    top_room = check_scalar(top_room, "top_room", low=0)
    log = check_bool(log, "log")
    min_span = check_scalar(min_span, "min_span", low=0, low_inclusive=False)
    cells = check_int(cells, "cells", low=1)
    for name, value in (("lo", lo), ("hi", hi)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
            raise TypeError(f"`{name}` must be a real number (NaN or ±inf: no data), got {value!r} of type "
                            f"{type(value).__name__}")
    lo, hi = float(lo), float(hi)
    if log:
        lo = float(np.log10(lo)) if lo > 0 else np.nan
        hi = float(np.log10(hi)) if hi > 0 else np.nan
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi < lo:
        return (0.1, 10.0) if log else (0.0, 1.0)
    span = max(hi - lo, min_span)
    need_lo, need_hi = lo - headroom * span, hi + (headroom + top_room) * span
    exponent = int(np.floor(np.log10(need_hi - need_lo)))
    for k in range(exponent, exponent + 3):
        for mantissa in _MANTISSAS:
            size = mantissa * 10.0 ** k
            cell = size / cells
            low = np.floor(need_lo / cell) * cell
            if size >= need_hi - need_lo and low + size >= need_hi:
                low, high = float(low), float(low + size)
                # tidy round-off (0.30000000000000004): a multiple of the cell, to 12 significant digits
                low, high = float(f"{low:.12g}"), float(f"{high:.12g}")
                return (10.0 ** low, 10.0 ** high) if log else (low, high)
    raise AssertionError("unreachable: a span of 100× the data always fits")  # pragma: no cover
