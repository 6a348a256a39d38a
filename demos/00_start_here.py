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
# # 00 · Start here — a ball on a loss landscape
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
from course_utils.widgets import TerrainExplorer

# %% [markdown]
# ## Terrain Explorer
# Gradient descent is a ball rolling downhill: on the convex bowl every start reaches the one bottom, on the wobbly
# terrain the start decides which dip it ends in. Raise the learning rate η until the ball bounces out of the valley.

# %%
TerrainExplorer(terrain="wobbly", amplitude=1.0, x0=0.9, y0=0.8, lr=0.01, steps=60, presentation=True)
