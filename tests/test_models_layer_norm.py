"""``MLP(layer_norm=True)``: its written-out backward pass against independent oracles, and what the
normalization is for.

Oracles: central differences of the loss (no autograd, no backprop), autograd of the traceable ``_loss`` (a
separate code path from the hand-written backward pass), and a dense reference forward pass written here
from the definition :math:`\\mathrm{LN}(z) = (z - \\bar z)/\\sqrt{s^2 + \\epsilon}`. The properties tested are
consequences of the definition that the implementation does not encode: invariance of the output to a
positive rescaling of a normalized layer's incoming weights and bias, and activations that grow only
polynomially with depth in a residual network where plain skips grow exponentially.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_utils import derivatives, diagnostics
from course_utils.models import MLP

RNG = np.random.default_rng(7)
X = RNG.standard_normal((17, 3))
Y_BIN = (RNG.random(17) > 0.5).astype(float)
Y_REAL = RNG.standard_normal((17, 2))

CONFIGS = [
    dict(y=y, loss=loss, activation=a, hidden=h, residual=r, weight_decay=wd, branch_scale=s)
    for (y, loss), a, h, r, wd, s in itertools.product(
        [(Y_BIN, "cross_entropy"), (Y_REAL, "mse")], ["tanh", "relu", "linear"], [(5,), (4, 4, 4)],
        [False, True], [0.0, 0.2], [1.0, 0.5])
    if not (r and len(h) < 2) and not (s != 1.0 and not r)
]


def _model(cfg):
    return MLP(X, cfg["y"], hidden=cfg["hidden"], activation=cfg["activation"], loss=cfg["loss"],
               residual=cfg["residual"], weight_decay=cfg["weight_decay"], branch_scale=cfg["branch_scale"],
               layer_norm=True)


def _central_differences(model, theta, h=1e-6):
    eye = np.eye(model.dim)
    return np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in eye])


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['loss']}-{c['activation']}-{len(c['hidden'])}-"
                         f"r{int(c['residual'])}-wd{c['weight_decay']}-a{c['branch_scale']}")
def test_backprop_matches_autograd_and_central_differences(cfg):
    model = _model(cfg)
    theta = model.init(3, scheme="he")
    g = model.grad(theta)
    reference = derivatives.grad(model._loss)(theta)
    assert np.allclose(g, reference, rtol=1e-10, atol=1e-12)
    assert np.allclose(g, _central_differences(model, theta), rtol=1e-5, atol=1e-7)


def test_batched_gradient_matches_single_points():
    model = _model(CONFIGS[-1])
    thetas = np.stack([model.init(k, scheme="he") for k in range(4)])
    assert np.allclose(model.grad_batch(thetas), np.array([model.grad(t) for t in thetas]), rtol=1e-12, atol=1e-14)
    assert np.allclose(model.loss_batch(thetas), [model.loss(t) for t in thetas], rtol=1e-12)


def test_forward_matches_the_definition():
    """A dense reference forward pass written from the definition, one example at a time."""
    model = MLP(X, Y_BIN, hidden=(6, 6), activation="tanh", loss="cross_entropy", residual=True,
                branch_scale=0.7, layer_norm=True)
    theta = model.init(1, scheme="he")
    (W1, b1), (W2, b2), (W3, b3) = model.unflatten(theta)
    out = []
    for x in X:
        z = x @ W1 + b1
        h = np.tanh((z - z.mean()) / np.sqrt(z.var() + 1e-5))
        z = h @ W2 + b2
        h = h + 0.7 * np.tanh((z - z.mean()) / np.sqrt(z.var() + 1e-5))
        out.append(h @ W3 + b3)
    assert np.allclose(model.forward_batch(theta[None])[0], np.array(out), rtol=1e-12, atol=1e-12)


def test_output_is_invariant_to_rescaling_a_normalized_layer():
    """LN(c z) = LN(z) up to ε: scaling a hidden layer's incoming weights and bias by c > 0 changes nothing."""
    model = MLP(X, Y_BIN, hidden=(8, 8), activation="relu", loss="cross_entropy", layer_norm=True)
    theta = model.init(2, scheme="he")
    scaled = theta.copy()
    W, b = model.unflatten(scaled)[1]
    W *= 40.0
    b *= 40.0
    assert np.allclose(model.loss(scaled), model.loss(theta), rtol=1e-6)
    plain = MLP(X, Y_BIN, hidden=(8, 8), activation="relu", loss="cross_entropy")
    assert not np.isclose(plain.loss(scaled), plain.loss(theta), rtol=1e-3)  # the check can fail


def test_residual_growth_is_polynomial_with_layer_norm_and_exponential_without():
    for depth in (8, 32, 64):
        ln = diagnostics.gradient_flow(depth, scheme="he", activation="relu", residual=True, layer_norm=True)
        plain = diagnostics.gradient_flow(depth, scheme="he", activation="relu", residual=True)
        assert ln.activation_std[-1] < 1.5 * np.sqrt(depth)
        assert 1e-2 < ln.grad_norms.min() <= ln.grad_norms.max() < 1.5 * depth
        if depth >= 32:
            assert plain.activation_std[-1] > 1e4 * ln.activation_std[-1]


def test_layer_norm_is_validated_and_named():
    with pytest.raises((TypeError, ValueError), match="layer_norm"):
        MLP(X, Y_BIN, layer_norm="yes")
    assert "layer norm" in MLP(X, Y_BIN, layer_norm=True).name
