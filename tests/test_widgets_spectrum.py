"""Drive the Hessian Estimator Explorer through every control."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_utils.models import Quadratic
from course_utils.widgets import SpectrumExplorer


def _matrix(P=60, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((P, P)))
    lam = np.r_[rng.normal(0, 0.05, P - 4), [2.0, 3.0, 5.0, -0.5]]
    return (Q * lam) @ Q.T, np.sort(lam)


@pytest.fixture(scope="module")
def explorer():
    H, _ = _matrix()
    e = SpectrumExplorer(H=H)
    yield e
    e.close()


def test_lanczos_error_shrinks_with_steps(explorer):
    explorer.set(steps=2)
    early = explorer.state.lanczos_error[-1]
    explorer.set(steps=60)
    assert explorer.state.lanczos_error[-1] < 1e-8 < early
    assert explorer.state.steps.size == 60


def test_hutchinson_running_mean_and_interval(explorer):
    _, lam = _matrix()
    for probes in [2, 10, 1000]:
        explorer.set(probes=probes)
        st = explorer.state
        assert st.running_trace.size == probes
        assert st.running_trace[-1] == pytest.approx(st.trace.estimate)
        assert st.ci_high[-1] - st.ci_low[-1] == pytest.approx(2 * 1.96 * st.trace.stderr, rel=0.1 if probes > 2 else 1)
        assert explorer.error is None and explorer.caught_warnings == []
    assert explorer.state.trace.contains(lam.sum())


def test_slq_density_controls(explorer):
    _, lam = _matrix()
    for starts in [1, 30]:
        for sigma2 in [1e-6, 1e-2]:
            explorer.set(n_starts=starts, sigma2=sigma2, steps=40)
            d = explorer.state.density
            assert d.nodes.shape == (starts, 40)
            assert d.sigma2 == pytest.approx(sigma2 * (lam[-1] - lam[0]) ** 2)
            area = np.sum(d.density) * (d.grid[1] - d.grid[0])
            assert area == pytest.approx(1.0, abs=0.05)
            assert explorer.error is None and explorer.caught_warnings == []


def test_random_sweep_and_reset(explorer):
    rng = np.random.default_rng(1)
    for _ in range(12):
        name = rng.choice(list(explorer.controls))
        c = explorer.controls[name]
        c.value = type(c.value)(rng.uniform(c.min, c.max)) if name != "sigma2" else float(10 ** rng.uniform(-6, -2))
        assert explorer.error is None and explorer.caught_warnings == []
        assert explorer.state_params == explorer.params
    explorer.reset_controls()
    fresh = SpectrumExplorer(H=_matrix()[0])  # reset means: the controls a new explorer starts with
    try:
        assert explorer.params == fresh.params
    finally:
        fresh.close()


def test_from_objective_and_theta():
    q = Quadratic(np.diag(np.arange(1.0, 26.0)))
    e = SpectrumExplorer(q, np.zeros(25), steps=25)
    assert e.state.lanczos_error[-1] < 1e-10
    e.close()
    with pytest.raises(ValueError, match="objective"):
        SpectrumExplorer()


def test_broadening_keeps_the_axes_while_the_peak_stays_in_view():
    """Latency: σ² changes the density, not the layout (a new limit would force a full redraw)."""
    H, _ = _matrix()
    e = SpectrumExplorer(H=H, steps=30, sigma2=1e-4)
    try:
        limits = [ax.get_xlim() + ax.get_ylim() for ax in e.fig.axes]
        for s2 in (1.2e-4, 1.5e-4, 2e-4, 1e-4):
            e.controls["sigma2"].value = s2
            peak = float(np.max(e.state.density.density))
            assert peak <= e.ax_d.get_ylim()[1]  # the whole density is shown
            assert [ax.get_xlim() + ax.get_ylim() for ax in e.fig.axes] == limits
        e.controls["sigma2"].value = 1e-6  # a much higher peak: the axis grows to show it
        assert float(np.max(e.state.density.density)) <= e.ax_d.get_ylim()[1]
    finally:
        e.close()
