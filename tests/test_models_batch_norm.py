"""``MLP(batch_norm=True)``: its written-out backward pass against independent oracles, and its scale invariance.

Oracles: central differences of the loss (no autograd, no backprop), autograd of the traceable ``_loss`` (a
separate code path from the hand-written backward pass), a reference forward pass written here from the
definition :math:`\\mathrm{BN}(z)_{ij} = (z_{ij} - \\mu_j)/\\sqrt{\\sigma_j^2 + \\epsilon}` (statistics over the
examples, per unit), and an exact consequence of the definition the implementation does not encode: with
:math:`\\epsilon = 0` the loss is unchanged by scaling a normalized layer's incoming weights and bias by any
:math:`c > 0`, so its gradient is orthogonal to those weights. All on the full batch (B = N).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_utils import derivatives, models
from course_utils.models import MLP

RNG = np.random.default_rng(11)
X = RNG.standard_normal((19, 3))
Y_BIN = (RNG.random(19) > 0.5).astype(float)
Y_REAL = RNG.standard_normal((19, 2))

CONFIGS = [
    dict(y=y, loss=loss, activation=a, hidden=h, residual=r, weight_decay=wd)
    for (y, loss), a, h, r, wd in itertools.product(
        [(Y_BIN, "cross_entropy"), (Y_REAL, "mse")], ["tanh", "relu", "linear"], [(5,), (4, 4, 4)],
        [False, True], [0.0, 0.2])
    if not (r and len(h) < 2)
]


def _model(cfg):
    return MLP(X, cfg["y"], hidden=cfg["hidden"], activation=cfg["activation"], loss=cfg["loss"],
               residual=cfg["residual"], weight_decay=cfg["weight_decay"], batch_norm=True)


def _central_differences(model, theta, h=1e-6):
    eye = np.eye(model.dim)
    return np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in eye])


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['loss']}-{c['activation']}-{len(c['hidden'])}-"
                         f"r{int(c['residual'])}-wd{c['weight_decay']}")
def test_backprop_matches_autograd_and_central_differences(cfg):
    model = _model(cfg)
    theta = model.init(3, scheme="he")
    g = model.grad(theta)
    assert np.allclose(g, derivatives.grad(model._loss)(theta), rtol=1e-10, atol=1e-12)
    assert np.allclose(g, _central_differences(model, theta), rtol=1e-5, atol=1e-7)


def test_batched_gradient_and_loss_match_single_points():
    model = _model(CONFIGS[-1])
    thetas = np.stack([model.init(k, scheme="he") for k in range(4)])
    assert np.allclose(model.grad_batch(thetas), np.array([model.grad(t) for t in thetas]), rtol=1e-12, atol=1e-14)
    assert np.allclose(model.loss_batch(thetas), [model.loss(t) for t in thetas], rtol=1e-12)


def test_forward_matches_the_definition():
    """A reference forward pass written from the definition: statistics per unit, over the examples."""
    model = MLP(X, Y_REAL, hidden=(6, 6), activation="tanh", loss="mse", batch_norm=True)
    theta = model.init(1, scheme="he")
    (W1, b1), (W2, b2), (W3, b3) = model.unflatten(theta)
    h = X
    for W, b in ((W1, b1), (W2, b2)):
        z = h @ W + b
        cols = [(z[:, j] - z[:, j].mean()) / np.sqrt(z[:, j].var() + 1e-5) for j in range(z.shape[1])]
        h = np.tanh(np.column_stack(cols))
    assert np.allclose(model.forward_batch(theta[None])[0], h @ W3 + b3, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_loss_is_exactly_invariant_to_scaling_the_weights_into_a_batch_norm_layer(monkeypatch, activation):
    """With ε = 0, BN(c z) = BN(z): the loss is unchanged and the gradient is orthogonal to those weights."""
    monkeypatch.setattr(models, "_BN_EPS", 0.0)
    model = MLP(X, Y_BIN, hidden=(8, 8), activation=activation, loss="cross_entropy", batch_norm=True)
    theta = model.init(2, scheme="he")
    theta[model.dim - 9 - 72: model.dim - 9] += 0.1  # non-zero biases too (layer 2's W and b)
    for layer in (0, 1):
        for c in (0.03, 7.0):
            scaled = theta.copy()
            W, b = model.unflatten(scaled)[layer]
            W *= c
            b *= c
            assert abs(model.loss(scaled) - model.loss(theta)) < 1e-12
        W, b = model.unflatten(theta)[layer]
        gW, gb = model.unflatten(model.grad(theta))[layer]
        assert abs(np.sum(gW * W) + np.sum(gb * b)) < 1e-12 * (1 + np.abs(gW).sum())  # Euler: d/dc L(cW) = 0
        assert np.abs(gb).max() < 1e-12  # the centring removes the bias before a normalized layer
    plain = MLP(X, Y_BIN, hidden=(8, 8), activation=activation, loss="cross_entropy")
    scaled = theta.copy()
    model.unflatten(scaled)[1][0][...] *= 7.0
    assert not np.isclose(plain.loss(scaled), plain.loss(theta), rtol=1e-3)  # the check can fail


def test_hessian_is_symmetric_and_matches_finite_differences_of_the_gradient():
    model = MLP(X, Y_BIN, hidden=(4, 4), activation="tanh", loss="cross_entropy", batch_norm=True)
    theta = model.init(5)
    H = model.hessian(theta)
    v = np.random.default_rng(0).standard_normal(model.dim)
    assert np.allclose(H, H.T, atol=1e-10)
    fd = derivatives.finite_difference_hvp(model.grad, theta, v)
    assert np.allclose(H @ v, fd, rtol=1e-4, atol=1e-6)


def test_batch_norm_is_validated_and_named():
    with pytest.raises((TypeError, ValueError), match="batch_norm"):
        MLP(X, Y_BIN, batch_norm="yes")
    with pytest.raises(ValueError, match="batch_norm"):
        MLP(X, Y_BIN, batch_norm=True, layer_norm=True)
    assert "batch norm" in MLP(X, Y_BIN, batch_norm=True).name
