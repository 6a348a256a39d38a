"""A ReLU network under a function-preserving rescaling (course_utils.rescaling), against independent oracles:
the predictions of the rescaled weights computed by hand, and dense eigvalsh of the Hessian at θ_α."""

import numpy as np
import pytest

from course_utils import data, models
from course_utils.rescaling import RescaledCurvature, rescaled_slices

ALPHAS = (0.1, 0.5, 1.0, 3.0, 10.0)


@pytest.fixture(scope="module")
def net():
    X, y = data.two_moons(50, 0.15, rng=0)
    model = models.MLP(X, y, hidden=(5,), activation="relu", loss="mse")
    return model, model.init(0, "he")


def _forward_by_hand(model, theta, X):
    (W1, b1), (W2, b2) = model.unflatten(theta)
    return (np.maximum(X @ W1 + b1, 0.0) @ W2 + b2).ravel()


@pytest.mark.parametrize("alpha", ALPHAS)
def test_rescaled_network_predicts_the_same_and_has_the_scaled_weights(net, alpha):
    model, theta = net
    s = rescaled_slices(model, theta, alpha, np.ones(model.dim), np.linspace(-1, 1, 5))
    (W1, b1), (W2, b2) = model.unflatten(theta)
    (V1, c1), (V2, c2) = model.unflatten(s.theta)
    np.testing.assert_allclose(V1, alpha * W1, rtol=1e-14)
    np.testing.assert_allclose(c1, alpha * b1, rtol=1e-14)
    np.testing.assert_allclose(V2, W2 / alpha, rtol=1e-14)
    np.testing.assert_array_equal(c2, b2)
    X = np.random.default_rng(1).standard_normal((30, 2))  # unseen inputs, not only the training data
    np.testing.assert_allclose(_forward_by_hand(model, s.theta, X), _forward_by_hand(model, theta, X),
                               rtol=1e-12, atol=1e-12)
    assert s.loss_change < 1e-12 and s.prediction_change < 1e-12


def test_slices_filter_normalized_is_invariant_raw_is_not_and_both_are_losses_on_the_line(net):
    model, theta = net
    d = np.random.default_rng(2).standard_normal(model.dim)
    ts = np.linspace(-1, 1, 11)
    ref, big = rescaled_slices(model, theta, 1.0, d, ts), rescaled_slices(model, theta, 4.0, d, ts)
    np.testing.assert_allclose(big.filter, ref.filter, rtol=1e-9, atol=1e-12)
    assert np.max(np.abs(big.raw - ref.raw)) > 1e-2
    np.testing.assert_allclose(big.raw, [model.loss(big.theta + t * d) for t in ts], rtol=1e-12)
    np.testing.assert_array_equal(ref.theta, theta)


@pytest.mark.parametrize("dense_max_p", [300, 0])  # the closed form D⁻¹HD⁻¹, and measuring at θ_α
def test_curvature_matches_dense_eigvalsh_at_the_rescaled_point(net, dense_max_p):
    model, theta = net
    measures = RescaledCurvature(model, theta, dense_max_p=dense_max_p)
    assert (measures.hessian is None) == (dense_max_p == 0)
    for alpha in ALPHAS:
        s = rescaled_slices(model, theta, alpha, np.ones(model.dim), [0.0])
        H = model.hessian(s.theta)
        lam, tr = measures(alpha)
        assert lam == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-6)
        assert tr == pytest.approx(np.trace(H), rel=1e-6)
    lams = [measures(a)[0] for a in ALPHAS]
    assert max(lams) > 10 * min(lams)  # same function, very different sharpness


def test_refuses_a_network_whose_function_would_change(net):
    X, y = data.two_moons(20, 0.15, rng=0)
    tanh = models.MLP(X, y, hidden=(3,), activation="tanh", loss="mse")
    with pytest.raises(ValueError, match="model"):
        rescaled_slices(tanh, tanh.init(0), 2.0, np.ones(tanh.dim), [0.0])
    with pytest.raises(ValueError, match="model"):
        RescaledCurvature(tanh, tanh.init(0))
    model, theta = net
    with pytest.raises(ValueError, match="alpha"):
        rescaled_slices(model, theta, -1.0, np.ones(model.dim), [0.0])
