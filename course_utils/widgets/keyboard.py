r"""Keyboard and screen-reader access for an explorer, done in the browser where the keys arrive.

Three things a student who drives an explorer with the keyboard (or listens to it with a screen reader) met, that
no kernel-side setting can fix, because they happen in the page before any message reaches Python:

* **The figure trapped the focus.** ipympl's canvas takes every key press (it calls ``preventDefault`` and
  ``stopPropagation`` on each), Tab and Escape included, so focus could enter the figure and never leave.
* **JupyterLab's notebook shortcuts took the keys meant for a control.** In command mode, ArrowDown on a focused
  dropdown moved to the next cell instead of the next option.
* **Sliders had no accessible name and announced the wrong value.** ipywidgets' slider handle (noUiSlider) has
  ``role="slider"`` but no label, and a log slider announces its exponent ("−2" for η = 0.01); disabled sliders
  still took the focus; the focus outline was faint.

:class:`KeyboardAccess` is an invisible widget that each explorer puts in its layout
(:attr:`~course_utils.widgets.base.Explorer.widget`). Its front end (an anywidget ES module, no build step) finds
the explorer's box (``.course-explorer``) and, whenever that box's DOM changes (a MutationObserver):

* marks the box and every focusable element in it ``data-lm-suppress-shortcuts`` — the attribute Lumino's command
  registry honours: a key event whose target carries it is not matched against any shortcut, so the notebook's
  ArrowDown, ``j``, ``k``, … leave the explorer's controls alone (JupyterLab ≥ 4.1);
* gives each slider handle ``aria-label`` = the slider's description and ``aria-valuetext`` = its readout (the
  real, rounded value the student sees), and ``tabindex="-1"`` while the slider is disabled;
* names each dropdown (``aria-label``), the figure (``role="img"`` and ``aria-label`` = the explorer's title) and
  each 3-D view (:mod:`course_utils.widgets.surface3d`: ``role="group"``, ``aria-label`` = the view's label; its
  one button, plotly's "reset camera", is named by plotly and Tab moves past it);
* lets Tab and Shift+Tab leave the figure (a capture-phase listener stops them before ipympl's handler, so the
  browser's own focus move happens), and Escape move the focus from the figure to the explorer's first control.

Matplotlib's own key shortcuts (``q`` closes the figure, ``s`` saves, ``l``/``k`` toggle log scales) are turned
off on the kernel side by :func:`course_utils.plotting.new_figure`. The stylesheet draws a 3 px outline around
whichever control has the keyboard focus.

``tests/browser/test_keyboard_browser.py`` checks all of it in JupyterLab in Chromium, with the keyboard alone.
"""

from __future__ import annotations

import anywidget
import traitlets

# Nothing public: every explorer adds its own KeyboardAccess (Explorer.widget); students never build one.
__all__: list[str] = []

_ESM = r"""
const FOCUSABLE = ".noUi-handle, select, button, input, textarea, [contenteditable], [tabindex]";
const CONTROLS = ".noUi-handle:not([tabindex='-1']), select, button, input, [contenteditable='true']";

function labelOf(box) {
  const label = box.querySelector(":scope > .widget-label");
  return label ? label.textContent.trim() : "";
}

function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function fix(root, title) {
  // Lumino matches a key event's target against each shortcut's selector before it looks at the parents, so the
  // attribute must sit on the focused control itself (a focused <select> matches the notebook's ".jp-Notebook
  // .jp-mod-commandMode :focus" at distance 0), not only on the explorer's box
  setAttr(root, "data-lm-suppress-shortcuts", "true");
  for (const node of root.querySelectorAll(FOCUSABLE)) setAttr(node, "data-lm-suppress-shortcuts", "true");
  for (const box of root.querySelectorAll(".widget-slider")) {
    const handle = box.querySelector(".noUi-handle");
    if (!handle) continue;
    const name = labelOf(box);
    if (name) setAttr(handle, "aria-label", name);
    const readout = box.querySelector(".widget-readout");
    const text = readout ? readout.textContent.trim() : "";
    if (text) setAttr(handle, "aria-valuetext", text);
    const disabled = box.querySelector("[disabled]") !== null || box.classList.contains("mod-disabled");
    setAttr(handle, "tabindex", disabled ? "-1" : "0");
    setAttr(handle, "aria-disabled", disabled ? "true" : "false");
  }
  for (const box of root.querySelectorAll(".widget-dropdown")) {
    const select = box.querySelector("select");
    const name = labelOf(box);
    if (select && name) setAttr(select, "aria-label", name);
  }
  for (const canvas of root.querySelectorAll(".jupyter-matplotlib-canvas-div")) {
    setAttr(canvas, "role", "img");
    setAttr(canvas, "aria-label", title ? `figure: ${title}` : "figure");
  }
  // a 3-D view that rotates in the browser (course_utils.widgets.surface3d): named by its hidden label
  for (const view of root.querySelectorAll(".course-surface3d")) {
    const label = view.querySelector(".course-surface3d-label");
    setAttr(view, "role", "group");  // not "img": it holds a named button (plotly's "reset camera")
    setAttr(view, "aria-label", label ? label.textContent.trim() : "3-D view");
  }
}

function install(root, title) {
  if (root.dataset.courseKeyboard === "1") return;
  root.dataset.courseKeyboard = "1";
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; fix(root, title); });
  });
  observer.observe(root, {subtree: true, childList: true, characterData: true, attributes: true,
                          attributeFilter: ["disabled", "class", "aria-valuetext", "aria-valuenow", "tabindex"]});
  fix(root, title);
  // ipympl's canvas swallows every key: take Tab and Escape before it does (capture phase, on the way down)
  root.addEventListener("keydown", (event) => {
    const figure = event.target instanceof Element && event.target.closest(".jupyter-matplotlib-canvas-div");
    if (!figure) return;
    if (event.key === "Tab") {
      event.stopPropagation();  // the browser's own focus move (Tab / Shift+Tab) goes ahead
    } else if (event.key === "Escape") {
      event.stopPropagation();
      event.preventDefault();
      const first = root.querySelector(CONTROLS);
      if (first) first.focus(); else figure.blur();
    }
  }, true);
}

export default {
  render({ model, el }) {
    const title = model.get("title");
    let tries = 0;
    const attach = () => {
      const root = el.closest(".course-explorer");
      if (root) { install(root, title); return; }
      if (++tries < 600) requestAnimationFrame(attach);  // not in the page yet: try again next frame (≤ ~10 s)
    };
    attach();
  },
};
"""

_CSS = r"""
.course-explorer .noUi-handle:focus-visible,
.course-explorer button:focus-visible,
.course-explorer select:focus-visible,
.course-explorer input:focus-visible,
.course-explorer .widget-readout:focus-visible,
.course-explorer .jupyter-matplotlib-canvas-div:focus-visible {
  outline: 3px solid #0072B2 !important;
  outline-offset: 2px;
}
"""


class KeyboardAccess(anywidget.AnyWidget):
    """An invisible widget whose front end gives its explorer keyboard and screen-reader access (see module doc).

    Parameters
    ----------
    title : str
        The explorer's title: the figure's accessible name is ``"figure: <title>"``.
    """

    _esm = _ESM
    _css = _CSS
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, title: str = ""):
        super().__init__(title=str(title), layout={"display": "none"})
