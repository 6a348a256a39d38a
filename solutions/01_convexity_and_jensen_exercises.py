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

# %% [markdown]
# # Chapter 1 exercises: convexity and Jensen's inequality
#
# Five exercises that turn the chapter's definitions into code. Replace each `raise NotImplementedError(...)`
# with your code, run the cell, then the `check(...)` cell below it: `✓` passed, `✗` failed (with the input that
# broke your function and a hint), `○` not attempted yet. `check` never stops the notebook.
#
# You may use NumPy and the course library, except the function that does the exercise for you
# (`convexity.chord_test`, `jensen.jensen_gap`, `convexity.quadratic_constants`).

# %%
import math

import numpy as np

from course_utils import connectivity, models  # noqa: F401  (connectivity may help in 1.5)
from course_utils.grading import check

# %% [markdown]
# ## Exercise 1.1 — a chord-violation finder
#
# Given a function `f` of one variable (vectorized, like `np.sin`), an array of `points` and an array of weights
# `ts` in $(0, 1)$, return the triple `(x, y, t)` with the **largest** gap
# $f(tx + (1-t)y) - [t f(x) + (1-t) f(y)]$ over all pairs of distinct points and all weights — or `None` when no
# gap exceeds `1e-9` (no violation found: consistent with convexity).
#
# *Expected output:* `✓ Exercise 1.1 (A chord-violation finder): passed — all 11 cases`.

# %%
def find_chord_violation(f, points, ts):
    """The worst violation of the chord inequality among all pairs of `points` and weights `ts`.

    Parameters
    ----------
    f : callable, vectorized over arrays
    points : array, shape (n,)
    ts : array, shape (k,), values in (0, 1)

    Returns
    -------
    (x, y, t) of the largest gap f(tx + (1−t)y) − [t f(x) + (1−t) f(y)], or None if that gap is ≤ 1e-9.
    """
    ### BEGIN SOLUTION: evaluate the gap for every pair (i < j) and every t, keep the largest one
    i, j = np.triu_indices(len(points), k=1)
    x, y = points[i][:, None], points[j][:, None]
    gaps = f(ts * x + (1 - ts) * y) - (ts * f(x) + (1 - ts) * f(y))
    a, k = np.unravel_index(np.argmax(gaps), gaps.shape)
    if gaps[a, k] <= 1e-9:
        return None
    return float(x[a, 0]), float(y[a, 0]), float(ts[k])
    ### END SOLUTION


# %%
check("1.1", find_chord_violation)

# %% [markdown]
# ## Exercise 1.2 — Jensen's gap of a sample
#
# For samples $x_1, \dots, x_n$ (the empirical distribution: each with probability $1/n$), return
# $\frac1n\sum f(x_i) - f\big(\frac1n\sum x_i\big)$. For $f = x^2$ you should get the sample variance (with $1/n$).
# Leave the caller's `samples` unchanged.
#
# *Expected output:* `✓ Exercise 1.2 (Jensen's gap of a sample): passed — all 6 cases`.

# %%
def jensen_gap_of_samples(f, samples):
    """E[f(X)] − f(E[X]) for X uniform on `samples` (shape (n,)); f vectorized."""
    ### BEGIN SOLUTION: the mean of f over the samples minus f at the sample mean
    return float(np.mean(f(samples)) - f(np.mean(samples)))
    ### END SOLUTION


# %%
check("1.2", jensen_gap_of_samples)

# %% [markdown]
# ## Exercise 1.3 — the curvature constants of a Hessian
#
# For a symmetric matrix $H$ (the Hessian of a quadratic), return $(\mu, L, \kappa)$: the smallest eigenvalue, the
# largest, and the condition number $L/\mu$ — or `math.inf` when $\mu \le 0$ (not strongly convex).
#
# *Expected output:* `✓ Exercise 1.3 (Curvature constants of a Hessian): passed — all 6 cases`.

# %%
def curvature_constants(H):
    """(mu, L, kappa) of a symmetric matrix H; kappa = inf unless mu > 0."""
    ### BEGIN SOLUTION: eigenvalues of the symmetric matrix, then their extremes and ratio
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 0 else math.inf)
    ### END SOLUTION


# %%
check("1.3", curvature_constants)

# %% [markdown]
# ## Exercise 1.4 — the best step size and its rate
#
# Gradient descent with step $\eta$ on $\tfrac12 x^\top A x$ multiplies the error's eigen-components by
# $1 - \eta\lambda_i$. Return the fixed step that minimises the worst factor $\max_i|1 - \eta\lambda_i|$, and that
# factor (for a positive-definite $A$).
#
# *Expected output:* `✓ Exercise 1.4 (Best step size and predicted rate): passed — all 5 cases`.

# %%
def best_step_and_rate(A):
    """(step, rate) for gradient descent on ½ xᵀAx with A symmetric positive definite."""
    ### BEGIN SOLUTION: balance the extreme eigenvalues: |1 − ημ| = |1 − ηL|
    eig = np.linalg.eigvalsh(A)
    mu, L = eig[0], eig[-1]
    kappa = L / mu
    return 2.0 / (mu + L), (kappa - 1) / (kappa + 1)
    ### END SOLUTION


# %%
check("1.4", best_step_and_rate)

# %% [markdown]
# ## Exercise 1.5 — prove that a network's loss is not convex
#
# Given an `MLP` with one hidden layer and a trained `theta`, return two parameter vectors `(theta_a, theta_b)`
# with **the same loss** whose **midpoint has a higher loss** — a violated chord at $t = 1/2$. Use the permutation
# symmetry: swap two hidden units (the columns of $W_1$, the entries of $b_1$ and the rows of $W_2$).
# `mlp.unflatten(theta)` gives `[(W1, b1), (W2, b2)]` (views into `theta`) and `mlp.flatten(layers)` packs them
# back. Leave the caller's `theta` unchanged.
#
# *Expected output:* `✓ Exercise 1.5 (A non-convexity witness for a network): passed — all 5 cases`.

# %%
def nonconvexity_witness(mlp, theta):
    """Two parameter vectors with equal loss whose midpoint has a higher loss."""
    ### BEGIN SOLUTION: theta and a copy with hidden units 0 and 1 swapped
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    order = np.arange(W1.shape[1])
    order[[0, 1]] = [1, 0]
    swapped = mlp.flatten([(W1[:, order], b1[order]), (W2[order, :], b2)])
    return theta, swapped
    ### END SOLUTION


# %%
check("1.5", nonconvexity_witness)
