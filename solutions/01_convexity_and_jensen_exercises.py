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
# Five exercises that turn the chapter's definitions into code, and ask for the reasoning the chapter skipped.
# Replace each `raise NotImplementedError(...)` with your code, run the cell, then the `check(...)` cell below it:
# `✓` passed, `✗` failed (with the input that broke your function and a hint), `○` not attempted yet. `check` never
# stops the notebook.
#
# You may use NumPy and the course library, except the function that does the exercise for you
# (`convexity.chord_test`, `jensen.jensen_gap`, `convexity.quadratic_constants`, `connectivity.permute_hidden_units`).

# %%
import math

import numpy as np

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
    ### BEGIN SOLUTION: return the largest chord gap and where it occurs, as exercise 1.1 above defines them
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
    ### BEGIN SOLUTION: return the Jensen gap of f on these samples, as exercise 1.2 above defines it
    return float(np.mean(f(samples)) - f(np.mean(samples)))
    ### END SOLUTION


# %%
check("1.2", jensen_gap_of_samples)

# %% [markdown]
# ## Exercise 1.3 — the curvature constants of a ridge regression, derived
#
# The chapter read the Hessian of linear regression off autograd. Derive it instead. Ridge regression minimises
#
# $$R(w) = \frac1N\|Xw - y\|^2 + \lambda\|w\|^2 \qquad (X \text{ of shape } (N, d),\ \lambda \ge 0).$$
#
# Differentiate $R$ twice by hand, then write `ridge_constants(X, y, lam)` returning $(\mu, L, \kappa)$: the
# smallest and the largest curvature of $R$ over all directions, and the condition number $\kappa = L/\mu$ —
# `math.inf` when $\mu \le 10^{-12} L$ (not strongly convex; a zero curvature is zero only up to rounding).
# Do not call autograd or a finite-difference Hessian: the check compares your formula with second differences
# of $R$ on matrices you have not seen, among them a duplicated feature and more features than samples.
# Before running it, predict: does $\mu$ depend on $y$? What does $\lambda > 0$ do to $\mu$ when a feature is
# duplicated? Leave `X` and `y` unchanged.
#
# *Expected output:* `✓ Exercise 1.3 (Curvature constants of a ridge regression): passed — all 9 cases`.

# %%
def ridge_constants(X, y, lam):
    """(mu, L, kappa) of R(w) = (1/N)‖Xw − y‖² + lam‖w‖²; kappa = inf unless mu > 1e-12·L."""
    ### BEGIN SOLUTION: differentiate R twice by hand (the exercise text above), then return (mu, L, kappa)
    N, d = X.shape
    eig = np.linalg.eigvalsh(2.0 / N * X.T @ X + 2.0 * lam * np.eye(d))
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 1e-12 * L else math.inf)
    ### END SOLUTION


# %%
check("1.3", ridge_constants)

# %% [markdown]
# ## Exercise 1.4 — how many steps? Predict before running
#
# Gradient descent with step `lr` on $f(x) = \tfrac12 x^\top A x$ ($A$ symmetric positive definite, minimum 0 at
# the origin) starts at `x0`. Return the **first** number of steps $t$ with $f(x_t) \le \varepsilon\, f(x_0)$
# (`eps` in $(0, 1)$; $t = 0$ is the start) as an `int` — **predicted, without running gradient descent**. The
# chapter showed that each eigen-component of the error is multiplied by $1 - \eta\lambda_i$ per step; write the
# loss after $t$ steps through this start's components and use it. Remember that the chapter's rate is a
# guarantee for the worst start — is your start the worst one? The check runs gradient descent itself and compares.
# Leave `A` and `x0` unchanged.
#
# *Expected output:* `✓ Exercise 1.4 (Steps to a tolerance, predicted before running): passed — all 8 cases`.

# %%
def steps_to_tolerance(A, x0, lr, eps):
    """First t ≥ 0 with f(x_t) ≤ eps·f(x0) for gradient descent on ½xᵀAx, predicted from A's eigen-decomposition."""
    ### BEGIN SOLUTION: predict the count as the exercise text above describes (do not run gradient descent)
    lam, V = np.linalg.eigh(A)
    weights = lam * (V.T @ x0) ** 2
    factors = (1 - lr * lam) ** 2

    def ratio(t):
        return float(np.sum(weights * factors**t) / np.sum(weights))

    hi = 1
    while ratio(hi) > eps:
        hi *= 2
    lo = 0
    while lo < hi:  # the first t with ratio(t) ≤ eps lies in [lo, hi]
        mid = (lo + hi) // 2
        if ratio(mid) <= eps:
            hi = mid
        else:
            lo = mid + 1
    return int(lo)
    ### END SOLUTION


# %%
check("1.4", steps_to_tolerance)

# %% [markdown]
# ## Exercise 1.5 — prove that any network's loss is not convex
#
# The chapter proved non-convexity by swapping two hidden units of one trained network, and warned that a swap
# is "usually", not always, a witness. Write a function that finds a witness for **any** one-hidden-layer tanh
# network it is given: `loss(layers)` returns the training loss of the network with weights
# `layers = [(W1, b1), (W2, b2)]` (`W1` has one column per hidden unit, `W2` one row per hidden unit). Return two
# networks `(layers_a, layers_b)`, in the same format, with **the same loss** whose **midpoint** (the average of
# the two, layer by layer) has a loss higher by more than `1e-6` — a violated chord at $t = 1/2$.
#
# Before you code: when does exchanging two hidden units leave the midpoint exactly as good as the ends? The check
# gives you such networks (one printed, one hidden), so a fixed pair of units will not do; any symmetry of the
# network is allowed, not only exchanges. Leave the caller's `layers` unchanged.
#
# *Expected output:* `✓ Exercise 1.5 (A non-convexity witness for any network): passed — all 16 cases`.

# %%
def nonconvexity_witness(loss, layers):
    """Two networks with equal loss whose midpoint has a higher loss (a violated chord of the loss)."""
    ### BEGIN SOLUTION: return two networks as the exercise text above describes
    (W1, b1), (W2, b2) = layers
    best, witness = -math.inf, None
    for i in range(W1.shape[1]):
        for j in range(i + 1, W1.shape[1]):
            order = np.arange(W1.shape[1])
            order[[i, j]] = [j, i]
            other = [(W1[:, order], b1[order]), (W2[order, :], b2.copy())]
            midpoint = [((W1 + W1[:, order]) / 2, (b1 + b1[order]) / 2), ((W2 + W2[order, :]) / 2, b2.copy())]
            excess = loss(midpoint)  # the ends have the same loss: the worst midpoint is the widest violation
            if excess > best:
                best, witness = excess, other
    return [(W1.copy(), b1.copy()), (W2.copy(), b2.copy())], witness
    ### END SOLUTION


# %%
check("1.5", nonconvexity_witness)
