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

from course_utils import plotting
from course_utils.data import digits
from course_utils.real_data import digits_task, held_out_accuracy

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
