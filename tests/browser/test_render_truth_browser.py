"""What the student sees is what the figure holds: the browser's canvas against a fresh full render.

The Python render-truth test (``tests/test_widgets_render_truth.py``) compares the blitted Agg canvas with
``savefig``. In the browser two more layers sit in between: ipympl sends diff images (only the pixels that changed
since the frame it believes the browser shows), and the browser composites them. A diff computed against a frame
the browser never displayed leaves a wrong picture that no later diff repairs (Terrain came up incomplete in 7 of
16 Run Alls). So, after Run All, every explorer's visible canvas is read back (``toDataURL``) and compared with
``savefig(format="rgba")`` of its figure, rendered in the notebook's own kernel by a second client: the oracle
never goes through the blitter or through ipympl's diffs. Tolerance: one level per channel.

* Chapter 0 (the first explorer a newcomer sees): Run All five times, each in a fresh kernel. Every other
  chapter is checked the same way once, after its Run All and after a key press, in ``test_lab_notebooks.py``.
* A fast drag (ten key presses with no pause) must end in the same picture as a slow approach to the same value
  (ten presses, each waiting for its picture): both are compared with the kernel's render.
"""

from __future__ import annotations

import time

import pytest
from browser_helpers import (
    EXPLORER,
    enabled_sliders,
    explorer_mismatches,
    figure_of,
    wait_for_rendered_figure,
)
from test_lab_notebooks import PANEL, open_notebook, run_all

CHAPTER_0 = "00_start_here.ipynb"
RUN_ALLS = 5


@pytest.mark.browser
@pytest.mark.parametrize("attempt", range(1, RUN_ALLS + 1))
def test_chapter_0_shows_every_figure_complete_after_run_all(page, lab_server, attempt):
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, CHAPTER_0)
        run_all(page)
        assert page.locator(f"{PANEL} {EXPLORER}").count() > 0
        wrong = explorer_mismatches(page, lab_server, PANEL, f"run-all-{attempt}")
        assert not wrong, f"Run All #{attempt}: canvases differ from a full render:\n" + "\n".join(wrong)
    finally:
        lab_server.delete_sessions()


@pytest.mark.browser
def test_a_fast_drag_ends_in_the_same_picture_as_a_slow_approach(page, lab_server):
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, CHAPTER_0)
        run_all(page)
        explorer = page.locator(f"{PANEL} {EXPLORER}").first
        figure = figure_of(explorer)
        wait_for_rendered_figure(figure)
        handle = enabled_sliders(explorer)[0].locator(".noUi-handle").first
        readout = enabled_sliders(explorer)[0].locator(".widget-readout").first
        start = readout.inner_text()
        for key, pause in (("ArrowRight", 0.0), ("ArrowLeft", 0.6), ("ArrowRight", 0.6)):
            # fast: ten presses at once; slow back, then slow forward again to the same value
            for _ in range(10):
                handle.focus()
                page.keyboard.press(key)
                if pause:
                    time.sleep(pause)
            wait_for_rendered_figure(figure)
            where = "fast drag" if not pause else f"slow {key}"
            wrong = explorer_mismatches(page, lab_server, PANEL, where.replace(" ", "-"))
            assert not wrong, f"after a {where} (readout {readout.inner_text()}, started at {start}):\n" + \
                "\n".join(wrong)
    finally:
        lab_server.delete_sessions()
