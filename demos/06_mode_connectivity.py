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
# # 06 · Mode connectivity
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget

from course_utils import connectivity, data, models, optimizers
from course_utils.randomness import default_rng
from course_utils.widgets import PathExplorer

X, y = data.two_moons(200, noise=0.15, rng=0)
model = models.MLP(X, y, hidden=(16,), activation="tanh", loss="cross_entropy")
theta_1, theta_2 = (optimizers.run(model, optimizers.adam(), model.init(default_rng(seed)), steps=400,
                                   lr=0.02).final_theta for seed in (4, 5))
line = connectivity.Path.line(theta_1, theta_2)
curve = connectivity.train_curve(model, theta_1, theta_2, steps=300, lr=0.02, rng=0).path

# %% [markdown]
# ## Path Explorer
# Two networks trained from different seeds, and two paths between them: the straight line and a trained Bézier
# curve. Move t from one network to the other: halfway along the line the accuracy sags well below the two ends';
# along the curve it stays close to theirs.

# %%
PathExplorer(model, {"straight line": line, "trained curve": curve}, presentation=True)
