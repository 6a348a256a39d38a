"""Assertions shared by the explorer tests."""

import io

import numpy as np


def assert_healthy(explorer) -> None:
    """The explorer computed and drew without an error or a warning, and its state matches its controls."""
    assert explorer.error is None, explorer.error
    assert explorer.caught_warnings == []
    assert explorer.state_params == explorer.params


def labels_outside_the_figure(fig) -> list:
    """Tick labels (of ticks in view) and axis labels whose drawn extent is not inside the figure."""
    fig.savefig(io.BytesIO(), format="png")  # a full draw, as a saved or static figure gets
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    bad = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * (hi - lo)
            texts = [t.label1 for t in axis.get_major_ticks() if lo - pad <= t.get_loc() <= hi + pad] + [axis.label]
            for text in texts:
                if text.get_visible() and text.get_text():
                    box = text.get_window_extent(renderer)
                    if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
                        bad.append((text.get_text(), tuple(np.round(box.extents))))
    return bad
