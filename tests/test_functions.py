"""Tests for course_utils.functions: derivatives, batching and the known critical points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import root

from course_utils import functions as F
from course_utils.derivatives import finite_difference_gradient, finite_difference_hvp
from course_utils.objective import Objective

# every landscape, with non-default parameters too (they change the formula, so they need checking)
CASES = [
    ("bowl", {}),
    ("bowl", {"condition": 10.0}),
    ("saddle", {}),
    ("saddle", {"a": 5.0, "b": 1.0}),
    ("monkey_saddle", {}),
    ("rosenbrock", {}),
    ("rosenbrock", {"a": 2.0, "b": 10.0}),
    ("himmelblau", {}),
    ("six_hump_camel", {}),
    ("rastrigin", {}),
    ("rastrigin", {"A": 3.0}),
    ("wobbly", {}),
    ("wobbly", {"amplitude": 0.0}),
    ("wobbly", {"amplitude": 0.3}),
    ("multimodal", {}),
    ("quartic_bowl", {}),
    ("quartic_saddle", {}),
    ("cliff", {}),
    ("cliff", {"height": 5.0, "width": 0.2}),
]
IDS = [key + "".join(f"-{k}={v:g}" for k, v in params.items()) for key, params in CASES]
ALL = pytest.mark.parametrize("case", CASES, ids=IDS)
FAST = settings(max_examples=25, deadline=None)


def make(case) -> F.Landscape:
    key, params = case
    return F.get(key, **params)


def test_registry_covers_every_case():
    assert {key for key, _ in CASES} == set(F.LANDSCAPES)
    for key, cls in F.LANDSCAPES.items():
        L = cls()
        assert isinstance(L, Objective) and L.dim == 2 and L.key == key
        (x0, x1), (y0, y1) = L.bounds
        assert x0 < x1 and y0 < y1
        assert L.latex.startswith("$") and L.latex.endswith("$")


@ALL
@FAST
@given(u=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_gradient_matches_finite_differences(case, u):
    L = make(case)
    (x0, x1), (y0, y1) = L.bounds
    theta = np.array([x0 + u[0] * (x1 - x0), y0 + u[1] * (y1 - y0)])
    g = L.grad(theta)
    g_fd = finite_difference_gradient(L.loss, theta, h=1e-6)
    scale = max(1.0, np.abs(g).max(), abs(L.loss(theta)))
    np.testing.assert_allclose(g, g_fd, rtol=0, atol=1e-6 * scale)
    value, g2 = L.value_and_grad(theta)
    assert value == pytest.approx(L.loss(theta), rel=1e-13, abs=1e-13)
    np.testing.assert_allclose(g2, g, rtol=1e-14, atol=1e-14)


@ALL
def test_batched_gradient_matches_autograd_of_the_formula(case):
    """The batched gradient (a closed form where a landscape has one) against autograd of the formula itself,
    at points across and beyond the window, and finite where the formula is."""
    from course_utils.derivatives import anp, grad

    L = make(case)
    (x0, x1), (y0, y1) = L.bounds
    rng = np.random.default_rng(7)
    thetas = np.column_stack([rng.uniform(x0 - 1, x1 + 1, 64), rng.uniform(y0 - 1, y1 + 1, 64)])
    oracle = grad(lambda T: anp.sum(L._f(T[:, 0], T[:, 1])))(thetas)
    got = L.grad_batch(thetas)
    assert got.shape == thetas.shape
    np.testing.assert_allclose(got, oracle, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(oracle).max()))


def test_the_race_landscapes_have_closed_form_gradients():
    """The Optimizer Race's three landscapes skip autograd's per-call tracing (its update's largest cost)."""
    for key in ("rosenbrock", "himmelblau", "six_hump_camel"):
        L = F.get(key)
        assert L._df(np.array([0.3]), np.array([-0.2])) is not None, key


@ALL
@FAST
@given(u=st.tuples(st.floats(0, 1), st.floats(0, 1)), v=st.tuples(st.floats(-1, 1), st.floats(-1, 1)))
def test_hvp_matches_dense_hessian_and_finite_differences(case, u, v):
    L = make(case)
    (x0, x1), (y0, y1) = L.bounds
    theta = np.array([x0 + u[0] * (x1 - x0), y0 + u[1] * (y1 - y0)])
    v = np.array(v)
    H = L.hessian(theta)
    assert H.shape == (2, 2)
    np.testing.assert_allclose(H, H.T, atol=0)
    Hv = L.hvp(theta, v)
    np.testing.assert_allclose(Hv, H @ v, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(H).max()))
    fd = finite_difference_hvp(L.grad, theta, v, h=1e-5)
    np.testing.assert_allclose(Hv, fd, rtol=0, atol=1e-5 * max(1.0, np.abs(H).max()))


@ALL
@FAST
@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_loss_batch_equals_loop(case, shape, seed):
    L = make(case)
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = L.bounds
    thetas = np.stack([rng.uniform(x0, x1, shape), rng.uniform(y0, y1, shape)], axis=-1)
    out = L.loss_batch(thetas)
    assert out.shape == tuple(shape)
    loop = np.array([L.loss(t) for t in thetas.reshape(-1, 2)]).reshape(shape)
    np.testing.assert_allclose(out, loop, rtol=1e-12, atol=1e-12)
    # the public elementwise formula agrees as well (meshgrid use)
    np.testing.assert_allclose(L.f(thetas[..., 0], thetas[..., 1]), loop, rtol=1e-12, atol=1e-12)


@ALL
def test_known_minima_have_zero_gradient_and_psd_hessian(case):
    L = make(case)
    for m in L.minima:
        scale = max(1.0, np.abs(L.hessian(m)).max())
        assert np.linalg.norm(L.grad(m)) < 1e-9 * scale, (m, L.grad(m))
        assert np.linalg.eigvalsh(L.hessian(m)).min() >= -1e-9 * scale
        # a minimum: no lower value on a small circle around it
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = m + 1e-3 * np.c_[np.cos(angles), np.sin(angles)]
        assert np.all(L.loss_batch(ring) > L.loss(m))


@ALL
def test_critical_points_verified(case):
    L = make(case)
    assert len(L.critical_points) >= 1
    for cp in L.critical_points:
        H = L.hessian(cp.point)
        scale = max(1.0, np.abs(H).max())
        assert np.linalg.norm(L.grad(cp.point)) < 1e-9 * scale, cp
        assert cp.value == pytest.approx(L.loss(cp.point), abs=1e-12)
        eig = np.linalg.eigvalsh(H)
        tol = 1e-8 * scale
        if cp.kind == "minimum":
            assert eig.min() > tol, (cp, eig)
        elif cp.kind == "maximum":
            assert eig.max() < -tol, (cp, eig)
        elif cp.kind == "saddle":
            assert eig.min() < -tol and eig.max() > tol, (cp, eig)
        else:
            assert np.abs(eig).min() <= tol, (cp, eig)
    # no duplicates
    pts = np.array([cp.point for cp in L.critical_points])
    dists = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts))
    assert dists.min() > 1e-6


def test_rosenbrock_ground_truth():
    L = F.get("rosenbrock")
    assert [(tuple(cp.point), cp.kind) for cp in L.critical_points] == [((1.0, 1.0), "minimum")]
    np.testing.assert_allclose(np.linalg.eigvalsh(L.hessian([1.0, 1.0])), [0.399361, 1001.600639], atol=1e-6)
    assert L.loss([1.0, 1.0]) == 0.0
    # the classic start (-1.2, 1) has f = 24.2
    assert L.loss([-1.2, 1.0]) == pytest.approx(24.2, rel=1e-14)
    # general (a, b): minimum at (a, a^2)
    L2 = F.Rosenbrock(a=2.0, b=10.0)
    np.testing.assert_array_equal(L2.minima, [[2.0, 4.0]])


def test_rosenbrock_has_no_other_critical_point():
    L = F.get("rosenbrock")
    rng = np.random.default_rng(0)
    for start in rng.uniform(-2, 2, size=(12, 2)):
        sol = root(L.grad, start, jac=L.hessian, tol=1e-14)
        if sol.success:
            np.testing.assert_allclose(sol.x, [1.0, 1.0], atol=1e-7)


def test_quadratic_ground_truths():
    np.testing.assert_allclose(np.linalg.eigvalsh(F.Saddle(5, 1).hessian([0.3, -0.2])), [-2.0, 10.0], atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(F.Bowl(25.0).hessian([1.0, 2.0])), [1.0, 25.0], atol=1e-12)
    assert F.Bowl(4.0).loss([1.0, 1.0]) == 2.5
    np.testing.assert_allclose(F.get("monkey_saddle").hessian([0.0, 0.0]), np.zeros((2, 2)), atol=0)
    assert F.get("monkey_saddle").critical_points[0].kind == "degenerate"
    for key in ("quartic_bowl", "quartic_saddle"):
        np.testing.assert_allclose(F.get(key).hessian([0.0, 0.0]), 0.0, atol=0)
    # x^4 + y^4 is a (degenerate) minimum; x^4 - y^4 has none
    np.testing.assert_array_equal(F.get("quartic_bowl").minima, [[0.0, 0.0]])
    assert F.get("quartic_saddle").minima.shape == (0, 2)
    assert F.get("saddle").minima.shape == (0, 2)


def test_wobbly_amplitude_zero_is_the_bowl_and_minimum_value():
    w0 = F.Wobbly(amplitude=0.0)
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(20, 2))
    np.testing.assert_allclose(w0.loss_batch(pts), (pts**2).sum(axis=1), rtol=1e-15)
    assert len(w0.critical_points) == 1 and w0.critical_points[0].kind == "minimum"
    w = F.Wobbly(amplitude=0.7)
    assert w.loss([0.0, 0.0]) == pytest.approx(-1.4)
    np.testing.assert_array_equal(w.global_minima, [[0.0, 0.0]])
    assert len(w.minima) > 1  # ripples create local minima


def test_himmelblau_nine_points():
    L = F.get("himmelblau")
    kinds = [cp.kind for cp in L.critical_points]
    assert sorted(kinds) == sorted(["minimum"] * 4 + ["saddle"] * 4 + ["maximum"])
    for cp in L.critical_points:
        if cp.kind == "minimum":
            assert cp.value == pytest.approx(0.0, abs=1e-20)
        # re-solve from the stored point: Newton stays put to 1e-10
        sol = root(L.grad, cp.point + 1e-4, jac=L.hessian, tol=1e-12)
        assert np.linalg.norm(L.grad(sol.x)) < 1e-10
        np.testing.assert_allclose(sol.x, cp.point, atol=1e-10)
    (top,) = [cp for cp in L.critical_points if cp.kind == "maximum"]
    np.testing.assert_allclose(top.point, [-0.270845, -0.923039], atol=1e-6)
    assert top.value == pytest.approx(181.6165, abs=1e-4)
    assert any(np.array_equal(m, [3.0, 2.0]) for m in L.minima)


def test_himmelblau_list_is_complete():
    L = F.get("himmelblau")
    pts = np.array([cp.point for cp in L.critical_points])
    xs = np.linspace(-5, 5, 9)
    for x in xs:
        for y in xs:
            sol = root(L.grad, [x, y], jac=L.hessian, tol=1e-14)
            if sol.success and np.linalg.norm(L.grad(sol.x)) < 1e-8:
                assert np.linalg.norm(pts - sol.x, axis=1).min() < 1e-8, sol.x


def test_six_hump_camel():
    L = F.get("six_hump_camel")
    kinds = [cp.kind for cp in L.critical_points]
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (6, 7, 2)
    np.testing.assert_allclose(np.linalg.eigvalsh(L.hessian([0.0, 0.0])), [-np.sqrt(65), np.sqrt(65)], atol=1e-12)
    assert np.sqrt(65) == pytest.approx(8.06, abs=5e-3)
    glob = L.global_minima
    assert glob.shape == (2, 2)
    np.testing.assert_allclose(L.loss_batch(glob), -1.0316284534898774, atol=1e-12)
    np.testing.assert_allclose(np.abs(glob), [[0.0898420131, 0.7126564030]] * 2, atol=1e-9)


def test_rastrigin_global_minimum_and_lattice():
    L = F.get("rastrigin")
    assert L.loss([0.0, 0.0]) == 0.0
    np.testing.assert_array_equal(L.global_minima, [[0.0, 0.0]])
    # a local minimum near every integer point of [-5, 5]^2
    assert len(L.minima) == 121
    np.testing.assert_allclose(np.sort(np.unique(np.round(L.minima[:, 0]))), np.arange(-5, 6))
    # every stored minimum is lower than random points near it
    rng = np.random.default_rng(3)
    for m in L.minima[rng.choice(len(L.minima), 10, replace=False)]:
        nearby = m + rng.uniform(-0.05, 0.05, size=(20, 2))
        assert np.all(L.loss_batch(nearby) >= L.loss(m))


def test_multimodal_origin_is_global():
    L = F.get("multimodal")
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1.5, 1.5, size=(500, 2))
    assert np.all(L.loss_batch(pts) >= 0.5 * (pts**2).sum(axis=1) - 1e-15)
    np.testing.assert_allclose(L.hessian([0.0, 0.0]), 2 * np.eye(2), atol=1e-12)


def test_f_on_meshgrid_and_grid():
    L = F.get("himmelblau")
    X, Y = np.meshgrid(np.linspace(-5, 5, 7), np.linspace(-5, 5, 5), indexing="ij")
    Z = L.f(X, Y)
    assert Z.shape == (7, 5)
    assert Z[3, 2] == L.loss([X[3, 2], Y[3, 2]])
    assert isinstance(L.f(3.0, 2.0), float) and L.f(3.0, 2.0) == 0.0
    Xg, Yg, Zg = L.grid(11)
    assert Xg.shape == Yg.shape == Zg.shape == (11, 11)
    assert Xg[0, 0] == -5 and Xg[-1, 0] == 5 and Yg[0, -1] == 5  # "ij" indexing: x varies along axis 0
    with pytest.raises(ValueError, match="broadcastable"):
        L.f(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="`x`"):
        L.f("a", 1.0)


def test_get_validates_names_and_parameters():
    with pytest.raises(ValueError, match="did you mean 'rosenbrock'"):
        F.get("rosenbrok")
    with pytest.raises(ValueError, match="did you mean 'six_hump_camel'"):
        F.get("six_hump_camle")
    with pytest.raises(TypeError, match="condition"):
        F.get("bowl", kappa=3)
    with pytest.raises(ValueError, match="`condition`.*-1"):
        F.get("bowl", condition=-1)
    with pytest.raises(ValueError, match="`amplitude`"):
        F.Wobbly(amplitude=-0.1)
    with pytest.raises(ValueError, match="`b`"):
        F.Saddle(b=0)
    assert F.get("bowl", condition=3.0).condition == 3.0


def test_critical_point_record():
    cp = F.CriticalPoint([1, 2], "saddle", 3)
    assert cp.point.dtype == float and cp.value == 3.0
    with pytest.raises(ValueError):
        cp.point[0] = 5.0  # read-only
    with pytest.raises(ValueError, match="did you mean 'saddle'"):
        F.CriticalPoint([0, 0], "sadle", 0.0)
    with pytest.raises(AttributeError):
        cp.kind = "minimum"


def test_rastrigin_and_wobbly_are_one_rippled_bowl_family():
    # the textbook formulas, written out independently of the family's code
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-3, 3, (2, 500))
    rastrigin = 2 * 3.0 + x**2 - 3.0 * np.cos(2 * np.pi * x) + y**2 - 3.0 * np.cos(2 * np.pi * y)
    wobbly = x**2 + y**2 - 0.4 * (np.cos(3 * np.pi * x) + np.cos(3 * np.pi * y))
    points = np.column_stack([x, y])
    for member, reference in ((F.Rastrigin(A=3.0), rastrigin), (F.Wobbly(0.4), wobbly)):
        assert isinstance(member, F.RippledBowl)
        np.testing.assert_allclose(member.loss_batch(points), reference, rtol=1e-13, atol=1e-13)
    assert F.Rastrigin(A=3.0).A == 3.0 and F.Wobbly(0.4).amplitude == 0.4


def test_a_rippled_bowl_outside_the_named_members_lists_true_critical_points():
    A, k, w = 1.0, 2.5, 2.0
    L = F.RippledBowl(amplitude=A, frequency=k, offset=-1.0, half_width=w)
    u = np.array([0.3, -0.7])
    h = 1e-6
    fd = [(L.loss(u + h * e) - L.loss(u - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(L.grad(u), fd, rtol=1e-7, atol=1e-8)
    assert L.loss([0.0, 0.0]) == pytest.approx(-1.0 - 2 * A)
    # oracle: sign changes of the 1-D slope 2t + k pi A sin(k pi t) on a dense grid, and the sign of the curvature
    t = np.linspace(-w, w, 400_000)  # an even count: no grid point at a root (the origin)
    slope = 2 * t + k * np.pi * A * np.sin(k * np.pi * t)
    roots = t[np.flatnonzero(np.sign(slope[:-1]) != np.sign(slope[1:]))]
    minima_1d = int(np.sum(2 + (k * np.pi) ** 2 * A * np.cos(k * np.pi * roots) > 0))
    maxima_1d = roots.size - minima_1d
    assert roots.size >= 5  # the example is worth having: several ripples inside the box
    kinds = {"minimum": 0, "maximum": 0, "saddle": 0}
    for cp in L.critical_points:
        assert np.linalg.norm(L.grad(cp.point)) < 1e-9
        eig = np.linalg.eigvalsh(L.hessian(cp.point))
        kinds[cp.kind] += 1
        assert (cp.kind == "minimum") == (eig.min() > 0) and (cp.kind == "maximum") == (eig.max() < 0)
    assert kinds == {"minimum": minima_1d**2, "maximum": maxima_1d**2, "saddle": 2 * minima_1d * maxima_1d}
