"""The MLP's written-out Hessian-vector products (Pearlmutter's R-operator) against independent oracles.

``MLP.make_hvp`` / ``hvp_and_grad`` / ``hvp`` apply the R-operator to the hand-written backward pass (issue 26:
autograd's reverse-over-reverse product cost ~86 traced primitives per product). autograd still differentiates
the traceable ``_loss`` twice, a separate code path, so it is the oracle: its product
(``derivatives.make_hvp(model._loss, θ)``) must agree to 1e-12 relative for every variant the class allows —
sizes, activations, losses, biases, skip connections with any branch scale, weight decay, layer and batch
normalization — drawn by hypothesis, at random θ and v. A dense autograd Hessian times v, central differences of
the gradient, and the algebra every Hessian obeys (symmetry vᵀHw = wᵀHv, linearity in v) check it further.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import derivatives
from course_utils.models import MLP

FAST = settings(max_examples=80, deadline=None)
LOSSES = ["mse-1", "mse-2", "bce", "ce-3"]


def _relerr(a, b) -> float:
    return float(np.max(np.abs(a - b)) / max(1e-300, np.max(np.abs(b))))


def _tolerance(model, theta, reference, v) -> float:
    """1e-12, or 10× the rounding level of autograd's own product where the Hessian is ill-conditioned.

    Some drawn variants are (e.g. batch norm over 4 rows after a width-1 linear layer, nearly scale-invariant):
    there autograd's product itself moves by up to ~3e-11 relative when θ's entries move by 1e-15 relative, and the
    dense-Hessian route differs from it by as much. Both implementations are exact up to that rounding.
    """
    rng = np.random.default_rng(0)
    moves = [theta * (1 + 1e-15 * rng.choice([-1.0, 1.0], theta.size)) for _ in range(3)]
    return max(1e-12, 10 * max(_relerr(derivatives.make_hvp(model._loss, t)(v), reference(v)) for t in moves))


def _build(seed, n, d, hidden, activation, loss, bias, residual, branch_scale, weight_decay, norm):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = {"mse-1": rng.standard_normal(n), "mse-2": rng.standard_normal((n, 2)),
         "bce": np.arange(n) % 2 * 1.0, "ce-3": np.arange(n) % 3 * 1.0}[loss]
    model = MLP(X, y, hidden=hidden, activation=activation, loss="mse" if loss.startswith("mse") else "cross_entropy",
                bias=bias, residual=residual, branch_scale=branch_scale, weight_decay=weight_decay,
                layer_norm=norm == "layer", batch_norm=norm == "batch")
    theta = model.init(rng, scheme="normal") + 0.3 * rng.standard_normal(model.dim)
    return model, theta, rng


variants = st.fixed_dictionaries(dict(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 12),
    d=st.integers(1, 4),
    hidden=st.one_of(st.lists(st.integers(1, 6), max_size=3).map(tuple),  # any widths, () a linear model
                     st.tuples(st.integers(2, 5), st.integers(2, 4)).map(lambda t: (t[0],) * t[1])),  # equal: skips
    activation=st.sampled_from(["tanh", "relu", "linear"]),
    loss=st.sampled_from(LOSSES),
    bias=st.booleans(),
    residual=st.booleans(),
    branch_scale=st.sampled_from([1.0, 0.5, 1 / np.sqrt(3)]),
    weight_decay=st.sampled_from([0.0, 0.25]),
    norm=st.sampled_from(["none", "layer", "batch"]),
))


@FAST
@given(variant=variants)
def test_hvp_equals_autograd_over_variants(variant):
    model, theta, rng = _build(**variant)
    reference = derivatives.make_hvp(model._loss, theta)  # autograd, twice through the loss
    product = model.make_hvp(theta)
    for _ in range(2):
        v = rng.standard_normal(model.dim)
        assert _relerr(product(v), reference(v)) < _tolerance(model, theta, reference, v)
    hvp, g = model.hvp_and_grad(theta)
    v = rng.standard_normal(model.dim)
    assert _relerr(hvp(v), reference(v)) < _tolerance(model, theta, reference, v)
    np.testing.assert_array_equal(g, model.grad(theta))  # the same backward pass: bit for bit


@FAST
@given(variant=variants)
def test_hvp_is_symmetric_and_linear(variant):
    # each defect must be at rounding level: 1e-12 of the terms' size, or no larger than 10× autograd's own
    # defect on the same vectors (ill-conditioned variants, see _tolerance)
    model, theta, rng = _build(**variant)
    v, w = rng.standard_normal((2, model.dim))
    a, b = rng.standard_normal(2)

    def defects(product):
        hv, hw = product(v), product(w)
        size = max(1e-300, np.linalg.norm(hv) * np.linalg.norm(w) + np.linalg.norm(hw) * np.linalg.norm(v))
        symmetry = abs(w @ hv - v @ hw) / size  # a dead ReLU net may have H = 0: then every defect is 0
        size = max(1e-300, abs(a) * np.abs(hv).max() + abs(b) * np.abs(hw).max())
        linearity = np.max(np.abs(product(a * v + b * w) - (a * hv + b * hw))) / size
        return np.array([symmetry, linearity])

    ours, autograd = defects(model.make_hvp(theta)), defects(derivatives.make_hvp(model._loss, theta))
    assert np.all(ours <= np.maximum(1e-12, 10 * autograd))  # vᵀHw = wᵀHv and H(av + bw) = aHv + bHw
    np.testing.assert_array_equal(model.make_hvp(theta)(np.zeros(model.dim)), np.zeros(model.dim))


@pytest.mark.parametrize("norm", ["none", "layer", "batch"])
@pytest.mark.parametrize("loss", LOSSES)
def test_hvp_equals_dense_hessian_times_v(loss, norm):
    model, theta, rng = _build(3, 7, 2, (3, 3), "tanh", loss, True, True, 0.7, 0.1, norm)
    H = derivatives.hessian(model._loss, theta)  # dense, column by column through autograd
    product = model.make_hvp(theta)
    for v in rng.standard_normal((3, model.dim)):
        assert _relerr(product(v), H @ v) < 1e-12
    assert _relerr(np.stack([product(e) for e in np.eye(model.dim)], axis=1), H) < 1e-12


@pytest.mark.parametrize("loss", LOSSES)
def test_hvp_equals_central_differences_of_the_gradient(loss):
    # no autograd at all: the hand-written gradient (itself checked against autograd) differenced along v
    model, theta, rng = _build(5, 9, 3, (4, 4), "tanh", loss, True, True, 1.0, 0.2, "none")
    v = rng.standard_normal(model.dim)
    assert _relerr(model.hvp(theta, v), derivatives.finite_difference_hvp(model.grad, theta, v)) < 1e-7


def test_relu_at_exactly_zero_follows_autograd():
    # a zero input row and no biases: every pre-activation of that row is exactly 0, where ReLU's φ' is ½
    # (autograd's convention for maximum) and φ'' is 0
    rng = np.random.default_rng(11)
    X = rng.standard_normal((6, 3))
    X[2] = 0.0
    model = MLP(X, rng.standard_normal(6), hidden=(4, 4), activation="relu", bias=False)
    theta = model.init(rng, scheme="normal")
    assert np.any(X @ model.unflatten(theta)[0][0] == 0.0)
    v = rng.standard_normal(model.dim)
    assert _relerr(model.make_hvp(theta)(v), derivatives.make_hvp(model._loss, theta)(v)) < 1e-12


def test_subset_and_with_data_use_their_own_rows():
    model, theta, rng = _build(2, 10, 2, (4,), "tanh", "ce-3", True, False, 1.0, 0.0, "batch")
    v = rng.standard_normal(model.dim)
    for other in (model.subset(np.arange(6)), model.with_data(rng.standard_normal((5, 2)), np.array([0, 1, 2, 0, 1]))):
        assert _relerr(other.make_hvp(theta)(v), derivatives.make_hvp(other._loss, theta)(v)) < 1e-12


def test_contract_validates_theta_and_the_shape_of_v():
    model, theta, _ = _build(1, 5, 2, (3,), "tanh", "mse-1", True, False, 1.0, 0.0, "none")
    with pytest.raises(ValueError, match="theta"):
        model.make_hvp(theta[:-1])
    bad = theta.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="theta"):
        model.make_hvp(bad)
    with pytest.raises(ValueError, match="theta"):
        model.hvp(bad, theta)
    with pytest.raises(ValueError, match="`v`"):
        model.make_hvp(theta)(np.ones(model.dim + 1))
    product = model.make_hvp(list(theta))  # array_like, as Objective.make_hvp accepts
    assert _relerr(product(list(theta)), model.make_hvp(theta)(theta)) == 0.0
