r"""Regularization and the landscape: what weight decay and label smoothing do to a loss's minimum.

On linearly separable data the logistic loss has no minimiser: along a separating direction every example's
loss keeps falling, so :math:`\inf L = 0` is approached only as :math:`\|w\| \to \infty`, and gradient descent's
weights grow without bound — like :math:`\log t`, turning towards the hard-margin SVM direction (Soudry et al.
2018, "The implicit bias of gradient descent on separable data", JMLR 19). Two regularizers move that minimum
from infinity to a finite point:

* **weight decay**, :math:`L_\lambda(\theta) = L(\theta) + \tfrac{\lambda}{2}\|\theta\|^2`
  (:class:`WeightDecay`). Its Hessian is :math:`\nabla^2 L + \lambda I`: every curvature rises by
  :math:`\lambda`, so a convex :math:`L` becomes :math:`\lambda`-strongly convex, with exactly one, finite
  minimiser — the minimum is moved and rounded;
* **label smoothing** (``LogisticRegression(..., label_smoothing=ε)`` in :mod:`course_utils.models`): the
  soft target :math:`(1-\varepsilon)y + \varepsilon/2` is matched at a finite logit, and past it the loss grows
  linearly in every direction.

:func:`max_margin_direction` gives the hard-margin direction, the independent oracle for gradient descent's
implicit bias.

Two more effects on the landscape (chapter 5):

* weight decay **breaks the rescaling symmetry** of a ReLU network (Dinh et al. 2017): the copies
  :math:`(\alpha W_1, \alpha b_1, W_2/\alpha)` compute one function but pay different penalties,
  :math:`\tfrac\lambda2(\alpha^2 a + b/\alpha^2)` plus a constant, least at :math:`\alpha^4 = b/a` — the balanced
  copy, :func:`balancing_scale`;
* **noise injection**: :func:`train_with_input_noise` runs gradient descent on inputs jittered afresh at every
  step, :math:`x + \sigma\xi` — data augmentation in its simplest form, which for small :math:`\sigma` acts like a
  penalty on the network's input derivatives (Bishop 1995, "Training with noise is equivalent to Tikhonov
  regularization");
* **dropout** (Srivastava et al. 2014): :func:`train_with_dropout` runs gradient descent on a thinned network,
  each hidden unit of each example kept with probability :math:`1-p` and scaled by :math:`1/(1-p)`, a fresh mask
  at every step. Its expected loss is :math:`L + R` with an explicit, data-dependent penalty :math:`R`
  (:func:`dropout_penalty`; exactly an activation-weighted L2 penalty on the output weights for the squared error
  and one hidden layer: :class:`ExpectedDropoutLoss` is :math:`L + R` in closed form, dropout's explicit effect
  without its noise), and the noise of the steps adds an implicit effect (Wei, Kakade & Ma 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .derivatives import anp
from .objective import Objective, as_objective
from .validation import check_array, check_bool, check_instance, check_int, check_rng, check_scalar, check_vector

__all__ = ["WeightDecay", "max_margin_direction", "balancing_scale", "train_with_input_noise", "train_with_dropout",
           "dropout_loss", "dropout_grad", "draw_dropout_masks", "dropout_penalty", "DropoutPenalty",
           "ExpectedDropoutLoss"]


class WeightDecay(Objective):
    r"""An objective plus an L2 penalty: :math:`L_\lambda(\theta) = L(\theta) + \tfrac{\lambda}{2}\|\theta\|^2`.

    Gradient :math:`\nabla L + \lambda\theta`; Hessian :math:`\nabla^2 L + \lambda I`, so every eigenvalue of the
    Hessian rises by :math:`\lambda` and a convex :math:`L` becomes :math:`\lambda`-strongly convex (one finite
    minimiser). Losses are batched when the inner objective's are; the gradient uses the inner objective's own
    gradient (backpropagation for an MLP); Hessian-vector products differentiate the inner loss with autograd.

    Parameters
    ----------
    objective : Objective
        The unregularized loss :math:`L` over ``(P,)`` parameter vectors, written with autograd.numpy (every
        course model is).
    strength : float
        :math:`\lambda \ge 0`, finite.

    Attributes
    ----------
    inner : Objective
        The unregularized objective.
    strength : float
        :math:`\lambda`.
    """

    def __init__(self, objective, strength: float):
        self.inner = as_objective(objective, "objective")
        self.strength = check_scalar(strength, "strength", low=0)
        self.dim = self.inner.dim
        self.name = f"{self.inner.name} + weight decay λ = {self.strength:g}"
        self._traceable_batch = self.inner.batch_is_traceable

    def _loss(self, theta):
        # the inner loss through its public, traceable fast path: autograd differentiates the sum (HVPs, Hessian)
        return self.inner.unchecked_loss(theta) + 0.5 * self.strength * anp.sum(theta * theta)

    def _loss_batch(self, thetas):
        return self.inner.unchecked_loss_batch(thetas) + 0.5 * self.strength * anp.sum(thetas * thetas, axis=-1)

    def _grad_fn(self):
        # the inner objective's own gradient (backpropagation for an MLP) plus the penalty's
        inner, lam = self.inner.unchecked_grad, self.strength
        return lambda theta: inner(theta) + lam * theta


def max_margin_direction(X, y) -> np.ndarray:
    r"""The hard-margin SVM weights through the origin: :math:`\hat w = \arg\min \|w\|^2` s.t. :math:`s_i w^\top x_i \ge 1`.

    :math:`s_i = 2y_i - 1 \in \{-1, +1\}`. Solved as the dual quadratic program
    :math:`\max_{\alpha \ge 0} \sum_i \alpha_i - \tfrac12\|\sum_i \alpha_i s_i x_i\|^2` with SciPy's L-BFGS-B
    (box constraints only), then :math:`\hat w = \sum_i \alpha_i s_i x_i`. On separable data gradient descent on
    the logistic loss follows :math:`w(t) = \hat w \log t + \rho(t)` with :math:`\rho` bounded (Soudry et al. 2018), so
    :math:`\|w\|` grows by about :math:`\|\hat w\|\ln 10` per decade of steps and its direction tends to
    :math:`\hat w`'s.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The inputs (finite).
    y : array_like, shape (N,)
        Labels 0 or 1, linearly separable by a hyperplane through the origin.

    Returns
    -------
    numpy.ndarray, shape (d,)
        :math:`\hat w`; its margin :math:`\min_i s_i \hat w^\top x_i` is 1 (up to the solver's tolerance).

    Raises
    ------
    ValueError
        If the shapes disagree, a label is not 0 or 1, or the data are not separable through the origin (the
        dual is then unbounded: the message says so).
    """
    from scipy.optimize import minimize

    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", shape=(X.shape[0],))
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("`y` must hold 0/1 labels")
    Z = (2 * y - 1)[:, None] * X  # rows s_i x_i
    G = Z @ Z.T

    def negative_dual(alpha):
        v = G @ alpha
        return 0.5 * alpha @ v - alpha.sum(), v - 1.0

    res = minimize(negative_dual, np.zeros(len(y)), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * len(y), options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    w = Z.T @ res.x
    margins = Z @ w
    if not np.isfinite(w).all() or margins.min() < 1 - 1e-3:
        raise ValueError(f"the data are not separable through the origin (best margin {margins.min():.3g} < 1): "
                         "no hard-margin direction exists")
    return w


def balancing_scale(model, theta, *, penalize_biases: bool = True) -> float:
    r"""The rescaling :math:`\alpha^*` that minimises the L2 penalty over a ReLU network's rescaled copies.

    Dinh et al.'s rescaling :math:`(W_1, b_1, W_2) \to (\alpha W_1, \alpha b_1, W_2/\alpha)`
    (:func:`course_utils.sharpness.rescale_relu_network`) keeps the function and so the data loss; the penalty
    :math:`\tfrac\lambda2\|\theta\|^2` becomes

    .. math:: \tfrac\lambda2\bigl(\alpha^2 a + b/\alpha^2\bigr) + \text{const},\qquad
              a = \|W_1\|_F^2 + \|b_1\|^2,\quad b = \|W_2\|_F^2,

    strictly convex in :math:`\log\alpha`, with its one minimum at :math:`\alpha^{*4} = b/a`, where the two layers
    pay equal penalties (:math:`\alpha^{*2} a = b/\alpha^{*2}`) and the penalty exceeds its minimum by
    :math:`\tfrac\lambda2(\alpha\sqrt a - \sqrt b/\alpha)^2`. So of all the function-equivalent copies only the
    balanced one can be a minimum of :math:`L + \tfrac\lambda2\|\theta\|^2`.

    Parameters
    ----------
    model : MLP
        A ReLU (or linear) :class:`course_utils.models.MLP` with a hidden layer and no residual connections.
    theta : array_like, shape (P,)
        Its parameters; the first two weight matrices must not be all zero.
    penalize_biases : bool, default True
        Whether :math:`b_1` is penalized, as by :class:`WeightDecay` (True); ``MLP(weight_decay=...)`` penalizes
        weights only (False: :math:`a = \|W_1\|_F^2`).

    Returns
    -------
    float
        :math:`\alpha^* = (b/a)^{1/4}`; ``rescale_relu_network(model, theta, alpha_star)`` is the balanced copy.
    """
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    if model.activation not in ("relu", "linear") or model.residual or len(model.hidden) < 1:
        raise ValueError("`model` must be a ReLU (or linear) MLP with a hidden layer and no residual connections; "
                         f"got {model.name}")
    theta = check_vector(theta, "theta", model.dim)
    penalize_biases = check_bool(penalize_biases, "penalize_biases")
    (W1, b1), (W2, _) = model.unflatten(theta)[:2]
    a = float(np.sum(W1**2)) + (float(np.sum(b1**2)) if penalize_biases and b1 is not None else 0.0)
    b = float(np.sum(W2**2))
    if a == 0 or b == 0:
        raise ValueError(f"`theta` has an all-zero layer (‖first layer‖² = {a:g}, ‖second layer‖² = {b:g}): "
                         "no finite rescaling balances it")
    return float((b / a) ** 0.25)


def train_with_input_noise(model, theta0, *, sigma: float, steps: int, lr: float, rng=0) -> np.ndarray:
    r"""Full-batch gradient descent on inputs jittered afresh at every step (Gaussian noise injection).

    Step :math:`t` draws :math:`\xi_t` with i.i.d. :math:`\mathcal N(0, 1)` entries of the inputs' shape and takes
    :math:`\theta \leftarrow \theta - \eta\nabla_\theta L(\theta; X + \sigma\xi_t, y)`: stochastic gradient
    descent on :math:`\mathbb E_\xi L(\theta; X + \sigma\xi, y)`. For the squared error and small :math:`\sigma`
    that expectation is :math:`L + \sigma^2 R + O(\sigma^4)`, with :math:`R` a penalty on the network's
    derivatives with respect to its **inputs** (plus a second-derivative term that Bishop 1995 shows can be
    dropped for training) — a Tikhonov regularizer, not a penalty on the parameter Hessian. Several starts run
    side by side and see the same noise (one batched gradient per step).

    Parameters
    ----------
    model : Objective with data
        A course model with ``X``, ``y`` and ``with_data`` (e.g. :class:`course_utils.models.MLP`).
    theta0 : array_like, shape (P,) or (K, P)
        One start, or ``K`` starts.
    sigma : float
        Noise standard deviation :math:`\sigma \ge 0` (0: plain gradient descent).
    steps : int
        Number of steps, at least 0.
    lr : float
        Step size :math:`\eta > 0`.
    rng : Generator or int
        Source of the noise (an integer seed goes through :func:`course_utils.randomness.default_rng`).

    Returns
    -------
    numpy.ndarray, shape (P,) or (K, P)
        The final parameters, in the shape of ``theta0``. A step size that makes them non-finite raises
        ``ValueError`` (it names ``lr``).
    """
    if not (hasattr(model, "with_data") and hasattr(model, "X")):
        raise TypeError(f"`model` must be a course model with data (X, y, with_data), got {type(model).__name__}")
    theta = check_array(theta0, "theta0", ndim=(1, 2))
    if theta.shape[-1] != model.dim:
        raise ValueError(f"`theta0` must have shape ({model.dim},) or (K, {model.dim}), got {theta.shape}")
    sigma = check_scalar(sigma, "sigma", low=0)
    steps = check_int(steps, "steps", low=0)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    rng = check_rng(rng)
    thetas = np.array(theta, dtype=float).reshape(-1, model.dim)
    X, y = model.X, model.y
    with np.errstate(all="ignore"):
        for _ in range(steps):
            noisy = model.with_data(X + sigma * rng.standard_normal(X.shape), y) if sigma > 0 else model
            thetas = thetas - lr * noisy.unchecked_grad_batch(thetas)
    return _diverged_or(thetas, lr, steps).reshape(theta.shape)


def _diverged_or(thetas: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """``thetas`` if finite; a step size that blew the training up is an error naming it, not NaN handed on."""
    if not np.all(np.isfinite(thetas)):
        raise ValueError(f"the training diverged: with `lr` = {lr:g} the parameters became non-finite within "
                         f"{steps} steps; take a smaller `lr`")
    return thetas


# --- dropout ----------------------------------------------------------------------------------------------------
def _check_dropout_model(model):
    from .models import MLP

    check_instance(model, "model", MLP, "a course_utils.models.MLP")
    if not model.hidden or model.residual or model.layer_norm or model.batch_norm:
        raise ValueError("`model` must be an MLP with at least one hidden layer and no residual connections or "
                         f"normalization (dropout acts on its hidden units), got {model.name}")
    return model


def _check_masks(model, masks):
    """One 0/1 array ``(N, width)`` per hidden layer."""
    if not isinstance(masks, (list, tuple)) or len(masks) != len(model.hidden):
        raise ValueError(f"`masks` must be a list of {len(model.hidden)} arrays, one per hidden layer, "
                         f"got {type(masks).__name__}"
                         + (f" of length {len(masks)}" if isinstance(masks, (list, tuple)) else ""))
    out = []
    for width, m in zip(model.hidden, masks):
        m = check_array(m, "masks", shape=(model.n_examples, width))
        if not np.all((m == 0) | (m == 1)):
            raise ValueError("`masks` must hold only 0 (dropped) and 1 (kept), got other values")
        out.append(m)
    return out


def _draw_masks(model, p, rng):
    return [(rng.random((model.n_examples, w)) >= p).astype(float) for w in model.hidden]


def _dropout_forward(model, thetas, masks, scale):
    """Forward pass of the thinned networks: ``thetas`` ``(S, P)``, masks ``(N, width)`` → inputs, pre-activations,
    activations before masking, output ``(S, N, K)``."""
    layers = model.unflatten(thetas)
    h = model.X
    inputs, pre, acts = [], [], []
    for i, (W, b) in enumerate(layers):
        inputs.append(h)
        z = h @ W
        if b is not None:
            z = z + b[:, None, :]
        if i == len(layers) - 1:
            return inputs, pre, acts, z
        a = np.tanh(z) if model.activation == "tanh" else np.maximum(z, 0.0) if model.activation == "relu" else z
        pre.append(z)
        acts.append(a)
        h = a * (scale * masks[i])
    raise AssertionError("unreachable: an MLP has an output layer")


def _dropout_loss_and_grad(model, thetas, masks, p, want_grad=True):
    r"""Loss ``(S,)`` and gradient ``(S, P)`` of the thinned networks, by backpropagation written out."""
    scale = 1.0 / (1.0 - p)
    inputs, pre, acts, out = _dropout_forward(model, thetas, masks, scale)
    loss = np.asarray(model.loss_from_outputs(out, thetas))
    if not want_grad:
        return loss, None
    n, k = out.shape[-2], out.shape[-1]
    if model.loss_name == "mse":
        delta = (2.0 / (n * k)) * (out - model._targets)
    elif model.n_outputs == 1:
        delta = (0.5 * (np.tanh(0.5 * out) + 1.0) - model._targets[:, None]) / n
    else:
        e = np.exp(out - out.max(axis=-1, keepdims=True))
        delta = (e / e.sum(axis=-1, keepdims=True) - model._targets) / n
    layers = model.unflatten(thetas)
    grad = np.empty_like(thetas)
    views = model.unflatten(grad)
    for i in range(len(layers) - 1, -1, -1):
        W = layers[i][0]
        gW, gb = views[i]
        gW[...] = np.swapaxes(inputs[i], -1, -2) @ delta if inputs[i].ndim == 3 else inputs[i].T @ delta
        if model.weight_decay:
            gW += model.weight_decay * W
        if gb is not None:
            gb[...] = delta.sum(axis=-2)
        if i == 0:
            break
        g_h = (delta @ np.swapaxes(W, -1, -2)) * (scale * masks[i - 1])   # through the mask, then φ'
        z = pre[i - 1]
        if model.activation == "tanh":
            delta = g_h * (1.0 - acts[i - 1] ** 2)
        elif model.activation == "relu":
            delta = g_h * ((z > 0) + 0.5 * (z == 0))   # ½ at 0: autograd's convention for maximum
        else:
            delta = g_h
    return loss, grad


def _dropout_args(model, theta, masks, p):
    model = _check_dropout_model(model)
    theta = check_array(theta, "theta", ndim=(1, 2))
    if theta.shape[-1] != model.dim:
        raise ValueError(f"`theta` must have shape ({model.dim},) or (S, {model.dim}), got {theta.shape}")
    masks = _check_masks(model, masks)
    p = check_scalar(p, "p", low=0, high=1, high_inclusive=False)
    return model, theta, masks, p


def dropout_loss(model, theta, masks, *, p: float):
    r"""The training loss of the thinned network that a dropout mask leaves: :math:`L_{\mathrm{drop}}(\theta; m)`.

    Inverted dropout on every hidden layer: :math:`h_\ell = \phi(z_\ell) \odot m_\ell / (1-p)`, with
    :math:`m_\ell \in \{0, 1\}^{N \times \mathrm{width}}` (one mask per example and unit, 1 = kept). Dividing by the
    keep probability :math:`1-p` makes :math:`\mathbb E[m_\ell/(1-p)] = 1`, so no rescaling is needed at evaluation,
    where every unit is kept. The loss is the model's own (MSE or cross-entropy, plus its ``weight_decay``) on
    the thinned outputs.

    Parameters
    ----------
    model : MLP
        A :class:`course_utils.models.MLP` with at least one hidden layer, no residual connections and no
        normalization.
    theta : array_like, shape (P,) or (S, P)
        Parameters; ``S`` of them share the masks.
    masks : list of array_like, each shape (N, width)
        One 0/1 array per hidden layer, ``N`` the model's examples.
    p : float
        Drop probability :math:`0 \le p < 1` (the scale is :math:`1/(1-p)`).

    Returns
    -------
    float or numpy.ndarray, shape (S,)
        The thinned network's loss; with all masks 1 and :math:`p = 0`, the model's loss.
    """
    model, theta, masks, p = _dropout_args(model, theta, masks, p)
    loss, _ = _dropout_loss_and_grad(model, theta.reshape(-1, model.dim), masks, p, want_grad=False)
    return float(loss[0]) if theta.ndim == 1 else loss


def dropout_grad(model, theta, masks, *, p: float) -> np.ndarray:
    r"""The gradient :math:`\nabla_\theta L_{\mathrm{drop}}(\theta; m)` of :func:`dropout_loss` for fixed masks.

    Backpropagation through the thinned network: the error reaching hidden layer :math:`\ell` is multiplied by
    :math:`m_\ell/(1-p)` before :math:`\phi'(z_\ell)` (a dropped unit passes no gradient to its incoming weights).
    One step of dropout training is
    :math:`\theta \leftarrow \theta - \eta\,\nabla_\theta L_{\mathrm{drop}}(\theta; m_t)`
    with a fresh mask :math:`m_t`.

    Parameters
    ----------
    model : MLP
        As in :func:`dropout_loss`.
    theta : array_like, shape (P,) or (S, P)
        Parameters; ``S`` of them share the masks.
    masks : list of array_like, each shape (N, width)
        One 0/1 array per hidden layer.
    p : float
        Drop probability :math:`0 \le p < 1`.

    Returns
    -------
    numpy.ndarray, shape (P,) or (S, P)
        The gradient, in the shape of ``theta``.
    """
    model, theta, masks, p = _dropout_args(model, theta, masks, p)
    _, grad = _dropout_loss_and_grad(model, theta.reshape(-1, model.dim), masks, p)
    return grad.reshape(theta.shape)


def draw_dropout_masks(model, p: float, rng=0) -> list[np.ndarray]:
    r"""One dropout mask per hidden layer: i.i.d. Bernoulli entries, 1 (kept) with probability :math:`1-p`.

    Parameters
    ----------
    model : MLP
        As in :func:`dropout_loss`.
    p : float
        Drop probability :math:`0 \le p < 1`.
    rng : Generator or int
        Source of the draws (an integer seed goes through :func:`course_utils.randomness.default_rng`).

    Returns
    -------
    list of numpy.ndarray, each shape (N, width)
        0.0/1.0 masks, one per example and hidden unit.
    """
    model = _check_dropout_model(model)
    p = check_scalar(p, "p", low=0, high=1, high_inclusive=False)
    rng = check_rng(rng)
    return _draw_masks(model, p, rng)


def train_with_dropout(model, theta0, *, p: float, steps: int, lr: float, rng=0) -> np.ndarray:
    r"""Full-batch gradient descent with inverted dropout on the hidden units, a fresh mask at every step.

    Step :math:`t` draws masks :math:`m_t` (:func:`draw_dropout_masks`: each example's each hidden unit kept with
    probability :math:`1-p`, kept ones scaled by :math:`1/(1-p)`) and takes
    :math:`\theta \leftarrow \theta - \eta\,\nabla_\theta L_{\mathrm{drop}}(\theta; m_t)` (:func:`dropout_grad`):
    stochastic gradient descent on the expected thinned loss

    .. math:: \mathbb E_m L_{\mathrm{drop}}(\theta; m) = L(\theta) + R(\theta),

    whose **explicit** penalty :math:`R \ge 0` for the squared error is the variance the masks add to the outputs
    (:func:`dropout_penalty`); the noise of the steps adds an **implicit** effect of its own (Wei, Kakade & Ma
    2020). Evaluation uses the full network (no mask, no scaling). Several starts run side by side and see the same
    masks (one batched gradient per step); :math:`p = 0` is plain gradient descent.

    Parameters
    ----------
    model : MLP
        As in :func:`dropout_loss`.
    theta0 : array_like, shape (P,) or (K, P)
        One start, or ``K`` starts.
    p : float
        Drop probability :math:`0 \le p < 1`.
    steps : int
        Number of steps, at least 0.
    lr : float
        Step size :math:`\eta > 0`.
    rng : Generator or int
        Source of the masks (an integer seed goes through :func:`course_utils.randomness.default_rng`).

    Returns
    -------
    numpy.ndarray, shape (P,) or (K, P)
        The final parameters, in the shape of ``theta0``. A step size that makes them non-finite raises
        ``ValueError`` (it names ``lr``).
    """
    model = _check_dropout_model(model)
    theta = check_array(theta0, "theta0", ndim=(1, 2))
    if theta.shape[-1] != model.dim:
        raise ValueError(f"`theta0` must have shape ({model.dim},) or (K, {model.dim}), got {theta.shape}")
    p = check_scalar(p, "p", low=0, high=1, high_inclusive=False)
    steps = check_int(steps, "steps", low=0)
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    rng = check_rng(rng)
    thetas = np.array(theta, dtype=float).reshape(-1, model.dim)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            masks = _draw_masks(model, p, rng)
            thetas = thetas - lr * _dropout_loss_and_grad(model, thetas, masks, p)[1]
    return _diverged_or(thetas, lr, steps).reshape(theta.shape)


@dataclass(frozen=True)
class DropoutPenalty:
    r"""A Monte Carlo estimate of dropout's explicit penalty :math:`R = \mathbb E_m L_{\mathrm{drop}} - L`.

    Parameters
    ----------
    mean : numpy.ndarray, shape (S,)
        The estimate, per parameter vector.
    stderr : numpy.ndarray, shape (S,)
        Its standard error (the sample standard deviation over masks divided by :math:`\sqrt{n}`); mean ± 2 stderr
        is an approximate 95 % interval.
    n_masks : int
        The number of masks drawn.
    """

    mean: np.ndarray
    stderr: np.ndarray
    n_masks: int


def dropout_penalty(model, theta, *, p: float, n_masks: int = 200, rng=0) -> DropoutPenalty:
    r"""Dropout's explicit penalty :math:`R = \mathbb E_m L_{\mathrm{drop}}(\theta; m) - L(\theta)`, by Monte Carlo.

    Averages :func:`dropout_loss` over ``n_masks`` fresh masks and subtracts the full network's loss. For the
    squared error with one hidden layer of activations :math:`a_{ij}` and output weights :math:`w_{jk}`, the
    thinned output is the full one plus zero-mean noise, and the penalty is exactly its variance,

    .. math:: R = \frac{p}{1-p}\,\frac{1}{NK}\sum_{i,j,k} a_{ij}^2 w_{jk}^2 ,

    an L2 penalty on the output weights scaled by each unit's mean squared activation — the diagonal of the
    last layer's Gauss-Newton (Fisher) matrix, as in Wager, Wang & Liang (2013) for generalized linear models.
    Wei, Kakade & Ma (2020) derive the general second-order form (a Hessian of the loss with respect to the
    dropped units). :class:`ExpectedDropoutLoss` gives :math:`L + R` in closed form for that one-hidden-layer case.

    Parameters
    ----------
    model : MLP
        As in :func:`dropout_loss`.
    theta : array_like, shape (P,) or (S, P)
        Parameters; ``S`` of them share the masks.
    p : float
        Drop probability :math:`0 \le p < 1`.
    n_masks : int
        Number of masks, at least 2.
    rng : Generator or int
        Source of the masks.

    Returns
    -------
    DropoutPenalty
        ``mean`` and ``stderr`` of shape ``(S,)`` (``(1,)`` for one parameter vector).
    """
    model = _check_dropout_model(model)
    theta = check_array(theta, "theta", ndim=(1, 2))
    if theta.shape[-1] != model.dim:
        raise ValueError(f"`theta` must have shape ({model.dim},) or (S, {model.dim}), got {theta.shape}")
    p = check_scalar(p, "p", low=0, high=1, high_inclusive=False)
    n_masks = check_int(n_masks, "n_masks", low=2)
    rng = check_rng(rng)
    thetas = theta.reshape(-1, model.dim)
    full = np.asarray(model.unchecked_loss_batch(thetas))
    samples = np.array([_dropout_loss_and_grad(model, thetas, _draw_masks(model, p, rng), p, want_grad=False)[0]
                        for _ in range(n_masks)]) - full
    return DropoutPenalty(samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(n_masks), n_masks)


class ExpectedDropoutLoss(Objective):
    r"""Dropout's loss averaged over its masks, in closed form: :math:`\mathbb E_m L_{\mathrm{drop}} = L + R`.

    For an MLP with **one** hidden layer (activations :math:`a_{ij} = \phi(z_{ij})`, output weights
    :math:`W_{jk}`) and the **squared error**, inverted dropout on the hidden units makes each output the full
    network's plus zero-mean noise, :math:`\sum_j a_{ij} W_{jk}(m_{ij}/(1-p) - 1)`, whose variance the squared error
    adds to the loss:

    .. math:: R(\theta) = \frac{p}{1-p}\,\frac{1}{NK}\sum_{i,j,k} a_{ij}^2 W_{jk}^2 ,

    exactly. Gradient descent on :math:`L + R` is dropout's **explicit** effect alone — the expected objective without
    the noise of the masks (Wei, Kakade & Ma 2020 separate the two). The gradient is written out (backpropagation of
    the penalty through :math:`\phi`) on top of the model's own; Hessian-vector products come from autograd.

    Parameters
    ----------
    model : MLP
        A :class:`course_utils.models.MLP` with one hidden layer, ``loss="mse"``, no residual connections and no
        normalization (its ``weight_decay``, if any, is kept: masks do not change it).
    p : float
        Drop probability :math:`0 \le p < 1`.

    Attributes
    ----------
    inner : MLP
        The model.
    p : float
        The drop probability.
    """

    def __init__(self, model, p: float):
        model = _check_dropout_model(model)
        if len(model.hidden) != 1 or model.loss_name != "mse":
            raise ValueError("`model` must have one hidden layer and the squared error (loss='mse') for the closed "
                             f"form; got {model.name} (use dropout_penalty for a Monte Carlo estimate)")
        self.inner = model
        self.p = check_scalar(p, "p", low=0, high=1, high_inclusive=False)
        self.dim = model.dim
        self.name = f"{model.name} + dropout's explicit penalty, p = {self.p:g}"
        self._c = self.p / (1.0 - self.p) / (model.n_examples * model.n_outputs)

    def _penalty(self, theta):
        (W1, b1), (W2, _) = self.inner.unflatten(theta)
        z = anp.matmul(self.inner.X, W1)
        if b1 is not None:
            z = z + (b1[..., None, :] if theta.ndim > 1 else b1)
        a = _activate_anp(self.inner.activation, z)
        # Σ_j (Σ_i a_ij²)(Σ_k W_jk²)
        return self._c * anp.sum(anp.sum(a * a, axis=-2) * anp.sum(W2 * W2, axis=-1), axis=-1)

    def _loss(self, theta):
        return self.inner.unchecked_loss(theta) + self._penalty(theta)

    def _loss_batch(self, thetas):
        return self.inner.unchecked_loss_batch(thetas) + self._penalty(thetas)

    def _penalty_grad(self, theta):
        model = self.inner
        (W1, b1), (W2, _) = model.unflatten(theta)
        z = model.X @ W1
        if b1 is not None:
            z = z + (b1[..., None, :] if theta.ndim > 1 else b1)
        a = np.tanh(z) if model.activation == "tanh" else np.maximum(z, 0.0) if model.activation == "relu" else z
        s = np.sum(W2 * W2, axis=-1)                       # Σ_k W_jk², shape (..., h)
        q = np.sum(a * a, axis=-2)                         # Σ_i a_ij², shape (..., h)
        g_a = 2 * self._c * a * s[..., None, :]            # ∂R/∂a_ij
        if model.activation == "tanh":
            g_z = g_a * (1.0 - a * a)
        elif model.activation == "relu":
            g_z = g_a * ((z > 0) + 0.5 * (z == 0))
        else:
            g_z = g_a
        out = np.zeros_like(theta)
        (gW1, gb1), (gW2, _) = model.unflatten(out)
        gW1[...] = model.X.T @ g_z
        if gb1 is not None:
            gb1[...] = g_z.sum(axis=-2)
        gW2[...] = 2 * self._c * q[..., None] * W2
        return out

    def _grad_fn(self):
        inner = self.inner.unchecked_grad
        return lambda theta: inner(theta) + self._penalty_grad(theta)

    def _grad_batch(self, thetas):
        return self.inner.unchecked_grad_batch(thetas) + self._penalty_grad(thetas)


def _activate_anp(name, z):
    if name == "tanh":
        return anp.tanh(z)
    if name == "relu":
        return anp.maximum(z, 0.0)
    return z
