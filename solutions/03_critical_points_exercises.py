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
# # Chapter 3 exercises: critical points and the Hessian's spectrum
#
# Eight exercises. Six rebuild the chapter's tools from NumPy: the second-derivative test, the index, a saddle's
# escape direction, Newton's step on $\nabla f = 0$, and two matrix-free estimators that only see Hessian-vector
# products. The seventh is a derivation by hand: how fast gradient descent leaves a saddle. The eighth is the first
# step of the chapter's spin-glass search: the gradient of a function restricted to a sphere.
#
# **How the exercises work.** Replace each `raise NotImplementedError(...)` with your code, run the cell, then
# the `check(...)` cell below it. `check` tests your function at once and prints a one-line verdict —
# `✓ passed`, `✗ failed` (with the input that broke it and a hint), `○ not attempted yet`, or the error your
# code raised. It never stops the notebook.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 3.1 — classify a critical point
#
# Given the (symmetric) Hessian at a critical point, return `"minimum"`, `"maximum"`, `"saddle"` or
# `"degenerate"`. Eigenvalues with $|\lambda| \le$ `tol` count as zero. Read the chapter's table carefully: when
# is the test really silent? (Eigenvalues $(1, -1, 0)$: is there a direction in which the loss falls?)
#
# *Expected output:* `✓ Exercise 3.1 (Classify a critical point): passed — all 15 cases`.

# %%
def classify(H, tol=1e-8):
    """Second-derivative test from the eigenvalues of a symmetric Hessian H (n, n)."""
    ### BEGIN SOLUTION: return the label of the critical point, as exercise 3.1 above defines the four labels
    lam = np.linalg.eigvalsh(H)
    if np.any(lam < -tol) and np.any(lam > tol):
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    if np.all(lam > 0):
        return "minimum"
    return "maximum"
    ### END SOLUTION


# %%
check("3.1", classify)

# %% [markdown]
# ## Exercise 3.2 — the index
#
# The index of a critical point is the number of negative Hessian eigenvalues (below `-tol`): the number of
# independent directions in which the loss goes down. Return it as an `int`.

# %%
def index(H, tol=1e-8):
    """Number of eigenvalues of the symmetric matrix H below -tol."""
    ### BEGIN SOLUTION: return the index of the critical point, as exercise 3.2 above defines it
    return int(np.sum(np.linalg.eigvalsh(H) < -tol))
    ### END SOLUTION


# %%
check("3.2", index)

# %% [markdown]
# ## Exercise 3.3 — the escape direction
#
# Return the unit eigenvector of the most negative eigenvalue (shape `(n,)`), or `None` when no eigenvalue is
# below `-tol`. Along it the loss falls like $\tfrac12\lambda_{\min}t^2$ in both directions.

# %%
def escape_direction(H, tol=1e-8):
    """Unit eigenvector of the most negative eigenvalue of H, or None."""
    ### BEGIN SOLUTION: return the escape direction (or None), as exercise 3.3 above asks
    lam, vectors = np.linalg.eigh(H)
    if lam[0] >= -tol:
        return None
    return vectors[:, 0]
    ### END SOLUTION


# %%
check("3.3", escape_direction)

# %% [markdown]
# ## Exercise 3.4 — one Newton step on $\nabla f = 0$
#
# Newton's method linearises the gradient, $\nabla f(x + \Delta) \approx \nabla f(x) + H\Delta$, and sets it to
# zero. Return the step $\Delta$ (solve a linear system; do not invert $H$).

# %%
def newton_step(grad, H):
    """The Newton step Δ solving H Δ = −grad; shapes (n,), (n, n) -> (n,)."""
    ### BEGIN SOLUTION: return the Newton step, as exercise 3.4 above defines it
    return np.linalg.solve(H, -grad)
    ### END SOLUTION


# %%
check("3.4", newton_step)

# %% [markdown]
# ## Exercise 3.5 — the dominant eigenvalue by power iteration
#
# You may only call `hvp(v)`, which returns $Hv$. Start from a random unit vector drawn from `rng`, repeat
# $v \leftarrow Hv/\|Hv\|$ `iters` times, and return the Rayleigh quotient $v^\top Hv$ (it keeps the sign).

# %%
def power_iteration(hvp, dim, iters, rng):
    """Dominant (largest-magnitude) eigenvalue of H from Hessian-vector products."""
    ### BEGIN SOLUTION: return the estimate that exercise 3.5 above asks for, using hvp only
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    quotient = 0.0
    for _ in range(iters):
        w = hvp(v)
        quotient = float(v @ w)
        v = w / np.linalg.norm(w)
    return quotient
    ### END SOLUTION


# %%
check("3.5", power_iteration)

# %% [markdown]
# ## Exercise 3.6 — Hutchinson's trace estimator
#
# For random vectors $z$ with independent ±1 entries (Rademacher), $\mathbb E[z^\top Hz] = \operatorname{tr}H$.
# Return the average of $z^\top Hz$ over `n_probes` probes drawn from `rng`.

# %%
def hutchinson(hvp, dim, n_probes, rng):
    """Hutchinson's estimate of tr(H) with Rademacher probes."""
    ### BEGIN SOLUTION: return the trace estimate that exercise 3.6 above describes
    total = 0.0
    for _ in range(n_probes):
        z = rng.choice([-1.0, 1.0], size=dim)
        total += z @ hvp(z)
    return total / n_probes
    ### END SOLUTION


# %%
check("3.6", hutchinson)

# %% [markdown]
# ## Exercise 3.7 — how fast does gradient descent leave a saddle? Derive it
#
# Section 5b of the chapter watched gradient descent linger near saddles and then leave. Derive the rate by hand
# for the smallest case, the quadratic $f(x, y) = a x^2 + b y^2 + c\,xy$ whose origin is a saddle (the Hessian has
# one negative eigenvalue). Start a tiny distance from the origin and take gradient-descent steps of size $\eta$:
#
# 1. write one step $\theta \leftarrow \theta - \eta\nabla f(\theta)$ as a matrix acting on $\theta = (x, y)$;
# 2. split $\theta$ into components along the eigenvectors of the Hessian;
# 3. find the factor by which one step multiplies the component along the eigenvector of the most negative
#    eigenvalue — the escape component — as a formula in $a, b, c, \eta$.
#
# Then write `escape_factor(a, b, c, eta)` returning that factor. The check compares it with gradient descent run
# on saddles you have not seen. Before running it, predict: for $f = x^2 - y^2 + xy$ and $\eta = 0.1$, is the
# factor closer to 1.1, 1.2 or 1.3, and about how many steps take a push of $10^{-6}$ to a distance of 1?
#
# *Expected output:* `✓ Exercise 3.7 (The escape factor of gradient descent at a saddle, derived): passed — all 6 cases`.

# %%
def escape_factor(a, b, c, eta):
    """Factor by which one GD step of size eta multiplies the escape component of a x² + b y² + c xy."""
    ### BEGIN SOLUTION: derive the factor by hand (the exercise text above), then return it
    lam_min = (a + b) - np.sqrt((a - b) ** 2 + c**2)  # the smaller eigenvalue of [[2a, c], [c, 2b]]
    return float(1.0 - eta * lam_min)
    ### END SOLUTION


# %%
check("3.7", escape_factor)

# %% [markdown]
# ## Exercise 3.8 — the gradient on a sphere
#
# Section 5d of the chapter searched for critical points of a function on a sphere. There a critical point is not
# where $\nabla f = 0$: moving along $\sigma$ itself leaves the sphere, so only the part of $\nabla f$ that is
# *tangent* to the sphere at $\sigma$ counts — the Riemannian gradient. Write `sphere_gradient(grad, sigma)`: given
# the Euclidean gradient `grad` at the point `sigma` (any non-zero vector: the sphere is the one through it,
# centred at the origin), return the tangent part of `grad`. Check your answer on paper first: for
# $\sigma = (2, 0, 0)$ and $\nabla f = (1, 2, 3)$ the tangent part is $(0, 2, 3)$, and it is always orthogonal to
# $\sigma$.
#
# *Expected output:* `✓ Exercise 3.8 (The gradient on a sphere): passed — all 5 cases`.

# %%
def sphere_gradient(grad, sigma):
    """The part of grad (n,) tangent to the sphere through sigma (n,), centred at 0."""
    ### BEGIN SOLUTION: return the tangent part that exercise 3.8 above describes
    return grad - (grad @ sigma) / (sigma @ sigma) * sigma
    ### END SOLUTION


# %%
check("3.8", sphere_gradient)

# %% [markdown]
# ## Think about it
#
# Your `hutchinson` is unbiased, but how many probes does it need? For a Rademacher probe the variance of
# $z^\top Hz$ is $2(\|H\|_F^2 - \sum_i H_{ii}^2)$. Predict whether an indefinite Hessian (trace near zero, large
# eigenvalues of both signs) needs more or fewer probes for 10 % relative accuracy than a positive definite one
# with the same eigenvalue magnitudes.
#
# <details><summary>Answer</summary>
#
# Far more, in the usual case where the eigenvectors are not aligned with the coordinate axes. The variance is
# twice the squared *off-diagonal* mass of $H$: with random eigenvectors that is most of $\|H\|_F^2 = \sum_i
# \lambda_i^2$, the same for both matrices (it ignores the signs), while the trace of the indefinite one is a small
# difference of large numbers: 10 % of a small trace is a tiny target. (A *diagonal* $H$ is the exception, of
# either kind: its off-diagonal mass is zero, so one probe already returns the exact trace.)
# That is why the course's `hutchinson_trace` reports a confidence interval — an estimate alone hides how
# uncertain it is.
#
# </details>
