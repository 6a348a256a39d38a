"""The MLP's written-out backpropagation against two independent oracles: autograd and central differences.

``MLP.grad``, ``grad_batch``, ``value_and_grad`` and every training loop use the hand-written backward pass
(issue 26: autograd's per-primitive overhead dominated the course's small networks). autograd still
differentiates the same ``_loss`` the backward pass is derived from, so it is an independent oracle here:
the two must agree to ~1e-12 relative for every architecture the class allows — each activation, each loss
(MSE with one and several outputs, binary and multi-class cross-entropy), biases on and off, skip
connections, weight decay — at single points and for stacks of points. Central differences check one
configuration of each kind without autograd at all.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_utils import derivatives
from course_utils.models import MLP

RNG = np.random.default_rng(20261206)
X = RNG.standard_normal((23, 3))
TARGETS = {
    "mse-1": RNG.standard_normal(23),
    "mse-2": RNG.standard_normal((23, 2)),
    "bce": (RNG.random(23) > 0.5).astype(float),
    "ce-4": RNG.integers(0, 4, 23).astype(float),
}
LOSS = {"mse-1": "mse", "mse-2": "mse", "bce": "cross_entropy", "ce-4": "cross_entropy"}

CONFIGS = [
    dict(target=t, activation=a, hidden=h, bias=b, residual=r, weight_decay=wd)
    for t, a, h, b, r, wd in itertools.product(TARGETS, ["tanh", "relu", "linear"], [(), (5,), (4, 4, 4)],
                                               [True, False], [False, True], [0.0, 0.3])
    if not (r and len(h) < 2)  # skip connections need two equal hidden widths
] + [  # a scaled residual branch (1/√L and an arbitrary α) for each activation and loss
    dict(target=t, activation=a, hidden=(4, 4, 4), bias=True, residual=True, weight_decay=0.0, branch_scale=s)
    for t, a, s in itertools.product(TARGETS, ["tanh", "relu", "linear"], [1 / np.sqrt(2), 0.3])
]


def _model(config) -> MLP:
    return MLP(X, TARGETS[config["target"]], hidden=config["hidden"], activation=config["activation"],
               loss=LOSS[config["target"]], bias=config["bias"], residual=config["residual"],
               weight_decay=config["weight_decay"], branch_scale=config.get("branch_scale", 1.0))


def _points(model: MLP, k: int) -> np.ndarray:
    return np.stack([model.init(RNG, scheme="normal") + 0.1 * RNG.standard_normal(model.dim) for _ in range(k)])


def _relerr(a, b) -> float:
    return float(np.max(np.abs(a - b)) / max(1e-300, np.max(np.abs(b))))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_backprop_equals_autograd(config):
    model = _model(config)
    reference = derivatives.grad(model._loss)  # autograd through the loss, not through the backward pass
    thetas = _points(model, 3)
    for theta in thetas:
        assert _relerr(model.grad(theta), reference(theta)) < 1e-12
    batch = model.grad_batch(thetas)
    assert batch.shape == thetas.shape
    assert _relerr(batch, np.stack([reference(t) for t in thetas])) < 1e-12
    loss, g = model.value_and_grad(thetas[0])
    assert loss == pytest.approx(model.loss(thetas[0]), rel=1e-14) and _relerr(g, reference(thetas[0])) < 1e-12


@pytest.mark.parametrize("target", list(TARGETS))
def test_backprop_equals_central_differences(target):
    model = MLP(X, TARGETS[target], hidden=(4, 4), activation="tanh", loss=LOSS[target], residual=True,
                weight_decay=0.1)
    theta = _points(model, 1)[0]
    h = 1e-6
    fd = np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in np.eye(model.dim)])
    assert _relerr(model.grad(theta), fd) < 1e-7


@pytest.mark.parametrize("branch_scale", [0.0, 0.4])
def test_scaled_branches_equal_central_differences(branch_scale):
    model = MLP(X, TARGETS["bce"], hidden=(4, 4, 4), activation="tanh", loss="cross_entropy", residual=True,
                branch_scale=branch_scale)
    theta = _points(model, 1)[0]
    h = 1e-6
    fd = np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in np.eye(model.dim)])
    assert _relerr(model.grad(theta), fd) < 1e-7


def test_zero_branches_make_residual_blocks_the_identity():
    # an independent oracle: with zero branch weights (and zero biases) each residual block adds φ(0) = 0,
    # so every hidden layer after the first outputs exactly what the first one does
    model = MLP(X, TARGETS["bce"], hidden=(4, 4, 4), activation="tanh", loss="cross_entropy", residual=True)
    theta = model.init(0, zero_branches=True)
    h = model.hidden_activations(theta)
    assert np.array_equal(h[1], h[0]) and np.array_equal(h[2], h[0]) and np.any(h[0] != 0)
    plain = model.init(0)  # the same draws for the first and last layers
    (W1, _), *_, (Wout, _) = model.unflatten(theta)
    (P1, _), *_, (Pout, _) = model.unflatten(plain)
    assert np.array_equal(W1, P1) and np.array_equal(Wout, Pout)
    with pytest.raises(ValueError, match="zero_branches"):
        MLP(X, TARGETS["bce"], hidden=(4, 4)).init(0, zero_branches=True)


def test_relu_at_exactly_zero_follows_autograd_convention():
    # zero weights and no biases: every pre-activation is exactly 0, where ReLU has no derivative;
    # autograd's maximum splits the gradient (½), and so must the backward pass (else training from a
    # symmetric start would differ between the two)
    model = MLP(X, TARGETS["mse-1"], hidden=(3,), activation="relu", bias=False)
    theta = np.zeros(model.dim)
    theta[model.dim - 3:] = [1.0, -2.0, 0.5]  # outgoing weights, so that the error reaches the hidden layer
    assert np.array_equal(model.grad(theta), derivatives.grad(model._loss)(theta))


def test_large_activations_take_the_loop_and_agree():
    big = MLP(RNG.standard_normal((700, 2)), RNG.standard_normal(700), hidden=(50,))  # N·H = 35,000: the loop
    thetas = _points(big, 2)
    assert _relerr(big.grad_batch(thetas), np.stack([derivatives.grad(big._loss)(t) for t in thetas])) < 1e-12
