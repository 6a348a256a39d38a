"""Stability to SGD noise (course_utils.stability), checked against hand-written SGD loops and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.models import MLP
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task
from course_utils.stability import cosine_learning_rate, spawn_copies, spawn_stability


def _small_model():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 3))
    return MLP(X, np.arange(12) % 3, hidden=(4,), activation="tanh", loss="cross_entropy")


def test_cosine_rate_matches_the_closed_form_and_continues_at_the_offset():
    sched = cosine_learning_rate(0.8, 100)
    for t in (0, 1, 25, 50, 99, 100, 150):
        assert sched(t) == pytest.approx(0.4 * (1 + math.cos(math.pi * min(t, 100) / 100)), abs=1e-15)
    assert sched(0) == pytest.approx(0.8) and sched(50) == pytest.approx(0.4) and sched(100) == pytest.approx(0.0)
    shifted = cosine_learning_rate(0.8, 100, offset=30)
    assert all(shifted(t) == pytest.approx(sched(t + 30)) for t in range(0, 80, 7))


def _sgd_by_hand(model, theta, seed, steps, lr, batch_size):
    """SGD written out: a fresh permutation of the examples per epoch, consecutive minibatches, the full last batch
    dropped when it would be short."""
    rng = default_rng(seed)
    order, cursor = None, 0
    theta = theta.copy()
    for t in range(steps):
        if order is None or cursor + batch_size > model.n_examples:
            order, cursor = rng.permutation(model.n_examples), 0
        idx = order[cursor:cursor + batch_size]
        cursor += batch_size
        eta = lr(t) if callable(lr) else lr
        theta = theta - eta * model.subset(idx).grad(theta)
    return theta


@pytest.mark.parametrize("lr", [0.3, cosine_learning_rate(0.5, 20, offset=5)])
def test_each_copy_is_sgd_with_its_own_data_order(lr):
    model = _small_model()
    theta = model.init(0)
    copies = spawn_copies(model, theta, [4, 9, 4], steps=15, lr=lr, batch_size=5)
    assert copies.shape == (3, model.dim)
    for row, seed in zip(copies, (4, 9, 4)):
        np.testing.assert_allclose(row, _sgd_by_hand(model, theta, seed, 15, lr, 5), rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(copies[0], copies[2])  # same seed, same order, same end
    assert np.linalg.norm(copies[0] - copies[1]) > 1e-3  # another order, another end
    np.testing.assert_array_equal(spawn_copies(model, theta, [1, 2], steps=0, lr=0.1, batch_size=3), [theta, theta])


def test_spawn_copies_refuses_bad_arguments():
    model = _small_model()
    theta = model.init(0)
    with pytest.raises(TypeError, match="`seeds`"):
        spawn_copies(model, theta, 3, steps=2, lr=0.1, batch_size=2)
    with pytest.raises(ValueError, match="`lr`"):
        spawn_copies(model, theta, [0], steps=2, lr=-0.1, batch_size=2)
    with pytest.raises(ValueError, match="`theta`"):
        spawn_copies(model, theta[:-1], [0], steps=2, lr=0.1, batch_size=2)


def test_spawn_stability_measures_the_error_barrier_of_the_copies():
    res = spawn_stability(hidden=(4,), n_train=50, batch_size=10, lr=0.5, steps=12, spawn_steps=(0, 6), n_points=5)
    assert res is spawn_stability(hidden=(4,), n_train=50, batch_size=10, lr=0.5, steps=12, spawn_steps=(0, 6),
                                  n_points=5)  # cached
    task = digits_task(hidden=(4,), n_train=50)
    model, n_test = task.model, task.y_test.size
    # rebuild the experiment by hand: the parent, the two copies at each k, their line, the error by brute force
    parent = model.init(default_rng(0))
    sched = cosine_learning_rate(0.5, 12)
    parents = {0: parent, 6: _sgd_by_hand(model, parent, 1, 6, sched, 10)}
    for i, k in enumerate((0, 6)):
        ends = [_sgd_by_hand(model, parents[k], 1000 + 2 * k + c, 12 - k, cosine_learning_rate(0.5, 12, k), 10)
                for c in (0, 1)]
        errors = []
        for alpha in np.linspace(0, 1, 5):
            logits = model.forward_batch(((1 - alpha) * ends[0] + alpha * ends[1])[None], task.X_test)[0]
            errors.append(np.mean(np.argmax(logits, axis=1) != task.y_test))
        np.testing.assert_allclose(res.errors[i], errors, atol=1e-12)
        assert res.barriers[i] == pytest.approx(max(errors) - (errors[0] + errors[-1]) / 2, abs=1e-12)
        assert res.parent_errors[i] == pytest.approx(1 - model.accuracy(parents[k], task.X_test, task.y_test))
    assert np.allclose(res.errors * n_test, np.round(res.errors * n_test))  # whole numbers of test images


def test_spawn_stability_refuses_bad_settings():
    with pytest.raises(ValueError, match="`spawn_steps`"):
        spawn_stability(steps=10, spawn_steps=(0, 20))
    with pytest.raises(ValueError, match="`spawn_steps`"):
        spawn_stability(steps=10, spawn_steps=(5, 2))
    with pytest.raises(TypeError, match="`spawn_steps`"):
        spawn_stability(spawn_steps=5)
    with pytest.raises(ValueError, match="`lr`"):
        spawn_stability(lr=1e3)
