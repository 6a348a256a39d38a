r"""Small synthetic data sets for the course's models, deterministic per seed.

Every generator takes ``n`` (number of examples), ``noise`` and ``rng`` (a
``numpy.random.Generator`` or an integer seed) and returns ``(X, y)``:

* ``X`` — float64 array of shape ``(n, d)``;
* ``y`` — int64 class labels ``0 … k-1`` of shape ``(n,)`` for classification, float64 targets for
  regression.

Classes are balanced (sizes differ by at most one) and the examples are shuffled, so any prefix or
minibatch mixes the classes. The same seed gives the same data on every machine.

One real data set is here too: :func:`digits`, scikit-learn's bundled 8×8 handwritten digits (no download),
split and standardised the same way on every machine.

>>> X, y = two_moons(200, noise=0.1, rng=0)
>>> X.shape, y.shape, sorted(set(y.tolist()))
((200, 2), (200,), [0, 1])
"""

from __future__ import annotations

import numpy as np

from . import randomness
from .validation import check_array, check_bool, check_int, check_option, check_rng, check_scalar

__all__ = [
    "two_moons",
    "circles",
    "spirals",
    "blobs",
    "regression_1d",
    "regression_curve",
    "sparse_features",
    "unique_feature_classification",
    "train_test_split",
    "standardize",
    "digits",
]


def _class_sizes(n: int, k: int) -> np.ndarray:
    """Balanced class sizes: ``n // k`` each, the first ``n % k`` classes get one more."""
    return np.array([n // k + (i < n % k) for i in range(k)])


def _finish(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Add isotropic Gaussian noise of s.d. ``noise`` and shuffle the examples.

    Under ``COURSE_PERTURB`` the inputs are jittered too, so a noise-free data set is perturbed as well.
    """
    X = randomness.perturb(X + noise * rng.standard_normal(X.shape), salt=1)
    order = rng.permutation(X.shape[0])
    return np.ascontiguousarray(X[order], dtype=np.float64), np.ascontiguousarray(y[order])


def _check_common(n, noise, rng, n_min=1):
    return check_int(n, "n", low=n_min), check_scalar(noise, "noise", low=0), check_rng(rng)


def two_moons(n: int = 200, noise: float = 0.1, rng=0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaving half circles (the scikit-learn "moons").

    Class 0: :math:`(\cos t, \sin t)`, class 1: :math:`(1 - \cos t, \tfrac12 - \sin t)`, with
    :math:`t` evenly spaced on :math:`[0, \pi]`, plus Gaussian noise of s.d. ``noise``. Not linearly
    separable; a small MLP separates it.

    Parameters
    ----------
    n : int
        Number of examples (``>= 2``).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : numpy.random.Generator or int

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    n, noise, rng = _check_common(n, noise, rng, n_min=2)
    n0, n1 = _class_sizes(n, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.repeat([0, 1], [n0, n1]).astype(np.int64)
    return _finish(rng, X, y, noise)


def circles(n: int = 200, noise: float = 0.05, rng=0, factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    r"""Two concentric circles: class 0 of radius 1, class 1 of radius ``factor``.

    Angles are evenly spaced on :math:`[0, 2\pi)`; Gaussian noise of s.d. ``noise`` is added.
    Separable by a quadratic feature (:math:`x_1^2 + x_2^2`), not by a line.

    Parameters
    ----------
    n : int
        Number of examples (``>= 2``).
    noise : float
    rng : numpy.random.Generator or int
    factor : float
        Radius of the inner circle, in ``(0, 1)``.

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    n, noise, rng = _check_common(n, noise, rng, n_min=2)
    factor = check_scalar(factor, "factor", low=0, high=1, low_inclusive=False, high_inclusive=False)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    y = np.repeat([0, 1], [n0, n1]).astype(np.int64)
    return _finish(rng, X, y, noise)


def spirals(n: int = 200, noise: float = 0.05, rng=0, turns: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaved arms of an Archimedean spiral, one per class.

    Arm :math:`k \in \{0, 1\}`: radius :math:`r = s` and angle :math:`2\pi \cdot \text{turns} \cdot s
    + k\pi` for :math:`s` evenly spaced on :math:`[0.05, 1]`, so the arms are point reflections of
    each other and the data fit in the unit disc (before noise of s.d. ``noise``). Hard for a linear
    model, a classic for small MLPs.

    Parameters
    ----------
    n : int
        Number of examples (``>= 2``).
    noise : float
    rng : numpy.random.Generator or int
    turns : float
        Number of turns of each arm (``> 0``).

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray of int64, shape (n,)
    """
    n, noise, rng = _check_common(n, noise, rng, n_min=2)
    turns = check_scalar(turns, "turns", low=0, low_inclusive=False)
    parts = []
    for k, size in enumerate(_class_sizes(n, 2)):
        s = np.linspace(0.05, 1.0, size)
        angle = 2 * np.pi * turns * s + k * np.pi
        parts.append(np.c_[s * np.cos(angle), s * np.sin(angle)])
    y = np.repeat([0, 1], _class_sizes(n, 2)).astype(np.int64)
    return _finish(rng, np.concatenate(parts), y, noise)


def blobs(
    n: int = 200,
    noise: float = 1.0,
    rng=0,
    n_classes: int = 3,
    separation: float = 3.0,
    centers=None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Isotropic Gaussian clusters, one per class.

    By default the ``n_classes`` centers sit evenly on a circle of radius ``separation`` around the
    origin (the first at :math:`(\text{separation}, 0)`); pass ``centers`` to place them yourself, in
    any dimension. Each example is its center plus Gaussian noise of s.d. ``noise``, so
    ``separation / noise`` sets how much the clusters overlap.

    Parameters
    ----------
    n : int
        Number of examples (``>= n_classes``).
    noise : float
        Within-cluster standard deviation.
    rng : numpy.random.Generator or int
    n_classes : int
        Number of clusters (``>= 1``); ignored when ``centers`` is given.
    separation : float
        Radius of the circle of centers (``>= 0``).
    centers : array_like, shape (k, d), optional
        Explicit cluster centers; then ``n_classes = k``.

    Returns
    -------
    X : ndarray, shape (n, d)
        ``d = 2`` unless ``centers`` says otherwise.
    y : ndarray of int64, shape (n,)
    """
    noise, rng = check_scalar(noise, "noise", low=0), check_rng(rng)
    if centers is None:
        n_classes = check_int(n_classes, "n_classes", low=1)
        separation = check_scalar(separation, "separation", low=0)
        angle = 2 * np.pi * np.arange(n_classes) / n_classes
        centers = separation * np.c_[np.cos(angle), np.sin(angle)]
    else:
        centers = check_array(centers, "centers", ndim=2)
        n_classes = centers.shape[0]
    n = check_int(n, "n", low=n_classes)
    sizes = _class_sizes(n, n_classes)
    X = np.repeat(centers, sizes, axis=0)
    y = np.repeat(np.arange(n_classes), sizes).astype(np.int64)
    return _finish(rng, X, y, noise)


#: The noiseless curves behind :func:`regression_1d`: name -> (function, x-range).
_CURVES = {
    "sin": (np.sin, (-np.pi, np.pi)),
    "poly": (lambda x: x**3 - x, (-1.5, 1.5)),
}


def regression_curve(x, kind: str = "sin") -> np.ndarray:
    r"""The noiseless target of :func:`regression_1d`: :math:`\sin x` (``"sin"``) or :math:`x^3 - x` (``"poly"``).

    Parameters
    ----------
    x : array_like
        Inputs, any shape (e.g. a ``np.linspace`` for plotting); may be empty.
    kind : {"sin", "poly"}
        Which target, as for :func:`regression_1d`.

    Returns
    -------
    ndarray
        :math:`g(x)`, same shape as ``x``.
    """
    kind = check_option(kind, "kind", _CURVES)
    x = check_array(x, "x", min_size=0)
    return _CURVES[kind][0](x)


def regression_1d(n: int = 50, noise: float = 0.1, rng=0, kind: str = "sin") -> tuple[np.ndarray, np.ndarray]:
    r"""A noisy 1-D regression problem :math:`y = g(x) + \text{noise}\cdot\varepsilon`.

    * ``kind="sin"``: :math:`g(x) = \sin x`, :math:`x \sim U(-\pi, \pi)`;
    * ``kind="poly"``: :math:`g(x) = x^3 - x`, :math:`x \sim U(-1.5, 1.5)`;

    with :math:`\varepsilon \sim N(0, 1)`. The examples come in random order (not sorted by ``x``).
    :func:`regression_curve` gives :math:`g` for plotting the truth.

    Parameters
    ----------
    n : int
        Number of examples (``>= 1``).
    noise : float
        Standard deviation of the target noise.
    rng : numpy.random.Generator or int
    kind : {"sin", "poly"}

    Returns
    -------
    X : ndarray, shape (n, 1)
    y : ndarray of float64, shape (n,)
    """
    n, noise, rng = _check_common(n, noise, rng)
    kind = check_option(kind, "kind", _CURVES)
    g, (lo, hi) = _CURVES[kind]
    x = rng.uniform(lo, hi, size=n)
    y = randomness.perturb(g(x) + noise * rng.standard_normal(n), salt=2)
    return x[:, None].astype(np.float64), y.astype(np.float64)


def sparse_features(n: int = 400, d_common: int = 5, d_rare: int = 5, rare_prob: float = 0.02, noise: float = 0.1,
                    rng=0) -> tuple[np.ndarray, np.ndarray]:
    r"""Linear regression data where a few features are rarely non-zero: :math:`y = x^\top w^* + \text{noise}\cdot\varepsilon`.

    The first ``d_common`` columns are dense, :math:`x_j \sim N(0, 1)`; the last ``d_rare`` are sparse,
    :math:`x_j \sim \mathrm{Bernoulli}(p)` with :math:`p` = ``rare_prob`` (each is made non-zero in at least one
    row, so every weight is identified). :math:`w^* \sim N(0, I)`, :math:`\varepsilon \sim N(0, 1)`. With
    minibatches, a rare feature's gradient is zero in most steps — the setting per-coordinate rates (Adagrad,
    Duchi, Hazan & Singer 2011) were designed for; with the full batch its Hessian diagonal is about :math:`p`
    times the dense ones'.

    Parameters
    ----------
    n : int
        Number of examples (``>= 1``).
    d_common, d_rare : int
        Numbers of dense and of sparse features (each ``>= 1``).
    rare_prob : float
        Probability :math:`p \in (0, 1]` that a sparse feature is 1 in a row.
    noise : float
        Standard deviation of the target noise (``>= 0``).
    rng : numpy.random.Generator or int

    Returns
    -------
    X : ndarray, shape (n, d_common + d_rare)
        Dense columns first, then the 0/1 sparse ones.
    y : ndarray of float64, shape (n,)
    """
    n, noise, rng = _check_common(n, noise, rng)
    d_common = check_int(d_common, "d_common", low=1)
    d_rare = check_int(d_rare, "d_rare", low=1)
    rare_prob = check_scalar(rare_prob, "rare_prob", low=0, high=1, low_inclusive=False)
    dense = rng.standard_normal((n, d_common))
    rare = (rng.random((n, d_rare)) < rare_prob).astype(np.float64)
    empty = np.flatnonzero(rare.sum(axis=0) == 0)
    rare[rng.integers(0, n, size=empty.size), empty] = 1.0
    X = np.hstack([randomness.perturb(dense, salt=5), rare])
    w = rng.standard_normal(d_common + d_rare)
    y = randomness.perturb(X @ w + noise * rng.standard_normal(n), salt=6)
    return X, y


def unique_feature_classification(n_train: int = 30, n_test: int = 200, positive_frac: float = 0.6,
                                  rng=0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Wilson et al.'s (2017) separable problem on which adaptive methods generalize badly.

    Labels :math:`y_i \in \{-1, +1\}`. Example :math:`i` has :math:`x_{i1} = y_i` (the label itself),
    :math:`x_{i2} = x_{i3} = 1`, and features of its own that no other example has: one if :math:`y_i = +1`, five if
    :math:`y_i = -1`; every other entry is 0. So there are :math:`3 + 5 (n_{train} + n_{test})` columns and many
    more than examples: least squares :math:`\min_w \|Xw - y\|^2` has infinitely many exact fits. Gradient descent
    from 0 converges to the minimum-norm fit :math:`X^+ y`, which puts most weight on :math:`x_1` and labels new
    points correctly; AdaGrad, RMSProp and Adam from 0 move along :math:`\mathrm{sign}(X^\top y)` and end with equal
    weights on the first three features, so with more positives than negatives in training they label every new
    point +1 (Wilson, Roelofs, Stern, Srebro & Recht 2017, *The marginal value of adaptive gradient methods in
    machine learning*, section 3.3).

    The training set has exactly :math:`\mathrm{round}(f\,n_{train})` positives (:math:`f` = ``positive_frac``, more
    than half), in random order; test labels are +1 with probability :math:`f`, independently, and test examples have
    their own unique features, unseen in training.

    Parameters
    ----------
    n_train : int
        Training examples (``>= 3``).
    n_test : int
        Test examples (``>= 1``).
    positive_frac : float
        :math:`f \in (1/2, 1)`, the share of positive labels.
    rng : numpy.random.Generator or int

    Returns
    -------
    X_train : ndarray, shape (n_train, 3 + 5 (n_train + n_test))
    y_train : ndarray of float64, shape (n_train,)
        Labels ±1.
    X_test : ndarray, shape (n_test, 3 + 5 (n_train + n_test))
    y_test : ndarray of float64, shape (n_test,)
    """
    n_train = check_int(n_train, "n_train", low=3)
    n_test = check_int(n_test, "n_test", low=1)
    positive_frac = check_scalar(positive_frac, "positive_frac", low=0.5, high=1, low_inclusive=False,
                                 high_inclusive=False)
    rng = check_rng(rng)
    n_pos = int(round(positive_frac * n_train))
    if not n_train / 2 < n_pos < n_train:
        raise ValueError(f"`positive_frac`={positive_frac:g} must give more positives than negatives and at least one "
                         f"negative among n_train={n_train} examples, got {n_pos} positives")
    y_train = rng.permutation(np.where(np.arange(n_train) < n_pos, 1.0, -1.0))
    y_test = np.where(rng.random(n_test) < positive_frac, 1.0, -1.0)
    y = np.concatenate([y_train, y_test])
    X = np.zeros((y.size, 3 + 5 * y.size))
    X[:, 0] = y
    X[:, 1:3] = 1.0
    for i, label in enumerate(y):
        X[i, 3 + 5 * i: 3 + 5 * i + (1 if label > 0 else 5)] = 1.0
    return X[:n_train], y_train, X[n_train:], y_test


def train_test_split(X, y, test_frac: float = 0.25, rng=0):
    r"""Shuffle and split examples into a training and a test set.

    The test set has :math:`\lceil \text{test\_frac} \cdot n \rceil` examples (as in scikit-learn); the
    two sets are disjoint and together hold every example once.

    Parameters
    ----------
    X : array_like, shape (n, ...)
    y : array_like, shape (n, ...)
    test_frac : float
        Fraction of examples held out, in ``(0, 1)``.
    rng : numpy.random.Generator or int

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
    """
    X = check_array(X, "X", ndim=range(1, 33))
    # labels keep their dtype (int classes stay int)
    y = check_array(y, "y", ndim=range(1, 33), dtype=np.asarray(y).dtype)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"`X` and `y` must have the same number of examples, got {X.shape[0]} and {y.shape[0]}")
    test_frac = check_scalar(test_frac, "test_frac", low=0, high=1, low_inclusive=False, high_inclusive=False)
    rng = check_rng(rng)
    n = X.shape[0]
    n_test = int(np.ceil(test_frac * n))
    if n_test >= n:
        raise ValueError(
            f"`test_frac`={test_frac:g} leaves no training examples out of n={n}; use a smaller fraction or more data"
        )
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X, mean=None, std=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Center and scale each column: :math:`Z = (X - \mu) / \sigma`.

    Fit on the training set (``mean``/``std`` omitted), then pass the returned ``mean`` and ``std``
    to transform the test set with the *training* statistics. Columns with zero spread get
    :math:`\sigma = 1` (they are only centered) instead of a division by zero.

    Parameters
    ----------
    X : array_like, shape (n, d)
    mean : array_like, shape (d,), optional
    std : array_like, shape (d,), optional
        Positive scales; give both ``mean`` and ``std`` or neither.

    Returns
    -------
    Z : ndarray, shape (n, d)
    mean : ndarray, shape (d,)
    std : ndarray, shape (d,)

    Examples
    --------
    >>> Z_train, mu, sigma = standardize(X_train)          # doctest: +SKIP
    >>> Z_test, _, _ = standardize(X_test, mu, sigma)      # doctest: +SKIP
    """
    X = check_array(X, "X", ndim=2)
    if (mean is None) != (std is None):
        raise ValueError("give both `mean` and `std` (from standardizing the training set) or neither")
    if mean is None:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        d = X.shape[1]
        mean = check_array(mean, "mean", shape=(d,))
        std = check_array(std, "std", shape=(d,))
        if np.any(std <= 0):
            raise ValueError(f"`std` must be positive, got {std if d <= 6 else 'an array with entries <= 0'}")
    return (X - mean) / std, mean, std


_standardize = standardize  # digits() has an argument of that name

N_DIGITS = 1797  # examples in scikit-learn's bundled digits set (load_digits)


def digits(test_frac: float = 0.25, n_train: int | None = None, rng=0, *, n_classes: int = 10,
           standardize: bool = True):
    r"""Real data: the 8×8 handwritten digits bundled with scikit-learn, split and standardised.

    The 1,797 images (10 classes, about 180 each; UCI's optical-recognition test set) ship inside
    scikit-learn, so nothing is downloaded. Each image is flattened to 64 pixel intensities in 0…16.

    * The split is **stratified**: each class contributes :math:`\lceil \text{test\_frac}\cdot n_c\rceil`
      test images, so both sets hold every class in its proportion. Which images go where is drawn from
      ``rng``.
    * ``n_train`` keeps a class-balanced subset of the training set (class sizes differ by at most one), for
      experiments that must run many full-batch steps in seconds; ``n_classes`` keeps only the digits
      ``0 … n_classes − 1`` (before the split).
    * With ``standardize=False`` the inputs are the raw intensities divided by 16, in :math:`[0, 1]` (not centred).
      Otherwise they are **standardised with the training set's statistics**: :math:`z = (x - \mu)/\sigma` per
      pixel, :math:`\sigma = 1` for the pixels that never vary in the training set (the image's corners); the
      test set uses the same :math:`\mu, \sigma`.
    * Both sets are shuffled, float64, C-contiguous; labels are int64 in ``0 … 9``.

    Under ``COURSE_PERTURB`` the inputs are jittered by a rounding's worth, like the synthetic sets'.

    Parameters
    ----------
    test_frac : float
        Fraction of each class held out for testing, in ``(0, 1)``. Default 0.25 (454 test images).
    n_train : int, optional
        Number of training images kept (at least 10, one per class, at most the training set's size);
        all of them when omitted.
    rng : numpy.random.Generator or int
        The split's randomness. Default 0.
    n_classes : int
        Keep the digits ``0 … n_classes − 1`` only, ``2 ≤ n_classes ≤ 10``. Default 10.
    standardize : bool
        Standardise with the training statistics (default), or keep the intensities in :math:`[0, 1]`.

    Returns
    -------
    X_train : ndarray, shape (n_train, 64)
    X_test : ndarray, shape (n_test, 64)
    y_train : ndarray of int64, shape (n_train,)
    y_test : ndarray of int64, shape (n_test,)

    Raises
    ------
    ValueError
        If ``test_frac`` is outside ``(0, 1)`` or leaves a class without training images, if ``n_train``
        is below ``n_classes`` or above the training set's size, or if ``n_classes`` is outside 2 … 10.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = digits(rng=0)
    >>> X_train.shape, X_test.shape
    ((1343, 64), (454, 64))
    >>> sorted(set(y_test.tolist())) == list(range(10))
    True
    """
    test_frac = check_scalar(test_frac, "test_frac", low=0, high=1, low_inclusive=False, high_inclusive=False)
    rng = check_rng(rng)
    n_classes = check_int(n_classes, "n_classes", low=2, high=10)
    standardize = check_bool(standardize, "standardize")
    # imported here: scikit-learn costs ~0.5 s to import and only this loader needs it
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X_all = np.asarray(bunch.data, dtype=np.float64)
    y_all = np.asarray(bunch.target, dtype=np.int64)
    train_idx, test_idx = [], []
    for c in range(n_classes):
        members = np.flatnonzero(y_all == c)
        members = members[rng.permutation(members.size)]
        n_test = int(np.ceil(test_frac * members.size))
        if n_test >= members.size:
            raise ValueError(f"`test_frac`={test_frac:g} leaves class {c} ({members.size} images) without training "
                             "images; use a smaller fraction")
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    n_available = sum(t.size for t in train_idx)
    if n_train is not None:
        n_train = check_int(n_train, "n_train", low=n_classes)
        if n_train > n_available:
            raise ValueError(f"`n_train`={n_train} exceeds the {n_available} training images that "
                             f"`test_frac`={test_frac:g} leaves; use at most {n_available}")
        # a balanced subset: the first n_c of each class's shuffled members
        sizes = _class_sizes(n_train, n_classes)
        if np.any(sizes > np.array([t.size for t in train_idx])):
            raise ValueError(f"`n_train`={n_train} needs {sizes.max()} images of every class; some class has "
                             "fewer training images; use a smaller `n_train` or `test_frac`")
        train_idx = [t[:s] for t, s in zip(train_idx, sizes)]
    train = np.concatenate(train_idx)
    test = np.concatenate(test_idx)
    train, test = train[rng.permutation(train.size)], test[rng.permutation(test.size)]
    if standardize:
        Z_train, mean, std = _standardize(X_all[train])
        Z_test, _, _ = _standardize(X_all[test], mean, std)
    else:
        Z_train, Z_test = X_all[train] / 16.0, X_all[test] / 16.0
    Z_train = np.ascontiguousarray(randomness.perturb(Z_train, salt=81), dtype=np.float64)
    Z_test = np.ascontiguousarray(randomness.perturb(Z_test, salt=82), dtype=np.float64)
    return Z_train, Z_test, y_all[train].copy(), y_all[test].copy()
