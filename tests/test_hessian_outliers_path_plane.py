"""Chapter 8 §1 and §6: the digits spectrum and the path plane, against independent references.

Oracles: the dense Hessian (``model.hessian``, assembled independently of Lanczos/SLQ) and ``numpy.linalg.eigvalsh``
for the spectrum; a loop of ``model.loss`` and a covariance eigendecomposition (not an SVD) for the path plane.
"""

import numpy as np
import pytest

from course_utils import curvature
from course_utils.hessian_outliers import digits_spectrum, spectrum_summary
from course_utils.optimizers import gd, run
from course_utils.path_plane import digits_path_plane
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task

SMALL = dict(hidden=(4,), n_train=100)  # P = 310: the dense Hessian is cheap


@pytest.fixture(scope="module")
def small_spectrum():
    spec = digits_spectrum(**SMALL, steps=100, k=12, slq_steps=60, slq_starts=40)
    model = digits_task(hidden=(4,), n_train=100).model
    theta = run(model, gd(), model.init(default_rng(0)), steps=100, lr=0.5).final_theta
    return spec, np.linalg.eigvalsh(model.hessian(theta))[::-1]


def test_top_eigenvalues_match_the_dense_hessian(small_spectrum):
    spec, exact = small_spectrum
    assert spec.dim == exact.size == 310
    np.testing.assert_allclose(spec.top, exact[:12], rtol=1e-5, atol=1e-8)


def test_summary_matches_the_dense_spectrum(small_spectrum):
    spec, exact = small_spectrum
    s = spec.summary
    np.testing.assert_allclose(s.ratios, exact[:11] / exact[1:12], rtol=1e-4)
    assert s.edge_ratio == pytest.approx(exact[9] / exact[10], rel=1e-4)
    assert s.largest_gap_at == int(np.argmax(exact[:11] / exact[1:12])) + 1
    # SLQ estimates: within a few standard errors of the truth (40 starts)
    bulk = np.mean(np.abs(exact) <= 0.01 * exact[0])
    assert abs(s.bulk_fraction - bulk) < 0.08
    assert s.top_share == pytest.approx(exact[:10].sum() / exact.sum(), rel=0.15)


def test_spectrum_summary_on_a_known_spectrum():
    # a diagonal "Hessian": 10 outliers at 1, 2, ..., 10 (×10) over a bulk of 490 zeros; exact quadrature (P steps)
    lam = np.concatenate([10.0 * np.arange(10, 0, -1), np.full(5, 0.5), np.zeros(485)])
    density = curvature.slq_density(lambda v: lam * v, lam.size, rng=0, steps=lam.size, n_starts=200)
    s = spectrum_summary(lam[:15], density, lam.size)
    assert s.edge_ratio == pytest.approx(10.0 / 0.5)
    assert s.largest_gap_at == 10
    assert s.top_share == pytest.approx(550 / 552.5, rel=0.1)
    assert s.bulk_fraction == pytest.approx(485 / 500, abs=0.05)


def test_spectrum_summary_validates():
    density = curvature.slq_density(lambda v: v, 30, rng=0, steps=5, n_starts=1)
    with pytest.raises(ValueError, match="descending"):
        spectrum_summary(np.arange(1.0, 13.0), density, 30)
    with pytest.raises(ValueError, match="n_top"):
        spectrum_summary(np.arange(12.0, 0, -1), density, 30, n_top=12)
    with pytest.raises(ValueError, match="steps"):
        digits_spectrum(steps=-1)


def test_digits_spectrum_is_cached():
    a = digits_spectrum(**SMALL, steps=10, k=11, slq_steps=5, slq_starts=1)
    assert digits_spectrum(**SMALL, steps=10, k=11, slq_steps=5, slq_starts=1) is a


@pytest.fixture(scope="module")
def small_plane():
    plane = digits_path_plane("gd", 0.5, steps=40, hidden=(4,), n_train=100, record_every=4, resolution=5)
    model = digits_task(hidden=(4,), n_train=100).model
    thetas = run(model, gd(), model.init(default_rng(0)), steps=40, lr=0.5, record_every=4).thetas
    return plane, model, thetas


def test_path_plane_directions_and_explained_variance(small_plane):
    plane, model, thetas = small_plane
    M = thetas - thetas[-1]
    # independent PCA: eigendecomposition of the P×P second-moment matrix MᵀM, not an SVD of M
    w, V = np.linalg.eigh(M.T @ M)
    w, V = w[::-1], V[:, ::-1]
    np.testing.assert_allclose(plane.explained, w[:2] / w.sum(), rtol=1e-6)
    np.testing.assert_allclose(np.abs(plane.coords), np.abs(M @ V[:, :2]), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(plane.path_losses, [model.loss(t) for t in thetas], rtol=1e-10)


def test_path_plane_losses_match_a_loop(small_plane):
    plane, model, thetas = small_plane
    M = thetas - thetas[-1]
    _, _, Vt = np.linalg.svd(M, full_matrices=False)
    d = np.where((M[0] @ Vt[:2].T * plane.coords[0] < 0)[:, None], -Vt[:2], Vt[:2])
    loop = np.array([[model.loss(thetas[-1] + a * d[0] + b * d[1]) for b in plane.betas] for a in plane.alphas])
    np.testing.assert_allclose(plane.losses, loop, rtol=1e-9)
    # the grid covers the projected path
    assert plane.alphas[0] < plane.coords[:, 0].min() and plane.alphas[-1] > plane.coords[:, 0].max()
    assert plane.betas[0] < plane.coords[:, 1].min() and plane.betas[-1] > plane.coords[:, 1].max()


def test_path_plane_validates():
    with pytest.raises(ValueError, match="optimizer"):
        digits_path_plane("sgd")
    with pytest.raises(ValueError, match="record_every"):
        digits_path_plane(steps=10, record_every=6)


def test_class_mean_overlap_against_finite_differences_and_projectors():
    from course_utils.hessian_outliers import class_mean_overlap

    model = digits_task(hidden=(2,), n_train=30).model  # P = 160
    theta = model.init(default_rng(3))
    labels = model.y.astype(int)
    # oracle: class-mean gradients by central differences of each class's loss, the projector G⁺G (no QR)
    h = 1e-6
    eye = np.eye(model.dim)
    G = np.array([[(model.subset(np.flatnonzero(labels == c)).loss(theta + h * e)
                    - model.subset(np.flatnonzero(labels == c)).loss(theta - h * e)) / (2 * h) for e in eye]
                  for c in range(10)])
    projector = np.linalg.pinv(G) @ G
    V = np.linalg.qr(default_rng(4).standard_normal((model.dim, 3)))[0]
    expected = np.trace(V.T @ projector @ V) / 3
    assert class_mean_overlap(model, theta, V) == pytest.approx(expected, rel=1e-5)
    # a vector inside the span is held completely; one orthogonal to it not at all
    inside = G[0] / np.linalg.norm(G[0])
    assert class_mean_overlap(model, theta, inside[:, None]) == pytest.approx(1.0, abs=1e-9)
    outside = V[:, 0] - projector @ V[:, 0]
    assert class_mean_overlap(model, theta, (outside / np.linalg.norm(outside))[:, None]) == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError, match="orthonormal"):
        class_mean_overlap(model, theta, 2 * V)


def test_outliers_by_classes_against_the_dense_hessian():
    # the same networks rebuilt by hand, their Hessians dense (P = 64·2 + 2 + 2·C + C), the eigenvalues by eigvalsh
    from course_utils.data import digits
    from course_utils.hessian_outliers import outliers_by_classes
    from course_utils.models import MLP

    result = outliers_by_classes((3, 4), hidden=(2,), steps=20, lr=0.1, k=6)
    for c, top, at, below in zip(result.classes, result.tops, result.gap_at, result.ratio_below_c):
        X, _, y, _ = digits(n_classes=c, standardize=False)
        model = MLP(X, y, hidden=(2,), activation="tanh", loss="cross_entropy", n_outputs=c)
        theta = run(model, gd(), model.init(default_rng(0)), steps=20, lr=0.1).final_theta
        dense = np.sort(np.linalg.eigvalsh(model.hessian(theta)))[::-1][:6]
        np.testing.assert_allclose(top, dense, rtol=1e-6, atol=1e-10)
        ratios = dense[:-2] / dense[1:-1]
        assert at == int(np.argmax(ratios)) + 1
        assert below == pytest.approx(dense[c - 2] / dense[c - 1], rel=1e-6)


def test_outliers_by_classes_validates():
    from course_utils.hessian_outliers import outliers_by_classes

    with pytest.raises(ValueError, match="classes"):
        outliers_by_classes((1, 3))
    with pytest.raises(ValueError, match="k"):
        outliers_by_classes((10,), k=11)
    with pytest.raises(TypeError, match="classes"):
        outliers_by_classes("10")
