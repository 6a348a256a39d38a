"""StableRange: axis limits with hysteresis (the mechanism that keeps explorers blitting)."""

import numpy as np
import pytest

from course_utils.widgets.limits import StableRange


def test_limits_hold_while_the_data_fit_and_fill_the_view():
    r = StableRange(headroom=0.2, fill=0.3)
    first = r.fit(0.0, 1.0)
    assert first == pytest.approx((-0.2, 1.2))
    for lo, hi in [(0.1, 1.1), (-0.1, 0.9), (0.3, 0.8)]:  # inside, and at least 30% of the span
        assert r.fit(lo, hi) == first
    assert r.changes == 1


def test_limits_change_when_the_data_leave_or_shrink():
    r = StableRange(headroom=0.2, fill=0.3)
    r.fit(0.0, 1.0)
    lo, hi = r.fit(0.0, 5.0)  # left the view: new limits contain the data with headroom
    assert lo < 0.0 and hi > 5.0 and r.changes == 2
    lo, hi = r.fit(0.0, 0.2)  # now fills 4% of the view: zoom back in
    assert hi < 1.0 and hi > 0.2 and r.changes == 3


def test_top_room_and_log_axis():
    r = StableRange(headroom=0.0, fill=0.1, top_room=0.5)
    assert r.fit(0.0, 2.0) == pytest.approx((0.0, 3.0))  # half a span of room above the data
    g = StableRange(log=True, headroom=0.5, min_span=1.0)
    lo, hi = g.fit(1e-4, 1.0)  # 4 decades, half a span (2 decades) of headroom each side
    assert np.log10(lo) == pytest.approx(-6.0) and np.log10(hi) == pytest.approx(2.0)
    assert g.fit(1e-3, 1.0) == (lo, hi)  # 3 of 8 decades: still fills the view


def test_no_data_keeps_the_limits_and_bad_arguments_raise():
    r = StableRange()
    assert r.fit(np.nan, 1.0) == (0.0, 1.0)
    r.fit(2.0, 3.0)
    kept = r.limits
    assert r.fit(np.nan, np.inf) == kept
    r.reset()
    assert r.limits is None
    with pytest.raises(ValueError, match="fill"):
        StableRange(headroom=1.0, fill=0.5)  # would rescale on every update
    with pytest.raises(ValueError, match="headroom"):
        StableRange(headroom=-1.0)


def test_data_touching_an_edge_get_new_limits_with_room():
    r = StableRange(headroom=0.1)
    lo, hi = r.fit(0.0, 1.0)
    assert r.fit(0.0, 1.0 + 0.5 * (hi - 1.0)) == (lo, hi)  # inside, with room to spare: kept
    new = r.fit(0.0, hi - 0.001 * (hi - lo))  # inside, but a marker there would be cut by the edge
    assert new != (lo, hi) and new[1] > hi and r.changes == 2
    assert StableRange(headroom=0.0).margin == 0.0  # no headroom, no margin: data may touch the edges
    with pytest.raises(ValueError, match="margin"):
        StableRange(headroom=0.1, margin=0.2)
