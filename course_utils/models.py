r"""Objectives over flat parameter vectors: quadratics, linear and logistic regression, MLPs.

Every model is an :class:`~course_utils.objective.Objective`: ``loss(theta)``, ``grad``, ``hvp``,
``hessian`` and a ``loss_batch(thetas)`` that evaluates many parameter vectors at once. Models with data
also provide ``n_examples``, ``subset(indices)`` (for minibatch SGD) and ``with_data(X, y)`` (the same
loss on other data, e.g. a test set).

The MLP's batched loss stacks parameter vectors and uses broadcasting matmuls (``H @ W`` with ``W`` of
shape ``(B, in, out)``) in chunks, which is several times faster than a Python loop for small networks;
for large ones (``N·H`` of tens of thousands) a loop of BLAS calls wins, so the strategy is chosen by size
(field notes in DESIGN.md §8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .derivatives import anp, aspecial
from .objective import Objective
from .validation import (
    check_array,
    check_bool,
    check_int,
    check_layer_widths,
    check_option,
    check_rng,
    check_scalar,
    check_vector,
)

__all__ = ["Quadratic", "LinearRegression", "LogisticRegression", "MLP", "LinearAutoencoder"]

# Above this many activation entries per parameter vector (N · widest layer) a loop of BLAS calls beats
# broadcasting matmuls (measured: DESIGN.md §8).
_LOOP_THRESHOLD = 30_000
# Memory bound for one chunk of the batched evaluation: B · N · H · 8 bytes ≲ 64 MB.
_CHUNK_ENTRIES = 8_000_000


def _check_xy(X, y, *, classification: bool | None = None):
    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", ndim=(1, 2))
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"`X` and `y` must have the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    return X, y


# --------------------------------------------------------------------------------------------
class Quadratic(Objective):
    r"""The quadratic :math:`f(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta + c`.

    Its gradient is :math:`A\theta - b` and its Hessian :math:`A` everywhere (``A`` is symmetrized).

    Parameters
    ----------
    A : array_like, shape (P, P)
        The matrix of the quadratic form, square and finite; only its symmetric part
        :math:`\tfrac12 (A + A^\top)` is kept (as ``self.A``).
    b : array_like, shape (P,), optional
        The linear coefficient. Default None: zeros.
    c : float
        The constant offset (the value at :math:`\theta = 0`). Default 0.
    name : str
        Human-readable name used in titles and messages. Default ``"quadratic"``.
    """

    _traceable_batch = True

    def __init__(self, A, b=None, c: float = 0.0, name: str = "quadratic"):
        A = check_array(A, "A", ndim=2)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"`A` must be square, got shape {A.shape}")
        self.A = 0.5 * (A + A.T)
        self.dim = A.shape[0]
        self.b = np.zeros(self.dim) if b is None else check_vector(b, "b", self.dim)
        self.c = check_scalar(c, "c")
        self.name = str(name)

    @classmethod
    def from_eigenvalues(cls, eigenvalues, angle: float = 0.0, name: str = "quadratic") -> Quadratic:
        r"""A centred quadratic with the given Hessian eigenvalues.

        For two eigenvalues, the eigenvectors are the axes rotated by ``angle`` (radians):
        :math:`A = R(\phi)\,\mathrm{diag}(\lambda)\,R(\phi)^\top`. For more, ``angle`` must be 0.

        Parameters
        ----------
        eigenvalues : array_like, shape (P,)
            The Hessian's eigenvalues :math:`\lambda`, finite; negative ones give saddles or maxima.
        angle : float
            The rotation :math:`\phi` in radians (2-D only). Default 0: eigenvectors along the axes.
        name : str
            Human-readable name used in titles and messages. Default ``"quadratic"``.

        Returns
        -------
        Quadratic
            With ``b = 0`` and ``c = 0``: the critical point is the origin.
        """
        eig = check_vector(eigenvalues, "eigenvalues")
        angle = check_scalar(angle, "angle")
        if eig.size != 2 and angle != 0:
            raise ValueError(f"`angle` rotates 2-D quadratics only; got {eig.size} eigenvalues and angle {angle}")
        R = np.eye(eig.size)
        if eig.size == 2:
            c, s = np.cos(angle), np.sin(angle)
            R = np.array([[c, -s], [s, c]])
        return cls(R @ np.diag(eig) @ R.T, name=name)

    @property
    def eigenvalues(self) -> np.ndarray:
        """Hessian eigenvalues, ascending."""
        return np.linalg.eigvalsh(self.A)

    def _loss(self, theta):
        return 0.5 * theta @ (self.A @ theta) - self.b @ theta + self.c

    def _loss_batch(self, thetas):

        return 0.5 * anp.sum((thetas @ self.A) * thetas, axis=-1) - thetas @ self.b + self.c

    def hessian(self, theta) -> np.ndarray:
        """The Hessian, the (symmetrized) matrix ``A`` itself at every ``theta``: a copy, shape ``(P, P)``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries; it is checked but does not change the result.
        """
        check_vector(theta, "theta", self.dim)
        return self.A.copy()


# --------------------------------------------------------------------------------------------
class _DataModel(Objective):
    """Shared behaviour of models that own a data set ``(X, y)``."""

    X: np.ndarray
    y: np.ndarray

    @property
    def n_examples(self) -> int:
        return self.X.shape[0]

    def _clone_with(self, X, y):
        clone = object.__new__(type(self))
        # every cached derivative (grad, grad_batch, …) closes over the parent's data: the clone builds its own
        clone.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_cached")})
        clone.X, clone.y = X, y
        clone._prepare_targets()
        return clone

    def _prepare_targets(self):
        pass

    def subset(self, indices) -> _DataModel:
        """The same objective on the examples ``indices`` (for minibatch gradients).

        Parameters
        ----------
        indices : array_like of int, shape (m,)
            Non-empty row indices into the data, each in ``[-n_examples, n_examples)`` (negative ones count
            from the end, as in NumPy); repeats are allowed.

        Returns
        -------
        Objective
            A model of the same class and settings on ``X[indices]``, ``y[indices]``.
        """
        idx = np.asarray(indices)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"`indices` must be a non-empty 1-D integer array, got {indices!r}")
        if idx.min() < -self.n_examples or idx.max() >= self.n_examples:
            raise ValueError(f"`indices` must lie in [-{self.n_examples}, {self.n_examples}), got values from "
                             f"{idx.min()} to {idx.max()}")
        return self._clone_with(self.X[idx], self.y[idx])

    def with_data(self, X, y) -> _DataModel:
        """The same objective evaluated on other data (e.g. a test set).

        Parameters
        ----------
        X : array_like, shape (M, d)
            Finite inputs with the same ``d`` columns as the training data.
        y : array_like, shape (M,) or (M, K)
            Finite targets, one row per row of ``X``, following the model's label rules (0/1 labels for
            logistic regression, class indices below ``n_outputs`` for a cross-entropy MLP).

        Returns
        -------
        Objective
            A model of the same class and settings on ``(X, y)``.
        """
        X, y = _check_xy(X, y)
        if X.shape[1] != self.X.shape[1]:
            raise ValueError(f"`X` must have {self.X.shape[1]} columns, got {X.shape[1]}")
        self._check_targets(y)
        return self._clone_with(X, y)

    def _check_targets(self, y: np.ndarray) -> None:
        """Refuse targets this model cannot score (overridden where labels have rules)."""
        if y.shape[1:] != self.y.shape[1:]:
            raise ValueError(f"`y` must have shape (M,{''.join(f' {k},' for k in self.y.shape[1:])[:-1] or ''}) like "
                             f"the training targets, got {y.shape}")


class LinearRegression(_DataModel):
    r"""Least squares: :math:`L(w, b) = \frac1N \sum_i (x_i^\top w + b - y_i)^2`.

    ``theta = [w (d,), b]`` (``b`` only with ``fit_intercept``). The Hessian is :math:`\frac2N \tilde X^\top \tilde X`
    with :math:`\tilde X = [X, 1]`: positive semi-definite, so the loss is convex.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The inputs, one example per row (finite).
    y : array_like, shape (N,)
        The real-valued targets (finite).
    fit_intercept : bool
        Whether ``theta`` ends with an intercept ``b`` (then ``dim = d + 1``, else ``d``). Default True.
    """

    _traceable_batch = True

    def __init__(self, X, y, fit_intercept: bool = True):
        X, y = _check_xy(X, y)
        if y.ndim != 1:
            raise ValueError(f"`y` must be 1-D for LinearRegression, got shape {y.shape}")
        self.X, self.y = X, y
        self.fit_intercept = check_bool(fit_intercept, "fit_intercept")
        self.dim = X.shape[1] + int(self.fit_intercept)
        self.name = "linear regression (MSE)"

    def _design(self, X):
        return np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X

    def predict(self, theta, X=None) -> np.ndarray:
        """Predictions :math:`x^\\top w + b` of the linear model.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Parameters ``[w, b]`` (``b`` only with ``fit_intercept``), finite.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.

        Returns
        -------
        numpy.ndarray, shape (M,)
            One prediction per row of ``X``.
        """
        theta = check_vector(theta, "theta", self.dim)
        X = self.X if X is None else check_array(X, "X", shape=(None, self.X.shape[1]))
        return self._design(X) @ theta

    def _loss(self, theta):

        r = self._design(self.X) @ theta - self.y
        return anp.mean(r**2)

    def _loss_batch(self, thetas):

        r = thetas @ self._design(self.X).T - self.y
        return anp.mean(r**2, axis=-1)


def _sigmoid(z):

    return 0.5 * (anp.tanh(0.5 * z) + 1.0)  # stable for large |z|


def _softmax_cross_entropy(logits, labels, one_hot):
    r"""Per-example softmax cross-entropy :math:`\log\sum_k e^{f_k} - f_{y}`, shape ``(..., N)``.

    ``logits`` has shape ``(..., N, K)``; ``labels`` ``(N,)`` are the class indices and ``one_hot`` ``(N, K)`` the
    same targets one-hot. A plain array takes the fast route: shift by the row maximum, exponentiate in place,
    and pick the label's logit by index — about 3× faster than ``logsumexp`` minus a one-hot product, which was
    half the time of a cross-entropy loss plane (issue 26). Inside autograd's tracing (an ``ArrayBox``, for
    gradients and Hessian-vector products) it stays on the traceable ``logsumexp`` form. The two are the same
    function; tests/test_models_backprop.py checks them against ``scipy.special.logsumexp``.
    """
    if type(logits) is not np.ndarray:  # traced: keep every operation differentiable
        return aspecial.logsumexp(logits, axis=-1) - anp.sum(logits * one_hot, axis=-1)
    m = logits.max(axis=-1, keepdims=True)
    e = np.subtract(logits, m)
    np.exp(e, out=e)
    return np.log(e.sum(axis=-1)) + m[..., 0] - logits[..., np.arange(labels.size), labels]


def _binary_cross_entropy(logits, y):
    """Mean of log(1 + e^z) − y z over the last axis, computed stably."""

    return anp.mean(anp.logaddexp(0.0, logits) - y * logits, axis=-1)


class LogisticRegression(_DataModel):
    r"""Binary logistic regression with cross-entropy or MSE on the sigmoid output.

    ``theta = [w (d,), b]``. With ``loss="cross_entropy"``,
    :math:`L = \frac1N\sum_i \log(1 + e^{z_i}) - y_i z_i` with :math:`z_i = x_i^\top w + b`: convex. With
    ``loss="mse"``, :math:`L = \frac1N \sum_i (\sigma(z_i) - y_i)^2`: not convex (plateaus where the
    sigmoid saturates) — the contrast of chapter 2.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The inputs, one example per row (finite).
    y : array_like, shape (N,)
        The labels, each 0 or 1.
    fit_intercept : bool
        Whether ``theta`` ends with an intercept ``b`` (then ``dim = d + 1``, else ``d``). Default True.
    loss : {"cross_entropy", "mse"}
        The loss on the logits: cross-entropy (convex, the default) or the squared error of the sigmoid output.
    label_smoothing : float
        :math:`\varepsilon \in [0, 1)`: each loss scores the soft target :math:`\tilde y = (1-\varepsilon) y +
        \varepsilon/2` instead of the label (Szegedy et al. 2016). With :math:`\varepsilon > 0` the per-example
        cross-entropy :math:`\log(1+e^z) - \tilde y z` is smallest at the finite logit
        :math:`z^* = \ln(\tilde y / (1-\tilde y))` and grows linearly beyond it, so the minimiser is finite
        even on separable data. Default 0 (the labels themselves).
    """

    def __init__(self, X, y, fit_intercept: bool = True, loss: str = "cross_entropy", label_smoothing: float = 0.0):
        X, y = _check_xy(X, y)
        if y.ndim != 1 or not np.all((y == 0) | (y == 1)):
            raise ValueError("`y` must be a 1-D array of 0/1 labels for LogisticRegression")
        self.X, self.y = X, y
        self.fit_intercept = check_bool(fit_intercept, "fit_intercept")
        self.loss_name = check_option(loss, "loss", ["cross_entropy", "mse"])
        self.label_smoothing = check_scalar(label_smoothing, "label_smoothing", low=0, high=1, high_inclusive=False)
        self._prepare_targets()
        self.dim = X.shape[1] + int(self.fit_intercept)
        self.name = f"logistic regression ({'cross-entropy' if self.loss_name == 'cross_entropy' else 'MSE'})"
        if self.label_smoothing:
            self.name += f", label smoothing ε = {self.label_smoothing:g}"

    def _prepare_targets(self):
        # the soft targets every loss scores; the labels y stay 0/1 (accuracy and subsets use them)
        self._targets = (1.0 - self.label_smoothing) * self.y + self.label_smoothing / 2

    def _design(self, X):
        return np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X

    def _check_targets(self, y):
        if y.ndim != 1 or not np.all((y == 0) | (y == 1)):
            raise ValueError("`y` must be a 1-D array of 0/1 labels for LogisticRegression")

    def _from_logits(self, z):

        if self.loss_name == "cross_entropy":
            return _binary_cross_entropy(z, self._targets)
        return anp.mean((_sigmoid(z) - self._targets) ** 2, axis=-1)

    def _loss(self, theta):
        return self._from_logits(self._design(self.X) @ theta)

    def _loss_batch(self, thetas):
        return self._from_logits(thetas @ self._design(self.X).T)

    def predict(self, theta, X=None) -> np.ndarray:
        """Probabilities :math:`\\sigma(x^\\top w + b)`, shape ``(N,)``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Parameters ``[w, b]`` (``b`` only with ``fit_intercept``), finite.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        """
        theta = check_vector(theta, "theta", self.dim)
        X = self.X if X is None else check_array(X, "X", shape=(None, self.X.shape[1]))
        return np.asarray(_sigmoid(self._design(X) @ theta))

    def accuracy(self, theta, X=None, y=None) -> float:
        """The fraction of examples whose predicted probability is on the right side of 0.5.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Parameters ``[w, b]`` (``b`` only with ``fit_intercept``), finite.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        y : array_like, shape (M,), optional
            The 0/1 labels of ``X``'s rows. Default None: the training labels (pass ``y`` whenever you pass ``X``).

        Returns
        -------
        float
            Accuracy in ``[0, 1]``.
        """
        p = self.predict(theta, X)
        y = self.y if y is None else check_array(y, "y", ndim=1)
        if p.shape[0] != y.shape[0]:
            raise ValueError(f"`y` must hold one label per row of `X` ({p.shape[0]}), got {y.shape[0]}")
        return float(np.mean((p > 0.5) == (y > 0.5)))


# --------------------------------------------------------------------------------------------
_ACTIVATIONS = ["tanh", "relu", "linear"]


#: The ε of layer normalization, :math:`(z - \bar z)/\sqrt{s^2 + \epsilon}` (PyTorch's default).
_LN_EPS = 1e-5


def _layer_norm(z):
    """Normalize the last axis of ``z`` to mean 0 and variance ``s²/(s² + ε)`` (traceable with ``anp``)."""
    zc = z - anp.mean(z, axis=-1, keepdims=True)
    return zc / anp.sqrt(anp.mean(zc * zc, axis=-1, keepdims=True) + _LN_EPS)


#: The ε of batch normalization, :math:`(z - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}` (PyTorch's default).
_BN_EPS = 1e-5


def _batch_norm(z):
    """Normalize each unit of ``z`` ``(..., N, width)`` over the ``N`` examples (traceable with ``anp``)."""
    zc = z - anp.mean(z, axis=-2, keepdims=True)
    return zc / anp.sqrt(anp.mean(zc * zc, axis=-2, keepdims=True) + _BN_EPS)


def _activate(name, z):

    if name == "tanh":
        return anp.tanh(z)
    if name == "relu":
        return anp.maximum(z, 0.0)
    return z


class MLP(_DataModel):
    r"""A fully connected network over a flat parameter vector.

    Layer :math:`\ell` computes :math:`h_\ell = \phi(h_{\ell-1} W_\ell + b_\ell)` (no activation on the
    output layer). With ``residual=True``, hidden layers whose input and output widths agree add a skip
    connection: :math:`h_\ell = h_{\ell-1} + \alpha\,\phi(h_{\ell-1} W_\ell + b_\ell)`, with the branch
    scale :math:`\alpha` = ``branch_scale`` (default 1; :math:`1/\sqrt{L}` for :math:`L` residual layers keeps
    the variance of :math:`h_\ell` bounded with depth — the scaling of Fixup/SkipInit-style analyses).

    With ``layer_norm=True`` every hidden layer normalizes its pre-activation over its units, per example
    (layer normalization, Ba et al. 2016, without the learned gain and shift, so the parameter vector is
    unchanged): :math:`\phi(\mathrm{LN}(z))` with :math:`\mathrm{LN}(z) = (z - \bar z)/\sqrt{s^2 + \epsilon}`,
    :math:`\bar z` and :math:`s^2` the mean and variance of the row's ``width`` entries, :math:`\epsilon = 10^{-5}`.
    On a residual branch this is the "pre-norm" block :math:`h_\ell = h_{\ell-1} + \alpha\,\phi(\mathrm{LN}(h_{\ell-1} W_\ell + b_\ell))`.

    With ``batch_norm=True`` every hidden layer normalizes each unit's pre-activation over the *examples* instead
    (batch normalization, Ioffe & Szegedy 2015, in training mode and without the learned gain and shift):
    :math:`\mathrm{BN}(z)_{ij} = (z_{ij} - \mu_j)/\sqrt{\sigma_j^2 + \epsilon}`, :math:`\mu_j` and :math:`\sigma_j^2`
    the mean and variance of unit ``j`` over the ``N`` rows the model holds, :math:`\epsilon = 10^{-5}`. On the
    full batch this is a deterministic function of :math:`\theta`, so gradients and Hessians are well defined; a
    :meth:`subset` normalizes over its minibatch, and :meth:`with_data` / ``X=`` arguments over the rows given
    (no running averages: predictions on a handful of rows use those rows' statistics). The loss is invariant
    to scaling a hidden layer's incoming weights and bias by any :math:`c > 0` (exactly when :math:`\epsilon = 0`),
    and the bias before a batch-normalized layer has zero gradient (the centring removes it).

    Losses: ``"mse"`` — :math:`\frac{1}{N K}\sum (f(x_i) - y_i)^2` over all outputs; ``"cross_entropy"`` —
    binary (one output unit, labels 0/1, logistic loss) or multi-class (K > 1 outputs, integer labels,
    softmax). ``weight_decay`` adds :math:`\frac{\lambda}{2}\sum_\ell \|W_\ell\|_F^2` (biases excluded).

    The flat vector is ``[W1.ravel(), b1, W2.ravel(), b2, ...]``; :meth:`unflatten` returns views.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The inputs, one example per row (finite).
    y : array_like, shape (N,) or (N, K)
        Targets: real values for ``"mse"``; 1-D non-negative integer class labels for ``"cross_entropy"``.
    hidden : sequence of int
        Hidden layer widths, e.g. ``(16,)`` or ``(16, 16)``; ``()`` gives a linear model. An int means one
        hidden layer; every width is at least 1. Default ``(16,)``.
    activation : {"tanh", "relu", "linear"}
        The hidden layers' nonlinearity :math:`\phi`. Default ``"tanh"``.
    loss : {"mse", "cross_entropy"}
        The data term (see above). Default ``"mse"``.
    bias : bool
        Whether layers have biases.
    residual : bool
        Skip connections on equal-width hidden layers.
    branch_scale : float
        :math:`\alpha \ge 0`, the factor on each residual branch (used only with ``residual=True``). Default 1.
    layer_norm : bool
        Normalize every hidden layer's pre-activation per example (see above). Default False.
    batch_norm : bool
        Normalize every hidden unit's pre-activation over the batch of examples (see above); not together with
        ``layer_norm``. Default False.
    weight_decay : float
        :math:`\lambda \ge 0` of the L2 penalty on the weights. Default 0: no penalty.
    n_outputs : int, optional
        Output width; default 1 for MSE with 1-D ``y`` and binary labels, ``y.shape[1]`` for 2-D ``y``,
        the number of classes for multi-class labels.
    """

    def __init__(
        self,
        X,
        y,
        hidden: Sequence[int] = (16,),
        activation: str = "tanh",
        loss: str = "mse",
        bias: bool = True,
        residual: bool = False,
        weight_decay: float = 0.0,
        n_outputs: int | None = None,
        branch_scale: float = 1.0,
        layer_norm: bool = False,
        batch_norm: bool = False,
    ):
        X, y = _check_xy(X, y)
        hidden = check_layer_widths(hidden)
        self.activation = check_option(activation, "activation", _ACTIVATIONS)
        self.loss_name = check_option(loss, "loss", ["mse", "cross_entropy"])
        self.bias = check_bool(bias, "bias")
        self.residual = check_bool(residual, "residual")
        self.branch_scale = check_scalar(branch_scale, "branch_scale", low=0)
        self.layer_norm = check_bool(layer_norm, "layer_norm")
        self.batch_norm = check_bool(batch_norm, "batch_norm")
        if self.layer_norm and self.batch_norm:
            raise ValueError("`batch_norm` = True cannot be combined with layer_norm = True; choose one normalization")
        self.weight_decay = check_scalar(weight_decay, "weight_decay", low=0)
        if self.loss_name == "cross_entropy":
            if y.ndim != 1 or not np.allclose(y, np.round(y)) or y.min() < 0:
                raise ValueError("`y` must be 1-D non-negative integer class labels for loss='cross_entropy'")
            n_classes = int(y.max()) + 1
            default_out = 1 if n_classes <= 2 else n_classes
        else:
            default_out = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs = default_out if n_outputs is None else check_int(n_outputs, "n_outputs", low=1)
        if self.loss_name == "cross_entropy" and self.n_outputs == 1 and y.max() > 1:
            raise ValueError("binary cross-entropy (one output) needs labels 0/1; use n_outputs = number of classes")
        self.sizes = (X.shape[1], *hidden, self.n_outputs)
        self.hidden = hidden
        self.layer_shapes = [((a, b), (b,) if self.bias else (0,)) for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        self.dim = int(sum(a * b + (b if self.bias else 0) for a, b in zip(self.sizes[:-1], self.sizes[1:])))
        self.X, self.y = X, y
        self._prepare_targets()
        arch = "-".join(str(s) for s in self.sizes)
        self.name = f"MLP {arch} ({self.activation}, {self.loss_name.replace('_', '-')}{', residual' if residual else ''}{', layer norm' if self.layer_norm else ''}{', batch norm' if self.batch_norm else ''})"

    def _check_targets(self, y):
        if self.loss_name != "cross_entropy":
            return super()._check_targets(y)
        if y.ndim != 1 or not np.allclose(y, np.round(y)) or y.min() < 0:
            raise ValueError("`y` must be 1-D non-negative integer class labels for loss='cross_entropy'")
        n_classes = max(2, self.n_outputs)
        if y.max() >= n_classes:
            raise ValueError(f"`y` must hold class labels below {n_classes} (this network's classes), got {y.max():g}")

    def _prepare_targets(self):
        if self.loss_name == "cross_entropy":
            labels = np.round(self.y).astype(int)
            self._labels = labels
            self._targets = labels.astype(float) if self.n_outputs == 1 else np.eye(self.n_outputs)[labels]
        else:
            self._targets = self.y.reshape(self.y.shape[0], -1)

    # --- parameter views --------------------------------------------------------------------
    def unflatten(self, theta) -> list[tuple[np.ndarray, np.ndarray]]:
        """Views ``[(W1 (d, h1), b1 (h1,)), ...]`` into ``theta`` (shape ``(P,)`` or ``(B, P)``).

        For a batch ``(B, P)`` the views have a leading batch axis: ``W`` ``(B, in, out)``, ``b`` ``(B, out)``.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,) or (B, P)
            Flat parameter vector(s); not validated (it must be an array with last axis ``P = dim``).

        Returns
        -------
        list of tuple
            One ``(W, b)`` per layer; ``b`` is None when the network has no biases.
        """
        lead = theta.shape[:-1]
        out, i = [], 0
        for (a, b), _ in self.layer_shapes:
            W = theta[..., i : i + a * b].reshape(*lead, a, b)
            i += a * b
            if self.bias:
                bias = theta[..., i : i + b]
                i += b
            else:
                bias = None
            out.append((W, bias))
        return out

    def flatten(self, layers) -> np.ndarray:
        """Inverse of :meth:`unflatten` for a single parameter vector.

        Parameters
        ----------
        layers : sequence of (W, b) pairs
            One pair per layer: ``W`` of shape ``(in, out)`` and ``b`` of ``out`` entries (ignored, may be None,
            when the network has no biases).

        Returns
        -------
        numpy.ndarray, shape (P,)
        """
        parts = []
        for (W, b), ((a, c), _) in zip(layers, self.layer_shapes):
            W = np.asarray(W, dtype=float)
            if W.shape != (a, c):
                raise ValueError(f"weight of shape {(a, c)} expected, got {W.shape}")
            parts.append(W.ravel())
            if self.bias:
                parts.append(np.asarray(b, dtype=float).reshape(c))
        return np.concatenate(parts) if parts else np.zeros(0)

    def init(self, rng, scheme: str = "xavier", scale: float = 1.0, zero_branches: bool = False) -> np.ndarray:
        r"""Random initial parameters: weights :math:`\mathcal N(0, s^2\sigma^2)`, biases 0.

        ``scheme``: ``"xavier"`` :math:`\sigma^2 = 2/(n_{in}+n_{out})` (Glorot & Bengio 2010), ``"he"``
        :math:`\sigma^2 = 2/n_{in}` (He et al. 2015), ``"normal"`` :math:`\sigma = 1`; ``scale`` multiplies
        the standard deviation (small scales give the plateaus of chapter 4, large ones exploding gradients).

        Parameters
        ----------
        rng : numpy.random.Generator or int
            The generator to draw from, or a non-negative integer seed.
        scheme : {"xavier", "he", "normal"}
            The variance rule :math:`\sigma^2` above. Default ``"xavier"``.
        scale : float
            The factor :math:`s \ge 0` on the standard deviation. Default 1.
        zero_branches : bool
            Set the weights of every residual branch to zero (needs ``residual=True``), so that each residual
            block starts as the identity — the zero-initialised last layer of each branch of Goyal et al. (2017),
            Fixup (Zhang et al. 2019) and SkipInit (De & Smith 2020); here each branch has one layer. The
            weights are still drawn, so the other layers get the same values as without it. Default False.

        Returns
        -------
        numpy.ndarray, shape (P,)
        """
        rng = check_rng(rng)
        scheme = check_option(scheme, "scheme", ["xavier", "he", "normal"])
        scale = check_scalar(scale, "scale", low=0)
        zero_branches = check_bool(zero_branches, "zero_branches")
        if zero_branches and not self.residual:
            raise ValueError("`zero_branches` = True needs a network with residual=True (it has no branches)")
        layers = []
        for i, ((a, b), _) in enumerate(self.layer_shapes):
            std = {"xavier": np.sqrt(2.0 / (a + b)), "he": np.sqrt(2.0 / a), "normal": 1.0}[scheme]
            W = scale * std * rng.standard_normal((a, b))
            if zero_branches and i < len(self.layer_shapes) - 1 and self._skips(i, W):
                W = np.zeros_like(W)
            layers.append((W, np.zeros(b)))
        return self.flatten(layers)

    # --- forward ----------------------------------------------------------------------------
    def _forward(self, theta, X, return_hidden: bool = False):
        """Outputs for ``theta`` of shape ``(P,)`` → ``(N, K)``, or ``(B, P)`` → ``(B, N, K)``."""
        h = X
        hiddens = []
        layers = self.unflatten(theta)
        for i, (W, b) in enumerate(layers):
            z = h @ W
            if b is not None:
                z = z + b[..., None, :] if theta.ndim > 1 else z + b
            if i == len(layers) - 1:
                h = z
            else:
                if self.layer_norm:
                    z = _layer_norm(z)
                elif self.batch_norm:
                    z = _batch_norm(z)
                a = _activate(self.activation, z)
                h = h + self.branch_scale * a if (self.residual and i > 0 and W.shape[-2] == W.shape[-1]) else a
                hiddens.append(h)
        return (h, hiddens) if return_hidden else h

    def loss_from_outputs(self, out, theta):
        """The loss from network outputs ``out`` of shape ``(..., N, K)`` at parameters ``theta`` ``(..., P)``:
        the data term (MSE or cross-entropy against the targets) plus the weight decay. Written with ``anp``, so
        it is traceable; :func:`course_utils.surfaces` batches the forward pass and hands the outputs here.

        Parameters
        ----------
        out : array_like, shape (..., N, K)
            Network outputs (logits for cross-entropy) on the model's own ``N`` training examples; not validated.
        theta : array_like, shape (..., P)
            The parameters that produced ``out``, needed for the weight decay; not validated.

        Returns
        -------
        array, shape (...)
            The loss per parameter vector.
        """

        if self.loss_name == "mse":
            data = anp.mean(anp.reshape((out - self._targets) ** 2, out.shape[:-2] + (-1,)), axis=-1)
        elif self.n_outputs == 1:
            data = _binary_cross_entropy(out[..., 0], self._targets)
        else:
            data = anp.mean(_softmax_cross_entropy(out, self._labels, self._targets), axis=-1)
        if self.weight_decay:
            sq = sum(anp.sum(W**2, axis=(-2, -1)) for W, _ in self.unflatten(theta))
            data = data + 0.5 * self.weight_decay * sq
        return data

    def _loss(self, theta):
        return self.loss_from_outputs(self._forward(theta, self.X), theta)

    # --- gradients: backpropagation written out ----------------------------------------------
    # Training loops spend their time in gradients, and autograd's tracing costs ~10 µs per primitive: ~25
    # primitives per layer, whatever the data size. For the small networks of the course that overhead was
    # ≥ 90 % of a step (issue 26), so the gradient is backpropagation written out in numpy. It is checked
    # against autograd (which still gives every Hessian-vector product and Hessian) in tests/test_models_backprop.py.
    def _grad_fn(self):
        return self._backprop

    def _grad_batch(self, thetas: np.ndarray) -> np.ndarray:
        width = max(self.sizes)
        if self.n_examples * width >= _LOOP_THRESHOLD:  # large activations: a loop of BLAS calls is faster
            return np.array([self._backprop(t) for t in thetas])
        chunk = max(1, min(256, _CHUNK_ENTRIES // (self.n_examples * width)))
        out = np.empty_like(thetas)
        for start in range(0, thetas.shape[0], chunk):
            out[start : start + chunk] = self._backprop(thetas[start : start + chunk])
        return out

    def _backprop(self, theta: np.ndarray, keep: dict | None = None) -> np.ndarray:
        r"""The gradient at ``theta`` ``(P,)`` → ``(P,)``, or at a stack ``(B, P)`` → ``(B, P)``.

        With :math:`z_\ell = h_{\ell-1} W_\ell + b_\ell` and :math:`\delta_\ell = \partial L / \partial z_\ell`
        (shape ``(N, width)`` per parameter vector):

        * output: :math:`\delta_L = \frac{2}{NK}(f - Y)` (MSE), :math:`\frac1N(\sigma(f) - y)` (binary
          cross-entropy), :math:`\frac1N(\mathrm{softmax}(f) - Y)` (multi-class, one-hot ``Y``);
        * each layer: :math:`\nabla_{W_\ell} = h_{\ell-1}^\top \delta_\ell + \lambda W_\ell`,
          :math:`\nabla_{b_\ell} = \mathbf 1^\top \delta_\ell`, and the error sent down
          :math:`g_{\ell-1} = \delta_\ell W_\ell^\top` (plus :math:`g_\ell` itself through a skip
          connection); :math:`\delta_{\ell-1} = g_{\ell-1} \odot \phi'(z_{\ell-1})`, times the branch scale
          :math:`\alpha` when layer :math:`\ell-1` is a residual branch.

        With ``layer_norm``, :math:`u = (z - \bar z)\,r`, :math:`r = (s^2 + \epsilon)^{-1/2}`, and the error
        :math:`g` at :math:`u` becomes :math:`r\,(g - \bar g - u\,\overline{g \odot u})` at :math:`z` (means over the
        layer's units, per example). With ``batch_norm`` the same formula holds with the means taken over the
        examples, per unit.

        ReLU's derivative at exactly 0 is taken as ½, autograd's convention for ``maximum``, so that the two
        agree everywhere.

        ``keep`` (a dict, single ``theta`` only) receives what the Hessian-vector products of
        :meth:`_pearlmutter` reuse: the layers, each layer's input, the normalized pre-activations and
        :math:`1/\sqrt{s^2+\epsilon}`, the output, and per hidden layer the error at the activation's output
        (``g_a``), :math:`\phi'` (``d1``), the error at the normalized pre-activation (``g_u``) and
        :math:`\delta` (``delta``), plus the output layer's :math:`\delta`.
        """
        batched = theta.ndim > 1
        layers = self.unflatten(theta)
        X = self.X
        # forward, keeping each layer's input h and pre-activation z
        inputs, pre, norms = [], [], []
        axis, eps = (-1, _LN_EPS) if self.layer_norm else (-2, _BN_EPS)  # units (LN) or examples (BN)
        h = X
        for i, (W, b) in enumerate(layers):
            inputs.append(h)
            z = h @ W
            if b is not None:
                z = z + (b[:, None, :] if batched else b)
            if i == len(layers) - 1:
                h = z
            else:
                if self.layer_norm or self.batch_norm:  # keep the normalized u and 1/sqrt(s² + ε) for backward
                    zc = z - z.mean(axis=axis, keepdims=True)
                    inv = 1.0 / np.sqrt((zc * zc).mean(axis=axis, keepdims=True) + eps)
                    z = zc * inv
                    norms.append(inv)
                pre.append(z)
                a = np.tanh(z) if self.activation == "tanh" else np.maximum(z, 0.0) if self.activation == "relu" else z
                h = h + self.branch_scale * a if self._skips(i, W) else a
        out = h
        n = out.shape[-2]
        if self.loss_name == "mse":
            delta = (2.0 / (n * out.shape[-1])) * (out - self._targets)
        elif self.n_outputs == 1:
            delta = (0.5 * (np.tanh(0.5 * out) + 1.0) - self._targets[:, None]) / n  # σ(f) − y, stably
        else:
            e = np.exp(out - out.max(axis=-1, keepdims=True))
            delta = (e / e.sum(axis=-1, keepdims=True) - self._targets) / n
        if keep is not None:
            keep.update(layers=layers, inputs=inputs, pre=pre, norms=norms, out=out, axis=axis,
                        g_a={}, d1={}, g_u={}, delta={})
        grad = np.empty_like(theta)
        views = self.unflatten(grad)
        last = len(layers) - 1
        g_h = None  # ∂L/∂h_i, the gradient at the output of hidden layer i
        for i in range(last, -1, -1):
            W = layers[i][0]
            if i < last:  # δ_i = ∂L/∂h_i ⊙ φ'(z_i), times α on a residual branch
                z = pre[i]
                g_branch = self.branch_scale * g_h if self._skips(i, W) else g_h
                if self.activation == "tanh":
                    t = np.tanh(z)
                    d1 = 1.0 - t * t
                    delta = g_branch * d1
                elif self.activation == "relu":
                    d1 = (z > 0) + 0.5 * (z == 0)
                    delta = g_branch * d1
                else:
                    d1 = None
                    delta = g_branch
                if keep is not None:
                    keep["g_a"][i], keep["d1"][i], keep["g_u"][i] = g_branch, d1, delta
                if self.layer_norm or self.batch_norm:  # u = (z − z̄)·inv: ∂L/∂z = inv·(g − ḡ − u·mean(g ⊙ u))
                    # centre first: mean(u) is 0 only up to rounding, and a large common part of g would
                    # otherwise leak into mean(g ⊙ u) (the R-operator below centres the same way)
                    u = pre[i]
                    delta = delta - delta.mean(axis=axis, keepdims=True)
                    delta = norms[i] * (delta - u * (delta * u).mean(axis=axis, keepdims=True))
            if keep is not None:
                keep["delta"][i] = delta
            gW, gb = views[i]
            gW[...] = (np.swapaxes(inputs[i], -1, -2) if batched else inputs[i].T) @ delta
            if self.weight_decay:
                gW += self.weight_decay * W
            if gb is not None:
                gb[...] = delta.sum(axis=-2)
            if i == 0:
                break
            g_below = delta @ (np.swapaxes(W, -1, -2) if batched else W.T)
            if i < last and self._skips(i, W):  # h_i = h_{i-1} + φ(z_i): the error also flows straight down
                g_below = g_below + g_h
            g_h = g_below
        return grad

    def _skips(self, i: int, W) -> bool:
        """Whether hidden layer ``i`` (0-based) adds its input to its output (``residual``, equal widths)."""
        return self.residual and i > 0 and W.shape[-2] == W.shape[-1]

    # --- Hessian-vector products: Pearlmutter's R-operator written out ------------------------
    # autograd's reverse-over-reverse product cost ~86 traced primitives (~1 ms at P = 1,973, mostly Python
    # overhead); the R-operator below is a dozen numpy calls per layer. tests/test_models_hvp.py checks it
    # against autograd's product (derivatives.make_hvp on _loss) and a dense autograd Hessian.
    def make_hvp(self, theta) -> Callable[[np.ndarray], np.ndarray]:
        r"""``v -> H(theta) v`` by Pearlmutter's R-operator, with the forward and backward pass at ``theta`` cached.

        Build it once per point and reuse it for every product (Lanczos, power iteration, Hutchinson, SLQ). The
        equations are in :meth:`_pearlmutter`; the result agrees with autograd's product to ~1e-13 relative.
        The function reuses its work arrays between calls: call it from one thread at a time (each call returns
        a new array).

        Parameters
        ----------
        theta : array_like, shape (P,)
            Where the Hessian is taken: a parameter vector with ``P = dim`` finite entries.

        Returns
        -------
        callable
            ``v (P,) -> (P,)``, the product :math:`\nabla^2 L(\theta) v`; ``v`` is converted to float64 and its
            shape checked, its values are not.
        """
        theta = check_vector(theta, "theta", self.dim)
        return self._pearlmutter(theta)[0]

    def hvp_and_grad(self, theta) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
        """``(v -> H(theta) v, ∇L(theta))`` from one forward/backward pass at a float64 ``(P,)``, unvalidated.

        The gradient is the one :meth:`grad` returns (the same backward pass, bit for bit); the product is
        :meth:`make_hvp`'s.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector of the right shape; it is not checked.
        """
        return self._pearlmutter(theta)

    def _pearlmutter(self, theta: np.ndarray) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
        r"""The cached pass at ``theta`` ``(P,)``: returns ``(v -> H v, gradient)``.

        Pearlmutter (1994), "Fast exact multiplication by the Hessian": :math:`Hv = \mathcal R_v\{\nabla L\}`
        with :math:`\mathcal R_v\{g(\theta)\} = \frac{d}{dr} g(\theta + r v)|_{r=0}`, applied to every line of the
        backward pass of :meth:`_backprop`. With ``v`` split like ``theta`` into :math:`(V_\ell, c_\ell)`, and
        :math:`z_\ell = h_{\ell-1}W_\ell + b_\ell`, :math:`u_\ell` its normalization (or :math:`z_\ell` itself),
        :math:`h_\ell = \phi(u_\ell)` (with a skip :math:`h_\ell = h_{\ell-1} + \alpha\phi(u_\ell)`), all arrays
        ``(N, width)``:

        *R-forward* (:math:`\mathcal R h_0 = 0`):
        :math:`\mathcal R z_\ell = \mathcal R h_{\ell-1} W_\ell + h_{\ell-1} V_\ell + c_\ell`;
        with a normalization :math:`u = (z - \bar z)\,r`, :math:`q = \overline{u \odot \mathcal R z}`,
        :math:`\mathcal R u = r(\mathcal R z - \overline{\mathcal R z} - u\,q)` and :math:`\mathcal R r = -r^2 q`
        (means over units for layer norm, over examples for batch norm);
        :math:`\mathcal R h_\ell = \phi'(u_\ell) \odot \mathcal R u_\ell` (plus :math:`\mathcal R h_{\ell-1}` with
        :math:`\alpha` on the branch through a skip).

        *Output*: :math:`\mathcal R\delta_L = \ell''(f)\,\mathcal R f` — :math:`\frac{2}{NK}\mathcal R f` (MSE),
        :math:`\frac1N\sigma(1-\sigma)\odot\mathcal R f` (binary cross-entropy),
        :math:`\frac1N\big(p\odot\mathcal R f - p\,(p^\top\mathcal R f)\big)` row by row (softmax, :math:`p` the
        probabilities).

        *R-backward*, layer by layer from the top, with :math:`g_a` the error at :math:`\phi`'s output (the
        branch's, times :math:`\alpha`) and :math:`g_u = g_a \odot \phi'(u)`:
        :math:`\mathcal R g_u = \mathcal R g_a \odot \phi'(u) + g_a \odot \phi''(u) \odot \mathcal R u`
        (:math:`\phi'' = -2\tanh(1-\tanh^2)` for tanh, 0 for ReLU and linear); without normalization
        :math:`\mathcal R\delta = \mathcal R g_u`, with it, for :math:`\delta = r(g_u - \bar g_u - u\,m)`,
        :math:`m = \overline{g_u \odot u}`:
        :math:`\mathcal R\delta = -r q\,\delta + r\big(\mathcal R g_u - \overline{\mathcal R g_u} - \mathcal R u\,m
        - u\,\overline{\mathcal R g_u \odot u + g_u \odot \mathcal R u}\big)`; then
        :math:`(Hv)_{W_\ell} = \mathcal R h_{\ell-1}^\top \delta_\ell + h_{\ell-1}^\top \mathcal R\delta_\ell + \lambda V_\ell`,
        :math:`(Hv)_{b_\ell} = \mathbf 1^\top \mathcal R\delta_\ell` and the error sent down
        :math:`\mathcal R g_{h_{\ell-1}} = \mathcal R\delta_\ell W_\ell^\top + \delta_\ell V_\ell^\top` (plus
        :math:`\mathcal R g_{h_\ell}` through a skip).

        ReLU's :math:`\phi'` at exactly 0 is ½ and :math:`\phi''` is 0 there, as in autograd.

        Every mean of a product with :math:`u` takes the other factor centred first (:math:`\overline{u\odot(x -
        \bar x)}` for :math:`\overline{u\odot x}`): equal in exact arithmetic, as :math:`\bar u = 0`, but
        :math:`\bar u` is 0 only to rounding, and through a layer norm over 2 units, whose output barely moves,
        the leaked common part cost a 100× larger error (2e-11 instead of 2e-13 from an extended-precision product;
        tests/test_models_hvp.py).
        """
        keep: dict = {}
        grad = self._backprop(theta, keep)
        layers, inputs, pre, norms, out = keep["layers"], keep["inputs"], keep["pre"], keep["norms"], keep["out"]
        g_a, d1, gu_all, delta, axis = keep["g_a"], keep["d1"], keep["g_u"], keep["delta"], keep["axis"]
        last = len(layers) - 1
        normed = self.layer_norm or self.batch_norm
        alpha, lam = self.branch_scale, self.weight_decay
        skips = [i < last and self._skips(i, W) for i, (W, _) in enumerate(layers)]
        n = out.shape[0]
        # the output's second derivative, as a map Rf -> Rδ_L
        if self.loss_name == "mse":
            scale = 2.0 / (n * out.shape[1])
            out_curv = None
        elif self.n_outputs == 1:
            s = 0.5 * (np.tanh(0.5 * out) + 1.0)
            out_curv = s * (1.0 - s) / n
        else:
            e = np.exp(out - out.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
        # φ'' times the error at φ's output: the only second-derivative term of the activation
        g_d2 = {i: -2.0 * g_a[i] * np.tanh(pre[i]) * d1[i] for i in range(last)} if self.activation == "tanh" else {}
        gu_c = {i: gu_all[i] - gu_all[i].mean(axis=axis, keepdims=True) for i in range(last)} if normed else {}
        moments = {i: (gu_c[i] * pre[i]).mean(axis=axis, keepdims=True) for i in range(last)} if normed else {}
        # contiguous transposes: BLAS runs (in, N) @ (N, out) up to 1.8× faster from a C-ordered copy than
        # through a transposed view when N is long (1,797 × 64 digits: 33 against 18 GFLOP/s)
        inputs_t = [np.ascontiguousarray(h.T) for h in inputs]
        delta_t = {i: np.ascontiguousarray(d.T) for i, d in delta.items()}
        dim = self.dim

        # Work arrays, one set per layer, reused by every product: fresh (N, width) temporaries cost page faults
        # (digits net, 1,797 × 128: 6.7 -> 2.8 ms per product; its GEMMs alone take 2.0 ms). So `product`
        # must be called from one thread at a time; its result is a new array every call.
        N = out.shape[0]
        widths = self.sizes
        r_z = [np.empty((N, widths[i + 1])) for i in range(last + 1)]  # R z_i, then R u_i (hidden layers)
        r_h = [None] + [np.empty((N, widths[i])) for i in range(1, last + 1)]  # R h_i, the input of layer i
        r_d = [np.empty((N, widths[i + 1])) for i in range(last + 1)]  # R δ_i
        tmp = [np.empty((N, widths[i + 1])) for i in range(last + 1)]
        r_g = [None] + [np.empty((N, widths[i])) for i in range(1, last + 1)]  # R g_{h_i}, sent down from layer i
        tmp_g = [None] + [np.empty((N, widths[i])) for i in range(1, last + 1)]

        def product(v):
            v = np.asarray(v, dtype=float)
            if v.shape != (dim,):
                raise ValueError(f"`v` must have shape ({dim},), got {v.shape}")
            dlayers = self.unflatten(v)
            result = np.empty(dim)
            views = self.unflatten(result)
            # R-forward: R h_i for each layer's input i, and R u_i, q_i for the hidden layers
            r_q = {}
            for i in range(last + 1):
                W, _ = layers[i]
                V, c = dlayers[i]
                rz = np.matmul(inputs[i], V, out=r_z[i])
                if i > 0:
                    rz += np.matmul(r_h[i], W, out=tmp[i])
                if c is not None:
                    rz += c
                if i == last:
                    break
                if normed:
                    u, r = pre[i], norms[i]
                    rz -= rz.mean(axis=axis, keepdims=True)
                    q = np.multiply(u, rz, out=tmp[i]).mean(axis=axis, keepdims=True)
                    rz -= np.multiply(u, q, out=tmp[i])
                    rz *= r
                    r_q[i] = q
                nxt = r_h[i + 1]
                if d1[i] is not None:  # R a = φ'(u) R u
                    np.multiply(rz, d1[i], out=nxt)
                else:
                    np.copyto(nxt, rz)
                if skips[i]:  # R h_{i+1} = R h_i + α R a
                    nxt *= alpha
                    nxt += r_h[i]
            # the output's R δ
            rd = r_d[last]
            if self.loss_name == "mse":
                np.multiply(rz, scale, out=rd)
            elif self.n_outputs == 1:
                np.multiply(out_curv, rz, out=rd)
            else:
                prf = p * rz
                np.divide(prf - p * prf.sum(axis=1, keepdims=True), n, out=rd)
            for i in range(last, -1, -1):
                W, _ = layers[i]
                V, _ = dlayers[i]
                if i < last:
                    r_gh = r_g[i + 1]
                    rd = r_d[i]
                    if skips[i]:  # R g_a = α R g_h
                        np.multiply(r_gh, alpha, out=rd)
                        if d1[i] is not None:
                            rd *= d1[i]
                    elif d1[i] is not None:
                        np.multiply(r_gh, d1[i], out=rd)
                    else:
                        np.copyto(rd, r_gh)
                    if i in g_d2:  # + g_a φ''(u) R u
                        rd += np.multiply(g_d2[i], r_z[i], out=tmp[i])
                    if normed:
                        u, r, ru, rg = pre[i], norms[i], r_z[i], rd
                        rg -= rg.mean(axis=axis, keepdims=True)
                        rm = (rg * u + gu_c[i] * ru).mean(axis=axis, keepdims=True)
                        rd[...] = r * (rg - ru * moments[i] - u * rm) \
                            - (r * r_q[i]) * delta[i]
                hW, hb = views[i]
                np.matmul(inputs_t[i], rd, out=hW)
                if i > 0:
                    hW += (delta_t[i] @ r_h[i]).T
                if lam:
                    hW += lam * V
                if hb is not None:
                    rd.sum(axis=0, out=hb)
                if i == 0:
                    break
                below = np.matmul(rd, W.T, out=r_g[i])
                below += np.matmul(delta[i], V.T, out=tmp_g[i])
                if skips[i]:
                    below += r_g[i + 1]
            return result

        return product, grad

    def _loss_batch(self, thetas):
        width = max(self.sizes)
        per_point = self.n_examples * width
        if per_point >= _LOOP_THRESHOLD:
            return np.array([self._loss(t) for t in thetas])
        chunk = max(1, min(256, _CHUNK_ENTRIES // per_point))
        out = np.empty(thetas.shape[0])
        for start in range(0, thetas.shape[0], chunk):
            block = thetas[start : start + chunk]
            out[start : start + chunk] = self.loss_from_outputs(self._forward(block, self.X), block)
        return out

    def forward_batch(self, thetas, X=None) -> np.ndarray:
        """Network outputs (logits for cross-entropy) for parameter vectors ``(B, P)`` → ``(B, N, K)``.

        Parameters
        ----------
        thetas : array_like, shape (..., P)
            Finite parameter vectors; leading axes are flattened into one batch axis ``B``.
        X : array_like, shape (N, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        """
        from .validation import check_batch

        thetas = check_batch(thetas, "thetas", self.dim)
        X = self.X if X is None else check_array(X, "X", shape=(None, self.X.shape[1]))
        return np.asarray(self._forward(thetas.reshape(-1, self.dim), X))

    def hidden_activations(self, theta, X=None) -> list[np.ndarray]:
        """The hidden layers' outputs ``[h1 (N, h1), ...]`` at ``theta``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        """
        theta = check_vector(theta, "theta", self.dim)
        X = self.X if X is None else check_array(X, "X", shape=(None, self.X.shape[1]))
        return [np.asarray(h) for h in self._forward(theta, X, return_hidden=True)[1]]

    def predict(self, theta, X=None) -> np.ndarray:
        """Predictions on ``X`` (default: the training inputs).

        MSE: the outputs, shape ``(N,)`` for one output else ``(N, K)``. Binary cross-entropy: the
        probability of class 1, ``(N,)``. Multi-class: class probabilities ``(N, K)``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        """
        theta = check_vector(theta, "theta", self.dim)
        X = self.X if X is None else check_array(X, "X", shape=(None, self.X.shape[1]))
        out = np.asarray(self._forward(theta, X))
        if self.loss_name == "mse":
            return out[:, 0] if self.n_outputs == 1 else out
        if self.n_outputs == 1:
            return np.asarray(_sigmoid(out[:, 0]))
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def accuracy(self, theta, X=None, y=None) -> float:
        """Fraction of correctly classified examples (cross-entropy models; for MSE, sign/threshold 0.5).

        With several outputs the predicted class is the largest output; with one, output above 0.5 means 1.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        X : array_like, shape (M, d), optional
            Inputs with the training data's ``d`` columns (finite). Default None: the training inputs.
        y : array_like, shape (M,), optional
            The integer labels of ``X``'s rows. Default None: the training labels (pass ``y`` whenever you pass
            ``X``).

        Returns
        -------
        float
            Accuracy in ``[0, 1]``.
        """
        p = self.predict(theta, X)
        y = self.y if y is None else check_array(y, "y", ndim=1)
        if p.shape[0] != y.shape[0]:
            raise ValueError(f"`y` must have {p.shape[0]} entries, got {y.shape[0]}")
        labels = np.argmax(p, axis=1) if p.ndim == 2 else (p > 0.5).astype(int)
        return float(np.mean(labels == np.round(y).astype(int)))


# --------------------------------------------------------------------------------------------
class LinearAutoencoder(_DataModel):
    r"""A linear autoencoder :math:`L(W_1, W_2) = \frac1N \|X - X W_1 W_2\|_F^2`.

    ``theta = [W_enc (d, k).ravel(), W_dec (k, d).ravel()]``. Baldi & Hornik (1989): its critical points
    are indexed by the subsets of ``k`` eigenvectors of the covariance :math:`\Sigma = X^\top X / N` that the
    product :math:`W_1 W_2` projects onto; the only minima keep the top ``k``. Every other critical point is a
    saddle — an exact neural-network check that "index rises with loss" (chapter 3).

    Parameters
    ----------
    X : array_like, shape (N, d)
        The data to reconstruct (finite); it is also the target ``y``.
    k : int
        The bottleneck width, between 1 and ``d``.
    """

    def __init__(self, X, k: int):
        X = check_array(X, "X", ndim=2)
        self.X = X
        self.y = X
        self.k = check_int(k, "k", low=1, high=X.shape[1])
        d = X.shape[1]
        self.dim = 2 * d * self.k
        self.name = f"linear autoencoder d={d}, k={self.k}"

    def unflatten(self, theta):
        """The encoder and decoder matrices as views into ``theta``.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,) or (..., P)
            Flat parameter vector(s), ``P = 2 d k``; not validated.

        Returns
        -------
        W1 : numpy.ndarray, shape (..., d, k)
            The encoder.
        W2 : numpy.ndarray, shape (..., k, d)
            The decoder.
        """
        d, k = self.X.shape[1], self.k
        lead = theta.shape[:-1]
        return theta[..., : d * k].reshape(*lead, d, k), theta[..., d * k :].reshape(*lead, k, d)

    def _loss(self, theta):
        W1, W2 = self.unflatten(theta)
        R = self.X - (self.X @ W1) @ W2
        return (R**2).sum() / self.X.shape[0]

    def _loss_batch(self, thetas):
        W1, W2 = self.unflatten(thetas)
        R = self.X - (self.X @ W1) @ W2
        return (R**2).sum(axis=(-2, -1)) / self.X.shape[0]

    def covariance(self) -> np.ndarray:
        """:math:`\\Sigma = X^\\top X / N`, shape ``(d, d)``."""
        return self.X.T @ self.X / self.X.shape[0]

    def critical_point(self, subset) -> np.ndarray:
        r"""The critical point that keeps the covariance eigenvectors ``subset`` (``k`` distinct indices).

        :math:`W_1 = U_S`, :math:`W_2 = U_S^\top`; its loss is :math:`\sum_{i \notin S} \lambda_i`.

        Parameters
        ----------
        subset : array_like of int, shape (k,)
            ``k`` distinct indices in ``[0, d)`` into the eigenvectors sorted by *decreasing* eigenvalue:
            ``range(k)`` is the global minimum.

        Returns
        -------
        numpy.ndarray, shape (P,)
            The flat parameter vector ``[W1.ravel(), W2.ravel()]``.
        """
        idx = np.asarray(subset)
        if idx.shape != (self.k,) or len(set(idx.tolist())) != self.k:
            raise ValueError(f"`subset` must hold {self.k} distinct eigenvector indices, got {subset!r}")
        d = self.X.shape[1]
        if idx.min() < 0 or idx.max() >= d:
            raise ValueError(f"`subset` indices must lie in [0, {d}), got {subset!r}")
        eigval, U = np.linalg.eigh(self.covariance())
        order = np.argsort(eigval)[::-1]
        Us = U[:, order[idx]]
        return np.concatenate([Us.ravel(), Us.T.ravel()])
