"""Drive every control of the Gradient Flow Explorer across its range; assert on the state, never on pixels."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import diagnostics
from course_utils.widgets import GradientFlowExplorer
from course_utils.widgets.gradient_flow import _branch_options


@pytest.fixture
def explorer():
    e = GradientFlowExplorer()
    yield e
    e.close()


def _consistent(e):
    assert e.error is None, e.error
    assert e.caught_warnings == []
    assert e.state_params == e.params
    depth = e.params["depth"]
    assert e.state.grad_norms.shape == (depth + 1,) and e.state.activation_std.shape == (depth,)
    # the state is the analysis layer's answer for the controls shown
    ref = diagnostics.gradient_flow(depth, scheme=e.params["scheme"], scale=e.params["scale"],
                                    activation=e.params["activation"], **_branch_options(e.params))
    np.testing.assert_array_equal(e.state.grad_norms, ref.grad_norms)
    assert e.state.verdict == ref.verdict and e.state.verdict in e.message_text
    xs, ys = e.grad_line.get_data()
    assert len(xs) == depth + 1 and np.all(np.isfinite(ys))


def test_every_control_at_its_extremes_and_in_between(explorer):
    e = explorer
    depth = e.controls["depth"]
    for value in (depth.min, depth.max, 7):
        depth.value = value
        _consistent(e)
    scale = e.controls["scale"]
    for value in (10**scale.min, 10**scale.max, 1.0):
        scale.value = value
        _consistent(e)
    for name in ("scheme", "activation", "residual", "branches"):
        for _, value in e.controls[name].options:
            e.controls[name].value = value
            _consistent(e)


def test_random_settings_in_random_order(explorer):
    rng = np.random.default_rng(0)
    e = explorer
    for _ in range(12):
        name = rng.choice(sorted(e.controls))
        c = e.controls[name]
        if name == "depth":
            c.value = int(rng.integers(c.min, c.max + 1))
        elif name == "scale":
            c.value = float(10 ** rng.uniform(c.min, c.max))
        else:
            c.value = c.options[int(rng.integers(len(c.options)))][1]
        _consistent(e)


def test_the_lesson_in_the_explorer(explorer):
    e = explorer
    e.set(depth=30, activation="relu", scheme="xavier", scale=1.0, residual=False)
    assert e.state.verdict == "vanishing"
    e.set(scheme="he")
    assert e.state.verdict == "healthy"
    e.set(scheme="normal")
    assert e.state.verdict == "exploding" and "edge" in e.message_text   # drawn at the axis limit, said in words
    e.set(scheme="xavier", residual=True)
    assert e.state.verdict != "vanishing"
    # skips alone do not make a deep ReLU net healthy: with He, plain residual blocks double the variance each
    # block and explode; scaling every branch by 1/√L or starting it at zero keeps all layers' gradients O(1)
    e.set(scheme="he", residual=True, branches="plain")
    assert e.state.verdict == "exploding" and e.state.activation_std[-1] > 1e3
    for branches in ("scaled", "zero"):
        e.set(branches=branches)
        assert e.state.verdict == "healthy" and 1e-2 < e.state.grad_norms.min() <= e.state.grad_norms.max() < 1e2
    e.reset_controls()
    assert e.params["depth"] == 10 and e.params["scheme"] == "xavier"
