"""The critical-point finder and the Hessian test do not depend on the loss's units or on the seed.

Multiplying a loss by c > 0 moves no critical point and changes no kind, so neither may the finder's answer.
The oracles are independent of the code under test: each landscape's list of known critical points (computed in
``course_utils.functions`` by closed forms, Bézout-complete root lists or 1-D bracketing), central finite
differences of the loss for gradients and Hessians (no autograd), numpy's ``eigvalsh`` for their spectra, and —
for the multimodal landscape, whose list is only its origin — a census by MINPACK's ``hybr`` root finder from a
regular grid with hand-written derivatives.
"""

import numpy as np
import pytest

from course_utils import critical as cr
from course_utils import functions

SCALES = [1e-8, 1e-4, 1.0, 1e4, 1e8]
#: Landscapes whose list of known critical points is complete inside their bounds (multimodal lists its origin only).
COMPLETE = [k for k in functions.LANDSCAPES if k != "multimodal"]


class Scaled(functions.Landscape):
    """``c · f`` for a named landscape: the same bounds and critical points, every kind unchanged."""

    def __init__(self, base: functions.Landscape, c: float):
        self.base, self.c = base, float(c)
        self.key, self.name, self.bounds = base.key, f"{c:g} · {base.name}", base.bounds

    def _f(self, x, y):
        return self.c * self.base._f(x, y)

    def _critical_points(self):
        return [(tuple(p.point), p.kind) for p in self.base.critical_points]


def scaled_box(bounds, factor: float) -> np.ndarray:
    """``bounds`` scaled by ``factor`` about its centre."""
    b = np.asarray(bounds, dtype=float)
    centre = b.mean(axis=1, keepdims=True)
    return centre + factor * (b - centre)


# --- independent oracles: finite differences of the loss, numpy's eigvalsh -------------------------------------
def fd_gradient(f, X, h):
    """Central differences of ``f.loss_batch``, shape (k, 2)."""
    E = h * np.eye(2)
    return np.stack([(f.loss_batch(X + e) - f.loss_batch(X - e)) / (2 * h) for e in E], axis=-1)


def fd_hessian(f, X, h):
    """Second differences of ``f.loss_batch``, shape (k, 2, 2)."""
    E = h * np.eye(2)
    f0 = f.loss_batch(X)
    H = np.empty((len(X), 2, 2))
    for i in range(2):
        H[:, i, i] = (f.loss_batch(X + E[i]) - 2 * f0 + f.loss_batch(X - E[i])) / h**2
    H[:, 0, 1] = H[:, 1, 0] = (f.loss_batch(X + E[0] + E[1]) - f.loss_batch(X + E[0] - E[1])
                               - f.loss_batch(X - E[0] + E[1]) + f.loss_batch(X - E[0] - E[1])) / (4 * h**2)
    return H


def fd_scales(f, box):
    """RMS of the FD gradient norm and of the FD Hessian's spectral norm on a 16 × 16 grid of ``box``."""
    axes = [np.linspace(lo, hi, 16) for lo, hi in box]
    G = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    diag = np.linalg.norm(box[:, 1] - box[:, 0])
    g = np.linalg.norm(fd_gradient(f, G, 1e-6 * diag), axis=1)
    s = np.abs(np.linalg.eigvalsh(fd_hessian(f, G, 1e-5 * diag))).max(axis=1)
    return np.sqrt(np.mean(g**2)), np.sqrt(np.mean(s**2))


def assert_truly_critical(f, box, found):
    """Every point found has a vanishing FD gradient, and numpy's spectrum of its FD Hessian shows its kind."""
    if not found:
        return
    X = np.array([p.point for p in found])
    diag = np.linalg.norm(box[:, 1] - box[:, 0])
    g_scale, s_scale = fd_scales(f, box)
    rel = np.linalg.norm(fd_gradient(f, X, 1e-6 * diag), axis=1) / g_scale
    assert rel.max() < 1e-6, f"{f.name}: a point found is not critical (relative FD gradient {rel.max():.2g})"
    # FD Hessians with h = 1e-5 · diagonal are good to ~1e-7 of the box's curvature (truncation h²f''''/12 and
    # rounding ε|f|/h² both far below): a margin of 1e-5 makes every sign below certain
    lam = np.linalg.eigvalsh(fd_hessian(f, X, 1e-5 * diag)) / s_scale  # ascending, relative to the box's curvature
    for p, ev in zip(found, lam):
        if p.kind == "degenerate":  # every named landscape's degenerate point has H = 0
            assert np.abs(ev).max() < 1e-5, (f.name, p, ev)
            continue
        assert np.abs(ev).min() > 1e-5, (f.name, p, ev)
        assert p.index == int(np.sum(ev < 0)), (f.name, p, ev)
        assert p.kind == {0: "minimum", 2: "maximum"}.get(int(np.sum(ev < 0)), "saddle"), (f.name, p, ev)


def assert_known_points_found(L, found, complete: bool):
    """Each known critical point is found exactly once, with its known kind; nothing else when the list is complete."""
    atol = 1e-6 * np.linalg.norm(np.ptp(np.asarray(L.bounds, dtype=float), axis=1))
    P = np.array([p.point for p in found]).reshape(-1, 2)
    for known in L.critical_points:
        hits = np.flatnonzero(np.linalg.norm(P - known.point, axis=1) < atol)
        assert len(hits) == 1, f"{L.name}: {known} found {len(hits)} times"
        assert found[hits[0]].kind == known.kind, f"{L.name}: {known} classified {found[hits[0]].kind}"
    if complete:
        assert len(found) == len(L.critical_points), f"{L.name}: {len(found)} found, {len(L.critical_points)} exist"


# --- the multimodal landscape: an independent census ------------------------------------------------------------
def multimodal_grad(t):
    r""":math:`\nabla f` of :math:`f = r^2 s`, :math:`s = 1 + \tfrac12\sin 5x\sin 5y`, written out by hand."""
    x, y = t
    (cx, cy), (sx, sy) = np.cos(5 * t), np.sin(5 * t)
    r2, s = x * x + y * y, 1 + 0.5 * sx * sy
    return np.array([2 * x * s + 2.5 * r2 * cx * sy, 2 * y * s + 2.5 * r2 * sx * cy])


def multimodal_hessian(t):
    """Its Hessian: f_xx = 2s + 4x s_x + r² s_xx, f_xy = 2x s_y + 2y s_x + r² s_xy, f_yy likewise."""
    x, y = t
    (cx, cy), (sx, sy) = np.cos(5 * t), np.sin(5 * t)
    r2, s = x * x + y * y, 1 + 0.5 * sx * sy
    hxx = 2 * s + 10 * x * cx * sy - 12.5 * r2 * sx * sy
    hyy = 2 * s + 10 * y * sx * cy - 12.5 * r2 * sx * sy
    hxy = 5 * x * sx * cy + 5 * y * cx * sy + 12.5 * r2 * cx * cy
    return np.array([[hxx, hxy], [hxy, hyy]])


def multimodal_census(box) -> np.ndarray:
    """Critical points of the multimodal landscape in ``box``: MINPACK ``hybr`` from a 61 × 61 grid of starts
    with the hand-written derivatives (neither autograd nor Newton's pseudo-inverse), merged within 1e-6."""
    from scipy.optimize import root

    axes = [np.linspace(lo, hi, 61) for lo, hi in box]
    points: list[np.ndarray] = []
    for x0 in np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2):
        sol = root(multimodal_grad, x0, jac=multimodal_hessian, method="hybr", options={"xtol": 1e-14})
        x = sol.x
        if sol.success and np.all((x >= box[:, 0]) & (x <= box[:, 1])) and np.linalg.norm(multimodal_grad(x)) < 1e-9:
            if not any(np.linalg.norm(x - q) < 1e-6 for q in points):
                points.append(x)
    return np.array(points)


@pytest.fixture(scope="module")
def multimodal_reference():
    L = functions.get("multimodal")
    return multimodal_census(np.asarray(L.bounds, dtype=float))


def test_hand_written_multimodal_derivatives_match_finite_differences():
    """The census's derivatives are right (else it would be no oracle): checked against FD of the loss."""
    L = functions.get("multimodal")
    X = np.random.default_rng(0).uniform(-1.5, 1.5, (20, 2))
    np.testing.assert_allclose(fd_gradient(L, X, 1e-6), [multimodal_grad(x) for x in X], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fd_hessian(L, X, 1e-4), [multimodal_hessian(x) for x in X], rtol=1e-5, atol=1e-5)


# --- 1. rescaling the loss ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("name", list(functions.LANDSCAPES))
def test_rescaling_the_loss_leaves_the_points_found_and_their_kinds_unchanged(name, c, multimodal_reference):
    L = functions.get(name)
    f = Scaled(L, c)
    box = np.asarray(L.bounds, dtype=float)
    found = cr.find_critical_points(f, box, rng=0)
    assert_known_points_found(f, found, complete=name in COMPLETE)
    if name == "multimodal":  # the full census, found by another method
        P = np.array([p.point for p in found])
        assert len(found) == len(multimodal_reference)
        assert np.max(np.min(np.linalg.norm(P[:, None] - multimodal_reference[None], axis=2), axis=1)) < 1e-6
    assert_truly_critical(f, box, found)
    values = np.array([p.value for p in found])
    assert np.all(np.diff(values) >= -1e-9 * np.abs(values).max())  # sorted by loss, at any scale


@pytest.mark.parametrize("c", [1e-8, 1e8])
def test_scales_of_the_search_are_proportional_to_the_loss(c):
    L = functions.get("six_hump_camel")
    one, scaled = cr.CriticalSearch(L, L.bounds), cr.CriticalSearch(Scaled(L, c), L.bounds)
    assert scaled.grad_scale == pytest.approx(c * one.grad_scale, rel=1e-12)
    assert scaled.hessian_scale == pytest.approx(c * one.hessian_scale, rel=1e-12)
    # and they are what the docstring says: RMS of |grad| and of ||H||_2 over 64 probe points spread over the box
    box = np.asarray(L.bounds, dtype=float)
    probes = one._probes()
    assert probes.shape == (64, 2) and len(np.unique(probes, axis=0)) == 64
    assert np.all((probes >= box[:, 0]) & (probes <= box[:, 1]))
    assert np.ptp(probes, axis=0) == pytest.approx(np.ptp(box, axis=1), rel=0.1)  # they fill the box
    diag = np.linalg.norm(np.ptp(box, axis=1))
    g_fd = np.sqrt(np.mean(np.sum(fd_gradient(L, probes, 1e-6 * diag) ** 2, axis=1)))
    s_fd = np.sqrt(np.mean(np.abs(np.linalg.eigvalsh(fd_hessian(L, probes, 1e-5 * diag))).max(axis=1) ** 2))
    assert one.grad_scale == pytest.approx(g_fd, rel=1e-6) and one.hessian_scale == pytest.approx(s_fd, rel=1e-5)


@pytest.mark.parametrize("c", SCALES)
def test_monkey_saddle_stays_degenerate_at_every_scale(c):
    """H = 0 exactly at the origin: a zero Hessian has no scale of its own, and must never read as a minimum."""
    f = Scaled(functions.get("monkey_saddle"), c)
    (point,) = cr.find_critical_points(f, f.bounds, rng=0)
    assert point.kind == "degenerate" and point.classification.n_zero == 2
    assert np.linalg.norm(point.point) < 1e-6
    assert cr.critical_point_at(f, np.zeros(2)).kind == "degenerate"  # exactly zero, no problem scale given


# --- 2. the default search on boxes up to twice the default, for 20 seeds --------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("factor", [1.0, 2.0])
@pytest.mark.parametrize("name", list(functions.LANDSCAPES))
def test_default_search_finds_every_known_point_for_20_of_20_seeds(name, factor):
    L = functions.get(name)
    box = scaled_box(L.bounds, factor)
    diag = np.linalg.norm(box[:, 1] - box[:, 0])
    g_scale, _ = fd_scales(L, box)
    for seed in range(20):
        found = cr.find_critical_points(L, box, rng=seed)
        assert_known_points_found(L, found, complete=factor == 1.0 and name in COMPLETE)
        X = np.array([p.point for p in found])
        assert np.all((X >= box[:, 0] - 1e-9 * diag) & (X <= box[:, 1] + 1e-9 * diag))
        rel = np.linalg.norm(fd_gradient(L, X, 1e-6 * diag), axis=1) / g_scale
        assert rel.max() < 1e-6, (name, factor, seed)  # every point found is critical (FD oracle)
