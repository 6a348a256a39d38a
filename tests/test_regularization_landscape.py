"""Weight decay against the rescaling symmetry, and gradient descent with input noise, against oracles of their own.

* ``balancing_scale``: the closed form α* = (b/a)^(1/4) against SciPy's bounded scalar minimiser run on the
  regularized loss along the rescaling orbit (the loss evaluated, not the formula), for both penalty conventions
  (``WeightDecay`` penalizes every parameter, ``MLP(weight_decay=...)`` only the weights);
* ``train_with_input_noise``: with σ = 0 against the course's gradient-descent runner (another loop); with σ > 0,
  its first steps against steps written out here with central-difference gradients on inputs jittered by the same
  draws; several starts against single runs.
"""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from course_utils import data, optimizers, sharpness
from course_utils.models import MLP
from course_utils.randomness import default_rng
from course_utils.regularization import WeightDecay, balancing_scale, train_with_input_noise


@pytest.fixture(scope="module")
def relu_net():
    X, y = data.two_moons(30, noise=0.2, rng=2)
    net = MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")
    theta = net.init(3, scheme="he")
    theta[net.flatten([(np.zeros((2, 6)), np.ones(6)), (np.zeros((6, 1)), np.zeros(1))]) > 0] = 0.3   # b1 ≠ 0
    return net, theta


def _orbit_argmin(loss, net, theta):
    res = minimize_scalar(lambda s: loss(sharpness.rescale_relu_network(net, theta, np.exp(s))),
                          bounds=(-4, 4), method="bounded", options={"xatol": 1e-10})
    return np.exp(res.x)


@pytest.mark.parametrize("lam", [1e-3, 0.1])
def test_balancing_scale_minimises_weight_decay_along_the_orbit(relu_net, lam):
    net, theta = relu_net
    wd = WeightDecay(net, lam)
    assert balancing_scale(net, theta) == pytest.approx(_orbit_argmin(wd.loss, net, theta), rel=1e-5)


def test_balancing_scale_without_bias_penalty_matches_the_mlp_convention(relu_net):
    net, theta = relu_net
    decayed = MLP(net.X, net.y, hidden=(6,), activation="relu", loss="cross_entropy", weight_decay=0.05)
    alpha = balancing_scale(net, theta, penalize_biases=False)
    assert alpha == pytest.approx(_orbit_argmin(decayed.loss, net, theta), rel=1e-5)
    assert abs(alpha - balancing_scale(net, theta)) > 1e-3     # the two conventions differ when b1 ≠ 0


def test_balancing_scale_validates(relu_net):
    net, theta = relu_net
    tanh = MLP(net.X, net.y, hidden=(6,), activation="tanh", loss="cross_entropy")
    with pytest.raises(ValueError, match="ReLU"):
        balancing_scale(tanh, theta)
    with pytest.raises(ValueError, match="all-zero"):
        balancing_scale(net, np.zeros(net.dim))
    with pytest.raises(ValueError, match="theta"):
        balancing_scale(net, theta[:-1])


@pytest.fixture(scope="module")
def mse_net():
    X, y = data.two_moons(20, noise=0.2, rng=4)
    net = MLP(X, 2.0 * y - 1, hidden=(3,), activation="tanh", loss="mse")
    return net, np.array([net.init(5), net.init(6)])


def test_without_noise_it_is_gradient_descent(mse_net):
    net, starts = mse_net
    ours = train_with_input_noise(net, starts[0], sigma=0.0, steps=25, lr=0.3)
    theirs = optimizers.run(net, optimizers.gd(), starts[0], steps=25, lr=0.3).final_theta
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_noisy_steps_follow_finite_difference_gradients_on_jittered_inputs(mse_net):
    net, starts = mse_net
    sigma, lr, steps = 0.3, 0.2, 3
    ours = train_with_input_noise(net, starts[0], sigma=sigma, steps=steps, lr=lr, rng=default_rng(9))
    draws, theta = default_rng(9), starts[0].copy()
    e, h = np.eye(net.dim), 1e-6
    for _ in range(steps):
        noisy = net.with_data(net.X + sigma * draws.standard_normal(net.X.shape), net.y)
        g = np.array([(noisy.loss(theta + h * e[i]) - noisy.loss(theta - h * e[i])) / (2 * h) for i in range(net.dim)])
        theta = theta - lr * g
    np.testing.assert_allclose(ours, theta, atol=1e-8)
    plain = train_with_input_noise(net, starts[0], sigma=0.0, steps=steps, lr=lr)
    assert np.abs(ours - plain).max() > 1e-3                       # the noise did change the steps


def test_several_starts_see_the_same_noise_as_one(mse_net):
    net, starts = mse_net
    both = train_with_input_noise(net, starts, sigma=0.2, steps=10, lr=0.2, rng=1)
    assert both.shape == starts.shape
    for k in range(2):
        alone = train_with_input_noise(net, starts[k], sigma=0.2, steps=10, lr=0.2, rng=1)
        np.testing.assert_allclose(both[k], alone, rtol=1e-10, atol=1e-12)


def test_train_with_input_noise_validates(mse_net):
    net, starts = mse_net
    with pytest.raises(ValueError, match="sigma"):
        train_with_input_noise(net, starts[0], sigma=-1.0, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        train_with_input_noise(net, starts[0], sigma=0.1, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="theta0"):
        train_with_input_noise(net, starts[0][:-1], sigma=0.1, steps=1, lr=0.1)
    with pytest.raises(TypeError, match="model"):
        train_with_input_noise(object(), starts[0], sigma=0.1, steps=1, lr=0.1)
