"""Drive the Critical Point Gallery and Finder through every control; assert on the state, never on pixels."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_utils import functions
from course_utils.widgets import CriticalFinder, CriticalGallery


@pytest.fixture(scope="module")
def gallery():
    g = CriticalGallery(resolution=21)
    yield g
    g.close()


@pytest.mark.parametrize(
    "lam1, lam2, kind, index",
    [(1.0, 2.0, "minimum", 0), (-1.0, -0.5, "maximum", 2), (2.0, -2.0, "saddle", 1), (0.0, 1.0, "degenerate", 0),
     (0.0, 0.0, "degenerate", 0), (-2.0, 0.0, "degenerate", 1)],
)
def test_gallery_classification_follows_sliders(gallery, lam1, lam2, kind, index):
    gallery.set(lam1=lam1, lam2=lam2)
    c = gallery.state.classification
    assert (c.kind, c.index) == (kind, index)
    np.testing.assert_allclose(c.eigenvalues, sorted([lam1, lam2]), atol=1e-12)
    assert gallery.error is None and gallery.caught_warnings == []
    assert kind.split()[0] in gallery.message_text


def test_gallery_rotation_rotates_eigenvectors_and_surface(gallery):
    gallery.set(lam1=1.0, lam2=-1.0, angle=0.0)
    assert np.allclose(np.abs(gallery.state.classification.escape_direction), [0.0, 1.0])
    for angle in [0.0, 45.0, 90.0, 135.0, 180.0, 37.0]:
        gallery.controls["angle"].value = angle
        st = gallery.state
        u = st.classification.escape_direction
        phi = np.deg2rad(angle)
        # λ₂ = −1 belongs to the second rotated axis (−sin φ, cos φ)
        assert abs(u @ np.array([-np.sin(phi), np.cos(phi)])) == pytest.approx(1.0, abs=1e-9)
        # the surface is the quadratic form of the Hessian shown
        pts = np.stack([st.X, st.Y], axis=-1)
        np.testing.assert_allclose(st.Z, 0.5 * np.einsum("...i,ij,...j->...", pts, st.hessian, pts), atol=1e-12)
        assert gallery.state_params == gallery.params


def test_gallery_random_sweep_never_errors(gallery):
    rng = np.random.default_rng(0)
    for _ in range(15):
        name = rng.choice(["lam1", "lam2", "angle"])
        ctrl = gallery.controls[name]
        ctrl.value = float(rng.uniform(ctrl.min, ctrl.max))
        assert gallery.error is None and gallery.caught_warnings == []
        assert gallery.state_params == gallery.params
    gallery.reset_controls()
    assert gallery.state.classification.kind == "saddle"


@pytest.fixture(scope="module")
def finder():
    f = CriticalFinder(n_starts=64)
    yield f
    f.close()


def test_finder_default_is_himmelblau_census(finder):
    assert finder.state.counts == {"minimum": 4, "maximum": 1, "saddle": 4, "degenerate": 0}
    assert "9 critical points found" in finder.message_text


@pytest.mark.parametrize("name", ["six_hump_camel", "rosenbrock", "monkey_saddle", "quartic_bowl", "quartic_saddle",
                                  "saddle", "bowl"])
def test_finder_matches_known_census(finder, name):
    finder.set(function=name, n_starts=128, method="sobol")
    known = functions.get(name).critical_points
    assert len(finder.state.points) == len(known)
    assert sorted(p.kind for p in finder.state.points) == sorted(c.kind for c in known)
    assert finder.error is None and finder.caught_warnings == []


def test_finder_extremes_and_methods(finder):
    finder.set(function="himmelblau")
    for n in [1, 2, 256]:
        for method in ["sobol", "grid", "halton"]:
            finder.set(n_starts=n, method=method)
            st = finder.state
            assert finder.error is None and finder.caught_warnings == []
            assert len(st.points) <= 9
            assert st.starts.shape[1] == 2
            if len(st.points) < 9:
                assert "missed" in finder.message_text
    finder.set(n_starts=256, method="sobol")
    assert len(finder.state.points) == 9


def test_finder_unknown_census_functions(finder):
    for name in ["wobbly", "multimodal", "rastrigin"]:
        finder.set(function=name, n_starts=32)
        assert finder.error is None and finder.caught_warnings == []
        for p in finder.state.points:
            assert p.grad_norm <= 1e-8


# --- latency mechanisms (no timing: what makes a tick cheap) ------------------------------------------------
@pytest.mark.parametrize("method", ["sobol", "halton", "grid"])
def test_finder_shares_one_newton_run_and_agrees_with_find_critical_points(method):
    from course_utils.critical import find_critical_points

    finder = CriticalFinder(function="six_hump_camel", method=method, n_starts=16)
    try:
        search = finder.search("six_hump_camel", method)
        roots = len(search._roots)
        f = functions.get("six_hump_camel")
        for n in (16, 40, 97, 256, 3):
            finder.set(n_starts=n)
            assert len(search._roots) == roots  # prepared once for the slider's largest count: no new Newton run
            ref = find_critical_points(f, f.bounds, n, method=method, rng=0)
            got = finder.state.points
            assert [p.kind for p in got] == [p.kind for p in ref]
            np.testing.assert_allclose([p.point for p in got], [p.point for p in ref], atol=1e-10)
            np.testing.assert_allclose(finder.state.starts, search.starts(n))
    finally:
        finder.close()


def test_finder_legend_lists_only_kinds_present():
    finder = CriticalFinder(function="bowl", n_starts=16)
    try:
        # one figure legend, below the map (never over it), and no legend inside the axes
        assert finder.ax.get_legend() is None and len(finder.fig.legends) == 1
        labels = [t.get_text() for t in finder.fig.legends[0].get_texts()]
        assert labels == ["starts", "minima (1)"]
    finally:
        finder.close()


def test_gallery_keeps_its_legend_and_updates_the_eigenvalues(gallery):
    gallery.set(lam1=1.0, lam2=-1.0)
    legend = gallery.ax.get_legend()
    gallery.set(lam1=0.5, lam2=1.5)
    assert gallery.ax.get_legend() is legend
    assert [t.get_text() for t in legend.get_texts()][:2] == ["eigenvector, λ = +0.50", "eigenvector, λ = +1.50"]


def test_finder_keeps_its_legend_until_the_census_changes():
    finder = CriticalFinder(function="bowl", n_starts=16)
    try:
        legend = finder.fig.legends[0]
        finder.set(n_starts=25)  # still one minimum: the same legend (kept as a cached image when blitting)
        assert finder.fig.legends == [legend]
        finder.set(function="himmelblau")  # a new census: a new legend that says so
        from course_utils.widgets.critical_finder import KIND_MARKERS, KIND_PLURALS

        counts = {k: sum(p.kind == k for p in finder.state.points) for k in KIND_MARKERS}
        expected = ["starts"] + [f"{KIND_PLURALS[k]} ({n})" for k, n in counts.items() if n]
        assert len(finder.fig.legends) == 1 and finder.fig.legends[0] is not legend
        assert [t.get_text() for t in finder.fig.legends[0].get_texts()] == expected
        assert counts["saddle"] >= 1 and counts["maximum"] == 1  # Himmelblau: the census changed
    finally:
        finder.close()


def test_gallery_3d_view_holds_the_quadratic_form_and_the_eigenvector_curves(gallery):
    """The plotly view's surface is ½θᵀHθ for the H built here from the sliders (rotation matrix written out), and
    the eigenvector curves lie on it along H's eigenvectors found by a dense eigendecomposition."""
    for lam1, lam2, angle in [(1.0, -1.0, 30.0), (2.0, 0.5, 100.0), (-1.5, 0.0, 170.0)]:
        gallery.set(lam1=lam1, lam2=lam2, angle=angle)
        phi = np.deg2rad(angle)
        R = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
        H = R @ np.diag([lam1, lam2]) @ R.T
        data = gallery.view3d.figure.data
        x, y, z = (np.asarray(v, dtype=float) for v in (data[0].x, data[0].y, data[0].z))
        # plotly's convention: z[row][column] over (x[column], y[row])
        X, Y = np.meshgrid(x, y)
        expected = 0.5 * (H[0, 0] * X**2 + 2 * H[0, 1] * X * Y + H[1, 1] * Y**2)
        np.testing.assert_allclose(z, expected, atol=1e-12)
        assert (data[0].cmin, data[0].cmax) == (-2.3, 2.3)
        eigenvalues, vectors = np.linalg.eigh(H)
        for i in range(2):
            curve = next(t for t in data if t.name == f"eigenvector {i + 1}")
            pts = np.column_stack([np.asarray(v, dtype=float) for v in (curve.x, curve.y, curve.z)])
            ok = np.isfinite(pts[:, 2])
            assert ok.sum() >= 5
            assert np.allclose(np.abs(pts[:, :2] @ vectors[:, i]), np.linalg.norm(pts[:, :2], axis=1))  # along v_i
            on_surface = 0.5 * np.einsum("ni,ij,nj->n", pts[ok, :2], H, pts[ok, :2])
            np.testing.assert_allclose(pts[ok, 2], on_surface, atol=1e-12)
        assert gallery.state.classification.describe() == gallery.view3d.figure.layout.title.text
    gallery.reset_controls()


def test_gallery_sends_only_the_heights_when_only_the_heights_change():
    """A new λ₁ changes the surface's heights over the same grid and colour range: z alone goes to the page (one
    message), and the view still holds ½θᵀHθ for the H built here."""
    g = CriticalGallery()
    try:
        g._repr_mimebundle_()
        g.set(lam1=1.0, lam2=-1.0, angle=30.0)
        widget = g.view3d.figure
        edits = []
        original = widget._send

        def spy(msg, buffers=None):
            update = msg.get("state", {}).get("_py2js_update")
            if update:
                edits.append(update)
            return original(msg, buffers)

        widget._send = spy
        g.controls["lam1"].value = 0.7
        assert len(edits) == 1  # one message per key press
        surface = [style for style, trace in zip_styles(edits[0]) if trace == 0]
        assert surface and set(surface[0]) == {"z"}, edits[0].get("style_data")
        phi = np.deg2rad(30.0)
        R = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
        H = R @ np.diag([0.7, -1.0]) @ R.T
        data = g.view3d.figure.data[0]
        x, y, z = (np.asarray(v, dtype=float) for v in (data.x, data.y, data.z))
        X, Y = np.meshgrid(x, y)  # plotly's convention: z[row][column] over (x[column], y[row])
        np.testing.assert_allclose(z, 0.5 * (H[0, 0] * X**2 + 2 * H[0, 1] * X * Y + H[1, 1] * Y**2), atol=1e-12)
        assert x[0] == y[0] == -1.5 and x[-1] == y[-1] == 1.5 and (data.cmin, data.cmax) == (-2.3, 2.3)
    finally:
        g.close()


def zip_styles(update):
    """(style dict, trace index) pairs of a plotly ``_py2js_update`` message (style values are per-trace lists;
    ``"_undefined_"`` marks a trace the property is not sent for)."""
    style, traces = update.get("style_data") or {}, update.get("style_traces") or []
    per = [{} for _ in traces]
    for key, values in style.items():
        for i, value in enumerate(values):
            if not (isinstance(value, str) and value == "_undefined_"):
                per[i][key] = value
    return list(zip(per, traces))


def data_extent(figure) -> np.ndarray:
    """The box plotly.js scales a 3-D scene by: min and max of the finite x, y, z over every trace, shape (2, 3)."""
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for trace in figure.data:
        for i, name in enumerate("xyz"):
            values = np.asarray(getattr(trace, name) if getattr(trace, name) is not None else [], dtype=float).ravel()
            values = values[np.isfinite(values)]
            if values.size:
                lo[i], hi[i] = min(lo[i], values.min()), max(hi[i], values.max())
    return np.array([lo, hi])


def test_gallery_3d_data_extent_is_the_same_at_every_setting():
    """plotly.js rescales the scene and rebuilds its axes (a new WebGL program in the page) whenever the data's
    extent changes; the gallery's extent is that of its anchor box at every setting, the steepest ones included."""
    g = CriticalGallery()
    try:
        first = data_extent(g.view3d.figure)
        np.testing.assert_allclose(first, [[-1.5, -1.5, -4.5], [1.5, 1.5, 4.5]])
        rng = np.random.default_rng(0)
        settings = [dict(lam1=2.0, lam2=2.0, angle=45.0), dict(lam1=-2.0, lam2=-2.0, angle=0.0),
                    dict(lam1=0.0, lam2=0.0, angle=90.0)]
        settings += [dict(lam1=float(a), lam2=float(b), angle=float(c))
                     for a, b, c in zip(rng.uniform(-2, 2, 8), rng.uniform(-2, 2, 8), rng.uniform(0, 180, 8))]
        for values in settings:
            g.set(**values)
            # the oracle for "inside": ½θᵀHθ at the grid corners, the largest |f| on the square, from H written out
            assert np.all(np.abs(np.asarray(g.view3d.figure.data[0].z, dtype=float)) <= 4.5 + 1e-12)
            np.testing.assert_array_equal(data_extent(g.view3d.figure), first)
    finally:
        g.close()


def test_surface_view_extent_rejects_an_empty_box():
    from course_utils.widgets.surface3d import SurfaceView

    view = SurfaceView()
    with pytest.raises(ValueError, match="`lower`"):
        view.set_extent((0, 0, 1), (1, 1, 1))
    view.set_extent((0, 0, 0), (1, 2, 3))
    assert view.figure.data[2].z == (0.0, 3.0) and view.figure.data[2].marker.opacity == 0
    view.close()
