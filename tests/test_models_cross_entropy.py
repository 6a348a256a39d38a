"""The fast softmax cross-entropy (plain arrays) against SciPy's ``logsumexp`` minus the label's logit, and the
MLP's loss on both routes (plain array vs autograd's traced one) — the oracle is SciPy, not our code."""

import autograd
import numpy as np
import pytest
from scipy.special import logsumexp

from course_utils.models import MLP, _softmax_cross_entropy


@pytest.mark.parametrize("lead", [(), (3,), (2, 4)])
@pytest.mark.parametrize("scale", [1.0, 50.0, 700.0])
def test_fast_route_matches_scipy(lead, scale):
    rng = np.random.default_rng(7)
    n, k = 37, 6
    logits = scale * rng.standard_normal((*lead, n, k))
    labels = rng.integers(0, k, n)
    one_hot = np.eye(k)[labels]
    want = logsumexp(logits, axis=-1) - np.take_along_axis(
        logits, np.broadcast_to(labels[:, None], (*lead, n, 1)), axis=-1)[..., 0]
    got = _softmax_cross_entropy(logits, labels, one_hot)
    assert got.shape == (*lead, n)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-12 * scale)
    assert np.all(got >= -1e-12 * scale)  # a cross-entropy is never negative


def test_inputs_not_modified():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 3))
    before = logits.copy()
    _softmax_cross_entropy(logits, np.array([0, 1, 2, 1, 0]), np.eye(3)[[0, 1, 2, 1, 0]])
    np.testing.assert_array_equal(logits, before)


def test_mlp_loss_same_on_both_routes():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    y = rng.integers(0, 4, 40)
    net = MLP(X, y, hidden=(8,), loss="cross_entropy", n_outputs=4)
    theta = net.init(rng)
    plain = float(net.loss(theta))
    traced = []

    def f(t):
        value = net._loss(t)  # the ArrayBox route
        traced.append(value._value)
        return value

    autograd.grad(f)(theta)
    reference = np.mean(logsumexp(net._forward(theta, X), axis=-1)
                        - net._forward(theta, X)[np.arange(40), y])
    assert plain == pytest.approx(reference, rel=1e-13)
    assert float(traced[0]) == pytest.approx(reference, rel=1e-13)
    # batched losses (the grid route) agree with the single ones
    thetas = theta + 0.1 * rng.standard_normal((6, theta.size))
    np.testing.assert_allclose(net.loss_batch(thetas),
                               [net.loss(t) for t in thetas], rtol=1e-12)
