"""Blitting: a blitted explorer shows exactly what a full redraw shows, and falls back when the layout changes."""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils.widgets import SaddleEscape, StabilityExplorer, TerrainExplorer  # noqa: E402


def _full_redraw(explorer) -> np.ndarray:
    explorer.fig.canvas.draw()
    return np.asarray(explorer.fig.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("cls, control, values", [
    (TerrainExplorer, "x0", [0.3, -0.8, 1.2]),      # a 3-D axes (redrawn whole) beside a 2-D one
    (SaddleEscape, "eps", [1e-3, 1e-8, 1e-5]),
    (StabilityExplorer, "lr", [0.05, 0.19, 0.21]),
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


def test_savefig_still_contains_the_data_artists():
    explorer = TerrainExplorer()
    try:
        explorer.fig.canvas.draw()
        explorer.controls["x0"].value = -1.0
        with_blitting = io.BytesIO()
        explorer.fig.savefig(with_blitting, format="png", dpi=50)
        for a in explorer._blitter.dynamic_artists():
            a.set_animated(False)
        plain = io.BytesIO()
        explorer.fig.savefig(plain, format="png", dpi=50)
        import matplotlib.image as mpimg

        a, b = mpimg.imread(io.BytesIO(with_blitting.getvalue())), mpimg.imread(io.BytesIO(plain.getvalue()))
        assert a.shape == b.shape and np.mean(np.any(a != b, axis=-1)) < 0.01
    finally:
        explorer.close()


def test_static_texts_stay_in_the_background_until_they_change():
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import Blitter

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1], label="data")
    legend = ax.legend(loc="lower right")
    title = ax.set_title("step 0")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    blitter = Blitter(fig)
    blitter.refresh(full_draw=fig.canvas.draw)
    fig.canvas.draw()
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
    blitted = blitter.image()
    fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(fig.canvas.buffer_rgba()))
    plt.close(fig)


def test_a_line_crossing_a_legend_stays_under_it():
    import matplotlib.pyplot as plt

    from course_utils.widgets.blitting import Blitter

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 0], linewidth=6, label="a long legend label")
    ax.legend(loc="center", frameon=True, framealpha=1.0)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    blitter = Blitter(fig)
    blitter.refresh(full_draw=fig.canvas.draw)
    fig.canvas.draw()
    line.set_ydata([0.0, 0.02])  # right through the legend box
    assert blitter.refresh(full_draw=fig.canvas.draw) == "blit"
    blitted = blitter.image()
    fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(fig.canvas.buffer_rgba()))
    plt.close(fig)
