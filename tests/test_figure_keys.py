"""Key presses on a course figure do nothing: matplotlib's shortcuts (``q`` close, ``l``/``k`` log axes, ``g`` grid)
are off. The oracle is matplotlib's own state (open figures, axis scales) after real key events."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backend_bases import KeyEvent  # noqa: E402

from course_utils.plotting import new_figure  # noqa: E402
from course_utils.widgets import ChordExplorer  # noqa: E402


def _press(ax, key):
    # at the centre of the axes: 'l', 'k' and 'g' act on the axes under the pointer
    x, y = ax.transAxes.transform((0.5, 0.5))
    KeyEvent("key_press_event", ax.figure.canvas, key, x=x, y=y)._process()


def test_shortcuts_do_not_act_on_a_course_figure():
    fig, ax = new_figure()
    ax.plot([1, 2, 3], [1, 10, 100])
    try:
        for key in ("l", "k", "g", "q"):
            _press(ax, key)
        assert ax.get_yscale() == "linear" and ax.get_xscale() == "linear"
        assert not any(line.get_visible() for line in ax.get_xgridlines())
        assert plt.fignum_exists(fig.number)  # 'q' did not close it
    finally:
        plt.close(fig)


def test_shortcuts_do_not_act_on_an_explorer():
    explorer = ChordExplorer()
    try:
        ax = explorer.fig.axes[0]
        _press(ax, "l")
        _press(ax, "q")
        assert ax.get_yscale() == "linear"
        assert plt.fignum_exists(explorer.fig.number)
    finally:
        explorer.close()


def test_plain_pyplot_figures_keep_their_shortcuts():
    # the control: the same key events do act on a figure the course did not make
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 10, 100])
    _press(ax, "l")
    assert ax.get_yscale() == "log"
    _press(ax, "q")
    assert not plt.fignum_exists(fig.number)
