"""Tests for course_utils.connectivity: paths, barriers, curve training, the plane, permutations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import connectivity as C
from course_utils import data, optimizers
from course_utils.derivatives import finite_difference_gradient
from course_utils.models import MLP
from course_utils.objective import FunctionObjective


@pytest.fixture(scope="module")
def moons():
    return data.two_moons(120, 0.15, rng=0)


@pytest.fixture(scope="module")
def net(moons):
    X, y = moons
    return MLP(X, y, hidden=(8,), activation="tanh", loss="cross_entropy")


@pytest.fixture(scope="module")
def two_minima(net):
    thetas = [optimizers.run(net, optimizers.adam(), net.init(np.random.default_rng(s)), steps=300, lr=0.03).final_theta
              for s in (4, 5)]
    return thetas


def rng_vectors(seed, k, p=5):
    return np.random.default_rng(seed).standard_normal((k, p))


# --- paths ----------------------------------------------------------------------------------------
def test_line_points_closed_form():
    a, b = rng_vectors(0, 2)
    t = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(C.line_points(a, b, t), [(1 - s) * a + s * b for s in t], atol=1e-15)
    np.testing.assert_allclose(C.line_points(a, b, 0.5), 0.5 * (a + b))


def test_bezier_endpoints_point_and_tangent_closed_forms():
    a, m, b = rng_vectors(1, 3)
    np.testing.assert_allclose(C.bezier_points(a, m, b, 0.0), a)
    np.testing.assert_allclose(C.bezier_points(a, m, b, 1.0), b)
    # Midpoint: (a + 2m + b) / 4.
    np.testing.assert_allclose(C.bezier_points(a, m, b, 0.5), (a + 2 * m + b) / 4)
    # Tangents at the ends point at the bend: 2(m - a) and 2(b - m).
    np.testing.assert_allclose(C.bezier_tangent(a, m, b, 0.0), 2 * (m - a))
    np.testing.assert_allclose(C.bezier_tangent(a, m, b, 1.0), 2 * (b - m))


@settings(max_examples=25, deadline=None)
@given(t=st.floats(0.01, 0.99), kind=st.sampled_from(["bezier", "chain"]), n_nodes=st.integers(2, 5))
def test_tangent_matches_finite_differences(t, kind, n_nodes):
    nodes = rng_vectors(n_nodes, n_nodes)
    path = C.Path(kind, nodes)
    h = 1e-6
    if kind == "chain":  # keep both probes inside one segment
        k = n_nodes - 1
        seg = min(int(t * k), k - 1)
        t = float(np.clip(t, seg / k + 2 * h, (seg + 1) / k - 2 * h))
    fd = (path.points(t + h) - path.points(t - h)) / (2 * h)
    np.testing.assert_allclose(path.tangent(t), fd, rtol=1e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["bezier", "chain"]), n_nodes=st.integers(2, 6))
def test_weights_partition_unity_and_endpoints(kind, n_nodes):
    path = C.Path(kind, rng_vectors(7, n_nodes))
    t = np.linspace(0, 1, 13)
    np.testing.assert_allclose(path.weights(t).sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(path.points(0.0), path.nodes[0], atol=1e-12)
    np.testing.assert_allclose(path.points(1.0), path.nodes[-1], atol=1e-12)


def test_chain_passes_through_nodes_and_straight_bends_give_the_line():
    a, b = rng_vectors(3, 2)
    nodes = np.stack([a, (2 * a + b) / 3, (a + 2 * b) / 3, b])
    t = np.linspace(0, 1, 9)
    for kind in ("bezier", "chain"):
        np.testing.assert_allclose(C.Path(kind, nodes).points(t), C.line_points(a, b, t), atol=1e-12)
    kinked = nodes.copy()
    kinked[1] += 1.0
    np.testing.assert_allclose(C.chain_points(kinked, 1 / 3), kinked[1])


def test_path_length_of_a_line_and_a_half_circle_like_curve():
    a, b = np.zeros(2), np.array([3.0, 4.0])
    assert C.Path.line(a, b).length() == pytest.approx(5.0)
    # Quadratic Bezier (0,0) -> (1,1) -> (2,0): arc length has a closed form.
    curve = C.Path.bezier([0.0, 0.0], [1.0, 1.0], [2.0, 0.0])
    exact = np.sqrt(2) + np.arcsinh(1.0)  # ∫_0^1 sqrt(4 + 16 (t - 1/2)^2) dt
    assert curve.length(2001) == pytest.approx(exact, rel=1e-6)


def test_path_validation():
    with pytest.raises(ValueError, match="kind"):
        C.Path("spline", np.zeros((3, 2)))
    with pytest.raises(ValueError, match="exactly 2"):
        C.Path("line", np.zeros((3, 2)))
    with pytest.raises(ValueError, match="`t`"):
        C.Path.line([0.0], [1.0]).points(1.5)
    with pytest.raises(ValueError, match="bends"):
        C.Path.bezier([0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="theta_b"):
        C.Path.line([0.0, 0.0], [1.0])


# --- barriers and profiles ----------------------------------------------------------------------
def test_barrier_height_definition():
    assert C.barrier_height([1.0, 3.0, 2.0]) == pytest.approx(3.0 - 1.5)
    assert C.barrier_height([1.0, 0.5, 1.0]) == pytest.approx(0.0)
    # A path monotone between unequal ends has barrier half the gap (the max is an endpoint).
    assert C.barrier_height([0.0, 1.0, 2.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="values"):
        C.barrier_height([1.0])


def test_profile_on_a_double_well_has_the_known_barrier():
    # A ring of minima, f = (x² + y² - 1)²: the straight line from (-1, 0) to (1, 0) crosses the hump f(0) = 1.
    f = FunctionObjective(lambda th: (th[..., 0] ** 2 + th[..., 1] ** 2 - 1) ** 2, 2, batched=True)
    prof = C.path_profile(f, C.Path.line([-1.0, 0.0], [1.0, 0.0]), n=61)
    assert prof.barrier == pytest.approx(1.0)
    assert prof.t_max == pytest.approx(0.5)
    assert prof.errors is None and prof.error_barrier is None
    # The Bezier curve with bend (0, 2) passes through (0, 1) on the ring at t = 1/2 and stays near it.
    bent = C.path_profile(f, C.Path.bezier([-1.0, 0.0], [0.0, 2.0], [1.0, 0.0]), n=61)
    assert bent.losses[30] == pytest.approx(0.0, abs=1e-12)
    assert bent.barrier < 0.1 * prof.barrier


def test_error_batch_matches_accuracy_loop(net, two_minima):
    thetas = np.stack(two_minima + [net.init(np.random.default_rng(9))])
    errs = C.error_batch(net, thetas)
    expected = [1 - net.accuracy(t) for t in thetas]
    np.testing.assert_allclose(errs, expected, atol=1e-12)
    assert C.error_batch(net, thetas.reshape(3, 1, -1)).shape == (3, 1)


def test_profile_validation(net, two_minima):
    with pytest.raises(TypeError, match="path"):
        C.path_profile(net, two_minima[0])
    with pytest.raises(ValueError, match="dimension"):
        C.path_profile(net, C.Path.line(np.zeros(3), np.ones(3)))
    with pytest.raises(TypeError, match="objective"):
        C.path_profile(lambda x: 0.0, C.Path.line(*two_minima))


# --- curve training -------------------------------------------------------------------------------
def test_curve_gradient_is_weighted_loss_gradient_and_matches_finite_differences(net, two_minima):
    # The gradient train_curve uses: d L(θ(t)) / d bend = 2t(1-t) ∇L(θ(t)) for the quadratic Bezier.
    from autograd import grad

    a, b = two_minima
    bend = 0.5 * (a + b) + 0.3 * np.random.default_rng(1).standard_normal(net.dim)
    t = 0.3

    def loss_of_bend(m):
        return net.unchecked_loss((1 - t) ** 2 * a + 2 * t * (1 - t) * m + t**2 * b)

    g_auto = grad(loss_of_bend)(bend)
    g_closed = 2 * t * (1 - t) * net.grad(C.bezier_points(a, bend, b, t))
    g_fd = finite_difference_gradient(loss_of_bend, bend)
    np.testing.assert_allclose(g_auto, g_closed, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_auto, g_fd, rtol=1e-4, atol=1e-7)


def test_curve_training_lowers_the_barrier_of_a_double_well():
    # Built for it: the line between (-1, 0) and (1, 0) crosses a hump of height 1; a curve can go around.
    f = FunctionObjective(lambda th: (th[0] ** 2 + th[1] ** 2 - 1) ** 2, 2)
    # The bend starts just off the line (on it, the symmetric problem has zero gradient across it).
    res = C.train_curve(f, [-1.0, 0.0], [1.0, 0.0], steps=400, lr=0.05, rng=0, eval_every=50, bends0=[0.0, 0.05])
    before = C.path_profile(f, C.Path.line([-1.0, 0.0], [1.0, 0.0])).barrier
    after = C.path_profile(f, res.path).barrier
    assert before == pytest.approx(1.0)
    assert after < 0.1 * before
    np.testing.assert_array_equal(res.path.nodes[0], [-1.0, 0.0])  # endpoints fixed
    np.testing.assert_array_equal(res.path.nodes[-1], [1.0, 0.0])
    assert res.history["step"][0] == 0 and res.history["step"][-1] == 400
    assert res.history["barrier"][0] == pytest.approx(C.path_profile(f, res.initial_path).barrier)
    assert np.all(np.diff(res.history["loss_evaluations"]) > 0)
    assert res.losses.shape == (400,)


def test_curve_training_on_two_networks(net, two_minima):
    a, b = two_minima
    line = C.path_profile(net, C.Path.line(a, b))
    assert line.barrier > 0.05  # the case is built so the straight line climbs
    res = C.train_curve(net, a, b, steps=300, lr=0.02, rng=0, eval_every=100)
    curve = C.path_profile(net, res.path)
    assert curve.barrier < 0.3 * line.barrier
    assert "barrier" in res.message


def test_curve_training_stops_at_target_and_calls_back():
    f = FunctionObjective(lambda th: (th[0] ** 2 + th[1] ** 2 - 1) ** 2, 2)
    seen = []
    res = C.train_curve(f, [-1.0, 0.0], [1.0, 0.0], steps=2000, lr=0.05, rng=0, eval_every=10, target_barrier=0.1,
                        bends0=[0.0, 0.05],
                        callback=lambda step, path, barrier: seen.append((step, barrier)) and False)
    assert res.stopped_at is not None and res.stopped_at < 2000
    assert res.history["barrier"][-1] <= 0.1 < res.history["barrier"][-2]
    assert [s for s, _ in seen] == list(res.history["step"])


def test_curve_training_chain_and_minibatches(net, two_minima):
    a, b = two_minima
    res = C.train_curve(net, a, b, kind="chain", n_bends=2, steps=60, lr=0.02, batch_size=32, rng=1, eval_every=30)
    assert res.path.nodes.shape == (4, net.dim)
    assert res.history["barrier"][-1] < res.history["barrier"][0]


def test_curve_training_takes_a_complete_update_rule(net, two_minima):
    from course_utils import optimizers as O

    a, b = two_minima
    common = dict(steps=40, rng=0, eval_every=20)
    # a rule holding a constant rate takes the same steps as the rule given that rate by train_curve
    held = C.train_curve(net, a, b, optimizer=O.adam(learning_rate=0.02), **common)
    passed = C.train_curve(net, a, b, optimizer=O.adam(), lr=0.02, **common)
    np.testing.assert_array_equal(held.path.nodes, passed.path.nodes)
    np.testing.assert_array_equal(held.losses, passed.losses)
    # a schedule inside the rule is followed: 0.02 for 20 steps (the same steps as plain 0.02), then 0.01
    stepped = C.train_curve(net, a, b, optimizer=O.gd(learning_rate=O.step_schedule(0.02, every=20, factor=0.5)),
                            **common)
    constant = C.train_curve(net, a, b, optimizer=O.gd(), lr=0.02, **common)
    np.testing.assert_array_equal(stepped.losses[:21], constant.losses[:21])  # loss 21 is after step 20 at 0.02
    assert not np.array_equal(stepped.losses[21:], constant.losses[21:])
    with pytest.raises(ValueError, match="`lr` was given but 'Adam' holds its own learning rate"):
        C.train_curve(net, a, b, optimizer=O.adam(learning_rate=0.02), lr=0.02)


def test_curve_training_validation(net, two_minima):
    a, b = two_minima
    with pytest.raises(ValueError, match="lr"):
        C.train_curve(net, a, b, lr=-1.0)
    with pytest.raises(ValueError, match="kind"):
        C.train_curve(net, a, b, kind="line")
    with pytest.raises(ValueError, match="bends0"):
        C.train_curve(net, a, b, bends0=np.zeros((2, net.dim)))
    with pytest.raises(TypeError, match="callback"):
        C.train_curve(net, a, b, callback=3)


# --- the numerical-gradient path search -----------------------------------------------------------
def test_path_search_evaluation_count_formula():
    assert C.path_search_loss_evaluations(65) == (65 + 1) * 2 * 10
    assert C.path_search_loss_evaluations(10, n_bends=2, samples_per_segment=5) == (20 + 1) * 3 * 5


def test_numerical_path_search_counts_and_lowers_the_max():
    f = FunctionObjective(lambda th: (th[..., 0] ** 2 + th[..., 1] ** 2 - 1) ** 2, 2, batched=True)
    res = C.numerical_gradient_path_search(f, [-1.0, 0.0], [1.0, 0.0], steps=200, lr=0.05, eval_every=20)
    per_step = C.path_search_loss_evaluations(2)
    assert res.history["loss_evaluations"][-1] == 200 * per_step
    # The straight start is a saddle of the max in y only through the perturbation symmetry breaking:
    # the finite difference (forward) breaks it, and the max loss drops.
    assert res.losses[-1] < 0.5 * res.losses[0]
    assert res.path.kind == "chain"
    assert res.history["barrier"][-1] < res.history["barrier"][0]


def test_numerical_gradient_matches_finite_differences_of_the_max(net, two_minima):
    # One step with lr equal to 1 moves the bend by minus the forward-difference gradient of the max loss.
    a, b = two_minima
    res = C.numerical_gradient_path_search(net, a, b, steps=1, lr=1.0, eval_every=1)
    bend0 = res.initial_path.bends[0]
    alphas = np.linspace(0, 1, 10)

    def cost(bend):
        pts = [(1 - s) * p + s * q for p, q in ((a, bend), (bend, b)) for s in alphas]
        return max(net.loss(p) for p in pts)

    i = np.random.default_rng(0).integers(net.dim, size=5)
    g = np.array([(cost(bend0 + 1e-5 * np.eye(net.dim)[k]) - cost(bend0)) / 1e-5 for k in i])
    np.testing.assert_allclose(bend0[i] - res.path.bends[0][i], g, rtol=1e-5, atol=1e-8)


# --- the plane --------------------------------------------------------------------------------------
def test_plane_basis_is_orthonormal_and_reproduces_the_points():
    a, b, c = rng_vectors(11, 3, p=7)
    origin, u, v = C.plane_basis(a, b, c)
    np.testing.assert_allclose([u @ u, v @ v, u @ v], [1, 1, 0], atol=1e-12)
    f = FunctionObjective(lambda th: np.sum(th**2, axis=-1), 7, batched=True)
    grid = C.plane_grid(f, a, b, c, resolution=5)
    np.testing.assert_allclose(grid.lift(grid.anchors), np.stack([a, b, c]), atol=1e-12)
    np.testing.assert_allclose(grid.project(np.stack([a, b, c])), grid.anchors, atol=1e-12)
    # Every grid value is the loss at the lifted grid point (indexing="ij").
    i, j = 3, 1
    assert grid.losses[i, j] == pytest.approx(f.loss(grid.lift([grid.x[i], grid.y[j]])))
    with pytest.raises(ValueError, match="collinear"):
        C.plane_basis(a, b, 2 * b - a)
    with pytest.raises(ValueError, match="coincide"):
        C.plane_basis(a, a, c)


# --- permutations and weight matching ------------------------------------------------------------
@pytest.mark.parametrize("hidden,activation", [((8,), "tanh"), ((6, 5), "relu"), ((4, 3, 5), "tanh")])
def test_permuted_network_computes_the_same_outputs(moons, hidden, activation):
    X, y = moons
    m = MLP(X, y, hidden=hidden, activation=activation, loss="cross_entropy")
    theta = m.init(np.random.default_rng(2))
    perms = C.random_permutations(m, np.random.default_rng(3))
    signs = None if activation == "relu" else [np.random.default_rng(4).choice([-1.0, 1.0], w) for w in hidden]
    moved = C.permute_hidden_units(m, theta, perms, signs)
    assert np.linalg.norm(moved - theta) > 0.1  # different parameters...
    np.testing.assert_allclose(m.forward_batch(moved[None]), m.forward_batch(theta[None]), atol=1e-12)  # same f
    assert m.loss(moved) == pytest.approx(m.loss(theta), abs=1e-12)


def test_permutation_moves_the_right_entries(moons):
    X, y = moons
    m = MLP(X, y, hidden=(3,), activation="tanh", loss="cross_entropy")
    theta = np.arange(m.dim, dtype=float)
    (W1, b1), (W2, b2) = m.unflatten(C.permute_hidden_units(m, theta, [np.array([2, 0, 1])]))
    (V1, c1), (V2, c2) = m.unflatten(theta)
    np.testing.assert_array_equal(W1, V1[:, [2, 0, 1]])
    np.testing.assert_array_equal(b1, c1[[2, 0, 1]])
    np.testing.assert_array_equal(W2, V2[[2, 0, 1], :])
    np.testing.assert_array_equal(b2, c2)


def test_permutation_validation(moons):
    X, y = moons
    m = MLP(X, y, hidden=(3,), activation="relu", loss="cross_entropy")
    theta = m.init(np.random.default_rng(0))
    with pytest.raises(ValueError, match="permutation of range"):
        C.permute_hidden_units(m, theta, [np.array([0, 0, 1])])
    with pytest.raises(ValueError, match="one permutation per hidden layer"):
        C.permute_hidden_units(m, theta, [])
    with pytest.raises(ValueError, match="odd activations"):
        C.permute_hidden_units(m, theta, [np.arange(3)], [np.array([1.0, -1.0, 1.0])])
    with pytest.raises(TypeError, match="MLP"):
        C.permute_hidden_units(FunctionObjective(lambda t: 0.0, 2), np.zeros(2), [])


@pytest.mark.parametrize("hidden,activation", [((8,), "tanh"), ((8,), "relu"), ((12,), "tanh")])
def test_weight_matching_undoes_a_hidden_permutation(moons, hidden, activation):
    X, y = moons
    m = MLP(X, y, hidden=hidden, activation=activation, loss="cross_entropy")
    theta = m.init(np.random.default_rng(5)) + 0.1 * np.random.default_rng(15).standard_normal(m.dim)
    perms = C.random_permutations(m, np.random.default_rng(6))
    signs = None if activation == "relu" else [np.random.default_rng(7).choice([-1.0, 1.0], w) for w in hidden]
    scrambled = C.permute_hidden_units(m, theta, perms, signs)
    al = C.weight_matching(m, theta, scrambled)
    np.testing.assert_allclose(al.theta, theta, atol=1e-12)
    assert al.distance_after == pytest.approx(0.0, abs=1e-12) and al.distance_before > 0.1


def test_weight_matching_deep_tanh_preserves_the_function_and_gets_closer(moons):
    # With several layers, coordinate descent over layers is a heuristic: not always the exact inverse.
    X, y = moons
    m = MLP(X, y, hidden=(6, 5), activation="tanh", loss="cross_entropy")
    ref, other = m.init(np.random.default_rng(1)), m.init(np.random.default_rng(2))
    al = C.weight_matching(m, ref, other)
    assert al.distance_after < al.distance_before
    np.testing.assert_allclose(m.forward_batch(al.theta[None]), m.forward_batch(other[None]), atol=1e-12)
    assert 1 <= al.sweeps <= 20


def test_weight_matching_is_optimal_for_one_layer(moons):
    # Brute force over all 4! permutations (no sign flips): matching finds the closest permuted copy.
    from itertools import permutations

    X, y = moons
    m = MLP(X, y, hidden=(4,), activation="relu", loss="cross_entropy")
    ref, other = m.init(np.random.default_rng(8)), m.init(np.random.default_rng(9))
    best = min(np.linalg.norm(ref - C.permute_hidden_units(m, other, [np.array(p)])) for p in permutations(range(4)))
    al = C.weight_matching(m, ref, other)
    assert al.distance_after == pytest.approx(best, rel=1e-12)
    np.testing.assert_allclose(m.forward_batch(al.theta[None]), m.forward_batch(other[None]), atol=1e-12)


def test_alignment_shrinks_the_straight_line_barrier(net, two_minima):
    a, b = two_minima
    before = C.path_profile(net, C.Path.line(a, b)).barrier
    after = C.path_profile(net, C.Path.line(a, C.weight_matching(net, a, b).theta)).barrier
    assert after < 0.5 * before


def test_weight_matching_validation(net, two_minima):
    a, b = two_minima
    with pytest.raises(TypeError, match="flip_signs"):
        C.weight_matching(net, a, b, flip_signs="yes")
    relu = MLP(net.X, net.y, hidden=(8,), activation="relu", loss="cross_entropy")
    with pytest.raises(ValueError, match="odd activation"):
        C.weight_matching(relu, a, b, flip_signs=True)


# --- ensembles ----------------------------------------------------------------------------------
def test_ensemble_of_one_is_the_model_and_of_copies_too(net, two_minima):
    a, b = two_minima
    assert C.ensemble_accuracy(net, a[None]) == pytest.approx(net.accuracy(a))
    assert C.ensemble_accuracy(net, np.stack([b, b, b])) == pytest.approx(net.accuracy(b))
    with pytest.raises(ValueError, match="thetas"):
        C.ensemble_accuracy(net, a)
