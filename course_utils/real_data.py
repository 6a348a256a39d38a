r"""The real-data task of chapter 8: scikit-learn's handwritten digits and a network to classify them.

Every experiment of chapter 8 trains a fully connected network on the 8×8 digits (:func:`~.data.digits`: 64
standardised pixels, :math:`C = 10` classes). :func:`digits_task` builds that problem once per kernel and
setting — the training objective (an :class:`~.models.MLP` over the training images) together with the test
images — so that the chapter, its explorer and its exercises share one copy of the data and of the model's
cached derivatives.

Two losses, as in the papers the chapter reproduces:

* ``"cross_entropy"`` — softmax cross-entropy on the integer labels (Sagun et al. 2017; Li et al. 2018; Garipov
  et al. 2018; Frankle et al. 2020);
* ``"mse"`` — the squared loss on one-hot targets, :math:`L = \frac{1}{NC}\sum_i \|f(x_i) - e_{y_i}\|^2` (Cohen
  et al. 2021 use it for most of their edge-of-stability runs, because its Hessian needs no softmax).

Examples
--------
>>> task = digits_task(hidden=(32,), n_train=200)
>>> task.model.dim                      # 64·32 + 32 + 32·10 + 10
2410
>>> task.model.n_examples, task.X_test.shape
(200, (454, 64))
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .data import digits
from .models import MLP
from .validation import (
    check_bool,
    check_instance,
    check_int,
    check_layer_widths,
    check_option,
    check_scalar,
    check_vector,
)

__all__ = ["DigitsTask", "digits_task", "held_out_accuracy", "held_out_loss", "N_CLASSES"]

N_CLASSES = 10


class DigitsTask(NamedTuple):
    """The digits classification problem of one setting.

    Parameters
    ----------
    model : MLP
        The training objective: the network's loss on the training images (``model.dim`` parameters).
    X_test : ndarray, shape (n_test, 64)
        Test images, standardised with the training statistics.
    y_test : ndarray of int64, shape (n_test,)
        Their labels.
    targets_test : ndarray, shape (n_test,) or (n_test, 10)
        The test targets in the model's loss format: the labels for cross-entropy, one-hot rows for MSE.
    """

    model: MLP
    X_test: np.ndarray
    y_test: np.ndarray
    targets_test: np.ndarray


def _one_hot(labels: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    return np.eye(n_classes)[labels]


def digits_task(hidden=(32,), *, loss: str = "cross_entropy", activation: str = "tanh", n_train: int | None = None,
                test_frac: float = 0.25, data_seed: int = 0, n_classes: int = N_CLASSES,
                standardize: bool = True) -> DigitsTask:
    r"""The digits task: an MLP 64-``hidden``-10 on the training images, and the test set.

    Built once per kernel and setting (a least-recently-used cache of 16 settings): calling it again with the
    same arguments returns the same objects, derivative caches included.

    Parameters
    ----------
    hidden : int or sequence of int
        Hidden layer widths, e.g. ``(32,)`` for 64-32-10 (2,410 parameters) or ``(64, 64)``. Default ``(32,)``.
    loss : {"cross_entropy", "mse"}
        Softmax cross-entropy on the labels, or the squared loss on one-hot targets. Default ``"cross_entropy"``.
    activation : {"tanh", "relu", "linear"}
        The hidden layers' nonlinearity. Default ``"tanh"``.
    n_train : int, optional
        A class-balanced subset of the training images (at least 10); all 1,343 when omitted.
    test_frac : float
        Fraction of each class held out, in ``(0, 1)``. Default 0.25 (454 test images).
    data_seed : int
        Seed of the train/test split (through ``COURSE_SEED`` like every seed). Default 0.
    n_classes : int
        Keep the digits ``0 … n_classes − 1`` only (2 … 10); the network then has ``n_classes`` outputs. Default 10.
    standardize : bool
        Standardised inputs (default), or the raw intensities in :math:`[0, 1]` (:func:`~.data.digits`).

    Returns
    -------
    DigitsTask
    """
    hidden = tuple(check_layer_widths(hidden))
    loss = check_option(loss, "loss", ["cross_entropy", "mse"])
    activation = check_option(activation, "activation", ["tanh", "relu", "linear"])
    test_frac = check_scalar(test_frac, "test_frac", low=0, high=1, low_inclusive=False, high_inclusive=False)
    n_classes = check_int(n_classes, "n_classes", low=2, high=N_CLASSES)
    standardize = check_bool(standardize, "standardize")
    data_seed = check_int(data_seed, "data_seed", low=0)  # a seed, not a Generator: the cache key must be hashable
    if n_train is not None:
        n_train = check_int(n_train, "n_train", low=n_classes)
    return _digits_task(hidden, loss, activation, n_train, test_frac, data_seed, n_classes, standardize)


@lru_cache(maxsize=16)
def _digits_task(hidden, loss, activation, n_train, test_frac, data_seed, n_classes, standardize) -> DigitsTask:
    X_train, X_test, y_train, y_test = digits(test_frac=test_frac, n_train=n_train, rng=data_seed,
                                              n_classes=n_classes, standardize=standardize)
    if loss == "mse":
        model = MLP(X_train, _one_hot(y_train, n_classes), hidden=hidden, activation=activation, loss="mse")
        targets_test = _one_hot(y_test, n_classes)
    else:
        model = MLP(X_train, y_train, hidden=hidden, activation=activation, loss="cross_entropy",
                    n_outputs=n_classes)
        targets_test = y_test
    return DigitsTask(model, X_test, y_test, targets_test)


def held_out_accuracy(task: DigitsTask, theta) -> float:
    """Fraction of the test images whose largest output is their label.

    Parameters
    ----------
    task : DigitsTask
    theta : array_like, shape (P,)
        The network's parameters, ``P = task.model.dim``.

    Returns
    -------
    float
        Accuracy in ``[0, 1]``.
    """
    task = check_instance(task, "task", DigitsTask)
    theta = check_vector(theta, "theta", task.model.dim)
    return task.model.accuracy(theta, task.X_test, task.y_test)


def held_out_loss(task: DigitsTask, theta) -> float:
    """The model's loss on the test images (same loss as training, same parameters).

    Parameters
    ----------
    task : DigitsTask
    theta : array_like, shape (P,)
        The network's parameters, ``P = task.model.dim``.

    Returns
    -------
    float
    """
    task = check_instance(task, "task", DigitsTask)
    theta = check_vector(theta, "theta", task.model.dim)
    return float(task.model.with_data(task.X_test, task.targets_test).loss(theta))
