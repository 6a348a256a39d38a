"""The Hessian's Frobenius norm as a sharpness measure, each result against an oracle of its own.

* ``hessian_frobenius`` (exact path) against the eigenvalues of a finite-difference Hessian of the MLP's
  hand-written backpropagation gradient (no autograd in the oracle), and the norm sandwich λ_max ≤ ‖H‖_F ≤ tr H of a
  positive semi-definite matrix;
* ``hutchinson_frobenius`` on a dense matrix with a known spectrum: unbiased for ‖H‖_F² = Σλ² (the mean of many
  probes within four standard errors), its 95 % interval covering Σλ² in about 95 % of independent runs, and the
  Hessian-vector-product path giving the same samples as the matrix path.
"""

import numpy as np
import pytest

from course_utils import data, sharpness
from course_utils.models import MLP, Quadratic
from course_utils.randomness import default_rng


def _fd_hessian(grad, theta, h=1e-5):
    e = np.eye(theta.size)
    H = np.array([(grad(theta + h * e[i]) - grad(theta - h * e[i])) / (2 * h) for i in range(theta.size)])
    return 0.5 * (H + H.T)


@pytest.fixture(scope="module")
def net_and_theta():
    X, y = data.two_moons(40, noise=0.2, rng=1)
    net = MLP(X, 2.0 * y - 1, hidden=(4,), activation="tanh", loss="mse")
    return net, net.init(2)


def test_exact_frobenius_is_the_root_of_the_squared_eigenvalues(net_and_theta):
    net, theta = net_and_theta
    lam = np.linalg.eigvalsh(_fd_hessian(net.grad, theta))
    norm, se = sharpness.hessian_frobenius(net, theta, method="exact")
    assert se == 0.0
    assert norm == pytest.approx(np.sqrt(np.sum(lam**2)), rel=1e-6)


def test_frobenius_sits_between_lambda_max_and_trace_for_a_psd_hessian():
    eigs = np.array([0.0, 0.1, 0.5, 2.0, 9.0])
    q = Quadratic(np.diag(eigs))
    norm, _ = sharpness.hessian_frobenius(q, np.ones(5))
    assert norm == pytest.approx(np.sqrt(np.sum(eigs**2)), rel=1e-12)
    assert eigs.max() <= norm <= eigs.sum()


@pytest.fixture(scope="module")
def spectrum_matrix():
    rng = np.random.default_rng(0)
    P = 30
    Q, _ = np.linalg.qr(rng.standard_normal((P, P)))
    eigs = np.concatenate([[20.0, 6.0], rng.uniform(-1, 2, P - 2)])   # indefinite, one outlier: skewed samples
    H = (Q * eigs) @ Q.T
    return 0.5 * (H + H.T), float(np.sum(eigs**2))


def test_hutchinson_frobenius_is_unbiased(spectrum_matrix):
    H, truth = spectrum_matrix
    est = sharpness.hutchinson_frobenius(H, H.shape[0], rng=default_rng(7), n_probes=200_000)
    assert abs(est.estimate - truth) < 4 * est.stderr, (est.estimate, truth, est.stderr)
    assert est.stderr < 0.01 * truth                    # ... and the test has the power to see a 4 % bias


def test_hutchinson_frobenius_interval_has_its_nominal_coverage(spectrum_matrix):
    H, truth = spectrum_matrix
    runs = 2000                                          # s.d. of a measured 95 % coverage: 0.0049
    covered = sum(sharpness.hutchinson_frobenius(H, H.shape[0], rng=default_rng(100 + k), n_probes=20).contains(truth)
                  for k in range(runs))
    assert 0.925 <= covered / runs <= 0.97, covered / runs      # measured 0.9465 over 4000 runs


def test_hvp_path_gives_the_matrix_path_samples(spectrum_matrix):
    H, _ = spectrum_matrix
    a = sharpness.hutchinson_frobenius(H, H.shape[0], rng=3, n_probes=25)
    b = sharpness.hutchinson_frobenius(lambda v: H @ v, H.shape[0], rng=3, n_probes=25)
    np.testing.assert_allclose(a.samples, b.samples, rtol=1e-12)


def test_hutchinson_path_of_hessian_frobenius_brackets_the_exact_value(net_and_theta):
    net, theta = net_and_theta
    exact, _ = sharpness.hessian_frobenius(net, theta, method="exact")
    est, se = sharpness.hessian_frobenius(net, theta, method="hutchinson", n_probes=4000, rng=1)
    assert abs(est - exact) < 4 * se and se < 0.05 * exact


def test_frobenius_validates_its_arguments(spectrum_matrix):
    H, _ = spectrum_matrix
    with pytest.raises(ValueError, match="n_probes"):
        sharpness.hutchinson_frobenius(H, H.shape[0], n_probes=1)
    with pytest.raises(ValueError, match="symmetric"):
        sharpness.hutchinson_frobenius(np.triu(np.ones((3, 3))), 3)
    with pytest.raises(TypeError, match="hvp"):
        sharpness.hutchinson_frobenius("H", 3)
    with pytest.raises(ValueError, match="method"):
        sharpness.hessian_frobenius(Quadratic(np.eye(2)), np.zeros(2), method="dense")
