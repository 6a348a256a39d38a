"""Tests for the cliff landscape (functions.Cliff) and gradient clipping (optimizers.clip_by_norm).

The cliff's generic checks (finite differences, batching, its critical point) run with every other
landscape in tests/test_functions.py; here: the geometry the chapter relies on, and the clipping wrapper
against its definition.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from course_utils import functions as F
from course_utils import optimizers as O
from course_utils.models import Quadratic

FAST = settings(max_examples=30, deadline=None)


# --------------------------------------------------------------------------------------------
# The landscape
# --------------------------------------------------------------------------------------------
def test_cliff_drop_and_slope_match_the_parameters():
    for height, width in [(20.0, 0.5), (5.0, 0.2), (100.0, 1.0)]:
        c = F.Cliff(height=height, width=width)
        # the ramp term drops by H across the face (the corners are rounded over ~w/10)
        drop = (c.loss([-0.5 * width, 0.0]) - 0.5 * (-0.5 * width - 1) ** 2) - (
            c.loss([1.5 * width, 0.0]) - 0.5 * (1.5 * width - 1) ** 2)
        assert drop == pytest.approx(height, rel=1e-2)
        # slope in the middle of the face: (H/w)·ρ'(1/2) plus the bowl's pull (x − 1), where
        # ρ'(1/2) = σ(a/2) − σ(−a/2) = tanh(a/4) with a = 10
        g = c.grad([0.5 * width, 0.0])
        assert g[0] == pytest.approx(-(height / width) * np.tanh(2.5) + (0.5 * width - 1.0), rel=1e-12)
        assert c.face_slope == pytest.approx(height / width)


def test_cliff_minimum_is_the_global_minimum_and_unique():
    c = F.get("cliff")
    assert [cp.kind for cp in c.critical_points] == ["minimum"]
    m = c.minima[0]
    assert abs(m[0] - 1.0) < 5e-3 and m[1] == 0.0
    # scipy from many starts (both sides of the cliff) finds nothing lower
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = c.bounds
    for start in np.column_stack([rng.uniform(x0, x1, 15), rng.uniform(y0, y1, 15)]):
        res = minimize(c.loss, start, jac=c.grad, method="BFGS", options={"gtol": 1e-10})
        assert res.fun >= c.loss(m) - 1e-12
    # no other stationary point along y = 0: f' < 0 left of the minimum, > 0 right of it
    xs = np.linspace(x0, x1, 2001)
    gx = np.array([c.grad([x, 0.0])[0] for x in xs])
    assert np.all(gx[xs < m[0] - 1e-3] < 0) and np.all(gx[xs > m[0] + 1e-3] > 0)


def test_cliff_gradient_is_an_order_of_magnitude_larger_on_the_face():
    c = F.get("cliff")
    (x0, x1), (y0, y1) = c.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 161), np.linspace(y0, y1, 41), indexing="ij")
    grads = np.array([c.grad([x, y]) for x, y in zip(X.ravel()[::7], Y.ravel()[::7])])
    on_face = (X.ravel()[::7] > 0.05) & (X.ravel()[::7] < 0.45)
    off_face = (X.ravel()[::7] < -0.1) | (X.ravel()[::7] > 0.6)
    norms = np.linalg.norm(grads, axis=1)
    assert norms[on_face].min() > 4 * norms[off_face].max()


@pytest.mark.parametrize("bad", [{"height": 0.0}, {"height": -1.0}, {"width": 0.0}, {"width": 2.0},
                                 {"height": float("nan")}])
def test_cliff_rejects_bad_parameters(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        F.get("cliff", **bad)


# --------------------------------------------------------------------------------------------
# Clipping on the cliff: the chapter's claim, over many starts
# --------------------------------------------------------------------------------------------
STARTS = np.column_stack([np.linspace(-2.5, -0.5, 5).repeat(2), np.tile([-1.2, 1.4], 5)])


@pytest.mark.parametrize("start", STARTS.tolist())
def test_gd_is_thrown_off_the_cliff_and_clipped_gd_is_not(start):
    c, lr, max_norm = F.get("cliff"), 0.1, 1.0
    gd = O.run(c, O.gd(), start, steps=150, lr=lr)
    clipped = O.run(c, O.clip_by_norm(O.gd(), max_norm), start, steps=150, lr=lr)
    gd_steps = np.linalg.norm(np.diff(gd.thetas, axis=0), axis=1)
    clip_steps = np.linalg.norm(np.diff(clipped.thetas, axis=0), axis=1)
    assert clip_steps.max() <= lr * max_norm + 1e-12
    assert gd_steps.max() > 5 * lr * max_norm                       # the explosion
    assert np.all(np.diff(clipped.losses) <= 1e-12)                  # clipped GD only goes down
    assert np.linalg.norm(clipped.final_theta - c.minima[0]) < 1e-2


# --------------------------------------------------------------------------------------------
# clip_by_norm against its definition
# --------------------------------------------------------------------------------------------
class _Oracle:
    step, rng, objective = 0, None, None


@FAST
@given(g=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6), c=st.floats(1e-3, 1e3))
def test_clip_by_norm_rescales_to_the_threshold_and_keeps_the_direction(g, c):
    g = np.array(g)
    opt = O.clip_by_norm(O.gd(), c)
    step, _ = opt.update(g.copy(), opt.init(g), np.zeros_like(g), 1.0, _Oracle())
    norm = np.linalg.norm(g)
    if norm <= c:
        np.testing.assert_array_equal(step, -g)                    # untouched below the threshold
    else:
        assert np.linalg.norm(step) == pytest.approx(c, rel=1e-12)
        np.testing.assert_allclose(step * norm / c, -g, rtol=1e-10, atol=1e-12)


def test_clip_by_norm_wraps_a_stateful_base_and_equals_it_below_the_threshold():
    q = Quadratic(np.diag([1.0, 4.0]))
    a = O.run(q, O.clip_by_norm(O.adam(), 1e9), [1.0, -1.0], steps=40, lr=0.05)
    b = O.run(q, O.adam(), [1.0, -1.0], steps=40, lr=0.05)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    # with a threshold the momentum of the base sees the clipped gradients: compare with a hand loop
    m = O.run(q, O.clip_by_norm(O.momentum(0.5), 0.5), [3.0, 3.0], steps=10, lr=0.1)
    theta, v = np.array([3.0, 3.0]), np.zeros(2)
    for _ in range(10):
        g = q.grad(theta)
        g = g * min(1.0, 0.5 / np.linalg.norm(g))
        v = 0.5 * v + g
        theta = theta - 0.1 * v
    np.testing.assert_allclose(m.final_theta, theta, rtol=1e-13)
    assert "clipped" in m.optimizer and O.OPTIMIZERS["clip_by_norm"] is O.clip_by_norm


def test_clip_by_norm_zero_gradient_and_bad_arguments():
    opt = O.clip_by_norm(max_norm=1.0)
    step, _ = opt.update(np.zeros(3), (), np.zeros(3), 0.1, _Oracle())
    np.testing.assert_array_equal(step, 0.0)
    with pytest.raises(ValueError, match="max_norm"):
        O.clip_by_norm(O.gd(), 0.0)
    with pytest.raises(TypeError, match="base"):
        O.clip_by_norm("gd", 1.0)
