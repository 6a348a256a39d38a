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
    raise NotImplementedError("evaluate the gap for every pair (i < j) and every t, keep the largest one")


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
    raise NotImplementedError("the mean of f over the samples minus f at the sample mean")


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
    raise NotImplementedError("eigenvalues of the symmetric matrix, then their extremes and ratio")


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
    raise NotImplementedError("balance the extreme eigenvalues: |1 − ημ| = |1 − ηL|")


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
    raise NotImplementedError("theta and a copy with hidden units 0 and 1 swapped")


# %%
check("1.5", nonconvexity_witness)
