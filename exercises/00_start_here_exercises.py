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
# # Chapter 0 exercises: gradients and gradient descent
#
# Three warm-up exercises on the loss every later chapter starts from, the quadratic
#
# $$f(x) = \tfrac12 x^\top A x - b^\top x, \qquad A \text{ symmetric}.$$
#
# **How the exercises work.** Each exercise gives you a function with its signature and docstring; replace the
# line `raise NotImplementedError(...)` with your code, run the cell, then run the `check(...)` cell below it.
# `check` tests your function at once and prints a one-line verdict:
#
# - `✓ … passed — all 4 cases` when every test passes;
# - `✗ … failed`, with the input that broke your function and a hint about the likely mistake;
# - `○ … not attempted yet` while your function still raises `NotImplementedError`;
# - `⚠ … error` with the exception your code raised and its line, or `⏱ … took too long`.
#
# `check` never stops the notebook, so you can run everything top to bottom at any time.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 0.1 — the gradient of a quadratic
#
# Differentiate $f(x) = \tfrac12 x^\top A x - b^\top x$ with respect to the vector $x \in \mathbb{R}^n$.
# Write $x^\top A x = \sum_{ij} A_{ij} x_i x_j$ and take $\partial / \partial x_k$ if the matrix form is not yet
# familiar; use that $A$ is symmetric. Return an array of shape `(n,)`.
#
# *Expected output:* `✓ Exercise 0.1 (Gradient of a quadratic): passed — all 5 cases`.

# %%
def quadratic_gradient(A, b, x):
    """Gradient of f(x) = ½ xᵀAx − bᵀx for a symmetric matrix A.

    Parameters
    ----------
    A : array, shape (n, n), symmetric
    b : array, shape (n,)
    x : array, shape (n,)

    Returns
    -------
    array, shape (n,)
        ∇f(x).
    """
    raise NotImplementedError("compute ∇f(x) for f(x) = ½ xᵀAx − bᵀx (an array of shape (n,))")


# %%
check("0.1", quadratic_gradient)

# %% [markdown]
# ## Exercise 0.2 — one step of gradient descent
#
# Gradient descent moves a small distance against the gradient: $x_{\text{new}} = x - \eta\, \nabla f(x)$, with
# learning rate $\eta > 0$. Write one step for any gradient function `grad`. Return a **new** array: the caller's
# `x` must not change (in-place updates such as `x -= ...` are a classic source of bugs in training loops).
#
# *Expected output:* `✓ Exercise 0.2 (One gradient-descent step): passed — all 5 cases`.

# %%
def gradient_descent_step(grad, x, lr):
    """One gradient-descent step x − lr · grad(x).

    Parameters
    ----------
    grad : callable
        Maps an array of shape (n,) to the gradient, shape (n,).
    x : array, shape (n,)
        Current point (left unchanged).
    lr : float
        Learning rate η ≥ 0.

    Returns
    -------
    array, shape (n,)
        The next point.
    """
    raise NotImplementedError("return the point after one step of size lr against the gradient, as a new array")


# %%
check("0.2", gradient_descent_step)

# %% [markdown]
# ## Exercise 0.3 — the loss after $k$ steps on a 1-D quadratic
#
# Take $f(x) = \tfrac12 a x^2$ with curvature $a > 0$. Start at $x_0$ and run $k$ steps of gradient descent with
# learning rate $\eta$. Return the loss $f(x_k)$ after those $k$ steps (for $k = 0$, that is $f(x_0)$). A loop is
# fine; so is a closed form if you find one.
#
# *Expected output:* `✓ Exercise 0.3 (Loss after k gradient-descent steps): passed — all 6 cases`.

# %%
def loss_after_k_steps(a, x0, lr, k):
    """Loss f(x_k) = ½ a x_k² after k gradient-descent steps on f(x) = ½ a x², starting from x0.

    Parameters
    ----------
    a : float
        Curvature, a > 0.
    x0 : float
        Starting point.
    lr : float
        Learning rate η.
    k : int
        Number of steps, k ≥ 0.

    Returns
    -------
    float
    """
    raise NotImplementedError("run k gradient-descent steps from x0 and return the loss at the last point")


# %%
check("0.3", loss_after_k_steps)

# %% [markdown]
# ## Think about it
#
# Each step multiplies $x$ by the same factor $1 - \eta a$. For which learning rates does the loss shrink, and
# from which learning rate on does it grow without bound? Predict, then try a few values of `lr` with your
# `loss_after_k_steps(4.0, 1.0, lr, 50)`.
#
# <details><summary>Answer</summary>
#
# The loss shrinks exactly when $|1 - \eta a| < 1$, that is $0 < \eta < 2/a$ (here $2/a = 0.5$); the fastest
# descent is at $\eta = 1/a$, which lands on the minimum in one step; beyond $2/a$ each step overshoots further
# and gradient descent diverges. On a quadratic in many dimensions the same holds along each eigenvector of $A$,
# so the largest stable learning rate is $2/\lambda_{\max}(A)$ — the sharpest direction sets the speed limit.
# The chapter on sharpness starts from this fact.
#
# </details>
