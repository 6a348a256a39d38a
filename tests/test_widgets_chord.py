"""Chord Explorer: every control across its range; assertions on the state, never on pixels."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_checks import assert_healthy, labels_outside_the_figure  # noqa: E402

from course_utils.widgets import ChordExplorer  # noqa: E402
from course_utils.widgets.chord import CHORD_FUNCTIONS  # noqa: E402


@pytest.fixture
def explorer():
    e = ChordExplorer()
    yield e
    e.close()
    plt.close("all")


def test_state_matches_the_chord_inequality(explorer):
    e = explorer
    e.set(function="x²", x=-1.0, y=2.0, t=0.25)
    assert_healthy(e)
    p = e.state.point
    z = 0.25 * -1.0 + 0.75 * 2.0
    assert p.z[0] == pytest.approx(z)
    assert p.f_z == pytest.approx(z**2)
    assert p.chord_value == pytest.approx(0.25 * 1.0 + 0.75 * 4.0)
    assert not p.violated and "OK" in e.message_text
    assert "no chord" in e.message_text  # x² is convex over the window
    # the drawn markers sit where the state says
    assert e.on_graph.get_xydata()[0] == pytest.approx([z, z**2])
    assert e.on_chord.get_xydata()[0] == pytest.approx([z, p.chord_value])


def test_violation_flagged_in_words_marker_and_colour(explorer):
    e = explorer
    e.set(function="x⁴ − x²", x=-0.8, y=0.8, t=0.5)
    assert_healthy(e)
    assert e.state.point.violated and e.state.point.gap == pytest.approx(0.8**2 - 0.8**4)
    assert "VIOLATION" in e.message_text and "NOT convex" in e.message_text
    assert e.on_graph.get_marker() == "X"
    e.controls["function"].value = "x²"
    assert e.on_graph.get_marker() == "o"
    assert e.on_graph.get_color() != e.gap_marker.get_color() or not e.state.point.violated


@pytest.mark.parametrize("name", list(CHORD_FUNCTIONS))
def test_every_function_at_extremes_never_crashes(explorer, name):
    e = explorer
    e.controls["function"].value = name
    for x, y, t in [(-3.0, 3.0, 0.0), (3.0, -3.0, 1.0), (0.0, 0.0, 0.5), (-3.0, -3.0, 1.0), (3.0, 3.0, 0.0)]:
        e.set(x=x, y=y, t=t)
        assert_healthy(e)
        assert e.message_text
    convex = name in {"x²", "|x|", "eˣ", "log(1 + eˣ)", "−log x"}
    assert e.state.window_test.violated is (not convex)


def test_random_settings_in_random_order(explorer):
    e = explorer
    rng = np.random.default_rng(0)
    names = list(e.controls)
    for _ in range(30):
        name = names[rng.integers(len(names))]
        c = e.controls[name]
        c.value = list(CHORD_FUNCTIONS)[rng.integers(len(CHORD_FUNCTIONS))] if name == "function" else float(
            rng.uniform(c.min, c.max))
        assert_healthy(e)


def test_outside_the_domain_is_said_in_words(explorer):
    e = explorer
    e.set(function="−log x", x=-1.0, y=2.0, t=0.5)
    assert_healthy(e)
    assert "not defined" in e.message_text
    e.set(x=0.5)
    assert "OK" in e.message_text


def test_custom_lambda_vectorized_or_not():
    bump = ChordExplorer(f=lambda x: math.exp(-x * x), f_label="bump")  # not vectorized
    assert bump.params["function"] == "bump"
    assert bump.error is None and bump.caught_warnings == []
    bump.set(x=-0.5, y=0.5, t=0.5)  # concave near 0: violated
    assert bump.state.point.violated
    cube = ChordExplorer(f=np.cbrt, f_label="cube root", x=0.5, y=2.0)
    assert cube.state.window_test.violated  # concave on x > 0
    bump.close()
    cube.close()
    with pytest.raises(TypeError, match="`f`"):
        ChordExplorer(f=3.0)


def test_chord_limits_hold_while_x_is_dragged_and_do_not_depend_on_the_path():
    """Limits snapped to a coarse grid: a slow drag changes them at most once (most moves are cheap blits), the
    chord stays in view, and a setting shows the same limits whether reached from the left or from the right
    (the oracle: the limits of the same setting approached from the other side, and of a fresh explorer)."""
    e = ChordExplorer(function="x²", x=-1.0, y=1.0)
    try:
        ylims = [(e.ax.get_ylim(), e.ax_gap.get_ylim())]
        for x in np.arange(-1.0, -0.69, 0.05):
            e.controls["x"].value = round(float(x), 2)
            ylims.append((e.ax.get_ylim(), e.ax_gap.get_ylim()))
            p = e.state.point
            lo, hi = e.ax.get_ylim()
            assert lo <= min(p.f_x, p.f_y, p.f_z) and max(p.f_x, p.f_y, p.f_z) <= hi  # the chord stays in view
        assert sum(a != b for a, b in zip(ylims, ylims[1:])) <= 1
        from_left = e.ax.get_ylim(), e.ax_gap.get_ylim()
        e.controls["x"].value = -3.0  # f(x) = 9 leaves the view: the limits follow
        assert e.ax.get_ylim()[1] >= 9.0
        e.controls["x"].value = -0.7  # back from the far left
        assert (e.ax.get_ylim(), e.ax_gap.get_ylim()) == from_left
    finally:
        e.close()
    fresh = ChordExplorer(function="x²", x=-0.7, y=1.0)
    try:
        assert (fresh.ax.get_ylim(), fresh.ax_gap.get_ylim()) == from_left
    finally:
        fresh.close()


@pytest.mark.parametrize("setting", [dict(function="x²", x=-3.0, y=0.1),  # ticks up to "10.0": wider labels
                                     dict(function="−log x", x=0.05, y=3.0),  # negative values: "−1.5"
                                     dict(function="eˣ", x=-3.0, y=3.0)])
def test_labels_stay_inside_the_figure_after_the_layout_is_frozen(setting):
    e = ChordExplorer()  # laid out for the default function, then frozen
    try:
        e.set(**setting)
        assert e.error is None
        assert labels_outside_the_figure(e.fig) == []
    finally:
        e.close()


def test_messages_print_no_negative_zero():
    e = ChordExplorer()
    try:
        e.set(function="x²", x=1.0, y=1.0, t=0.5)  # a chord of length 0: the gap is exactly 0 (its negative −0.0)
        assert e.error is None
        assert "-0 " not in e.message_text and "-0." not in e.message_text, e.message_text
        assert "f(z) is 0 below (or on) the chord" in e.message_text
    finally:
        e.close()


def test_a_zero_gap_is_shown_at_the_graph_scale_without_an_offset_label(explorer):
    """x = y makes the gap zero all along: its axis must not zoom to ±1e-10 (an offset label "1e-10" then sat
    over the panel's title); the oracle is the left panel's own span."""
    explorer.set(x=0.5, y=0.5)
    explorer.fig.canvas.draw()
    lo, hi = explorer.ax_gap.get_ylim()
    f_lo, f_hi = explorer.ax.get_ylim()
    assert hi - lo >= 0.01 * (f_hi - f_lo)
    assert explorer.ax_gap.yaxis.get_offset_text().get_text() == ""
