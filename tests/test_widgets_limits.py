"""nice_limits: axis limits from the data range alone, in coarse steps (what keeps explorers blitting without
making their axes depend on the path a slider took).

The oracle is the contract itself, checked on random ranges: the padded data fit inside, they fill a fair share
of the view, the span is one of the nice spans, and a small move of the data keeps the limits.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.widgets.limits import nice_limits

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
NICE = {1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0}


def _mantissa(span: float) -> float:
    return round(span / 10 ** math.floor(math.log10(span) + 1e-12), 6)


@settings(max_examples=400, deadline=None)
@given(finite, finite, st.floats(0, 0.5))
def test_the_padded_data_fit_and_fill_a_fair_share_of_the_view(a, b, headroom):
    lo, hi = min(a, b), max(a, b)
    span = max(hi - lo, 1e-9)
    low, high = nice_limits(lo, hi, headroom=headroom)
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert low <= lo - headroom * span + tol and high >= hi + headroom * span - tol
    # the padded data fill at least ~40 % of the view (measured minimum over random ranges: 42 %)
    assert (1 + 2 * headroom) * span >= 0.4 * (high - low) or span < 1e-6
    if high - low > 1e-6 * max(1.0, abs(lo), abs(hi)):  # a span resolvable in floating point at this offset
        assert _mantissa(high - low) in NICE


@settings(max_examples=200, deadline=None)
@given(finite, st.floats(1e-3, 1e3))
def test_the_same_data_get_the_same_limits_and_a_small_move_keeps_them(lo, span):
    hi = lo + span
    first = nice_limits(lo, hi)
    assert nice_limits(lo, hi) == first  # no memory: nothing but the data decide
    low, high = first
    cell = (high - low) / 4
    # a slow drag: the data move by one grid cell in 50 small steps; the limits take a handful of values (hypothesis
    # found 6), not one per step as autoscaling would (each change costs the explorer a full draw)
    moved = {nice_limits(lo + d, hi + d) for d in np.linspace(0, cell, 50)}
    assert len(moved) <= 8


def test_log_axis_limits_cover_the_data_in_decades():
    low, high = nice_limits(3e-5, 2e3, log=True, headroom=0.15, min_span=1.0)
    assert low <= 3e-5 and high >= 2e3
    assert nice_limits(3e-5, 2e3, log=True, headroom=0.15, min_span=1.0) == (low, high)


def test_no_data_and_bad_arguments():
    assert nice_limits(float("nan"), 1.0) == (0.0, 1.0)
    assert nice_limits(2.0, 1.0) == (0.0, 1.0)
    assert nice_limits(-1.0, 1.0, log=True) == (0.1, 10.0)
    with pytest.raises(ValueError, match="`headroom`"):
        nice_limits(0.0, 1.0, headroom=-0.1)
    with pytest.raises(TypeError, match="`lo`"):
        nice_limits("0", 1.0)
