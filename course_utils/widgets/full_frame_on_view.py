r"""A complete image of an explorer's figure whenever the browser shows it: when its view is ready, and each
time it comes back into view.

ipympl sends *diff* images, and a diff lands on whatever the browser's canvas holds. If the canvas holds a picture
the kernel never drew — an image dropped during Run All, a view re-created by JupyterLab, a canvas the browser
skipped while it was out of view (JupyterLab's default notebook windowing) — every later diff keeps the mistake.
The kernel already sends one complete image once the controls have been still for a moment
(:func:`course_utils.plotting.request_full_frame`); but only the browser knows when the figure is actually on
screen, and a picture that went wrong without a control change would never be repaired.

:class:`FullFrameOnView` is an invisible widget each explorer puts in its layout
(:attr:`~course_utils.widgets.base.Explorer.widget`). Its front end (an anywidget ES module, no build step) finds
the explorer's figure and watches it with an ``IntersectionObserver``: when the figure first becomes visible (the
view is ready) and whenever it becomes visible again after being out of view, it sends ``{"event": "shown"}``; the
kernel answers with one complete image (the same ``refresh`` the browser sends when it opens a figure, scheduled
with :func:`~course_utils.plotting.request_full_frame`). Scrolling past an explorer costs one image, never a stream.

``tests/browser/test_render_truth_browser.py`` spoils a canvas in the page, scrolls away and back, and checks that
the canvas again equals the kernel's full render.
"""

from __future__ import annotations

import weakref

import anywidget

# Nothing public: every explorer adds its own (Explorer.widget); students never build one.
__all__: list[str] = []

_ESM = r"""
export default {
  render({ model, el }) {
    let observer = null, tries = 0, stopped = false;
    const attach = () => {
      if (stopped) return;
      const root = el.closest(".course-explorer");
      const figure = root && root.querySelector(".jupyter-matplotlib-canvas-div");
      if (!figure) {  // not in the page yet: try again next frame (≤ ~10 s)
        if (++tries < 600) requestAnimationFrame(attach);
        return;
      }
      let visible = false;
      observer = new IntersectionObserver((entries) => {
        const now = entries[entries.length - 1].isIntersecting;
        if (now && !visible) model.send({ event: "shown" });  // ready, or back in view: one complete image
        visible = now;
      });
      observer.observe(figure);
    };
    attach();
    return () => { stopped = true; if (observer) observer.disconnect(); };
  },
};
"""


class FullFrameOnView(anywidget.AnyWidget):
    """An invisible widget that asks for a complete image of ``fig`` whenever the browser shows the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure (held weakly: closing the explorer frees it).
    """

    _esm = _ESM

    def __init__(self, fig):
        super().__init__(layout={"display": "none"})
        self._fig = weakref.ref(fig)
        self.shown = 0  # how many times the browser reported the figure shown (for tests and curiosity)
        self.on_msg(self._on_message)

    def _on_message(self, widget, content, buffers) -> None:
        from ..plotting import request_full_frame

        fig = self._fig()
        if fig is None or not isinstance(content, dict) or content.get("event") != "shown":
            return
        self.shown += 1
        # a short delay: several figures coming into view at once (a fast scroll) share the kernel's next idle moment
        request_full_frame(fig, delay=0.05)
