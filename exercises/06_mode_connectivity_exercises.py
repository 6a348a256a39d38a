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
# # Chapter 6 exercises: mode connectivity
#
# Four exercises on the tools of [chapter 6](../notebooks/06_mode_connectivity.ipynb): the barrier of a straight
# path, a point and the tangent on a Bézier curve, the permutation symmetry of hidden units, and weight matching.
#
# **How the exercises work.** Replace each `raise NotImplementedError(...)` with your code, run the cell, then the
# `check(...)` cell below it: `✓ passed`, `✗ failed` (with the input that broke your function and a hint),
# `○ not attempted yet`, or `⚠ error`. `check` never stops the notebook.
#
# A one-hidden-layer network here is four arrays `W1 (d, h)`, `b1 (h,)`, `W2 (h, k)`, `b2 (k,)` and computes
# `tanh(X @ W1 + b1) @ W2 + b2`.

# %%
import numpy as np
from scipy.optimize import linear_sum_assignment

from course_utils.grading import check

# %% [markdown]
# ## Exercise 6.1 — loss along a straight path and its barrier
#
# Evaluate `loss` at the `n` points $\theta(s) = (1-s)\,\theta_a + s\,\theta_b$, $s$ = `np.linspace(0, 1, n)`, and
# return the losses together with the barrier $\max_s L(\theta(s)) - \tfrac12\big(L(\theta_a) + L(\theta_b)\big)$:
# a tuple `(losses, barrier)` with `losses` a NumPy array of shape `(n,)` and `barrier` a float. Leave `theta_a` and
# `theta_b` unchanged. The check also tries losses and points it draws afresh each time.
#
# *Expected output:* `✓ Exercise 6.1 (Loss along a straight path and its barrier): passed — all 15 cases`.

# %%
def line_barrier(loss, theta_a, theta_b, n):
    """Losses along the segment from theta_a to theta_b, and its barrier.

    Parameters
    ----------
    loss : callable
        Maps a parameter vector (P,) to a float.
    theta_a, theta_b : array, shape (P,)
    n : int
        Number of equally spaced points, endpoints included.

    Returns
    -------
    losses : array, shape (n,)
    barrier : float
    """
    raise NotImplementedError("return (losses, barrier) as the exercise above defines them")


# %%
check("6.1", line_barrier)

# %% [markdown]
# ## Exercise 6.2 — a point and the tangent on a Bézier curve
#
# The quadratic Bézier curve with one bend is $\theta(s) = (1-s)^2\,\theta_a + 2s(1-s)\,\theta_{\text{bend}} +
# s^2\,\theta_b$. Return the point $\theta(s)$ and its velocity $d\theta/ds$. (Check your tangent at $s = 0$: it
# should point from $\theta_a$ towards the bend.) Return a tuple `(point, tangent)` of arrays of shape `(P,)`, and
# leave the inputs unchanged.
#
# *Expected output:* `✓ Exercise 6.2 (A point and the tangent on a Bézier curve): passed — all 18 cases`.

# %%
def bezier_point_and_tangent(theta_a, bend, theta_b, s):
    """Point and tangent of the quadratic Bézier curve at s in [0, 1]; each of shape (P,)."""
    raise NotImplementedError("return (point, tangent) of the curve defined above")


# %%
check("6.2", bezier_point_and_tangent)

# %% [markdown]
# ## Exercise 6.3 — permuting hidden units
#
# Relabel the hidden units: new unit `j` is old unit `perm[j]`. Return the new `(W1, b1, W2, b2)` as a tuple of
# NumPy arrays, without changing the arrays you are given. The network must compute exactly the same outputs.
#
# *Expected output:* `✓ Exercise 6.3 (Permuting the hidden units of a one-hidden-layer network): passed — all 12 cases`.

# %%
def permute_units(W1, b1, W2, b2, perm):
    """The same network with its hidden units reordered by perm (new unit j = old unit perm[j])."""
    raise NotImplementedError("return the four arrays with the hidden units relabelled as described above")


# %%
check("6.3", permute_units)

# %% [markdown]
# ## Exercise 6.4 — weight matching for one layer
#
# Find the permutation `perm` of the hidden units of the second network (new unit `j` = its unit `perm[j]`, as in
# 6.3) that makes it most similar to the reference: maximise
# $\sum_j \langle W_1^{\text{ref}}[:, j], W_1[:, \text{perm}_j]\rangle + \langle W_2^{\text{ref}}[j, :],
# W_2[\text{perm}_j, :]\rangle$. Build the score matrix $S_{jk}$ and solve the assignment problem with
# `scipy.optimize.linear_sum_assignment` (already imported). Return `perm` as an array of ints; leave the weights
# you are given unchanged. (Why not pair each unit with its most similar partner, one unit after the other? The
# check includes networks where that goes wrong.)
#
# *Expected output:* `✓ Exercise 6.4 (Weight matching for one layer): passed — all 10 cases`.

# %%
def match_units(W1_ref, W2_ref, W1, W2):
    """The permutation (array of shape (h,)) that best aligns the second network's hidden units to the reference."""
    raise NotImplementedError("return the matching of hidden units that exercise 6.4 above asks for")


# %%
check("6.4", match_units)
