"""ASAM's weights-only scaling (Kwon et al. 2021, github.com/SamsungLabs/ASAM): the mask, the perturbation, a step.

The oracle is a hand-written copy of the reference's two loops over named parameters: a tensor whose name holds
"weight" has its gradient multiplied by |w| + eta twice (before and after the norm), a bias not at all.
"""

import numpy as np
import pytest

from course_utils import data
from course_utils.models import MLP
from course_utils.optimizers import gd, run, sam, sam_perturbation
from course_utils.sharpness import sam_sharpness, weights_only_mask


def _net(bias=True):
    X, y = data.two_moons(20, noise=0.2, rng=0)
    return MLP(X, y, hidden=(3,), activation="tanh", loss="cross_entropy", bias=bias)


# the flat layout of a 2-3-1 MLP, written out: W1 (2x3), b1 (3), W2 (3x1), b2 (1)
LAYOUT = [("layer1.weight", 6), ("layer1.bias", 3), ("layer2.weight", 3), ("layer2.bias", 1)]


def _reference_asam_eps(theta, g, rho, eta):
    """Kwon et al.'s ascent_step on named tensors, in numpy."""
    named, i = [], 0
    for name, size in LAYOUT:
        named.append((name, theta[i:i + size].copy(), g[i:i + size].copy()))
        i += size
    t_ws, wgrads = [], []
    for name, p, grad in named:
        t_w = np.abs(p) + eta if "weight" in name else None
        if t_w is not None:
            grad *= t_w
        t_ws.append(t_w)
        wgrads.append(np.linalg.norm(grad))
    wgrad_norm = np.linalg.norm(wgrads) + 1e-16
    eps = []
    for (_name, _p, grad), t_w in zip(named, t_ws):
        if t_w is not None:
            grad *= t_w
        eps.append(grad * rho / wgrad_norm)
    return np.concatenate(eps)


def test_weights_only_mask_marks_the_weight_entries():
    net = _net()
    expected = np.concatenate([np.ones(6), np.zeros(3), np.ones(3), np.zeros(1)]) > 0
    np.testing.assert_array_equal(weights_only_mask(net), expected)
    assert weights_only_mask(net).dtype == np.bool_
    assert weights_only_mask(_net(bias=False)).all()   # no biases: every entry is a weight


def test_masked_asam_perturbation_matches_the_reference_loops():
    net = _net()
    rng = np.random.default_rng(3)
    theta, g = rng.standard_normal(net.dim), rng.standard_normal(net.dim)
    eps = sam_perturbation(g, 0.5, theta, adaptive=True, eta=0.01, scale_mask=weights_only_mask(net))
    np.testing.assert_allclose(eps, _reference_asam_eps(theta, g, 0.5, 0.01), rtol=1e-12)
    # and it differs from scaling every coordinate (the biases' factor is 1, not |b| + eta)
    everything = sam_perturbation(g, 0.5, theta, adaptive=True, eta=0.01)
    assert not np.allclose(eps, everything)
    mask = weights_only_mask(net)
    t = np.where(mask, np.abs(theta) + 0.01, 1.0)
    assert np.isclose(np.linalg.norm(eps / t), 0.5)   # on the sphere of radius rho in the scaled coordinates


def test_masked_asam_step_and_sharpness_use_the_reference_perturbation():
    net = _net()
    theta = net.init(np.random.default_rng(0))
    theta[[6, 7, 8, 12]] = [0.3, -0.2, 0.5, 0.1]    # non-zero biases, so their scale matters
    mask = weights_only_mask(net)
    eps = _reference_asam_eps(theta, net.grad(theta), 0.5, 0.01)
    expected = theta - 0.1 * net.grad(theta + eps)
    traj = run(net, sam(gd(), rho=0.5, adaptive=True, scale_mask=mask), theta, steps=1, lr=0.1)
    np.testing.assert_allclose(traj.thetas[1], expected, rtol=1e-10, atol=1e-14)
    assert np.isclose(sam_sharpness(net, theta, 0.5, adaptive=True, scale_mask=mask),
                      net.loss(theta + eps) - net.loss(theta), rtol=1e-10)


def test_an_all_true_mask_is_the_unmasked_asam():
    rng = np.random.default_rng(5)
    g, theta = rng.standard_normal(6), rng.standard_normal(6)
    np.testing.assert_array_equal(sam_perturbation(g, 0.3, theta, adaptive=True, scale_mask=np.ones(6, bool)),
                                  sam_perturbation(g, 0.3, theta, adaptive=True))


@pytest.mark.parametrize("mask, error, match", [
    (np.ones(5), TypeError, "boolean"),
    (np.ones(4, bool), ValueError, r"shape \(5,\)"),
    (np.ones((5, 1), bool), ValueError, "1-D"),
])
def test_scale_mask_is_validated(mask, error, match):
    with pytest.raises(error, match=match):
        sam_perturbation(np.ones(5), 0.1, np.ones(5), adaptive=True, scale_mask=mask)


def test_scale_mask_needs_adaptive_and_the_right_length_in_a_run():
    with pytest.raises(ValueError, match="adaptive"):
        sam(rho=0.1, scale_mask=np.ones(3, bool))
    with pytest.raises(ValueError, match="adaptive"):
        sam_perturbation(np.ones(3), 0.1, np.ones(3), scale_mask=np.ones(3, bool))
    net = _net()
    with pytest.raises(ValueError, match="scale_mask"):
        run(net, sam(rho=0.1, adaptive=True, scale_mask=np.ones(4, bool)), net.init(0), steps=1, lr=0.1)
    with pytest.raises(TypeError, match="MLP"):
        weights_only_mask("not a network")
