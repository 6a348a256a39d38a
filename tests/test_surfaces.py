"""Tests for course_utils.surfaces: directions, slices, trajectory PCA, slice curvature."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import surfaces
from course_utils.data import two_moons
from course_utils.models import MLP, Quadratic
from course_utils.objective import FunctionObjective


def _mlp(hidden=(6,), activation="relu", loss="mse", n=30, seed=0, **kw):
    X, y = two_moons(n, noise=0.1, rng=seed)
    if loss == "mse" and kw.pop("multi_target", False):
        y = np.c_[y, 1.0 - y]
    return MLP(X, y, hidden=hidden, activation=activation, loss=loss, **kw)


def _loop_slice(obj, c, d1, d2, alphas, betas):
    return np.array([[obj.loss(c + a * d1 + b * d2) for b in betas] for a in alphas])


# --------------------------------------------------------------------------------------------
# directions
# --------------------------------------------------------------------------------------------
def test_filter_normalize_matches_each_filter_norm_and_zeroes_biases():
    m = _mlp(hidden=(5, 4))
    theta = m.init(np.random.default_rng(1))
    theta += 0.1 * np.random.default_rng(2).standard_normal(m.dim)  # non-zero biases too
    d = np.random.default_rng(3).standard_normal(m.dim)
    d_before = d.copy()
    fn = surfaces.filter_normalize(d, theta, m)
    np.testing.assert_array_equal(d, d_before)  # input untouched
    for (Wd, bd), (Wt, _) in zip(m.unflatten(fn), m.unflatten(theta)):
        np.testing.assert_allclose(np.linalg.norm(Wd, axis=0), np.linalg.norm(Wt, axis=0), rtol=1e-8)
        assert np.all(bd == 0)
    # each filter keeps its direction (positive multiple of the raw one)
    for (Wd, _), (Wr, _) in zip(m.unflatten(fn), m.unflatten(d)):
        cos = np.sum(Wd * Wr, axis=0) / (np.linalg.norm(Wd, axis=0) * np.linalg.norm(Wr, axis=0))
        np.testing.assert_allclose(cos, 1.0, rtol=1e-12)


def test_filter_normalize_keep_bias_copies_theta_biases():
    m = _mlp()
    theta = np.random.default_rng(0).standard_normal(m.dim)
    fn = surfaces.filter_normalize(np.ones(m.dim), theta, m, ignore_bias=False)
    for (_, bd), (_, bt) in zip(m.unflatten(fn), m.unflatten(theta)):
        np.testing.assert_array_equal(bd, bt)


def test_layer_normalize_matches_frobenius_norms():
    m = _mlp(hidden=(7, 3))
    theta = m.init(np.random.default_rng(0))
    ln = surfaces.layer_normalize(np.random.default_rng(1).standard_normal(m.dim), theta, m)
    for (Wd, bd), (Wt, _) in zip(m.unflatten(ln), m.unflatten(theta)):
        assert np.linalg.norm(Wd) == pytest.approx(np.linalg.norm(Wt), rel=1e-8)  # 1e-10 guard in the denominator
        assert np.all(bd == 0)
    # unlike filter normalization, column norms are NOT matched individually
    Wd, _ = m.unflatten(ln)[0]
    Wt, _ = m.unflatten(theta)[0]
    assert not np.allclose(np.linalg.norm(Wd, axis=0), np.linalg.norm(Wt, axis=0), rtol=1e-3)


def test_non_mlp_objective_is_a_single_filter():
    q = Quadratic(np.eye(3))
    theta, d = np.array([3.0, 0.0, 4.0]), np.array([1.0, 1.0, 0.0])
    for norm in ("filter", "layer"):
        out = surfaces.normalize_direction(d, theta, q, norm)
        assert np.linalg.norm(out) == pytest.approx(5.0)
        np.testing.assert_allclose(out / np.linalg.norm(out), d / np.linalg.norm(d))
    np.testing.assert_array_equal(surfaces.normalize_direction(d, theta, q, "none"), d)


def test_orthogonalize_removes_component_and_keeps_norm():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 20))
    o = surfaces.orthogonalize(b, a)
    assert abs(o @ a) < 1e-12 * np.linalg.norm(a) * np.linalg.norm(b)
    assert np.linalg.norm(o) == pytest.approx(np.linalg.norm(b))
    with pytest.raises(ValueError, match="parallel"):
        surfaces.orthogonalize(2 * a, a)


def test_random_directions_reproducible_and_normalized():
    m = _mlp()
    theta = m.init(0)
    D1 = surfaces.random_directions(m, theta, 7, n=2, norm="filter", orthogonal=True)
    D2 = surfaces.random_directions(m, theta, np.random.default_rng(7), n=2, norm="filter", orthogonal=True)
    np.testing.assert_array_equal(D1, D2)
    assert D1.shape == (2, m.dim)
    assert abs(D1[0] @ D1[1]) < 1e-10
    assert not np.allclose(D1, surfaces.random_directions(m, theta, 8, n=2))
    raw = surfaces.random_directions(m, theta, 7, n=1, norm="none")[0]
    np.testing.assert_array_equal(raw, np.random.default_rng(7).standard_normal(m.dim))


def test_gaussian_direction_and_errors():
    d = surfaces.gaussian_direction(1000, 0)
    assert d.shape == (1000,) and abs(d.std() - 1) < 0.1
    with pytest.raises(ValueError, match="norm"):
        surfaces.normalize_direction(np.ones(2), np.ones(2), Quadratic(np.eye(2)), "filt")
    with pytest.raises(ValueError, match="direction"):
        surfaces.filter_normalize(np.ones(3), np.ones(2), Quadratic(np.eye(2)))
    with pytest.raises(TypeError, match="objective"):
        surfaces.slice_1d(lambda t: 0.0, np.zeros(2), np.ones(2))


# --------------------------------------------------------------------------------------------
# slices
# --------------------------------------------------------------------------------------------
def test_slice_1d_and_interpolate_closed_form_on_quadratic():
    A = np.diag([2.0, 6.0])
    q = Quadratic(A)
    c, d = np.array([1.0, -1.0]), np.array([0.5, 2.0])
    alphas = np.linspace(-2, 3, 11)
    s = surfaces.slice_1d(q, c, d, alphas)
    expected = [0.5 * (c + a * d) @ A @ (c + a * d) for a in alphas]
    np.testing.assert_allclose(s.losses, expected, rtol=1e-13)
    # interpolation: θ(0) = a, θ(1) = b, and beyond the ends
    ta, tb = np.array([2.0, 0.0]), np.array([0.0, 1.0])
    it = surfaces.interpolate(q, ta, tb, [-0.5, 0.0, 1.0, 1.5])
    np.testing.assert_allclose(it.losses, [q.loss(1.5 * ta - 0.5 * tb), q.loss(ta), q.loss(tb),
                                           q.loss(-0.5 * ta + 1.5 * tb)], rtol=1e-13)
    assert it.kind == "interpolation"
    default = surfaces.interpolate(q, ta, tb)
    assert default.alphas[0] == -0.5 and default.alphas[-1] == 1.5
    assert surfaces.interpolate(q, ta, -ta, np.linspace(0, 1, 5)).argmin == 0.5


def test_slice_2d_ij_indexing_non_square_grid():
    q = Quadratic(np.diag([1.0, 3.0]))
    alphas, betas = np.array([-1.0, 0.0, 2.0]), np.array([0.5, 1.0])
    s = surfaces.slice_2d(q, np.zeros(2), [1.0, 0.0], [0.0, 1.0], alphas, betas)
    assert s.losses.shape == (3, 2)
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            assert s.losses[i, j] == pytest.approx(0.5 * a**2 + 1.5 * b**2)
    A, B = s.grid
    assert A.shape == (3, 2) and np.all(A[:, 0] == alphas) and np.all(B[0] == betas)
    assert s.center_loss == pytest.approx(0.5 * 0 + 1.5 * 0.25)


@pytest.mark.parametrize(
    "kw",
    [
        dict(hidden=(8,), activation="relu", loss="mse"),
        dict(hidden=(8,), activation="relu", loss="cross_entropy"),
        dict(hidden=(5, 5, 5), activation="relu", loss="mse", residual=True),
        dict(hidden=(4, 6), activation="tanh", loss="cross_entropy", weight_decay=0.1),
        dict(hidden=(5,), activation="linear", loss="mse", bias=False),
        dict(hidden=(), activation="relu", loss="mse"),
        dict(hidden=(6,), activation="relu", loss="mse", multi_target=True),
    ],
)
def test_slice_2d_mlp_matches_loop(kw):
    m = _mlp(**kw)
    rng = np.random.default_rng(0)
    c = m.init(rng)
    d1, d2 = rng.standard_normal((2, m.dim))
    alphas, betas = np.linspace(-1.5, 1.0, 7), np.linspace(-0.5, 2.0, 4)
    s = surfaces.slice_2d(m, c, d1, d2, alphas, betas)
    np.testing.assert_allclose(s.losses, _loop_slice(m, c, d1, d2, alphas, betas), rtol=1e-11, atol=1e-12)


def test_slice_2d_mlp_multiclass_and_beta_blocks(monkeypatch):
    X, y = two_moons(40, rng=1)
    y = (y + (X[:, 0] > 0.5)).astype(int)  # three classes
    m = MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")
    # force the "split a row into beta blocks" path used by large networks
    monkeypatch.setattr(surfaces, "_CHUNK_ENTRIES", 500)
    rng = np.random.default_rng(1)
    c, d1, d2 = m.init(rng), *rng.standard_normal((2, m.dim))
    alphas, betas = np.linspace(-1, 1, 3), np.linspace(-1, 1, 9)
    s = surfaces.slice_2d(m, c, d1, d2, alphas, betas)
    np.testing.assert_allclose(s.losses, _loop_slice(m, c, d1, d2, alphas, betas), rtol=1e-11)


@pytest.mark.parametrize("bias", [True, False])
def test_slice_2d_mlp_many_blocks_and_loss_flushes(monkeypatch, bias):
    # tiny chunks and loss batches: outputs of several blocks are gathered, flushed mid-grid, and the
    # split ReLU (max(R, -S) + S) feeds a hidden layer, not only the output
    m = _mlp(hidden=(4, 3), activation="relu", loss="mse", bias=bias, weight_decay=0.05)
    monkeypatch.setattr(surfaces, "_CHUNK_ENTRIES", 300)
    monkeypatch.setattr(surfaces, "_LOSS_ENTRIES", 100)
    rng = np.random.default_rng(4)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-2, 1, 11)
    s = surfaces.slice_2d(m, c, d1, d2, alphas, betas)
    np.testing.assert_allclose(s.losses, _loop_slice(m, c, d1, d2, alphas, betas), rtol=1e-11, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    n_a=st.integers(1, 6),
    n_b=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_slice_2d_mlp_matches_loss_batch_property(hidden, n_a, n_b, seed):
    m = _mlp(hidden=tuple(hidden), n=12, seed=seed % 7)
    rng = np.random.default_rng(seed)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    alphas, betas = rng.uniform(-2, 2, n_a), rng.uniform(-2, 2, n_b)
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    ref = m.loss_batch(c + A[..., None] * d1 + B[..., None] * d2)
    np.testing.assert_allclose(surfaces.slice_2d(m, c, d1, d2, alphas, betas).losses, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [
    dict(hidden=(4, 3), activation="relu", loss="mse", weight_decay=0.05),  # the split ReLU
    dict(hidden=(5, 5), activation="tanh", loss="mse", residual=True),
    dict(hidden=(6,), activation="tanh", loss="cross_entropy"),
    dict(hidden=(), activation="linear", loss="mse", bias=False),
])
def test_slice_2d_threads_are_bit_identical_to_serial(monkeypatch, kw):
    # small blocks and loss groups: many groups, so every thread runs several, interleaved with the others
    m = _mlp(**kw)
    monkeypatch.setattr(surfaces, "_CHUNK_ENTRIES", 300)
    monkeypatch.setattr(surfaces, "_LOSS_ENTRIES", 100)
    rng = np.random.default_rng(5)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    alphas, betas = np.linspace(-1, 1, 9), np.linspace(-2, 1, 13)
    serial = surfaces.slice_2d(m, c, d1, d2, alphas, betas).losses
    np.testing.assert_allclose(serial, _loop_slice(m, c, d1, d2, alphas, betas), rtol=1e-11, atol=1e-12)
    for threads in (2, 3, 8):
        np.testing.assert_array_equal(surfaces.slice_2d(m, c, d1, d2, alphas, betas, threads=threads).losses, serial)


def test_slice_2d_threads_keep_a_far_grid_quiet(monkeypatch):
    # numpy's error state is per thread: the pool's threads must ignore overflow as the serial path does
    # (pytest turns warnings into errors)
    m = _mlp(hidden=(6,), activation="relu", loss="mse")
    monkeypatch.setattr(surfaces, "_CHUNK_ENTRIES", 300)
    c = m.init(np.random.default_rng(0))
    d1, d2 = np.random.default_rng(1).standard_normal((2, m.dim))
    s = surfaces.slice_2d(m, c, d1, d2, [0.0, 1e300], np.linspace(0, 1, 40), threads=2)
    assert np.all(np.isfinite(s.losses[0])) and not np.all(np.isfinite(s.losses[1]))


@pytest.mark.parametrize("kw", [
    dict(hidden=(16,), activation="tanh", loss="mse"),
    dict(hidden=(8, 8), activation="relu", loss="cross_entropy", weight_decay=0.01),
])
def test_slice_2d_float32_is_within_float32_rounding_of_a_float64_loop(kw):
    # oracle: a loop of the float64 loss. Measured worst on the peers benchmark's three grids: 1.1e-6 relative.
    m = _mlp(n=60, **kw)
    from course_utils import optimizers

    theta = optimizers.run(m, optimizers.adam(), m.init(np.random.default_rng(0)), steps=200, lr=0.02).final_theta
    d1, d2 = surfaces.random_directions(m, theta, np.random.default_rng(1))
    alphas, betas = np.linspace(-1, 1, 9), np.linspace(-1, 1, 7)
    s = surfaces.slice_2d(m, theta, d1, d2, alphas, betas, dtype=np.float32)
    assert s.losses.dtype == np.float64
    ref = _loop_slice(m, theta, d1, d2, alphas, betas)
    rel = np.max(np.abs(s.losses - ref) / np.abs(ref))
    assert 0 < rel < 1e-5  # float32 rounding: present, and small


def test_slice_2d_threads_and_dtype_are_validated():
    m = _mlp()
    c = np.zeros(m.dim)
    with pytest.raises(ValueError, match="threads"):
        surfaces.slice_2d(m, c, c + 1, c - 1, threads=0)
    with pytest.raises(ValueError, match="dtype"):
        surfaces.slice_2d(m, c, c + 1, c - 1, dtype=np.int32)
    with pytest.raises(ValueError, match="dtype"):
        surfaces.slice_2d(Quadratic(np.eye(2)), np.zeros(2), [1.0, 0.0], [0.0, 1.0], dtype=np.float32)


def test_slice_2d_generic_objective_uses_loss_batch_and_far_grid_is_quiet():
    f = FunctionObjective(lambda t: np.exp(t[..., 0]) + t[..., 1] ** 2, 2, batched=True)
    s = surfaces.slice_2d(f, np.zeros(2), [1.0, 0.0], [0.0, 1.0], [0.0, 1000.0], [0.0])
    assert s.losses[0, 0] == 1.0 and np.isinf(s.losses[1, 0])


def test_filter_normalized_slice_invariant_to_relu_rescaling():
    """Dinh et al. 2017 / Li et al. 2018: (W1·a, b1·a, W2/a) is the same ReLU function."""
    m = _mlp(hidden=(8,), n=40)
    theta = m.init(np.random.default_rng(0))
    theta += 0.05 * np.random.default_rng(1).standard_normal(m.dim)
    (W1, b1), (W2, b2) = m.unflatten(theta.copy())
    scaled = m.flatten([(4.0 * W1, 4.0 * b1), (W2 / 4.0, b2)])
    assert m.loss(scaled) == pytest.approx(m.loss(theta), rel=1e-12)
    raw = np.random.default_rng(5).standard_normal((2, m.dim))
    grid = np.linspace(-1, 1, 9)
    slices = {}
    for name, t in (("orig", theta), ("scaled", scaled)):
        d1, d2 = (surfaces.filter_normalize(r, t, m) for r in raw)
        slices[name] = surfaces.slice_2d(m, t, d1, d2, grid, grid).losses
        slices[name + "_raw"] = surfaces.slice_2d(m, t, raw[0], raw[1], grid, grid).losses
    np.testing.assert_allclose(slices["orig"], slices["scaled"], rtol=1e-9, atol=1e-12)
    assert np.max(np.abs(slices["orig_raw"] - slices["scaled_raw"])) > 0.1


def test_slice_errors_name_the_argument():
    q = Quadratic(np.eye(2))
    with pytest.raises(ValueError, match="d2"):
        surfaces.slice_2d(q, np.zeros(2), np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="alphas"):
        surfaces.slice_2d(q, np.zeros(2), np.ones(2), np.ones(2), alphas=np.ones((2, 2)))
    with pytest.raises(ValueError, match="center"):
        surfaces.slice_1d(q, [np.nan, 0.0], np.ones(2))


def _profile(losses, alphas=None):
    losses = np.asarray(losses, dtype=float)
    alphas = np.linspace(0, 1, losses.size) if alphas is None else np.asarray(alphas, dtype=float)
    return surfaces.Slice1D(alphas=alphas, losses=losses, kind="interpolation")


def test_line_monotonicity_measures_the_tallest_bump_on_the_range():
    # 4 → 5 (a bump of 1 over the start) → 2 → 3 (climbs 1 over the lowest before it) → 1
    m = surfaces.line_monotonicity(_profile([4.0, 5.0, 2.0, 3.0, 1.0]))
    assert not m.strictly_decreasing
    assert m.largest_rise == pytest.approx(1.0 / 4.0)  # the tallest climb, relative to f(start) = 4
    assert m.peak_ratio == pytest.approx(5.0 / 4.0) and m.argmin == 1.0
    # a climb measured from the lowest point so far, not from the previous point: 3 → 1 → 2 → 2.5 rises 1.5
    assert surfaces.line_monotonicity(_profile([3.0, 1.0, 2.0, 2.5])).largest_rise == pytest.approx(1.5 / 3.0)
    # a flat step is not strictly decreasing, but climbs nothing
    flat = surfaces.line_monotonicity(_profile([3.0, 2.0, 2.0, 1.0]))
    assert not flat.strictly_decreasing and flat.largest_rise == 0.0 and flat.peak_ratio == 1.0


def test_line_monotonicity_reads_only_its_range_and_matches_a_quadratic_line():
    q = Quadratic(np.eye(2))
    line = surfaces.interpolate(q, np.array([2.0, 0.0]), np.zeros(2), np.linspace(-0.5, 1.5, 81))
    m = surfaces.line_monotonicity(line)  # ½‖(1 − α)θ₀‖²: falls on [0, 1], climbs again beyond both ends
    assert m.strictly_decreasing and m.largest_rise == 0.0 and m.peak_ratio == 1.0 and m.argmin == 1.0
    assert (m.start, m.stop) == (0.0, 1.0)
    whole = surfaces.line_monotonicity(line, -0.5, 1.5)
    assert not whole.strictly_decreasing and whole.largest_rise == pytest.approx(0.5 / 4.5)  # 2(1 − α)²: 4.5 → 0 → 0.5


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.01, 100.0), min_size=2, max_size=30))
def test_line_monotonicity_rise_is_zero_exactly_when_the_profile_never_climbs(values):
    m = surfaces.line_monotonicity(_profile(values))
    never_climbs = all(b <= a for a, b in zip(values, values[1:]))
    assert (m.largest_rise == 0.0) == never_climbs
    assert m.strictly_decreasing == all(b < a for a, b in zip(values, values[1:]))
    assert m.largest_rise >= 0.0 and m.peak_ratio >= 1.0 and m.argmin == np.linspace(0, 1, len(values))[np.argmin(values)]


def test_line_monotonicity_of_a_loss_that_starts_at_or_below_zero():
    up = surfaces.line_monotonicity(_profile([-1.0, -2.0, -0.5]))  # e.g. the wobbly terrain, whose minimum is −2A
    assert up.peak_ratio == np.inf and up.largest_rise == pytest.approx(1.5) and up.argmin == 0.5
    down = surfaces.line_monotonicity(_profile([0.0, -1.0, -2.0]))
    assert down.strictly_decreasing and down.peak_ratio == 1.0 and down.largest_rise == 0.0


def test_line_monotonicity_errors_name_the_problem():
    line = _profile([3.0, 2.0, 1.0])
    with pytest.raises(TypeError, match="line"):
        surfaces.line_monotonicity(np.array([3.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="start"):
        surfaces.line_monotonicity(line, 1.0, 0.0)
    with pytest.raises(ValueError, match="at least 2"):
        surfaces.line_monotonicity(line, 0.1, 0.4)
    with pytest.raises(ValueError, match="increasing"):
        surfaces.line_monotonicity(_profile([3.0, 2.0, 1.0], alphas=[0.0, 1.0, 0.5]))
    with pytest.raises(ValueError, match="non-finite"):
        surfaces.line_monotonicity(_profile([3.0, np.inf, 1.0]))


# --------------------------------------------------------------------------------------------
# trajectory PCA
# --------------------------------------------------------------------------------------------
def test_trajectory_pca_recovers_a_planar_path():
    rng = np.random.default_rng(0)
    P = 50
    Q, _ = np.linalg.qr(rng.standard_normal((P, 2)))
    t = np.linspace(0, 1, 40)
    coords = np.c_[3 * (1 - t), np.sin(3 * t) * (1 - t)]  # ends at the origin of the plane
    final = rng.standard_normal(P)
    thetas = final + coords @ Q.T
    pca = surfaces.trajectory_pca(thetas)
    np.testing.assert_allclose(pca.explained_variance_ratio.sum(), 1.0, rtol=1e-12)
    assert pca.explained_variance_ratio[0] >= pca.explained_variance_ratio[1]
    # the found directions span the same plane: projector equality
    np.testing.assert_allclose(pca.directions.T @ pca.directions, Q @ Q.T, atol=1e-10)
    np.testing.assert_allclose(pca.directions @ pca.directions.T, np.eye(2), atol=1e-12)
    # coordinates reconstruct the path exactly (it lies in the plane)
    np.testing.assert_allclose(pca.center + pca.coords @ pca.directions, thetas, atol=1e-10)
    assert np.all(pca.coords[0] >= 0) and np.allclose(pca.coords[-1], 0)
    np.testing.assert_array_equal(pca.center, final)


def test_trajectory_pca_matches_eigendecomposition_and_drops_diverged_tail():
    rng = np.random.default_rng(1)
    thetas = np.cumsum(rng.standard_normal((30, 8)) * [5, 3, 1, 1, 1, 1, 1, 1], axis=0)
    M = thetas - thetas[-1]
    evals, evecs = np.linalg.eigh(M.T @ M)
    pca = surfaces.trajectory_pca(thetas, n_components=3)
    np.testing.assert_allclose(pca.explained_variance_ratio, evals[::-1][:3] / evals.sum(), rtol=1e-10)
    for k in range(3):
        assert abs(abs(pca.directions[k] @ evecs[:, -1 - k]) - 1) < 1e-8
    bad = np.vstack([thetas, np.full((3, 8), np.nan)])
    np.testing.assert_allclose(surfaces.trajectory_pca(bad, 3).coords, pca.coords)
    with pytest.raises(ValueError, match="at least 2"):
        surfaces.trajectory_pca(thetas[:1])
    with pytest.raises(ValueError, match="never moves"):
        surfaces.trajectory_pca(np.ones((5, 3)))


def test_trajectory_pca_accepts_a_trajectory():
    from course_utils import optimizers

    q = Quadratic(np.diag([1.0, 10.0, 0.1]))
    traj = optimizers.run(q, optimizers.gd(), [1.0, 1.0, 1.0], steps=50, lr=0.05)
    pca = surfaces.trajectory_pca(traj)
    assert pca.coords.shape == (51, 2) and pca.explained_variance_ratio.sum() <= 1 + 1e-12


# --------------------------------------------------------------------------------------------
# curvature of a slice
# --------------------------------------------------------------------------------------------
def test_slice_curvature_exact_on_quadratics():
    grid = np.linspace(-1, 1, 11)
    bowl = surfaces.slice_2d(Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]])), np.zeros(2), [1, 0], [0, 1], grid, grid)
    cb = surfaces.slice_curvature(bowl)
    expected = np.linalg.eigvalsh([[3.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(cb.lam_min, expected[0], rtol=1e-8)
    np.testing.assert_allclose(cb.lam_max, expected[1], rtol=1e-8)
    assert cb.negative_fraction == 0.0 and cb.median_ratio == 0.0 or cb.median_ratio < 1
    saddle = surfaces.slice_2d(Quadratic(np.diag([10.0, -2.0])), np.zeros(2), [1, 0], [0, 1], grid, grid)
    cs = surfaces.slice_curvature(saddle)
    assert cs.negative_fraction == 1.0
    assert cs.median_ratio == pytest.approx(0.2)
    with pytest.raises(ValueError, match="uniformly"):
        surfaces.slice_curvature(surfaces.slice_2d(Quadratic(np.eye(2)), np.zeros(2), [1, 0], [0, 1],
                                                   [0.0, 0.1, 1.0], grid))
    with pytest.raises(TypeError):
        surfaces.slice_curvature(grid)
