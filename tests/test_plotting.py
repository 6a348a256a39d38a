"""Tests for course_utils.plotting: labelled, accessible figures; honest loss curves."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_utils import functions, optimizers, plotting  # noqa: E402
from course_utils.objective import FunctionObjective  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_import_course_utils_does_not_import_matplotlib():
    code = "import sys, course_utils, course_utils.plotting, course_utils.widgets; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_new_figure_presentation_is_larger_and_labels_use_larger_fonts():
    fig, ax = plotting.new_figure()
    big, bax = plotting.new_figure(presentation=True)
    assert big.get_size_inches()[0] > fig.get_size_inches()[0]
    plotting.label_axes(ax, title="t", xlabel="x", ylabel="y")
    plotting.label_axes(bax, title="t", xlabel="x", ylabel="y")
    assert bax.title.get_fontsize() > ax.title.get_fontsize()
    assert bax.xaxis.label.get_fontsize() > ax.xaxis.label.get_fontsize()


def test_new_figure_mixed_projections():
    fig, (a3, a2) = plotting.new_figure(1, 2, projection=["3d", None])
    assert a3.name == "3d" and a2.name == "rectilinear"
    with pytest.raises(ValueError, match="projection"):
        plotting.new_figure(1, 2, projection=["3d"])


def test_grid_values_orientation_matches_matplotlib_convention():
    X, Y, Z = plotting.grid_values(lambda x, y: x + 10 * y, ((0, 1), (0, 2)), resolution=5)
    # x varies along columns, y along rows: Z[i, j] = f(xs[j], ys[i])
    assert np.allclose(X[0], np.linspace(0, 1, 5)) and np.allclose(Y[:, 0], np.linspace(0, 2, 5))
    assert np.allclose(Z, X + 10 * Y)


def test_grid_values_objective_and_function_agree():
    obj = functions.get("rosenbrock")
    X, Y, Z = plotting.grid_values(obj, resolution=7)
    expected = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    assert np.allclose(Z, expected)
    plain = FunctionObjective(lambda t: (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2, dim=2)
    _, _, Z2 = plotting.grid_values(plain, obj.bounds, resolution=7)
    assert np.allclose(Z2, expected)


def test_grid_values_rejects_bad_bounds_and_wrong_dim():
    with pytest.raises(ValueError, match="bounds"):
        plotting.grid_values(lambda x, y: x, ((1, 0), (0, 1)))
    with pytest.raises(ValueError, match="dim"):
        plotting.grid_values(FunctionObjective(lambda t: t @ t, dim=3), ((0, 1), (0, 1)))


def test_plot_contour_is_labelled_and_uses_viridis():
    obj = functions.get("himmelblau")
    fig, ax = plotting.new_figure()
    cs = plotting.plot_contour(ax, obj, levels=20, log=True, colorbar=True)
    assert ax.get_title() == obj.name
    assert ax.get_xlabel() and ax.get_ylabel()
    assert cs.get_cmap().name == "viridis"
    assert ax.get_xlim() == tuple(obj.bounds[0])
    # log levels are increasing and start at the grid minimum
    _, _, Z = plotting.grid_values(obj, resolution=121)
    assert np.all(np.diff(cs.levels) > 0) and np.isclose(cs.levels[0], Z.min())
    # the four known minima are marked
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert len(stars) == 1 and len(stars[0].get_xdata()) == len(obj.minima)


def test_plot_surface_requires_3d_axes_and_labels_z():
    obj = functions.get("wobbly", amplitude=0.5)
    fig, ax = plotting.new_figure()
    with pytest.raises(ValueError, match="3-D"):
        plotting.plot_surface(ax, obj)
    fig, ax3 = plotting.new_figure(projection="3d")
    surf = plotting.plot_surface(ax3, obj, resolution=21, cmap="cividis")
    assert surf.get_cmap().name == "cividis"
    assert ax3.get_zlabel() == "loss" and ax3.get_title() == obj.name


def test_plot_trajectory_draws_the_path_and_marks_divergence():
    obj = functions.get("wobbly", amplitude=0.0)
    fig, ax = plotting.new_figure()
    good = optimizers.run(obj, optimizers.gd(), [1.0, -1.0], steps=20, lr=0.1)
    line = plotting.plot_trajectory(ax, good, label="GD")
    assert np.allclose(line.get_xydata(), good.thetas)
    assert line.get_label() == "GD"
    bad = optimizers.run(obj, optimizers.gd(), [1.0, -1.0], steps=100, lr=1.5)
    assert bad.diverged
    line2 = plotting.plot_trajectory(ax, bad, label="GD big", bounds=obj.bounds)
    assert line2.get_label() == f"GD big (diverged at step {bad.diverged_at})"
    drawn = line2.get_xydata()
    pieces = drawn[np.all(np.isfinite(drawn), axis=1)]  # NaN rows break the line where it leaves the box
    assert np.all(np.abs(pieces) <= 1.5 + 1e-12)  # clipped to the box
    assert line2.course_path.end.get_marker() == "X"
    last = bad.thetas[np.all(np.isfinite(bad.thetas), axis=1)][-1]
    assert line2.course_path.windowed is not None and np.allclose(line2.course_path.windowed.end, last)


def test_plot_loss_curves_log_scale_and_styles():
    fig, ax = plotting.new_figure()
    lines = plotting.plot_loss_curves(ax, {"a": [1.0, 0.5, 0.1], "b": [2.0, 1.0, 0.3]})
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert "log" in ax.get_ylabel() and ax.get_xlabel() == "step" and ax.get_title()
    assert ax.course_notes == []


def test_plot_loss_curves_non_positive_values_switch_to_symlog_and_say_so():
    fig, ax = plotting.new_figure()
    plotting.plot_loss_curves(ax, [np.array([1.0, 0.0, -0.5])], labels=["neg"])
    assert ax.get_yscale() == "symlog"
    assert any("≤ 0" in note for note in ax.course_notes)
    assert any("≤ 0" in t.get_text() for t in ax.texts)


def test_plot_loss_curves_divergence_is_reported():
    obj = functions.get("wobbly", amplitude=0.0)
    bad = optimizers.run(obj, optimizers.gd(), [1.0, 1.0], steps=100, lr=1.5)
    fig, ax = plotting.new_figure()
    (line,) = plotting.plot_loss_curves(ax, bad)
    assert f"diverged at step {bad.diverged_at}" in line.get_label()
    assert np.all(np.isfinite(line.get_ydata()))
    # a plain array that turns non-finite is reported too
    fig, ax = plotting.new_figure()
    (line,) = plotting.plot_loss_curves(ax, np.array([1.0, 10.0, np.inf, np.nan]), labels=["x"])
    assert "diverged at step 2" in line.get_label() and len(line.get_ydata()) == 2


def test_series_styles_are_distinct_and_colour_blind_safe():
    styles = plotting.series_styles(8)
    assert len({s["color"] for s in styles}) == 8
    assert len({s["marker"] for s in styles}) == 8
    assert all(s["color"] in plotting.OKABE_ITO for s in styles)
    many = plotting.series_styles(32)
    assert len({(s["color"], s["linestyle"], s["marker"]) for s in many}) == 32
    assert plotting.series_styles(0) == []
    with pytest.raises(ValueError, match="`n`"):
        plotting.series_styles(-1)


# --- paths that leave the window: clipped, the true end shown where it is or by an arrow on the edge ---------
_BOX = ((-1.0, 1.0), (-1.0, 1.0))


def _on_polyline(point, pts, tol=1e-9):
    """Distance from ``point`` to the polyline through ``pts`` (an independent oracle of clipping)."""
    best = np.inf
    for p, q in zip(pts[:-1], pts[1:]):
        d = q - p
        t = np.clip(np.dot(point - p, d) / max(np.dot(d, d), 1e-300), 0, 1)
        best = min(best, float(np.linalg.norm(point - (p + t * d))))
    return best < tol


def test_a_path_that_leaves_and_returns_is_clipped_and_its_end_drawn_at_the_true_end():
    pts = np.array([[0.0, 0.0], [0.5, 0.5], [3.0, 0.5], [2.5, 4.0], [0.2, -0.5]])
    fig, ax = plotting.new_figure()
    line = plotting.plot_trajectory(ax, pts, label="run", bounds=_BOX)
    drawn = line.get_xydata()
    pieces = drawn[np.all(np.isfinite(drawn), axis=1)]
    assert np.isnan(drawn).any()  # drawn in two pieces: out and back in
    assert np.all(np.abs(pieces) <= 1 + 1e-12)
    assert all(_on_polyline(p, pts) for p in pieces)
    artists = line.course_path
    assert np.allclose(artists.end.get_xydata(), [pts[-1]])  # the run's true final point, not a cut point
    assert np.allclose(artists.start.get_xydata(), [pts[0]])
    assert not artists.arrow.get_visible()


def test_a_path_that_ends_outside_gets_an_arrow_on_the_edge_toward_the_true_end():
    pts = np.array([[0.0, 0.0], [0.5, -0.2], [-0.4, 0.6], [-1.23, 9.83]])
    fig, ax = plotting.new_figure()
    line = plotting.plot_trajectory(ax, pts, label="SFN", bounds=_BOX)
    artists = line.course_path
    assert artists.end.get_xydata().size == 0  # no end marker anywhere in the window
    assert artists.arrow.get_visible()
    head = np.array(artists.arrow.xy)
    # on the boundary ...
    assert np.isclose(np.max(np.abs(head)), 1.0) and np.all(np.abs(head) <= 1 + 1e-12)
    # ... on the segment from the last point inside to the true end
    last_in, end = pts[2], pts[3]
    d, e = end - last_in, head - last_in
    assert abs(d[0] * e[1] - d[1] * e[0]) < 1e-9 and 0 < np.dot(e, d) < np.dot(d, d)
    # the arrow points toward the end, its label has the true coordinates
    tail = np.array(artists.arrow.get_position())
    assert np.dot(head - tail, end - head) > 0
    assert "(-1.23, 9.83)" in artists.arrow.get_text() and "SFN" in artists.arrow.get_text()


@pytest.mark.parametrize("leaves_at", [(0.0, 3.0), (0.9, 3.0), (-0.9, 3.0), (0.6, -3.0), (3.0, 0.95), (-3.0, -0.9)])
def test_the_off_screen_label_stays_inside_its_axes_however_long(leaves_at):
    # a long name near an edge: the label would stick out over whatever is beside the axes (a colour bar)
    pts = np.array([[0.1, 0.0], [0.3, 0.2], leaves_at])
    fig, ax = plotting.new_figure(figsize=(4.5, 3.0), layout="none")
    ax.set_xlim(*_BOX[0])  # limits first, as an explorer sets them
    ax.set_ylim(*_BOX[1])
    line = plotting.plot_trajectory(ax, pts, label="saddle-free Newton, a long name", bounds=_BOX)
    arrow = line.course_path.arrow
    assert arrow.get_visible()
    fig.canvas.draw()  # the oracle: where matplotlib itself drew the text
    from matplotlib.text import Text

    box, frame = Text.get_window_extent(arrow, fig.canvas.get_renderer()), ax.get_window_extent()
    assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, (box.bounds, frame.bounds)
    plt.close(fig)


def test_a_diverged_run_is_drawn_up_to_its_last_finite_point():
    pts = np.array([[0.2, 0.2], [0.4, -0.4], [0.8, 0.9], [np.inf, np.nan]])
    w = plotting.window_path(pts, _BOX)
    assert w.diverged and w.end_inside and np.allclose(w.end, pts[2])
    assert np.allclose(w.xy, pts[:3])
    fig, ax = plotting.new_figure()
    line = plotting.plot_trajectory(ax, pts, bounds=_BOX)
    assert line.course_path.end.get_marker() == "X"
    far = plotting.window_path(np.array([[0.0, 0.0], [1e30, -2e30], [np.nan, 0]]), _BOX)
    assert far.diverged and not far.end_inside and "last finite point (1e+30, -2e+30)" in far.end_text()


def test_window_path_keeps_extra_coordinates_on_the_segments_and_checks_inputs():
    pts = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 3.0]])  # x, y, height
    w = plotting.window_path(pts, _BOX)
    assert np.allclose(w.xy, [[0, 0, 1], [1, 0, 2]])  # height interpolated at the cut (x = 1: halfway)
    assert w.start is not None and w.edge is not None and np.allclose(w.edge, [1, 0])
    assert np.allclose(w.direction, [1, 0])
    outside_start = plotting.window_path(np.array([[5.0, 0.0], [0.0, 0.0]]), _BOX)
    assert outside_start.start is None and outside_start.end_inside
    assert np.allclose(outside_start.xy, [[1, 0], [0, 0]])
    with pytest.raises(ValueError, match="points"):
        plotting.window_path(np.array([[np.nan, 0.0]]), _BOX)
    with pytest.raises(ValueError, match="bounds"):
        plotting.window_path(pts, ((1, 0), (0, 1)))


def test_camel_saddle_free_newton_end_marker_is_the_local_minimum_it_ends_in():
    # the run of chapter 4: it leaves the window at its 4th iterate and comes back to a local minimum
    camel = functions.get("six_hump_camel")
    traj = optimizers.run(camel, optimizers.saddle_free_newton(1e-3), [0.05, 0.05], steps=60, lr=1.0)
    assert np.any(np.abs(traj.thetas[:, 1]) > 1)  # it does leave the window
    fig, ax = plotting.new_figure()
    line = plotting.plot_trajectory(ax, traj, bounds=camel.bounds)
    assert np.allclose(line.course_path.end.get_xydata(), [traj.thetas[-1]])


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-5e-5, max_value=0.0, exclude_max=False, allow_subnormal=True),
       st.sampled_from([".4f", ".2f", "+.4f", ".0f", "8.3f", ".1e", ".3g", ".0e"]))
def test_fmt_never_prints_a_negative_zero(value, spec):
    text = plotting.fmt(value, spec)
    mantissa = text.strip().lstrip("+-").lower().split("e")[0]
    if not any(c in mantissa for c in "123456789"):
        assert "-" not in text.split("e")[0], (value, spec, text)
    assert float(text) == pytest.approx(float(format(value, spec)), abs=0)  # the same number otherwise
    if "+" in spec and value == 0:
        assert text.strip().startswith("+")


def test_a_widget_figure_is_sent_complete_once_after_the_last_request():
    """Requests within the delay replace each other (a drag is completed once, when it stops); the request is the
    browser's own "refresh" message; a canvas with no browser gets nothing."""
    import asyncio
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    previous = matplotlib.get_backend()
    try:
        backend = pytest.importorskip("ipympl.backend_nbagg")  # importing it makes it pyplot's backend
        fig = Figure()
        with warnings.catch_warnings():  # ipympl's toolbar passes traitlets an argument it deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            manager = backend.new_figure_manager_given_figure(9001, fig)
    finally:
        plt.switch_backend(previous)
    sent = []
    manager.handle_json = sent.append

    async def drag():
        assert plotting.request_full_frame(fig, delay=0.05)
        await asyncio.sleep(0.02)
        assert plotting.request_full_frame(fig, delay=0.05)
        await asyncio.sleep(0.02)
        assert sent == []  # still moving
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert sent == [{"type": "refresh"}]
    assert not plotting.request_full_frame(fig)  # no running event loop: nobody is watching
    assert not asyncio.run(_request_in_loop(Figure()))  # an Agg figure: no browser to repair


async def _request_in_loop(fig):
    return plotting.request_full_frame(fig)


def test_level_bar_labels_never_repeat_where_levels_crowd():
    # log-spaced levels crowd above the minimum (the six-hump camel's: −1.0316, −1.031, −1.027 …): with three
    # significant digits two ticks read "-1.03"; the bar gives as many digits as the ticks need to differ
    fig, (ax, cax) = plotting.new_figure(1, 2)
    try:
        cs = plotting.plot_contour(ax, functions.get("six_hump_camel"), levels=30, log=True, minima=[])
        plotting.level_bar(cax, cs, "f")
        labels = [t.get_text() for t in cax.get_yticklabels()]
        assert len(labels) >= 4 and len(set(labels)) == len(labels), labels
        # each label is its tick's level, to the digits shown (the oracle: the contour set's own levels)
        for tick, label in zip(cax.get_yticks(), labels):
            level = cs.levels[int(round(tick))]
            digits = len(label.lstrip("-").replace(".", "").lstrip("0"))
            assert abs(float(label) - level) <= 10 ** (np.floor(np.log10(abs(level))) - digits + 1), (label, level)
        # well-separated levels keep three significant digits
        cs2 = plotting.plot_contour(ax, functions.get("bowl"), levels=10, minima=[])
        plotting.level_bar(cax, cs2, "f")
        assert all(len(t.get_text().lstrip("-").replace(".", "").lstrip("0")) <= 3 for t in cax.get_yticklabels())
    finally:
        plt.close(fig)


def test_a_brief_off_screen_label_is_one_line_with_the_name_and_the_outcome():
    pts = np.array([[0.0, 0.0], [0.5, -0.2], [-0.4, 0.6], [-1.23, 9.83]])
    fig, ax = plotting.new_figure()
    try:
        artists = plotting.PathArtists(ax, name="SFN")
        artists.brief = True
        artists.update(plotting.window_path(pts, _BOX))
        assert artists.arrow.get_text() == "SFN: off-screen"
        artists.update(plotting.window_path(np.vstack([pts, [[np.inf, np.nan]]]), _BOX, diverged=True))
        assert artists.arrow.get_text() == "SFN: diverged"
    finally:
        plt.close(fig)


def test_presentation_tick_labels_stand_further_from_their_ticks():
    # at matplotlib's 3.5 pt the larger projector tick labels met at an axes' corner ("−1.5" over "−1.5")
    fig, ax = plotting.new_figure()
    big, bax = plotting.new_figure(presentation=True)
    try:
        for a in (ax, bax):
            plotting.label_axes(a, title="t", xlabel="x", ylabel="y")
        for axis in ("xaxis", "yaxis"):
            small_pad = getattr(ax, axis).get_major_ticks()[0].get_pad()
            big_pad = getattr(bax, axis).get_major_ticks()[0].get_pad()
            assert big_pad >= 1.3 * small_pad, (axis, small_pad, big_pad)
    finally:
        plt.close(fig)
        plt.close(big)
