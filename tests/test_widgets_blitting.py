"""Blitting: a blitted explorer shows exactly what a full redraw shows, and falls back when the layout changes."""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils.widgets import (  # noqa: E402
    ChordExplorer,
    ConditioningExplorer,
    OptimizerRace,
    SaddleEscape,
    StabilityExplorer,
    TerrainExplorer,
)


def _full_redraw(explorer) -> np.ndarray:
    explorer.fig.canvas.draw()
    return np.asarray(explorer.fig.canvas.buffer_rgba()).copy()


def _drawn_blitter(fig):
    """A Blitter on ``fig`` after the first full draw (as on screen)."""
    from course_utils.widgets.blitting import Blitter

    blitter = Blitter(fig)
    blitter.refresh(full_draw=fig.canvas.draw)
    fig.canvas.draw()
    return blitter


def _blit_matches_full_redraw(blitter) -> bool:
    """Whether the canvas as the last refresh left it equals a full redraw of the figure."""
    blitted = blitter.image()
    blitter.fig.canvas.draw()
    return np.array_equal(blitted, blitter.image())


@pytest.mark.parametrize("cls, control, values", [
    (TerrainExplorer, "x0", [0.3, -0.8, 1.2]),      # a 3-D axes (redrawn whole) beside a 2-D one
    (SaddleEscape, "eps", [1e-3, 1e-8, 1e-5]),
    (StabilityExplorer, "lr", [0.05, 0.19, 0.21]),
    (ChordExplorer, "x", [-3.0, 0.3, -2.45, 2.9]),          # y-limits rescale: the axes are redrawn, not cached
    (ConditioningExplorer, "kappa", [3.0, 300.0, 30.0]),    # legends drawn from cached images
    (OptimizerRace, "lr", [0.002, 0.05, 0.01]),
])
def test_blitted_updates_match_a_full_redraw_pixel_for_pixel(cls, control, values):
    explorer = cls()
    try:
        explorer.fig.canvas.draw()
        for v in values:
            explorer.controls[control].value = v
            blitted = explorer._blitter.image()
            assert np.array_equal(blitted, _full_redraw(explorer)), f"{cls.__name__} at {control}={v}"
        assert explorer._blitter.blits > 0
    finally:
        explorer.close()


def test_a_canvas_never_drawn_is_not_rendered_on_updates():
    explorer = SaddleEscape()
    try:
        explorer.controls["eps"].value = 1e-4
        assert explorer._blitter.blits == 0 and explorer._blitter.full_draws == 0
    finally:
        explorer.close()


def test_a_layout_change_falls_back_to_a_full_draw():
    explorer = SaddleEscape()
    try:
        explorer.fig.canvas.draw()
        full_before = explorer._blitter.full_draws
        explorer.fig.axes[0].set_xlim(-5, 5)  # the cached furniture (ticks) no longer matches
        explorer.controls["eps"].value = 1e-4
        assert explorer._blitter.full_draws == full_before + 1
        assert np.array_equal(explorer._blitter.image(), _full_redraw(explorer))
    finally:
        explorer.close()


def _saved(cls, blit, control, value) -> np.ndarray:
    import matplotlib.image as mpimg

    explorer = type(f"{cls.__name__}Plain", (cls,), {"blit": blit})()
    try:
        explorer.fig.canvas.draw()
        explorer.controls[control].value = value
        if blit:  # a new layout (tick labels outgrew their room) would make the two figures differ
            assert explorer._blitter.relayouts == 0
        buffer = io.BytesIO()
        explorer.fig.savefig(buffer, format="png", dpi=50)
        return mpimg.imread(io.BytesIO(buffer.getvalue()))
    finally:
        explorer.close()


@pytest.mark.parametrize("cls, control, value", [
    (TerrainExplorer, "x0", -1.0),
    (ConditioningExplorer, "kappa", 30.0),   # legends over the data
    (ChordExplorer, "x", -1.2),              # a figure legend and rescaled axes
])
def test_savefig_of_a_blitted_explorer_equals_the_plain_figure(cls, control, value):
    # every artist exactly once: the axes draw their animated children when saving, the blitter adds only
    # what the figure skipped (3-D axes, figure legends)
    assert np.array_equal(_saved(cls, True, control, value), _saved(cls, False, control, value))


def test_static_texts_stay_in_the_background_until_they_change():
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1], label="data")
    legend = ax.legend(loc="lower right")
    title = ax.set_title("step 0")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    blitter = _drawn_blitter(fig)
    # the legend stays on top of the data, so it is redrawn; the unchanged title is background
    assert line in blitter.dynamic_artists() and legend in blitter.dynamic_artists()
    assert title not in blitter.dynamic_artists()
    line.set_ydata([0.2, 0.8])
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    title.set_text("step 1")  # a changed text: one full draw, then it is redrawn on every blit
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
    assert title in blitter.dynamic_artists()
    title.set_text("step 2")
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert _blit_matches_full_redraw(blitter)
    plt.close(fig)


def test_a_line_crossing_a_legend_stays_under_it():
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 0], linewidth=6, label="a long legend label")
    ax.legend(loc="center", frameon=True, framealpha=1.0)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    blitter = _drawn_blitter(fig)
    line.set_ydata([0.0, 0.02])  # right through the legend box
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert _blit_matches_full_redraw(blitter)
    plt.close(fig)


def _figure_with_legend_over_a_line():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot([0.1, 0.9], [0.5, 0.52], linewidth=5, label="a long legend label")
    ax.fill_between([0.2, 0.8], 0.3, 0.7, alpha=0.4, hatch="//", label="a translucent band")
    legend = ax.legend(loc="center", framealpha=0.6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return fig, ax, line, legend


def test_a_legend_drawn_from_its_cached_image_looks_like_a_direct_draw():
    import matplotlib.pyplot as plt


    plain_fig, *_ = _figure_with_legend_over_a_line()
    plain_fig.canvas.draw()
    plain = np.asarray(plain_fig.canvas.buffer_rgba()).astype(int)
    fig, ax, line, legend = _figure_with_legend_over_a_line()
    blitter = _drawn_blitter(fig)
    assert blitter.sprites_rendered == 1
    sprite = blitter._sprites[id(legend)][0]
    assert sprite.image is not None and sprite.image.shape[0] > 10  # the legend's own pixels, not the canvas
    # spines sit under the redrawn artists when blitting; this figure's data stay clear of them
    difference = np.abs(blitter.image().astype(int) - plain)
    assert difference.max() <= 1  # compositing rounds, nothing more
    assert np.mean(difference.any(axis=-1)) < 0.02
    plt.close(fig)
    plt.close(plain_fig)


def test_an_unchanged_legend_is_reused_and_a_changed_one_rendered_again():
    import matplotlib.pyplot as plt


    fig, ax, line, legend = _figure_with_legend_over_a_line()
    blitter = _drawn_blitter(fig)
    rendered = blitter.sprites_rendered
    for y in (0.45, 0.55, 0.6):  # the data under the legend move; the legend does not change
        line.set_ydata([y, y + 0.02])
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert blitter.sprites_rendered == rendered
    legend.get_texts()[0].set_text("a new label")  # same place, new text: rendered again, and right
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert blitter.sprites_rendered == rendered + 1
    assert _blit_matches_full_redraw(blitter)
    legend.set_loc("upper left")  # moved: rendered again at its new place
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert _blit_matches_full_redraw(blitter)
    plt.close(fig)


def test_an_axis_that_rescales_is_redrawn_instead_of_forcing_full_draws():
    import matplotlib.pyplot as plt


    fig, (ax, ax_equal) = plt.subplots(1, 2, figsize=(6, 3))
    (line,) = ax.plot([0, 1], [0, 1])
    ax_equal.plot([0, 1], [0, 1])
    ax_equal.set_aspect("equal")  # limits change the axes box: never promoted
    blitter = _drawn_blitter(fig)
    ax.set_ylim(0, 2)
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"  # once: the y axis leaves the background
    assert ax.yaxis in blitter.dynamic_artists() and ax.xaxis not in blitter.dynamic_artists()
    for top in (5.0, 50.0, 0.5):
        ax.set_ylim(0, top)
        line.set_ydata([0, top])
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
        assert _blit_matches_full_redraw(blitter), top
    ax.set_xlim(0, 3)  # the other axis of the same axes: promoted in its turn
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
    ax_equal.set_ylim(0, 3)
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
    ax_equal.set_ylim(0, 4)
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
    assert ax_equal.yaxis not in blitter.dynamic_artists()
    plt.close(fig)


def test_an_unchanged_axis_is_drawn_from_its_cached_image():
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    (line,) = ax.plot([1, 10], [1, 1e5])
    ax.set_yscale("log")  # many minor ticks: an expensive axis to draw
    blitter = _drawn_blitter(fig)
    ax.set_ylim(1, 1e6)
    assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
    rendered = blitter.sprites_rendered
    for y in (1e2, 1e3, 1e4):  # data move, limits stay
        line.set_ydata([1, y])
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert blitter.sprites_rendered == rendered
    ax.set_ylim(1, 1e7)
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    assert blitter.sprites_rendered == rendered + 1
    plt.close(fig)


def test_axis_labels_stay_inside_the_figure_when_tick_labels_grow():
    # The layout is frozen after the first draw; when a rescaled axis's tick labels grow wider than the room
    # they were given, the explorer lays the figure out again instead of pushing the axis label off the figure.
    explorer = ChordExplorer()
    try:
        fig = explorer.fig
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for x in np.linspace(-3.0, 3.0, 13):
            explorer.controls["x"].value = round(float(x), 2)
            for ax in fig.axes:
                label = ax.yaxis.label.get_window_extent(renderer)
                assert 0 <= label.x0 and label.x1 <= fig.bbox.x1, (x, ax.get_title())
            left, right = (ax.yaxis.get_tightbbox(renderer) for ax in fig.axes)
            assert not left.overlaps(right)
        assert explorer._blitter.relayouts >= 1  # x⁴ − x² spans 0.25 to 72 across the window: labels change width
        assert np.array_equal(explorer._blitter.image(), _full_redraw(explorer))
    finally:
        explorer.close()


def _surface_figure():
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4, 3))
    ax = fig.add_subplot(projection="3d")
    X, Y = np.meshgrid(np.linspace(-1, 1, 15), np.linspace(-1, 1, 15))
    ax.plot_surface(X, Y, X**2 - Y**2, cmap="viridis")
    (line,) = ax.plot([0, 0.5], [0, 0.5], [0, 0.5], color="k")
    ax.set_zlim(-1, 1)
    return fig, ax, line


def test_a_3d_axes_keeps_its_furniture_cached_and_redraws_it_whole_when_it_keeps_changing():
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import PROMOTE_3D, WINDOW_3D

    fig, ax, line = _surface_figure()
    blitter = _drawn_blitter(fig)

    def check(expected):
        assert blitter.refresh(full_draw=fig.canvas.draw) == expected
        assert _blit_matches_full_redraw(blitter)

    # data move, furniture stays: a blit that leaves the axes (panes, ticks) in the background
    line.set_data_3d([0, 0.8], [0, -0.5], [0, 0.9])
    check("blit")
    assert not ax.get_animated() and line.get_animated()
    # limits that change at every update: full draws at first, then the axes is redrawn whole on each blit
    for i in range(PROMOTE_3D):
        ax.set_zlim(-1 - 0.1 * (i + 1), 1)
        check("full")
    assert ax.get_animated() and not line.get_animated()
    ax.set_zlim(-2, 1)
    check("blit")
    # quiet for a whole window: the furniture is cached again (one full draw), then blits
    for _ in range(WINDOW_3D - 1):
        line.set_data_3d([0, 0.1], [0, 0.2], [0, 0.3])
        blitter.refresh(full_draw=fig.canvas.draw)
    line.set_data_3d([0, 0.3], [0, 0.2], [0, 0.1])
    check("full")
    assert not ax.get_animated()
    line.set_data_3d([0, 0.4], [0, 0.2], [0, 0.1])
    check("blit")
    plt.close(fig)


def test_a_rotated_3d_axes_is_drawn_in_its_new_view():
    import matplotlib.pyplot as plt


    fig, ax, line = _surface_figure()
    blitter = _drawn_blitter(fig)
    ax.view_init(elev=10, azim=30)  # as a mouse drag does; the backend then draws
    fig.canvas.draw()
    line.set_data_3d([0, 0.8], [0, -0.5], [0, 0.9])
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"  # the rotated furniture is the background
    assert _blit_matches_full_redraw(blitter)
    plt.close(fig)


def test_an_axis_dragged_back_and_forth_reuses_its_earlier_looks():
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    blitter = _drawn_blitter(fig)
    tops = [2.0, 5.0, 20.0]
    for top in tops:  # there: each new range is rendered once
        ax.set_ylim(0, top)
        blitter.refresh(full_draw=fig.canvas.draw)
    rendered = blitter.sprites_rendered
    for top in tops[::-1]:  # and back: nothing new to render, and the picture is right
        ax.set_ylim(0, top)
        line.set_ydata([0, top / 2])
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
        assert _blit_matches_full_redraw(blitter)
    assert blitter.sprites_rendered == rendered
    plt.close(fig)


def _every_explorer():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import explorer_latency

    return explorer_latency, sorted(explorer_latency.explorer_classes())


# Explorers that redraw in full on every change, and why (each is correct, only slower; issue 23's explicit
# blitting recipe is where they get blitting back):
FULL_REDRAWS: set[str] = set()  # every explorer blits (TwoLosses joined when its bars became plain axes)


@pytest.mark.parametrize("name", _every_explorer()[1])
def test_every_explorer_blits_what_a_full_redraw_shows(name):
    # The benchmark's sweep (the control it drives, across its range and back) on every registered explorer:
    # each refresh — blit, promotion, sprite, relayout — leaves the canvas exactly as a full redraw would.
    explorer_latency, _ = _every_explorer()
    factory = explorer_latency.FACTORIES.get(name)
    explorer = factory(quick=True) if factory else explorer_latency.explorer_classes()[name]()
    try:
        explorer.fig.canvas.draw()
        control, values = explorer_latency.representative_control(explorer)
        for value in values[::3]:
            explorer.controls[control].value = value
            assert explorer.error is None, explorer.error
            blitted = explorer._blitter.image()
            assert np.array_equal(blitted, _full_redraw(explorer)), f"{name} at {control}={value}"
        if name in FULL_REDRAWS:
            assert explorer._blitter.blits == 0, f"{name} blits now: take it off FULL_REDRAWS"
        else:
            assert explorer._blitter.blits > 0
    finally:
        explorer.close()


def _savefig_rgba(fig) -> np.ndarray:
    """The oracle: matplotlib draws every artist once, in zorder, on a fresh renderer (no blitter involved)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=fig.dpi)
    width, height = fig.canvas.get_width_height()
    return np.frombuffer(buffer.getvalue(), np.uint8).reshape(height, width, 4)


def test_declared_background_data_are_cached_only_while_everything_moving_lies_above_them():
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import keep_in_background

    fig, ax = plt.subplots(figsize=(3, 2.5), dpi=80)
    x = np.linspace(-2, 2, 41)
    fill = ax.contourf(x, x, np.add.outer(x**2, 2 * x**2), levels=9)              # zorder 1: under the path
    (path,) = ax.plot([-2, 2], [-2, 2], color="C1", linewidth=3)                 # zorder 2: moves
    (marker,) = ax.plot([0], [0], marker="*", markersize=20, color="w", zorder=3)  # declared, but over the path
    keep_in_background(fill, marker)
    calls = {"fill": 0, "marker": 0}
    for name, artist in (("fill", fill), ("marker", marker)):
        def counting(renderer, _draw=artist.draw, _name=name):
            calls[_name] += 1
            return _draw(renderer)
        artist.draw = counting
    try:
        blitter = _drawn_blitter(fig)
        assert fill.course_background and not fill.get_animated()
        assert marker.get_animated()  # a full draw would paint it over the path: it stays dynamic
        before = dict(calls)
        for end in (1.5, -0.5, 0.3):
            path.set_data([-2, 0.2, end], [-2, 0.1, -end])  # the path crosses the marker
            assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
            shown = blitter.image().astype(int)
            assert np.abs(shown - _savefig_rgba(fig).astype(int)).max() <= 1, f"path end {end}"
        assert calls["fill"] == before["fill"] + 3  # savefig only: the blits took it from the background
        assert calls["marker"] == before["marker"] + 6  # each blit and each savefig
        # the background depends on the declared data: one removed means a full draw, then blits again
        marker.remove()
        fill.set_visible(False)
        assert blitter.refresh(full_draw=fig.canvas.draw) == "full"
        assert np.abs(blitter.image().astype(int) - _savefig_rgba(fig).astype(int)).max() <= 1
        path.set_data([-2, 1], [1, -2])
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
        assert np.abs(blitter.image().astype(int) - _savefig_rgba(fig).astype(int)).max() <= 1
    finally:
        plt.close(fig)


def test_keep_in_background_names_a_wrong_argument():
    from course_utils.widgets.blitting import keep_in_background

    with pytest.raises(TypeError, match=r"artists\[0\]"):
        keep_in_background("not an artist")


def test_texts_and_axes_declared_moving_make_the_first_change_a_blit():
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import keep_redrawing

    def figure():
        fig, (ax, bar) = plt.subplots(1, 2, figsize=(4, 2.5), dpi=80, layout="none")
        (line,) = ax.plot([0, 1], [0, 1])
        ax.set_title("a = 1")
        bar.set_yticks([0.2, 0.8], labels=["1", "2"])
        return fig, ax, bar, line

    def change(ax, bar, line, k):
        line.set_ydata([k, 1 - k])
        ax.set_title(f"a = {k}")
        bar.set_yticks([0.1 * k, 0.5 + 0.1 * k], labels=[f"{k}", f"{k + 1}"])

    for declared in (False, True):
        fig, ax, bar, line = figure()
        try:
            if declared:
                keep_redrawing(ax.title, bar.yaxis)
            blitter = _drawn_blitter(fig)
            kinds = []
            for k in (2, 3, 4):
                change(ax, bar, line, k)
                kinds.append(blitter.refresh(full_draw=fig.canvas.draw))
                shown = blitter.image().astype(int)
                assert np.abs(shown - _savefig_rgba(fig).astype(int)).max() <= 1, (declared, k)
            # undeclared, the first change is noticed and costs a full draw; declared, every change is a blit
            assert kinds == (["blit"] * 3 if declared else ["full", "blit", "blit"])
        finally:
            plt.close(fig)
    with pytest.raises(TypeError, match=r"artists\[1\]"):
        keep_redrawing(ax.title, line)


def test_an_axis_drawn_from_a_cached_look_is_checked_against_the_room_of_the_layout_in_place():
    # The oracle: a y axis's tick labels, measured by matplotlib, against the room the first layout gave them.
    # Each refresh that shows labels wider than the room in place must ask for a new layout — also when those
    # labels were drawn before and come from the cache of looks (before: a cached look skipped the check, so a
    # setting shown again after the layout went back to the first one overflowed it: the picture depended on the
    # path taken — the Chord Explorer in tests/test_widgets_path_independence.py).
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import Blitter

    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    (line,) = ax.plot([0, 1], [0, 1])
    ax.set_ylim(0, 1)
    fig.canvas.draw()
    fig.set_layout_engine("none")  # frozen, as the explorers freeze theirs
    calls = []
    blitter = Blitter(fig)
    # a new layout, as an explorer's: rooms that hold the labels shown now (the axes stay put in this test)
    blitter.relayout = lambda: (calls.append(1), blitter.note_layout())
    blitter.note_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    first_room = ax.yaxis.get_tightbbox(renderer).x0 - 2

    def show(lo, hi):
        before = len(calls)
        ax.set_ylim(lo, hi)
        line.set_ydata([lo, hi])
        blitter.refresh(full_draw=fig.canvas.draw)
        return ax.yaxis.get_tightbbox(renderer).x0 < first_room, len(calls) > before

    assert show(0, 3) == (False, False)                 # labels as narrow as the first ones: they fit
    assert show(-123456, 123456) == (True, True)        # wider: a new layout is asked for
    assert show(0, 3) == (False, False)
    blitter.note_layout()                                # back to the first layout (as Explorer does)
    assert show(-123456, 123456) == (True, True)        # the same wide labels again, from the cache: asked again
    assert blitter.sprites_rendered >= 2
    plt.close(fig)


def test_an_axis_label_drawn_from_its_own_sprite_sits_where_a_full_draw_puts_it():
    # The oracle is savefig (every artist drawn once, directly; no sprites): after a y axis showed narrow, then
    # wide, then the narrow tick labels again (ticks and label each from their cached looks), its label sits beside
    # the narrow labels as a direct draw puts it — not where the wide labels had pushed it.
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots(figsize=(4, 3))
    fig.subplots_adjust(left=0.35)  # room for the wide labels: no relayout in this test
    (line,) = ax.plot([0, 1], [0, 1])
    ax.set_ylabel("a rotated axis label")
    blitter = _drawn_blitter(fig)

    def show(lo, hi):
        ax.set_ylim(lo, hi)
        line.set_ydata([lo, hi])
        blitter.refresh(full_draw=fig.canvas.draw)
        got = blitter.image()  # (savefig draws on the canvas too: read it first)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="rgba", dpi=fig.dpi)
        want = np.frombuffer(buffer.getvalue(), np.uint8).reshape(got.shape)
        return int(np.abs(got.astype(int) - want.astype(int)).max())

    assert show(0, 3) <= 1
    assert show(-123456, 123456) <= 1
    assert show(0, 3) <= 1            # ticks and label from the cache: the label back beside the narrow labels
    assert blitter.blits >= 2
    plt.close(fig)


def test_a_redrawn_title_drawn_from_its_sprite_shows_its_current_text_and_colour():
    # The oracle is savefig (no sprites): a title declared moving shows "A", then "B" in another colour, then "A"
    # again (from the cache of looks) — each time what a direct draw shows.
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import keep_redrawing

    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot([0, 1], [0, 1])
    ax.set_title(r"share $\lambda_{\min} < 0$: 0%")
    keep_redrawing(ax.title)
    blitter = _drawn_blitter(fig)

    def show(text, colour):
        ax.set_title(text, color=colour)
        line.set_ydata(np.random.default_rng(len(text)).random(2))
        assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
        got = blitter.image()  # (savefig draws on the canvas too: read it first)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="rgba", dpi=fig.dpi)
        want = np.frombuffer(buffer.getvalue(), np.uint8).reshape(got.shape)
        return int(np.abs(got.astype(int) - want.astype(int)).max())

    assert show(r"share $\lambda_{\min} < 0$: 0%", "k") <= 1
    assert show(r"share $\lambda_{\min} < 0$: 37%", "C1") <= 1
    assert show(r"share $\lambda_{\min} < 0$: 37%", "k") <= 1
    assert show(r"share $\lambda_{\min} < 0$: 0%", "k") <= 1      # from the cache
    plt.close(fig)
