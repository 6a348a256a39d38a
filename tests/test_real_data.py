"""The digits loader and chapter 8's task, checked against scikit-learn's raw data (not against the loader)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from course_utils.data import digits
from course_utils.real_data import digits_task, held_out_accuracy, held_out_loss

RAW = load_digits()


def _back_to_pixels(Z: np.ndarray) -> np.ndarray:
    """Undo a per-column increasing affine map, knowing only that ``Z``'s rows are all the raw images.

    Each column's smallest and largest value correspond to the raw column's smallest and largest pixel, which fixes
    the map without the loader's statistics.
    """
    V = np.empty_like(Z)
    for j in range(Z.shape[1]):
        lo, hi = RAW.data[:, j].min(), RAW.data[:, j].max()
        z_lo, z_hi = Z[:, j].min(), Z[:, j].max()
        V[:, j] = lo if hi == lo else lo + (Z[:, j] - z_lo) * (hi - lo) / (z_hi - z_lo)
    return V


def test_split_is_a_stratified_partition_of_the_raw_images():
    X_train, X_test, y_train, y_test = digits(rng=0)
    raw_counts = np.bincount(RAW.target, minlength=10)
    assert X_train.shape[0] + X_test.shape[0] == RAW.data.shape[0] == 1797
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), np.ceil(0.25 * raw_counts).astype(int))
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10), raw_counts)
    # standardised with the training set's statistics: its columns have mean 0 and spread 1 (or none at all)
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-12)
    stds = X_train.std(axis=0)
    assert np.all(np.isclose(stds, 1) | np.isclose(stds, 0))
    assert X_train.dtype == np.float64 and X_train.flags.c_contiguous


@pytest.mark.parametrize("seed", [0, 3])
def test_every_image_is_a_raw_image_with_its_label_and_each_is_used_once(seed):
    X_train, X_test, y_train, y_test = digits(rng=seed)
    V = np.round(_back_to_pixels(np.vstack([X_train, X_test]))).astype(int)
    y = np.concatenate([y_train, y_test])
    have = sorted(zip(map(tuple, V), y.tolist()))
    want = sorted(zip(map(tuple, RAW.data.astype(int)), RAW.target.tolist()))
    assert have == want  # the same multiset of (image, label) pairs: nothing lost, duplicated or relabelled


def test_the_split_depends_on_the_seed():
    a, b = digits(rng=0), digits(rng=1)
    assert not np.array_equal(a[3], b[3])


def test_n_train_keeps_a_balanced_subset_and_the_same_test_set():
    full = digits(rng=1)
    sub = digits(n_train=300, rng=1)
    np.testing.assert_array_equal(np.bincount(sub[2], minlength=10), np.full(10, 30))
    assert sub[1].shape == full[1].shape


@pytest.mark.parametrize("kwargs, message", [
    (dict(test_frac=1.0), "test_frac"), (dict(test_frac=0.0), "test_frac"), (dict(n_train=5), "n_train"),
    (dict(n_train=5000), "n_train"),
])
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        digits(**kwargs)


def test_task_model_shapes_and_losses_against_a_hand_forward_pass():
    task = digits_task((32,), n_train=200)
    assert task.model.dim == 64 * 32 + 32 + 32 * 10 + 10
    theta = task.model.init(np.random.default_rng(0))
    W1 = theta[:2048].reshape(64, 32)
    b1 = theta[2048:2080]
    W2 = theta[2080:2400].reshape(32, 10)
    b2 = theta[2400:]
    logits = np.tanh(task.X_test @ W1 + b1) @ W2 + b2
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    assert held_out_loss(task, theta) == pytest.approx(-logp[np.arange(len(task.y_test)), task.y_test].mean(), rel=1e-12)
    assert held_out_accuracy(task, theta) == pytest.approx(np.mean(logits.argmax(1) == task.y_test))
    mse = digits_task((32,), loss="mse", n_train=200)
    onehot = np.eye(10)[mse.y_test]
    assert held_out_loss(mse, theta) == pytest.approx(np.mean((logits - onehot) ** 2), rel=1e-12)
    assert digits_task((32,), n_train=200) is task  # built once per setting


def test_raw_intensities_and_fewer_classes_against_the_raw_data():
    X_train, X_test, y_train, y_test = digits(n_classes=4, standardize=False, rng=2)
    assert set(y_train.tolist()) | set(y_test.tolist()) == {0, 1, 2, 3}
    raw = {(tuple(r), int(t)) for r, t in zip((RAW.data / 16.0).tolist(), RAW.target.tolist()) if t < 4}
    have = {(tuple(r), int(t)) for r, t in zip(np.vstack([X_train, X_test]).tolist(),
                                               np.concatenate([y_train, y_test]).tolist())}
    assert have == raw  # the images of digits 0–3 as intensities in [0, 1], each with its label
    assert X_train.shape[0] + X_test.shape[0] == int(np.sum(RAW.target < 4))
    task = digits_task((3,), n_classes=4, standardize=False)
    assert task.model.n_outputs == 4 and task.model.dim == 64 * 3 + 3 + 3 * 4 + 4
