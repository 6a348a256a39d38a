"""The saddle-escape and momentum-map explorers, driven through every control."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import momentum, saddles  # noqa: E402
from course_utils.widgets.momentum_map import MomentumMapExplorer  # noqa: E402
from course_utils.widgets.saddle_escape import SaddleEscape  # noqa: E402


def healthy(e):
    assert e.error is None, e.error
    assert e.caught_warnings == []
    assert e.state_params == e.params


@pytest.fixture(scope="module")
def escape():
    e = SaddleEscape()
    yield e
    e.close()


def test_saddle_escape_matches_theory_across_the_controls(escape):
    rng = np.random.default_rng(0)
    lrs = [1e-3, 0.5, 0.05] + list(10 ** rng.uniform(-3, np.log10(0.5), 2))
    for a in (1.0, 5.0):
        for lr in lrs:
            for eps in (1e-12, 1e-1, 1e-6):
                escape.set(landscape=a, lr=lr, eps=eps)
                healthy(escape)
                s = escape.state
                assert s.escape_step == np.ceil(saddles.escape_time_theory(eps, escape.params["lr"], -2.0))
                assert s.fit.relative_slope_error < 0.02
                assert s.stable == (escape.params["lr"] < 2 / (2 * a))
                if not s.stable:
                    assert "diverges along x" in escape.message_text


@pytest.fixture(scope="module")
def mmap():
    e = MomentumMapExplorer()
    yield e
    e.close()


def test_momentum_map_across_kappa(mmap):
    for kappa in (1.0, 1000.0, 10.0, 100.0):
        mmap.controls["kappa"].value = kappa
        healthy(mmap)
        r = mmap.state.result
        lr_star, beta_star, _ = r.optimum
        assert abs(lr_star - (2 / (1 + np.sqrt(1 / mmap.params["kappa"]))) ** 2) < 1e-12
        assert r.diverged.any()
        if np.isfinite(r.best[2]):
            assert "fastest cell" in mmap.message_text


def test_momentum_map_max_steps_extremes(mmap):
    mmap.controls["kappa"].value = 1000.0
    for steps in (100, 2000):
        mmap.controls["max_steps"].value = steps
        healthy(mmap)
        assert mmap.state.result.max_steps == steps
    mmap.controls["max_steps"].value = 100
    assert "no cell converged" in mmap.message_text or "fastest cell" in mmap.message_text


def _momentum_steps_reference(lam, lr, beta, rtol, max_steps, explode=1e6):
    """One cell, one step at a time: the definition the vectorized map must reproduce exactly."""
    lam = np.asarray(lam, dtype=float)
    x, v = np.ones(lam.size), np.zeros(lam.size)
    goal, limit = rtol * np.linalg.norm(lam), explode * np.linalg.norm(np.ones(lam.size))
    with np.errstate(all="ignore"):
        for k in range(1, max_steps + 1):
            v = beta * v + lam * x
            x = x - lr * v
            if np.linalg.norm(lam * x) <= goal:
                return float(k), False
            if not np.linalg.norm(x) <= limit:
                return np.nan, True
    return np.nan, False


def test_chunked_momentum_map_matches_the_step_by_step_definition():
    lam, lrs, betas = [0.02, 1.0], np.linspace(0.1, 4.0, 9), np.linspace(0.0, 0.95, 7)
    mm = momentum.momentum_convergence_map(lam, lrs, betas, rtol=1e-6, max_steps=150)  # not a multiple of the chunk
    for i, beta in enumerate(betas):
        for j, lr in enumerate(lrs):
            steps, diverged = _momentum_steps_reference(lam, lr, beta, 1e-6, 150)
            assert mm.diverged[i, j] == diverged
            assert (np.isnan(mm.steps[i, j]) and np.isnan(steps)) or mm.steps[i, j] == steps


def test_momentum_map_reuses_a_map_already_computed():
    e = MomentumMapExplorer(kappa=10.0)
    try:
        first = e.state.result
        e.controls["kappa"].value = 100.0
        assert e.state.result is not first
        e.controls["kappa"].value = 10.0
        assert e.state.result is first  # dragging back costs nothing
        e.controls["max_steps"].value = 700
        assert e.state.result is not first and e.state.result.max_steps == 700
    finally:
        e.close()


def test_saddle_escape_sweep_is_shared_by_every_eps():
    e = SaddleEscape()
    try:
        fit = e.state.fit
        e.controls["eps"].value = 1e-3
        assert e.state.fit is fit and e.state.eps == pytest.approx(1e-3)
        np.testing.assert_allclose(e.state.path[0], [1.0, 1e-3])
        e.controls["lr"].value = 0.1
        assert e.state.fit is not fit
    finally:
        e.close()
