"""Demo mode in a real browser: every Voilà dashboard in ``demos/`` shows its explorers, no code, and they respond.

For each demo notebook (found at collection time): the page shows as many explorers as the notebook creates
(each with ``presentation=True``), no code cell and no error; moving one slider of each explorer with the
keyboard changes its readout and redraws its figure, and its slider handles have an accessible name (the keyboard
helper's front end runs in Voilà too). In a 1280×720 window (a classroom projector) each explorer fits: scrolled to
its top, the whole explorer — title, controls, figure and message — is inside the window (a presenter cannot scroll
mid-sentence), nothing overflows sideways, no control text is cut, and readouts are at least 17 px (controls grow
with the figure's fonts). Screenshots go
to ``artifacts/screenshots/demo-*.png``.
"""

from __future__ import annotations

import time

import pytest
from browser_helpers import EXPLORER, exercise_explorer, figure_of, layout_problems
from conftest import ARTIFACTS, REPO

DEMOS = sorted(p.name for p in (REPO / "demos").glob("*.ipynb"))
HEIGHTS: dict[str, float] = {}  # explorer heights measured (printed with -s)
#: Explorers (by the start of their title) that do not fit 1280×720 yet, and why; their height is printed, not
#: asserted. Strike one off when it fits.
TOO_TALL_FOR_NOW: dict[str, str] = {}

#: Scroll the explorer to the top of the window (as a presenter does) and measure it against the window.
FIT_JS = """(el) => {
    el.scrollIntoView({block: 'start', inline: 'nearest'});
    const box = el.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, right: box.right, height: box.height,
            viewHeight: window.innerHeight, viewWidth: window.innerWidth,
            pageWidth: document.documentElement.scrollWidth};
}"""


def expected_explorers(name: str) -> int:
    """How many explorers the dashboard shows: one per ``presentation=True`` in its code cells."""
    import nbformat

    nb = nbformat.read(REPO / "demos" / name, as_version=4)
    return sum(c.source.count("presentation=True") for c in nb.cells if c.cell_type == "code")


def test_there_are_demos():
    assert DEMOS, "demos/ holds no dashboard notebooks; `make sync` creates them from their .py pairs"


@pytest.mark.browser
@pytest.mark.parametrize("name", DEMOS, ids=[n.removesuffix(".ipynb") for n in DEMOS])
def test_dashboard_shows_explorers_that_respond(projector_page, voila_server, name):
    page = projector_page
    expected = expected_explorers(name)
    assert expected > 0, f"demos/{name} creates no explorer with presentation=True"
    page.goto(f"{voila_server.url}/voila/render/{name}?token={voila_server.token}")
    explorers = page.locator(EXPLORER)
    # Voilà runs the notebook in a fresh kernel on page load, then renders the widgets.
    page.wait_for_function(f"() => document.querySelectorAll({EXPLORER!r}).length >= {expected}",
                           timeout=180_000)

    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error displaying widget" not in body, f"{name}: error on the page"
    # No code on the page: the demos' markdown never names the package, their code cells all import it.
    assert "course_utils" not in body, f"{name}: code is shown (Voilà should strip the sources)"
    assert explorers.count() == expected

    stem = name.removesuffix(".ipynb")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for i in range(expected):
        explorer = explorers.nth(i)
        nudges = exercise_explorer(page, explorer)
        if not nudges or nudges[-1].readout_after == nudges[-1].readout_before:
            problems.append(f"explorer {i + 1}: no slider moved with the keyboard")
        elif not nudges[-1].figure_changed:
            problems.append(f"explorer {i + 1}: moving {[n.label for n in nudges]} did not redraw the figure")
        # keyboard and screen-reader access works in Voilà too (course_utils.widgets.keyboard's front end ran)
        handle = explorer.locator(".noUi-handle").first
        if handle.count() and not handle.get_attribute("aria-label"):
            problems.append(f"explorer {i + 1}: its slider has no accessible name (the keyboard helper did not run)")
        explorer.screenshot(path=ARTIFACTS / f"demo-{stem}--explorer-{i + 1}.png", animations="disabled")
        # Presentation mode is for projectors: the whole explorer must fit a 1280 px screen's width.
        # (The canvas keeps its full size when a parent clips it, so its box tells what is cut off.)
        right = max(b["x"] + b["width"] for b in (explorer.bounding_box(),
                                                   figure_of(explorer).bounding_box(),
                                                   *(v.bounding_box() for v in explorer.locator(".course-surface3d").all()))
                    if b)
        if right > page.viewport_size["width"] + 1:
            problems.append(f"explorer {i + 1} reaches x = {right:.0f} px: wider than a "
                            f"{page.viewport_size['width']} px projector (the figure is clipped)")
        # no control text cut, nothing outside the explorer's box; controls grown with the figure's fonts
        problems += [f"explorer {i + 1}: {p}" for p in layout_problems(explorer, ".no-scroller")
                     if not (p.startswith("taller") and explorer.locator(".widget-html-content").first.inner_text()
                             .startswith(tuple(TOO_TALL_FOR_NOW)))]
        # A projector demo cannot scroll mid-sentence: scrolled to its top, the whole explorer (title, controls,
        # figure, message) is inside the 1280×720 window, and the page does not overflow sideways.
        fit = explorer.element_handle().evaluate(FIT_JS)
        HEIGHTS[f"{stem} #{i + 1}"] = fit["height"]
        print(f"{stem} explorer {i + 1}: {fit}")
        title = explorer.locator(".widget-html-content").first.inner_text()
        known = [reason for start, reason in TOO_TALL_FOR_NOW.items() if title.startswith(start)]
        if known:
            print(f"  known: {title!r} is {fit['height']:.0f} px tall: {known[0]}")
        elif fit["top"] < -1 or fit["bottom"] > fit["viewHeight"] + 1:
            problems.append(f"explorer {i + 1} is {fit['height']:.0f} px tall: scrolled to its top it spans "
                            f"[{fit['top']:.0f}, {fit['bottom']:.0f}] px of a {fit['viewHeight']} px window")
        if fit["right"] > fit["viewWidth"] + 1 or fit["pageWidth"] > fit["viewWidth"] + 1:
            problems.append(f"explorer {i + 1} overflows sideways: its right edge at {fit['right']:.0f} px, the "
                            f"page {fit['pageWidth']} px wide in a {fit['viewWidth']} px window")
        page.screenshot(path=ARTIFACTS / f"demo-{stem}--explorer-{i + 1}-in-view.png")
        # A 3-D view a toggle shows (the Landscape Explorer's "3-D surface"): shown, the explorer still fits
        hidden_view = explorer.locator(".course-surface3d").first
        toggle = explorer.locator(".widget-toggle-button", has_text="3-D surface")
        if hidden_view.count() and not hidden_view.is_visible() and toggle.count():
            toggle.first.click()
            hidden_view.wait_for(state="visible", timeout=60_000)
            explorer.locator(".course-surface3d .js-plotly-plot").first.wait_for(timeout=60_000)
            time.sleep(1.0)
            fit3d = explorer.element_handle().evaluate(FIT_JS)
            print(f"{stem} explorer {i + 1} with its 3-D view: {fit3d}")
            if fit3d["top"] < -1 or fit3d["bottom"] > fit3d["viewHeight"] + 1 or fit3d["right"] > fit3d["viewWidth"] + 1:
                problems.append(f"explorer {i + 1} with its 3-D view shown spans [{fit3d['top']:.0f}, "
                                f"{fit3d['bottom']:.0f}] × right {fit3d['right']:.0f} px of a "
                                f"{fit3d['viewWidth']}×{fit3d['viewHeight']} window")
            problems += [f"explorer {i + 1} (3-D view shown): {p}" for p in layout_problems(explorer, ".no-scroller")]
            page.screenshot(path=ARTIFACTS / f"demo-{stem}--explorer-{i + 1}-3d-in-view.png")
            explorer.locator(".widget-toggle-button", has_text="contour").first.click()
            hidden_view.wait_for(state="hidden", timeout=60_000)
        size = explorer.locator(".widget-readout").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") \
            if explorer.locator(".widget-readout").count() else 18
        if size < 17:
            problems.append(f"explorer {i + 1}: readouts are {size:.0f} px, too small for the back of the room")
    explorers.first.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"demo-{stem}.png")
    assert not problems, f"demos/{name}:\n" + "\n".join(problems)
    assert "Traceback" not in page.locator("body").inner_text(), f"{name}: error after moving sliders"
    assert not page.js_errors, f"{name}: JavaScript errors in the page: {page.js_errors}"
