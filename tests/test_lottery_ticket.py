"""Iterative magnitude pruning (course_utils.lottery_ticket), against independent oracles.

Oracles: the layer layout counted by hand from the widths; pruning checked against a brute-force sort in plain
Python; masked training against a hand-written numpy SGD loop that zeroes the pruned weights after every step;
a mask of ones against the optimizers' own unmasked SGD, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import optimizers
from course_utils.lottery_ticket import (
    lottery_ticket,
    magnitude_prune,
    mask_updates,
    masked_sgd,
    random_mask,
    train_masked,
    weight_layers,
)
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task, held_out_accuracy
from course_utils.stability import cosine_learning_rate


@pytest.fixture(scope="module")
def task():
    return digits_task(hidden=(12,), n_train=60, activation="relu")


def test_weight_layers_are_the_weights_counted_by_hand(task):
    # 64-12-10 with biases: W1 (64·12), b1 (12), W2 (12·10), b2 (10), flattened in that order
    layers = weight_layers(task.model)
    assert [list(idx) for idx in layers] == [list(range(0, 768)), list(range(780, 900))]
    assert task.model.dim == 910


def _brute_force_prune(theta, mask, layers, fractions):
    new = list(mask)
    for idx, p in zip(layers, fractions):
        kept = [int(i) for i in idx if mask[i] == 1]
        n_drop = int(round(p * len(kept)))
        by_size = sorted(kept, key=lambda i: (abs(theta[i]), i))  # smallest magnitude first, then position
        for i in by_size[:n_drop]:
            new[i] = 0.0
    return np.array(new)


@pytest.mark.parametrize("fraction", [0.2, 0.5])
def test_each_round_prunes_the_fraction_of_the_remaining_weights_with_smallest_magnitude(task, fraction):
    model = task.model
    layers = weight_layers(model)
    rng = np.random.default_rng(1)
    mask = np.ones(model.dim)
    for _ in range(4):
        theta = rng.standard_normal(model.dim)
        theta[rng.integers(0, model.dim, 30)] = 0.25  # ties, broken by position
        new = magnitude_prune(theta, mask, layers, fraction)
        expected = _brute_force_prune(theta, mask, layers, [fraction, fraction / 2])
        np.testing.assert_array_equal(new, expected)
        for idx, p in zip(layers, [fraction, fraction / 2]):  # the stated fraction of what remained
            assert mask[idx].sum() - new[idx].sum() == round(p * mask[idx].sum())
        biases = np.setdiff1d(np.arange(model.dim), np.concatenate(layers))
        assert np.all(new[biases] == 1) and np.all(new <= mask)
        mask = new


def test_random_mask_matches_the_per_layer_counts(task):
    layers = weight_layers(task.model)
    like = magnitude_prune(np.random.default_rng(0).standard_normal(task.model.dim), np.ones(task.model.dim),
                           layers, 0.6)
    rand = random_mask(like, layers, 3)
    for idx in layers:
        assert rand[idx].sum() == like[idx].sum()
    assert not np.array_equal(rand, like)
    biases = np.setdiff1d(np.arange(task.model.dim), np.concatenate(layers))
    assert np.all(rand[biases] == 1)


def test_the_mask_keeps_pruned_weights_at_exactly_zero_through_training(task):
    model = task.model
    theta0 = model.init(default_rng(0))
    mask = random_mask(magnitude_prune(theta0, np.ones(model.dim), weight_layers(model), 0.7),
                       weight_layers(model), 1)
    traj = optimizers.run(model, masked_sgd(mask), mask * theta0, steps=40, lr=0.5, batch_size=10, rng=2)
    pruned = mask == 0
    assert np.all(traj.thetas[:, pruned] == 0.0)          # every recorded step, exactly
    moved = traj.thetas[-1, ~pruned] != traj.thetas[0, ~pruned]
    assert moved.mean() > 0.8  # the kept ones did train (weights from the always-blank border pixels cannot)
    assert np.all(train_masked(model, theta0, mask, steps=40, lr=0.5, batch_size=10, seed=2)[pruned] == 0.0)


def test_a_mask_of_ones_is_unmasked_training_bit_for_bit(task):
    model = task.model
    theta0 = model.init(default_rng(4))
    plain = optimizers.run(model, optimizers.sgd(), theta0, steps=30, lr=cosine_learning_rate(0.3, 30),
                           batch_size=8, rng=default_rng(5)).thetas[-1]
    masked = train_masked(model, theta0, np.ones(model.dim), steps=30, lr=cosine_learning_rate(0.3, 30),
                          batch_size=8, seed=5)
    np.testing.assert_array_equal(masked, plain)


def test_masked_networks_side_by_side_are_each_the_hand_written_loop(task):
    model = task.model
    layers = weight_layers(model)
    starts = np.stack([model.init(default_rng(i)) for i in range(3)])
    masks = np.stack([np.ones(model.dim), magnitude_prune(starts[1], np.ones(model.dim), layers, 0.5),
                      random_mask(magnitude_prune(starts[2], np.ones(model.dim), layers, 0.8), layers, 0)])
    runs = optimizers.run_many(model, [masked_sgd(m) for m in masks], masks * starts, steps=25, lrs=0.4,
                               batch_size=6, rng=default_rng(9))
    # checking the full loss only at the end takes the same steps: the same parameters, bit for bit
    quick = optimizers.run_many(model, [masked_sgd(m) for m in masks], masks * starts, steps=25, lrs=0.4,
                                batch_size=6, rng=default_rng(9), record_every=25, monitor_every=25)
    np.testing.assert_array_equal(np.stack([r.final_theta for r in quick]), np.stack([r.thetas[-1] for r in runs]))
    for k, (theta, mask) in enumerate(zip(starts, masks)):  # and each is what the hand-written loop gives
        sampler = optimizers.MinibatchSampler(model.n_examples, 6, default_rng(9))
        theta = mask * theta
        for _ in range(25):
            theta = mask * (theta - 0.4 * model.subset(sampler.next()).grad(theta))
        np.testing.assert_allclose(runs[k].thetas[-1], theta, rtol=0, atol=1e-12)


def _hand_sgd(model, theta, mask, steps, schedule, batch_size, seed):
    """Masked SGD written out: a minibatch gradient step, then the pruned weights set back to 0."""
    sampler = optimizers.MinibatchSampler(model.n_examples, batch_size, default_rng(seed))
    theta = mask * theta
    for t in range(steps):
        g = model.subset(sampler.next()).grad(theta)
        theta = mask * (theta - schedule(t) * g)
    return theta


@pytest.mark.parametrize("rewind_step", [0, 4])
def test_the_ticket_is_the_pruned_net_rewound_to_theta_k_and_retrained(rewind_step):
    # the pipeline rebuilt by hand: dense run, brute-force pruning, rewinding to θ_k, masked retraining
    kw = dict(hidden=(12,), n_train=60, activation="relu", steps=20, lr=0.3, batch_size=10, rounds=2,
              fraction=0.4, rewind_step=rewind_step, starts=1, seed=0)
    result = lottery_ticket(**kw)
    task = digits_task(hidden=(12,), n_train=60, activation="relu")
    model, layers, T, k = task.model, weight_layers(task.model), 20, rewind_step
    ones = np.ones(model.dim)
    theta0 = model.init(default_rng(0))
    theta_k = _hand_sgd(model, theta0, ones, k, cosine_learning_rate(0.3, T), 10, 2) if k else theta0
    rest = cosine_learning_rate(0.3, T, k)
    trained = _hand_sgd(model, theta_k, ones, T - k, rest, 10, 3)
    np.testing.assert_allclose(result.ticket[0, 0], held_out_accuracy(task, trained), atol=1.5 / 454)
    mask = ones
    for r in (1, 2):
        mask = _brute_force_prune(trained, mask, layers, [0.4, 0.2])
        assert np.array_equal(mask * theta_k, np.where(mask == 1, theta_k, 0.0))  # the rewound start, exactly
        trained = _hand_sgd(model, theta_k, mask, T - k, rest, 10, 3 + r)
        np.testing.assert_allclose(result.ticket[0, r], held_out_accuracy(task, trained), atol=1.5 / 454)
    kept = sum(mask[idx].sum() for idx in layers) / sum(idx.size for idx in layers)
    assert result.remaining[-1] == pytest.approx(kept)


def test_zero_steps_return_the_rewound_start_exactly(task):
    model = task.model
    theta0 = model.init(default_rng(0))
    mask = magnitude_prune(theta0, np.ones(model.dim), weight_layers(model), 0.5)
    out = train_masked(model, theta0, mask, steps=0, lr=0.1, batch_size=5, seed=0)
    np.testing.assert_array_equal(out[mask == 1], theta0[mask == 1])
    assert np.all(out[mask == 0] == 0)


def test_result_shapes_and_remaining_fractions():
    r = lottery_ticket(hidden=(12,), n_train=60, steps=10, rounds=3, fraction=0.2, starts=2)
    assert r.ticket.shape == r.reinit.shape == r.random.shape == (2, 4)
    assert r.ticket_barrier.shape == r.reinit_barrier.shape == (2,)
    np.testing.assert_array_equal(r.ticket[:, 0], r.reinit[:, 0])  # round 0 is the dense network for every arm
    assert r.remaining[0] == 1 and np.all(np.diff(r.remaining) < 0)
    # hidden layer keeps 0.8^r, output 0.9^r (rounded counts): the overall fraction lies between
    assert np.all(r.remaining[1:] >= 0.8 ** np.arange(1, 4) - 0.01)
    assert np.all(r.remaining[1:] <= 0.9 ** np.arange(1, 4) + 0.01)


@pytest.mark.parametrize("call, name", [
    (lambda t: magnitude_prune(np.ones(910), np.ones(910), weight_layers(t.model), 1.0), "fraction"),
    (lambda t: magnitude_prune(np.ones(910), np.full(910, 0.5), weight_layers(t.model), 0.2), "mask"),
    (lambda t: magnitude_prune(np.ones(910), np.ones(909), weight_layers(t.model), 0.2), "mask"),
    (lambda t: magnitude_prune(np.ones(910), np.ones(910), [np.array([0, 5000])], 0.2), "layers"),
    (lambda t: mask_updates(np.array([0.0, 2.0])), "mask"),
    (lambda t: train_masked(t.model, np.zeros(910), np.ones(910), steps=-1, lr=0.1, batch_size=5, seed=0), "steps"),
    (lambda t: train_masked(t.model, np.zeros(910), np.ones(909), steps=1, lr=0.1, batch_size=5, seed=0), "mask"),
    (lambda t: lottery_ticket(rounds=0), "rounds"),
    (lambda t: lottery_ticket(steps=10, rewind_step=10), "rewind_step"),
    (lambda t: lottery_ticket(activation="sigmoid"), "activation"),
])
def test_errors_name_the_argument(task, call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call(task)
