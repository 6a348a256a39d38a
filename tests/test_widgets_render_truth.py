"""What an explorer shows equals an independent render of the same figure.

The oracle is ``fig.savefig(format="rgba")``: matplotlib draws every artist once, in zorder, on a fresh renderer,
without the blitter's background, sprites or promotions (the blitter only adds the few artists a figure skips when
saving: 3-D data and figure legends). Each registered explorer is driven across its representative control; after
every update the canvas — blitted or fully redrawn, as a student would see it — is compared with that render.

Tolerance: one level of 255 everywhere, except inside legends, whose cached images (sprites) are composited over a
semi-transparent frame and round to within two levels.
"""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from test_widgets_blitting import FULL_REDRAWS, _every_explorer  # noqa: E402


def _legend_mask(fig, shape) -> np.ndarray:
    mask = np.zeros(shape[:2], bool)
    renderer = fig.canvas.get_renderer()
    height = shape[0]
    for legend in [*(ax.get_legend() for ax in fig.axes), *fig.legends]:
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        y0, y1 = int(height - box.y1) - 1, int(np.ceil(height - box.y0)) + 1
        mask[max(y0, 0):y1, max(int(box.x0) - 1, 0):int(np.ceil(box.x1)) + 1] = True
    return mask


def _saved(fig, shape) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=fig.dpi)
    return np.frombuffer(buffer.getvalue(), np.uint8).reshape(shape)


@pytest.mark.parametrize("name", _every_explorer()[1])
def test_the_canvas_shows_what_an_independent_render_shows(name):
    explorer_latency, _ = _every_explorer()
    factory = explorer_latency.FACTORIES.get(name)
    explorer = factory(quick=True) if factory else explorer_latency.explorer_classes()[name]()
    try:
        explorer.fig.canvas.draw()
        control, values = explorer_latency.representative_control(explorer)
        for value in [values[0], *values[2::4]]:
            explorer.controls[control].value = value
            assert explorer.error is None, explorer.error
            shown = np.asarray(explorer.fig.canvas.buffer_rgba()).astype(int)
            diff = np.abs(shown - _saved(explorer.fig, shown.shape).astype(int)).max(axis=-1)
            outside = diff[~_legend_mask(explorer.fig, shown.shape)]
            where = np.argwhere(diff > 1)[:5].tolist()
            assert outside.max(initial=0) <= 1, f"{name} at {control}={value}: {np.mean(diff > 1):.3%} of pixels " \
                                                f"differ by up to {diff.max()} levels, e.g. at (row, col) {where}"
            assert diff.max() <= 2, f"{name} at {control}={value}: a legend differs by {diff.max()} levels"
        if name not in FULL_REDRAWS:
            assert explorer._blitter.blits > 0  # the comparison covered blitted frames, not only full draws
    finally:
        explorer.close()
