r"""Bulk and outliers: the Hessian spectrum of a trained digits classifier (chapter 8, §1).

Sagun et al. (2017, "Empirical analysis of the Hessian of over-parametrized neural networks") and Papyan (2019,
"Measurements of three-level hierarchical structure in the outliers in the spectrum of deepnet Hessians") describe
the Hessian of a trained classifier as a **bulk** of eigenvalues near zero and a few **outliers** far to the right
— about one per class in Papyan's measurements. :func:`digits_spectrum` trains a digits network
(:func:`~.real_data.digits_task`) with full-batch gradient descent and measures both ends of its Hessian spectrum
with Hessian-vector products only: the top ``k`` eigenvalues by Lanczos (:func:`~.curvature.lanczos_eigenvalues`)
and the whole density by stochastic Lanczos quadrature (:func:`~.curvature.slq_density`).
:func:`spectrum_summary` turns those into the numbers the chapter asserts on.

:func:`outliers_by_classes` repeats the measurement on the first :math:`C` digits for several :math:`C`, with the
inputs as raw intensities or standardised, to see where the outliers' gap falls (at :math:`C - 1` on raw intensities
at this scale; no gap on standardised inputs).

The result is cached per kernel (hashable settings in, a :class:`DigitsSpectrum` out), so the chapter's explorer
can redraw a setting the chapter already computed without recomputing it.

Examples
--------
>>> s = digits_spectrum(hidden=(4,), n_train=100, steps=50, k=11, slq_steps=10, slq_starts=2)
>>> s.top.shape, s.dim
((11,), 310)
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .curvature import Density, lanczos_eigenpairs, slq_density
from .models import MLP
from .optimizers import gd, run
from .randomness import default_rng
from .real_data import N_CLASSES, digits_task, held_out_accuracy
from .validation import check_array, check_instance, check_int, check_layer_widths, check_scalar, check_vector

__all__ = ["SpectrumSummary", "DigitsSpectrum", "ClassOutliers", "spectrum_summary", "class_mean_overlap",
           "digits_spectrum", "outliers_by_classes"]


class SpectrumSummary(NamedTuple):
    """What a Hessian spectrum says about bulk and outliers (the result of :func:`spectrum_summary`).

    Parameters
    ----------
    bulk_fraction : float
        Estimated fraction of all eigenvalues with :math:`|\\lambda| \\le` ``bulk_tol`` :math:`\\cdot\\lambda_{\\max}`.
    top_share : float
        :math:`\\sum_{i \\le C}\\lambda_i / \\operatorname{tr} H`: the share of the trace carried by the ``n_top``
        largest eigenvalues.
    ratios : ndarray, shape (k - 1,)
        :math:`\\lambda_i/\\lambda_{i+1}` for the top eigenvalues in descending order (1-based ``i`` = index + 1).
    edge_ratio : float
        :math:`\\lambda_C/\\lambda_{C+1}`, ``C = n_top``: how far the ``C``-th eigenvalue stands above the next.
    largest_gap_at : int
        The ``i`` (1-based) of the largest ratio :math:`\\lambda_i/\\lambda_{i+1}` among the top ``k``.
    """

    bulk_fraction: float
    top_share: float
    ratios: np.ndarray
    edge_ratio: float
    largest_gap_at: int


class DigitsSpectrum(NamedTuple):
    """The Hessian spectrum of one trained digits network (the result of :func:`digits_spectrum`).

    Parameters
    ----------
    top : ndarray, shape (k,)
        The ``k`` largest Hessian eigenvalues, descending (Lanczos).
    density : Density
        The spectral density by stochastic Lanczos quadrature (``density.grid``, ``density.density``).
    summary : SpectrumSummary
        :func:`spectrum_summary` of ``top`` and ``density`` with ``n_top = 10`` classes.
    losses : ndarray, shape (steps + 1,)
        Training loss along the run.
    test_accuracy : float
        Accuracy on the held-out digits at the end.
    dim : int
        Number of parameters ``P``.
    class_overlap : float
        :func:`class_mean_overlap` of the top 10 eigenvectors with the 10 class-mean gradients.
    """

    top: np.ndarray
    density: Density
    summary: SpectrumSummary
    losses: np.ndarray
    test_accuracy: float
    dim: int
    class_overlap: float


def spectrum_summary(top, density: Density, dim: int, n_top: int = N_CLASSES, bulk_tol: float = 0.01) -> SpectrumSummary:
    r"""Bulk fraction, outlier share and the gap after the ``n_top``-th eigenvalue.

    The trace comes from the density's first moment, :math:`\operatorname{tr}H \approx P\,\hat m_1` (an unbiased
    estimate: the average of :math:`v^\top H v` over the SLQ start vectors, times ``P``), and the bulk fraction from
    its quadrature weights: :math:`\hat F(\tau\lambda_{\max}) - \hat F(-\tau\lambda_{\max})` with :math:`\hat F`
    the estimated cumulative distribution of the eigenvalues (:meth:`~.curvature.Density.cdf`).

    Parameters
    ----------
    top : array_like, shape (k,)
        The ``k`` largest eigenvalues, in descending order, ``k > n_top``.
    density : Density
        An SLQ estimate of the same spectrum (:func:`~.curvature.slq_density`).
    dim : int
        ``P``, the number of eigenvalues.
    n_top : int
        ``C``: how many eigenvalues the outlier group is expected to hold. Default 10 (the digits' classes).
    bulk_tol : float
        :math:`\tau` in ``(0, 1)``: the bulk is :math:`|\lambda| \le \tau\lambda_{\max}`. Default 0.01.

    Returns
    -------
    SpectrumSummary
    """
    top = check_vector(top, "top")
    density = check_instance(density, "density", Density)
    dim = check_int(dim, "dim", low=1)
    n_top = check_int(n_top, "n_top", low=1, high=top.size - 1)
    bulk_tol = check_scalar(bulk_tol, "bulk_tol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    if np.any(np.diff(top) > 0) or top[-1] <= 0:
        raise ValueError(f"`top` must be positive and in descending order, got {top}")
    edge = bulk_tol * top[0]
    # The edge at -τλ_max is excluded: the cdf counts mass at or below a value, so step just below it.
    bulk = float(density.cdf(edge) - density.cdf(np.nextafter(-edge, -np.inf)))
    trace = dim * density.moment(1)
    ratios = top[:-1] / top[1:]
    return SpectrumSummary(bulk_fraction=bulk, top_share=float(top[:n_top].sum() / trace), ratios=ratios,
                           edge_ratio=float(ratios[n_top - 1]), largest_gap_at=int(np.argmax(ratios)) + 1)


def class_mean_overlap(model, theta, vectors) -> float:
    r"""How much of the subspace spanned by ``vectors`` lies in the span of the class-mean gradients.

    For each class :math:`c` the mean gradient :math:`g_c = \nabla_\theta L_c(\theta)` of the loss over the
    training examples labelled :math:`c` (Papyan 2019: the means of the per-example gradients are the source of the
    outliers). With :math:`Q` an orthonormal basis of :math:`\operatorname{span}\{g_1, \dots, g_C\}` and
    :math:`V` the ``k`` orthonormal columns of ``vectors``, the overlap is
    :math:`\|Q^\top V\|_F^2 / k \in [0, 1]`: 1 when every column lies in the span, about :math:`C/P` on average
    for a random subspace.

    Parameters
    ----------
    model : MLP
        A cross-entropy :class:`~.models.MLP` with integer labels (the classes).
    theta : array_like, shape (P,)
        The parameters.
    vectors : array_like, shape (P, k)
        Orthonormal columns, e.g. Hessian eigenvectors.

    Returns
    -------
    float
    """
    model = check_instance(model, "model", MLP)
    if model.loss_name != "cross_entropy" or model.y.ndim != 1:
        raise ValueError("`model` must be a cross-entropy MLP with integer class labels")
    theta = check_vector(theta, "theta", model.dim)
    vectors = check_array(vectors, "vectors", ndim=2)
    if vectors.shape[0] != model.dim:
        raise ValueError(f"`vectors` must have shape ({model.dim}, k), got {vectors.shape}")
    if not np.allclose(vectors.T @ vectors, np.eye(vectors.shape[1]), atol=1e-6):
        raise ValueError("`vectors` must have orthonormal columns")
    labels = model.y.astype(int)
    means = np.stack([model.subset(np.flatnonzero(labels == c)).grad(theta) for c in np.unique(labels)])
    basis, _ = np.linalg.qr(means.T)
    return float(np.sum((basis.T @ vectors) ** 2) / vectors.shape[1])


def digits_spectrum(hidden=(16,), n_train: int | None = 500, steps: int = 300, lr: float = 0.5, seed: int = 0,
                    k: int = 20, slq_steps: int = 40, slq_starts: int = 6) -> DigitsSpectrum:
    r"""Train a 64-``hidden``-10 tanh cross-entropy network on the digits; measure its Hessian's spectrum.

    Full-batch gradient descent from the Xavier initialisation drawn with ``seed`` (through ``COURSE_SEED``), then
    the top ``k`` eigenvalues by Lanczos and the density by SLQ at the final point (their random start vectors
    from ``seed + 1`` and ``seed + 2``; the density broadened by a Gaussian of standard deviation
    :math:`0.02\,\lambda_{\max}`). Cached per kernel: the same settings return the same object.

    Parameters
    ----------
    hidden : int or sequence of int
        Hidden widths. Default ``(16,)``: 1,210 parameters.
    n_train : int, optional
        Class-balanced training subset (``None``: all 1,343 images). Default 500.
    steps : int
        Gradient-descent steps, ``>= 0`` (0: the spectrum at initialisation). Default 300.
    lr : float
        Learning rate, ``> 0``. Default 0.5.
    seed : int
        Initialisation seed. Default 0.
    k : int
        Number of top eigenvalues, ``> 10``. Default 20.
    slq_steps, slq_starts : int
        Lanczos steps per start and number of starts of the SLQ density. Defaults 40 and 6.

    Returns
    -------
    DigitsSpectrum
    """
    hidden = tuple(check_layer_widths(hidden))
    if n_train is not None:
        n_train = check_int(n_train, "n_train", low=N_CLASSES)
    steps = check_int(steps, "steps", low=0)
    lr = float(check_scalar(lr, "lr", low=0, low_inclusive=False))
    seed = check_int(seed, "seed", low=0)
    k = check_int(k, "k", low=N_CLASSES + 1)
    slq_steps = check_int(slq_steps, "slq_steps", low=2)
    slq_starts = check_int(slq_starts, "slq_starts", low=1)
    return _digits_spectrum(hidden, n_train, steps, lr, seed, k, slq_steps, slq_starts)


@lru_cache(maxsize=16)
def _digits_spectrum(hidden, n_train, steps, lr, seed, k, slq_steps, slq_starts) -> DigitsSpectrum:
    task = digits_task(hidden=hidden, n_train=n_train)
    model = task.model
    theta0 = model.init(default_rng(seed))
    if steps:
        trajectory = run(model, gd(), theta0, steps=steps, lr=lr)
        theta, losses = trajectory.final_theta, trajectory.losses
    else:
        theta, losses = theta0, np.array([model.loss(theta0)])
    hvp = model.make_hvp(theta)
    pairs = lanczos_eigenpairs(hvp, model.dim, k=min(k, model.dim - 1), rng=default_rng(seed + 1), tol=1e-6)
    top = pairs.values[::-1]
    overlap = class_mean_overlap(model, theta, pairs.vectors[:, ::-1][:, :N_CLASSES])
    density = slq_density(hvp, model.dim, rng=default_rng(seed + 2), steps=slq_steps, n_starts=slq_starts,
                          sigma2=(0.02 * top[0]) ** 2)
    summary = spectrum_summary(top, density, model.dim)
    return DigitsSpectrum(top=top.copy(), density=density, summary=summary, losses=losses,
                          test_accuracy=held_out_accuracy(task, theta), dim=model.dim, class_overlap=overlap)


class ClassOutliers(NamedTuple):
    r"""Top Hessian eigenvalues of digits classifiers trained on the first :math:`C` classes, for several :math:`C`.

    Parameters
    ----------
    classes : tuple of int
        The numbers of classes :math:`C`.
    tops : tuple of ndarray
        For each :math:`C`, the top ``k`` eigenvalues, decreasing, shape ``(k,)``.
    gap_at : ndarray of int, shape (len(classes),)
        For each :math:`C`, the index :math:`i` (1-based) of the largest ratio :math:`\lambda_i/\lambda_{i+1}` among
        :math:`i = 1 … k - 2`: the number of eigenvalues above the widest gap.
    gap_ratio : ndarray, shape (len(classes),)
        That largest ratio.
    ratio_below_c : ndarray, shape (len(classes),)
        :math:`\lambda_{C-1}/\lambda_C`: the gap after :math:`C - 1` eigenvalues.
    test_accuracy : ndarray, shape (len(classes),)
        Each network's accuracy on its classes' test images.
    """

    classes: tuple
    tops: tuple
    gap_at: np.ndarray
    gap_ratio: np.ndarray
    ratio_below_c: np.ndarray
    test_accuracy: np.ndarray


def outliers_by_classes(classes=(3, 5, 10), *, hidden=(32,), standardize: bool = False, steps: int = 200,
                        lr: float = 0.1, seed: int = 0, k: int = 16) -> ClassOutliers:
    r"""Where the gap in the top of the Hessian spectrum falls, for classifiers of :math:`C` digits.

    For each :math:`C`, a 64-``hidden``-:math:`C` tanh network with softmax cross-entropy is trained on all the
    training images of the digits ``0 … C-1`` (:func:`~.real_data.digits_task` with ``n_classes=C``) by ``steps``
    steps of full-batch gradient descent from the Xavier initialisation drawn with ``seed``; its top ``k``
    Hessian eigenvalues are computed by Lanczos (start vector from ``seed + 1``). Cached per kernel.

    The Gauss–Newton part of a softmax cross-entropy Hessian is :math:`\frac1N\sum_i J_i^\top(\operatorname{diag}
    p_i - p_i p_i^\top) J_i`, and each middle factor has rank :math:`C - 1` (its rows sum to zero); Papyan (2019)
    traces the outliers to the class means of the per-example terms. A gap after :math:`C - 1` eigenvalues is what
    that structure predicts when the class means dominate.

    Parameters
    ----------
    classes : tuple of int
        Numbers of classes, each in 2 … 10, at least ``2`` smaller than ``k``. Default ``(3, 5, 10)``.
    hidden : int or sequence of int
        Hidden widths. Default ``(32,)``.
    standardize : bool
        Standardised inputs, or raw intensities in :math:`[0, 1]` (default: raw).
    steps : int
        Gradient-descent steps, ``>= 0``. Default 200.
    lr : float
        Learning rate, ``> 0``. Default 0.1.
    seed : int
        Initialisation seed (through ``COURSE_SEED``). Default 0.
    k : int
        Top eigenvalues per network, ``>= max(classes) + 2``. Default 16.

    Returns
    -------
    ClassOutliers
    """
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__len__") or len(classes) == 0:
        raise TypeError(f"`classes` must be a non-empty tuple of ints, got {classes!r}")
    classes = tuple(check_int(c, "classes", low=2, high=N_CLASSES) for c in classes)
    hidden = tuple(check_layer_widths(hidden))
    standardize = bool(check_instance(standardize, "standardize", (bool, np.bool_)))
    steps = check_int(steps, "steps", low=0)
    lr = float(check_scalar(lr, "lr", low=0, low_inclusive=False))
    seed = check_int(seed, "seed", low=0)
    k = check_int(k, "k", low=max(classes) + 2)
    return _outliers_by_classes(classes, hidden, standardize, steps, lr, seed, k)


@lru_cache(maxsize=8)
def _outliers_by_classes(classes, hidden, standardize, steps, lr, seed, k) -> ClassOutliers:
    tops, accuracy = [], []
    for c in classes:
        task = digits_task(hidden=hidden, n_classes=c, standardize=standardize)
        model = task.model
        theta = model.init(default_rng(seed))
        if steps:
            theta = run(model, gd(), theta, steps=steps, lr=lr, record_every=steps).final_theta
        pairs = lanczos_eigenpairs(model.make_hvp(theta), model.dim, k=k, rng=default_rng(seed + 1), tol=1e-8)
        tops.append(np.sort(pairs.values)[::-1].copy())
        accuracy.append(held_out_accuracy(task, theta))
    ratios = [top[:-2] / top[1:-1] for top in tops]  # λ_i / λ_{i+1}, i = 1 … k-2
    return ClassOutliers(classes=classes, tops=tuple(tops),
                         gap_at=np.array([int(np.argmax(r)) + 1 for r in ratios]),
                         gap_ratio=np.array([float(np.max(r)) for r in ratios]),
                         ratio_below_c=np.array([float(top[c - 2] / top[c - 1]) for top, c in zip(tops, classes)]),
                         test_accuracy=np.array(accuracy))
