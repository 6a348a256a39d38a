"""The Landscape Explorer and the Rescaling Explorer, driven through every control (Agg backend)."""

import numpy as np
import pytest
from explorer_checks import record_page_order

from course_utils import surfaces
from course_utils.problems import moons_problem
from course_utils.widgets.landscape import LandscapeExplorer
from course_utils.widgets.rescaling import RescalingExplorer


@pytest.fixture(scope="module")
def problem():
    return moons_problem()


def _check_state(e, params):
    s = e.state
    assert e.error is None and e.caught_warnings == []
    assert e.state_params == e.params
    grid = np.linspace(-params["span"], params["span"], params["resolution"])
    np.testing.assert_allclose(s.slice.alphas, grid)
    assert s.slice.losses.shape == (params["resolution"],) * 2
    assert s.normalization == params["normalization"] and s.seed == params["seed"] and s.view == params["view"]
    d1, d2 = surfaces.random_directions(e.model, e.theta, params["seed"], n=2, norm=params["normalization"])
    np.testing.assert_array_equal(s.slice.d1, d1)
    # the centre of an odd grid is θ* itself
    mid = params["resolution"] // 2
    assert s.slice.losses[mid, mid] == pytest.approx(e.model.loss(e.theta), rel=1e-12)
    assert f"seed {params['seed']}" in e.message_text
    # the contour map is always shown; the 3-D view (plotly) beside it only in the "3-D surface" view
    assert e.ax2d.get_visible() and [ax.name for ax in e.fig.axes] == ["rectilinear", "rectilinear"]
    assert e.view3d.widget.layout.display == ("" if params["view"] == "surface" else "none")


def test_landscape_explorer_all_controls(problem):
    e = LandscapeExplorer(resolution=21)
    try:
        _check_state(e, e.params)
        settings = [("seed", 0), ("seed", 20), ("span", 0.1), ("span", 2.0), ("resolution", 11), ("resolution", 81),
                    ("normalization", "none"), ("normalization", "layer"), ("normalization", "filter"),
                    ("view", "surface"), ("resolution", 31), ("view", "contour")]
        rng = np.random.default_rng(0)
        settings += [settings[i] for i in rng.permutation(len(settings))]
        for name, value in settings:
            e.controls[name].value = value
            _check_state(e, e.params)
    finally:
        e.close()


def test_landscape_explorer_step_ratio(problem):
    e = LandscapeExplorer(resolution=11, normalization="none")
    g = np.random.default_rng(0).standard_normal(e.model.dim)
    assert e.state.step_ratio == pytest.approx(np.linalg.norm(g) / np.linalg.norm(e.theta))
    e.controls["normalization"].value = "filter"
    # filter-normalized directions copy the weights' norms and zero the biases: ‖d‖ = ‖W‖ ≤ ‖θ‖
    weights = np.concatenate([W.ravel() for W, _ in e.model.unflatten(e.theta)])
    assert e.state.step_ratio == pytest.approx(np.linalg.norm(weights) / np.linalg.norm(e.theta), rel=1e-8)
    assert e.state.step_ratio <= 1.0
    e.close()


def test_landscape_explorer_custom_model_and_errors():
    from course_utils.models import Quadratic

    q = Quadratic(np.diag([1.0, 3.0]))
    e = LandscapeExplorer(q, np.array([1.0, 1.0]), resolution=11)
    assert e.error is None and e.state.slice.losses.shape == (11, 11)
    e.close()
    with pytest.raises(ValueError, match="theta"):
        LandscapeExplorer(q)
    with pytest.raises(ValueError, match="unknown control"):
        LandscapeExplorer(q, np.ones(2), colour="red")


def test_rescaling_explorer_all_controls(problem):
    e = RescalingExplorer()
    try:
        assert e.state.scale == 1.0 and e.state.raw_change == 0.0
        for scale in (0.25, 4.0, 0.5, 3.0, 1.7, 1.0 / 3):
            for seed in (0, 20, 7):
                e.set(scale=scale, seed=seed)
                s = e.state
                assert e.error is None and e.caught_warnings == []
                assert s.scale == pytest.approx(e.controls["scale"].value)
                assert s.loss_change < 1e-12
                assert s.filter_change < 1e-9 * max(1.0, s.filt.max())
                assert s.raw_change > 1e-3
                np.testing.assert_allclose(s.filt, s.filt_ref, rtol=1e-9, atol=1e-12)
                assert "same function" in e.message_text
    finally:
        e.close()


def test_landscape_range_changes_no_axes_furniture(problem):
    """The contour view is drawn in units of r: changing the range keeps limits and tick labels (a blit) and
    says r in the title; the contours cover the whole box."""
    e = LandscapeExplorer(resolution=11)
    try:
        furniture = (e.ax2d.get_xlim(), e.ax2d.get_ylim(), [t.get_text() for t in e.ax2d.get_xticklabels()])
        for span in (0.1, 2.0, 0.5):
            e.controls["span"].value = span
            assert (e.ax2d.get_xlim(), e.ax2d.get_ylim(),
                    [t.get_text() for t in e.ax2d.get_xticklabels()]) == furniture
            assert f"r = {span:.2g}" in e.ax2d.get_title()
            x0, y0, x1, y1 = e._contour.get_datalim(e.ax2d.transData).extents
            assert (x0, y0, x1, y1) == pytest.approx((-1.0, -1.0, 1.0, 1.0))
        assert furniture[0] == (-1.0, 1.0) and furniture[2][0] == "−r" and furniture[2][-1] == "r"
    finally:
        e.close()


def test_rescaling_limits_hold_for_nearby_scales(problem):
    e = RescalingExplorer(scale=1.0)
    try:
        lims = (e.ax_raw.get_ylim(), e.ax_filt.get_ylim())
        for a in (1.1, 1.3, 1.5):
            e.controls["scale"].value = a
            assert (e.ax_raw.get_ylim(), e.ax_filt.get_ylim()) == lims
            assert np.max(e.state.raw[np.isfinite(e.state.raw)]) <= lims[0][1] * 1.5  # the curve stays readable
    finally:
        e.close()


def test_colours_are_on_a_log_scale_with_a_colour_bar_when_the_losses_span_decades():
    import matplotlib.colors as mcolors

    e = LandscapeExplorer(resolution=21)
    try:
        losses = e.state.slice.losses
        assert losses.max() / losses.min() > 100  # 0.01 at θ* to ~30 on the walls: decades
        bar, norm = e.cax, e.color_norm
        assert isinstance(norm, mcolors.LogNorm)
        assert "log" in bar.get_ylabel() and "capped" in bar.get_ylabel() and e._cap.get_visible()
        # the colours' range is the data's: from the smallest loss to the 98th percentile (the cap the arrow shows)
        assert np.isclose(norm.vmin, losses.min()) and np.isclose(norm.vmax, np.percentile(losses, 98))
        # the bar's labelled ticks sit where their values' colours are: label v at height norm(v)
        ticks = bar.yaxis.get_major_ticks()
        values = np.array([float(t.label1.get_text()) for t in ticks])
        assert len(values) >= 3
        assert np.allclose([t.get_loc() for t in ticks], np.log(values / norm.vmin) / np.log(norm.vmax / norm.vmin))
        # the point of the log scale: on a linear one ~40 % of the grid shares the darkest tenth of the colours
        # (one dark blob); on the log scale under 1 % does (measured 0.2–0.3 % over seeds 0, 3, 7)
        linear = mcolors.Normalize(norm.vmin, norm.vmax)
        assert np.mean(np.asarray(linear(losses)) < 0.1) > 0.2
        assert np.mean(np.asarray(norm(losses)) < 0.1) < 0.01
        e.set(view="surface")
        # the 3-D view's colours are the same log scale: log10 of the loss, from log10(vmin) to log10(vmax)
        surface = e.view3d.figure.data[0]
        assert isinstance(e.color_norm, mcolors.LogNorm) and surface.showscale is False
        assert (surface.cmin, surface.cmax) == pytest.approx((np.log10(norm.vmin), np.log10(norm.vmax)))
        assert e.error is None
    finally:
        e.close()


def _view_arrays(e):
    """The 3-D view's surface as the page is sent it: x, y, z, surfacecolor (plotly's z[row][column] over
    (x[column], y[row]))."""
    trace = e.view3d.figure.data[0]
    return tuple(None if v is None else np.asarray(v, dtype=float)
                 for v in (trace.x, trace.y, trace.z, trace.surfacecolor))


@pytest.mark.parametrize("values", [dict(), dict(normalization="none", seed=3, span=2.0),
                                    dict(span=0.1, seed=7), dict(normalization="layer", resolution=11)])
def test_3d_view_is_the_models_loss_on_the_plane_capped_and_coloured_as_the_contours(values):
    """Oracle: the model's own loss at θ* + α d₁ + β d₂, point by point, over the grid written out here; the cap
    is that grid's 98th percentile; the colours log10 of the capped loss when the losses span decades."""
    values = {"resolution": 21, **values}
    e = LandscapeExplorer(view="surface", **values)
    try:
        params = e.params
        grid = np.linspace(-params["span"], params["span"], params["resolution"])
        d1, d2 = e.state.slice.d1, e.state.slice.d2
        L = np.array([[e.model.loss(e.theta + a * d1 + b * d2) for b in grid] for a in grid])  # L[i, j]: α_i, β_j
        finite = L[np.isfinite(L)]
        lo, cap = finite.min(), np.percentile(finite, 98)
        capped = np.minimum(L, cap)
        x, y, z, colour = _view_arrays(e)
        np.testing.assert_allclose(x, grid, rtol=0, atol=1e-12)
        np.testing.assert_allclose(y, grid, rtol=0, atol=1e-12)
        np.testing.assert_allclose(z, capped.T, rtol=1e-9, atol=1e-12)
        layout = e.view3d.figure.layout
        assert tuple(layout.scene.zaxis.range) == pytest.approx((lo, cap))
        centre = e.view3d.figure.data[e.view3d._markers["centre"]]
        # θ* marked just above the surface (2 % of the height range)
        assert (centre.x, centre.y) == (0.0, 0.0)
        assert centre.z[0] == pytest.approx(e.model.loss(e.theta) + 0.02 * (cap - lo))
        if lo > 0 and cap / lo > 10:  # the contour map's LogNorm: the same mapping in the 3-D view
            np.testing.assert_allclose(colour, np.log10(capped).T, rtol=1e-9)
            assert (e.view3d.figure.data[0].cmin, e.view3d.figure.data[0].cmax) == pytest.approx(
                (np.log10(lo), np.log10(cap)))
            assert "log colour scale" in layout.scene.zaxis.title.text
        else:
            assert colour is None
            assert (e.view3d.figure.data[0].cmin, e.view3d.figure.data[0].cmax) == pytest.approx((lo, cap))
            assert layout.scene.zaxis.title.text == "loss"
        assert values.get("span", 1.0) == 0.1 or colour is not None  # both colour scales are exercised
        # one colour bar (matplotlib's), and the contour's title
        assert e.view3d.figure.data[0].showscale is False
        assert layout.title.text == e.ax2d.get_title().replace("\n", "<br>")
        # the data extent: the box [−r, r]² × [zmin, cap] (set_extent), whatever the slice
        anchor = e.view3d.figure.data[2]
        np.testing.assert_allclose([anchor.x, anchor.y, anchor.z],
                                   [[-params["span"], params["span"]]] * 2 + [[lo, cap]], rtol=1e-12)
    finally:
        e.close()


def test_3d_view_is_shown_in_its_view_only_and_sent_only_when_shown_and_changed():
    from test_terrain_explorer import sent_messages

    e = LandscapeExplorer(resolution=21)
    try:
        import plotly.graph_objects as go

        e._repr_mimebundle_()  # displayed; the hidden 3-D view makes no page widget (plotly's imports) until shown
        assert e.view3d.widget.layout.display == "none" and not isinstance(e.view3d.figure, go.FigureWidget)
        e.set(seed=4)  # contour view: the hidden 3-D view is sent nothing
        assert not isinstance(e.view3d.figure, go.FigureWidget)
        seen = []  # what the box held, in order, while the page widget was made (seconds in a fresh kernel)
        e.view3d.widget.observe(lambda change: seen.append([type(c).__name__ for c in change["new"]]), "children")
        e.set(view="surface")  # shown: the page widget, made from the current slice
        assert seen[0][0] == "HTML" and seen[-1][0] == "FigureWidget", seen  # a note first, then the view

        def row_holding(box, child):
            for c in getattr(box, "children", ()):
                if c is child:
                    return list(box.children)
                found = row_holding(c, child)
                if found:
                    return found
            return None

        row = row_holding(e.widget, e.view3d.widget)  # the map keeps its place: the 3-D view comes after it
        assert row is not None and row.index(e._output) < row.index(e.view3d.widget)
        assert e.view3d.widget.layout.display == "" and isinstance(e.view3d.figure, go.FigureWidget)
        assert e.view3d.widget.children[0] is e.view3d.figure
        sent = sent_messages(e.view3d.figure)
        e.set(seed=3)  # a new slice while shown: one surface message
        surface_msgs = [size for _, size, traces in sent if 0 in traces]
        assert len(surface_msgs) == 1, sent
        np.testing.assert_allclose(_view_arrays(e)[2], np.minimum(e.state.slice.losses, e.view3d.figure.layout.scene.zaxis.range[1]).T)
        sent.clear()
        e.set(view="contour")
        assert e.view3d.widget.layout.display == "none" and sent == []
        e.set(view="surface")  # back to the same slice: shown again, nothing re-sent
        assert e.view3d.widget.layout.display == "" and sent == []
        e.set(seed=5)  # a new slice while shown: one surface message
        assert len([1 for _, _, traces in sent if 0 in traces]) == 1, sent
        sent.clear()
        e.set(view="contour")
        e.set(seed=6)
        assert sent == []
    finally:
        e.close()


def test_the_3d_update_reaches_the_page_after_the_canvas_image():
    """The page's one main thread would hold the canvas's image behind plotly's WebGL update if that came first
    (see course_utils.widgets.surface3d); the explorer sends the 3-D update last."""
    e = LandscapeExplorer(resolution=21, view="surface")
    try:
        e._repr_mimebundle_()
        order = record_page_order(e)
        for seed in (3, 4):  # a new slice each time
            order.clear()
            e.controls["seed"].value = seed
            assert order[0] == "canvas" and order.count("3-D") >= 1, order
    finally:
        e.close()
