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
# # 04 · Saddle points
# *Loss Landscapes, demo mode: the chapter's explorers, large, without code.*

# %%
# %matplotlib widget
from course_utils.widgets import MomentumMapExplorer, OptimizerRace, SaddleEscape

# %% [markdown]
# ## Life near a saddle
# Started a distance ε from a saddle, gradient descent lingers about ln(1/ε) / ln(1 + η|λ_min|) steps before it escapes.
# Shrink ε by factors of ten: each factor adds the same number of steps.

# %%
SaddleEscape(presentation=True)

# %% [markdown]
# ## The Optimizer Race
# Several optimizers start from the same point on the same landscape. Change the landscape, the start and the
# learning rate: which ones stall at the saddle, which escape, and which overshoot?

# %%
OptimizerRace(presentation=True)

# %% [markdown]
# ## A map of convergence: momentum on a quadratic
# Each pixel is a (learning rate, momentum) pair, coloured by how fast heavy-ball momentum converges on a quadratic
# with condition number κ. Raise κ: the fast region narrows and the best momentum β moves towards 1.

# %%
MomentumMapExplorer(presentation=True)
