r"""Small and large batches on real data: the minimum each reaches, compared at matched training loss.

Keskar et al. (2017, "On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima") trained
the same networks with small batches and with batches of 10 % of the data and reported that the large-batch
solutions are *sharper* and generalise worse; their Fig. 3 draws the loss on the line through the two solutions,
:math:`f((1-\alpha)\theta_s + \alpha\theta_\ell)`, for :math:`\alpha` beyond :math:`[0, 1]` (the picture of
Goodfellow et al. 2015). Li et al. (2018, "Visualizing the Loss Landscape of Neural Nets", §4–5) showed that such
raw 1-D pictures depend on the scale of the weights — weight decay can flip them — and compared minima along
*filter-normalised* random directions instead (:func:`course_utils.surfaces.filter_normalize`).

:func:`small_vs_large_batch` runs that comparison on chapter 8's digits network
(:func:`course_utils.real_data.digits_task`): one start, minibatch SGD with a small batch, then full-batch
gradient descent (the largest batch) with the same step size **until its training loss first falls to the
small-batch run's final training loss** — so the two minima are compared at matched training loss, not at matched
epochs. It returns everything chapter 8's figure draws, memoised per kernel.

Examples
--------
>>> from course_utils.batch_size import small_vs_large_batch
>>> r = small_vs_large_batch(n_train=100, epochs=2, hidden=8)
>>> r.steps_small                        # 2 epochs of 100 // 8 = 12 minibatches
24
>>> r.train_loss_large <= r.train_loss_small < r.train_loss_large + 0.1
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from . import curvature, surfaces
from .optimizers import run, sgd
from .randomness import default_rng
from .real_data import digits_task, held_out_accuracy, held_out_loss
from .validation import check_int, check_scalar

__all__ = ["BatchComparison", "small_vs_large_batch"]


class BatchComparison(NamedTuple):
    r"""The small- and large-batch minima of one start and what chapter 8 draws of them.

    Parameters
    ----------
    batch_size : int
        The small batch :math:`B`; the large batch is the whole training set (``n_train`` images).
    n_train : int
        Training images.
    lr : float
        The step size :math:`\eta` of both runs.
    theta_small, theta_large : ndarray, shape (P,)
        The two solutions.
    steps_small, steps_large : int
        Steps each run took (the large-batch run stops at the first step whose training loss is at most
        ``train_loss_small``).
    epochs_small, epochs_large : float
        The same, in passes over the training set.
    train_loss_small, train_loss_large : float
        Training loss (cross-entropy) of each solution; matched by construction.
    test_loss_small, test_loss_large : float
        Cross-entropy on the test images.
    test_accuracy_small, test_accuracy_large : float
        Test accuracy of each solution.
    lambda_max_small, lambda_max_large : float
        Largest eigenvalue of the training loss's Hessian at each solution (Lanczos).
    alphas : ndarray, shape (A,)
        Positions on the line :math:`\theta(\alpha) = (1-\alpha)\theta_s + \alpha\theta_\ell`.
    line_train_loss, line_test_loss, line_train_accuracy, line_test_accuracy : ndarray, shape (A,)
        Loss and accuracy along that line, on the training and the test images.
    slice_alphas : ndarray, shape (S,)
        Positions :math:`\alpha` of the filter-normalised slices :math:`L(\theta^* + \alpha d^*)`.
    slice_train_small, slice_train_large : ndarray, shape (D, S)
        The training loss along ``D`` filter-normalised Gaussian directions around each solution; direction
        ``k`` is the same Gaussian draw for both, normalised to each solution's filters.
    plane_alphas : ndarray, shape (G,)
        Coordinates of the filter-normalised planes, :math:`[-1, 1]` on both axes.
    plane_train_small, plane_train_large : ndarray, shape (G, G)
        The training loss on the plane :math:`\theta^* + \alpha d_1^* + \beta d_2^*` spanned by the first two
        of those directions (``indexing="ij"``: rows follow :math:`\alpha`) — Li et al.'s 2-D picture.
    """

    batch_size: int
    n_train: int
    lr: float
    theta_small: np.ndarray
    theta_large: np.ndarray
    steps_small: int
    steps_large: int
    epochs_small: float
    epochs_large: float
    train_loss_small: float
    train_loss_large: float
    test_loss_small: float
    test_loss_large: float
    test_accuracy_small: float
    test_accuracy_large: float
    lambda_max_small: float
    lambda_max_large: float
    alphas: np.ndarray
    line_train_loss: np.ndarray
    line_test_loss: np.ndarray
    line_train_accuracy: np.ndarray
    line_test_accuracy: np.ndarray
    slice_alphas: np.ndarray
    slice_train_small: np.ndarray
    slice_train_large: np.ndarray
    plane_alphas: np.ndarray
    plane_train_small: np.ndarray
    plane_train_large: np.ndarray

    @property
    def sharpness_ratio(self) -> float:
        r""":math:`\lambda_{\max}(\theta_\ell) / \lambda_{\max}(\theta_s)`: above 1 when the large batch is sharper."""
        return self.lambda_max_large / self.lambda_max_small

    def slice_rise(self, alpha: float = 1.0) -> tuple[float, float]:
        r"""Mean rise of the training loss at :math:`\pm\alpha` along the filter-normalised directions.

        :math:`\frac{1}{2D}\sum_k [L(\theta^* + \alpha d_k) + L(\theta^* - \alpha d_k)] - L(\theta^*)` for the
        small-batch and the large-batch solution, at the grid point nearest to ``alpha``.

        Parameters
        ----------
        alpha : float
            Distance along the directions, in filter-normalised units (1 = each filter moved by its own norm).

        Returns
        -------
        (float, float)
            The rise around the small-batch solution, then around the large-batch one.
        """
        alpha = check_scalar(alpha, "alpha", low=0, low_inclusive=False)
        i_plus = int(np.argmin(np.abs(self.slice_alphas - alpha)))
        i_minus = int(np.argmin(np.abs(self.slice_alphas + alpha)))
        i_zero = int(np.argmin(np.abs(self.slice_alphas)))
        return tuple(float(np.mean(s[:, [i_plus, i_minus]]) - np.mean(s[:, i_zero]))
                     for s in (self.slice_train_small, self.slice_train_large))


def small_vs_large_batch(batch_size: int = 8, *, lr: float = 1.0, epochs: int = 8, n_train: int = 400,
                         hidden: int = 32, n_directions: int = 4, max_large_steps: int = 3000,
                         seed: int = 0) -> BatchComparison:
    r"""Train one start with a small batch and with the full batch to matched training loss, and compare.

    1. From :math:`\theta_0` (Xavier initialisation, ``seed``), SGD with batch ``batch_size`` and step
       :math:`\eta` = ``lr`` for ``epochs`` passes over the training set: :math:`\theta_s`, training loss
       :math:`L_s`.
    2. From the same :math:`\theta_0`, full-batch gradient descent with the same :math:`\eta`, stopped at the
       first step with training loss :math:`\le L_s`: :math:`\theta_\ell` (the comparison is at *matched
       training loss*; the full-batch run usually needs more epochs, because it takes one step per epoch).
    3. At both: :math:`\lambda_{\max}` of the training Hessian, test loss and accuracy; the loss and accuracy on
       :math:`(1-\alpha)\theta_s + \alpha\theta_\ell` for :math:`\alpha \in [-0.5, 1.5]` (41 points); and the
       training loss along ``n_directions`` filter-normalised Gaussian directions around each solution,
       :math:`\alpha \in [-1, 1]` (21 points), and on the plane of the first two of them (21 × 21 points).

    Memoised per kernel (a least-recently-used cache of 16 settings): every argument is a plain number, so
    chapter 8's explorer can redraw any setting the chapter ran without recomputing it.

    Parameters
    ----------
    batch_size : int
        The small batch :math:`B`, between 1 and ``n_train`` − 1. Default 8.
    lr : float
        Step size :math:`\eta > 0` of both runs. Default 1.
    epochs : int
        Passes of the small-batch run over the training set (:math:`\lfloor N/B \rfloor` steps each). Default 8.
    n_train : int
        Class-balanced training subset of the digits (at least 20). Default 400.
    hidden : int
        Width of the network's hidden tanh layer (64-``hidden``-10, cross-entropy). Default 32.
    n_directions : int
        Filter-normalised directions per solution, at least 2 (the first two also span the plane). Default 4.
    max_large_steps : int
        The full-batch run gives up after this many steps (then it ends above :math:`L_s`). Default 3000.
    seed : int
        Seed of the initialisation, the minibatch order, the directions and the Lanczos starts. Default 0.

    Returns
    -------
    BatchComparison
    """
    n_train = check_int(n_train, "n_train", low=20)
    batch_size = check_int(batch_size, "batch_size", low=1, high=n_train - 1)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    epochs = check_int(epochs, "epochs", low=1)
    hidden = check_int(hidden, "hidden", low=1)
    n_directions = check_int(n_directions, "n_directions", low=2)
    max_large_steps = check_int(max_large_steps, "max_large_steps", low=1)
    seed = check_int(seed, "seed", low=0)
    return _small_vs_large_batch(batch_size, lr, epochs, n_train, hidden, n_directions, max_large_steps, seed)


@lru_cache(maxsize=16)
def _small_vs_large_batch(batch_size, lr, epochs, n_train, hidden, n_directions, max_large_steps,
                          seed) -> BatchComparison:
    task = digits_task((hidden,), n_train=n_train)
    model = task.model
    N = model.n_examples
    rng = default_rng(seed)  # one stream, drawn in turn: the start, the minibatches, the directions, Lanczos
    theta0 = model.init(rng)
    per_epoch = N // batch_size
    small = run(model, sgd(), theta0, steps=epochs * per_epoch, lr=lr, batch_size=batch_size, rng=rng,
                record_every=per_epoch)
    theta_s, loss_s = small.final_theta, small.final_loss
    # Full batch: plain gradient descent (stateless), run in chunks from where the last chunk ended, so it can
    # stop at the first step at the matched loss (run's tol tests the gradient norm, not the loss).
    theta, k, loss = theta0, 0, float(model.loss(theta0))
    while loss > loss_s and k < max_large_steps:
        chunk = run(model, sgd(), theta, steps=min(50, max_large_steps - k), lr=lr)
        below = np.nonzero(chunk.losses <= loss_s)[0]
        j = int(below[0]) if below.size else len(chunk.losses) - 1
        theta, k, loss = chunk.thetas[j], k + j, float(chunk.losses[j])
        if chunk.diverged:
            break
    theta_l = theta

    test_model = model.with_data(task.X_test, task.targets_test)
    alphas = np.linspace(-0.5, 1.5, 41)
    line = theta_s + alphas[:, None] * (theta_l - theta_s)
    y_train = model.y

    def accuracy(points, X, y):
        return np.array([model.accuracy(p, X, y) for p in points])

    draws = rng.standard_normal((n_directions, model.dim))
    slice_alphas = np.linspace(-1.0, 1.0, 21)

    def slices(theta):
        return np.stack([surfaces.slice_1d(model, theta, surfaces.filter_normalize(d, theta, model),
                                           slice_alphas).losses for d in draws])

    plane_alphas = np.linspace(-1.0, 1.0, 21)

    def plane(theta):
        d1, d2 = (surfaces.filter_normalize(d, theta, model) for d in draws[:2])
        return surfaces.slice_2d(model, theta, d1, d2, plane_alphas, plane_alphas).losses

    return BatchComparison(
        batch_size=batch_size, n_train=N, lr=lr, theta_small=theta_s, theta_large=theta_l,
        steps_small=small.steps, steps_large=k, epochs_small=small.steps * batch_size / N, epochs_large=float(k),
        train_loss_small=float(loss_s), train_loss_large=loss,
        test_loss_small=held_out_loss(task, theta_s), test_loss_large=held_out_loss(task, theta_l),
        test_accuracy_small=held_out_accuracy(task, theta_s), test_accuracy_large=held_out_accuracy(task, theta_l),
        lambda_max_small=curvature.lambda_max(model, theta_s, rng=rng),
        lambda_max_large=curvature.lambda_max(model, theta_l, rng=rng),
        alphas=alphas, line_train_loss=model.loss_batch(line), line_test_loss=test_model.loss_batch(line),
        line_train_accuracy=accuracy(line, model.X, y_train),
        line_test_accuracy=accuracy(line, task.X_test, task.y_test),
        slice_alphas=slice_alphas, slice_train_small=slices(theta_s), slice_train_large=slices(theta_l),
        plane_alphas=plane_alphas, plane_train_small=plane(theta_s), plane_train_large=plane(theta_l),
    )
