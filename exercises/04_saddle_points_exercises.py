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
# # Chapter 4 exercises: saddle points and the optimizers that escape them
#
# Four exercises that rebuild the chapter's tools by hand. Each gives a function with its signature and
# docstring; replace `raise NotImplementedError(...)` with your code and run the `check(...)` cell below it.
# `check` prints a one-line verdict — passed, failed (with the input that broke your function and a hint),
# "not attempted yet", or the error your code raised — and never stops the notebook.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 4.1 — perturbed gradient descent
#
# Jin et al. (2017): run gradient descent, but whenever the gradient is small, $\|\nabla f(\theta)\| \le g_{\text{thres}}$,
# and no perturbation happened in the last $t_{\text{thres}}$ steps, first jump to $\theta + \xi$ with $\xi$ drawn
# **uniformly from the ball** of radius $r$, then take the gradient step from there:
# $\theta \leftarrow (\theta + \xi) - \eta\, \nabla f(\theta + \xi)$.
#
# To draw uniformly from a $d$-dimensional ball: a Gaussian vector normalised to length one gives a uniform
# direction; scale it by $r\,U^{1/d}$ with $U \sim \mathcal U(0, 1)$ (a uniform *radius* would crowd the centre).
# "No perturbation in the last $t_{\text{thres}}$ steps" means: after perturbing at step $k$, the next perturbation
# can come at step $k + t_{\text{thres}} + 1$ at the earliest. Use only `rng` for randomness, and leave `theta0`
# unchanged.
#
# *Expected output:* `✓ Exercise 4.1 (Perturbed gradient descent): passed — all 12 cases`.

# %%
def perturbed_gd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """Perturbed gradient descent; returns every iterate.

    Parameters
    ----------
    grad_fn : callable
        (P,) -> (P,) gradient.
    theta0 : array, shape (P,)
    lr : float
    steps : int
    radius : float
        Radius r of the perturbation ball.
    g_thres : float
        Perturb only when the gradient norm is at most this.
    t_thres : int
        Minimum number of steps between perturbations.
    rng : numpy.random.Generator

    Returns
    -------
    array, shape (steps + 1, P)
        theta0 and the iterate after each step.
    """
    raise NotImplementedError("run perturbed gradient descent by the rules of exercise 4.1 above and return the final point")


# %%
check("4.1", perturbed_gd)

# %% [markdown]
# **Try it.** From exactly the saddle of $x^2 - y^2$, plain GD never moves; yours should leave along $y$.

# %%
def saddle_grad(theta):
    return np.array([2.0, -2.0]) * theta


try:
    path = perturbed_gd(saddle_grad, np.zeros(2), 0.1, 60, 1e-3, 1e-3, 10, np.random.default_rng(0))
    print("after 60 steps:", np.round(path[-1], 3))
except NotImplementedError:
    print("perturbed_gd is not written yet")

# %% [markdown]
# ## Exercise 4.2 — one saddle-free Newton step
#
# Newton's step $-H^{-1}g$ walks *towards* a saddle along directions of negative curvature. Dauphin et al. (2014)
# replace $H = Q\Lambda Q^\top$ by $|H| = Q|\Lambda|Q^\top$ and add damping $\delta$:
#
# $$\Delta = -\,(|H| + \delta I)^{-1} g .$$
#
# Use `np.linalg.eigh` for the eigendecomposition. Return the step $\Delta$ (not the new point), and leave the
# inputs unchanged.
#
# *Expected output:* `✓ Exercise 4.2 (One saddle-free Newton step): passed — all 7 cases`.

# %%
def saddle_free_newton_step(grad, hessian, damping):
    """The saddle-free Newton step −(|H| + damping·I)⁻¹ grad.

    Parameters
    ----------
    grad : array, shape (P,)
    hessian : array, shape (P, P), symmetric (may be indefinite)
    damping : float ≥ 0

    Returns
    -------
    array, shape (P,)
    """
    raise NotImplementedError("return the saddle-free Newton step, as exercise 4.2 above defines it")


# %%
check("4.2", saddle_free_newton_step)

# %% [markdown]
# ## Exercise 4.3 — the measured escape time
#
# Near a saddle, gradient descent on the escape coordinate $y$ of $\tfrac12 \lambda_{\min} y^2$ ($\lambda_{\min} < 0$)
# is $y \leftarrow y - \eta \lambda_{\min} y$. Starting from $y = \varepsilon$, count the steps until $|y| \ge R$
# (zero if $|\varepsilon| \ge R$ already). The chapter's theory says the answer is
# $\lceil \ln(R/\varepsilon) / \ln(1 + \eta|\lambda_{\min}|) \rceil$ — measure it by simulation, don't use the formula.
#
# *Expected output:* `✓ Exercise 4.3 (Measured escape time against the theory): passed — all 9 cases`.

# %%
def escape_steps(eps, lr, lam_min, radius):
    """Steps of GD on ½·lam_min·y² from y = eps until |y| ≥ radius.

    Parameters
    ----------
    eps : float
        Initial component along the escape direction (≠ 0).
    lr : float
    lam_min : float
        Negative curvature.
    radius : float

    Returns
    -------
    int
    """
    raise NotImplementedError("return the number of steps that exercise 4.3 above asks you to measure")


# %%
check("4.3", escape_steps)

# %% [markdown]
# **Compare with the theory.** The measured count should sit on the line $\ln(1/\varepsilon)/\ln(1 + \eta|\lambda_{\min}|)$.

# %%
try:
    for eps in (1e-2, 1e-5, 1e-8):
        theory = np.log(1 / eps) / np.log1p(0.05 * 2.0)
        print(f"ε = {eps:.0e}: measured {escape_steps(eps, 0.05, -2.0, 1.0)}, theory {theory:.1f}")
except NotImplementedError:
    print("escape_steps is not written yet")

# %% [markdown]
# ## Exercise 4.4 — momentum with divergence detection
#
# Heavy-ball momentum: $v \leftarrow \beta v + \nabla f(\theta)$, $\theta \leftarrow \theta - \eta v$, with $v$ starting
# at zero. A training loop must notice when it blows up instead of filling arrays with `inf` and `nan`: stop at the
# first step $k$ where $\theta$ is not finite or $\|\theta\| > \text{explode} \cdot \|\theta_0\|$, and return the
# iterates up to and including that step together with $k$ (or `None` when the run never blew up). Leave `theta0`
# unchanged.
#
# *Expected output:* `✓ Exercise 4.4 (Momentum with divergence detection): passed — all 8 cases`.

# %%
def momentum_run(grad_fn, theta0, lr, beta, steps, explode):
    """Heavy-ball momentum that stops when the iterates blow up.

    Parameters
    ----------
    grad_fn : callable
        (P,) -> (P,).
    theta0 : array, shape (P,)
    lr : float
    beta : float in [0, 1)
    steps : int
    explode : float
        Divergence threshold on ‖θ‖ relative to ‖θ0‖.

    Returns
    -------
    path : array, shape (k + 1, P)
        The iterates (k = steps, or the step at which the run diverged).
    diverged_at : int or None
    """
    raise NotImplementedError("run momentum with the divergence detection of exercise 4.4 above and return what it asks for")


# %%
check("4.4", momentum_run)
