"""SurfaceView's colouring by a value other than the height (``surfacecolor``), its z-axis title and its colour bar
switch — what the Landscape Explorer uses for a log colour scale over linear heights."""

import numpy as np
import pytest
from explorer_checks import PLOTLY_EDITS

from course_utils.widgets.surface3d import SurfaceView


def test_surfacecolor_is_sent_transposed_with_its_own_range_and_cleared_when_dropped():
    view = SurfaceView(colorbar=False)
    x, y = np.linspace(0, 1, 3), np.linspace(0, 2, 4)
    z = np.add.outer(x, y) + 1.0  # z[i, j] at (x[i], y[j])
    colour = np.log10(z)
    view.set_surface(x, y, z, surfacecolor=colour)
    trace = view.figure.data[0]
    assert trace.showscale is False
    np.testing.assert_array_equal(np.asarray(trace.surfacecolor, dtype=float), colour.T)  # plotly: [row=y][col=x]
    np.testing.assert_array_equal(np.asarray(trace.z, dtype=float), z.T)
    # the colour range defaults to the colours', not the heights'
    assert (trace.cmin, trace.cmax) == pytest.approx((np.log10(1.0), np.log10(4.0)))
    view.set_surface(x, y, z, surfacecolor=colour, cmin=-1.0, cmax=1.0)
    assert (trace.cmin, trace.cmax) == (-1.0, 1.0)
    view.set_surface(x, y, z)  # coloured by height again
    assert trace.surfacecolor is None and (trace.cmin, trace.cmax) == (1.0, 4.0)
    assert SurfaceView().figure.data[0].showscale is True  # the default keeps plotly's bar (Terrain, Gallery)


def test_a_new_surfacecolor_alone_is_sent_and_an_equal_one_is_not():
    view = SurfaceView()
    view.before_display()
    sent = []
    original = view.figure._send

    def spy(msg, buffers=None):  # the plotly edits sent (not plotly's bookkeeping messages)
        state = msg.get("state", {})
        if any(state.get(k) for k in PLOTLY_EDITS):
            sent.append(state)
        return original(msg, buffers)

    view.figure._send = spy
    x = np.linspace(0, 1, 3)
    z = np.ones((3, 3))
    view.set_surface(x, x, z, surfacecolor=z * 2, cmin=0.0, cmax=3.0)
    assert len(sent) == 1
    view.set_surface(x, x, z, surfacecolor=z * 2, cmin=0.0, cmax=3.0)
    assert len(sent) == 1
    view.set_surface(x, x, z, surfacecolor=z * 3, cmin=0.0, cmax=3.0)  # the same heights and range: new colours
    assert len(sent) == 2
    np.testing.assert_array_equal(np.asarray(view.figure.data[0].surfacecolor, dtype=float), z * 3)
    view.set_zlabel("loss (log colour scale)")
    view.set_zlabel("loss (log colour scale)")
    assert len(sent) == 3 and view.figure.layout.scene.zaxis.title.text == "loss (log colour scale)"
    view.close()


def test_bad_surfacecolor_and_label_are_refused_by_name():
    view = SurfaceView()
    x = np.linspace(0, 1, 3)
    with pytest.raises(ValueError, match="surfacecolor"):
        view.set_surface(x, x, np.ones((3, 3)), surfacecolor=np.ones((2, 3)))
    with pytest.raises((ValueError, TypeError), match="surfacecolor"):
        view.set_surface(x, x, np.ones((3, 3)), surfacecolor=np.ones(3))
    with pytest.raises((ValueError, TypeError), match="text"):
        view.set_zlabel(3)
    with pytest.raises((ValueError, TypeError), match="colorbar"):
        SurfaceView(colorbar="no")


def test_a_hidden_view_makes_its_page_widget_only_when_first_shown_after_display():
    import plotly.graph_objects as go

    view = SurfaceView()
    view.show(False)
    view.before_display()  # the explorer was displayed while the view was hidden
    assert view.widget.layout.display == "none" and not isinstance(view.figure, go.FigureWidget)
    view.show(True)
    assert view.widget.layout.display == "" and isinstance(view.figure, go.FigureWidget)
    assert view.widget.children[0] is view.figure
    made = view.figure
    view.show(False)
    view.show(True)
    assert view.figure is made  # made once
    never_displayed = SurfaceView()
    never_displayed.show(True)  # no page yet: nothing to make
    assert not isinstance(never_displayed.figure, go.FigureWidget)
    with pytest.raises((ValueError, TypeError), match="visible"):
        view.show("yes")
    view.close()
