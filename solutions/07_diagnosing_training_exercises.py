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
# kept, as a tuple of two NumPy arrays, and leave `theta0` unchanged. These are the rules of
# `diagnostics.lr_range_test`, which the chapter uses. The check also runs sweeps it draws afresh each time.
#
# *Expected output:* `✓ Exercise 7.1 (The learning-rate range test): passed — all 24 cases`.

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
    ### BEGIN SOLUTION: follow the rules stated above, step by step
    theta = np.array(theta0, dtype=float)
    floor = 1e-12 * max(1.0, abs(loss_fn(theta)))
    lrs, losses, best = [], [], np.inf
    for t in range(steps):
        lr = lr_min * (lr_max / lr_min) ** (t / (steps - 1))
        theta = theta - lr * grad_fn(theta)
        loss = loss_fn(theta)
        best = min(best, loss)
        if not np.isfinite(loss) or loss > stop_factor * best + floor:
            break
        lrs.append(lr)
        losses.append(loss)
    return np.array(lrs), np.array(losses)
    ### END SOLUTION


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
# Do not modify `g` in place; a zero gradient stays zero. (Libraries guard the division in their own ways —
# PyTorch's `clip_grad_norm_` scales by $c/(\|g\| + 10^{-6})$ — and the check accepts such a guard.)
#
# *Expected output:* `✓ Exercise 7.2 (Gradient clipping by norm): passed — all 16 cases`.

# %%
def clip_by_norm(g, max_norm):
    """Clip the gradient g (shape (P,)) to Euclidean norm at most max_norm."""
    ### BEGIN SOLUTION: return the clipped gradient as defined above
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if norm > max_norm else g.copy()
    ### END SOLUTION


# %%
check("7.2", clip_by_norm)

# %% [markdown]
# ## Exercise 7.3 — per-layer gradient norms
#
# For an `MLP`, `model.grad(theta)` is the flat gradient and `model.unflatten(vector)` splits a flat vector into
# `[(W1, b1), (W2, b2), ...]`. Return the Frobenius norm of the gradient with respect to each layer's **weights**
# (biases excluded), input layer first, as a NumPy array; leave `theta` unchanged.
#
# *Expected output:* `✓ Exercise 7.3 (Per-layer gradient norms): passed — all 6 cases`.

# %%
def layer_gradient_norms(model, theta):
    """‖∂L/∂W_ℓ‖_F for each layer, shape (n_layers,)."""
    ### BEGIN SOLUTION: one norm per layer, as described above
    return np.array([np.linalg.norm(W) for W, _ in model.unflatten(model.grad(theta))])
    ### END SOLUTION


# %%
check("7.3", layer_gradient_norms)

# %% [markdown]
# ## Exercise 7.4 — the mystery runs
#
# Four training runs on two moons failed in four different ways. For each, look at the evidence below — the loss
# curve, the gradient norm, the per-layer gradient norms, the Hessian's extreme eigenvalues at the end, the
# activation spreads and the accuracies — and decide **what the landscape is doing** and **what you would
# change**, using these words:

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
# Study runs A–D above until you can say, for each, which numbers give its failure away. Then write those rules
# down: `diagnose_runs(runs)` receives a dict `{name: run}` of such runs (each a `diagnostics.MysteryRun`, with the
# attributes printed above: `run.lr`, `run.lambda_max`, `run.lambda_min`, `run.diverged_at`, `run.train_accuracy`,
# `run.test_accuracy`, `run.grad_norms`, `run.layer_grad_norms`, `run.activation_std`, …) and returns
# `{name: (diagnosis, remedy)}`, two words of the lists above for every run, spelt exactly as printed. The check
# hands your function the prepared runs under names it draws afresh each time, some of them twice: decide from
# each run's numbers, not from its name.
#
# *Expected output:* `✓ Exercise 7.4 (Diagnose the mystery runs): passed — all 16 cases`.

# %%
def diagnose_runs(runs):
    """{name: (diagnosis, remedy)} for every run of ``runs`` ({name: MysteryRun})."""
    ### BEGIN SOLUTION: decide each run's diagnosis and remedy from its numbers (see the evidence above)
    out = {}
    for name, run in runs.items():
        if run.diverged_at is not None or run.lr > 2 / run.lambda_max:
            out[name] = ("lr_too_large", "lower_lr")       # η > 2/λ_max: the loss explodes
        elif run.train_accuracy - run.test_accuracy > 0.1:
            out[name] = ("overfitting", "more_data")       # fits its 16 training points, much worse on test data
        elif run.lambda_min < -0.1 * run.lambda_max:
            out[name] = ("saddle", "add_noise")            # plateau, tiny gradient, λ_min clearly negative
        else:
            out[name] = ("vanishing_gradients", "better_init")  # plateau, λ_min ≈ 0, gradients die towards the input
    return out
    ### END SOLUTION


# %%
check("7.4", diagnose_runs)

# %% [markdown]
# <!-- BEGIN SOLUTION -->
# **How to read the evidence.** Run A reaches near-zero training loss and perfect training accuracy on only 16
# noisy points, while its test loss stays about seven times higher and its test accuracy well below: it has
# memorized its training set — overfitting; more data (or augmentation) or weight decay. Its $\lambda_{\max}$ is
# also the largest of the four, but that is no evidence of a "sharp minimum": it is a different model on different
# data, and chapter 5 showed that $\lambda_{\max}$ compared across models (even across reparameterizations of
# one model) says nothing about generalization. Run B's learning rate exceeds $2/\lambda_{\max}$ — on a *linear*
# model, whose Hessian is constant — and the loss first falls (the stable directions converge), then explodes:
# lower the learning rate. Runs C and D both sit on a plateau at the loss of "predict the mean" with tiny gradients.
# D is a one-hidden-layer network whose Hessian has a clearly negative eigenvalue: a strict saddle, which noise
# (or a curvature step) escapes. C is eight ReLU layers deep, its activations collapse in the middle layers and its
# $\lambda_{\min}$ is essentially zero — a flat region created by the initialization: He initialization or skip
# connections. (D's saddle is created by its initialization too — every weight about $10^{-6}$, all hidden units
# alike — so a proper initialization scale, as in chapter 4, is a remedy for it as well as noise.)
# <!-- END SOLUTION -->
