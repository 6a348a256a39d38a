# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %%

# %% [markdown]
# # Chapter 5 exercises: sharpness and SAM
#
# Four exercises that rebuild the chapter's key computations by hand. Replace each
# `raise NotImplementedError(...)` with your code, run the cell, then run the `check(...)` cell below it: it
# tests your function at once and prints a verdict (passed / failed with a hint / not attempted yet). `check`
# never stops the notebook.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 5.1 — one SAM step
#
# Sharpness-aware minimization perturbs the parameters along the normalized gradient and steps with the gradient
# found there:
#
# $$g = \nabla L(\theta),\quad \hat\varepsilon = \rho\,\frac{g}{\|g\|},\quad
#   \theta_{\text{new}} = \theta - \eta\,\nabla L(\theta + \hat\varepsilon).$$
#
# At a point where $g = 0$ use $\hat\varepsilon = 0$. Return a new array (do not modify `theta`).
#
# *Expected output:* `✓ Exercise 5.1 (One SAM step): passed — all 6 cases`.

# %%
def sam_step(grad, theta, lr, rho):
    """One SAM step.

    Parameters
    ----------
    grad : callable
        θ (shape (P,)) -> ∇L(θ) (shape (P,)).
    theta : array, shape (P,)
    lr : float
        Learning rate η.
    rho : float
        Radius ρ ≥ 0.

    Returns
    -------
    array, shape (P,)
    """
    ### BEGIN SOLUTION: perturb by ρ g/‖g‖ (0 if g = 0), then step from theta with the gradient at the perturbed point
    g = grad(theta)
    norm = np.linalg.norm(g)
    eps = rho * g / norm if norm > 0 else np.zeros_like(theta)
    return theta - lr * grad(theta + eps)
    ### END SOLUTION


# %%
check("5.1", sam_step)

# %% [markdown]
# ## Exercise 5.2 — sharpness by random directions
#
# Draw `n` directions $u_k$ uniformly on the unit sphere (normalize standard Gaussian vectors drawn from `rng`),
# evaluate the loss increases $L(\theta + r u_k) - L(\theta)$ and return their maximum and their mean, as a tuple
# `(worst, average)`; leave `theta` unchanged. On a quadratic the average should come out near
# $\tfrac12 r^2 \operatorname{tr}H / P$ — the *mean* curvature — and the worst far below $\tfrac12 r^2 \lambda_{\max}$
# when $P$ is large.
#
# *Expected output:* `✓ Exercise 5.2 (Sharpness by random directions): passed — all 10 cases`.

# %%
def random_sharpness(loss, theta, radius, n, rng):
    """Worst and average loss increase over n random directions of length radius.

    Parameters
    ----------
    loss : callable
        θ (shape (P,)) -> float.
    theta : array, shape (P,)
    radius : float
        r > 0.
    n : int
        Number of directions.
    rng : numpy.random.Generator

    Returns
    -------
    (float, float)
        (worst, average).
    """
    ### BEGIN SOLUTION: draw n unit directions, evaluate the increases L(θ + r u) − L(θ), return (max, mean)
    u = rng.standard_normal((n, theta.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    base = loss(theta)
    increases = np.array([loss(theta + radius * d) - base for d in u])
    return float(increases.max()), float(increases.mean())
    ### END SOLUTION


# %%
check("5.2", random_sharpness)

# %% [markdown]
# ## Exercise 5.3 — the stability threshold
#
# Gradient descent on $L(\theta) = \tfrac12\theta^\top H\theta$ ($H$ symmetric positive definite) multiplies the
# component of $\theta$ along each eigenvector by $1 - \eta\lambda_i$. Return the largest learning rate for which
# it converges: the threshold beyond which the sharpest direction explodes.
#
# *Expected output:* `✓ Exercise 5.3 (The stability threshold of gradient descent): passed — all 6 cases`.

# %%
def max_stable_lr(H):
    """The stability threshold of gradient descent on ½θᵀHθ.

    Parameters
    ----------
    H : array, shape (P, P), symmetric positive definite

    Returns
    -------
    float
    """
    ### BEGIN SOLUTION: return one float computed from H — the exercise text above says which component explodes
    return 2.0 / np.linalg.eigvalsh(H)[-1]
    ### END SOLUTION


# %%
check("5.3", max_stable_lr)

# %% [markdown]
# ## Exercise 5.4 — a reparameterized ReLU network
#
# A one-hidden-layer ReLU network computes $f(X) = \mathrm{relu}(X W_1 + b_1)\, W_2 + b_2$. Return the rescaled
# layers $[(\alpha W_1, \alpha b_1), (W_2/\alpha, b_2)]$ as **new** arrays. The check verifies that the network's
# predictions do not change although the weights do — the heart of Dinh et al.'s argument that $\lambda_{\max}$
# alone cannot explain generalization.
#
# *Expected output:* `✓ Exercise 5.4 (A reparameterized ReLU network): passed — all 8 cases`.

# %%
def rescale_layers(layers, alpha):
    """Dinh et al.'s rescaling of a one-hidden-layer ReLU network.

    Parameters
    ----------
    layers : list of two (W, b) pairs
        [(W1 (d, h), b1 (h,)), (W2 (h, k), b2 (k,))].
    alpha : float
        α > 0.

    Returns
    -------
    list of two (W, b) pairs
    """
    ### BEGIN SOLUTION: return the new list of (W, b) pairs described in the exercise text above
    (W1, b1), (W2, b2) = layers
    return [(alpha * W1, alpha * b1), (W2 / alpha, b2.copy())]
    ### END SOLUTION


# %%
check("5.4", rescale_layers)

# %% [markdown]
# ## Think about it
#
# With your `rescale_layers`, the same network can be given any $\lambda_{\max}$ you like. Which sharpness
# measures from the chapter are unchanged by this rescaling, and why does ASAM scale its perturbation by
# $|\theta| + \eta$?
#
# <details><summary>Answer</summary>
#
# The loss, the predictions and any measure defined through the function (test accuracy, the loss along a
# *filter-normalized* direction, which scales with each unit's weights) are unchanged; $\lambda_{\max}$, the
# trace, Keskar's box (partly) and plain SAM's ball of fixed radius are not. ASAM's ball
# $\|\varepsilon/(|\theta| + \eta)\| \le \rho$ grows with the weights, so rescaling a layer rescales the
# perturbation with it, which makes the measure (almost) invariant to this symmetry.
#
# </details>
