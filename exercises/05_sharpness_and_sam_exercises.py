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
# Four exercises: 5.1 and 5.2 rebuild the chapter's computations by hand; 5.3 and 5.4 ask for the reasoning the
# chapter skipped — a prediction to make before you run anything, then a derivation the check tests numerically.
# Replace each
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
    raise NotImplementedError("return the point after one SAM step, as exercise 5.1 above defines it")


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
    raise NotImplementedError("return (max, mean) of the loss increases, as exercise 5.2 above defines them")


# %%
check("5.2", random_sharpness)

# %% [markdown]
# ## Exercise 5.3 — where SAM ends on a quadratic
#
# Gradient descent on $L(\theta) = \tfrac12\theta^\top H\theta$ ($H$ symmetric positive definite) converges to the
# minimum $\theta = 0$ whenever $0 < \eta\lambda_{\max} < 2$ (chapter, section 4). Now run SAM — your `sam_step`
# from 5.1 — on the same quadratic, at such a learning rate.
#
# **Predict first**, and write your guess down before you run anything: does SAM converge to the minimum too? If
# not, where does it end up?
#
# Then run it (a few thousand steps from a random start, with `sam_step`) and look at the last iterates. Finally
# **derive** what you saw: write one SAM step in the eigenbasis of $H$, component by component, and follow the
# iterate close to the minimum — where the gradient is small but the perturbation is not. Which component
# survives, and at which distance from the minimum does it stop shrinking?
#
# Return that distance $\|\theta\|$ as one number computed from `H`, `lr` and `rho`; leave `H` unchanged. Besides
# its printed and hidden cases, the check runs SAM on a hidden quadratic until it settles and compares your number
# with the distance it ends at.
#
# *Expected output:* `✓ Exercise 5.3 (Where SAM ends on a quadratic): passed — all 6 cases`.

# %%
def sam_end_distance(H, lr, rho):
    """Distance from the minimum of ½θᵀHθ at which SAM ends up.

    Parameters
    ----------
    H : array, shape (P, P), symmetric positive definite
    lr : float
        Learning rate η, with 0 < η λ_max < 2.
    rho : float
        SAM's radius ρ > 0.

    Returns
    -------
    float
    """
    raise NotImplementedError("derive the distance as the exercise text above describes, then return it as one number")


# %%
check("5.3", sam_end_distance)

# %% [markdown]
# **Your prediction, what you saw, and why** (a few sentences):
#
# *Write your answer here.*

# %% [markdown]
# ## Exercise 5.4 — the Hessian after Dinh et al.'s rescaling
#
# Section 6 of the chapter rescaled a one-hidden-layer ReLU network,
# $(W_1, b_1, W_2, b_2) \to (\alpha W_1, \alpha b_1, W_2/\alpha, b_2)$ with $\alpha > 0$, found the same function
# with a different $\lambda_{\max}$, and said that the curvature along $W_1$ "scales like $1/\alpha^2$" without
# showing why. Derive it — for the whole Hessian.
#
# The parameter vector lists $W_1$ ($d \times h$, row by row), then $b_1$ ($h$), then $W_2$ ($h \times k$, row by
# row), then $b_2$ ($k$): $P = dh + h + hk + k$. Given the Hessian `H` of the loss at $\theta$, return the Hessian
# at the rescaled point **without differentiating the loss again**. Start from what the rescaling keeps: the loss at
# the rescaled weights equals the loss at the original ones, for *every* $\theta$ — differentiate that identity.
#
# **Predict first:** the block of $H$ that couples $W_1$ with $W_2$ — does it change?
#
# The check compares your matrix with the Hessian computed by automatic differentiation at the rescaled point, for
# networks at points that are *not* minima: your relation must hold everywhere. Return a new array; leave `H`
# unchanged.
#
# *Expected output:* `✓ Exercise 5.4 (The Hessian after Dinh et al.'s rescaling): passed — all 5 cases`.

# %%
def rescaled_hessian(H, sizes, alpha):
    """The Hessian of a d-h-k ReLU network's loss after Dinh et al.'s rescaling, from the Hessian before it.

    Parameters
    ----------
    H : array, shape (P, P)
        The Hessian at θ, parameters ordered [W1, b1, W2, b2].
    sizes : tuple of int
        (d, h, k): inputs, hidden units, outputs.
    alpha : float
        α > 0.

    Returns
    -------
    array, shape (P, P)
    """
    raise NotImplementedError("derive the relation the exercise text above asks for, then apply it to H")


# %%
check("5.4", rescaled_hessian)

# %% [markdown]
# **Your derivation, and your answer to the prediction** (a few lines):
#
# *Write your answer here.*

# %% [markdown]
# ## Think about it
#
# With your `rescaled_hessian`, the same network can be given any $\lambda_{\max}$ you like. Which sharpness
# measures from the chapter are unchanged by this rescaling, and why does ASAM scale its perturbation by
# $|\theta| + \eta$?
#
# <details><summary>Answer</summary>
#
# The loss, the predictions and any measure defined through the function (test accuracy, the loss along a
# *filter-normalized* direction, which scales with each unit's weights) are unchanged; $\lambda_{\max}$, the
# trace, Keskar's box (partly) and plain SAM's ball of fixed radius are not. ASAM's ball
# $\|\varepsilon/(|\theta| + \eta)\| \le \rho$ grows with the weights, so rescaling a layer rescales the
# perturbation with it, which makes the measure (almost) invariant to this symmetry — up to the offset $\eta$, and
# apart from the biases: Kwon et al.'s code scales only the weights, so $\alpha b_1$ meets an unscaled ball.
#
# </details>
