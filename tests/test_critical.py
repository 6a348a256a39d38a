"""Tests for course_utils.critical: classification, the multi-start finder and the random-matrix helpers."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import critical as cr
from course_utils import functions
from course_utils.models import LinearAutoencoder, Quadratic
from course_utils.objective import FunctionObjective


# --- classification --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "eigs, kind, index",
    [([1.0, 2.0], "minimum", 0), ([-1.0, -3.0], "maximum", 2), ([10.0, -2.0], "saddle", 1),
     ([0.0, 1.0], "degenerate", 0), ([0.0, -1.0], "degenerate", 1), ([-1, -1, 2.0], "saddle", 2),
     # a zero eigenvalue beside both signs: the ±1 directions already rise and fall at second order
     ([1.0, -1.0, 0.0], "saddle", 1), ([-3.0, 0.0, 2.0], "saddle", 1), ([0.0, 0.0, -1.0, 4.0], "saddle", 1)],
)
def test_classify_known_spectra(eigs, kind, index):
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigs), len(eigs))))
    c = cr.classify_hessian((Q * np.asarray(eigs, float)) @ Q.T)
    assert (c.kind, c.index) == (kind, index)
    np.testing.assert_allclose(c.eigenvalues, np.sort(eigs), atol=1e-12)


def test_tolerance_decides_near_zero_eigenvalues():
    H = np.diag([1e-9, 1.0])
    assert cr.classify_hessian(H, tol=1e-6).kind == "degenerate"
    assert cr.classify_hessian(H, tol=1e-12).kind == "minimum"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0]), min_size=1, max_size=6),
       st.floats(-250, 250), st.integers(0, 10_000))
def test_classification_does_not_depend_on_the_units_of_the_loss(eigs, log10_c, seed):
    """c · H is classified like H for every c > 0, from 1e-250 to 1e250: the tolerance is relative.

    Oracle: the signs of the spectrum the matrix was built from (zeros are exact zeros before rounding)."""
    lam = np.asarray(eigs)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((lam.size, lam.size)))
    H = (Q * (10.0**log10_c * lam)) @ Q.T
    got = cr.classify_hessian(0.5 * (H + H.T))
    negative, zero, positive = int(np.sum(lam < 0)), int(np.sum(lam == 0)), int(np.sum(lam > 0))
    kind = ("saddle" if negative and positive else "degenerate" if zero else "minimum" if negative == 0
            else "maximum")
    assert (got.kind, got.index, got.n_zero) == (kind, negative, zero)
    assert (got.escape_direction is None) == (negative == 0)


@pytest.mark.parametrize("eigs, semidefinite", [([0.0, 2.0, 5.0], "positive"), ([-1.0, 0.0], "negative"),
                                                 ([0.0, 0.0], "zero"), ([1.0, 2.0], None), ([1.0, -1.0, 0.0], None)])
def test_a_degenerate_point_says_which_way_its_curved_directions_point(eigs, semidefinite):
    c = cr.classify_hessian(np.diag(eigs))
    assert c.semidefinite == semidefinite
    if semidefinite == "positive":  # the trough's verdict names what it can be: a minimum up to its flat directions
        assert "no negative curvature" in c.describe() and "1 flat direction" in c.describe()


def test_zero_hessian_is_degenerate_whatever_the_scale():
    """A zero Hessian has no scale of its own: every eigenvalue counts as zero, with or without a problem scale."""
    for P in (1, 2, 5):
        for scale in (0.0, 1e-300, 1.0, 1e300):
            c = cr.classify_hessian(np.zeros((P, P)), scale=scale)
            assert (c.kind, c.index, c.n_zero, c.escape_direction) == ("degenerate", 0, P, None)
            assert c.threshold == pytest.approx(1e-6 * scale)


def test_problem_scale_is_a_floor_under_the_relative_test():
    """Relative to itself 1e-12 · diag(1, −2) is a clean saddle; next to a problem that curves like 1 it is zero."""
    H = 1e-12 * np.diag([1.0, -2.0])
    assert cr.classify_hessian(H).kind == "saddle"
    assert cr.classify_hessian(H, scale=1e-12).kind == "saddle"  # same size as the problem: still a saddle
    c = cr.classify_hessian(H, scale=1.0)
    assert (c.kind, c.n_zero, c.escape_direction) == ("degenerate", 2, None)
    assert c.threshold == pytest.approx(1e-6)
    assert cr.escape_direction(H) is not None and cr.escape_direction(H, scale=1.0) is None
    with pytest.raises(ValueError, match="scale"):
        cr.classify_hessian(H, scale=-1.0)


def test_rounding_floor_makes_a_rounded_zero_eigenvalue_zero_even_at_tol_0():
    """eigh returns ~1e-17 for an eigenvalue that is 0 in exact arithmetic: tol = 0 must still call it zero."""
    rng = np.random.default_rng(4)
    rounded = 0
    for _ in range(50):
        Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        H = (Q * np.array([0.0, 1.0, 2.0])) @ Q.T  # positive semidefinite: the zero alone decides "degenerate"
        H = 0.5 * (H + H.T)
        rounded += np.linalg.eigvalsh(H)[0] != 0.0
        assert cr.classify_hessian(H, tol=0.0).kind == "degenerate"
    assert rounded > 10  # the case is real: most of these zeros come back as rounding noise


def test_ground_truth_points():
    # 5x² − y²: eigenvalues 10, −2
    f = FunctionObjective(lambda t: 5 * t[0] ** 2 - t[1] ** 2, 2)
    c = cr.critical_point_at(f, np.zeros(2))
    assert c.kind == "saddle" and c.index == 1
    np.testing.assert_allclose(c.eigenvalues, [-2.0, 10.0])
    np.testing.assert_allclose(c.classification.escape_direction, [0.0, 1.0], atol=1e-12)
    # monkey saddle: H = 0 → degenerate, never "minimum"
    assert cr.critical_point_at(functions.get("monkey_saddle"), np.zeros(2)).kind == "degenerate"
    rosen = cr.critical_point_at(functions.get("rosenbrock"), np.ones(2))
    np.testing.assert_allclose(rosen.eigenvalues, [0.399361, 1001.600639], atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10_000))
def test_escape_direction_descends(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A + A.T
    u = cr.escape_direction(A)
    lam = np.linalg.eigvalsh(A)
    if lam[0] >= -1e-6 * np.abs(lam).max():  # the tolerance is relative to the largest |λ|
        assert u is None
        return
    assert np.linalg.norm(u) == pytest.approx(1.0)
    assert u @ A @ u == pytest.approx(lam[0], abs=1e-9)  # the most negative curvature
    q = Quadratic(A)
    assert q.loss(0.1 * u) < 0 and q.loss(-0.1 * u) < 0  # both signs descend from the saddle


def test_newton_step_solves_quadratic_in_one_step():
    rng = np.random.default_rng(1)
    A = np.diag([4.0, -1.0, 2.0])
    b = rng.standard_normal(3)
    q = Quadratic(A, b)
    x0 = rng.standard_normal(3)
    x1 = x0 + cr.newton_step(q.grad(x0), q.hessian(x0))
    np.testing.assert_allclose(q.grad(x1), 0.0, atol=1e-12)  # a saddle: Newton is attracted to it anyway


def test_classify_rejects_bad_matrices():
    with pytest.raises(ValueError, match="square"):
        cr.classify_hessian(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        cr.classify_hessian(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="tol"):
        cr.classify_hessian(np.eye(2), tol=-1.0)


# --- the finder --------------------------------------------------------------------------------
def _match(found, known, atol=1e-6):
    """Each known point is found exactly once with the same kind."""
    assert len(found) == len(known)
    for k in known:
        hits = [c for c in found if np.linalg.norm(c.point - k.point) < atol]
        assert len(hits) == 1, k
        assert hits[0].kind == k.kind


@pytest.mark.parametrize("name", ["himmelblau", "six_hump_camel", "rosenbrock", "saddle", "monkey_saddle",
                                  "quartic_bowl", "quartic_saddle"])
def test_finder_recovers_known_critical_points(name):
    f = functions.get(name)
    found = cr.find_critical_points(f, f.bounds, n_starts=128, rng=0)
    _match(found, f.critical_points)
    for c in found:
        assert c.grad_norm <= 1e-8
    values = [c.value for c in found]
    assert np.all(np.diff(values) >= -1e-9)  # sorted by loss (ties broken by coordinates)


def test_himmelblau_census():
    f = functions.get("himmelblau")
    found = cr.find_critical_points(f, f.bounds, n_starts=64)
    kinds = [c.kind for c in found]
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (4, 4, 1)
    top = found[-1]
    assert top.kind == "maximum" and top.value == pytest.approx(181.6165, abs=1e-4)
    assert all(c.value == pytest.approx(0.0, abs=1e-12) for c in found if c.kind == "minimum")


def test_box_without_critical_points_gives_empty_list():
    f = functions.get("himmelblau")
    assert cr.find_critical_points(f, [(10.0, 11.0), (10.0, 11.0)], n_starts=16) == []


def test_grid_and_halton_starts_also_work():
    f = functions.get("himmelblau")
    for method in ["grid", "halton"]:
        assert len(cr.find_critical_points(f, f.bounds, n_starts=100, method=method)) == 9


def test_finder_works_without_vectorized_batch_loss():
    # FunctionObjective with batched=False: the loop fallback must give the same answer
    f = FunctionObjective(lambda t: (t[0] ** 2 - 1) ** 2 + t[1] ** 2, 2)
    found = cr.find_critical_points(f, [(-2, 2), (-2, 2)], n_starts=16)
    assert [c.kind for c in found] == ["minimum", "minimum", "saddle"]
    np.testing.assert_allclose(sorted(abs(c.point[0]) for c in found), [0, 1, 1], atol=1e-10)


def test_finder_in_higher_dimension_counts_critical_points_of_separable_function():
    # Σ (x_i² − 1)²  in 3-D: 3³ = 27 critical points, index = number of coordinates at 0
    f = FunctionObjective(lambda t: ((t**2 - 1) ** 2).sum(), 3)
    found = cr.find_critical_points(f, [(-1.6, 1.6)] * 3, n_starts=343, method="grid")
    assert len(found) == 27
    for c in found:
        assert c.index == int(np.sum(np.abs(c.point) < 1e-6))


def test_finder_validates_arguments():
    f = functions.get("bowl")
    with pytest.raises(ValueError, match="low < high"):
        cr.find_critical_points(f, [(1, 0), (0, 1)])
    with pytest.raises(ValueError, match="bounds"):
        cr.find_critical_points(f, [(0, 1)])
    with pytest.raises(ValueError, match="method"):
        cr.find_critical_points(f, f.bounds, method="random")


# --- networks --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def autoencoder():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5)) * np.array([3.0, 2.2, 1.6, 1.1, 0.6])
    return LinearAutoencoder(X, 2)


def test_linear_autoencoder_index_counts_inversions(autoencoder):
    """Baldi & Hornik: critical point for each subset; index = #(kept i, dropped j) with λ_j > λ_i."""
    lam = np.sort(np.linalg.eigvalsh(autoencoder.covariance()))[::-1]
    for S in itertools.combinations(range(5), 2):
        c = cr.critical_point_at(autoencoder, autoencoder.critical_point(S))
        assert c.grad_norm < 1e-10
        assert c.value == pytest.approx(sum(lam[j] for j in range(5) if j not in S), rel=1e-10)
        assert c.index == sum(1 for i in S for j in range(5) if j not in S and j < i)
        assert c.classification.n_zero == 4  # the GL(2) symmetry W1 → W1 A, W2 → A⁻¹ W2


def test_minimize_gradient_norm_lands_on_critical_point(autoencoder):
    rng = np.random.default_rng(3)
    start = autoencoder.critical_point((1, 3)) + 1e-3 * rng.standard_normal(autoencoder.dim)
    c = cr.minimize_gradient_norm(autoencoder, start, maxiter=50)
    assert c.grad_norm < 1e-10
    # an index-3 saddle (kept eigenvector 1 outranks 0; 3 outranks 0 and 2), found on purpose:
    # gradient-norm minimization is not repelled by saddles the way descent on L is
    assert c.index == 3


# --- random matrices -------------------------------------------------------------------------
def test_goe_probability_matches_exact_two_by_two():
    est = cr.probability_all_positive(2, trials=40_000, rng=0)
    exact = (2 - np.sqrt(2)) / 4  # known result for the 2 × 2 GOE, far from the coin-flip 1/4
    assert abs(est.probability - exact) < 4 * est.stderr
    assert cr.probability_all_positive(1, trials=20_000, rng=1).probability == pytest.approx(0.5, abs=0.02)


def test_goe_matrices_are_symmetric_with_right_variances():
    A = cr.goe_matrices(4, 20_000, rng=0)
    np.testing.assert_array_equal(A, np.swapaxes(A, 1, 2))
    assert A[:, 0, 0].var() == pytest.approx(1.0, rel=0.05)
    assert A[:, 0, 1].var() == pytest.approx(0.5, rel=0.05)


def test_semicircle_is_a_density_and_index_fraction_limits():
    x = np.linspace(-3, 3, 60001)
    assert np.sum(cr.semicircle_density(x, 2.0)) * (x[1] - x[0]) == pytest.approx(1.0, abs=1e-4)
    assert cr.semicircle_index_fraction(0.0) == pytest.approx(0.5)
    assert cr.semicircle_index_fraction(5.0) == 0.0 and cr.semicircle_index_fraction(-5.0) == 1.0
    # agrees with numerical integration of the shifted semicircle
    shift = 0.7
    frac = np.sum(cr.semicircle_density(x[x < 0] - shift, 2.0)) * (x[1] - x[0])
    assert cr.semicircle_index_fraction(shift) == pytest.approx(frac, abs=1e-4)


def test_semicircle_density_vanishes_far_outside_its_support_without_overflow():
    assert cr.semicircle_density(np.array([1e300, -1e300, 3.0]), radius=2.0).tolist() == [0.0, 0.0, 0.0]
    assert cr.semicircle_density(np.array([0.0]), radius=2.0)[0] == pytest.approx(1 / np.pi)  # 2/(πR)


def test_sobol_starts_for_any_count_are_a_prefix_of_the_balanced_block():
    bounds = np.array([[-1.0, 1.0], [0.0, 2.0]])
    five = cr._starts(bounds, 5, "sobol", np.random.default_rng(3))
    eight = cr._starts(bounds, 8, "sobol", np.random.default_rng(3))
    np.testing.assert_array_equal(five, eight[:5])
    assert np.all((five >= bounds[:, 0]) & (five <= bounds[:, 1]))


# --- SciPy 1.11-1.14 (Sobol seeded by `seed=`) and >= 1.15 (`rng=`) ---------------------------------------------
def test_seed_keyword_is_read_from_the_signature():
    class Old:  # SciPy 1.11-1.14's signature
        def __init__(self, d, *, scramble=True, bits=None, seed=None, optimization=None): ...

    class New:  # SciPy >= 1.15 (`seed` kept for the transition)
        def __init__(self, d, *, scramble=True, bits=None, rng=None, optimization=None, seed=None): ...

    assert cr._seed_keyword(Old) == "seed" and cr._seed_keyword(New) == "rng"
    import scipy
    from scipy.stats import qmc

    major, minor = (int(v) for v in scipy.__version__.split(".")[:2])
    assert cr._seed_keyword(qmc.Sobol) == ("rng" if (major, minor) >= (1, 15) else "seed")


def test_sobol_starts_on_an_old_scipy_are_the_same_points_and_warn_nothing(monkeypatch):
    """With a Sobol that only takes `seed=` (as SciPy < 1.15), the starts are the ones the real engine gives."""
    import warnings

    from scipy.stats import qmc

    real_keyword = cr._seed_keyword(qmc.Sobol)
    received = []

    class OldSobol:
        def __init__(self, d, *, scramble=True, bits=None, seed=None, optimization=None):
            received.append(seed)
            self._engine = qmc.Sobol(d, scramble=scramble, bits=bits, **{real_keyword: seed})

        def random_base2(self, m):
            return self._engine.random_base2(m)

    bounds = np.array([[-1.0, 1.0], [0.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        today = cr._seeded_starts(bounds, 6, "sobol", 11)
        monkeypatch.setattr(cr, "_sobol", lambda: (OldSobol, cr._seed_keyword(OldSobol)))
        old = cr._seeded_starts(bounds, 6, "sobol", 11)
    assert len(received) == 1 and isinstance(received[0], np.random.Generator)
    np.testing.assert_array_equal(old, today)
    # the engine is seeded by a Generator: that is what makes `seed=` and `rng=` read it alike
    expected = qmc.Sobol(2, scramble=True, **{real_keyword: np.random.default_rng(11)}).random_base2(3)[:6]
    np.testing.assert_array_equal(today, bounds[:, 0] + expected * (bounds[:, 1] - bounds[:, 0]))


# --- the automatic number of starts, Newton's give-up rule -------------------------------------------------------
def test_automatic_start_count_follows_its_stopping_rule():
    """It stops at the first doubling 512 → 1024 → ... after which no point was new and none was reached once."""
    f = functions.get("rastrigin")  # 441 critical points: the rule has to keep going past the first blocks
    search = cr.CriticalSearch(f, f.bounds, rng=0)
    n = search.enough_starts()
    counts = [2**m for m in range(9, int(np.log2(n)) + 1)]
    assert counts[-1] == n and n >= 4096
    census = [search._census(k) for k in counts]

    def rule_holds(j):
        (points, hits), (before, _) = census[j], census[j - 1]
        return len(points) == len(before) and np.all(hits >= 2)

    assert rule_holds(len(counts) - 1) and not any(rule_holds(j) for j in range(1, len(counts) - 1))
    assert [p.kind for p in search.find(None)] == [p.kind for p in cr.find_critical_points(f, f.bounds, n)]
    h = functions.get("himmelblau")
    assert cr.CriticalSearch(h, h.bounds).enough_starts(max_starts=700) == 700  # the cap is honoured
    with pytest.raises(ValueError, match="max_starts"):
        cr.find_critical_points(h, h.bounds, max_starts=0)
    with pytest.raises(ValueError, match="n_starts"):
        cr.find_critical_points(h, h.bounds, n_starts=0)


@pytest.mark.parametrize("script, stop", [
    # count: (points' x-coordinates, hits) — a singleton or a new point keeps the search going
    ({512: ([0.0, 1.0], [5, 1]), 1024: ([0.0, 1.0], [9, 1]), 2048: ([0.0, 1.0], [20, 2])}, 2048),
    ({512: ([0.0], [5]), 1024: ([0.0, 1.0], [9, 2]), 2048: ([0.0, 1.0], [20, 4])}, 2048),
    ({512: ([0.0, 1.0], [3, 3]), 1024: ([0.0, 1.0], [6, 5])}, 1024),
])
def test_stopping_rule_needs_no_new_point_and_no_singleton(monkeypatch, script, stop):
    search = cr.CriticalSearch(functions.get("bowl"), [(-1, 2), (-1, 1)])

    def census(n):
        xs, hits = script[n]
        return [cr.critical_point_at(search.objective, [x, 0.0]) for x in xs], np.array(hits)

    monkeypatch.setattr(search, "_census", census)
    assert search.enough_starts() == stop


def test_newton_gives_up_rows_thrown_far_out_of_the_box():
    """f = sqrt(1 + x²) + y²: Newton's x-update is x → −x³, so it converges from |x| < 1 and is thrown out from 1.5."""
    import autograd.numpy as anp

    f = FunctionObjective(lambda t: anp.sqrt(1 + t[0] ** 2) + t[1] ** 2, 2)
    bounds = np.array([[-2.0, 2.0], [-2.0, 2.0]])
    derivatives = cr._batched_derivatives(f, np.array([[0.3, 0.1], [-0.2, 0.5]]))
    X, g = cr._newton_all(derivatives, np.array([[0.5, 1.0], [1.5, 1.0]]), 50, bounds)
    np.testing.assert_allclose(X[0], 0.0, atol=1e-12)
    assert np.all(np.isnan(X[1])) and g[1] == np.inf  # −3.4, then 38: more than a box width outside
    X, _ = cr._newton_all(derivatives, np.array([[1.5, 1.0]]), 3)  # without bounds it is followed (and diverges)
    assert np.all(np.isfinite(X)) and abs(X[0, 0]) > 1e4
    assert [c.kind for c in cr.find_critical_points(f, bounds, n_starts=32)] == ["minimum"]


def test_pinv_steps_match_numpy_pinv():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((40, 3, 3))
    H = A + np.swapaxes(A, 1, 2)
    H[:10, :, 0] = H[:10, 0, :] = 0.0  # singular: the pseudo-inverse drops the null direction
    G = rng.standard_normal((40, 3))
    expected = -(np.linalg.pinv(H, rcond=1e-13) @ G[:, :, None])[:, :, 0]
    np.testing.assert_allclose(cr._pinv_steps(H, G), expected, rtol=1e-10, atol=1e-12)


# --- a small nonlinear network: closed-form derivatives and damped Newton -------------------------------------


def _tanh_net(seed=0, h=3, l2=0.05):
    from course_utils import data
    from course_utils.models import MLP

    X, y = data.two_moons(12, noise=0.2, rng=seed)
    return X, y.astype(float), MLP(X, y.astype(float), hidden=(h,), activation="tanh", loss="mse", weight_decay=l2)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_tanh_network_derivatives_match_autograd_and_the_bias_penalty(l2):
    X, y, mlp = _tanh_net(h=3, l2=l2)
    derivs = cr.tanh_network_derivatives(X, y, 3, l2=l2)
    rng = np.random.default_rng(1)
    T = rng.normal(size=(4, mlp.dim)) * 1.5
    loss, G, H = derivs(T)
    bias = np.zeros(mlp.dim)  # MLP's weight decay leaves the biases out; this function penalizes them too
    for _, b in mlp.unflatten(np.arange(mlp.dim, dtype=float)):
        bias[b.astype(int)] = 1.0
    for k, theta in enumerate(T):
        assert loss[k] == pytest.approx(mlp.loss(theta) + 0.5 * l2 * np.sum(bias * theta**2), rel=1e-12)
        assert np.allclose(G[k], mlp.grad(theta) + l2 * bias * theta, atol=1e-12)
        assert np.allclose(H[k], mlp.hessian(theta) + l2 * np.diag(bias), atol=1e-10)


def test_tanh_network_hessian_matches_finite_differences_of_its_gradient():
    X, y, mlp = _tanh_net(h=2, l2=0.01)
    derivs = cr.tanh_network_derivatives(X, y, 2, l2=0.01)
    theta = np.random.default_rng(3).normal(size=mlp.dim)
    eps = 1e-6
    E = np.eye(mlp.dim) * eps
    fd = (derivs(theta + E)[1] - derivs(theta - E)[1]) / (2 * eps)  # row i: d grad / d theta_i
    assert np.allclose(derivs(theta[None])[2][0], fd, atol=1e-7)


def test_tanh_network_derivatives_validate_their_input():
    X, y, _ = _tanh_net()
    with pytest.raises(ValueError, match="hidden"):
        cr.tanh_network_derivatives(X, y, 0)
    with pytest.raises(ValueError, match="l2"):
        cr.tanh_network_derivatives(X, y, 2, l2=-1.0)
    with pytest.raises(ValueError, match="T"):
        cr.tanh_network_derivatives(X, y, 2)(np.zeros((2, 3)))


def test_newton_search_finds_himmelblau_points_of_every_kind():
    f = functions.get("himmelblau")

    def derivs(T):
        return f.loss_batch(T), np.array([f.grad(t) for t in T]), np.array([f.hessian(t) for t in T])

    starts = np.array([[3.2, 1.8], [-0.3, -0.9], [0.1, 2.8], [-3.0, 3.0]])
    found = cr.newton_search(derivs, starts, steps=40, max_step=0.5)
    assert np.all(found.converged) and np.all(found.grad_norms < 1e-9)
    kinds = {cr.classify_hessian(H).kind for H in found.hessians}
    assert kinds == {"minimum", "maximum", "saddle"}
    assert np.allclose(found.points[0], [3.0, 2.0], atol=1e-9)  # a known minimum, f = 0
    with pytest.raises(ValueError, match="max_step"):
        cr.newton_search(derivs, starts, max_step=0.0)
