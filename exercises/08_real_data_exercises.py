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
# # Chapter 8 exercises: The landmark figures, live on real data
#
# Replace each `raise NotImplementedError(...)` with your code and run the `check(...)` cell below it. `check`
# prints a one-line verdict — passed, failed (with the input that broke your code and a hint), "not attempted
# yet", or the error your code raised — and never stops the notebook.

# %%
import numpy as np

from course_utils.grading import check

# %% [markdown]
# ## Exercise 8.1 — the largest stable learning rate
#
# Gradient descent on $f(\theta) = \tfrac12 \theta^\top A \theta$, with $A$ symmetric positive definite, converges
# from every start when the learning rate $\eta$ is small enough and diverges from almost every start when it is
# too large. Write `largest_stable_lr(A)`: it returns the boundary $\eta^*$, the largest number such that gradient
# descent converges from every start for every $0 < \eta < \eta^*$. Return one float; do not modify `A`.
#
# *Expected output:* `✓ Exercise 8.1 (The largest stable learning rate): passed — all 9 cases`.

# %%
def largest_stable_lr(A):
    """The largest stable learning rate of gradient descent on f(θ) = ½ θᵀAθ.

    Parameters
    ----------
    A : array, shape (n, n)
        Symmetric positive definite.

    Returns
    -------
    float
        η* such that gradient descent converges from every start for every 0 < η < η*.
    """
    raise NotImplementedError("return η*, one float computed from A")


# %%
check("8.1", largest_stable_lr)


# %% [markdown]
# <!-- ===== end of exercises 8.1–8.2 (helper A) ===== -->
#
# <!-- ===== exercises 8.3–8.4 (helper B) ===== -->
#
# ## Exercise 8.3 — where the sharpness hovers
#
# Section 3 of the chapter measured $\lambda_{\max}$ every few steps of full-batch gradient descent and compared the
# level it settles at with the stability threshold $2/\eta$. Write `plateau_ratio(steps, lambda_max, lr)`: given the
# training steps at which the sharpness was measured (`steps`, increasing, starting at 0), the measurements
# (`lambda_max`, same length) and the step size `lr`, return the level the run hovers at in its **late phase** —
# the samples taken at steps $\ge$ half the last step — in units of $2/\eta$ (so 1.0 means "exactly at the
# threshold"). Single samples spike above and dip below that level; your summary must not be moved by a few of
# them. Return one float; do not modify the arrays.
#
# *Expected output:* `✓ Exercise 8.3 (Where the sharpness hovers, in units of 2/η): passed — all 8 cases`.

# %%
def plateau_ratio(steps, lambda_max, lr):
    """The late-phase level of the sharpness in units of the stability threshold.

    Parameters
    ----------
    steps : array of int, shape (K,)
        Training steps of the measurements, increasing from 0.
    lambda_max : array, shape (K,)
        The sharpness measured at those steps.
    lr : float
        The step size η of the run.

    Returns
    -------
    float
    """
    raise NotImplementedError("return the one number the exercise above asks for")


# %%
check("8.3", plateau_ratio)

# %% [markdown]
# ## Exercise 8.4 — filter normalisation of a direction
#
# Section 2 compared two minima along random directions *filter-normalised* to each minimum (Li et al. 2018). A
# network's parameters are given layer by layer, as a list of `(W, b)` pairs; layer $\ell$ computes
# $h_\ell = \phi(h_{\ell-1} W_\ell + b_\ell)$ with `W` of shape `(inputs, outputs)`. A *filter* is one output unit of
# a layer. Write `filter_normalize(direction, weights)`: given a random direction and the weights θ, both as such
# lists with the same shapes, return a new list of `(W, b)` pairs in which every filter of the direction has been
# rescaled to the norm of the same filter of θ (divide by the direction's filter norm plus $10^{-10}$, as Li et
# al.'s code does), and in which the direction's biases are zero (the `surfaces` module's default). Do not modify
# the arrays you are given.
#
# *Expected output:* `✓ Exercise 8.4 (Filter normalisation of a direction): passed — all 8 cases`.

# %%
def filter_normalize(direction, weights):
    """Li et al.'s filter normalisation of a direction, layer by layer.

    Parameters
    ----------
    direction : list of (W, b)
        The direction, W of shape (inputs, outputs) and b of shape (outputs,) per layer.
    weights : list of (W, b)
        The network's weights θ, same shapes.

    Returns
    -------
    list of (W, b)
        The normalised direction.
    """
    raise NotImplementedError("return a new list of (W, b) pairs, normalised as described above")


# %%
check("8.4", filter_normalize)

# %% [markdown]
# <!-- ===== end of exercises 8.3–8.4 ===== -->
#
# <!-- ===== exercises 8.5–8.6 (helper C) ===== -->

# %% [markdown]
# <!-- ===== end of exercises 8.5–8.6 ===== -->
