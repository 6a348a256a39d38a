"""The two data sets of chapter 4's section on adaptive methods, checked against independent oracles.

``unique_feature_classification`` (Wilson et al. 2017, section 3.3): gradient descent from zero converges to the
minimum-norm least-squares fit, oracle ``numpy.linalg.pinv``; Adagrad from zero ends with equal weights on the three
shared features (Wilson et al.'s sign(Xᵀy) solution, checked by brute force on its predictions: every test point
labelled +1, so its test error is exactly the share of negative test labels). ``sparse_features``: shapes,
frequencies and the linear model, oracle ``numpy.linalg.lstsq``.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import data, optimizers
from course_utils.models import LinearRegression


def test_unique_feature_classification_has_the_documented_structure():
    Xtr, ytr, Xte, yte = data.unique_feature_classification(12, 40, 0.75, rng=3)
    assert Xtr.shape == (12, 3 + 5 * 52) and Xte.shape == (40, 3 + 5 * 52)
    assert (ytr > 0).sum() == 9 and set(np.unique(np.concatenate([ytr, yte]))) <= {-1.0, 1.0}
    X = np.vstack([Xtr, Xte])
    y = np.concatenate([ytr, yte])
    assert np.array_equal(X[:, 0], y) and np.all(X[:, 1:3] == 1)
    own = X[:, 3:]
    assert np.array_equal(own.sum(axis=1), np.where(y > 0, 1, 5))     # one / five unique features
    assert np.all(own.sum(axis=0) <= 1)                               # no other example shares them
    assert np.linalg.matrix_rank(Xtr) == 12                           # every training set is fitted exactly


def test_gd_finds_the_pinv_solution_and_adagrad_the_sign_solution():
    Xtr, ytr, Xte, yte = data.unique_feature_classification(20, 300, 0.6, rng=1)
    model = LinearRegression(Xtr, ytr, fit_intercept=False)
    lam = np.linalg.eigvalsh(2 / ytr.size * Xtr.T @ Xtr)[-1]
    gd, ada = optimizers.run_many(model, [optimizers.gd(), optimizers.adagrad()], np.zeros(model.dim), steps=600,
                                  lrs=[1 / lam, 0.1])
    w_min_norm = np.linalg.pinv(Xtr) @ ytr
    assert np.allclose(gd.final_theta, w_min_norm, atol=1e-6)
    assert np.mean(np.sign(Xte @ gd.final_theta) == yte) == 1.0       # the min-norm fit labels every new point right
    w = ada.final_theta
    assert ada.final_loss < 1e-8 and np.allclose(w[:3], w[0], rtol=1e-6)
    assert np.all(Xte @ w > 0)                                        # ... Adagrad labels every new point +1
    assert np.mean(np.sign(Xte @ w) != yte) == np.mean(yte < 0)


def test_unique_feature_classification_validates():
    with pytest.raises(ValueError, match="positive_frac"):
        data.unique_feature_classification(4, 5, 0.55)   # 2 of 4 positives: not more than half
    with pytest.raises(ValueError, match="positive_frac"):
        data.unique_feature_classification(10, 5, 0.5)


def test_sparse_features_shapes_frequencies_and_linear_model():
    X, y = data.sparse_features(2000, 3, 4, 0.05, noise=0.0, rng=2)
    assert X.shape == (2000, 7) and y.shape == (2000,)
    rare = X[:, 3:]
    assert set(np.unique(rare)) == {0.0, 1.0}
    assert np.all(np.abs(rare.mean(axis=0) - 0.05) < 0.02)
    assert np.all(np.abs(X[:, :3].std(axis=0) - 1) < 0.1)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.allclose(X @ w, y, atol=1e-10)                          # noise 0: exactly linear
    Xs, _ = data.sparse_features(50, 2, 30, 0.001, rng=0)
    assert np.all(Xs[:, 2:].sum(axis=0) >= 1)                         # every rare feature appears at least once
    X2, y2 = data.sparse_features(2000, 3, 4, 0.05, noise=0.0, rng=2)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
