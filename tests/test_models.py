"""Models: derivatives against finite differences and dense references, batched losses against loops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.derivatives import finite_difference_gradient, finite_difference_hvp
from course_utils.models import MLP, LinearAutoencoder, LinearRegression, LogisticRegression, Quadratic


def _data(seed=0, n=40, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(float)
    return X, y


def _models():
    X, y = _data()
    rng = np.random.default_rng(1)
    return [
        Quadratic(rng.standard_normal((4, 4)), b=rng.standard_normal(4), c=1.5),
        LinearRegression(X, X @ [1.0, -2.0, 0.5] + 0.3),
        LogisticRegression(X, y),
        LogisticRegression(X, y, loss="mse"),
        MLP(X, y, hidden=(5,), activation="tanh", loss="mse"),
        MLP(X, y, hidden=(4, 4), activation="tanh", loss="cross_entropy", residual=True, weight_decay=0.01),
        MLP(X, rng.integers(0, 3, X.shape[0]), hidden=(4,), loss="cross_entropy"),
        MLP(X, y, hidden=(3, 2), activation="linear", bias=False),
        LinearAutoencoder(X, 2),
    ]


MODELS = _models()
IDS = [m.name for m in MODELS]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_gradient_matches_finite_differences(model, seed):
    theta = 0.7 * np.random.default_rng(seed).standard_normal(model.dim)
    g = model.grad(theta)
    fd = finite_difference_gradient(model.loss, theta)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_hvp_matches_dense_hessian_and_finite_differences(model):
    rng = np.random.default_rng(3)
    theta, v = 0.5 * rng.standard_normal(model.dim), rng.standard_normal(model.dim)
    H = model.hessian(theta)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(model.hvp(theta, v), H @ v, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.hvp(theta, v), finite_difference_hvp(model.grad, theta, v), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
@settings(max_examples=6, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 1000))
def test_loss_batch_agrees_with_loop(model, shape, seed):
    thetas = np.random.default_rng(seed).standard_normal((*shape, model.dim))
    batched = model.loss_batch(thetas)
    assert batched.shape == tuple(shape)
    looped = np.array([model.loss(t) for t in thetas.reshape(-1, model.dim)]).reshape(shape)
    np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)


def test_mlp_batched_loop_strategy_for_large_models_agrees():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 2))
    model = MLP(X, np.sin(X[:, 0]), hidden=(20,))  # N·H = 40 000: evaluated by a loop of BLAS calls
    thetas = rng.standard_normal((3, model.dim))
    np.testing.assert_allclose(model.loss_batch(thetas), [model.loss(t) for t in thetas], rtol=1e-12)


def test_linear_regression_hessian_is_closed_form():
    X, _ = _data()
    model = LinearRegression(X, X[:, 0])
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    np.testing.assert_allclose(model.hessian(np.zeros(model.dim)), 2 * Xt.T @ Xt / X.shape[0], rtol=1e-10)


def test_quadratic_from_eigenvalues_has_those_eigenvalues_and_rotated_axes():
    q = Quadratic.from_eigenvalues([3.0, -1.0], angle=np.pi / 6)
    np.testing.assert_allclose(q.eigenvalues, [-1.0, 3.0], atol=1e-12)
    axis = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    np.testing.assert_allclose(q.hessian(np.zeros(2)) @ axis, 3.0 * axis, atol=1e-12)
    np.testing.assert_allclose(q.grad(np.array([1.0, 2.0])), q.A @ [1.0, 2.0], atol=1e-12)


def test_mlp_unflatten_flatten_roundtrip_and_views():
    X, y = _data()
    model = MLP(X, y, hidden=(4, 3))
    theta = model.init(np.random.default_rng(0), scheme="he")
    layers = model.unflatten(theta)
    assert [W.shape for W, _ in layers] == [(3, 4), (4, 3), (3, 1)]
    np.testing.assert_array_equal(model.flatten(layers), theta)
    assert np.all(layers[0][1] == 0)  # biases start at zero
    assert model.dim == 3 * 4 + 4 + 4 * 3 + 3 + 3 * 1 + 1


def test_mlp_init_scales_follow_the_schemes():
    X = np.zeros((5, 400))
    model = MLP(X, np.zeros(5), hidden=(300,))
    for scheme, std in [("xavier", np.sqrt(2 / 700)), ("he", np.sqrt(2 / 400)), ("normal", 1.0)]:
        W = model.unflatten(model.init(np.random.default_rng(0), scheme=scheme, scale=0.5))[0][0]
        assert abs(W.std() / (0.5 * std) - 1) < 0.02


def test_mlp_predict_accuracy_and_relu_rescaling_invariance():
    X, y = _data()
    model = MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")
    theta = model.init(np.random.default_rng(2))
    p = model.predict(theta)
    assert p.shape == (X.shape[0],) and np.all((p > 0) & (p < 1))
    assert model.accuracy(theta) == pytest.approx(np.mean((p > 0.5) == y))
    (W1, b1), (W2, b2) = model.unflatten(theta)
    scaled = model.flatten([(4 * W1, 4 * b1), (W2 / 4, b2)])  # ReLU is positively homogeneous
    assert model.loss(scaled) == pytest.approx(model.loss(theta), rel=1e-12)


def test_subset_and_with_data_evaluate_on_the_right_examples():
    X, y = _data()
    model = MLP(X, y, hidden=(3,))
    theta = model.init(np.random.default_rng(0))
    sub = model.subset(np.arange(10))
    assert sub.n_examples == 10
    assert sub.loss(theta) == pytest.approx(model.with_data(X[:10], y[:10]).loss(theta), rel=1e-14)
    assert model.n_examples == 40  # the original is untouched


def test_linear_autoencoder_critical_points_have_closed_form_losses():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5])
    ae = LinearAutoencoder(X, 2)
    lam = np.sort(np.linalg.eigvalsh(ae.covariance()))[::-1]
    for subset in [(0, 1), (0, 3), (2, 3)]:
        theta = ae.critical_point(subset)
        assert np.linalg.norm(ae.grad(theta)) < 1e-10
        assert ae.loss(theta) == pytest.approx(lam.sum() - lam[list(subset)].sum(), rel=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(activation="sigmoidd"), "activation"),
        (dict(loss="hinge"), "loss"),
        (dict(hidden=(0,)), "hidden"),
        (dict(hidden="16"), "hidden"),
        (dict(weight_decay=-1.0), "weight_decay"),
    ],
)
def test_mlp_rejects_bad_arguments_by_name(kwargs, match):
    X, y = _data()
    with pytest.raises((ValueError, TypeError), match=match):
        MLP(X, y, **kwargs)


def test_models_reject_mismatched_data():
    X, y = _data()
    with pytest.raises(ValueError, match="same number of rows"):
        LinearRegression(X, y[:-1])
    with pytest.raises(ValueError, match="0/1"):
        LogisticRegression(X, y + 2)
    with pytest.raises(ValueError, match="theta"):
        MLP(X, y).loss(np.zeros(3))


def test_other_data_follows_the_models_label_rules():
    from course_utils import data

    X, y = data.two_moons(40, rng=0)
    net = MLP(X, y, hidden=(4,), loss="cross_entropy")
    logistic = LogisticRegression(X, y)
    with pytest.raises(ValueError, match="class labels below 2"):
        net.with_data(X, y + 2)  # a class the network has no output for
    with pytest.raises(ValueError, match="integer class labels"):
        net.with_data(X, y * 0.5)
    with pytest.raises(ValueError, match="0/1 labels"):
        logistic.with_data(X, 2 * y)
    with pytest.raises(ValueError, match="one label per row"):
        logistic.accuracy(np.zeros(logistic.dim), X, y[:1])  # would broadcast silently
    with pytest.raises(ValueError, match=r"\[-40, 40\)"):
        net.subset([40])
    assert net.with_data(X[:5], y[:5]).n_examples == 5 and logistic.with_data(X[:5], y[:5]).n_examples == 5
    assert net.subset([-1]).n_examples == 1
