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
* A canvas painted over in the page is repaired when its figure comes back into view.

The last two run on the kernels of the last two Run Alls of chapter 0, so that they cost no Run All of their own.
"""

from __future__ import annotations

import time

import pytest
from browser_helpers import (
    EXPLORER,
    REPAIR_WINDOW,
    canvas_pixels,
    enabled_sliders,
    explorer_mismatches,
    figure_of,
    wait_for_rendered_figure,
)
from test_lab_notebooks import PANEL, open_notebook, run_all

CHAPTER_0 = "00_start_here.ipynb"
RUN_ALLS = 5


#: What each Run All of chapter 0 checks besides the complete figures. A Run All costs ~30 s of the browser stage,
#: so the fast drag and the spoiled canvas are checked on the kernels two of the five Run Alls already started.
ALSO = {RUN_ALLS - 1: "spoiled canvas", RUN_ALLS: "fast drag"}


@pytest.mark.browser
@pytest.mark.parametrize("attempt", range(1, RUN_ALLS + 1),
                         ids=[f"{a}" + (f"-then-{ALSO[a].replace(' ', '-')}" if a in ALSO else "")
                              for a in range(1, RUN_ALLS + 1)])
def test_chapter_0_shows_every_figure_complete_after_run_all(page, lab_server, attempt):
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, CHAPTER_0)
        run_all(page)
        assert page.locator(f"{PANEL} {EXPLORER}").count() > 0
        wrong = explorer_mismatches(page, lab_server, PANEL, f"run-all-{attempt}")
        assert not wrong, f"Run All #{attempt}: canvases differ from a full render:\n" + "\n".join(wrong)
        if ALSO.get(attempt) == "fast drag":
            _a_fast_drag_ends_in_the_same_picture_as_a_slow_approach(page, lab_server)
        elif ALSO.get(attempt) == "spoiled canvas":
            _a_spoiled_canvas_is_repaired_when_it_comes_back_into_view(page, lab_server)
    finally:
        lab_server.delete_sessions()


def _a_fast_drag_ends_in_the_same_picture_as_a_slow_approach(page, lab_server) -> None:
    """Ten key presses with no pause must end in the same picture as ten presses that each wait for their
    picture, both compared with the kernel's full render."""
    explorer = page.locator(f"{PANEL} {EXPLORER}").first
    figure = figure_of(explorer)
    explorer.scroll_into_view_if_needed()
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


def _set_windowing(server, mode: str | None) -> None:
    """Set JupyterLab's notebook windowing mode for the pages opened next (None: Lab's own default)."""
    import json
    import urllib.request

    raw = json.dumps({} if mode is None else {"windowingMode": mode})
    req = urllib.request.Request(
        f"{server.url}/lab/api/settings/@jupyterlab/notebook-extension:tracker?token={server.token}",
        data=json.dumps({"raw": raw}).encode(), method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10):
        pass


# JavaScript: how the open notebook renders its cells: how many cells are attached to the page, and how many
# of those the browser is told it may skip while out of view (CSS content-visibility).
WINDOWING_JS = """(panel) => {
    const cells = [...document.querySelectorAll(panel + ' .jp-Cell')];
    return {attached: cells.length,
            skippable: cells.filter(c => getComputedStyle(c).contentVisibility === 'auto').length};
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("mode", "name"), [("contentVisibility", "00_start_here.ipynb"),
                                            ("contentVisibility", "05_sharpness_and_sam.ipynb")])
def test_figures_are_complete_with_labs_windowing(page, lab_server, mode, name):
    """`make lab` turns windowing off, but a student's own JupyterLab may not: with Lab's default windowing
    ("contentVisibility": the browser skips rendering cells out of view), every canvas must still equal the
    kernel's full render after Run All, once the student scrolls to it. (Lab's "full" windowing, which takes cells
    out of view off the page, is documented by Lab as having side effects and is not covered.)"""
    lab_server.delete_sessions()
    _set_windowing(lab_server, mode)
    try:
        open_notebook(page, lab_server, name)
        run_all(page)
        how = page.evaluate(WINDOWING_JS, PANEL)
        if mode == "contentVisibility":  # the setting took: the page really is windowed
            assert how["skippable"] > 0, how
        explorers = page.locator(f"{PANEL} {EXPLORER}")
        assert explorers.count() > 0
        for i in range(explorers.count()):  # the student scrolls through the chapter
            explorers.nth(i).scroll_into_view_if_needed()
            time.sleep(0.3)
        wrong = explorer_mismatches(page, lab_server, PANEL, f"windowing-{mode}-{name[:2]}")
        assert not wrong, f"{name} with Lab's windowing {mode!r}: canvases differ from a full render:\n" + \
            "\n".join(wrong)
    finally:
        _set_windowing(lab_server, "none")
        lab_server.delete_sessions()


def _a_spoiled_canvas_is_repaired_when_it_comes_back_into_view(page, lab_server) -> None:
    """A canvas that holds a picture the kernel never drew (here: painted over in the page, as a dropped diff or a
    skipped frame would leave it) stays wrong — no control moved, so the kernel sends nothing — until the figure
    comes back into view: then the browser asks for one complete image (widgets.full_frame_on_view)."""
    from test_lab_notebooks import SCROLLER

    explorer = page.locator(f"{PANEL} {EXPLORER}").last
    explorer.scroll_into_view_if_needed()
    wait_for_rendered_figure(figure_of(explorer))
    assert not explorer_mismatches(page, lab_server, PANEL, "before-spoiling")
    explorer.scroll_into_view_if_needed()  # (explorer_mismatches scrolled every figure into view in turn)
    time.sleep(1.5)  # the complete image that coming back into view asked for has arrived
    explorer.locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate(
        "c => { const g = c.getContext('2d'); g.fillStyle = '#000'; g.fillRect(0, 0, c.width / 2, c.height / 2); }")
    # the control: while it stays in view, nothing repairs it (not even after the 3 s repair window)
    time.sleep(REPAIR_WINDOW)
    corner = canvas_pixels(explorer)[:20, :20, :3]
    assert (corner == 0).all(), "the painted-over corner was repainted without leaving the view"
    # away, to whichever end of the notebook is farther from the figure ...
    page.locator(f"{PANEL} {SCROLLER}").evaluate(
        "(e, d) => { const r = d.getBoundingClientRect(), s = e.getBoundingClientRect();"
        " e.scrollTop = (r.top - s.top) > (s.bottom - r.bottom) ? 0 : e.scrollHeight; }",
        explorer.locator(".jupyter-matplotlib-canvas-div").first.element_handle())
    time.sleep(0.5)
    assert not explorer.locator(".jupyter-matplotlib-canvas-div").first.evaluate(
        "d => { const r = d.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight && "
        "r.top < d.closest('.jp-WindowedPanel-outer').getBoundingClientRect().bottom && "
        "r.bottom > d.closest('.jp-WindowedPanel-outer').getBoundingClientRect().top; }"), "still in view"
    explorer.scroll_into_view_if_needed()  # ... and back
    time.sleep(REPAIR_WINDOW)
    # read before anything else touches the kernel's figures (rendering them for the comparison redraws them)
    corner = canvas_pixels(explorer)[:20, :20, :3]
    assert not (corner == 0).all(), "the painted-over corner is still black after the figure came back into view"
    wrong = explorer_mismatches(page, lab_server, PANEL, "back-in-view")
    assert not wrong, "the spoiled canvas was not repaired when it came back into view:\n" + "\n".join(wrong)
