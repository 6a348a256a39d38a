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
    """The drag must land on the 3-D view (the plotly view of the Terrain Explorer and of the Gallery) and the
    tighter budget applies only to figures of one 2-D plot (a colour bar beside it aside); an Agg build of each
    figure is the oracle."""
    import browser_latency

    found = browser_latency._layouts(["TerrainExplorer", "CriticalGallery", "ShiftExplorer", "SAMExplorer",
                                      "StabilityExplorer", "LandscapeExplorer"])
    assert found["TerrainExplorer"] == (False, ("plotly", None, None))
    assert found["CriticalGallery"] == (False, ("plotly", None, None))
    assert found["ShiftExplorer"] == (True, None)
    assert found["SAMExplorer"] == (True, None)  # its contour map and the map's colour bar
    assert found["StabilityExplorer"] == (False, None)  # two plots and a colour bar
    assert found["LandscapeExplorer"] == (False, ("plotly", None, "3-D surface"))  # hidden until chosen


def test_browser_benchmark_times_the_canvas_and_reports_the_3d_redraw_apart():
    """A press is judged by its canvas (the issue's key press → pixels); the 3-D view's redraw is a row of its own
    that reports and is not counted among the targets."""
    import browser_latency

    m = {"control": "A", "latencies": [0.05, 0.07, 0.06], "redraws_3d": [0.12, 0.14, 0.13], "bytes": [10e3] * 3,
         "later": [40e3], "missed": 0, "revisited": 0, "load": 0.8, "fps": 20.0}
    main, redraw, drag = browser_latency._rows("X", m, simple=False)
    assert main.seconds == pytest.approx(0.06) and main.met is True
    assert "3-D view redrawn" in redraw.benchmark and redraw.met is None and redraw.ours.startswith("130")
    assert drag.met is True
    m["latencies"] = [0.12, 0.11, 0.13]  # the canvas alone decides
    assert browser_latency._rows("X", m, simple=False)[0].met is False
    m["redraws_3d"] = []  # a press that changed nothing in 3-D: no such row
    assert [r.benchmark for r in browser_latency._rows("X", m, simple=False)] == ["browser X", "  ↳ 3-D drag, X"]


# --- the peers benchmark (benchmarks/peers.py, `make bench PEERS=1`): what runs without any peer installed ------
def test_round_robin_calls_in_turn_and_spreads_a_slow_contender():
    calls = []
    times = harness.round_robin({"a": lambda: calls.append("a"), "b": lambda: calls.append("b"),
                                 "c": lambda: calls.append("c")}, 4, fewer={"c": 2})
    assert [len(times[k]) for k in "abc"] == [4, 4, 2]
    assert calls[:3] == ["a", "b", "c"]  # every contender in the first round
    assert calls[3:5] == ["a", "b"] and calls.count("c") == 2 and calls.index("c", 3) > 5  # c again in the 2nd half


def test_peer_networks_have_the_parameter_counts_of_the_table():
    import peers_workloads as pw

    assert pw.moons_net(200, (44, 40), "cross_entropy", 0).dim == 1973
    assert pw.digits_net(128).dim == 9610 and pw.digits_net(128).n_examples == 1797
    assert pw.moons_net(200, (16,), "mse", 0).sizes == (2, 16, 1)


def test_agreement_checker_measures_relative_differences_and_refuses_what_it_must():
    import peers_workloads as pw

    ref = np.array([1.0, 2.0, -4.0])
    assert pw.max_relative_difference(ref * (1 + 1e-12), ref) == pytest.approx(1e-12, rel=1e-3)
    assert pw.max_relative_difference([1.0, 2.0, -4.4], ref) == pytest.approx(0.1)
    # normwise: a difference at a zero entry is measured against the largest entry
    assert pw.max_relative_difference([1e-9, 2.0], [0.0, 2.0], normwise=True) == pytest.approx(5e-10)
    for bad in ([1.0, 2.0], [1.0, np.nan, -4.0], [1.0, np.inf, -4.0]):
        assert pw.max_relative_difference(bad, ref) == np.inf
    w = pw.Workload("k", "label", "grid", None, np.zeros(1), {}, tolerance=1e-10, repeats=1, loss="mse")
    assert pw.agreement(w, ref * (1 + 1e-11), ref) == (pytest.approx(1e-11, rel=1e-3), True)
    assert pw.agreement(w, ref * (1 + 1e-9), ref)[1] is False
    assert pw.agreement(w, ref * (1 + 1e-9), ref, tolerance=1e-8)[1] is True


@pytest.mark.parametrize("loss, classes", [("mse", 2), ("cross_entropy", 2), ("cross_entropy", 3)])
def test_flat_loss_for_jax_and_the_torch_layout_give_the_course_loss(loss, classes):
    """Oracle: the course model's own loss. The same numbers from the NumPy run of the loss JAX traces, and from
    a forward pass in PyTorch's convention (h @ W.T + b) on the parameters permuted into nn.Linear's order."""
    import peers_workloads as pw
    from scipy.special import logsumexp

    from course_utils import data, models

    X, y = data.blobs(60, rng=0, n_classes=3) if classes == 3 else data.two_moons(50, rng=0)
    model = models.MLP(X, y, hidden=(5, 4), activation="tanh", loss=loss)
    kind = pw._loss_kind(model)
    theta = np.random.default_rng(1).standard_normal(model.dim)
    T = pw.targets(model, kind)
    assert pw.flat_mlp_loss(np, model.sizes, kind, theta, X, T) == pytest.approx(model.loss(theta), rel=1e-13)
    shapes, flat, h, i = pw.torch_shapes(model), theta[pw.torch_permutation(model)], X, 0
    tensors = []
    for s in shapes:
        tensors.append(flat[i: i + int(np.prod(s))].reshape(s))
        i += int(np.prod(s))
    for layer in range(0, len(tensors), 2):
        h = h @ tensors[layer].T + tensors[layer + 1]
        h = np.tanh(h) if layer < len(tensors) - 2 else h
    expected = {"ce": lambda: np.mean(logsumexp(h, axis=1) - h[np.arange(len(y)), y]),
                "bce": lambda: np.mean(np.logaddexp(0.0, h[:, 0]) - y * h[:, 0]),
                "mse": lambda: np.mean((h[:, 0] - y) ** 2)}[kind]()
    assert expected == pytest.approx(model.loss(theta), rel=1e-13)


def test_serpentine_reference_is_what_loss_landscapes_walks():
    """Oracle: loss-landscapes 3.0.6's planar_interpolation loop, re-enacted on a function of θ (start, then
    add or subtract the steps in place), against the points serpentine_reference says it evaluates."""
    import peers_workloads as pw

    rng = np.random.default_rng(0)
    c, d1, d2 = rng.standard_normal((3, 4))

    def f(theta):
        return float(np.sin(theta).sum() + theta @ theta)

    def slice_fn(a, b):
        return np.array([[f(c + ai * d1 + bj * d2) for bj in b] for ai in a])

    n = 5
    alphas = betas = np.linspace(-1.0, 1.0, n)
    betas_ext, expected = pw.serpentine_reference(slice_fn, alphas, betas)
    start = c + alphas[0] * d1 + betas_ext[0] * d2
    dir_one, dir_two = (n * (alphas[1] - alphas[0]) * d1) / n, (n * (betas[1] - betas[0]) * d2) / n
    point, matrix = start.copy(), []
    for i in range(n):  # their loop, line by line
        column: list[float] = []
        for _ in range(n):
            if i % 2 == 0:
                point += dir_two
                column.append(f(point))
            else:
                point -= dir_two
                column.insert(0, f(point))
        matrix.append(column)
        point += dir_one
    np.testing.assert_allclose(np.array(matrix), expected, rtol=1e-12)
    assert betas_ext[1] == pytest.approx(-1.0) and betas_ext.size == n + 1


def test_course_utils_contenders_run_on_the_quick_workloads_and_share_the_probes():
    import peers_workloads as pw

    workloads = {w.key: w for w in pw.build_workloads(quick=True)}
    assert list(workloads) == pw.WORKLOAD_KEYS
    grid = workloads["grid_ch2"]
    assert pw.ours(grid).run().shape == (grid.inputs["alphas"].size, grid.inputs["betas"].size)
    trace = workloads["trace_1973"]
    Z = trace.inputs["probes"]
    H = trace.model.hessian(trace.theta)  # oracle: the dense Hessian, probe by probe
    np.testing.assert_allclose(pw.ours(trace).run(), np.einsum("ij,jk,ik->i", Z, H, Z), rtol=1e-10, atol=1e-12)
    eig = workloads["eig_1973"]
    np.testing.assert_allclose(pw.ours(eig).run(), np.linalg.eigvalsh(eig.model.hessian(eig.theta))[-5:], rtol=1e-8)


def test_measure_times_only_the_contenders_that_agree(monkeypatch):
    import peers
    import peers_workloads as pw

    w = pw.build_workloads(quick=True, only=["train_ch2"])[0]
    right = pw.ours(w).run()

    def missing(_):
        raise ImportError("No module named 'torch'")

    fakes = {"pytorch": lambda _: pw.Contender("pytorch", "fake", lambda: right * (1 + 1e-12)),  # agrees
             "jax": lambda _: pw.Contender("jax", "fake", lambda: right + 1.0),  # disagrees
             "pyhessian": missing,
             "torch.func": lambda _: (_ for _ in ()).throw(NotImplementedError())}  # not its job
    monkeypatch.setattr(pw, "FACTORIES", fakes)
    logged: list[str] = []
    result = peers.measure(w, 1, log=logged.append)
    rows = result["contenders"]
    assert set(rows) == {"course_utils", "pytorch", "jax", "pyhessian"}
    assert rows["pytorch"]["status"] == "ok" and rows["pytorch"]["n"] == w.repeats and "min_s" in rows["pytorch"]
    assert rows["jax"]["status"] == "disagrees" and "min_s" not in rows["jax"]
    assert rows["pyhessian"]["status"] == "not installed"
    assert len(logged) == 1 and "REFUSED" in logged[0] and "jax" in logged[0]
    assert len(result["load_before"]) == 3 and len(result["load_after"]) == 3
    runs = {1: {"results": [result], "versions": {}, "blas": "x"}}
    assert "refused: disagrees" in peers.results_table(runs) and "not installed" in peers.results_table(runs)
    assert any("disagrees" in line for line in peers.refusals(runs))
    assert peers.thread_environment(1, {})["OPENBLAS_NUM_THREADS"] == "1"
    assert "multi_thread_eigen=false" in peers.thread_environment(1, {})["XLA_FLAGS"]
    assert "multi_thread_eigen" not in peers.thread_environment(2, {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false"})["XLA_FLAGS"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the peers' own (torch.jit.script inside torch)
def test_every_installed_peer_agrees_on_a_quick_workload():
    """Runs only where the peers are installed (`.venv-peers`); `make test` does not need torch."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    import peers
    import peers_workloads as pw

    dtype, x64, threads = torch.get_default_dtype(), jax.config.jax_enable_x64, torch.get_num_threads()
    peers._prepare_peers(1)  # float64 in torch and JAX, as the benchmark's workers run
    try:
        for w in pw.build_workloads(quick=True, only=["grid_ch2", "eig_1973", "trace_1973", "train_ch2"]):
            reference = pw.ours(w).run()
            for factory in pw.FACTORIES.values():
                try:
                    c = factory(w)
                except NotImplementedError:
                    continue
                expected = reference if c.expected is None else c.expected
                diff, ok = pw.agreement(w, c.run(), expected, c.tolerance)
                assert ok, (w.key, c.column, diff)
    finally:
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)
        jax.config.update("jax_enable_x64", x64)
