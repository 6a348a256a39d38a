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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 2 exercises: slicing a loss landscape
#
# Five exercises that rebuild the tools of chapter 2 from scratch: filter normalization, a batched 2-D slice,
# the lowest point of a straight line through the landscape (derived, then checked), the principal directions
# of an optimization path, and the curvature of MSE on a tanh output with soft targets (derived, then checked).
#
# **How the exercises work.** Replace each `raise NotImplementedError(...)` with your code, run the cell, then the
# `check(...)` cell below it. The verdict says `passed`, `failed` (with the input that broke your function and a
# hint), `not attempted yet`, or the error your code raised. `check` never stops the notebook.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 2.1 — filter normalization
#
# A network's parameters come as a list of layers `[(W1, b1), (W2, b2), ...]` where a layer computes `h @ W + b`,
# so `W` has shape `(inputs, outputs)` and each **column** is one output unit — one *filter*. Li et al. (2018)
# rescale a random direction filter by filter: column $j$ of the direction's $D$ gets the norm of column $j$ of
# the weights' $W$,
#
# $$D_{:,j} \leftarrow D_{:,j}\,\frac{\|W_{:,j}\|}{\|D_{:,j}\| + 10^{-10}},$$
#
# and the direction's biases are set to zero. Return a new list; do not modify the inputs.
#
# *Expected output:* `✓ Exercise 2.1 (Filter normalization): passed`.

# %%
def filter_normalize_layers(d_layers, w_layers):
    """Filter-normalize a direction given layer by layer.

    Parameters
    ----------
    d_layers : list of (D (in, out), e (out,))
        The random direction, one (weight, bias) pair per layer.
    w_layers : list of (W (in, out), b (out,))
        The network's weights, same shapes.

    Returns
    -------
    list of (array (in, out), array (out,))
    """
    raise NotImplementedError("return the filter-normalised directions, as exercise 2.1 above defines them")


# %%
check("2.1", filter_normalize_layers)

# %% [markdown]
# ## Exercise 2.2 — a vectorized 2-D slice
#
# Compute `losses[i, j]` $= L(c + \alpha_i d_1 + \beta_j d_2)$ for all grid points with **one** call of
# `loss_batch`, which accepts parameter vectors of shape `(..., P)` and returns shape `(...)`. Use
# `indexing="ij"` so that the first axis follows `alphas` (the grid need not be square). No Python loop over
# grid points.
#
# *Expected output:* `✓ Exercise 2.2 (A vectorized 2-D slice): passed`.

# %%
def slice_grid(loss_batch, center, d1, d2, alphas, betas):
    """Losses on the plane through ``center`` spanned by ``d1`` and ``d2``.

    Parameters
    ----------
    loss_batch : callable
        (..., P) -> (...).
    center, d1, d2 : array, shape (P,)
    alphas : array, shape (A,)
    betas : array, shape (B,)

    Returns
    -------
    array, shape (A, B)
    """
    raise NotImplementedError("return the loss on the whole grid, with the one call of loss_batch that exercise 2.2 above asks for")


# %%
check("2.2", slice_grid)

# %% [markdown]
# ## Exercise 2.3 — the lowest point of an interpolation line
#
# The chapter plotted $L((1-\alpha)\theta_0 + \alpha\theta^*)$ and noticed that the line's lowest point can lie just
# before $\theta^*$, or beyond it: the optimizer need not stop at the bottom of the line it drew. Where is that
# bottom? For a **quadratic** loss you can say exactly, without evaluating a grid of $\alpha$.
#
# Work it out on paper first: along the line $\theta(\alpha) = (1-\alpha)\theta_a + \alpha\theta_b$, what kind of
# function of $\alpha$ is a quadratic loss? What do the slopes $\frac{d}{d\alpha}L(\theta(\alpha))$ at $\alpha = 0$
# and $\alpha = 1$ tell you, and when has the line **no** lowest point (even though the landscape may have a
# minimum elsewhere, or the line may cross a saddle)? Then write `line_bottom(loss, grad, theta_a, theta_b)`:
# `loss(theta)` and `grad(theta)` evaluate an unknown quadratic; return the $\alpha$ of the lowest point on the
# whole line (it may lie outside $[0, 1]$), exactly up to rounding, or `None` when the line has no lowest point.
# Leave `theta_a` and `theta_b` unchanged.
#
# *Expected output:* `✓ Exercise 2.3 (The lowest point of an interpolation line): passed — all 9 cases`.

# %%
def line_bottom(loss, grad, theta_a, theta_b):
    """α of the lowest point of α ↦ loss((1 − α) θa + α θb) for a quadratic loss, or None if there is none."""
    raise NotImplementedError("work out the loss along the line as the exercise text above asks, then return α or None")


# %%
check("2.3", line_bottom)

# %% [markdown]
# ## Exercise 2.4 — PCA directions of a trajectory
#
# Given iterates $\theta_0, \dots, \theta_T$ (rows of `thetas`), return the top `k` principal directions of the
# displacements from the **final** point, $M = [\theta_t - \theta_T]_t$: the first `k` right singular vectors of
# $M$ (rows of $V^\top$ in `np.linalg.svd`), as a `(k, P)` array with orthonormal rows.
#
# *Expected output:* `✓ Exercise 2.4 (PCA directions of a trajectory): passed`.

# %%
def pca_directions(thetas, k):
    """Top-k principal directions of an optimization path around its end point.

    Parameters
    ----------
    thetas : array, shape (T, P)
    k : int

    Returns
    -------
    array, shape (k, P)
    """
    raise NotImplementedError("return the k directions that exercise 2.4 above defines")


# %%
check("2.4", pca_directions)

# %% [markdown]
# ## Exercise 2.5 — a tanh output with soft targets: where does MSE curve down? (derive, then check)
#
# Section 1 of the chapter derived the curvature in the logit of MSE on a **sigmoid** with labels 0 and 1. Many
# networks end in a **tanh** instead, with targets in $[-1, 1]$ — and with *label smoothing* the targets are soft
# (0.8 instead of 1). For one example with pre-activation $z$ and target $y \in [-1, 1]$ the loss is
# $\ell(z) = (\tanh z - y)^2$.
#
# **On paper first:** derive $\ell''(z)$. Write $\tanh'$ and $\tanh''$ in terms of $\tanh z$ itself (differentiate
# $\tanh' = 1 - \tanh^2$ once more), then implement $\ell''$ for arrays `z` and `y` of the same shape. The check
# compares your values with second differences of $\ell$ itself, on targets $\pm 1$, on the smoothed target 0.8
# and at points you have not seen.
#
# **Think!** Factor your $\ell''$ (pull out $1 - \tanh^2 z$; what is left is a quadratic in $t = \tanh z$).
# 1. For the hard target $y = 1$, below which value of $\tanh z$ is $\ell''$ negative? Compare with the chapter's
#    sigmoid threshold $\sigma < 1/3$ (hint: $\tanh z = 2\sigma(2z) - 1$).
# 2. For the smoothed target $y = 0.8$: is a confidently wrong prediction still the only place where the loss
#    curves down? Where else, and why must it bend there?
#
# *Expected output:* `✓ Exercise 2.5 (Curvature of MSE on a tanh output, soft targets): passed — all 7 cases`.

# %%
def mse_tanh_curvature(z, y):
    """Second derivative in z of (tanh z − y)², elementwise.

    Parameters
    ----------
    z : array, shape (n,)
        Pre-activations of the tanh output.
    y : array, shape (n,)
        Targets, each in [−1, 1].

    Returns
    -------
    array, shape (n,)
    """
    raise NotImplementedError("return ℓ''(z) for ℓ(z) = (tanh z − y)², elementwise, as exercise 2.5 above defines it")


# %%
check("2.5", mse_tanh_curvature)

# %% [markdown]
# <details><summary>Answer to Think!</summary>
#
# With $t = \tanh z$: $\ell'' = 2[(1-t^2)^2 - 2t(1-t^2)(t-y)] = 2(1-t^2)(1 + 2yt - 3t^2)$. The first factor is
# positive, so $\ell'' < 0$ exactly where $3t^2 - 2yt - 1 > 0$, i.e. outside the roots
# $t_\pm = \bigl(y \pm \sqrt{y^2+3}\bigr)/3$.
#
# 1. $y = 1$: $1 + 2t - 3t^2 = (1-t)(1+3t)$, negative exactly where $\tanh z < -1/3$ ($z < -\tfrac12\ln 2$). It
#    is the sigmoid's threshold in disguise: $\tanh z = 2\sigma(2z) - 1$ turns $\sigma < 1/3$ into $\tanh < -1/3$.
#    The other root, $t_+ = 1$, is never reached: with a hard target only a confidently wrong prediction curves down.
# 2. $y = 0.8$: $t_- \approx -0.369$ (confidently wrong, as before) **and** $t_+ \approx 0.903$, below 1. So the loss
#    also curves down where the prediction *overshoots* the target ($z > \operatorname{artanh} 0.903 \approx 1.49$).
#    It must: past the target the loss rises again but can never exceed $(1-y)^2$ as $z \to \infty$, and a
#    function that rises towards a bound bends downward. This happens for every target $y < 1$, so with soft targets
#    "negative curvature only where an example is confidently wrong" — true for hard labels — is no longer true.
#
# Plot your function against `np.linspace(-4, 4, 401)` for $y = 1$ and $y = 0.8$ to see both regions.
#
# </details>

# %% [markdown]
# **Going further.** Compare your `slice_grid` with `course_utils.surfaces.slice_2d` on the chapter's MLP
# (`course_utils.problems.moons_problem()`): both give the same numbers, but `slice_2d` is faster because
# it exploits that each layer's weights are affine in $(\alpha, \beta)$. Where does the time of your version go?
