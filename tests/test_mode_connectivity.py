"""Chapter 8's mode-connectivity experiment (course_utils.mode_connectivity), checked by brute force and by
properties that hold whatever the training did: a path's ends, the plane's geometry, the same function after
relabelling."""

from __future__ import annotations

from itertools import combinations, permutations

import numpy as np
import pytest

from course_utils.connectivity import permute_hidden_units, weight_matching
from course_utils.mode_connectivity import aligned_barriers_by_width, digits_mode_connectivity
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task

SMALL = dict(n_train=60, steps=40, lr=0.02)


def _errors(model, thetas, X, y):
    return np.array([np.mean(np.argmax(model.forward_batch(t[None], X)[0], axis=1) != y) for t in thetas])


def test_pair_paths_plane_and_values_by_brute_force():
    pair = digits_mode_connectivity(hidden=5, **SMALL, curve_steps=30, resolution=6)
    assert pair is digits_mode_connectivity(hidden=5, **SMALL, curve_steps=30, resolution=6)  # cached
    task = digits_task(hidden=(5,), n_train=60)
    model = task.model
    a, b, bend = pair.ends[0], pair.ends[1], pair.bend
    t = pair.alphas
    line = (1 - t)[:, None] * a + t[:, None] * b
    curve = ((1 - t) ** 2)[:, None] * a + (2 * t * (1 - t))[:, None] * bend + (t**2)[:, None] * b
    np.testing.assert_allclose(pair.line_losses, [model.loss(p) for p in line], rtol=1e-10)
    np.testing.assert_allclose(pair.curve_losses, [model.loss(p) for p in curve], rtol=1e-10)
    np.testing.assert_allclose(pair.line_errors, _errors(model, line, task.X_test, task.y_test), atol=1e-12)
    np.testing.assert_allclose(pair.curve_errors, _errors(model, curve, task.X_test, task.y_test), atol=1e-12)
    # the aligned line starts at θ₁ and ends at a relabelling of θ₂: the same network, so the same loss and error
    assert pair.aligned_losses[0] == pytest.approx(pair.line_losses[0], rel=1e-10)
    assert pair.aligned_losses[-1] == pytest.approx(pair.line_losses[-1], rel=1e-10)
    assert pair.aligned_errors[-1] == pytest.approx(pair.line_errors[-1], abs=1e-12)
    # the plane: origin θ₁, first axis towards θ₂; distances are preserved, and its grid holds the training loss
    assert np.allclose(pair.anchors[0], 0) and pair.anchors[1] == pytest.approx([np.linalg.norm(b - a), 0])
    assert np.linalg.norm(pair.anchors[2]) == pytest.approx(np.linalg.norm(bend - a))
    np.testing.assert_allclose(pair.line_xy[:, 1], 0, atol=1e-9)
    np.testing.assert_allclose(pair.line_xy[:, 0], t * np.linalg.norm(b - a), rtol=1e-10)
    # the curve lies in the plane: its plane coordinates keep every distance to θ₁
    np.testing.assert_allclose(np.linalg.norm(pair.curve_xy, axis=1), np.linalg.norm(curve - a, axis=1), rtol=1e-9)
    u = (b - a) / np.linalg.norm(b - a)
    w = bend - a - ((bend - a) @ u) * u
    w /= np.linalg.norm(w)
    i, j = 2, 4
    point = a + pair.plane_x[i] * u + pair.plane_y[j] * w
    assert pair.plane_losses[i, j] == pytest.approx(model.loss(point), rel=1e-10)
    assert pair.plane_losses.shape == (6, 6)


def test_width_sweep_barriers_by_brute_force():
    sweep = aligned_barriers_by_width((3, 4), n_nets=3, **SMALL)
    assert sweep.raw_barriers.shape == sweep.aligned_barriers.shape == (2, 3) and sweep.end_losses.shape == (2, 3)
    for w_index, width in enumerate((3, 4)):
        task = digits_task(hidden=(width,), n_train=60)
        model = task.model
        # re-train the networks as documented (same seeds): full-batch Adam written out
        nets = []
        for i in range(3):
            theta = model.init(default_rng(100 * i + width))
            m, v = np.zeros_like(theta), np.zeros_like(theta)
            for step in range(1, 41):
                g = model.grad(theta)
                m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
                theta = theta - 0.02 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
            nets.append(theta)
        np.testing.assert_allclose(sweep.end_losses[w_index], [model.loss(n) for n in nets], rtol=1e-8)
        t = np.linspace(0, 1, 21)
        for q, (i, j) in enumerate(combinations(range(3), 2)):
            losses = np.array([model.loss((1 - s) * nets[i] + s * nets[j]) for s in t])
            assert sweep.raw_barriers[w_index, q] == pytest.approx(losses.max() - (losses[0] + losses[-1]) / 2,
                                                                   rel=1e-6)
            # the aligned line: θ_i to θ_j relabelled by weight matching (same function), on the same 21 points
            moved = weight_matching(model, nets[i], nets[j]).theta
            losses = np.array([model.loss((1 - s) * nets[i] + s * moved) for s in t])
            assert sweep.aligned_barriers[w_index, q] == pytest.approx(losses.max() - (losses[0] + losses[-1]) / 2,
                                                                       rel=1e-6)


def test_weight_matching_beats_every_permutation_on_a_tiny_width():
    # the matching the sweep relies on, by enumeration: for width 3, every permutation and sign flip
    sweep = aligned_barriers_by_width((3,), n_nets=2, **SMALL)
    assert sweep.aligned_barriers.shape == (1, 1)
    model = digits_task(hidden=(3,), n_train=60).model
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, model.dim))
    best = min(np.linalg.norm(a - permute_hidden_units(model, b, [np.array(p)], [np.array(s)]))
               for p in permutations(range(3)) for s in np.array(np.meshgrid(*[[-1.0, 1.0]] * 3)).T.reshape(-1, 3))
    assert weight_matching(model, a, b).distance_after == pytest.approx(best, rel=1e-12)


def test_refuses_bad_settings():
    with pytest.raises(TypeError, match="`widths`"):
        aligned_barriers_by_width(8)
    with pytest.raises(ValueError, match="`n_nets`"):
        aligned_barriers_by_width((8,), n_nets=1)
    with pytest.raises(ValueError, match="`lr`"):
        digits_mode_connectivity(lr=5.0)
    with pytest.raises(TypeError, match="`hidden`"):
        digits_mode_connectivity(hidden=(8,))
