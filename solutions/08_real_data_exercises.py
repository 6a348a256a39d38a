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
# ## Exercise 8.1 — count the outliers of a Hessian spectrum
#
# Chapter 8, §1 asked whether the Hessian of a trained classifier has $C$ outliers, one per class, standing clear
# of the bulk. Make "standing clear" a number. Write `count_outliers(eigenvalues, k)`: take the `k` **largest**
# eigenvalues (algebraically largest — the spectrum may hold negative ones, and they may come in any order), put them
# in descending order $\lambda_1 \ge \lambda_2 \ge \dots \ge \lambda_k$ (all of them positive), and return the
# number of outliers $c$: the $c \in \{1, \dots, k-1\}$ where the ratio $\lambda_c/\lambda_{c+1}$ between
# neighbours is largest. Return an `int`; do not modify `eigenvalues`.
#
# For the digits network of §1 this count is rarely 10 — the chapter explains why. On a spectrum built with ten
# outliers it must be 10.
#
# *Expected output:* `✓ Exercise 8.1 (Count the outliers of a spectrum): passed — all 14 cases`.

# %%
def count_outliers(eigenvalues, k):
    """The number of outliers at the top of a spectrum: where the largest ratio between neighbours falls.

    Parameters
    ----------
    eigenvalues : array, shape (P,)
        Eigenvalues in any order; the k largest are positive.
    k : int
        How many of the largest eigenvalues to look at, 2 <= k <= P.

    Returns
    -------
    int
        c in 1 … k-1 maximising λ_c / λ_(c+1) among the k largest, in descending order.
    """
    ### BEGIN SOLUTION: return c, the number of outliers as the exercise above defines it
    top = np.sort(eigenvalues)[::-1][:k]
    return int(np.argmax(top[:-1] / top[1:])) + 1
    ### END SOLUTION


# %%
check("8.1", count_outliers)


# %% [markdown]
# ## Exercise 8.2 — how much of a path lies in its first k principal directions
#
# Li et al. (2018) plot a training path in the plane of the first two principal directions of the matrix
# $M$ whose rows are the displacements $\theta_t - \theta_T$ of the iterates from the **final** one, and label
# the axes with the share of the path each direction explains. Write `explained_fraction(thetas, k)`: `thetas` has
# one iterate per row (shape `(T, P)`, the last row is $\theta_T$); return the fraction of the path's total squared
# length $\sum_t \|\theta_t - \theta_T\|^2$ that lies along the first `k` principal directions of $M$ together —
# a number in $[0, 1]$ that is 1 for a straight path and grows with `k`. Return a `float`; do not modify `thetas`.
#
# *Expected output:* `✓ Exercise 8.2 (How much of a path two directions hold): passed — all 14 cases`.

# %%
def explained_fraction(thetas, k):
    """Share of a path's squared displacement from its final point along its first k principal directions.

    Parameters
    ----------
    thetas : array, shape (T, P)
        The iterates, one per row; the last row is the final point.
    k : int
        Number of principal directions, 1 <= k <= min(T - 1, P).

    Returns
    -------
    float
        In [0, 1].
    """
    ### BEGIN SOLUTION: return the fraction defined in the exercise above, one float
    M = thetas - thetas[-1]
    s = np.linalg.svd(M, compute_uv=False)
    return float(np.sum(s[:k] ** 2) / np.sum(s**2))
    ### END SOLUTION


# %%
check("8.2", explained_fraction)


# %% [markdown]
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
    ### BEGIN SOLUTION: return the one number the exercise above asks for
    steps, lambda_max = np.asarray(steps), np.asarray(lambda_max, dtype=float)
    late = lambda_max[steps >= 0.5 * steps[-1]]
    return float(np.median(late) / (2.0 / lr))
    ### END SOLUTION


# %%
check("8.3", plateau_ratio)

# %% [markdown]
# ## Exercise 8.4 — how noisy is a minibatch gradient?
#
# Section 2 compared a small batch (8 images) with the full batch. What the small batch adds is noise: its gradient
# is the average of the per-example gradients $g_i$ of a few examples instead of all $N$. Write
# `minibatch_noise(grads, batch_size)`: given the per-example gradients at one point, as the rows of `grads`
# (shape $(N, P)$), and a batch size $B$ with $1 \le B \le N$, return the expected squared distance
# $\mathbb E\,\|\hat g_B - g\|^2$ between a minibatch gradient $\hat g_B$ (the mean of $B$ rows) and the full-batch
# gradient $g$ (the mean of all rows), when the batch holds $B$ **different** examples drawn uniformly — as one batch of
# a shuffled epoch does. Return one float; do not modify `grads`. (Check your formula at $B = 1$ and $B = N$.)
#
# *Expected output:* `✓ Exercise 8.4 (How noisy is a minibatch gradient?): passed — all 10 cases`.

# %%
def minibatch_noise(grads, batch_size):
    """The expected squared error of a minibatch gradient, batches of distinct examples.

    Parameters
    ----------
    grads : array, shape (N, P)
        Per-example gradients, one per row.
    batch_size : int
        B, between 1 and N.

    Returns
    -------
    float
        E‖mean of B distinct rows − mean of all rows‖².
    """
    ### BEGIN SOLUTION: return the one number the exercise above asks for
    G = np.asarray(grads, dtype=float)
    N = G.shape[0]
    spread = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))  # (1/N) Σ ‖g_i − g‖²
    return float(spread * (N - batch_size) / (batch_size * (N - 1)))
    ### END SOLUTION


# %%
check("8.4", minibatch_noise)

# %% [markdown]
# ## Exercise 8.5 — the error barrier of a straight path
#
# Frankle et al. (2020) measure how far the **test error** rises on the straight line between two networks
# $\theta_a$ and $\theta_b$ (chapter 8, section 5): with $\mathcal E(\theta)$ the fraction of the examples `X`
# whose largest class score is not their label `y`,
#
# $$B = \max_{\alpha} \mathcal E\big((1-\alpha)\,\theta_a + \alpha\,\theta_b\big)
#   - \tfrac12\big(\mathcal E(\theta_a) + \mathcal E(\theta_b)\big), \qquad \alpha = \texttt{np.linspace(0, 1, n)}.$$
#
# `predict(theta, X)` returns the class scores of the network with parameters `theta`, an array of shape
# `(N, C)`. Write `error_barrier(predict, theta_a, theta_b, X, y, n)`: return $B$ as one float (a fraction, not
# per cent), and leave the arrays unchanged. (Chapter 6's exercise 6.1 took the loss; here the network's
# predictions, and you count mistakes.) The check also tries networks it draws afresh each time.
#
# *Expected output:* `✓ Exercise 8.5 (The error barrier of a straight path): passed — all 10 cases`.

# %%
def error_barrier(predict, theta_a, theta_b, X, y, n):
    """Error barrier of the segment from theta_a to theta_b (Frankle et al. 2020).

    Parameters
    ----------
    predict : callable
        predict(theta, X) -> class scores, shape (N, C).
    theta_a, theta_b : array, shape (P,)
    X : array, shape (N, d)
    y : array of int, shape (N,)
    n : int
        Number of equally spaced points, endpoints included.

    Returns
    -------
    float
    """
    ### BEGIN SOLUTION: return the barrier B defined above, one float
    errors = np.array([np.mean(np.argmax(predict((1 - s) * theta_a + s * theta_b, X), axis=1) != y)
                       for s in np.linspace(0.0, 1.0, n)])
    return float(errors.max() - 0.5 * (errors[0] + errors[-1]))
    ### END SOLUTION


# %%
check("8.5", error_barrier)

# %% [markdown]
# ## Exercise 8.6 — the spawn step
#
# An instability analysis gives one barrier per spawn step $k$ (chapter 8, section 5). Training is *stable* from
# spawn step $k$ on when the barrier is below `threshold` (strictly) at $k$ **and at every later spawn step
# measured**. Write `stable_spawn_step(spawn_steps, barriers, threshold)`: return the earliest such spawn step (an
# int, one of `spawn_steps`), or `None` when even the last spawn step is not below the threshold. The spawn steps
# may come in any order (each barrier belongs to the spawn step at the same position); leave both arrays unchanged.
#
# *Expected output:* `✓ Exercise 8.6 (The spawn step): passed — all 16 cases`.

# %%
def stable_spawn_step(spawn_steps, barriers, threshold):
    """The earliest spawn step from which every measured barrier is below threshold, or None.

    Parameters
    ----------
    spawn_steps : array of int, shape (K,)
        The spawn steps, in any order.
    barriers : array, shape (K,)
        barriers[i] is the barrier measured for spawn_steps[i].
    threshold : float

    Returns
    -------
    int or None
    """
    ### BEGIN SOLUTION: return the spawn step defined above (an int), or None
    order = np.argsort(spawn_steps)
    steps, values = np.asarray(spawn_steps)[order], np.asarray(barriers)[order]
    unstable = np.flatnonzero(values >= threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(steps[first]) if first < len(steps) else None
    ### END SOLUTION


# %%
check("8.6", stable_spawn_step)

