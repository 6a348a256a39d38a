"""The benchmark machinery (no timing asserts: `make bench` owns the numbers, `make bench QUICK=1` the smoke run)."""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402


def test_interleaved_alternates_and_spreads_a_slow_baseline():
    calls = []
    t_ours, t_base = harness.interleaved(lambda: calls.append("o"), lambda: calls.append("b"), 6, 2)
    assert len(t_ours) == 6 and len(t_base) == 2
    assert calls[:2] == ["o", "b"]  # the baseline starts right after ours, not after all of them
    assert calls.count("b") == 2 and calls.index("b", 2) > 3  # second baseline run in the second half
    _, every = harness.interleaved(lambda: None, lambda: None, 4)
    assert len(every) == 4


def test_summary_counts_only_rows_with_targets_and_table_has_every_row():
    rows = [harness.Row("a", "1 ms", "2 ms", "2.0×", "≥ 1×", True),
            harness.Row("b", "1 ms", "1 ms", "1.0×", "≥ 10×", False),
            harness.Row("c", "1", "2", "—", "report", None)]
    assert harness.summary(rows) == (1, 2)
    text = harness.table(rows)
    assert text.count("\n") == 1 + len(rows)
    assert "**NO**" in text.splitlines()[3] and text.splitlines()[4].endswith("| — |")


@pytest.mark.parametrize("seconds, text", [(2.5e-4, "250 µs"), (0.0123, "12.3 ms"), (4.5, "4.50 s")])
def test_fmt_time(seconds, text):
    assert harness.fmt_time(seconds) == text


def test_fmt_ratio_marks_lower_bounds():
    assert harness.fmt_ratio(12.34) == "12.3×"
    assert harness.fmt_ratio(250.0, lower_bound=True) == "> 250×"


def test_loop_baseline_is_the_per_point_loss_and_agrees_with_slice_2d():
    import landscape_grid

    from course_utils import surfaces
    from course_utils.data import two_moons
    from course_utils.models import MLP

    X, y = two_moons(20, rng=0)
    m = MLP(X, y, hidden=(3,), activation="relu", loss="mse")
    rng = np.random.default_rng(0)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    a, b = np.linspace(-1, 1, 3), np.linspace(0, 2, 4)
    loop = landscape_grid.loop_slice(m, c, d1, d2, a, b)
    assert loop[2, 1] == m.loss(c + a[2] * d1 + b[1] * d2)
    np.testing.assert_allclose(surfaces.slice_2d(m, c, d1, d2, a, b).losses, loop, rtol=1e-12)
    # nominal flops of a 2-3-1 net: 2·N·(2·3 + 3·1) per point
    assert landscape_grid.nominal_flops(m, 12) == 2 * 12 * 20 * 9


def test_explorer_discovery_finds_every_registered_explorer():
    import explorer_latency

    import course_utils.widgets as widgets
    from course_utils.widgets.base import Explorer

    found = explorer_latency.explorer_classes()
    assert "TerrainExplorer" in found and "Explorer" not in found
    registered = {n for n in widgets._EXPLORERS
                  if isinstance(getattr(widgets, n), type) and issubclass(getattr(widgets, n), Explorer)}
    assert set(found) == registered - {"Explorer"}


def test_control_sweep_changes_the_value_every_time():
    import explorer_latency
    import ipywidgets as W

    for control in (W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1),
                    W.FloatLogSlider(value=1e-2, base=10, min=-3, max=0, step=0.1),
                    W.IntSlider(value=0, min=0, max=2),
                    W.ToggleButtons(options=[("a", "x"), ("b", "y")], value="x")):
        values = explorer_latency._sweep(control, n=10)
        assert len(values) == 10
        previous = control.value
        for v in values:
            assert v != previous
            previous = v


def test_control_sweep_asks_for_new_values_only():
    """A key press always asks for a new value; a sweep that revisits times the explorer's cache instead."""
    import explorer_latency
    import ipywidgets as W

    for control in (W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01),
                    W.FloatLogSlider(value=1e-2, base=10, min=-4, max=0, step=0.05),
                    W.IntSlider(value=40, min=0, max=200)):
        values = explorer_latency._sweep(control, n=30)
        assert explorer_latency.revisits(values, control.value) == 0, type(control).__name__
        lo, hi = ((control.base ** control.min, control.base ** control.max)
                  if isinstance(control, W.FloatLogSlider) else (control.min, control.max))
        assert len(set(values)) == 30 and lo <= min(values) and max(values) <= hi * (1 + 1e-12)
        assert all(control.value != v for v in values)


def test_sweep_revisits_counts_values_seen_before():
    import explorer_latency

    assert explorer_latency.revisits([1, 2, 1, 3, 0], initial=0) == 2
    assert explorer_latency.revisits([1, 2, 3], initial=0) == 0


def test_notebook_discovery_covers_the_three_folders():
    import notebook_runtime

    found = notebook_runtime.notebooks()
    assert {p.parent.name for p in found} == {"notebooks", "solutions", "exercises"}
    assert all(p.suffix == ".ipynb" for p in found)


def test_readme_summary_folds_explorers_and_notebooks_into_their_slowest():
    rows = [harness.Row("landscape grid", "1 ms", "20 ms", "20.0×", "≥ 10×", True),
            harness.Row("  ↳ GFLOP/s", "4", "—", "—", "report", None),
            harness.Row("explorer A (2-D; control `x`)", "30.0 ms median", "—", "—", "≤ 50 ms", True, seconds=0.030),
            harness.Row("explorer B (3-D; control `y`)", "70.0 ms median", "—", "—", "≤ 100 ms", True, seconds=0.070),
            harness.Row("explorer C (2-D; control `z`)", "60.0 ms median", "—", "—", "≤ 50 ms", False, seconds=0.060),
            harness.Row("notebook n/01.ipynb", "3.00 s", "—", "—", "≤ 20 s", True, seconds=3.0),
            harness.Row("notebook n/02.ipynb", "9.00 s", "—", "—", "≤ 20 s", True, seconds=9.0),
            harness.Row("browser A", "80.0 ms median", "—", "—", "≤ 100 ms", True, seconds=0.080),
            harness.Row("  ↳ 3-D drag, A", "20.0 frames/s", "—", "—", "≥ 15 frames/s", True),
            harness.Row("browser B", "90.0 ms median", "—", "—", "≤ 100 ms", True, seconds=0.090)]
    text = harness.readme_summary(rows, 5, 6, "today")
    lines = text.splitlines()
    assert "targets met: 5 of 6" in lines[0]
    body = lines[4:]
    assert len(body) == 5 and body[0].startswith("| landscape grid |")  # report-only rows are left out
    assert "2 of 3 within budget" in body[1] and "slowest 70.0 ms (B)" in body[1] and body[1].endswith("**NO** |")
    assert "in the browser" in body[2] and "2 of 2 within budget" in body[2] and "slowest 90.0 ms (B)" in body[2]
    assert body[3].startswith("|   ↳ 3-D drag, A |")
    assert "2 of 2 within budget" in body[4] and "slowest 9.00 s (n/02.ipynb)" in body[4] and body[4].endswith("yes |")


def test_readme_section_is_replaced_between_its_markers_only():
    text = f"intro\n{harness.README_START}\nold table\n{harness.README_END}\nrest\n"
    new = harness.replace_between_markers(text, "new table")
    assert new == f"intro\n{harness.README_START}\nnew table\n{harness.README_END}\nrest\n"
    assert harness.replace_between_markers(new, "new table") == new
    with pytest.raises(ValueError, match="bench-summary"):
        harness.replace_between_markers("no markers here", "x")
    readme = (BENCH.parent / "README.md").read_text(encoding="utf-8")
    assert readme.count(harness.README_START) == 1 and readme.count(harness.README_END) == 1


def test_browser_benchmark_finds_the_3d_surface_to_drag_and_the_simple_figures():
    """The drag must land on the 3-D axes (the Terrain surface is the left panel) and the tighter budget applies
    only to single 2-D axes figures; an Agg build of each figure is the oracle."""
    import browser_latency

    found = browser_latency._layouts(["TerrainExplorer", "ShiftExplorer"])
    simple, centre = found["TerrainExplorer"]
    assert not simple and centre is not None and centre[0] < 0.5
    assert found["ShiftExplorer"] == (True, None)
