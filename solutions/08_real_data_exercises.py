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

# %% [markdown] tags=["solution-only"]
# **Scaffold: replace this exercise with your chapter's, and delete this cell.** (Tagged `solution-only`, it is
# left out of the student version.) Each exercise is a markdown cell with the task and the expected verdict, a
# function whose body lies between the two solution markers shown below (after the colon of the first: what the
# student sees instead), and a `check(...)` cell; its check lives in `course_utils/grading/exercises/ch08.py`.
# After editing: `make sync && make exercises`.

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
    ### BEGIN SOLUTION: return η*, one float computed from A
    return 2.0 / np.linalg.eigvalsh(A)[-1]
    ### END SOLUTION


# %%
check("8.1", largest_stable_lr)


# %% [markdown]
# <!-- ===== end of exercises 8.1–8.2 (helper A) ===== -->
#
# <!-- ===== exercises 8.3–8.4 (helper B) ===== -->

# %% [markdown]
# <!-- ===== end of exercises 8.3–8.4 ===== -->
#
# <!-- ===== exercises 8.5–8.6 (helper C) ===== -->

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

# %% [markdown]
# <!-- ===== end of exercises 8.5–8.6 ===== -->
