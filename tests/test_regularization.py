"""Weight decay, label smoothing and the max-margin direction, each against an oracle of its own.

* ``WeightDecay``: its loss, gradient and Hessian against central differences of the inner loss plus the penalty
  written out here; batched losses against the loop.
* label smoothing: the per-example optimum against the closed form ln(ỹ/(1−ỹ)), the loss against the formula.
* ``max_margin_direction``: against the primal problem solved by SciPy's SLSQP with the constraints written out
  (another solver, another formulation), and the KKT conditions.
"""

import numpy as np
import pytest
from scipy.optimize import minimize

from course_utils.models import MLP, LogisticRegression
from course_utils.problems import blob_classification
from course_utils.randomness import default_rng
from course_utils.regularization import WeightDecay, max_margin_direction


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
