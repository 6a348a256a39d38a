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
# # Chapter 7 exercises: diagnosing training
#
# Three tools of the chapter rebuilt by hand, then a diagnosis. Replace each `raise NotImplementedError(...)` with
# your code and run the `check(...)` cell below it. `check` prints a one-line verdict — passed, failed (with the
# input that broke your code and a hint), "not attempted yet", or the error your code raised — and never stops
# the notebook.

# %%
import numpy as np

from course_utils import diagnostics, plotting
from course_utils.grading import check
from course_utils.models import Quadratic

# %% [markdown]
# ## Exercise 7.1 — the learning-rate range test
#
# Run gradient descent for `steps` steps with a learning rate that grows geometrically from `lr_min` (first step)
# to `lr_max` (last step): $\eta_t = \eta_{\min}(\eta_{\max}/\eta_{\min})^{t/(T-1)}$. After each step, compute the
# loss. Stop — without keeping that step — as soon as the loss is not finite or exceeds `stop_factor` times the
# best loss so far, this step's included, by more than $10^{-12}\max(1, |L(\theta_0)|)$ (so that losses creeping
# about near zero, 1e-40 then 1e-39, do not count as a blow-up). Return the learning rates and losses of the steps
# kept. These are the rules of `diagnostics.lr_range_test`, which the chapter uses.
#
# *Expected output:* `✓ Exercise 7.1 (The learning-rate range test): passed — all 6 cases`.

# %%
def lr_range_test(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """The learning-rate range test.

    Parameters
    ----------
    loss_fn, grad_fn : callable
        (P,) -> float and (P,) -> (P,).
    theta0 : array, shape (P,)
    lr_min, lr_max : float
    steps : int
    stop_factor : float

    Returns
    -------
    lrs, losses : arrays of shape (K,)
        The learning rate of each step kept and the loss after it (K ≤ steps).
    """
    raise NotImplementedError("geometric learning rates; GD step; stop at a non-finite loss or one above stop_factor × best")


# %%
check("7.1", lr_range_test)

# %% [markdown]
# **Try it.** On a quadratic with $\lambda_{\max} = 10$, where does your curve bottom out, compared with
# $2/\lambda_{\max} = 0.2$?

# %%
q = Quadratic(np.diag(np.logspace(-1, 1, 8)))
try:
    lrs, losses = lr_range_test(q.loss, q.grad, np.ones(8), 1e-3, 1e3, 150)
    print(f"the loss bottoms out at η = {lrs[np.argmin(losses)]:.3g}; 2/λ_max = 0.2")
except NotImplementedError:
    print("lr_range_test is not written yet")

# %% [markdown]
# ## Exercise 7.2 — gradient clipping by norm
#
# Return $g \cdot \min(1, c/\|g\|)$: unchanged when $\|g\| \le c$, otherwise the same direction with length $c$.
# Do not modify `g` in place; a zero gradient stays zero.
#
# *Expected output:* `✓ Exercise 7.2 (Gradient clipping by norm): passed — all 6 cases`.

# %%
def clip_by_norm(g, max_norm):
    """Clip the gradient g (shape (P,)) to Euclidean norm at most max_norm."""
    raise NotImplementedError("rescale by max_norm/‖g‖ when ‖g‖ > max_norm")


# %%
check("7.2", clip_by_norm)

# %% [markdown]
# ## Exercise 7.3 — per-layer gradient norms
#
# For an `MLP`, `model.grad(theta)` is the flat gradient and `model.unflatten(vector)` splits a flat vector into
# `[(W1, b1), (W2, b2), ...]`. Return the Frobenius norm of the gradient with respect to each layer's **weights**
# (biases excluded), input layer first.
#
# *Expected output:* `✓ Exercise 7.3 (Per-layer gradient norms): passed — all 2 cases`.

# %%
def layer_gradient_norms(model, theta):
    """‖∂L/∂W_ℓ‖_F for each layer, shape (n_layers,)."""
    raise NotImplementedError("unflatten the gradient and take the norm of each weight block")


# %%
check("7.3", layer_gradient_norms)

# %% [markdown]
# ## Exercise 7.4 — the mystery runs
#
# Four training runs on two moons failed in four different ways. For each, look at the evidence below — the loss
# curve, the gradient norm, the per-layer gradient norms, the Hessian's extreme eigenvalues at the end, the
# activation spreads and the accuracies — and decide **what the landscape is doing** and **what you would
# change**. Answer with a dict `{run: (diagnosis, remedy)}` using these words:

# %%
for word, meaning in diagnostics.DIAGNOSES.items():
    print(f"diagnosis {word!r:24} {meaning}")
print()
for word, meaning in diagnostics.REMEDIES.items():
    print(f"remedy    {word!r:24} {meaning}")

# %%
runs = diagnostics.mystery_runs()
for run in runs.values():
    print(run.summary)
    print(f"    ‖∂L/∂W_ℓ‖ at the end, input layer first: {np.array2string(run.layer_grad_norms[-1], precision=2)}")
    print(f"    activation spread per hidden layer: {np.array2string(run.activation_std, precision=2)}\n")

# %%
fig, axes = plotting.new_figure(1, 3, figsize=(12, 3.4))
for run, style in zip(runs.values(), plotting.series_styles(4)):
    finite = np.isfinite(run.losses)
    axes[0].semilogy(np.flatnonzero(finite), run.losses[finite], label=f"run {run.name}", markevery=10, **style)
    axes[1].semilogy(np.flatnonzero(finite), run.grad_norms[finite], label=f"run {run.name}", markevery=10, **style)
    axes[2].semilogy(np.arange(1, run.layer_grad_norms.shape[1] + 1), run.layer_grad_norms[-1],
                     label=f"run {run.name}", **style)
plotting.label_axes(axes[0], "training loss", "step", "loss")
plotting.label_axes(axes[1], "gradient norm", "step", r"$\|\nabla L\|$")
plotting.label_axes(axes[2], "gradient per layer at the end", "layer (1 = input)", r"$\|\partial L/\partial W_\ell\|$")
axes[0].legend(fontsize="small")
fig

# %% [markdown]
# Write your diagnoses in the function below (return the dict), then check.
#
# *Expected output:* `✓ Exercise 7.4 (Diagnose the mystery runs): passed — all 8 cases`.

# %%
def my_diagnoses():
    """{run: (diagnosis, remedy)} for the runs "A", "B", "C" and "D"."""
    raise NotImplementedError("return {\"A\": (\"...\", \"...\"), \"B\": ..., \"C\": ..., \"D\": ...}")


# %%
check("7.4", my_diagnoses)

# %% [markdown]
# *Write your answer here.*
