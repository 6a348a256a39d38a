"""Weight decay, label smoothing and the max-margin direction, each against an oracle of its own.

* ``WeightDecay``: its loss, gradient and Hessian against central differences of the inner loss plus the penalty
  written out here; batched losses against the loop.
* label smoothing: the per-example optimum against the closed form ln(ỹ/(1−ỹ)), the loss against the formula.
* ``max_margin_direction``: against the primal problem solved by SciPy's SLSQP with the constraints written out
  (another solver, another formulation), and the KKT conditions.
* dropout: see the section's own note below.
"""

from itertools import product

import numpy as np
import pytest
from scipy.optimize import minimize

from course_utils import optimizers
from course_utils.models import MLP, LogisticRegression
from course_utils.problems import blob_classification
from course_utils.randomness import default_rng
from course_utils.regularization import (
    ExpectedDropoutLoss,
    WeightDecay,
    draw_dropout_masks,
    dropout_grad,
    dropout_loss,
    dropout_penalty,
    max_margin_direction,
    train_with_dropout,
)


def _fd_grad(f, x, h=1e-6):
    e = np.eye(x.size)
    return np.array([(f(x + h * e[i]) - f(x - h * e[i])) / (2 * h) for i in range(x.size)])


@pytest.fixture(scope="module")
def mlp():
    rng = default_rng(3)
    X = rng.standard_normal((20, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    model = MLP(X, y, hidden=(5,), activation="tanh", loss="cross_entropy")
    return model, model.init(default_rng(4))


@pytest.mark.parametrize("lam", [0.0, 0.1, 3.0])
def test_weight_decay_loss_grad_and_hessian_match_finite_differences(mlp, lam):
    model, theta = mlp
    wd = WeightDecay(model, lam)

    def penalised(t):  # the oracle: the inner loss plus the penalty, written out
        return model.loss(t) + 0.5 * lam * float(t @ t)

    assert wd.loss(theta) == pytest.approx(penalised(theta), rel=1e-12)
    np.testing.assert_allclose(wd.grad(theta), _fd_grad(penalised, theta), atol=1e-7)
    H_fd = np.array([_fd_grad(lambda t, i=i: wd.grad(t)[i], theta, h=1e-5) for i in range(theta.size)])
    np.testing.assert_allclose(wd.hessian(theta), H_fd, atol=1e-5)
    v = default_rng(5).standard_normal(theta.size)
    np.testing.assert_allclose(wd.hvp(theta, v), H_fd @ v, atol=1e-4)
    thetas = theta + 0.1 * default_rng(6).standard_normal((4, theta.size))
    np.testing.assert_allclose(wd.loss_batch(thetas), [penalised(t) for t in thetas], rtol=1e-12)


def test_weight_decay_raises_every_curvature_by_lambda():
    model = blob_classification(3.0, 0.1)["cross_entropy"]
    theta = np.array([0.7, -0.4])
    lam = 0.25
    gap = np.linalg.eigvalsh(WeightDecay(model, lam).hessian(theta)) - np.linalg.eigvalsh(model.hessian(theta))
    np.testing.assert_allclose(gap, lam, atol=1e-12)


def test_weight_decay_validates_its_arguments():
    model = blob_classification(3.0, 0.1)["cross_entropy"]
    with pytest.raises(ValueError, match="strength"):
        WeightDecay(model, -1.0)
    with pytest.raises(TypeError, match="objective"):
        WeightDecay(object(), 1.0)


@pytest.mark.parametrize("eps", [0.01, 0.1, 0.5])
def test_label_smoothing_optimum_of_one_example_is_the_closed_form(eps):
    for label in (0.0, 1.0):
        model = LogisticRegression(np.array([[1.0]]), np.array([label]), fit_intercept=False, label_smoothing=eps)
        soft = (1 - eps) * label + eps / 2
        z_star = np.log(soft / (1 - soft))
        res = minimize(model.loss, np.zeros(1), jac=model.grad, method="BFGS",
                       options={"gtol": 1e-12})
        assert res.x[0] == pytest.approx(z_star, abs=1e-5)
        z = 2.3
        assert model.loss([z]) == pytest.approx(np.log1p(np.exp(z)) - soft * z, rel=1e-12)


def test_label_smoothing_makes_the_minimiser_finite_on_separable_data():
    data = blob_classification(6.0, 0.0)["cross_entropy"]
    w_hat = max_margin_direction(data.X, data.y)
    plain = LogisticRegression(data.X, data.y, fit_intercept=False)
    smooth = LogisticRegression(data.X, data.y, fit_intercept=False, label_smoothing=0.1)
    t = np.array([1.0, 10.0, 100.0])
    along_plain = [plain.loss(s * w_hat) for s in t]
    along_smooth = [smooth.loss(s * w_hat) for s in t]
    assert along_plain[0] > along_plain[1] > along_plain[2]  # separable: falls forever along ŵ
    assert along_smooth[2] > along_smooth[1]                 # smoothed: grows again, a finite minimiser
    assert smooth.subset([0, 1, 2]).loss(w_hat) == pytest.approx(
        np.mean(np.logaddexp(0, data.X[:3] @ w_hat) - (0.9 * data.y[:3] + 0.05) * (data.X[:3] @ w_hat)))
    with pytest.raises(ValueError, match="label_smoothing"):
        LogisticRegression(data.X, data.y, label_smoothing=1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_margin_direction_solves_the_primal_problem(seed):
    data = blob_classification(6.0, 0.0, seed=seed)["cross_entropy"]
    s = 2 * data.y - 1
    primal = minimize(lambda w: 0.5 * w @ w, np.array([1.0, 0.0]), jac=lambda w: w, method="SLSQP",
                      constraints=[{"type": "ineq", "fun": lambda w: s * (data.X @ w) - 1,
                                    "jac": lambda w: s[:, None] * data.X}], options={"ftol": 1e-14})
    assert primal.success
    w_hat = max_margin_direction(data.X, data.y)
    np.testing.assert_allclose(w_hat, primal.x, atol=1e-5)
    assert np.min(s * (data.X @ w_hat)) == pytest.approx(1.0, abs=1e-5)


def test_max_margin_direction_refuses_data_that_are_not_separable():
    data = blob_classification(1.0, 0.2)["cross_entropy"]
    with pytest.raises(ValueError, match="not separable"):
        max_margin_direction(data.X, data.y)
    with pytest.raises(ValueError, match="0/1"):
        max_margin_direction(data.X, data.y + 2)


# --- dropout --------------------------------------------------------------------------------------------------------
# Oracles: plain gradient descent (p = 0); the model's own forward pass on one example at a time, with a dropped
# unit written as a zeroed (and a kept one as a 1/(1-p)-scaled) row of the next layer's weights; central finite
# differences of that oracle; the exact expectation over masks by enumerating all 2^units masks of every example;
# the binomial distribution of the keep count.


def _thinned_loss_oracle(model, theta, masks, p):
    """Mean over examples of the model's own loss on example i, with each hidden unit's outgoing weights scaled
    by m_ij/(1−p): the same thinned network, built from the weights instead of the activations."""
    losses = []
    for i in range(model.n_examples):
        layers = [(W.copy(), None if b is None else b.copy()) for W, b in model.unflatten(np.array(theta, float))]
        for ell, m in enumerate(masks):
            layers[ell + 1][0][...] *= (m[i] / (1 - p))[:, None]
        losses.append(model.subset([i]).loss(model.flatten(layers)))
    return float(np.mean(losses))


def _nets():
    rng = default_rng(11)
    X = rng.standard_normal((6, 3))
    return {
        "tanh-mse-2x": MLP(X, rng.standard_normal((6, 2)), hidden=(4, 3), activation="tanh", loss="mse"),
        "relu-bce": MLP(X, (X[:, 0] > 0).astype(float), hidden=(5,), activation="relu", loss="cross_entropy"),
        "linear-softmax": MLP(X, np.arange(6) % 3, hidden=(4,), activation="linear", loss="cross_entropy"),
    }


@pytest.mark.parametrize("name", ["tanh-mse-2x", "relu-bce", "linear-softmax"])
@pytest.mark.parametrize("p", [0.0, 0.3, 0.7])
def test_dropout_loss_and_gradient_for_a_fixed_mask(name, p):
    model = _nets()[name]
    theta = model.init(default_rng(12), scale=1.5)
    masks = draw_dropout_masks(model, max(p, 0.3), rng=13)       # some units dropped even for p = 0
    oracle = _thinned_loss_oracle(model, theta, masks, p)
    assert dropout_loss(model, theta, masks, p=p) == pytest.approx(oracle, rel=1e-12)
    fd = _fd_grad(lambda t: _thinned_loss_oracle(model, t, masks, p), theta)
    np.testing.assert_allclose(dropout_grad(model, theta, masks, p=p), fd, atol=2e-8)
    # batched over starts: the rows agree with the single calls
    thetas = np.stack([theta, model.init(default_rng(14))])
    np.testing.assert_allclose(dropout_grad(model, thetas, masks, p=p)[1], dropout_grad(model, thetas[1], masks, p=p),
                               rtol=1e-12, atol=1e-15)


def test_dropout_gradient_includes_the_models_weight_decay():
    rng = default_rng(15)
    X = rng.standard_normal((5, 2))
    model = MLP(X, rng.standard_normal(5), hidden=(3,), weight_decay=0.2)
    theta = model.init(default_rng(16))
    masks = draw_dropout_masks(model, 0.5, rng=17)
    fd = _fd_grad(lambda t: dropout_loss(model, t, masks, p=0.5), theta)
    np.testing.assert_allclose(dropout_grad(model, theta, masks, p=0.5), fd, atol=1e-8)


def test_dropout_with_p_zero_is_plain_gradient_descent():
    rng = default_rng(18)
    X = rng.standard_normal((30, 2))
    model = MLP(X, np.sin(X[:, 0]), hidden=(8,), activation="tanh")
    starts = np.stack([model.init(s) for s in (0, 1)])
    ends = train_with_dropout(model, starts, p=0.0, steps=50, lr=0.1, rng=0)
    for start, end in zip(starts, ends):
        gd = optimizers.run(model, optimizers.gd(), start, steps=50, lr=0.1).final_theta
        np.testing.assert_allclose(end, gd, rtol=0, atol=1e-15)


def test_a_dropout_step_uses_a_fresh_mask_of_the_drawn_kind():
    model = _nets()["tanh-mse-2x"]
    theta = model.init(default_rng(19))
    gen = default_rng(20)
    two_steps = train_with_dropout(model, theta, p=0.4, steps=2, lr=0.05, rng=gen)
    replay = default_rng(20)  # the same stream, replayed: step t's masks are the t-th draw
    t = theta.copy()
    for _ in range(2):
        t = t - 0.05 * dropout_grad(model, t, draw_dropout_masks(model, 0.4, rng=replay), p=0.4)
    np.testing.assert_allclose(two_steps, t, rtol=0, atol=1e-14)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_masks_keep_each_unit_with_probability_one_minus_p(p):
    X = np.zeros((400, 2))
    model = MLP(X, np.zeros(400), hidden=(25, 5))
    masks = draw_dropout_masks(model, p, rng=21)
    kept = sum(m.sum() for m in masks)
    n = sum(m.size for m in masks)
    sd = np.sqrt(n * p * (1 - p))
    assert abs(kept - n * (1 - p)) < 4.5 * sd  # binomial(n, 1 − p): outside 4.5 sd with probability < 1e-5
    assert all(set(np.unique(m)) <= {0.0, 1.0} for m in masks)
    # entries independent of each other: the two layers' keep rates agree with each other too
    sd_gap = np.sqrt(p * (1 - p) * (1 / masks[0].size + 1 / masks[1].size))
    assert abs(masks[0].mean() - masks[1].mean()) < 4.5 * sd_gap


def _exact_expected_thinned_loss(model, theta, p):
    """E_m[L_drop] by enumeration: the loss is a mean over examples and each example's masks are independent,
    so it is the mean over examples of the probability-weighted sum over that example's 2^units masks."""
    units = sum(model.hidden)
    total = 0.0
    for i in range(model.n_examples):
        one = model.subset([i])
        for bits in product((0.0, 1.0), repeat=units):
            b = np.array(bits)
            weight = np.prod(np.where(b == 1, 1 - p, p))
            split = np.split(b, np.cumsum(model.hidden)[:-1])
            total += weight * _thinned_loss_oracle(one, theta, [s[None, :] for s in split], p)
    return total / model.n_examples


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_penalty_matches_the_enumerated_expectation(p):
    rng = default_rng(22)
    X = rng.standard_normal((10, 2))
    model = MLP(X, rng.standard_normal(10), hidden=(2, 2), activation="tanh")
    theta = model.init(default_rng(23), scale=2.0)
    exact = _exact_expected_thinned_loss(model, theta, p) - model.loss(theta)
    est = dropout_penalty(model, theta, p=p, n_masks=4000, rng=24)
    assert est.mean.shape == (1,) and est.n_masks == 4000
    assert abs(est.mean[0] - exact) < 4 * est.stderr[0]  # a 4-standard-error interval
    assert est.stderr[0] < 0.2 * exact                   # and tight enough to mean something


def test_dropout_penalty_for_one_hidden_layer_and_mse_is_the_output_variance():
    # the closed form (p/(1−p)) mean_i Σ_j a_ij² w_j², checked against enumeration (no sampling involved)
    rng = default_rng(25)
    X = rng.standard_normal((3, 2))
    model = MLP(X, rng.standard_normal(3), hidden=(4,), activation="tanh")
    theta = model.init(default_rng(26), scale=2.0)
    (W1, b1), (W2, _) = model.unflatten(theta)
    a = np.tanh(X @ W1 + b1)
    p = 0.3
    closed = p / (1 - p) * np.mean(np.sum(a**2 * W2[:, 0] ** 2, axis=1))
    assert _exact_expected_thinned_loss(model, theta, p) - model.loss(theta) == pytest.approx(closed, rel=1e-10)


def test_dropout_functions_validate_their_arguments():
    model = _nets()["relu-bce"]
    theta = model.init(0)
    masks = draw_dropout_masks(model, 0.5, rng=0)
    with pytest.raises(ValueError, match="`p`"):
        train_with_dropout(model, theta, p=1.0, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="`p`"):
        dropout_loss(model, theta, masks, p=-0.1)
    with pytest.raises(ValueError, match="`lr`"):
        train_with_dropout(model, theta, p=0.1, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="`steps`"):
        train_with_dropout(model, theta, p=0.1, steps=-1, lr=0.1)
    with pytest.raises(ValueError, match="`theta0`"):
        train_with_dropout(model, theta[:-1], p=0.1, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="`masks`"):
        dropout_grad(model, theta, [m[:-1] for m in masks], p=0.5)
    with pytest.raises(ValueError, match="`masks`"):
        dropout_grad(model, theta, [2 * m for m in masks], p=0.5)
    with pytest.raises(ValueError, match="`masks`"):
        dropout_grad(model, theta, masks + masks, p=0.5)
    with pytest.raises(ValueError, match="`n_masks`"):
        dropout_penalty(model, theta, p=0.5, n_masks=1)
    with pytest.raises(TypeError, match="`model`"):
        train_with_dropout(blob_classification(3.0, 0.1)["cross_entropy"], np.zeros(2), p=0.1, steps=1, lr=0.1)
    residual = MLP(np.ones((3, 2)), np.ones(3), hidden=(2, 2), residual=True)
    with pytest.raises(ValueError, match="`model`"):
        draw_dropout_masks(residual, 0.1)
    with pytest.raises(ValueError, match="`model`"):
        draw_dropout_masks(MLP(np.ones((3, 2)), np.ones(3), hidden=()), 0.1)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_expected_dropout_loss_is_the_enumerated_mean_and_its_gradient_matches_finite_differences(activation):
    rng = default_rng(27)
    X = rng.standard_normal((3, 2))
    model = MLP(X, rng.standard_normal((3, 2)), hidden=(4,), activation=activation)
    theta = model.init(default_rng(28), scale=2.0)
    p = 0.35
    expected = ExpectedDropoutLoss(model, p)
    assert expected.loss(theta) == pytest.approx(_exact_expected_thinned_loss(model, theta, p), rel=1e-10)
    np.testing.assert_allclose(expected.grad(theta), _fd_grad(expected.loss, theta), atol=1e-8)
    thetas = np.stack([theta, model.init(default_rng(29))])
    np.testing.assert_allclose(expected.grad_batch(thetas), [expected.grad(t) for t in thetas], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(expected.loss_batch(thetas), [expected.loss(t) for t in thetas], rtol=1e-12)
    H_fd = np.array([_fd_grad(lambda t, i=i: expected.grad(t)[i], theta, h=1e-5) for i in range(theta.size)])
    np.testing.assert_allclose(expected.hessian(theta), H_fd, atol=1e-5)
    assert ExpectedDropoutLoss(model, 0.0).loss(theta) == pytest.approx(model.loss(theta), rel=1e-14)
    # the model's weight decay is kept as it is (the oracle above scales weights, so it is checked apart):
    decayed = MLP(X, model.y, hidden=(4,), activation=activation, weight_decay=0.05)
    with_decay = ExpectedDropoutLoss(decayed, p)
    assert with_decay.loss(theta) - decayed.loss(theta) == pytest.approx(expected.loss(theta) - model.loss(theta),
                                                                         rel=1e-12)
    np.testing.assert_allclose(with_decay.grad(theta), _fd_grad(with_decay.loss, theta), atol=1e-8)


def test_expected_dropout_loss_refuses_what_its_closed_form_does_not_cover():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="`model`"):
        ExpectedDropoutLoss(MLP(X, np.ones(3), hidden=(2, 2)), 0.1)
    with pytest.raises(ValueError, match="`model`"):
        ExpectedDropoutLoss(MLP(X, np.array([0, 1, 0]), hidden=(2,), loss="cross_entropy"), 0.1)
    with pytest.raises(ValueError, match="`p`"):
        ExpectedDropoutLoss(MLP(X, np.ones(3), hidden=(2,)), 1.0)
