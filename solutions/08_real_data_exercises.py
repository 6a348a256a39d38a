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
# <!-- ===== end of exercises 8.5–8.6 ===== -->
