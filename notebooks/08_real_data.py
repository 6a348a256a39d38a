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
# # Chapter 8 — The landmark figures, live on real data
#
# The earlier chapters showed each idea on a surface you can see whole or on a network small enough to train in a
# blink. The papers that made these ideas famous trained on real images. This chapter reproduces their headline
# figures on real data — 1,797 handwritten digits — with networks of a few thousand parameters, each figure computed
# live in seconds, and each claim checked by an assertion that must hold for other random seeds too. Where the
# miniature disagrees with the paper, the chapter says so.
#
# **By the end of this chapter you can**
#
# <!-- learning goals: one per section, written with the sections -->
# - compare a small-batch and a full-batch minimum at matched training loss — by $\lambda_{\max}$, along the line
#   through both, along filter-normalised directions — and say which sharpness claims hold at this scale (§2);
# - predict where full-batch gradient descent's sharpness levels off from its step size alone, $2/\eta$, and
#   recognise the edge of stability: a loss that falls overall but not at every step (§3);

# %%
# %matplotlib widget
import numpy as np

from course_utils import plotting
from course_utils.data import digits
from course_utils.real_data import digits_task, held_out_accuracy
from course_utils.batch_size import small_vs_large_batch
from course_utils.edge_of_stability import edge_of_stability_runs

# %% [markdown]
# ## 0. The data and the network
#
# <!-- integrator: the digits, the 64-32-10 network, one training run -->

# %% [markdown]
# <!-- ===== SECTION 1 (helper A): bulk and outliers — Sagun et al. 2017; Papyan 2019 ===== -->
# ## 1. Bulk and outliers: the Hessian of a trained classifier

# %% [markdown]
# <!-- ===== end of section 1 ===== -->
#
# <!-- ===== SECTION 2 (helper B): small vs large batch — Keskar et al. 2017; Li et al. 2018 ===== -->
# ## 2. Small and large batches: sharp and flat minima
#
# Keskar et al. (2017, "On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima") trained
# the same networks (fully connected and convolutional, on MNIST, TIMIT, CIFAR-10 and CIFAR-100) with batches of
# 256 and with batches of 10 % of the data, and reported that the large-batch solutions are **sharper** and
# **generalise worse**. Their Fig. 3 draws the loss on the line through the two solutions,
#
# $$f(\alpha) = L\big((1-\alpha)\,\theta_{\text{small}} + \alpha\,\theta_{\text{large}}\big), \qquad
# \alpha \in [-0.5, 1.5],$$
#
# and the curve climbs steeply past the large-batch end ($\alpha > 1$) and gently past the small-batch end. Li et
# al. (2018, "Visualizing the Loss Landscape of Neural Nets", §4–5; VGG-9 on CIFAR-10, batches 128 and 8192)
# redrew that picture with and without weight decay and found that weight decay **flips** it: the raw 1-D plot
# depends on the scale of the weights, which batch size and weight decay both change. They compared minima along
# *filter-normalised* random directions instead (chapter 2: each unit of a direction gets the norm of the same unit
# of the weights, biases zeroed), and there the small-batch minima looked wider in each of their settings (SGD and Adam, with and without
# weight decay).
#
# Here: the digits network 64-32-10 (tanh, cross-entropy, 400 training images), one start, SGD with batch 8 and
# step $\eta = 1$ for 8 epochs (400 steps); then full-batch gradient descent — the largest batch — with the same
# step **until its training loss first falls to the small-batch run's**. So the two minima are compared at
# **matched training loss** (not matched epochs: the full batch takes one step per epoch, and needed 60 to 590
# of them in the runs we measured — fewer when the last minibatch steps left the small-batch run at a higher loss). `small_vs_large_batch` does it all and keeps the result for the explorer.
#
# **Predict:** which solution has the larger $\lambda_{\max}$? Which has the better test accuracy? And which looks
# sharper along filter-normalised directions?

# %%
batches = small_vs_large_batch(8, lr=1.0, epochs=8, n_train=400)
rise_small, rise_large = batches.slice_rise(1.0)
print(f"training loss: small batch {batches.train_loss_small:.4f} after {batches.steps_small} steps, "
      f"full batch {batches.train_loss_large:.4f} after {batches.steps_large} steps")
print(f"λ_max: small {batches.lambda_max_small:.4f}, large {batches.lambda_max_large:.4f} "
      f"(ratio {batches.sharpness_ratio:.2f})")
print(f"test accuracy: small {batches.test_accuracy_small:.3f}, large {batches.test_accuracy_large:.3f}; "
      f"test loss: small {batches.test_loss_small:.3f}, large {batches.test_loss_large:.3f}")
print(f"filter-normalised rise of the loss at α = ±1: small {rise_small:.3f}, large {rise_large:.3f}")
print(f"weight norms: small {np.linalg.norm(batches.theta_small):.1f}, large {np.linalg.norm(batches.theta_large):.1f}")

# %%
assert abs(batches.train_loss_large - batches.train_loss_small) < 0.05 * batches.train_loss_small  # matched: ≤ 1.9 %
# the large batch is sharper by λ_max ...                              measured 1.42–3.61 over 14 runs
assert batches.sharpness_ratio > 1.2
# ... and the line climbs far more steeply past the large-batch end     measured 8.7–73× over 14 runs
assert batches.line_train_loss[-1] > 4 * batches.line_train_loss[0]
# ... but it does not generalise worse here: test loss lower or equal   measured −0.086 … −0.001 over 14 runs
assert batches.test_loss_large < batches.test_loss_small + 0.01
assert abs(batches.test_accuracy_large - batches.test_accuracy_small) < 0.05   # measured |Δ| ≤ 0.035
# ... and along filter-normalised directions it does not look sharper   measured ratio 0.71–1.03 over 14 runs
assert rise_large < 1.15 * rise_small
# ... nor on the filter-normalised plane (mean log10 loss over it)       measured small − large +0.008 … +0.149
assert np.mean(np.log10(batches.plane_train_small)) > np.mean(np.log10(batches.plane_train_large)) - 0.05
# the small-batch weights are larger                                    measured 1.31–1.86× over 14 runs
assert np.linalg.norm(batches.theta_small) > 1.15 * np.linalg.norm(batches.theta_large)

# %%
fig, axes = plotting.new_figure(1, 3, figsize=(12, 3.8))
ax_line, ax_acc, ax_slice = axes
styles = plotting.series_styles(2)
ax_line.semilogy(batches.alphas, batches.line_train_loss, markevery=5, label="train", **styles[0])
ax_line.semilogy(batches.alphas, batches.line_test_loss, markevery=5, label="test", **styles[1])
ax_acc.plot(batches.alphas, 100 * batches.line_train_accuracy, markevery=5, label="train", **styles[0])
ax_acc.plot(batches.alphas, 100 * batches.line_test_accuracy, markevery=5, label="test", **styles[1])
for ax, legend_at in ((ax_line, "center left"), (ax_acc, "lower left")):
    for a in (0, 1):
        ax.axvline(a, color="0.5", linestyle=":", linewidth=1)
    ax.set_xticks([-0.5, 0, 0.5, 1, 1.5], ["−0.5", "0\nsmall batch", "0.5", "1\nfull batch", "1.5"])
    ax.legend(loc=legend_at, fontsize=8)
for k, (curves, name) in enumerate(((batches.slice_train_small, "around the small-batch minimum"),
                                    (batches.slice_train_large, "around the full-batch minimum"))):
    for j, curve in enumerate(curves):
        ax_slice.plot(batches.slice_alphas, curve, color=styles[k]["color"], linestyle=styles[k]["linestyle"],
                      marker=styles[k]["marker"], markevery=5, markersize=4, linewidth=1,
                      label=name if j == 0 else None)
ax_slice.legend(loc="upper center", fontsize=8)
plotting.label_axes(ax_line, "Loss on the line through both", r"$\alpha$", "cross-entropy (log scale)")
plotting.label_axes(ax_acc, "Accuracy on that line", r"$\alpha$", "accuracy (%)")
plotting.label_axes(ax_slice, "Filter-normalised slices", r"$\alpha$ along 4 directions $d$ each",
                    "training cross-entropy")
fig

# %% [markdown]
# Li et al.'s 2-D picture: the training loss on the plane of the first two filter-normalised directions around each
# minimum, one colour scale for both (logarithmic: the loss spans three decades), labelled contour lines on top.

# %%
fig, axes = plotting.new_figure(1, 2, figsize=(9.2, 4))
log_planes = [np.log10(batches.plane_train_small), np.log10(batches.plane_train_large)]
levels = np.linspace(min(p.min() for p in log_planes), max(p.max() for p in log_planes), 16)
for ax, log_plane, name in zip(axes, log_planes, ("small batch (8)", "full batch")):
    cs = ax.contourf(batches.plane_alphas, batches.plane_alphas, log_plane.T, levels=levels, cmap=plotting.CMAP)
    lines = ax.contour(batches.plane_alphas, batches.plane_alphas, log_plane.T, levels=[-2, -1, 0], colors="k",
                       linewidths=0.8, linestyles="solid")
    ax.clabel(lines, fmt={-2: "0.01", -1: "0.1", 0: "1"}, fontsize=8)
    ax.plot(0, 0, "k*", markersize=11, markerfacecolor="white")
    ax.set_aspect("equal")
    plotting.label_axes(ax, f"Around the {name} minimum", r"$\alpha$ along $d_1$", r"$\beta$ along $d_2$")
bar = fig.colorbar(cs, ax=axes, label="training cross-entropy (log scale, same for both)", shrink=0.9)
bar.set_ticks([t for t in (-2, -1, 0) if levels[0] <= t <= levels[-1]])
bar.set_ticklabels([f"{10.0 ** t:g}" for t in (-2, -1, 0) if levels[0] <= t <= levels[-1]])
fig

# %% [markdown]
# What the miniature reproduces, and what it does not:
#
# * **Sharper by $\lambda_{\max}$: yes.** The full-batch minimum's $\lambda_{\max}$ is about twice the small-batch
#   one (1.4 to 3.6 times in the 14 runs we measured: 13 seeds and perturbed rounding), and the line through the two
#   climbs much faster past the full-batch end ($\alpha > 1$) than past the small-batch end (at $\alpha = 1.5$ the
#   loss is 9 to 73 times its value at $\alpha = -0.5$) — the shape of Keskar et al.'s Fig. 3, on 2,410 parameters.
#   Between the two ends the training loss rises a little (by 0.002 to 0.02 in those runs): two nearby minima,
#   not one convex bowl.
# * **Generalises worse: no.** At this scale the full-batch minimum's test loss was *lower* in every run (by 0.001 to
#   0.09) and its test accuracy within 3.5 points either way — no generalisation gap. Keskar et al.'s own gaps ranged
#   from a fraction of a point (their MNIST network) to a few points (their CIFAR networks); a 2,410-parameter
#   network on 400 digits is not in the regime where they saw it.
# * **Sharper along filter-normalised directions: no — the opposite.** Along four filter-normalised Gaussian
#   directions (the same draws for both, each scaled to its own minimum's units), the loss rises *more* around the
#   small-batch minimum (right panel of the first figure): in 13 of 14 runs, and about equally (3 % less) in the
#   14th. In the planes the two minima look alike, the small-batch one a little narrower: the plane's mean
#   $\log_{10}$ loss is higher around it in all 14 runs, by 0.01 to 0.15 decades. The reason is
#   the one Li et al. give for the raw 1-D flip: scale. The small-batch weights are 1.3 to 1.9 times larger; with
#   cross-entropy, larger weights mean more confident outputs and a smaller Hessian — so $\lambda_{\max}$ calls the
#   small-batch minimum flat — while filter-normalised directions grow with the weights, so the same picture calls
#   it sharp. Sharpness measures disagree because they measure different things (chapter 5); "the large batch finds
#   a sharp minimum" holds here for $\lambda_{\max}$ and the raw line only.
#
# All the asserts above hold for the default data and start, for 13 other seeds and under perturbed rounding.
#
# <!-- ===== end of section 2 ===== -->
#
# <!-- ===== SECTION 3 (helper B): edge of stability — Cohen et al. 2021 ===== -->
# ## 3. The edge of stability
#
# Chapter 5 showed why $2/\eta$ matters: on a quadratic, gradient descent with step $\eta$ diverges along any
# direction whose curvature exceeds $2/\eta$; and, on a 2-16-1 network on two moons, that full-batch GD drives the
# sharpness up to that line and keeps it there. Cohen et al. (2021, "Gradient Descent on Neural Networks Typically
# Occurs at the Edge of Stability") found this on real data and real architectures — fully connected tanh and ReLU
# networks, VGG and ResNet on a 5,000-image subset of CIFAR-10, and a Transformer on WikiText-2, with the
# squared loss and with cross-entropy: $\lambda_{\max}$ rises (*progressive sharpening*) until it reaches $2/\eta$, then **hovers just
# above it**, while the training loss goes on falling over long stretches — but not monotonically.
#
# Here: the digits network 64-32-10 (tanh) with the squared loss on one-hot targets, 200 training images (the full
# batch), initial weights at a quarter of the Xavier scale (so the sharpness starts well below $2/\eta$), one start
# trained for 500 steps at each of $\eta = 2, 2.5, 3$ ($2/\eta = 1, 0.8, 0.67$), $\lambda_{\max}$ measured every 20
# steps by batched Lanczos (`edge_of_stability_runs`, which calls chapter 5's `sharpness_during_training_at`).
#
# **Predict:** where does each run's $\lambda_{\max}$ level off? Does the loss fall at every step?

# %%
eos8 = edge_of_stability_runs((2.0, 2.5, 3.0), steps=500, every=20, n_train=200)
for tr, ratio, rises in zip(eos8.traces, eos8.late_ratios(), eos8.loss_rises()):
    losses = tr.trajectory.losses
    print(f"η = {tr.lr}: 2/η = {tr.threshold:.2f}; λ_max starts at {tr.lambda_max[0] / tr.threshold:.2f}·2/η, "
          f"reaches 0.9·2/η at step {tr.first_crossing(0.9)}; late median {ratio:.3f}·2/η; "
          f"loss {losses[0]:.3f} → {losses[-1]:.4f}, rose at {rises} of {len(losses) - 1} steps")

# %%
for tr, ratio in zip(eos8.traces, eos8.late_ratios()):
    losses, crossing = tr.trajectory.losses, tr.first_crossing(0.9)
    assert not tr.trajectory.diverged
    assert tr.lambda_max[0] < 0.75 * tr.threshold   # λ_max starts below 2/η,             measured 0.32–0.62·2/η
    assert crossing is not None and crossing >= 20  # rises to 0.9·2/η over tens of steps, measured at steps 40–220
    assert 0.9 < ratio < 1.15                       # and hovers: late-half median,       measured 1.02–1.09·2/η
    assert losses[-1] < 0.15 * losses[0]            # the loss falls overall ...          measured 0.036–0.074×
assert all(eos8.loss_rises() >= 3)                  # ... but not monotonically:   measured 12–83 rises at η = 2,
assert all(eos8.loss_rises()[1:] >= 50)             # many more at the larger steps:   104–176 at η = 2.5 and 3

# %%
fig, (ax_lam, ax_loss) = plotting.new_figure(1, 2, figsize=(11, 4))
for k, (tr, style) in enumerate(zip(eos8.traces, plotting.series_styles(3))):
    ax_lam.plot(tr.steps, tr.lambda_max, color=style["color"], marker=style["marker"], markevery=3, markersize=4,
                linewidth=1.2, label=rf"$\eta = {tr.lr:g}$")
    # each η's 2/η: its own colour and line style, its value written on it
    ax_lam.axhline(tr.threshold, color=style["color"], linestyle=(0, (5, 2 + 2 * k)),
                   linewidth=1.2)
    ax_lam.text(512, tr.threshold, rf"$2/\eta = {tr.threshold:.2f}$", color=style["color"], fontsize=8,
                va="center")
    ax_loss.semilogy(tr.trajectory.losses, color=style["color"], marker=style["marker"], markevery=50,
                     markersize=4, linewidth=1, label=rf"$\eta = {tr.lr:g}$")
ax_lam.plot([], [], color="0.3", linestyle="--", label=r"$2/\eta$ (dashed, same colour)")
for ax in (ax_lam, ax_loss):
    ax.axvspan(250, 500, color="0.93", zorder=0, label="late half" if ax is ax_lam else None)
ax_lam.set_xlim(0, 600)
ax_lam.legend(loc="lower right", fontsize=8)
ax_loss.legend(loc="upper right", fontsize=8)
plotting.label_axes(ax_lam, "Sharpness rises to 2/η and hovers there", "step", r"$\lambda_{\max}$ (Lanczos)")
plotting.label_axes(ax_loss, "Training loss: falls, with spikes", "step", "MSE (log scale)")
fig

# %% [markdown]
# Each run's $\lambda_{\max}$ climbs from a third to a half of $2/\eta$ to its $2/\eta$ line within 40 to 220 steps,
# overshoots it once, by 18 to 66 %, and then stays close: the median over the second half of the run is **1.02 to
# 1.09 times $2/\eta$** in every run we measured (13 seeds × 3 step sizes, and perturbed rounding) — *just above*
# it, as Cohen et al. found ("hovers right at, or just above, this value"). The loss falls 14- to 28-fold over the run
# but rises at 12 to 176 of its 500 steps (more often the larger the step): a spike each time the sharpness pokes above $2/\eta$ and GD turns
# unstable along the top eigenvector, which throws the network to a flatter place (chapter 5 called it a catapult).
#
# How this compares with the paper: Cohen et al. trained fully connected, VGG and ResNet networks on 5,000 CIFAR-10
# images (and a Transformer on text) for thousands of steps; our network has 2,410 parameters and 200 images and
# reaches the edge within a few hundred steps, at step sizes above 1 because the loss is averaged over ten outputs.
# What carries over is the number: $\lambda_{\max} \approx 2/\eta$ — predicted from the step size alone, not from
# the data or the network. What chapter 5's quadratic cannot explain is that GD **survives** there: on a quadratic
# with $\lambda_{\max} > 2/\eta$ it would diverge.
#
# Try a smaller step: below about $\eta = 1.5$ this network fits its 200 images before its sharpness reaches
# $2/\eta$ (at $\eta = 1$ it levels off near $0.7\cdot2/\eta$) — progressive sharpening needs a loss left to fit.
#
# <!-- ===== end of section 3 ===== -->
#
# <!-- ===== SECTION 4 (helper C): mode connectivity — Garipov et al. 2018; Ainsworth et al. 2023 ===== -->
# ## 4. Mode connectivity on real data

# %% [markdown]
# <!-- ===== end of section 4 ===== -->
#
# <!-- ===== SECTION 5 (helper C): linear mode connectivity and the spawn step — Frankle et al. 2020 ===== -->
# ## 5. When does training become stable? The spawn step

# %% [markdown]
# <!-- ===== end of section 5 ===== -->
#
# <!-- ===== SECTION 6 (helper A): the trajectory in its PCA plane — Li et al. 2018 §7 ===== -->
# ## 6. The path of training, seen in its own plane

# %% [markdown]
# <!-- ===== end of section 6 ===== -->
#
# ## 7. Explore
#
# <!-- integrator: the chapter's explorer -->

# %% [markdown]
# ## 8. Summary
#
# <!-- one line per section -->
#
# **Exercises:** [08_real_data_exercises.ipynb](../exercises/08_real_data_exercises.ipynb).
