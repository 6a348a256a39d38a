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
#
# * measure the Hessian spectrum of a trained digits network with Hessian-vector products only (Lanczos for the top,
#   SLQ for the density), tell its bulk from its outliers, and say where the miniature differs from the papers;
# * plot a training path in the plane of its own principal directions, read off how much of the path that plane
#   holds, and say what the contours behind the path do and do not show.

# %%
# %matplotlib widget
import numpy as np

from course_utils import plotting
from course_utils.data import digits
from course_utils.real_data import digits_task, held_out_accuracy
from course_utils import hessian_outliers
from course_utils import path_plane
from matplotlib.colors import LogNorm

# %% [markdown]
# ## 0. The data and the network
#
# <!-- integrator: the digits, the 64-32-10 network, one training run -->

# %% [markdown]
# <!-- ===== SECTION 1 (helper A): bulk and outliers — Sagun et al. 2017; Papyan 2019 ===== -->
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
# 10 hold about a fifth of the trace. But **the miniature does not reproduce Papyan's $C$ separated outliers**: the
# top of the spectrum falls off smoothly, $\lambda_{10}/\lambda_{11}$ is 1.02 to 1.09 over 14 seeds, and the largest
# step among the top 20 is usually between $\lambda_1$ and $\lambda_2$, not after the tenth. We saw no gap at $C$
# at any of the training steps we checked (0 to 400), nor with 8 or 32 hidden units, the full training set, MSE or
# ReLU (we tried each; none separated ten outliers). Papyan measured networks with millions of parameters and thousands of images per class;
# his explanation needs the class means of the gradients to dominate their within-class spread, and with 50 images
# per class and a network this small they do not dominate enough to split off. They do point the right way: the
# span of the 10 class-mean gradients holds about 40 % of the top-10 eigenvectors' subspace (0.34–0.46 over 19
# draws), over forty times what a random subspace of the same size holds — the structure Papyan describes is there,
# without the gap. (Whether the count should be $C$ or $C-1$: the softmax
# Hessian $\operatorname{diag}(p) - pp^\top$ has rank $C-1$, and Papyan's figures show about $C$; our spectrum
# settles neither.) One more thing the cell checks: here training *flattened* the sharpest direction —
# $\lambda_{\max}$ ends at 14–30 % of its value at initialisation, as the softmax saturates and the Gauss–Newton
# weights $p(1-p)$ shrink (chapter 5 follows $\lambda_{\max}$ during training, and §3 asks when it grows instead).

# %% [markdown]
# <!-- ===== end of section 1 ===== -->
#
# <!-- ===== SECTION 2 (helper B): small vs large batch — Keskar et al. 2017; Li et al. 2018 ===== -->
# ## 2. Small and large batches: sharp and flat minima

# %% [markdown]
# <!-- ===== end of section 2 ===== -->
#
# <!-- ===== SECTION 3 (helper B): edge of stability — Cohen et al. 2021 ===== -->
# ## 3. The edge of stability

# %% [markdown]
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
