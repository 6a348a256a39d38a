"""connectivity.train_lockstep (many Adam runs, one batched gradient per step) and connectivity.aligned_line,
checked against independent references: the optimizers package's own Adam run one network at a time, and
weight matching's defining property (same function, closer vector)."""

import numpy as np
import pytest

from course_utils import connectivity as C
from course_utils import data, optimizers
from course_utils.models import MLP


@pytest.fixture(scope="module")
def model():
    X, y = data.two_moons(60, 0.15, rng=0)
    return MLP(X, y, hidden=(5,), activation="tanh", loss="cross_entropy")


def test_lockstep_rows_equal_separate_adam_runs(model):
    starts = np.stack([model.init(np.random.default_rng(s)) for s in range(3)])
    ends = C.train_lockstep(model, starts, steps=60, lr=0.03)
    for k in range(3):
        ref = optimizers.run(model, optimizers.adam(), starts[k], steps=60, lr=0.03).final_theta
        np.testing.assert_allclose(ends[k], ref, rtol=0, atol=1e-10)
    assert model.loss_batch(ends).max() < model.loss_batch(starts).min()  # it trains


def test_lockstep_noise_separates_identical_starts(model):
    start = model.init(np.random.default_rng(0))
    quiet = C.train_lockstep(model, np.stack([start, start]), steps=30, lr=0.03)
    np.testing.assert_array_equal(quiet[0], quiet[1])
    noisy = C.train_lockstep(model, np.stack([start, start]), steps=30, lr=0.03, noise=0.5, rng=1)
    assert np.linalg.norm(noisy[0] - noisy[1]) > 1e-3
    again = C.train_lockstep(model, np.stack([start, start]), steps=30, lr=0.03, noise=0.5, rng=1)
    np.testing.assert_array_equal(noisy, again)  # reproducible from the seed


def test_lockstep_validation(model):
    start = model.init(np.random.default_rng(0))[None]
    with pytest.raises(ValueError, match="rng"):
        C.train_lockstep(model, start, steps=2, noise=0.1)
    with pytest.raises(ValueError, match="lr"):
        C.train_lockstep(model, start, steps=2, lr=0.0)
    with pytest.raises(ValueError, match="starts"):
        C.train_lockstep(model, start[:, :-1], steps=2)
    assert C.train_lockstep(model, start, steps=0).shape == start.shape


def test_aligned_line_ends_at_the_same_function_closer(model):
    a, b = (optimizers.run(model, optimizers.adam(), model.init(np.random.default_rng(s)), steps=100,
                           lr=0.03).final_theta for s in (1, 2))
    line = C.aligned_line(model, a, b)
    np.testing.assert_allclose(line.points(0.0), a)
    end = line.points(1.0)
    np.testing.assert_allclose(model.forward_batch(end[None]), model.forward_batch(b[None]), atol=1e-10)
    assert np.linalg.norm(end - a) <= np.linalg.norm(b - a)
    # the midpoint really is the average of the two ends (a straight line)
    np.testing.assert_allclose(line.points(0.5), 0.5 * (a + end), atol=1e-12)


def test_lockstep_annealed_noise_is_noise_free_at_the_end(model):
    """With anneal_noise the noise scale at the last of T steps is σ/T: a one-step run is noisy at σ, and the
    annealed run of T steps differs from the constant-noise run with the same draws."""
    start = model.init(np.random.default_rng(0))[None]
    const = C.train_lockstep(model, start, steps=20, lr=0.03, noise=0.5, rng=3)
    annealed = C.train_lockstep(model, start, steps=20, lr=0.03, noise=0.5, anneal_noise=True, rng=3)
    assert np.linalg.norm(const - annealed) > 1e-6
    # first step: scale σ (1 - 0) = σ, identical to the constant-noise run
    np.testing.assert_array_equal(C.train_lockstep(model, start, steps=1, lr=0.03, noise=0.5, rng=3),
                                  C.train_lockstep(model, start, steps=1, lr=0.03, noise=0.5, anneal_noise=True,
                                                   rng=3))
    with pytest.raises(TypeError, match="anneal_noise"):
        C.train_lockstep(model, start, steps=1, noise=0.5, anneal_noise=1, rng=3)


def test_lockstep_per_row_steps_match_separate_runs(model):
    starts = np.stack([model.init(np.random.default_rng(s)) for s in range(3)])
    ends = C.train_lockstep(model, starts, steps=[10, 0, 25], lr=0.03)
    np.testing.assert_array_equal(ends[1], starts[1])
    for k, n in [(0, 10), (2, 25)]:
        ref = optimizers.run(model, optimizers.adam(), starts[k], steps=n, lr=0.03).final_theta
        np.testing.assert_allclose(ends[k], ref, rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="steps"):
        C.train_lockstep(model, starts, steps=[10, 5])
