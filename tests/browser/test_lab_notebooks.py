"""Every chapter notebook, run in JupyterLab in headless Chromium, as a student would.

For each ``notebooks/*.ipynb`` (found at collection time, so a new chapter is covered by itself): open it in a
1366×768 window with the file browser open, Run All, wait until every cell has run and the kernel is idle; there
must be no traceback or error output and no JavaScript page error. Every explorer's canvas must then equal a
fresh full render of its figure in the kernel (``savefig``, never through the blitter or ipympl's diffs), and
fit the window: not wider or taller than the notebook's visible area, no control text cut, nothing outside its
box. Then every explorer (``.course-explorer``) gets one slider moved with the keyboard — its readout must
change and its figure must be redrawn (the canvas pixels change) — and, with the pointer over the figure, its
toolbar must not cover any of the canvas; the explorer's height must not change as the slider moves (no layout
jump); after the key presses every canvas again equals the kernel's full render. A screenshot of the notebook
and one of each explorer go to ``artifacts/screenshots/``.

One Lab server and one browser serve all notebooks, one after the other; each notebook's kernel is shut
down before the next opens, so they never compete for the two cores.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_helpers import (
    EXPLORER,
    exercise_explorer,
    explorer_mismatches,
    figure_of,
    layout_problems,
    toolbar_overlap,
    wait_for_rendered_figure,
)
from conftest import ARTIFACTS, REPO

NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
SCROLLER = ".jp-WindowedPanel-outer"  # the notebook's scrolling area: what the student sees of it
IDLE = ".jp-StatusBar-TextItem:has-text('| Idle')"
RUN_TIMEOUT = 180  # s for Run All; a chapter takes ~10 s, but the machine is shared

# Error output in the page: a traceback on stderr, an error output, or a widget that failed to render.
ERROR_SELECTORS = {
    "traceback on stderr": f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                           ":has-text('Traceback')",
    "error output": f"{PANEL} .jp-RenderedText[data-mime-type*=error]",
    "widget failed to render": f"{PANEL} .jp-OutputArea-output:has-text('Error displaying widget')",
}

# JavaScript to read the state of the cells: how many code cells, how many have run, how many are queued.
# Empty code cells are left out: JupyterLab does not execute them, so they never get a number.
CELL_STATE_JS = """(panel) => {
    const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell')]
        .filter(c => (c.querySelector('.cm-content')?.textContent ?? 'x').trim() !== '')
        .map(c => (c.querySelector('.jp-InputPrompt')?.textContent ?? '').trim());
    return {cells: prompts.length, done: prompts.filter(t => /\\[\\d+\\]/.test(t)).length,
            queued: prompts.filter(t => t.includes('*')).length};
}"""


def open_notebook(page, server, name: str) -> None:
    page.goto(f"{server.url}/lab/tree/notebooks/{name}?reset&token={server.token}")
    page.locator(f"{PANEL} .jp-Notebook").wait_for()
    page.locator(IDLE).wait_for(timeout=90_000)  # the kernel has started


def run_all(page) -> dict:
    """Run → Run All Cells; wait until no cell is queued and the kernel is idle; return the cell counts."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    started = time.monotonic()
    # Started: something is queued or already done (a fast notebook may finish between two polls).
    page.wait_for_function(f"() => {{ const s = ({CELL_STATE_JS})({PANEL!r}); return s.queued + s.done > 0; }}",
                           timeout=30_000)
    page.wait_for_function(f"() => ({CELL_STATE_JS})({PANEL!r}).queued === 0", timeout=RUN_TIMEOUT * 1000)
    page.locator(IDLE).wait_for(timeout=60_000)
    state = page.evaluate(f"({CELL_STATE_JS})({PANEL!r})")
    state["seconds"] = round(time.monotonic() - started, 1)
    return state


def error_texts(page) -> list[str]:
    found = []
    for what, selector in ERROR_SELECTORS.items():
        for text in page.locator(selector).all_inner_texts():
            found.append(f"{what}: {text.strip()[-1500:]}")
    return found


def uses_explorers(name: str) -> bool:
    """Whether the notebook's code imports an explorer (then the page must show at least one)."""
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    return any("course_utils.widgets" in c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOKS, ids=[n.removesuffix(".ipynb") for n in NOTEBOOKS])
def test_notebook_runs_and_explorers_respond(page, lab_server, name):
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, name)
        state = run_all(page)
        print(f"{name}: {state['done']}/{state['cells']} code cells ran in {state['seconds']} s")

        errors = error_texts(page)
        assert not errors, f"{name} shows error output after Run All:\n" + "\n---\n".join(errors)
        assert state["done"] == state["cells"], f"{name}: only {state['done']} of {state['cells']} code cells ran"

        explorers = page.locator(f"{PANEL} {EXPLORER}")
        n = explorers.count()
        if uses_explorers(name):
            assert n > 0, f"{name} imports course_utils.widgets but shows no explorer (widgets not rendered?)"

        stem = name.removesuffix(".ipynb")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        # every figure as the kernel would render it in full (an incomplete first frame stays wrong otherwise)
        problems = [f"after Run All: {w}" for w in explorer_mismatches(page, lab_server, PANEL, f"{stem}-run-all")]
        for i in range(n):
            explorer = explorers.nth(i)
            title = (explorer.locator("b").first.inner_text() if explorer.locator("b").count() else f"#{i + 1}")
            explorer.scroll_into_view_if_needed()
            wait_for_rendered_figure(figure_of(explorer))
            problems += [f"explorer {title!r}: {p}" for p in layout_problems(explorer, SCROLLER)]
            height_before = explorer.bounding_box()["height"]
            nudges = exercise_explorer(page, explorer)
            jump = explorer.bounding_box()["height"] - height_before
            if abs(jump) > 2:
                problems.append(f"explorer {title!r}: its height changed by {jump:+.0f} px as a slider moved "
                                "(the layout jumps under the student's pointer)")
            for nudge in nudges:
                print(f"  {title}: {nudge.label} {nudge.readout_before} -> {nudge.readout_after}, "
                      f"figure {'redrawn' if nudge.figure_changed else 'unchanged'}")
            if not nudges:
                problems.append(f"explorer {title!r} has no slider that can be moved")
            elif nudges[-1].readout_after == nudges[-1].readout_before:
                problems.append(f"explorer {title!r}: slider {nudges[-1].label!r} did not move with the keyboard")
            elif not nudges[-1].figure_changed:
                problems.append(f"explorer {title!r}: moving {[x.label for x in nudges]} did not redraw the figure")
            covered = toolbar_overlap(page, explorer)
            if covered > 0:
                problems.append(f"explorer {title!r}: the figure's toolbar covers {covered:.0f} px² of the figure")
            explorer.screenshot(path=ARTIFACTS / f"{stem}--explorer-{i + 1}.png", animations="disabled")

        page.locator(IDLE).wait_for(timeout=60_000)
        problems += [f"after the key presses: {w}" for w in explorer_mismatches(page, lab_server, PANEL, f"{stem}-keys")]
        if n:
            explorers.first.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / f"{stem}.png")
        assert not problems, f"{name}:\n" + "\n".join(problems)
        errors = error_texts(page)
        assert not errors, f"{name} shows error output after moving sliders:\n" + "\n---\n".join(errors)
        assert not page.js_errors, f"{name}: JavaScript errors in the page: {page.js_errors}"
    finally:
        lab_server.delete_sessions()  # free the kernel before the next notebook
