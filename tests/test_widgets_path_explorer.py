"""Drive every control of the Path Explorer across its range; assert on its state and message."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils import connectivity as C  # noqa: E402
from course_utils import data, optimizers  # noqa: E402
from course_utils.models import MLP  # noqa: E402
from course_utils.widgets import PathExplorer  # noqa: E402


@pytest.fixture(scope="module")
def setup():
    X, y = data.two_moons(100, 0.15, rng=0)
    m = MLP(X, y, hidden=(8,), activation="tanh", loss="cross_entropy")
    a, b = (optimizers.run(m, optimizers.adam(), m.init(np.random.default_rng(s)), steps=200, lr=0.03).final_theta
            for s in (4, 5))
    curve = C.train_curve(m, a, b, steps=100, lr=0.02, rng=0, eval_every=50).path
    return m, a, b, {"straight line": C.Path.line(a, b), "trained curve": curve}


@pytest.fixture
def explorer(setup):
    m, _, _, paths = setup
    e = PathExplorer(m, paths, resolution=30)
    yield e
    e.close()


def test_initial_state(explorer, setup):
    m, _, _, paths = setup
    s = explorer.state
    assert explorer.error is None and explorer.caught_warnings == []
    assert s.path_name == "trained curve" and s.t == 0.5
    np.testing.assert_allclose(s.theta, paths["trained curve"].points(0.5))
    assert s.loss == pytest.approx(m.loss(s.theta))
    assert s.probabilities.shape == (30, 30)
    assert "t = 0.50 on the trained curve" in explorer.message_text
    assert set(s.others) == set(paths)


@pytest.mark.parametrize("t", [0.0, 1.0, 0.37, 0.99, 0.01])
def test_t_slider_moves_along_the_path(explorer, setup, t):
    m, a, b, _ = setup
    explorer.controls["t"].value = t
    s = explorer.state
    assert explorer.state_params == explorer.params and explorer.error is None and explorer.caught_warnings == []
    assert s.t == pytest.approx(t)
    if t == 0.0:
        np.testing.assert_allclose(s.theta, a)
    if t == 1.0:
        np.testing.assert_allclose(s.theta, b)
    assert s.accuracy == pytest.approx(m.accuracy(s.theta))
    x, _ = explorer.markers[s.path_name].get_data()
    assert list(x) == [pytest.approx(t)]


def test_path_choice_and_random_order(explorer, setup):
    m, _, _, paths = setup
    rng = np.random.default_rng(0)
    for _ in range(8):
        name = str(rng.choice(list(paths)))
        t = float(np.round(rng.random(), 2))
        explorer.set(path=name, t=t)
        s = explorer.state
        assert s.path_name == name and explorer.state_params == explorer.params
        np.testing.assert_allclose(s.theta, paths[name].points(t))
        # only the chosen path carries the marker
        for other, marker in explorer.markers.items():
            assert (len(marker.get_data()[0]) == 1) == (other == name)
        assert explorer.caught_warnings == []


def test_straight_line_middle_is_worse_than_curve_middle(explorer):
    explorer.set(path="straight line", t=0.5)
    line_loss = explorer.state.loss
    explorer.set(path="trained curve", t=0.5)
    assert explorer.state.loss < line_loss
    assert explorer.state.others["straight line"][0] == pytest.approx(line_loss)


def test_reset_and_validation(explorer, setup):
    m, a, b, paths = setup
    explorer.set(t=0.9, path="straight line")
    explorer.reset_controls()
    assert explorer.params == {"t": 0.5, "path": "trained curve"}
    with pytest.raises(TypeError, match="paths"):
        PathExplorer(m, {})
    with pytest.raises(ValueError, match="dimension"):
        PathExplorer(m, {"bad": C.Path.line(np.zeros(3), np.ones(3))})
    with pytest.raises(TypeError, match="model"):
        PathExplorer(MLP(m.X, m.y, hidden=(4,), loss="mse"), paths)
    with pytest.raises(ValueError, match="unknown control"):
        PathExplorer(m, paths, lr=0.1)
    single = PathExplorer(m, C.Path.line(a, b), t=0.0)
    assert single.state.path_name == "path" and "at the same t" not in single.message_text
    single.close()


def test_aligned_straight_line_option(setup):
    """The aligned line (weight matching, then the segment) as a path of the explorer: its end is network b
    relabelled (same outputs), its barrier is that of a dense point-by-point evaluation of the segment, and it is
    far below the unaligned line's."""
    m, a, b, paths = setup
    aligned = C.aligned_line(m, a, b)
    end = aligned.points(1.0)
    np.testing.assert_allclose(m.forward_batch(end[None]), m.forward_batch(b[None]), atol=1e-10)  # same function
    assert np.linalg.norm(end - a) < 0.7 * np.linalg.norm(b - a)  # ... but closer to a
    e = PathExplorer(m, {"straight line": paths["straight line"], "aligned straight line": aligned}, resolution=20)
    try:
        e.set(path="aligned straight line", t=0.5)
        assert e.error is None and e.state.path_name == "aligned straight line"
        # independent oracle: the loss at each point of the segment, one unbatched call per t
        t = np.linspace(0, 1, 61)
        dense = np.array([m.loss((1 - ti) * a + ti * end) for ti in t])
        expected = dense.max() - 0.5 * (dense[0] + dense[-1])
        assert e.profiles["aligned straight line"].barrier == pytest.approx(expected, rel=1e-9, abs=1e-12)
        finer = np.array([m.loss((1 - ti) * a + ti * end) for ti in np.linspace(0, 1, 401)])
        assert finer.max() - 0.5 * (finer[0] + finer[-1]) < expected + 0.01  # 61 points do not miss a peak
        assert e.state.loss == pytest.approx(m.loss(0.5 * (a + end)))
        assert expected < 0.2 * e.profiles["straight line"].barrier
        print(expected, e.profiles["straight line"].barrier)
    finally:
        e.close()
