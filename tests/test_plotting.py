"""Tests for course_utils.plotting: labelled, accessible figures; honest loss curves."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import functions, optimizers, plotting  # noqa: E402
from course_utils.objective import FunctionObjective  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_import_course_utils_does_not_import_matplotlib():
    code = "import sys, course_utils, course_utils.plotting, course_utils.widgets; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_new_figure_presentation_is_larger_and_labels_use_larger_fonts():
    fig, ax = plotting.new_figure()
    big, bax = plotting.new_figure(presentation=True)
    assert big.get_size_inches()[0] > fig.get_size_inches()[0]
    plotting.label_axes(ax, title="t", xlabel="x", ylabel="y")
    plotting.label_axes(bax, title="t", xlabel="x", ylabel="y")
    assert bax.title.get_fontsize() > ax.title.get_fontsize()
    assert bax.xaxis.label.get_fontsize() > ax.xaxis.label.get_fontsize()


def test_new_figure_mixed_projections():
    fig, (a3, a2) = plotting.new_figure(1, 2, projection=["3d", None])
    assert a3.name == "3d" and a2.name == "rectilinear"
    with pytest.raises(ValueError, match="projection"):
        plotting.new_figure(1, 2, projection=["3d"])


def test_grid_values_orientation_matches_matplotlib_convention():
    X, Y, Z = plotting.grid_values(lambda x, y: x + 10 * y, ((0, 1), (0, 2)), resolution=5)
    # x varies along columns, y along rows: Z[i, j] = f(xs[j], ys[i])
    assert np.allclose(X[0], np.linspace(0, 1, 5)) and np.allclose(Y[:, 0], np.linspace(0, 2, 5))
    assert np.allclose(Z, X + 10 * Y)


def test_grid_values_objective_and_function_agree():
    obj = functions.get("rosenbrock")
    X, Y, Z = plotting.grid_values(obj, resolution=7)
    expected = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    assert np.allclose(Z, expected)
    plain = FunctionObjective(lambda t: (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2, dim=2)
    _, _, Z2 = plotting.grid_values(plain, obj.bounds, resolution=7)
    assert np.allclose(Z2, expected)


def test_grid_values_rejects_bad_bounds_and_wrong_dim():
    with pytest.raises(ValueError, match="bounds"):
        plotting.grid_values(lambda x, y: x, ((1, 0), (0, 1)))
    with pytest.raises(ValueError, match="dim"):
        plotting.grid_values(FunctionObjective(lambda t: t @ t, dim=3), ((0, 1), (0, 1)))


def test_plot_contour_is_labelled_and_uses_viridis():
    obj = functions.get("himmelblau")
    fig, ax = plotting.new_figure()
    cs = plotting.plot_contour(ax, obj, levels=20, log=True, colorbar=True)
    assert ax.get_title() == obj.name
    assert ax.get_xlabel() and ax.get_ylabel()
    assert cs.get_cmap().name == "viridis"
    assert ax.get_xlim() == tuple(obj.bounds[0])
    # log levels are increasing and start at the grid minimum
    _, _, Z = plotting.grid_values(obj, resolution=121)
    assert np.all(np.diff(cs.levels) > 0) and np.isclose(cs.levels[0], Z.min())
    # the four known minima are marked
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert len(stars) == 1 and len(stars[0].get_xdata()) == len(obj.minima)


def test_plot_surface_requires_3d_axes_and_labels_z():
    obj = functions.get("wobbly", amplitude=0.5)
    fig, ax = plotting.new_figure()
    with pytest.raises(ValueError, match="3-D"):
        plotting.plot_surface(ax, obj)
    fig, ax3 = plotting.new_figure(projection="3d")
    surf = plotting.plot_surface(ax3, obj, resolution=21, cmap="cividis")
    assert surf.get_cmap().name == "cividis"
    assert ax3.get_zlabel() == "loss" and ax3.get_title() == obj.name


def test_plot_trajectory_draws_the_path_and_marks_divergence():
    obj = functions.get("wobbly", amplitude=0.0)
    fig, ax = plotting.new_figure()
    good = optimizers.run(obj, optimizers.gd(), [1.0, -1.0], steps=20, lr=0.1)
    line = plotting.plot_trajectory(ax, good, label="GD")
    assert np.allclose(line.get_xydata(), good.thetas)
    assert line.get_label() == "GD"
    bad = optimizers.run(obj, optimizers.gd(), [1.0, -1.0], steps=100, lr=1.5)
    assert bad.diverged
    line2 = plotting.plot_trajectory(ax, bad, label="GD big", bounds=obj.bounds)
    assert line2.get_label() == f"GD big (diverged at step {bad.diverged_at})"
    drawn = line2.get_xydata()
    assert np.all(np.isfinite(drawn)) and len(drawn) < len(bad.thetas)
    assert np.all(np.abs(drawn) <= 1.5 * 2)  # inside the box enlarged by half


def test_plot_loss_curves_log_scale_and_styles():
    fig, ax = plotting.new_figure()
    lines = plotting.plot_loss_curves(ax, {"a": [1.0, 0.5, 0.1], "b": [2.0, 1.0, 0.3]})
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert "log" in ax.get_ylabel() and ax.get_xlabel() == "step" and ax.get_title()
    assert ax.course_notes == []


def test_plot_loss_curves_non_positive_values_switch_to_symlog_and_say_so():
    fig, ax = plotting.new_figure()
    plotting.plot_loss_curves(ax, [np.array([1.0, 0.0, -0.5])], labels=["neg"])
    assert ax.get_yscale() == "symlog"
    assert any("≤ 0" in note for note in ax.course_notes)
    assert any("≤ 0" in t.get_text() for t in ax.texts)


def test_plot_loss_curves_divergence_is_reported():
    obj = functions.get("wobbly", amplitude=0.0)
    bad = optimizers.run(obj, optimizers.gd(), [1.0, 1.0], steps=100, lr=1.5)
    fig, ax = plotting.new_figure()
    (line,) = plotting.plot_loss_curves(ax, bad)
    assert f"diverged at step {bad.diverged_at}" in line.get_label()
    assert np.all(np.isfinite(line.get_ydata()))
    # a plain array that turns non-finite is reported too
    fig, ax = plotting.new_figure()
    (line,) = plotting.plot_loss_curves(ax, np.array([1.0, 10.0, np.inf, np.nan]), labels=["x"])
    assert "diverged at step 2" in line.get_label() and len(line.get_ydata()) == 2


def test_series_styles_are_distinct_and_colour_blind_safe():
    styles = plotting.series_styles(8)
    assert len({s["color"] for s in styles}) == 8
    assert len({s["marker"] for s in styles}) == 8
    assert all(s["color"] in plotting.OKABE_ITO for s in styles)
    many = plotting.series_styles(32)
    assert len({(s["color"], s["linestyle"], s["marker"]) for s in many}) == 32
    assert plotting.series_styles(0) == []
    with pytest.raises(ValueError, match="`n`"):
        plotting.series_styles(-1)
