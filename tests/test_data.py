"""Tests for course_utils.data: determinism, shapes, labels, geometry, splitting and scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import data as D

CLASSIFIERS = [D.two_moons, D.circles, D.spirals, D.blobs]
GENERATORS = CLASSIFIERS + [D.regression_1d]
FAST = settings(max_examples=25, deadline=None)


@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: g.__name__)
def test_deterministic_per_seed_and_generator(gen):
    X1, y1 = gen(60, noise=0.1, rng=7)
    X2, y2 = gen(60, noise=0.1, rng=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, y3 = gen(60, noise=0.1, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(X1, X3)
    np.testing.assert_array_equal(y1, y3)
    X4, _ = gen(60, noise=0.1, rng=8)
    assert not np.allclose(X1, X4)
    # a shared generator advances: two calls in a row differ
    rng = np.random.default_rng(0)
    assert not np.allclose(gen(60, noise=0.1, rng=rng)[0], gen(60, noise=0.1, rng=rng)[0])


@pytest.mark.parametrize("gen", CLASSIFIERS, ids=lambda g: g.__name__)
@FAST
@given(n=st.integers(3, 80), seed=st.integers(0, 10_000))
def test_classification_shapes_and_balanced_labels(gen, n, seed):
    X, y = gen(n, noise=0.2, rng=seed)
    assert X.shape == (n, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (n,) and y.dtype == np.int64
    k = 3 if gen is D.blobs else 2
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1 and counts.sum() == n
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("gen", CLASSIFIERS, ids=lambda g: g.__name__)
def test_examples_are_shuffled(gen):
    _, y = gen(200, noise=0.1, rng=0)
    # sorted labels would put all of class 0 first; a shuffle mixes the first quarter
    assert 0 < y[:50].sum() < 50 * y.max()


def test_noise_free_geometry():
    X, y = D.two_moons(101, noise=0.0, rng=0)
    upper = X[y == 0]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    lower = X[y == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)

    X, y = D.circles(100, noise=0.0, rng=0, factor=0.3)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-12)

    X, y = D.spirals(100, noise=0.0, rng=0)
    # the two arms are point reflections of each other: same radii, opposite points
    r0, r1 = np.sort(np.hypot(*X[y == 0].T)), np.sort(np.hypot(*X[y == 1].T))
    np.testing.assert_allclose(r0, r1, atol=1e-12)
    assert r0.min() == pytest.approx(0.05) and r0.max() == pytest.approx(1.0)
    arm0 = {tuple(np.round(p, 9)) for p in X[y == 0]}
    assert all(tuple(np.round(-p, 9) + 0.0) in arm0 for p in X[y == 1])


def test_blobs_centers_and_spread():
    X, y = D.blobs(3000, noise=0.5, rng=0, n_classes=4, separation=5.0)
    for k in range(4):
        center = 5.0 * np.array([np.cos(k * np.pi / 2), np.sin(k * np.pi / 2)])
        np.testing.assert_allclose(X[y == k].mean(axis=0), center, atol=0.06)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    X, y = D.blobs(10, noise=0.0, rng=0, centers=centers)
    assert X.shape == (10, 3)
    np.testing.assert_array_equal(X, centers[y])


def test_regression_1d():
    for kind, (lo, hi) in {"sin": (-np.pi, np.pi), "poly": (-1.5, 1.5)}.items():
        X, y = D.regression_1d(500, noise=0.0, rng=3, kind=kind)
        assert X.shape == (500, 1) and y.shape == (500,) and y.dtype == np.float64
        assert X.min() >= lo and X.max() <= hi
        np.testing.assert_allclose(y, D.regression_curve(X[:, 0], kind), atol=0)
    X, y = D.regression_1d(4000, noise=0.3, rng=3)
    np.testing.assert_allclose(y, np.sin(X[:, 0]), atol=2.0)
    resid = y - np.sin(X[:, 0])
    assert resid.std() == pytest.approx(0.3, rel=0.05)
    np.testing.assert_allclose(D.regression_curve(np.array([0.5]), "poly"), [0.125 - 0.5])


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: D.two_moons(1), ValueError, "`n`.*1"),
        (lambda: D.two_moons(10.5), TypeError, "`n`"),
        (lambda: D.circles(10, noise=-1), ValueError, "`noise`.*-1"),
        (lambda: D.circles(10, factor=1.5), ValueError, "`factor`.*1.5"),
        (lambda: D.spirals(10, turns=0), ValueError, "`turns`"),
        (lambda: D.spirals(10, rng=None), TypeError, "`rng`"),
        (lambda: D.blobs(2, n_classes=3), ValueError, "`n`.*2"),
        (lambda: D.blobs(10, centers=[1.0, 2.0]), ValueError, "`centers`"),
        (lambda: D.regression_1d(10, kind="cos"), ValueError, "`kind`.*'cos'"),
        (lambda: D.regression_1d(10, rng=-1), ValueError, "`rng`"),
    ],
)
def test_generators_validate(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@FAST
@given(n=st.integers(2, 200), frac=st.floats(0.01, 0.99), seed=st.integers(0, 1000))
def test_split_sizes_disjoint_and_covering(n, frac, seed):
    X = np.c_[np.arange(n, dtype=float), -np.arange(n, dtype=float)]
    y = np.arange(n) * 10
    if np.ceil(frac * n) >= n:
        with pytest.raises(ValueError, match="test_frac"):
            D.train_test_split(X, y, test_frac=frac, rng=seed)
        return
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_frac=frac, rng=seed)
    assert len(Xte) == len(yte) == int(np.ceil(frac * n))
    assert len(Xtr) + len(Xte) == n
    ids_tr, ids_te = Xtr[:, 0].astype(int), Xte[:, 0].astype(int)
    assert set(ids_tr).isdisjoint(ids_te)
    assert sorted(np.r_[ids_tr, ids_te].tolist()) == list(range(n))
    # rows stay paired with their labels, and labels keep their dtype
    np.testing.assert_array_equal(ytr, ids_tr * 10)
    np.testing.assert_array_equal(Xte[:, 1], -Xte[:, 0])
    assert ytr.dtype == y.dtype


def test_split_reproducible_and_validated():
    X, y = D.two_moons(50, rng=0)
    a = D.train_test_split(X, y, test_frac=0.2, rng=4)
    b = D.train_test_split(X, y, test_frac=0.2, rng=4)
    c = D.train_test_split(X, y, test_frac=0.2, rng=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    with pytest.raises(ValueError, match="same number of examples.*50 and 49"):
        D.train_test_split(X, y[:-1])
    with pytest.raises(ValueError, match="`test_frac`.*1"):
        D.train_test_split(X, y, test_frac=1.0)


def test_standardize_roundtrip_and_test_transform():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[3.0, -2.0, 7.0], scale=[0.5, 4.0, 1.0], size=(200, 3))
    X[:, 2] = 7.0  # a constant column is centered, not divided by zero
    Z, mean, std = D.standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(Z[:, 2], 0.0)
    assert std[2] == 1.0
    np.testing.assert_allclose(Z * std + mean, X, atol=1e-12)
    X_test = rng.normal(size=(5, 3))
    Zt, m2, s2 = D.standardize(X_test, mean, std)
    np.testing.assert_allclose(Zt, (X_test - mean) / std)
    np.testing.assert_array_equal(m2, mean)
    with pytest.raises(ValueError, match="both `mean` and `std`"):
        D.standardize(X_test, mean=mean)
    with pytest.raises(ValueError, match="`std` must be positive"):
        D.standardize(X_test, mean, np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"`mean` must have shape \(3,\)"):
        D.standardize(X_test, mean[:2], std)
    with pytest.raises(ValueError, match="`X` must have 2 dimension"):
        D.standardize(np.ones(4))
