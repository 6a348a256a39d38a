"""The kernel side of widgets.full_frame_on_view: a "shown" message from the browser asks for one complete image.

The browser side (the IntersectionObserver) is tested in tests/browser/test_render_truth_browser.py, which spoils a
canvas and checks that coming back into view repairs it.
"""

from __future__ import annotations

import asyncio
import gc

import matplotlib.pyplot as plt

from course_utils.widgets.full_frame_on_view import FullFrameOnView


class _Canvas:
    """Stands for an ipympl canvas: records the complete-image requests matplotlib's web backend would serve."""

    def __init__(self):
        self.requests = []
        self.manager = self

    def handle_json(self, content):
        self.requests.append(content)


def test_a_shown_message_schedules_one_complete_image(monkeypatch):
    import course_utils.plotting as plotting

    fig = plt.figure()
    canvas = _Canvas()
    monkeypatch.setattr(plotting, "is_widget_canvas", lambda c: c is canvas)
    monkeypatch.setattr(fig, "canvas", canvas, raising=False)
    view = FullFrameOnView(fig)

    async def scroll_past():
        for _ in range(3):  # three "shown" in quick succession (a fast scroll): one image
            view._on_message(view, {"event": "shown"}, [])
        view._on_message(view, {"event": "something else"}, [])
        await asyncio.sleep(0.2)

    asyncio.run(scroll_past())
    assert view.shown == 3
    assert canvas.requests == [{"type": "refresh"}]
    view.close()
    plt.close(fig)


def test_the_figure_is_held_weakly():
    fig = plt.figure()
    view = FullFrameOnView(fig)
    plt.close(fig)
    del fig
    gc.collect()
    view._on_message(view, {"event": "shown"}, [])  # the figure is gone: nothing to do, no error
    assert view.shown == 0
    view.close()
