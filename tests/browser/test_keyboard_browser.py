"""The explorers with the keyboard alone, in JupyterLab in Chromium (issue 23, item 4).

Chapter 1 has every kind of control: dropdowns (Chord, Jensen), sliders that are disabled for some settings
(Jensen), log sliders (Conditioning) and figures. After Run All, with only key presses:

* Tab and Shift+Tab leave a focused figure, Escape moves the focus from the figure to a control;
* ``q`` on a focused figure (matplotlib's "close" key) does not freeze it: the next slider move still redraws it;
* ArrowDown on a focused dropdown, with the notebook in command mode, picks the next option and leaves the
  notebook's active cell where it was;
* every slider handle has an accessible name (its description) and announces the value its readout shows (the
  real η of a log slider, not its exponent), before and after a move;
* disabled sliders are skipped by Tab;
* the focused control has a visible outline (≥ 2 px).

The oracle is the page itself: ``document.activeElement``, the ARIA attributes a screen reader reads, the readout
text the student sees, the canvas pixels and the notebook's active cell.
"""

from __future__ import annotations

import pytest
from browser_helpers import EXPLORER, enabled_sliders, figure_of, pixels_hash, wait_for_change, wait_for_rendered_figure
from test_lab_notebooks import PANEL, open_notebook, run_all

CHAPTER = "01_convexity_and_jensen.ipynb"

ACTIVE_IN_FIGURE = "() => !!document.activeElement?.closest('.jupyter-matplotlib-canvas-div')"
ACTIVE_CELL_INDEX = f"""() => [...document.querySelectorAll('{PANEL} .jp-Notebook .jp-Cell')]
    .findIndex(c => c.classList.contains('jp-mod-active'))"""


def _explorer(page, title: str):
    explorer = page.locator(f"{PANEL} {EXPLORER}", has=page.locator("b", has_text=title)).first
    explorer.scroll_into_view_if_needed()
    wait_for_rendered_figure(figure_of(explorer))
    return explorer


def _aria_problems(explorer, where: str) -> list[str]:
    problems = []
    for slider in enabled_sliders(explorer):
        label = slider.locator(".widget-label").first.inner_text().strip()
        readout = slider.locator(".widget-readout").first.inner_text().strip()
        handle = slider.locator(".noUi-handle").first
        name, said = handle.get_attribute("aria-label"), handle.get_attribute("aria-valuetext")
        if name != label:
            problems.append(f"{where}: slider {label!r} is announced as {name!r}")
        if said != readout:
            problems.append(f"{where}: slider {label!r} shows {readout!r} but announces {said!r}")
    return problems


@pytest.fixture(scope="module")
def chapter(browser, lab_server):
    """Chapter 1 after Run All, in one page shared by this module's tests (they only press keys)."""
    from conftest import new_page

    lab_server.delete_sessions()
    with new_page(browser, 1366, 768) as page:
        open_notebook(page, lab_server, CHAPTER)
        run_all(page)
        yield page
    lab_server.delete_sessions()


@pytest.mark.browser
def test_tab_and_escape_leave_the_figure(chapter):
    page = chapter
    explorer = _explorer(page, "Chord")
    figure = figure_of(explorer)
    for keys in (["Tab"], ["Shift+Tab"], ["Escape"]):
        figure.focus()
        assert page.evaluate(ACTIVE_IN_FIGURE)
        for key in keys:
            page.keyboard.press(key)
        assert not page.evaluate(ACTIVE_IN_FIGURE), f"{keys} left the focus on the figure"
    # Escape lands on one of the explorer's own controls
    figure.focus()
    page.keyboard.press("Escape")
    inside = page.evaluate("() => !!document.activeElement?.closest('.course-explorer')")
    assert inside, "Escape on the figure sent the focus out of the explorer"
    assert not page.js_errors, page.js_errors


@pytest.mark.browser
def test_q_on_a_focused_figure_does_not_freeze_it(chapter):
    page = chapter
    explorer = _explorer(page, "Chord")
    figure = figure_of(explorer)
    figure.focus()
    page.keyboard.press("q")
    slider = enabled_sliders(explorer)[0]
    before = pixels_hash(figure)
    slider.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for_change(lambda: pixels_hash(figure), before, timeout=30) != before, \
        "after q on the figure, moving a slider no longer redraws it"


@pytest.mark.browser
def test_arrow_down_on_a_dropdown_picks_the_next_option_and_stays_in_the_cell(chapter):
    page = chapter
    explorer = _explorer(page, "Chord")
    select = explorer.locator(".widget-dropdown select").first
    assert select.get_attribute("aria-label"), "the dropdown has no accessible name"
    figure = figure_of(explorer)
    # command mode (as after Run All), then focus the dropdown without a click
    page.keyboard.press("Escape")
    select.focus()
    cell_before = page.evaluate(ACTIVE_CELL_INDEX)
    value_before, pixels_before = select.input_value(), pixels_hash(figure)
    page.keyboard.press("ArrowDown")
    assert wait_for_change(select.input_value, value_before, timeout=5) != value_before, \
        "ArrowDown did not pick the next option"
    assert page.evaluate(ACTIVE_CELL_INDEX) == cell_before, "ArrowDown moved the notebook to another cell"
    assert wait_for_change(lambda: pixels_hash(figure), pixels_before, timeout=30) != pixels_before
    page.keyboard.press("ArrowUp")  # put it back for the other tests
    wait_for_rendered_figure(figure)


@pytest.mark.browser
@pytest.mark.parametrize("title", ["Chord", "Jensen", "Conditioning"])
def test_every_slider_is_named_and_announces_its_readout(chapter, title):
    page = chapter
    explorer = _explorer(page, title)
    problems = _aria_problems(explorer, "after Run All")
    for slider in enabled_sliders(explorer)[:2]:
        readout = slider.locator(".widget-readout").first
        before = readout.inner_text().strip()
        slider.locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowRight")
        if wait_for_change(readout.inner_text, before, timeout=5).strip() == before:
            page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(300)
    problems += _aria_problems(explorer, "after a move")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_tab_skips_disabled_sliders_and_shows_where_the_focus_is(chapter):
    page = chapter
    explorer = _explorer(page, "Jensen")
    handles = explorer.locator(".noUi-handle")
    disabled = [i for i in range(handles.count())
                if handles.nth(i).locator("xpath=ancestor::*[contains(@class,'noUi-target')][1]")
                .get_attribute("disabled") is not None]
    assert disabled, "the Jensen Explorer's default setting should disable some sliders"
    for i in disabled:
        assert handles.nth(i).get_attribute("tabindex") == "-1", "a disabled slider still takes the focus"
    # walk the explorer with Tab from its first control: never onto a disabled handle; the focus is visible
    first = enabled_sliders(explorer)[0].locator(".noUi-handle").first
    first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    visited = []
    for _ in range(12):
        info = page.evaluate("""() => { const a = document.activeElement;
            const s = getComputedStyle(a);
            return {inside: !!a.closest('.course-explorer'), disabled: a.getAttribute('aria-disabled') === 'true',
                    outline: parseFloat(s.outlineWidth) || 0, style: s.outlineStyle, tag: a.tagName,
                    cls: a.className}; }""")
        if not info["inside"]:
            break
        visited.append(info)
        page.keyboard.press("Tab")
    assert visited, "Tab did not reach the explorer's controls"
    assert not [v for v in visited if v["disabled"]], f"Tab reached a disabled slider: {visited}"
    faint = [v for v in visited if v["outline"] < 2 or v["style"] == "none"]
    assert not faint, f"controls focused without a visible outline: {faint}"
