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

# %%
# %matplotlib widget
import numpy as np

from course_utils import optimizers, plotting
from course_utils.randomness import default_rng
from course_utils.real_data import digits_task, held_out_accuracy

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
# The network is the smallest one that shows every effect of this chapter: 64 inputs, one hidden layer of 32 tanh
# units and 10 outputs, one per class, trained with softmax cross-entropy,
#
# $$L(\theta) = -\frac1N \sum_{i=1}^N \log \frac{e^{f_{y_i}(x_i;\theta)}}{\sum_{c=1}^{10} e^{f_c(x_i;\theta)}},
# \qquad P = 64\cdot 32 + 32 + 32 \cdot 10 + 10 = 2{,}410 \text{ parameters}.$$
#
# It has more parameters than training images ($P = 2{,}410 > N = 1{,}343$), as the papers' networks do. **Predict:**
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
# <!-- ===== SECTION 1 (helper A): bulk and outliers — Sagun et al. 2017; Papyan 2019 ===== -->
# ## 1. Bulk and outliers: the Hessian of a trained classifier

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
