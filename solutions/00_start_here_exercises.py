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
# $$f(x) = \tfrac12 x^\top A x - b^\top x, \qquad A \text{ symmetric},$$
#
# and a derivation on the chapter's wobbly terrain (0.4).
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
    ### BEGIN SOLUTION: compute ∇f(x) for f(x) = ½ xᵀAx − bᵀx (an array of shape (n,))
    return A @ x - b
    ### END SOLUTION


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
    ### BEGIN SOLUTION: return the point after one step of size lr against the gradient, as a new array
    return x - lr * grad(x)
    ### END SOLUTION


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
    ### BEGIN SOLUTION: run k gradient-descent steps from x0 and return the loss at the last point
    x = x0
    for _ in range(k):
        x = x - lr * a * x
    return 0.5 * a * x**2
    ### END SOLUTION


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

# %% [markdown]
# ## Exercise 0.4 — Think: how large can the step be at the wobbly terrain's bottom?
#
# In the chapter's Terrain Explorer (task 3) the ball on the wobbly terrain
# $f(x, y) = x^2 + y^2 - A(\cos 3\pi x + \cos 3\pi y)$ starts bouncing at learning rates far below the round
# bowl's limit 1. **On paper first:** for an amplitude $A \ge 0$, derive the largest learning rate $\eta_{\max}(A)$
# for which gradient descent, started close enough to the global minimum $(0, 0)$, converges to it (below it the
# ball settles there; above it, it does not). The chapter's section *How big can a step be?* gives the rule you
# need. Then write your result as a function of $A$ and return it as a `float`.
#
# The check compares your formula with the terrain itself, and then runs gradient descent just below and just
# above your value.
#
# *Expected output:* `✓ Exercise 0.4 (The largest stable step at the wobbly terrain's minimum): passed — all 6 cases`.

# %%
def max_stable_lr(amplitude):
    """The largest learning rate for which GD converges to (0, 0) on x² + y² − A(cos 3πx + cos 3πy).

    Parameters
    ----------
    amplitude : float
        The ripple amplitude A ≥ 0.

    Returns
    -------
    float
    """
    ### BEGIN SOLUTION: return η_max(A) as you derived it on paper (exercise 0.4's text above)
    curvature = 2 + (3 * np.pi) ** 2 * amplitude  # ∂²f/∂x² = 2 + 9π²A cos 3πx, at x = 0; the Hessian is diagonal
    return 2 / curvature
    ### END SOLUTION


# %%
check("0.4", max_stable_lr)

# %% [markdown]
# ## Think about it
#
# At $A = 1$ your limit is about $0.0220$. In the chapter the ball started at $(0.9, 0.8)$ rests in the dip near
# $(0.65, 0.65)$ at $\eta = 0.020$ and bounces at the next slider position, $\eta \approx 0.0224$ — almost the same
# threshold, although that dip is not the global minimum. Why almost the same, and why not exactly?
#
# <details><summary>Answer</summary>
#
# The bottom of every dip sits close to a minimum of the ripple term, where $\cos 3\pi x \approx 1$, so its
# curvature is close to the origin's: at $x \approx 0.652$, $\cos 3\pi x \approx 0.990$ and
# $\partial^2 f/\partial x^2 = 2 + 9\pi^2 \cos 3\pi x \approx 90.0$ against $2 + 9\pi^2 \approx 90.8$ at the origin.
# The bowl's slope $2x$ pushes each dip's bottom a little off the ripple's minimum, which lowers its curvature
# slightly and raises its step limit to $2/90.0 \approx 0.0222$; the slider's 0.020 lies below both limits and its
# 0.0224 above both. A step-size limit is local: it is set by the curvature *where the ball is*, which is why the
# same terrain can be stable at one minimum and unstable at a sharper one — the theme of chapter 5.
#
# </details>
