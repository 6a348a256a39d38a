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
# # 02 · Loss geometry
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
from course_utils.widgets import LandscapeExplorer, RescalingExplorer, TwoLossesExplorer

# %% [markdown]
# ## Same model, two losses
# One logistic-regression model, two losses over the same two weights: cross-entropy is convex, the squared error
# on the sigmoid has plateaus and non-convex regions. Set the label noise to 0 and separate the classes: cross-entropy
# then has no finite minimum — it keeps falling along the separating direction.

# %%
TwoLossesExplorer(separation=3.0, label_noise=0.1, presentation=True)

# %% [markdown]
# ## Landscape Explorer
# A network has too many parameters to plot, so we slice its loss along two random directions through the trained
# weights. Change the directions and their normalization: what stays the same about the basin?

# %%
LandscapeExplorer(presentation=True)

# %% [markdown]
# ## Rescaling a ReLU network
# Multiplying one layer of a ReLU network by a and the next by 1/a leaves its function unchanged — yet the raw
# slice of its loss looks sharper or flatter. Filter-normalized slices do not move.

# %%
RescalingExplorer(scale=4.0, presentation=True)
