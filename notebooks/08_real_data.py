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
# 1. measure the Hessian spectrum of a trained network with Hessian-vector products only (Lanczos for the top, SLQ
#    for the density), tell its bulk from its outliers, and say where the miniature differs from the papers (§1);
# 2. compare a small-batch and a full-batch minimum at matched training loss — by $\lambda_{\max}$, along the line
#    through both, along filter-normalised directions — and say which sharpness claims hold at this scale (§2);
# 3. predict where full-batch gradient descent's sharpness levels off from its step size alone, $2/\eta$, and
#    recognise the edge of stability: a loss that falls overall but not at every step (§3);
# 4. compare the barrier between two trained networks on the straight line, on a trained Bézier curve and after
#    weight matching, and see how the barrier left after matching shrinks with width (§4);
# 5. run Frankle et al.'s instability analysis — copies spawned at step $k$ with different data orders — and tell
#    when training becomes stable to SGD noise (§5);
# 6. plot a training path in the plane of its own principal directions, read off how much of the path that plane
#    holds, and say what the contours behind the path do and do not show (§6);
# 7. find a lottery ticket by iterative magnitude pruning with rewinding, test it against the same mask from a
#    fresh initialisation and against a random mask, and say what stability to SGD noise has to do with it (§7).

# %%
# %matplotlib widget
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm

from course_utils import hessian_outliers, optimizers, path_plane, plotting
from course_utils.batch_size import small_vs_large_batch
from course_utils.connectivity import barrier_height
from course_utils.edge_of_stability import edge_of_stability_runs
from course_utils.lottery_ticket import lottery_ticket
from course_utils.mode_connectivity import aligned_barriers_by_width, digits_mode_connectivity
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task, held_out_accuracy
from course_utils.stability import spawn_stability
from course_utils.widgets import LandmarkExplorer

# %% [markdown]
# ## 0. The data and the network
#
# The data are the handwritten digits that ship with scikit-learn (nothing to download): 1,797 grey-scale images of
# 8×8 pixels, about 180 of each digit 0–9, collected by the UCI optical-recognition project. A quarter of each digit's
# images is held out for testing (454 images); the network trains on the other 1,343. Each image enters as a vector of
# 64 pixel intensities, standardised with the training set's mean and spread per pixel.

# %%
from sklearn.datasets import load_digits

raw = load_digits()
fig, axes = plotting.new_figure(figsize=(7.2, 1.7), nrows=1, ncols=10)
for c, ax in enumerate(axes):
    image = ax.imshow(raw.images[np.flatnonzero(raw.target == c)[0]], cmap="gray_r", vmin=0, vmax=16)
    ax.set_title(str(c))
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(image, ax=list(axes), fraction=0.02, pad=0.02, label="ink, 0–16")
fig.suptitle("The first image of each digit 0–9 (8 × 8 pixels; the title is its label)")
fig

# %% [markdown]
# The chapter's reference network has 64 inputs, one hidden layer of 32 tanh units and 10 outputs, one per class,
# trained with softmax cross-entropy,
#
# $$L(\theta) = -\frac1N \sum_{i=1}^N \log \frac{e^{f_{y_i}(x_i;\theta)}}{\sum_{c=1}^{10} e^{f_c(x_i;\theta)}},
# \qquad P = 64\cdot 32 + 32 + 32 \cdot 10 + 10 = 2{,}410 \text{ parameters}.$$
#
# It has more parameters than training images ($P = 2{,}410 > N = 1{,}343$), as the papers' networks do. Each section
# says which variant it trains — narrower, deeper, on a few hundred images, or with the squared loss — where an
# experiment needs hundreds of steps several times over and must still run in a second or two. **Predict:**
# after 300 steps of full-batch gradient descent (η = 0.5, a few tenths of a second), what fraction of the 454 test
# images will it classify correctly — about 50 %, 75 % or over 90 %?

# %%
task = digits_task((32,))
theta0 = task.model.init(default_rng(0))
run = optimizers.run(task.model, optimizers.gd(), theta0, steps=300, lr=0.5)
accuracy = held_out_accuracy(task, run.thetas[-1])
print(f"P = {task.model.dim:,} parameters, N = {task.model.n_examples:,} training images")
print(f"training loss {run.losses[0]:.2f} → {run.losses[-1]:.3f}; test accuracy {accuracy:.1%}")
assert task.model.dim > task.model.n_examples
assert accuracy > 0.93  # measured 0.952–0.978 over COURSE_SEED 0–12 and the perturbed run

# %% [markdown]
# **Check.** Over 90 %: the test images are new to the network, and a 2,410-parameter network already reads
# handwritten digits well after a fraction of a second of training on a laptop. The papers' networks have millions of
# parameters and read photographs; what this chapter shows is what their figures look like at this scale — and, where
# the two differ, why.

# %% [markdown]
# ## 1. Bulk and outliers: the Hessian of a trained classifier
#
# **The papers.** Sagun et al. (2017, "Empirical analysis of the Hessian of over-parametrized neural networks")
# found that the Hessian of a trained network has two parts: a **bulk** of eigenvalues piled up near zero, and a few
# **outliers** far to the right; adding parameters scales the bulk, changing the data moves the outliers. Papyan
# (2019, "Measurements of three-level hierarchical structure in the outliers in the spectrum of deepnet Hessians";
# also Papyan 2018, "The full spectrum of deepnet Hessians at scale") measured deep convolutional networks on image
# data sets: the number of outliers is about the number of classes $C$, separated from the bulk by a visible gap. His
# explanation: the Gauss–Newton part of the Hessian is a second-moment matrix of per-example gradients, and the
# **means** of those gradients over each class ($C$ of them) stand far above their spread within a class.
#
# Chapter 3 showed a bulk and outliers on a two-moons network with a dense eigendecomposition. Here the network is
# 64-16-10 (1,210 parameters) on 500 training digits, trained by 300 steps of full-batch gradient descent to a
# training loss near 0.02, and we touch its Hessian only through Hessian-vector products: the top 20 eigenvalues by
# Lanczos, the whole density by stochastic Lanczos quadrature (SLQ, 6 random starts of 40 steps).
#
# **Predict.** With $C = 10$ classes: after training, how many eigenvalues will stand clear of the rest — and how
# large will the ratio $\lambda_{10}/\lambda_{11}$ be if the tenth is the last outlier? And will the largest
# curvature grow or shrink during training?
#
# The cell also tests Papyan's explanation directly: the 10 class-mean gradients $g_c = \nabla_\theta L_c$ (the
# gradient of the loss over the images of class $c$) span a 10-dimensional subspace; what share of the top 10
# eigenvectors lies in it? A random 10-dimensional subspace would hold $10/P \approx 0.8\,\%$.

# %%
trained = hessian_outliers.digits_spectrum(steps=300)   # cached: the explorer offers steps = 0 and 300
at_init = hessian_outliers.digits_spectrum(steps=0)
s = trained.summary
print(f"after training: loss {trained.losses[-1]:.3f}, test accuracy {trained.test_accuracy:.1%}")
print("top 12 eigenvalues:", np.round(trained.top[:12], 3))
print(f"bulk: {s.bulk_fraction:.0%} of the {trained.dim} eigenvalues lie within 1 % of λ_max; the top 10 carry "
      f"{s.top_share:.0%} of the trace")
print(f"λ_10/λ_11 = {s.edge_ratio:.2f}; the largest ratio λ_i/λ_(i+1) among the top 20 is {s.ratios.max():.2f}, "
      f"at i = {s.largest_gap_at}")
print(f"λ_max: {at_init.top[0]:.2f} at initialisation → {trained.top[0]:.2f} after training")
print(f"the 10 class-mean gradients span {trained.class_overlap:.0%} of the top-10 eigenvectors' subspace "
      f"({at_init.class_overlap:.0%} at initialisation; a random 10-dimensional subspace: {10 / trained.dim:.1%})")
# measured over 19 draws (init seeds 0–13, COURSE_SEED 1–5):
assert s.bulk_fraction > 0.45             # a bulk near zero (measured 0.58–0.75)
assert s.top_share > 0.12                 # the top 10 of 1,210 carry a large share of the trace (0.18–0.22)
assert s.edge_ratio < 1.25                # … but no gap after the 10th: λ_10/λ_11 measured 1.02–1.12
assert trained.top[0] < 0.5 * at_init.top[0]  # training flattened the sharpest direction (ratio 0.14–0.30)
assert trained.class_overlap > 0.2        # class means point along the top eigenvectors (0.34–0.46; random 0.008)

# %%
fig, axes = plotting.new_figure(1, 2, figsize=(10, 4))
i = np.arange(1, trained.top.size + 1)
axes[0].semilogy(i, at_init.top, "s--", color=plotting.OKABE_ITO[0], label="at initialisation")
axes[0].semilogy(i, trained.top, "o-", color=plotting.OKABE_ITO[4], label="after training")
axes[0].axvline(10.5, color="k", linestyle=":", label="C = 10 classes")
plotting.label_axes(axes[0], "The 20 largest Hessian eigenvalues (Lanczos)", "index i", "eigenvalue λ_i (log scale)")
d = trained.density
axes[1].semilogy(d.grid, np.maximum(d.density, 1e-4), "-", color=plotting.OKABE_ITO[4], label="density (SLQ)")
axes[1].plot(trained.top, np.full(trained.top.size, 2e-4), "|", color="k", markersize=14,
             label="top 20 eigenvalues (Lanczos)")
axes[1].set_ylim(1e-4, None)
plotting.label_axes(axes[1], "After training: bulk at 0, a tail to λ_max", "eigenvalue λ", "density (log scale)")
for ax in axes:
    ax.legend(fontsize=8)
fig

# %% [markdown]
# **What we see, next to the papers.** The bulk is there: about two thirds of the 1,210 eigenvalues lie within 1 %
# of $\lambda_{\max}$ (the density's spike at zero), and a tail of large eigenvalues carries the curvature — the top
# 10 hold about a fifth of the trace. But **on these standardised inputs the top of the spectrum falls off
# smoothly**: $\lambda_{10}/\lambda_{11}$ is 1.02 to 1.12 over 19 draws, and the largest step among the top 20 is
# usually between $\lambda_1$ and $\lambda_2$, not after the tenth. The class means do point the right way: their
# span holds about 40 % of the top-10 eigenvectors' subspace (0.34–0.46), over forty times what a random subspace of
# the same size holds — the structure Papyan describes is there, without the gap. One more thing the cell checks:
# here training *flattened* the sharpest direction — $\lambda_{\max}$ ends at 14–30 % of its value at
# initialisation, as the softmax saturates and the Gauss–Newton weights $p(1-p)$ shrink (chapter 5 follows
# $\lambda_{\max}$ during training, and §3 asks when it grows instead).
#
# **Where the gap appears.** Every network above saw standardised pixels (each centred and scaled by the training
# set). Feed the same kind of network the pixels as they come — intensities in $[0, 1]$, all non-negative — and
# train it on the first $C$ digits only, for $C = 3, 5, 10$. Sagun et al. changed the data to move the outliers;
# here the number of classes is the knob. **Predict:** if the outliers are one per class, after how many eigenvalues
# should the largest gap fall — $C$, or $C - 1$? (Hint: the softmax's Hessian with respect to the logits,
# $\operatorname{diag}(p) - pp^\top$, has rows that sum to zero.)

# %%
by_classes = hessian_outliers.outliers_by_classes((3, 5, 10))                   # raw intensities in [0, 1]
standardised = hessian_outliers.outliers_by_classes((10,), standardize=True)    # the inputs of the cells above
for c, at, ratio, below, acc in zip(by_classes.classes, by_classes.gap_at, by_classes.gap_ratio,
                                    by_classes.ratio_below_c, by_classes.test_accuracy):
    print(f"C = {c:2d} classes (raw pixels): widest gap after {at} eigenvalues (λ_i/λ_(i+1) = {ratio:.2f}); "
          f"λ_(C-1)/λ_C = {below:.2f}; test accuracy {acc:.1%}")
print(f"C = 10 classes, standardised pixels: widest gap after {standardised.gap_at[0]} eigenvalues "
      f"(ratio {standardised.gap_ratio[0]:.2f}); λ_9/λ_10 = {standardised.ratio_below_c[0]:.2f}")
# measured over COURSE_SEED 0–12 and the perturbed run (14 draws):
assert list(by_classes.gap_at[1:]) == [4, 9]       # C = 5 and 10: the widest gap after C − 1, in all 14
assert np.all(by_classes.ratio_below_c > 1.5)      # and a wide one: C = 3, 5, 10 measured ≥ 2.83, 2.55, 1.70
assert standardised.ratio_below_c[0] < 1.3         # standardised: no gap after 9 (1.01–1.11)

# %%
fig, ax = plotting.new_figure(figsize=(7.5, 3.8))
styles = plotting.series_styles(len(by_classes.classes) + 1)
for (c, top), style in zip(zip(by_classes.classes, by_classes.tops), styles):
    ratios = top[:-2] / top[1:-1]
    ax.plot(np.arange(1, ratios.size + 1), ratios, label=f"C = {c}, raw pixels", **style)
    ax.axvline(c - 1, color=style["color"], linestyle=style["linestyle"], linewidth=0.8)
top = standardised.tops[0]
ax.plot(np.arange(1, top.size - 1), top[:-2] / top[1:-1], label="C = 10, standardised pixels", **styles[-1])
plotting.label_axes(ax, "Gaps in the top of the spectrum (thin lines: i = C − 1)", "i",
                    "λ_i / λ_(i+1)")
ax.legend(fontsize=8)
fig

# %% [markdown]
# **Check.** $C - 1$: for $C = 5$ and $C = 10$ the widest gap falls after exactly $C - 1$ eigenvalues in every draw
# (a ratio of 2.6–3.3 and 1.7–2.4), and for $C = 3$ after 2 in 12 of 14 draws (after 1 in the others). The count is
# $C - 1$, not $C$, as a rank count predicts: each example's softmax Hessian $\operatorname{diag}(p) - pp^\top$ has
# rank $C - 1$ — the direction that raises every logit at once changes no probability. Papyan's figures of large networks show about
# $C$; at this scale we can count, and it is $C - 1$. On standardised pixels the gap is gone
# ($\lambda_9/\lambda_{10}$ = 1.01–1.11): how the inputs are prepared changes which structure the Hessian shows, one
# more reason to read a spectrum together with the setup that produced it.

# %% [markdown]
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
# ## 4. Mode connectivity on real data
#
# Chapter 6 showed it on two moons: two networks trained from different initialisations are separated by a
# barrier on the straight line between them, yet joined by a simple curve along which the loss stays low, and
# much of the line's barrier is the relabelling of hidden units. Do the same three facts hold on real images?
#
# **The papers.** Garipov et al. (2018), "Loss Surfaces, Mode Connectivity, and Fast Ensembling of DNNs", trained
# a quadratic Bézier curve $\theta(t) = (1-t)^2\theta_1 + 2t(1-t)\,\theta_b + t^2\theta_2$ between two
# independently trained networks (VGG-16, ResNets and wide ResNets on CIFAR-10 and CIFAR-100) and found the training
# loss and the test error nearly constant along it, while the straight line's test error climbs far above the
# ends; Draxler et al. (2018), "Essentially No Barriers in Neural Network Energy Landscape", found such paths at the
# same time with another method. **Their claim in one sentence:** the minima found by independent trainings are not
# isolated — a curve of low loss joins them. We measure barriers as in chapter 6,
# $B = \max_t v(t) - \tfrac12\,(v(0) + v(1))$, for the training loss and for the test error (21 points per path;
# Garipov et al. used 61).
#
# Here: two 64-32-10 tanh networks (2,410 parameters), trained on 500 digits with 300 steps of full-batch Adam from
# two different initialisations; the bend $\theta_b$ trained with 300 Adam steps on minibatches of 64, one random $t$
# per step (`connectivity.train_curve`, the same method as chapter 6). Everything comes from one cached call,
# `mode_connectivity.digits_mode_connectivity()`.
#
# **Predict.** The two networks misclassify about 5 % of the 454 test images each. Halfway along the straight line,
# will the averaged network be as good? And along the trained curve?

# %%
pair = digits_mode_connectivity(hidden=32)
paths = {"straight line": (pair.line_losses, pair.line_errors), "trained Bézier curve": (pair.curve_losses,
         pair.curve_errors), "straight line after weight matching": (pair.aligned_losses, pair.aligned_errors)}
print(f"test error of the two networks: {pair.line_errors[0]:.3f} and {pair.line_errors[-1]:.3f}")
for name, (losses, errors) in paths.items():
    print(f"{name:36s} training-loss barrier {barrier_height(losses):.4f}   test-error barrier "
          f"{barrier_height(errors):.3f}   (worst point: {errors.max():.3f} wrong)")
line_b, curve_b, aligned_b = (barrier_height(losses) for losses, _ in paths.values())
line_e, curve_e = barrier_height(pair.line_errors), barrier_height(pair.curve_errors)
assert line_e > 0.015  # the line costs test accuracy (measured 0.029–0.091 over 14 draws)
assert curve_b < 0.02 * line_b  # the curve removes the loss barrier (measured at most 0.0035 × the line's)
assert curve_e < line_e - 0.01  # and most of the error barrier (line − curve measured 0.018–0.086)
assert aligned_b < 0.25 * line_b  # relabelling alone removes most of it (aligned / line measured 0.018–0.11)

# %% [markdown]
# The straight line loses a few per cent of the test images on the way (2.9 to 9.1 % over fourteen draws of the whole
# experiment), and its training loss climbs far above the ends' (a barrier of 0.13–0.32); along the trained curve the
# training loss stays at the ends' level and the test error rises by at most 1.5 % of the images — Garipov et al.'s
# picture, in miniature. The third path is chapter 6's: the straight line to the second network after **weight
# matching** (Ainsworth et al. 2023, `connectivity.aligned_line`), the same function with its hidden units relabelled to
# be closest to the first. It too removes most of the barrier, without bending.
#
# The figure draws Garipov et al.'s plane: the training loss on the plane through $\theta_1$, $\theta_2$ and the
# bend $\theta_b$. The Bézier curve lies in this plane exactly (each of its points is a combination of the three);
# the bend, a control point, lies off the curve.

# %%
fig, (ax_plane, ax_err) = plotting.new_figure(1, 2, figsize=(9.2, 4.8), gridspec_kw={"width_ratios": [1.15, 1]})
levels = np.quantile(np.log10(pair.plane_losses), np.linspace(0, 1, 13))
cs = ax_plane.contourf(pair.plane_x, pair.plane_y, np.log10(pair.plane_losses).T, levels=levels, cmap=plotting.CMAP)
cbar = fig.colorbar(cs, ax=ax_plane, shrink=0.9)
cbar.ax.set_title("loss", fontsize=8)
cbar.set_ticks(levels[::3], labels=[plotting.fmt(10**v, ".2g") for v in levels[::3]])
outlined = [patheffects.withStroke(linewidth=4, foreground="black")]
ax_plane.plot(*pair.line_xy.T, "--", color="white", linewidth=2, path_effects=outlined, label="straight line")
ax_plane.plot(*pair.curve_xy.T, "-", color="white", linewidth=2, path_effects=outlined, label="Bézier curve")
ax_plane.plot(*pair.anchors[:2].T, "o", color="white", markeredgecolor="black", markersize=9, label="θ₁, θ₂")
ax_plane.plot(*pair.anchors[2], "s", color=plotting.OKABE_ITO[0], markeredgecolor="black", markersize=9,
              label="bend θ_b")
ax_plane.set_aspect("equal")
ax_plane.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
plotting.label_axes(ax_plane, "training loss (log colours) on the plane θ₁, θ_b, θ₂",
                    "along θ₂ − θ₁ (parameter distance)", "orthogonal (parameter distance)")
for (name, (_, errors)), style in zip(paths.items(), plotting.series_styles(3)):
    ax_err.plot(pair.alphas, 100 * errors, label=name, **style)
ax_err.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
plotting.label_axes(ax_err, "test error along each path", "t (0: θ₁, 1: θ₂)", "test images misclassified (%)")
fig

# %% [markdown]
# ### Weight matching and width
#
# Ainsworth et al. (2023), "Git Re-Basin: Merging Models modulo Permutation Symmetries", matched the hidden units of
# independently trained networks (MLPs on MNIST, VGG-16 and ResNet-20 on CIFAR-10) and found the straight line
# after matching nearly free of a barrier — for wide enough networks: when they made the layers wider the barrier
# after matching shrank, and narrow networks kept one. Entezari et al. (2022), "The Role of Permutation Invariance in
# Linear Mode Connectivity of Neural Networks", had conjectured that once permutations are accounted for, SGD
# solutions typically have no barrier between them. Both are empirical findings; the conjecture is not proven in
# general. Zhan, Li & Wu (2025), "Analyzing the Role of Permutation Invariance in Linear Mode Connectivity", prove
# for two-layer ReLU networks in a teacher–student setting that the barrier after the best permutation falls to zero
# as the width $m$ grows (at a rate $m^{-1/2}$, after a non-monotone stretch at small widths). Chapter 6 saw the
# same trend on two moons with 4, 8 and 16 hidden units.
#
# **Predict.** We train three networks of each width 8, 16, 32 and 64 (200 Adam steps each) and align every pair.
# Which falls faster with width: the barrier of the raw straight line, or the barrier left after weight matching?

# %%
sweep = aligned_barriers_by_width((8, 16, 32, 64), n_nets=3, steps=200)
raw_median, aligned_median = np.median(sweep.raw_barriers, axis=1), np.median(sweep.aligned_barriers, axis=1)
for width, raw, aligned, err in zip(sweep.widths, raw_median, aligned_median,
                                    np.median(sweep.aligned_error_barriers, axis=1)):
    print(f"width {width:2d}: median loss barrier {raw:.3f} as trained, {aligned:.4f} after weight matching "
          f"({aligned / raw:.2f} of it); aligned test-error barrier {err:.3f}")
assert np.all(aligned_median[:-1] > 1.1 * aligned_median[1:])  # shrinks with width (ratios measured ≥ 1.66, 14 draws)
assert np.all(aligned_median < 0.5 * raw_median)  # matching removes most of it at every width (measured ≤ 0.28)
assert np.all(raw_median[:-1] > raw_median[1:])  # the raw line's barrier falls too (ratios measured ≥ 1.10)

# %%
fig, ax = plotting.new_figure(figsize=(8.4, 3.8))
n_pairs = sweep.raw_barriers.shape[1]
for k, (values, name, marker, colour) in enumerate([(sweep.raw_barriers, "straight line as trained", "o", 0),
                                                    (sweep.aligned_barriers, "after weight matching", "s", 4)]):
    jitter = 1 + 0.06 * np.linspace(-1, 1, n_pairs)
    ax.plot(np.outer(sweep.widths, jitter).ravel(), values.ravel(), marker, color=plotting.OKABE_ITO[colour],
            markeredgecolor="black", linestyle="none", alpha=0.8, label=f"{name}: each pair")
    ax.plot(sweep.widths, np.median(values, axis=1), color=plotting.OKABE_ITO[colour], linestyle="-" if k else "--",
            linewidth=2, label=f"{name}: median")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xticks(sweep.widths, [str(w) for w in sweep.widths])
ax.minorticks_off()
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
plotting.label_axes(ax, "barrier between independently trained networks", "hidden units",
                    "training-loss barrier (log scale)")
fig

# %% [markdown]
# Both fall with width, and the barrier left after matching falls faster: from one or two tenths at 8 hidden units
# (under a third of the raw barrier) to a few thousandths at 64, while the raw barrier falls by about half per doubling
# of the width. In test error, the matched line at 16 units and more costs at most about 1.5 % of the test images. So on
# real images too, most of what separates two trainings is the labelling of their units, and the wider the network, the
# more completely — Ainsworth et al.'s trend, in a network with 64 inputs. What our miniature does not show is their
# headline result at scale (zero barrier for ResNets on CIFAR-10); and a straight line with a small barrier after
# matching is evidence for, not proof of, a single basin.

# %% [markdown]
# ## 5. When does training become stable? The spawn step
#
# Section 4 compared networks trained from *different* initialisations. Frankle, Dziugaite, Roy & Carbin (2020),
# "Linear Mode Connectivity and the Lottery Ticket Hypothesis", asked a finer question: from the *same* start, does
# the noise of SGD alone — the order in which the minibatches come — send training to different valleys? Their
# **instability analysis**: train one network for $k$ steps, then **spawn** two copies of it that finish training
# with different data orders (same schedule, same total number of steps), and measure the **error barrier** of the
# straight line between the two final networks $\theta_1, \theta_2$:
#
# $$B(k) = \max_{\alpha \in [0, 1]} \mathcal E\big((1-\alpha)\,\theta_1 + \alpha\,\theta_2\big)
#   - \tfrac12\big(\mathcal E(\theta_1) + \mathcal E(\theta_2)\big),$$
#
# with $\mathcal E$ the test error — the height above the *mean* of the two ends, of networks on the line between
# the *parameters* (not an average of the two networks' outputs). They call a network **stable** when
# $B < 2\,\%$. **Their claim in one sentence:** standard vision networks are unstable at initialisation but become
# stable early in training, after which SGD noise only decides where in one linearly connected valley a run ends.
# What they measured: LeNet (a fully connected 300-100-10 network) on MNIST was stable already at $k = 0$, while
# ResNet-20 and VGG-16 on CIFAR-10, and ResNet-50 and Inception-v3 on ImageNet, became stable only after a small
# fraction of training. Chapter 6 made the point with Gaussian noise standing in for minibatches; here the noise is
# the real thing.
#
# Our network: 64-16-16-16-10 (tanh, three hidden layers), 500 training digits, 300 steps of minibatch SGD with a
# cosine-decaying learning rate; copies spawned at $k \in \{0, 5, 20, 100\}$ continue the schedule
# (`stability.spawn_stability`, cached). Two settings of the same network: a **gentle** one (batches of 32,
# peak learning rate 0.1; spawned at $k = 0$ and $100$ only, to save time) and a **noisy** one (batches of 8, peak
# learning rate 1.0).
#
# **Predict.** Our network is a small fully connected one on small images, like Frankle et al.'s LeNet. Will the
# copies spawned at $k = 0$ end in one valley? Does the answer depend on the learning rate and batch size?

# %%
gentle = spawn_stability(hidden=(16, 16, 16), batch_size=32, lr=0.1, spawn_steps=(0, 100))
noisy = spawn_stability(hidden=(16, 16, 16), batch_size=8, lr=1.0)
for name, res in (("gentle (batch 32, η 0.1)", gentle), ("noisy (batch 8, η 1.0)", noisy)):
    ends = res.errors[:, [0, -1]].mean(axis=1)
    print(f"{name}: error barrier at k = {res.spawn_steps}: {np.round(100 * res.barriers, 1)} %; "
          f"copies' test error {100 * ends.min():.1f}–{100 * ends.max():.1f} %")
assert gentle.barriers.max() < 0.02  # gentle: stable from k = 0 (measured at most 0.0055 over 14 draws)
assert noisy.barriers[0] > 0.03  # noisy: unstable at k = 0 (measured 0.060–0.265)
assert noisy.barriers[-1] < 0.4 * noisy.barriers[0]  # and far more stable at k = 100 (ratio measured ≥ 4.5)

# %%
fig, (ax_k, ax_line) = plotting.new_figure(1, 2, figsize=(9.2, 4.6))
for res, name, colour, marker, style in ((gentle, "gentle: batch 32, η 0.1", 2, "o", "-"),
                                         (noisy, "noisy: batch 8, η 1.0", 3, "s", "--")):
    ax_k.plot(res.spawn_steps, 100 * res.barriers, marker=marker, linestyle=style, color=plotting.OKABE_ITO[colour],
              markeredgecolor="black", label=name)
ax_k.axhline(2, color="black", linestyle=":", linewidth=1, label="2 % (Frankle et al.'s threshold)")
ax_k.set_xscale("symlog", linthresh=5)
ax_k.set_xticks(noisy.spawn_steps, [str(k) for k in noisy.spawn_steps])
ax_k.minorticks_off()
ax_k.set_xlim(-0.8, 130)
ax_k.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22))
plotting.label_axes(ax_k, "instability of copies spawned at step k", "spawn step k (of 300; symmetric log scale)",
                    "error barrier (% of test images)")
for res, i, name, colour, marker, style in ((noisy, 0, "noisy, k = 0", 3, "s", "--"),
                                            (noisy, -1, f"noisy, k = {noisy.spawn_steps[-1]}", 4, "^", "-."),
                                            (gentle, 0, "gentle, k = 0", 2, "o", "-")):
    ax_line.plot(res.alphas, 100 * res.errors[i], marker=marker, linestyle=style, color=plotting.OKABE_ITO[colour],
                 markersize=4, label=name)
ax_line.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22))
plotting.label_axes(ax_line, "test error between the two copies", "α (0: copy 1, 1: copy 2)",
                    "test images misclassified (%)")
fig

# %% [markdown]
# With the gentle setting our network behaves like Frankle et al.'s LeNet on MNIST: copies spawned at initialisation
# already end in one linearly connected valley (barriers of at most a few test images, 0.55 % over fourteen draws, far
# below 2 %). Raise the learning rate and shrink the batch, and the same network at the same initialisation becomes
# **unstable** at $k = 0$ — on the line between the two copies the network misclassifies several per cent more test
# images than the copies do, and the copies themselves are about as accurate as the gentle ones — and it is stable by
# a third of training ($k = 100$ of 300; below 2 % in 12 of 14 draws): the barrier falls as the spawn step grows, the
# pattern Frankle et al. found for ResNet-20 and VGG-16. So in our miniature stability is not a property of the
# architecture alone: the amount of SGD noise early in training decides whether its randomness still matters. One pair
# of copies per $k$ is one draw, and the barriers fluctuate: over fourteen draws the noisy barrier was 6.0–26.5 % at
# $k = 0$, 3.4–15.9 % at $k = 5$, 1.5–7.1 % at $k = 20$ and 0–2.3 % at $k = 100$.

# %% [markdown]
# ## 6. The path of training, seen in its own plane
#
# **The paper.** Li et al. (2018, "Visualizing the loss landscape of neural nets", §7) explain why random planes
# show nothing of an optimizer's path (chapter 2, §5: a random plane keeps about $2/P$ of it) and plot the path in
# the plane of the first two principal directions of $M = [\theta_0 - \theta_T; \dots; \theta_{T-1} - \theta_T]$
# instead, with the loss contours of that plane behind it. For CIFAR-10 networks trained by SGD and Adam with
# several batch sizes and weight decays they report that 40 % to 90 % of the variation of the descent path lies in
# those two directions: the path is very low-dimensional.
#
# Here: the 64-16-10 network of §1 (500 digits), 300 steps of full-batch gradient descent and, for contrast, of
# Adam, every fifth iterate recorded; `surfaces.trajectory_pca` (chapter 2) finds the plane, `surfaces.slice_2d`
# evaluates the loss on a 41 × 41 grid over it.
#
# **Predict.** What share of the path will two directions explain — less than Li et al.'s, or more? And is the end
# point the lowest point of the plane?

# %%
paths = {name: path_plane.digits_path_plane(name, lr) for name, lr in [("gd", 0.5), ("adam", 0.005)]}
for name, p in paths.items():
    i, j = np.unravel_index(np.argmin(p.losses), p.losses.shape)
    lowest = np.array([p.alphas[i], p.betas[j]])
    print(f"{name:4s}: first two directions explain {p.explained[0]:.1%} + {p.explained[1]:.1%}; loss "
          f"{p.path_losses[0]:.2f} → {p.path_losses[-1]:.3f}; lowest loss on the grid {p.losses.min():.4f}, at "
          f"({lowest[0]:+.1f}, {lowest[1]:+.1f}) — the start is at ({p.coords[0, 0]:+.1f}, {p.coords[0, 1]:+.1f})")
    # measured over 19 draws each for GD and Adam (init seeds 0–13, COURSE_SEED 1–5):
    assert p.explained.sum() > 0.95                  # 0.984–0.995
    assert np.mean(np.diff(p.path_losses) < 0) > 0.9  # the loss fell at every recorded step (1.00 in all 38 runs)
    assert p.losses.min() < 0.7 * p.path_losses[-1]  # the plane goes lower than the end point (ratio 0.30–0.38) …
    assert lowest @ p.coords[0] < 0                  # … ahead of it, on the far side from the start

# %%
fig, axes = plotting.new_figure(1, 2, figsize=(10, 4.4))
levels = np.geomspace(min(p.losses.min() for p in paths.values()), max(p.losses.max() for p in paths.values()), 20)
norm = LogNorm(levels[0], levels[-1])
for ax, (name, p) in zip(axes, paths.items()):
    cs = ax.contourf(p.alphas, p.betas, p.losses.T, levels=levels, norm=norm, cmap=plotting.CMAP)
    ax.plot(*p.coords.T, "w-o", markersize=3, markevery=6, markeredgecolor="k", markeredgewidth=0.5,
            label="path (a marker every 30 steps)")
    ax.plot(*p.coords[0], "ks", markerfacecolor="white", markersize=8, label="start θ_0")
    ax.plot(0, 0, "k*", markerfacecolor="white", markersize=13, label="end θ_T")
    plotting.label_axes(ax, f"{'gradient descent' if name == 'gd' else 'Adam'}: "
                        f"{p.explained[0]:.0%} + {p.explained[1]:.0%} explained", "PC 1", "PC 2")
    ax.legend(loc="lower right", fontsize=8)
cbar = fig.colorbar(cs, ax=axes, label="training loss (log scale)", shrink=0.9)
ticks = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5])
cbar.set_ticks(ticks[(ticks >= levels[0]) & (ticks <= levels[-1])], labels=None)
cbar.ax.yaxis.set_major_formatter("{x:g}")
cbar.ax.minorticks_off()
fig

# %% [markdown]
# **What we see, next to the paper.** Two directions hold 98 % to 99.5 % of our paths (19 draws each, GD and Adam)
# — *more* than Li et al.'s 40–90 %. Full-batch gradient descent on a small network moves almost straight from its
# start; Li et al.'s paths had minibatch noise, many epochs and, with weight decay and small batches, orbited the
# solution — each a plausible reason for a path to spread over more directions.
# The loss fell at every recorded step. But the end point is **not** the bottom of the plane: the contours keep
# falling past it, in the direction the path was travelling, to about a third of the final loss within a quarter
# of the path's length. That is not a failure of training but a property of cross-entropy on data the network
# classifies perfectly (training accuracy 100 % here; chapter 2): there is no finite minimum, and gradient descent keeps moving outwards ever more slowly. So read
# "the path ends in the minimum of the plane" in any such picture as "where training stopped", unless the loss
# has a finite minimum (weight decay gives it one, chapter 2).

# %% [markdown]
# ## 7. The lottery ticket: a sparse network that trains — from its own initialisation
#
# **The papers.** Pruning removes most of a trained network's weights at little cost in accuracy; the received wisdom
# was that the sparse network left over could not be *trained* from scratch to the same accuracy. Frankle & Carbin
# (2019), "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks", found that it can — if it starts
# from the *same* initial weights. Their procedure, **iterative magnitude pruning (IMP) with rewinding**: start from
# $\theta_0$ and a mask $m = \mathbf 1$ on the weights (biases are never pruned), and repeat
#
# 1. train $m \odot \theta$ from $m \odot \theta_0$ for $T$ steps, holding the pruned weights at exactly 0;
# 2. in each layer, drop from $m$ the fraction $p$ of its *remaining* weights with the smallest trained magnitude
#    $|\theta_T|$ — $p = 20\,\%$ for the fully connected layers, half that for the output layer;
# 3. **rewind** the kept weights to their initial values $\theta_0$,
#
# so that after $r$ rounds a hidden layer keeps $(1-p)^r$ of its weights. The subnetwork $(m, m \odot \theta_0)$ is a
# **ticket**. What they showed: on LeNet-300-100 (fully connected) on MNIST, and on small convolutional networks on
# CIFAR-10, tickets with 10–20 % of the weights or fewer reached the dense network's test accuracy in as many steps;
# the *same mask* trained from a fresh random initialisation learned more slowly and ended less accurate, and so did
# randomly pruned networks. The **hypothesis** — that a dense, randomly initialised network *contains* such a
# subnetwork, and that this is why large networks train well — is a conjecture: IMP finds its tickets only after
# training the dense network, so the experiments show that such subnetworks exist in these settings, not that
# training works by finding them.
#
# Qualifications, all published: Frankle, Dziugaite, Roy & Carbin (2020), "Linear Mode Connectivity and the Lottery
# Ticket Hypothesis", found that on larger problems (ResNet-50 and Inception-v3 on ImageNet) rewinding to $\theta_0$
# fails and one must rewind to $\theta_k$, early in training — and that IMP subnetworks matched the dense
# accuracy only when they were **stable to SGD noise** in the sense of §5 (at $k = 0$ on MNIST, early in training on the
# larger problems). Liu, Sun, Zhou, Huang & Darrell (2019), "Rethinking the Value of Network Pruning", found that with
# the larger, tuned learning rates of standard training the ticket's initialisation brought no gain over a fresh one on
# CIFAR-10, and that for *structured* pruning (whole channels) training the pruned architecture from scratch does as
# well. Gale, Elsen & Hooker (2019), "The State of Sparsity in Deep Neural Networks", repeated both experiments at scale
# (a Transformer on WMT English–German, ResNet-50 on ImageNet): the sparse architectures found by pruning, trained from
# scratch, did not reach the accuracy of networks sparsified *during* training. Zhou, Lan, Liu & Yosinski (2019),
# "Deconstructing Lottery Tickets: Zeros, Signs, and the Supermask", found that what the ticket needs from $\theta_0$ is
# mostly the *signs* of the kept weights, and that the mask alone, on the untrained initial weights, already classifies
# far above chance.
#
# **Our miniature** (`lottery_ticket.lottery_ticket`, cached): a 64-100-10 ReLU network (7,510 parameters), 500
# training digits, $T = 300$ steps of minibatch SGD (batches of 32, cosine-decaying learning rate from 0.1),
# ten rounds of IMP at $p = 20\,\%$ (output layer 10 %) down to 14 % of the weights, rewinding to $\theta_0$, from
# three initialisations. At every round two controls train as long, on the same minibatches: the **same mask from a
# fresh initialisation** (same scheme, another seed: does the ticket's initialisation matter, or only its wiring?)
# and a **random mask** with the same number of weights in each layer, from $\theta_0$ (does the mask matter?).
# The mask is applied to the optimizer's steps (`masked_sgd`: SGD whose update is multiplied by $m$), so a pruned
# weight stays exactly 0.
#
# **Predict.** With 14 % of its weights left (about 1,040 of 7,400), will the ticket still be as accurate as the dense
# network? Will the same wiring from a fresh initialisation? A random wiring of the same size?

# %%
tickets = lottery_ticket(hidden=(100,), rounds=10, fraction=0.2, starts=3)
dense = tickets.ticket[:, 0]
print(f"dense network: test accuracy {100 * dense.mean():.1f} % "
      f"(3 starts, {100 * dense.min():.1f}–{100 * dense.max():.1f})")
print("weights kept   ticket   same mask, fresh init   random mask   (test accuracy, %, mean of 3 starts)")
for r in (1, 3, 5, 7, 9, 10):
    print(f"   {100 * tickets.remaining[r]:5.1f} %    {100 * tickets.ticket[:, r].mean():5.1f}     "
          f"{100 * tickets.reinit[:, r].mean():5.1f}                  {100 * tickets.random[:, r].mean():5.1f}")
gap_reinit = tickets.ticket.mean(axis=0) - tickets.reinit.mean(axis=0)
gap_random = tickets.ticket.mean(axis=0) - tickets.random.mean(axis=0)
shortfall = dense.mean() - tickets.ticket.mean(axis=0)
print(f"at {100 * tickets.remaining[-1]:.0f} % of the weights the ticket beats the fresh initialisation by "
      f"{100 * gap_reinit[-1]:.1f} points and the random mask by {100 * gap_random[-1]:.1f}; it is "
      f"{100 * shortfall[-1]:.1f} points below the dense network")
# measured over 14 draws (default, COURSE_SEED 1–12, perturbed), each the mean of 3 starts:
assert gap_reinit[-1] > 0.02  # the same mask from a fresh init ends lower at 14 % (0.034–0.082)
assert gap_random[-1] > 0.06  # a random mask of the same size, lower still (0.098–0.144)
assert shortfall.max() < 0.04  # the ticket stays near the dense net at every round (shortfall at most 0.025)
assert tickets.ticket_barrier.max() < 0.02  # the sparsest ticket is stable to SGD noise (per start ≤ 0.0022) …
assert tickets.reinit_barrier.max() < 0.02  # … and so is the fresh-init control (≤ 0.0055)

# %%
fig, (ax_acc, ax_bar) = plotting.new_figure(1, 2, figsize=(9.2, 4.6), width_ratios=(2.3, 1))
kept = 100 * tickets.remaining
ax_acc.axhspan(100 * dense.min(), 100 * dense.max(), color="0.85", zorder=0)
ax_acc.axhline(100 * dense.mean(), color="black", linewidth=1.2, label="dense network (band: 3 starts)")
for acc, name, colour, marker, style in ((tickets.ticket, "ticket: rewound to θ₀", 4, "o", "-"),
                                         (tickets.reinit, "same mask, fresh initialisation", 0, "s", "--"),
                                         (tickets.random, "random mask, θ₀", 3, "^", ":")):
    ax_acc.plot(kept[1:], 100 * acc[:, 1:].mean(axis=0), marker=marker, linestyle=style,
                color=plotting.OKABE_ITO[colour], markeredgecolor="black", label=name + " (mean)")
    for row in acc:  # each start, small and hollow
        ax_acc.plot(kept[1:], 100 * row[1:], marker=marker, linestyle="none", markersize=3.5,
                    markerfacecolor="none", color=plotting.OKABE_ITO[colour], alpha=0.8)
ax_acc.set_xscale("log")
ax_acc.set_xticks([100, 50, 30, 20, 14], ["100", "50", "30", "20", "14"])
ax_acc.minorticks_off()
ax_acc.set_xlim(105, 12.5)  # fewer weights to the right
ax_acc.legend(fontsize=8, loc="lower left")
plotting.label_axes(ax_acc, "iterative magnitude pruning, 64-100-10 on the digits",
                    "weights kept (%, log scale; pruned 20 % per round)", "test accuracy (%)")
for j, (bar, name, colour, marker) in enumerate(((tickets.ticket_barrier, "ticket", 4, "o"),
                                                 (tickets.reinit_barrier, "fresh init", 0, "s"))):
    ax_bar.plot(np.full(bar.size, j) + np.linspace(-0.08, 0.08, bar.size), 100 * bar, marker=marker,
                linestyle="none", color=plotting.OKABE_ITO[colour], markeredgecolor="black", markersize=7)
ax_bar.axhline(2, color="black", linestyle=":", linewidth=1, label="2 % (Frankle et al.'s threshold)")
ax_bar.set_xticks([0, 1], ["ticket", "same mask,\nfresh init"])
ax_bar.set_xlim(-0.6, 1.6)
ax_bar.set_ylim(-0.2, 3)
ax_bar.legend(fontsize=8, loc="upper center")
plotting.label_axes(ax_bar, f"instability at {kept[-1]:.0f} % of the weights", None,
                    "error barrier between two copies (%)")
fig

# %% [markdown]
# **What we see, next to the papers.** Frankle & Carbin's pattern, on digits. Down to 14 % of its weights the ticket
# stays within a couple of points of the dense network (at most 2.5 points below it, in the mean of three starts, over
# fourteen draws), while the same mask trained from a fresh initialisation falls behind steadily as the pruning goes on
# — 3.4 to 8.2 points below the ticket at 14 % over the fourteen draws — and a random mask of the same size falls
# further still (9.8 to 14.4 points). So at this sparsity the wiring IMP found is worth more than a random one, and that
# wiring *together with its own initial weights* is worth more than the wiring alone. Unlike LeNet-300-100 on MNIST, our
# tickets do not *beat* the dense network: they match it to within the spread between starts at moderate sparsity and
# slip a little below it at the sparsest.
#
# The right panel ties this to §5. Two copies of the sparsest ticket, trained from $\theta_0$ with different minibatch
# orders, end on one linearly connected stretch of low error: the barrier between them is at most one test image of 454,
# far below Frankle et al.'s 2 % — the ticket is **stable to SGD noise at $k = 0$**, as their IMP subnetworks of
# LeNet on MNIST were; that fits rewinding to $\theta_0$ being enough here, with no need to rewind later. But the
# same mask from a fresh initialisation is about as stable (at most three test images), and it is *not* matching.
# Frankle et al.'s finding runs one way — the IMP subnetworks they found matching were stable — and our control
# shows that the converse need not hold: a subnetwork can be stable to SGD noise and still fall short.
#
# What this does not show. It is one small network on one small data set, trained briefly with a small learning
# rate — the regime in which Liu et al. (2019) say tickets look best; with larger, tuned learning rates they found
# the advantage gone, and at ImageNet scale Frankle et al. (2020) needed late rewinding. It does not say *why* the
# initial values matter (Zhou et al. point to their signs), nor that large networks train well *because* they
# contain tickets — the hypothesis itself. And IMP is expensive: eleven full trainings to find one ticket, so it
# explains sparse trainability rather than offering a cheaper way to train.

# %% [markdown]
# ## 8. Explore
#
# The Landmark Explorer puts four of these experiments side by side, each with the knob its paper turned: the step
# size $\eta$ of §3, the spawn step $k$ of §5, the width of §4 and the weights kept of §7. It redraws from the runs this chapter has just
# made (they are cached for the life of the kernel), so every click is instant. **Goals:**
#
# 1. *Edge of stability:* for each $\eta$, read where $\lambda_{\max}$ first crosses its dotted line $2/\eta$ and
#    where it settles. Which $\eta$ starts its oscillations first, and why does the loss spike at about that step?
# 2. *Spawn step:* from which $k$ do the two copies end in the same basin (a barrier below 2 points, Frankle et
#    al.'s threshold)? Compare the two ends' test errors at $k = 0$ with the worst point between them.
# 3. *Width:* how much of the straight line's barrier does weight matching remove at 8 units, and how much at 64?
# 4. *Lottery ticket:* down to which fraction of the weights kept do all three subnetworks stay within a point of the
#    dense network? From which round on does every start's ticket beat every start's fresh-init control?

# %%
LandmarkExplorer(eos=eos8, spawn=noisy, widths=sweep, tickets=tickets)

# %% [markdown]
# ## 9. Summary
#
# - **The data (§0).** A network of 2,410 parameters reads handwritten digits at over 93 % test accuracy after a
#   fraction of a second of training on a laptop CPU: real data, at a scale where every figure below is live.
# - **Bulk and outliers (§1).** The trained network's Hessian has a bulk: most eigenvalues lie within 1 % of
#   $\lambda_{\max}$ of zero, and the top eigenvectors lean towards the class-mean gradients, as Papyan explains. On
#   raw pixels the outliers separate — after exactly $C - 1$ eigenvalues for $C = 5$ and $10$ classes, the rank of
#   the softmax's curvature — while on standardised pixels the top of the spectrum tails off without a gap.
# - **Small and large batches (§2).** At matched training loss, the full-batch minimum has the larger
#   $\lambda_{\max}$ and the steeper raw line, as Keskar et al. found; it does not generalise worse here, and
#   filter-normalised views do not call it sharper — the two measures disagree because the small-batch weights are
#   larger.
# - **The edge of stability (§3).** Under full-batch gradient descent $\lambda_{\max}$ rises to $2/\eta$ and hovers
#   just above it for every $\eta$, while the loss keeps falling with spikes — Cohen et al.'s picture, on digits.
# - **Mode connectivity (§4).** Two digits networks trained from different initialisations: a barrier on the straight
#   line, none on a trained Bézier curve; weight matching removes most of the line's barrier, more completely the
#   wider the network.
# - **The spawn step (§5).** Gently trained, our network is stable to SGD noise from initialisation (like LeNet on
#   MNIST); with a large learning rate and small batches it is unstable at $k = 0$ and stable after an early part
#   of training (like ResNet-20 on CIFAR-10).
# - **The path of training (§6).** Two principal directions hold about 99 % of a full-batch path; the loss on
#   their plane keeps falling past the path's end, because cross-entropy on separable data has no finite minimum.
# - **The lottery ticket (§7).** Iterative magnitude pruning with rewinding to $\theta_0$ finds a subnetwork with
#   14 % of the weights that trains to within a couple of points of the dense network; the same mask from a fresh
#   initialisation, and a random mask, end clearly lower (Frankle & Carbin). The ticket is stable to SGD noise from
#   $\theta_0$ — but so is the fresh-init control, so stability goes with matching without causing it.
#
# **Exercises:** [08_real_data_exercises.ipynb](../exercises/08_real_data_exercises.ipynb).
