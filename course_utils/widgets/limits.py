r"""Axis limits that stay put while a slider moves, and depend on the setting alone.

An explorer that autoscales an axis on every update changes its tick labels on every update, and then the
cached background of :mod:`course_utils.widgets.blitting` is useless: each tick costs a full draw (50–250 ms)
instead of a blit (a few ms). Limits that remember (keep what was chosen while the data still fit: hysteresis)
avoid that, but then the axes a student sees at one setting depend on the path the slider took — dragged from
the left or from the right, different axes. :func:`nice_limits` gets the stability without memory: limits
snapped to a coarse grid of "nice" spans, a function of the data range alone, so they stay put while the data
move inside one grid cell and are the same however the setting was reached
(``tests/test_widgets_path_independence.py`` checks every explorer).

Examples
--------
>>> nice_limits(0.1, 0.9)
(0.0, 1.0)
>>> nice_limits(0.12, 0.88) == nice_limits(0.1, 0.9)   # a small move: the same limits
True
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validation import check_bool, check_scalar

__all__ = ["nice_limits"]


#: The spans :func:`nice_limits` chooses from, per decade: fine enough that the data fill most of the view, coarse
#: enough that a slider's small step seldom changes the limits.
_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)


def nice_limits(lo: float, hi: float, *, headroom: float = 0.1, top_room: float = 0.0, log: bool = False,
                min_span: float = 1e-9, cells: int = 4) -> tuple[float, float]:
    r"""Limits for the data range ``[lo, hi]`` that depend on the range alone and change in coarse steps.

    The data span :math:`s = \max(hi - lo, \mathrm{min\_span})` is padded to
    :math:`[lo - h s,\; hi + (h + t) s]` (:math:`h` = ``headroom``, :math:`t` = ``top_room``). The shown span
    :math:`S` is the smallest of :math:`\{1, 1.5, 2, 3, 4, 5, 6, 8\} \times 10^k` whose grid of cells :math:`S / \mathrm{cells}`
    has a cell boundary :math:`L = \lfloor (lo - h s) / (S/\mathrm{cells}) \rfloor \, S/\mathrm{cells}` with
    :math:`L + S \ge hi + (h + t) s`; the limits are :math:`(L, L + S)`. So the padded data fill at least ~40 % of
    the view (tests/test_widgets_limits.py), the limits change a few times while the data move by one cell (not at
    every step), and the same data always get the same limits, whatever came before (no memory).

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
    # one point with no headroom still gets a view of at least min_span
    need_hi = max(need_hi, need_lo + min_span)
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
