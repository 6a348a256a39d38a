"""Driving explorers in a real page: find them, move a slider with the keyboard, see the figure change.

Shared by the JupyterLab and the Voilà tests. An explorer's root widget carries the CSS class
``course-explorer`` (added in :attr:`course_utils.widgets.base.Explorer.widget`); its sliders are
``.widget-slider`` (noUiSlider handles, moved with ArrowRight/ArrowLeft), its figure is the ipympl canvas
(``.jupyter-matplotlib-canvas-div``) or, under a static backend, the image in its Output widget. A 3-D view that
rotates in the browser (plotly, ``.course-surface3d``, see ``course_utils.widgets.surface3d``) is not "the figure":
render truth compares the matplotlib canvas only (plotly draws what it is sent; ``test_surface3d_browser.py``
compares that with the kernel's state), and the layout checks include the view's box.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

EXPLORER = ".course-explorer"
SLIDER = ".widget-slider"  # (a SelectionSlider lacks the "jupyter-widgets" class the number sliders carry)
FIGURE = ".jupyter-matplotlib-canvas-div, .jp-OutputArea-output img"


def figure_of(explorer):
    """The explorer's figure element (ipympl canvas, or the image of a static backend)."""
    return explorer.locator(FIGURE).first


def pixels_hash(locator) -> str:
    """Hash of an element's screenshot (what the student sees, not what the DOM says)."""
    return hashlib.sha1(locator.screenshot(animations="disabled")).hexdigest()


def wait_for_rendered_figure(figure, timeout: float = 30) -> str:
    """Wait until the figure has pixels that stay still for ~0.5 s (first image arrived); return the hash."""
    figure.wait_for(state="visible", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    last, stable_since = None, time.monotonic()
    while time.monotonic() < deadline:
        current = pixels_hash(figure)
        if current != last:
            last, stable_since = current, time.monotonic()
        elif time.monotonic() - stable_since > 0.5:
            return current
        time.sleep(0.15)
    return last


def wait_for_change(read, before, timeout: float = 30, interval: float = 0.15):
    """Poll ``read()`` until it differs from ``before``; return the new value (or ``before`` on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = read()
        if current != before:
            return current
        time.sleep(interval)
    return before


def enabled_sliders(explorer) -> list:
    """The explorer's sliders that a student can move (not disabled by ``_sync_controls``)."""
    sliders = explorer.locator(SLIDER)
    found = []
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        if not slider.is_visible():
            continue
        target = slider.locator(".noUi-target")
        if target.count() and target.first.get_attribute("disabled") is None:
            found.append(slider)
    return found


def slider_label(slider) -> str:
    label = slider.locator(".widget-label")
    return label.first.inner_text().strip() if label.count() else "?"


@dataclass
class Nudge:
    """What moving one slider did."""

    label: str
    readout_before: str
    readout_after: str
    figure_changed: bool


def nudge_slider(page, slider, figure, *, timeout: float = 30) -> Nudge:
    """Focus the slider's handle, press ArrowRight (ArrowLeft at the top of the range), and watch.

    Returns the readouts before and after and whether the figure's pixels changed within ``timeout``.
    """
    readout = slider.locator(".widget-readout").first
    before = readout.inner_text().strip()
    fig_before = pixels_hash(figure)
    handle = slider.locator(".noUi-handle").first
    after = before
    for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
        handle.focus()
        page.keyboard.press(key)
        after = wait_for_change(lambda: readout.inner_text().strip(), before, timeout=3)
        if after != before:
            break
    changed = after != before and wait_for_change(lambda: pixels_hash(figure), fig_before,
                                                  timeout=timeout) != fig_before
    return Nudge(slider_label(slider), before, after, changed)


def exercise_explorer(page, explorer, *, max_tries: int = 3) -> list[Nudge]:
    """Move the explorer's sliders one at a time until one redraws the figure (at most ``max_tries``).

    Most explorers redraw on their first slider; trying the next ones covers a slider whose step
    happens to leave the picture unchanged (e.g. more steps after convergence).
    """
    figure = figure_of(explorer)
    wait_for_rendered_figure(figure)
    nudges = []
    for slider in enabled_sliders(explorer)[:max_tries]:
        nudges.append(nudge_slider(page, slider, figure))
        if nudges[-1].figure_changed:
            break
    return nudges


def toolbar_overlap(page, explorer) -> float:
    """Area (CSS px²) of the figure's canvas covered by its toolbar while the pointer is over the figure (the
    toolbar fades in on hover); 0 when the figure has no toolbar."""
    figure = figure_of(explorer)
    toolbar = explorer.locator(".jupyter-matplotlib-toolbar").first
    if not toolbar.count():
        return 0.0
    figure.hover()
    toolbar.wait_for(state="visible", timeout=5_000)
    page.wait_for_timeout(600)  # the fade-in transition (0.5 s)
    a, b = figure.bounding_box(), toolbar.bounding_box()
    width = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(width, 0.0) * max(height, 0.0)


# --------------------------------------------------------------------------------------------
# What the canvas shows against a fresh full render of the same figure in the kernel
# --------------------------------------------------------------------------------------------
#: Writes a fresh full Agg render (``savefig(format="rgba")``, independent of the explorers' blitting and of
#: ipympl's image diffs) of every pyplot figure to ``<dir>/<number>.npy``.
RENDER_FIGURES = """
import io as _io, numpy as _np, matplotlib.pyplot as _plt
for _n in _plt.get_fignums():
    _fig = _plt.figure(_n)
    _buf = _io.BytesIO()
    _fig.savefig(_buf, format="rgba", dpi=_fig.dpi)
    _w, _h = (int(round(v * _fig.dpi)) for v in _fig.get_size_inches())
    _np.save({folder!r} + f"/{{_n}}.npy", _np.frombuffer(_buf.getvalue(), _np.uint8).reshape(_h, _w, 4))
del _io, _np, _plt, _n, _fig, _buf, _w, _h
"""


def run_in_kernel(server, code: str, timeout: float = 60) -> None:
    """Run ``code`` in the kernel of the server's only session (the open notebook's), as a second client."""
    from jupyter_client import BlockingKernelClient
    from jupyter_core.paths import jupyter_runtime_dir

    sessions = server.api("GET", "/api/sessions")
    assert len(sessions) == 1, f"expected one session, found {len(sessions)}"
    kernel_id = sessions[0]["kernel"]["id"]
    client = BlockingKernelClient(connection_file=f"{jupyter_runtime_dir()}/kernel-{kernel_id}.json")
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        reply = client.execute_interactive(code, timeout=timeout, store_history=False, silent=True,
                                           output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()


def figure_number(explorer) -> int:
    """The pyplot number of the explorer's figure: ipympl keeps the label ("Figure 3") in its hidden header."""
    text = explorer.locator(".jupyter-matplotlib-header").first.text_content() or ""
    return int(text.rsplit(" ", 1)[-1])


def canvas_pixels(explorer):
    """The RGBA pixels of the explorer's visible canvas, as the student sees them, shape ``(H, W, 4)``."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    url = explorer.locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate("c => c.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))


def render_mismatch(shown, rendered) -> tuple[float, int]:
    """``(fraction of pixels differing by more than one level, largest difference)`` over the common area.

    ipympl may show a canvas one pixel narrower than the figure (it sets the canvas's integer width from a
    fractional size, measured: 919 for a 920 px figure, the last column dropped); a larger difference in size is
    a wrong picture (1.0).
    """
    import numpy as np

    if any(abs(a - b) > 1 for a, b in zip(shown.shape[:2], rendered.shape[:2])):
        return 1.0, 255
    h, w = min(shown.shape[0], rendered.shape[0]), min(shown.shape[1], rendered.shape[1])
    shown, rendered = shown[:h, :w], rendered[:h, :w]
    diff = np.abs(shown.astype(int) - rendered.astype(int)).max(axis=-1)
    return float((diff > 1).mean()), int(diff.max())


#: More than this fraction of pixels off by more than one level is a wrong picture (measured on correct frames:
#: 0 — the canvas is the same Agg render, composited without scaling at device pixel ratio 1).
MAX_WRONG = 1e-4


#: Seconds a canvas may take to be repaired after it first looks still: the explorers send one complete image once
#: their controls have been still for ``plotting.FULL_FRAME_DELAY`` (0.35 s) or the figure comes into view
#: (``widgets.full_frame_on_view``), and after Run All the kernel may send it only when it is idle again. A picture
#: still wrong after this is wrong for the student too.
REPAIR_WINDOW = 3.0


def explorer_mismatches(page, server, panel: str, tag: str = "") -> list[str]:
    """For every explorer on the page: its canvas against the kernel's fresh render; one line per wrong one.

    The canvases are read once :data:`REPAIR_WINDOW` has passed since the figures first looked still (the complete
    image that repairs a dropped diff may still be on its way) and *before* the kernel renders them: rendering a
    figure in the kernel redraws it, and ipympl then sends the browser a new image — an oracle that repaired what it
    checks would prove nothing. A wrong canvas is reported, and both pictures are left in
    ``artifacts/screenshots/render-truth-<tag>-<figure>-{shown,rendered}.png``.
    """
    import tempfile
    from pathlib import Path

    import numpy as np
    from conftest import ARTIFACTS

    explorers = page.locator(f"{panel} {EXPLORER}")
    numbers = []
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        wait_for_rendered_figure(figure_of(explorer))
        numbers.append(figure_number(explorer))
    if not numbers:
        return []
    time.sleep(REPAIR_WINDOW)
    shown = [canvas_pixels(explorers.nth(i)) for i in range(len(numbers))]
    with tempfile.TemporaryDirectory() as folder:
        run_in_kernel(server, RENDER_FIGURES.format(folder=folder))
        rendered = {number: np.load(Path(folder) / f"{number}.npy") for number in numbers}
    wrong = []
    for number, pixels in zip(numbers, shown):
        fraction, worst = render_mismatch(pixels, rendered[number])
        if fraction > MAX_WRONG:
            from PIL import Image

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for what, picture in (("shown", pixels), ("rendered", rendered[number])):
                Image.fromarray(picture).save(ARTIFACTS / f"render-truth-{tag}-{number}-{what}.png")
            wrong.append(f"figure {number}: {fraction:.2%} of pixels differ (max {worst}/255; shown "
                         f"{pixels.shape[1]}×{pixels.shape[0]}, rendered {rendered[number].shape[1]}×"
                         f"{rendered[number].shape[0]}) {REPAIR_WINDOW:.0f} s after it first looked still")
    return wrong


# --------------------------------------------------------------------------------------------
# Layout: does the explorer fit where the student reads it?
# --------------------------------------------------------------------------------------------
#: JavaScript: given the explorer element and the selector of the scrolling area it lives in, list what does not
#: fit — the explorer wider than the visible area (cut on the right), taller than it (controls and figure not
#: visible together), any control text truncated (its content wider than its box: "wobbly (non-con…"), any
#: control or the figure reaching outside the explorer's own box, a slider whose track is squeezed to a stub
#: (:data:`MIN_TRACK_PX`), or the texts of two controls side by side with no gap between them
#: (:data:`MIN_TEXT_GAP_PX`: "skip connectionsresidual branches"), or a 3-D view far from the figure it sits beside
#: (:data:`MAX_VIEW_GAP_PX`).
LAYOUT_JS = """([el, scrollerSel]) => {
    const MIN_TRACK_PX = %d, MIN_TEXT_GAP_PX = %d, MAX_VIEW_GAP_PX = %d;
    const problems = [];
    const scroller = el.closest(scrollerSel);
    // no scrolling area of its own (Voilà): the window is what the audience sees
    const view = scroller ? scroller.getBoundingClientRect() : {width: window.innerWidth, height: window.innerHeight};
    const box = el.getBoundingClientRect();
    if (box.width > view.width + 1) problems.push(`wider than the visible area (${Math.round(box.width)} > ${Math.round(view.width)} px)`);
    if (box.height > view.height + 1) problems.push(`taller than the visible area (${Math.round(box.height)} > ${Math.round(view.height)} px)`);
    const inside = (r) => r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    for (const c of el.querySelectorAll('.widget-label, .widget-readout, button, .widget-toggle-button, select, .widget-html-content, .jupyter-matplotlib-canvas-div, .course-surface3d')) {
        const style = getComputedStyle(c);
        if (style.display === 'none' || style.visibility === 'hidden' || c.offsetParent === null) continue;
        const name = (c.getAttribute('aria-label') || c.textContent || c.className).trim().slice(0, 40);
        if (c.scrollWidth > c.clientWidth + 1 && style.overflowX !== 'auto' && style.overflowX !== 'scroll')
            problems.push(`text cut: ${JSON.stringify(name)} needs ${c.scrollWidth} px, has ${c.clientWidth}`);
        if (!inside(c.getBoundingClientRect())) { const r = c.getBoundingClientRect(); problems.push(`outside the explorer's box: ${JSON.stringify(name)} at [${Math.round(r.left)}, ${Math.round(r.right)}] × [${Math.round(r.top)}, ${Math.round(r.bottom)}], the explorer [${Math.round(box.left)}, ${Math.round(box.right)}] × [${Math.round(box.top)}, ${Math.round(box.bottom)}]`); }
    }
    // a slider squeezed by its label and readout to a stub of a track cannot be dragged or read
    for (const track of el.querySelectorAll('.widget-slider .slider-container')) {
        const r = track.getBoundingClientRect();
        if (track.offsetParent !== null && r.width < MIN_TRACK_PX) {
            const label = track.closest('.widget-slider').querySelector('.widget-label');
            problems.push(`slider ${JSON.stringify((label?.textContent ?? '?').trim())} has a track ${Math.round(r.width)} px wide (< ${MIN_TRACK_PX})`);
        }
    }
    // texts of two controls side by side with no gap read as one ("skip connectionsresidual branches"): compare the
    // drawn text (a Range over it, not the element's box, which may be wider than its text)
    const texts = [];
    const CONTROL = '.widget-inline-hbox, .widget-toggle-buttons, .widget-button';  // a control's root (a toggle's has no inline-hbox class)
    for (const control of el.querySelectorAll(CONTROL)) {
        if (control.offsetParent === null || control.parentElement.closest(CONTROL)) continue;
        for (const t of control.querySelectorAll('.widget-label, .widget-readout, button, .widget-toggle-button')) {
            if (t.offsetParent === null || !t.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(t);
            const r = range.getBoundingClientRect();
            if (r.width > 0) texts.push({control, text: t.textContent.trim(), r});
        }
    }
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i], b = texts[j];
        if (a.control === b.control) continue;
        const vertical = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        const gap = Math.max(b.r.left - a.r.right, a.r.left - b.r.right);
        if (vertical > 0.5 * Math.min(a.r.height, b.r.height) && gap < MIN_TEXT_GAP_PX)
            problems.push(`control texts run together: ${JSON.stringify(a.text)} and ${JSON.stringify(b.text)} are ${Math.round(gap)} px apart`);
    }
    // a view beside the figure (a 3-D surface) sits next to it on the same line, not pushed away by slack
    const figure = el.querySelector('.jupyter-matplotlib-figure');
    for (const v of el.querySelectorAll('.course-surface3d')) {
        if (!figure || v.offsetParent === null) continue;
        const f = figure.getBoundingClientRect(), r = v.getBoundingClientRect();
        if (r.top < f.bottom && r.bottom > f.top && r.left - f.right > MAX_VIEW_GAP_PX)
            problems.push(`the 3-D view is ${Math.round(r.left - f.right)} px right of the figure (> ${MAX_VIEW_GAP_PX})`);
    }
    return problems;
}"""


#: A slider's track narrower than this (CSS px) is a stub: squeezed between a long label and its readout.
MIN_TRACK_PX = 60
#: Texts of two neighbouring controls closer than this (CSS px) read as one.
MIN_TEXT_GAP_PX = 8
#: A view beside the figure farther from it than this (CSS px) looks unrelated to it (a canvas that grew into the
#: row's slack pushed the 3-D view 220 px away on a projector).
MAX_VIEW_GAP_PX = 40
LAYOUT_JS = LAYOUT_JS % (MIN_TRACK_PX, MIN_TEXT_GAP_PX, MAX_VIEW_GAP_PX)


def layout_problems(explorer, scroller: str) -> list[str]:
    """What of ``explorer`` does not fit (see :data:`LAYOUT_JS`); ``scroller`` is the scrolling area's selector."""
    handle = explorer.element_handle()
    return handle.evaluate(f"(el) => ({LAYOUT_JS})([el, {scroller!r}])")
